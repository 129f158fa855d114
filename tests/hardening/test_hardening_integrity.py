"""Hardening (issue 10, item 6): damage that keeps a file's size is found by the content hashes
in the manifest when a version is opened, with the file named and the command to rebuild; a
server keeps answering from the version it holds, and a broken version never starts one."""
from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from askintl.api import create_app
from askintl.engine import Engine
from askintl.errors import IndexUnavailableError, IndexMismatchError
from askintl.indexer import build_index
from askintl.index import FORMAT_VERSION, IndexStore, file_sha256

QUESTION = "How many international students are at Alpha University?"


def _replace_same_size(path, old: bytes, new: bytes) -> None:
    data = path.read_bytes()
    assert len(old) == len(new) and old in data
    path.write_bytes(data.replace(old, new))


def _garbage_in_the_middle(path) -> None:
    data = bytearray(path.read_bytes())
    mid = len(data) // 2
    data[mid:mid + 64] = bytes((b ^ 0x5A) for b in data[mid:mid + 64])
    path.write_bytes(bytes(data))


DAMAGES = {
    "meta.sqlite": lambda v: _replace_same_size(v / "meta.sqlite", b"2,500", b"9,500"),
    "passages.npy": lambda v: _garbage_in_the_middle(v / "passages.npy"),
    "sentence_spans.npy": lambda v: _garbage_in_the_middle(v / "sentence_spans.npy"),
    "dense.faiss": lambda v: _garbage_in_the_middle(v / "dense.faiss"),
    "lexical_vocab.json": lambda v: _replace_same_size(v / "lexical_vocab.json", b"alpha", b"omega"),
}





@pytest.mark.parametrize("name", list(DAMAGES))
def test_same_size_damage_is_refused_naming_the_file_and_the_command(built, name):
    settings, version = built
    size = (version / name).stat().st_size
    DAMAGES[name](version)
    assert (version / name).stat().st_size == size  # the size check alone cannot tell
    with pytest.raises(IndexUnavailableError) as caught:
        IndexStore(settings.index_dir).open()
    message = str(caught.value)
    assert name in message and "content hash" in message and "askintl index --rebuild" in message
    with pytest.raises(IndexUnavailableError, match=name):
        Engine.open(settings)


def test_the_manifest_lists_a_sha256_of_every_file(built):
    _, version = built
    manifest = json.loads((version / "manifest.json").read_text())
    assert manifest["format_version"] == FORMAT_VERSION == 3
    names = {p.name for p in version.iterdir() if p.name != "manifest.json"}
    assert set(manifest["sha256"]) == names
    for name in names:
        assert manifest["sha256"][name] == file_sha256(version / name)


def test_a_file_not_in_the_manifest_or_a_manifest_without_hashes_is_refused(built):
    settings, version = built
    manifest = json.loads((version / "manifest.json").read_text())
    del manifest["sha256"]["passages.npy"]
    (version / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexUnavailableError, match="passages.npy is not in the manifest"):
        Engine.open(settings)
    del manifest["sha256"]
    (version / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexUnavailableError, match="no content hashes.*askintl index --rebuild"):
        Engine.open(settings)


def test_an_index_of_the_previous_format_is_rebuilt_not_trusted(built):
    """Format 1 manifests had sizes only: they are refused as another format (`askintl serve`
    rebuilds such an index by itself, `askintl index` rebuilds it in full)."""
    settings, version = built
    manifest = json.loads((version / "manifest.json").read_text())
    manifest["format_version"] = 1
    del manifest["sha256"]
    (version / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(IndexMismatchError, match="format version 1.*askintl index --rebuild"):
        Engine.open(settings)
    report = build_index(settings)
    assert report.rebuilt and "format version 1" in report.rebuilt
    assert any("2,500" in p.text for p in Engine.open(settings).ask(QUESTION).passages)


@pytest.mark.parametrize("name", ["meta.sqlite", "passages.npy", "sentence_spans.npy"])
def test_an_engine_keeps_answering_from_its_version_when_the_new_one_is_damaged(built, tiny_corpus, name):
    settings, first = built
    engine = Engine.open(settings)
    before = engine.ask(QUESTION)
    assert any("2,500" in p.text for p in before.passages)
    (tiny_corpus / "delta.txt").write_text("Delta Academy opened a campus in Lisbon in 2020.", encoding="utf-8")
    build_index(settings)
    second = IndexStore(settings.index_dir).current_version()
    assert second != first
    DAMAGES[name](second)
    after = engine.ask(QUESTION)  # tries the new version, refuses it, keeps the old one
    assert engine.snapshot.path == first
    assert after.answer == before.answer and after.abstained == before.abstained
    assert [p.text for p in after.passages] == [p.text for p in before.passages]
    assert not any("9,500" in p.text for p in after.passages)


def test_a_server_does_not_start_healthy_on_a_damaged_version(built):
    settings, version = built
    DAMAGES["sentence_spans.npy"](version)
    app = create_app(settings)
    with pytest.raises(IndexUnavailableError, match="sentence_spans.npy"):
        with TestClient(app) as client:
            client.get("/healthz")  # never reached: the app refuses to start


def test_a_damaged_version_is_not_hashed_again_on_every_question(built, tiny_corpus, monkeypatch):
    """A server retries the current version on each question: a damaged one must fail at once
    the second time, not re-read gigabytes under the engine's lock, until its files change."""
    from askintl.index import manifest as manifest_module

    settings, first = built
    engine = Engine.open(settings)
    (tiny_corpus / "delta.txt").write_text("Delta Academy opened a campus in Lisbon in 2020.", encoding="utf-8")
    build_index(settings)
    second = IndexStore(settings.index_dir).current_version()
    DAMAGES["meta.sqlite"](second)
    hashed = []
    real = manifest_module.file_sha256
    monkeypatch.setattr(manifest_module, "file_sha256", lambda path, *a: hashed.append(path) or real(path, *a))
    engine.ask(QUESTION)
    assert hashed and engine.snapshot.path == first
    hashed.clear()
    for _ in range(3):
        engine.ask(QUESTION)
    assert hashed == [] and engine.snapshot.path == first
    with pytest.raises(IndexUnavailableError, match="meta.sqlite does not match"):
        IndexStore(settings.index_dir).open()
    # mended (here: the damage undone, so the files change again): verified anew and served
    _replace_same_size(second / "meta.sqlite", b"9,500", b"2,500")
    engine.ask(QUESTION)
    assert hashed and engine.snapshot.path == second

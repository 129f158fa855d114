"""Hardening: a damaged index (truncated files, wrong format version, another embedder, a bad
CURRENT pointer) gives a clear error that says what to run: never a crash, never a wrong answer."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from askintl.config import Settings
from askintl.engine import Engine
from askintl.errors import IndexUnavailableError
from askintl.indexer import build_index
from askintl.index import CURRENT, IndexStore

QUESTION = "How many international students are at Alpha University?"


def _truncate(path, keep=0.5):
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])


def _edit_manifest(version, fn):
    m = json.loads((version / "manifest.json").read_text())
    fn(m)
    (version / "manifest.json").write_text(json.dumps(m))


DAMAGES = {
    **{f"truncated {name}": (lambda v, name=name: _truncate(v / name)) for name in (
        "dense.faiss", "meta.sqlite", "passages.npy", "sentences.npy", "sentence_spans.npy",
        "passage_sentences.npy", "passage_docs.npy", "lexical.npz", "lexical_idf.npy", "lexical_vocab.json")},
    "missing dense.faiss": lambda v: (v / "dense.faiss").unlink(),
    "empty meta.sqlite": lambda v: (v / "meta.sqlite").write_bytes(b""),
    "truncated manifest": lambda v: _truncate(v / "manifest.json"),
    "manifest not an object": lambda v: (v / "manifest.json").write_text("[1, 2]"),
    "manifest with a list for embedder": lambda v: _edit_manifest(v, lambda m: m.update(embedder=[1])),
    "format version 99": lambda v: _edit_manifest(v, lambda m: m.update(format_version=99)),
    "other embedder": lambda v: _edit_manifest(v, lambda m: m["embedder"].update(id="hash:64")),
    "CURRENT not UTF-8": lambda v: (v.parent.parent / CURRENT).write_bytes(b"\xff\xfe\x00garbage"),
    "CURRENT names a missing version": lambda v: (v.parent.parent / CURRENT).write_text("v-nope\n"),
    "CURRENT names ..": lambda v: (v.parent.parent / CURRENT).write_text("..\n"),
    "CURRENT empty": lambda v: (v.parent.parent / CURRENT).write_text(""),
    "version folder deleted": lambda v: shutil.rmtree(v),
}





@pytest.mark.parametrize("damage", list(DAMAGES))
def test_damaged_index_is_refused_with_what_to_run(built, damage):
    settings, version = built
    DAMAGES[damage](version)
    with pytest.raises(IndexUnavailableError, match="askintl index"):
        Engine.open(settings)


def _swap_from_other_index(settings, tmp_path, name):
    """Replace one file by the same file of an index built with another dimension."""
    other = Settings(corpus_dir=settings.corpus_dir, index_dir=tmp_path / "other", embedder="hash:64")
    build_index(other)
    src = IndexStore(other.index_dir).current_version() / name
    dst = IndexStore(settings.index_dir).current_version()
    shutil.copy(src, dst / name)
    _edit_manifest(dst, lambda m: m["files"].update({name: src.stat().st_size}))  # sizes agree: only shapes tell


@pytest.mark.parametrize("name", ["passages.npy", "dense.faiss", "sentences.npy"])
def test_vectors_of_another_dimension_are_refused(built, tmp_path, name):
    settings, _ = built
    _swap_from_other_index(settings, tmp_path, name)
    with pytest.raises(IndexUnavailableError, match="inconsistent|damaged"):
        Engine.open(settings)


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
def test_database_damage_found_while_answering_is_an_index_error(built, keep):
    """An index without the size list (as older builds wrote) may only find a truncated
    meta.sqlite when a question reads it: that must be an index error (HTTP 503), never an
    unhandled crash nor an answer from half a database."""
    settings, version = built
    _edit_manifest(version, lambda m: m.pop("files"))
    _truncate(version / "meta.sqlite", keep)
    try:
        engine = Engine.open(settings)
        engine.ask(QUESTION)
        for d in engine.documents():
            engine.document(d.doc_id)
    except IndexUnavailableError as exc:
        assert "damaged" in str(exc) and "askintl index" in str(exc)
    else:
        pytest.fail("a truncated meta.sqlite was served")


def test_a_damaged_new_version_is_not_served_and_the_old_one_keeps_answering(built, tiny_corpus):
    settings, first = built
    engine = Engine.open(settings)
    before = engine.ask(QUESTION)
    (tiny_corpus / "delta.txt").write_text("Delta Academy opened a campus in Lisbon in 2020.", encoding="utf-8")
    build_index(settings)
    store = IndexStore(settings.index_dir)
    second = store.current_version()
    _truncate(second / "dense.faiss")
    after = engine.ask(QUESTION)  # tries the new version, refuses it, keeps the old one
    assert engine.snapshot.path == first
    assert [p.text for p in after.passages] == [p.text for p in before.passages]
    (tiny_corpus / "delta.txt").write_text("Delta Academy opened a campus in Porto in 2021.", encoding="utf-8")
    build_index(settings)  # the damaged version is simply replaced
    r = engine.ask("Where did Delta Academy open a campus?")
    assert engine.snapshot.path == store.current_version() != second
    assert "Porto" in r.passages[0].text


def test_indexing_over_a_damaged_index_rebuilds_it(built):
    settings, version = built
    _truncate(version / "passages.npy")
    report = build_index(settings)
    assert report.rebuilt and "unusable" in report.rebuilt
    assert Engine.open(settings).ask(QUESTION).passages


CLI_CASES = ["truncated dense.faiss", "truncated meta.sqlite", "truncated passages.npy", "other embedder",
             "CURRENT not UTF-8", "format version 99"]


@pytest.mark.parametrize("damage", CLI_CASES)
def test_cli_exits_with_a_clear_message_not_a_crash(built, damage):
    settings, version = built
    DAMAGES[damage](version)
    env = {**os.environ, "ASKINTL_EMBEDDER": "hash"}
    proc = subprocess.run([sys.executable, "-m", "askintl.cli", "ask", QUESTION, "--index", str(settings.index_dir)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 3, proc.stderr  # cli.EXIT_CODES[IndexUnavailableError]: no signal, no traceback
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("askintl: error:") and "askintl index" in proc.stderr
    assert proc.stdout == ""


def test_the_approximate_index_finds_what_the_exact_one_finds(tmp_path):
    """Past flat_index_max the store builds IVF-SQ8: the engine must answer from it, and its
    candidates, re-scored exactly, must rank like the exact index's."""
    from test_hardening_kill import write_corpus

    corpus = tmp_path / "corpus"
    write_corpus(corpus, "Zorblat", n_docs=150)
    exact = Settings(corpus_dir=corpus, index_dir=tmp_path / "exact", embedder="hash")
    approx = Settings(corpus_dir=corpus, index_dir=tmp_path / "approx", embedder="hash", flat_index_max=100)
    build_index(exact)
    build_index(approx)
    e_exact, e_approx = Engine.open(exact), Engine.open(approx)
    assert e_exact.snapshot.manifest["faiss"]["type"] == "flat"
    info = e_approx.snapshot.manifest["faiss"]
    assert info["type"] == "ivf_sq8" and 1 < info["nlist"] < e_approx.snapshot.n_passages
    same = 0
    questions = [f"How many exchange students does Institution{i} host?" for i in range(0, 150, 10)]
    for q in questions:
        a, b = e_exact.ask(q), e_approx.ask(q)
        assert b.passages
        same += [p.passage_id for p in a.passages[:3]] == [p.passage_id for p in b.passages[:3]]
    assert same >= len(questions) - 1

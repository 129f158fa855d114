"""`askintl index --ray` (askintl.distributed) on a local Ray instance this module starts itself:
two CPUs, so two worker processes at a time, on 127.0.0.1, no dashboard; stopped at the end.

A Ray build equals a local build of the same corpus (passages, offsets, manifest, vectors);
an incremental Ray build embeds only what changed; an embedding actor killed (SIGKILL of its
own process, after its first batch) is restarted by Ray and the index is still the local one;
a run whose actors keep dying fails and publishes nothing.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")

from askintl.config import Settings  # noqa: E402
from askintl.distributed import build_index_ray  # noqa: E402
from askintl.errors import IndexUnavailableError  # noqa: E402
from askintl.indexer import build_index, document_texts  # noqa: E402
from askintl.loaders import load_corpus  # noqa: E402
from askintl.index import CURRENT, VERSIONS, IndexStore  # noqa: E402

DATA = Path(__file__).resolve().parents[1] / "data"
TOPICS = ["scholarship", "dormitory", "visa", "exchange", "tuition", "language course", "internship", "insurance"]


def _write_corpus(folder: Path) -> None:
    """tests/data/tiny and 24 more documents: about 300 texts, 10 batches of the embedder."""
    shutil.copytree(DATA / "tiny", folder)
    for i in range(24):
        topic = TOPICS[i % len(TOPICS)]
        paras = [f"# Office {i}: {topic}\n"]
        for k in range(4):
            paras.append(f"Students of programme {i}-{k} ask about the {topic}. The office answers within "
                         f"{k + 2} days. Forms for the {topic} are on the second floor, room {100 + i}. "
                         f"Deadline {k + 1} is in month {(i + k) % 12 + 1}.")
        (folder / f"office-{i:02d}.md").write_text("\n\n".join(paras) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def ray_cluster():
    # Ray binds every service to the loopback address only with this (no remote "node IP").
    os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
    ray.init(num_cpus=2, include_dashboard=False, _node_ip_address="127.0.0.1", logging_level="WARNING",
             log_to_driver=False, configure_logging=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        yield ray
    finally:
        ray.shutdown()


@pytest.fixture
def corpus(tmp_path) -> Path:
    _write_corpus(tmp_path / "corpus")
    return tmp_path / "corpus"


def _settings(corpus: Path, index: Path) -> Settings:
    return Settings(corpus_dir=corpus, index_dir=index, embedder="hash")


def _read(index_dir: Path) -> dict:
    """What a version holds, for comparison: manifest (less its name, time and file hashes),
    documents, passages with their offsets and structure, sentence spans, vectors."""
    snap = IndexStore(index_dir).open()
    try:
        m = dict(snap.manifest)
        for key in ("created_at", "version", "sha256", "files", "faiss"):
            m.pop(key, None)
        return {
            "manifest": m,
            "documents": [(d.doc_id, d.content_hash, d.title) for d in snap.documents],
            "passages": snap._query('SELECT id, doc_idx, start, "end", text, heading_path, question, headers '
                                    "FROM passages ORDER BY id"),
            "spans": np.array(snap.sentence_spans),
            "offsets": np.array(snap.passage_sentences),
            "quotable": np.array(snap.sentence_quotable),
            "pv": np.array(snap.passage_vectors),
            "sv": np.array(snap.sentence_vectors, dtype=np.float32),
        }
    finally:
        snap.close()


def assert_same_index(a: Path, b: Path) -> None:
    x, y = _read(a), _read(b)
    assert x["manifest"] == y["manifest"]
    assert x["documents"] == y["documents"]
    assert x["passages"] == y["passages"]
    for key in ("spans", "offsets", "quotable"):
        assert np.array_equal(x[key], y[key]), key
    for key in ("pv", "sv"):
        assert x[key].shape == y[key].shape, key
        assert np.allclose(x[key], y[key], atol=1e-5), key


def _versions(index: Path) -> list[str]:
    return sorted(p.name for p in (index / VERSIONS).iterdir())


def test_ray_build_equals_local_build_and_incremental_ray_build_embeds_only_what_changed(ray_cluster, corpus,
                                                                                          tmp_path):
    local, distributed = tmp_path / "local", tmp_path / "ray"
    full_local = build_index(_settings(corpus, local))
    full_ray = build_index_ray(_settings(corpus, distributed), workers=2)
    assert full_ray.embedded_texts == full_local.embedded_texts > 10 * 32 // 2
    assert full_ray.passages == full_local.passages and full_ray.reused_texts == 0
    assert_same_index(local, distributed)

    # one document changed, one added, one removed
    changed = corpus / "office-03.md"
    changed.write_text(changed.read_text(encoding="utf-8") + "\nA new paragraph about the dormitory fees.\n",
                       encoding="utf-8")
    (corpus / "office-99.md").write_text("# Office 99\n\nThe summer school opens in July.\n", encoding="utf-8")
    (corpus / "office-07.md").unlink()
    docs = {d.doc_id: d for d in load_corpus(corpus).documents}
    expected = sum(len(document_texts(docs[i], 120)[1]) for i in ("office-03", "office-99"))

    inc_ray = build_index_ray(_settings(corpus, distributed))
    inc_local = build_index(_settings(corpus, local))
    assert (inc_ray.changed, inc_ray.added, inc_ray.removed) == (["office-03"], ["office-99"], ["office-07"])
    assert inc_ray.embedded_texts == expected == inc_local.embedded_texts
    assert inc_ray.reused_texts == inc_local.reused_texts > 0
    assert_same_index(local, distributed)

    # nothing changed: nothing is embedded, and the CLI's --ray takes the connected instance
    from askintl.cli import main

    assert main(["index", "--ray", "--corpus", str(corpus), "--index", str(distributed), "--embedder", "hash"]) == 0
    assert len(_versions(distributed)) == 2
    assert_same_index(local, distributed)


def test_a_killed_embedding_actor_is_restarted_and_the_index_is_still_right(ray_cluster, corpus, tmp_path):
    local, distributed = tmp_path / "local", tmp_path / "ray"
    build_index(_settings(corpus, local))
    marker = tmp_path / "killed"
    report = build_index_ray(_settings(corpus, distributed), workers=1,
                             _fault={"kill_after": 1, "marker": str(marker)})
    assert marker.exists(), "the actor was not killed"
    assert report.embedded_texts > 32  # more than the batch that was lost
    assert_same_index(local, distributed)


def test_a_failed_ray_build_publishes_nothing(ray_cluster, corpus, tmp_path):
    index = tmp_path / "index"
    build_index(_settings(corpus, index))
    live = (index / CURRENT).read_text()
    before = _versions(index)
    # Every actor dies after its first batch: after one restart the build gives up.
    with pytest.raises(IndexUnavailableError, match="nothing was published"):
        build_index_ray(_settings(corpus, index), rebuild=True, workers=1, retries=1, _fault={"kill_after": 1})
    assert (index / CURRENT).read_text() == live
    assert _versions(index) == before  # no new version, no partial one
    # ... and the writer lock was let go: the next build runs
    assert build_index_ray(_settings(corpus, index)).embedded_texts == 0


def test_the_default_install_never_imports_ray():
    code = ("import sys; from askintl.cli import build_parser; build_parser().format_help(); "
            "import askintl.indexer, askintl.distributed; print(json.dumps(sorted(m for m in sys.modules "
            "if m.split('.')[0] == 'ray')))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == []


def test_without_ray_the_build_says_how_to_install_it(monkeypatch, tmp_path):
    from askintl.distributed import import_ray
    from askintl.errors import ConfigError

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ConfigError, match=r"askintl\[ray\]"):
        import_ray()

"""Hardening (issue 10, item 9): a full disk. `askintl index` ends with a clear error (no
traceback), a non-zero exit and no partial version left behind, the previous version still
live; POST /v1/feedback answers 503 with Retry-After; answer records that cannot be written
are counted in /metrics. Disk full is simulated by making the write raise ENOSPC."""
from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from fastapi.testclient import TestClient

from askintl.index import manifest as manifest_module
from askintl.api import create_app
from askintl.api.errors import http_status
from askintl.cli import exit_code
from askintl.engine import Engine
from askintl.errors import IndexUnavailableError, IndexWriteError, StorageError
from askintl.api.feedback import FeedbackStore
from askintl.indexer import build_index
from askintl.index import CURRENT, VERSIONS, IndexStore
from helpers import metric_samples

QUESTION = "How many international students are at Alpha University?"


def _enospc(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.fixture
def built(hash_settings, tiny_corpus):
    build_index(hash_settings)
    first = IndexStore(hash_settings.index_dir).current_version()
    (tiny_corpus / "delta.txt").write_text("Delta Academy opened a campus in Lisbon in 2020.", encoding="utf-8")
    return hash_settings, first


def _versions(settings) -> list[str]:
    return sorted(p.name for p in (settings.index_dir / VERSIONS).iterdir())


def _sqlite_full_on_new_versions(monkeypatch):
    connect = sqlite3.connect

    class Full:
        def __init__(self, db):
            self._db = db

        def executescript(self, *a):
            err = sqlite3.OperationalError("database or disk is full")
            err.sqlite_errorcode = sqlite3.SQLITE_FULL
            raise err

        def __getattr__(self, name):
            return getattr(self._db, name)

    def fake(path, *a, **k):
        db = connect(path, *a, **k)
        return Full(db) if ".tmp-" in str(path) else db

    monkeypatch.setattr(manifest_module.sqlite3, "connect", fake)


WHERE = {
    "numpy file": lambda mp: mp.setattr(np, "save", _enospc),
    "meta.sqlite": _sqlite_full_on_new_versions,
    "manifest": lambda mp: mp.setattr(manifest_module, "file_sha256", _enospc),
    "CURRENT pointer (after the version folder is complete)": lambda mp: mp.setattr(manifest_module.os, "replace",
                                                                                   _enospc),
}


@pytest.mark.parametrize("where", list(WHERE))
def test_disk_full_while_indexing_is_a_clear_error_and_leaves_nothing_behind(built, monkeypatch, where):
    settings, first = built
    engine = Engine.open(settings)
    before = engine.ask(QUESTION)
    with monkeypatch.context() as mp:
        WHERE[where](mp)
        with pytest.raises(IndexWriteError) as caught:
            build_index(settings)
    message = str(caught.value)
    assert "no space left on device while writing index version" in message
    assert f"the previous version {first.name} is still serving" in message
    assert isinstance(caught.value, IndexUnavailableError) and exit_code(caught.value) != 0
    assert _versions(settings) == [first.name]  # no .tmp-* folder, no complete-but-unpublished one
    assert not (settings.index_dir / f".{CURRENT}.tmp").exists()
    assert IndexStore(settings.index_dir).current_version() == first
    after = engine.ask(QUESTION)
    assert engine.snapshot.path == first and after.answer == before.answer
    assert [p.text for p in after.passages] == [p.text for p in before.passages]
    build_index(settings)  # space again: the next run publishes
    assert engine.ask("Where did Delta Academy open a campus?").passages[0].doc_id == "delta"


def test_other_write_errors_are_clear_too(built, monkeypatch):
    settings, first = built
    monkeypatch.setattr(np, "save", lambda *a, **k: (_ for _ in ()).throw(OSError(errno.EIO, "Input/output error")))
    with pytest.raises(IndexWriteError, match=r"cannot write index version .*Input/output error.*still serving"):
        build_index(settings)
    assert _versions(settings) == [first.name]


def test_cli_index_on_a_full_disk_exits_non_zero_without_a_traceback(built):
    settings, first = built
    script = textwrap.dedent(f"""
        import errno, os, sys
        import numpy
        def enospc(*a, **k):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        numpy.save = enospc
        from askintl.cli import main
        sys.exit(main(["index", "--corpus", {str(settings.corpus_dir)!r}, "--index", {str(settings.index_dir)!r}]))
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "ASKINTL_EMBEDDER": "hash", "COLUMNS": "400"})
    assert proc.returncode == exit_code(IndexWriteError()) != 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "\naskintl: error: no space left on device while writing index version" in "\n" + proc.stderr
    assert f"the previous version {first.name} is still serving" in proc.stderr
    assert _versions(settings) == [first.name]


# ---- feedback and answer records ------------------------------------------------------------

class _FullDisk:
    """Stands in for the feedback store's connection: reads work, every write fails with ENOSPC."""

    def __init__(self, db):
        self._db = db

    def execute(self, sql, *args):
        if sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            _enospc()
        return self._db.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self._db, name)


def test_feedback_store_write_failures_are_storage_errors(tmp_path):
    fb = FeedbackStore(tmp_path / "fb.sqlite")
    fb._db = _FullDisk(fb._db)
    from askintl.records import AskResult

    result = AskResult(question="q?", standalone_query="q?", abstained=True, answer=None, passages=[],
                       confidence=0.0, language="en", institutions=[], reason="x", index_version="v")
    with pytest.raises(StorageError, match="no space left on device") as caught:
        fb.record_answer(result)
    assert http_status(caught.value) == 503 and caught.value.retry_after > 0
    fb._db = fb._db._db
    answer_id = fb.record_answer(result)  # the connection is still usable once space is back
    fb._db = _FullDisk(fb._db)
    with pytest.raises(StorageError, match="no space left on device"):
        fb.record_feedback(answer_id, helpful=False, comment="no")


@pytest.fixture
def client(hash_settings, tmp_path):
    build_index(hash_settings)  # the feedback file goes beside the index folder, in tmp_path
    with TestClient(create_app(hash_settings)) as c:
        yield c


def test_feedback_on_a_full_disk_is_503_with_retry_after_and_lost_answers_are_counted(client):
    app = client.app
    ok = client.post("/v1/ask", json={"question": QUESTION})
    assert ok.status_code == 200
    real = app.state.feedback._db
    app.state.feedback._db = _FullDisk(real)

    r = client.post("/v1/feedback", json={"answer_id": ok.json()["id"], "helpful": True})
    assert r.status_code == 503, r.text
    assert int(r.headers["Retry-After"]) > 0
    assert "no space left on device" in r.json()["detail"]

    for _ in range(3):  # the readers still get their answers; the lost records are counted
        r = client.post("/v1/ask", json={"question": QUESTION})
        assert r.status_code == 200 and r.json()["passages"]
    metrics = client.get("/metrics").text
    assert metric_samples(metrics)['askintl_answer_records_lost_total{reason="no_space"}'] == 3

    app.state.feedback._db = real
    r = client.post("/v1/feedback", json={"answer_id": ok.json()["id"], "helpful": True})
    assert r.status_code == 201

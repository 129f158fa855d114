"""Adding, replacing and deleting documents while the server keeps answering.

Documents are kept where ``askintl index`` reads them: one file per document in the corpus
folder (``<doc_id>.txt|.md|.html``) with its metadata in the folder's ``catalog.json``. So a
change made through the API survives restarts, and a later ``askintl index`` agrees with it.

Each change is written to the folder at once (atomically) and bumps a *generation*; one
background thread then reindexes the folder with ``index_documents`` (which re-embeds only
the documents whose text changed) and switches the engine to the new version. Questions are
answered from the previous version until then. Changes made while a reindex runs are
gathered into the next one.
"""
from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..config import Settings
from ..engine import Engine
from ..errors import (AskintlError, ConfigError, ConflictError, IndexUnavailableError, InvalidRequestError, LoaderError,
                     NotFoundError)
from ..identifiers import check_doc_id as _check_doc_id
from ..identifiers import check_url
from ..indexer import index_documents
from ..loaders import (SUFFIXES, CatalogUnreadable, iter_corpus_files, load_corpus, load_file,
                       updating_catalog)

log = logging.getLogger(__name__)

FORMATS = ("txt", "md", "html")
_METADATA = ("title", "institution", "aliases", "city", "language", "url")


@dataclass
class DocumentUpload:
    doc_id: str
    text: str
    format: str = "txt"
    title: str | None = None
    institution: str | None = None
    aliases: list[str] = field(default_factory=list)
    city: str | None = None
    language: str | None = None
    url: str | None = None

    def catalog_entry(self) -> dict:
        entry = {k: getattr(self, k) for k in _METADATA}
        return {k: v for k, v in entry.items() if v not in (None, "", [])}


@dataclass
class Change:
    doc_id: str | None  # None for a reindex of the whole folder
    action: str        # added | replaced | deleted | reindex
    generation: int    # the change is live once status()["indexed_generation"] reaches it


@dataclass
class ReindexStatus:
    state: str = "idle"               # idle | pending | running | failed
    generation: int = 0               # latest change requested
    indexed_generation: int = 0       # latest change that is live
    index_version: str = ""
    last_finished_at: str | None = None
    last_seconds: float | None = None
    last_report: dict | None = None   # added/changed/removed/unchanged/embedded/reused
    last_error: str | None = None


def check_doc_id(doc_id: str, new: bool = True) -> str:
    """The id rule of ``askintl.identifiers`` (the loader's too); a new id must also be portable."""
    return _check_doc_id(doc_id, new=new)


class CorpusAdmin:
    def __init__(self, settings: Settings, engine: Engine, on_reindex=None):
        self.settings = settings
        self.engine = engine
        self.corpus_dir = Path(settings.corpus_dir)
        self.on_reindex = on_reindex or (lambda outcome: None)
        self._files_lock = threading.Lock()   # corpus folder writes (and the reads that must see them whole)
        self._cond = threading.Condition()
        self._status = ReindexStatus(index_version=engine.snapshot.version)
        self._thread: threading.Thread | None = None
        self._attempted = 0   # the latest generation a reindex has started for
        self._closing = False

    # ---- documents ---------------------------------------------------------------------------
    def files_of(self, doc_id: str) -> list[Path]:
        if not self.corpus_dir.is_dir():
            return []
        return [p for p in iter_corpus_files(self.corpus_dir) if p.stem == doc_id and p.suffix.lower() in SUFFIXES]

    def put(self, upload: DocumentUpload, must_be_new: bool = False) -> Change:
        """Add a document, or replace the one with the same id; reindex in the background."""
        doc_id = check_doc_id(upload.doc_id)
        if upload.format not in FORMATS:
            raise InvalidRequestError(f"format must be one of {', '.join(FORMATS)}")
        if upload.url:
            check_url(upload.url)
        if not self.corpus_dir.is_dir():
            raise ConfigError(f"the corpus folder {self.corpus_dir} does not exist")
        with self._files_lock:
            old = self.files_of(doc_id)
            if old and must_be_new:
                raise ConflictError(f"document {doc_id!r} already exists: replace it with PUT")
            final = self.corpus_dir / f"{doc_id}.{upload.format}"
            tmp = self.corpus_dir / f".upload-{uuid.uuid4().hex}.{upload.format}"
            try:
                tmp.write_bytes(upload.text.encode("utf-8"))
                try:  # refuse what `askintl index` would skip, with the loader's reason
                    load_file(tmp, doc_id=doc_id)
                except LoaderError as exc:
                    raise InvalidRequestError(f"document {doc_id!r} cannot be indexed: {exc.reason}") from None
                with self._updating_catalog() as catalog:  # a crawl may be writing it too
                    catalog[doc_id] = upload.catalog_entry()
                    os.replace(tmp, final)
            finally:
                tmp.unlink(missing_ok=True)
            for path in old:
                if path != final:
                    path.unlink(missing_ok=True)
        return Change(doc_id, "replaced" if old else "added", self.request_reindex())

    def delete(self, doc_id: str) -> Change:
        check_doc_id(doc_id, new=False)  # any id the loader accepts can be deleted
        with self._files_lock:
            old = self.files_of(doc_id)
            if not old:
                raise NotFoundError(f"no document {doc_id!r} in the corpus folder {self.corpus_dir}")
            others = [p for p in iter_corpus_files(self.corpus_dir)
                      if p.stem != doc_id and p.suffix.lower() in SUFFIXES]
            if not others:
                raise ConflictError("refusing to delete the last document: the index would be empty")
            for path in old:
                path.unlink(missing_ok=True)
            with self._updating_catalog() as catalog:
                catalog.pop(doc_id, None)
        return Change(doc_id, "deleted", self.request_reindex())

    @contextlib.contextmanager
    def _updating_catalog(self):
        """``loaders.updating_catalog``, with an unreadable catalog reported as a ConfigError (500
        with its reason): its entries are never overwritten with a fresh catalog."""
        try:
            with updating_catalog(self.corpus_dir) as catalog:
                yield catalog
        except CatalogUnreadable as exc:
            raise ConfigError(f"cannot update the catalog: {exc}") from None

    # ---- background reindexing ---------------------------------------------------------------
    def request_reindex(self) -> int:
        with self._cond:
            self._status.generation += 1
            if self._status.state != "running":
                self._status.state = "pending"
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._work, name="askintl-reindex", daemon=True)
                self._thread.start()
            self._cond.notify_all()
            return self._status.generation

    def status(self) -> dict:
        with self._cond:
            return asdict(self._status)

    def wait(self, generation: int, timeout: float = 60.0) -> bool:
        """Block until ``generation`` is live (True), a reindex failed or ``timeout`` passed (False)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._status.indexed_generation < generation:
                if self._attempted >= generation and self._status.state == "failed":
                    return False
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True

    def close(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)

    def _work(self) -> None:
        while True:
            with self._cond:
                while not self._closing and self._status.generation <= self._attempted:
                    self._cond.wait()
                if self._closing:
                    return
                target = self._attempted = self._status.generation
                self._status.state = "running"
            t0 = time.perf_counter()
            try:
                report = self._reindex()
            except Exception as exc:  # noqa: BLE001 - reported in the status; answering goes on
                log.error("reindexing failed, still serving %s: %s", self.engine.snapshot.version, exc)
                outcome = "failed"
                with self._cond:
                    self._status.state = "pending" if self._status.generation > target else "failed"
                    self._status.last_error = (str(exc) if isinstance(exc, AskintlError)
                                               else f"{type(exc).__name__}: {exc}")
                    self._finish(t0)
            else:
                outcome = "ok"
                with self._cond:
                    self._status.indexed_generation = target
                    self._status.last_error = None
                    self._status.index_version = self.engine.snapshot.version
                    self._status.last_report = report
                    self._status.state = "pending" if self._status.generation > target else "idle"
                    self._finish(t0)
            self.on_reindex(outcome)

    def _finish(self, t0: float) -> None:
        self._status.last_seconds = round(time.perf_counter() - t0, 3)
        self._status.last_finished_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        self._cond.notify_all()

    def _reindex(self) -> dict:
        with self._files_lock:
            loaded = load_corpus(self.corpus_dir)
        if not loaded.documents:
            raise IndexUnavailableError(f"no readable documents in {self.corpus_dir}")
        report = index_documents(loaded.documents, self.engine.store, self.engine.embedder, self.settings,
                                 skipped=loaded.skipped)
        self.engine.reload_if_changed()
        log.info("reindexed: version %s, %d added, %d changed, %d removed, %d unchanged",
                 report.version, len(report.added), len(report.changed), len(report.removed), len(report.unchanged))
        return {"version": report.version, "documents": report.documents, "passages": report.passages,
                "added": report.added, "changed": report.changed, "removed": report.removed,
                "unchanged": len(report.unchanged), "embedded_texts": report.embedded_texts,
                "reused_texts": report.reused_texts, "skipped": [list(s) for s in report.skipped]}

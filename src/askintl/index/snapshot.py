"""One published index version, loaded for searching (``IndexSnapshot``).

A version is verified when it is opened: a file whose size or content hash differs from the
manifest's (same-size damage too: a digit changed in meta.sqlite, garbage in passages.npy) makes
the open fail with an index error that names the file and says to run ``askintl index
--rebuild``; a server keeps answering from the version it holds. Indexes of an older format are
not opened: ``askintl serve`` rebuilds them by itself, ``askintl index`` rebuilds them in full.
"""
from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from pathlib import Path

import numpy as np

from ..errors import IndexMismatchError, IndexUnavailableError, NotFoundError
from ..lexical import TOKENIZER_VERSION, BM25Index
from ..records import Chunk, Document, Span
from .dense import DenseIndex
from .manifest import FORMAT_VERSION, verify_files


# version folder → (signature of its files, the error) for versions found damaged
_FAILED_CHECKS: dict[str, tuple[tuple, str]] = {}


def _folder_signature(path: Path) -> tuple | None:
    try:
        with os.scandir(path) as entries:
            return tuple(sorted((e.name, st.st_size, st.st_mtime_ns, st.st_ino)
                                for e in entries for st in (e.stat(),)))
    except OSError:
        return None


class IndexSnapshot:
    """One published index version, loaded for searching. Immutable once open."""

    def __init__(self, path: Path, manifest: dict):
        self.path = path
        self.manifest = manifest
        self._db_lock = threading.Lock()

    @classmethod
    def open(cls, path: Path, expected_embedder: str | None = None) -> "IndexSnapshot":
        try:
            manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise IndexUnavailableError(f"index {path} has no readable manifest ({exc}): run `askintl index --rebuild`") from None
        if not (isinstance(manifest, dict) and all(isinstance(manifest.get(k, {}), dict)
                                                   for k in ("lexical", "embedder", "faiss", "files", "sha256"))):
            raise IndexUnavailableError(f"index {path} has a malformed manifest: run `askintl index --rebuild`")
        fmt = manifest.get("format_version")
        if fmt != FORMAT_VERSION:
            raise IndexMismatchError(
                f"index {path} has format version {fmt}, this askintl reads {FORMAT_VERSION}: "
                "run `askintl index --rebuild`"
            )
        if manifest.get("lexical", {}).get("tokenizer") != TOKENIZER_VERSION:
            raise IndexMismatchError(f"index {path} was built with another tokenizer: run `askintl index --rebuild`")
        built_with = manifest.get("embedder", {}).get("id")
        if expected_embedder and built_with != expected_embedder:
            raise IndexMismatchError(
                f"index {path} was built with embedder {built_with!r} but the configured embedder is "
                f"{expected_embedder!r}: run `askintl index` to rebuild it for {expected_embedder!r}, "
                f"or set ASKINTL_EMBEDDER to match the index"
            )
        snap = cls(path, manifest)
        try:
            snap._load()
        except IndexUnavailableError:
            raise
        except Exception as exc:  # any damaged file: say so, never serve from it
            raise IndexUnavailableError(
                f"index {path} is damaged ({type(exc).__name__}: {exc}): run `askintl index --rebuild`"
            ) from None
        return snap

    def _load(self) -> None:
        p = self.path
        self._check_files()
        self.dense = DenseIndex.read(p / "dense.faiss", self.manifest.get("faiss", {}))
        self.lexical = BM25Index.load(p)
        self.sentence_vectors = np.load(p / "sentences.npy", mmap_mode="r")
        self.sentence_spans = np.load(p / "sentence_spans.npy")
        self.passage_sentences = np.load(p / "passage_sentences.npy")
        self.sentence_quotable = np.load(p / "sentence_quotable.npy")
        self.passage_docs = np.load(p / "passage_docs.npy")
        uri = f"file:{p / 'meta.sqlite'}?mode=ro"
        self._db = sqlite3.connect(uri, uri=True, check_same_thread=False)
        # fetched_at and page_date (provenance, askintl crawl) were added to format 3 without a
        # new format: a version written before them reads them as "".
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(documents)").fetchall()}
        provenance = ", fetched_at, page_date" if {"fetched_at", "page_date"} <= columns else ", '', ''"
        rows = self._db.execute(
            "SELECT idx, doc_id, title, institution, aliases, city, language, url, source_path, content_hash"
            f"{provenance} FROM documents ORDER BY idx").fetchall()
        self.documents: list[Document] = [
            Document(doc_id=r[1], text="", title=r[2] or r[1], institution=r[3] or "",
                     aliases=tuple(json.loads(r[4] or "[]")), city=r[5] or "", language=r[6] or "en",
                     url=r[7], source_path=r[8] or "", content_hash=r[9] or "", fetched_at=r[10] or "",
                     page_date=r[11] or "")
            for r in rows
        ]
        self.doc_index = {d.doc_id: i for i, d in enumerate(self.documents)}
        n = self.dense.ntotal
        if not (n == len(self.passage_docs) == len(self.passage_sentences) - 1 == self.lexical.n_passages):
            raise IndexUnavailableError(f"index {p} is inconsistent (passage counts differ): run `askintl index --rebuild`")
        # The retriever maps passages.npy; a bad one must fail here, not in the middle of a question.
        dim = self.manifest.get("embedder", {}).get("dim")
        self.passage_vectors = np.load(p / "passages.npy", mmap_mode="r")
        if self.passage_vectors.shape != (n, dim) or self.dense.dim != dim or self.sentence_vectors.shape[1:] != (dim,):
            raise IndexUnavailableError(f"index {p} is inconsistent (vector shapes differ from the manifest's "
                              f"dimension {dim}): run `askintl index --rebuild`")
        if self.sentence_vectors.shape[0] != self.passage_sentences[-1] or len(self.sentence_spans) != self.passage_sentences[-1] \
                or len(self.sentence_quotable) != self.passage_sentences[-1]:
            raise IndexUnavailableError(f"index {p} is inconsistent (sentence counts differ): run `askintl index --rebuild`")

    def _check_files(self) -> None:
        """Verify the version's files (``manifest.verify_files``). A version found damaged is remembered
        with the size, time and inode of its files: while none of them changes, opening it again
        fails at once instead of hashing gigabytes anew (a server retries the current version on
        every question)."""
        key, signature = str(self.path), _folder_signature(self.path)
        failed = _FAILED_CHECKS.get(key)
        if failed and signature is not None and failed[0] == signature:
            raise IndexUnavailableError(failed[1])
        try:
            verify_files(self.path, self.manifest)
        except IndexUnavailableError as exc:
            if signature is not None:
                _FAILED_CHECKS[key] = (signature, str(exc))
                while len(_FAILED_CHECKS) > 16:
                    _FAILED_CHECKS.pop(next(iter(_FAILED_CHECKS)), None)
            raise
        _FAILED_CHECKS.pop(key, None)

    def _query(self, sql: str, params=()) -> list:
        """Run a read on meta.sqlite; a damaged database is an index error, not a crash."""
        try:
            with self._db_lock:
                return self._db.execute(sql, params).fetchall()
        except sqlite3.DatabaseError as exc:
            raise IndexUnavailableError(f"index {self.path} is damaged (meta.sqlite: {exc}): "
                              "run `askintl index --rebuild`") from None

    @property
    def version(self) -> str:
        return self.manifest.get("version", self.path.name)

    @property
    def n_passages(self) -> int:
        return self.dense.ntotal

    def passages(self, ids: list[int]) -> dict[int, tuple[int, int, int, str]]:
        """id → (doc_idx, start, end, text) for the given passage ids."""
        if not ids:
            return {}
        q = ",".join("?" * len(ids))
        rows = self._query(f'SELECT id, doc_idx, start, "end", text FROM passages WHERE id IN ({q})',
                           [int(i) for i in ids])
        out = {r[0]: (r[1], r[2], r[3], r[4]) for r in rows}
        if len(out) != len(set(int(i) for i in ids)):
            raise IndexUnavailableError(f"index {self.path} is damaged (meta.sqlite lacks passages): "
                              "run `askintl index --rebuild`")
        return out

    def structure(self, ids: list[int]) -> dict[int, tuple[list[str], str, list[str]]]:
        """id → (heading path, FAQ question or "", table headers) for the given passage ids."""
        if not ids:
            return {}
        q = ",".join("?" * len(ids))
        rows = self._query(f"SELECT id, heading_path, question, headers FROM passages WHERE id IN ({q})",
                           [int(i) for i in ids])
        return {r[0]: (json.loads(r[1] or "[]"), r[2] or "", json.loads(r[3] or "[]")) for r in rows}

    def quotable(self, sentence_row: int) -> bool:
        """False for a sentence that is a heading, a title or an FAQ question (structure.py)."""
        return bool(self.sentence_quotable[sentence_row])

    def document_text(self, doc_id: str) -> str:
        rows = self._query("SELECT text FROM documents WHERE doc_id = ?", (doc_id,))
        if not rows:
            raise NotFoundError(f"no document {doc_id!r} in the index")
        return rows[0][0]

    def document(self, doc_id: str) -> Document:
        if doc_id not in self.doc_index:
            raise NotFoundError(f"no document {doc_id!r} in the index")
        meta = self.documents[self.doc_index[doc_id]]
        from dataclasses import replace

        return replace(meta, text=self.document_text(doc_id))

    def sentences_of(self, passage_id: int) -> list[tuple[int, Span]]:
        """(sentence row, span) of every sentence of a passage."""
        a, b = int(self.passage_sentences[passage_id]), int(self.passage_sentences[passage_id + 1])
        return [(i, Span(int(self.sentence_spans[i, 0]), int(self.sentence_spans[i, 1]))) for i in range(a, b)]

    def reusable(self) -> dict[str, tuple[list[Chunk], np.ndarray, np.ndarray]]:
        """doc content hash → (chunks, passage vectors, sentence vectors), for incremental builds."""
        pv = self.passage_vectors
        rows = self._query('SELECT id, doc_idx, start, "end", text, heading_path, question, headers '
                           'FROM passages ORDER BY id')
        by_doc: dict[int, list] = {}
        for r in rows:
            by_doc.setdefault(r[1], []).append(r)
        out = {}
        for di, prow in by_doc.items():
            doc = self.documents[di]
            chunks, srows = [], []
            for pid, _, start, end, text, path, question, headers in prow:
                sents = self.sentences_of(pid)
                srows.extend(i for i, _ in sents)
                chunks.append(Chunk(doc.doc_id, start, end, text, tuple(s for _, s in sents),
                                    heading_path=tuple(json.loads(path or "[]")), question=question or "",
                                    headers=tuple(json.loads(headers or "[]")),
                                    not_content=tuple(k for k, (i, _) in enumerate(sents)
                                                      if not self.sentence_quotable[i])))
            ids = [r[0] for r in prow]
            out[doc.content_hash] = (chunks, np.asarray(pv[ids], dtype=np.float32),
                                     np.asarray(self.sentence_vectors[srows], dtype=np.float32))
        return out

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._db.close()

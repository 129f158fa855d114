"""One version folder on disk: its files, its manifest, and the helpers that make publishing
atomic (fsync, a clear error for a failed write).

The manifest lists every file of the version with its size and its SHA-256 (format 2; format
3 adds each passage's structure: heading path, FAQ question, table headers, quotable sentences).
``seal`` writes it once the files are complete; ``verify_files`` checks them against it when
the version is opened. Hashing reads every file once per open: 3.6 s for the 3.7 GiB of a
1M-passage index on one core (benchmarks/bench_index_hash.py).
"""
from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import IndexUnavailableError
from ..lexical import BM25Index
from ..records import Chunk, Document
from ..structure import context_of
from .dense import DenseIndex

# 2: the manifest holds the SHA-256 of every file ("sha256"), verified on open.
FORMAT_VERSION = 3
CURRENT = "CURRENT"
VERSIONS = "versions"


@dataclass
class IndexContent:
    """Everything one index version holds, in passage order."""

    documents: list[Document]
    chunks: list[Chunk]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray  # one row per sentence, in chunk order


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def fsync_tree(path: Path) -> None:
    for p in path.iterdir():
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())
    fsync_dir(path)


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, read in chunks (never the whole file in memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        buf = bytearray(chunk)
        view = memoryview(buf)
        while n := fh.readinto(buf):
            digest.update(view[:n])
    return digest.hexdigest()


def describe_write_error(exc: BaseException) -> str:
    if isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
        return "no space left on device"
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return "no space left on device"
        return (exc.strerror or str(exc)) + (f": {exc.filename}" if exc.filename else "")
    return str(exc)


def is_disk_full(exc: BaseException) -> bool:
    return describe_write_error(exc) == "no space left on device"


def write_failure(exc: BaseException, name: str, versions: Path, previous: Path | None) -> str:
    """The message of the ``IndexWriteError`` a failed publish raises."""
    still = (f"the previous version {previous.name} is still serving" if previous
             else "no index version was published")
    if is_disk_full(exc):
        return (f"no space left on device while writing index version {name} in {versions}; {still}. "
                "Free some space and run `askintl index` again")
    return f"cannot write index version {name} in {versions} ({describe_write_error(exc)}); {still}"


def write_version(folder: Path, content: IndexContent, manifest: dict, flat_max: int) -> dict:
    """Write the files of a version into ``folder`` (all but the manifest); returns what the
    manifest says of the dense index."""
    chunks = content.chunks
    db = sqlite3.connect(folder / "meta.sqlite")
    try:
        db.executescript(
            """
            CREATE TABLE documents (idx INTEGER PRIMARY KEY, doc_id TEXT UNIQUE NOT NULL, title TEXT,
                institution TEXT, aliases TEXT, city TEXT, language TEXT, url TEXT,
                source_path TEXT, content_hash TEXT, text TEXT NOT NULL, fetched_at TEXT, page_date TEXT);
            CREATE TABLE passages (id INTEGER PRIMARY KEY, doc_idx INTEGER NOT NULL,
                start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
                heading_path TEXT NOT NULL DEFAULT '[]', question TEXT NOT NULL DEFAULT '',
                headers TEXT NOT NULL DEFAULT '[]');
            """
        )
        doc_idx = {d.doc_id: i for i, d in enumerate(content.documents)}
        db.executemany(
            "INSERT INTO documents VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(i, d.doc_id, d.title, d.institution, json.dumps(list(d.aliases), ensure_ascii=False), d.city,
              d.language, d.url, d.source_path, d.content_hash, d.text, d.fetched_at, d.page_date)
             for i, d in enumerate(content.documents)],
        )
        db.executemany("INSERT INTO passages VALUES (?,?,?,?,?,?,?,?)",
                       [(i, doc_idx[c.doc_id], c.start, c.end, c.text,
                         json.dumps(list(c.heading_path), ensure_ascii=False), c.question,
                         json.dumps(list(c.headers), ensure_ascii=False)) for i, c in enumerate(chunks)])
        db.commit()
    finally:
        db.close()
    dim = manifest["embedder"]["dim"]
    pv = np.asarray(content.passage_vectors, dtype=np.float32).reshape(-1, dim)
    sv = np.asarray(content.sentence_vectors, dtype=np.float32).reshape(-1, dim)
    np.save(folder / "passages.npy", pv)
    np.save(folder / "sentences.npy", sv.astype(np.float16))
    spans = np.array([(s.start, s.end) for c in chunks for s in c.sentences], dtype=np.int64).reshape(-1, 2)
    offsets = np.zeros(len(chunks) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(c.sentences) for c in chunks])
    np.save(folder / "sentence_spans.npy", spans)
    quotable = np.ones(len(spans), dtype=np.bool_)
    row = 0
    for c in chunks:
        for k in c.not_content:
            quotable[row + k] = False
        row += len(c.sentences)
    np.save(folder / "sentence_quotable.npy", quotable)
    np.save(folder / "passage_sentences.npy", offsets)
    np.save(folder / "passage_docs.npy", np.array([doc_idx[c.doc_id] for c in chunks], dtype=np.int32))
    dense = DenseIndex.build(pv, flat_max)
    dense.write(folder / "dense.faiss")
    # A passage is matched lexically with its place in the document too: the words of its
    # heading path and FAQ question ("tuition" in a heading finds the fee table below it).
    BM25Index.build([context_of(c.heading_path, c.question, c.headers, c.text) + c.text
                     for c in chunks]).save(folder)
    return dense.info


def seal(folder: Path, manifest: dict) -> dict:
    """Write ``manifest.json`` listing every file of ``folder`` with its size and SHA-256."""
    # Sizes tell a truncated or swapped file cheaply; content hashes tell any change.
    written = sorted(p for p in folder.iterdir() if p.is_file())
    files = {p.name: p.stat().st_size for p in written}
    hashes = {p.name: file_sha256(p) for p in written}
    manifest = {**manifest, "files": files, "sha256": hashes}
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
    return manifest


def verify_files(path: Path, manifest: dict) -> None:
    """Every file of the version is listed in the manifest with its content hash, is there, at
    the size it was written with, and has that content (SHA-256, read in chunks)."""
    hashes = manifest.get("sha256")
    rebuild = "run `askintl index --rebuild`"
    if not isinstance(hashes, dict) or not hashes:
        raise IndexUnavailableError(f"index {path} is damaged (its manifest has no content hashes): {rebuild}")
    sizes = manifest.get("files") or {}
    try:
        present = {p.name for p in path.iterdir() if p.is_file() and p.name != "manifest.json"}
    except OSError as exc:
        raise IndexUnavailableError(f"index {path} cannot be read ({exc}): {rebuild}") from None
    unlisted = sorted(present - set(hashes))
    if unlisted:
        raise IndexUnavailableError(f"index {path} is damaged ({unlisted[0]} is not in the manifest's "
                                    f"content hashes): {rebuild}")
    for name in sorted(set(hashes) | set(sizes)):
        file = path / name
        if name not in hashes or "/" in name or name.startswith(".") or not file.is_file():
            raise IndexUnavailableError(f"index {path} is damaged ({name} is missing): {rebuild}")
        actual = file.stat().st_size
        if name in sizes and actual != sizes[name]:
            raise IndexUnavailableError(f"index {path} is damaged ({name} has {actual} bytes, "
                                        f"{sizes[name]} were written): {rebuild}")
    for name in sorted(hashes):
        try:
            digest = file_sha256(path / name)
        except OSError as exc:
            raise IndexUnavailableError(f"index {path} is damaged ({name} cannot be read: {exc}): "
                                        f"{rebuild}") from None
        if digest != hashes[name]:
            raise IndexUnavailableError(f"index {path} is damaged ({name} does not match the content hash "
                                        f"written with it): {rebuild}")

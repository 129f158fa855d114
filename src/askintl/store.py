"""The index folder: FAISS + lexical matrix + SQLite metadata + manifest, published atomically.

    index/
      CURRENT                  name of the live version (replaced atomically)
      .lock                    held by the one writer
      versions/<name>/
        manifest.json          format, embedder id and dimension, chunking, per-document hashes
        meta.sqlite            documents (with their text) and passages
        dense.faiss            passage vectors: exact inner product, IVF-SQ8 past a size threshold
        passages.npy           the same vectors (reused by incremental builds)
        sentences.npy          sentence vectors, for choosing the answer quote
        sentence_spans.npy     (start, end) of every sentence; passage_sentences.npy indexes it
        sentence_quotable.npy  False for a heading, a title or an FAQ question (never quoted)
        lexical.npz, lexical_idf.npy, lexical_vocab.json

A new version is written beside the live one and becomes live by replacing CURRENT; a crash
at any point leaves the previous version live and loadable. A write that fails (no space left
on device, an I/O error) removes the partial version and raises ``IndexWriteError``: the
previous version stays live.

The manifest lists every file of the version with its size and its SHA-256 (format 2; format
3 adds each passage's structure: heading path, FAQ question, table headers, quotable sentences). A
version is verified when it is opened: a file whose size or content hash differs (same-size
damage too: a digit changed in meta.sqlite, garbage in passages.npy) makes the open fail with
an index error that names the file and says to run ``askintl index --rebuild``; a server keeps
answering from the version it holds. Hashing reads every file once per open: 3.6 s for the
3.7 GiB of a 1M-passage index on one core (benchmarks/bench_index_hash.py). Indexes of an older
format are not opened: ``askintl serve`` rebuilds them by itself, ``askintl
index`` rebuilds them in full.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import IndexUnavailableError, IndexMismatchError, IndexMissingError, IndexWriteError, NotFoundError
from .lexical import TOKENIZER_VERSION, BM25Index
from .records import Chunk, Document, Span
from .structure import context_of

log = logging.getLogger(__name__)

# 2: the manifest holds the SHA-256 of every file ("sha256"), verified on open.
FORMAT_VERSION = 3
CURRENT = "CURRENT"
VERSIONS = "versions"
_KEEP_OLD_VERSIONS = 1


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def file_sha256(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, read in chunks (never the whole file in memory)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        buf = bytearray(chunk)
        view = memoryview(buf)
        while n := fh.readinto(buf):
            digest.update(view[:n])
    return digest.hexdigest()


def _fsync_tree(path: Path) -> None:
    for p in path.iterdir():
        if p.is_file():
            with open(p, "rb") as fh:
                os.fsync(fh.fileno())
    _fsync_dir(path)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL:
        return "no space left on device"
    if isinstance(exc, OSError):
        if exc.errno == errno.ENOSPC:
            return "no space left on device"
        return (exc.strerror or str(exc)) + (f": {exc.filename}" if exc.filename else "")
    return str(exc)


def _is_disk_full(exc: BaseException) -> bool:
    return _describe(exc) == "no space left on device"


def _write_failure(exc: BaseException, name: str, versions: Path, previous: Path | None) -> str:
    still = (f"the previous version {previous.name} is still serving" if previous
             else "no index version was published")
    if _is_disk_full(exc):
        return (f"no space left on device while writing index version {name} in {versions}; {still}. "
                "Free some space and run `askintl index` again")
    return f"cannot write index version {name} in {versions} ({_describe(exc)}); {still}"


def build_faiss(vectors: np.ndarray, flat_max: int):
    """Exact inner-product index while small; past ``flat_max`` passages an IVF index over
    8-bit scalar-quantized vectors. Its candidates are approximate, its scores too: the
    retriever re-scores every candidate exactly from passages.npy, so only which passages come
    back matters (recall), at a quarter of the memory of IVF-Flat. The type and the parameters
    come from benchmarks/bench_scale.py (see benchmarks/RESULTS.md, "Scale").
    """
    import faiss

    n, dim = vectors.shape
    if n <= flat_max:
        index = faiss.IndexFlatIP(dim)
        index.add(np.ascontiguousarray(vectors, dtype=np.float32))
        return index, {"type": "flat"}
    # ~4 sqrt(n) lists, and at least 39 training points per list (what k-means needs).
    nlist = int(min(2 ** round(np.log2(4 * np.sqrt(n))), max(1, n // 39)))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                          faiss.METRIC_INNER_PRODUCT)
    rng = np.random.default_rng(0)
    train = vectors[np.sort(rng.choice(n, size=min(n, nlist * 40), replace=False))]
    index.train(np.ascontiguousarray(train, dtype=np.float32))
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    # Synthetic e5-like vectors reach recall@10 0.998 with 128 lists probed at 100k and at 1M
    # passages; real e5 vectors need about twice the probes of the synthetic ones for the same
    # recall (benchmarks/bench_ann_real.py), hence this margin: ~0.99 expected on real corpora.
    nprobe = min(nlist, max(128, nlist // 32))
    index.nprobe = nprobe
    return index, {"type": "ivf_sq8", "nlist": nlist, "nprobe": nprobe}


@dataclass
class IndexContent:
    """Everything one index version holds, in passage order."""

    documents: list[Document]
    chunks: list[Chunk]
    passage_vectors: np.ndarray
    sentence_vectors: np.ndarray  # one row per sentence, in chunk order


class IndexStore:
    """Reads and writes versions of one index folder."""

    def __init__(self, root: Path):
        self.root = Path(root)

    # ---- reading -------------------------------------------------------------------------
    def current_version(self) -> Path | None:
        try:
            name = (self.root / CURRENT).read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:  # ValueError: not UTF-8
            raise IndexUnavailableError(f"cannot read {self.root / CURRENT}: {exc}: run `askintl index --rebuild`") from None
        path = self.root / VERSIONS / name
        if not name or "/" in name or "\0" in name or name.startswith(".") or not path.is_dir():
            raise IndexUnavailableError(
                f"{self.root / CURRENT} names version {name!r}, which is missing: run `askintl index --rebuild`"
            )
        return path

    def exists(self) -> bool:
        try:
            return self.current_version() is not None
        except IndexUnavailableError:
            return False

    def open(self, expected_embedder: str | None = None) -> "IndexSnapshot":
        path = self.current_version()
        if path is None:
            raise IndexMissingError(
                f"no index in {self.root}: run `askintl index --index {self.root}` first"
            )
        return IndexSnapshot.open(path, expected_embedder)

    # ---- writing -------------------------------------------------------------------------
    @contextlib.contextmanager
    def writer_lock(self):
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fh = open(self.root / ".lock", "a+")  # noqa: SIM115 - closed below
        except OSError as exc:
            raise IndexWriteError(f"cannot write the index folder {self.root}: {_describe(exc)}") from None
        with fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise IndexUnavailableError(f"another `askintl index` is writing {self.root}; try again when it ends") from None
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def publish(self, content: IndexContent, manifest: dict, flat_max: int) -> Path:
        """Write a new version and make it live atomically. Call under ``writer_lock``.

        A failed write (disk full, I/O error) removes what was written and raises
        ``IndexWriteError``; the previous version stays live.
        """
        versions = self.root / VERSIONS
        # Names sort in publication order (microseconds), even for two publishes in one second.
        now = time.time()
        name = time.strftime("v%Y%m%d-%H%M%S", time.gmtime(now)) + f"{int(now * 1e6) % 1_000_000:06d}-" \
            + uuid.uuid4().hex[:6]
        tmp = versions / f".tmp-{name}"
        final = versions / name
        pointer = self.root / f".{CURRENT}.tmp"
        try:
            previous = self.current_version()
        except IndexUnavailableError:
            previous = None
        live = False
        try:
            versions.mkdir(parents=True, exist_ok=True)
            self._remove_partial_builds()
            tmp.mkdir()
            faiss_info = _write_version(tmp, content, manifest, flat_max)
            # Sizes tell a truncated or swapped file cheaply; content hashes tell any change.
            written = sorted(p for p in tmp.iterdir() if p.is_file())
            files = {p.name: p.stat().st_size for p in written}
            hashes = {p.name: file_sha256(p) for p in written}
            manifest = {**manifest, "faiss": faiss_info, "version": name, "files": files, "sha256": hashes}
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False), encoding="utf-8")
            _fsync_tree(tmp)
            os.rename(tmp, final)
            _fsync_dir(versions)
            with open(pointer, "w", encoding="utf-8") as fh:
                fh.write(name + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(pointer, self.root / CURRENT)
            live = True
            _fsync_dir(self.root)
        except BaseException as exc:
            if not live:  # nothing of this version may stay behind: it would fill the disk again
                shutil.rmtree(tmp, ignore_errors=True)
                shutil.rmtree(final, ignore_errors=True)
                with contextlib.suppress(OSError):
                    pointer.unlink(missing_ok=True)
            if isinstance(exc, (OSError, sqlite3.Error)):
                raise IndexWriteError(_write_failure(exc, name, versions, previous)) from None
            raise
        self._remove_old_versions(keep=name, previous=previous.name if previous else None)
        return final

    def _remove_partial_builds(self) -> None:
        for p in (self.root / VERSIONS).glob(".tmp-*"):
            shutil.rmtree(p, ignore_errors=True)

    def _remove_old_versions(self, keep: str, previous: str | None = None) -> None:
        """Keep the live version and the one that was live before it (readers may still hold it).

        The one kept is the version CURRENT named before this publish, not the newest folder:
        a writer killed between renaming its folder and replacing CURRENT leaves a complete
        folder that was never live, and it must not push out the one readers are using.
        """
        others = sorted((p for p in (self.root / VERSIONS).iterdir()
                         if p.is_dir() and not p.name.startswith(".") and p.name != keep),
                        key=lambda p: (p.name == previous, p.stat().st_mtime), reverse=True)
        for p in others[_KEEP_OLD_VERSIONS:]:
            shutil.rmtree(p, ignore_errors=True)


def _write_version(folder: Path, content: IndexContent, manifest: dict, flat_max: int) -> dict:
    import faiss

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
    index, info = build_faiss(pv, flat_max)
    try:
        faiss.write_index(index, str(folder / "dense.faiss"))
    except RuntimeError as exc:  # faiss reports a failed write (a full disk too) this way
        code = errno.ENOSPC if "No space left" in str(exc) else errno.EIO
        raise OSError(code, f"{os.strerror(code)} (writing dense.faiss: {exc})") from None
    # A passage is matched lexically with its place in the document too: the words of its
    # heading path and FAQ question ("tuition" in a heading finds the fee table below it).
    BM25Index.build([context_of(c.heading_path, c.question, c.headers, c.text) + c.text
                     for c in chunks]).save(folder)
    return info


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
        import faiss

        p = self.path
        self._check_files()
        self.dense = faiss.read_index(str(p / "dense.faiss"))
        if self.manifest.get("faiss", {}).get("nprobe"):
            self.dense.nprobe = int(self.manifest["faiss"]["nprobe"])
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
        if self.passage_vectors.shape != (n, dim) or self.dense.d != dim or self.sentence_vectors.shape[1:] != (dim,):
            raise IndexUnavailableError(f"index {p} is inconsistent (vector shapes differ from the manifest's "
                              f"dimension {dim}): run `askintl index --rebuild`")
        if self.sentence_vectors.shape[0] != self.passage_sentences[-1] or len(self.sentence_spans) != self.passage_sentences[-1] \
                or len(self.sentence_quotable) != self.passage_sentences[-1]:
            raise IndexUnavailableError(f"index {p} is inconsistent (sentence counts differ): run `askintl index --rebuild`")

    def _check_files(self) -> None:
        """Verify the version's files (``_verify_files``). A version found damaged is remembered
        with the size, time and inode of its files: while none of them changes, opening it again
        fails at once instead of hashing gigabytes anew (a server retries the current version on
        every question)."""
        key, signature = str(self.path), _folder_signature(self.path)
        failed = _FAILED_CHECKS.get(key)
        if failed and signature is not None and failed[0] == signature:
            raise IndexUnavailableError(failed[1])
        try:
            self._verify_files()
        except IndexUnavailableError as exc:
            if signature is not None:
                _FAILED_CHECKS[key] = (signature, str(exc))
                while len(_FAILED_CHECKS) > 16:
                    _FAILED_CHECKS.pop(next(iter(_FAILED_CHECKS)), None)
            raise
        _FAILED_CHECKS.pop(key, None)

    def _verify_files(self) -> None:
        """Every file of the version is listed in the manifest with its content hash, is there, at
        the size it was written with, and has that content (SHA-256, read in chunks)."""
        hashes = self.manifest.get("sha256")
        rebuild = "run `askintl index --rebuild`"
        if not isinstance(hashes, dict) or not hashes:
            raise IndexUnavailableError(f"index {self.path} is damaged (its manifest has no content hashes): {rebuild}")
        sizes = self.manifest.get("files") or {}
        try:
            present = {p.name for p in self.path.iterdir() if p.is_file() and p.name != "manifest.json"}
        except OSError as exc:
            raise IndexUnavailableError(f"index {self.path} cannot be read ({exc}): {rebuild}") from None
        unlisted = sorted(present - set(hashes))
        if unlisted:
            raise IndexUnavailableError(f"index {self.path} is damaged ({unlisted[0]} is not in the manifest's "
                              f"content hashes): {rebuild}")
        for name in sorted(set(hashes) | set(sizes)):
            path = self.path / name
            if name not in hashes or "/" in name or name.startswith(".") or not path.is_file():
                raise IndexUnavailableError(f"index {self.path} is damaged ({name} is missing): {rebuild}")
            actual = path.stat().st_size
            if name in sizes and actual != sizes[name]:
                raise IndexUnavailableError(f"index {self.path} is damaged ({name} has {actual} bytes, "
                                  f"{sizes[name]} were written): {rebuild}")
        for name in sorted(hashes):
            try:
                digest = file_sha256(self.path / name)
            except OSError as exc:
                raise IndexUnavailableError(f"index {self.path} is damaged ({name} cannot be read: {exc}): {rebuild}") from None
            if digest != hashes[name]:
                raise IndexUnavailableError(f"index {self.path} is damaged ({name} does not match the content hash "
                                  f"written with it): {rebuild}")

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
        return int(self.dense.ntotal)

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

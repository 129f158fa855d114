"""An index folder and its versions (``IndexStore``): which one is live, one writer at a time,
publishing a new one atomically.

    index/
      CURRENT                  name of the live version (replaced atomically)
      .lock                    held by the one writer
      versions/<name>/
        manifest.json          format, embedder id and dimension, chunking, per-document hashes,
                               every file's size and SHA-256 (manifest.py)
        meta.sqlite            documents (with their text) and passages
        dense.faiss            passage vectors: exact inner product, IVF-SQ8 past a size threshold (dense.py)
        passages.npy           the same vectors (reused by incremental builds)
        sentences.npy          sentence vectors, for choosing the answer quote
        sentence_spans.npy     (start, end) of every sentence; passage_sentences.npy indexes it
        sentence_quotable.npy  False for a heading, a title or an FAQ question (never quoted)
        lexical.npz, lexical_idf.npy, lexical_vocab.json

A new version is written beside the live one and becomes live by replacing CURRENT; a crash
at any point leaves the previous version live and loadable. A write that fails (no space left
on device, an I/O error) removes the partial version and raises ``IndexWriteError``: the
previous version stays live. Opening the live version gives an ``IndexSnapshot`` (snapshot.py).
"""
from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import sqlite3
import time
import uuid
from pathlib import Path

from ..errors import IndexMissingError, IndexUnavailableError, IndexWriteError
from .manifest import (CURRENT, VERSIONS, IndexContent, describe_write_error, fsync_dir, fsync_tree, seal,
                       write_failure, write_version)
from .snapshot import IndexSnapshot

_KEEP_OLD_VERSIONS = 1


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
            raise IndexWriteError(f"cannot write the index folder {self.root}: {describe_write_error(exc)}") from None
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
            dense_info = write_version(tmp, content, manifest, flat_max)
            seal(tmp, {**manifest, "faiss": dense_info, "version": name})
            fsync_tree(tmp)
            os.rename(tmp, final)
            fsync_dir(versions)
            with open(pointer, "w", encoding="utf-8") as fh:
                fh.write(name + "\n")
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(pointer, self.root / CURRENT)
            live = True
            fsync_dir(self.root)
        except BaseException as exc:
            if not live:  # nothing of this version may stay behind: it would fill the disk again
                shutil.rmtree(tmp, ignore_errors=True)
                shutil.rmtree(final, ignore_errors=True)
                with contextlib.suppress(OSError):
                    pointer.unlink(missing_ok=True)
            if isinstance(exc, (OSError, sqlite3.Error)):
                raise IndexWriteError(write_failure(exc, name, versions, previous)) from None
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

"""The index folder: what is built from the corpus and searched by the retriever.

    store.py      IndexStore: the folder, its versions, the live one (CURRENT), atomic publish
    manifest.py   one version's files and manifest (format, sizes, SHA-256); writing, verifying
    snapshot.py   IndexSnapshot: one published version, loaded and verified, for searching
    dense.py      DenseIndex: the FAISS index over passage vectors
"""
from __future__ import annotations

from .dense import DenseIndex
from .manifest import CURRENT, FORMAT_VERSION, VERSIONS, IndexContent, file_sha256
from .snapshot import IndexSnapshot
from .store import IndexStore

__all__ = ["CURRENT", "FORMAT_VERSION", "VERSIONS", "DenseIndex", "IndexContent", "IndexSnapshot", "IndexStore",
           "file_sha256"]

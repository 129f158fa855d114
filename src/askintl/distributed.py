"""`askintl index --ray`: the same index, built on a Ray cluster with Ray Data.

    driver                                  cluster (Ray Data)
    list corpus files, read catalog.json
                                      ───▶  load + structure: one task per file (loaders.load_one)
    plan under the writer lock
    (indexer.plan_build: reuse by hash)
    only new or changed documents     ───▶  chunk: one task per document (indexer.document_texts)
                                            embed: actors that load the model once each and take
                                            batches of indexer.BATCH texts
    assemble + publish atomically     ◀───  vectors
    (indexer.publish_build)

Everything but the three middle steps is the local build's own code, so both give the same
passages, offsets and manifest, and vectors equal within float tolerance (one model call per
batch of the same texts). The corpus folder must be readable at the same path on every node
(shared storage); the index is written by the driver only. A worker or actor that dies is
retried by Ray (``retries`` times); a run that fails raises before publishing, so the live
version stays live. Ray is imported only here, and only when a Ray build runs: the default
install does not have it (``pip install 'askintl[ray]'``).
"""
from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import time
import warnings
from pathlib import Path

import numpy as np

from .config import Settings
from .embedders import embedder_id_for, load_embedder
from .errors import AskintlError, ConfigError, IndexUnavailableError
from .indexer import BATCH, EmbedderInfo, IndexReport, document_texts, plan_build, publish_build
from .loaders import load_corpus
from .index import IndexStore

log = logging.getLogger(__name__)

#: most Ray Data blocks a stage is split into (one document per block up to this many)
MAX_BLOCKS = 1024


def import_ray():
    """``ray`` and ``ray.data``, or a ConfigError that says how to install them."""
    try:
        import ray
        import ray.data  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"`askintl index --ray` needs Ray ({exc}): pip install 'askintl[ray]'") from None
    return ray


class EmbedActor:
    """A Ray Data actor: loads the embedder once, then embeds batches of texts.

    ``fault`` is a test hook: ``{"kill_after": n}`` kills the actor's own process (SIGKILL)
    after its n-th batch, before returning it, so Ray must restart the actor and run the batch
    again; with ``"marker": path`` only the first actor to get there dies (it creates the file).
    """

    def __init__(self, embedder: str, expected_id: str, fault: dict | None = None):
        self.embedder = load_embedder(embedder)
        if self.embedder.id != expected_id:
            raise ConfigError(f"embedder {embedder!r} is {self.embedder.id} on this worker but "
                              f"{expected_id} on the driver: install the same askintl on every node")
        self.fault = fault or {}
        self.batches = 0

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        t0 = time.perf_counter()
        vectors = np.asarray(self.embedder.embed_passages([str(t) for t in batch["text"]]), dtype=np.float32)
        seconds = time.perf_counter() - t0
        self.batches += 1
        if self.batches == self.fault.get("kill_after"):
            marker = self.fault.get("marker")
            if not marker or _claim(marker):
                os.kill(os.getpid(), signal.SIGKILL)
        # the batch's model time, on its first row (the rest 0): summed per batch by the driver
        return {"doc": batch["doc"], "row": batch["row"], "vector": vectors,
                "seconds": np.r_[seconds, np.zeros(max(0, len(vectors) - 1))]}


def _claim(path: str) -> bool:
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        return True
    except FileExistsError:
        return False


def _load_row(row: dict, load) -> dict:
    t0 = time.perf_counter()
    doc = load(Path(row["path"]))
    return {"i": row["i"], "doc": pickle.dumps(doc), "seconds": time.perf_counter() - t0}


def _chunk_row(row: dict, max_words: int) -> dict:
    t0 = time.perf_counter()
    chunks, texts = document_texts(pickle.loads(row["doc"]), max_words)
    return {"d": row["d"], "chunks": pickle.dumps(chunks), "texts": pickle.dumps(texts),
            "seconds": time.perf_counter() - t0}


def _blocks(n: int) -> int:
    return max(1, min(n, MAX_BLOCKS))


def ray_map_files(ray, load, paths: list[Path], stats: dict | None = None) -> list:
    """``loaders.load_corpus``'s ``map_files`` on the cluster: one task per file, in order."""
    if not paths:
        return []
    items = [{"i": i, "path": str(p)} for i, p in enumerate(paths)]
    ds = ray.data.from_items(items, override_num_blocks=_blocks(len(items))).map(_load_row, fn_kwargs={"load": load})
    out: list = [None] * len(paths)
    for row in ds.iter_rows():
        out[row["i"]] = pickle.loads(row["doc"])
        if stats is not None:
            stats.setdefault("load_task_seconds", []).append(float(row["seconds"]))
    return out


def ray_embed_documents(ray, documents, settings: Settings, expected_id: str, workers: int, retries: int,
                        fault: dict | None = None, stats: dict | None = None
                        ) -> tuple[dict[str, tuple[list, np.ndarray]], int | None]:
    """Chunk (one task per document) and embed (``workers`` actors, batches of ``BATCH``):
    doc id → (chunks, vectors of ``document_texts``' texts), and the vectors' dimension."""
    if not documents:
        return {}, None
    t0 = time.perf_counter()
    items = [{"d": i, "doc": pickle.dumps(doc)} for i, doc in enumerate(documents)]
    chunked = (ray.data.from_items(items, override_num_blocks=_blocks(len(items)))
               .map(_chunk_row, fn_kwargs={"max_words": settings.max_passage_words}))
    counts: dict[int, int] = {}
    chunks: dict[int, list] = {}
    rows: list[dict] = []
    for row in chunked.iter_rows():
        d = int(row["d"])
        chunks[d] = pickle.loads(row["chunks"])
        texts = pickle.loads(row["texts"])
        counts[d] = len(texts)
        if stats is not None:
            stats.setdefault("chunk_task_seconds", []).append(float(row["seconds"]))
        rows.extend({"doc": d, "row": k, "text": t} for k, t in enumerate(texts))
    vectors: dict[int, np.ndarray] = {}
    dim = None
    if stats is not None:
        stats["chunk_s"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        stats["texts"] = len(rows)
    if rows:
        # The texts go out from the driver in blocks of a batch: the actors are the only stage
        # that holds CPUs while they run (a task stage beside them could wait for a CPU forever).
        rows.sort(key=lambda r: (r["doc"], r["row"]))
        blocks = max(1, -(-len(rows) // BATCH))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # max_restarts: a plain Ray remote argument
            embedded = ray.data.from_items(rows, override_num_blocks=blocks).map_batches(
                EmbedActor, batch_size=BATCH, batch_format="numpy",
                compute=ray.data.ActorPoolStrategy(size=min(workers, blocks)),
                fn_constructor_kwargs={"embedder": settings.embedder, "expected_id": expected_id, "fault": fault},
                max_restarts=retries, max_task_retries=retries)
        for batch in embedded.iter_batches(batch_format="numpy", batch_size=None):
            vec = np.asarray(batch["vector"], dtype=np.float32)
            if vec.size == 0:
                continue
            dim = vec.shape[1]
            if stats is not None:
                stats.setdefault("batch_seconds", []).extend(float(x) for x in batch["seconds"] if x > 0)
            for d, k, v in zip(batch["doc"], batch["row"], vec):
                d = int(d)
                if d not in vectors:
                    vectors[d] = np.full((counts[d], dim), np.nan, dtype=np.float32)
                vectors[d][int(k)] = v
    if stats is not None:
        stats["embed_s"] = time.perf_counter() - t0
    out = {}
    for i, doc in enumerate(documents):
        v = vectors.get(i, np.zeros((0, dim or 0), np.float32))
        if len(v) != counts[i] or np.isnan(v).any():
            raise IndexUnavailableError(f"the Ray build lost vectors of {doc.doc_id}: nothing was published")
        out[doc.doc_id] = (chunks[i], v)
    return out, dim


def _cluster_cpus(ray) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def build_index_ray(settings: Settings, address: str | None = None, corpus_dir: Path | None = None,
                    index_dir: Path | None = None, rebuild: bool = False, workers: int | None = None,
                    retries: int = 3, progress: bool = False, stats: dict | None = None,
                    _fault: dict | None = None) -> IndexReport:
    """``indexer.build_index`` on a Ray cluster: the same index, published the same way.

    Uses the Ray instance this process is connected to, else ``ray.init(address)`` (None: the
    cluster in RAY_ADDRESS or a running local one, else a new local instance), shut down at the
    end. ``workers`` embedding actors (default: one per CPU of the cluster); a dead task or
    actor is retried ``retries`` times, then the build fails and publishes nothing. ``stats``,
    if given, receives each stage's wall time (load_s, chunk_s, embed_s, publish_s), the model
    time of every batch (batch_seconds) and of every load and chunk task (benchmarks/bench_ray.py).
    """
    ray = import_ray()
    corpus = Path(corpus_dir or settings.corpus_dir)
    expected_id = embedder_id_for(settings.embedder)  # no model on the driver
    started = False
    if not ray.is_initialized():
        ray.init(address=address or None, logging_level=logging.WARNING)
        started = True
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.enable_progress_bars = progress
        workers = max(1, workers or _cluster_cpus(ray))
        stats = {} if stats is None else stats
        t0 = time.perf_counter()
        with _failed_run():
            loaded = load_corpus(corpus, map_files=lambda load, paths: ray_map_files(ray, load, paths, stats))
        stats["load_s"] = time.perf_counter() - t0
        if not loaded.documents:
            raise IndexUnavailableError(f"no readable documents in {corpus}"
                              + (f" ({len(loaded.skipped)} skipped)" if loaded.skipped else ""))
        store = IndexStore(Path(index_dir or settings.index_dir))
        with store.writer_lock():
            plan = plan_build(loaded.documents, store, expected_id, settings, rebuild=rebuild, skipped=loaded.skipped)
            with _failed_run():
                embedded, dim = ray_embed_documents(ray, plan.to_embed, settings, expected_id, workers, retries,
                                                    _fault, stats)
            if dim is None:  # nothing embedded: the reused vectors say
                dim = next((pv.shape[1] for _, pv, _ in plan.reuse.values()), None)
            if dim is None:
                dim = ray.get(ray.remote(_embedder_dim).remote(settings.embedder))
            t0 = time.perf_counter()
            report = publish_build(plan, store, embedded, EmbedderInfo(expected_id, int(dim)), settings)
            stats["publish_s"] = time.perf_counter() - t0
            return report
    finally:
        if started:
            ray.shutdown()


@contextlib.contextmanager
def _failed_run():
    """Ray's errors (a task or actor out of retries, a lost node) as an index error."""
    try:
        yield
    except AskintlError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported with its type and message
        raise IndexUnavailableError(f"the Ray build failed, nothing was published: {type(exc).__name__}: "
                          f"{str(exc)[:2000]}") from None


def _embedder_dim(name: str) -> int:
    return int(load_embedder(name).dim)

"""The passage vectors' FAISS index (``dense.faiss``): exact inner product while small, IVF over
8-bit scalar-quantized vectors past a size threshold. faiss is imported only when needed."""
from __future__ import annotations

from pathlib import Path

import numpy as np


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


class DenseIndex:
    """A FAISS index over passage vectors, and what the manifest says of it (``info``:
    its type, and nlist/nprobe for IVF)."""

    def __init__(self, index, info: dict | None = None):
        self.index = index
        self.info = dict(info or {"type": "flat"})

    @classmethod
    def build(cls, vectors: np.ndarray, flat_max: int) -> "DenseIndex":
        return cls(*build_faiss(vectors, flat_max))

    @classmethod
    def read(cls, path: Path, info: dict | None = None) -> "DenseIndex":
        import faiss

        index = faiss.read_index(str(path))
        if (info or {}).get("nprobe"):
            index.nprobe = int(info["nprobe"])
        return cls(index, info)

    def write(self, path: Path) -> None:
        """Write the index; a failed write (a full disk too) is an ``OSError``, as for any file."""
        import errno
        import os

        import faiss

        try:
            faiss.write_index(self.index, str(path))
        except RuntimeError as exc:  # faiss reports a failed write this way
            code = errno.ENOSPC if "No space left" in str(exc) else errno.EIO
            raise OSError(code, f"{os.strerror(code)} (writing {Path(path).name}: {exc})") from None

    @property
    def ntotal(self) -> int:
        return int(self.index.ntotal)

    @property
    def dim(self) -> int:
        return int(self.index.d)

    def search(self, queries: np.ndarray, k: int, among: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(scores, ids) of the ``k`` nearest passages of each query row (ids -1 padded);
        ``among``: only these passage ids are candidates."""
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        if among is None:
            return self.index.search(queries, k)
        import faiss

        selector = faiss.IDSelectorBatch(among)
        if hasattr(self.index, "nprobe"):
            params = faiss.SearchParametersIVF(sel=selector, nprobe=int(self.index.nprobe))
        else:
            params = faiss.SearchParameters(sel=selector)
        return self.index.search(queries, k, params=params)

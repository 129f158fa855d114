"""The approximate index on real vectors: recall@10 of what `index.dense.build_faiss` builds past
`flat_index_max`, against exact search, on the passage and sentence vectors of a real index
with real questions embedded by its model. A check that the synthetic model of bench_scale.py
is not kinder than real data (real corpora here are small: the ratios, not the sizes, matter).

    .venv/bin/python benchmarks/bench_ann_real.py --index benchmarks/out/squad-index \
        --cases ../shared/benchmarks/squad-dev/cases.jsonl
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True, help="an index folder built with the real model")
    ap.add_argument("--cases", type=Path, required=True, help="JSONL with a 'question' field")
    ap.add_argument("--queries", type=int, default=200)
    args = ap.parse_args()

    import faiss

    from askintl.embedders import load_embedder
    from askintl.index import IndexStore
    from askintl.index.dense import build_faiss

    snap = IndexStore(args.index).open()
    vectors = np.concatenate([np.load(snap.path / "passages.npy"),
                              np.asarray(np.load(snap.path / "sentences.npy"), dtype=np.float32)])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    cases = [json.loads(line) for line in open(args.cases, encoding="utf-8") if line.strip()]
    questions = [c["question"] for c in random.Random(0).sample(cases, min(args.queries, len(cases)))]
    emb = load_embedder(snap.manifest["embedder"]["id"].split(":")[0] if snap.manifest["embedder"]["id"].startswith("hash")
                        else "e5-small")
    q = np.asarray(emb.embed_queries(questions), dtype=np.float32)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    _, truth = exact.search(q, 10)
    t = time.perf_counter()
    index, info = build_faiss(vectors, flat_max=0)
    build_s = time.perf_counter() - t
    print(f"{len(vectors):,} real vectors (passages + sentences of {args.index}), {len(q)} real questions; "
          f"built {info} in {build_s:.1f}s")
    nlist = info["nlist"]
    print("| nprobe | recall@10 | recall@10 after re-scoring top-100 |\n|---|---|---|")
    for nprobe in sorted({p for p in (4, 8, 16, 32, 64, 128) if p <= nlist} | {info["nprobe"]}):
        faiss.extract_index_ivf(index).nprobe = nprobe
        _, ids = index.search(q, 100)
        raw, rescored = [], []
        for i in range(len(q)):
            got = ids[i][ids[i] >= 0]
            top = got[np.argsort(-(vectors[got] @ q[i]))[:10]]
            raw.append(len(set(got[:10]) & set(truth[i])) / 10)
            rescored.append(len(set(top) & set(truth[i])) / 10)
        mark = " (askintl's choice)" if nprobe == info["nprobe"] else ""
        print(f"| {nprobe}{mark} | {np.mean(raw):.3f} | {np.mean(rescored):.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())

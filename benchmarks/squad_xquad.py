"""Retrieval and answer quality on SQuAD v1.1 dev and XQuAD, against the reference figures.

    .venv/bin/python benchmarks/squad_xquad.py               # the fixed 1,000-question samples
    .venv/bin/python benchmarks/squad_xquad.py --heldout     # other questions (used for tuning)

Indexes ../shared/benchmarks/squad-dev/corpus into benchmarks/out/squad-index with
`askintl index` (incremental: a second run reuses it), then asks every question through the
real Engine (hybrid retrieval, institution awareness, answer selection). A case is a hit at k
when one of the top k passages comes from the case's article and contains an answer string.
Query embeddings are cached in benchmarks/out/ so that re-runs only measure the rest.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np
from _common import norm

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "benchmarks"
OUT = ROOT / "benchmarks" / "out"
REFERENCE = {"squad": 0.954, "xquad-en": 0.971, "xquad-zh": 0.70, "xquad-ru": 0.83, "xquad-ar": 0.69}


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


class CachedEmbedder:
    """Wraps an embedder; query vectors come from (and go to) an on-disk cache."""

    def __init__(self, inner, cache_path: Path):
        self.inner, self.id, self.dim = inner, inner.id, inner.dim
        self.path = cache_path
        self.cache: dict[str, np.ndarray] = {}
        if cache_path.exists():
            data = np.load(cache_path, allow_pickle=False)
            self.cache = dict(zip(data["texts"].tolist(), data["vectors"]))

    def prefill(self, texts: list[str], batch: int = 64) -> None:
        todo = [t for t in dict.fromkeys(texts) if t not in self.cache]
        for i in range(0, len(todo), batch):
            vecs = self.inner.embed_queries(todo[i:i + batch])
            self.cache.update(zip(todo[i:i + batch], vecs))
        if todo:
            texts_ = list(self.cache)
            np.savez(self.path, texts=np.array(texts_), vectors=np.stack([self.cache[t] for t in texts_]))

    def embed_queries(self, texts):
        missing = [t for t in texts if t not in self.cache]
        if missing:
            self.cache.update(zip(missing, self.inner.embed_queries(missing)))
        return np.stack([self.cache[t] for t in texts])

    def embed_passages(self, texts):
        return self.inner.embed_passages(texts)


def case_sets(heldout: bool, limit: int | None) -> dict[str, list[dict]]:
    if not heldout:
        sets = {"squad": read(SHARED / "squad-dev" / "sample-1000.jsonl")}
        for lang in ("en", "zh", "ru", "ar"):
            sets[f"xquad-{lang}"] = read(SHARED / "xquad" / f"sample-1000.{lang}.jsonl")
    else:
        sample = {c["id"] for c in read(SHARED / "squad-dev" / "sample-1000.jsonl")}
        rest = [c for c in read(SHARED / "squad-dev" / "cases.jsonl") if c["id"] not in sample]
        sets = {"squad": random.Random(1).sample(rest, 1000)}
        for lang in ("en", "zh", "ru", "ar"):
            s = {c["id"] for c in read(SHARED / "xquad" / f"sample-1000.{lang}.jsonl")}
            sets[f"xquad-{lang}"] = [c for c in read(SHARED / "xquad" / f"cases.{lang}.jsonl") if c["id"] not in s]
    if limit:
        sets = {k: v[:limit] for k, v in sets.items()}
    return sets


def hit_rank(passages, case: dict) -> int | None:
    """The rank (from 1) of the first passage from the case's article holding an answer string."""
    ev = [norm(e) for e in case["evidence"]]
    return next((i + 1 for i, p in enumerate(passages)
                 if p.doc_id == case["doc"] and any(e in norm(p.text) for e in ev)), None)


def score(engine, cases: list[dict]) -> dict:
    hit1 = hit5 = ans = abst = 0
    for c in cases:
        r = engine.ask(c["question"], top_k=5)
        rank = hit_rank(r.passages, c)
        hit1 += rank == 1
        hit5 += rank is not None
        abst += r.abstained
        if r.answer and not r.abstained:
            ans += any(norm(a) in norm(r.answer.text) for a in c["answer"])
    n = len(cases)
    return {"n": n, "hit@1": round(hit1 / n, 3), "hit@5": round(hit5 / n, 3),
            "answer_hit": round(ans / n, 3), "abstained": round(abst / n, 3)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=OUT / "squad-index")
    ap.add_argument("--heldout", action="store_true", help="questions outside the fixed samples")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--lexical-weight", type=float, nargs="*", help="try these fusion weights")
    ap.add_argument("--sets", nargs="*", help="only these sets (squad, xquad-en, ...)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    from askintl.config import Settings
    from askintl.embedders import load_embedder
    from askintl.engine import Engine
    from askintl.indexer import build_index

    settings = Settings(corpus_dir=SHARED / "squad-dev" / "corpus", index_dir=args.index)
    OUT.mkdir(parents=True, exist_ok=True)
    inner = load_embedder(settings.embedder)
    t0 = time.perf_counter()
    rep = build_index(settings, embedder=inner)
    print(f"index: {rep.passages} passages, {rep.sentences} sentences; embedded {rep.embedded_texts} texts "
          f"in {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    embedder = CachedEmbedder(inner, OUT / "query-cache.npz")
    sets = case_sets(args.heldout, args.limit)
    if args.sets:
        sets = {k: v for k, v in sets.items() if k in args.sets}
    embedder.prefill([c["question"] for cs in sets.values() for c in cs])
    engine = Engine.open(settings, embedder=embedder)
    weights = args.lexical_weight or [None]
    results = {}
    for w in weights:
        if w is not None:
            engine.retriever.lexical_weight = w
        label = f"lexical_weight={w}" if w is not None else "default"
        results[label] = {name: score(engine, cases) for name, cases in sets.items()}
    if args.json:
        print(json.dumps(results, indent=1))
        return 0
    for label, res in results.items():
        print(f"\n{label}   ({'held-out questions' if args.heldout else 'fixed samples'})")
        print(f"{'set':10} {'n':>5} {'hit@1':>6} {'hit@5':>6} {'ref@5':>6} {'answer':>7} {'abstain':>7}")
        for name, r in res.items():
            print(f"{name:10} {r['n']:5d} {r['hit@1']:6.3f} {r['hit@5']:6.3f} {REFERENCE[name]:6.3f} "
                  f"{r['answer_hit']:7.3f} {r['abstained']:7.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

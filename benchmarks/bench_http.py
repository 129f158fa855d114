"""HTTP under load: `askintl serve` on loopback, a load generator in a second process.

    .venv/bin/python benchmarks/bench_http.py                 # 1, 8, 32 clients x 20 s each
    .venv/bin/python benchmarks/bench_http.py --quick         # 1, 8, 32 clients x 5 s each
    .venv/bin/python benchmarks/bench_http.py --client python # the bundled generator, not wrk
    .venv/bin/python benchmarks/bench_http.py --zipf 1.1 --duration 10  # repeated questions, cache on vs off

The load generator is `wrk` (Debian package `wrk`) when it is installed, else
benchmarks/loadgen.py (asyncio, keep-alive); both run in their own process and POST the
questions of ../shared/eval/dev.jsonl (or a built-in list) to /v1/ask in turn.
For each level: requests/s, latency p50/p99, errors (non-2xx and socket errors; must be 0) and
the server's resident memory. Floors measured in the same run, before the server starts:
  - the bare query embedding p50: one model call at a time is the ceiling of a single process
    (1000 / p50 requests/s), since the embedder runs one call at a time on both cores;
  - the in-process `Engine.ask` p50 (what a request costs without HTTP);
  - the bare embedder on batches of 8 and 32 queries: what batching concurrent questions
    through the model could reach.
The per-client rate limit is turned off for the run (one client address sends everything);
every other setting is the default, except that the answer cache (ASKINTL_ANSWER_CACHE_SIZE) is
off: the questions come round again every 39 requests, so it would answer nearly all of them.

--zipf S measures the answer cache instead: the questions are drawn from a Zipf distribution
(the question of rank r, in a fixed random order, with probability proportional to 1 / r^S: a
few questions come back all the time, most rarely), one fixed sequence of draws that each client
walks from its own offset. The same levels run twice on that sequence, against a server with
the cache off (size 0) and one with it on (--cache-size), each after the same warm-up on the mix
(so the cached server starts with the frequent questions cached, as a server that has been up a
while); the hit rate of each level is read from the server's /metrics.
Nothing here fails on timing.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np
from _common import OUT, ROOT, ensure_index, questions, rss_mb, run_level, serve

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
def floors(index_dir: Path, embedder: str, qs: list[str]) -> dict:
    from askintl.config import Settings
    from askintl.embedders import load_embedder
    from askintl.engine import Engine

    emb = load_embedder(embedder)
    # No answer cache: every ask below is answered (the warm-up asks the same questions).
    engine = Engine.open(Settings(index_dir=index_dir, embedder=embedder, answer_cache_size=0), embedder=emb)
    for q in qs[:5]:
        engine.ask(q)
    single, ask = [], []
    for q in qs:
        t = time.perf_counter()
        emb.embed_queries([q])
        single.append(time.perf_counter() - t)
        t = time.perf_counter()
        engine.ask(q)
        ask.append(time.perf_counter() - t)
    batched = {}
    for b in (8, 32):
        batch = (qs * (b // len(qs) + 1))[:b]
        times = []
        for _ in range(3):
            t = time.perf_counter()
            emb.embed_queries(batch)
            times.append(time.perf_counter() - t)
        batched[b] = b / float(np.median(times))
    return {"embed_p50_ms": float(np.median(single)) * 1e3, "ask_p50_ms": float(np.median(ask)) * 1e3,
            "batched_qps": batched, "embedder": emb.id}


def wrk_script(bodies: list[str], path: Path) -> None:
    items = ",\n".join(f"[==[{b}]==]" for b in bodies)
    path.write_text(f"""
local bodies = {{
{items}
}}
local i = math.random(#bodies)
local threads = 0
setup = function(thread)  -- each wrk thread walks the bodies from its own offset
  thread:set("offset", threads * 7919)
  threads = threads + 1
end
init = function(args)
  i = (offset or 0) % #bodies
end
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/v1/ask", {{["Content-Type"] = "application/json"}}, bodies[i])
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('JSON {{"requests": %d, "seconds": %f, "p50_ms": %f, "p90_ms": %f, "p99_ms": %f, '
    .. '"max_ms": %f, "non_2xx": %d, "socket_errors": %d}}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3,
    latency:percentile(99) / 1e3, latency.max / 1e3, e.status, e.connect + e.read + e.write + e.timeout))
end
""", encoding="utf-8")


def zipf_sequence(qs: list[str], s: float, n: int = 50_000, seed: int = 11) -> list[str]:
    """``n`` questions drawn from a Zipf distribution over ``qs``: ranks in a fixed random order."""
    rng = np.random.default_rng(seed)
    ranked = [qs[i] for i in rng.permutation(len(qs))]
    weights = 1.0 / np.arange(1, len(ranked) + 1) ** s
    return [ranked[i] for i in rng.choice(len(ranked), size=n, p=weights / weights.sum())]


def cache_counts(url: str) -> tuple[float, float]:
    """(hits, misses) of the server's answer cache, from /metrics."""
    with urllib.request.urlopen(f"{url}/metrics", timeout=10) as r:
        text = r.read().decode()
    values = dict(line.rsplit(" ", 1) for line in text.splitlines() if line.startswith("askintl_answer_cache_"))
    return (float(values.get("askintl_answer_cache_hits_total", 0)),
            float(values.get("askintl_answer_cache_misses_total", 0)))


def zipf_runs(args, client: str, duration: float, qs: list[str], f: dict) -> int:
    """The same Zipf mix against the server with the answer cache off, then on."""
    mix = zipf_sequence(qs, args.zipf)
    top = max(set(mix), key=mix.count)
    print(f"mix: {len(mix)} draws over {len(set(mix))} of {len(qs)} questions, Zipf s={args.zipf}; the most "
          f"frequent is {mix.count(top) / len(mix):.0%} of requests, the 5 most frequent "
          f"{sum(sorted((mix.count(q) for q in set(mix)), reverse=True)[:5]) / len(mix):.0%}")
    work = Path(tempfile.mkdtemp(prefix="askintl-http-"))
    bodies = [json.dumps({"question": q}, ensure_ascii=False) for q in mix]
    (work / "bodies.json").write_text(json.dumps([json.loads(b) for b in bodies], ensure_ascii=False))
    wrk_script(bodies, work / "ask.lua")
    levels = [int(x) for x in args.levels.split(",")]
    results: dict[int, dict[int, dict]] = {}
    total_errors = 0
    try:
        for size in (0, args.cache_size):
            results[size] = {}
            with serve(args.index, args.corpus, args.embedder, work, answer_cache_size=size) as (url, server):
                run_level(client, url, 4, 3, work)  # warm-up, on the mix
                for c in levels:
                    before = cache_counts(url)
                    r = run_level(client, url, c, duration, work)
                    after = cache_counts(url)
                    looked = (after[0] - before[0]) + (after[1] - before[1])
                    r["hit_rate"] = (after[0] - before[0]) / looked if looked else 0.0
                    r["rss"] = rss_mb(server.pid)
                    total_errors += r["non_2xx"] + r["socket_errors"]
                    results[size][c] = r
                    print(f"  cache {size}: {c} clients {r['rps']:.1f} req/s, p50 {r['p50_ms']:.1f} ms, "
                          f"hit rate {r['hit_rate']:.1%}; load average {os.getloadavg()[0]:.2f}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    off, on = results[0], results[args.cache_size]
    print(f"| clients | cache off: requests/s | p50 ms | p99 ms | cache {args.cache_size}: requests/s | p50 ms "
          "| p99 ms | hit rate | throughput x | p50 x | server RSS MiB (off / on) |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for c in levels:
        a, b = off[c], on[c]
        print(f"| {c} | {a['rps']:.1f} | {a['p50_ms']:.1f} | {a['p99_ms']:.1f} | {b['rps']:.1f} | {b['p50_ms']:.2f} | "
              f"{b['p99_ms']:.1f} | {b['hit_rate']:.1%} | {b['rps'] / a['rps']:.1f} | "
              f"{b['p50_ms'] / a['p50_ms']:.3f} | {a['rss']:.0f} / {b['rss']:.0f} |")
    print(f"in-process Engine.ask p50 (no cache) {f['ask_p50_ms']:.1f} ms")
    print(f"errors in total: {total_errors}; load average now {os.getloadavg()[0]:.2f}")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--index", type=Path, default=OUT / "http-index", help="built (incrementally) if needed")
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--levels", default="1,8,32")
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    ap.add_argument("--quick", action="store_true", help="5 s per level")
    ap.add_argument("--zipf", type=float, metavar="S",
                    help="a Zipf mix of the questions (exponent S, e.g. 1.1), answer cache off vs on")
    ap.add_argument("--cache-size", type=int, default=2048, help="the answer cache of the --zipf run")
    args = ap.parse_args()
    duration = 5 if args.quick else args.duration
    client = ("wrk" if shutil.which("wrk") else "python") if args.client == "auto" else args.client
    print(f"# bench_http: {platform.node()} {os.cpu_count()} cores, python {platform.python_version()}; "
          f"client {client}; load average {os.getloadavg()[0]:.2f}")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    ensure_index(args.index, args.corpus, args.embedder)
    qs = questions()
    f = floors(args.index, args.embedder, qs)
    ceiling = 1000 / f["embed_p50_ms"]
    print(f"floor: bare query embedding p50 {f['embed_p50_ms']:.1f} ms -> one-call-at-a-time ceiling "
          f"{ceiling:.1f} req/s; in-process Engine.ask p50 {f['ask_p50_ms']:.1f} ms; bare embedder on batches: "
          + ", ".join(f"{b}: {qps:.1f} queries/s" for b, qps in f["batched_qps"].items()))
    if args.zipf:
        return zipf_runs(args, client, duration, qs, f)

    work = Path(tempfile.mkdtemp(prefix="askintl-http-"))
    bodies = [json.dumps({"question": q}, ensure_ascii=False) for q in qs]
    (work / "bodies.json").write_text(json.dumps([json.loads(b) for b in bodies], ensure_ascii=False))
    wrk_script(bodies, work / "ask.lua")
    try:
        with serve(args.index, args.corpus, args.embedder, work) as (url, server):
            run_level(client, url, 4, 3, work)  # warm-up
            print(f"server RSS after warm-up {rss_mb(server.pid):.0f} MiB")
            print("| clients | requests/s (x ceiling) | p50 ms (x in-process ask) | p99 ms | max ms | errors | requests | server RSS MiB |")
            print("|---|---|---|---|---|---|---|---|")
            total_errors = 0
            for c in (int(x) for x in args.levels.split(",")):
                r = run_level(client, url, c, duration, work)
                errors = r["non_2xx"] + r["socket_errors"]
                total_errors += errors
                print(f"| {c} | {r['rps']:.1f} ({r['rps'] / ceiling:.2f}) | {r['p50_ms']:.1f} "
                      f"({r['p50_ms'] / f['ask_p50_ms']:.2f}) | {r['p99_ms']:.1f} | {r['max_ms']:.1f} | {errors} | "
                      f"{r['requests']} | {rss_mb(server.pid):.0f} |", flush=True)
            print(f"errors in total: {total_errors}; load average now {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

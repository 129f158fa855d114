"""Normal clients next to one abusive client (issue 10, items 1 and 2): `askintl serve` on
loopback with the real model, the bundled corpus, load generators in their own processes.

    .venv/bin/python benchmarks/bench_abuse.py                  # 8 normal clients, 20 s per run
    .venv/bin/python benchmarks/bench_abuse.py --clients 16 --duration 30

The normal clients (benchmarks/loadgen.py) POST the questions of ../shared/eval/dev.jsonl to
/v1/ask in turn, as bench_http.py does. The abusive client is one more loadgen connection,
sending back to back, with no pause, to POST /v1/chat/completions, alternately:
  (a) a lone surrogate in the question, as raw JSON bytes with the escape:
      {"messages": [{"role": "user", "content": "\\udc00 BJTU?"}]}
      (it gave a 500 and, through the shared model call, failed the other questions of its batch);
  (b) a follow-up whose earlier user turn is 60 KB of text (it was embedded whole: 7 s of model
      time per request under the model lock).
Three runs of the same normal load on one server: without the abusive client, with it, and
without it again (the server recovered). Printed: the normal clients' requests, errors
(non-2xx and socket errors; must be 0), p50 / p95 / p99, and the abusive client's status
codes. Before them, each kind of request alone, one at a time (5 each): what one costs.
The per-client rate limit is off (one address sends everything; the abusive client is not
throttled either); every other setting is the default. Nothing here fails on timing.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
from _common import OUT, ROOT, ensure_index, loadgen_cmd, questions, rss_mb, run_level, serve
from loadgen import encode_body

SURROGATE = {"messages": [{"role": "user", "content": "\udc00 BJTU?"}]}
FILLER = "Beijing Jiaotong University welcomes international students and visiting scholars. "


def long_history(kb: int) -> dict:
    turn = (FILLER * (kb * 1024 // len(FILLER) + 1))[:kb * 1024]
    return {"messages": [{"role": "user", "content": turn},
                         {"role": "user", "content": "And how many teachers do they invite?"}]}


def one_at_a_time(url: str, path: str, body: dict, n: int = 5) -> tuple[float, list[int]]:
    """p50 ms and status codes of ``n`` requests sent one after the other."""
    data = encode_body(body)
    times, codes = [], []
    for _ in range(n):
        req = urllib.request.Request(url + path, data=data, headers={"Content-Type": "application/json"})
        t = time.perf_counter()
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                r.read()
                codes.append(r.status)
        except urllib.error.HTTPError as exc:
            exc.read()
            codes.append(exc.code)
        times.append(time.perf_counter() - t)
    return float(np.median(times)) * 1e3, codes


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def row(name: str, r: dict) -> str:
    errors = r["non_2xx"] + r["socket_errors"]
    return (f"| {name} | {r['requests']} | {errors} | {r['rps']:.1f} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['max_ms']:.1f} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--index", type=Path, default=OUT / "http-index", help="built (incrementally) if needed")
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--clients", type=int, default=8, help="normal clients")
    ap.add_argument("--duration", type=float, default=20, help="seconds per run")
    ap.add_argument("--history-kb", type=int, default=60, help="size of the abusive earlier turn")
    args = ap.parse_args()
    print(f"# bench_abuse: {platform.node()} {os.cpu_count()} cores, python {platform.python_version()}; "
          f"client loadgen.py; {args.clients} normal clients, {args.duration:g} s per run")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")
    print(f"uptime at start: {uptime()}")
    ensure_index(args.index, args.corpus, args.embedder)
    work = Path(tempfile.mkdtemp(prefix="askintl-abuse-"))
    (work / "bodies.json").write_text(json.dumps([{"question": q} for q in questions()], ensure_ascii=False))
    abuse = [SURROGATE, long_history(args.history_kb)]
    (work / "abuse.json").write_text(json.dumps(abuse))  # ASCII: the lone surrogate stays an escape
    chat = "/v1/chat/completions"
    try:
        with serve(args.index, args.corpus, args.embedder, work) as (url, server):
            run_level("python", url, 4, 3, work)  # warm-up
            print(f"server RSS after warm-up {rss_mb(server.pid):.0f} MiB")
            print("one at a time (5 each, p50 ms, status codes):")
            for name, path, body in [("normal /v1/ask", "/v1/ask", {"question": questions()[0]}),
                                     ("(a) lone surrogate", chat, abuse[0]),
                                     (f"(b) {args.history_kb} KB earlier turn", chat, abuse[1])]:
                p50, codes = one_at_a_time(url, path, body)
                print(f"  {name:<28} {p50:8.1f} ms  {sorted(set(codes))} x {len(codes)}  "
                      f"({len(encode_body(body)):,} bytes)")
            print("| normal clients | requests | errors | requests/s | p50 ms | p95 ms | p99 ms | max ms |")
            print("|---|---|---|---|---|---|---|---|")
            alone = run_level("python", url, args.clients, args.duration, work)
            print(row(f"{args.clients} alone", alone), flush=True)
            abuser = subprocess.Popen(loadgen_cmd(url, work / "abuse.json", 1, args.duration, chat),
                                      stdout=subprocess.PIPE, text=True)
            mixed = run_level("python", url, args.clients, args.duration, work)
            bad = json.loads(abuser.communicate(timeout=args.duration + 90)[0].strip().splitlines()[-1])
            print(row(f"{args.clients} + 1 abusive", mixed), flush=True)
            again = run_level("python", url, args.clients, args.duration, work)
            print(row(f"{args.clients} alone, after", again), flush=True)
            with urllib.request.urlopen(f"{url}/healthz", timeout=5) as r:
                health = r.status
            rss = rss_mb(server.pid)
        errors = sum(r["non_2xx"] + r["socket_errors"] for r in (alone, mixed, again))
        print(f"abusive client: {bad['requests']} requests ({bad['rps']:.1f}/s, alternating (a) and (b)), "
              f"status codes {dict(sorted(bad['statuses'].items()))}, socket errors {bad['socket_errors']}, "
              f"p50 {bad['p50_ms']:.1f} ms, max {bad['max_ms']:.1f} ms")
        print(f"normal clients with the abusive one / alone: p50 x{mixed['p50_ms'] / alone['p50_ms']:.2f}, "
              f"p95 x{mixed['p95_ms'] / alone['p95_ms']:.2f}, requests/s x{mixed['rps'] / alone['rps']:.2f}")
        server_log = (work / "server.log").read_text(errors="replace")
        print(f"normal errors in total: {errors}; /healthz after: {health}; server RSS at the end {rss:.0f} MiB; "
              f"tracebacks in the server log: {server_log.count('Traceback')}")
        print(f"uptime at the end: {uptime()}")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

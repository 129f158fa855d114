"""What the benchmarks share: paths, the dev questions, a free port, a process's memory, the
answer-text normalisation, a real `askintl serve` to measure, the load generator, and the
tests' helpers (the virtual terminal, the test site) for benchmarks that drive the same things.

The benchmarks are scripts (``python benchmarks/x.py``): their folder is on ``sys.path``, so
``from _common import ...`` needs nothing more.
"""
from __future__ import annotations

import contextlib
import importlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
SHARED = ROOT.parent / "shared"
TESTS = ROOT / "tests"
FALLBACK_QUESTIONS = ["How many international students study at Beijing Jiaotong University?",
                      "Which universities does NJUPT cooperate with?", "Is there a summer school?"]


def questions() -> list[str]:
    """The dev questions of ../shared/eval/dev.jsonl, or three fallbacks without it."""
    path = SHARED / "eval" / "dev.jsonl"
    if path.exists():
        return [json.loads(line)["question"] for line in open(path, encoding="utf-8") if line.strip()]
    return FALLBACK_QUESTIONS


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int | None = None) -> float:
    """Resident memory of process ``pid`` (this one by default) in MiB; NaN when unknown."""
    try:
        with open(f"/proc/{pid or 'self'}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def norm(s: str) -> str:
    """Whitespace folded and lower case: how gold answers are compared with quotes."""
    return re.sub(r"\s+", " ", s).strip().lower()


def from_tests(name: str):
    """A helper module of tests/ (``chat_terminal``, ``crawl_site``): benchmarks that drive what
    the tests drive use the same code. tests/ goes on sys.path here, and only here."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
    return importlib.import_module(name)


def ensure_index(index_dir: Path, corpus: Path, embedder: str) -> None:
    from askintl.config import Settings
    from askintl.indexer import build_index

    report = build_index(Settings(corpus_dir=corpus, index_dir=index_dir, embedder=embedder))
    print(f"index {index_dir}: {report.documents} documents, {report.passages} passages "
          f"(embedded {report.embedded_texts} texts, {report.seconds:.1f}s)")


@contextlib.contextmanager
def serve(index: Path, corpus: Path, embedder: str, work: Path, answer_cache_size: int | None = 0,
          askintl: Path | None = None, timeout: float = 120, poll: float = 0.2):
    """`askintl serve` on a free loopback port with the per-client rate limit off (one address
    sends everything) and the answer cache off unless ``answer_cache_size`` is given (None: the
    default), otherwise defaults; yields (base URL, server process) once /healthz is 200, and
    stops it (SIGTERM) afterwards. Its stderr goes to work/server.log."""
    log = Path(work) / "server.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "ASKINTL_RATE_LIMIT_PER_MINUTE": "0", "OMP_WAIT_POLICY": "passive"}
    if answer_cache_size is not None:
        env["ASKINTL_ANSWER_CACHE_SIZE"] = str(answer_cache_size)
    askintl = askintl or Path(sys.executable).parent / "askintl"
    server = subprocess.Popen([str(askintl), "serve", "--index", str(index), "--corpus", str(corpus),
                               "--embedder", embedder, "--host", "127.0.0.1", "--port", str(port),
                               "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL,
                              stderr=open(log, "wb"))
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("server did not start: " + Path(log).read_text()[-2000:]) from None
                time.sleep(poll)
        yield url, server
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()


def loadgen_cmd(url: str, bodies: Path, concurrency: int, duration: float, path: str = "/v1/ask") -> list[str]:
    """The command line of benchmarks/loadgen.py (its own process; prints one JSON line)."""
    return [sys.executable, str(Path(__file__).parent / "loadgen.py"), "--url", url, "--path", path,
            "--bodies", str(bodies), "--concurrency", str(concurrency), "--duration", str(duration)]


def run_level(client: str, url: str, concurrency: int, duration: float, work: Path) -> dict:
    """One load level: ``wrk`` with work/ask.lua, or loadgen.py with work/bodies.json."""
    if client == "wrk":
        cmd = ["wrk", f"-t{min(2, concurrency)}", f"-c{concurrency}", f"-d{duration:g}s", "--timeout", "60s",
               "-s", str(work / "ask.lua"), url]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        line = next(ln for ln in out.splitlines() if ln.startswith("JSON "))
        res = json.loads(line[5:])
        res["rps"] = res["requests"] / res["seconds"]
        return res
    cmd = loadgen_cmd(url, work / "bodies.json", concurrency, duration)
    return json.loads(subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1])

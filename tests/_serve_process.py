"""A real `askintl serve` in a child process, for the hardening, fuzz and load tests.

It listens on 127.0.0.1 only, on a free port, and stops by itself: when the test process
dies (PR_SET_PDEATHSIG) and, at the latest, after ``max_seconds``.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from helpers import free_port, rss_mb

_LAUNCHER = r"""
import ctypes, os, signal, sys, threading
parent = int(sys.argv[1])
try:
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
except OSError:
    pass
if os.getppid() != parent:
    sys.exit(0)
threading.Timer(float(sys.argv[2]), lambda: os._exit(0)).start()
from askintl.cli import main
sys.exit(main(sys.argv[3:]))
"""


class ServeProcess:
    def __init__(self, index_dir: Path, corpus_dir: Path, embedder: str = "hash", max_seconds: float = 300,
                 env: dict | None = None):
        self.port = free_port()
        self.host = "127.0.0.1"
        self.url = f"http://{self.host}:{self.port}"
        args = ["serve", "--index", str(index_dir), "--corpus", str(corpus_dir), "--embedder", embedder,
                "--host", self.host, "--port", str(self.port), "--log-level", "warning"]
        self.log = tempfile.TemporaryFile()  # a pipe could fill up and block the server
        self.proc = subprocess.Popen(
            [sys.executable, "-c", _LAUNCHER, str(os.getpid()), str(max_seconds), *args],
            # The per-client rate limit is for the public; these tests are one client on loopback.
            env={**os.environ, "OMP_WAIT_POLICY": "passive", "ASKINTL_RATE_LIMIT_PER_MINUTE": "0", **(env or {})},
            stdout=subprocess.DEVNULL, stderr=self.log,
        )

    def stderr(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def wait_healthy(self, timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.stderr()}")
            try:
                status, body = self.request("GET", "/healthz", timeout=2)
                if status == 200:
                    return body
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("server did not become healthy")

    def request(self, method: str, path: str, body=None, timeout: float = 30, conn=None):
        own = conn is None
        conn = conn or http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            data = None if body is None else json.dumps(body).encode()
            conn.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
            resp = conn.getresponse()
            raw = resp.read()
            return resp.status, json.loads(raw) if raw else None
        finally:
            if own:
                conn.close()

    def rss_mb(self) -> float:
        """Resident memory of the server process (the launcher runs it in-process)."""
        return rss_mb(self.proc.pid)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def __enter__(self):
        self.wait_healthy()
        return self

    def __exit__(self, *exc):
        self.stop()

"""Issue 10, items 4 and 7 on a real `askintl serve` (127.0.0.1, a child process that stops by
itself): idle and slow connections are closed (keep-alive and header timeouts from Settings),
and X-Forwarded-For counts only from configured proxies."""
from __future__ import annotations

import http.client
import json
import socket
import time

import pytest

from _serve_process import ServeProcess

KEEP_ALIVE = 1.0
HEADERS = 2.0


@pytest.fixture(scope="module")
def server(tiny_index_settings):
    s = tiny_index_settings
    with ServeProcess(s.index_dir, s.corpus_dir, max_seconds=90,
                      env={"ASKINTL_TIMEOUT_KEEP_ALIVE": str(KEEP_ALIVE), "ASKINTL_TIMEOUT_HEADERS": str(HEADERS),
                           "ASKINTL_LIMIT_CONCURRENCY": "64"}) as srv:
        yield srv


def _seconds_until_closed(sock: socket.socket, limit: float = 15.0, trickle: bytes | None = None) -> float:
    """Seconds until the server closes ``sock`` (reads EOF or a reset); sends ``trickle`` one
    byte every 0.25 s meanwhile. Fails past ``limit``."""
    started = time.monotonic()
    sock.settimeout(0.25)
    sent = 0
    while time.monotonic() - started < limit:
        try:
            if sock.recv(65536) == b"":
                return time.monotonic() - started
        except socket.timeout:
            pass
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - started
        if trickle is not None and sent < len(trickle):
            try:
                sock.sendall(trickle[sent:sent + 1])
            except (ConnectionResetError, BrokenPipeError):
                return time.monotonic() - started
            sent += 1
    raise AssertionError(f"the connection was still open after {limit} s")


def test_an_idle_connection_is_closed_after_the_keep_alive_timeout(server):
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        waited = _seconds_until_closed(sock)
    assert waited < KEEP_ALIVE + 4  # generous: the machine is shared


def test_a_connection_is_closed_after_its_response_once_idle(server):
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        sock.settimeout(5)
        assert sock.recv(65536).startswith(b"HTTP/1.1 200")
        waited = _seconds_until_closed(sock)
    assert waited < KEEP_ALIVE + 4


def test_headers_sent_one_byte_at_a_time_are_cut_off(server):
    slow = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200
    with socket.create_connection((server.host, server.port), timeout=5) as sock:
        waited = _seconds_until_closed(sock, trickle=slow)
    assert waited < HEADERS + 5
    # and the server still answers everyone else
    status, body = server.request("GET", "/healthz")
    assert status == 200 and body["status"] == "ok"


def test_serve_passes_the_limits_to_uvicorn():
    from askintl.api.server import uvicorn_options
    from askintl.config import Settings

    opts = uvicorn_options(Settings(timeout_keep_alive=3, timeout_headers=7, limit_concurrency=100,
                                    max_header_bytes=8192))
    assert (opts["timeout_keep_alive"], opts["limit_concurrency"], opts["h11_max_incomplete_event_size"]) == \
        (3, 100, 8192)
    assert opts["http"].header_timeout == 7 and opts["proxy_headers"] is False


def _ask_codes(server, forwarded_for: list[str]) -> list[int]:
    codes = []
    for xff in forwarded_for:
        conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
        try:
            conn.request("POST", "/v1/ask", body=json.dumps({"question": "students?"}),
                         headers={"Content-Type": "application/json", "X-Forwarded-For": xff})
            resp = conn.getresponse()
            resp.read()
            codes.append(resp.status)
        finally:
            conn.close()
    return codes


LIMITED = {"ASKINTL_RATE_LIMIT_PER_MINUTE": "6", "ASKINTL_RATE_LIMIT_BURST": "2", "ASKINTL_RATE_LIMIT_LOOPBACK": "true"}


def test_a_forged_x_forwarded_for_does_not_bypass_the_rate_limit(tiny_index_settings):
    """uvicorn used to believe X-Forwarded-For from any loopback peer: a same-host proxy that
    passed the header through let every request pick a new address (a new bucket)."""
    s = tiny_index_settings
    with ServeProcess(s.index_dir, s.corpus_dir, max_seconds=60, env=LIMITED) as srv:
        codes = _ask_codes(srv, [f"198.51.100.{i}" for i in range(5)])
    assert 429 in codes, codes


def test_a_configured_proxy_gives_each_reader_its_own_bucket(tiny_index_settings):
    s = tiny_index_settings
    with ServeProcess(s.index_dir, s.corpus_dir, max_seconds=60,
                      env={**LIMITED, "ASKINTL_TRUSTED_PROXIES": "127.0.0.1"}) as srv:
        assert _ask_codes(srv, [f"198.51.100.{i}" for i in range(5)]) == [200] * 5
        # one reader is limited, and an invalid header does not make a reader of the proxy itself
        assert 429 in _ask_codes(srv, ["198.51.100.77"] * 4)
        assert 429 in _ask_codes(srv, ["not-an-address"] * 4)

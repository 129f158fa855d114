"""Hardening: a bounded load test of a real `askintl serve` on loopback: 32 concurrent clients,
0 errors, and the server's memory levels off instead of growing with the number of requests.
Bounded in count (ROUNDS x REQUESTS_PER_ROUND) and in time (DEADLINE); no timing assertions."""
from __future__ import annotations

import http.client
import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from _serve_process import ServeProcess

CLIENTS = 32
ROUNDS = 8
REQUESTS_PER_ROUND = 416
DEADLINE = 150  # seconds for the whole load, whatever the machine
GROWTH_LIMIT_MB = 20

QUESTIONS = [
    {"question": "How many international students are at Alpha University?"},
    {"question": "What does Beta College do with teachers?", "top_k": 3},
    {"question": "teachers exchange programs at AU", "top_k": 10},
    {"question": "How many teachers did they send abroad?",
     "history": [{"role": "user", "content": "Tell me about Beta College"}, {"role": "assistant", "content": "..."}]},
    {"question": "¿Cuántos estudiantes internacionales hay?"},
    {"question": "北京有多少国际学生？"},
    {"question": "Is there a campus on the moon?"},
]


@pytest.fixture(scope="module")
def server(tiny_index_settings):
    with ServeProcess(tiny_index_settings.index_dir, tiny_index_settings.corpus_dir,
                      max_seconds=DEADLINE + 60) as srv:
        yield srv


def _client(srv: ServeProcess, k: int, n: int, deadline: float) -> tuple[int, list]:
    """Send ``n`` requests on one keep-alive connection; return (ok count, errors)."""
    conn = http.client.HTTPConnection(srv.host, srv.port, timeout=30)
    ok, errors = 0, []
    for i in range(n):
        if time.monotonic() > deadline:
            break
        j = k + i
        try:
            if j % 10 == 9:
                status, body = srv.request("GET", "/v1/documents/alpha-uni", conn=conn)
                good = status == 200 and body["doc_id"] == "alpha-uni"
            else:
                status, body = srv.request("POST", "/v1/ask", QUESTIONS[j % len(QUESTIONS)], conn=conn)
                good = status == 200 and isinstance(body.get("passages"), list) and body.get("index_version")
            if good:
                ok += 1
            else:
                errors.append((status, json.dumps(body)[:200]))
        except Exception as exc:  # noqa: BLE001 - every failure counts
            errors.append(repr(exc))
            conn.close()
            conn = http.client.HTTPConnection(srv.host, srv.port, timeout=30)
    conn.close()
    return ok, errors


def test_32_clients_get_no_errors_and_memory_levels_off(server):
    deadline = time.monotonic() + DEADLINE
    per_client = REQUESTS_PER_ROUND // CLIENTS
    rss, ok, errors = [server.rss_mb()], 0, []
    with ThreadPoolExecutor(CLIENTS) as pool:
        for _ in range(ROUNDS):
            for good, errs in pool.map(lambda k: _client(server, k, per_client, deadline), range(CLIENTS)):
                ok += good
                errors.extend(errs)
            rss.append(server.rss_mb())
    print(f"\n{ok} requests answered; server RSS by round (MB): {[round(r, 1) for r in rss]}")
    assert not errors, errors[:5]
    assert ok >= REQUESTS_PER_ROUND * 2, "the deadline cut the load short: too few requests to judge memory"
    # The first round warms up (imports, caches, the feedback database); after it memory must level off.
    assert rss[-1] - rss[1] < GROWTH_LIMIT_MB, rss
    status, body = server.request("GET", "/healthz")
    assert status == 200 and server.proc.poll() is None

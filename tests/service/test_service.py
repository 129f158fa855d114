"""Running askintl in public: rate limits, CORS, admin auth and background reindexing,
metrics and structured request logs (in-process client, hashing embedder, tiny data)."""
import contextlib
import json
import logging
import os
import re
import threading
import time

import pytest
from fastapi.testclient import TestClient

from askintl.api import create_app
from askintl.api.ratelimit import RateLimiter, retry_after_header
from helpers import metric_samples

KEY = "s3cret-admin-key-for-tests"
ADMIN = {"Authorization": f"Bearer {KEY}"}
ALPHA_QUESTION = "How many international students are at Alpha University?"





# ---- rate limit ----------------------------------------------------------------------------------
class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_token_bucket_allows_a_burst_then_the_rate():
    clock = FakeClock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.check("a").allowed for _ in range(3)] == [True, True, True]
    refused = limiter.check("a")
    assert not refused.allowed and refused.retry_after == pytest.approx(1.0)
    assert limiter.check("b").allowed  # another client has its own bucket
    clock.now += 0.5
    assert limiter.check("a").retry_after == pytest.approx(0.5)
    clock.now += 0.5
    assert limiter.check("a").allowed and not limiter.check("a").allowed
    clock.now += 3600
    assert [limiter.check("a").allowed for _ in range(4)] == [True, True, True, False]  # refills to burst only


def test_rate_limiter_forgets_refilled_clients_and_can_be_off():
    clock = FakeClock()
    limiter = RateLimiter(per_minute=600, burst=2, clock=clock, max_clients=10)
    for i in range(10):
        limiter.check(f"client-{i}")
    clock.now += 10  # every bucket has refilled: they are forgotten once the table is full
    limiter.check("one-more")
    assert list(limiter._buckets) == ["one-more"]
    for i in range(12):  # none refilled: the oldest half goes
        limiter.check(f"burst-{i}")
    assert len(limiter._buckets) <= 10 and "burst-11" in limiter._buckets
    off = RateLimiter(per_minute=0, burst=1)
    assert all(off.check("a").allowed for _ in range(100))
    assert retry_after_header(0.01) == "1" and retry_after_header(2.2) == "3"


def test_api_answers_429_with_retry_after(make_client):
    client = make_client(rate_limit_per_minute=6, rate_limit_burst=2)
    assert client.post("/v1/ask", json={"question": ALPHA_QUESTION}).status_code == 200
    assert client.get("/v1/documents").status_code == 200
    r = client.post("/v1/ask", json={"question": ALPHA_QUESTION})
    assert r.status_code == 429
    assert 1 <= int(r.headers["Retry-After"]) <= 10
    assert r.json()["error"] == "rate limited" and "try again in" in r.json()["detail"]
    # The OpenAI-compatible paths answer in OpenAI's error shape.
    r = client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 429 and r.json()["error"]["type"] == "rate_limit_error"
    # Pages, the widget, health and metrics are not limited.
    for path in ("/", "/widget.js", "/healthz", "/metrics", "/documents/alpha-uni"):
        assert client.get(path).status_code == 200, path
    assert metric_samples(client.get("/metrics").text)["askintl_rate_limited_total"] == 2


def test_rate_limit_is_per_client_address(make_client):
    app = make_client(rate_limit_per_minute=60, rate_limit_burst=1).app

    def status_from(ip):
        with TestClient(app, client=(ip, 50000)) as c:
            return c.get("/v1/documents").status_code

    assert [status_from("10.0.0.1"), status_from("10.0.0.1"), status_from("10.0.0.2")] == [200, 429, 200]


# ---- CORS ----------------------------------------------------------------------------------------
def test_cors_allows_only_configured_origins(make_client):
    client = make_client(cors_origins="https://www.uni.example, https://intl.uni.example/")
    good, bad = "https://intl.uni.example", "https://evil.example"
    preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
    r = client.options("/v1/ask", headers={"Origin": good, **preflight})
    assert r.status_code == 200 and r.headers["access-control-allow-origin"] == good
    assert "POST" in r.headers["access-control-allow-methods"]
    r = client.options("/v1/ask", headers={"Origin": bad, **preflight})
    assert r.status_code == 400 and "access-control-allow-origin" not in r.headers
    # Browsers may not send the admin key cross-origin: the header is not allowed.
    r = client.options("/v1/admin/status", headers={"Origin": good, "Access-Control-Request-Method": "GET",
                                                    "Access-Control-Request-Headers": "authorization"})
    assert r.status_code == 400

    r = client.post("/v1/ask", json={"question": ALPHA_QUESTION}, headers={"Origin": good})
    assert r.headers["access-control-allow-origin"] == good
    assert "retry-after" in r.headers["access-control-expose-headers"].lower()
    r = client.post("/v1/ask", json={"question": ALPHA_QUESTION}, headers={"Origin": bad})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers


def test_cors_off_by_default_and_429_is_readable_cross_origin(make_client):
    closed = make_client()
    r = closed.post("/v1/ask", json={"question": ALPHA_QUESTION}, headers={"Origin": "https://www.uni.example"})
    assert "access-control-allow-origin" not in r.headers
    limited = make_client(cors_origins=["*"], rate_limit_per_minute=1, rate_limit_burst=1)
    limited.get("/v1/documents")
    r = limited.get("/v1/documents", headers={"Origin": "https://any.example"})
    assert r.status_code == 429 and r.headers["access-control-allow-origin"] == "*"


# ---- admin ---------------------------------------------------------------------------------------
ADMIN_CALLS = [
    ("post", "/v1/admin/documents", {"doc_id": "x", "text": "X."}),
    ("put", "/v1/admin/documents/x", {"text": "X."}),
    ("delete", "/v1/admin/documents/alpha-uni", None),
    ("post", "/v1/admin/reindex", None),
    ("get", "/v1/admin/status", None),
]


@pytest.mark.parametrize("method,path,body", ADMIN_CALLS)
def test_admin_needs_the_key(make_client, method, path, body, tiny_corpus):
    client = make_client(admin_api_key=KEY)
    kwargs = {"json": body} if body is not None else {}
    r = client.request(method, path, **kwargs)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Bearer")
    assert r.json()["error"] == "unauthorized"
    for headers in ({"Authorization": "Bearer wrong"}, {"X-API-Key": "wrong"}, {"Authorization": f"Bearer {KEY}x"}):
        r = client.request(method, path, headers=headers, **kwargs)
        assert r.status_code == 403 and r.json()["detail"] == "wrong admin API key"
    # Without a key, the body is not even read: 401, not a validation error.
    assert client.request(method, path, json={"junk": 1}).status_code == 401
    assert sorted(p.name for p in tiny_corpus.iterdir()) == ["alpha-uni.txt", "beta-college.md", "catalog.json"]


def test_admin_is_off_without_a_configured_key(make_client):
    client = make_client()
    r = client.get("/v1/admin/status", headers=ADMIN)
    assert r.status_code == 403 and "ASKINTL_ADMIN_API_KEY" in r.json()["detail"]
    assert client.get("/v1/admin/status").status_code == 401


def test_admin_adds_replaces_and_deletes_documents(make_client, tiny_corpus):
    client = make_client(admin_api_key=KEY)
    admin = client.app.state.admin
    before = client.get("/healthz").json()["index_version"]
    body = {"doc_id": "delta", "text": "Delta Academy opened a campus in Lisbon in 2020.",
            "institution": "Delta Academy", "title": "Delta news", "aliases": ["DA"], "url": "https://delta.example/news"}
    r = client.post("/v1/admin/documents", json=body, headers=ADMIN)
    assert r.status_code == 202 and r.json()["action"] == "added"
    assert admin.wait(r.json()["generation"], 30)
    assert (tiny_corpus / "delta.txt").read_text(encoding="utf-8") == body["text"]
    catalog = json.loads((tiny_corpus / "catalog.json").read_text(encoding="utf-8"))
    assert catalog["delta"] == {"title": "Delta news", "institution": "Delta Academy", "aliases": ["DA"],
                                "url": "https://delta.example/news"}
    assert catalog["beta-college"]["url"] == "https://beta.example/intl"  # the others are kept
    status = client.get("/v1/admin/status", headers=ADMIN).json()
    assert status["state"] == "idle" and status["index_version"] != before
    assert status["last_report"]["added"] == ["delta"] and status["last_report"]["unchanged"] == 2
    assert status["last_report"]["reused_texts"] > status["last_report"]["embedded_texts"] > 0  # incremental
    r = client.post("/v1/ask", json={"question": "Where did Delta Academy open a campus?"}).json()
    assert r["passages"][0]["doc_id"] == "delta" and r["passages"][0]["url"] == "https://delta.example/news"

    assert client.post("/v1/admin/documents", json=body, headers=ADMIN).status_code == 409
    r = client.put("/v1/admin/documents/delta", headers=ADMIN, json={
        "format": "html", "institution": "Delta Academy",
        "text": "<html><head><title>Delta</title></head>"
                "<body><p>Delta Academy moved to Porto in 2024.</p></body></html>"})
    assert r.status_code == 202 and r.json()["action"] == "replaced"
    assert admin.wait(r.json()["generation"], 30)
    assert not (tiny_corpus / "delta.txt").exists() and (tiny_corpus / "delta.html").exists()
    assert client.get("/v1/admin/status", headers=ADMIN).json()["last_report"]["changed"] == ["delta"]
    doc = client.get("/v1/documents/delta").json()
    assert doc["text"] == "Delta Academy moved to Porto in 2024." and doc["title"] == "Delta"

    r = client.delete("/v1/admin/documents/delta", headers=ADMIN)
    assert r.status_code == 202 and r.json()["action"] == "deleted"
    assert admin.wait(r.json()["generation"], 30)
    assert client.get("/v1/documents/delta").status_code == 404
    assert "delta" not in json.loads((tiny_corpus / "catalog.json").read_text(encoding="utf-8"))
    assert {d["doc_id"] for d in client.get("/v1/documents").json()} == {"alpha-uni", "beta-college"}


@pytest.mark.parametrize("method,path,body,status,detail", [
    ("put", "/v1/admin/documents/bad%20id", {"text": "x"}, 422, "doc_id must be"),
    ("put", "/v1/admin/documents/.hidden", {"text": "x"}, 422, "doc_id must be"),
    ("put", "/v1/admin/documents/ok", {"text": ""}, 422, "text"),
    ("put", "/v1/admin/documents/ok", {"text": "x", "format": "pdf"}, 422, "format"),
    ("put", "/v1/admin/documents/ok", {"text": "x", "url": "javascript:alert(1)"}, 422, "url"),
    ("put", "/v1/admin/documents/ok", {"text": "x", "color": "red"}, 422, "color"),
    ("put", "/v1/admin/documents/ok", {"text": "   \n  "}, 422, "empty file"),
    ("put", "/v1/admin/documents/ok", {"text": "a\u0000b"}, 422, "binary file"),
    ("post", "/v1/admin/documents", {"text": "x"}, 422, "doc_id"),
    ("post", "/v1/admin/documents", {"doc_id": "alpha-uni", "text": "x"}, 409, "already exists"),
    ("delete", "/v1/admin/documents/nope", None, 404, "no document 'nope'"),
])
def test_admin_refusals(make_client, tiny_corpus, method, path, body, status, detail):
    client = make_client(admin_api_key=KEY)
    r = client.request(method, path, headers=ADMIN, **({"json": body} if body is not None else {}))
    assert r.status_code == status and detail in r.json()["detail"]
    assert client.get("/v1/admin/status", headers=ADMIN).json()["generation"] == 0
    assert sorted(p.name for p in tiny_corpus.iterdir()) == ["alpha-uni.txt", "beta-college.md", "catalog.json"]


def test_admin_keeps_a_catalog_saved_with_a_bom_and_never_overwrites_one_it_cannot_read(make_client, tiny_corpus):
    client = make_client(admin_api_key=KEY)
    path = tiny_corpus / "catalog.json"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))  # as Windows editors save it; the loader reads it
    r = client.put("/v1/admin/documents/delta", headers=ADMIN, json={"text": "Delta Academy opened in 2020.",
                                                                   "institution": "Delta Academy"})
    assert r.status_code == 202
    catalog = json.loads(path.read_text(encoding="utf-8-sig"))
    assert catalog["delta"]["institution"] == "Delta Academy" and "beta-college" in catalog
    path.write_text('{"alpha-uni": {"title": "Alpha"', encoding="utf-8")  # cut short by hand
    r = client.put("/v1/admin/documents/epsilon", headers=ADMIN, json={"text": "Epsilon College."})
    assert r.status_code == 500 and "cannot update the catalog" in r.json()["detail"]
    assert path.read_text(encoding="utf-8") == '{"alpha-uni": {"title": "Alpha"'
    assert not (tiny_corpus / "epsilon.txt").exists()


def test_admin_upload_size_limit_and_last_document(make_client, tiny_corpus):
    client = make_client(admin_api_key=KEY, max_document_bytes=4096)
    r = client.put("/v1/admin/documents/big", headers=ADMIN, json={"text": "word " * 1000})
    assert r.status_code == 413
    small = client.put("/v1/admin/documents/small", headers=ADMIN, json={"text": "word " * 500})
    assert small.status_code == 202
    admin = client.app.state.admin
    assert admin.wait(small.json()["generation"], 30)
    for doc_id in ("small", "alpha-uni"):
        assert admin.wait(client.delete(f"/v1/admin/documents/{doc_id}", headers=ADMIN).json()["generation"], 30)
    r = client.delete("/v1/admin/documents/beta-college", headers=ADMIN)
    assert r.status_code == 409 and "last document" in r.json()["detail"]


def test_answering_goes_on_while_reindexing(make_client, hash_engine):
    client = make_client(admin_api_key=KEY)
    admin = client.app.state.admin
    embed_passages = hash_engine.embedder.embed_passages
    started, release = threading.Event(), threading.Event()

    def slow_embed(texts):
        started.set()
        release.wait(20)
        return embed_passages(texts)

    hash_engine.embedder.embed_passages = slow_embed
    try:
        old = client.get("/healthz").json()["index_version"]
        r = client.put("/v1/admin/documents/delta", headers=ADMIN,
                       json={"text": "Delta Academy opened a campus in Lisbon in 2020."})
        assert started.wait(20)
        assert client.get("/v1/admin/status", headers=ADMIN).json()["state"] == "running"
        t0 = time.perf_counter()
        during = client.post("/v1/ask", json={"question": ALPHA_QUESTION}).json()
        assert time.perf_counter() - t0 < 5
        assert during["index_version"] == old and during["answer"]["doc_id"] == "alpha-uni"
        # A second change while the first is being indexed is gathered into the next run.
        r2 = client.put("/v1/admin/documents/epsilon", headers=ADMIN, json={"text": "Epsilon Institute is in Oslo."})
        assert r2.json()["generation"] == r.json()["generation"] + 1
    finally:
        release.set()
        hash_engine.embedder.embed_passages = embed_passages
    assert admin.wait(r2.json()["generation"], 30)
    after = client.post("/v1/ask", json={"question": "Where did Delta Academy open a campus?"}).json()
    assert after["index_version"] != old and after["passages"][0]["doc_id"] == "delta"
    assert {d["doc_id"] for d in client.get("/v1/documents").json()} >= {"delta", "epsilon"}


def test_a_failed_reindex_is_reported_and_answering_goes_on(make_client, hash_engine, monkeypatch):
    client = make_client(admin_api_key=KEY)
    old = client.get("/healthz").json()["index_version"]

    def broken(texts):
        raise RuntimeError("embedder exploded")

    monkeypatch.setattr(hash_engine.embedder, "embed_passages", broken)
    generation = client.put("/v1/admin/documents/delta", headers=ADMIN, json={"text": "Delta."}).json()["generation"]
    assert client.app.state.admin.wait(generation, 30) is False
    status = client.get("/v1/admin/status", headers=ADMIN).json()
    assert status["state"] == "failed" and "embedder exploded" in status["last_error"]
    assert status["indexed_generation"] < generation
    assert client.post("/v1/ask", json={"question": ALPHA_QUESTION}).json()["index_version"] == old
    assert metric_samples(client.get("/metrics").text)['askintl_reindex_total{outcome="failed"}'] == 1
    monkeypatch.undo()
    generation = client.post("/v1/admin/reindex", headers=ADMIN).json()["generation"]
    assert client.app.state.admin.wait(generation, 30)
    assert client.get("/v1/admin/status", headers=ADMIN).json()["state"] == "idle"


# ---- metrics -------------------------------------------------------------------------------------
def test_metrics_count_requests_latency_and_abstentions(make_client):
    client = make_client()
    results = [client.post("/v1/ask", json={"question": q}).json()
               for q in (ALPHA_QUESTION, "Who won the world cup?", "teachers at Beta College")]
    client.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "Who won the world cup?"}]})
    client.post("/v1/ask", json={})
    client.get("/no/such/page")
    r = client.get("/metrics")
    assert r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    text = r.text
    for name, kind in [("askintl_http_requests_total", "counter"), ("askintl_abstentions_total", "counter"),
                       ("askintl_http_request_duration_seconds", "histogram"), ("askintl_index_documents", "gauge")]:
        assert f"# TYPE {name} {kind}" in text
    s = metric_samples(text)
    assert s['askintl_http_requests_total{method="POST",route="/v1/ask",status="200"}'] == 3
    assert s['askintl_http_requests_total{method="POST",route="/v1/ask",status="422"}'] == 1
    assert s['askintl_http_requests_total{method="GET",route="<unmatched>",status="404"}'] == 1
    assert s['askintl_http_request_duration_seconds_count{method="POST",route="/v1/ask"}'] == 4
    assert s['askintl_http_request_duration_seconds_bucket{method="POST",route="/v1/ask",le="+Inf"}'] == 4
    buckets = [v for k, v in s.items() if k.startswith("askintl_http_request_duration_seconds_bucket{")
               and 'method="POST"' in k and 'route="/v1/ask"' in k]
    assert len(buckets) == 12 and buckets == sorted(buckets)  # cumulative, 11 bounds and +Inf
    assert s['askintl_questions_total{channel="ask"}'] == 3 and s['askintl_questions_total{channel="chat"}'] == 1
    assert s.get('askintl_abstentions_total{channel="ask"}', 0) == sum(r["abstained"] for r in results)
    assert s["askintl_index_documents"] == 2 and s["askintl_index_passages"] > 0
    assert any(k.startswith("askintl_index_info{") for k in s)


def test_metric_text_format_escapes_and_validates_labels():
    from prometheus_client import Counter

    from askintl.api.metrics import ServiceMetrics

    m = ServiceMetrics()
    m.requests.labels(method="GET", route='a"b\\c\nd', status="200").inc()
    m.latency.labels(method="GET", route="/").observe(0.05)
    m.latency.labels(method="GET", route="/").observe(50)
    s = metric_samples(m.render())
    assert s['askintl_http_requests_total{method="GET",route="a\\"b\\\\c\\nd",status="200"}'] == 1
    bucket = 'askintl_http_request_duration_seconds_bucket{{le="{}",method="GET",route="/"}}'
    assert s[bucket.format("0.05")] == 1 and s[bucket.format("10.0")] == 1 and s[bucket.format("+Inf")] == 2
    assert s['askintl_http_request_duration_seconds_sum{method="GET",route="/"}'] == 50.05
    assert s['askintl_http_request_duration_seconds_count{method="GET",route="/"}'] == 2
    assert not any("_created" in name for name in s)
    with pytest.raises(ValueError):
        m.requests.labels(route="/")
    with pytest.raises(ValueError):
        Counter("askintl_http_requests_total", "again", registry=m.registry)


def test_metrics_add_up_across_server_processes_in_multiprocess_mode(tmp_path):
    """PROMETHEUS_MULTIPROC_DIR (prometheus_client's multiprocess mode): several processes count
    into one folder and /metrics shows the sums, with the live index of the process scraped."""
    import subprocess
    import sys
    import textwrap

    script = tmp_path / "processes.py"
    script.write_text(textwrap.dedent("""
        import multiprocessing

        def work(n):
            from askintl.api.metrics import ServiceMetrics
            ServiceMetrics().questions.labels(channel="ask").inc(n)

        if __name__ == "__main__":
            workers = [multiprocessing.get_context("spawn").Process(target=work, args=(n,)) for n in (1, 2)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            from askintl.api.metrics import ServiceMetrics
            print(ServiceMetrics(index_state=lambda: {"documents": 2}).render())
    """))
    folder = tmp_path / "metrics"
    folder.mkdir()
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    s = metric_samples(out.stdout)
    assert s['askintl_questions_total{channel="ask"}'] == 3 and s["askintl_index_documents"] == 2


# ---- structured logs -----------------------------------------------------------------------------
class Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        from askintl.api.logs import JsonFormatter

        self.lines.append(json.loads(JsonFormatter().format(record)))


@contextlib.contextmanager
def access_log():
    """The access log's lines (as JSON objects) written while the block runs."""
    capture = Capture()
    logger = logging.getLogger("askintl.access")
    logger.addHandler(capture)
    try:
        yield capture
    finally:
        logger.removeHandler(capture)


def test_each_request_is_logged_as_one_json_object(make_client):
    client = make_client(request_log=True)
    with access_log() as capture:
        r = client.post("/v1/ask", json={"question": ALPHA_QUESTION}, headers={"X-Request-ID": "trace-123"})
        bad = client.get("/v1/documents/nope", headers={"X-Request-ID": "not ok!"})
    ask_line, miss_line = capture.lines
    assert ask_line["request_id"] == "trace-123" == r.headers["x-request-id"]
    assert ask_line | {"ts": None, "duration_ms": None, "bytes_sent": None} == {
        "ts": None, "level": "info", "logger": "askintl.access", "event": "request", "request_id": "trace-123",
        "method": "POST", "path": "/v1/ask", "route": "/v1/ask", "status": 200, "duration_ms": None,
        "bytes_sent": None, "client": "testclient", "answer_id": r.json()["id"], "abstained": False, "channel": "ask"}
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", ask_line["ts"]) and ask_line["duration_ms"] > 0
    assert "question" not in ask_line  # questions go to the feedback database, not to the logs
    assert miss_line["status"] == 404 and miss_line["route"] == "/v1/documents/{doc_id}"
    assert re.fullmatch(r"[0-9a-f]{32}", miss_line["request_id"])
    assert bad.headers["x-request-id"] == miss_line["request_id"]


def test_request_logs_can_be_turned_off(make_client):
    client = make_client(request_log=False)
    with access_log() as capture:
        client.get("/healthz")
    assert capture.lines == []


def test_unexpected_errors_are_500_json_and_logged_with_the_traceback(make_client, hash_engine, monkeypatch):
    client = make_client(request_log=True)
    broken = TestClient(client.app, raise_server_exceptions=False)

    def explode(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(hash_engine, "ask_checked", explode)  # what the API calls
    with access_log() as capture:
        r = broken.post("/v1/ask", json={"question": ALPHA_QUESTION})
        chat = broken.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "hi"}]})
    assert r.status_code == 500 and r.json()["error"] == "internal error"
    assert r.headers["x-request-id"] in r.json()["detail"] and "disk on fire" not in r.text
    assert chat.status_code == 500 and chat.json()["error"]["type"] == "server_error"
    line = capture.lines[0]
    assert line["level"] == "error" and line["status"] == 500 and "RuntimeError: disk on fire" in line["exception"]
    assert metric_samples(client.get("/metrics").text)[
        'askintl_http_requests_total{method="POST",route="/v1/ask",status="500"}'] == 1


def test_a_malformed_content_length_is_400():
    import asyncio

    from askintl.api.middleware import LimitsMiddleware
    from askintl.api.metrics import ServiceMetrics

    async def app(scope, receive, send):  # never reached
        raise AssertionError("the request should have been refused")

    sent = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b"{}", "more_body": False}

    limits = LimitsMiddleware(app, RateLimiter(0, 1), ServiceMetrics(), max_body=1024, max_admin_body=4096)
    scope = {"type": "http", "method": "POST", "path": "/v1/ask", "client": ("1.2.3.4", 1),
             "headers": [(b"content-length", b"12abc")]}
    asyncio.run(limits(scope, receive, send))
    assert sent[0]["status"] == 400 and json.loads(sent[1]["body"])["detail"] == "invalid Content-Length header"


def test_clients_on_this_machine_are_not_rate_limited_unless_asked(hash_engine, hash_settings):
    from fastapi.testclient import TestClient

    from askintl.api import create_app

    for limit_loopback, expect_429 in ((False, False), (True, True)):
        settings = hash_settings.model_copy(update={"rate_limit_per_minute": 6, "rate_limit_burst": 2,
                                                    "rate_limit_loopback": limit_loopback})
        with TestClient(create_app(settings, engine=hash_engine), client=("127.0.0.1", 50000)) as client:
            codes = [client.post("/v1/ask", json={"question": "students?"}).status_code for _ in range(4)]
        assert (429 in codes) == expect_429, codes

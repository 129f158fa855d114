"""The widget and the pages' static files: gzip, ETag/Last-Modified, 304 and HEAD (issue 11, item 6)."""
import gzip

import pytest
from fastapi.testclient import TestClient
from web_servers import service_settings

from askintl.api import create_app
from askintl.api.routes.pages import STATIC
from askintl.api.static_files import choose_encoding


@pytest.fixture(scope="module")
def client(tiny_index_settings):
    from askintl.engine import Engine

    settings = service_settings(tiny_index_settings)
    with TestClient(create_app(settings, engine=Engine.open(settings))) as c:
        yield c


ASSETS = ["/widget.js", "/static/widget.js", "/static/page.css", "/static/document.js", "/static/demo.js", "/"]


@pytest.mark.parametrize("path", ASSETS)
def test_gzip_when_accepted_and_identity_otherwise(client, path):
    plain = client.get(path, headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200 and "content-encoding" not in plain.headers
    assert "Accept-Encoding" in plain.headers["vary"]
    zipped = client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.status_code == 200 and zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # httpx decodes: the same file
    assert zipped.headers["etag"] == plain.headers["etag"]  # weak: one content, any coding
    assert zipped.headers["etag"].startswith('W/"')


def test_widget_js_is_compressed_to_a_third_on_the_wire(client):
    raw = (STATIC / "widget.js").read_bytes()
    with client.stream("GET", "/widget.js", headers={"Accept-Encoding": "gzip"}) as r:
        wire = b"".join(r.iter_raw())
    assert int(r.headers["content-length"]) == len(wire) < len(raw) / 2.5
    assert gzip.decompress(wire) == raw
    assert r.headers["cache-control"] == "public, max-age=600"
    assert r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["access-control-allow-origin"] == "*"
    assert r.headers["cross-origin-resource-policy"] == "cross-origin"


@pytest.mark.parametrize("path", ASSETS + ["/documents/alpha-uni"])
def test_conditional_requests_get_304(client, path):
    first = client.get(path)
    assert first.status_code == 200, path
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    again = client.get(path, headers={"If-None-Match": etag, "Accept-Encoding": "gzip"})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["cache-control"] == first.headers["cache-control"]
    assert client.get(path, headers={"If-None-Match": f'"other", {etag}'}).status_code == 304
    assert client.get(path, headers={"If-None-Match": etag.removeprefix("W/")}).status_code == 304
    assert client.get(path, headers={"If-Modified-Since": modified}).status_code == 304
    assert client.get(path, headers={"If-None-Match": '"stale"'}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
    assert client.get(path, headers={"If-None-Match": '"stale"', "If-Modified-Since": modified}).status_code == 200
    assert client.get(path, headers={"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}).status_code == 200


@pytest.mark.parametrize("path", ASSETS)
def test_head_answers_200_with_the_get_headers_and_no_body(client, path):
    get = client.get(path, headers={"Accept-Encoding": "gzip"})
    head = client.head(path, headers={"Accept-Encoding": "gzip"})
    assert head.status_code == 200 and head.content == b""
    for name in ("etag", "content-type", "content-length", "content-encoding", "cache-control"):
        assert head.headers.get(name) == get.headers.get(name), name


def test_pages_keep_their_security_headers(client):
    page = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip" and page.headers["cache-control"] == "no-cache"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["content-type"] == "text/html; charset=utf-8"


def test_unknown_and_escaping_static_paths_are_404(client):
    for path in ("/static/nope.js", "/static/..%2Fapp.py", "/static/../api/app.py", "/static/.hidden",
                 "/static/sub/widget.js"):
        assert client.get(path).status_code == 404, path
    assert client.post("/widget.js").status_code == 405


def test_choose_encoding_honours_q_values():
    both = {"identity", "gzip", "br"}
    assert choose_encoding("gzip, br", both) == "br"
    assert choose_encoding("gzip, br;q=0", both) == "gzip"
    assert choose_encoding("gzip;q=0", {"identity", "gzip"}) == "identity"
    assert choose_encoding("*", {"identity", "gzip"}) == "gzip"
    assert choose_encoding("br", {"identity", "gzip"}) == "identity"
    assert choose_encoding("", both) == "identity"

"""End to end: crawl the test website, index it, serve it, ask: the citation links to the live
page with the quote's text fragment, and says how old the text is."""
from __future__ import annotations

import time
from urllib.parse import unquote

import httpx
import pytest
from crawl_site import CrawlSite
from helpers import squash
from web_servers import LiveServer, service_settings

from askintl.config import Settings
from askintl.crawl import CrawlOptions, crawl
from askintl.indexer import build_index
from askintl.provenance import text_directive


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    from askintl.api import create_app
    from askintl.engine import Engine

    root = tmp_path_factory.mktemp("crawl-e2e")
    with CrawlSite() as site:
        report = crawl(CrawlOptions(start_urls=[site.url + "/intl/"], corpus_dir=root / "corpus", delay=0,
                                    timeout=0.5, max_bytes=2 * 1024 * 1024, institution="Harrowgate University"))
        assert report.counts()["new"] >= 10
        settings = service_settings(Settings(corpus_dir=root / "corpus", index_dir=root / "index", embedder="hash",
                                             abstain_threshold=0.0))
        build_index(settings)
        engine = Engine.open(settings)
        with LiveServer(create_app(settings, engine=engine)) as server:
            yield site, server


def _ask(server, question: str) -> dict:
    r = httpx.post(server.url + "/v1/ask", json={"question": question}, timeout=30)
    assert r.status_code == 200, r.text
    return r.json()


def test_the_answer_links_to_the_live_page_with_the_quote_as_a_text_fragment(served):
    site, server = served
    data = _ask(server, "When does the winter semester start and when is the orientation week?")
    answer = data["answer"]
    page = site.url + "/intl/faq.html"
    assert answer["url"] == page
    assert answer["link"] == f"{page}#:~:text={text_directive(answer['text'])}"
    assert "1 October 2025" in answer["text"]
    # the fragment's words are the quote's, on the live page
    terms = unquote(answer["link"].split("#:~:text=", 1)[1]).split(",")
    live = httpx.get(page).text
    assert all(squash(t) in squash(live) for t in terms)
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert answer["as_of"] in (today, time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400)))  # fetch day
    cited = data["passages"][answer["passage_index"]]
    assert cited["url"] == page and cited["link"].startswith(page + "#:~:text=") and cited["as_of"] == answer["as_of"]


def test_a_page_that_states_its_date_is_as_of_that_date(served):
    site, server = served
    data = _ask(server, "What is the tuition fee per semester for a Master?")
    assert data["answer"]["url"] == site.url + "/intl/fees.html"
    assert data["answer"]["as_of"] == "2025-02-14"
    assert data["answer"]["link"].startswith(site.url + "/intl/fees.html#:~:text=")


def test_the_openai_reply_cites_the_live_page_and_its_date(served):
    site, server = served
    r = httpx.post(server.url + "/v1/chat/completions", timeout=30, json={
        "model": "askintl", "messages": [{"role": "user", "content": "What is the tuition fee per semester for a Master?"}]})
    assert r.status_code == 200, r.text
    body = r.json()
    cite = next(c for c in body["citations"] if c["cited"])
    assert cite["link"] == body["askintl"]["answer"]["link"] and cite["as_of"] == "2025-02-14"
    assert f"{cite['link']} (as of 2025-02-14)" in body["choices"][0]["message"]["content"]


def test_the_document_keeps_its_provenance(served):
    site, server = served
    docs = httpx.get(server.url + "/v1/documents").json()
    fees = next(d for d in docs if d["url"] == site.url + "/intl/fees.html")
    full = httpx.get(server.url + "/v1/documents/" + fees["doc_id"]).json()
    assert full["page_date"] == "2025-02-14" and full["fetched_at"].endswith("Z")

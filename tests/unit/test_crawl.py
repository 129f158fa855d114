"""askintl crawl against a website served by the test (tests/crawl_site.py) on 127.0.0.1.

One crawl of the whole site, then a second with nothing changed (module fixture), give the
per-page report that every case is checked against; other tests change the site between two
crawls (changed, removed, failing pages) or interrupt a crawl.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from crawl_site import CrawlSite

from askintl.config import Settings
from askintl.crawl import STAGING_NAME, STATE_NAME, CrawlError, CrawlOptions, crawl, default_prefix, normalize_url
from askintl.indexer import build_index
from askintl.loaders import load_corpus, load_file

HAND_CATALOG = {
    "_about": "hand-written entries stay as they are",
    "harrowgate-about": {"title": "About Harrowgate", "institution": "Harrowgate University",
                         "aliases": ["HU", "Harrowgate"], "city": "Harrowgate", "language": "en", "url": None},
}


def _options(site: CrawlSite, corpus: Path, **kw) -> CrawlOptions:
    kw.setdefault("institution", None)
    return CrawlOptions(start_urls=[site.url + "/intl/"], corpus_dir=corpus, delay=0, timeout=0.5,
                        max_bytes=2 * 1024 * 1024, **kw)


def _hand_corpus(root: Path, site: CrawlSite) -> Path:
    corpus = root / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "harrowgate-about.txt").write_text("Harrowgate University was founded in 1891.\n", encoding="utf-8")
    catalog = json.loads(json.dumps(HAND_CATALOG))
    catalog["harrowgate-about"]["url"] = site.url + "/intl/"  # the start URL's catalog entry
    (corpus / "catalog.json").write_text(json.dumps(catalog, indent=2), encoding="utf-8")
    return corpus


def _by_path(report, site) -> dict[str, object]:
    return {p.url.removeprefix(site.url): p for p in report.pages}


def _snapshot(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in (".crawl.lock", ".catalog.lock")}


@pytest.fixture(scope="module")
def crawled(tmp_path_factory):
    root = tmp_path_factory.mktemp("crawl")
    with CrawlSite() as site:
        corpus = _hand_corpus(root, site)
        settings = Settings(corpus_dir=corpus, index_dir=root / "index", embedder="hash")
        first = crawl(_options(site, corpus))
        first_requests = list(site.requests)
        first_index = build_index(settings)
        second = crawl(_options(site, corpus))
        second_index = build_index(settings)
        yield {"site": site, "corpus": corpus, "first": first, "second": second, "first_index": first_index,
               "second_index": second_index, "first_requests": first_requests, "settings": settings}


EXPECTED = {
    "/intl/": ("new", ""),
    "/intl/study/": ("new", ""),
    "/intl/study/exchange/": ("new", ""),
    "/intl/faq.html": ("new", "FAQ question"),
    "/intl/fees.html": ("new", ""),
    "/intl/fees-print.html": ("duplicate", "canonical URL"),
    "/intl/guide.pdf": ("new", "pypdf"),
    "/intl/housing.html": ("new", ""),            # only in the sitemap
    "/intl/private/secret.html": ("skipped", "disallowed by robots.txt"),
    "/intl/missing.html": ("failed", "HTTP 404"),
    "/intl/broken.html": ("failed", "HTTP 500"),
    "/intl/slow.html": ("failed", "no answer within 0.5 s"),
    "/intl/huge.html": ("failed", "too large"),
    "/intl/ru.html": ("new", ""),
    "/intl/same-a.html": ("new", ""),
    "/intl/same-b.html?from=menu": ("duplicate", "same text as"),
    "/intl/old.html": ("skipped", "redirects to"),
    "/intl/new.html": ("new", ""),
    "/intl/loop-a.html": ("failed", "redirect loop"),
}


def test_every_case_has_a_clear_line_in_the_report(crawled):
    site, report = crawled["site"], crawled["first"]
    lines = _by_path(report, site)
    for path, (outcome, words) in EXPECTED.items():
        assert path in lines, f"no report line for {path}"
        assert lines[path].outcome == outcome, (path, lines[path])
        assert words in lines[path].detail, (path, lines[path])
    assert set(lines) == set(EXPECTED)  # nothing else: no line per image, mailto or outside link
    assert "/intl/loop-b.html" in lines["/intl/loop-a.html"].detail
    assert lines["/intl/old.html"].detail.endswith("/intl/new.html")
    assert lines["/intl/same-b.html?from=menu"].detail.endswith("/intl/same-a.html")
    assert any("sitemap" in n and "2 inside" in n for n in report.notes)


def test_robots_disallowed_and_outside_pages_are_never_requested(crawled):
    requests = crawled["first_requests"]
    assert requests[0] == "/robots.txt"
    assert "/intl/private/secret.html" not in requests
    assert not any(r.startswith("/research/") for r in requests)
    assert "/intl/logo.png" not in requests


def test_the_corpus_holds_one_document_per_page_and_loses_nothing(crawled):
    loaded = load_corpus(crawled["corpus"])
    assert not loaded.skipped
    docs = {d.url: d for d in loaded.documents}
    base = crawled["site"].url
    saved = {p for p, (outcome, _) in EXPECTED.items() if outcome == "new"}
    assert {base + p for p in saved} == set(docs) - {base + "/intl/"} | {base + "/intl/"}
    assert len(loaded.documents) == len(saved) + 1  # + the hand-written document
    hand = next(d for d in loaded.documents if d.doc_id == "harrowgate-about")
    assert hand.fetched_at == "" and hand.title == "About Harrowgate"
    for d in loaded.documents:
        if d.doc_id != "harrowgate-about":
            assert d.fetched_at.endswith("Z") and len(d.fetched_at) == 20
            assert d.source_path.startswith(str(crawled["corpus"] / "127.0.0.1_"))
    nested = docs[base + "/intl/study/exchange/"]
    assert "Learning agreement" in nested.text and "learning agreement must be signed" in nested.text
    assert "Imprint" not in nested.text and "Study at Harrowgate" not in nested.text.split("\n")[0]


def test_the_faq_accordion_keeps_its_questions_and_drops_the_furniture(crawled):
    faq = next(d for d in load_corpus(crawled["corpus"]).documents if d.url.endswith("/intl/faq.html"))
    questions = [faq.text[b.start:b.end] for b in faq.blocks if b.kind == "question"]
    assert questions == ["When does the winter semester start?", "Do I need a visa to study at Harrowgate?",
                         "Can I work during my studies?"]
    answers = [faq.text[b.start:b.end] for b in faq.blocks if b.kind == "answer"]
    assert any("1 October 2025" in a for a in answers)
    for furniture in ("cookies", "Accept all", "Imprint", "Tuition fees"):
        assert furniture not in faq.text


def test_tables_pdf_and_non_utf8_pages(crawled):
    docs = {d.url.rsplit("/", 1)[-1]: d for d in load_corpus(crawled["corpus"]).documents if d.url}
    fees = docs["fees.html"]
    rows = [fees.text[b.start:b.end] for b in fees.blocks if b.kind == "row"]
    assert "Master | 1,750 euros" in rows
    assert fees.page_date == "2025-02-14"
    guide = docs["guide.pdf"]
    assert guide.source_path.endswith(".pdf") and "within 14 days of arrival" in guide.text
    assert guide.title == "Arrival guide 2025" and guide.page_date == "2025-03-01"
    ru = docs["ru.html"]
    assert "Международный офис университета Харроугейт" in ru.text and ru.language == "ru"


def test_the_catalog_is_filled_from_the_pages_and_the_start_urls_entry(crawled):
    catalog = json.loads((crawled["corpus"] / "catalog.json").read_text(encoding="utf-8"))
    assert catalog["_about"] == HAND_CATALOG["_about"]
    assert catalog["harrowgate-about"]["title"] == "About Harrowgate"
    crawled_entries = {k: v for k, v in catalog.items() if k.startswith("127.0.0.1_")}
    assert len(crawled_entries) == 10
    for entry in crawled_entries.values():
        assert entry["institution"] == "Harrowgate University"  # from the start URL's entry
        assert entry["aliases"] == ["HU", "Harrowgate"] and entry["city"] == "Harrowgate"
        assert entry["url"].startswith(crawled["site"].url + "/intl/")
    fees = next(v for v in crawled_entries.values() if v["url"].endswith("/fees.html"))
    assert fees["title"] == "Tuition fees for international students" and fees["page_date"] == "2025-02-14"


def test_a_second_crawl_with_no_change_reembeds_nothing(crawled):
    site, first, second = crawled["site"], crawled["first"], crawled["second"]
    counts = second.counts()
    assert counts["new"] == counts["changed"] == counts["removed"] == 0
    assert counts["unchanged"] == first.counts()["new"]
    lines = _by_path(second, site)
    assert "304" in lines["/intl/fees.html"].detail       # ETag
    assert "304" in lines["/intl/study/"].detail          # Last-Modified
    assert lines["/intl/faq.html"].detail == "same text"  # no validator: same content hash
    assert {p.doc_id for p in first.pages} == {p.doc_id for p in second.pages}  # stable ids
    assert crawled["first_index"].added and crawled["second_index"].embedded_texts == 0
    assert not crawled["second_index"].added and not crawled["second_index"].changed
    assert not (crawled["corpus"] / STAGING_NAME).exists()


def test_changed_removed_unlinked_and_failing_pages(tmp_path):
    with CrawlSite() as site:
        corpus = _hand_corpus(tmp_path, site)
        settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hash")
        crawl(_options(site, corpus, max_depth=3))
        build_index(settings)
        ids = {d.url: d.doc_id for d in load_corpus(corpus).documents if d.url}
        exchange_file = next(corpus.rglob(ids[site.url + "/intl/study/exchange/"] + ".html"))
        new_map = next(corpus.rglob(ids[site.url + "/intl/new.html"] + ".html"))
        before = new_map.read_bytes()

        ctype, body, cond = site.pages["/intl/fees.html"]
        site.pages["/intl/fees.html"] = (ctype, body.replace(b"1,750 euros", b"1,850 euros"), cond)
        del site.pages["/intl/housing.html"]             # gone: 404
        site.errors["/intl/new.html"] = 503               # a bad night: kept
        ctype, body, cond = site.pages["/intl/study/"]    # the exchange page is no longer linked...
        site.pages["/intl/study/"] = (ctype, body.replace(b'href="/intl/study/exchange/"', b'href="#"'), "etag")
        report = crawl(_options(site, corpus, max_depth=3))
        lines = _by_path(report, site)
        assert lines["/intl/fees.html"].outcome == "changed"
        assert lines["/intl/housing.html"].outcome == "removed" and "404" in lines["/intl/housing.html"].detail
        assert lines["/intl/new.html"].outcome == "failed"
        assert "previous copy is kept" in lines["/intl/new.html"].detail
        assert lines["/intl/study/exchange/"].outcome == "unchanged"  # ...but still there: checked and kept
        assert new_map.read_bytes() == before and exchange_file.exists()
        docs = {d.url: d for d in load_corpus(corpus).documents if d.url}
        assert site.url + "/intl/housing.html" not in docs
        assert "1,850 euros" in docs[site.url + "/intl/fees.html"].text
        catalog = json.loads((corpus / "catalog.json").read_text(encoding="utf-8"))
        assert ids[site.url + "/intl/housing.html"] not in catalog
        index = build_index(settings)
        assert index.removed == [ids[site.url + "/intl/housing.html"]]
        assert index.changed == [ids[site.url + "/intl/fees.html"]]  # the study page's text is the same
        assert not index.added


def test_an_interrupted_crawl_changes_nothing_and_the_index_keeps_serving(tmp_path):
    from askintl.engine import Engine
    from askintl.index import IndexStore

    with CrawlSite() as site:
        corpus = _hand_corpus(tmp_path, site)
        settings = Settings(corpus_dir=corpus, index_dir=tmp_path / "index", embedder="hash")
        crawl(_options(site, corpus))
        build_index(settings)
        live = IndexStore(settings.index_dir).current_version()
        before = _snapshot(corpus)
        ctype, body, cond = site.pages["/intl/fees.html"]
        site.pages["/intl/fees.html"] = (ctype, body.replace(b"1,750 euros", b"9,999 euros"), cond)

        def stop_after_a_few(done, total, url):
            if done >= 6:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            crawl(_options(site, corpus), progress=stop_after_a_few)
        assert _snapshot(corpus) == before
        assert IndexStore(settings.index_dir).current_version() == live
        engine = Engine.open(settings)
        assert engine.ask("How much is the tuition fee for a master per semester?").index_version == live.name


def test_unreadable_robots_txt_closes_the_host(tmp_path):
    with CrawlSite() as site:
        site.robots_status = 503
        report = crawl(_options(site, tmp_path / "corpus"))
        assert site.requests == ["/robots.txt"]
        assert [p.outcome for p in report.pages] == ["failed"]
        assert "robots.txt could not be read" in report.pages[0].detail
        assert any("nothing fetched" in n for n in report.notes)


def test_institution_option_limits_and_bad_options(tmp_path):
    with CrawlSite() as site:
        corpus = _hand_corpus(tmp_path, site)
        report = crawl(_options(site, corpus, institution="Harrowgate Uni (test)", max_pages=3, sitemaps=False))
        assert len([p for p in report.pages if p.outcome == "new"]) <= 3
        assert any("page limit (3)" in n for n in report.notes)
        catalog = json.loads((corpus / "catalog.json").read_text(encoding="utf-8"))
        crawled_entries = [v for k, v in catalog.items() if k.startswith("127.0.0.1_")]
        assert crawled_entries and all(e["institution"] == "Harrowgate Uni (test)" for e in crawled_entries)
        with pytest.raises(CrawlError):
            crawl(CrawlOptions(start_urls=["ftp://example.org/"], corpus_dir=corpus))
        (corpus / "catalog.json").write_text("{not json", encoding="utf-8")
        with pytest.raises(CrawlError, match="catalog.json"):
            crawl(_options(site, corpus))


def test_urls_and_prefixes():
    assert normalize_url("HTTP://Example.ORG:80/a#frag") == "http://example.org/a"
    assert normalize_url("https://example.org") == "https://example.org/"
    assert normalize_url("mailto:x@example.org") is None
    assert default_prefix("https://u.edu/intl/index.html") == "https://u.edu/intl/"
    assert default_prefix("https://u.edu/intl/") == "https://u.edu/intl/"
    assert default_prefix("https://u.edu") == "https://u.edu/"


def test_cli_crawl_with_index_and_json_report(tmp_path, capsys):
    from askintl.cli import main

    with CrawlSite() as site:
        corpus = _hand_corpus(tmp_path, site)
        code = main(["crawl", site.url + "/intl/study/", "--corpus", str(corpus), "--index",
                     "--index-dir", str(tmp_path / "index"), "--embedder", "hash", "--delay", "0",
                     "--timeout", "0.5", "--json", "--institution", "Harrowgate University"])
        assert code == 0
        out = json.loads(capsys.readouterr().out)
        assert out["counts"]["new"] == 2 and {p["outcome"] for p in out["pages"]} == {"new"}
        assert (tmp_path / "index" / "CURRENT").exists()
        state = json.loads((corpus / STATE_NAME).read_text(encoding="utf-8"))
        assert set(state["pages"]) == {site.url + "/intl/study/", site.url + "/intl/study/exchange/"}
        doc = load_file(corpus / state["pages"][site.url + "/intl/study/"]["file"])
        assert "38 bachelor's and 52 master's programmes" in doc.text


def test_a_start_url_that_redirects_brings_its_targets_folder(tmp_path):
    with CrawlSite() as site:
        site.redirects["/intl-old/"] = (301, "/intl/study/")
        report = crawl(CrawlOptions(start_urls=[site.url + "/intl-old/"], corpus_dir=tmp_path / "corpus", delay=0,
                                    timeout=0.5, sitemaps=False))
        lines = _by_path(report, site)
        assert lines["/intl-old/"].outcome == "skipped" and lines["/intl/study/"].outcome == "new"
        assert lines["/intl/study/exchange/"].outcome == "new"
        assert any("/intl/study/ is allowed too" in n for n in report.notes)


def test_a_catalog_entry_written_while_a_crawl_runs_is_kept(tmp_path, monkeypatch):
    """The admin API may add a document while a crawl runs: the crawl's commit re-reads the
    catalog under its lock and changes only its own entries."""
    from askintl import crawl as crawl_module
    from askintl.loaders import catalog_lock

    with CrawlSite() as site:
        corpus = _hand_corpus(tmp_path, site)
        original = crawl_module.Crawler._crawl

        def crawl_then_admin_writes(self):
            original(self)
            with catalog_lock(corpus):  # what CorpusAdmin.put does, meanwhile
                catalog = json.loads((corpus / "catalog.json").read_text(encoding="utf-8"))
                catalog["uploaded-guide"] = {"title": "Uploaded while crawling", "institution": "Harrowgate University"}
                (corpus / "catalog.json").write_text(json.dumps(catalog), encoding="utf-8")

        monkeypatch.setattr(crawl_module.Crawler, "_crawl", crawl_then_admin_writes)
        report = crawl(_options(site, corpus))
        assert any(p.outcome == "new" for p in report.pages)
        catalog = json.loads((corpus / "catalog.json").read_text(encoding="utf-8"))
        assert catalog["uploaded-guide"]["title"] == "Uploaded while crawling"
        assert "harrowgate-about" in catalog
        assert sum(1 for e in catalog.values() if isinstance(e, dict) and e.get("url", "").startswith(site.url)) > 2

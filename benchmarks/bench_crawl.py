"""How long `askintl crawl` + `askintl index` take for a 100-page site on this machine.

A fictional university site of ``--pages`` pages (an index, sections, pages of 300-700 words
with headings, lists, a fees table on some and a bootstrap FAQ accordion on others, a PDF per
section, robots.txt and a sitemap) is served on 127.0.0.1 by a threaded http.server in this
process. Then, into a fresh corpus and index folder:

1. crawl it (``--delay``, default 0: the loopback server needs no politeness; a real site with
   the default ``--delay 1`` takes at least one second a page, see the summary);
2. index it with the embedder (default: the default model, e5-small);
3. crawl again with nothing changed (conditional requests), and index again (nothing embedded).

Pages per second are pages saved / seconds, for fetching (with extraction), for indexing, and
for both. Results go to stdout and, with ``--out``, to a JSON file.

    .venv/bin/python benchmarks/bench_crawl.py [--pages 100] [--embedder e5-small] [--delay 0] [--out FILE]
"""
from __future__ import annotations

import argparse
import hashlib
import json
import random
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

WORDS = ("international students exchange programme semester partner university admission visa housing "
         "scholarship tuition deadline application office campus orientation course credit language "
         "certificate transcript degree bachelor master doctoral research faculty library insurance "
         "residence permit registration enrolment mobility agreement coordinator advisor").split()
TOPICS = ["Admission", "Exchange", "Scholarships", "Housing", "Visas", "Fees", "Arrival", "Languages",
          "Careers", "Research", "Partners", "Summer schools"]


def _sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(12, 24))]
    words.insert(rng.randint(0, len(words)), f"{rng.randint(2, 2400):,}")
    return f"Page {n}: " + " ".join(words).capitalize() + "."


def _page(n: int, section: int, rng: random.Random, links: list[str]) -> str:
    topic = TOPICS[section % len(TOPICS)]
    parts = [f"<h1>{topic}: page {n}</h1>"]
    for h in range(rng.randint(2, 4)):
        parts.append(f"<h2>{topic} {h + 1}</h2>")
        for _ in range(rng.randint(2, 4)):
            parts.append("<p>" + " ".join(_sentence(rng, n) for _ in range(rng.randint(2, 4))) + "</p>")
        if rng.random() < 0.5:
            parts.append("<ul>" + "".join(f"<li>{_sentence(rng, n)}</li>" for _ in range(rng.randint(3, 6))) + "</ul>")
    if n % 5 == 0:
        parts.append("<table><tr><th>Programme</th><th>Fee per semester</th></tr>" + "".join(
            f"<tr><td>Programme {n}-{i}</td><td>{rng.randint(500, 9000):,} euros</td></tr>" for i in range(6))
            + "</table>")
    if n % 7 == 0:
        items = "".join(
            f'<div class="accordion-item"><h2 class="accordion-header"><button class="accordion-button" '
            f'data-bs-toggle="collapse" data-bs-target="#q{n}-{i}">Question {i} about {topic.lower()} on page {n}?'
            f'</button></h2><div id="q{n}-{i}" class="accordion-collapse collapse"><div class="accordion-body">'
            f"<p>{_sentence(rng, n)} {_sentence(rng, n)}</p></div></div></div>" for i in range(5))
        parts.append(f'<div class="accordion">{items}</div>')
    nav = "".join(f'<li><a href="{link}">{link}</a></li>' for link in links)
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{topic} {n} | Bench University'
            f'</title></head><body><nav class="navbar"><ul><li><a href="/intl/">Home</a></li></ul></nav>'
            f'<div class="cookie-banner">We use cookies <button>OK</button></div><main>{"".join(parts)}'
            f'<ul class="related">{nav}</ul></main><footer class="site-footer">© Bench University</footer>'
            f"</body></html>")


def make_site(pages: int) -> dict[str, tuple[str, bytes]]:
    """path → (content type, body) of a site of ``pages`` HTML pages and PDFs."""
    from _common import from_tests

    make_pdf = from_tests("crawl_site").make_pdf

    rng = random.Random(7)
    sections = max(1, round(pages ** 0.5))
    leaves = max(0, pages - 1 - 2 * sections)  # besides the index, each section's page and PDF
    paths = [f"/intl/s{i % sections}/p{i // sections}.html" for i in range(leaves)]
    site: dict[str, tuple[str, bytes]] = {}
    by_section: dict[int, list[str]] = {}
    for p in paths:
        by_section.setdefault(int(p.split("/")[2][1:]), []).append(p)
    index_links = [f"/intl/s{s}/" for s in by_section]
    site["/intl/"] = ("text/html; charset=utf-8", _page(0, 0, rng, index_links).encode())
    n = 1
    for s, members in by_section.items():
        pdf = f"/intl/s{s}/guide.pdf"
        site[pdf] = ("application/pdf", make_pdf([_sentence(rng, 1000 + s) for _ in range(20)], title=f"Guide {s}"))
        site[f"/intl/s{s}/"] = ("text/html; charset=utf-8", _page(n, s, rng, members[:1] + [pdf]).encode())
        n += 1
        for i, p in enumerate(members):
            nxt = members[i + 1: i + 3]
            site[p] = ("text/html; charset=utf-8", _page(n, s, rng, nxt).encode())
            n += 1
    return site


def serve(site: dict[str, tuple[str, bytes]]):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):  # noqa: N802
            path = self.path.split("?")[0]
            if path == "/robots.txt":
                body, ctype, etag = b"User-agent: *\nDisallow: /private/\n", "text/plain", None
            elif path in site:
                ctype, body = site[path]
                etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
            else:
                body, ctype, etag = b"not found", "text/plain", None
            self.send_response(200 if path in site or path == "/robots.txt" else 404)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            if etag:
                self.send_header("ETag", etag)
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=100)
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    from askintl.config import Settings
    from askintl.crawl import CrawlOptions, crawl
    from askintl.embedders import load_embedder
    from askintl.indexer import build_index

    site = make_site(args.pages)
    server = serve(site)
    url = f"http://127.0.0.1:{server.server_address[1]}/intl/"
    embedder = load_embedder(args.embedder)  # loaded once, outside the timings
    embedder.embed_passages(["warm up"])
    results: dict = {"pages_on_site": len(site), "embedder": args.embedder, "delay": args.delay}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            corpus, index = Path(tmp) / "corpus", Path(tmp) / "index"
            settings = Settings(corpus_dir=corpus, index_dir=index, embedder=args.embedder)
            options = CrawlOptions(start_urls=[url], corpus_dir=corpus, delay=args.delay, max_pages=10 * args.pages,
                                   max_depth=50, institution="Bench University")
            for run in ("first", "again"):
                t0 = time.perf_counter()
                report = crawl(options)
                t1 = time.perf_counter()
                indexed = build_index(settings, embedder=embedder)
                t2 = time.perf_counter()
                counts = report.counts()
                saved = counts["new"] + counts["changed"] + counts["unchanged"]
                results[run] = {
                    "pages_saved": saved, "counts": counts, "requests": report.requests, "bytes": report.bytes,
                    "crawl_s": round(t1 - t0, 2), "index_s": round(t2 - t1, 2), "total_s": round(t2 - t0, 2),
                    "crawl_pages_per_s": round(saved / (t1 - t0), 1), "index_pages_per_s": round(saved / (t2 - t1), 1),
                    "pages_per_s": round(saved / (t2 - t0), 1), "passages": indexed.passages,
                    "embedded_texts": indexed.embedded_texts,
                    "extractors": sorted({p.detail.split(", ", 1)[-1].split(" (")[0] for p in report.pages
                                          if p.outcome == "new"}),
                }
    finally:
        server.shutdown()
    for run, r in ((k, v) for k, v in results.items() if isinstance(v, dict)):
        print(f"{run}: {r['pages_saved']} pages saved ({r['counts']}); crawl {r['crawl_s']} s "
              f"({r['crawl_pages_per_s']} pages/s), index {r['index_s']} s ({r['index_pages_per_s']} pages/s, "
              f"{r['passages']} passages, {r['embedded_texts']} texts embedded), together {r['total_s']} s "
              f"({r['pages_per_s']} pages/s)")
    first = results["first"]
    print(f"politeness: with the default --delay 1 a one-host site of {first['pages_saved']} pages takes at least "
          f"{first['requests']} s to fetch ({first['requests']} requests)")
    if args.out:
        args.out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

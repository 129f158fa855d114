"""A small university website for crawl tests, served on 127.0.0.1 by a threaded http.server.

Every page is fictional. The site has the cases a crawl meets: nested pages, an FAQ accordion
(bootstrap, with menus, a cookie banner and a footer), a fees table, a PDF, robots.txt that
disallows a folder, a sitemap with a page nothing links to, a redirect chain, a 404, a 500, a
page that never answers, a 50 MB page, a windows-1251 page that says so only in its <meta>,
two URLs with the same text, and a redirect loop. Pages answer conditional requests (ETag or
Last-Modified, or neither). ``site.pages`` can be changed between crawls; ``site.requests``
lists the paths asked for.
"""
from __future__ import annotations

import hashlib
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LAST_MODIFIED = "Mon, 03 Mar 2025 10:00:00 GMT"
HUGE_BYTES = 50 * 1024 * 1024

_NAV = """<nav class="navbar"><ul><li><a href="/intl/">International</a></li><li><a href="/intl/study/">Study</a></li>
<li><a href="/intl/faq.html">FAQ</a></li><li><a href="/intl/fees.html">Fees</a></li></ul></nav>"""
_FOOTER = """<footer class="site-footer"><p>© 2025 Harrowgate University · Imprint · Privacy · Sitemap</p></footer>"""


def page(title: str, body: str, head: str = "", lang: str = "en") -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title} | Harrowgate University'
            f"</title>{head}</head><body>{_NAV}<main>{body}</main>{_FOOTER}</body></html>")


INDEX = page("International Office", """
<h1>International Office</h1>
<p>The International Office of Harrowgate University welcomes about 2,300 international students from
74 countries every year, and helps them with admission, visas, housing and life in Harrowgate.</p>
<p>Our office is open from Monday to Friday, 9:00 to 16:30, in the Meridian Building, room 1.12.</p>
<ul>
<li><a href="/intl/study/">Study at Harrowgate</a></li>
<li><a href="/intl/faq.html">Frequently asked questions</a></li>
<li><a href="/intl/fees.html">Tuition fees</a></li>
<li><a href="/intl/guide.pdf">Arrival guide (PDF)</a></li>
<li><a href="/intl/private/secret.html">Staff only</a></li>
<li><a href="/intl/missing.html">Old partner list</a></li>
<li><a href="/intl/broken.html">Scholarship finder</a></li>
<li><a href="/intl/slow.html">Live chat</a></li>
<li><a href="/intl/huge.html">Photo archive</a></li>
<li><a href="/intl/ru.html">По-русски</a></li>
<li><a href="/intl/same-a.html">Visa letter</a></li>
<li><a href="/intl/same-b.html?from=menu">Visa letter (menu)</a></li>
<li><a href="/intl/old.html">Campus map</a></li>
<li><a href="/intl/loop-a.html">Events</a></li>
<li><a href="/research/outside.html">Research</a></li>
<li><a href="mailto:intl@harrowgate.example">E-mail us</a></li>
<li><a href="/intl/logo.png">Logo</a></li>
</ul>""")

STUDY = page("Study at Harrowgate", """
<h1>Study at Harrowgate</h1>
<p>Harrowgate University offers 38 bachelor's and 52 master's programmes, of which 21 are taught entirely
in English. International students apply through the online portal between 1 October and 15 March.</p>
<p>Exchange students from our 140 partner universities study with us for one or two semesters:
see <a href="/intl/study/exchange/">exchange studies</a>.</p>""")

EXCHANGE = page("Exchange studies", """
<h1>Exchange studies</h1>
<h2>Who can come</h2>
<p>Students nominated by one of our 140 partner universities may spend one or two semesters at Harrowgate
without paying tuition fees, under the Erasmus+ programme or a bilateral agreement.</p>
<h2>Learning agreement</h2>
<p>Your learning agreement must be signed by your home university and by the exchange coordinator of
your Harrowgate faculty before the semester starts.</p>""")

FAQ = page("Frequently asked questions", """
<div class="cookie-banner" id="cookie-consent"><p>We use cookies to improve your visit.</p>
<button>Accept all</button><button>Reject</button></div>
<h1>Frequently asked questions</h1>
<div class="accordion" id="faq">
 <div class="accordion-item">
  <h2 class="accordion-header"><button class="accordion-button" type="button" data-bs-toggle="collapse"
   data-bs-target="#a1" aria-expanded="true">When does the winter semester start?</button></h2>
  <div id="a1" class="accordion-collapse collapse show"><div class="accordion-body">
   <p>The winter semester starts on 1 October 2025, and the orientation week for international students
   begins on 22 September 2025 with a welcome breakfast in the Meridian Building.</p></div></div>
 </div>
 <div class="accordion-item">
  <h2 class="accordion-header"><button class="accordion-button collapsed" type="button" data-bs-toggle="collapse"
   data-bs-target="#a2" aria-expanded="false">Do I need a visa to study at Harrowgate?</button></h2>
  <div id="a2" class="accordion-collapse collapse"><div class="accordion-body">
   <p>Students from outside the European Economic Area need a student visa; apply at least three months
   before your course starts, with your letter of admission and proof of funds of 11,208 euros.</p></div></div>
 </div>
 <div class="accordion-item">
  <h2 class="accordion-header"><button class="accordion-button collapsed" type="button" data-bs-toggle="collapse"
   data-bs-target="#a3" aria-expanded="false">Can I work during my studies?</button></h2>
  <div id="a3" class="accordion-collapse collapse"><div class="accordion-body">
   <p>International students may work up to 20 hours per week during the semester and full time during
   the holidays; the Career Service posts student jobs on its job board every Monday.</p></div></div>
 </div>
</div>""")

FEES = page("Tuition fees", """
<h1>Tuition fees for international students</h1>
<p>Students from outside the European Union pay tuition fees per semester, as shown below. Exchange
students and doctoral candidates pay no tuition fees.</p>
<table><thead><tr><th>Programme</th><th>Fee per semester</th></tr></thead>
<tbody><tr><td>Bachelor</td><td>1,500 euros</td></tr><tr><td>Master</td><td>1,750 euros</td></tr>
<tr><td>MBA</td><td>4,900 euros</td></tr></tbody></table>
<p>The semester contribution of 312 euros includes a public transport ticket for the whole region.</p>
<p><a href="/intl/fees-print.html">Printable version</a></p>""",
             head='<meta property="article:modified_time" content="2025-02-14T09:30:00+01:00">'
                  '<link rel="canonical" href="/intl/fees.html">')

SAME_TEXT = """
<h1>Visa support letter</h1>
<p>The International Office writes visa support letters for admitted students within five working days;
request yours by e-mail with your application number and the name of your embassy.</p>"""

RU_TEXT = page("Иностранным студентам", """
<h1>Иностранным студентам</h1>
<p>Международный офис университета Харроугейт помогает иностранным студентам с визой, жильём и
страховкой. Приём документов на магистерские программы продолжается до 15 марта.</p>""", lang="ru")

NEW_MAP = page("Campus map", """
<h1>Campus map</h1>
<p>The campus has three sites: the Meridian Building in the town centre, the Science Park in the north
and the sports ground by the river; shuttle bus 7 connects them every twenty minutes.</p>""")

ORPHAN = page("Housing", """
<h1>Housing for international students</h1>
<p>The student housing office offers 1,100 furnished rooms in six residences; a single room costs
between 310 and 420 euros per month, bills included. Apply for a room before 1 July.</p>""")

ROBOTS = """User-agent: *
Disallow: /intl/private/

Sitemap: {base}/sitemap.xml
"""

SITEMAP = """<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{base}/intl/</loc></url>
<url><loc>{base}/intl/housing.html</loc><lastmod>2025-01-10</lastmod></url>
<url><loc>{base}/research/outside.html</loc></url>
</urlset>
"""


def make_pdf(lines: list[str], title: str = "", mod_date: str = "D:20250301120000Z") -> bytes:
    """A one-page PDF whose text is ``lines`` (Helvetica), with a document information dictionary."""
    def esc(s: str) -> str:
        return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 11 Tf 72 740 Td 16 TL " + " ".join(f"({esc(line)}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Title ({esc(title)}) /ModDate ({mod_date}) >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info {len(objects)} 0 R >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    return bytes(out)


GUIDE_PDF = make_pdf([
    "Arrival guide for international students",
    "Register your address at the Harrowgate town hall within 14 days of arrival.",
    "Bring your passport, your rental contract and the landlord confirmation form.",
    "The International Office runs a free airport pick-up on 20 and 21 September 2025.",
], title="Arrival guide 2025")


def default_pages() -> dict[str, tuple[str, bytes, str]]:
    """path → (content type, body, conditional-request support: "etag" | "last-modified" | "")."""
    html = "text/html; charset=utf-8"
    return {
        "/intl/": (html, INDEX.encode(), "etag"),
        "/intl/study/": (html, STUDY.encode(), "last-modified"),
        "/intl/study/exchange/": (html, EXCHANGE.encode(), "last-modified"),
        "/intl/faq.html": (html, FAQ.encode(), ""),
        "/intl/fees.html": (html, FEES.encode(), "etag"),
        "/intl/fees-print.html": (html, FEES.replace('href="/intl/fees.html"', 'href="/intl/fees.html" ').encode()
                                  .replace(b"<title>Tuition fees", b"<title>Print: Tuition fees"), ""),
        "/intl/guide.pdf": ("application/pdf", GUIDE_PDF, "etag"),
        "/intl/private/secret.html": (html, page("Staff", "<p>Staff only: the door code is 4711.</p>").encode(), ""),
        "/intl/ru.html": ("text/html", RU_TEXT.encode("cp1251").replace(b'charset="utf-8"', b'charset="windows-1251"')
                          .replace(b"charset=utf-8", b"charset=windows-1251"), "etag"),
        "/intl/same-a.html": (html, page("Visa letter", SAME_TEXT).encode(), "etag"),
        "/intl/same-b.html": (html, page("Visa letter", SAME_TEXT).encode(), "etag"),
        "/intl/new.html": (html, NEW_MAP.encode(), "etag"),
        "/intl/housing.html": (html, ORPHAN.encode(), "etag"),
        "/research/outside.html": (html, page("Research", "<p>Research news.</p>").encode(), ""),
    }


REDIRECTS = {
    "/intl/old.html": (301, "/intl/older.html"),
    "/intl/older.html": (302, "/intl/new.html"),
    "/intl/loop-a.html": (302, "/intl/loop-b.html"),
    "/intl/loop-b.html": (302, "/intl/loop-a.html"),
}


class CrawlSite:
    """``with CrawlSite() as site: site.url``: the test website on 127.0.0.1, a free port."""

    def __init__(self):
        self.pages = default_pages()
        self.redirects = dict(REDIRECTS)
        self.errors = {"/intl/broken.html": 500}
        self.robots_status = 200
        self.requests: list[str] = []
        self.conditional_hits: list[str] = []
        self.stop = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", headers=None):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_GET(self):  # noqa: N802 - the http.server API
                path = self.path.split("?")[0]
                outer.requests.append(self.path)
                base = f"http://127.0.0.1:{outer.port}"
                if path == "/robots.txt":
                    if outer.robots_status != 200:
                        return self._send(outer.robots_status, b"unavailable", "text/plain")
                    return self._send(200, ROBOTS.format(base=base).encode(), "text/plain")
                if path == "/sitemap.xml":
                    return self._send(200, SITEMAP.format(base=base).encode(), "application/xml")
                if path in outer.redirects:
                    status, target = outer.redirects[path]
                    self.send_response(status)
                    self.send_header("Location", target)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return None
                if path in outer.errors:
                    return self._send(outer.errors[path], b"<h1>Internal Server Error</h1>")
                if path == "/intl/slow.html":  # never answers within the crawler's timeout
                    outer.stop.wait(5)
                    self.close_connection = True
                    return None
                if path == "/intl/huge.html":  # 50 MB, streamed without a Content-Length
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html")
                    self.send_header("Connection", "close")
                    self.end_headers()
                    chunk = b"<p>" + b"photo " * 10_000 + b"</p>\n"
                    sent = 0
                    try:
                        self.wfile.write(b"<html><body>")
                        while sent < HUGE_BYTES and not outer.stop.is_set():
                            self.wfile.write(chunk)
                            sent += len(chunk)
                    except OSError:
                        pass
                    self.close_connection = True
                    return None
                found = outer.pages.get(path)
                if found is None:
                    return self._send(404, b"<h1>Not found</h1>")
                ctype, body, conditional = found
                headers = {}
                if conditional == "etag":
                    etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
                    headers["ETag"] = etag
                    if self.headers.get("If-None-Match") == etag:
                        outer.conditional_hits.append(path)
                        self.send_response(304)
                        self.send_header("ETag", etag)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return None
                elif conditional == "last-modified":
                    headers["Last-Modified"] = LAST_MODIFIED
                    if self.headers.get("If-Modified-Since") == LAST_MODIFIED:
                        outer.conditional_hits.append(path)
                        self.send_response(304)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return None
                return self._send(200, body, ctype, headers)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name=f"crawl-site-{self.port}", daemon=True)

    def __enter__(self) -> "CrawlSite":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

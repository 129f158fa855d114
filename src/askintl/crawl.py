"""``askintl crawl``: an institution's website → one corpus file per page, with its catalog entry.

    crawl(CrawlOptions(start_urls=["https://www.uni.edu/international/"], corpus_dir=Path("corpus"),
                       institution="Example University"))

What it does, in order:

1. **Scope.** Pages are fetched from the start URLs, and only inside the allowed URL prefixes
   (``--allow``; by default each start URL's folder: ``https://www.uni.edu/international/``
   for ``.../international/`` or ``.../international/index.html``; http and https alike). PDFs
   linked from fetched pages are fetched from anywhere on the same hosts.
2. **robots.txt** of each host is read first (protego, RFC 9309 with wildcards): disallowed
   URLs are never requested, its ``Crawl-delay`` lengthens the delay. A robots.txt that does
   not exist (4xx) allows everything; one that cannot be read (5xx, timeout) forbids the host
   for this crawl, as RFC 9309 says. ``<meta name=robots>`` ``noindex`` pages are not saved,
   ``nofollow`` pages' links are not followed.
3. **Sitemaps** (those robots.txt names, else ``/sitemap.xml``; sitemap indexes and gzip too)
   add their URLs inside the scope, one link away from the start.
4. **Fetching**, breadth first, one request at a time, with at least ``delay`` seconds between
   two requests to one host, within the limits: ``max_pages`` pages, ``max_depth`` links from
   a start URL, ``max_bytes`` per response (a larger one is refused at the limit, by its
   Content-Length or while it streams), ``max_total_bytes`` in all, ``timeout`` seconds without
   an answer. Redirects are followed by hand, each hop checked against the scope and robots.txt
   (a loop or more than ``max_redirects`` hops is reported); a page saved under its final URL,
   or under its ``<link rel=canonical>`` when that is in scope (fetched instead).
5. **Extraction** (``extract.py``): the main content by trafilatura, saved as HTML, or the page
   as fetched for our own reader when trafilatura loses its FAQ questions. Each saved file is
   read back by the loader, as ``askintl index`` will read it: the text every quote comes from.
   Two pages with the same text are one document (the first one reached; the other is
   reported as a duplicate).
6. **Incremental.** ``corpus/.crawl-state.json`` keeps, per page: ETag, Last-Modified, content
   hash, fetch time, document id, links. The next crawl sends conditional requests (304: the
   page is unchanged, its stored links are followed), rewrites only pages whose text changed,
   and drops a page that is gone: 404 or 410, now a redirect, now disallowed, ``noindex``, or
   the same text as another page. A page that fails for a reason that may pass (5xx, timeout,
   too large, the page limit) keeps its previous copy: a bad night loses nothing. Pages that
   are no longer linked are checked again directly before being dropped.
7. **Commit.** Nothing in the corpus changes while pages are fetched: files are staged in
   ``corpus/.crawl-staging/`` (hidden names: the loader never reads them) and moved into place
   at the end (``corpus/<host>/<doc_id>.html|.pdf``), then ``catalog.json`` and the state file
   are replaced atomically. A crawl that fails or is interrupted leaves the corpus, and so the
   index, as they were. ``askintl index`` (or ``crawl --index``) then embeds only what changed.

The catalog entry of a page: ``url``, ``title``, ``language``, ``fetched_at`` (when it was
last fetched or confirmed unchanged) and ``page_date`` (the date the page states) from the
crawl; ``institution`` from ``--institution``, else from the catalog entry whose ``url`` is the
longest prefix of the page's URL (a hand-written entry for the start URL, say); its ``aliases``
and ``city`` come along, and aliases already in the entry are kept.
"""
from __future__ import annotations

import contextlib
import fcntl
import gzip
import hashlib
import json
import logging
import os
import shutil
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

from . import __version__
from .errors import CrawlError, LoaderError
from .identifiers import doc_id_for_url, url_problem
from .loaders import (CatalogUnreadable, iter_corpus_files, load_file, read_catalog_for_update,
                      updating_catalog, write_atomic)

log = logging.getLogger(__name__)

STATE_NAME = ".crawl-state.json"
STAGING_NAME = ".crawl-staging"
LOCK_NAME = ".crawl.lock"
STATE_VERSION = 1
ROBOTS_AGENT = "askintl"
USER_AGENT = f"askintl-crawler/{__version__} (extractive question answering over international-office pages)"
OUTCOMES = ("new", "changed", "unchanged", "duplicate", "skipped", "failed", "removed")
MAX_SITEMAPS = 50
MAX_STORED_LINKS = 2000
_SKIP_EXTENSIONS = frozenset(
    "jpg jpeg png gif webp svg ico bmp tif tiff css js mjs json xml rss atom zip gz tgz rar 7z tar mp3 mp4 m4a "
    "wav ogg webm avi mov wmv flv doc docx xls xlsx ppt pptx odt ods odp rtf csv txt ics vcf exe dmg apk iso "
    "woff woff2 ttf eot".split())
_GONE_STATUSES = (404, 410)


@dataclass
class CrawlOptions:
    start_urls: list[str]
    corpus_dir: Path = Path("corpus")
    institution: str | None = None
    allow: list[str] = field(default_factory=list)  # allowed URL prefixes (default: the start URLs' folders)
    max_pages: int = 500
    max_depth: int = 5
    max_bytes: int = 10 * 1024 * 1024
    max_total_bytes: int = 1024 * 1024 * 1024
    delay: float = 1.0  # seconds between two requests to one host (robots.txt Crawl-delay may add)
    timeout: float = 20.0
    max_redirects: int = 10
    pdfs: bool = True
    sitemaps: bool = True
    user_agent: str = USER_AGENT


@dataclass
class PageReport:
    url: str
    outcome: str  # one of OUTCOMES
    detail: str = ""
    doc_id: str = ""


@dataclass
class CrawlReport:
    pages: list[PageReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # robots.txt, sitemaps, limits
    requests: int = 0
    bytes: int = 0
    seconds: float = 0.0
    documents: int = 0  # crawled documents in the corpus after the crawl

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(OUTCOMES, 0)
        for p in self.pages:
            out[p.outcome] = out.get(p.outcome, 0) + 1
        return out

    @property
    def changed(self) -> bool:
        c = self.counts()
        return bool(c["new"] or c["changed"] or c["removed"])

    def to_dict(self) -> dict:
        return {"pages": [vars(p) for p in self.pages], "notes": list(self.notes), "counts": self.counts(),
                "requests": self.requests, "bytes": self.bytes, "seconds": round(self.seconds, 3),
                "documents": self.documents}


@dataclass
class _Fetch:
    url: str                      # the last URL requested (the page's, after redirects)
    status: int = 0
    body: bytes = b""
    content_type: str = ""
    headers: dict = field(default_factory=dict)
    error: str = ""               # why there is no page ("" when there is one, or a 304)
    gone: bool = False            # the error says the page is gone for good (404, 410, disallowed...)
    chain: list[str] = field(default_factory=list)  # redirects followed, first to last


@dataclass
class _Saved:
    """A document of the crawl: new, changed or unchanged."""

    url: str
    doc_id: str
    suffix: str
    title: str = ""
    language: str = ""
    page_date: str = ""
    fetched_at: str = ""
    etag: str = ""
    last_modified: str = ""
    content_hash: str = ""
    text_hash: str = ""
    depth: int = 0
    links: list[str] = field(default_factory=list)
    extractor: str = ""
    staged: Path | None = None  # the new file to move into place (None: unchanged)
    file: str = ""              # its path in the corpus folder, relative


# ---- URLs ------------------------------------------------------------------------------------
def normalize_url(url: str) -> str | None:
    """http(s) URL without fragment, host lowercased, default port dropped, path "/" at least;
    None for anything else."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        return None
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    return urlunsplit((scheme, host, parts.path or "/", parts.query, ""))


def _origin(url: str) -> str:
    p = urlsplit(url)
    return f"{p.scheme}://{p.netloc}"


def _scope_key(url: str) -> str:
    """A URL without its scheme, for prefix checks (http and https alike)."""
    return url.split("://", 1)[-1]


def default_prefix(url: str) -> str:
    """The folder of a start URL: ``https://u.edu/intl/`` for ``/intl/`` and ``/intl/index.html``."""
    p = urlsplit(url)
    path = p.path if p.path.endswith("/") else p.path.rsplit("/", 1)[0] + "/"
    return urlunsplit((p.scheme, p.netloc, path or "/", "", ""))


def _extension(url: str) -> str:
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    return last.rsplit(".", 1)[-1].lower() if "." in last else ""


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _text_hash(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


# ---- files written atomically -----------------------------------------------------------------
def read_state(corpus_dir: Path) -> dict:
    path = Path(corpus_dir) / STATE_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"version": STATE_VERSION, "pages": {}}
    except (OSError, ValueError) as exc:
        log.warning("crawl state %s unreadable (%s): every page is fetched again", path, exc)
        return {"version": STATE_VERSION, "pages": {}}
    if not isinstance(data, dict) or data.get("version") != STATE_VERSION or not isinstance(data.get("pages"), dict):
        return {"version": STATE_VERSION, "pages": {}}
    return data


def _unreadable_catalog(exc: CatalogUnreadable) -> CrawlError:
    return CrawlError(f"{exc}; the crawl writes its entries there: fix it first")


def _read_raw_catalog(corpus_dir: Path) -> dict:
    try:
        return read_catalog_for_update(corpus_dir)
    except CatalogUnreadable as exc:
        raise _unreadable_catalog(exc) from None


# ---- the crawler ----------------------------------------------------------------------------------
class Crawler:
    def __init__(self, options: CrawlOptions, progress=None, client=None):
        self.o = options
        self.progress = progress  # progress(done, total, url) after each page
        self._client = client
        self.report = CrawlReport()
        self.corpus = Path(options.corpus_dir)
        starts = []
        for url in options.start_urls:
            problem = url_problem(url)
            norm = normalize_url(url) if not problem else None
            if norm is None:
                raise CrawlError(f"start URL {url!r}: {problem or 'not an http(s) URL'}")
            starts.append(norm)
        if not starts:
            raise CrawlError("give at least one start URL")
        self.starts = list(dict.fromkeys(starts))
        prefixes = []
        for prefix in options.allow or [default_prefix(u) for u in self.starts]:
            norm = normalize_url(prefix)
            if norm is None:
                raise CrawlError(f"allowed prefix {prefix!r} is not an http(s) URL")
            prefixes.append(norm if prefix.rstrip().endswith("/") or norm.endswith("/") else norm)
        self.prefixes = [_scope_key(p) for p in dict.fromkeys(prefixes)]
        self.hosts = {urlsplit("http://" + p).netloc for p in self.prefixes}
        for option, value in (("max_pages", options.max_pages), ("max_bytes", options.max_bytes)):
            if value < 1:
                raise CrawlError(f"{option} must be at least 1")
        if options.max_depth < 0 or options.delay < 0 or options.timeout <= 0:
            raise CrawlError("max_depth and delay must be >= 0, timeout > 0")

    # ---- scope and robots -----------------------------------------------------------------------
    def in_scope(self, url: str) -> bool:
        key = _scope_key(url)
        return any(key.startswith(p) for p in self.prefixes)

    def _pdf_scope(self, url: str) -> bool:
        return urlsplit(url).netloc in self.hosts

    def _robots(self, url: str):
        """The host's parsed robots.txt; None (everything allowed) or a str (why the host is closed)."""
        origin = _origin(url)
        if origin in self.robots:
            return self.robots[origin]
        from protego import Protego

        rules = None
        robots_url = origin + "/robots.txt"
        fetched = self._request(robots_url, {}, max_bytes=512 * 1024, follow=5)
        if fetched.error and fetched.status == 0 or fetched.status >= 500:
            why = fetched.error if fetched.status == 0 else f"HTTP {fetched.status}"
            rules = f"its robots.txt could not be read ({why}): RFC 9309 says to fetch nothing"
            self.report.notes.append(f"{robots_url}: {why}; nothing fetched from {origin} in this crawl")
        elif 200 <= fetched.status < 300:
            text, _ = _decode_text(fetched.body)
            rules = Protego.parse(text)
            delay = rules.crawl_delay(ROBOTS_AGENT)
            if delay:
                self.host_delay[origin] = min(max(float(delay), self.o.delay), 60.0)
            self.report.notes.append(f"{robots_url}: read" + (f" (Crawl-delay {delay} s)" if delay else ""))
        else:
            self.report.notes.append(f"{robots_url}: HTTP {fetched.status}, everything allowed")
        self.robots[origin] = rules
        return rules

    def allowed_by_robots(self, url: str) -> tuple[bool, str]:
        rules = self._robots(url)
        if isinstance(rules, str):
            return False, rules
        if rules is not None and not rules.can_fetch(url, ROBOTS_AGENT):
            return False, "disallowed by robots.txt"
        return True, ""

    # ---- HTTP ---------------------------------------------------------------------------------
    def _wait(self, origin: str) -> None:
        delay = self.host_delay.get(origin, self.o.delay)
        last = self.last_request.get(origin)
        if last is not None and delay > 0:
            pause = last + delay - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        self.last_request[origin] = time.monotonic()

    def _request(self, url: str, headers: dict, max_bytes: int | None = None, follow: int = 0) -> _Fetch:
        """One GET (with up to ``follow`` redirects followed without checks: robots.txt, sitemaps)."""
        import httpx

        max_bytes = self.o.max_bytes if max_bytes is None else max_bytes
        chain = [url]
        for _ in range(follow + 1):
            self._wait(_origin(url))
            self.report.requests += 1
            deadline = time.monotonic() + 10 * self.o.timeout
            try:
                with self.client.stream("GET", url, headers=headers) as r:
                    status = r.status_code
                    if status in (301, 302, 303, 307, 308) and r.headers.get("location") and len(chain) <= follow:
                        nxt = normalize_url(urljoin(url, r.headers["location"]))
                        if nxt is None or nxt in chain:
                            return _Fetch(url, status, error="bad redirect", chain=chain)
                        url = nxt
                        chain.append(url)
                        continue
                    fetched = _Fetch(url, status, content_type=r.headers.get("content-type", ""),
                                     headers=dict(r.headers), chain=chain)
                    if status != 200:
                        return fetched
                    length = r.headers.get("content-length", "")
                    if length.isdigit() and int(length) > max_bytes:
                        fetched.error = f"too large: {int(length):,} bytes (Content-Length) > the limit of {max_bytes:,}"
                        return fetched
                    body = bytearray()
                    for piece in r.iter_bytes():
                        body += piece
                        if len(body) > max_bytes:
                            fetched.error = f"too large: over the limit of {max_bytes:,} bytes (stopped reading)"
                            self.report.bytes += len(body)
                            return fetched
                        if time.monotonic() > deadline:
                            fetched.error = f"too slow: not complete after {10 * self.o.timeout:g} s"
                            self.report.bytes += len(body)
                            return fetched
                    self.report.bytes += len(body)
                    fetched.body = bytes(body)
                    return fetched
            except httpx.TimeoutException as exc:
                kind = type(exc).__name__.replace("Timeout", " timeout").strip().lower()
                return _Fetch(url, 0, error=f"no answer within {self.o.timeout:g} s ({kind})", chain=chain)
            except httpx.HTTPError as exc:
                return _Fetch(url, 0, error=f"network error: {type(exc).__name__}: {exc}", chain=chain)
        return _Fetch(url, 0, error="too many redirects", chain=chain)

    def _fetch_page(self, url: str, start: bool = False) -> _Fetch:
        """GET a page, following redirects one hop at a time, each checked (scope, robots, loops).
        A start URL that redirects elsewhere (http → https, to www.) brings its target's folder
        into the allowed prefixes."""
        chain = [url]
        current = url
        for _ in range(self.o.max_redirects + 1):
            ok, why = self.allowed_by_robots(current)
            if not ok:
                return _Fetch(current, 0, error=why, gone=True, chain=chain)
            fetched = self._request(current, self._conditional(current))
            fetched.chain = chain
            location = fetched.headers.get("location")
            if fetched.status in (301, 302, 303, 307, 308) and location:
                nxt = normalize_url(urljoin(current, location))
                if nxt is None:
                    return _Fetch(current, fetched.status, error=f"redirects to a URL that is not http(s): {location[:200]}",
                                  gone=True, chain=chain)
                if nxt in chain:
                    loop = " → ".join(chain[chain.index(nxt):] + [nxt])
                    return _Fetch(current, fetched.status, error=f"redirect loop: {loop}", gone=True, chain=chain)
                if start and not self.o.allow and not self.in_scope(nxt):
                    prefix = default_prefix(nxt)
                    self.prefixes.append(_scope_key(prefix))
                    self.hosts.add(urlsplit(nxt).netloc)
                    self.report.notes.append(f"start URL {url} redirects to {nxt}: {prefix} is allowed too")
                if not (self.in_scope(nxt) or (self.o.pdfs and _extension(nxt) == "pdf" and self._pdf_scope(nxt))):
                    return _Fetch(current, fetched.status, error=f"redirects outside the allowed prefixes, to {nxt}",
                                  gone=True, chain=chain)
                chain.append(nxt)
                current = nxt
                continue
            if fetched.status in _GONE_STATUSES:
                fetched.error, fetched.gone = f"HTTP {fetched.status}", True
            elif fetched.status not in (200, 304) and not fetched.error:
                fetched.error = f"HTTP {fetched.status}"
            return fetched
        return _Fetch(current, 0, error=f"more than {self.o.max_redirects} redirects: {' → '.join(chain[:4])} …",
                      gone=True, chain=chain)

    def _conditional(self, url: str) -> dict:
        entry = self.old_pages.get(url)
        if not entry or not (self.corpus / entry.get("file", "\0")).is_file():
            return {}
        headers = {}
        if entry.get("etag"):
            headers["If-None-Match"] = entry["etag"]
        if entry.get("last_modified"):
            headers["If-Modified-Since"] = entry["last_modified"]
        return headers

    # ---- sitemaps -------------------------------------------------------------------------------
    def _sitemap_urls(self) -> list[str]:
        import lxml.etree as etree

        todo: deque[tuple[str, bool]] = deque()
        for origin in dict.fromkeys(_origin(u) for u in self.starts):
            rules = self._robots(origin + "/")
            listed = list(rules.sitemaps) if rules is not None and not isinstance(rules, str) else []
            if isinstance(rules, str):
                continue
            todo.extend((normalize_url(urljoin(origin + "/", s)) or "", True) for s in listed)
            if not listed:
                todo.append((origin + "/sitemap.xml", False))
        found: list[str] = []
        done: set[str] = set()
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=True)
        while todo and len(done) < MAX_SITEMAPS:
            url, listed = todo.popleft()
            if not url or url in done:
                continue
            done.add(url)
            if not self.allowed_by_robots(url)[0]:
                continue
            fetched = self._request(url, {}, follow=5)
            if fetched.status != 200 or fetched.error:
                if listed or fetched.status not in (404, 410):
                    self.report.notes.append(f"sitemap {url}: {fetched.error or f'HTTP {fetched.status}'}")
                continue
            body = fetched.body
            if body[:2] == b"\x1f\x8b":
                try:
                    body = gzip.decompress(body)[: self.o.max_bytes]
                except OSError:
                    self.report.notes.append(f"sitemap {url}: not valid gzip")
                    continue
            try:
                root = etree.fromstring(body, parser)
            except etree.XMLSyntaxError:
                root = None
            if root is None:
                self.report.notes.append(f"sitemap {url}: not XML")
                continue
            locs = [(el.text or "").strip() for el in root.iter("{*}loc")]
            if etree.QName(root).localname == "sitemapindex":
                todo.extend((normalize_url(urljoin(url, loc)) or "", True) for loc in locs)
                self.report.notes.append(f"sitemap index {url}: {len(locs)} sitemaps")
                continue
            urls = [n for n in (normalize_url(urljoin(url, loc)) for loc in locs if loc) if n]
            inside = [u for u in urls if self.in_scope(u)]
            found.extend(inside)
            self.report.notes.append(f"sitemap {url}: {len(urls)} URLs, {len(inside)} inside the allowed prefixes")
        return list(dict.fromkeys(found))

    # ---- the crawl ----------------------------------------------------------------------------
    def run(self) -> CrawlReport:
        import httpx

        t0 = time.monotonic()
        self.corpus.mkdir(parents=True, exist_ok=True)
        lock_path = self.corpus / LOCK_NAME
        with open(lock_path, "a+") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise CrawlError(f"another `askintl crawl` is writing {self.corpus}; try again when it ends") from None
            own_client = self._client is None
            self.client = self._client or httpx.Client(
                headers={"User-Agent": self.o.user_agent, "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,*/*;q=0.5"},
                timeout=httpx.Timeout(self.o.timeout), follow_redirects=False)  # HTTP(S)_PROXY, NO_PROXY honoured
            staging = self.corpus / STAGING_NAME
            try:
                shutil.rmtree(staging, ignore_errors=True)
                staging.mkdir()
                self.staging = staging
                self._crawl()
                self._commit()
            finally:
                shutil.rmtree(staging, ignore_errors=True)
                if own_client:
                    self.client.close()
        self.report.seconds = time.monotonic() - t0
        return self.report

    def _crawl(self) -> None:
        self.catalog = _read_raw_catalog(self.corpus)
        self.state = read_state(self.corpus)
        self.old_pages: dict[str, dict] = self.state["pages"]
        self.robots: dict[str, object] = {}
        self.host_delay: dict[str, float] = {}
        self.last_request: dict[str, float] = {}
        self.saved: dict[str, _Saved] = {}        # url → document alive after this crawl
        self.gone: dict[str, str] = {}            # old url → why it is dropped
        self.by_text: dict[str, str] = {}         # text hash → url of the document that has it
        self.outcome: dict[str, PageReport] = {}  # url → its line in the report
        self.deferred: dict[str, str] = {}        # url → its canonical URL, fetched instead
        managed = {e.get("doc_id") for e in self.old_pages.values()}
        hand = {p.stem for p in iter_corpus_files(self.corpus)} | set(self.catalog)
        self.taken: set[str] = (hand - managed) | {e.get("doc_id") for e in self.old_pages.values()}
        self.pages_fetched = 0
        self.too_deep: set[str] = set()
        limited: list[str] = []

        queue: deque[tuple[str, int, bool]] = deque()  # (url, depth, recheck)
        seen: set[str] = set()

        def push(url: str, depth: int, front: bool = False, recheck: bool = False) -> None:
            if url in seen:
                return
            seen.add(url)
            (queue.appendleft if front else queue.append)((url, depth, recheck))

        for url in self.starts:
            push(url, 0)
        if self.o.sitemaps:
            for url in self._sitemap_urls():
                push(url, 1)
        rechecked = False
        while True:
            if not queue:
                if rechecked:
                    break
                rechecked = True
                # pages saved before that this crawl did not reach: are they still there?
                for url in self.old_pages:
                    if url not in self.outcome and url not in self.saved and self.in_scope(url):
                        push(url, int(self.old_pages[url].get("depth", 0)), recheck=True)
                continue
            url, depth, recheck = queue.popleft()
            if url in self.outcome or url in self.saved:
                continue
            if self.pages_fetched >= self.o.max_pages or self.report.bytes >= self.o.max_total_bytes:
                limited.append(url)
                continue
            for link, link_depth, front in self._visit(url, depth, recheck):
                if front:
                    seen.discard(link)
                push(link, link_depth, front=front)
            if self.progress:
                self.progress(len(self.outcome), len(self.outcome) + len(queue), url)
        too_deep = self.too_deep - set(self.outcome) - set(self.saved)
        if too_deep:
            self.report.notes.append(f"{len(too_deep)} links deeper than --max-depth {self.o.max_depth} not followed, "
                                     f"e.g. {', '.join(sorted(too_deep)[:3])}")
        if limited:
            why = (f"the page limit ({self.o.max_pages})" if self.pages_fetched >= self.o.max_pages
                   else f"the byte limit ({self.o.max_total_bytes:,} bytes in all)")
            self.report.notes.append(f"{len(limited)} more URLs not fetched: {why} was reached "
                                     f"(saved copies of them are kept), e.g. {', '.join(limited[:3])}")
            for url in limited:
                if url in self.old_pages:
                    self._keep_old(url, f"not fetched ({why} reached)")
        # what was saved before and is neither alive nor gone now: kept as it was
        for url, entry in self.old_pages.items():
            if url not in self.saved and url not in self.gone and self.in_scope(url) and url not in self.outcome:
                self._keep_old(url, "not reached")

    def _record(self, url: str, outcome: str, detail: str = "", doc_id: str = "") -> None:
        self.outcome[url] = PageReport(url, outcome, detail, doc_id)
        self.report.pages.append(self.outcome[url])

    def _keep_old(self, url: str, why: str) -> bool:
        """Keep the previous copy of ``url`` (a failure that may pass). True when there was one."""
        entry = self.old_pages.get(url)
        if not entry or not (self.corpus / entry.get("file", "\0")).is_file():
            return False
        saved = _Saved(url=url, doc_id=entry["doc_id"], suffix=Path(entry["file"]).suffix, file=entry["file"])
        for key in ("title", "language", "page_date", "fetched_at", "etag", "last_modified", "content_hash",
                    "text_hash", "links", "extractor"):
            if key in entry:
                setattr(saved, key, entry[key])
        saved.depth = int(entry.get("depth", 0))
        self.saved[url] = saved
        if saved.text_hash:
            self.by_text.setdefault(saved.text_hash, url)
        return True

    def _fail(self, url: str, why: str, gone: bool) -> None:
        if url in self.old_pages and gone:
            self.gone[url] = why
            self._record(url, "removed", why, self.old_pages[url].get("doc_id", ""))
        elif url in self.old_pages and self._keep_old(url, why):
            self._record(url, "failed", f"{why}; the previous copy is kept", self.old_pages[url].get("doc_id", ""))
        else:
            self._record(url, "failed" if not why.startswith(("disallowed", "noindex")) else "skipped", why)

    def _visit(self, url: str, depth: int, recheck: bool) -> list[tuple[str, int, bool]]:
        """Fetch one URL and save what it holds; the links to push (url, depth, to the front)."""
        if depth > self.o.max_depth and not (self.o.pdfs and _extension(url) == "pdf" and depth == self.o.max_depth + 1):
            self._record(url, "skipped", f"deeper than --max-depth {self.o.max_depth}")
            return []
        self.pages_fetched += 1
        fetched = self._fetch_page(url, start=depth == 0 and url in self.starts)
        final = fetched.url
        if final != url:  # redirected: the start of the chain is reported, the page is its end
            if url in self.old_pages:
                self.gone[url] = f"now redirects to {final}"
                self._record(url, "removed", f"now redirects to {final}", self.old_pages[url].get("doc_id", ""))
            else:
                self._record(url, "skipped", f"redirects to {final}")
            if fetched.error and fetched.gone and "redirect" in fetched.error:
                self.outcome[url].outcome = "failed" if url not in self.old_pages else "removed"
                self.outcome[url].detail = fetched.error
                return []
            if final in self.outcome or final in self.saved:
                return []
        if fetched.error:
            self._fail(final, fetched.error, fetched.gone)
            return []
        if fetched.status == 304:
            return self._unchanged(final, depth, fetched)
        return self._page(final, depth, fetched)

    def _unchanged(self, url: str, depth: int, fetched: _Fetch) -> list[tuple[str, int, bool]]:
        if not self._keep_old(url, "304"):
            self._record(url, "failed", "HTTP 304 without a saved copy")
            return []
        saved = self.saved[url]
        saved.fetched_at = _now()
        saved.depth = min(depth, saved.depth)
        self._record(url, "unchanged", "HTTP 304 (not modified)", saved.doc_id)
        return self._follow(saved.links, depth)

    def _follow(self, links: list[str], depth: int) -> list[tuple[str, int, bool]]:
        """The links of a page at ``depth`` to push; those past ``max_depth`` are counted (a PDF
        may be one further: it has no links)."""
        out = []
        for link in links:
            if depth + 1 <= self.o.max_depth or (depth + 1 == self.o.max_depth + 1 and _extension(link) == "pdf"):
                out.append((link, depth + 1, False))
            elif link not in self.saved and link not in self.outcome:
                self.too_deep.add(link)
        return out

    def _page(self, url: str, depth: int, fetched: _Fetch) -> list[tuple[str, int, bool]]:
        from .extract import decode_html, extract_html, pdf_metadata

        ctype = fetched.content_type.split(";")[0].strip().lower()
        body = fetched.body
        is_pdf = "pdf" in ctype or body[:5] == b"%PDF-"
        is_html = not is_pdf and ("html" in ctype or (not ctype and body[:1024].lstrip()[:1] == b"<"))
        if not (is_pdf or is_html):
            self._fail(url, f"not an HTML page or a PDF ({ctype or 'no content type'})", gone=False)
            return []
        if not self.in_scope(url) and not is_pdf:
            self._fail(url, "outside the allowed prefixes", gone=True)
            return []
        links: list[tuple[str, int, bool]] = []
        link_urls: list[str] = []
        noindex = "noindex" in fetched.headers.get("x-robots-tag", "").lower()
        if is_pdf:
            suffix, html = ".pdf", None
            title, page_date = pdf_metadata(body)
            language, extractor = "", "pypdf"
        else:
            text, _ = decode_html(body, fetched.content_type)
            page = extract_html(text, url)
            suffix, html = ".html", page.html
            title, page_date, language, extractor = page.title, page.page_date, page.language, page.extractor
            if page.note:
                extractor += f" ({page.note})"
            if not page.nofollow:
                for link in page.links:
                    norm = normalize_url(link)
                    if norm is None or norm == url:
                        continue
                    ext = _extension(norm)
                    if ext == "pdf" and self.o.pdfs and (self.in_scope(norm) or self._pdf_scope(norm)):
                        link_urls.append(norm)
                    elif ext not in _SKIP_EXTENSIONS and ext != "pdf" and self.in_scope(norm):
                        link_urls.append(norm)
                link_urls = list(dict.fromkeys(link_urls))[:MAX_STORED_LINKS]
                links = self._follow(link_urls, depth)
            noindex = noindex or page.noindex
            canonical = normalize_url(page.canonical) if page.canonical else None
            if canonical and canonical != url and self.in_scope(canonical) and self.deferred.get(canonical) != url \
                    and self.allowed_by_robots(canonical)[0]:
                if canonical in self.saved:
                    self._drop_duplicate(url, f"its canonical URL {canonical} is saved already")
                    return links
                if canonical not in self.outcome:
                    self.deferred[url] = canonical
                    if url in self.old_pages:
                        self.gone[url] = f"its canonical URL is {canonical}"
                        self._record(url, "removed", f"its canonical URL is {canonical} (fetched instead)")
                    else:
                        self._record(url, "skipped", f"its canonical URL is {canonical} (fetched instead)")
                    return [(canonical, depth, True)] + links
        if noindex:
            self._fail(url, "noindex (robots meta or X-Robots-Tag): not saved", gone=True)
            return links
        doc_id = self._doc_id(url)
        staged = self.staging / f".{doc_id}{suffix}"
        if html is not None:
            staged.write_text(html, encoding="utf-8")
        else:
            staged.write_bytes(body)
        try:
            doc = load_file(staged, doc_id=doc_id)
        except LoaderError as exc:
            staged.unlink(missing_ok=True)
            self._fail(url, f"no text to index: {exc.reason}", gone=False)
            return links
        if not language:
            from .lang import guess_language

            language = guess_language(doc.text[:5000])
        text_hash = _text_hash(doc.text)
        twin = self.by_text.get(text_hash)
        if twin and twin != url:
            staged.unlink(missing_ok=True)
            self._drop_duplicate(url, f"same text as {twin}")
            return links
        old = self.old_pages.get(url) or {}
        old_file = old.get("file", "")
        unchanged = bool(old) and old.get("content_hash") == doc.content_hash and (self.corpus / old_file).is_file() \
            and Path(old_file).suffix == suffix
        saved = _Saved(url=url, doc_id=doc_id, suffix=suffix, title=title or doc.title, language=language,
                       page_date=page_date, fetched_at=_now(), etag=fetched.headers.get("etag", ""),
                       last_modified=fetched.headers.get("last-modified", ""), content_hash=doc.content_hash,
                       text_hash=text_hash, depth=depth, links=link_urls, extractor=extractor,
                       staged=None if unchanged else staged, file=old_file if unchanged else "")
        if unchanged:
            staged.unlink(missing_ok=True)
        self.saved[url] = saved
        self.by_text[text_hash] = url
        outcome = "unchanged" if unchanged else "changed" if old else "new"
        detail = "same text" if unchanged else f"{len(doc.text):,} characters, {extractor}"
        self._record(url, outcome, detail, doc_id)
        return links

    def _drop_duplicate(self, url: str, why: str) -> None:
        if url in self.old_pages:
            self.gone[url] = why
            self._record(url, "removed", why, self.old_pages[url].get("doc_id", ""))
        else:
            self._record(url, "duplicate", why)

    def _doc_id(self, url: str) -> str:
        old = self.old_pages.get(url)
        if old and old.get("doc_id"):
            return old["doc_id"]
        mine = {s.doc_id for s in self.saved.values()}
        doc_id = doc_id_for_url(url, taken=self.taken | mine)
        self.taken.add(doc_id)
        return doc_id

    # ---- commit ---------------------------------------------------------------------------------
    def _commit(self) -> None:
        self._hand_entries = None
        # The catalog is read again under its lock and only this crawl's entries change: an entry
        # the admin API wrote while the crawl ran is kept (loaders.updating_catalog).
        try:
            with updating_catalog(self.corpus, create=True) as catalog:
                pages = self._commit_locked(catalog)
        except CatalogUnreadable as exc:
            raise _unreadable_catalog(exc) from None
        write_atomic(self.corpus / STATE_NAME,
                     json.dumps({"version": STATE_VERSION, "pages": pages}, ensure_ascii=False, indent=1) + "\n")
        self.report.documents = len(pages)
        # remove emptied host folders
        for url in self.gone:
            folder = self.corpus / urlsplit(url).netloc.replace(":", "_")
            with contextlib.suppress(OSError):
                folder.rmdir()

    def _commit_locked(self, catalog: dict) -> dict:
        """Move the staged pages into place and change ``catalog`` (under its lock) to match: this
        crawl's entries only. Returns the crawl state's pages."""
        pages = {u: e for u, e in self.old_pages.items() if u not in self.saved and u not in self.gone
                 and (self.corpus / e.get("file", "\0")).is_file()}
        for url, why in self.gone.items():
            entry = self.old_pages.get(url) or {}
            doc_id, rel = entry.get("doc_id"), entry.get("file")
            still_used = any(s.doc_id == doc_id for s in self.saved.values())
            if rel and not still_used:
                with contextlib.suppress(OSError):
                    (self.corpus / rel).unlink(missing_ok=True)
            if doc_id and not still_used:
                catalog.pop(doc_id, None)
        for url, saved in self.saved.items():
            if saved.staged is not None:
                host = urlsplit(url).netloc.replace(":", "_") or "pages"
                rel = f"{host}/{saved.doc_id}{saved.suffix}"
                target = self.corpus / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(saved.staged, target)
                old_rel = (self.old_pages.get(url) or {}).get("file")
                if old_rel and old_rel != rel:
                    with contextlib.suppress(OSError):
                        (self.corpus / old_rel).unlink(missing_ok=True)
                saved.file = rel
            catalog[saved.doc_id] = self._catalog_entry(saved, catalog.get(saved.doc_id) or {})
            pages[url] = {"doc_id": saved.doc_id, "file": saved.file, "title": saved.title,
                          "language": saved.language, "page_date": saved.page_date, "fetched_at": saved.fetched_at,
                          "etag": saved.etag, "last_modified": saved.last_modified,
                          "content_hash": saved.content_hash, "text_hash": saved.text_hash, "depth": saved.depth,
                          "links": saved.links, "extractor": saved.extractor}
        return pages

    def _inherited(self, url: str) -> dict:
        """institution, aliases and city of the page from the hand-written catalog (module doc)."""
        if self._hand_entries is None:
            managed = {s.doc_id for s in self.saved.values()} | {e.get("doc_id") for e in self.old_pages.values()}
            self._hand_entries = [(k, v) for k, v in self.catalog.items()
                                  if isinstance(v, dict) and not k.startswith("_") and k not in managed]
        entries = self._hand_entries
        out: dict = {}
        key = _scope_key(url)
        best = -1
        for _, entry in entries:
            base = normalize_url(entry.get("url") or "") if isinstance(entry.get("url"), str) else None
            if base and (key == _scope_key(base) or key.startswith(_scope_key(default_prefix(base)))):
                if len(base) > best:
                    best, out = len(base), {k: entry.get(k) for k in ("institution", "aliases", "city") if entry.get(k)}
        if self.o.institution:
            if out.get("institution") != self.o.institution:
                out = {"institution": self.o.institution}
            aliases = list(out.get("aliases") or [])
            for _, entry in entries:
                if entry.get("institution") == self.o.institution:
                    aliases += [a for a in entry.get("aliases") or [] if isinstance(a, str)]
                    out.setdefault("city", entry.get("city"))
            extra = (self.catalog.get("_institutions") or {}).get(self.o.institution) or {}
            if isinstance(extra, dict):
                aliases += [a for a in extra.get("aliases") or [] if isinstance(a, str)]
            out["aliases"] = list(dict.fromkeys(aliases))
        return {k: v for k, v in out.items() if v}

    def _catalog_entry(self, saved: _Saved, entry: dict) -> dict:
        entry = dict(entry)
        inherited = self._inherited(saved.url)
        entry["title"] = saved.title or entry.get("title") or saved.doc_id
        if inherited.get("institution") or self.o.institution:
            entry["institution"] = self.o.institution or inherited["institution"]
        aliases = [a for a in (entry.get("aliases") or []) if isinstance(a, str)] + list(inherited.get("aliases") or [])
        if aliases:
            entry["aliases"] = list(dict.fromkeys(aliases))
        if not entry.get("city") and inherited.get("city"):
            entry["city"] = inherited["city"]
        if saved.language:
            entry["language"] = saved.language
        entry["url"] = saved.url
        entry["fetched_at"] = saved.fetched_at
        if saved.page_date:
            entry["page_date"] = saved.page_date
        else:
            entry.pop("page_date", None)
        return entry


def _decode_text(raw: bytes) -> tuple[str, str]:
    from .extract import decode_html

    return decode_html(raw, None)


def crawl(options: CrawlOptions, progress=None, client=None) -> CrawlReport:
    """Crawl ``options.start_urls`` into ``options.corpus_dir`` (see the module doc)."""
    return Crawler(options, progress=progress, client=client).run()

"""A fetched web page → the file ``askintl crawl`` saves in the corpus, and what it says about itself.

The main content of a page (no menus, footers, cookie banners) is found by trafilatura, a
library made for that, and saved as **HTML** (``output_format="html"``, tables and formatting
kept), not as Markdown or text: our loader reads HTML with its structure
(``loaders.html_to_document_parts``: headings, FAQ entries, list items, table rows), so the
saved file gives passages their heading path, FAQ question and table headers, and quotes hold
only the page's words. A Markdown file would be indexed verbatim, with its ``#``, ``**`` and
``|`` in the quotes, and would no longer match the live page for text fragments.

trafilatura keeps headings, paragraphs, lists and tables, and a ``<details>`` FAQ (its
``<summary>`` becomes a heading). It loses other FAQ shapes: the questions of a bootstrap or
class-named accordion (they are ``<button>``s), ``<dt>``/``<dd>`` pairs (read as list items),
and FAQPage JSON-LD (tests/unit/test_crawl.py and ``benchmarks/faq`` show each). So each page is
also read by our own HTML reader, and when that finds an FAQ entry (a question followed by its
answer) whose question is neither a question nor a heading in trafilatura's output, the page
is saved as fetched, for our reader (which drops navigation, headers, footers and consent
banners by their tags, classes and roles): ``Extracted.extractor`` says which was used and
why, and the crawl report shows it. Pages where trafilatura finds no main content fall back
the same way.

Also read from the page: its title (trafilatura's, without the site name; else ``<title>``),
its language (``<html lang>``, else guessed from the text), the date it states (trafilatura's
htmldate on the page's metadata: ``article:modified_time``, JSON-LD ``dateModified``,
``<time>``..., newest first; no guessing from dates in the text, which are mostly deadlines),
its canonical URL, robots meta (``noindex``, ``nofollow``) and the links to follow.

Bytes are decoded as browsers do: byte order mark, then the charset of the Content-Type
header, then ``<meta charset>``/``http-equiv``, then UTF-8, then a guess (charset-normalizer);
the saved file is UTF-8.
"""
from __future__ import annotations

import codecs
import logging
import re
from dataclasses import dataclass, field
from html import escape
from urllib.parse import urljoin, urlsplit

from .lang import guess_language
from .loaders import html_to_document_parts

log = logging.getLogger(__name__)

TRAFILATURA = "trafilatura"
OWN_READER = "askintl"

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", re.IGNORECASE)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_WORDS = re.compile(r"\w+", re.UNICODE)
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# WHATWG: these labels mean windows-1252 in a browser
_LATIN1_LABELS = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii", "iso_8859-1"}


@dataclass
class Extracted:
    html: str                 # the file saved in the corpus (UTF-8 HTML)
    title: str
    language: str
    page_date: str            # YYYY-MM-DD, or "" when the page states none
    canonical: str | None     # <link rel=canonical>, absolute, when it names an http(s) URL
    links: list[str] = field(default_factory=list)  # absolute http(s) URLs, without fragments, in page order
    extractor: str = TRAFILATURA
    note: str = ""            # why our own reader was used
    noindex: bool = False
    nofollow: bool = False
    encoding: str = "utf-8"


# ---- bytes → text -------------------------------------------------------------------------------
def _codec(label: str | bytes | None) -> str | None:
    if not label:
        return None
    if isinstance(label, bytes):
        label = label.decode("ascii", "ignore")
    label = label.strip().lower()
    if label in _LATIN1_LABELS:
        label = "cp1252"
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def decode_html(raw: bytes, content_type: str | None = None) -> tuple[str, str]:
    """(text, encoding) of an HTML page's bytes, decoded as a browser would (module doc)."""
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if raw.startswith(bom):
            return raw.decode(name, "replace"), name
    m = _HEADER_CHARSET.search(content_type or "")
    candidates = [_codec(m.group(1)) if m else None]
    m = _META_CHARSET.search(raw[:8192])
    candidates.append(_codec(m.group(1)) if m else None)
    for name in candidates:
        if name and not name.startswith("utf-16"):  # a page that says utf-16 without a BOM is not
            try:
                return raw.decode(name), name
            except UnicodeDecodeError:
                continue
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes

        best = from_bytes(raw[:1_000_000]).best()
        if best is not None and best.encoding:
            return raw.decode(best.encoding, "replace"), best.encoding
    except Exception:  # noqa: BLE001 - a guess that fails falls back to UTF-8 with replacements
        pass
    return raw.decode("utf-8", "replace"), "utf-8"


# ---- what the page says about itself --------------------------------------------------------------
def _http_url(value: str | None, base: str) -> str | None:
    if not value:
        return None
    value = value.strip()
    if not value or value.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
        return None
    try:
        url = urljoin(base, value)
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return parts._replace(fragment="").geturl()


def _parse(html: str):
    import lxml.html

    try:
        return lxml.html.document_fromstring(_XML_DECL.sub("", html, count=1) or "<html></html>")
    except Exception:  # noqa: BLE001 - lxml gives up only on pages without any markup
        return None


def page_signals(html: str, url: str) -> dict:
    """Links, canonical URL, language, title and robots meta of a page (lxml, forgiving)."""
    out = {"links": [], "canonical": None, "lang": "", "title": "", "noindex": False, "nofollow": False}
    tree = _parse(html)
    if tree is None:
        return out
    base = url
    for el in tree.iter("base"):
        base = _http_url(el.get("href"), url) or url
        break
    seen: set[str] = set()
    for el in tree.iter("a", "area"):
        link = _http_url(el.get("href"), base)
        rel = (el.get("rel") or "").lower().split()
        if link and link not in seen and "nofollow" not in rel:
            seen.add(link)
            out["links"].append(link)
    for el in tree.iter("link"):
        if "canonical" in (el.get("rel") or "").lower().split() and out["canonical"] is None:
            out["canonical"] = _http_url(el.get("href"), base)
    for el in tree.iter("meta"):
        name = (el.get("name") or "").lower()
        content = (el.get("content") or "").lower()
        if name in ("robots", "askintl"):
            out["noindex"] = out["noindex"] or "noindex" in content or "none" in content.split(",")
            out["nofollow"] = out["nofollow"] or "nofollow" in content or "none" in content.split(",")
        if (el.get("http-equiv") or "").lower() == "refresh":
            m = re.search(r"url\s*=\s*['\"]?([^'\";]+)", el.get("content") or "", re.IGNORECASE)
            link = _http_url(m.group(1), base) if m else None
            if link and link not in seen:
                seen.add(link)
                out["links"].append(link)
    root = tree if tree.tag == "html" else tree.getroottree().getroot()
    lang = (root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or "").strip()
    out["lang"] = lang.split("-")[0].split("_")[0].lower()[:8] if re.match(r"^[A-Za-z]{2,3}\b", lang) else ""
    for el in tree.iter("title"):
        out["title"] = " ".join((el.text_content() or "").split())
        break
    return out


# ---- main content ------------------------------------------------------------------------------
def _norm(text: str) -> str:
    return " ".join(_WORDS.findall(text.casefold()))


def faq_entries(text: str, blocks) -> list[str]:
    """The questions (normalized) of the FAQ entries of a page read by our reader: a question
    block followed by an answer block."""
    out = []
    for b, nxt in zip(blocks, list(blocks[1:]) + [None]):
        if b.kind == "question" and nxt is not None and nxt.kind == "answer":
            q = _norm(text[b.start:b.end])
            if q:
                out.append(q)
    return out


def _trafilatura(html: str, url: str) -> tuple[str | None, dict]:
    """(the body of trafilatura's HTML output, its metadata: title, date) or (None, {})."""
    import lxml.html
    import trafilatura

    try:
        out = trafilatura.extract(
            html, url=url, output_format="html", include_tables=True, include_formatting=True,
            include_links=False, include_images=False, include_comments=False, with_metadata=True,
            date_extraction_params={"extensive_search": False, "original_date": False})
    except Exception as exc:  # noqa: BLE001 - a page trafilatura cannot read falls back to ours
        log.info("trafilatura failed on %s: %s", url, exc)
        return None, {}
    if not out or not out.strip():
        return None, {}
    tree = lxml.html.document_fromstring(out)
    meta = {(el.get("name") or ""): el.get("content") or "" for el in tree.iter("meta")}
    body = tree.find("body")
    if body is None:
        return None, meta
    inner = (escape(body.text) if body.text else "") + "".join(
        lxml.html.tostring(child, encoding="unicode") for child in body)
    return inner, meta


def _page_date(meta: dict) -> str:
    date = (meta.get("date") or "").strip()[:10]
    return date if _DATE.match(date) else ""


def _wrap(body: str, title: str, lang: str, url: str) -> str:
    import trafilatura

    return ("<!DOCTYPE html>\n"
            f'<html lang="{escape(lang)}">\n<head>\n<meta charset="utf-8">\n<title>{escape(title)}</title>\n'
            f'<link rel="canonical" href="{escape(url)}">\n'
            f'<meta name="generator" content="askintl crawl: main content by trafilatura {escape(trafilatura.__version__)}">\n'
            f"</head>\n<body>\n{body}\n</body>\n</html>\n")


def extract_html(html: str, url: str) -> Extracted:
    """The file to save for an HTML page (decoded) fetched from ``url``, and its signals."""
    signals = page_signals(html, url)
    own_text, own_title, own_blocks = html_to_document_parts(html)
    body, meta = _trafilatura(html, url)
    title = (meta.get("title") or "").strip() or signals["title"] or own_title
    page_date = _page_date(meta)
    extractor, note, saved = TRAFILATURA, "", None
    if body is not None:
        saved = _wrap(body, title, signals["lang"] or "", url)
        text, _, blocks = html_to_document_parts(saved)
        if not text.strip():
            saved, note = None, "trafilatura found no main content"
        else:
            kept = {_norm(text[b.start:b.end]) for b in blocks if b.kind in ("question", "heading")}
            lost = [q for q in faq_entries(own_text, own_blocks) if q not in kept]
            if lost:
                saved = None
                note = f"trafilatura dropped {len(lost)} FAQ question(s)"
    else:
        note = "trafilatura found no main content"
    if saved is None:
        extractor, saved, text = OWN_READER, html, own_text
    language = signals["lang"] or (guess_language(text[:5000]) if text.strip() else "")
    return Extracted(html=saved, title=title, language=language, page_date=page_date,
                     canonical=signals["canonical"], links=signals["links"], extractor=extractor, note=note,
                     noindex=signals["noindex"], nofollow=signals["nofollow"])


def pdf_metadata(raw: bytes) -> tuple[str, str]:
    """(title, date YYYY-MM-DD) of a PDF from its document information; ("", "") when unknown."""
    import io

    try:
        from pypdf import PdfReader

        info = PdfReader(io.BytesIO(raw)).metadata
    except Exception:  # noqa: BLE001 - a damaged PDF is reported by the loader
        return "", ""
    if not info:
        return "", ""
    title = " ".join(str(info.title or "").split())
    date = ""
    for getter in ("modification_date", "creation_date"):
        try:
            value = getattr(info, getter)
        except Exception:  # noqa: BLE001 - a malformed date string
            value = None
        if value:
            date = value.strftime("%Y-%m-%d")
            break
    return title, date

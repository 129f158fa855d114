"""Where a quote comes from: a link to the live page that highlights it, and how old it is.

A document with a source URL (catalog ``url``; ``askintl crawl`` fills it) gets, in every
answer:

* ``link``: the URL with a text fragment (``#:~:text=``, the WICG "Scroll to Text Fragment"
  spec, supported by Chromium-based browsers and Safari; others open the page at its top).
  A short one-line quote is given whole (``text=<quote>``); a longer one, one spread over
  several lines (list items, paragraphs) or a table row (cells joined with " | " in our text,
  separate cells on the page) as ``text=<start>,<end>``: its first words, in its first line,
  and its last words, in its last line, so that the browser highlights the whole range. Each
  term is percent-encoded, and so are ``-``, ``,`` and ``&`` (they are the syntax). Text in
  scripts without spaces (Chinese, Japanese) is cut at clause punctuation, never inside a run
  of characters, because a term must start and end on a word boundary. A PDF gets its plain
  URL: browsers' PDF viewers do not read text fragments.
* ``as_of``: the date the page itself states (``page_date``: its modification or publication
  date in its metadata), else the day it was fetched (``fetched_at``), as YYYY-MM-DD; None for
  a document without either (a file put in the corpus by hand).
"""
from __future__ import annotations

import re
from urllib.parse import quote as _quote

from .records import AskResult, Document

#: a quote up to this many words (and characters), on one line, is given whole
WHOLE_WORDS = 10
WHOLE_CHARS = 150
#: words of each end of a longer quote
END_WORDS = 5
#: a line of text without spaces up to this many characters is given whole
WHOLE_CJK_CHARS = 40

_SEGMENTS = re.compile(r"\s*\n\s*|\s+\|\s+")
_CLAUSE = re.compile(r"[，、；：。！？,;:]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# Markdown and list furniture that is in our text but not on the rendered page
_MARKUP_START = re.compile(r"^(?:#{1,6}\s+|[-*+•·▪◦–]\s+|\d{1,2}[.)]\s+|>\s*)+")
_EMPHASIS = re.compile(r"[*_`]{1,3}")


def _encode(term: str) -> str:
    """A text directive term, percent-encoded; '-' ',' '&' too (they separate the parts)."""
    return _quote(term, safe="").replace("-", "%2D")


def _clean(segment: str) -> str:
    segment = _MARKUP_START.sub("", segment.strip())
    return " ".join(_EMPHASIS.sub("", segment).split())


def _spaceless(segment: str) -> bool:
    """A line written without spaces between words (Chinese, Japanese)."""
    return bool(_CJK.search(segment)) and len(segment.split()) <= max(1, len(segment) // 20)


def _head(segment: str) -> str:
    if _spaceless(segment):
        if len(segment) <= WHOLE_CJK_CHARS:
            return segment
        cut = _CLAUSE.search(segment, 6)
        return segment[:cut.start()] if cut and cut.start() <= WHOLE_CJK_CHARS else segment[:WHOLE_CJK_CHARS // 2]
    return " ".join(segment.split()[:END_WORDS])


def _tail(segment: str) -> str:
    if _spaceless(segment):
        if len(segment) <= WHOLE_CJK_CHARS:
            return segment
        body = segment.rstrip("。！？!?.")
        cuts = [m.end() for m in _CLAUSE.finditer(body) if len(body) - m.end() >= 6]
        if cuts and len(segment) - cuts[-1] <= WHOLE_CJK_CHARS:
            return segment[cuts[-1]:]
        return segment[-(WHOLE_CJK_CHARS // 2):]
    return " ".join(segment.split()[-END_WORDS:])


def text_directive(quote: str) -> str | None:
    """The value of ``text=`` that finds ``quote`` on its page (see the module doc), or None
    for a quote with no text."""
    segments = [s for s in (_clean(p) for p in _SEGMENTS.split(quote or "")) if s]
    if not segments:
        return None
    if len(segments) == 1:
        only = segments[0]
        short = (len(only) <= WHOLE_CJK_CHARS if _spaceless(only)
                 else len(only.split()) <= WHOLE_WORDS and len(only) <= WHOLE_CHARS)
        if short:
            return _encode(only)
    start, end = _head(segments[0]), _tail(segments[-1])
    if len(segments) == 1 and (start == segments[0] or end == segments[0]):
        return _encode(segments[0])
    return f"{_encode(start)},{_encode(end)}"


def text_fragment_link(url: str, quote: str) -> str:
    """``url`` with a text fragment that highlights ``quote`` (an existing fragment is kept in
    front of it: ``#section:~:text=...``)."""
    directive = text_directive(quote)
    if not directive:
        return url
    base, _, fragment = url.partition("#")
    fragment = fragment.split(":~:", 1)[0]
    return f"{base}#{fragment}:~:text={directive}"


def is_pdf(doc: Document) -> bool:
    return doc.source_path.lower().endswith(".pdf") or (doc.url or "").lower().split("#")[0].split("?")[0].endswith(".pdf")


def link_for(doc: Document, quote: str) -> str | None:
    """The live page of ``doc`` opened at ``quote``; None when the document has no URL."""
    if not doc.url:
        return None
    return doc.url if is_pdf(doc) else text_fragment_link(doc.url, quote)


def as_of(doc: Document) -> str | None:
    """The date of a document's text: the page's own date, else the day it was fetched."""
    date = (doc.page_date or "").strip() or (doc.fetched_at or "").strip()
    return date[:10] or None


def attach_provenance(result: AskResult, snapshot) -> AskResult:
    """Fill ``url``/``link``/``as_of`` of the answer and ``link``/``as_of`` of the passages of
    ``result`` from the documents of ``snapshot`` (the index version that answered)."""
    docs = getattr(snapshot, "documents", None) or []
    index = getattr(snapshot, "doc_index", None) or {}

    def doc_of(doc_id: str) -> Document | None:
        i = index.get(doc_id)
        return docs[i] if i is not None and i < len(docs) else None

    for p in result.passages:
        doc = doc_of(p.doc_id)
        if doc is not None:
            p.link = link_for(doc, p.text)
            p.as_of = as_of(doc)
    a = result.answer
    if a is not None:
        doc = doc_of(a.doc_id)
        if doc is not None:
            a.url = doc.url
            a.link = link_for(doc, a.text)
            a.as_of = as_of(doc)
    return result

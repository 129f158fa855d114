"""The one rule for document ids and the one rule for source URLs, used by every way in.

A document id comes from a file name (``askintl index``: ``corpus/<doc_id>.txt``) or from the
admin API. It is shown in answers, reports and terminals and is part of URLs, so it must not
hold what could forge or hide text: no control characters (newline, escape), no format
characters (the bidi overrides U+202A-U+202E and U+2066-U+2069, zero-width characters), no
line or paragraph separators, no whitespace other than a plain inner space, no path
separators, and it must not start with a dot (hidden files). Letters and digits of every
script are welcome (``北京-交通``), as are ``& ( )`` and inner spaces in file names.

The admin API creates files from the ids it is given, so a *new* id given to it must also be
portable: ``[A-Za-z0-9][A-Za-z0-9_.-]{0,99}`` (``PORTABLE_DOC_ID``). Any id the loader accepts
can still be deleted or replaced through it.

A source URL (catalog ``url``, admin API ``url``) becomes a link in answers and on the source
page: it must be an absolute ``http://`` or ``https://`` URL with a host, at most
``MAX_URL_CHARS`` characters, without whitespace or control characters (no ``javascript:``,
``data:``, ``file:``).
"""
from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

MAX_DOC_ID_CHARS = 255
MAX_URL_CHARS = 2000
PORTABLE_DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
_PORTABLE_RULE = "doc_id must be 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit"
# Cc control, Cf format (bidi overrides, zero-width), Cs surrogates, Co private use, Cn unassigned
# (and non-characters), Zl/Zp line and paragraph separators; Zs other than U+0020 (NBSP, ideographic
# space ... look like a space and are not one).
_REFUSED_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"}


def _char_name(ch: str) -> str:
    return f"U+{ord(ch):04X}" + (f" {unicodedata.name(ch)}" if unicodedata.name(ch, "") else "")


def doc_id_problem(doc_id) -> str | None:
    """Why ``doc_id`` cannot be a document id anywhere, or None when it can."""
    if not isinstance(doc_id, str) or not doc_id:
        return "the document id is empty"
    if len(doc_id) > MAX_DOC_ID_CHARS:
        return f"the document id is {len(doc_id)} characters long (at most {MAX_DOC_ID_CHARS})"
    if doc_id.startswith("."):
        return "the document id starts with '.'"
    if doc_id != doc_id.strip(" "):
        return "the document id starts or ends with a space"
    for ch in doc_id:
        if ch in "/\\":
            return f"the document id contains a path separator {ch!r}"
        cat = unicodedata.category(ch)
        if cat in _REFUSED_CATEGORIES or (cat == "Zs" and ch != " "):
            kind = {"Cc": "a control character", "Cf": "a format (invisible or text-direction) character",
                    "Zl": "a line separator", "Zp": "a paragraph separator", "Zs": "a space other than ' '"}
            return f"the document id contains {kind.get(cat, 'a character that is not text')} ({_char_name(ch)})"
    return None


def is_valid_doc_id(doc_id) -> bool:
    return doc_id_problem(doc_id) is None


def check_doc_id(doc_id, new: bool = False) -> str:
    """``doc_id`` if it is a valid id (and portable when ``new``); else InvalidRequestError."""
    from .errors import InvalidRequestError

    if new:
        if not isinstance(doc_id, str) or not PORTABLE_DOC_ID.match(doc_id):
            raise InvalidRequestError(_PORTABLE_RULE)
        return doc_id
    problem = doc_id_problem(doc_id)
    if problem:
        raise InvalidRequestError(f"doc_id must be a valid document id: {problem}")
    return doc_id


def url_problem(url) -> str | None:
    """Why ``url`` cannot be a document's source link, or None when it can."""
    if not isinstance(url, str) or not url:
        return "the URL is empty"
    if len(url) > MAX_URL_CHARS:
        return f"the URL is {len(url)} characters long (at most {MAX_URL_CHARS})"
    if any(ch.isspace() or unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in url):
        return "the URL contains whitespace or a control character"
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"the URL cannot be parsed ({exc})"
    if parts.scheme.lower() not in ("http", "https") or not url.lower().startswith(("http://", "https://")):
        return "the URL must start with http:// or https://"
    if not parts.hostname:
        return "the URL has no host"
    return None


def check_url(url) -> str:
    """``url`` if it is an http(s) URL a link may point to; else InvalidRequestError."""
    from .errors import InvalidRequestError

    problem = url_problem(url)
    if problem:
        raise InvalidRequestError(f"url: {problem}")
    return url


_SLUG_DROP = re.compile(r"(?i)(?:/index)?\.(?:s?html?|php\d?|aspx?|jsp|cfm|pdf)$")
_SLUG_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


def doc_id_for_url(url: str, taken=frozenset()) -> str:
    """A portable document id for a crawled page, read from its URL: host (without ``www.``),
    path and query, e.g. ``https://www.uni.edu/intl/faq.html`` → ``uni.edu-intl-faq``.

    It is a ``PORTABLE_DOC_ID``. When the URL does not map to it one to one (characters other
    than ASCII letters, digits, '.', '_' and single '/' separators, a long URL), or when the
    id is in ``taken`` (another page's, a file put in the corpus by hand), 8 hex digits of the
    URL's SHA-1 are added, so two pages never share an id. The crawl keeps each page's id in
    its state file, so it stays the same on every crawl.
    """
    import hashlib

    parts = urlsplit(url)
    host = (parts.hostname or "").lower().removeprefix("www.")
    if parts.port and parts.port not in (80, 443):
        host += f"_{parts.port}"
    path = _SLUG_DROP.sub("", parts.path.rstrip("/")) if parts.path not in ("", "/") else ""
    raw = "/".join(x for x in (host, path.strip("/"), parts.query) if x)
    slug = _SLUG_CHARS.sub("-", raw.replace("/", "-")).strip("-._") or "page"
    lossless = not _SLUG_CHARS.search(raw.replace("/", "")) and "//" not in raw and slug == raw.replace("/", "-")
    if len(slug) > 90:
        slug, lossless = slug[:90].rstrip("-._"), False
    if not lossless or slug in taken:
        slug = f"{slug}-{hashlib.sha1(url.encode('utf-8')).hexdigest()[:8]}"
    return slug

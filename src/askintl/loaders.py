"""Files on disk → ``Document``s with verbatim text and catalog metadata.

Offsets index ``Document.text``: for .txt and .md that is the file's content, decoded and
otherwise untouched; for .html it is the visible text, made block by block from the page's
structure (``Document.blocks``: headings, FAQ entries, list items, table rows; see
``html_to_document_parts``); for .pdf the extracted text of its pages. A file that cannot be
read is reported with its reason and skipped.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import html as _html
import json
import logging
import os
import re
import stat
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

from .errors import LoaderError
from .identifiers import doc_id_problem, url_problem
from .records import Block, Document, LoadReport

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
CATALOG_NAME = "catalog.json"
# Bytes read from one file at most (a PDF full of images can be large and hold little text).
MAX_FILE_BYTES = 64 * 1024 * 1024
# Characters of text kept from one file at most: about 150,000 words or 300 printed pages.
# Past it a file is skipped with its reason, not cut: it would take the default model the best
# part of an hour to embed, and it is far more likely a dump than an international-office page.
MAX_TEXT_CHARS = 1_000_000
_CATALOG_THREAD_LOCK = threading.Lock()  # flock is per open file: threads of one process queue here (not re-entrant)
_CATALOG_TEXT_FIELDS = ("title", "institution", "city", "language", "url", "fetched_at", "page_date")


def content_hash(text: str, blocks: tuple[Block, ...] | None = None) -> str:
    """sha256 of the text; with ``blocks`` (HTML documents), of the text and its blocks, so that
    a change of markup that changes the structure changes the hash (and re-indexes the page).
    Text, Markdown and PDF documents keep the hash of their text alone."""
    if blocks is None:
        return hashlib.sha256(text.encode("utf-8")).hexdigest()
    structure = json.dumps([[b.kind, b.start, b.end, b.level, list(b.headers)] for b in blocks],
                           ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((text + "\x00" + structure).encode("utf-8")).hexdigest()


CATALOG_LOCK_NAME = ".catalog.lock"


@contextlib.contextmanager
def catalog_lock(corpus_dir: Path):
    """Hold the corpus folder's catalog lock (an advisory ``flock`` on ``.catalog.lock``, so it
    holds across processes): every read-modify-write of ``catalog.json`` (the admin API's uploads
    and deletions, a crawl's commit) takes it, so neither writes over the other's entries.
    Without ``fcntl`` (not POSIX) it only orders threads of this process."""
    path = Path(corpus_dir) / CATALOG_LOCK_NAME
    with _CATALOG_THREAD_LOCK:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            yield
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class CatalogUnreadable(ValueError):
    """``catalog.json`` exists but cannot be read as a JSON object: a writer must not replace it."""


def write_atomic(path: Path, data: str) -> None:
    """Write ``data`` (UTF-8) to ``path`` through a temporary file beside it, synced and then
    renamed over it: a reader sees the old file or the new one, never a part."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def read_catalog_for_update(corpus_dir: Path) -> dict:
    """``catalog.json`` as it stands, to be changed and written back ({} when there is none).

    Read as the loader reads it (UTF-8, with or without a byte-order mark). Raises
    ``CatalogUnreadable`` naming the file when it is not a readable JSON object, rather than
    letting a writer replace entries it could not read."""
    path = Path(corpus_dir) / CATALOG_NAME
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, ValueError, RecursionError) as exc:
        raise CatalogUnreadable(f"{path} cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise CatalogUnreadable(f"{path} is not a JSON object")
    return data


@contextlib.contextmanager
def updating_catalog(corpus_dir: Path, create: bool = False):
    """Change ``catalog.json`` in place: under the catalog lock (``catalog_lock``), read it
    (``read_catalog_for_update``), hand the dict to the caller, and write it back atomically if
    the caller changed it (or, with ``create``, when there was no file). Every writer of the
    catalog (the admin API, a crawl's commit) goes through here."""
    path = Path(corpus_dir) / CATALOG_NAME
    with catalog_lock(corpus_dir):
        current = read_catalog_for_update(corpus_dir)
        catalog = json.loads(json.dumps(current))
        yield catalog
        if catalog != current or (create and not path.exists()):
            write_atomic(path, json.dumps(catalog, ensure_ascii=False, indent=2) + "\n")


def load_catalog(corpus_dir: Path) -> dict[str, dict]:
    """The catalog's entries by document id ({} when there is none or it cannot be used)."""
    return read_catalog(corpus_dir)[0]


def read_catalog(corpus_dir: Path) -> tuple[dict[str, dict], list[tuple[str, str]]]:
    """(entries by document id, problems as (path, reason)) of ``corpus_dir/catalog.json``.

    A catalog that cannot be used at all (unreadable, not JSON, nested too deeply, not an
    object, a link to outside the corpus folder) gives no entries: the documents are indexed
    without catalog metadata, and the reason is returned for the index report. A field of the
    wrong type, or a ``url`` that is not http(s), is left out of its entry with a warning.
    """
    corpus_dir = Path(corpus_dir)
    path = corpus_dir / CATALOG_NAME
    problems: list[tuple[str, str]] = []

    def problem(reason: str) -> None:
        log.warning("catalog %s: %s", printable_path(path), reason)
        problems.append((printable_path(path), reason))

    def field_problem(reason: str) -> None:
        log.warning("catalog %s: %s", printable_path(path), reason)

    if not (path.exists() or path.is_symlink()):
        return {}, problems
    try:
        real = _inside(path, corpus_dir.resolve())
        if not stat.S_ISREG(real.stat().st_mode):
            raise LoaderError(path, "not a regular file")
        with open(real, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
        if len(raw) > MAX_FILE_BYTES:
            raise LoaderError(path, f"file too large (> {MAX_FILE_BYTES:,} bytes)")
        data = json.loads(raw.decode("utf-8-sig"))
    except LoaderError as exc:
        problem(f"catalog ignored: {exc.reason}")
        return {}, problems
    except RecursionError:  # json.loads recurses once per level: 3,000 nested lists end here
        problem("catalog ignored: nested too deeply to be a catalog")
        return {}, problems
    except (OSError, ValueError) as exc:  # ValueError: not UTF-8, not JSON
        problem(f"catalog ignored: unreadable ({exc})")
        return {}, problems
    if not isinstance(data, dict):
        problem("catalog ignored: it is not a JSON object")
        return {}, problems
    entries = {}
    for doc_id, entry in data.items():
        if doc_id.startswith("_") or not isinstance(entry, dict):
            continue
        entries[doc_id] = _clean_entry(doc_id, entry, field_problem)
    return entries, problems


def _clean_entry(doc_id: str, entry: dict, problem) -> dict:
    """Keep the fields of a catalog entry that have the right type; report the others."""
    out = {}
    for key, value in entry.items():
        if key in _CATALOG_TEXT_FIELDS and not (value is None or isinstance(value, str)):
            problem(f"{doc_id!r}.{key} is not a string; ignored")
            continue
        if key == "url" and value:
            reason = url_problem(value)
            if reason:
                problem(f"{doc_id!r}.url ignored: {reason}")
                continue
        if key == "aliases":
            if isinstance(value, str):
                value = [value]
            if not (isinstance(value, list) and all(isinstance(a, str) for a in value)):
                problem(f"{doc_id!r}.aliases is not a list of strings; ignored")
                continue
        out[key] = value
    return out


def _inside(path: Path, root: Path) -> Path:
    """``path`` with every link followed; LoaderError when that is outside ``root`` (resolved).

    A link to /etc/passwd, a link to a folder elsewhere, a file reached through such a folder:
    none may publish the server's files. Links that stay inside the corpus folder are fine.
    """
    try:
        real = Path(os.path.realpath(path))
    except (OSError, ValueError) as exc:  # pragma: no cover - realpath rarely raises
        raise LoaderError(path, f"cannot read ({exc})") from None
    if real == root or real.is_relative_to(root):
        return real
    try:
        mode = real.stat().st_mode
    except OSError:
        mode = 0
    if stat.S_ISDIR(mode):
        what = "a link to a folder outside the corpus folder"
    elif stat.S_ISREG(mode) or not mode:
        what = "a link to a file outside the corpus folder"
    else:  # a device or a FIFO elsewhere (a link to /dev/zero)
        what = "not a regular file (a link outside the corpus folder)"
    raise LoaderError(path, f"{what}; not indexed (copy the file into the corpus folder instead)")


def decode_text(raw: bytes, path: Path) -> str:
    if not raw.strip():
        raise LoaderError(path, "empty file")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise LoaderError(path, f"not valid UTF-16 text ({exc.reason})") from None
    if b"\x00" in raw[:8192]:
        raise LoaderError(path, "binary file, not text")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoaderError(
            path, f"not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8"
        ) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip():
        raise LoaderError(path, "empty file")
    return text


# ---------------------------------------------------------------------------------------------
# HTML → visible text and its blocks
#
# The page is read by a small tokenizer (one regular expression a tag, linear time, the way
# browsers split a page into tags, text, comments and raw-text elements) feeding a builder that
# keeps the open elements on a stack. Each open element carries the context its content is read
# in (skipped or not, FAQ role, heading or list item, table cell...), computed once from its
# parent's, so that deciding what a piece of text is costs nothing whatever the nesting depth.
# Text is collected block by block; the text and the offsets are made from the finished blocks
# (``_assemble``), so they cannot disagree.

_WS = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[-_]+")
_WORD = re.compile(r"\w+")
# A start or end tag: name, attributes (quoted values may hold '>'), optional "/" before ">".
# Atomic groups: a tag that never closes fails in one pass instead of backtracking.
_TAG = re.compile(
    r"<(/?)([A-Za-z][^\t\n\f\r />]*)"
    r"((?>[\t\n\f\r /]*(?>[^\t\n\f\r />][^\t\n\f\r />=]*)"
    r"(?>[\t\n\f\r ]*=[\t\n\f\r ]*(?>\"[^\"]*\"|'[^']*'|[^\t\n\f\r >]*))?)*)"
    r"([\t\n\f\r /]*)>")
_ATTR = re.compile(r"([^\t\n\f\r />][^\t\n\f\r />=]*)"
                   r"(?:[\t\n\f\r ]*=[\t\n\f\r ]*(\"[^\"]*\"|'[^']*'|[^\t\n\f\r >]*))?")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                   "source", "track", "wbr", "keygen", "basefont", "bgsound", "frame"})
# Elements whose content is not markup: it runs to the matching end tag (as in browsers).
_RAW = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes", "noscript", "textarea",
                  "title"})
_RAW_END = {tag: re.compile(r"</%s[\t\n\f\r />]" % tag, re.IGNORECASE) for tag in _RAW}
# Never text: scripts and styles, page furniture, form controls' option lists.
_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "math", "nav", "header", "footer",
                   "head", "select", "datalist", "textarea", "iframe", "noembed", "noframes", "title"})
_SKIP_BOUNDARY = frozenset({"nav", "header", "footer", "head", "select", "textarea", "iframe"})
_HEAD_OK = frozenset({"title", "meta", "link", "style", "script", "noscript", "base", "template",
                      "basefont", "bgsound"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_LISTS = frozenset({"ul", "ol", "menu", "dir"})
# Elements that end a block of text (what is inside them is a block, or several).
_BLOCK = frozenset({
    "address", "article", "aside", "audio", "blockquote", "body", "canvas", "caption", "center", "dd",
    "details", "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "form", "h1",
    "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "html", "legend", "li", "main", "menu", "ol",
    "p", "pre", "search", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "ul", "video"})
# Content in a table cell that makes the table a layout table (its cells are read as blocks).
_LAYOUT = frozenset({"h1", "h2", "h3", "h4", "h5", "h6", "table", "dl", "details", "main", "article",
                     "section", "aside", "form", "blockquote", "fieldset"})
# A start tag closes the open element it implies the end of: (ends, searched down to one of).
_TABLE_PARTS = frozenset({"thead", "tbody", "tfoot"})
_IMPLIED = {
    "li": (frozenset({"li"}), frozenset({"ul", "ol", "menu", "dir", "table", "td", "th", "dl"})),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl", "table", "td", "th", "ul", "ol"})),
    "dd": (frozenset({"dt", "dd"}), frozenset({"dl", "table", "td", "th", "ul", "ol"})),
    "tr": (frozenset({"tr", "td", "th"}), frozenset({"table"}) | _TABLE_PARTS),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table"}) | _TABLE_PARTS),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table"}) | _TABLE_PARTS),
    "thead": (_TABLE_PARTS | {"tr", "td", "th"}, frozenset({"table"})),
    "tbody": (_TABLE_PARTS | {"tr", "td", "th"}, frozenset({"table"})),
    "tfoot": (_TABLE_PARTS | {"tr", "td", "th"}, frozenset({"table"})),
    "p": (frozenset({"p"}), _BLOCK - {"p"}),
}
_IMPLIED_DEPTH = 64  # open elements searched at most (a bound: no quadratic time on deep junk)
_NEVER_DROPPED = frozenset({"html", "body", "main"})
# Elements read by more than "a block boundary or not" even without attributes.
_SPECIAL = frozenset({"dt", "dd", "summary", "details", "li", "caption", "pre", "table", "tr", "td",
                      "th", "main", "article"}) | _HEADINGS | _LISTS | _TABLE_PARTS | _LAYOUT
# Attributes that can change how an element is read (others, like href, are not parsed).
_ATTRS_THAT_COUNT = re.compile(r"(?i)class|id|role|hidden|aria-|item|data-")
_NO_ATTRS: dict[str, str] = {}
# Inline boxes whose text must not run into the text beside them ("Accept" "Reject").
_SPACED = frozenset({"button"})
_NEEDS_WORK = _SPECIAL | _VOID | _SKIP | _SPACED | frozenset(_IMPLIED)

# Page furniture by class or id (whole tokens, or their parts between - and _).
_FURNITURE_LAST = frozenset({"nav", "navbar", "navigation", "navi", "subnav", "sidenav", "topnav",
                             "navmenu", "menu", "menus", "menubar", "submenu", "megamenu",
                             "breadcrumb", "breadcrumbs", "skiplink", "skiplinks"})
_FURNITURE_ROLES = frozenset({"navigation", "banner", "contentinfo", "menu", "menubar"})
_CONSENT_MARKS = ("cookie", "onetrust", "usercentrics", "didomi", "iubenda")
_POPUP_PARTS = frozenset({"banner", "dialog", "modal", "popup", "bar", "notice", "overlay", "manager",
                          "box", "container", "wrapper", "layer", "window", "panel", "sdk", "root"})
_SKIP_LINK_NEXT = frozenset({"link", "links", "to", "content", "main", "nav", "navigation", "menu"})
# State classes on wrappers ("menu-open", "has-cookie-banner") say nothing about the element.
_STATE_FIRST = frozenset({"has", "is", "no", "not", "show", "with", "js"})
_STATE_LAST = frozenset({"open", "opened", "active", "visible", "shown", "closed", "hidden",
                         "accepted", "declined", "enabled", "disabled", "expanded", "collapsed",
                         "fixed", "sticky", "loaded", "ready", "on", "off"})
_SITE_WORDS = frozenset({"site", "global", "region", "main", "top", "bottom", "l"})
_SKIP_LINK_TEXT = re.compile(r"(?i)(skip|jump) to (the )?(main )?(content|navigation|menu|search)\W*")

# FAQ roles by class.
_QUESTION_CLASSES = frozenset({"question", "faq-question", "faq-q", "faq__question", "toggle-title",
                               "accordion-title", "accordion-toggle", "accordion-header",
                               "accordion-button", "panel-title"})
_ANSWER_CLASSES = frozenset({"answer", "faq-answer", "faq-a", "faq__answer", "toggle-content",
                             "accordion-content", "accordion-panel", "panel-body", "accordion-body",
                             "accordion-collapse", "panel-collapse"})
_FAQ_FAMILY = frozenset({"faq", "faqs", "accordion", "accordeon", "toggle", "collapsible", "qa", "qna"})
_FAQ_QUESTION_LAST = frozenset({"q", "question", "title", "header", "heading", "head", "toggle",
                                "trigger", "button", "btn", "summary", "label"})
_FAQ_ANSWER_LAST = frozenset({"a", "answer", "content", "body", "panel", "collapse", "text", "details",
                              "response", "inner", "desc", "description"})
_FAQ_NOT = frozenset({"section", "page", "list", "group", "block", "wrapper", "container", "intro",
                      "icon", "arrow", "indicator"})
_TOGGLE_NOT = frozenset({"dropdown", "navbar", "nav", "menu", "search", "lang", "language",
                         "hamburger", "burger", "toggler"})
_TOGGLE_NOT_ROLES = frozenset({"menuitem", "menu", "menubar", "combobox", "listbox"})
_QUESTION_END = ("?", "？", "؟")
_CLOSING = " \"'»”’)）]】」』"
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\xad"
_MAX_JSONLD_QUESTIONS = 500


def _parts(token: str) -> list[str]:
    return [p for p in _SEPARATORS.split(token.lower()) if p]


@lru_cache(maxsize=4096)
def _furniture_token(token: str) -> bool:
    """A class or id that names page furniture: a menu, a breadcrumb, a skip link, a cookie or
    consent banner. Whole tokens or their parts: "site-nav" and "main_menu" are, "canvas",
    "navy" and "menu-open" (a state) are not."""
    lower = token.lower()
    parts = _parts(lower)
    if not parts or parts[0] in _STATE_FIRST or parts[-1] in _STATE_LAST:
        return False
    if any(mark in lower for mark in _CONSENT_MARKS):
        return True
    if any(p.startswith(("consent", "gdpr")) for p in parts) and (
            len(parts) == 1 or any(p in _POPUP_PARTS for p in parts)):
        return True
    if any(p.startswith("breadcrumb") for p in parts):
        return True
    if parts[0] == "skip" and len(parts) > 1 and parts[1] in _SKIP_LINK_NEXT:
        return True
    return parts[-1] in _FURNITURE_LAST


@lru_cache(maxsize=4096)
def _site_chrome_token(token: str) -> str:
    """"header" or "footer" for the class or id of a whole site's header or footer, written as
    a div ("header", "site-footer", "c-footer", WordPress's "masthead" and "colophon"); not for
    the header or footer of a card or an entry, nor a page's header ("card-footer",
    "entry-header", "page-header": bootstrap's wrapper of the page title)."""
    parts = _parts(token)
    if not parts:
        return ""
    if parts == ["masthead"]:
        return "header"
    if parts == ["colophon"]:
        return "footer"
    last = parts[-1]
    words = _SITE_WORDS | {"page"} if last == "footer" else _SITE_WORDS  # a page-header is its title
    if last in ("header", "footer") and all(p in words or len(p) <= 2 for p in parts[:-1]):
        return last
    return ""


@lru_cache(maxsize=4096)
def _faq_class(classes: str) -> str:
    """"question", "answer" or "" for an element's class attribute."""
    found = ""
    for token in classes.lower().split():
        if token in _QUESTION_CLASSES:
            return "question"
        if token in _ANSWER_CLASSES:
            found = found or "answer"
            continue
        parts = _parts(token)
        if not parts:
            continue
        last = parts[-1]
        if last == "question":
            return "question"
        if last == "answer":
            found = found or "answer"
            continue
        if len(parts) > 1 and any(p in _FAQ_FAMILY for p in parts[:-1]) \
                and not any(p in _FAQ_NOT for p in parts):
            if last in _FAQ_QUESTION_LAST:
                return "question"
            if last in _FAQ_ANSWER_LAST:
                found = found or "answer"
    return found


def _collapse_toggle(a: dict[str, str]) -> bool:
    return (a.get("data-toggle") or a.get("data-bs-toggle") or "").strip().lower() == "collapse"


def _toggle_targets(a: dict[str, str]) -> list[str]:
    """The ids of the elements an element opens and closes (aria-controls, bootstrap targets)."""
    targets = a.get("aria-controls", "").split()
    for key in ("data-target", "data-bs-target", "href"):
        value = a.get(key, "").strip()
        if value.startswith("#") and len(value) > 1 and (key != "href" or _collapse_toggle(a)):
            targets.append(value[1:])
    return targets


def _attributes(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for m in _ATTR.finditer(text):
        name = m.group(1).lower()
        if name in out:
            continue  # the first of duplicate attributes counts, as in browsers
        value = m.group(2)
        if value is None:
            value = ""
        elif len(value) > 1 and value[0] in "\"'" and value[-1] == value[0]:
            value = value[1:-1]
        if "&" in value:
            value = _html.unescape(value)
        out[name] = value
    return out


def _item_scope(itemtype: str) -> str:
    first = itemtype.split()[0] if itemtype.split() else ""
    return re.split(r"[/#:]", first.rstrip("/"))[-1].lower() or "thing"


class _Ctx:
    """How the content of an open element is read (shared by elements that change nothing)."""

    __slots__ = ("skip", "foreign", "drop", "faq", "kind", "level", "lists", "table", "cell",
                 "thead", "pre", "scope", "sect")

    def __init__(self):
        self.skip = False      # not text at all (script, nav, header...)
        self.foreign = False   # inside svg or math (their <title> is not the page's)
        self.drop = 0          # 1 hidden, 2 page furniture by its attributes (see _select)
        self.faq = ""          # "question" | "answer": an FAQ role from the markup
        self.kind = "paragraph"
        self.level = 0         # heading level or list item depth
        self.lists = 0         # ul/ol depth
        self.table = None      # the nearest table (_Table)
        self.cell = False      # inside a cell of ``table``
        self.thead = False
        self.pre = False
        self.scope = ""        # schema.org type of the nearest itemscope
        self.sect = False      # inside main or article (a <header> there holds its title)

    def copy(self) -> "_Ctx":
        c = _Ctx.__new__(_Ctx)
        c.skip, c.foreign, c.drop, c.faq = self.skip, self.foreign, self.drop, self.faq
        c.kind, c.level, c.lists, c.table = self.kind, self.level, self.lists, self.table
        c.cell, c.thead, c.pre, c.scope, c.sect = self.cell, self.thead, self.pre, self.scope, self.sect
        return c


def _level(ctx: _Ctx) -> int:
    """A block's level: a heading's rank, a list item's depth; a question's is its heading rank
    only (0 when it is not a heading: a question inside a list item has no rank)."""
    if ctx.faq == "question" and ctx.kind != "heading":
        return 0
    return ctx.level


class _Table:
    __slots__ = ("ctx", "layout", "headers", "row", "row_th", "row_ctx", "row_head", "cell_open",
                 "cell_th", "paras")

    def __init__(self, ctx: _Ctx):
        self.ctx = ctx
        self.layout = False    # a layout table: its cells are read as ordinary blocks
        self.headers: tuple[str, ...] = ()
        self.row: list[str] | None = None   # cells of the open row
        self.row_th: list[bool] = []
        self.row_ctx = ctx
        self.row_head = False
        self.cell_open = False
        self.cell_th = False
        self.paras = 0


class _Raw:
    """A block before offsets: its kind, level, headers and lines."""

    __slots__ = ("kind", "level", "headers", "lines", "drop", "faq")

    def __init__(self, kind, level, headers, lines, drop=0, faq=False):
        self.kind, self.level, self.headers, self.lines = kind, level, headers, lines
        self.drop, self.faq = drop, faq

    def chars(self) -> int:
        return sum(len(line) for line in self.lines)


def _tokenize(doc: str, sink: "_Builder") -> None:
    """Feed ``doc`` to ``sink`` as start tags, end tags and text, in one linear pass."""
    n, i = len(doc), 0
    find, match = doc.find, _TAG.match
    while i < n:
        j = find("<", i)
        if j < 0:
            sink.text(doc[i:])
            return
        if j > i:
            sink.text(doc[i:j])
        c = doc[j + 1:j + 2]
        if c == "!":
            if doc.startswith("<!--", j):
                if doc.startswith("<!-->", j) or doc.startswith("<!--->", j):
                    i = find(">", j + 4) + 1
                    continue
                k = find("-->", j + 4)
                i = n if k < 0 else k + 3  # a comment left open runs to the end, as in browsers
            else:  # <!DOCTYPE ...>, <![CDATA[...]]>: a bogus comment up to '>'
                k = find(">", j + 2)
                i = n if k < 0 else k + 1
            continue
        if c == "?" or (c == "/" and doc[j + 2:j + 3] not in _ASCII_LETTERS):
            if doc.startswith("</>", j):
                i = j + 3
                continue
            if c == "/" and j + 2 >= n:
                sink.text("</")
                return
            k = find(">", j + 2)
            i = n if k < 0 else k + 1
            continue
        if c in _ASCII_LETTERS or c == "/":
            m = match(doc, j)
            if m is None:
                return  # a tag still open at the end: the rest is inside it, as in browsers
            i = m.end()
            name = m.group(2).lower()
            if m.group(1):
                sink.end(name)
                continue
            sink.start(name, m.group(3))
            if name in _RAW:
                e = _RAW_END[name].search(doc, i)
                k = n if e is None else e.start()
                if k > i:
                    sink.raw(name, doc[i:k])
                if e is None:
                    return
                m = match(doc, k)
                i = m.end() if m else n
                sink.end(name)
            elif m.group(4).endswith("/") and name not in _VOID:
                sink.end(name)  # <div/>: read as empty, not as a tag left open
            continue
        sink.text("<")
        i = j + 1


class _Builder:
    """Receives tags and text, keeps the open elements, and collects blocks (``_Raw``)."""

    def __init__(self, jsonld: bool = True):
        # The open elements: (tag, ctx, boundary (it ends a block), role, table) each.
        self.stack: list[tuple] = [("#root", _Ctx(), True, "", None)]
        self.open: dict[str, int] = {}
        self.blocks: list[_Raw] = []
        self.frags: list[str] = []   # the line being collected
        self.lines: list[str] = []   # the finished lines of the block being collected
        self.block_ctx: _Ctx | None = None
        self.title_parts: list[str] = []
        self.in_title = False
        self.title_done = False
        self.jsonld_on = jsonld
        self.jsonld: list[str] = []
        self.jsonld_parts: list[str] | None = None
        self.controlled: set[str] = set()     # ids an FAQ toggle controls (their element: answer)
        self.question_ids: set[str] = set()

    # --------------------------------------------------------------------- the element stack
    def _push(self, tag, ctx, boundary, role="", table=None):
        self.stack.append((tag, ctx, boundary, role, table))
        self.open[tag] = self.open.get(tag, 0) + 1

    def _pop(self) -> str:
        f = self.stack.pop()
        self.open[f[0]] -= 1
        self._closed(f)
        return f[0]

    def _close_through(self, tag):
        while self.open.get(tag):
            if self._pop() == tag:
                return

    def _close_implied(self, ends, stops):
        for tag in ends:
            if self.open.get(tag):
                break
        else:
            return
        stack, found = self.stack, 0
        for k in range(len(stack) - 1, max(0, len(stack) - 1 - _IMPLIED_DEPTH), -1):
            tag = stack[k][0]
            if tag in ends:
                found = k
            elif tag in stops:
                break
        if found:
            while len(stack) > found:
                self._pop()

    # --------------------------------------------------------------------- text
    def _end_line(self):
        if self.frags:
            line = _WS.sub(" ", "".join(self.frags)).strip()
            self.frags = []
            if line and line.strip(_INVISIBLE):
                self.lines.append(line)

    def _flush(self):
        self._end_line()
        if self.lines:
            ctx = self.block_ctx or self.stack[-1][1]
            self._emit(ctx.faq or ctx.kind, _level(ctx), (), self.lines, ctx.drop, bool(ctx.faq))
            self.lines = []
        self.block_ctx = None

    def _emit(self, kind, level, headers, lines, drop, faq):
        if len(lines) == 1 and lines[0][:1] in "SsJj" and len(lines[0]) < 60 \
                and _SKIP_LINK_TEXT.fullmatch(lines[0]):
            drop = 2
        self.blocks.append(_Raw(kind, level, headers, lines, drop, faq))

    def _break(self, ctx: _Ctx, sep: str = " "):
        """A block boundary: inside a table cell a separator, elsewhere the end of a block."""
        if ctx.cell and not ctx.table.layout:
            self.frags.append(sep)
        else:
            self._flush()

    def text(self, data: str):
        if "&" in data:
            data = _html.unescape(data)
        self._data(data)

    def raw(self, tag: str, data: str):
        if tag == "script":
            if self.jsonld_parts is not None:
                self.jsonld_parts.append(data)
        elif tag in ("title", "textarea"):
            self.text(data)
        elif tag != "style":
            self._data(data)

    def _data(self, data: str):
        if self.in_title:
            self.title_parts.append(data)
            return
        ctx = self.stack[-1][1]
        if ctx.skip:
            return
        if ctx.cell and not ctx.table.layout:
            self.frags.append(data)
            return
        if self.block_ctx is None:
            if data.isspace():
                return
            self.block_ctx = ctx
        if ctx.pre and "\n" in data:
            first, *rest = data.split("\n")
            self.frags.append(first)
            for piece in rest:
                self._end_line()
                self.frags.append(piece)
        else:
            self.frags.append(data)

    # --------------------------------------------------------------------- tables
    def _start_row(self, table: _Table, ctx: _Ctx, head: bool):
        table.row, table.row_th, table.row_ctx, table.row_head = [], [], ctx, head

    def _end_cell(self, table: _Table):
        text = _WS.sub(" ", " ".join(self.lines + ["".join(self.frags)])).strip()
        self.lines, self.frags, self.block_ctx = [], [], None
        table.row.append(text)
        table.row_th.append(table.cell_th)
        table.cell_open = False

    def _end_row(self, table: _Table):
        if table.cell_open:
            self._end_cell(table)
        cells, ths, table.row = table.row, table.row_th, None
        if not cells or not any(cells):
            return
        line = _WS.sub(" ", " | ".join(cells)).strip()
        # A header row: in thead, or all th, or (the first, with an empty corner cell) all its
        # filled cells th.
        filled = [th for cell, th in zip(cells, ths) if cell]
        if table.row_head or all(ths) or (not table.headers and len(filled) > 1 and all(filled)):
            table.headers, headers = tuple(cells), ()
        else:
            headers = table.headers
        ctx = table.row_ctx
        self._emit(ctx.faq or "row", 0, headers, [line], ctx.drop, bool(ctx.faq))

    def _to_layout(self, table: _Table):
        """The table turned out to hold page layout (a heading, a nested table... in a cell):
        the cells read so far become paragraphs, and its cells are read as blocks from now on."""
        table.layout = True
        if table.row is None:
            return
        frags, lines = self.frags, self.lines
        self.frags, self.lines = [], []
        ctx = table.row_ctx
        for cell in table.row:
            if cell:
                self._emit(ctx.faq or "paragraph", 0, (), [cell], ctx.drop, bool(ctx.faq))
        table.row, table.cell_open = None, False
        self.frags, self.lines = frags, lines
        self.block_ctx = self.stack[-1][1] if (frags or lines) else None

    # --------------------------------------------------------------------- tags
    def start(self, tag: str, attr_text: str):
        if tag not in _NEEDS_WORK and not self.open.get("head"):  # the common case, made fast
            parent = self.stack[-1][1]
            if parent.skip or not attr_text or not _ATTRS_THAT_COUNT.search(attr_text):
                boundary = tag in _BLOCK and not parent.skip
                if boundary:
                    self._break(parent)
                self.stack.append((tag, parent, boundary, "", None))
                self.open[tag] = self.open.get(tag, 0) + 1
                return
        if tag in _VOID:
            if tag == "br":
                self.br()
            elif tag == "hr":
                ctx = self.stack[-1][1]
                if not ctx.skip:
                    self._break(ctx)
            return
        if self.open.get("head") and tag not in _HEAD_OK:
            self._close_through("head")  # content without <body>: the head has ended
        implied = _IMPLIED.get(tag)
        if implied:
            self._close_implied(*implied)
        elif tag in _HEADINGS and self.stack[-1][0] in _HEADINGS:
            self._pop()
        parent = self.stack[-1][1]

        if tag in _SKIP and not (tag == "header" and parent.sect and not parent.skip):
            role = ""
            if tag == "script":
                kind = _attributes(attr_text).get("type", "").lower() if attr_text else ""
                if self.jsonld_on and "ld+json" in kind:
                    role, self.jsonld_parts = "jsonld", []
            elif tag == "title" and not parent.foreign and not self.title_done:
                role, self.in_title = "title", True
            ctx = parent
            if not parent.skip or (tag in ("svg", "math") and not parent.foreign):
                ctx = parent.copy()
                ctx.skip = True
                ctx.foreign = ctx.foreign or tag in ("svg", "math")
            boundary = not parent.skip and tag in _SKIP_BOUNDARY
            if boundary:
                self._break(parent)
            self._push(tag, ctx, boundary, role)
            return
        if parent.skip:
            self._push(tag, parent, False)
            return

        if tag in _SPACED:
            self.frags.append(" ")
        a = _attributes(attr_text) if attr_text and _ATTRS_THAT_COUNT.search(attr_text) else _NO_ATTRS
        boundary = tag in _BLOCK
        if not a and tag not in _SPECIAL and not (tag == "p" and parent.cell):
            if boundary:
                self._break(parent)
            self._push(tag, parent, boundary)
            return
        drop = self._drop_of(a, parent) if a and tag not in _NEVER_DROPPED else 0
        faq = self._faq_of(tag, a, parent)
        if faq == "answer" and drop == 1:
            drop = 0  # a collapsed FAQ answer (hidden until its question is clicked) is content
        if drop and not boundary and not faq:
            ctx = parent.copy()
            ctx.skip = True
            self._push(tag, ctx, False)
            return
        if faq:
            boundary = True
        table = parent.table
        cellmode = parent.cell and not table.layout
        if cellmode and (tag in _LAYOUT or (tag == "p" and self._third_paragraph(table))):
            self._to_layout(table)
            cellmode = False

        ctx = parent.copy()
        if drop > ctx.drop:
            ctx.drop = drop
        if faq:
            ctx.faq = faq
            if faq == "question" and a:
                self.controlled.update(_toggle_targets(a))  # their elements are its answer
                if a.get("id"):
                    self.question_ids.add(a["id"])
        if "itemscope" in a:
            ctx.scope = _item_scope(a.get("itemtype", ""))
        if tag in ("main", "article") or "main" in a.get("role", "").lower().split():
            ctx.sect = True

        if tag == "table":
            self._break(parent)
            new = _Table(ctx)
            ctx.table, ctx.cell, ctx.thead, ctx.pre = new, False, False, False
            ctx.kind, ctx.level = "paragraph", 0
            if a.get("role", "").lower() in ("presentation", "none"):
                new.layout = True
            self._push(tag, ctx, True, "table", new)
            return
        if table is not None and not table.layout and not parent.cell:
            if tag == "tr":
                self._flush()
                if table.row is not None:
                    self._end_row(table)
                self._start_row(table, ctx, parent.thead)
                self._push(tag, ctx, True, "row", table)
                return
            if tag in ("td", "th"):
                self._flush()  # text between cells: browsers show it before the table
                if table.row is None:
                    self._start_row(table, parent, parent.thead)
                table.cell_open, table.cell_th, table.paras = True, tag == "th", 0
                ctx.cell = True
                self._push(tag, ctx, True, "cell", table)
                return
            if tag in _TABLE_PARTS:
                ctx.thead = tag == "thead"

        sep = " "
        if tag in _HEADINGS:
            ctx.kind, ctx.level = "heading", int(tag[1])
        elif tag == "li":
            if cellmode:
                sep = self._cell_separator()
            else:
                ctx.kind, ctx.level = "item", max(1, parent.lists)
        elif tag in _LISTS:
            ctx.lists = parent.lists + 1
        elif tag == "caption":
            ctx.kind, ctx.level = "paragraph", 0
        elif tag == "pre":
            ctx.pre = True
        if boundary:
            self._break(parent, sep)
        self._push(tag, ctx, boundary)

    def end(self, tag: str):
        top = self.stack[-1]
        if tag in _SPACED and not top[1].skip:
            self.frags.append(" ")
        if top[0] == tag and not top[2] and not top[3]:  # </a>, </span>...
            self.stack.pop()
            self.open[tag] -= 1
            return
        if tag in _VOID:
            if tag == "br":
                self.br()  # </br> is read as <br>, as in browsers
            return
        if tag in ("html", "body") or not self.open.get(tag):
            return  # a stray end tag; </body> and </html> end nothing (browsers read on)
        while self._pop() != tag:
            pass

    def br(self):
        ctx = self.stack[-1][1]
        if ctx.skip:
            return
        if ctx.cell and not ctx.table.layout:
            self.frags.append(" ")
        else:
            self._end_line()

    def _closed(self, f: tuple):
        _, ctx, boundary, role, table = f
        if role == "jsonld":
            if self.jsonld_parts is not None:
                self.jsonld.append("".join(self.jsonld_parts))
            self.jsonld_parts = None
            return
        if role == "title":
            self.in_title = False
            self.title_done = bool("".join(self.title_parts).strip())
            return
        if ctx.skip and self.stack[-1][1].skip:
            return
        if role == "cell" and not table.layout and table.cell_open:
            self._end_cell(table)
            return
        if role == "row" and not table.layout:
            if table.row is not None:
                self._end_row(table)
            return
        if role == "table" and not table.layout and table.row is not None:
            self._end_row(table)
        if boundary:
            if role != "table" and ctx.cell and not ctx.table.layout:
                self.frags.append(" ")
            else:
                self._flush()

    def _block_has_text(self) -> bool:
        return bool(self.lines) or any(not frag.isspace() for frag in self.frags)

    def _third_paragraph(self, table: _Table) -> bool:
        table.paras += 1
        return table.paras >= 3

    def _cell_separator(self) -> str:
        """"; " between the items of a list in a table cell ("Passport; Proof of funds"), unless
        the text before ends in punctuation or there is none."""
        frags = self.frags
        while frags and frags[-1].isspace():
            frags.pop()
        if not frags:
            return " "
        frags[-1] = frags[-1].rstrip()
        return " " if frags[-1][-1:] in (":", ";", ",", ".", "|", "") else "; "

    @staticmethod
    def _drop_of(a: dict[str, str], parent: _Ctx) -> int:
        """2 for page furniture (menus, breadcrumbs, skip links, cookie banners, the site's
        header and footer written as divs), 1 for hidden elements, 0 otherwise."""
        cls, ident, role = a.get("class"), a.get("id"), a.get("role")
        words = (cls.split() if cls else []) + ([ident.strip()] if ident else [])
        for word in words:
            if _furniture_token(word):
                return 2
            chrome = _site_chrome_token(word)
            if chrome == "footer" or (chrome == "header" and not parent.sect):
                return 2
        if role and any(r in _FURNITURE_ROLES for r in role.lower().split()):
            return 2
        if "cookie" in a.get("aria-label", "").lower():
            return 2
        if ("hidden" in a and a["hidden"].strip().lower() != "until-found") \
                or a.get("aria-hidden", "").strip().lower() == "true":
            return 1
        return 0

    def _faq_of(self, tag: str, a: dict[str, str], parent: _Ctx) -> str:
        if tag in ("dt", "summary"):
            return "question"
        if tag in ("dd", "details"):
            return "answer"
        if not a:
            return ""
        props = a.get("itemprop")
        if props and parent.scope:
            names = props.lower().split()
            if parent.scope == "question":
                if "name" in names:
                    return "question"
                if "acceptedanswer" in names or "suggestedanswer" in names:
                    return "answer"
            elif parent.scope == "answer" and "text" in names:
                return "answer"
        cls = a.get("class")
        if cls:
            found = _faq_class(cls)
            if found:
                return found
        if ("aria-expanded" in a or _collapse_toggle(a)) \
                and (tag in _BLOCK or not self._block_has_text()):  # not a "Read more" link
            if self._is_faq_toggle(tag, a, _toggle_targets(a)):
                return "question"
        ident = a.get("id")
        if ident and ident in self.controlled:
            return "answer"
        if "region" in a.get("role", "").lower().split() and \
                any(i in self.question_ids for i in a.get("aria-labelledby", "").split()):
            return "answer"
        return ""

    @staticmethod
    def _is_faq_toggle(tag: str, a: dict[str, str], targets: list[str]) -> bool:
        """An element that opens and closes a part of the page: an FAQ question, unless it opens
        a menu, a dropdown, a search box or a language list."""
        if tag in ("ul", "ol", "table", "select", "input", "form"):
            return False
        if any(r in _TOGGLE_NOT_ROLES for r in a.get("role", "").lower().split()):
            return False
        if a.get("aria-haspopup", "false").strip().lower() not in ("", "false"):
            return False
        words = a.get("class", "").split() + targets
        return not any(_furniture_token(w) or any(p in _TOGGLE_NOT for p in _parts(w)) for w in words)

    def finish(self) -> list[_Raw]:
        while len(self.stack) > 1:
            self._pop()
        self._flush()
        return self.blocks

    def title(self) -> str:
        return _WS.sub(" ", "".join(self.title_parts)).strip()


def _select(raw: list[_Raw]) -> list[_Raw]:
    """The blocks to keep: not hidden, not furniture. Two safety nets for pages our rules
    misread: when hidden elements hold more text than the rest (a page saved while a dialog
    had hidden it, or FAQ answers collapsed with ``hidden``), they are kept; when nothing would
    be left at all, everything is."""
    kept = [b for b in raw if not b.drop]
    hidden = sum(b.chars() for b in raw if b.drop == 1)
    if hidden and hidden > sum(b.chars() for b in kept):
        kept = [b for b in raw if b.drop < 2]
    return kept or list(raw)


def _asks(lines: list[str]) -> bool:
    text = lines[-1].rstrip(_CLOSING)
    return text.endswith(_QUESTION_END) or (lines[0].startswith("¿") and "?" in text)


def _mark_heading_questions(blocks: list[_Raw]) -> None:
    """A heading that asks (ends in ?, ？ or ؟) and is followed by content is an FAQ question
    (its level kept); the paragraphs, items and rows up to the next heading of its rank or
    higher are its answer (a lower heading in between stays a heading). A heading that asks
    followed by an answer from the markup (``<h3>...?</h3><div class="faq-answer">``) is that
    answer's question. Other blocks with an FAQ role from their markup are left as they are."""
    asked = 0  # the level of the heading question whose answer is being read, 0 when none
    for i, b in enumerate(blocks):
        if b.faq:
            continue
        if b.kind == "heading":
            if asked and b.level <= asked:
                asked = 0
            nxt = blocks[i + 1] if i + 1 < len(blocks) else None
            if nxt is None or not _asks(b.lines):
                continue
            if not nxt.faq and nxt.kind in ("paragraph", "item", "row"):
                b.kind, asked = "question", b.level
            elif nxt.faq and nxt.kind == "answer":
                b.kind, asked = "question", 0
        elif asked and b.kind in ("paragraph", "item", "row"):
            b.kind = "answer"


def _norm_words(text: str) -> str:
    """Text compared for "the same words": NFKC, case-folded, punctuation and spacing ignored."""
    return " " + " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold())) + " "


def _json_type_is(value, name: str) -> bool:
    types = value if isinstance(value, list) else [value]
    return any(isinstance(t, str) and re.split(r"[/#:]", t)[-1].lower() == name for t in types)


def _jsonld_questions(scripts: list[str]) -> list[tuple[str, str]]:
    """(question, answer) of the schema.org Questions in JSON-LD (an FAQPage's mainEntity, in a
    list or an @graph...). Scripts that are not valid JSON are ignored."""
    found: list[tuple[str, str]] = []
    for script in scripts:
        script = script.strip()
        if script.startswith("<!--") and script.endswith("-->"):
            script = script[4:-3]
        try:
            data = json.loads(script)
        except (ValueError, RecursionError):
            continue
        todo, visited = [data], 0
        while todo and visited < 100_000 and len(found) < _MAX_JSONLD_QUESTIONS:
            node = todo.pop()
            visited += 1
            if isinstance(node, list):
                todo.extend(reversed(node))
            elif isinstance(node, dict):
                if _json_type_is(node.get("@type"), "question"):
                    question = node.get("name") or node.get("text")
                    if isinstance(question, str) and question.strip():
                        found.append((question, _jsonld_answer(node)))
                        continue
                todo.extend(reversed(list(node.values())))
    return found


def _jsonld_answer(question: dict) -> str:
    for key in ("acceptedAnswer", "suggestedAnswer"):
        answers = question.get(key)
        for answer in answers if isinstance(answers, list) else [answers]:
            if isinstance(answer, str) and answer.strip():
                return answer
            if isinstance(answer, dict) and isinstance(answer.get("text"), str):
                return answer["text"]
    return ""


def _fragment(markup: str) -> list[_Raw]:
    """The blocks of a piece of HTML or plain text (a JSON-LD question or answer)."""
    if not markup or not markup.strip():
        return []
    if "<" not in markup:
        paragraphs = re.split(r"\n\s*\n", _html.unescape(markup))
        lines = [_WS.sub(" ", p).strip() for p in paragraphs]
        return [_Raw("paragraph", 0, (), [line]) for line in lines if line]
    builder = _Builder(jsonld=False)
    _tokenize(markup, builder)
    return _select(builder.finish())


def _jsonld_blocks(scripts: list[str], visible: list[_Raw]) -> list[_Raw]:
    """Question and answer blocks for the JSON-LD questions the visible text does not have."""
    pairs = _jsonld_questions(scripts)
    if not pairs:
        return []
    seen = _norm_words("\n".join(line for b in visible for line in b.lines))
    added: set[str] = set()
    out: list[_Raw] = []
    for question_markup, answer_markup in pairs:
        question = _WS.sub(" ", " ".join(line for b in _fragment(question_markup)
                                         for line in b.lines)).strip()
        key = _norm_words(question)
        if not question or not key.strip() or key in seen or key in added:
            continue
        added.add(key)
        out.append(_Raw("question", 0, (), [question], 0, True))
        for b in _fragment(answer_markup):
            level = b.level if b.kind in ("item", "heading") else 0
            out.append(_Raw("answer", level, b.headers, b.lines, 0, True))
    return out


def _assemble(blocks: list[_Raw]) -> tuple[str, tuple[Block, ...]]:
    parts: list[str] = []
    out: list[Block] = []
    pos = 0
    for b in blocks:
        text = "\n".join(b.lines)
        if parts:
            parts.append("\n\n")
            pos += 2
        out.append(Block(b.kind, pos, pos + len(text), b.level, tuple(b.headers)))
        parts.append(text)
        pos += len(text)
    return "".join(parts), tuple(out)


def html_to_document_parts(html: str) -> tuple[str, str, tuple[Block, ...]]:
    """(visible text, title, blocks) of an HTML page.

    The text is made block by block: each block is one or more lines (white space inside a
    line collapsed to single spaces), blocks are separated by a blank line, and
    ``text[b.start:b.end]`` is exactly each block's text. The page ``<title>`` is the title,
    not part of the text. Left out: scripts, styles, ``nav``, ``header`` (except the header of
    a ``main`` or ``article``), ``footer``, option lists, and elements whose class, id or role
    names page furniture (menus, breadcrumbs, skip links, cookie and consent banners, a site
    header or footer written as a div; whole class tokens or their -/_ parts, so "canvas" or
    "navy" are not "nav") or that are ``hidden``/``aria-hidden`` (a collapsed FAQ answer is
    kept; see ``_select`` for the safety nets).

    Block kinds:

    * ``heading`` h1-h6 (``level`` 1-6).
    * ``question`` / ``answer``: FAQ entries: ``dt``/``dd``; ``summary`` and the rest of its
      ``details``; accordions (bootstrap ``accordion-header``/``accordion-button`` and
      ``accordion-body``/``accordion-collapse``, classes such as faq-question, faq__answer,
      toggle-title, toggle-content, panel-title, panel-body); a toggle (``aria-expanded``, or
      a bootstrap collapse toggle) and the element it controls; schema.org microdata (a
      Question's ``name``, its ``acceptedAnswer``). Everything inside an answer is ``answer``,
      whatever it is (a paragraph, a list item with its ``level``, a table row with its
      ``headers``); everything inside a question is ``question`` (its ``level`` is its
      heading rank when it is a heading, else 0). A heading ending in ?, ？ or ؟ (or ¿...?) that is followed by content is a
      ``question`` (its level kept) and the paragraphs, items and rows up to the next heading
      of its rank or higher are ``answer`` (see ``_mark_heading_questions``). FAQ entries found only in schema.org FAQPage JSON-LD are appended at the
      end of the text as question and answer blocks (not when the question is visible already).
    * ``item`` a list item, ``level`` its ul/ol depth (1 at the top). In a table cell the items
      of a list are joined with "; ".
    * ``row`` a table row: its cells joined with " | " on one line (an empty cell leaves
      "| |"); a row of ``th`` cells (or in ``thead``; or a first row whose filled cells are all
      ``th``, beside an empty corner cell) is a header row, itself with no ``headers``, and the
      later rows of its table carry its cells as ``headers``; colspan is not expanded. A
      table whose cells hold headings, tables, sections or several paragraphs is a layout
      table: its cells are read as ordinary blocks, not rows. A ``caption`` is a
      ``paragraph`` (not a heading: it names the table, not a section of the page).
    * ``paragraph`` any other text (loose text in a div included); ``<br>`` starts a new line
      in the same block, and so do line breaks in ``pre``.

    "title" and "nav" blocks are never made: the title is returned apart and furniture is left
    out. Malformed markup (unclosed or stray tags) is read the way browsers read it, roughly,
    never with an error; the time taken grows linearly with the page.
    """
    builder = _Builder()
    _tokenize(html, builder)
    blocks = _select(builder.finish())
    _mark_heading_questions(blocks)
    if builder.jsonld:
        blocks += _jsonld_blocks(builder.jsonld, blocks)
    text, out = _assemble(blocks)
    return text, builder.title(), out


def html_to_text(html: str) -> tuple[str, str]:
    """(visible text, title) of an HTML page (see ``html_to_document_parts``)."""
    text, title, _ = html_to_document_parts(html)
    return text, title


def _too_long(path: Path, chars: int, at_least: bool = False) -> LoaderError:
    amount = f"over {MAX_TEXT_CHARS:,} characters" if at_least else f"{chars:,} characters > {MAX_TEXT_CHARS:,}"
    return LoaderError(path, f"too much text ({amount}); split it into smaller files")


def pdf_to_text(path: Path) -> str:
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - pypdf is a core dependency
        raise LoaderError(path, "reading PDF needs pypdf: pip install pypdf") from None
    pages, chars = [], 0
    try:
        reader = PdfReader(str(path))
        for page in reader.pages:
            pages.append((page.extract_text() or "").strip())
            chars += len(pages[-1]) + 2
            if chars > MAX_TEXT_CHARS:  # stop extracting: the file will be skipped anyway
                raise _too_long(path, chars, at_least=True)
    except LoaderError:
        raise
    except Exception as exc:  # pypdf raises many types for damaged files
        raise LoaderError(path, f"unreadable PDF ({type(exc).__name__}: {exc})") from None
    return "\n\n".join(p for p in pages if p)


def _title_from(text: str, doc_id: str) -> str:
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    if 0 < len(first) <= 90 and not first.endswith((".", "。")):
        return first
    return doc_id.replace("_", " ").replace("-", " ").strip()


def load_file(path: Path, catalog: dict[str, dict] | None = None, *, root: Path | None = None,
              doc_id: str | None = None) -> Document:
    """Read one file into a Document; raise LoaderError with the reason when it cannot.

    With ``root`` (the corpus folder), a file that resolves outside it (a link to /etc/passwd,
    or into a linked folder elsewhere) is refused. ``doc_id`` defaults to the file name without
    its extension; either way it must be a valid id (``identifiers.doc_id_problem``).
    """
    path = Path(path)
    real = path
    if root is not None:
        real = _inside(path, Path(root).resolve())
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise LoaderError(path, f"unsupported file type {suffix or '(none)'}")
    if not _is_valid_unicode(str(path)):
        # The index stores names as UTF-8 text: a name with undecodable bytes cannot be cited.
        raise LoaderError(path, "file name is not valid UTF-8; rename the file")
    doc_id = path.stem if doc_id is None else doc_id
    problem = doc_id_problem(doc_id)
    if problem:
        raise LoaderError(path, f"{problem}; rename the file")
    try:
        st = real.stat()
        # A FIFO would block the indexer forever and a device (a link to /dev/zero) never ends.
        if not stat.S_ISREG(st.st_mode):
            raise LoaderError(path, "not a regular file")
        size = st.st_size
        if size > MAX_FILE_BYTES:
            raise LoaderError(path, f"file too large ({size:,} bytes > {MAX_FILE_BYTES:,})")
        title = ""
        blocks: tuple[Block, ...] | None = None  # the structure HTML markup gives
        if suffix == ".pdf":
            text = pdf_to_text(real)
        else:
            with open(real, "rb") as fh:
                raw = fh.read(MAX_FILE_BYTES + 1)  # bounded, should the file grow after stat
            if len(raw) > MAX_FILE_BYTES:
                raise LoaderError(path, f"file too large (> {MAX_FILE_BYTES:,} bytes)")
            if suffix in (".txt", ".md") and len(raw) > 4 * MAX_TEXT_CHARS:
                raise _too_long(path, len(raw), at_least=True)  # UTF-8: 4 bytes a character at most
            text = decode_text(raw, path)
            del raw
            if suffix in (".html", ".htm"):
                text, title, blocks = html_to_document_parts(text)
    except OSError as exc:
        raise LoaderError(path, f"cannot read ({exc.strerror or exc})") from None
    if not text.strip():
        raise LoaderError(path, "no text found")
    if len(text) > MAX_TEXT_CHARS:
        raise _too_long(path, len(text))
    meta = (catalog or {}).get(doc_id, {})
    title = meta.get("title") or title or _title_from(text, doc_id)
    return Document(
        doc_id=doc_id,
        text=text,
        title=title,
        institution=meta.get("institution") or "",
        aliases=tuple(meta.get("aliases") or ()),
        city=meta.get("city") or "",
        language=meta.get("language") or "en",
        url=meta.get("url"),
        source_path=str(path),
        content_hash=content_hash(text, blocks),
        blocks=blocks or (),
        fetched_at=meta.get("fetched_at") or "",
        page_date=meta.get("page_date") or "",
    )


def _is_valid_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: bytes the file system name could not decode
        return False
    return True


def printable_path(path) -> str:
    """A path as UTF-8-safe text for reports: undecodable bytes shown as \\xNN, and control and
    format characters (a newline, an escape, a bidi override) as \\n, \\x1b, \\u202e."""
    text = os.fsencode(str(path)).decode("utf-8", "backslashreplace")
    return "".join(repr(ch)[1:-1] if not ch.isprintable() and ch != " " else ch for ch in text)


def iter_corpus_files(corpus_dir: Path) -> list[Path]:
    corpus_dir = Path(corpus_dir)
    files = [p for p in sorted(corpus_dir.rglob("*")) if p.is_file() or p.is_symlink()]
    return [p for p in files if p.name != CATALOG_NAME and not p.name.startswith(".")]


def load_one(path: Path, catalog: dict[str, dict] | None, root: Path) -> Document | str:
    """One corpus file as a Document, or the reason it is skipped (``load_corpus``'s step)."""
    try:
        return load_file(path, catalog, root=root)
    except LoaderError as exc:
        return exc.reason


def load_corpus(corpus_dir: Path, map_files=None) -> LoadReport:
    """Load every supported file of a folder; unreadable files go to ``report.skipped``.

    ``map_files(load, paths)`` returns ``[load(p) for p in paths]`` (the default), in order;
    ``askintl.distributed`` runs it as one task per file on a Ray cluster.
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise LoaderError(corpus_dir, "corpus folder not found")
    catalog, problems = read_catalog(corpus_dir)
    report = LoadReport()
    # A catalog that could not be used at all is reported like a skipped file.
    report.skipped.extend(problems)
    root = corpus_dir.resolve()
    paths = iter_corpus_files(corpus_dir)
    load = functools.partial(load_one, catalog=catalog, root=root)
    loaded = map_files(load, paths) if map_files else [load(p) for p in paths]
    seen: dict[str, str] = {}
    for path, doc in zip(paths, loaded, strict=True):
        if isinstance(doc, str):
            report.skipped.append((printable_path(path), doc))
            log.warning("skipped %s: %s", printable_path(path), doc)
            continue
        if doc.doc_id in seen:
            reason = f"duplicate document id {doc.doc_id!r} (also {seen[doc.doc_id]})"
            report.skipped.append((printable_path(path), reason))
            log.warning("skipped %s: %s", printable_path(path), reason)
            continue
        seen[doc.doc_id] = str(path)
        report.documents.append(doc)
    return report

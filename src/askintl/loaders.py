"""Files on disk → ``Document``s with verbatim text and catalog metadata.

Offsets index ``Document.text``: for .txt and .md that is the file's content, decoded and
otherwise untouched; for .html it is the visible text; for .pdf the extracted text of its
pages. A file that cannot be read is reported with its reason and skipped.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import stat
from html.parser import HTMLParser
from pathlib import Path

from .errors import LoaderError
from .identifiers import doc_id_problem, url_problem
from .records import Document, LoadReport

log = logging.getLogger(__name__)

SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
CATALOG_NAME = "catalog.json"
# Bytes read from one file at most (a PDF full of images can be large and hold little text).
MAX_FILE_BYTES = 64 * 1024 * 1024
# Characters of text kept from one file at most: about 150,000 words or 300 printed pages.
# Past it a file is skipped with its reason, not cut: it would take the default model the best
# part of an hour to embed, and it is far more likely a dump than an international-office page.
MAX_TEXT_CHARS = 1_000_000
_CATALOG_TEXT_FIELDS = ("title", "institution", "city", "language", "url")


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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


class _HTMLText(HTMLParser):
    """Visible text of an HTML page, one line per block, without scripts or navigation."""

    SKIP = {"script", "style", "noscript", "template", "svg", "nav", "header", "footer", "head"}
    BLOCK = {"p", "div", "section", "article", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5",
             "h6", "tr", "table", "br", "main", "aside", "blockquote", "pre", "dd", "dt", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self._skip = 0
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self._in_title = True
        elif tag in self.SKIP:
            self._skip += 1
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        elif tag in self.SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        elif not self._skip:
            self.parts.append(data)

    def text(self) -> str:
        joined = "".join(self.parts)
        lines = [re.sub(r"[ \t\r\f\v]+", " ", ln).strip() for ln in joined.split("\n")]
        return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def html_to_text(html: str) -> tuple[str, str]:
    parser = _HTMLText()
    parser.feed(html)
    parser.close()
    return parser.text(), parser.title.strip()


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
                text, title = html_to_text(text)
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
        content_hash=content_hash(text),
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


def load_corpus(corpus_dir: Path) -> LoadReport:
    """Load every supported file of a folder; unreadable files go to ``report.skipped``."""
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise LoaderError(corpus_dir, "corpus folder not found")
    catalog, problems = read_catalog(corpus_dir)
    report = LoadReport()
    # A catalog that could not be used at all is reported like a skipped file.
    report.skipped.extend(problems)
    root = corpus_dir.resolve()
    seen: dict[str, str] = {}
    for path in iter_corpus_files(corpus_dir):
        try:
            doc = load_file(path, catalog, root=root)
        except LoaderError as exc:
            report.skipped.append((printable_path(path), exc.reason))
            log.warning("skipped %s: %s", printable_path(path), exc.reason)
            continue
        if doc.doc_id in seen:
            reason = f"duplicate document id {doc.doc_id!r} (also {seen[doc.doc_id]})"
            report.skipped.append((printable_path(path), reason))
            log.warning("skipped %s: %s", printable_path(path), reason)
            continue
        seen[doc.doc_id] = str(path)
        report.documents.append(doc)
    return report

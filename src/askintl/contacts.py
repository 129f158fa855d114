"""Per-institution details for the widget: how to reach the international office, a welcome
text and starter questions, from the ``"_institutions"`` section of the corpus ``catalog.json``.

    "_institutions": {
      "Example University": {
        "office": "International Office", "address": "1 College Road, Exampleton",
        "email": "international@example.edu", "phone": "+1 555 0100",
        "form_url": "https://www.example.edu/international/contact",
        "welcome": {"en": "Welcome!", "fr": "Bienvenue !"},      (or one text for every language)
        "starters": {"en": ["How do I apply?"], "fr": ["Comment postuler ?"]}   (or one list)
      }
    }

Keys are catalog names or aliases. The document loader ignores keys that start with "_", so
this section changes no index: it is read here, at request time, and again only when the file
changes. A field of the wrong shape (an e-mail that is not one, a form URL that is not
http(s), a control character) is left out with a warning; the rest of the entry is kept.
"""
from __future__ import annotations

import json
import logging
import os
import re
import stat
import threading
from pathlib import Path

from .errors import InvalidRequestError
from .textcheck import text_problem

log = logging.getLogger(__name__)

CATALOG_NAME = "catalog.json"
SECTION = "_institutions"
MAX_CATALOG_BYTES = 20 * 1024 * 1024
TEXT_FIELDS = {"office": 300, "address": 500}
MAX_WELCOME_CHARS = 1000
MAX_STARTERS = 6
MAX_STARTER_CHARS = 200
_EMAIL = re.compile(r"^[^\s@<>()\[\],;:\"\\]+@[^\s@<>()\[\],;:\"\\]+\.[^\s@<>()\[\],;:\"\\]+$")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()./-]{2,38}$")
_URL = re.compile(r"^https?://[^\s<>\"]+$", re.IGNORECASE)
_LANG = re.compile(r"^(\*|[a-z]{2,3}([-_][A-Za-z0-9]{2,8})*)$")


def _text(value, limit: int) -> str | None:
    if not isinstance(value, str) or not value.strip() or len(value) > limit or text_problem(value):
        return None
    return value.strip()


def _per_language(value, clean) -> dict | None:
    """{lang: clean(v)} from a mapping, or {"*": clean(value)} for one value for every language."""
    items = value.items() if isinstance(value, dict) else [("*", value)]
    out = {}
    for lang, v in items:
        if not isinstance(lang, str) or not _LANG.match(lang):
            continue
        v = clean(v)
        if v:
            out[lang.lower().replace("_", "-")] = v
    return out or None


def _starters(value) -> list[str] | None:
    if not isinstance(value, list):
        return None
    kept = [t for t in (_text(v, MAX_STARTER_CHARS) for v in value) if t]
    return kept[:MAX_STARTERS] or None


def clean_entry(name: str, entry: dict) -> dict:
    """The usable fields of one ``_institutions`` entry: {"contact": {...}, "welcome", "starters"}."""
    contact: dict[str, str] = {}
    for key, limit in TEXT_FIELDS.items():
        if entry.get(key) is not None:
            value = _text(entry[key], limit)
            if value:
                contact[key] = value
            else:
                log.warning("catalog %s[%r].%s is not a short text; ignored", SECTION, name, key)
    checks = {"email": (_EMAIL, 254), "phone": (_PHONE, 40), "form_url": (_URL, 2000)}
    for key, (form, limit) in checks.items():
        value = entry.get(key)
        if value is None:
            continue
        if isinstance(value, str) and len(value.strip()) <= limit and form.match(value.strip()) \
                and not text_problem(value):
            contact[key] = value.strip()
        else:
            log.warning("catalog %s[%r].%s is not a valid %s; ignored", SECTION, name, key, key.replace("_", " "))
    out: dict = {"contact": contact or None, "welcome": None, "starters": None}
    if entry.get("welcome") is not None:
        out["welcome"] = _per_language(entry["welcome"], lambda v: _text(v, MAX_WELCOME_CHARS))
    if entry.get("starters") is not None:
        out["starters"] = _per_language(entry["starters"], _starters)
    return out


def _read(path: Path, root: Path) -> dict:
    """The raw ``_institutions`` section ({} when there is none or the catalog cannot be used)."""
    try:
        real = Path(os.path.realpath(path))
        if not (real == root or real.is_relative_to(root)):
            log.warning("catalog %s leads outside the corpus folder; no institution details", path)
            return {}
        if not stat.S_ISREG(real.stat().st_mode) or real.stat().st_size > MAX_CATALOG_BYTES:
            return {}
        data = json.loads(real.read_bytes().decode("utf-8-sig"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError, RecursionError) as exc:
        log.warning("catalog %s unreadable (%s); no institution details", path, exc)
        return {}
    section = data.get(SECTION) if isinstance(data, dict) else None
    return section if isinstance(section, dict) else {}


class InstitutionDetails:
    """``details.for_corpus(corpus_dir)`` → {key as written: cleaned entry}, cached per file state."""

    def __init__(self):
        self._lock = threading.Lock()
        self._cache: dict[Path, tuple[tuple, dict]] = {}

    def for_corpus(self, corpus_dir: Path) -> dict[str, dict]:
        root = Path(os.path.realpath(corpus_dir))
        path = Path(corpus_dir) / CATALOG_NAME
        try:
            st = path.stat()
            stamp = (st.st_size, st.st_mtime_ns, st.st_ino)
        except OSError:
            return {}
        with self._lock:
            cached = self._cache.get(root)
            if cached and cached[0] == stamp:
                return cached[1]
        entries = {name: clean_entry(name, entry) for name, entry in _read(path, root).items()
                   if isinstance(name, str) and isinstance(entry, dict)}
        with self._lock:
            self._cache[root] = (stamp, entries)
        return entries


def by_institution(entries: dict[str, dict], resolve) -> dict[str, dict]:
    """``entries`` (keyed as written in the catalog: names or aliases) by catalog name, through
    ``resolve`` (``Engine.resolve_institutions``); a key that names no indexed institution is
    left out, and the first entry of an institution wins."""
    out: dict[str, dict] = {}
    for key, entry in entries.items():
        try:
            (found,) = resolve([key])
        except InvalidRequestError:  # an unknown key only means no details
            continue
        out.setdefault(found, entry)
    return out

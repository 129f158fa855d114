"""Which institutions a text names, from the catalog's names and aliases."""
from __future__ import annotations

import re

from .records import Document


def _pattern(name: str) -> re.Pattern:
    # Acronyms (BJTU, BPC) match case-sensitively as whole words; names case-insensitively.
    if name.isupper() and len(name) <= 8:
        return re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w])")
    return re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE)


class InstitutionMatcher:
    def __init__(self, documents: list[Document]):
        self.patterns: list[tuple[re.Pattern, str]] = []
        self.docs_of: dict[str, list[int]] = {}
        for i, d in enumerate(documents):
            if not d.institution:
                continue
            self.docs_of.setdefault(d.institution, []).append(i)
            for name in {d.institution, *d.aliases}:
                if name.strip():
                    self.patterns.append((_pattern(name.strip()), d.institution))

    def find(self, text: str) -> list[str]:
        """Institutions named in ``text``, in order of first mention."""
        hits: dict[str, int] = {}
        for rx, inst in self.patterns:
            m = rx.search(text)
            if m and (inst not in hits or m.start() < hits[inst]):
                hits[inst] = m.start()
        return sorted(hits, key=hits.get)

    def last_named(self, text: str) -> str | None:
        """The institution mentioned last in ``text``."""
        best, pos = None, -1
        for rx, inst in self.patterns:
            for m in rx.finditer(text):
                if m.start() > pos:
                    best, pos = inst, m.start()
        return best

    def strip(self, text: str) -> str:
        """``text`` without the institution names in it: once the name has picked the
        institution, its words should not also rank passages (every passage of that
        institution is about it, whether it spells the name out or not)."""
        for rx, _ in sorted(self.patterns, key=lambda p: -len(p[0].pattern)):
            text = rx.sub(" ", text)
        return re.sub(r"\s+", " ", text).strip()

    def doc_indices(self, institutions: list[str]) -> set[int]:
        return {i for inst in institutions for i in self.docs_of.get(inst, [])}

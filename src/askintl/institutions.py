"""Which institutions a text names, from the catalog's names and aliases.

Names are kept as tuples of words in a dictionary, and a text is read once, looking up each
run of up to the longest name's length in words: the cost depends on the text, not on the
number of institutions (a national portal has thousands). Acronyms (BJTU, BPC) match with
their case; other names in any case. Punctuation between words does not matter
("Queen Mary, University of London" = "Queen Mary University of London"), and neither does
a change of script ("BPC派了" names BPC).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .records import Document
from .text import CJK, HAN_COMPAT

# Words: runs of Latin letters and digits, single CJK characters, runs of any other script.
# Scripts are split apart, so "BPC派了多少老师" still names BPC, and a Chinese alias
# (北京交通大学) matches inside a longer Chinese run, character by character.
_CJK = CJK + HAN_COMPAT
_LATIN = "0-9A-Za-z\u00c0-\u024f"
_WORD = re.compile(rf"[{_LATIN}]+|[{_CJK}]|[^\W{_LATIN}{_CJK}_]+", re.UNICODE)


def _is_acronym(name: str) -> bool:
    return name.isupper() and len(name) <= 8


@dataclass(frozen=True)
class Mention:
    institution: str
    start: int
    end: int


class InstitutionMatcher:
    def __init__(self, documents: list[Document]):
        self.docs_of: dict[str, list[int]] = {}
        self._names: dict[tuple[str, ...], str] = {}     # case-folded words → institution
        self._acronyms: dict[tuple[str, ...], str] = {}  # exact words → institution
        self._longest = 0
        for i, d in enumerate(documents):
            if not d.institution:
                continue
            self.docs_of.setdefault(d.institution, []).append(i)
            for name in {d.institution, *d.aliases}:
                words = tuple(_WORD.findall(name))
                if not words:
                    continue
                if _is_acronym(name.strip()):
                    self._acronyms.setdefault(words, d.institution)
                else:
                    self._names.setdefault(tuple(w.casefold() for w in words), d.institution)
                self._longest = max(self._longest, len(words))

    def mentions(self, text: str) -> list[Mention]:
        """Every name in ``text``, longest first where they overlap, in text order."""
        if not self._longest:
            return []
        words = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]
        folded = [w.casefold() for w, _, _ in words]
        out: list[Mention] = []
        i = 0
        while i < len(words):
            hit = None
            for n in range(min(self._longest, len(words) - i), 0, -1):
                inst = self._names.get(tuple(folded[i:i + n])) or \
                    self._acronyms.get(tuple(w for w, _, _ in words[i:i + n]))
                if inst:
                    hit = (inst, n)
                    break
            if hit:
                inst, n = hit
                out.append(Mention(inst, words[i][1], words[i + n - 1][2]))
                i += n
            else:
                i += 1
        return out

    def find(self, text: str) -> list[str]:
        """Institutions named in ``text``, in order of first mention."""
        return list(dict.fromkeys(m.institution for m in self.mentions(text)))

    def last_named(self, text: str) -> str | None:
        """The institution mentioned last in ``text``."""
        found = self.mentions(text)
        return found[-1].institution if found else None

    def strip(self, text: str) -> str:
        """``text`` without the institution names in it: once the name has picked the
        institution, its words should not also rank passages (every passage of that
        institution is about it, whether it spells the name out or not)."""
        for m in reversed(self.mentions(text)):
            text = text[:m.start] + " " + text[m.end:]
        return re.sub(r"\s+", " ", text).strip()

    def canonical(self, text: str) -> str:
        """``text`` with each institution named by its acronym ("BJTU") written as its catalog name
        ("Beijing Jiaotong University"), for the query vector. An acronym is an opaque token to
        the embedding model: it matches the one sentence that happens to spell it out ("The number
        of BJTU students who study abroad…") better than the sentence that answers ("Now there are
        over 1,400 international students…"), while every passage is embedded under its
        institution's catalog name. Short names ("Northmere") and names in other scripts
        (北京交通大学) carry their meaning and are left as written (measured: replacing them too
        cost 0.04 answer_hit on the FAQ bench)."""
        for m in reversed(self.mentions(text)):
            said = text[m.start:m.end]
            if said != m.institution and _is_acronym(said) \
                    and re.fullmatch(rf"[{_LATIN}\s.&'()-]+", m.institution):
                text = text[:m.start] + m.institution + text[m.end:]
        return text

    def doc_indices(self, institutions: list[str]) -> set[int]:
        return {i for inst in institutions for i in self.docs_of.get(inst, [])}

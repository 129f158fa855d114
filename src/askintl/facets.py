"""Sibling facts: the dimensions along which a university page states parallel facts.

An international office's page gives one fee per degree level, one deadline per intake, one
score per language test. A question about one of them is answered by a sentence about its
sibling as readily as by its own: the sentences are alike in every way a sentence vector or
word overlap can see ("The master's programme costs 6,000 EUR per year" for "How much is the PhD
fee?"), and a confident wrong number is what a student must never get.

So the reader checks, for each candidate sentence, the facets the question names:

- ``level``: foundation year, bachelor's (undergraduate), master's, doctorate; "postgraduate" /
  "graduate programmes" / 研究生 cover master's and doctorate;
- ``intake``: spring, summer, autumn, winter (semesters, intakes, schools);
- ``test``: IELTS, TOEFL, Duolingo, PTE, Cambridge, HSK, TestDaF, DELF/DALF, TCF/TEF, GRE, GMAT, SAT;
- and numbered siblings (``numbered``): "Midterm 2", "the second midterm", "Assignment #3", "Exam II".

A sentence **conflicts** with the question when what it says (with the headings above it and
the FAQ question it answers) names a value of a facet the question names, and none of the
question's values: a sentence about master's fees for a PhD question, about IELTS for a TOEFL
question. A sentence that names no value of the facet ("Tuition is 5,000 EUR per year.") does
not conflict: it may be stated for every level. Tests are stricter: a score is given with its
test's name, so a sentence that names no test does not answer a question about one. Conflicting sentences are never quoted; when
every candidate conflicts, the sources do not hold the answer (see ``answering.select_answer``).

The patterns cover English, Chinese, Arabic, Russian, French, Spanish, Portuguese, German and
Malay/Indonesian spellings; a question in a language whose words are not listed simply names no
facet (no check, as before).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

_I = re.IGNORECASE
_CASE = 0  # test names that are also words in lower case ("sat", "gre"): matched as written


@dataclass(frozen=True)
class Value:
    facet: str
    name: str
    covers: frozenset[str]   # the specific values it stands for ("postgraduate": master, doctorate)
    pattern: re.Pattern

    @property
    def generic(self) -> bool:
        return len(self.covers) > 1


def _v(facet: str, name: str, pattern: str, covers: tuple[str, ...] | None = None, flags: int = _I) -> Value:
    return Value(facet, name, frozenset(covers or (name,)), re.compile(pattern, flags))


VALUES: tuple[Value, ...] = (
    # ---- degree level ----------------------------------------------------------------------
    _v("level", "bachelor",
       r"\b(bachelor'?s?|undergrad\w*|B\.?Sc|B\.?Eng|LLB|licenciatura|grados?|graduação|"
       r"sarjana muda)\b|本科|学士|学部生|بكالوريوس|البكالوريوس|\bбакалавр\w*"),
    _v("level", "master",
       r"\b(masters?'?s?|M\.?Sc|M\.?Eng|MBA|LLM|máster|master|maestría|mestrado|magister)\b|硕士|碩士|"
       r"修士|ماجستير|الماجستير|\bмагистр\w*"),
    _v("level", "doctorate",
       r"\b(Ph\.?\s?D\.?s?|doctoral|doctorates?|doctor['’]?s? degrees?|DPhil|doctorat|doctorado|doutorado|doutoramento|"
       r"kedoktoran)\b|博士|دكتوراه|الدكتوراه|\bаспирант\w*|\bдокторант\w*"),
    _v("level", "postgraduate",
       r"\b(post-?graduates?|postgrad\w*|grad (students?|school)|graduate (students?|programs?|programmes?|school|studies|degrees?|"
       r"admissions?|applicants?|applications?|courses?|level)|posgrados?|postgrados?|pós-graduação|"
       r"pascasarjana|pasca siswazah)\b|研究生|大学院|الدراسات العليا",
       covers=("master", "doctorate")),
    _v("level", "foundation",
       r"\b(foundation (year|programmes?|programs?|courses?)|pre-?sessional|preparatory (year|courses?|programmes?|"
       r"programs?))\b|预科|預科|\bподготовительн\w*|السنة التحضيرية"),
    # ---- intake / season -------------------------------------------------------------------
    _v("intake", "spring", r"\b(spring|printemps|primavera)\b|春季|春学期|春期|الربيع|\bвесенн\w*|\bвесн[аыуой]\b"),
    _v("intake", "summer", r"\b(summer|verano|verão)\b|夏季|暑期|夏期|الصيف|\bлетн\w*|\bлет(о|ом|а)\b"),
    _v("intake", "autumn",
       r"\b(autumn|fall (semester|term|intake|session|admission|entry|quarter|\d{4})|\d{4} fall|"
       r"automne|otoño|outono)\b|秋季|秋学期|秋期|الخريف|\bосенн\w*|\bосень\w*"),
    _v("intake", "winter", r"\b(winter|hiver|invierno|inverno)\b|冬季|冬学期|الشتاء|\bзимн\w*|\bзим[аыуой]\b"),
    # ---- language and admission tests -------------------------------------------------------
    _v("test", "ielts", r"\bIELTS\b|雅思|آيلتس|ايلتس|الآيلتس|الأيلتس"),
    _v("test", "toefl", r"\bTOEFL\b|托福|توفل|التوفل|тоэфл"),
    _v("test", "duolingo", r"\bDuolingo\b|多邻国|多鄰國|دولينجو|دولينغو|дуолинго"),
    _v("test", "pte", r"\bPTE\b|Pearson Test of English", flags=_CASE),
    _v("test", "cambridge", r"\b(Cambridge (English|C1|C2|B2|Advanced|Proficiency)|CAE|CPE)\b", flags=_CASE),
    _v("test", "hsk", r"\bHSK\b|汉语水平考试|漢語水平考試", flags=_CASE),
    _v("test", "testdaf", r"\b(TestDaF|DSH)\b", flags=_CASE),
    _v("test", "delf", r"\b(DELF|DALF)\b", flags=_CASE),
    _v("test", "tcf", r"\b(TCF|TEF)\b", flags=_CASE),
    _v("test", "gre", r"\bGRE\b", flags=_CASE),
    _v("test", "gmat", r"\bGMAT\b", flags=_CASE),
    _v("test", "sat", r"\bSAT\b", flags=_CASE),
)
FACETS = tuple(dict.fromkeys(v.facet for v in VALUES))
# Facets an answer names: a score asked for one test is stated with that test's name (in the
# sentence or the heading above it); a sentence naming no test is not about the one asked.
NAMED_IN_ANSWER = frozenset({"test"})


def _named(text: str, generic_too: bool) -> dict[str, frozenset[str]]:
    out: dict[str, frozenset[str]] = {}
    for facet in FACETS:
        hits = [v for v in VALUES if v.facet == facet and v.pattern.search(text)]
        if hits:
            specific = [] if generic_too else [v for v in hits if not v.generic]
            out[facet] = frozenset().union(*(v.covers for v in (specific or hits)))
    return out


@lru_cache(maxsize=16384)  # candidate contexts repeat across questions; bounded (~a few MB)
def mentioned(text: str) -> dict[str, frozenset[str]]:
    """{facet: the values ``text`` names}: its specific values when it names any ("硕士研究生", a
    master's graduate student: master), else what its generic ones cover ("graduate
    programmes": master and doctorate)."""
    return _named(text, generic_too=False)


def covered(text: str) -> dict[str, frozenset[str]]:
    """{facet: every value ``text`` speaks of, by a specific or a generic word} (a whole page:
    "Graduate programs" on a page covers master's and doctorate even beside "undergraduate")."""
    return _named(text, generic_too=True)


def asked(question: str) -> dict[str, frozenset[str]]:
    """{facet: the values a question asks about} (read as ``mentioned`` reads a sentence)."""
    return mentioned(question)


def conflicts(question_facets: dict[str, frozenset[str]], context: str) -> bool:
    """Whether ``context`` (a sentence with its headings) speaks of a sibling of what was asked:
    for some facet the question names, it names values of that facet and none of the question's."""
    if not question_facets:
        return False
    said = mentioned(context)
    return any((f in said and not (said[f] & values)) or (f in NAMED_IN_ANSWER and f not in said)
               for f, values in question_facets.items())


# Numbered siblings: "Midterm 1" and "Midterm 2", "the first quiz" and "the second quiz",
# "Assignment #3", "Exam II". A question about the second midterm is not answered by the first
# one's date, and one about a third midterm not by either when the page numbers two.
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
             "eighth": 8, "ninth": 9, "tenth": 10, "i": 1, "ii": 2, "iii": 3, "iv": 4, "v": 5, "vi": 6}
_NOUN = r"[^\W\d_][\w'’]+"
_ORD_BEFORE = re.compile(rf"\b(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d{{1,2}}(?:st|nd|rd|th))"
                         rf"[\s-]+({_NOUN})(?:\s+({_NOUN}))?", _I)
_ORD_AFTER = re.compile(rf"\b({_NOUN})(?:\s+({_NOUN}))?\s+(?:#\s?|no\.\s?)?([1-9]|1[0-2]|II|III|IV|VI?)\b"
                        r"(?![.,:]\d|\s*[–—-]\s*\d|\s*(?:%|am\b|pm\b|a\.m|p\.m|o'clock))")  # not "chapters 1–2"
_NOT_NUMBERED = frozenset("""the a an of in on at by to for from and or is are was be will until
    before after every each per up about over under than only all its their his her our your
    january february march april may june july august september october november december
    jan feb mar apr jun jul aug sep sept oct nov dec
    monday tuesday wednesday thursday friday saturday sunday""".split())


def _number(token: str) -> int | None:
    t = token.casefold()
    if t in _ORDINALS:
        return _ORDINALS[t]
    m = re.fullmatch(r"(\d{1,2})(st|nd|rd|th)?", t)
    return int(m.group(1)) if m else None


@lru_cache(maxsize=16384)
def numbered(text: str) -> dict[str, frozenset[int]]:
    """{noun (stemmed): the numbers ``text`` gives it}: "The second midterm exam" and "Midterm exam 2"
    both give {"midterm": {2}, "exam": {2}}; "week 3", {"week": {3}}. A range ("chapters 1–2") gives
    none, nor does a number after a preposition or a date ("in 5", "Feb 2")."""
    from .lexical import tokenize

    found: dict[str, set[int]] = {}

    def add(words, n) -> None:
        # the words next to the number, up to the first that is not a numbered noun: "students in 5"
        # numbers nothing, "Midterm exam 1" both words
        for w in words:
            if not w or w.casefold() in _NOT_NUMBERED:
                return
            for t in tokenize(w):
                found.setdefault(t, set()).add(n)

    for m in _ORD_BEFORE.finditer(text):
        n = _number(m.group(1))
        if n is not None:
            add((m.group(2), m.group(3)), n)
    for m in _ORD_AFTER.finditer(text):
        n = _number(m.group(3))
        if n is not None:  # "Midterm 2", "Exam II" (not "I", the pronoun: "credits I can take")
            add((m.group(2), m.group(1)) if m.group(2) else (m.group(1),), n)
    return {k: frozenset(v) for k, v in found.items()}


def number_conflicts(asked_numbers: dict[str, frozenset[int]], context: str) -> bool:
    """Whether ``context`` gives a noun the question numbers other numbers only ("Midterm 1" for
    "midterm 2")."""
    if not asked_numbers:
        return False
    said = numbered(context)
    return any(noun in said and not (said[noun] & ns) for noun, ns in asked_numbers.items())

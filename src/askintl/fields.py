"""Listed facts: a key that names what the question asks, and its value.

Syllabi, contact blocks and fee tables state facts as keys with values, not as sentences:
"Office: Harmon Hall 305" under "Instructor", the row "| Laboratory reports | 20% |" under
"Grading", "Dr. Imogen Farrow" alone under "Instructor", the section "## Prerequisites" and its
first line. The learned reader (``reader.py``) was trained on prose, where the words a question
shares with a sentence say most; on a listed fact the key says it. "Where is the instructor's
office?" is answered by the line whose key is "Office", not by "Office hours: Tuesday 1-3 pm",
which holds the same words.

A listed fact is a label line ("Office: ...", "**Office:** ..."), a key and value joined by a dash
or dot leaders ("- Final exam — 50%"), a table row (its first cell is the key, or for a numbered
row the first column's name and the number: "Week 3"; never the header row), the definition of a
term (``<dt>``/``<dd>``), a bare line under a heading (keyed by the heading), or the first line of
prose under a heading. A block of label lines is about the person its name line names.

A candidate is a **field** of the question when
- every word of its key is asked: by the question's own words, their synonyms
  (``lexical.synonyms``), its initials ("TA": "Teaching assistant"), or the attribute its question
  word asks for ("who": a name, "where": a location or office, "when": a date, a time, hours);
  a key of three words or more needs only its head word ("Participation in discussion sections"),
  when the rest of the question is held;
- its key, headings and value hold at least half of the question (by term weight; all of it for
  the first line of prose under a heading), and at least
  as much as the reader's own choice holds, so that "Is the final exam cumulative?" stays with
  the sentence that says "cumulative" rather than the row "| Final exam | 25% |";
- its value has the shape the question word asks for: a date or time for "when", a place for
  "where", a name for "who", a number for "how much" or "how many".

``best_field`` returns the strongest such candidate (most of the question held, then the reader's
order); the answering step quotes it instead of the reader's choice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .facets import number_conflicts, numbered
from .lang import DATE_FORM, EMAIL_FORM, PHONE_FORM
from .lexical import STOPWORDS, synonyms, tokenize
from .structure import is_header_row, is_label_line, is_question_text as is_question, is_table_row, label_parts, row_cells

_MIN_RECALL = 0.5
_NAME_KEY = tokenize("Name")
# a listed key and value joined by a dash or a leader of dots instead of a colon
_DASHED = re.compile(r"^\s*(?:[-*•·▪]\s+)?([^\W\d_][^—–:\n]{0,40}?)\s*(?:\s[—–-]{1,2}\s|\.{3,}|…+)\s*(\S.{0,60})$")
_TITLED = re.compile(r"(Dr|Prof|Professor|Mr|Mrs|Ms|Mx)\.?\s+[A-Z]")  # "Instructor: Prof. Lena Ortiz"
# a head noun a question leaves out: "when is the midterm?" asks for the key "Midterm exam"
_ELIDED = frozenset(t for w in ("exam", "exams", "examination") for t in tokenize(w))

_WHERE = re.compile(r"\bwhere\b|\b(what|which) (room|building|hall)\b", re.IGNORECASE)
_EMAIL_Q = re.compile(r"\be-?mail\b", re.IGNORECASE)
_PHONE_Q = re.compile(r"\b(tele)?phone\b", re.IGNORECASE)
# what a question word asks for, as the keys of listed facts name it
_WH_KEYS = (
    (re.compile(r"\bwho(m|se)?\b", re.IGNORECASE), "name names"),
    (re.compile(r"\bwhen\b|\bwhat time\b|\bwhich days?\b|\bwhat days?\b", re.IGNORECASE),
     "date dates time times day days hours schedule deadline meet meets meeting held"),
    (_WHERE, "location place room classroom office building venue address meet meets meeting held"),
    (_EMAIL_Q, "email mail address"),
    (_PHONE_Q, "phone telephone number"),
    (re.compile(r"\bwhat is (the|this) [\w\s'-]{1,30} about\b", re.IGNORECASE), "description overview summary"),
    (re.compile(r"\bhow much\b|\bworth\b|\bpercent(age)?\b|\bweigh(t|ted)?\b|\bcount\b|\bshare\b", re.IGNORECASE),
     "weight weights percentage percent share points worth count counts cost price fee"),
)
_WEEKDAY = (r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|Mon|Tue|Tues|Wed|Thu|Thurs|Fri|Sat|Sun|"
            r"Mondays|Tuesdays|Wednesdays|Thursdays|Fridays|Saturdays|Sundays")
_WHEN_VALUE = re.compile(rf"\b({_WEEKDAY}|weekly|daily|week|weeks|semester|term)\b|\b\d{{1,2}}[:.h]\d{{2}}\b|"
                         r"\b\d{1,2}\s?(am|pm|a\.m\.|p\.m\.)|" + DATE_FORM.pattern, re.IGNORECASE)
_TIME_WORDS = re.compile(rf"^({_WEEKDAY}|and|or|to|from|by|appointment|am|pm|noon|midnight|"
                         r"January|February|March|April|May|June|July|August|September|October|November|December)$",
                         re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_PAREN = re.compile(r"\s*\([^)]*\)")
_HEAD_BEFORE = re.compile(r"\s+(of|in|for|on|at|with|to|by|from)\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Field:
    index: int          # the candidate's index in the reading
    recall: float       # share of the question's term weight its key, headings and value hold


def _terms(text: str) -> list[str]:
    return [t for t in tokenize(text) if len(t) > 1]


def _initials(text: str) -> str:
    words = [w for w in re.findall(r"[^\W\d_]+", text) if w.casefold() not in STOPWORDS]
    return "".join(w[0] for w in words).casefold() if len(words) >= 2 else ""


def _held(term: str, have: set[str]) -> bool:
    """Whether a question's term is held by a text's terms (itself or a word that names it)."""
    return term in have or not synonyms(term).isdisjoint(have)


def _asked(word: str, asked: set[str]) -> bool:
    """Whether a key's word is asked for by the question's terms ("Instructor" by "teaches")."""
    return word in asked or any(word in synonyms(t) for t in asked)


def _head(text: str) -> str:
    """The head word of a short name: "Office hours" → hours, "Participation in discussion sections"
    → participation."""
    words = _terms(_HEAD_BEFORE.split(_PAREN.sub("", text))[0])
    return words[-1] if words else ""


def key_value(text: str, heading_path, headers, first_in_section: bool, term: str = "",
              title: str = "") -> tuple[str, str, str, bool] | None:
    """(key, value, context, listed) of a fact: ``listed`` for a table row, a label line or the
    definition of a term (``term``: the ``<dt>`` a line is the first line of), not for the first
    line of prose under a heading; None for any other line."""
    text = text.strip()
    heading = heading_path[-1] if heading_path else ""
    context = " \n".join([title, *heading_path, *headers])  # the page's title: what every line is about
    if term and first_in_section:
        return term, text, context, True  # "<dt>Last day to withdraw</dt><dd>November 6</dd>"
    if is_table_row(text):
        cells = row_cells(text)
        if len(cells) < 2 or is_header_row(text, headers):
            return None  # the header row itself
        return row_key(cells, headers), " ".join(cells[1:]), context, True
    dashed = _DASHED.match(text)
    if dashed and not _DIGIT.search(dashed.group(1)) and len(dashed.group(1).split()) <= 5 \
            and len(text.split()) <= 14 and not text.endswith("."):
        return dashed.group(1), dashed.group(2), context, True  # "- Final exam — 50%", "Homework ........ 20%"
    if is_label_line(text):
        parts = label_parts(text)
        if parts and not _DIGIT.search(parts[0]):
            return parts[0], parts[1], context, True
        return (heading, text, context, True) if heading else None  # "Dr. Imogen Farrow" under "Instructor"
    if first_in_section and heading:
        return heading, text, context, False  # "## Prerequisites" then "MATH 110 or placement into MATH 120."
    return None


def row_key(cells, headers) -> str:
    """A table row's key: its first cell, or for a numbered row ("| 3 | Jan 26–30 | Segregation |"
    under "| Week | Dates | Topic |") the first column's name and the number: "Week 3"."""
    first = cells[0]
    if re.fullmatch(r"\d{1,2}", first) and headers and headers[0].strip():
        return f"{headers[0].strip()} {first}"
    return first


def _key_asked(key: str, q_terms: set[str], wh_terms: set[str], q_caps: set[str]) -> str | None:
    """"all" when every word of the key is asked, "head" when only the head word of a long key is
    ("Participation in discussion sections"), else None."""
    if _initials(key) in q_caps:
        return "all"
    asked = q_terms | wh_terms
    words = _terms(_PAREN.sub("", key))
    words = [w for w in words if not w.isdigit()]
    if not words:
        return None
    if all(_asked(w, asked) or (w in _ELIDED and k) for k, w in enumerate(words)):
        return "all"
    if len(words) >= 3:
        head = _head(key)
        return "head" if head and _asked(head, asked) else None
    return None


def _value_fits(question: str, value: str, strict: bool = False) -> bool:
    """Whether a value has the shape the question word asks for: a date or a weekday for "when", a
    place for "where", a name for "who", a number for "how much" / "how many" / "worth". With
    ``strict``, only when the question asks for a shape and the value has it."""
    checks = []
    if re.search(r"\bwhen\b|\bwhat time\b", question, re.IGNORECASE):
        checks.append(bool(_WHEN_VALUE.search(value)))
    if _WHERE.search(question):
        words = [w for w in re.findall(r"[^\W\d_]{3,}", value) if w.casefold() not in STOPWORDS]
        checks.append(bool(words) and not all(_TIME_WORDS.match(w) for w in words))
    if re.search(r"\bwho\b", question, re.IGNORECASE):
        checks.append(bool(re.search(r"\b[A-Z][a-z]+", value)))
    if re.search(r"\bhow (much|many)\b|\bworth\b|\bpercent", question, re.IGNORECASE):
        checks.append(bool(_DIGIT.search(value)))
    if _EMAIL_Q.search(question):
        checks.append(bool(EMAIL_FORM.search(value)))
    if _PHONE_Q.search(question):
        checks.append(bool(PHONE_FORM.search(value)))
    return all(checks) and (bool(checks) or not strict)


def best_field(snap, question: str, focus: str | None, candidates, allowed: list[int], scores: np.ndarray,
               reader_choice: int, places: dict | None = None) -> Field | None:
    """The candidate (among ``allowed``) that is the field the question asks for, when one holds at
    least as much of the question as the reader's choice does; None otherwise. ``places``: the
    candidates' ``IndexSnapshot.structure`` when the caller has read it (else read here when a table
    row needs its column headers)."""
    lex = snap.lexical
    words = dict.fromkeys(_terms(focus or question))
    if not words:
        return None
    weight = {t: lex.idf_of(t) for t in words}
    total = sum(weight.values())
    q_terms = set(words)
    q_caps = {w.casefold() for w in re.findall(r"\b[A-Z]{2,6}\b", question)}
    numbers = numbered(question)
    wh_terms = {t for rx, keys in _WH_KEYS if rx.search(question) for t in _terms(keys)}
    # "what percentage ...", "how much is it worth": the question's attribute words, held by a key,
    # heading or column that names the attribute ("Weight")
    attribute = {t for t in q_terms if t in wh_terms}
    # column headers: only a table row's key needs them (one index query, only when there is a row)
    if places is None:
        rows = sorted({candidates[i].passage.passage_id for i in allowed if is_table_row(candidates[i].text)})
        places = snap.structure(rows) if rows else {}
    firsts: dict[int, int | None] = {}  # passage id → start of its first line under a heading
    # who a block of label lines is about: its bare name line ("Dr. Imogen Farrow") or its "Name:"
    # line, so that "Dr. Farrow's office" is the "Office:" line below her name
    subjects: dict[int, list[str]] = {}
    for c in candidates:
        text = c.text.strip()
        if is_label_line(text):
            label, value = label_parts(text) or ("", text)
            if not label or _terms(label) == _NAME_KEY or _TITLED.match(value):
                subjects.setdefault(c.passage.passage_id, []).append(f"{label} {value}")  # "Instructor: Dr. ..."

    core_terms = [t for t in weight if t not in attribute]

    def recall(have: set[str], caps: set[str], value: str, among=None) -> float:
        # the attribute asked ("worth", "percentage") is held by a column that names it ("Weight") or
        # by a value of its shape ("50%" for "how much is it worth?")
        named = not wh_terms.isdisjoint(have) or (bool(attribute) and _value_fits(question, value, strict=True))
        terms = weight if among is None else among
        held = sum(weight[t] for t in terms if _held(t, have) or t in caps or (named and t in attribute))
        return held / sum(weight[t] for t in terms)

    found: list[tuple] = []  # (recall, listed, key named, heading named, reader score, index)
    key_value_key: dict[int, str] = {}
    for i in allowed:
        c = candidates[i]
        p = c.passage
        headers = places.get(p.passage_id, ([], "", []))[2]
        # an FAQ entry whose "question" is a term (a <dt>, no question mark) defines that term
        term = p.faq_question if p.faq_question and not is_question(p.faq_question) else ""
        if p.passage_id not in firsts:
            firsts[p.passage_id] = _first_under_heading(snap, p.passage_id)
        kv = key_value(c.text, p.heading_path, headers, firsts[p.passage_id] == c.span.start, term, p.title or "")
        if kv is None:
            continue
        key, value, context, listed = kv
        match = _key_asked(key, q_terms, wh_terms, q_caps)
        if match is None or not _value_fits(question, value) or number_conflicts(numbers, key):
            continue  # ... or "Week 4" for "week 3"
        told = set(tokenize(value))
        if not told or told <= set(tokenize(key)) | q_terms:
            continue  # a value that only repeats its key or the question ("Instructor: Instructor") tells nothing
        subject = " ".join(subjects.get(p.passage_id, ())) if listed else ""
        have = set(_terms(f"{key}\n{value}\n{context}\n{subject}"))
        caps = {_initials(part) for part in (key, *p.heading_path)} & q_caps
        r = recall(have, caps, value)
        # what the question is about, besides the attribute it asks for: "the TA's" of "the TA's phone
        # number" must be held, whatever phone number the line gives
        core = recall(have, caps, value, among=core_terms) if core_terms else 1.0
        full = r > 1.0 - 1e-6 and core > 1.0 - 1e-6
        # A listed fact whose whole key is asked needs half of the question; one of whose long key only
        # the head word is asked ("Bachelor of Arts or Science" for a Bachelor of Nursing) needs all of
        # it, and so does the first line of prose under a heading whose words are all asked.
        if (full or min(r, core) >= _MIN_RECALL and match == "all") if listed else (match == "all" and full):
            # a tie goes to the section whose heading the question names ("who teaches": the
            # "Instructor" section, not "Teaching assistant"), then to the reader's order
            heading = _head(p.heading_path[-1]) if p.heading_path else ""
            # and before that, to a key the question's own words name ("Classroom" for "what room is the
            # class in?") over one only its question word asks for ("Office")
            named = _key_asked(key, q_terms, set(), q_caps) is not None
            found.append((r, listed, named, bool(heading) and _asked(heading, q_terms), float(scores[i]), i))
            key_value_key[i] = key
    if not found:
        return None
    top = max(found)
    r, listed, i = top[0], top[1], top[-1]
    same = [f for f in found if f[:4] == top[:4]]
    keys = {key_value_key[f[-1]].casefold() for f in same}
    if len(same) > 1 and len(keys) == 1:
        # the same key in two sections ("Office hours:" of the instructor and of the assistant) and a
        # question that names neither: the page's first, as a reader of the page would take it
        i = min((f[-1] for f in same), key=lambda j: candidates[j].span.start)
    if i != reader_choice:
        # the reader's own choice holds as much of the question: a listed fact still wins the tie (its
        # key names what is asked), and so does the first line of a section over a later line of it;
        # over a line of another section, it does not (its heading is broad)
        c = candidates[reader_choice]
        own = recall(set(_terms(" \n".join([c.text, c.passage.title or "", *c.passage.heading_path]))), set(), c.text)
        lead = tuple(candidates[i].passage.heading_path) == tuple(c.passage.heading_path)  # of the same section
        if own > r or (own >= r and not listed and not lead):
            return None
    return Field(i, r)


def _first_under_heading(snap, passage_id: int) -> int | None:
    """Where a passage's first content line starts, when a heading (or a <dt>) is right above it."""
    sents = snap.sentences_of(passage_id)
    for k, (row, span) in enumerate(sents):
        if snap.quotable(row):
            return span.start if k > 0 and not snap.quotable(sents[k - 1][0]) else None
    return None

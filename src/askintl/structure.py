"""Document → its structure: what each line is, the section it is in, the FAQ entry it answers.

Between loading and chunking. International offices publish FAQ pages (a question printed
above its answer), sections under headings, lists and tables. The chunker reads this so that
a passage never crosses an FAQ entry or a section, knows its heading path and its FAQ question,
and so that a heading, a title or a question is never quoted as an answer.

Where the structure comes from:
- HTML: the loader read it from the markup (``Document.blocks``: ``<h2>``, ``<dt>/<dd>``,
  ``<details>``, accordions, JSON-LD, ``<li>``, ``<tr>``).
- Text and Markdown: from the lines themselves (``text_blocks``): Markdown headings
  (``#``, and underlined ones), a line that ends in a question mark (``?``, ``？``, ``؟``) or
  starts with ``Q:`` / ``问：`` / ``س:`` / ``P:`` / ``В:``..., its answer's ``A:`` lines, list
  items, Markdown table rows (read with the header row), and a short line without final
  punctuation standing above a paragraph (a heading in plain text).

Every line of the text gets a role: "content" (may be quoted), "question", "heading", "title"
or "nav" (never quoted). Offsets are those of ``Document.text``: nothing here changes the text.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .records import Block, Document
from .text import CJK_CHAR, LIST_ITEM

STRUCTURE_VERSION = 4
CONTENT, QUESTION, HEADING, TITLE, NAV = "content", "question", "heading", "title", "nav"
NOT_CONTENT = frozenset({QUESTION, HEADING, TITLE, NAV})

QUESTION_END = re.compile(r"[?？؟]\s*[*_]*\s*$")
# "Q:", "Question 3:", "问：", "问题：", "س:", "سؤال:", "P:", "Pregunta:", "В:", "Вопрос:", "F:", "Frage:"
_Q_PREFIX = re.compile(r"^\s*(?:\*\*)?(?:Q|Question|Pregunta|P|F|Frage|В|Вопрос|问|问题|問|問題|س|سؤال)"
                       r"\s*\d*\s*[:：.]\s*\S", re.IGNORECASE)
_A_PREFIX = re.compile(r"^\s*(?:\*\*)?(?:A|Answer|Respuesta|R|Antwort|О|Ответ|答|答案|回答|ج|جواب|الجواب)"
                       r"\s*[:：.]\s*\S", re.IGNORECASE)
_MD_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_UNDERLINE = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_MD_ROW = re.compile(r"^\s*\|.*\|\s*$")
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_ITEM = LIST_ITEM
_END_PUNCT = re.compile(r"[.!?。！？؟;；:：…,，]\s*[\"'”’)\]」』]*\s*$")
_WORDS = re.compile(r"\w+", re.UNICODE)
_PLAIN_HEADING_WORDS = 12
_QUESTION_WORDS = 40  # a longer line that ends in "?" is prose, not an FAQ question
# "Home > International > About", "当前位置: 首页 > International", "You are here: Study » FAQ"
_CRUMB_SEP = re.compile(r"\s[>»›/|]\s|\s?[>»›]\s?")
_CRUMB_PREFIX = re.compile(r"^\s*(当前位置|您的位置|現在位置|you are here|vous êtes ici|sie sind hier|usted está aquí"
                           r"|está aquí|вы здесь|أنت هنا)\s*[:：]?", re.IGNORECASE)


def is_breadcrumb(line: str) -> bool:
    """A navigation trail ("Home > International > About"): page furniture, never content."""
    if _CRUMB_PREFIX.match(line):
        return True
    parts = [p for p in _CRUMB_SEP.split(line) if p.strip()]
    return len(parts) >= 3 and all(_words(p) <= 5 for p in parts) and not _END_PUNCT.search(line)


@dataclass(frozen=True)
class Line:
    """One non-empty line of a document, and what it is."""

    start: int
    end: int
    role: str                      # CONTENT, QUESTION, HEADING, TITLE or NAV
    group: int                     # passages never span two groups (a section, an FAQ entry)
    path: tuple[str, ...] = ()     # the headings above it, outermost first
    question: str = ""             # the FAQ question it answers (or is)
    headers: tuple[str, ...] = ()  # a table row's column headers


def _words(text: str) -> int:
    return len(_WORDS.findall(CJK_CHAR.sub(" x ", text)))


def is_question_text(text: str) -> bool:
    """A line that asks: it ends in a question mark, or starts with "Q:" (in several languages)."""
    return bool(QUESTION_END.search(text) or _Q_PREFIX.match(text))


def _asks(line: str) -> bool:
    """An FAQ question line: it asks, and it is not a long line of prose that ends in "?"."""
    return is_question_text(line) and _words(line) <= _QUESTION_WORDS


def _question_of(text: str) -> str:
    """An FAQ question as its entry's lines carry it: markup stripped, white space collapsed."""
    return re.sub(r"\s+", " ", _clean_heading(text))


def _clean_heading(text: str) -> str:
    m = _MD_HEADING.match(text)
    if m:
        text = m.group(2)
    return re.sub(r"\s+", " ", text.strip(" \t*_#")).strip()


def _cells(text: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in text.strip().strip("|").split("|"))


_CAPS_HEADING_WORDS = 8


def _is_caps_heading(line: str) -> bool:
    """A short line in capitals only, without end punctuation ("IMPORTANT DATES", "ГРАФИК ЗАНЯТИЙ")."""
    letters = [c for c in line if c.isalpha()]
    return (len(letters) >= 3 and all(c.isupper() for c in letters) and _words(line) <= _CAPS_HEADING_WORDS
            and not _END_PUNCT.search(line))


def text_blocks(text: str) -> tuple[Block, ...]:
    """The blocks of a text or Markdown document, one per non-empty line, read from the lines."""
    spans = list(_line_spans(text, 0, len(text)))  # each non-empty line, trimmed
    raw = [text[a:b] for a, b in spans]
    # blank line before each line (a plain-text heading stands apart from the paragraph above)
    blank_before = []
    for i, (a, _) in enumerate(spans):
        prev_end = spans[i - 1][1] if i else 0
        blank_before.append(i == 0 or text.count("\n", prev_end, a) >= 2)
    blocks: list[Block] = []
    headers: tuple[str, ...] = ()
    in_table = False
    for i, ((a, b), line) in enumerate(zip(spans, raw)):
        nxt = raw[i + 1] if i + 1 < len(raw) else ""
        md = _MD_HEADING.match(line)
        if md:
            blocks.append(Block(QUESTION if is_question_text(md.group(2)) else HEADING, a, b, level=len(md.group(1))))
            in_table = False
            continue
        if _MD_UNDERLINE.match(line) and blocks and i > 0 and not blank_before[i] \
                and blocks[-1].kind in ("paragraph", HEADING):
            prev = blocks.pop()  # "Title\n=====": the line above is a heading
            level = 1 if line.strip().startswith("=") else 2
            kind = QUESTION if is_question_text(raw[i - 1]) else HEADING
            blocks.append(Block(kind, prev.start, prev.end, level=level))
            blocks.append(Block(NAV, a, b))
            continue
        if _MD_ROW.match(line):
            if _MD_RULE.match(line):
                blocks.append(Block(NAV, a, b))
                if blocks and len(blocks) >= 2 and blocks[-2].kind == "row" and not blocks[-2].headers:
                    headers = _cells(text[blocks[-2].start:blocks[-2].end])
                continue
            if not in_table:
                headers = ()
            in_table = True
            blocks.append(Block("row", a, b, headers=headers))
            continue
        in_table = False
        if _MD_RULE.match(line) and set(line.strip()) <= set("-=*_ |:"):
            blocks.append(Block(NAV, a, b))  # a horizontal rule
            continue
        if is_breadcrumb(line):
            blocks.append(Block(NAV, a, b))
            continue
        if _A_PREFIX.match(line):
            blocks.append(Block("answer", a, b))
            continue
        if _asks(line):
            blocks.append(Block(QUESTION, a, b))
            continue
        item = _ITEM.match(line)
        if item:
            blocks.append(Block("item", a, b, level=1 + len(item.group(1).expandtabs(4)) // 2))
            continue
        if not blocks and _words(line) <= _PLAIN_HEADING_WORDS and not _END_PUNCT.search(line):
            blocks.append(Block(TITLE, a, b, level=1))  # the page's title line
            continue
        if blank_before[i] and nxt and _is_caps_heading(line):
            # "COURSE DETAILS", "LAB COORDINATOR": a short capitalised line standing apart heads the
            # lines under it, even when they are short label lines ("Name: Marcus Bell")
            blocks.append(Block(HEADING, a, b, level=2))
            continue
        if (_words(line) <= _PLAIN_HEADING_WORDS and not _END_PUNCT.search(line)
                and blank_before[i] and nxt and not _ITEM.match(nxt) and not _MD_ROW.match(nxt)
                and (_words(nxt) > _PLAIN_HEADING_WORDS or _END_PUNCT.search(nxt) or is_question_text(nxt))):
            # A short line standing apart above a paragraph (or a question): a heading. A run of
            # short lines is a list, not headings, and stays content.
            blocks.append(Block(HEADING, a, b, level=2))
            continue
        blocks.append(Block("paragraph", a, b))
    return tuple(blocks)


def blocks_of(doc: Document) -> tuple[Block, ...]:
    """The document's blocks: those its markup gave at load time, else read from its lines."""
    return doc.blocks if doc.blocks else text_blocks(doc.text)


def lines_of(doc: Document) -> list[Line]:
    """Every non-empty line of the document with its role, group, heading path and question."""
    text = doc.text
    blocks = blocks_of(doc)
    lines: list[Line] = []
    stack: list[tuple[int, str]] = []  # (level, heading) of the open sections
    group = 0
    question = ""
    title = (doc.title or "").strip().lower()
    for blk in blocks:
        kind = blk.kind
        btext = text[blk.start:blk.end]
        if kind in (HEADING, TITLE):
            level = blk.level or (1 if kind == TITLE else 2)
            heading = _clean_heading(btext)
            while stack and stack[-1][0] >= level:
                stack.pop()
            if kind == HEADING and heading and heading.lower() != title:
                stack.append((level, heading))
            group += 1
            question = ""
            role = TITLE if kind == TITLE or (heading.lower() == title and not lines) else HEADING
            for a, b in _line_spans(text, blk.start, blk.end):
                lines.append(Line(a, b, role, group, _path(stack), ""))
            continue
        if kind == QUESTION:
            level = blk.level or 99
            if level < 99:  # a question as a heading: it closes deeper sections
                while stack and stack[-1][0] >= level:
                    stack.pop()
            group += 1
            question = _question_of(btext)
            for a, b in _line_spans(text, blk.start, blk.end):
                lines.append(Line(a, b, QUESTION, group, _path(stack), question))
            continue
        role = NAV if kind == NAV else CONTENT
        for a, b in _line_spans(text, blk.start, blk.end):
            line = text[a:b]
            if kind == "paragraph" and _asks(line):
                # A paragraph line that asks, in markup that does not say so
                # ("<p><strong>Can I work?</strong><br>Yes, ...</p>", "<p>Q: ...</p>"): an FAQ
                # question, as the same line in a text file is (text_blocks).
                group += 1
                question = _question_of(line)
                lines.append(Line(a, b, QUESTION, group, _path(stack), question))
                continue
            lines.append(Line(a, b, role, group, _path(stack), question, blk.headers))
    return lines


def _path(stack: list[tuple[int, str]]) -> tuple[str, ...]:
    return tuple(h for _, h in stack)


def _line_spans(text: str, start: int, end: int):
    for m in re.finditer(r"[^\n]+", text[start:end]):
        a, b = start + m.start(), start + m.end()
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            yield a, b


def context_of(heading_path, question: str = "", headers=(), text: str = "") -> str:
    """What a passage's place in its document adds to its own text for matching it: its
    heading path, its FAQ question when the passage does not hold it (a later part of a long
    answer), a table row's column headers. "" when there is nothing."""
    parts = []
    if heading_path:
        parts.append(" › ".join(heading_path) + ".")
    if question and question not in text:
        parts.append(question)
    if headers:
        parts.append(" | ".join(headers) + ":")
    return " ".join(parts) + " " if parts else ""


# "Email: x@y.edu", "- Textbook: Chemistry, 15th edition", "授课教师：张三": a short label, then its value
_LABEL_LINE = re.compile(r"^\s*(?:[-*•·▪]\s*)?([^\s:：][^:：\n]{0,40}?)\s*[:：]\s*\S")
_SENTENCE_END = re.compile(r"[.!?。！？؟]\s*[\"'”’)\]」』]*\s*$")
_LABEL_WORDS = 4
_LABEL_LINE_WORDS = 14
_FRAGMENT_WORDS = 8


def label_context(text: str, heading_path) -> str:
    """The section heading a short label line needs to mean anything, else "".

    Syllabi and contact blocks list facts as lines under a heading: "Email: x@y.edu" or
    "Dr. Elena Marquez" under "Instructor", "Credits: 4" under "Course information". Alone such
    a line says whose e-mail it is to nobody; its innermost heading does. A line of prose (a
    sentence ending in a full stop, longer than a label line) does not get it: there the
    heading would only make every sentence of a section look alike.
    """
    if not heading_path:
        return ""
    heading = heading_path[-1]
    if not heading or heading.lower() in text.lower() or not is_label_line(text):
        return ""
    return heading


# an HTML table row as the loader writes its cells: "Credits | 3"
_CELLS_ROW = re.compile(r"^[^|\n]+( \| [^|\n]+)+$")


def row_cells(text: str) -> tuple[str, ...]:
    """A table row's non-empty cells, stripped ("| Final exam | 25% |" → ("Final exam", "25%"))."""
    return tuple(c for c in _cells(text) if c)


def is_header_row(text: str, headers) -> bool:
    """Whether a row is its table's header row (its cells are the column headers): it names columns."""
    wanted = [h.strip().casefold() for h in headers if h.strip()]
    return bool(wanted) and is_table_row(text) and [c.casefold() for c in row_cells(text)] == wanted


@lru_cache(maxsize=65536)
def is_table_row(text: str) -> bool:
    """A table row as the loaders write it: Markdown ("| Final exam | 25% |") or HTML cells
    ("Credits | 3")."""
    return bool(_MD_ROW.match(text) or _CELLS_ROW.match(text))


def label_parts(text: str) -> tuple[str, str] | None:
    """(label, value) of a "Label: value" line ("**Office:** Room 3.14" → "**Office", "Room 3.14"),
    or None."""
    m = _LABEL_LINE.match(text)
    return (m.group(1), text[m.end(1):].lstrip(" :：\t*_")) if m else None


@lru_cache(maxsize=65536)
def is_label_line(text: str) -> bool:
    """A short "Label: value" line ("Credits: 4", "- Textbook: ...") or a short fragment without
    a full stop ("Dr. Elena Marquez", "Harmon Hall, Room 214"): a fact listed, not prose."""
    words = _words(text)
    if words > _LABEL_LINE_WORDS or "|" in text or text.rstrip().endswith((":", "：")):
        return False  # a table row (its column headers are its context) or a lead-in to a list
    m = _LABEL_LINE.match(text)
    return bool((m and _words(m.group(1)) <= _LABEL_WORDS) or (words <= _FRAGMENT_WORDS and not _SENTENCE_END.search(text)))

"""Document → passages on sentence boundaries, each an exact span of the document text.

Sentences end at . ! ? (followed by space) and at the CJK marks 。！？；, and never cross a
line break. Scraped pages often lose the space after a period ("enterprises.Eight teachers"):
a period between a lowercase word and a capitalized one ends a sentence too. Lines are
blocks; a short block (a heading, "Overview") joins the passage that follows it. A block
longer than ``max_words`` is cut into near-equal passages of whole sentences; a single
sentence longer than that is cut between words.
"""
from __future__ import annotations

import math
import re

from .records import Chunk, Document, Span
from .structure import CONTENT, Line, lines_of
from .text import count_words

__all__ = ["CHUNKER_VERSION", "chunk_document", "count_words", "split_sentences"]

CHUNKER_VERSION = 5

# Candidate sentence ends: Latin punctuation + closing quotes/brackets + whitespace, or a CJK end mark.
_LOWER, _UPPER = "a-zß-öø-ÿа-яё", "A-ZÀ-ÖØ-ÞА-ЯЁ"
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|[。！？；!?]+[”’」』）)]*"
                  rf"|(?<=[{_LOWER}]{{2}})[.!?]+(?=[{_UPPER}][{_LOWER}])")
_ABBREV = frozenset(
    "mr mrs ms dr prof st co no vs e.g i.e u.s u.k p.r jr sr dept univ fig approx est "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
_WORD = re.compile(r"\S+")
_NEXT_WORD = re.compile(r"\s+(\S)")


def _is_false_end(text: str, end: int) -> bool:
    """True when the period at text[end-1] does not end a sentence (abbreviation, initial)."""
    if text[end - 1] != ".":
        return False
    start = end - 1
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    word = text[start:end - 1].strip("(\"'“‘").lower()
    if word in _ABBREV or (len(word) == 1 and word.isalpha()):
        return True
    # Lowercase next word: "approx. five", "Co., Ltd. and" are not sentence ends.
    nxt = _NEXT_WORD.match(text, end)  # match in place: slicing text[end:] made chunking quadratic
    return bool(nxt and nxt.group(1).islower())


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of ``text[start:end]``, trimmed of surrounding white space."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        ls, le = start + line.start(), start + line.end()
        cur = ls
        for m in _END.finditer(text, ls, le):
            stop = m.end()
            if _is_false_end(text, m.start() + len(m.group().rstrip("\"'”’)]"))):
                continue
            spans.append(Span(cur, stop))
            cur = stop
        spans.append(Span(cur, le))
    out = []
    for s in spans:
        a, b = s.start, s.end
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append(Span(a, b))
    return out


def _split_long(text: str, span: Span, max_words: int) -> list[Span]:
    """Cut one over-long sentence between words into pieces of at most ``max_words``."""
    words = [(span.start + m.start(), span.start + m.end()) for m in _WORD.finditer(text[span.start:span.end])]
    if count_words(text[span.start:span.end]) <= max_words or len(words) <= 1:
        return [span]
    n = math.ceil(count_words(text[span.start:span.end]) / max_words)
    per = math.ceil(len(words) / n)
    pieces = []
    for i in range(0, len(words), per):
        group = words[i:i + per]
        pieces.append(Span(group[0][0], group[-1][1]))
    # A piece can still be too long for CJK text without spaces: cut it by characters.
    out = []
    for p in pieces:
        if count_words(text[p.start:p.end]) <= max_words:
            out.append(p)
            continue
        step = max_words
        for a in range(p.start, p.end, step):
            out.append(Span(a, min(p.end, a + step)))
    return out


def _pack(sentences: list[tuple[Span, int]], max_words: int) -> list[list[tuple[Span, int]]]:
    """Group consecutive sentences into near-equal passages of at most ``max_words``."""
    total = sum(w for _, w in sentences)
    if total <= max_words:
        return [sentences]
    target = total / math.ceil(total / max_words)
    groups: list[list[tuple[Span, int]]] = [[]]
    words = 0
    for sent, w in sentences:
        if groups[-1] and (words + w > max_words or words >= target or
                           (words + w / 2 > target)):
            groups.append([])
            words = 0
        groups[-1].append((sent, w))
        words += w
    return groups


def chunk_document(doc: Document, max_words: int = 120, min_block_words: int = 12) -> list[Chunk]:
    """The passages of a document, following its structure (``structure.lines_of``).

    A passage never spans two groups (a section under its heading, an FAQ entry). Inside a
    group, each line is a block; a short line (a heading, a question, a list item) joins the
    block below it, and a block longer than ``max_words`` is cut into near-equal passages.
    Headings, titles and FAQ questions stay in the passage text (they are its context and are
    matched) but are listed in ``Chunk.not_content``: they are never quoted.
    """
    lines = lines_of(doc)
    chunks: list[Chunk] = []
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and lines[j].group == lines[i].group:
            j += 1
        chunks.extend(_chunk_group(doc, lines[i:j], max_words, min_block_words))
        i = j
    content = [c for c in chunks if len(c.not_content) < len(c.sentences)]
    # A passage with nothing to quote (a heading alone, a question without an answer) is dropped,
    # unless the document has nothing else.
    return content or chunks


def _chunk_group(doc: Document, lines: list[Line], max_words: int, min_block_words: int) -> list[Chunk]:
    text = doc.text
    Sent = tuple  # (Span, words, quotable)
    blocks: list[list[Sent]] = []
    pending: list[Sent] = []  # short lines (headings, the question) waiting to join the next block

    for line in lines:
        sents: list[Sent] = []
        for s in split_sentences(text, line.start, line.end):
            for piece in _split_long(text, s, max_words):
                sents.append((piece, count_words(text[piece.start:piece.end]), line.role == CONTENT))
        if not sents:
            continue
        words = sum(w for _, w, _ in sents)
        is_heading = len(sents) == 1 and words < 25 and not re.search(
            r"[.!?。！？：:]$", text[sents[0][0].start:sents[0][0].end])
        if line.role != CONTENT or words < min_block_words or is_heading:
            pending.extend(sents)
            continue
        blocks.append(pending + sents)
        pending = []
    if pending:  # short lines with no block after them join the previous block when they fit
        if blocks and sum(w for _, w, _ in blocks[-1]) + sum(w for _, w, _ in pending) <= max_words:
            blocks[-1].extend(pending)
        else:
            blocks.append(pending)
    first = lines[0]
    question = next((ln.question for ln in lines if ln.question), "")
    headers = next((ln.headers for ln in lines if ln.headers), ())
    chunks = []
    for block in blocks:
        for group in _pack([(s, w) for s, w, _ in block], max_words):
            start, end = group[0][0].start, group[-1][0].end
            quotable = {s.start: q for s, _, q in block}
            not_content = tuple(k for k, (s, _) in enumerate(group) if not quotable[s.start])
            chunks.append(Chunk(doc.doc_id, start, end, text[start:end], tuple(s for s, _ in group),
                                heading_path=first.path, question=question, headers=headers,
                                not_content=not_content))
    return chunks

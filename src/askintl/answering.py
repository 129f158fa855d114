"""From retrieved passages to an extractive answer: the best sentence(s), quoted exactly.

No generative model is involved: every answer is a span of a source document. The learned
reader (``reader.py``) ranks the sentences of the top passages and says how likely the best
one is to answer the question; this module turns that sentence into a quote (its best
clauses when it is over-long, with the next sentence when it is too short to stand alone)
and hands the engine the confidence it abstains on.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .text import LIST_MARKER, count_words
from .crossencoder import rerank  # cross-encoder (English)
from .facets import asked, conflicts, covered, number_conflicts, numbered
from .fields import best_field, row_key
from .lang import REQUIRED_FORM, answer_type, guess_language, matches_answer_type, question_kinds, strict_evidence
from .lexical import tokenize
from .reader import READ_PASSAGES, Candidate, Reading, ReaderModel, gather, is_question, load_reader
from .records import Answer, Passage, Span
from .structure import is_header_row, is_label_line, is_table_row, row_cells
from .retriever import Retrieval
from .index import IndexSnapshot

EVIDENCE_DEPTH = READ_PASSAGES  # passages the reader reads, whatever top_k shows
FIELD_CONFIDENCE = 0.5     # at least this for a listed fact whose key and headings hold all of the question
MAX_ANSWER_WORDS = 45
WINDOW_WORDS = 35          # an over-long sentence is cut to its best clauses, this many words at most
MIN_SENTENCE_WORDS = 8     # a shorter best sentence takes the next one along

_CLAUSE = re.compile(r"[,;:，；：]\s*")
_ITEM = re.compile(rf"^{LIST_MARKER}\s")


@dataclass
class Evidence:
    answer: Answer | None
    confidence: float          # P(the quote answers the question), from the reader
    reading: Reading


def _overlap(q_terms: dict[str, float], text: str) -> float:
    if not q_terms:
        return 0.0
    have = set(tokenize(text))
    total = sum(q_terms.values())
    return sum(w for t, w in q_terms.items() if t in have) / total


def _query_terms(snap: IndexSnapshot, question: str) -> dict[str, float]:
    lex = snap.lexical
    terms = dict.fromkeys(tokenize(question))
    return {t: lex.idf_of(t) for t in terms}


def _trim(text: str, span: Span) -> Span:
    a, b = span.start, span.end
    while a < b and (text[a].isspace() or text[a] in ",;:"):
        a += 1
    while b > a and (text[b - 1].isspace() or text[b - 1] in ",;:，；："):
        b -= 1
    return Span(a, b)


def _best_window(doc_text: str, span: Span, q_terms: dict[str, float], kind: str | None) -> Span:
    """Cut an over-long sentence to its best run of clauses (at most WINDOW_WORDS, or one
    clause of at most MAX_ANSWER_WORDS)."""
    sentence = doc_text[span.start:span.end]
    # Cut after clause punctuation, except inside names such as "AVIC Co., Ltd.".
    inner = [m.end() for m in _CLAUSE.finditer(sentence)
             if not re.search(r"\b(Co|Inc|Corp|Ltd|St|Dr|No)\.$", sentence[:m.start()])]
    cuts = [span.start] + [span.start + i for i in inner] + [span.end]
    pieces = [Span(cuts[i], cuts[i + 1]) for i in range(len(cuts) - 1) if cuts[i + 1] > cuts[i]]
    best, best_score = span, -1.0
    for i in range(len(pieces)):
        for j in range(i, len(pieces)):
            cand = Span(pieces[i].start, pieces[j].end)
            text = doc_text[cand.start:cand.end]
            n = count_words(text)
            # A single clause may run past the window, up to the answer limit: skipping it
            # would leave only its neighbours, which hold less of what was asked.
            if n > WINDOW_WORDS and (j > i or n > MAX_ANSWER_WORDS):
                break
            score = _overlap(q_terms, text) + (0.3 if matches_answer_type(kind, text) else 0.0) + 0.001 * n
            if score > best_score:
                best, best_score = cand, score
    return _trim(doc_text, best) if best_score >= 0 else span


def shape_quote(snap: IndexSnapshot, question: str, cand: Candidate, focus: str | None = None) -> Span:
    """The quote for a chosen sentence: itself, its best clauses when over-long, with the next
    sentence when too short to stand alone, or with what it introduces when it ends in a colon
    ("There are two deadlines:" and the list below it) (document coordinates)."""
    p, span = cand.passage, cand.span
    words = count_words(cand.text)
    if words > MAX_ANSWER_WORDS:
        return _best_window_in_passage(p, span, _query_terms(snap, focus or question), answer_type(question))
    sents = snap.sentences_of(p.passage_id)
    k = next((i for i, (_, s) in enumerate(sents) if s.start == span.start), None)
    if k is None:
        return span
    lead_in = cand.text.rstrip().endswith((":", "："))
    if words >= MIN_SENTENCE_WORDS and not lead_in:
        return span
    if not lead_in and (is_label_line(cand.text) or is_table_row(cand.text)) and _whole_line(snap, p, span):
        return span  # "Credits: 4", "| Final exam | 25% |", "Credits | 3": a line of its own stands alone
    end = span.end
    marked = None  # does the list below a lead-in mark its items ("- ", "1.")? Then it ends with them.
    for row, nxt in sents[k + 1:]:
        text = p.text[nxt.start - p.start:nxt.end - p.start]
        if not snap.quotable(row) or is_question(text) \
                or count_words(p.text[span.start - p.start:nxt.end - p.start]) > MAX_ANSWER_WORDS:
            break
        line_start = nxt.start == 0 or p.text[nxt.start - p.start - 1:nxt.start - p.start] in ("\n", "")
        item = bool(_ITEM.match(text)) and line_start
        if lead_in:
            marked = item if marked is None else marked
            if marked and not item and line_start:
                break
        end = nxt.end
        if not lead_in:
            break  # a short sentence takes one more along
    return Span(span.start, end)


def _line_around(text: str, a: int, b: int) -> tuple[int, int]:
    """``text[a:b]`` widened over the spaces and tabs beside it."""
    while a > 0 and text[a - 1] in " \t":
        a -= 1
    while b < len(text) and text[b] in " \t":
        b += 1
    return a, b


def _whole_line(snap: IndexSnapshot, p: Passage, span: Span) -> bool:
    """The span is a line of its own in its document. Read in its passage; the document's text is
    fetched only when the span reaches an edge of the passage."""
    text = p.text
    a, b = _line_around(text, span.start - p.start, span.end - p.start)
    if (a > 0 and text[a - 1] != "\n") or (b < len(text) and text[b] != "\n"):
        return False
    if a > 0 and b < len(text):
        return True
    doc = snap.document_text(p.doc_id)
    a, b = _line_around(doc, span.start, span.end)
    return (a == 0 or doc[a - 1] == "\n") and (b == len(doc) or doc[b] == "\n")


def faq_answer(snap: IndexSnapshot, query_vector: np.ndarray, cand: Candidate) -> Span | None:
    """The answer block of the FAQ entry the question matched, when the chosen sentence answers
    an FAQ question and that question is what the user asked (its cosine with the question is
    at least that of every sentence of its answer): the answer's sentences from the first, as
    many as fit in MAX_ANSWER_WORDS and at least up to the chosen one. None otherwise."""
    p = cand.passage
    if not p.faq_question:
        return None
    sents = snap.sentences_of(p.passage_id)
    asked = [row for row, _ in sents if not snap.quotable(row)]
    content = [(row, sp) for row, sp in sents if snap.quotable(row)]
    if not asked or not content:
        return None  # a later part of a long answer: its question is in the passage before
    vecs = snap.sentence_vectors
    q_cos = max(float(np.asarray(vecs[r], dtype=np.float32) @ query_vector) for r in asked)
    best = max(float(np.asarray(vecs[r], dtype=np.float32) @ query_vector) for r, _ in content)
    if q_cos < best:
        return None
    start = content[0][1].start
    end = None
    for row, sp in sents:
        if sp.start < start:
            continue
        # A quote is one run of content: it stops before a table's rule line or another
        # non-content line, and at the answer limit.
        if not snap.quotable(row) or count_words(p.text[start - p.start:sp.end - p.start]) > MAX_ANSWER_WORDS:
            break
        end = sp.end
    if end is None or end < cand.span.end:
        return None  # the block's first sentence alone, or up to the chosen one, is too long
    return Span(start, end)


def select_answer(snap: IndexSnapshot, question: str, retrieval: Retrieval, focus: str | None = None,
                  answer_from: int = READ_PASSAGES, reader: ReaderModel | None = None,
                  use_cross_encoder: bool = True, language: str | None = None) -> Evidence:
    """Choose the quote among the sentences of the top passages, and how sure it is.

    ``question`` is what the user asked (its language and the kind of answer it wants;
    ``language``: ``guess_language(question)`` when the caller already has it, else guessed once here);
    ``focus`` the words a quote should contain, when they differ from the question (the
    question without institution names, and without the context a follow-up brought in).
    The quote comes from the first ``answer_from`` passages (those shown to the user).
    """
    reader = reader or load_reader()
    language = guess_language(question) if language is None else language
    reading = gather(snap, question, retrieval, focus=focus, language=language)
    if not reading.candidates:
        return Evidence(None, 0.0, reading)
    scores = reader.rank(reading)
    # >>> cross-encoder (English questions): re-orders the reader's top candidates (crossencoder.py)
    cross = rerank(snap, question, reading, scores, language=language) if use_cross_encoder else None
    key = cross.key if cross is not None else scores
    # <<< cross-encoder
    allowed = [i for i, c in enumerate(reading.candidates) if c.passage_rank < max(1, answer_from)]
    facets, numbers = asked(question), numbered(question)
    has_rows = any(is_table_row(reading.candidates[i].text) for i in allowed)
    # headings, FAQ questions and column headers of the candidates' passages: one index read, only
    # when a table row or a sibling check needs them
    places = snap.structure(sorted({reading.candidates[i].passage.passage_id for i in allowed})) \
        if has_rows or facets or numbers else {}
    if has_rows:  # a table's header row ("| Week | Dates | Topic |") names columns: it answers nothing
        allowed = [i for i in allowed if not is_header_row(reading.candidates[i].text, _headers(reading.candidates[i], places))]
    if not allowed:
        return Evidence(None, 0.0, reading)
    if retrieval.institution_docs:
        # The question names its institution: another institution's sentence never answers it
        # (Northmere's work-hours rule is not Qinglan's). None of theirs: not in the sources.
        allowed = [i for i in allowed
                   if snap.doc_index[reading.candidates[i].passage.doc_id] in retrieval.institution_docs]
        if not allowed:
            return Evidence(None, 0.0, reading)
    strict = strict_evidence(question)
    if strict is not None:  # an e-mail, a phone number, an address, an amount: quote one that has it
        kind, form = strict
        having = [i for i in allowed if form.search(_quoted(snap, question, reading.candidates[i], focus))]
        if not having and kind in REQUIRED_FORM:
            return Evidence(None, 0.0, reading)  # no amount, no e-mail in the sources: not answered here
        allowed = having or allowed
    if facets or numbers:
        # The question names a degree level, an intake, a test or a numbered one of several ("midterm
        # 2", "the second midterm"): a sentence about a sibling of it (master's fees for a PhD
        # question, the line of Midterm 1) never answers it; none but siblings: not in the sources.
        contexts = {i: _context(reading.candidates[i], places) for i in allowed}
        allowed = [i for i in allowed
                   if not conflicts(facets, contexts[i]) and not number_conflicts(numbers, contexts[i])]
        if not allowed:
            return Evidence(None, 0.0, reading)
        if facets and (strict is not None or question_kinds(question) & _VALUE_KINDS):
            # The question asks for a value (a fee, a date, a number) for one level, intake or test,
            # and the page names others of that facet but never the one asked: its values are
            # the others' (the PhD fee is not on a page of bachelor's and master's fees). Not so for
            # numbers: on held-out training questions, "the first album" of a page that says "debut
            # album" and numbers the later ones lost more answers than it stopped wrong ones.
            silent = {d for d in {reading.candidates[i].passage.doc_id for i in allowed} if _silent_on(snap, d, facets)}
            allowed = [i for i in allowed if reading.candidates[i].passage.doc_id not in silent]
            if not allowed:
                return Evidence(None, 0.0, reading)
    best = max(allowed, key=lambda i: key[i])  # cross-encoder: key (was scores)
    # A listed fact whose key names what is asked ("Office: ..." under "Instructor" for "where is the
    # instructor's office?") is quoted rather than a line that only shares its words (fields.py).
    field = best_field(snap, question, focus, reading.candidates, allowed, scores, best, places=places)
    if field is not None:
        best = field.index
    if best != int(np.argmax(scores)):
        # The best sentence is in a passage the user was not shown, or lacks the form asked for:
        # judge the one we quote.
        order = np.argsort(-scores)
        scores = scores.copy()
        scores[best] = scores[order[0]] + 1e-3
        reading.scores = scores
    confidence = reader.probability(reading)
    # >>> cross-encoder: the reader's probability and the quote's cross-encoder logit, joined
    if cross is not None:
        confidence = cross.confidence(reading, best, confidence)
    # <<< cross-encoder
    if field is not None:
        # The reader was trained on prose and reads a listed fact's few words as weak evidence: a
        # key that names the question answers it (all of it: a medium confidence; most of it: low).
        floor = FIELD_CONFIDENCE if field.recall > 1.0 - 1e-6 else reader.threshold_for(reading)
        confidence = max(confidence, floor)
    cand = reading.candidates[best]
    span = faq_answer(snap, retrieval.query_vector, cand) or shape_quote(snap, question, cand, focus)
    p = cand.passage
    answer = Answer(text=p.text[span.start - p.start:span.end - p.start], doc_id=p.doc_id, start=span.start,
                    end=span.end, passage_index=cand.passage_rank, title=p.title, institution=p.institution,
                    score=round(float(scores[best]), 4))
    return Evidence(answer, confidence, reading)


def _quoted(snap: IndexSnapshot, question: str, cand: Candidate, focus: str | None) -> str:
    """What quoting a candidate would show: the sentence, or for a lead-in ending in a colon
    ("There are two application periods:") the sentence with the list it introduces."""
    if not cand.text.rstrip().endswith((":", "：")):
        return cand.text
    span = shape_quote(snap, question, cand, focus)
    return cand.passage.text[span.start - cand.passage.start:span.end - cand.passage.start]


_VALUE_KINDS = frozenset({"money", "number", "time", "duration"})
_DOC_FACETS: dict[tuple[str, str], dict[str, frozenset[str]]] = {}


def _silent_on(snap: IndexSnapshot, doc_id: str, facets: dict[str, frozenset[str]]) -> bool:
    """Whether the document names values of an asked facet, but none of the asked ones."""
    key = (snap.version, doc_id)
    said = _DOC_FACETS.get(key)
    if said is None:
        if len(_DOC_FACETS) > 4096:
            _DOC_FACETS.clear()
        said = _DOC_FACETS[key] = covered(snap.document_text(doc_id))
    return any(f in said and not (said[f] & values) for f, values in facets.items())


def _headers(cand: Candidate, places: dict[int, tuple[list[str], str, list[str]]]) -> list[str]:
    """The column headers of a candidate's table (``places``: IndexSnapshot.structure), or []."""
    return places.get(cand.passage.passage_id, ([], "", []))[2]


def _context(cand: Candidate, places: dict[int, tuple[list[str], str, list[str]]]) -> str:
    """A candidate sentence as a reader sees it: with the headings above it, the FAQ question it
    answers and, in a table, its column headers (``places``: IndexSnapshot.structure)."""
    p = cand.passage
    headers = _headers(cand, places)
    cells = row_cells(cand.text) if headers and is_table_row(cand.text) else ()
    key = row_key(cells, headers) if cells else ""
    return " \n".join([cand.text, key, *p.heading_path, p.faq_question or "", *headers])


def _best_window_in_passage(p: Passage, span: Span, q_terms, kind) -> Span:
    # Work in passage coordinates, then shift back: the passage text is the document's span.
    local = Span(span.start - p.start, span.end - p.start)
    w = _best_window(p.text, local, q_terms, kind)
    return Span(w.start + p.start, w.end + p.start)

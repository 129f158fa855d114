"""From retrieved passages to an extractive answer: the best sentence(s), quoted exactly.

No generative or extractive-QA model is involved: every answer is a span of a source
document, chosen among the sentences of the top passages by

    sentence score = cosine(question, sentence)
                     + w.overlap * idf-weighted share of the question's terms in it
                     + w.type    (it holds what the question asks for: a number, a date, a place)
                     + w.prior * (its passage's score - the best passage's score)

and trimmed to a sentence or two. Whether to answer at all is decided by a logistic model
over retrieval features, calibrated offline (see ``benchmarks/calibrate_abstention.py``).
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .chunking import count_words
from .lang import answer_type, guess_language, matches_answer_type
from .lexical import tokenize
from .records import Answer, Passage, Span
from .retriever import Retrieval
from .store import IndexSnapshot

@dataclass(frozen=True)
class SentenceWeights:
    """How a sentence's score is made (tuned with benchmarks/tune_answering.py)."""

    overlap: float = 0.12
    type: float = 0.03
    prior: float = 0.25


WEIGHTS = SentenceWeights()
SENTENCE_PASSAGES = 3      # sentences are looked for in this many top passages
EVIDENCE_DEPTH = 5         # passages the abstention features are computed on (as calibrated)
MAX_ANSWER_WORDS = 45
WINDOW_WORDS = 35          # an over-long sentence is cut to its best clauses, this many words at most
MIN_SENTENCE_WORDS = 8     # a shorter best sentence takes the next one along
MIN_QUOTE_WORDS = 2        # a one-word "sentence" (a file name, a heading) is never quoted

_CLAUSE = re.compile(r"[,;:，；：]\s*")


@dataclass
class Evidence:
    answer: Answer | None
    features: dict[str, float]


def _overlap(q_terms: dict[str, float], text: str) -> float:
    if not q_terms:
        return 0.0
    have = set(tokenize(text))
    total = sum(q_terms.values())
    return sum(w for t, w in q_terms.items() if t in have) / total


def _query_terms(snap: IndexSnapshot, question: str) -> dict[str, float]:
    lex = snap.lexical
    terms = dict.fromkeys(tokenize(question))
    return {t: float(lex.idf[lex.vocab[t]]) if t in lex.vocab else lex.max_idf for t in terms}


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


def select_answer(snap: IndexSnapshot, question: str, retrieval: Retrieval,
                  weights: SentenceWeights = WEIGHTS, focus: str | None = None,
                  answer_from: int = SENTENCE_PASSAGES) -> Evidence:
    """Choose the quote among the sentences of the top passages.

    ``question`` is what the user asked (its language and the kind of answer it wants);
    ``focus`` the words a quote should contain, when they differ from the question (the
    question without institution names, and without the context a follow-up brought in).
    The quote comes from the first ``answer_from`` passages (at most SENTENCE_PASSAGES);
    the evidence features always look at the first EVIDENCE_DEPTH, whatever is shown.
    """
    passages = retrieval.passages[:EVIDENCE_DEPTH]
    feats = {"dense_top": 0.0, "fused_top": 0.0, "sentence_top": 0.0, "coverage": retrieval.lexical.coverage,
             "overlap_sentence": 0.0, "overlap_passage": 0.0, "type_match": 0.0, "named_institution": 0.0,
             "same_language": 0.0, "coverage_same": 0.0, "overlap_sentence_same": 0.0, "overlap_passage_same": 0.0,
             "dense_margin": 0.0, "dense_top_same": 0.0, "sentence_top_same": 0.0}
    if not passages:
        return Evidence(None, feats)
    q_terms = _query_terms(snap, focus or retrieval.lexical_text or question)
    kind = answer_type(question)
    top = passages[0]
    feats["dense_top"] = max(p.dense for p in passages)
    feats["fused_top"] = top.score
    feats["overlap_passage"] = max(_overlap(q_terms, p.text) for p in passages[:SENTENCE_PASSAGES])
    feats["named_institution"] = 1.0 if retrieval.institutions else 0.0
    # Lexical evidence only means something when question and passage share a language:
    # an English question's words missing from the corpus say "not here"; a Chinese
    # question's words are always missing from English passages.
    top_lang = snap.documents[snap.doc_index[top.doc_id]].language
    feats["same_language"] = 1.0 if guess_language(question) == top_lang else 0.0
    best = None
    qv = retrieval.query_vector
    for rank, p in enumerate(passages[:max(1, min(SENTENCE_PASSAGES, answer_from))]):
        sents = snap.sentences_of(p.passage_id)
        if not sents:
            continue
        rows = [i for i, _ in sents]
        cos = np.asarray(snap.sentence_vectors[rows], dtype=np.float32) @ qv
        for (row, span), c in zip(sents, cos):
            text = p.text[span.start - p.start:span.end - p.start]
            if count_words(text) < MIN_QUOTE_WORDS:
                continue  # "2.jpg", "Overview": leftovers of the page, not an answer
            ov = _overlap(q_terms, text)
            typed = matches_answer_type(kind, text)
            score = float(c) + weights.overlap * ov + (weights.type if typed else 0.0) \
                + weights.prior * (p.score - top.score)
            if best is None or score > best[0]:
                best = (score, rank, span, float(c), ov, typed)
    if best is None:
        return Evidence(None, feats)
    score, rank, span, cos, ov, typed = best
    feats.update(sentence_top=cos, overlap_sentence=ov, type_match=1.0 if typed else 0.0)
    for name in ("coverage", "overlap_sentence", "overlap_passage"):
        feats[name + "_same"] = feats[name] * feats["same_language"]
    feats["dense_margin"] = feats["dense_top"] - float(np.mean([p.dense for p in passages]))
    feats["dense_top_same"] = feats["dense_top"] * feats["same_language"]
    feats["sentence_top_same"] = feats["sentence_top"] * feats["same_language"]
    p = passages[rank]
    doc_text_of = lambda s: p.text[s.start - p.start:s.end - p.start]  # noqa: E731 - spans inside p
    words = count_words(doc_text_of(span))
    if words > MAX_ANSWER_WORDS:
        span = _best_window_in_passage(p, span, q_terms, kind)
    elif words < MIN_SENTENCE_WORDS:
        sents = [s for _, s in snap.sentences_of(p.passage_id)]
        k = next((i for i, s in enumerate(sents) if s.start == span.start), None)
        if k is not None and k + 1 < len(sents):
            nxt = sents[k + 1]
            if count_words(p.text[span.start - p.start:nxt.end - p.start]) <= MAX_ANSWER_WORDS:
                span = Span(span.start, nxt.end)
    text = doc_text_of(span)
    answer = Answer(text=text, doc_id=p.doc_id, start=span.start, end=span.end, passage_index=rank,
                    title=p.title, institution=p.institution, score=round(score, 4))
    return Evidence(answer, feats)


def _best_window_in_passage(p: Passage, span: Span, q_terms, kind) -> Span:
    # Work in passage coordinates, then shift back: the passage text is the document's span.
    local = Span(span.start - p.start, span.end - p.start)
    w = _best_window(p.text, local, q_terms, kind)
    return Span(w.start + p.start, w.end + p.start)


# ---- abstention ----------------------------------------------------------------------------

@dataclass(frozen=True)
class AbstentionModel:
    """P(the top passages hold the answer), from a logistic model over evidence features.

    Questions in the passages' language and questions in another language get their own
    threshold: lexical evidence exists only for the first, so the same probability does
    not mean the same thing for both.
    """

    features: tuple[str, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float                 # same language
    threshold_cross: float           # another language
    source: str = ""

    def probability(self, feats: dict[str, float]) -> float:
        z = self.intercept + sum(c * feats.get(f, 0.0) for f, c in zip(self.features, self.coef))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def threshold_for(self, feats: dict[str, float]) -> float:
        return self.threshold if feats.get("same_language", 1.0) else self.threshold_cross


@lru_cache(maxsize=None)
def load_abstention_model(embedder_id: str) -> AbstentionModel:
    """The calibrated model for an embedder (or the default embedder's, when it has none)."""
    data = json.loads(resources.files("askintl").joinpath("data/abstention.json").read_text(encoding="utf-8"))
    entry = data["models"].get(embedder_id) or data["models"][data["default"]]
    return AbstentionModel(tuple(entry["features"]), tuple(entry["coef"]), float(entry["intercept"]),
                           float(entry["threshold"]), float(entry.get("threshold_cross", entry["threshold"])),
                           entry.get("source", ""))

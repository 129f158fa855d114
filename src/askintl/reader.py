"""The reader: which sentence of the retrieved passages answers the question, and whether any does.

Two small learned models over scalar, language-neutral features (trained by
``training/train_reader.py`` on ../shared/training; see ``data/reader/MODEL_CARD.md``):

- the **ranker** (LightGBM lambdarank) scores every sentence of the top passages. A sentence is
  described by how it relates to the question (its cosine, and that cosine relative to the
  other candidates; the share of the question's weighted and rarest terms it holds; question
  bigrams it repeats), by what it holds against what the question asks for (a number, a date,
  a duration, money, a place, a person, a contact), by its passage (retrieval score, rank,
  lexical score) and its neighbours, and by its shape (length, position, a question or a
  heading rather than content);
- the **answerability** model (LightGBM binary) reads the ranked list as a whole (the best and
  second-best sentence scores, their margin, the best sentence's own evidence, how much of
  the question the index knows, whether question and passages share a language) and gives
  P(the chosen quote answers the question): the answer's confidence, and the abstention
  decision against one threshold.

Every feature is computed here, by the same code at training and at serving time.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

from .text import count_words
from .lang import KINDS, guess_language, primary_language, question_kinds, sentence_kinds
from .lexical import acronyms, synonyms, tokenize
from .records import Passage, Span
from .structure import label_context
from .retriever import Retrieval
from .index import IndexSnapshot

READ_PASSAGES = 5          # sentences are candidates in this many top passages
MIN_QUOTE_WORDS = 2        # a one-word "sentence" (a file name, a heading) is never quoted
_QUESTION_END = re.compile(r"[?？؟]\s*$")


def is_question(text: str) -> bool:
    """A sentence that asks rather than tells (an FAQ entry's question, a rhetorical heading)."""
    return bool(_QUESTION_END.search(text))
_BULLET = re.compile(r"^\s*([-*•·▪–]|\d{1,2}[.)])\s")

SENTENCE_FEATURES = (
    "s_cos", "s_cos_gap", "s_cos_rank", "s_cos_z", "s_cos_passage_gap", "s_cos_bg",
    "ctx_cos", "p_dense", "p_dense_bg", "p_score_gap", "p_rank", "p_lex",
    "s_ov", "s_ov_gap", "s_ov_rare", "s_bigram", "s_ov_rank", "s_ov_plain", "s_missing",
    *(f"q_{k}" for k in KINDS), *(f"s_{k}" for k in KINDS), "kind_match",
    "s_words", "s_pos", "s_is_question", "s_no_end", "s_bullet",
    "same_lang", "coverage", "q_words", "n_cand",
    "s_gap_z", "s_pgap_z", "ctx_z", "p_dense_z",
)
# Features that do not move when every cosine is shifted or scaled, as a question in another
# language than the passages shifts and compresses them: the cross-language reader reads only these.
CROSS_SENTENCE_FEATURES = (
    "s_cos_rank", "s_cos_z", "s_gap_z", "s_pgap_z", "ctx_z", "p_dense_z", "p_rank",
    *(f"q_{k}" for k in KINDS), *(f"s_{k}" for k in KINDS), "kind_match",
    "s_words", "s_pos", "s_is_question", "s_no_end", "s_bullet", "q_words", "n_cand",
)
ANSWER_FEATURES = (
    "r_top", "r_second", "r_margin", "r_mean",
    "top_s_cos", "top_s_cos_gap", "top_s_ov", "top_s_ov_rare", "top_s_bigram", "top_kind_match", "top_p_rank",
    "top_p_dense", "top_p_lex", "top_s_cos_bg", "top_p_dense_bg", "dense_top", "dense_margin", "s_cos_max",
    "q_any_kind", "same_lang", "coverage", "q_words", "named_institution",
    "top_s_cos_z", "top_s_gap_z", "top_p_dense_z", "second_gap_z",
)
CROSS_ANSWER_FEATURES = (
    "r_top", "r_second", "r_margin", "r_mean", "top_kind_match", "top_p_rank", "q_any_kind", "q_words",
    "top_s_cos_z", "top_s_gap_z", "top_p_dense_z", "second_gap_z",
)


@dataclass
class Candidate:
    passage_rank: int
    passage: Passage
    span: Span       # document coordinates
    text: str


@dataclass
class Reading:
    """The candidates of one question, their features, and (once read) the ranker's scores."""

    candidates: list[Candidate]
    features: np.ndarray            # [n_candidates, len(SENTENCE_FEATURES)]
    context: dict[str, float]       # question-level values that the answerability model also reads
    scores: np.ndarray | None = None


def _terms(snap: IndexSnapshot, text: str) -> tuple[list[str], np.ndarray]:
    lex = snap.lexical
    terms = lex.query_terms(text)
    idf = np.array([lex.idf_of(t) for t in terms], dtype=np.float32)
    return terms, idf


_CENTROIDS: dict[str, np.ndarray] = {}
_CENTROID_ROWS = 50_000


def centroid(snap: IndexSnapshot) -> np.ndarray:
    """The mean sentence vector of an index version (of an even sample past 50k sentences).

    A question's cosine with it is its background: how close it is to anything in the corpus.
    A question in another language than the corpus sits lower against everything, so cosines
    taken relative to the background mean the same in every language.
    """
    key = str(snap.path)
    c = _CENTROIDS.get(key)
    if c is None:
        sv = snap.sentence_vectors
        step = max(1, len(sv) // _CENTROID_ROWS)
        c = np.asarray(sv[::step], dtype=np.float32).mean(axis=0) if len(sv) else np.zeros(sv.shape[1], np.float32)
        if len(_CENTROIDS) > 8:
            _CENTROIDS.clear()
        _CENTROIDS[key] = c
    return c


@lru_cache(maxsize=65536)
def _sentence_terms(text: str) -> tuple[list[str], frozenset[str]]:
    toks = tokenize(text)
    return toks, frozenset(toks)


@lru_cache(maxsize=65536)
def _sentence_acronyms(text: str) -> frozenset[str]:
    """The acronyms of the names a sentence writes out: a question's "CAS" matches "Confirmation of
    Acceptance for Studies"."""
    return frozenset(acronyms(text))


def _zscore(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-6 else np.zeros_like(x)


def _rank_desc(x: np.ndarray) -> np.ndarray:
    order = np.argsort(-x, kind="stable")
    rank = np.empty(len(x), dtype=np.float32)
    rank[order] = np.arange(len(x), dtype=np.float32)
    return rank


def gather(snap: IndexSnapshot, question: str, retrieval: Retrieval, focus: str | None = None,
           depth: int = READ_PASSAGES, language: str | None = None) -> Reading:
    """Every quotable sentence of the top ``depth`` passages, with its features.

    ``question`` is what the user asked (its language, the kind of answer it wants; ``language``:
    ``guess_language(question)`` when the caller already has it);
    ``focus`` the words a quote should contain when they differ from the question (without
    institution names, without the context a follow-up brought in).
    """
    passages = retrieval.passages[:depth]
    qv = retrieval.query_vector
    terms, idf = _terms(snap, focus or retrieval.lexical_text or question)
    total = float(idf.sum()) or 1.0
    rare = set(np.array(terms)[np.argsort(-idf)[:2]].tolist()) if terms else set()
    # a term is held by a sentence that names it another way ("undergrad": "bachelor's"; lexical.synonyms)
    alts = {t: synonyms(t) for t in terms}
    q_tokens = tokenize(focus or question)
    # the question's own short all-capital words ("CAS", "IELTS"), not acronyms made of its names
    asked_acronyms = frozenset(t for t in terms if t in q_tokens and re.search(rf"\b{re.escape(t.upper())}\b", question))
    q_bigrams = set(zip(q_tokens, q_tokens[1:]))
    q_kinds = question_kinds(question)
    q_lang = guess_language(question) if language is None else language
    bg = float(centroid(snap) @ qv)
    cands: list[Candidate] = []
    rows: list[dict[str, float]] = []
    cos_all: list[float] = []
    for rank, p in enumerate(passages):
        sents = snap.sentences_of(p.passage_id)
        if not sents:
            continue
        vec_rows = [i for i, _ in sents]
        cos = np.asarray(snap.sentence_vectors[vec_rows], dtype=np.float32) @ qv
        same = 1.0 if primary_language(snap.documents[snap.doc_index[p.doc_id]].language) == q_lang else 0.0
        p_best = float(cos.max())
        for k, ((row, span), c) in enumerate(zip(sents, cos)):
            text = p.text[span.start - p.start:span.end - p.start]
            if not snap.quotable(row) or count_words(text) < MIN_QUOTE_WORDS or is_question(text):
                # "2.jpg", "Overview": leftovers of the page; "When will I hear back?": an FAQ's
                # question, never its answer. (Its cosine still counts for the sentences beside it.)
                continue
            toks, have = _sentence_terms(text)
            label = label_context(text, p.heading_path)
            if label:  # "Email: x@y.edu" under "Instructor" answers "the instructor's e-mail"
                ltoks, lhave = _sentence_terms(label)
                toks, have = ltoks + toks, have | lhave
            if asked_acronyms:  # an acronym the question uses, a name the sentence (or its heading) writes out
                have = have | (asked_acronyms & (_sentence_acronyms(f"{label}\n{text}" if label else text)))
            held = {t for t in terms if t in have or not alts[t].isdisjoint(have)}
            hit = np.array([t in held for t in terms], dtype=bool) if terms else np.zeros(0, bool)
            s_kinds = sentence_kinds(text)
            ctx = [float(cos[j]) for j in (k - 1, k + 1) if 0 <= j < len(cos)]
            f = {
                "s_cos": float(c), "s_cos_passage_gap": p_best - float(c), "s_cos_bg": float(c) - bg,
                "ctx_cos": max(ctx) if ctx else float(c),
                "p_dense": p.dense, "p_dense_bg": p.dense - bg, "p_score_gap": passages[0].score - p.score, "p_rank": float(rank),
                "p_lex": p.lexical,
                "s_ov": float(idf[hit].sum()) / total if len(hit) else 0.0,
                "s_ov_plain": float(hit.mean()) if len(hit) else 0.0,
                "s_missing": float(len(hit) - hit.sum()),
                "s_ov_rare": (sum(1 for t in rare if t in held) / len(rare)) if rare else 0.0,
                "s_bigram": (len(q_bigrams & set(zip(toks, toks[1:]))) / len(q_bigrams)) if q_bigrams else 0.0,
                "kind_match": 1.0 if q_kinds & s_kinds else 0.0,
                "s_words": float(count_words(text)), "s_pos": float(k),
                # 0 since questions stopped being candidates; kept as an input of the trained models
                # until the next retraining drops it.
                "s_is_question": 1.0 if _QUESTION_END.search(text) else 0.0,
                "s_no_end": 0.0 if re.search(r"[.!?。！？؟;；:：…)\"”」]\s*$", text) else 1.0,
                "s_bullet": 1.0 if _BULLET.match(text) else 0.0,
                "same_lang": same,
            }
            for kind in KINDS:
                f[f"q_{kind}"] = 1.0 if kind in q_kinds else 0.0
                f[f"s_{kind}"] = 1.0 if kind in s_kinds else 0.0
            cands.append(Candidate(rank, p, span, text))
            rows.append(f)
            cos_all.append(float(c))
    context = {"coverage": retrieval.lexical.coverage, "q_words": float(count_words(question)),
               "named_institution": 1.0 if retrieval.institutions else 0.0,
               "q_any_kind": 1.0 if q_kinds else 0.0,
               "dense_top": max((p.dense for p in passages), default=0.0), "background": bg,
               "dense_margin": (max(p.dense for p in passages) - float(np.mean([p.dense for p in passages])))
               if passages else 0.0}
    if not rows:
        return Reading([], np.zeros((0, len(SENTENCE_FEATURES)), np.float32), context)
    cos_arr = np.array(cos_all, dtype=np.float32)
    ov_arr = np.array([r["s_ov"] for r in rows], dtype=np.float32)
    z, rk, ovr = _zscore(cos_arr), _rank_desc(cos_arr), _rank_desc(ov_arr)
    sd = max(float(cos_arr.std()), 1e-3)
    p_dense = np.array([p.dense for p in passages], dtype=np.float32)
    p_mean, p_sd = float(p_dense.mean()), max(float(p_dense.std()), 1e-3)
    mean = float(cos_arr.mean())
    for i, r in enumerate(rows):
        r.update(s_cos_gap=float(cos_arr.max() - cos_arr[i]), s_cos_rank=float(rk[i]), s_cos_z=float(z[i]),
                 s_ov_gap=float(ov_arr.max() - ov_arr[i]), s_ov_rank=float(ovr[i]),
                 coverage=context["coverage"], q_words=context["q_words"], n_cand=float(len(rows)),
                 s_gap_z=float(cos_arr.max() - cos_arr[i]) / sd, s_pgap_z=r["s_cos_passage_gap"] / sd,
                 ctx_z=(r["ctx_cos"] - mean) / sd, p_dense_z=(r["p_dense"] - p_mean) / p_sd)
    X = np.array([[r[name] for name in SENTENCE_FEATURES] for r in rows], dtype=np.float32)
    return Reading(cands, X, context)


_COL = {name: i for i, name in enumerate(SENTENCE_FEATURES)}
CROSS_COLUMNS = np.array([_COL[n] for n in CROSS_SENTENCE_FEATURES])


def answer_features(reading: Reading, names: tuple[str, ...] = ANSWER_FEATURES) -> np.ndarray:
    """The question-level features of a ranked reading (scores set)."""
    s = reading.scores
    X = reading.features
    col = _COL
    order = np.argsort(-s, kind="stable")
    b = int(order[0])
    second = float(s[order[1]]) if len(s) > 1 else float(s[b]) - 3.0
    s2 = int(order[1]) if len(s) > 1 else b
    f = {"r_top": float(s[b]), "r_second": second, "r_margin": float(s[b]) - second, "r_mean": float(s.mean()),
         "s_cos_max": float(X[:, col["s_cos"]].max()), "same_lang": float(X[b, col["same_lang"]]),
         "second_gap_z": float(X[s2, col["s_gap_z"]] - X[b, col["s_gap_z"]]),
         **reading.context}
    for name in ("s_cos", "s_cos_gap", "s_ov", "s_ov_rare", "s_bigram", "kind_match", "p_rank", "p_dense", "p_lex",
                 "s_cos_bg", "p_dense_bg", "s_cos_z", "s_gap_z", "p_dense_z"):
        f["top_" + name] = float(X[b, col[name]])
    return np.array([[f[name] for name in names]], dtype=np.float32)


@dataclass(frozen=True)
class ReaderHead:
    """One ranker and its answerability model, over their own features."""

    ranker: object          # lightgbm.Booster
    answerability: object   # lightgbm.Booster
    threshold: float
    cross: bool             # reads only CROSS_SENTENCE_FEATURES / CROSS_ANSWER_FEATURES

    def rank(self, X: np.ndarray) -> np.ndarray:
        if self.cross:
            X = X[:, CROSS_COLUMNS]
        return np.asarray(self.ranker.predict(X, num_threads=1), dtype=np.float32)

    def probability(self, reading: Reading) -> float:
        names = CROSS_ANSWER_FEATURES if self.cross else ANSWER_FEATURES
        p = float(self.answerability.predict(answer_features(reading, names), num_threads=1)[0])
        return 0.0 if math.isnan(p) else p


@dataclass(frozen=True)
class ReaderModel:
    """The reader: one head for questions in the passages' language, one for other languages."""

    same: ReaderHead
    cross: ReaderHead
    card: dict

    def head(self, reading: Reading) -> ReaderHead:
        """The cross-language head when the question's language is not its top passage's."""
        if not len(reading.candidates):
            return self.same
        top = int(np.argmin(reading.features[:, _COL["p_rank"]]))
        return self.same if reading.features[top, _COL["same_lang"]] else self.cross

    def rank(self, reading: Reading) -> np.ndarray:
        reading.scores = self.head(reading).rank(reading.features) if len(reading.candidates) \
            else np.zeros(0, np.float32)
        return reading.scores

    def probability(self, reading: Reading) -> float:
        """P(the best-ranked sentence answers the question)."""
        if not len(reading.candidates):
            return 0.0
        if reading.scores is None:
            self.rank(reading)
        return self.head(reading).probability(reading)

    def threshold_for(self, reading: Reading) -> float:
        """The abstention threshold for this question."""
        return self.head(reading).threshold


@lru_cache(maxsize=None)
def load_reader() -> ReaderModel:
    """The bundled reader (loaded once per process)."""
    import lightgbm as lgb

    folder = resources.files("askintl").joinpath("data/reader")
    card = json.loads(folder.joinpath("reader.json").read_text(encoding="utf-8"))
    expected = {"sentence_features": SENTENCE_FEATURES, "answer_features": ANSWER_FEATURES,
                "cross_sentence_features": CROSS_SENTENCE_FEATURES, "cross_answer_features": CROSS_ANSWER_FEATURES}
    if any(tuple(card.get(k, ())) != v for k, v in expected.items()):
        raise RuntimeError("the bundled reader was trained on other features: run training/train_reader.py --write")

    def booster(name: str):
        return lgb.Booster(model_str=folder.joinpath(name).read_text(encoding="utf-8"))

    return ReaderModel(
        ReaderHead(booster("ranker.txt"), booster("answerability.txt"), float(card["threshold"]), False),
        ReaderHead(booster("ranker_cross.txt"), booster("answerability_cross.txt"), float(card["threshold_cross"]),
                   True),
        card)

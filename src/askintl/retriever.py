"""Hybrid retrieval: dense (FAISS) + lexical (BM25), fused by what each list can know.

A passage is seen densely twice: as a whole and through its best sentence. Questions are
usually paraphrases of one sentence, and a 100-word passage's vector blurs that sentence
with its neighbours, most of all across languages. The sentence vectors are there anyway
(answer selection quotes from them), so the candidates FAISS and BM25 bring are re-scored by

    dense = (1 - SENTENCE_WEIGHT) cosine(question, passage)
            + SENTENCE_WEIGHT * max over its sentences of cosine(question, sentence)

A question's lexical list only helps as far as the index knows its words: a Chinese question
over English passages shares no terms with them, and its BM25 list is noise. BM25 scores are
therefore divided by the best score the whole question could reach, with every word the
index has never seen counted as the rarest one. That normalized score is 1 when a passage
matches every term fully, and near 0 when the question's words are unknown, so it can be
added to the dense score without drowning it:

    score = dense + LEXICAL_WEIGHT * bm25 / bm25_max_possible
            + INSTITUTION_BONUS  (when the passage's institution is named in the question)

Both weights were chosen on held-out SQuAD/XQuAD questions (benchmarks/squad_xquad.py
--heldout); the fixed benchmark samples were only measured.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .config import DEFAULT_TOP_K
from .embedders import Embedder
from .institutions import InstitutionMatcher
from .lexical import LexicalQuery
from .records import Passage
from .index import IndexSnapshot

LEXICAL_WEIGHT = 0.2
SENTENCE_WEIGHT = 0.5
INSTITUTION_BONUS = 0.08
NEAR_DUPLICATE = 0.8  # token Jaccard above which a passage repeats one already listed
SCOPE_EXACT_MAX = 8192  # an institution scope up to this many passages is scanned exactly
SCOPE_CACHE = 64  # institution scopes whose passage ids are kept
_TOKENS = re.compile(r"\w+", re.UNICODE)


@dataclass
class Retrieval:
    passages: list[Passage]
    query_vector: np.ndarray
    lexical: LexicalQuery
    institutions: list[str] = field(default_factory=list)
    lexical_text: str = ""  # the query as matched lexically (institution names removed)
    # the documents of the institutions the question names (empty when it names none)
    institution_docs: frozenset[int] = frozenset()


def _jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a and b else 0.0


class Retriever:
    def __init__(self, snapshot: IndexSnapshot, embedder: Embedder, candidates: int = 100,
                 lexical_weight: float = LEXICAL_WEIGHT, institution_bonus: float = INSTITUTION_BONUS,
                 sentence_weight: float = SENTENCE_WEIGHT):
        self.snap = snapshot
        self.embedder = embedder
        self.candidates = candidates
        self.lexical_weight = lexical_weight
        self.institution_bonus = institution_bonus
        self.sentence_weight = sentence_weight
        self.institutions = InstitutionMatcher(snapshot.documents)
        self._pv = snapshot.passage_vectors
        self._sv = snapshot.sentence_vectors
        self._sentence_rows = np.asarray(snapshot.passage_sentences, dtype=np.int64)
        self._scope_cache: dict[tuple[str, ...], np.ndarray] = {}

    def institution_of_quote(self, quote: str) -> str | None:
        """The institution whose document contains ``quote`` verbatim (an earlier answer)."""
        quote = quote.strip()
        if len(quote) < 20:
            return None
        lex = self.snap.lexical
        scores = lex.scores(lex.query(quote[:500]))
        if not len(scores) or scores.max() <= 0:
            return None
        top = [int(i) for i in np.argsort(-scores)[:3]]
        for pid, (doc_idx, _, _, text) in self.snap.passages(top).items():
            if quote in text:
                return self.snap.documents[doc_idx].institution or None
        return None

    def search(self, query: str, top_k: int = DEFAULT_TOP_K, institutions: list[str] | None = None,
               query_vector: np.ndarray | None = None, exclude: set[int] | None = None,
               scope: list[str] | None = None) -> Retrieval:
        return self.batch_search([query], top_k, [institutions], [query_vector], exclude, scope)[0]

    def batch_search(self, queries: list[str], top_k: int = DEFAULT_TOP_K, institutions: list[list[str] | None] | None = None,
                     query_vectors: list[np.ndarray | None] | None = None,
                     exclude: set[int] | None = None, scope: list[str] | None = None) -> list[Retrieval]:
        """``scope``: institutions (catalog names) whose passages alone are candidates, or None for all."""
        n = len(queries)
        institutions = institutions or [None] * n
        query_vectors = query_vectors or [None] * n
        todo = [i for i, v in enumerate(query_vectors) if v is None]
        vecs = list(query_vectors)
        if todo:
            # An acronym is written out for the vector ("BJTU" → "Beijing Jiaotong University":
            # InstitutionMatcher.canonical); the lexical side strips institution names anyway.
            emb = self.embedder.embed_queries([self.institutions.canonical(queries[i]) for i in todo])
            for j, i in enumerate(todo):
                vecs[i] = emb[j]
        qmat = np.ascontiguousarray(np.stack(vecs).astype(np.float32))
        allowed = None if scope is None else self.scope_passages(scope)
        if allowed is not None:
            dense_ids = self._scoped_dense(qmat, allowed)
        else:
            depth = min(self.candidates, self.snap.n_passages)
            _, dense_ids = self.snap.dense.search(qmat, depth) if depth else (None, np.zeros((n, 0), np.int64))
        out = []
        for i, q in enumerate(queries):
            insts = institutions[i] if institutions[i] is not None else self.institutions.find(q)
            out.append(self._fuse(q, qmat[i], dense_ids[i], insts, top_k, exclude or set(), allowed))
        return out

    # ---- institution scope (a university's own widget): only its passages are candidates ----
    def scope_passages(self, scope: list[str]) -> np.ndarray:
        """The passage ids (sorted) of the documents of the institutions in ``scope``."""
        key = tuple(sorted(set(scope)))
        cached = self._scope_cache.get(key)
        if cached is None:
            docs = np.fromiter(sorted(self.institutions.doc_indices(list(key))), dtype=np.int64)
            cached = np.flatnonzero(np.isin(self.snap.passage_docs, docs)).astype(np.int64)
            if len(self._scope_cache) >= SCOPE_CACHE:
                try:  # the oldest goes (threads may race here: any one going is fine)
                    self._scope_cache.pop(next(iter(self._scope_cache)), None)
                except (StopIteration, RuntimeError):
                    pass
            self._scope_cache[key] = cached
        return cached

    def _scoped_dense(self, qmat: np.ndarray, allowed: np.ndarray) -> np.ndarray:
        """Dense candidates among ``allowed`` passages only (one row per query, -1 padded): all of
        them when few, an exact scan up to SCOPE_EXACT_MAX, else FAISS restricted to them."""
        n, depth = len(qmat), min(self.candidates, len(allowed))
        if len(allowed) <= self.candidates:
            return np.tile(allowed, (n, 1))
        if len(allowed) <= SCOPE_EXACT_MAX:
            sims = qmat @ np.asarray(self._pv[allowed], dtype=np.float32).T
            top = np.argpartition(-sims, depth - 1, axis=1)[:, :depth]
            return allowed[top]
        return self.snap.dense.search(qmat, depth, among=allowed)[1]

    def _dense_scores(self, ids: np.ndarray, qv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cosine with each passage, the dense score that ranks it: see the module doc)."""
        passage = np.asarray(self._pv[ids], dtype=np.float32) @ qv
        if not self.sentence_weight or not len(ids):
            return passage, passage
        first, last = self._sentence_rows[ids], self._sentence_rows[ids + 1]
        lens = last - first
        best = passage.copy()  # a passage without sentence rows keeps its own cosine
        has = lens > 0
        if has.any():
            f, n = first[has], lens[has]
            starts = np.concatenate(([0], np.cumsum(n)[:-1]))
            rows = np.repeat(f - starts, n) + np.arange(int(n.sum()))
            sims = np.asarray(self._sv[rows], dtype=np.float32) @ qv
            best[has] = np.maximum.reduceat(sims, starts)
        return passage, (1 - self.sentence_weight) * passage + self.sentence_weight * best

    def _fuse(self, query: str, qv: np.ndarray, dense_ids: np.ndarray, insts: list[str], top_k: int,
              exclude: set[int], allowed: np.ndarray | None = None) -> Retrieval:
        lex = self.snap.lexical
        # The institution is taken care of by the bonus; its name must not rank passages twice.
        lexical_text = self.institutions.strip(query) if insts else query
        lq = lex.query(lexical_text)
        lex_scores = lex.scores(lq)
        cand = {int(i) for i in dense_ids if i >= 0}
        if len(lq.term_ids):
            if allowed is None:
                k = min(self.candidates, len(lex_scores))
                top_lex = np.argpartition(-lex_scores, k - 1)[:k] if k else []
            else:  # an institution scope: the best of its passages only
                k = min(self.candidates, len(allowed))
                top_lex = allowed[np.argpartition(-lex_scores[allowed], k - 1)[:k]] if k else []
            cand.update(int(i) for i in top_lex if lex_scores[i] > 0)
        cand -= exclude
        if not cand:
            return Retrieval([], qv, lq, insts, lexical_text)
        ids = np.fromiter(sorted(cand), dtype=np.int64)
        dense, ranking = self._dense_scores(ids, qv)
        lexical = lex_scores[ids]
        score = ranking + self.lexical_weight * lexical
        favoured = frozenset(self.institutions.doc_indices(insts)) if insts else frozenset()
        if insts:
            bonus = np.array([self.snap.passage_docs[i] in favoured for i in ids], dtype=np.float32)
            score = score + self.institution_bonus * bonus
        order = np.argsort(-score, kind="stable")
        # Fetch a few more than asked, to replace near-duplicates.
        head = [int(j) for j in order[: max(top_k * 3, top_k + 5)]]
        rows = self.snap.passages([int(ids[j]) for j in head])
        places = self.snap.structure([int(ids[j]) for j in head])
        chosen: list[Passage] = []
        seen_tokens: list[set[str]] = []
        for j in head:
            pid = int(ids[j])
            doc_idx, start, end, text = rows[pid]
            toks = set(_TOKENS.findall(text.lower()))
            if any(_jaccard(toks, s) >= NEAR_DUPLICATE for s in seen_tokens):
                continue
            seen_tokens.append(toks)
            doc = self.snap.documents[doc_idx]
            chosen.append(Passage(passage_id=pid, doc_id=doc.doc_id, title=doc.title,
                                  institution=doc.institution or doc.title, text=text, start=start, end=end,
                                  score=round(float(score[j]), 4), dense=round(float(dense[j]), 4),
                                  lexical=round(float(lexical[j]), 4), url=doc.url,
                                  heading_path=places[pid][0], faq_question=places[pid][1] or None))
            if len(chosen) == top_k:
                break
        return Retrieval(chosen, qv, lq, insts, lexical_text, favoured)

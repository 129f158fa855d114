"""The retriever's dense score: passage cosine blended with its best sentence's cosine."""
from __future__ import annotations

import numpy as np
import pytest


def _by_hand(snap, qv, pid):
    passage = float(np.asarray(snap.passage_vectors[pid], dtype=np.float32) @ qv)
    a, b = int(snap.passage_sentences[pid]), int(snap.passage_sentences[pid + 1])
    best = max(float(np.asarray(snap.sentence_vectors[i], dtype=np.float32) @ qv) for i in range(a, b))
    return passage, best


@pytest.mark.parametrize("weight", [0.0, 0.5, 1.0])
def test_every_candidate_is_scored_by_its_passage_and_best_sentence(hash_engine, weight):
    r = hash_engine.retriever
    snap = hash_engine.snapshot
    r.lexical_weight, r.institution_bonus, r.sentence_weight = 0.0, 0.0, weight
    ret = r.search("How many international students study at the university?", top_k=snap.n_passages)
    assert len(ret.passages) >= 3
    multi = 0
    for p in ret.passages:
        passage, best = _by_hand(snap, ret.query_vector, p.passage_id)
        multi += snap.passage_sentences[p.passage_id + 1] - snap.passage_sentences[p.passage_id] > 1
        assert p.dense == pytest.approx(passage, abs=1e-3)  # the passage's own cosine, as reported
        assert p.score == pytest.approx((1 - weight) * passage + weight * best, abs=2e-3)
    assert multi, "the tiny corpus should have passages of several sentences"
    scores = [p.score for p in ret.passages]
    assert scores == sorted(scores, reverse=True)


def test_a_passage_holding_the_question_as_one_sentence_wins_by_that_sentence(hash_engine):
    r = hash_engine.retriever
    snap = hash_engine.snapshot
    r.lexical_weight, r.institution_bonus = 0.0, 0.0
    # the longest passage's middle sentence, asked verbatim
    pid = max(range(snap.n_passages), key=lambda i: snap.passage_sentences[i + 1] - snap.passage_sentences[i])
    spans = snap.sentences_of(pid)
    assert len(spans) >= 3
    _, span = spans[len(spans) // 2]
    doc_idx = int(snap.passage_docs[pid])
    question = snap.document_text(snap.documents[doc_idx].doc_id)[span.start:span.end]
    r.sentence_weight = 0.5
    top = r.search(question, top_k=1).passages[0]
    assert top.passage_id == pid
    assert top.score > top.dense  # its best sentence lifted it above its whole-passage cosine

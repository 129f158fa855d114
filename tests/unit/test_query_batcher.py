"""QueryBatcher: concurrent questions share model calls, and each gets its own vectors."""
from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from askintl.embedders import HashingEmbedder, QueryBatcher


class GatedEmbedder:
    """A hashing embedder whose first call waits until ``release`` is set; records batch sizes."""

    def __init__(self, fail_on: str | None = None):
        self.inner = HashingEmbedder(64)
        self.id, self.dim = self.inner.id, self.inner.dim
        self.release = threading.Event()
        self.entered = threading.Event()
        self.batches: list[list[str]] = []
        self.fail_on = fail_on

    def embed_queries(self, texts):
        self.batches.append(list(texts))
        if len(self.batches) == 1:
            self.entered.set()
            assert self.release.wait(30)
        if self.fail_on is not None and self.fail_on in texts:
            raise RuntimeError("model failed")
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts):
        return self.inner.embed_passages(texts)


def _wait_queued(batcher: QueryBatcher, n: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        with batcher._cv:
            if len(batcher._queue) >= n:
                return
        assert time.monotonic() < deadline, "callers never queued"
        time.sleep(0.005)


def _while_busy(batcher: QueryBatcher, inner: GatedEmbedder, first: list[str], waiting: list[list[str]]):
    """``first`` enters the model and is held there while every text list of ``waiting`` is
    asked from its own thread; then the model is released. Returns (first's result, results
    of ``waiting`` in order, the threads), each result a vector array or the exception raised."""
    out: dict[int, object] = {}

    def run(i, q):
        try:
            out[i] = batcher.embed_queries(q)
        except Exception as exc:  # noqa: BLE001
            out[i] = exc
    threads = [threading.Thread(target=run, args=(i, q)) for i, q in enumerate([first] + waiting)]
    threads[0].start()
    assert inner.entered.wait(30)
    for t in threads[1:]:
        t.start()
    _wait_queued(batcher, len(waiting))
    inner.release.set()
    for t in threads:
        t.join(30)
    return out[0], [out[i + 1] for i in range(len(waiting))], threads


def test_questions_that_arrive_while_the_model_is_busy_share_one_call():
    inner = GatedEmbedder()
    batcher = QueryBatcher(inner, max_batch=32)
    questions = [[f"question number {i}"] for i in range(7)] + [["two texts", "in one call"]]
    first, out, _ = _while_busy(batcher, inner, ["first question"], questions)
    assert len(inner.batches) == 2 and len(inner.batches[1]) == 9  # the 8 waiting callers, 9 texts
    assert (batcher.calls, batcher.batched) == (2, 1)
    for q, got in zip(questions, out):
        assert np.array_equal(got, inner.inner.embed_queries(q))  # each caller gets its own rows
    assert np.array_equal(first, inner.inner.embed_queries(["first question"]))


def test_a_batch_never_exceeds_max_batch_and_nobody_is_left_waiting():
    inner = GatedEmbedder()
    batcher = QueryBatcher(inner, max_batch=3)
    _, out, threads = _while_busy(batcher, inner, ["q0"], [[f"q{i}"] for i in range(1, 8)])
    assert all(not t.is_alive() for t in threads)
    assert max(len(b) for b in inner.batches) <= 3
    assert sorted(t for b in inner.batches for t in b) == sorted(f"q{i}" for i in range(8))
    for i, got in enumerate(out, start=1):
        assert np.array_equal(got, inner.inner.embed_queries([f"q{i}"]))


def test_a_model_error_reaches_only_the_caller_whose_input_failed_and_the_next_call_works():
    inner = GatedEmbedder(fail_on="poison")
    batcher = QueryBatcher(inner)
    first, out, _ = _while_busy(batcher, inner, ["fine"], [["poison"], ["bystander"]])
    assert isinstance(first, np.ndarray)
    assert isinstance(out[0], RuntimeError)
    assert np.array_equal(out[1], inner.inner.embed_queries(["bystander"]))  # retried without the poison
    assert np.array_equal(batcher.embed_queries(["bystander"]), inner.inner.embed_queries(["bystander"]))


def test_concurrent_clients_all_succeed_while_one_input_makes_the_model_fail():
    """Issue 10, item 1: one bad request in a shared batch used to fail everyone's questions."""
    inner = GatedEmbedder(fail_on="poison")
    batcher = QueryBatcher(inner, max_batch=32)
    waiting = [[f"normal question {i}"] for i in range(6)] + [["poison"]] + \
              [[f"normal question {i}"] for i in range(6, 12)] + [["two texts", "poison"]]
    first, out, threads = _while_busy(batcher, inner, ["first"], waiting)
    assert all(not t.is_alive() for t in threads)
    assert isinstance(first, np.ndarray)
    for q, got in zip(waiting, out):
        if "poison" in q:
            assert isinstance(got, RuntimeError), q
        else:
            assert np.array_equal(got, inner.inner.embed_queries(q)), q
    assert any(len(b) > 2 for b in inner.batches)  # the normal ones were batched, not all sent alone
    # Then, with many client threads asking over and over while one keeps sending the poison:
    inner.release.set()
    failures, errors_for_poison = [], []

    def client(i):
        for j in range(20):
            try:
                v = batcher.embed_queries([f"client {i} question {j}"])
                assert v.shape == (1, inner.dim)
            except Exception as exc:  # noqa: BLE001
                failures.append((i, j, exc))

    def attacker():
        for _ in range(20):
            try:
                batcher.embed_queries(["poison"])
            except RuntimeError as exc:
                errors_for_poison.append(exc)

    pool = [threading.Thread(target=client, args=(i,)) for i in range(8)] + [threading.Thread(target=attacker)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(60)
    assert all(not t.is_alive() for t in pool)
    assert failures == []
    assert len(errors_for_poison) == 20


def test_a_lone_question_goes_straight_to_the_model():
    inner = GatedEmbedder()
    inner.release.set()
    batcher = QueryBatcher(inner)
    assert batcher.embed_queries([]).shape == (0, inner.dim)
    v = batcher.embed_queries(["only me"])
    assert inner.batches == [["only me"]] and v.shape == (1, inner.dim)
    assert QueryBatcher.wrap(batcher) is batcher and QueryBatcher.wrap(inner, max_batch=1) is inner


@pytest.mark.parametrize("batch", [1, 32])
def test_the_engine_answers_the_same_with_and_without_batching(hash_settings, batch):
    from askintl.engine import Engine
    from askintl.indexer import build_index

    build_index(hash_settings)
    plain = Engine.open(hash_settings.model_copy(update={"query_batch": 1}))
    engine = Engine.open(hash_settings.model_copy(update={"query_batch": batch}))
    assert isinstance(engine.embedder, QueryBatcher) == (batch > 1)
    q = "How many international students study at the university?"
    a, b = plain.ask(q), engine.ask(q)
    assert [p.passage_id for p in a.passages] == [p.passage_id for p in b.passages]
    assert (a.answer and a.answer.text) == (b.answer and b.answer.text)

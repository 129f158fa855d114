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


def _ask_all(batcher, questions):
    out: dict[int, object] = {}

    def run(i, q):
        try:
            out[i] = batcher.embed_queries(q)
        except Exception as exc:  # noqa: BLE001
            out[i] = exc
    threads = [threading.Thread(target=run, args=(i, q)) for i, q in enumerate(questions)]
    return out, threads


def test_questions_that_arrive_while_the_model_is_busy_share_one_call():
    inner = GatedEmbedder()
    batcher = QueryBatcher(inner, max_batch=32)
    first, threads = _ask_all(batcher, [["first question"]])
    threads[0].start()
    assert inner.entered.wait(30)
    questions = [[f"question number {i}"] for i in range(7)] + [["two texts", "in one call"]]
    out, more = _ask_all(batcher, questions)
    for t in more:
        t.start()
    _wait_queued(batcher, len(questions))
    inner.release.set()
    for t in threads + more:
        t.join(30)
    assert len(inner.batches) == 2 and len(inner.batches[1]) == 9  # the 8 waiting callers, 9 texts
    assert (batcher.calls, batcher.batched) == (2, 1)
    for i, q in enumerate(questions):
        assert np.array_equal(out[i], inner.inner.embed_queries(q))  # each caller gets its own rows
    assert np.array_equal(first[0], inner.inner.embed_queries(["first question"]))


def test_a_batch_never_exceeds_max_batch_and_nobody_is_left_waiting():
    inner = GatedEmbedder()
    batcher = QueryBatcher(inner, max_batch=3)
    first, threads = _ask_all(batcher, [["q0"]])
    threads[0].start()
    assert inner.entered.wait(30)
    out, more = _ask_all(batcher, [[f"q{i}"] for i in range(1, 8)])
    for t in more:
        t.start()
    _wait_queued(batcher, 7)
    inner.release.set()
    for t in threads + more:
        t.join(30)
    assert all(not t.is_alive() for t in more)
    assert max(len(b) for b in inner.batches) <= 3
    assert sorted(t for b in inner.batches for t in b) == sorted(f"q{i}" for i in range(8))
    for i in range(1, 8):
        assert np.array_equal(out[i - 1], inner.inner.embed_queries([f"q{i}"]))


def test_a_model_error_reaches_every_caller_of_that_batch_and_the_next_call_works():
    inner = GatedEmbedder(fail_on="poison")
    batcher = QueryBatcher(inner)
    first, threads = _ask_all(batcher, [["fine"]])
    threads[0].start()
    assert inner.entered.wait(30)
    out, more = _ask_all(batcher, [["poison"], ["bystander"]])
    for t in more:
        t.start()
    _wait_queued(batcher, 2)
    inner.release.set()
    for t in threads + more:
        t.join(30)
    assert isinstance(first[0], np.ndarray)
    assert all(isinstance(out[i], RuntimeError) for i in (0, 1))
    assert np.array_equal(batcher.embed_queries(["bystander"]), inner.inner.embed_queries(["bystander"]))


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

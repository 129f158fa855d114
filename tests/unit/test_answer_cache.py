"""The answer cache (askintl/cache.py) behind Engine.ask: repeated questions are answered from
memory, keyed by question, history, top_k, institutions and index version (hashing embedder,
tiny data)."""
from __future__ import annotations

import re
import threading

import pytest

from askintl.cache import AnswerCache, fold_text
from askintl.conversation import Turn
from askintl.engine import Engine
from askintl.errors import InvalidRequestError
from askintl.indexer import build_index
from helpers import metric_samples

ALPHA = "How many international students are at Alpha University?"
BETA = "How many teachers did Beta College send abroad?"
EXCHANGE = "How many exchange agreements has Alpha University signed?"


def stats(engine: Engine) -> tuple[int, int]:
    s = engine.answer_cache.stats()
    return s["hits"], s["misses"]


def engine_with(hash_settings, **overrides) -> Engine:
    settings = hash_settings.model_copy(update=overrides)
    build_index(settings)
    return Engine.open(settings)


def test_a_repeated_question_is_answered_from_the_cache(hash_engine):
    first = hash_engine.ask(ALPHA)
    assert stats(hash_engine) == (0, 1)
    again = hash_engine.ask(ALPHA)
    assert stats(hash_engine) == (1, 1)
    assert again.to_dict() == first.to_dict() and again.answer and "2,500" in again.answer.text
    assert again is not first
    # the engine strips the question: surrounding spaces are the same question
    assert hash_engine.ask(f"  {ALPHA}\n").to_dict() == first.to_dict()
    assert stats(hash_engine) == (2, 1)
    assert len(hash_engine.answer_cache) == 1


def test_history_top_k_and_institutions_are_part_of_the_key(hash_engine):
    hash_engine.ask(BETA)
    history = [{"role": "user", "content": "Which college has a joint engineering program?"},
               {"role": "assistant", "content": "Students spend two years in each country."}]
    other_history = [{"role": "user", "content": "Which college has a joint engineering program?"}]
    as_assistant = [{"role": "assistant", "content": "Which college has a joint engineering program?"}]
    for kwargs in ({"history": history}, {"history": other_history}, {"history": as_assistant}, {"top_k": 2},
                   {"institutions": ["Beta College"]}, {"institutions": ["Alpha University", "Beta College"]}):
        before = stats(hash_engine)
        hash_engine.ask(BETA, **kwargs)
        assert stats(hash_engine) == (before[0], before[1] + 1), kwargs
    misses = stats(hash_engine)[1]
    # ... and each of them, asked again, is a hit: top_k defaults to the setting, institutions are
    # resolved to catalog names (aliases, case) and sorted, history turns are the same Turns
    hash_engine.ask(BETA, top_k=hash_engine.settings.top_k)
    hash_engine.ask(BETA, history=[Turn(**t) for t in history])
    hash_engine.ask(BETA, institutions=["bc"])
    hash_engine.ask(BETA, institutions=["Beta College", "AU"])
    assert stats(hash_engine) == (4, misses)
    assert hash_engine.ask(BETA, top_k=2).passages.__len__() <= 2


def test_invalid_requests_still_fail_when_the_question_is_cached(hash_engine):
    hash_engine.ask(ALPHA)
    with pytest.raises(InvalidRequestError, match="top_k"):
        hash_engine.ask(ALPHA, top_k=hash_engine.settings.max_top_k + 1)
    with pytest.raises(InvalidRequestError, match="unknown institution"):
        hash_engine.ask(ALPHA, institutions=["Nowhere University"])
    with pytest.raises(InvalidRequestError):
        hash_engine.ask(ALPHA, history=[{"role": "system", "content": "x"}])
    assert stats(hash_engine) == (0, 1)


def test_a_new_index_version_is_never_answered_from_the_old_one(hash_engine, hash_settings, tiny_corpus):
    old = hash_engine.ask(ALPHA)
    assert "2,500" in old.answer.text
    page = tiny_corpus / "alpha-uni.txt"
    page.write_text(page.read_text(encoding="utf-8").replace("2,500", "3,700"), encoding="utf-8")
    build_index(hash_settings)  # publishes a new version; the engine switches on its next question
    new = hash_engine.ask(ALPHA)
    assert new.index_version != old.index_version
    assert "3,700" in new.answer.text and "2,500" not in new.answer.text
    assert stats(hash_engine) == (0, 2)
    assert len(hash_engine.answer_cache) == 1  # the old version's answers went with it
    assert hash_engine.ask(ALPHA).to_dict() == new.to_dict() and stats(hash_engine) == (1, 2)


def test_callers_cannot_change_the_cached_answer(hash_engine):
    first = hash_engine.ask(ALPHA)
    expected = first.to_dict()
    first.answer.text = "tampered"
    first.passages[0].text = "tampered"
    first.passages[0].heading_path.append("tampered")
    first.passages.clear()
    first.institutions.append("tampered")
    second = hash_engine.ask(ALPHA)
    assert second.to_dict() == expected
    second.passages.pop()
    second.answer.start = -1
    assert hash_engine.ask(ALPHA).to_dict() == expected
    assert stats(hash_engine) == (2, 1)


def test_size_zero_turns_the_cache_off(hash_settings):
    engine = engine_with(hash_settings, answer_cache_size=0)
    first, second = engine.ask(ALPHA), engine.ask(ALPHA)
    assert second is not first and second.to_dict() == first.to_dict()
    assert engine.answer_cache.stats() == {"hits": 0, "misses": 0, "evictions": 0, "entries": 0, "size": 0}


def test_the_least_recently_used_answer_goes_at_the_bound(hash_settings):
    engine = engine_with(hash_settings, answer_cache_size=2)
    engine.ask(ALPHA)
    engine.ask(BETA)
    engine.ask(ALPHA)                  # hit: Alpha is now the most recently used
    engine.ask(EXCHANGE)               # full: Beta goes
    assert engine.answer_cache.stats() == {"hits": 1, "misses": 3, "evictions": 1, "entries": 2, "size": 2}
    engine.ask(ALPHA)                  # still there
    engine.ask(EXCHANGE)
    assert stats(engine) == (3, 3)
    engine.ask(BETA)                   # gone: answered again, and Alpha (least recent) goes
    assert engine.answer_cache.stats() == {"hits": 3, "misses": 4, "evictions": 2, "entries": 2, "size": 2}


def test_concurrent_questions_from_threads(hash_settings):
    engine = engine_with(hash_settings, answer_cache_size=3)  # smaller than the mix: evictions too
    questions = [ALPHA, BETA, EXCHANGE, "Where is the International Office?", "Is there a summer school?"]
    reference = Engine.open(hash_settings.model_copy(update={"answer_cache_size": 0}))
    expected = {q: reference.ask(q).to_dict() for q in questions}
    errors, rounds, n_threads = [], 30, 8
    start = threading.Barrier(n_threads)

    def worker(i):
        try:
            start.wait()
            for j in range(rounds):
                q = questions[(i + j) % len(questions)]
                result = engine.ask(q)
                if result.to_dict() != expected[q]:
                    errors.append(q)
                result.passages.clear()  # mutating one's own copy never reaches another thread
        except Exception as exc:  # noqa: BLE001
            errors.append(repr(exc))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n_threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    s = engine.answer_cache.stats()
    assert s["hits"] + s["misses"] == rounds * n_threads
    assert s["hits"] > 0 and s["entries"] <= 3
    # two threads that miss the same question together both answer it; the second answer replaces
    # the first (not an eviction), so entries can be fewer than misses - evictions
    assert s["entries"] <= s["misses"] - s["evictions"]


def test_folding_is_off_by_default_and_shares_spellings_when_on(hash_settings):
    engine = engine_with(hash_settings)
    engine.ask(ALPHA)
    engine.ask(ALPHA.upper())
    assert stats(engine) == (0, 2)  # the engine reads case (acronyms, the model): another question

    folding = engine_with(hash_settings, answer_cache_fold=True)
    first = folding.ask(ALPHA)
    wide = "".join(chr(ord(c) + 0xFEE0) if c == "?" else c for c in ALPHA)  # full-width question mark
    variant = "  " + wide.upper().replace(" ", " \t ") + " "
    shared = folding.ask(variant)
    assert stats(folding) == (1, 1)
    assert shared.question == variant.strip()  # as the reader asked it
    assert shared.standalone_query == variant.strip()
    assert {**shared.to_dict(), "question": "", "standalone_query": ""} == \
        {**first.to_dict(), "question": "", "standalone_query": ""}
    history = [{"role": "user", "content": "Tell me about ALPHA University."}]
    folding.ask(ALPHA, history=history)
    folding.ask(ALPHA, history=[{"role": "user", "content": "tell me  about alpha university."}])
    assert stats(folding) == (2, 2)


def test_fold_text():
    assert fold_text("  Straße\u3000ＢＪＴＵ\n fees？ ") == "strasse bjtu fees?"
    assert fold_text("ﬁ") == "fi"


def test_the_cache_alone():
    with pytest.raises(ValueError):
        AnswerCache(-1)
    cache = AnswerCache(1)
    assert cache.get(("k",)) is None
    cache.clear()
    assert cache.stats() == {"hits": 0, "misses": 1, "evictions": 0, "entries": 0, "size": 1}


# ---- over HTTP -----------------------------------------------------------------------------------
def metric(text: str, name: str) -> float:
    found = re.search(rf"^{name} (\S+)$", text, re.M)
    assert found, name
    return float(found.group(1))


def test_http_each_request_gets_its_own_answer_id_and_metrics_count_the_cache(make_client):
    client = make_client(rate_limit_per_minute=0)
    ids = []
    for _ in range(3):
        r = client.post("/v1/ask", json={"question": ALPHA})
        assert r.status_code == 200 and "2,500" in r.json()["answer"]["text"]
        ids.append(r.json()["id"])
    assert len(set(ids)) == 3
    for answer_id in ids:  # each answer was recorded: feedback on any of them is accepted
        assert client.post("/v1/feedback", json={"answer_id": answer_id, "helpful": True}).status_code == 201
    assert client.post("/v1/ask", json={"question": ALPHA, "top_k": 999}).status_code == 422
    assert client.post("/v1/ask", json={"question": ALPHA, "institutions": ["Nowhere"]}).status_code == 422
    text = client.get("/metrics").text
    assert "# TYPE askintl_answer_cache_hits_total counter" in text
    assert "# TYPE askintl_answer_cache_entries gauge" in text
    assert metric(text, "askintl_answer_cache_hits_total") == 2
    assert metric(text, "askintl_answer_cache_misses_total") == 1
    assert metric(text, "askintl_answer_cache_evictions_total") == 0
    assert metric(text, "askintl_answer_cache_entries") == 1
    assert metric(text, "askintl_answer_cache_size") == 2048
    assert metric_samples(text)['askintl_questions_total{channel="ask"}'] == 3  # answered from the cache or not


def test_metrics_without_an_answer_cache_leave_it_out():
    from askintl.api.metrics import ServiceMetrics

    def broken():
        raise AttributeError("no engine yet")

    text = ServiceMetrics(answer_cache=broken).render()
    assert "# TYPE askintl_answer_cache_hits_total counter" in text
    assert not re.search(r"^askintl_answer_cache_hits_total ", text, re.M)

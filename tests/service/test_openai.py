"""The OpenAI-compatible endpoint: the conversion rules, the HTTP contract (hashing embedder),
and the official `openai` client against a running askintl with the real model."""
import json

import openai
import pytest
from fastapi.testclient import TestClient
from web_servers import LiveServer, service_settings

from askintl.api import openai as openai_compat
from askintl.api import create_app
from askintl.citations import citations as number_citations
from askintl.conversation import Turn
from askintl.errors import InvalidRequestError
from askintl.records import Answer, AskResult, Passage

BASE = "https://askintl.example.edu"


def _passage(doc_id, start, text, url=None):
    return Passage(passage_id=0, doc_id=doc_id, title=f"{doc_id} title", institution=f"{doc_id} U", text=text,
                   start=start, end=start + len(text), score=1.0, url=url)


def _result(abstained=False, language="en", confidence_level=None):
    passages = [_passage("a", 0, "A has 10 students."), _passage("b", 5, "B has 20 students.", url="https://b.example/x"),
                _passage("a", 40, "A also has teachers."), _passage("c", 0, "C is elsewhere.")]
    answer = None if abstained else Answer(text="B has 20 students.", doc_id="b", start=5, end=23, passage_index=1,
                                           title="b title", institution="b U")
    return AskResult(question="q", standalone_query="q", abstained=abstained, answer=answer, passages=passages,
                     confidence=0.9, language=language, confidence_level=None if abstained else confidence_level)


# ---- conversion rules ----------------------------------------------------------------------------
def test_citations_are_one_per_passage_numbered_as_everywhere_and_the_quote_is_marked():
    result = _result()
    cites = openai_compat.citations(result, BASE)
    assert [(c["index"], c["doc_id"], c["cited"]) for c in cites] == [
        (1, "a", False), (2, "b", True), (3, "a", False), (4, "c", False)]
    assert [(c.number, c.cited) for c in number_citations(result)] == [(c["index"], c["cited"]) for c in cites]
    assert cites[2]["link"] == f"{BASE}/documents/a?start=40&end=60"  # the second passage of a: its own span
    b = cites[1]
    assert (b["quote"], b["start"], b["end"], b["link"]) == ("B has 20 students.", 5, 23, "https://b.example/x")
    assert b["document_page"] == f"{BASE}/documents/b?start=5&end=23"
    assert cites[0]["link"] == f"{BASE}/documents/a?start=0&end=18"  # no source URL: askintl's page


def test_reply_text_quotes_with_its_citation_number_and_lists_the_sources():
    result = _result()
    text = openai_compat.reply_text(result, openai_compat.citations(result, BASE))
    assert text.splitlines()[:3] == ["“B has 20 students.” [2]", "", "Sources:"]
    assert "[2] b U — b title: https://b.example/x" in text
    assert f"[1] a U — a title: {BASE}/documents/a?start=0&end=18" in text


@pytest.mark.parametrize("language,phrase", [("en", "not in the official materials"), ("ar", "غير موجود"),
                                             ("zh", "没有"), ("xx", "not in the official materials")])
def test_abstention_says_so_in_the_question_language_with_related_passages(language, phrase):
    result = _result(abstained=True, language=language)
    text = openai_compat.reply_text(result, openai_compat.citations(result, BASE))
    assert phrase in text.splitlines()[0]
    assert "A has 10 students." in text and "“" not in text


def test_an_abstention_says_who_to_contact_as_the_widget_does():
    result = _result(abstained=True)
    cites = openai_compat.citations(result, BASE)
    anyone = openai_compat.reply_text(result, cites)
    assert "Please contact your institution’s international office directly" in anyone
    contacts = [{"institution": "Alpha University", "contact": {"office": "International Office",
                                                                 "email": "intl@alpha.example", "phone": "+1 555 0100"}},
                {"institution": "Beta College", "contact": None}]
    text = openai_compat.reply_text(result, cites, contacts)
    assert "International Office — Alpha University: E-mail: intl@alpha.example; Phone: +1 555 0100" in text
    assert "Please contact the international office of Beta College directly" in text
    assert "A has 10 students." in text  # the related passages are still listed
    ru = openai_compat.reply_text(_result(abstained=True, language="ru"), cites, contacts[1:])
    assert "Обратитесь напрямую в международный отдел Beta College" in ru
    # an earlier reply sent back as history keeps only what askintl said, not whom to contact
    assert openai_compat.strip_citations(text) == "This is not in the official materials indexed here."


@pytest.mark.parametrize("language,note", [("en", "Low confidence: check the cited source."),
                                           ("ar", "ثقة منخفضة: تحقق من المصدر المذكور."),
                                           ("zh", "置信度低：请核对所引来源。"),
                                           ("xx", "Low confidence: check the cited source.")])
def test_a_low_confidence_answer_says_so_under_the_quote(language, note):
    result = _result(language=language, confidence_level="low")
    text = openai_compat.reply_text(result, openai_compat.citations(result, BASE))
    assert text.splitlines()[:2] == ["“B has 20 students.” [2]", note]
    high = _result(language=language, confidence_level="high")
    high_text = openai_compat.reply_text(high, openai_compat.citations(high, BASE))
    assert note not in high_text and high_text.splitlines()[1] == ""
    assert high_text == text.replace(note + "\n", "")
    # Sent back as history, the note is not part of what askintl said.
    chat = openai_compat.messages_to_question([{"role": "user", "content": "q"},
                                               {"role": "assistant", "content": text},
                                               {"role": "user", "content": "and?"}])
    assert chat.history[1] == Turn("assistant", "“B has 20 students.”")


def test_messages_become_a_question_with_history():
    chat = openai_compat.messages_to_question([
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Tell me about B."},
        {"role": "assistant", "content": "“B has 20 students.” [2]\n\nSources:\n[1] a U — a title: https://x\n"},
        {"role": "user", "content": [{"type": "text", "text": "And teachers?"}, {"type": "image_url"}]},
    ])
    assert chat.question == "And teachers?"
    assert chat.history == [Turn("user", "Tell me about B."), Turn("assistant", "“B has 20 students.”")]


@pytest.mark.parametrize("messages", [
    [{"role": "system", "content": "x"}],
    [{"role": "user", "content": "q"}, {"role": "assistant", "content": "a"}],
    [{"role": "user", "content": "   "}],
    [{"role": "user", "content": {"text": "q"}}],
])
def test_messages_without_a_final_question_are_refused(messages):
    with pytest.raises(InvalidRequestError):
        openai_compat.messages_to_question(messages)


# ---- HTTP contract (hashing embedder) ------------------------------------------------------------
QUESTION = {"role": "user", "content": "How many international students are at Alpha University?"}


def test_completion_object(client):
    r = client.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": [QUESTION], "temperature": 0.2})
    assert r.status_code == 200
    data = r.json()
    assert data["object"] == "chat.completion" and data["model"] == "askintl"
    assert data["id"] == f"chatcmpl-{data['askintl']['id']}"
    message = data["choices"][0]["message"]
    assert message["role"] == "assistant" and data["choices"][0]["finish_reason"] == "stop"
    answer = data["askintl"]["answer"]
    assert message["content"].startswith(f"“{answer['text'].strip()}” [1]")
    assert data["citations"][0]["doc_id"] == "alpha-uni" and data["citations"][0]["cited"]
    assert data["citations"][0]["link"].startswith("http://testserver/documents/alpha-uni?start=")
    assert data["usage"]["total_tokens"] == data["usage"]["prompt_tokens"] + data["usage"]["completion_tokens"] > 0
    # The answer id works for feedback.
    assert client.post("/v1/feedback", json={"answer_id": data["id"], "helpful": True}).status_code == 201


def test_public_url_setting_is_used_in_links(hash_settings, hash_engine):
    app = create_app(service_settings(hash_settings, public_url="https://ask.uni.example/intl/"), engine=hash_engine)
    with TestClient(app) as c:
        data = c.post("/v1/chat/completions", json={"messages": [QUESTION]}).json()
    assert data["citations"][0]["document_page"].startswith("https://ask.uni.example/intl/documents/alpha-uni?")


def test_low_confidence_is_in_the_reply_and_its_askintl_fields(hash_settings, hash_engine):
    from askintl.engine import Engine

    def complete(stream=False, **overrides):
        # abstain_threshold 0: the hashing embedder's answer is shown; the level is forced by the setting
        settings = service_settings(hash_settings, abstain_threshold=0.0, **overrides)
        with TestClient(create_app(settings, engine=Engine.open(settings))) as c:
            r = c.post("/v1/chat/completions", json={"messages": [QUESTION], "stream": stream})
            assert r.status_code == 200
            return _events(r.text) if stream else r.json()

    low = complete(low_confidence_below=1.0)
    assert low["askintl"]["confidence"] < 1.0
    assert (low["askintl"]["confidence_level"], low["askintl"]["low_confidence"]) == ("low", True)
    lines = low["choices"][0]["message"]["content"].splitlines()
    assert lines[0].startswith("“") and lines[1] == "Low confidence: check the cited source."
    high = complete(low_confidence_below=0.0)
    assert (high["askintl"]["confidence_level"], high["askintl"]["low_confidence"]) == ("high", False)
    assert "Low confidence" not in high["choices"][0]["message"]["content"]
    events = complete(stream=True, low_confidence_below=1.0)
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in events if e["choices"])
    assert text.splitlines()[1] == "Low confidence: check the cited source."
    assert events[-1]["askintl"]["confidence_level"] == "low"


def _events(text):
    assert text.endswith("data: [DONE]\n\n")
    return [json.loads(block[len("data: "):]) for block in text.strip().split("\n\n")[:-1]]


def test_streaming_chunks_add_up_to_the_completion(client):
    plain = client.post("/v1/chat/completions", json={"messages": [QUESTION]}).json()
    r = client.post("/v1/chat/completions", json={"messages": [QUESTION], "stream": True,
                                                  "stream_options": {"include_usage": True}})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    events = _events(r.text)
    assert all(e["object"] == "chat.completion.chunk" and e["id"] == events[0]["id"] for e in events)
    assert events[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    text = "".join(e["choices"][0]["delta"].get("content", "") for e in events if e["choices"])
    assert text == plain["choices"][0]["message"]["content"]
    assert len([e for e in events if e["choices"] and e["choices"][0]["delta"].get("content")]) > 2
    final = [e for e in events if e["choices"] and e["choices"][0]["finish_reason"]]
    assert len(final) == 1 and final[0]["choices"][0]["finish_reason"] == "stop"
    assert final[0]["citations"] == plain["citations"] and final[0]["askintl"]["answer"] == plain["askintl"]["answer"]
    assert events[-1]["choices"] == [] and events[-1]["usage"]["completion_tokens"] > 0


@pytest.mark.parametrize("body,param", [
    ({}, "messages"),
    ({"messages": []}, "messages"),
    ({"messages": [{"content": "hi"}]}, "messages.0.role"),
    ({"messages": [{"role": "assistant", "content": "hi"}]}, None),
    ({"messages": [QUESTION], "stream": "yes please"}, "stream"),
    ({"messages": [QUESTION], "top_k": 99}, "top_k"),
    ({"messages": [{"role": "user", "content": "x" * 1001}]}, None),
])
def test_invalid_requests_are_400_in_openai_shape(client, body, param):
    r = client.post("/v1/chat/completions", json=body)
    assert r.status_code == 400
    error = r.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"] and error["param"] == param


def test_models_list(client):
    assert client.get("/v1/models").json()["data"][0]["id"] == "askintl"


# ---- the official client against a running server (real model) ----------------------------------
@pytest.fixture(scope="module")
def server(e5_settings, e5_engine):
    app = create_app(service_settings(e5_settings, rate_limit_per_minute=0), engine=e5_engine)
    with LiveServer(app) as live:
        yield live


@pytest.fixture(scope="module")
def openai_client(server):
    return openai.OpenAI(base_url=server.url + "/v1", api_key="not-needed", max_retries=0, timeout=60)


@pytest.mark.model
def test_official_client_gets_a_cited_answer(openai_client, server):
    completion = openai_client.chat.completions.create(
        model="askintl", messages=[{"role": "user", "content": "How many international students study at BJTU?"}])
    content = completion.choices[0].message.content
    cites = completion.citations  # the extra field survives the client's parsing
    cited = [c for c in cites if c["cited"]]
    assert cited and cited[0]["doc_id"] == "bjtu-international"
    assert f"” [{cited[0]['index']}]" in content and "Sources:" in content
    assert cited[0]["quote"] in content
    assert cited[0]["link"].startswith(f"{server.url}/documents/bjtu-international?start=")


@pytest.mark.model
def test_official_client_streams_the_same_answer(openai_client):
    messages = [{"role": "user", "content": "How many international students study at BJTU?"}]
    plain = openai_client.chat.completions.create(model="askintl", messages=messages)
    stream = openai_client.chat.completions.create(model="askintl", messages=messages, stream=True)
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain.choices[0].message.content
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert [c["doc_id"] for c in chunks[-1].citations] == [c["doc_id"] for c in plain.citations]


@pytest.mark.model
def test_official_client_follow_up_and_errors(openai_client):
    first = openai_client.chat.completions.create(model="askintl", messages=[
        {"role": "user", "content": "Tell me about Beijing Jiaotong University's international students."}])
    follow = openai_client.chat.completions.create(model="askintl", messages=[
        {"role": "user", "content": "Tell me about Beijing Jiaotong University's international students."},
        {"role": "assistant", "content": first.choices[0].message.content},
        {"role": "user", "content": "And how many foreign teachers do they invite every year?"}])
    assert "Beijing Jiaotong University" in follow.askintl["standalone_query"]
    assert follow.citations[0]["doc_id"] == "bjtu-international"
    with pytest.raises(openai.BadRequestError) as err:
        openai_client.chat.completions.create(model="askintl", messages=[{"role": "assistant", "content": "hi"}])
    assert "last message must be a user message" in str(err.value)

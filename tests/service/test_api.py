"""The HTTP API through its in-process test client, on tiny data with the hashing embedder:
the ask/documents/feedback contract, every 4xx path, and `askintl report`."""
import json

import pytest
from fastapi.testclient import TestClient
from web_servers import service_settings

from askintl.api import create_app
from askintl.cli import main as cli_main
from askintl.api.feedback import FeedbackStore, default_db_path, question_key
from askintl.records import Answer, AskResult

ALPHA_QUESTION = "How many international students are at Alpha University?"
OFF_TOPIC = "Who won the world cup?"


@pytest.fixture
def settings(hash_settings):
    return service_settings(hash_settings)


def ask(client, question, **body):
    r = client.post("/v1/ask", json={"question": question, **body})
    assert r.status_code == 200, r.text
    return r.json()


# ---- /v1/ask -------------------------------------------------------------------------------------
def test_ask_answers_with_an_exact_quote_of_a_served_document(client):
    data = ask(client, ALPHA_QUESTION)
    assert data["abstained"] is False
    a = data["answer"]
    doc = client.get(f"/v1/documents/{a['doc_id']}").json()
    assert doc["text"][a["start"]:a["end"]] == a["text"]
    assert "2,500" in a["text"]
    for p in data["passages"]:
        assert set(p) >= {"doc_id", "title", "institution", "text", "start", "end", "score"}
        assert client.get(f"/v1/documents/{p['doc_id']}").json()["text"][p["start"]:p["end"]] == p["text"]
    assert data["index_version"] == client.get("/healthz").json()["index_version"]


def test_each_answer_is_remembered_under_its_id(client, settings):
    first, second = ask(client, ALPHA_QUESTION), ask(client, OFF_TOPIC)
    assert first["id"] != second["id"] and len(first["id"]) == 32
    store = FeedbackStore(default_db_path(settings))
    row = store.answer(first["id"])
    assert row["question"] == ALPHA_QUESTION and row["channel"] == "ask"
    assert row["abstained"] == 0 and row["answer_text"] == first["answer"]["text"]
    assert row["answer_doc_id"] == "alpha-uni" and row["index_version"] == first["index_version"]
    assert store.answer(second["id"])["abstained"] == int(second["abstained"])


def test_follow_up_uses_the_history(client):
    history = [{"role": "user", "content": "Tell me about Beta College"}, {"role": "assistant", "content": ""}]
    data = ask(client, "How many teachers did they send abroad?", history=history)
    assert "Beta College" in data["standalone_query"]
    assert data["passages"][0]["doc_id"] == "beta-college"


def test_top_k_limits_the_passages(client):
    assert len(ask(client, "students", top_k=1)["passages"]) == 1


def test_documents_and_health(client):
    docs = client.get("/v1/documents").json()
    assert {d["doc_id"] for d in docs} == {"alpha-uni", "beta-college"}
    beta = client.get("/v1/documents/beta-college").json()
    assert beta["url"] == "https://beta.example/intl" and beta["institution"] == "Beta College"
    health = client.get("/healthz").json()
    assert health["status"] == "ok" and health["documents"] == 2 and health["embedder"].startswith("hash")


# ---- confidence levels -----------------------------------------------------------------------------
def _ask_with(hash_settings, question, **overrides):
    """One /v1/ask on an engine of its own, opened with these settings (the same index)."""
    from askintl.engine import Engine

    settings = service_settings(hash_settings, **overrides)
    with TestClient(create_app(settings, engine=Engine.open(settings))) as c:
        return ask(c, question)


def test_confidence_level_is_low_exactly_below_the_low_confidence_threshold(hash_settings, hash_engine):
    # abstain_threshold 0 shows the hashing embedder's answer whatever the reader makes of it, so
    # the levels below are forced by the settings, not by what the model happens to output.
    shown = _ask_with(hash_settings, ALPHA_QUESTION, abstain_threshold=0.0, low_confidence_below=0.0)
    assert shown["abstained"] is False and shown["answer"]
    assert (shown["confidence_level"], shown["low_confidence"]) == ("high", False)
    c = shown["confidence"]
    assert 0.0 <= c < 1.0
    at = _ask_with(hash_settings, ALPHA_QUESTION, abstain_threshold=0.0, low_confidence_below=c)
    assert at["confidence"] == c and (at["confidence_level"], at["low_confidence"]) == ("high", False)
    above = _ask_with(hash_settings, ALPHA_QUESTION, abstain_threshold=0.0, low_confidence_below=min(1.0, c + 1e-3))
    assert above["confidence"] == c and (above["confidence_level"], above["low_confidence"]) == ("low", True)
    assert above["answer"] == shown["answer"]  # the level marks the answer; it does not change it


def test_an_abstention_has_no_confidence_level(hash_settings, hash_engine):
    data = _ask_with(hash_settings, ALPHA_QUESTION, abstain_threshold=1.0, low_confidence_below=1.0)
    assert data["abstained"] is True and data["answer"] is None
    assert data["confidence_level"] is None and data["low_confidence"] is False


def test_confidence_level_with_the_default_settings_is_consistent(client):
    for question in (ALPHA_QUESTION, OFF_TOPIC, "students"):
        data = ask(client, question)
        expected = None if data["abstained"] else "low" if data["confidence"] < 0.5 else "high"
        assert data["confidence_level"] == expected, data
        assert data["low_confidence"] is (expected == "low")
    schema = client.get("/openapi.json").json()["components"]["schemas"]["AskResponse"]
    assert {"confidence", "confidence_level", "low_confidence"} <= set(schema["properties"])


def test_low_confidence_threshold_setting(monkeypatch):
    from pydantic import ValidationError

    from askintl.config import Settings
    from askintl.records import confidence_level

    assert Settings().low_confidence_below == 0.5
    monkeypatch.setenv("ASKINTL_LOW_CONFIDENCE_BELOW", "0.7")
    assert Settings().low_confidence_below == 0.7
    assert Settings(abstain_threshold=0.7).abstain_threshold == 0.7  # equal is allowed
    with pytest.raises(ValidationError, match="below abstain_threshold"):
        Settings(abstain_threshold=0.8)
    for bad in (-0.1, 1.5):
        with pytest.raises(ValidationError):
            Settings(low_confidence_below=bad)
    assert [confidence_level(c, False, 0.5) for c in (0.0, 0.4999, 0.5, 0.93)] == ["low", "low", "high", "high"]
    assert confidence_level(0.93, True, 0.5) is None


# ---- 4xx paths -----------------------------------------------------------------------------------
@pytest.mark.parametrize("body,field", [
    ({}, "question"),
    ({"question": ""}, "question"),
    ({"question": "x" * 1001}, "question"),
    ({"question": "hi", "top_k": 0}, "top_k"),
    ({"question": "hi", "top_k": 21}, "top_k"),
    ({"question": "hi", "history": [{"role": "system", "content": "x"}]}, "history"),
    ({"question": "hi", "history": [{"role": "user"}]}, "history"),
    ({"question": "hi", "lang": "en"}, "lang"),
    ({"question": 5}, "question"),
])
def test_invalid_ask_bodies_are_422_naming_the_field(client, body, field):
    r = client.post("/v1/ask", json=body)
    assert r.status_code == 422
    assert r.json()["error"] == "invalid request" and field in r.json()["detail"]


def test_blank_question_is_refused_by_the_engine(client):
    r = client.post("/v1/ask", json={"question": "   "})
    assert r.status_code == 422 and r.json()["error"] == "InvalidRequestError"


def test_malformed_json_is_422(client):
    r = client.post("/v1/ask", content=b'{"question": ', headers={"content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"] == "invalid request"


def test_unknown_document_route_and_method(client):
    r = client.get("/v1/documents/nope")
    assert r.status_code == 404 and r.json() == {"error": "NotFoundError", "detail": "no document 'nope' in the index"}
    r = client.get("/v1/nothing-here")
    assert r.status_code == 404 and r.json()["error"] == "not found"
    r = client.get("/v1/ask")
    assert r.status_code == 405 and r.json()["error"] == "method not allowed"


def test_request_body_size_limit(hash_settings, hash_engine):
    settings = service_settings(hash_settings, max_request_bytes=2048)
    with TestClient(create_app(settings, engine=hash_engine)) as client:
        big = json.dumps({"question": "x", "history": [{"role": "user", "content": "y" * 3000}]}).encode()
        r = client.post("/v1/ask", content=big, headers={"content-type": "application/json"})
        assert r.status_code == 413 and "limit is 2048" in r.json()["detail"]

        def chunks():  # no Content-Length: the limit is enforced while reading
            yield big[:1000]
            yield big[1000:]
        r = client.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"})
        assert r.status_code == 413 and r.json()["error"] == "request too large"
        assert client.post("/v1/ask", json={"question": ALPHA_QUESTION}).status_code == 200


# ---- feedback ------------------------------------------------------------------------------------
def test_feedback_is_stored_against_the_answer(client, settings):
    answer_id = ask(client, ALPHA_QUESTION)["id"]
    r = client.post("/v1/feedback", json={"answer_id": answer_id, "helpful": True})
    assert r.status_code == 201 and r.json() == {"answer_id": answer_id, "helpful": True, "status": "recorded"}
    store = FeedbackStore(default_db_path(settings))
    assert store.feedback(answer_id) == {"helpful": True, "comment": None}
    # A later rating of the same answer replaces the first; chat ids (chatcmpl-…) are accepted.
    r = client.post("/v1/feedback", json={"answer_id": f"chatcmpl-{answer_id}", "helpful": False,
                                          "comment": "  The number is out of date.  "})
    assert r.status_code == 201
    assert store.feedback(answer_id) == {"helpful": False, "comment": "The number is out of date."}


@pytest.mark.parametrize("body,status", [
    ({"answer_id": "0" * 32, "helpful": True}, 404),
    ({"answer_id": "", "helpful": True}, 422),
    ({"answer_id": "abc"}, 422),
    ({"answer_id": "abc", "helpful": "maybe"}, 422),
    ({"answer_id": "abc", "helpful": True, "comment": "x" * 2001}, 422),
    ({"answer_id": "abc", "helpful": True, "rating": 5}, 422),
])
def test_invalid_feedback(client, body, status):
    r = client.post("/v1/feedback", json=body)
    assert r.status_code == status and r.json()["detail"]


# ---- askintl report ------------------------------------------------------------------------------
def _result(question, abstained, doc_id="alpha-uni"):
    answer = None if abstained else Answer(text="quote", doc_id=doc_id, start=0, end=5, passage_index=0)
    return AskResult(question=question, standalone_query=question, abstained=abstained, answer=answer,
                     passages=[], confidence=0.0 if abstained else 0.9)


def test_report_lists_abstained_and_disliked_questions_most_frequent_first(tmp_path, capsys):
    db = tmp_path / "data" / "askintl.sqlite"
    store = FeedbackStore(db)
    for question in ["Who won the world cup?"] * 3 + ["who won the WORLD CUP", "Best pizza in Naples?"]:
        store.record_answer(_result(question, abstained=True))
    disliked = [store.record_answer(_result("How many students?", False)) for _ in range(2)]
    disliked.append(store.record_answer(_result("Where is the office?", False, doc_id="beta-college")))
    for i, answer_id in enumerate(disliked):
        store.record_feedback(answer_id, helpful=False, comment=f"wrong {i}")
    store.record_feedback(store.record_answer(_result("Exchange partners?", False)), helpful=True)

    report = store.report()
    assert (report.answers, report.abstained, report.helpful, report.not_helpful) == (9, 5, 1, 3)
    assert [(r.question, r.count) for r in report.abstained_questions] == [
        ("who won the WORLD CUP", 4), ("Best pizza in Naples?", 1)]  # grouped; latest spelling shown
    assert [(r.question, r.count, r.doc_ids) for r in report.disliked_questions] == [
        ("How many students?", 2, ["alpha-uni"]), ("Where is the office?", 1, ["beta-college"])]
    assert report.disliked_questions[0].comments == ["wrong 1", "wrong 0"]

    assert cli_main(["report", "--db", str(db), "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "9 questions (5 not answered from the sources); feedback: 1 helpful, 3 not helpful" in out
    assert "4x  who won the WORLD CUP" in out and "Naples" not in out
    assert "2x  How many students?   quoted: alpha-uni" in out and "comment: wrong 1" in out
    # --index finds the default database beside the index folder.
    assert cli_main(["report", "--index", str(tmp_path / "index"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [(r["question"], r["count"]) for r in data["abstained_questions"]][0] == ("who won the WORLD CUP", 4)


def test_served_answers_and_ratings_reach_the_report(client, settings):
    abstained = ask(client, OFF_TOPIC)
    answered = ask(client, ALPHA_QUESTION)
    client.post("/v1/feedback", json={"answer_id": answered["id"], "helpful": False})
    report = FeedbackStore(default_db_path(settings)).report()
    assert report.answers == 2 and report.not_helpful == 1
    assert [r.question for r in report.disliked_questions] == [ALPHA_QUESTION]
    assert [r.question for r in report.abstained_questions] == ([OFF_TOPIC] if abstained["abstained"] else [])


def test_report_without_a_database_says_where_it_looked(tmp_path, capsys):
    assert cli_main(["report", "--db", str(tmp_path / "none.sqlite")]) == 4
    assert "no answers recorded yet" in capsys.readouterr().err


def test_question_key_groups_spellings():
    assert question_key("  Who won the  World Cup? ") == question_key("who won the world cup")
    assert question_key("who won the world cup") == "who won the world cup"
    assert question_key("北京交通大学有多少国际学生？") == "北京交通大学有多少国际学生"
    assert question_key("What is 1.5?") == "what is 1.5"


# ---- pages ---------------------------------------------------------------------------------------
def test_pages_widget_and_document_page_are_served(client):
    home = client.get("/")
    assert home.status_code == 200 and home.headers["content-type"].startswith("text/html")
    csp = home.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert '<script src="widget.js" defer' in home.text and "<script>" not in home.text  # no inline script
    widget = client.get("/widget.js")
    assert widget.headers["content-type"].startswith("text/javascript")
    assert "customElements.define(\"askintl-chat\"" in widget.text and ".innerHTML" not in widget.text
    assert widget.headers["cross-origin-resource-policy"] == "cross-origin"
    assert widget.headers["x-content-type-options"] == "nosniff"
    page = client.get("/documents/alpha-uni?start=10&end=155")
    assert page.status_code == 200 and 'src="../static/document.js"' in page.text
    assert client.get("/documents/nope").status_code == 404
    assert client.get("/static/document.js").status_code == 200
    assert client.get("/static/nope.js").status_code == 404


def test_one_version_string_everywhere(make_client, capsys):
    """pyproject.toml's version is the package's, the API's and the CLI's."""
    from importlib import metadata

    import askintl
    from askintl.cli import main as cli_main

    version = metadata.version("askintl")
    assert askintl.__version__ == version
    assert make_client().get("/openapi.json").json()["info"]["version"] == version
    with pytest.raises(SystemExit):
        cli_main(["--version"])
    assert capsys.readouterr().out.strip() == f"askintl {version}"

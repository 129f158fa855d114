"""`askintl chat` without a terminal: the conversation, the highlighting, the views, and the piped
mode (`askintl chat < questions.txt`) run as a real subprocess over a tiny hashing-embedder index."""
from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys

import pytest
from rich.console import Console

from askintl.term.session import Conversation, parse_command
from askintl.term.backends import MAX_HISTORY_TURNS, LocalBackend, Reply, result_from_json
from askintl.records import Answer, AskResult, Document, Passage
from askintl.term.views import (answer_view, citations, document_view, highlight_spans, paragraphs, plain_block,
                            sources_view)
from chat_terminal import askintl_command, child_env
from helpers import squash

ALPHA_Q = "How many international students study at Alpha University?"
FOLLOW_UP = "And how many exchange agreements have they signed?"
OFF_TOPIC = "Who won the 2018 FIFA World Cup?"


def _marked(text: str, query: str) -> list[str]:
    return [text[s:e] for s, e in highlight_spans(text, query)]


# ---- highlighting ---------------------------------------------------------------------------
def test_question_words_are_highlighted_by_stem_and_number():
    quote = "Now there are over 1,400 international students from more than 80 countries studying on campus."
    assert _marked(quote, "How many international students study at BJTU? Is it 1400?") == [
        "1,400 international students", "studying"]


def test_stopwords_and_unrelated_words_are_not_highlighted():
    assert _marked("There are over 80 countries in the list.", "What are the countries?") == ["countries"]
    assert _marked("Nothing in common here.", "How many international students?") == []


@pytest.mark.parametrize("text,query,expected", [
    ("国际交流处负责学生交流项目。学院每年接收100名留学生！", "学院每年接收多少留学生？", ["学生", "学院每年接收", "留学生"]),
    ("Всего институт набрал 89 египетских студентов.", "Сколько египетских студентов набрал институт?",
     ["институт набрал", "египетских студентов"]),
    ("يقع مكتب الشؤون الدولية في شارع الميناء.", "أين يقع مكتب الشؤون الدولية؟", ["يقع مكتب الشؤون الدولية"]),
])
def test_highlighting_works_in_other_scripts(text, query, expected):
    assert _marked(text, query) == expected


def test_paragraph_numbers_count_blocks_between_blank_lines():
    text = "Title\n\nFirst paragraph.\nStill first.\n\n  \nSecond paragraph."
    second = text.index("Second")
    assert paragraphs(text, 0, 5) == "¶1"
    assert paragraphs(text, text.index("First"), text.index("Still")) == "¶2"
    assert paragraphs(text, text.index("First"), len(text)) == "¶2–3"
    assert paragraphs(text, second, len(text)) == "¶3"


def test_commands_are_told_from_questions():
    assert parse_command("/open 2") == ("open", "2")
    assert parse_command("  /SOURCES ") == ("sources", "")
    assert parse_command("What is /open?") is None
    assert parse_command("//not a command") is None


# ---- the conversation sends history as the API does ---------------------------------------------
class _RecordingBackend:
    """Answers from a script and records what it was sent."""

    def __init__(self, answers: list[str | None]):
        self.answers = list(answers)
        self.calls: list[tuple[str, list[dict]]] = []

    def ask(self, question, history=None, top_k=None):
        self.calls.append((question, [dict(t) for t in history]))
        text = self.answers.pop(0)
        p = Passage(0, "d", "T", "I", text or "x", 0, len(text or "x"), 1.0)
        answer = Answer(text, "d", 0, len(text), 0) if text else None
        result = AskResult(question, question, answer is None, answer, [p], 0.9)
        return Reply(result, result.to_dict(), 0.01)


def test_history_is_the_turns_so_far_with_empty_content_for_abstentions():
    backend = _RecordingBackend(["Quote one.", None, "Quote three."])
    conv = Conversation()
    for q in ("q1", "q2", "q3"):
        conv.ask(backend, q)
    assert backend.calls[0] == ("q1", [])
    assert backend.calls[1][1] == [{"role": "user", "content": "q1"}, {"role": "assistant", "content": "Quote one."}]
    assert backend.calls[2][1][2:] == [{"role": "user", "content": "q2"}, {"role": "assistant", "content": ""}]
    conv.reset()
    assert conv.history == [] and conv.last is None


def test_history_keeps_the_latest_turns_the_api_accepts():
    backend = _RecordingBackend(["a"] * 30)
    conv = Conversation()
    for i in range(30):
        conv.ask(backend, f"q{i}")
    assert len(conv.history) == MAX_HISTORY_TURNS
    assert conv.history[0] == {"role": "user", "content": f"q{30 - MAX_HISTORY_TURNS // 2}"}
    assert conv.history[-2] == {"role": "user", "content": "q29"}


def test_the_history_limit_is_the_apis():
    from askintl.api.schemas import MAX_TURNS

    assert MAX_HISTORY_TURNS == MAX_TURNS


def test_follow_up_through_the_local_backend_uses_the_earlier_turns(hash_settings, hash_engine):
    conv = Conversation()
    backend = LocalBackend(hash_settings, engine=hash_engine)
    first = conv.ask(backend, ALPHA_Q).result
    assert first.answer is not None and "2,500" in first.answer.text
    second = conv.ask(backend, FOLLOW_UP)
    assert "Alpha University" in second.result.standalone_query
    assert second.raw["index_version"] == hash_engine.snapshot.version
    assert conv.history[:2] == [{"role": "user", "content": ALPHA_Q},
                                {"role": "assistant", "content": first.answer.text}]


def test_a_response_of_the_http_api_reads_back_into_the_same_result(hash_settings, hash_engine):
    from fastapi.testclient import TestClient

    from askintl.api import create_app

    expected = hash_engine.ask(ALPHA_Q)
    with TestClient(create_app(hash_settings, engine=hash_engine)) as client:
        body = client.post("/v1/ask", json={"question": ALPHA_Q}).json()
    result = result_from_json(body)
    assert result.answer == expected.answer
    assert [(p.doc_id, p.start, p.end, p.text) for p in result.passages] == \
        [(p.doc_id, p.start, p.end, p.text) for p in expected.passages]
    assert (result.abstained, result.standalone_query, result.reason) == \
        (expected.abstained, expected.standalone_query, expected.reason)
    assert (result.confidence, result.confidence_level, result.low_confidence, result.index_version) == \
        (expected.confidence, expected.confidence_level, expected.low_confidence, expected.index_version)
    assert result.index_version and result.confidence_level in ("high", "low", None)
    # the same records: passage ids are not public (an index version's rows), and read back as -1
    assert all("passage_id" not in p for p in body["passages"])
    assert result.passages == [dataclasses.replace(p, passage_id=-1) for p in expected.passages]
    assert result == dataclasses.replace(expected, passages=result.passages)


def test_the_local_backend_reports_the_index_version_that_answered(hash_settings, hash_engine):
    from types import SimpleNamespace

    answered = hash_engine.ask(ALPHA_Q)
    # a re-index published between the answer and the reply: the reply keeps its own version
    engine = SimpleNamespace(snapshot=SimpleNamespace(documents=[], version="newer"),
                             embedder=hash_engine.embedder, ask=lambda *args, **kwargs: answered)
    backend = LocalBackend(hash_settings, engine=engine)
    reply = backend.ask(ALPHA_Q)
    assert reply.result.index_version == reply.raw["index_version"] == answered.index_version != "newer"
    assert backend.info.index_version == answered.index_version


@pytest.mark.parametrize("low_below,level", [(1.0, "low"), (0.0, "high")])
def test_the_confidence_level_reads_back_from_the_http_api(hash_settings, hash_engine, low_below, level):
    from fastapi.testclient import TestClient

    from askintl.api import create_app
    from askintl.engine import Engine

    # abstain_threshold 0 shows the answer; the level is forced by the setting, whatever the model says
    settings = hash_settings.model_copy(update={"abstain_threshold": 0.0, "low_confidence_below": low_below,
                                                "request_log": False})
    with TestClient(create_app(settings, engine=Engine.open(settings))) as client:
        body = client.post("/v1/ask", json={"question": ALPHA_Q}).json()
    assert body["confidence"] < 1.0 and body["confidence_level"] == level
    result = result_from_json(body)
    assert (result.confidence_level, result.low_confidence) == (level, level == "low")
    assert (result.confidence, result.index_version) == (body["confidence"], body["index_version"])
    again = result.to_dict()
    assert {k: again[k] for k in ("confidence", "confidence_level", "low_confidence", "index_version")} == \
        {k: body[k] for k in ("confidence", "confidence_level", "low_confidence", "index_version")}


def test_a_body_without_a_confidence_level_reads_as_unknown():
    body = {"question": "q", "abstained": False, "confidence": 0.3, "passages": [],
            "answer": {"text": "x", "doc_id": "d", "start": 0, "end": 1, "passage_index": 0}}
    assert result_from_json(body).confidence_level is None and not result_from_json(body).low_confidence
    assert result_from_json({**body, "confidence_level": "bogus"}).confidence_level is None
    assert result_from_json({**body, "low_confidence": True}).confidence_level == "low"


# ---- the rich views ----------------------------------------------------------------------------
def _render(renderable, width=80) -> str:
    console = Console(width=width, record=True, color_system=None, force_terminal=False)
    console.print(renderable)
    return console.export_text()


def test_views_show_the_quote_citations_and_the_document(hash_engine):
    result = hash_engine.ask(ALPHA_Q)
    n = result.answer.passage_index + 1
    shown = _render(answer_view(result, 0.02))
    assert f"“{result.answer.text[:40]}" in squash(shown)
    assert re.search(rf"”\[{n}\]", shown) and f"[{n}] Alpha University · Alpha University International" in shown
    assert f"confidence {result.confidence:.2f} · 20 ms" in shown
    sources = _render(sources_view(result))
    assert re.search(rf"^  \[{n}\] Alpha University · Alpha University International *\n"
                     r"      alpha-uni \d+–\d+ · score [\d.]+ · the answer *$", sources, re.M)
    assert sources.count("score") == len(result.passages)
    doc = hash_engine.document(result.answer.doc_id)
    opened = _render(document_view(doc, result.passages[n - 1], n, result), width=200)
    assert f"quote {result.answer.start}–{result.answer.end}" in opened
    assert "The International Office is located at 12 Harbour Road" in opened  # the whole document


def _answered(confidence, level):
    text = "Alpha hosts 2,500 students."
    passage = Passage(0, "alpha-uni", "Intl", "Alpha University", text, 0, len(text), 1.0)
    return AskResult("How many students?", "How many students?", False,
                     Answer(text, "alpha-uni", 0, len(text), 0, "Intl", "Alpha University"), [passage], confidence,
                     confidence_level=level)


def test_a_low_confidence_answer_is_marked_in_words_with_its_confidence():
    from askintl.term.views import result_text

    low, high = _answered(0.34, "low"), _answered(0.93, "high")
    shown = _render(answer_view(low, 0.02))  # no colours: the words must say it
    assert "Low confidence: check the quote against its source." in shown
    assert "confidence 0.34 · 20 ms" in shown
    assert shown.index("Low confidence") > shown.index("2,500")  # under the quote
    shown = _render(answer_view(high, 0.02))
    assert "Low confidence" not in shown and "confidence 0.93 · 20 ms" in shown
    assert plain_block(low).splitlines()[2:] == [
        "Source: Alpha University — Intl (alpha-uni, characters 0-27)",
        "Confidence: 0.34 (low confidence: check the quote against its source)"]
    assert plain_block(high).splitlines()[3] == "Confidence: 0.93"
    ask_low = _render(result_text(low))
    assert "Low confidence: check the quote against its source. (confidence 0.34)" in ask_low
    assert "Low confidence" not in _render(result_text(high)) and "confidence 0.93" in _render(result_text(high))


def test_citation_lines_never_wrap_and_keep_their_place():
    passages = [Passage(i, "njupt", "Brief Introduction to Department of Overseas Cooperation and Exchange",
                        "Nanjing University of Posts and Telecommunications", "x", 0, 1, 1.0) for i in range(3)]
    result = AskResult("q", "q", True, None, passages, 0.1)
    lines = _render(citations(result, {0: "¶10–12", 1: "¶3", 2: "¶4"}), width=60).splitlines()
    assert len(lines) == 3
    assert all(len(line.rstrip()) <= 60 and "…" in line for line in lines)
    assert lines[0].rstrip().endswith("¶10–12") and lines[1].rstrip().endswith("¶3")
    twice = _render(citations(result, {0: "¶3", 1: "¶3", 2: "¶4"}), width=200).splitlines()
    assert [line.rstrip().rsplit("  ", 1)[1] for line in twice] == ["¶3 · 0–1", "¶3 · 0–1", "¶4"]


def test_control_characters_from_the_sources_never_reach_the_terminal():
    evil = "Omega hosts 77 students.\x1b]0;pwned\x07\x1b[2J"
    passage = Passage(0, "omega", "Title\x1b[5m", "Omega\x9b", evil, 0, len(evil), 1.0)
    result = AskResult("students?", "students?", False, Answer(evil, "omega", 0, len(evil), 0), [passage], 0.9)
    doc = Document("omega", "Intro\n\n" + evil, "Title\x1b[5m", "Omega\x9b")
    doc_passage = Passage(0, "omega", doc.title, doc.institution, evil, 7, 7 + len(evil), 1.0)
    console = Console(width=100, record=True, force_terminal=True, color_system="truecolor")
    for view in (answer_view(result), sources_view(result), document_view(doc, doc_passage, 1, result)):
        console.print(view)
    shown = console.export_text(styles=True)  # with rich's own style codes
    assert "\x1b]" not in shown and "\x1b[2J" not in shown and "\x1b[5m" not in shown and "\x9b" not in shown
    assert "␛]0;pwned␇␛[2J" in shown and "students" in shown
    assert "\x1b" not in plain_block(result) and "␛[2J" in plain_block(result)


def test_an_abstention_says_not_found(hash_engine):
    result = hash_engine.ask(OFF_TOPIC)
    assert result.abstained
    assert "Not found in the sources." in _render(answer_view(result))
    assert plain_block(result) == f"Q: {OFF_TOPIC}\nA: Not found in the sources.\n"


# ---- piped input: the real program ------------------------------------------------------------------
@pytest.fixture
def tiny_index(hash_settings, hash_engine):
    return hash_settings.index_dir


def _run(args, stdin: str, tmp_path, timeout=120, **env):
    return subprocess.run(askintl_command() + ["chat", *args], input=stdin.encode("utf-8"), capture_output=True,
                          timeout=timeout, env=child_env(tmp_path, **env))


CONFIDENCE_LINE = r"Confidence: [01]\.\d\d( \(low confidence: check the quote against its source\))?\n"
BLOCK_ANSWERED = (r"Q: {q}\nA: “[^\n]+”\nSource: [^\n]+ \([\w-]+, characters \d+-\d+\)\n"
                  + CONFIDENCE_LINE + r"\n")


def test_piped_questions_give_one_plain_block_each(tiny_index, tmp_path, hash_engine):
    stdin = f"{ALPHA_Q}\n{FOLLOW_UP}\n\n/reset\n{OFF_TOPIC}\n"
    out = _run(["--index", str(tiny_index), "--embedder", "hash"], stdin, tmp_path)
    assert out.returncode == 0, out.stderr.decode()
    assert out.stderr == b""
    text = out.stdout.decode("utf-8")
    assert "\x1b" not in text and "\r" not in text
    shape = (BLOCK_ANSWERED.format(q=re.escape(ALPHA_Q))
             + r"Q: {q}\nSearched: [^\n]*Alpha University[^\n]*\n".format(q=re.escape(FOLLOW_UP))
             + r"A: (“[^\n]+”\nSource: [^\n]+\n" + CONFIDENCE_LINE + r"|Not found in the sources\.\n)\n"
             + f"Q: {re.escape(OFF_TOPIC)}\nA: Not found in the sources\\.\n\n")
    assert re.fullmatch(shape, text), text
    # the Source line locates the quote exactly
    first = text.split("\n\n")[0].splitlines()
    doc_id, start, end = re.search(r"\(([\w-]+), characters (\d+)-(\d+)\)", first[2]).groups()
    quote = hash_engine.document(doc_id).text[int(start):int(end)]
    assert first[1] == f"A: “{' '.join(quote.split())}”"
    assert "2,500" in quote


def test_piped_low_confidence_answers_say_so(tiny_index, tmp_path):
    out = _run(["--index", str(tiny_index), "--embedder", "hash"], f"{ALPHA_Q}\n", tmp_path,
               ASKINTL_ABSTAIN_THRESHOLD="0", ASKINTL_LOW_CONFIDENCE_BELOW="1")
    assert out.returncode == 0, out.stderr.decode()
    lines = out.stdout.decode("utf-8").splitlines()
    assert lines[1].startswith("A: “") and lines[2].startswith("Source: ")
    assert re.fullmatch(r"Confidence: 0\.\d\d \(low confidence: check the quote against its source\)", lines[3])


def test_piped_json_gives_one_response_per_line_with_the_conversation(tiny_index, tmp_path):
    out = _run(["--index", str(tiny_index), "--embedder", "hash", "--json"], f"{ALPHA_Q}\n{FOLLOW_UP}\n", tmp_path)
    assert out.returncode == 0, out.stderr.decode()
    rows = [json.loads(line) for line in out.stdout.decode().splitlines()]
    assert [r["question"] for r in rows] == [ALPHA_Q, FOLLOW_UP]
    assert rows[0]["answer"]["doc_id"] == "alpha-uni" and rows[0]["index_version"]
    assert "Alpha University" in rows[1]["standalone_query"]


def test_a_bad_line_is_reported_in_its_block_and_the_rest_is_answered(tiny_index, tmp_path):
    long_question = "why " * 300
    out = _run(["--index", str(tiny_index), "--embedder", "hash"], f"{long_question}\n/open 9\n{ALPHA_Q}\n", tmp_path)
    assert out.returncode == 1
    blocks = out.stdout.decode().split("\n\n")
    assert blocks[0].startswith("Q: why why") and blocks[0].endswith("the limit is 1000")
    assert blocks[1] == "Error: no answer yet: ask a question first"
    assert re.fullmatch(BLOCK_ANSWERED.format(q=re.escape(ALPHA_Q)), blocks[2] + "\n\n")


def test_piped_commands_give_sources_and_documents_in_plain_text(tiny_index, tmp_path):
    lines = f"{ALPHA_Q}\n/sources\n/open 1\n/quit\n{OFF_TOPIC}\n"
    out = _run(["--index", str(tiny_index), "--embedder", "hash"], lines, tmp_path)
    assert out.returncode == 0
    text = out.stdout.decode()
    assert "\x1b" not in text
    assert re.search(r"^\[1\] Alpha University · Alpha University International · alpha-uni \d+–\d+$", text, re.M)
    assert "The International Office is located at 12 Harbour Road, Port City 100200." in text  # /open 1
    assert OFF_TOPIC not in text  # /quit stopped reading


def test_piped_unicode_is_utf8_whatever_the_locale(tiny_index, tmp_path):
    questions = ["学院每年接收多少留学生？", "Сколько студентов учится в Alpha University?", "أين يقع المكتب الدولي؟"]
    out = _run(["--index", str(tiny_index), "--embedder", "hash"], "\n".join(questions) + "\n", tmp_path,
               PYTHONIOENCODING="ascii", LANG="C", LC_ALL="C")
    assert out.returncode == 0, out.stderr.decode()
    text = out.stdout.decode("utf-8")
    for q in questions:
        assert f"Q: {q}\n" in text


def test_a_missing_index_is_a_clear_error(tmp_path):
    out = _run(["--index", str(tmp_path / "none"), "--embedder", "hash"], f"{ALPHA_Q}\n", tmp_path)
    assert out.returncode == 3
    assert b"run `askintl index" in out.stderr and b"Traceback" not in out.stderr


def test_what_the_prompt_needs_imports_no_numerical_library():
    """The prompt comes before the model: nothing on its path may import numpy, scipy, FAISS or pydantic."""
    code = ("import sys, askintl.cli, askintl.term, askintl.term.session, askintl.term.plain, askintl.term.terminal, askintl.term.backends, askintl.term.views; "
            "print(sorted(m for m in ('numpy', 'scipy', 'faiss', 'pydantic', 'urllib.request') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"

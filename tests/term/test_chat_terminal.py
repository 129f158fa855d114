"""`askintl chat` in a pseudo-terminal: the real program, driven by keystrokes, checked on a virtual
screen. Mechanics run on a tiny hashing-embedder index (local, and through `askintl serve`); one test
(marked ``model``) asks the bundled corpus with the real default model."""
from __future__ import annotations

import contextlib
import json
import re
import shutil
import subprocess
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from chat_terminal import Terminal, askintl_command, child_env
from helpers import free_port

DATA = Path(__file__).resolve().parents[1] / "data"
ALPHA_Q = "How many international students study at Alpha University?"
FOLLOW_UP = "And how many exchange agreements have they signed?"
PROMPT = "❯"
ANSWERED = re.compile(r"”\[(\d)\]")
DONE = "/open N for a document"  # the last line of every answer


@pytest.fixture(scope="module")
def multilingual_index(tmp_path_factory) -> Path:
    """tests/data/tiny plus a Russian and an Arabic text, indexed with the hashing embedder."""
    from askintl.config import Settings
    from askintl.indexer import build_index

    root = tmp_path_factory.mktemp("chat")
    corpus = root / "corpus"
    shutil.copytree(DATA / "tiny", corpus)
    (corpus / "gamma-ru.txt").write_text(
        "Международный отдел\n\nВ Гамма-университете учатся 320 иностранных студентов из 25 стран.\n",
        encoding="utf-8")
    (corpus / "delta-ar.txt").write_text(
        "مكتب العلاقات الدولية\n\nيستقبل معهد دلتا 150 طالبا دوليا كل عام.\n", encoding="utf-8")
    catalog = json.loads((corpus / "catalog.json").read_text(encoding="utf-8"))
    catalog["gamma-ru"] = {"title": "Международный отдел", "institution": "Гамма-университет", "language": "ru"}
    catalog["delta-ar"] = {"title": "مكتب العلاقات الدولية", "institution": "معهد دلتا", "language": "ar"}
    (corpus / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False), encoding="utf-8")
    build_index(Settings(corpus_dir=corpus, index_dir=root / "index", embedder="hash"))
    return root / "index"


def _chat(tmp_path, *args, cols=100, rows=40, prefix=(), **env) -> Terminal:
    """``askintl chat ARGS`` in a terminal; ``prefix`` runs it through another command."""
    return Terminal([*prefix, *askintl_command(), "chat", *args], child_env(tmp_path, **env), cols=cols, rows=rows)


def _local(tmp_path, index, *args, **kw) -> Terminal:
    return _chat(tmp_path, "--index", str(index), "--embedder", "hash", *args, **kw)


def _ask(term: Terminal, question: str) -> str:
    """Type a question and wait for its answer; the text of that answer."""
    before = term.count(DONE)
    term.line(question)
    term.wait_for(lambda text: text.count(DONE) > before)
    text = term.text()
    return text[text.rindex(f"{PROMPT} {question}"):]


def _ready(term: Terminal) -> None:
    term.wait_for(PROMPT)
    term.wait_for("● ready")


# ---- a whole session -------------------------------------------------------------------------------
def test_a_session_asks_follows_up_reads_sources_opens_resets_and_ends_with_ctrl_d(multilingual_index, tmp_path):
    with _local(tmp_path, multilingual_index) as term:
        _ready(term)
        shown = _ask(term, ALPHA_Q)
        assert ANSWERED.search(shown), shown
        n = int(ANSWERED.search(shown).group(1))
        assert "2,500" in shown
        assert re.search(rf"^  \[{n}\] Alpha University · Alpha University International +¶\d", shown, re.M)
        # the question's words are highlighted inside the quote (reverse video on the quote's green)
        assert all(c.reverse and c.fg == "green" for c in term.cells("international students"))
        assert not any(c.reverse for c in term.cells("countries"))

        follow = _ask(term, FOLLOW_UP)
        assert re.search(r"searched: .*Alpha University", follow)

        term.line("/sources")
        term.wait_for(re.compile(r"\[\d\] Alpha University · Alpha University International\n"
                                 r" +¶[\d–]+ · alpha-uni \d+–\d+ · score [\d.]+ · the answer"))

        term.line("/open 1")
        shown = term.wait_for(re.compile(r"alpha-uni · Port City · en · passage ¶\d"))
        term.wait_for("The International Office is located at 12 Harbour Road")

        term.line("/json")
        shown = term.wait_for('"index_version"')
        assert f'"question": "{FOLLOW_UP}"' in shown

        term.line("/reset")
        term.wait_for("Conversation cleared")
        rewritten = term.count("searched:")
        shown = _ask(term, FOLLOW_UP)  # no earlier turns now: nothing to resolve "they" against
        assert "searched:" not in shown and term.count("searched:") == rewritten

        term.line("/nonsense")
        term.wait_for("unknown command /nonsense")

        term.send("\x1b[A")  # Up: the line history brings back the last line typed
        term.wait_for(f"{PROMPT} /nonsense")
        term.send("\x15")  # Ctrl-U clears it
        term.send("\x04")  # Ctrl-D
        assert term.wait_exit() == 0
        assert "Bye." in term.text() and "Traceback" not in term.text()
    history = (tmp_path / "state" / "askintl" / "chat-history").read_text(encoding="utf-8")
    assert ALPHA_Q in history and "/reset" in history


def test_help_lists_the_commands_and_ctrl_c_ends_cleanly(multilingual_index, tmp_path):
    with _local(tmp_path, multilingual_index, "--history-file", "none") as term:
        term.wait_for(PROMPT)
        term.line("/help")
        shown = term.wait_for("Anything else is a question")
        for command in ("/help", "/sources", "/open N", "/reset", "/json", "/quit"):
            assert re.search(rf"^  {re.escape(command)} ", shown, re.M)
        term.send("Half a question")
        term.send("\x03")  # Ctrl-C
        assert term.wait_exit() == 0
        assert "Bye." in term.text() and "Traceback" not in term.text()
    assert not (tmp_path / "state" / "askintl").exists()  # --history-file none


def test_quit_command_and_citation_errors(multilingual_index, tmp_path):
    with _local(tmp_path, multilingual_index) as term:
        term.wait_for(PROMPT)
        term.line("/open 1")
        term.wait_for("no answer yet: ask a question first")
        _ask(term, ALPHA_Q)
        term.line("/open 42")
        term.wait_for("/open takes a citation number from 1 to")
        term.line("/quit")
        assert term.wait_exit() == 0


def test_chinese_russian_and_arabic_display_correctly(multilingual_index, tmp_path):
    with _local(tmp_path, multilingual_index, cols=80) as term:
        _ready(term)
        shown = _ask(term, "学院每年接收多少留学生？")
        assert f"{PROMPT} 学院每年接收多少留学生？" in shown
        term.line("/sources")
        term.wait_for("学院每年接收100名留学生！")  # wide characters, each in two cells, nothing lost
        assert all(c.bold for c in term.cells("留学生"))  # the question's words stand out in the passage

        term.line("/reset")
        shown = _ask(term, "Сколько иностранных студентов учится в Гамма-университете?")
        assert "Гамма-университет · Международный отдел" in shown
        term.line("/sources")
        term.wait_for("В Гамма-университете учатся 320 иностранных студентов из 25 стран.")

        term.line("/reset")
        shown = _ask(term, "كم طالبا دوليا يستقبل معهد دلتا كل عام؟")
        assert "معهد دلتا · مكتب العلاقات الدولية" in shown
        term.line("/sources")
        term.wait_for("يستقبل معهد دلتا 150 طالبا دوليا كل عام.")  # stored in reading order, as typed
        term.send("\x04")
        assert term.wait_exit() == 0


def test_a_missing_index_ends_the_chat_with_the_command_to_run(tmp_path):
    with _chat(tmp_path, "--index", str(tmp_path / "none"), "--embedder", "hash") as term:
        assert term.wait_exit() == 3
        shown = term.flat()  # long lines wrap
        assert "askintl: error: no index in" in shown and "run `askintl index --index" in shown
        assert "Traceback" not in shown


# ---- against a server ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def server(multilingual_index, tmp_path_factory):
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(askintl_command() + ["serve", "--index", str(multilingual_index), "--embedder", "hash",
                                                     "--port", str(port), "--log-level", "warning"],
                                stdout=out, stderr=subprocess.STDOUT, env=child_env(tmp_path_factory.getbasetemp()))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"askintl serve did not start:\n{log.read_text()}") from None
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_a_session_against_a_server(server, tmp_path):
    with _chat(tmp_path, "--url", server) as term:
        term.wait_for(f"server {server} · /help lists the commands")
        term.wait_for("● ready in")
        assert re.search(rf"{re.escape(server)} · 4 documents", term.display())
        shown = _ask(term, ALPHA_Q)
        assert "2,500" in shown and re.search(r"\[\d\] Alpha University · Alpha University International", shown)
        assert re.search(r"searched: .*Alpha University", _ask(term, FOLLOW_UP))
        term.line("/open 1")
        term.wait_for("The International Office is located at 12 Harbour Road")  # GET /v1/documents/{id}
        term.line("/json")
        term.wait_for('"id": "')  # the server's own response, with its answer id
        term.send("\x04")
        assert term.wait_exit() == 0


def test_piped_answers_are_the_same_from_a_server_and_from_the_index(server, multilingual_index, tmp_path):
    questions = f"{ALPHA_Q}\n{FOLLOW_UP}\nWho won the 2018 FIFA World Cup?\n学院每年接收多少留学生？\n"
    env = child_env(tmp_path)
    run = lambda *args: subprocess.run(askintl_command() + ["chat", *args], input=questions.encode(),  # noqa: E731
                                       capture_output=True, timeout=120, env=env)
    remote = run("--url", server)
    local = run("--index", str(multilingual_index), "--embedder", "hash")
    assert remote.returncode == local.returncode == 0, remote.stderr + local.stderr
    assert remote.stdout == local.stdout
    assert remote.stdout.count(b"\nA: ") + remote.stdout.startswith(b"A: ") == 4


def test_a_question_the_server_refuses_is_reported_in_its_block(server, tmp_path):
    lines = f"{'why ' * 300}\n{ALPHA_Q}\n"
    out = subprocess.run(askintl_command() + ["chat", "--url", server], input=lines.encode(), capture_output=True,
                         timeout=60, env=child_env(tmp_path))
    assert out.returncode == 1
    refused, answered = out.stdout.decode().split("\n\n")[:2]
    assert refused.startswith("Q: why why") and "\nError: question: " in refused  # the API's 422 detail
    assert answered.startswith(f"Q: {ALPHA_Q}\nA: “")


def test_an_unreachable_server_is_reported(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    out = subprocess.run(askintl_command() + ["chat", "--url", url], input=b"hello?\n", capture_output=True,
                         timeout=60, env=child_env(tmp_path))
    assert out.returncode == 5 and f"cannot reach the askintl server at {url}".encode() in out.stderr
    with _chat(tmp_path, "--url", url) as term:  # a terminal chat keeps going: the server may come up
        term.wait_for(f"✗ cannot reach the askintl server at {url}")
        term.line("hello?")
        term.wait_for(re.compile(r"✗ cannot reach the askintl server .*\n.*" + PROMPT))
        term.send("\x04")
        assert term.wait_exit() == 0


@contextlib.contextmanager
def _slow_server():
    """A stand-in server whose GET /healthz waits until ``release`` is set; yields (url, release)."""
    release = threading.Event()

    class SlowHealth(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            release.wait(30)
            body = json.dumps({"status": "ok", "index_version": "v1", "documents": 7, "passages": 9,
                               "embedder": "hash:256"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), SlowHealth)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", release
    finally:
        release.set()
        httpd.shutdown()
        httpd.server_close()


def test_the_prompt_takes_input_while_the_backend_is_still_loading(tmp_path):
    with _slow_server() as (url, release), _chat(tmp_path, "--url", url) as term:
        term.wait_for(f"connecting to {url}")
        term.send("typed while connecting")
        term.wait_for(f"{PROMPT} typed while connecting")
        assert "● ready" not in term.display()
        release.set()
        term.wait_for("● ready")
        assert f"{PROMPT} typed while connecting" in term.display()
        assert "7 documents" in term.display()
        term.send("\x15\x04")
        assert term.wait_exit() == 0


@pytest.mark.parametrize("parent_ignores_sigint", [False, True])
def test_a_question_asked_while_loading_waits_with_a_spinner_and_ctrl_c_ends_cleanly(tmp_path, parent_ignores_sigint):
    """Also when started with SIGINT ignored (nohup, `cmd &` in a script): Python would inherit
    that and never raise KeyboardInterrupt, so the chat restores it in an interactive session."""
    prefix = ("sh", "-c", 'trap "" INT; exec "$@"', "sh") if parent_ignores_sigint else ()
    with _slow_server() as (url, release), _chat(tmp_path, "--url", url, prefix=prefix) as term:
        term.wait_for(f"connecting to {url}")
        term.line("Are you there?")
        term.wait_for(re.compile(rf"Connecting to {re.escape(url)}… \d+\.\d s"))  # the spinner's line
        term.send("\x03")
        assert term.wait_exit() == 0
        assert "Bye." in term.text() and "Traceback" not in term.text()


# ---- the real model over the bundled corpus ---------------------------------------------------------
@pytest.mark.model
def test_a_session_over_the_bundled_corpus_with_the_default_model(e5_settings, tmp_path):
    with _chat(tmp_path, "--index", str(e5_settings.index_dir)) as term:
        _ready(term)
        shown = _ask(term, "How many international students study at Beijing Jiaotong University?")
        n = int(ANSWERED.search(shown).group(1))
        assert re.search(rf"^  \[{n}\] Beijing Jiaotong University · International Cooperation", shown, re.M)
        term.line("/json")
        term.wait_for('"doc_id": "bjtu-international"')

        shown = _ask(term, "And how many foreign teachers do they invite every year?")
        assert re.search(r"searched: .*Beijing Jiaotong University", shown)
        assert "Beijing Jiaotong University · International Cooperation" in shown

        term.line("/open 1")
        term.wait_for(re.compile(r"bjtu-international · Beijing · en · passage ¶\d"))

        term.line("/reset")
        shown = _ask(term, "北京交通大学有多少国际学生？")
        assert f"{PROMPT} 北京交通大学有多少国际学生？" in shown and "Beijing Jiaotong University ·" in shown
        term.send("\x04")
        assert term.wait_exit() == 0

"""Where a quote comes from, shown above it: the passage's heading path (" › ") and the FAQ
question it answers (" · "), in the widget (real headless Chromium, as in test_widget.py, over a
Markdown FAQ page indexed with the hashing embedder) and in the terminal renderers (rich, plain,
`askintl ask`). Server text is shown as text: a heading with markup never becomes markup."""
from __future__ import annotations

import json

import pytest
from rich.console import Console
from web_servers import LiveServer, service_settings
from widget_browser import ask, browser, host_page, pages, serve, shadow  # noqa: F401 - fixtures by name

from askintl.term.backends import result_from_json
from askintl.records import Answer, AskResult, Passage
from askintl.term.views import answer_view, place_label, plain_block, result_text, sources_view

HOSTILE = "<img src=x onerror=alert(1)>"
LONG = ("Accommodation, housing, dormitories, residence halls, meal plans, laundry, bicycles and campus life "
        "for international students and visiting scholars")
FAQ_PAGE = f"""# International students

## Fees

### How much is tuition?

Tuition for international students is 24,000 yuan per academic year.

## {LONG}

### When does the dormitory open?

The dormitory opens on 28 August for all new international students.

## {HOSTILE}

### Who signs the visa letter?

The International Office signs the visa invitation letter within five working days.
"""
PLAIN_DOC = "Omega Institute hosts 75 exchange students every year, mostly from Kenya and Peru.\n"
CATALOG = {
    "gamma-faq": {"title": "Gamma University FAQ", "institution": "Gamma University", "language": "en"},
    "omega-note": {"title": "Omega note", "institution": "Omega Institute", "language": "en"},
}
TUITION = ("How much is tuition?", "International students › Fees · How much is tuition?")
DORMITORY = ("When does the dormitory open?", f"International students › {LONG} · When does the dormitory open?")
VISA = ("Who signs the visa letter?", f"International students › {HOSTILE} · Who signs the visa letter?")
OMEGA_Q = "How many exchange students does Omega Institute host every year?"


@pytest.fixture(scope="module")
def faq_settings(tmp_path_factory):
    """A Markdown FAQ page with headings and a text without any, indexed with the hashing embedder."""
    from askintl.config import Settings
    from askintl.indexer import build_index

    root = tmp_path_factory.mktemp("faq")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "gamma-faq.md").write_text(FAQ_PAGE, encoding="utf-8")
    (corpus / "omega-note.txt").write_text(PLAIN_DOC, encoding="utf-8")
    (corpus / "catalog.json").write_text(json.dumps(CATALOG), encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", embedder="hash")
    build_index(settings)
    return settings


@pytest.fixture(scope="module")
def faq_engine(faq_settings):
    from askintl.engine import Engine

    return Engine.open(faq_settings)


# ---- the widget --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(faq_settings, faq_engine, pages):  # noqa: F811 - the imported fixture
    from askintl.api import create_app

    settings = service_settings(faq_settings, cors_origins=[pages.url], rate_limit_per_minute=0)
    with LiveServer(create_app(settings, engine=faq_engine)) as server:
        yield server


@pytest.fixture
def page(browser, site, pages):  # noqa: F811
    """The widget, inline, on a page of another origin 800 px wide; console errors and dialogs collected."""
    context = browser.new_context(viewport={"width": 800, "height": 740}, locale="en-US")
    tab = context.new_page()
    tab.errors, tab.dialogs = [], []
    tab.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.errors.append(f"page error: {e}"))
    tab.on("dialog", lambda d: (tab.dialogs.append(d.message), d.dismiss()))
    tab.goto(serve(pages, "faq", host_page(site.url, css="", tag_attrs='data-launcher="false"',
                                           body=f'<askintl-chat data-server="{site.url}/"></askintl-chat>')))
    yield tab
    context.close()


def _place_lines(page, n):
    """The place lines of the n-th answer: the one above its quote (or None), and those of its sources."""
    return shadow(page, f"""(() => {{ const a = root.querySelectorAll('article')[{n}];
        const line = (e) => e && {{text: e.textContent, title: e.title, dir: e.dir,
            next: e.nextElementSibling && e.nextElementSibling.tagName,
            ellipsis: getComputedStyle(e).textOverflow, wrap: getComputedStyle(e).whiteSpace,
            cut: e.scrollWidth > e.clientWidth}};
        return {{quote: line(a.querySelector(':scope > .place')),
                 sources: [...a.querySelectorAll('li .place')].map(line)}}; }})()""")


def test_the_widget_shows_the_heading_path_and_faq_question_above_the_quote(page):
    for n, (question, expected) in enumerate([TUITION, DORMITORY, VISA]):
        article = ask(page, question)
        lines = _place_lines(page, n)
        assert lines["quote"] is not None, (question, article.inner_text())
        assert lines["quote"]["text"] == expected and lines["quote"]["title"] == expected
        assert lines["quote"]["dir"] == "auto" and lines["quote"]["next"] == "BLOCKQUOTE"  # right above the quote
        assert lines["quote"]["ellipsis"] == "ellipsis" and lines["quote"]["wrap"] == "nowrap"
        assert lines["quote"]["cut"] == (question == DORMITORY[0])  # the long heading is cut short, on one line
        # the cited document in the sources: the line of the quote's own passage
        assert expected in [s["text"] for s in lines["sources"]]
        assert all(s["title"] == s["text"] and s["dir"] == "auto" for s in lines["sources"])
    # the heading with markup is shown as text, never parsed or run
    assert shadow(page, "root.querySelectorAll('img, script').length") == 0
    assert HOSTILE in shadow(page, "root.querySelectorAll('article')[2].textContent")
    assert page.dialogs == [] and page.errors == []
    assert shadow(page, "root.querySelector('.log').scrollWidth <= root.querySelector('.log').clientWidth + 1")


def test_the_widget_shows_no_place_line_for_a_passage_without_headings(page):
    ask(page, OMEGA_Q)
    assert "Omega Institute hosts 75" in shadow(page, "root.querySelector('article mark').textContent")
    assert _place_lines(page, 0)["quote"] is None
    assert page.errors == []


# ---- the terminal renderers ---------------------------------------------------------------------
def _render(renderable, width=100, styles=False) -> str:
    console = Console(width=width, record=True, color_system="truecolor" if styles else None,
                      force_terminal=styles)
    console.print(renderable)
    return console.export_text(styles=styles)


def _result(heading_path, faq_question, quote="The deadline is 1 March.") -> AskResult:
    text = f"Apply online. {quote} Late forms are not read."
    start = text.index(quote)
    passage = Passage(0, "uni-adm", "Admissions", "Uni", text, 0, len(text), 1.0,
                      heading_path=heading_path, faq_question=faq_question)
    answer = Answer(quote, "uni-adm", start, start + len(quote), 0, "Admissions", "Uni")
    return AskResult("When is the deadline?", "When is the deadline?", False, answer, [passage], 0.9,
                     confidence_level="high")


@pytest.mark.parametrize("path,question,label", [
    (["Admissions", "Deadlines"], "When is the deadline?", "Admissions › Deadlines · When is the deadline?"),
    (["Admissions", "Deadlines"], None, "Admissions › Deadlines"),
    ([], "When is the deadline?", "When is the deadline?"),
])
def test_the_terminal_views_show_the_place_above_the_quote(path, question, label):
    result = _result(path, question)
    assert place_label(result.passages[0]) == label
    chat = _render(answer_view(result, 0.02)).splitlines()
    at = next(i for i, line in enumerate(chat) if line.strip() == label)
    assert chat[at + 1].strip().startswith("“The deadline is 1 March.”")
    assert _render(answer_view(result), styles=True).count(f"\x1b[2m{label}") == 1  # dim
    assert plain_block(result).splitlines()[:3] == [
        "Q: When is the deadline?", f"Section: {label}", "A: “The deadline is 1 March.”"]
    ask = _render(result_text(result)).splitlines()
    assert ask[0] == label and ask[1].startswith("“The deadline is 1 March.”")
    sources = [line.strip() for line in _render(sources_view(result)).splitlines()]
    assert sources[sources.index(label) + 1].startswith("Apply online.")  # above the passage


def test_the_terminal_views_show_no_place_when_the_passage_has_none():
    result = _result([], None)
    assert place_label(result.passages[0]) == ""
    chat = _render(answer_view(result, 0.02))
    assert "›" not in chat and chat.strip().startswith("“The deadline is 1 March.”")
    assert plain_block(result).splitlines()[:2] == ["Q: When is the deadline?", "A: “The deadline is 1 March.”"]
    assert "Section:" not in plain_block(result)
    assert _render(result_text(result)).startswith("“The deadline is 1 March.”")
    # an abstention shows no place line, even when its passages have one
    nothing = _result(["Admissions"], "When is the deadline?")
    nothing.abstained = True
    assert "Admissions ›" not in _render(answer_view(nothing)) and "Section:" not in plain_block(nothing)


def test_a_hostile_heading_is_shown_as_text_on_one_line():
    result = _result(["[bold red]Fees[/]", "Dates\x1b]0;pwned\x07\x1b[2J\nnext"], "Really?\x9b")
    label = "[bold red]Fees[/] › Dates␛]0;pwned␇␛[2J next · Really?\ufffd"
    shown = _render(answer_view(result), styles=True)
    assert "\x1b]" not in shown and "\x1b[2J" not in shown and "\x9b" not in shown
    assert label in shown  # rich markup in a heading stays text
    assert f"Section: {label}" in plain_block(result) and "\x1b" not in plain_block(result)
    assert label in _render(result_text(result))
    narrow = _render(answer_view(_result(["Admissions " * 20], None)), width=40).splitlines()
    assert any(line.strip().startswith("Admissions Admissions") and line.rstrip().endswith("…") for line in narrow)
    assert len(narrow[1]) <= 40  # one line, shortened


def test_a_local_answer_and_an_http_response_carry_the_place(faq_engine, faq_settings, site):
    import httpx

    result = faq_engine.ask(TUITION[0])
    assert not result.abstained and "24,000 yuan" in result.answer.text
    assert f"Section: {TUITION[1]}" in plain_block(result).splitlines()
    body = httpx.post(f"{site.url}/v1/ask", json={"question": TUITION[0]}, timeout=60).json()
    over_http = result_from_json(body)
    assert over_http.passages[over_http.answer.passage_index].heading_path == ["International students", "Fees"]
    assert plain_block(over_http) == plain_block(result)
    omega = faq_engine.ask(OMEGA_Q)
    assert not omega.abstained and "Section:" not in plain_block(omega)

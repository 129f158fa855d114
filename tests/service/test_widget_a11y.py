"""The institution-scoped widget on every screen, and axe-core on its open panel, in real headless
Chromium over the bundled corpus with the real model (servers as in tests/service/test_widget_scope.py).

Screenshots at 360x740, 740x360, 1280x800 and 320x200, in English and Arabic, go to
benchmarks/out/widget-screens/ (git-ignored). axe-core is vendored in tests/assets/axe.min.js
(MPL-2.0, see tests/assets/README.md) and injected into the page, so nothing is fetched."""
import json
from pathlib import Path

import pytest
from test_widget_scope import OFF_TOPIC, site, widget  # noqa: F401
from widget_browser import ask, browser, open_page, pages, serve  # noqa: F401 - fixtures are found by name

pytestmark = pytest.mark.model

ROOT = Path(__file__).resolve().parents[2]
SCREENS_DIR = ROOT / "benchmarks" / "out" / "widget-screens"
AXE = Path(__file__).resolve().parents[1] / "assets" / "axe.min.js"
SCREENS = [(360, 740), (740, 360), (1280, 800), (320, 200)]  # phone, phone in landscape, desktop, 400 % zoom
QUESTIONS = {"en": "How many international students study at Beijing Jiaotong University?",
             "ar": "كم عدد الطلاب الدوليين في جامعة بكين جياوتونغ؟"}

# Whether the last element matching a selector in the widget is on screen and on top: its visible
# part (inside the viewport and, in the conversation, inside the conversation's box) is at least
# 8 px each way, and the topmost element at four points of it is that element or in it.
UNCOVERED = """(selector) => {
  const root = document.querySelector('askintl-chat').shadowRoot;
  const all = root.querySelectorAll(selector), el = all[all.length - 1];
  if (!el) return 'missing';
  const r = el.getBoundingClientRect(), log = root.querySelector('.log');
  const box = log.contains(el) ? log.getBoundingClientRect() : {top: 0, bottom: innerHeight, left: 0, right: innerWidth};
  const top = Math.max(r.top, box.top, 0), bottom = Math.min(r.bottom, box.bottom, innerHeight);
  const left = Math.max(r.left, box.left, 0), right = Math.min(r.right, box.right, innerWidth);
  if (bottom - top < 8 || right - left < 8) return 'not in view: ' + JSON.stringify(r);
  const w = right - left, h = bottom - top;  // points well inside (hit testing follows rounded corners)
  const points = [[left + w / 2, top + Math.min(4, h / 4)], [left + w / 2, top + h / 2], [left + w / 4, top + h / 4],
                  [right - w / 4, bottom - h / 4]];
  for (const [x, y] of points) {
    const hit = root.elementFromPoint(x, y);
    if (!(hit === el || el.contains(hit))) return 'covered at ' + [x, y] + ' by ' + (hit && (hit.className || hit.tagName));
  }
  return 'ok';
}"""


def uncovered(page, selector):
    return page.evaluate(UNCOVERED, selector)


@pytest.fixture(scope="module")
def screens():
    SCREENS_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENS_DIR


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("width,height", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_the_scoped_widget_keeps_the_input_and_the_latest_answer_in_view(site, pages, open_page, screens,  # noqa: F811
                                                                        width, height, lang):
    url = serve(pages, f"screens-scoped-{lang}", f"""<!doctype html><html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>A university page</title>
<link rel="icon" href="data:,"><style>body{{min-height:3000px}}</style></head><body><h1>International students</h1>
<script src="{site.url}/widget.js" defer data-institution="BJTU"></script></body></html>""")
    page = open_page(url, width=width, height=height, locale=lang)
    page.locator("askintl-chat .launcher").click()
    page.locator("askintl-chat .starters").wait_for()  # the catalog's welcome and starters
    for selector in ("textarea", ".send", ".close", ".new", "h2"):
        assert uncovered(page, selector) == "ok", (selector, uncovered(page, selector))
    page.screenshot(path=str(screens / f"scoped-{width}x{height}-{lang}-1-welcome.png"))

    article = ask(page, QUESTIONS[lang])
    assert article.locator("mark").count() == 1
    for selector in ("textarea", ".send", "article"):  # the latest answer: its start, at least
        assert uncovered(page, selector) == "ok", (selector, uncovered(page, selector))
    page.screenshot(path=str(screens / f"scoped-{width}x{height}-{lang}-2-answer.png"))

    article = ask(page, OFF_TOPIC)  # abstained: the way to the international office
    assert article.locator(".office").count() == 1
    for selector in ("textarea", "article"):
        assert uncovered(page, selector) == "ok", (selector, uncovered(page, selector))
    page.screenshot(path=str(screens / f"scoped-{width}x{height}-{lang}-3-abstained.png"))
    assert page.errors == []


def axe_violations(page):
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const result = await axe.run(document, {resultTypes: ['violations']});
        return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                            nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}));
    }""")


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_axe_finds_nothing_serious_in_the_open_panel(site, pages, open_page, screens, lang):  # noqa: F811
    page = widget(open_page, pages, site, f"axe-{lang}", 'data-open="true" data-institution="NJUPT"', lang=lang)
    page.locator("askintl-chat .starters").wait_for()
    found = {"welcome": axe_violations(page)}  # title, language switcher, welcome, starters
    answer = ask(page, "Which universities does NJUPT run joint programs with?")
    answer.locator(".fb button").nth(1).click()  # "not helpful": the comment field
    office = ask(page, OFF_TOPIC).locator(".office")
    office.get_by_text("66 New Mofan Road", exact=False).wait_for()
    found["conversation"] = axe_violations(page)  # an answer, feedback, an abstention with the office
    (screens / f"axe-{lang}.json").write_text(json.dumps(found, ensure_ascii=False, indent=2), encoding="utf-8")
    serious = [(state, v) for state, vs in found.items() for v in vs if v["impact"] in ("serious", "critical")]
    assert serious == [], serious
    assert page.errors == []
    # axe does look inside the widget's shadow root: a button without a name is found there.
    page.evaluate("""() => { const b = document.querySelector('askintl-chat').shadowRoot.querySelector('.new');
                             b.removeAttribute('aria-label'); b.removeAttribute('title'); }""")
    assert "button-name" in {v["id"] for v in axe_violations(page)}

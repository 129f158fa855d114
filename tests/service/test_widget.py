"""The widget in real headless Chromium (Debian's `chromium`, driven by Playwright), embedded
with one tag on a page of another origin whose CSS is hostile, over the bundled corpus with
the real model. Screenshots go to screenshots/ (git-ignored). The browser, the host pages and
the server set-up are shared with the other widget tests (tests/widget_browser.py).

Needs /usr/bin/chromium (`apt-get install -y chromium`); ASKINTL_SKIP_BROWSER=1 skips these
tests explicitly instead of failing."""
import os
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from helpers import free_port
from web_servers import StaticPages
from widget_browser import (  # noqa: F401 - fixtures are found by name
    EN_QUESTION, ask, browser, e5_site, host_page, open_page, pages, serve, shadow, shot)

from askintl.api.feedback import FeedbackStore, default_db_path

pytestmark = pytest.mark.model

KEY = "widget-test-admin-key"
AR_QUESTION = "ما هو عنوان جامعة نانجينغ للبريد والاتصالات؟"
XSS = '<img src=x onerror="window.__askintlXss=1">'
# Short sentences: whichever is quoted, the markup is inside the quote or its shown context (180 characters).
XSS_TEXT = (f"Mars Polytechnic Institute welcomes 75 exchange students every year {XSS} "
            "<script>window.__askintlXss=2</script><b>!</b>. Its office is on Olympus Road.")


# ---- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def site(tmp_path_factory, e5_settings, pages):  # noqa: F811 - the imported fixture
    """askintl over a copy of the bundled corpus and its e5 index, plus a document with markup."""
    with e5_site(tmp_path_factory, e5_settings, pages, key=KEY, doc_id="mars-poly", document={
            "text": XSS_TEXT, "title": "Exchange notice", "institution": "Mars Polytechnic Institute",
            "aliases": ["MPI"]}) as server:
        yield server


def document_text(server, doc_id):
    return httpx.get(f"{server.url}/v1/documents/{doc_id}").json()["text"]


# ---- tests ---------------------------------------------------------------------------------------
def test_one_tag_on_a_hostile_page_answers_with_a_highlighted_cited_quote(site, pages, open_page):
    url = serve(pages, "hostile", host_page(site.url, tag_attrs='data-title="Ask Example University" '
                                                                 'data-accent="#8a1538"'))
    page = open_page(url)
    page.evaluate("() => { window.answers = []; "
                  "document.addEventListener('askintl:answer', e => answers.push(e.detail)); }")
    launcher = page.get_by_role("button", name="Ask us: Ask Example University", exact=True)
    assert launcher.get_attribute("aria-expanded") == "false"
    launcher.click()
    assert launcher.get_attribute("aria-expanded") == "true"
    article = ask(page, EN_QUESTION)

    mark = article.locator("mark")
    quote = mark.inner_text()
    cite = article.locator(".cite a")
    href = urlparse(cite.get_attribute("href"))
    assert href.path == "/documents/bjtu-international" and cite.get_attribute("target") == "_blank"
    start, end = (int(parse_qs(href.query)[k][0]) for k in ("start", "end"))
    assert document_text(site, "bjtu-international")[start:end] == quote
    assert "Beijing Jiaotong University" in cite.inner_text()
    assert article.locator("ol li").count() >= 1 and "Sources" in article.inner_text()

    # Nothing of the page's CSS reaches in...
    style = shadow(page, """(() => { const s = getComputedStyle(root.querySelector('.root'));
        const m = getComputedStyle(root.querySelector('mark')); const t = root.querySelector('textarea');
        return {font: s.fontFamily, transform: s.textTransform, spacing: s.letterSpacing, size: s.fontSize,
                mark: m.backgroundColor, textarea: t.getBoundingClientRect().width,
                header: getComputedStyle(root.querySelector('header')).backgroundColor}; })()""")
    assert "Comic" not in style["font"] and style["transform"] == "none" and style["spacing"] == "normal"
    assert style["size"] == "15px" and style["mark"] == "rgb(255, 229, 138)" and style["textarea"] > 100
    assert style["header"] == "rgb(138, 21, 56)"  # data-accent
    # ...and nothing of the widget's leaks out.
    host = page.evaluate("""() => ({panel: getComputedStyle(document.getElementById('host-panel')).display,
        mark: getComputedStyle(document.getElementById('host-mark')).backgroundColor})""")
    assert host == {"panel": "none", "mark": "rgb(0, 0, 0)"}
    assert page.errors == []
    shot(page, "widget-hostile-desktop-en")

    # Feedback: "not helpful" asks for an optional comment, and the server stores both.
    article.get_by_role("button", name="Not helpful").click()
    comment = article.locator(".fb input")
    assert shadow(page, "root.activeElement && root.activeElement.tagName") == "INPUT"
    comment.fill("Please add the 2024 figure.")
    comment.press("Enter")
    article.get_by_text("Thank you for your feedback.").wait_for()
    answer_id = page.evaluate("() => answers.at(-1).id")  # the askintl:answer event carries the response
    store = FeedbackStore(default_db_path(site.settings))
    assert store.feedback(answer_id) == {"helpful": False, "comment": "Please add the 2024 figure."}


def test_citation_opens_the_source_with_the_quote_highlighted_and_in_view(site, pages, open_page):
    page = open_page(serve(pages, "plain", host_page(site.url, css="", tag_attrs='data-open="true"')))
    article = ask(page, EN_QUESTION)
    quote = article.locator("mark").inner_text()
    with page.context.expect_page() as opened:
        article.locator(".cite a").click()
    doc_page = opened.value
    doc_page.wait_for_selector("mark#quote")
    assert doc_page.locator("mark#quote").inner_text() == quote
    assert doc_page.locator("#title").inner_text() == "International Cooperation: Overview"
    assert doc_page.evaluate("() => document.activeElement.id") == "quote"
    shot(doc_page, "document-page-quote")

    # A quote near the end of a long document is scrolled into view.
    text = document_text(site, "njupt-international")
    start = text.rindex("NJUPT")
    end = text.index(".", start) + 1
    long_page = open_page(f"{site.url}/documents/njupt-international?start={start}&end={end}", height=500)
    long_page.wait_for_selector("mark#quote")
    assert long_page.locator("mark#quote").inner_text() == text[start:end]
    assert long_page.evaluate("() => window.scrollY") > 0
    box = long_page.locator("mark#quote").bounding_box()
    assert 0 <= box["y"] and box["y"] + min(box["height"], 100) <= 500
    assert long_page.errors == []


def test_arabic_page_gets_a_right_to_left_widget_and_a_cited_answer(site, pages, open_page):
    page = open_page(serve(pages, "arabic", host_page(site.url, lang="ar", css="body{direction:rtl}")),
                     locale="ar")
    launcher = page.locator("askintl-chat .launcher")
    assert launcher.bounding_box()["x"] < 640  # on the left in right-to-left pages
    launcher.click()
    assert shadow(page, "root.querySelector('.root').dir") == "rtl"
    assert page.locator("askintl-chat .send").inner_text() == "إرسال"
    assert page.locator("askintl-chat h2").inner_text() == "اسأل مكتب الشؤون الدولية"
    article = ask(page, AR_QUESTION)
    hrefs = [a.get_attribute("href") for a in article.locator("a").all()]
    assert any("/documents/njupt-international?" in h for h in hrefs), hrefs
    assert ("المصادر" if article.locator("mark").count() else "مقاطع ذات صلة") in article.inner_text()
    assert page.errors == []
    shot(page, "widget-desktop-ar")
    page.set_viewport_size({"width": 360, "height": 740})
    box = page.locator("askintl-chat .panel").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 360
    shot(page, "widget-360-ar")


def test_keyboard_only(site, pages, open_page):
    page = open_page(serve(pages, "keyboard", host_page(site.url, css="")))
    active = "(() => { const h = document.activeElement; const a = h && h.shadowRoot && h.shadowRoot.activeElement;" \
             " return a ? 'widget:' + (a.className || a.tagName) : (h && h.id) || ''; })()"
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate(active) == "widget:launcher":
            break
    assert page.evaluate(active) == "widget:launcher"
    page.keyboard.press("Enter")
    assert page.evaluate(active) == "widget:TEXTAREA"  # focus moves into the panel
    tree = page.locator("body").aria_snapshot()  # what assistive technology is given
    for node in ('button "Ask us: Ask the International Office" [expanded]', 'dialog "Ask the International Office"',
                 'log "Ask the International Office"', 'textbox "Your question"', 'button "Send"', 'button "Close"'):
        assert node in tree, tree
    page.keyboard.type(EN_QUESTION)
    page.keyboard.press("Enter")
    article = page.locator("askintl-chat article").first
    article.wait_for()
    assert page.evaluate(active) == "widget:TEXTAREA"  # ready for the next question
    assert 'article "Answer"' in page.locator("askintl-chat .log").aria_snapshot()
    log = page.locator("askintl-chat .log")
    assert log.get_attribute("aria-live") == "polite" and log.get_attribute("role") == "log"
    assert log.get_attribute("aria-busy") == "false"
    assert page.locator("askintl-chat textarea").get_attribute("id") == \
        page.locator("askintl-chat label").get_attribute("for")

    # Back through the answer to its citation, and open it with Enter.
    for _ in range(8):
        page.keyboard.press("Shift+Tab")
        if shadow(page, "root.activeElement && root.activeElement.closest('.cite') !== null"):
            break
    assert shadow(page, "root.activeElement.closest('.cite') !== null")
    with page.context.expect_page() as opened:
        page.keyboard.press("Enter")
    opened.value.wait_for_selector("mark#quote")
    # Escape closes the panel and gives the focus back to the launcher.
    page.bring_to_front()
    page.keyboard.press("Escape")
    assert page.locator("askintl-chat .panel").is_hidden()
    assert page.evaluate(active) == "widget:launcher"
    page.keyboard.press("Space")
    assert page.locator("askintl-chat .panel").is_visible() and page.evaluate(active) == "widget:TEXTAREA"


def test_corpus_markup_is_shown_as_text_never_run(site, pages, open_page):
    page = open_page(serve(pages, "xss", host_page(site.url, css="", tag_attrs='data-open="true"')))
    article = ask(page, "How many exchange students does Mars Polytechnic Institute welcome every year?")
    assert XSS in article.inner_text()
    assert "<script>window.__askintlXss=2</script><b>!</b>" in article.inner_text()
    assert shadow(page, "root.querySelectorAll('img, script, b').length") == 0
    assert page.evaluate("() => window.__askintlXss") is None
    hrefs = [a.get_attribute("href") for a in article.locator("a").all()]
    target = next(h for h in hrefs if "/documents/mars-poly?" in h)
    doc_page = open_page(target)
    doc_page.wait_for_selector("#text mark, #text:not(:empty)")
    assert XSS in doc_page.locator("#text").inner_text()
    assert doc_page.evaluate("() => document.querySelectorAll('#text *:not(mark)').length") == 0
    assert doc_page.evaluate("() => window.__askintlXss") is None
    # The question the reader typed is text too.
    ask(page, f"{XSS} <b>bold?</b>")
    assert XSS in page.locator("askintl-chat .user").last.inner_text()
    assert shadow(page, "root.querySelectorAll('img, b').length") == 0
    assert page.evaluate("() => window.__askintlXss") is None


def test_abstention_is_shown_honestly_with_related_passages(site, pages, open_page):
    page = open_page(serve(pages, "abstain", host_page(site.url, css="", tag_attrs='data-open="true"')))
    article = ask(page, "Who won the 2018 FIFA World Cup?")
    assert "Not in the official materials" in article.inner_text()
    assert article.locator("mark").count() == 0
    passages = httpx.post(f"{site.url}/v1/ask", json={"question": "Who won the 2018 FIFA World Cup?"}).json()
    assert passages["abstained"]
    if passages["passages"]:
        assert "Related passages" in article.inner_text()
        assert article.locator("li a").count() == len(passages["passages"])  # one per passage, numbered as everywhere
    shot(page, "widget-abstained")


def test_usable_at_360_px(site, pages, open_page):
    page = open_page(serve(pages, "hostile", host_page(site.url)), width=360, height=740)
    page.locator("askintl-chat .launcher").click()
    article = ask(page, EN_QUESTION)
    for selector in (".panel", "textarea", ".send", ".close"):
        box = page.locator(f"askintl-chat {selector}").bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 360, selector
        assert box["y"] >= 0 and box["y"] + box["height"] <= 740, selector
    assert page.locator("askintl-chat .send").bounding_box()["height"] >= 32  # a touch target
    assert article.locator("mark").is_visible()
    shot(page, "widget-360")


def test_inline_element_in_french(site, pages, open_page):
    body = f'<askintl-chat data-server="{site.url}/" data-lang="fr" data-accent="gold" ' \
           'style="display:block;height:520px;max-width:600px"></askintl-chat>'
    page = open_page(serve(pages, "inline", host_page(site.url, css="", body=body)))
    assert page.locator("askintl-chat").count() == 1  # the page's element: no floating launcher added
    assert page.locator("askintl-chat .launcher").count() == 0
    assert page.locator("askintl-chat .panel").is_visible()
    assert page.locator("askintl-chat .send").inner_text() == "Envoyer"
    colors = shadow(page, "[getComputedStyle(root.querySelector('.send')).color, "
                          "getComputedStyle(root.querySelector('.send')).backgroundColor]")
    assert colors == ["rgb(31, 31, 31)", "rgb(255, 215, 0)"]  # dark text on a light accent
    article = ask(page, EN_QUESTION)
    assert "Sources" in article.inner_text() and article.locator("mark").count() == 1
    assert page.errors == []


def test_demo_page(site, open_page):
    page = open_page(site.url + "/")
    panel = page.locator("askintl-chat .panel")
    panel.wait_for()  # data-open: open on load
    page.locator("#documents li a").first.wait_for()
    assert page.locator("#documents li").count() == 5
    page.get_by_role("button", name="How many international students study at Beijing Jiaotong University?").click()
    article = page.locator("askintl-chat article").first
    article.wait_for()
    assert "Beijing Jiaotong University" in article.inner_text()
    assert page.errors == []  # also: no Content-Security-Policy violation
    shot(page, "demo-desktop")
    page.goto(site.url + "/?lang=ar")
    page.locator("askintl-chat .panel").wait_for()
    assert shadow(page, "root.querySelector('.root').dir") == "rtl"


# ---- issue 11: short screens, CORS, text direction, stacking, 429 and keyboard, confidence ------------
SCREENS = [(360, 740), (740, 360), (1280, 800), (320, 200)]  # phone, phone in landscape, desktop, 400 % zoom


@pytest.fixture(scope="module")
def screens_dir(tmp_path_factory):
    """Screenshots of the size matrix: $ASKINTL_SCREENSHOTS if set, else a temporary directory."""
    wanted = os.environ.get("ASKINTL_SCREENSHOTS")
    path = Path(wanted) if wanted else tmp_path_factory.mktemp("widget-screens")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def canned(site):
    """A real /v1/ask response, for tests that mock the API with Playwright's route interception."""
    r = httpx.post(f"{site.url}/v1/ask", json={"question": EN_QUESTION}, timeout=60)
    assert r.status_code == 200 and not r.json()["abstained"], r.text
    return r.json()


def mock_ask(page, responses):
    """Answer POST /v1/ask from ``responses`` in turn: (status, json body, extra headers) each."""
    queue = list(responses)
    cors = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST",
            "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Expose-Headers": "Retry-After"}

    def handle(route):
        if route.request.method == "OPTIONS":
            route.fulfill(status=204, headers=cors)
            return
        status, body, headers = queue.pop(0) if len(queue) > 1 else queue[0]
        route.fulfill(status=status, json=body, headers={**cors, **headers})

    page.route("**/v1/ask", handle)


def box(page, selector):
    return page.locator(f"askintl-chat {selector}").last.bounding_box()


def inside(b, width, height):
    return b is not None and b["x"] >= -0.5 and b["y"] >= -0.5 and \
        b["x"] + b["width"] <= width + 0.5 and b["y"] + b["height"] <= height + 0.5


@pytest.mark.parametrize("lang", ["en", "ar"])
@pytest.mark.parametrize("width,height", SCREENS, ids=[f"{w}x{h}" for w, h in SCREENS])
def test_short_and_small_screens_keep_the_input_and_the_latest_answer_in_view(site, pages, open_page, screens_dir,
                                                                              width, height, lang):
    url = serve(pages, f"screens-{lang}", host_page(site.url, lang=lang, css="body{min-height:3000px}"))
    page = open_page(url, width=width, height=height, locale=lang)
    page.locator("askintl-chat .launcher").click()
    article = ask(page, EN_QUESTION if lang == "en" else AR_QUESTION)
    full = width <= 480 or height <= 520
    assert shadow(page, "root.querySelector('.root').dir") == ("rtl" if lang == "ar" else "ltr")
    panel = box(page, ".panel")
    assert inside(panel, width, height), panel
    if full:  # the whole screen, as a modal dialog
        assert panel["width"] >= width - 1 and panel["height"] >= height - 1, panel
        assert page.locator("askintl-chat .panel").get_attribute("aria-modal") == "true"
    for selector in ("header", "h2", ".close", "textarea", ".send"):
        assert inside(box(page, selector), width, height), (selector, box(page, selector))
    assert box(page, "textarea")["height"] >= 32 and box(page, ".close")["height"] >= 32  # touch targets
    # The latest answer starts inside the conversation area and shows a good part of itself.
    log, answer = box(page, ".log"), article.bounding_box()
    assert log["height"] >= 90, log
    assert log["y"] - 1 <= answer["y"] < log["y"] + log["height"] - 40, (log, answer)
    shown = min(answer["y"] + answer["height"], log["y"] + log["height"]) - answer["y"]
    assert shown >= min(answer["height"], log["height"] / 2), (log, answer)
    assert inside({**answer, "height": shown}, width, height)
    assert shadow(page, "root.querySelector('.log').scrollWidth <= root.querySelector('.log').clientWidth + 1")
    page.screenshot(path=str(screens_dir / f"widget-{width}x{height}-{lang}.png"))
    assert page.errors == []


def test_question_box_stays_above_the_on_screen_keyboard(site, pages, open_page):
    """The visual viewport (what is left above an on-screen keyboard) bounds the panel. Headless
    Chromium has no keyboard, so the widget's handler is given the visual viewports a phone reports."""
    page = open_page(serve(pages, "keyboard-vv", host_page(site.url, css="")), width=360, height=740)
    page.locator("askintl-chat .launcher").click()
    fit = "(vv) => document.querySelector('askintl-chat')._fitViewport(vv)"
    page.evaluate(fit, {"height": 300, "offsetTop": 0, "scale": 1})  # Android: a 440 px keyboard
    assert box(page, "header")["y"] >= 0 and box(page, "textarea")["y"] + box(page, "textarea")["height"] <= 300
    page.evaluate(fit, {"height": 300, "offsetTop": 200, "scale": 1})  # iOS: the visual viewport scrolled down
    assert box(page, "header")["y"] >= 200 and box(page, ".send")["y"] + box(page, ".send")["height"] <= 500
    page.evaluate(fit, {"height": 300, "offsetTop": 0, "scale": 2.5})  # pinch zoom: the panel does not move
    assert box(page, ".panel")["height"] >= 739
    page.evaluate(fit, None)  # the real visual viewport: the whole screen again
    assert box(page, ".panel")["height"] >= 739

    page.set_viewport_size({"width": 1280, "height": 800})  # a tablet-sized floating panel
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")  # resize events first
    page.evaluate(fit, {"height": 450, "offsetTop": 0, "scale": 1})
    assert box(page, ".panel")["y"] >= 0 and box(page, "textarea")["y"] + box(page, "textarea")["height"] <= 450
    page.locator("askintl-chat .close").click()
    assert shadow(page, "root.querySelector('.root').style.getPropertyValue('--kb')") == ""  # cleared when closed
    assert page.errors == []

    # data-open does not open a panel that would cover the whole page on load.
    small = open_page(serve(pages, "open-small", host_page(site.url, css="", tag_attrs='data-open="true"')),
                      width=360, height=740)
    small.locator("askintl-chat .launcher").wait_for()
    assert small.locator("askintl-chat .panel").is_hidden()


def test_origin_not_allowed_by_cors_says_what_to_set(site, open_page):
    with StaticPages({}) as elsewhere:  # another origin, not in ASKINTL_CORS_ORIGINS
        url = serve(elsewhere, "cors", host_page(site.url, css="", tag_attrs='data-open="true"'))
        page = open_page(url)
        page.locator("askintl-chat textarea").fill(EN_QUESTION)
        page.locator("askintl-chat textarea").press("Enter")
        error = page.locator("askintl-chat .msg.error")
        error.wait_for(timeout=15000)
        text = error.inner_text()
        assert "ASKINTL_CORS_ORIGINS" in text and elsewhere.url in text, text
        assert "could not be reached" not in text
        assert page.locator("askintl-chat textarea").input_value() == EN_QUESTION  # kept for another try
        assert page.locator("askintl-chat .log").get_attribute("aria-busy") == "false"

        # A server that is down is not mistaken for a CORS refusal.
        dead = f"http://127.0.0.1:{free_port()}/"
        page = open_page(serve(elsewhere, "down", host_page(site.url, css="", tag_attrs=f'data-open="true" '
                                                                                          f'data-server="{dead}"')))
        page.locator("askintl-chat textarea").fill(EN_QUESTION)
        page.locator("askintl-chat textarea").press("Enter")
        page.locator("askintl-chat .msg.error").wait_for(timeout=15000)
        text = page.locator("askintl-chat .msg.error").inner_text()
        assert "could not be reached" in text and "ASKINTL_CORS_ORIGINS" not in text, text


def test_questions_and_document_titles_take_their_own_direction(site, pages, open_page, canned):
    page = open_page(serve(pages, "dir-ar", host_page(site.url, lang="ar", css="", tag_attrs='data-open="true"')),
                     locale="ar")
    mock_ask(page, [(200, canned, {})])
    ask(page, "Where is Beijing Jiaotong University?")
    bubble = page.locator("askintl-chat .user").last
    assert bubble.get_attribute("dir") == "auto"
    assert bubble.evaluate("e => getComputedStyle(e).direction") == "ltr"  # an English question in the Arabic panel
    page = open_page(serve(pages, "dir-en", host_page(site.url, css="", tag_attrs='data-open="true"')))
    mock_ask(page, [(200, canned, {})])
    ask(page, AR_QUESTION)
    assert page.locator("askintl-chat .user").last.evaluate("e => getComputedStyle(e).direction") == "rtl"
    shot(page, "widget-direction-en")

    doc = open_page(f"{site.url}/documents/bjtu-international?start=0&end=10&lang=ar", locale="ar")
    doc.wait_for_selector("mark#quote")
    assert doc.evaluate("() => document.documentElement.dir") == "rtl"
    for selector in ("#title", "#institution"):
        assert doc.locator(selector).get_attribute("dir") == "auto"
        assert doc.locator(selector).evaluate("e => getComputedStyle(e).direction") == "ltr", selector
    assert doc.errors == []


BANNER = ('<div id="cookies" style="position:fixed;left:0;right:0;bottom:0;height:100px;background:#333;'
          'z-index:2147483647">Cookies</div>')


def test_z_index_and_offsets_lift_the_widget_above_a_cookie_banner(site, pages, open_page):
    at_center = """() => { const b = document.querySelector('askintl-chat').shadowRoot.querySelector('.launcher')
        .getBoundingClientRect(); const e = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2);
        return e && e.id || e.tagName.toLowerCase(); }"""
    page = open_page(serve(pages, "banner", host_page(site.url, css="", body=BANNER)))
    assert page.evaluate(at_center) == "cookies"  # the problem: the banner takes the launcher's clicks

    page = open_page(serve(pages, "banner-offset", host_page(site.url, css="", body=BANNER,
                                                                 tag_attrs='data-offset-y="120" data-offset-x="40"')))
    launcher = box(page, ".launcher")
    assert launcher["y"] + launcher["height"] == pytest.approx(800 - 120, abs=1)
    assert launcher["x"] + launcher["width"] == pytest.approx(1280 - 40, abs=1)
    assert page.evaluate(at_center) == "askintl-chat"
    page.locator("askintl-chat .launcher").click()
    panel = box(page, ".panel")
    assert panel["y"] + panel["height"] <= launcher["y"] and panel["y"] >= 0
    assert panel["x"] + panel["width"] == pytest.approx(1280 - 40, abs=1)

    page = open_page(serve(pages, "banner-z", host_page(site.url, css="", body=BANNER,
                                                            tag_attrs='data-z-index="2147483647" data-position="left"')))
    assert page.evaluate(at_center) == "askintl-chat"
    assert page.locator("askintl-chat .launcher").evaluate("e => getComputedStyle(e).zIndex") == "2147483647"
    page.locator("askintl-chat .launcher").click()
    assert page.locator("askintl-chat .panel").evaluate("e => getComputedStyle(e).zIndex") == "2147483647"
    # An inline element's attributes work too, and bad values are ignored.
    chat = page.locator("askintl-chat")
    chat.evaluate("e => { e.dataset.zIndex = '12'; e.dataset.offsetX = 'nonsense'; }")
    assert page.locator("askintl-chat .launcher").evaluate("e => getComputedStyle(e).zIndex") == "12"
    assert page.locator("askintl-chat .panel").evaluate("e => getComputedStyle(e).zIndex") == "13"
    assert box(page, ".launcher")["x"] == pytest.approx(16, abs=1)
    assert page.errors == []


def test_after_a_429_the_question_stays_and_the_retry_waits_for_retry_after(site, pages, open_page):
    page = open_page(serve(pages, "rate", host_page(site.url, css="", tag_attrs='data-open="true"')))
    mock_ask(page, [(429, {"error": "rate limited", "detail": "slow down"}, {"Retry-After": "2"})])
    page.locator("askintl-chat textarea").fill(EN_QUESTION)
    page.locator("askintl-chat textarea").press("Enter")
    error = page.locator("askintl-chat .msg.error")
    error.wait_for()
    assert "wait 2 seconds" in error.inner_text()
    assert page.locator("askintl-chat textarea").input_value() == EN_QUESTION
    retry = error.get_by_role("button", name="Try again")
    assert retry.is_disabled()
    page.wait_for_function("() => !document.querySelector('askintl-chat').shadowRoot.querySelector('.retry').disabled",
                           timeout=5000)
    page.unroute("**/v1/ask")
    retry.click()
    article = page.locator("askintl-chat article").first
    article.wait_for(timeout=30000)
    assert "Beijing Jiaotong University" in article.inner_text()
    assert page.locator("askintl-chat textarea").input_value() == ""
    assert [e for e in page.errors if "status of 429" not in e] == []  # the browser logs the 429 itself


def test_escape_from_the_launcher_and_focus_kept_in_a_panel_that_covers_the_page(site, pages, open_page):
    active = "(() => { const h = document.activeElement; const a = h && h.shadowRoot && h.shadowRoot.activeElement;" \
             " return a ? (a.closest('.panel') ? 'panel:' : 'widget:') + (a.className || a.tagName) : (h && h.id) || h.tagName; })()"
    page = open_page(serve(pages, "escape", host_page(site.url, css="")))
    launcher = page.locator("askintl-chat .launcher")
    launcher.click()
    assert page.locator("askintl-chat .panel").get_attribute("aria-modal") is None  # a side panel on the desktop
    launcher.focus()
    assert page.evaluate(active) == "widget:launcher"
    page.keyboard.press("Escape")
    assert page.locator("askintl-chat .panel").is_hidden() and launcher.get_attribute("aria-expanded") == "false"
    assert page.evaluate(active) == "widget:launcher"

    page.set_viewport_size({"width": 360, "height": 740})  # now the panel covers the page
    page.keyboard.press("Enter")
    assert page.locator("askintl-chat .panel").get_attribute("aria-modal") == "true"
    seen = set()
    for key in ["Tab"] * 8 + ["Shift+Tab"] * 8:
        page.keyboard.press(key)
        where = page.evaluate(active)
        assert where.startswith("panel:"), (key, where)
        seen.add(where)
    assert {"panel:close", "panel:TEXTAREA", "panel:send"} <= seen, seen
    page.keyboard.press("Escape")
    assert page.locator("askintl-chat .panel").is_hidden() and page.evaluate(active) == "widget:launcher"

    page.set_viewport_size({"width": 1280, "height": 800})  # wide again: Tab may leave the panel
    page.keyboard.press("Enter")
    assert page.locator("askintl-chat .panel").get_attribute("aria-modal") is None
    for _ in range(6):
        page.keyboard.press("Tab")
        if not page.evaluate(active).startswith("panel:"):
            break
    assert not page.evaluate(active).startswith("panel:")
    assert page.errors == []


LOW_NOTES = {"en": "Low confidence", "zh": "置信度较低", "ru": "Низкая уверенность", "ar": "ثقة منخفضة",
             "fr": "Confiance faible", "es": "Confianza baja"}


def test_low_confidence_answers_carry_a_visible_translated_note(site, pages, open_page, canned):
    low = {**canned, "low_confidence": True, "confidence_level": "low", "confidence": 0.31}
    high = {**canned, "low_confidence": False, "confidence_level": "high", "confidence": 0.93}
    older = {k: v for k, v in canned.items() if k not in ("low_confidence", "confidence_level")}
    page = open_page(serve(pages, "confidence", host_page(site.url, css="", tag_attrs='data-open="true"')))
    mock_ask(page, [(200, low, {}), (200, high, {}), (200, older, {})])
    article = ask(page, EN_QUESTION)
    note = article.locator(".lowconf")
    assert note.is_visible() and inside(note.bounding_box(), 1280, 800)
    assert "Low confidence:" in note.inner_text() and "check it against the source" in note.inner_text()
    # Read before the quote, and not only a colour.
    assert article.evaluate("a => a.querySelector('.lowconf').compareDocumentPosition(a.querySelector('blockquote'))"
                            " & Node.DOCUMENT_POSITION_FOLLOWING") > 0
    assert "low" in article.get_attribute("class")
    assert article.locator("mark").inner_text() == canned["answer"]["text"]
    shot(page, "widget-low-confidence")
    for _ in range(2):  # a confident answer, and one from a server that does not send the fields
        assert ask(page, EN_QUESTION).locator(".lowconf").count() == 0
    # Every interface language words it (re-rendered in place when data-lang changes).
    chat = page.locator("askintl-chat")
    for lang, words in LOW_NOTES.items():
        chat.evaluate("(e, lang) => { e.dataset.lang = lang; }", lang)
        note = page.locator("askintl-chat .lowconf")
        assert note.count() == 1 and words in note.inner_text(), (lang, note.inner_text())
        text = note.inner_text()
        assert lang == "en" or "Low confidence" not in text
    assert page.errors == []

"""The widget a university embeds (issue "The widget a university web team would embed", items
7-10 and 12), in real headless Chromium over the bundled corpus with the real model, like
tests/service/test_widget.py: `data-institution` scopes the answers, an abstention says how to reach the
international office, welcome text and starter questions, the conversation kept in
sessionStorage across pages, and the language switcher.

A fictional institution (Mars Polytechnic Institute, .example addresses) carries a full contact
entry; the bundled institutions have only what their texts state."""
import re

import httpx
import pytest
from widget_browser import (  # noqa: F401 - fixtures are found by name
    EN_QUESTION, ask, browser, e5_site, host_page, open_page, pages, serve, shadow)


pytestmark = pytest.mark.model

KEY = "widget-scope-admin-key"
NJUPT = "Nanjing University of Posts and Telecommunications"
OFF_TOPIC = "Who won the 2018 FIFA World Cup?"
MARS_TEXT = ("Mars Polytechnic Institute welcomes 75 exchange students every year. "
             "Its international office is on Olympus Road.")
MARS_DETAILS = {"office": "Mars Office of International Students", "email": "intl@mars.example",
                "phone": "+1 555 0100", "form_url": "https://mars.example/contact",
                "welcome": {"en": "Welcome to Mars Polytechnic!"},
                "starters": {"en": ["How many exchange students does Mars Polytechnic Institute welcome?"]}}
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, POST",
        "Access-Control-Allow-Headers": "Content-Type"}


@pytest.fixture(scope="module")
def site(tmp_path_factory, e5_settings, pages):  # noqa: F811 - the imported fixture
    """askintl over a copy of the bundled corpus (its catalog's `_institutions` as committed, plus
    Mars Polytechnic's full contact) and its e5 index, plus Mars Polytechnic's document."""
    with e5_site(tmp_path_factory, e5_settings, pages, key=KEY, doc_id="mars-poly", document={
            "text": MARS_TEXT, "title": "Exchange notice", "institution": "Mars Polytechnic Institute",
            "aliases": ["MPI"]}, institutions={"MPI": MARS_DETAILS}) as server:
        yield server


def widget(open_page, pages, site, name, attrs, lang="en", **size):  # noqa: F811
    return open_page(serve(pages, name, host_page(site.url, lang=lang, css="", tag_attrs=attrs)),
                     locale=lang, **size)


def asked(page):
    """The bodies of the page's POST /v1/ask requests, as they are sent."""
    bodies = []
    page.on("request", lambda r: bodies.append(r.post_data_json)
            if r.method == "POST" and r.url.endswith("/v1/ask") else None)
    return bodies


def links(article):
    return [a.get_attribute("href") for a in article.locator("a").all()]


def route_json(page, pattern, body):
    def handle(route):
        if route.request.method == "OPTIONS":
            route.fulfill(status=204, headers=CORS)
        else:
            route.fulfill(status=200, json=body, headers=CORS)
    page.route(pattern, handle)


# ---- item 7: the university's own answers --------------------------------------------------------
def test_data_institution_scopes_the_answers(site, pages, open_page):  # noqa: F811
    page = widget(open_page, pages, site, "scope-njupt", 'data-open="true" data-institution="NJUPT"')
    bodies = asked(page)
    article = ask(page, EN_QUESTION)  # about another university: not answered from its document
    assert bodies[-1]["institutions"] == ["NJUPT"]
    assert "Not in the official materials" in article.inner_text() and article.locator("mark").count() == 0
    assert not any("bjtu-international" in h for h in links(article)), links(article)
    article = ask(page, "Which universities does NJUPT run joint programs with?")
    assert article.locator("mark").count() == 1
    documents = [h for h in links(article) if "/documents/" in h]
    assert documents and all("/documents/njupt-international?" in h for h in documents), documents
    assert page.errors == []

    # A national portal sets none: every institution answers, and no filter is sent.
    page = widget(open_page, pages, site, "scope-none", 'data-open="true"')
    bodies = asked(page)
    article = ask(page, EN_QUESTION)
    assert "institutions" not in bodies[-1]
    assert any("/documents/bjtu-international?" in h for h in links(article))

    # An institution the server does not know: the reader gets the usual message, the console says why.
    page = widget(open_page, pages, site, "scope-unknown", 'data-open="true" data-institution="Atlantis U"')
    page.locator("askintl-chat textarea").fill(EN_QUESTION)
    page.locator("askintl-chat textarea").press("Enter")
    page.locator("askintl-chat .msg.error").wait_for()
    assert page.locator("askintl-chat .msg.error").inner_text() == "Sorry, this question could not be answered."
    for _ in range(50):  # the server's reason reaches the console a moment later
        if any("unknown institution 'Atlantis U'" in e for e in page.errors):
            break
        page.wait_for_timeout(100)
    assert any("askintl: unknown institution 'Atlantis U'" in e for e in page.errors), page.errors


# ---- item 8: a way out when askintl abstains -----------------------------------------------------
def test_an_abstention_shows_the_international_office(site, pages, open_page):  # noqa: F811
    page = widget(open_page, pages, site, "office-njupt", 'data-open="true" data-institution="NJUPT"')
    office = ask(page, OFF_TOPIC).locator(".office")
    office.get_by_text("Department of Overseas Cooperation and Exchange").wait_for()
    text = office.inner_text()
    assert "Ask the International Office" in text and "66 New Mofan Road, Nanjing 210003, P.R.China" in text
    assert NJUPT in text and office.locator("a").count() == 0  # its text states no e-mail, phone or form

    # Every way the catalog gives, as safe links.
    page = widget(open_page, pages, site, "office-mars", 'data-open="true" data-institution="MPI"')
    office = ask(page, OFF_TOPIC).locator(".office")
    office.get_by_text("Mars Office of International Students").wait_for()
    assert office.get_by_role("link", name="intl@mars.example").get_attribute("href") == "mailto:intl@mars.example"
    assert office.get_by_role("link", name="+1 555 0100").get_attribute("href") == "tel:+15550100"
    form = office.get_by_role("link", name="Contact form (opens in a new tab)")
    assert form.get_attribute("href") == "https://mars.example/contact"
    assert form.get_attribute("target") == "_blank" and form.get_attribute("rel") == "noopener noreferrer"
    assert page.errors == []

    # Details that are not what they claim to be (a compromised server) become no link and no markup.
    page = widget(open_page, pages, site, "office-bad", 'data-open="true" data-institution="MPI"')
    route_json(page, re.compile(r"/v1/institutions\?"), [{"name": "Mars Polytechnic Institute", "aliases": [], "documents": 1,
                                              "contact": {"office": '<img src=x onerror="window.__x=1">',
                                                          "email": "a@b.example?bcc=c@d.example",
                                                          "phone": "javascript:alert(1)",
                                                          "form_url": "javascript:alert(1)"}}])
    page.reload()  # the panel asked for the details when it opened
    office = ask(page, OFF_TOPIC).locator(".office")
    office.get_by_text('<img src=x onerror="window.__x=1">').wait_for()
    assert office.locator("a, img").count() == 0 and page.evaluate("() => window.__x") is None
    assert "Please contact the international office of" in office.inner_text()  # still a way out

    # Nothing stated (BJTU): the generic line, in the interface language.
    abstained = httpx.post(f"{site.url}/v1/ask", json={"question": OFF_TOPIC, "institutions": ["BJTU"]}, timeout=60)
    assert abstained.json()["abstained"]
    page = widget(open_page, pages, site, "office-bjtu-ar", 'data-open="true" data-institution="BJTU"', lang="ar")
    route_json(page, "**/v1/ask", abstained.json())  # (the Arabic question the reader would type is not abstained on)
    office = ask(page, "من فاز بكأس العالم لكرة القدم عام 2018؟").locator(".office")
    office.get_by_text("Beijing Jiaotong University", exact=False).wait_for()
    assert "اسأل مكتب الشؤون الدولية" in office.inner_text()
    assert "يرجى التواصل مباشرةً مع مكتب الشؤون الدولية في" in office.inner_text()


def test_a_national_portal_points_to_the_office_of_the_institution_asked_about(site, pages, open_page):  # noqa: F811
    abstained = httpx.post(f"{site.url}/v1/ask", json={"question": OFF_TOPIC}, timeout=60).json()
    assert abstained["abstained"]
    page = widget(open_page, pages, site, "office-portal", 'data-open="true"')
    route_json(page, "**/v1/ask", {**abstained, "institutions": [NJUPT]})
    office = ask(page, f"What does {NJUPT} charge?").locator(".office")
    office.get_by_text("66 New Mofan Road", exact=False).wait_for()  # fetched when needed
    route_json(page, "**/v1/ask", {**abstained, "institutions": []})
    office = ask(page, OFF_TOPIC).locator(".office")
    assert "Please contact your institution’s international office directly" in office.inner_text()
    assert [e for e in page.errors if "Failed to load" not in e] == []


# ---- item 9: welcome text and starter questions -------------------------------------------------
def test_welcome_and_starters_from_the_catalog_in_the_interface_language(site, pages, open_page):  # noqa: F811
    page = widget(open_page, pages, site, "welcome-bjtu", 'data-open="true" data-institution="Beijing Jiaotong University"')
    page.locator("askintl-chat .intro").get_by_text("Welcome! Ask about Beijing Jiaotong University",
                                                    exact=False).wait_for()
    starters = page.locator("askintl-chat .starters button")
    assert starters.all_inner_texts() == ["How many international students does Beijing Jiaotong University have?",
                                          "How many BJTU students study abroad?",
                                          "How many universities does BJTU cooperate with?"]
    assert page.locator("askintl-chat .starters").get_attribute("aria-label") == "Suggested questions"
    starters.first.click()  # asks it
    article = page.locator("askintl-chat article").first
    article.wait_for(timeout=30000)
    assert page.locator("askintl-chat .user").inner_text().endswith(
        "How many international students does Beijing Jiaotong University have?")
    assert "1,400" in article.locator("mark").inner_text() and starters.count() == 0  # gone once the conversation starts
    assert page.errors == []

    page = widget(open_page, pages, site, "welcome-bjtu-ar", 'data-open="true" data-institution="BJTU"', lang="ar")
    page.locator("askintl-chat .intro").get_by_text("مرحبًا!", exact=False).wait_for()
    assert page.locator("askintl-chat .starters button").first.inner_text() == "كم عدد الطلاب الدوليين في جامعة بكين جياوتونغ؟"


def test_welcome_and_starters_attributes_win(site, pages, open_page):  # noqa: F811
    page = widget(open_page, pages, site, "welcome-attrs", 'data-open="true" data-institution="BJTU" '
                  'data-welcome="Hello from the web team." data-starters="Where is the office?|How do I apply?"')
    page.locator("askintl-chat .starters").wait_for()
    page.wait_for_timeout(300)  # the catalog's entry has arrived by now; the attributes still win
    assert page.locator("askintl-chat .intro").inner_text() == "Hello from the web team."
    assert page.locator("askintl-chat .starters button").all_inner_texts() == ["Where is the office?", "How do I apply?"]

    # Per language as JSON, picked in the interface language; without a scope too (a national portal).
    attrs = ('data-open="true" data-lang="fr" data-welcome=\'{"en": "Hi", "fr": "Bonjour !"}\' '
             'data-starters=\'{"en": ["Where?"], "fr": ["Où ?", "Quand ?"]}\'')
    page = widget(open_page, pages, site, "welcome-json", attrs)
    page.locator("askintl-chat .starters").wait_for()
    assert page.locator("askintl-chat .intro").inner_text() == "Bonjour !"
    assert page.locator("askintl-chat .starters button").all_inner_texts() == ["Où ?", "Quand ?"]
    assert page.locator("askintl-chat .starters").get_attribute("aria-label") == "Questions suggérées"
    assert page.errors == []


# ---- item 10: the conversation survives navigation -----------------------------------------------
def test_the_conversation_survives_navigation_until_new_conversation(site, pages, open_page):  # noqa: F811
    attrs = 'data-open="true" data-institution="BJTU"'
    first, second = (serve(pages, name, host_page(site.url, css="", tag_attrs=attrs)) for name in ("nav-a", "nav-b"))
    page = open_page(first)
    quote = ask(page, EN_QUESTION).locator("mark").inner_text()
    page.goto(second)
    restored = page.locator("askintl-chat article")
    restored.first.wait_for()
    assert restored.count() == 1 and restored.locator("mark").inner_text() == quote
    assert page.locator("askintl-chat .user").inner_text().endswith(EN_QUESTION)
    assert page.locator("askintl-chat .starters").count() == 0
    bodies = asked(page)
    ask(page, "And how many of its students study abroad?")  # the history came back too
    assert [t["role"] for t in bodies[-1]["history"]] == ["user", "assistant"]
    assert bodies[-1]["history"][0]["content"] == EN_QUESTION

    # Another scope on the same site keeps its own conversation; another tab starts empty.
    page.goto(serve(pages, "nav-njupt", host_page(site.url, css="", tag_attrs='data-open="true" data-institution="NJUPT"')))
    page.locator("askintl-chat .intro").wait_for()
    assert page.locator("askintl-chat article").count() == 0
    other_tab = open_page(second)
    other_tab.locator("askintl-chat .intro").wait_for()
    assert other_tab.locator("askintl-chat article").count() == 0

    # "New conversation" clears the panel and what was stored.
    page.goto(second)
    page.locator("askintl-chat article").nth(1).wait_for()
    page.get_by_role("button", name="New conversation").click()
    assert page.locator("askintl-chat article, askintl-chat .user").count() == 0
    assert shadow(page, "root.activeElement && root.activeElement.tagName") == "TEXTAREA"
    page.locator("askintl-chat .starters").wait_for()  # the starters are back
    assert page.evaluate("() => Object.keys(sessionStorage).filter(k => k.startsWith('askintl:chat:'))") == []
    page.reload()
    page.locator("askintl-chat .starters").wait_for()
    assert page.locator("askintl-chat article").count() == 0
    assert page.errors == []


# ---- item 12: the interface language -------------------------------------------------------------
def test_language_switcher_is_remembered_and_data_lang_still_forces_one(site, pages, open_page):  # noqa: F811
    attrs = 'data-open="true" data-institution="BJTU"'
    page = widget(open_page, pages, site, "lang-a", attrs)
    select = page.get_by_role("combobox", name="Language")
    assert select.locator("option").all_inner_texts() == ["English", "中文", "Русский", "العربية", "Français", "Español"]
    assert select.input_value() == "en"
    select.select_option("ar")
    assert shadow(page, "root.querySelector('.root').dir") == "rtl"
    assert page.locator("askintl-chat .send").inner_text() == "إرسال"
    assert shadow(page, "root.activeElement && root.activeElement.className") == "lang"  # focus stays on it
    page.locator("askintl-chat .intro").get_by_text("مرحبًا!", exact=False).wait_for()  # the welcome follows
    article = ask(page, EN_QUESTION)
    assert "المصادر" in article.inner_text()
    # Remembered on the next page of the site, conversation included.
    page.goto(serve(pages, "lang-b", host_page(site.url, css="", tag_attrs=attrs)))
    page.locator("askintl-chat article").first.wait_for()
    assert page.get_by_role("combobox", name="اللغة").input_value() == "ar"
    assert page.locator("askintl-chat h2").inner_text() == "اسأل مكتب الشؤون الدولية"
    page.get_by_role("combobox", name="اللغة").select_option("zh")
    assert page.locator("askintl-chat .send").inner_text() == "发送" and "来源" in page.locator("askintl-chat article").inner_text()

    # data-lang forces one: no switcher, whatever was chosen.
    page.goto(serve(pages, "lang-forced", host_page(site.url, css="", tag_attrs=attrs + ' data-lang="fr"')))
    page.locator("askintl-chat .send").wait_for()
    assert page.locator("askintl-chat .send").inner_text() == "Envoyer"
    assert page.locator("askintl-chat select").count() == 0
    assert page.errors == []


def test_the_demo_page_shows_the_institution_scoped_widget(site, open_page):  # noqa: F811
    page = open_page(site.url + "/")
    page.locator("askintl-chat .starters").wait_for()  # BJTU's welcome and starters (data-institution)
    assert "Welcome! Ask about Beijing Jiaotong University" in page.locator("askintl-chat .intro").inner_text()
    assert 'data-institution="Beijing Jiaotong University"' in page.locator("#snippet").inner_text()
    bodies = asked(page)
    page.locator("askintl-chat .starters button").first.click()
    page.locator("askintl-chat article").first.wait_for(timeout=30000)
    assert bodies[-1]["institutions"] == ["Beijing Jiaotong University"]
    # The page's menu lists every institution, and a national portal.
    page.locator("#scope option").nth(3).wait_for(state="attached")
    assert NJUPT in page.locator("#scope").inner_text()
    page.locator("#scope").select_option(NJUPT)
    page.locator("askintl-chat .starters").wait_for()  # another scope: its own, empty conversation
    assert page.locator("askintl-chat article").count() == 0
    page.locator("#scope").select_option("")
    assert 'data-institution' not in page.locator("#snippet").inner_text()
    ask(page, EN_QUESTION)
    assert "institutions" not in bodies[-1]
    assert page.errors == []

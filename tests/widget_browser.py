"""The widget in real headless Chromium: what test_widget.py, test_widget_scope.py,
test_widget_a11y.py and test_heading_path_display.py share. A test module imports the
fixtures it uses by name (``from widget_browser import browser, open_page, pages``).

Needs /usr/bin/chromium (`apt-get install -y chromium`); ASKINTL_SKIP_BROWSER=1 skips the
browser tests explicitly instead of failing."""
from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path

import httpx
import pytest
from web_servers import LiveServer, StaticPages, service_settings

ROOT = Path(__file__).resolve().parent.parent
SHOTS = ROOT / "screenshots"
EN_QUESTION = "How many international students study at Beijing Jiaotong University?"
CHROMIUM = os.environ.get("ASKINTL_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

HOSTILE_CSS = """
* { font-family: "Comic Sans MS", cursive !important; color: #f0f !important; line-height: 3 !important;
    letter-spacing: 4px !important; text-transform: uppercase !important; box-sizing: content-box !important; }
html { font-size: 40px !important; }
body { background: repeating-linear-gradient(45deg, #0f0 0 10px, #ff0 10px 20px) !important; }
div, section, header, form, p, span, ol, li, blockquote, article { padding: 30px !important; margin: 30px !important;
    border: 5px dashed red !important; }
button, textarea, input { display: none !important; }
mark { background: black !important; color: black !important; }
a { pointer-events: none !important; }
.launcher, .panel, .log, .root { display: none !important; }
askintl-chat { opacity: .2 !important; filter: blur(3px) !important; transform: rotate(8deg) !important;
    display: none !important; }
"""


def host_page(server: str, *, lang="en", css=HOSTILE_CSS, tag_attrs="", body=""):
    return f"""<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,"><title>A university page</title><style>{css}</style></head>
<body><h1>International students</h1><a href="#top" id="first-link">Skip to content</a>
<p class="panel" id="host-panel">A host paragraph that uses the widget's class names.</p>
<mark id="host-mark">host mark</mark>{body}
<script src="{server}/widget.js" defer {tag_attrs}></script></body></html>"""


# ---- fixtures ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pages():
    with StaticPages({}) as static:
        yield static


@pytest.fixture(scope="module")
def browser():
    if os.environ.get("ASKINTL_SKIP_BROWSER") == "1":
        pytest.skip("ASKINTL_SKIP_BROWSER=1")
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} not found: install it with `apt-get install -y chromium` "
                    "(or set ASKINTL_SKIP_BROWSER=1 to skip the browser tests)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser):
    """open_page(url, width=1280, height=800, locale="en-US") -> page; console errors are collected."""
    contexts = []

    def make(url, width=1280, height=800, locale="en-US"):
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.errors.append(f"page error: {e}"))
        page.goto(url)
        return page

    yield make
    for context in contexts:
        context.close()


def serve(pages, name, html) -> str:
    pages.pages[f"/{name}.html"] = html
    return f"{pages.url}/{name}.html"


def shot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def shadow(page, expression):
    """Evaluate ``expression`` with ``root`` bound to the widget's shadow root."""
    return page.evaluate("() => { const root = document.querySelector('askintl-chat').shadowRoot; "
                         f"return {expression}; }}")


def ask(page, question):
    count = page.locator("askintl-chat article").count()
    page.locator("askintl-chat textarea").fill(question)
    page.locator("askintl-chat textarea").press("Enter")
    page.locator("askintl-chat article").nth(count).wait_for(timeout=30000)
    return page.locator("askintl-chat article").nth(count)


@contextlib.contextmanager
def e5_site(tmp_path_factory, e5_settings, pages, *, key: str, doc_id: str, document: dict,
            institutions: dict | None = None):
    """askintl served over a copy of the bundled corpus and its e5 index, with one more document
    added through the admin API (``document``: its text, title, institution, aliases) and, if
    given, more entries in the catalog's ``_institutions``; yields the LiveServer (``.settings``)."""
    root = tmp_path_factory.mktemp("site")
    shutil.copytree(e5_settings.corpus_dir, root / "corpus")
    shutil.copytree(e5_settings.index_dir, root / "index")
    if institutions:
        catalog_path = root / "corpus" / "catalog.json"
        catalog = json.loads(catalog_path.read_text(encoding="utf-8"))
        catalog["_institutions"].update(institutions)
        catalog_path.write_text(json.dumps(catalog, ensure_ascii=False), encoding="utf-8")
    settings = service_settings(e5_settings, corpus_dir=root / "corpus", index_dir=root / "index",
                                cors_origins=[pages.url], admin_api_key=key, rate_limit_per_minute=0)
    from askintl.api import create_app
    from askintl.engine import Engine

    app = create_app(settings, engine=Engine.open(settings))
    with LiveServer(app) as server:
        r = httpx.put(f"{server.url}/v1/admin/documents/{doc_id}", headers={"X-API-Key": key}, timeout=30,
                      json=document)
        assert r.status_code == 202, r.text
        assert app.state.admin.wait(r.json()["generation"], 120)
        server.settings = settings
        yield server

"""Text fragments, "as of" dates, and what the crawl's extraction keeps (extract.py)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote

import pytest

from askintl.extract import OWN_READER, TRAFILATURA, decode_html, extract_html, faq_entries
from askintl.identifiers import PORTABLE_DOC_ID, doc_id_for_url
from askintl.loaders import html_to_document_parts
from askintl.provenance import as_of, link_for, text_directive, text_fragment_link
from askintl.records import Document

ROOT = Path(__file__).resolve().parents[2]
FAQ_PAGES = ROOT / "benchmarks" / "faq" / "corpus"


@pytest.mark.parametrize("quote, expected", [
    ("Tuition is 3,770 euros - per year.", "Tuition%20is%203%2C770%20euros%20%2D%20per%20year."),
    ("A & B", "A%20%26%20B"),
    # long: its first and last words
    ("International students may work up to 20 hours per week during the semester and full time during holidays.",
     "International%20students%20may%20work%20up,and%20full%20time%20during%20holidays."),
    # several lines (list items): the first words of the first, the last words of the last
    ("Bring the following:\nyour passport\nyour CAS statement and offer letter",
     "Bring%20the%20following%3A,CAS%20statement%20and%20offer%20letter"),
    # a table row: cells are apart on the page
    ("Master | 1,750 euros", "Master,1%2C750%20euros"),
    # Markdown furniture is not on the page
    ("- **Deadline:** 15 March", "Deadline%3A%2015%20March"),
])
def test_text_directive(quote, expected):
    assert text_directive(quote) == expected


def test_text_directive_for_text_without_spaces_cuts_at_clauses():
    quote = "北京交通大学现有国际学生1400余名，来自全球80多个国家和地区，其中学历生占比超过百分之六十，研究生人数逐年增加。"
    start, end = (unquote(t) for t in text_directive(quote).split(","))
    assert start == "北京交通大学现有国际学生1400余名" and end == "研究生人数逐年增加。"
    assert unquote(text_directive("现有国际学生1400余名。")) == "现有国际学生1400余名。"
    assert text_directive("  \n ") is None


def test_links_keep_an_existing_fragment_and_pdfs_get_their_plain_url():
    assert text_fragment_link("https://u.edu/a#fees", "Fees") == "https://u.edu/a#fees:~:text=Fees"
    assert text_fragment_link("https://u.edu/a#:~:text=old", "New") == "https://u.edu/a#:~:text=New"
    pdf = Document("d", "text", "t", url="https://u.edu/guide.pdf", source_path="corpus/u.edu/d.pdf")
    assert link_for(pdf, "text") == "https://u.edu/guide.pdf"
    assert link_for(Document("d", "text", "t"), "text") is None


def test_as_of_is_the_page_date_else_the_fetch_day():
    assert as_of(Document("d", "x", "t", fetched_at="2026-01-05T10:00:00Z", page_date="2025-02-14")) == "2025-02-14"
    assert as_of(Document("d", "x", "t", fetched_at="2026-01-05T10:00:00Z")) == "2026-01-05"
    assert as_of(Document("d", "x", "t")) is None


def test_doc_ids_from_urls_are_portable_and_unique():
    assert doc_id_for_url("https://www.uni.edu/intl/faq.html") == "uni.edu-intl-faq"
    assert doc_id_for_url("https://uni.edu/intl/index.html") == "uni.edu-intl"
    taken = {"uni.edu-intl-faq"}
    other = doc_id_for_url("https://uni.edu/intl/faq/", taken=taken)
    assert other != "uni.edu-intl-faq" and other.startswith("uni.edu-intl-faq-")
    for url in ("https://uni.edu/国际/学生", "https://uni.edu/" + "a" * 300, "https://uni.edu/a?x=1&y=2"):
        doc_id = doc_id_for_url(url)
        assert PORTABLE_DOC_ID.match(doc_id), doc_id
    assert doc_id_for_url("https://uni.edu/国际/") != doc_id_for_url("https://uni.edu/学生/")


@pytest.mark.parametrize("name", sorted(p.name for p in FAQ_PAGES.glob("*.html")))
def test_the_saved_page_keeps_every_faq_entry(name):
    """Whichever extractor is used, the saved file has every FAQ entry our reader finds in the page."""
    html = (FAQ_PAGES / name).read_text(encoding="utf-8")
    page = extract_html(html, "https://u.example/" + name)
    own_text, _, own_blocks = html_to_document_parts(html)
    text, _, blocks = html_to_document_parts(page.html)
    assert faq_entries(text, blocks) == faq_entries(own_text, own_blocks)
    assert page.extractor in (TRAFILATURA, OWN_READER)
    assert (page.extractor == OWN_READER) == bool(page.note)


def test_a_page_without_faq_is_read_by_trafilatura_without_its_furniture():
    html = """<!doctype html><html lang="fr"><head><title>Frais | Université X</title>
    <meta property="article:modified_time" content="2025-03-14T10:00:00+01:00"></head><body>
    <nav><a href="/">Accueil</a> <a href="/a">À propos</a></nav>
    <div class="cookie-banner">Nous utilisons des cookies. <button>Accepter</button></div>
    <main><h1>Frais de scolarité</h1><p>Les frais de scolarité pour les étudiants internationaux sont de 3 770
    euros par an pour le master, payables en trois fois, et de 2 770 euros pour la licence.</p>
    <h2>Bourses</h2><ul><li>Bourse Eiffel : 1 181 euros par mois.</li><li>Bourse régionale de mobilité.</li></ul>
    <table><tr><th>Niveau</th><th>Frais</th></tr><tr><td>Licence</td><td>2 770 €</td></tr></table>
    <p><a href="guide.pdf">Guide</a> <a href="mailto:a@b.c">mail</a> <a href="#top">top</a></p></main>
    <footer>© 2025 Université X · Mentions légales</footer></body></html>"""
    page = extract_html(html, "https://x.edu/intl/frais.html")
    assert page.extractor == TRAFILATURA and page.language == "fr" and page.page_date == "2025-03-14"
    assert page.title == "Frais de scolarité"
    text, title, blocks = html_to_document_parts(page.html)
    assert title == "Frais de scolarité"
    kinds = {text[b.start:b.end]: b.kind for b in blocks}
    assert kinds["Bourses"] == "heading" and kinds["Bourse régionale de mobilité."] == "item"
    assert kinds["Licence | 2 770 €"] == "row"
    for furniture in ("cookies", "Accueil", "Mentions légales"):
        assert furniture not in text
    assert page.links == ["https://x.edu/", "https://x.edu/a", "https://x.edu/intl/guide.pdf"]


@pytest.mark.parametrize("raw, content_type, expected", [
    ("Привет, мир".encode("cp1251"), "text/html; charset=windows-1251", "cp1251"),
    (b'<meta charset="windows-1251">' + "Привет".encode("cp1251"), "text/html", "cp1251"),
    ('<meta http-equiv="Content-Type" content="text/html; charset=shift_jis">日本語'.encode("shift_jis"), None,
     "shift_jis"),
    ("café".encode("utf-8"), "text/html; charset=iso-8859-1", "cp1252"),  # a browser reads latin-1 as 1252...
    ("\ufeffcafé".encode("utf-8"), "text/html; charset=iso-8859-1", "utf-8-sig"),  # ...but a BOM wins
])
def test_pages_are_decoded_as_browsers_do(raw, content_type, expected):
    text, encoding = decode_html(raw, content_type)
    assert encoding.replace("_", "-") == expected.replace("_", "-")
    assert "\ufffd" not in text


def test_the_chat_and_ask_show_the_live_link_and_as_of():
    from askintl.records import Answer, AskResult, Passage
    from askintl.term.views import live_source, plain_block

    link = "https://u.edu/fees#:~:text=Master,1%2C750%20euros"
    p = Passage(0, "fees", "Fees", "U", "Master | 1,750 euros", 0, 20, 1.0, url="https://u.edu/fees", link=link,
                as_of="2025-02-14")
    a = Answer("Master | 1,750 euros", "fees", 0, 20, 0, "Fees", "U", url="https://u.edu/fees", link=link,
               as_of="2025-02-14")
    result = AskResult("fee?", "fee?", False, a, [p], 0.9, confidence_level="high")
    assert f"Link: {link} (as of 2025-02-14)" in plain_block(result)
    assert live_source(a).plain == f"as of 2025-02-14 · {link}"
    assert live_source(Answer("x", "d", 0, 1, 0)) is None
    assert "Link:" not in plain_block(AskResult("q", "q", False, Answer("x", "d", 0, 1, 0), [p], 0.9))

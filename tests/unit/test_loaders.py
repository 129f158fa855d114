import pytest

from askintl.errors import LoaderError
from askintl.loaders import html_to_text, load_corpus, load_file


def test_txt_is_loaded_verbatim_with_catalog_metadata(tiny_corpus):
    report = load_corpus(tiny_corpus)
    docs = {d.doc_id: d for d in report.documents}
    assert set(docs) == {"alpha-uni", "beta-college"}
    alpha = docs["alpha-uni"]
    assert alpha.text == (tiny_corpus / "alpha-uni.txt").read_text(encoding="utf-8")
    assert alpha.institution == "Alpha University" and alpha.aliases == ("AU", "Alpha Uni")
    assert docs["beta-college"].url == "https://beta.example/intl"
    assert report.skipped == []


def test_unreadable_files_are_reported_and_skipped(tiny_corpus):
    (tiny_corpus / "empty.txt").write_text("   \n")
    (tiny_corpus / "latin1.txt").write_bytes("Caf\xe9 cr\xe8me".encode("latin-1"))
    (tiny_corpus / "binary.txt").write_bytes(b"\x00\x01\x02 binary")
    (tiny_corpus / "broken.pdf").write_bytes(b"%PDF-1.4 not really")
    (tiny_corpus / "image.png").write_bytes(b"\x89PNG")
    report = load_corpus(tiny_corpus)
    assert {d.doc_id for d in report.documents} == {"alpha-uni", "beta-college"}
    reasons = {p.rsplit("/", 1)[-1]: r for p, r in report.skipped}
    assert reasons["empty.txt"] == "empty file"
    assert "not UTF-8" in reasons["latin1.txt"]
    assert "binary" in reasons["binary.txt"]
    assert "PDF" in reasons["broken.pdf"]
    assert "unsupported" in reasons["image.png"]


def test_html_keeps_visible_text_only(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><head><title>Intl Office</title><style>p{}</style></head><body><nav>Menu</nav>"
                    "<h1>Welcome</h1><p>We host 300 exchange students.</p><script>alert(1)</script>"
                    "<p>Tom &amp; Jerry &lt;img src=x&gt;</p></body></html>", encoding="utf-8")
    doc = load_file(page)
    assert doc.title == "Intl Office"
    assert "We host 300 exchange students." in doc.text
    assert "Tom & Jerry <img src=x>" in doc.text
    assert "alert" not in doc.text and "Menu" not in doc.text and "p{}" not in doc.text


def test_html_to_text_separates_blocks():
    text, _ = html_to_text("<p>One.</p><p>Two.</p><ul><li>Three</li></ul>")
    assert text.split("\n\n") == ["One.", "Two.", "Three"]


def test_pdf_text_is_extracted(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = pypdf.PdfWriter()
    page = writer.add_blank_page(width=300, height=200)
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    stream = DecodedStreamObject()
    stream.set_data(b"BT /F1 12 Tf 20 100 Td (Gamma hosts 42 scholars.) Tj ET")
    page[NameObject("/Contents")] = writer._add_object(stream)
    path = tmp_path / "brochure.pdf"
    with open(path, "wb") as fh:
        writer.write(fh)
    assert "Gamma hosts 42 scholars." in load_file(path).text


def test_missing_file_raises_loader_error(tmp_path):
    with pytest.raises(LoaderError, match="cannot read"):
        load_file(tmp_path / "nope.txt")

"""Document structure from text and Markdown (structure.py) and passages that follow it."""
from __future__ import annotations

from pathlib import Path

from askintl.chunking import chunk_document
from askintl.records import Block, Document
from askintl.structure import CONTENT, HEADING, NAV, QUESTION, lines_of, text_blocks

DATA = Path(__file__).resolve().parents[1] / "data" / "structure"
DATA_SYLLABUS = Path(__file__).resolve().parents[1] / "data" / "syllabus"

FAQ_EN = (DATA / "harbour-faq.txt").read_text(encoding="utf-8")  # also a page of test_structure_answers

FAQ_ZH = """国际学生常见问题

申请截止日期是什么时候？
本科申请截止日期为每年4月30日。

学费是多少？
本科学费为每年两万六千元人民币。
"""

FAQ_AR = """الأسئلة الشائعة للطلاب الدوليين

متى يبدأ العام الدراسي؟
يبدأ العام الدراسي في الأول من سبتمبر من كل عام.

كم تبلغ رسوم السكن؟
تبلغ رسوم السكن الجامعي ٣٠٠ دولار شهريًا.
"""

FAQ_ES = """Preguntas frecuentes

¿Cuándo se abre la convocatoria de intercambio?
La convocatoria de intercambio se abre el 1 de octubre y se cierra el 15 de noviembre.

P: ¿Necesito un seguro médico?
R: Sí, todos los estudiantes internacionales deben tener un seguro médico válido en España.
"""

MARKDOWN = """# Studying at Lakeview University

## Fees

### How much does a master's programme cost?

Master's programmes cost 4,500 EUR a year for EU students.

| Programme | EU students | Non-EU students |
|---|---|---|
| Bachelor | 2,000 EUR | 7,500 EUR |
| Master | 4,500 EUR | 9,800 EUR |

## Documents

You need the following documents:

- a copy of your passport
- two passport photos
- your final transcript
"""


def doc(text: str, doc_id: str = "d", title: str = "") -> Document:
    return Document(doc_id=doc_id, text=text, title=title or doc_id, institution="Some College")


def roles(text: str) -> dict[str, str]:
    return {text[ln.start:ln.end]: ln.role for ln in lines_of(doc(text))}


def test_faq_questions_and_headings_are_recognised_in_four_languages():
    r = roles(FAQ_EN)
    assert r["When will I receive a decision?"] == QUESTION
    assert r["Admissions"] == HEADING and r["Fees"] == HEADING
    assert r["Non-EU students pay 9,800 EUR per year."] == CONTENT
    for text, question in ((FAQ_ZH, "学费是多少？"), (FAQ_AR, "كم تبلغ رسوم السكن؟"),
                           (FAQ_ES, "¿Cuándo se abre la convocatoria de intercambio?"),
                           (FAQ_ES, "P: ¿Necesito un seguro médico?")):
        assert roles(text)[question] == QUESTION, question


def test_an_answer_knows_its_question_and_its_section():
    lines = {FAQ_EN[ln.start:ln.end]: ln for ln in lines_of(doc(FAQ_EN))}
    fee = lines["Payment is due before enrolment."]
    assert fee.question == "How much is tuition for non-EU students?"
    assert fee.path == ("Fees",)
    assert lines["The deadline for master's programmes is 15 March."].path == ("Admissions",)


def test_passages_never_cross_an_faq_entry_and_never_quote_its_question():
    d = doc(FAQ_EN)
    chunks = chunk_document(d)
    for c in chunks:
        assert c.text == d.text[c.start:c.end]
        # one entry per passage: at most one question in it, and it is listed as not content
        questions = [k for k, s in enumerate(c.sentences) if d.text[s.start:s.end].endswith("?")]
        assert len(questions) <= 1
        assert set(questions) <= set(c.not_content)
        assert len(c.not_content) < len(c.sentences)  # something to quote
    decision = next(c for c in chunks if "six weeks" in c.text)
    assert decision.question == "When will I receive a decision?"
    assert "deadline" not in decision.text
    fees = next(c for c in chunks if "9,800" in c.text)
    assert fees.heading_path == ("Fees",) and "Payment is due" in fees.text


def test_faq_entries_in_other_languages_are_passages_of_their_own():
    for text in (FAQ_ZH, FAQ_AR, FAQ_ES):
        d = doc(text)
        chunks = chunk_document(d)
        assert len(chunks) == 2, [c.text for c in chunks]
        for c in chunks:
            assert c.question and c.question in c.text
            quoted = [d.text[s.start:s.end] for k, s in enumerate(c.sentences) if k not in c.not_content]
            assert quoted and not any(q.rstrip().endswith(("?", "？", "؟")) for q in quoted)


def test_markdown_headings_nest_and_question_headings_open_an_entry():
    lines = {MARKDOWN[ln.start:ln.end]: ln for ln in lines_of(doc(MARKDOWN))}
    answer = lines["Master's programmes cost 4,500 EUR a year for EU students."]
    assert answer.path == ("Studying at Lakeview University", "Fees")
    assert answer.question == "How much does a master's programme cost?"
    # a level-2 heading closes the level-3 question and its section
    item = lines["- two passport photos"]
    assert item.role == CONTENT and item.path == ("Studying at Lakeview University", "Documents")
    assert item.question == ""


def test_markdown_table_rows_carry_their_column_headers():
    blocks = text_blocks(MARKDOWN)
    rows = [b for b in blocks if b.kind == "row"]
    assert [MARKDOWN[b.start:b.end] for b in rows][1] == "| Bachelor | 2,000 EUR | 7,500 EUR |"
    assert rows[1].headers == ("Programme", "EU students", "Non-EU students")
    assert rows[0].headers == ()  # the header row itself
    assert any(b.kind == NAV and MARKDOWN[b.start:b.end].startswith("|---") for b in blocks)
    master = next(c for c in chunk_document(doc(MARKDOWN)) if "9,800" in c.text)
    assert master.headers == ("Programme", "EU students", "Non-EU students")


def test_a_run_of_short_lines_is_a_list_not_headings():
    text = "Required documents\n\nPassport copy\nTwo photos\nFinal transcript\n\nSend them by post to the office before the deadline.\n"
    r = roles(text)
    assert r["Passport copy"] == CONTENT and r["Two photos"] == CONTENT


def test_blocks_from_markup_are_used_when_the_loader_gave_them():
    text = "Fees\n\nTuition\n\nTuition is 3,000 EUR a year for every student."
    blocks = (Block(HEADING, 0, 4, level=2), Block(QUESTION, 6, 13), Block("answer", 15, len(text)))
    d = Document(doc_id="h", text=text, title="h", blocks=blocks)
    (c,) = chunk_document(d)
    assert c.question == "Tuition" and c.heading_path == ("Fees",)
    assert [d.text[s.start:s.end] for k, s in enumerate(c.sentences) if k not in c.not_content] == \
        ["Tuition is 3,000 EUR a year for every student."]


def test_plain_prose_keeps_its_passages():
    text = ("The college was founded in 1950 by the city council. It has grown since then into a "
            "university of twelve faculties.\n\nToday it teaches 20,000 students from 90 countries, "
            "and its international office helps them settle in.\n")
    chunks = chunk_document(doc(text))
    assert [c.text for c in chunks] == [text.strip().split("\n\n")[0], text.strip().split("\n\n")[1]]
    assert all(not c.not_content and not c.question and not c.heading_path for c in chunks)


def test_the_title_line_is_never_content():
    r = roles(FAQ_EN)
    assert r["Harbourside College International FAQ"] != CONTENT
    d = doc(FAQ_EN)
    for c in chunk_document(d):
        quoted = [d.text[s.start:s.end] for k, s in enumerate(c.sentences) if k not in c.not_content]
        assert "Harbourside College International FAQ" not in quoted


def test_breadcrumbs_are_navigation():
    for crumb in ("当前位置: 首页 > International > About", "Home > Study > International students",
                  "You are here: Admissions", "Accueil » International » FAQ"):
        assert roles("Some page\n\n" + crumb + "\n\nThe office helps every student who comes to study here.\n")[crumb] == NAV
    assert roles("Title\n\nFees are 3 > 2 in this case, as the table shows.\n")[
        "Fees are 3 > 2 in this case, as the table shows."] == CONTENT


def test_a_paragraph_line_that_asks_opens_an_faq_entry_in_markup_that_does_not_say_so():
    """'<p><strong>Q?</strong><br>A</p>' and '<p>Q: ...</p><p>A: ...</p>': the question line is a
    question (never quoted, the context of the lines under it), as the same line in a text file is."""
    from askintl.loaders import html_to_document_parts

    html = ("<h2>Work and housing</h2><p><strong>Can I work while studying?</strong><br>"
            "Yes, up to 20 hours a week during term.</p><p><strong>Is housing guaranteed?</strong><br>"
            "First-year students are guaranteed a room.</p>"
            "<p>Q: Do I need a visa?</p><p>A: Students from outside the EU need one.</p>"
            "<p>Our office answers every message within two days. Why wait? Write today.</p>")
    text, _, blocks = html_to_document_parts(html)
    lines = {text[ln.start:ln.end]: ln for ln in lines_of(Document(doc_id="p", text=text, title="Work", blocks=blocks))}
    for q in ("Can I work while studying?", "Is housing guaranteed?", "Q: Do I need a visa?"):
        assert lines[q].role == QUESTION, q
    assert lines["Yes, up to 20 hours a week during term."].question == "Can I work while studying?"
    assert lines["First-year students are guaranteed a room."].question == "Is housing guaranteed?"
    assert lines["A: Students from outside the EU need one."].question == "Q: Do I need a visa?"
    assert lines["Yes, up to 20 hours a week during term."].group != lines["First-year students are guaranteed a room."].group
    # A question mark inside a line of prose does not make the line a question.
    assert lines["Our office answers every message within two days. Why wait? Write today."].role == CONTENT


def test_a_short_label_line_takes_its_section_heading_and_prose_does_not():
    from askintl.structure import is_label_line, label_context

    path = ("GEO 150", "Instructor")
    assert label_context("Email: p.raman@fenwick.example", path) == "Instructor"
    assert label_context("- Textbook: Rivers, 3rd edition, by Lane.", ("Course", "Required materials")) \
        == "Required materials"
    assert label_context("授课教师：张三", ("课程信息",)) == "课程信息"
    assert label_context("Dr. Priya Raman", path) == "Instructor"     # a fragment: a name, a room
    # prose, a lead-in to a list, a table row (its column headers are its context), no heading,
    # a line that already names its heading
    assert label_context("The final exam is held on December 10 at 9:00 in the Great Hall.", path) == ""
    assert label_context("You need the following documents:", path) == ""
    assert label_context("| Final exam | 50% |", ("Assessment",)) == ""
    assert label_context("Email: p.raman@fenwick.example", ()) == ""
    assert label_context("Instructor email: p.raman@fenwick.example", path) == ""
    assert not is_label_line("Students read maps and field data and write two short reports about rivers "
                             "and their floodplains.")


def test_label_lines_are_embedded_with_their_heading_and_sentences_of_prose_are_not():
    from askintl.indexer import document_texts
    from askintl.loaders import load_corpus

    doc = next(d for d in load_corpus(DATA_SYLLABUS).documents if d.doc_id.startswith("geo150"))
    _, texts = document_texts(doc, 120)
    assert any(t.endswith("Instructor: Email: p.raman@fenwick.example") for t in texts)
    assert any(t.endswith("Teaching assistant: Email: t.wolny@fenwick.example") for t in texts)
    prose = "Late reports lose ten percentage points per day."
    assert [t for t in texts if t.endswith(prose)] and all(not t.endswith(": " + prose) for t in texts)


def test_a_capitalised_line_standing_apart_heads_the_label_lines_under_it():
    from askintl.structure import HEADING, text_blocks

    text = "BIO 220 Cell Biology\n\nCOURSE DETAILS\nInstructor: Prof. Lena Ortiz\nCredit Hours: 4\n\n" \
           "LAB COORDINATOR\nName: Marcus Bell\n\n雅思IELTS成绩\n要求6.5分\n"
    kinds = {text[b.start:b.end]: b.kind for b in text_blocks(text)}
    assert kinds["COURSE DETAILS"] == HEADING and kinds["LAB COORDINATOR"] == HEADING
    assert kinds["Name: Marcus Bell"] != HEADING and kinds["雅思IELTS成绩"] != HEADING

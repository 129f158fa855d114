"""A course syllabus with the real default model: facts listed as label lines under headings
("Email: ..." under "Instructor" and again under "Teaching assistant") are told apart by their
section, and a label line is quoted alone."""
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.model

SYLLABUS = Path(__file__).resolve().parents[1] / "data" / "syllabus" / "geo150.md"


def _engine_over_page(tmp_path_factory, page: Path):
    """An engine over one syllabus page, with the real default model."""
    from askintl.config import Settings
    from askintl.engine import Engine
    from askintl.indexer import build_index

    root = tmp_path_factory.mktemp(page.stem)
    (root / "corpus").mkdir()
    (root / "corpus" / page.name).write_text(page.read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index", embedder="e5-small")
    build_index(settings)
    return Engine.open(settings)


@pytest.fixture(scope="module")
def syllabus_engine(tmp_path_factory):
    return _engine_over_page(tmp_path_factory, SYLLABUS)


@pytest.mark.parametrize("question, line", [
    ("What is the instructor's email?", "Email: p.raman@fenwick.example"),
    ("What is the teaching assistant's email?", "Email: t.wolny@fenwick.example"),
    ("When are the instructor's office hours?", "Office hours: Wednesdays 10:00–12:00"),
    ("When are the TA's office hours?", "Office hours: Mondays 15:00–16:00 in the map library"),
    ("Where is the instructor's office?", "Office: Marlow Building 210"),
    ("How many credits is the course?", "Credits: 3"),
])
def test_the_label_line_of_the_section_asked_about_is_read_first_and_quoted_alone(syllabus_engine, question, line):
    _, evidence = syllabus_engine.evidence(question)
    reading = evidence.reading
    assert reading.candidates[int(np.argmax(reading.scores))].text == line
    result = syllabus_engine.ask(question)
    assert result.abstained or result.answer.text == line


BIO220 = SYLLABUS.parent / "bio220.txt"  # plain text: capitalised headings, "Label: value" lines, no Markdown


@pytest.fixture(scope="module")
def text_syllabus_engine(tmp_path_factory):
    return _engine_over_page(tmp_path_factory, BIO220)


@pytest.fixture(scope="module")
def bold_syllabus_engine(tmp_path_factory):
    return _engine_over_page(tmp_path_factory, SYLLABUS.parent / "psyc101.md")


@pytest.fixture(scope="module")
def schedule_engine(tmp_path_factory):
    return _engine_over_page(tmp_path_factory, SYLLABUS.parent / "soc205.md")


@pytest.fixture(scope="module")
def chem_engine(tmp_path_factory):
    return _engine_over_page(tmp_path_factory, SYLLABUS.parent / "chem101.md")


@pytest.mark.parametrize("engine, question, line", [
    ("chem_engine", "Who is the teaching assistant?", "Name: Samuel Okafor"),              # not the TA's office hours
    ("chem_engine", "Where is the instructor's office?", "Office: Harmon Hall 305"),       # not "Office hours: ..."
    ("chem_engine", "What percentage of the grade is homework?", "| Homework | 15% |"),    # not the letter grades
    ("chem_engine", "How much do lab reports count?", "| Laboratory reports | 20% |"),
    ("chem_engine", "Where does the class meet?", "Location: Harmon Hall, Room 214"),      # not "Meeting times: ..."
    ("chem_engine", "When is the lab?", "Lab: Thursday, 2:00–4:50 pm, Science Center B12"),
    ("chem_engine", "What are the prerequisites?", "MATH 110 (College Algebra) or placement into MATH 120."),
    # plain text, read by its capitalised headings
    ("text_syllabus_engine", "Who is the lab coordinator?", "Name: Marcus Bell"),
    ("text_syllabus_engine", "When does the class meet?", "Class Time: Tuesday/Thursday 09:00-10:15"),
    ("text_syllabus_engine", "Where is the class held?", "Classroom: Science Building S-101"),
    ("text_syllabus_engine", "How much are quizzes worth?", "Quizzes: 10%"),
    ("text_syllabus_engine", "When is midterm 2?", "Midterm 2: March 25"),
    ("text_syllabus_engine", "When is the second midterm?", "Midterm 2: March 25"),          # not "Midterm 1: ..."
    # bold labels, and keys joined to their values by a dash
    ("bold_syllabus_engine", "How much is the final exam worth?", "- Final exam — 50%"),      # not "50% on the final exam to pass"
    ("bold_syllabus_engine", "What percentage of the grade are the quizzes?", "- Weekly online quizzes — 15%"),
    ("bold_syllabus_engine", "Where is Dr. Weiss's office?", "**Office:** Pemberton Hall, Room 3.14"),
    # a weekly schedule: the row of the week asked, never the header row
    ("schedule_engine", "What is the topic of week 3?", "| 3 | Jan 26–30 | Segregation | Massey and Denton, chapter 1 |"),
    ("schedule_engine", "When is week 7?", "| 7 | Feb 23–27 | Global cities | Sassen, chapter 1 |"),
])
def test_a_listed_fact_whose_key_names_the_question_is_answered(request, engine, question, line):
    """Quoted and answered: the reader alone (trained on prose) chose another line or refused most."""
    result = request.getfixturevalue(engine).ask(question)
    assert not result.abstained and result.answer.text == line


@pytest.mark.parametrize("question, wrong", [
    ("What is the TA's phone number?", "555-0142"),           # the instructor's number
    ("What is the TA's office?", "Office: Marlow Building 210"),  # the instructor's office
])
def test_a_key_that_names_only_part_of_the_question_is_not_quoted_for_it(syllabus_engine, question, wrong):
    result = syllabus_engine.ask(question)
    assert result.abstained or wrong not in result.answer.text


@pytest.fixture(scope="module")
def html_syllabus_engine(tmp_path_factory):
    return _engine_over_page(tmp_path_factory, SYLLABUS.parent / "econ310.html")


@pytest.mark.parametrize("question, needle", [
    ("Who is the TA?", "Amara Nwosu"),                           # a staff table's row, by the key "Teaching assistant"
    ("What percentage of the grade is the final exam?", "40%"),
    ("When is the last day to withdraw?", "November 6"),        # <dt>Last day to withdraw</dt><dd>November 6</dd>
    ("When is the midterm?", "October 21"),                     # the key "Midterm exam"
    ("What are the prerequisites for ECON 310?", "ECON 201"),   # the first line under "Prerequisites"
])
def test_an_html_syllabus_answers_from_its_tables_and_definition_lists(html_syllabus_engine, question, needle):
    result = html_syllabus_engine.ask(question)
    assert not result.abstained and needle in result.answer.text

"""A course syllabus with the real default model: facts listed as label lines under headings
("Email: ..." under "Instructor" and again under "Teaching assistant") are told apart by their
section, and a label line is quoted alone."""
from pathlib import Path

import numpy as np
import pytest

pytestmark = pytest.mark.model

SYLLABUS = Path(__file__).resolve().parents[1] / "data" / "syllabus" / "geo150.md"


@pytest.fixture(scope="module")
def syllabus_engine(tmp_path_factory):
    from askintl.config import Settings
    from askintl.engine import Engine
    from askintl.indexer import build_index

    root = tmp_path_factory.mktemp("syllabus")
    (root / "corpus").mkdir()
    (root / "corpus" / SYLLABUS.name).write_text(SYLLABUS.read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(corpus_dir=root / "corpus", index_dir=root / "index", embedder="e5-small")
    build_index(settings)
    return Engine.open(settings)


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

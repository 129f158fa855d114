"""Sibling facts: a question about one degree level, intake or test is never answered with a
sentence about its sibling, and is refused when the sources only hold siblings."""
from __future__ import annotations

import pytest

from helpers import engine_over

from askintl.facets import asked, conflicts, mentioned


@pytest.mark.parametrize("question,facet,values", [
    ("How much do international PhD students pay per year?", "level", {"doctorate"}),
    ("青岚大学博士研究生一年学费多少？", "level", {"doctorate"}),        # 博士 is specific, 研究生 generic
    ("كم رسوم برنامج الدكتوراه؟", "level", {"doctorate"}),
    ("¿Cuánto cuesta el doctorado?", "level", {"doctorate"}),
    ("Сколько стоит обучение в магистратуре?", "level", {"master"}),
    ("What is the fee for postgraduate students?", "level", {"master", "doctorate"}),
    ("What's the deadline for undergraduate applications?", "level", {"bachelor"}),
    ("Which TOEFL score do you accept?", "test", {"toefl"}),
    ("雅思要求多少分？", "test", {"ielts"}),
    ("When is the deadline for the summer 2026 intake?", "intake", {"summer"}),
    ("春季入学什么时候截止申请？", "intake", {"spring"}),
    ("When does the fall semester start?", "intake", {"autumn"}),
])
def test_what_a_question_asks_about(question, facet, values):
    assert asked(question)[facet] == values


@pytest.mark.parametrize("text", [
    "Do I need a driving licence?",               # not a French licence (bachelor's)
    "The study took five years; a пятилетний plan.",
    "Leaves fall in the park.",                    # "fall" alone is not the autumn intake
    "What did the SAT-nav say?".lower(),           # test names only as written
    "What is the tuition fee?",
])
def test_ordinary_words_name_no_facet(text):
    assert mentioned(text) == {}


def test_a_sibling_conflicts_and_a_neutral_or_covering_sentence_does_not():
    phd = asked("How much is the PhD tuition fee?")
    assert conflicts(phd, "The master programme costs 6,000 EUR per year.")
    assert conflicts(phd, "Bachelor of Arts or Science | $8,240 | $32,600")
    assert conflicts(asked("青岚大学博士研究生一年学费多少？"), "硕士研究生每学年学费为30,000元；")
    assert not conflicts(phd, "Tuition is 5,000 EUR per year for every programme.")   # says no level
    assert not conflicts(phd, "Graduate programmes cost 9,000 EUR per year.")          # covers doctorate
    assert not conflicts(phd, "Students come to get a doctor’s degree, master’s degree and bachelor’s degree.")
    assert conflicts(asked("What is the undergraduate deadline?"), "Graduate applications close on 1 June.")
    assert conflicts(asked("Which TOEFL score do you accept?"), "Bachelor's courses ask for IELTS 6.0.")
    assert conflicts(asked("Which TOEFL score do you accept?"), "Tuition is 5,000 EUR per year.")  # names no test
    assert not conflicts(asked("Which TOEFL score do you accept?"), "TOEFL iBT 90 or IELTS 6.5.")
    assert not conflicts({}, "anything at all")


def _engine_over(tmp_path, text: str):
    return engine_over(tmp_path, {"fees.md": text})


FEES = """# Fees for international students

The bachelor programme costs 4,000 EUR per year.
The master programme costs 6,000 EUR per year.

## Language requirements

Applicants show IELTS Academic 6.5 or an equivalent certificate.
"""


def test_the_quote_is_about_what_was_asked_not_its_sibling(tmp_path):
    engine = _engine_over(tmp_path, FEES)
    for level, amount in (("master", "6,000 EUR"), ("bachelor", "4,000 EUR")):
        r = engine.ask(f"How much does the {level} programme cost per year?")
        assert not r.abstained and amount in r.answer.text, (level, r.answer)


def test_a_question_whose_sources_hold_only_siblings_is_refused(tmp_path):
    engine = _engine_over(tmp_path, FEES)
    for question in ("How much does the PhD programme cost per year?", "博士项目每年学费多少？"):
        r = engine.ask(question)
        assert r.abstained and r.answer is None, (question, r.answer)
    # A TOEFL question: the IELTS sentence is a sibling, and the fee sentences name no test at all.
    r = engine.ask("What TOEFL score do applicants need?")
    assert r.abstained and r.answer is None, r.answer
    # The same page still answers what it does say.
    assert not engine.ask("What IELTS score do applicants need?").abstained


PAGE = """# Studying at Example University

Every international student pays a registration charge of 300 EUR per semester.
Bachelor students choose their courses online in the first week.
Master students are assigned a supervisor in their first month.
Students with a child can ask for a family room in the Oak residence.
"""


def test_a_value_for_a_level_the_page_never_names_is_not_taken_from_a_general_sentence(tmp_path):
    """The page speaks of bachelor's and master's students and never of doctoral ones: a PhD
    question asking for a value (a fee, a date, a number) is not answered with a sentence that
    names no level, because the page's values are the others'. A question without a value asked
    for, and a question about a level the page names, still read the general sentence."""
    engine = _engine_over(tmp_path, PAGE)
    for question in ("How much do PhD students pay per semester?", "博士生每学期交多少钱？"):
        r = engine.ask(question)
        assert r.abstained and r.answer is None, (question, r.answer)
    r = engine.ask("How much do master students pay per semester?")
    assert not r.abstained and "300 EUR" in r.answer.text, r.answer
    r = engine.ask("Can PhD students with a child get a family room?")
    assert not r.abstained and r.answer is not None  # nothing asked for a value: the general sentence may answer
    # "Graduate" on a page covers master's and doctorate: such a page is not silent on PhDs.
    engine = _engine_over(tmp_path / "graduate", PAGE.replace("Master students", "Graduate students"))
    r = engine.ask("How much do PhD students pay per semester?")
    assert not r.abstained and "300 EUR" in r.answer.text, r.answer

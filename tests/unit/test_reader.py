"""The learned reader: its features, the bundled models, and the decisions they make."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from helpers import engine_over

from askintl.lang import question_kinds, sentence_kinds, strict_evidence
from askintl.reader import (ANSWER_FEATURES, CROSS_SENTENCE_FEATURES, SENTENCE_FEATURES, Reading,
                            answer_features, gather, load_reader)


@pytest.mark.parametrize("question,kind", [
    ("How many international students study at BJTU?", "number"),
    ("北京交通大学有多少国际学生？", "number"),
    ("كم عدد الطلاب الدوليين؟", "number"),
    ("When will I receive a decision?", "time"),
    ("いつ始まりますか", "time"),
    ("Сколько стоит обучение?", "money"),
    ("北京交通大学的学费是多少？", "money"),
    ("How long does the program take?", "duration"),
    ("Who is the dean of the school?", "person"),
    ("Where is NJUPT located?", "place"),
    ("What is the e-mail of the international office?", "contact"),
])
def test_question_kinds_in_several_scripts(question, kind):
    assert kind in question_kinds(question)


def test_a_price_question_is_not_a_plain_number_question():
    assert question_kinds("How much does the dormitory cost?") == {"money"}
    assert question_kinds("What is a doctoral program?") == frozenset()
    # A share of a grade is a number (a percentage), not a price, unless money is named too.
    assert question_kinds("How much is the final exam worth?") == {"number"}
    assert question_kinds("How much does the midterm count toward the final grade?") == {"number"}
    assert question_kinds("期末考试占总成绩的比例是多少？") == {"number"}
    assert question_kinds("How much is the application fee worth it?") == {"money"}
    assert question_kinds("How much is the scholarship worth?") == {"money"}  # no grade in it


@pytest.mark.parametrize("sentence,kind,present", [
    ("Now there are over 1,400 international students.", "number", True),
    ("学费为每年2万元。", "money", True),
    ("You will hear from us within six weeks.", "duration", True),
    ("Applications close on 15 March 2026.", "time", True),
    ("Write to intl@example.edu for details.", "contact", True),
    ("When we make a decision, it will appear on your applicant portal.", "time", False),
    ("When we make a decision, it will appear on your applicant portal.", "duration", False),
])
def test_sentence_kinds(sentence, kind, present):
    assert (kind in sentence_kinds(sentence)) is present


def test_the_bundled_reader_loads_and_reads_its_own_features():
    reader = load_reader()
    assert reader.card["sentence_features"] == list(SENTENCE_FEATURES)
    assert 0.0 < reader.same.threshold < 1.0 and 0.0 < reader.cross.threshold < 1.0
    assert reader.same.ranker.num_feature() == len(SENTENCE_FEATURES)
    assert reader.cross.ranker.num_feature() == len(CROSS_SENTENCE_FEATURES)
    assert reader.same.answerability.num_feature() == len(ANSWER_FEATURES)
    # Held-out figures travel with the model (its card), one entry per training source.
    assert {"answer_hit", "abstain_on_unanswerable"} <= set(next(iter(reader.card["heldout"].values())))


def test_gather_gives_every_quotable_sentence_with_exact_spans(hash_engine):
    retrieval, evidence = hash_engine.evidence("How many international students study at the university?")
    reading = evidence.reading
    snap = hash_engine.snapshot
    assert reading.features.shape == (len(reading.candidates), len(SENTENCE_FEATURES))
    assert np.isfinite(reading.features).all()
    assert len(reading.scores) == len(reading.candidates)
    from askintl.chunking import count_words

    for c in reading.candidates:
        doc = snap.document(c.passage.doc_id)
        assert doc.text[c.span.start:c.span.end] == c.text
        assert count_words(c.text) >= 2
    # The quote is the best-ranked sentence (or its shaped window), inside the shown passages.
    best = reading.candidates[int(np.argmax(reading.scores))]
    assert evidence.answer.start >= best.passage.start and evidence.answer.end <= best.passage.end
    assert 0.0 <= evidence.confidence <= 1.0


def test_a_question_in_another_language_is_read_by_the_cross_language_head(hash_engine):
    reader = load_reader()
    snap = hash_engine.snapshot
    en = gather(snap, "How many international students study at the university?",
                hash_engine.evidence("How many international students study at the university?")[0])
    assert reader.head(en) is reader.same
    zh_q = "这所大学有多少国际学生？"
    zh = gather(snap, zh_q, hash_engine.evidence(zh_q)[0])
    if zh.candidates:
        assert reader.head(zh) is reader.cross
        reader.rank(zh)
        assert reader.threshold_for(zh) == reader.cross.threshold


def test_answerability_rises_with_the_evidence():
    """Same candidates; the one whose best sentence holds every question term and the kind of
    answer asked for is more likely answered than the one where nothing matches."""
    reader = load_reader()
    col = {n: i for i, n in enumerate(SENTENCE_FEATURES)}
    rng = np.random.default_rng(0)
    X = rng.uniform(0.0, 0.2, size=(8, len(SENTENCE_FEATURES))).astype(np.float32)
    X[:, col["same_lang"]] = 1.0
    X[:, col["s_cos"]] = np.linspace(0.80, 0.84, 8)
    X[:, col["p_rank"]] = np.repeat(np.arange(4), 2)
    strong, weak = X.copy(), X.copy()
    for name in ("s_ov", "s_ov_rare", "s_bigram", "kind_match"):
        strong[-1, col[name]] = 1.0
    strong[-1, col["s_cos"]] = 0.93
    probs = []
    for F in (strong, weak):
        r = Reading([object()] * 8, F, {"coverage": 1.0, "q_words": 8.0, "named_institution": 0.0, "q_any_kind": 1.0,
                                        "dense_top": 0.85, "dense_margin": 0.02, "background": 0.75})
        reader.rank(r)
        probs.append(reader.probability(r))
        assert answer_features(r).shape == (1, len(ANSWER_FEATURES))
    assert probs[0] > probs[1]


@pytest.mark.parametrize("question,kind", [
    ("What is the e-mail address of the international office?", "contact"),
    ("国际处的电话是多少？", "contact"),
    ("What is the postal address of the university?", "address"),
    ("What is the tuition fee?", "money"),
    ("Сколько стоит обучение?", "money"),     # a price, not a count
    ("¿Cuánto cuesta el máster?", "money"),
    ("Soy de fuera de la UE, ¿cuánto pago por crédito?", "money"),
    ("Combien coûte le logement ?", "money"),
    ("How much do international students pay?", "money"),
    ("What is the application deadline for bachelor programmes?", "deadline"),
    ("诺思米尔大学本科申请截止日期是哪天？", "deadline"),
    ("¿Cuál es el plazo para pedir un máster?", "deadline"),
    ("ما هو الموعد النهائي للتقديم؟", "deadline"),
    ("How many students study there?", "count"),
    ("Where do students live?", None),
    ("How many international students study at BJTU?", "count"),
    ("What is the number of partner universities?", "count"),
    ("北京交通大学有多少国际学生？", "count"),
    ("Сколько иностранных студентов учится в университете?", "count"),
    ("كم عدد الطلاب الدوليين في الجامعة؟", "count"),
    ("Combien d'étudiants étrangers y a-t-il ?", "count"),
    ("How long is the programme?", None),
    ("How much is the ten-week English course?", "price"),   # an amount preferred, not required
    ("How much are the halls?", "price"),
    ("How much is the final exam worth?", "share"),
    ("How much is the weekly work limit?", None),
])
def test_strict_evidence_kinds(question, kind):
    found = strict_evidence(question)
    assert (found[0] if found else None) == kind


@pytest.mark.parametrize("question, email, phone", [
    ("What is the instructor's email?", True, False),
    ("讲师的邮箱是什么？", True, False),
    ("What is the instructor's phone number?", False, True),
    ("Какой телефон у преподавателя?", False, True),
    ("What is the e-mail or phone number of the office?", True, True),
])
def test_an_email_question_wants_an_address_and_a_phone_question_a_number(question, email, phone):
    kind, form = strict_evidence(question)
    assert kind == "contact"
    assert bool(form.search("Email: p.raman@fenwick.example")) is email
    assert bool(form.search("Phone: 555-0142")) is phone


def _engine_over(tmp_path, text: str):
    return engine_over(tmp_path, {"office.txt": text})


def test_a_fee_question_over_sources_without_any_amount_is_refused(tmp_path):
    engine = _engine_over(tmp_path, "The international office helps students with visas and housing. "
                                    "Tuition fees are discussed with each student by the office staff. "
                                    "The office is open on weekdays from nine to five.")
    r = engine.ask("What is the tuition fee for international students?")
    assert r.abstained and r.answer is None


def test_the_quote_for_an_address_or_a_fee_has_the_form_asked_for(tmp_path):
    engine = _engine_over(tmp_path, "The international office welcomes students from every country of the world. "
                                    "Address of the international office: 66 New Mofan Road, Nanjing 210003. "
                                    "The tuition fee for the international master program is 30,000 RMB per year. "
                                    "Our fees and our address are explained to every new student in the welcome week.")
    r = engine.ask("What is the address of the international office?")
    assert not r.abstained and "66 New Mofan Road" in r.answer.text
    r = engine.ask("What is the tuition fee of the international master program?")
    assert not r.abstained and "30,000 RMB" in r.answer.text



@pytest.mark.parametrize("sentence,amount", [
    ("| Grado, precio por crédito | 24,50 € | 68,00 € |", True),   # the currency after the number
    ("The fee is EUR 1,200 per year.", True),
    ("A single room costs £168 per week.", True),
    ("Students may work up to 10 hours a week.", False),
])
def test_what_counts_as_an_amount_of_money(sentence, amount):
    from askintl.lang import strict_evidence

    assert bool(strict_evidence("How much does it cost?")[1].search(sentence)) is amount


@pytest.mark.parametrize("sentence,dated", [
    ("Applications close on 15 January 2025.", True),
    ("Apply by March 1.", True),
    ("Applications close at the end of March.", True),
    ("Apply two weeks before the semester starts.", True),
    ("申请截止日期为2025年4月30日。", True),
    ("Заявки принимаются до 15 мая.", True),
    ("الموعد النهائي 30 أبريل", True),
    ("The university was founded in 1942.", False),   # a year is not a deadline
    ("You may apply online at any time.", False),      # "may" is not the month
])
def test_what_counts_as_a_date_for_a_deadline(sentence, dated):
    from askintl.lang import strict_evidence

    assert bool(strict_evidence("What is the deadline?")[1].search(sentence)) is dated


def test_a_deadline_question_over_sources_without_a_date_is_refused_and_a_dated_one_quoted(tmp_path):
    undated = _engine_over(tmp_path / "a", "The international office founded its bachelor programmes in 1998. "
                                           "Application for bachelor programmes is made online through the portal. "
                                           "The office answers questions about applications every weekday.")
    r = undated.ask("What is the application deadline for bachelor programmes?")
    assert r.abstained and r.answer is None
    dated = _engine_over(tmp_path / "b", "The international office founded its bachelor programmes in 1998. "
                                         "Applications for bachelor programmes close on 15 January 2026. "
                                         "The office answers questions about applications every weekday.")
    r = dated.ask("What is the application deadline for bachelor programmes?")
    assert not r.abstained and "15 January 2026" in r.answer.text


def test_a_how_many_question_is_quoted_from_a_sentence_with_a_number_or_refused(tmp_path):
    counted = "The international office welcomes international students from many countries every year. " \
              "International students at the college come from more than 40 countries. " \
              "The office helps international students with housing."
    r = _engine_over(tmp_path / "a", counted).ask("How many countries do the international students come from?")
    assert not r.abstained and "40 countries" in r.answer.text
    uncounted = "The international office welcomes international students from many countries every year. " \
                "International students at the college come from all over the world. " \
                "The office helps international students with housing."
    for question in ("How many countries do the international students come from?", "国际学生来自多少个国家？"):
        r = _engine_over(tmp_path / question[:3], uncounted).ask(question)
        assert r.abstained and r.answer is None


@pytest.mark.parametrize("sentence, counted", [
    ("More than 1,400 international students study here.", True),
    ("Both campuses have a library.", True),
    ("学校共有一千四百名国际学生。", True),
    ("В университете учатся две тысячи иностранцев.", True),
    ("يدرس في الجامعة ثلاثة آلاف طالب.", True),
    ("Students come from all over the world.", False),
    ("Студенты приезжают со всего мира.", False),
    # a date, a year or a time of day is not a count of students
    ("The Introduction Days for new students take place from 18 to 22 August 2025.", False),
    ("Students arrive on 3 March 2025 at 10:00.", False),
    ("The office opens at 9 am.", False),
    ("新生于2025年9月6日报到。", False),
    ("In 2025 the university had 2,300 students from abroad.", True),
    ("Applications for 2025 are open to three groups of students.", True),
])
def test_what_counts_as_a_number_for_a_how_many_question(sentence, counted):
    _, form = strict_evidence("How many students are there?")
    assert bool(form.search(sentence)) is counted


@pytest.mark.parametrize("question", ["How many days does orientation last?", "How many years is the bachelor's?",
                                      "迎新活动持续多少天？"])
def test_a_question_counting_units_of_time_may_be_answered_by_dates(question):
    _, form = strict_evidence(question)
    assert form.search("Orientation runs from 18 to 22 August 2025.") or form.search("迎新活动于9月6日至8日举行。")


def test_an_faq_question_is_never_the_quote_its_answer_is(tmp_path):
    """On a page that prints each question above its answer, the quote is the answer."""
    engine = _engine_over(tmp_path, "Frequently asked questions.\n\n"
                                    "When will I receive a decision on my application?\n"
                                    "Decisions are sent by e-mail within six weeks of the closing date.\n\n"
                                    "Can I work while I study?\n"
                                    "Students may work up to twenty hours per week during term time.\n")
    for question in ("When will I receive a decision on my application?", "Can I work while I study?"):
        _, evidence = engine.evidence(question)
        assert evidence.answer is not None
        assert not evidence.answer.text.rstrip().endswith("?"), evidence.answer.text
        assert all(not c.text.rstrip().endswith("?") for c in evidence.reading.candidates)


@pytest.mark.parametrize("tag,primary", [("zh-Hant", "zh"), ("en-GB", "en"), ("pt_BR", "pt"), ("AR", "ar"),
                                         ("", ""), (None, "")])
def test_primary_language(tag, primary):
    from askintl.lang import primary_language

    assert primary_language(tag) == primary


def test_a_page_tagged_with_a_region_or_script_is_in_the_question_s_language(tmp_path):
    """A catalog's "zh-Hant" page answers a Chinese question with the same-language reader:
    the language the reader compares is the tag's primary subtag."""
    engine = engine_over(tmp_path, {"office.txt": "本校國際處協助外籍學生辦理簽證與住宿。目前共有一千四百名國際學生在校就讀。"},
                         catalog={"office": {"language": "zh-Hant", "institution": "Example"}})
    question = "本校有多少國際學生？"
    reading = gather(engine.snapshot, question, engine.evidence(question)[0])
    assert engine.snapshot.documents[0].language == "zh-Hant"
    assert reading.candidates and load_reader().head(reading) is load_reader().same


SYLLABUS = Path(__file__).resolve().parents[1] / "data" / "syllabus" / "geo150.md"


@pytest.mark.parametrize("question, quote", [
    ("What is the instructor's email?", "Email: p.raman@fenwick.example"),
    ("What is the teaching assistant's email?", "Email: t.wolny@fenwick.example"),
    ("How many credits is the course?", "Credits: 3"),
])
def test_a_label_line_answers_for_its_section_and_is_quoted_alone(tmp_path, question, quote):
    # "Email: ..." twice, under "Instructor" and under "Teaching assistant": only the heading tells
    # them apart. A label line is a fact of its own: the quote is that line, not the next one too.
    engine = engine_over(tmp_path, {"geo150.md": SYLLABUS.read_text(encoding="utf-8")})
    result = engine.ask(question)
    assert not result.abstained
    assert result.answer.text == quote


def test_a_table_row_of_an_html_page_is_quoted_alone(tmp_path):
    page = ("<html><body><h1>Course information</h1><table>"
            "<tr><td>Credits</td><td>3</td></tr><tr><td>Lectures</td><td>Tuesday and Thursday, 11:00-12:15</td></tr>"
            "</table></body></html>")
    result = engine_over(tmp_path, {"geo150.html": page}).ask("How many credits is the course?")
    assert not result.abstained and result.answer.text == "Credits | 3"


def test_a_how_much_is_question_prefers_the_sentence_with_an_amount_and_does_not_require_one(tmp_path):
    text = ("The English course runs for ten weeks in the summer. Students on the English course may work ten hours "
            "a week. The ten-week English course costs 3,950 pounds.")
    r = _engine_over(tmp_path / "a", text).ask("How much is the ten-week English course?")
    assert not r.abstained and "3,950 pounds" in r.answer.text
    r = _engine_over(tmp_path / "b", text.replace(" The ten-week English course costs 3,950 pounds.", "")) \
        .ask("How much is the ten-week English course?")
    assert r.answer is not None  # no amount anywhere: still answered (the threshold is 0 here)


def test_an_acronym_in_the_question_matches_the_name_a_sentence_writes_out(tmp_path):
    text = ("Students on a Student visa may work up to 20 hours a week during term time. "
            "After you pay your deposit, we issue your Confirmation of Acceptance for Studies within ten working days. "
            "The visa office is open on weekdays.")
    engine = _engine_over(tmp_path, text)
    result = engine.ask("When will I get my CAS?")
    assert not result.abstained and "Confirmation of Acceptance for Studies" in result.answer.text


@pytest.mark.parametrize("question, share", [
    ("How much is the final exam worth?", True),
    ("What percentage of the grade is homework?", True),
    ("How much does the midterm count towards the final grade?", True),
    ("How much is the exam fee?", False),            # money named: a price
    ("How much was the contract worth?", False),     # no grade, exam or coursework in it
])
def test_a_share_of_a_grade_is_asked_as_a_percentage_or_points(question, share):
    found = strict_evidence(question)
    assert (found is not None and found[0] == "share") is share
    if share:
        form = found[1]
        assert form.search("| Final exam | 25% |") and form.search("It counts for 40 percent of the grade.")
        assert form.search("Final exam: 200 points")
        assert not form.search("The final exam is held on December 10 at 9:00 in the Great Hall.")


def test_the_weight_of_an_exam_is_quoted_from_the_grading_table_not_the_exam_date(tmp_path):
    page = ("# GEO 150\n\n## Exams\n\nThe final exam is held on December 10 at 9:00 in the Great Hall.\n\n"
            "## Assessment\n\n| Component | Weight |\n|---|---|\n| Field report | 50% |\n| Final exam | 50% |\n")
    result = engine_over(tmp_path, {"geo150.md": page}).ask("How much is the final exam worth?")
    assert not result.abstained and result.answer.text == "| Final exam | 50% |"


def test_synonym_groups_hold_stemmed_terms_of_two_letters_or_more():
    from askintl.lexical import synonyms, tokenize

    (undergrad,) = tokenize("undergrad")
    assert tokenize("bachelor's")[0] in synonyms(undergrad)
    assert tokenize("instructor")[0] in synonyms(tokenize("teaches")[0])
    assert tokenize("teaches")[0] not in synonyms(tokenize("professor")[0])  # one way: "a > b"
    assert not any(len(t) < 2 for t in synonyms(undergrad))   # not the "s" of "bachelor's"
    assert synonyms(tokenize("river")[0]) == frozenset()


def test_a_question_worded_otherwise_than_the_page_counts_its_terms_held(tmp_path, monkeypatch):
    """"The cut-off for undergrad applications" is held by "Bachelor's applications close on ...":
    the sentence is read as covering the question, not as missing most of it."""
    from askintl import reader
    from askintl.reader import SENTENCE_FEATURES, gather

    engine = _engine_over(tmp_path, "Bachelor's applications close on 15 January 2026. "
                                    "The library opens at eight in the morning on weekdays.")
    question = "What is the cut-off date for undergrad applications?"
    retrieval, _ = engine.evidence(question)
    col = SENTENCE_FEATURES.index("s_ov")

    def overlap() -> float:
        reading = gather(engine.snapshot, question, retrieval)
        return max(float(reading.features[i, col]) for i, c in enumerate(reading.candidates) if "close" in c.text)

    with_synonyms = overlap()
    monkeypatch.setattr(reader, "synonyms", lambda term: frozenset())
    assert with_synonyms > overlap() + 0.3


_GRADING_PAGE = """# CHEM 105: Chemistry in Context

## Instructor

Name: Dr. Ana Sousa
Office: Keller Hall 12
Office hours: Thursdays 14:00-15:00

## Grading

| Component | Weight |
|---|---|
| Laboratory reports | 25% |
| Final exam | 40% |

## Exams

The final exam is cumulative and covers every chapter of the textbook.
"""


@pytest.mark.parametrize("question, quote, decoy", [
    ("Where is the instructor's office?", "Office: Keller Hall 12", "Office hours: Thursdays 14:00-15:00"),
    ("When are the instructor's office hours?", "Office hours: Thursdays 14:00-15:00", "Office: Keller Hall 12"),
    ("Who is the instructor?", "Name: Dr. Ana Sousa", "Office: Keller Hall 12"),
    ("Who teaches the course?", "Name: Dr. Ana Sousa", "Office: Keller Hall 12"),
    ("Where is Dr. Sousa's office?", "Office: Keller Hall 12", "Office hours: Thursdays 14:00-15:00"),  # her name line
    ("How much do lab reports count?", "| Laboratory reports | 25% |", "| Final exam | 40% |"),   # "lab": "Laboratory"
    ("What percentage of the grade is the final exam?", "| Final exam | 40% |", "| Laboratory reports | 25% |"),
])
def test_the_field_whose_key_names_the_question_wins_over_the_readers_choice(tmp_path, question, quote, decoy):
    """Whatever line the reader ranked first (here: a decoy that shares the question's words), the
    line whose key names what is asked is the field."""
    from askintl.fields import best_field

    engine = engine_over(tmp_path, {"chem105.md": _GRADING_PAGE})
    reading = gather(engine.snapshot, question, engine.evidence(question)[0])
    texts = [c.text for c in reading.candidates]
    assert quote in texts and decoy in texts
    field = best_field(engine.snapshot, question, None, reading.candidates, list(range(len(texts))),
                       np.zeros(len(texts), np.float32), texts.index(decoy))
    assert field is not None and texts[field.index] == quote
    result = engine.ask(question)
    assert not result.abstained and result.answer.text == quote


def test_a_key_that_names_part_of_the_question_loses_to_a_sentence_that_holds_all_of_it(tmp_path):
    result = engine_over(tmp_path, {"chem105.md": _GRADING_PAGE}).ask("Is the final exam cumulative?")
    assert not result.abstained and "cumulative" in result.answer.text


@pytest.mark.parametrize("key, asked", [
    ("Office", "where is the office"), ("Office hours", "when are office hours"),
    ("Participation in discussion sections", "what percentage of the grade is participation"),
])
def test_key_asked(key, asked):
    from askintl.fields import _WH_KEYS, _key_asked, _terms

    q_terms = set(_terms(asked))
    wh = {t for rx, keys in _WH_KEYS if rx.search(asked) for t in _terms(keys)}
    assert _key_asked(key, q_terms, wh, set()) is not None
    assert _key_asked("Office hours", set(_terms("where is the office")), {t for t in _terms("location office")}, set()) is None


def test_the_definition_of_a_term_is_the_field_of_a_question_that_names_the_term(tmp_path):
    """"<dt>Last day to withdraw</dt><dd>November 6</dd>": the term is the key of its definition."""
    from askintl.fields import best_field

    page = ("<html><head><title>ECON 310 syllabus</title></head><body><h1>ECON 310</h1><h2>Key dates</h2><dl>"
            "<dt>Midterm exam</dt><dd>Wednesday, October 21, in class</dd>"
            "<dt>Last day to withdraw</dt><dd>November 6</dd>"
            "<dt>Final exam</dt><dd>Tuesday, December 15, 13:00-16:00</dd></dl></body></html>")
    engine = engine_over(tmp_path, {"econ310.html": page})
    for question, quote in (("When is the last day to withdraw?", "November 6"),
                            ("When is the final exam?", "Tuesday, December 15, 13:00-16:00")):
        reading = gather(engine.snapshot, question, engine.evidence(question)[0])
        texts = [c.text for c in reading.candidates]
        field = best_field(engine.snapshot, question, None, reading.candidates, list(range(len(texts))),
                           np.zeros(len(texts), np.float32), 0)
        assert field is not None and texts[field.index] == quote


@pytest.mark.parametrize("text, numbers", [
    ("When is midterm 2?", {"midterm": {2}}),
    ("When is the second midterm?", {"midterm": {2}}),
    ("| Midterm exam 1 | 15% |", {"midterm": {1}, "exam": {1}}),
    ("Exam II is on May 3.", {"exam": {2}}),
    ("Assignment #3 is due on Friday.", {"assign": {3}}),
    ("Students come from 5 countries; lectures are in room 4 in week 3.", {"room": {4}, "week": {3}}),
    ("Read chapters 1–2 by Feb 2.", {}),                                          # a range, a date
    ("What is the lowest number of credits I can take?", {}),                     # "I": the pronoun
])
def test_numbered_siblings(text, numbers):
    from askintl.facets import numbered

    assert {k: set(v) for k, v in numbered(text).items()} == numbers


def test_a_numbered_sibling_is_not_quoted_for_another_number(tmp_path):
    page = ("# HIST 330 syllabus\n\n## Exams\n\nMidterm 1: February 18, in class\nMidterm 2: March 25, in class\n"
            "Final exam: May 6, 08:00-10:00\n")
    engine = engine_over(tmp_path, {"hist330.md": page})
    for question, quote in (("When is midterm 2?", "Midterm 2: March 25, in class"),
                            ("When is the second midterm?", "Midterm 2: March 25, in class"),
                            ("When is the first midterm?", "Midterm 1: February 18, in class")):
        result = engine.ask(question)
        assert not result.abstained and result.answer.text == quote
    result = engine.ask("When is midterm 3?")
    assert result.abstained or "Midterm" not in result.answer.text


_SCHEDULE = """# SOC 205: Cities and Society

## Weekly schedule

| Week | Dates | Topic |
|---|---|---|
| 1 | Jan 12–16 | What is a city? |
| 2 | Jan 19–23 | The Chicago School |
| 3 | Jan 26–30 | Segregation |
| 4 | Feb 2–6 | Gentrification |
"""


def test_a_numbered_row_of_a_schedule_is_the_field_of_its_number_and_the_header_row_never_is(tmp_path):
    from askintl.fields import best_field

    engine = engine_over(tmp_path, {"soc205.md": _SCHEDULE})
    for question, topic in (("What is the topic of week 3?", "Segregation"), ("When is week 2?", "Jan 19–23")):
        reading = gather(engine.snapshot, question, engine.evidence(question)[0])
        texts = [c.text for c in reading.candidates]
        field = best_field(engine.snapshot, question, None, reading.candidates, list(range(len(texts))),
                           np.zeros(len(texts), np.float32), 0)
        assert field is not None and topic in texts[field.index]
        result = engine.ask(question)
        assert result.abstained or "| Week |" not in result.answer.text
        assert result.abstained or topic in result.answer.text
    result = engine.ask("What is the topic of week 12?")
    assert result.abstained or "| Week |" not in result.answer.text


def test_a_course_is_not_its_lectures_but_a_class_meets_in_them():
    from askintl.lexical import synonyms, tokenize

    (course,), (lectures,), (klass,) = tokenize("course"), tokenize("lectures"), tokenize("class")
    assert lectures not in synonyms(course) and lectures in synonyms(klass)


_TWO_BLOCKS = """# GEO 220: Coasts

## Instructor

Name: Dr. Rhea Obi
Email: r.obi@fenwick.example
Phone: 555-0199
Office hours: Wednesdays 10:00-12:00

## Teaching assistant

Name: Piet Janssen
Email: p.janssen@fenwick.example
Office hours: Mondays 15:00-16:00
"""


@pytest.mark.parametrize("question, quote", [
    ("What is the email of the TA?", "Email: p.janssen@fenwick.example"),     # "email": the value's form
    ("When are office hours?", "Office hours: Wednesdays 10:00-12:00"),       # the same key twice: the first
    ("What is the TA's phone number?", None),                                 # the TA has none: no field
])
def test_fields_of_two_blocks_of_label_lines(tmp_path, question, quote):
    from askintl.fields import best_field

    engine = engine_over(tmp_path, {"geo220.md": _TWO_BLOCKS})
    reading = gather(engine.snapshot, question, engine.evidence(question)[0])
    texts = [c.text for c in reading.candidates]
    field = best_field(engine.snapshot, question, None, reading.candidates, list(range(len(texts))),
                       np.zeros(len(texts), np.float32), len(texts) - 1)
    assert (texts[field.index] if field else None) == quote


def test_a_value_that_only_repeats_its_key_is_no_field_and_one_digit_is_a_value(tmp_path):
    from askintl.fields import best_field

    engine = engine_over(tmp_path, {"odd.md": "# ODD 100\n\n## Course information\n\nInstructor: Instructor\nCredits: 3\n"})
    for question, quote in (("Who is the instructor?", None), ("How many credits is the course?", "Credits: 3")):
        reading = gather(engine.snapshot, question, engine.evidence(question)[0])
        texts = [c.text for c in reading.candidates]
        field = best_field(engine.snapshot, question, None, reading.candidates, list(range(len(texts))),
                           np.zeros(len(texts), np.float32), 0)
        assert (texts[field.index] if field else None) == quote

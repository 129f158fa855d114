from askintl.conversation import Turn, resolve
from askintl.institutions import InstitutionMatcher
from askintl.records import Document

DOCS = [
    Document("bjtu", "", "t", institution="Beijing Jiaotong University", aliases=("BJTU", "Beijing Jiaotong")),
    Document("nvirt", "", "t", institution="Nanjing Vocational Institute of Railway Technology",
             aliases=("Nanjing Railway",)),
]
M = InstitutionMatcher(DOCS)


def test_institutions_found_by_name_alias_and_acronym():
    assert M.find("How many students at Beijing Jiaotong?") == ["Beijing Jiaotong University"]
    assert M.find("Does BJTU or nanjing railway offer this?") == [
        "Beijing Jiaotong University", "Nanjing Vocational Institute of Railway Technology"]
    assert M.find("subjtu is not an acronym match") == []


def test_standalone_question_is_left_alone():
    r = resolve("How many students study at BJTU?", [], M)
    assert r.query == "How many students study at BJTU?" and r.institutions == ["Beijing Jiaotong University"]
    assert not r.rewritten


def test_pronoun_is_replaced_by_the_institution_of_earlier_turns():
    history = [Turn("user", "Tell me about Beijing Jiaotong University's international students."),
               Turn("assistant", "Now there are over 1,400 international students.")]
    r = resolve("And how many foreign teachers do they invite every year?", history, M)
    assert r.query == "And how many foreign teachers do Beijing Jiaotong University invite every year?"
    assert r.institutions == ["Beijing Jiaotong University"] and r.rewritten


def test_remaining_references_bring_the_previous_question_along():
    history = [Turn("user", "Which institution trains railway staff for Egypt?"),
               Turn("assistant", "Nanjing Vocational Institute of Railway Technology built the Egyptian Railway "
                                 "Training Center.")]
    r = resolve("How many students from there have they recruited so far?", history, M)
    assert "Nanjing Vocational Institute of Railway Technology" in r.query
    assert "(Which institution trains railway staff for Egypt?)" in r.query


def test_other_languages_get_the_institution_appended():
    history = [Turn("user", "Tell me about BJTU"), Turn("assistant", "")]
    r = resolve("他们每年邀请多少外国教师？", history, M)
    assert r.query.startswith("他们每年邀请多少外国教师？") and "Beijing Jiaotong University" in r.query


def test_a_new_self_contained_question_does_not_inherit_context():
    history = [Turn("user", "Tell me about BJTU"), Turn("assistant", "")]
    r = resolve("Which Malaysian university runs a railway signal automation major?", history, M)
    assert r.query == "Which Malaysian university runs a railway signal automation major?"
    assert r.institutions == []

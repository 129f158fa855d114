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


def test_names_are_found_across_a_change_of_script_and_inside_cjk_text():
    assert M.find("BJTU有多少国际学生？") == ["Beijing Jiaotong University"]
    assert M.find("在BJTU学习") == ["Beijing Jiaotong University"]
    assert M.strip("BJTU有多少国际学生？") == "有多少国际学生？"
    cjk = InstitutionMatcher([Document("bjtu", "", "t", institution="Beijing Jiaotong University",
                                       aliases=("北京交通大学",))])
    assert cjk.find("北京交通大学有多少国际学生？") == ["Beijing Jiaotong University"]
    assert cjk.find("我想去北京交通大学读书") == ["Beijing Jiaotong University"]
    assert cjk.find("北京交通很方便") == []



def test_an_acronym_is_written_out_for_the_query_vector_and_other_names_are_left_alone():
    assert M.canonical("How many international students study at BJTU?") == \
        "How many international students study at Beijing Jiaotong University?"
    assert M.canonical("BJTU有多少国际学生？") == "Beijing Jiaotong University有多少国际学生？"
    # A short name carries its meaning; the catalog name and unrelated capitals stay as they are.
    for text in ("How many students at Beijing Jiaotong?", "Is Beijing Jiaotong University in Beijing?",
                 "Does the UK accept IELTS?", "subjtu"):
        assert M.canonical(text) == text

def test_standalone_question_is_left_alone():
    r = resolve("How many students study at BJTU?", [], M)
    assert r.query == "How many students study at BJTU?" and r.institutions == ["Beijing Jiaotong University"]


def test_pronoun_is_replaced_by_the_institution_of_earlier_turns():
    history = [Turn("user", "Tell me about Beijing Jiaotong University's international students."),
               Turn("assistant", "Now there are over 1,400 international students.")]
    r = resolve("And how many foreign teachers do they invite every year?", history, M)
    assert r.query == "And how many foreign teachers do Beijing Jiaotong University invite every year?"
    assert r.institutions == ["Beijing Jiaotong University"]


def test_without_an_institution_the_previous_question_lends_its_context():
    history = [Turn("user", "Which institution trains railway staff for Egypt?"),
               Turn("assistant", "The school built a training center.")]
    r = resolve("How many students from there have they recruited so far?", history, M)
    assert r.query == ("How many students from there have they recruited so far? "
                       "(Which institution trains railway staff for Egypt?)")
    assert r.institutions == []


def test_pronouns_inside_words_are_not_references():
    history = [Turn("user", "Tell me about BJTU"), Turn("assistant", "")]
    # "он" is inside "железнодорожный"; a long question with no reference stands alone
    question = "Сколько египетских студентов набрал железнодорожный институт в этом году всего?"
    r = resolve(question, history, M)
    assert r.institutions == [] and r.query == question  # not rewritten


def test_a_new_question_in_chinese_is_not_tied_to_the_previous_institution():
    history = [Turn("user", "Tell me about BPC"), Turn("assistant", "")]
    r = resolve("北京交通大学有多少国际学生？", history, M)
    assert r.query == "北京交通大学有多少国际学生？" and r.institutions == []


def test_other_languages_get_the_institution_appended():
    history = [Turn("user", "Tell me about BJTU"), Turn("assistant", "")]
    r = resolve("他们每年邀请多少外国教师？", history, M)
    assert r.query.startswith("他们每年邀请多少外国教师？") and "Beijing Jiaotong University" in r.query


def test_a_new_self_contained_question_does_not_inherit_context():
    history = [Turn("user", "Tell me about BJTU"), Turn("assistant", "")]
    r = resolve("Which Malaysian university runs a railway signal automation major?", history, M)
    assert r.query == "Which Malaysian university runs a railway signal automation major?"
    assert r.institutions == []


def test_names_are_stripped_longest_first_and_acronyms_keep_their_case():
    assert M.strip("Does Beijing Jiaotong University (BJTU) host students?") == "Does ( ) host students?"
    assert M.find("the bjtu acronym in lower case is an ordinary word") == []
    assert M.last_named("BJTU first, then Nanjing Railway") == "Nanjing Vocational Institute of Railway Technology"


def test_a_word_pointing_back_at_a_place_brings_the_previous_question():
    history = [Turn("user", "Which institution trains railway staff for Egypt?"),
               Turn("assistant", "Nanjing Vocational Institute of Railway Technology built the Egyptian Railway "
                                 "Training Center.")]
    r = resolve("How many students from there have they recruited so far?", history, M)
    assert r.institutions == ["Nanjing Vocational Institute of Railway Technology"]
    assert r.query.startswith("How many students from there have Nanjing Vocational Institute of Railway Technology")
    assert "Egypt" in r.query  # "there": the place of the question before
    for question in ("Сколько студентов оттуда они набрали?", "他们从那里招收了多少学生？"):
        assert "Egypt" in resolve(question, history, M).query, question
    # The "there" of "is there" points at nothing: only the institution is filled in.
    for question in ("Is there a dormitory for them?", "Are there scholarships at their school?",
                     "Will there be a job fair for their students?"):
        r = resolve(question, history, M)
        assert "Egypt" not in r.query and "Nanjing Vocational" in r.query, question

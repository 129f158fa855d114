import numpy as np

from askintl.lexical import BM25Index, acronyms, tokenize


def test_tokenizer_stems_drops_stopwords_and_normalizes_numbers():
    assert tokenize("The universities recruited 1,400 students") == ["universiti", "recruit", "1400", "student"]


def test_tokenizer_splits_cjk_into_unigrams_and_bigrams():
    assert tokenize("国际学生") == ["国", "际", "学", "生", "国际", "际学", "学生"]


def test_tokenizer_handles_cyrillic_and_arabic():
    assert tokenize("Студенты") == tokenize("студентов")  # same Russian stem
    assert tokenize("الطلاب") != []


def test_bm25_ranks_matching_passage_first_and_scores_are_normalized():
    idx = BM25Index.build(["Alpha hosts exchange students.", "Beta runs a railway training center.",
                           "Gamma welcomes scholars."])
    q = idx.query("railway training")
    s = idx.scores(q)
    assert int(np.argmax(s)) == 1
    assert 0 < s.max() <= 1.0
    assert q.coverage == 1.0


def test_unknown_words_lower_coverage_and_scores():
    idx = BM25Index.build(["Alpha hosts exchange students.", "Beta runs a railway training center."])
    known = idx.scores(idx.query("railway training"))
    partly = idx.query("railway training tuition")
    assert 0 < partly.coverage < 1
    assert idx.scores(partly).max() < known.max()
    assert idx.query("铁路培训").coverage == 0.0
    assert idx.scores(idx.query("铁路培训")).max() == 0.0


def test_save_and_load_round_trip(tmp_path):
    idx = BM25Index.build(["one two three", "three four"])
    idx.save(tmp_path)
    back = BM25Index.load(tmp_path)
    q = "three four"
    assert np.allclose(idx.scores(idx.query(q)), back.scores(back.query(q)))


def test_a_written_out_name_finds_the_acronym_the_page_uses():
    assert "nyit" in acronyms("Does NJUPT have a joint college with the New York Institute of Technology?")
    assert acronyms("When do I get my Confirmation of Acceptance for Studies?") == ["cas"]
    assert "ny" not in acronyms("Does New York have a campus?")   # two capitalised words make no acronym
    idx = BM25Index.build(["NJUPT founded the NJUPT-NYIT International College for bachelor's degrees.",
                           "NJUPT runs joint programs with universities in London."])
    question = "Does NJUPT have a joint college with the New York Institute of Technology?"
    assert "nyit" in idx.query_terms(question)
    assert int(np.argmax(idx.scores(idx.query(question)))) == 0
    # an acronym the corpus does not use is not a term (it would count as an unknown word)
    other = BM25Index.build(["NJUPT runs joint programs with universities in New York and London."])
    assert "nyit" not in other.query_terms(question)


def test_acronyms_are_bounded_on_a_long_run_of_capitalised_words():
    # a title-case list of 1,200 names: windows of at most 8 words, not every window of the run
    text = " ".join(f"{a}{b}" for a in "ABCDEFGHIJKLMNOPQRSTUVWXYZ" for b in "abcdefghijklmnopqrstuvwxyz"[:24]) * 2
    found = acronyms(text)
    assert found and max(len(a) for a in found) == 8
    assert len(found) <= 6 * len(text.split())

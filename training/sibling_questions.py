"""Sibling questions: answerable training questions with their key word swapped for a neighbour's.

    .venv/bin/python training/sibling_questions.py [--sources ...] [--share 0.5]

The hardest question to refuse asks about the thing next to what a page says: the PhD fee on a
page of bachelor's and master's fees, the TOEFL score where only IELTS is given, the spring
deadline beside the autumn one. Retrieval brings the right page and a sentence of the right
shape; only one word says the page does not answer. Wikipedia QA data has few such questions
(SQuAD 2.0's own unanswerable ones are of this kind, in English only), so this script makes
them, in every language of the training data, the way SQuAD 2.0's writers did by hand:

  for an answerable question, take its rarest word that its own paragraph also holds (not
  inside the answer), and put in its place a word of about the same rarity from elsewhere in
  the same article (elsewhere in the corpus for one-paragraph articles) that the paragraph does
  not hold. Words are words in space-separated scripts and two-character runs of Han characters in
  Chinese and Japanese, where words are not delimited (Thai is left out: two-character runs cut
  its letters apart).

The question keeps its shape and its topic, and its paragraph no longer answers it (the swapped
word names something the paragraph never mentions). Written to training/out/<source>/siblings.jsonl
(same fields as cases.jsonl, answerable false, with "from" and "swap"), their query vectors to
siblings.npz. train_reader.py asks them as they are, as unanswerable questions, and reports
abstention on them apart. Train and held-out sides keep the split of the question they come from.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
import zlib
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "training" / "out"
SOURCES = ["squad2-train-part", "squadshifts-new-wiki", "selqa", "cmrc2018", "drcd", "arcd", "jsquad",
           "iapp-wiki-qa"]
_NO_SPACE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")  # Han: two of them make a word often enough
_WORD = re.compile(r"[^\W\d_]{3,}", re.UNICODE)


def _paragraph(text: str, at: int) -> tuple[int, int]:
    a = text.rfind("\n\n", 0, at)
    b = text.find("\n\n", at)
    return (0 if a < 0 else a + 2), (len(text) if b < 0 else b)


def _units(text: str, no_space: bool) -> list[str]:
    """The swappable units of a text: words, or two-character runs in unspaced scripts."""
    if no_space:
        runs, cur = [], []
        for ch in text:
            if _NO_SPACE.match(ch):
                cur.append(ch)
            else:
                runs.append("".join(cur))
                cur = []
        runs.append("".join(cur))
        return [r[i:i + 2] for r in runs for i in range(len(r) - 1)]
    return _WORD.findall(text)


def _key(unit: str) -> str:
    return unit.casefold()


def make_siblings(source: str, share: float, seed: int = 7) -> list[dict]:
    from askintl.lexical import STOPWORDS

    folder = OUT / source
    cases = [json.loads(line) for line in open(folder / "cases.jsonl", encoding="utf-8") if line.strip()]
    docs: dict[str, str] = {}
    rng = random.Random(seed)
    # Document frequency of units over paragraphs (the rarity scale the swap keeps).
    for path in sorted((folder / "corpus").glob("*.txt")):
        docs[path.stem] = path.read_text(encoding="utf-8")
    lang = cases[0]["lang"] if cases else "en"
    if lang == "th":
        return []  # Thai words are not delimited and two-character runs cut its letters apart
    no_space = lang.startswith(("zh", "ja"))
    df: dict[str, int] = {}
    paragraphs: dict[str, list[tuple[int, int, set[str]]]] = {}
    for doc, text in docs.items():
        spans = []
        pos = 0
        for block in text.split("\n\n"):
            units = {_key(u) for u in _units(block, no_space)}
            for u in units:
                df[u] = df.get(u, 0) + 1
            spans.append((pos, pos + len(block), units))
            pos += len(block) + 2
        paragraphs[doc] = spans
    n_par = sum(len(v) for v in paragraphs.values())
    idf = {u: float(np.log((n_par + 1) / (c + 0.5))) for u, c in df.items()}
    all_units = sorted(idf)
    out = []
    for case in cases:
        if not case["answerable"] or not case["answers"] or rng.random() > share:
            continue
        text = docs.get(case["doc"])
        if text is None:
            continue
        start = case["answers"][0]["start"]
        a, b = _paragraph(text, start)
        own = {_key(u) for u in _units(text[a:b], no_space)}
        answer_units = {_key(u) for t in case["answers"] for u in _units(t["text"], no_space)}
        q = case["question"]
        cands = [u for u in dict.fromkeys(_units(q, no_space))
                 if _key(u) in own and _key(u) not in answer_units and _key(u) not in STOPWORDS]
        if not cands:
            continue
        word = max(cands, key=lambda u: idf.get(_key(u), 0.0))
        w_idf = idf.get(_key(word), 0.0)
        if w_idf < 1.0:
            continue  # only common words to swap: the question would not change its subject
        pool = {u for s, e, units in paragraphs[case["doc"]] if not (s <= start < e) for u in units}
        if len(pool) < 20:  # a one-paragraph article: words from the whole corpus
            pool = set(rng.sample(all_units, min(len(all_units), 5000)))
        options = [u for u in pool if u not in own and u not in STOPWORDS and abs(idf.get(u, 0.0) - w_idf) <= 1.0
                   and u not in answer_units and (not no_space or all(_NO_SPACE.match(ch) for ch in u))]
        if not options:
            continue
        new = rng.choice(sorted(options))
        if not no_space and word[:1].isupper():
            new = new[:1].upper() + new[1:]
        question = q.replace(word, new, 1)
        if question == q:
            continue
        out.append({**case, "id": case["id"] + "~sib", "question": question, "answerable": False, "answers": [],
                    "from": q, "swap": [word, new]})
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", nargs="*", default=SOURCES)
    ap.add_argument("--share", type=float, default=0.5, help="share of the answerable questions given a sibling")
    ap.add_argument("--show", type=int, default=0, help="print this many examples per source")
    ap.add_argument("--no-embed", action="store_true")
    args = ap.parse_args()
    embedder = None
    for source in args.sources:
        if not (OUT / source / "cases.jsonl").exists():
            continue
        t0 = time.perf_counter()
        sib = make_siblings(source, args.share, seed=zlib.crc32(source.encode()))
        with open(OUT / source / "siblings.jsonl", "w", encoding="utf-8") as f:
            for c in sib:
                f.write(json.dumps(c, ensure_ascii=False) + "\n")
        for c in sib[:args.show]:
            print(f"  {c['from']}\n  -> {c['question']}   {c['swap']}", file=sys.stderr)
        if not args.no_embed:
            from askintl.config import Settings
            from askintl.embedders import load_embedder

            embedder = embedder or load_embedder(Settings().embedder)
            texts = list(dict.fromkeys(c["question"] for c in sib))
            vecs = [embedder.embed_queries(texts[i:i + 64]) for i in range(0, len(texts), 64)]
            np.savez(OUT / source / "siblings.npz", texts=np.array(texts),
                     vectors=np.concatenate(vecs).astype(np.float32) if vecs else np.zeros((0, 384), np.float32))
        print(f"{source}: {len(sib)} sibling questions in {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

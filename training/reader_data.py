"""Build the reader's training material from ../shared/training: one askintl index per source.

    .venv/bin/python training/reader_data.py [--paragraphs 450] [--questions 1500]

For every source (squad2-train-part, squadshifts-new-wiki, selqa, cmrc2018, drcd, arcd, jsquad,
iapp-wiki-qa) it
  1. splits the articles (grouped by title) into train (80 %) and held-out (20 %) by a hash of
     the title, so no article is on both sides;
  2. samples whole articles until about --paragraphs paragraphs are taken, and writes each
     article as one document (its paragraphs joined by a blank line) into
     training/out/<source>/corpus with a catalog (title, language), keeping every answer's
     offset in the document;
  3. indexes that corpus with `askintl index`'s own code and the default embedder (the real
     chunker, sentence splitter and vectors the product uses);
  4. embeds every kept question once (cached in training/out/<source>/queries.npz).

train_reader.py then asks every question through the real retriever, over its source's
index, and learns from the candidates it sees. Nothing here reads the benchmarks or the
eval cases. Times on 2 cores are in training/README.md.
"""
from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import random
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "training"
OUT = ROOT / "training" / "out"
SOURCES = ["squad2-train-part", "squadshifts-new-wiki", "selqa", "cmrc2018", "drcd", "arcd", "jsquad",
           "iapp-wiki-qa"]
HELDOUT_SHARE = 0.2


def split_of(title: str) -> str:
    h = int(hashlib.sha1(title.encode("utf-8")).hexdigest()[:8], 16)
    return "heldout" if (h % 1000) / 1000 < HELDOUT_SHARE else "train"


def read_source(name: str) -> list[dict]:
    with gzip.open(DATA / f"{name}.jsonl.gz", "rt", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def build_corpus(name: str, paragraphs: int, questions: int, seed: int = 13) -> list[dict]:
    """Write the sampled articles as documents; return the questions with document offsets."""
    rows = read_source(name)
    by_title: dict[str, list[dict]] = {}
    for r in rows:
        by_title.setdefault(r["title"], []).append(r)
    titles = sorted(by_title)
    random.Random(seed).shuffle(titles)
    # Take train and held-out articles in proportion, so both sides are represented.
    chosen: list[str] = []
    count = {"train": 0, "heldout": 0}
    for t in titles:
        side = split_of(t)
        budget = paragraphs * (HELDOUT_SHARE if side == "heldout" else 1 - HELDOUT_SHARE)
        if count[side] >= budget:
            continue
        chosen.append(t)
        count[side] += len(by_title[t])
    folder = OUT / name / "corpus"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.txt"):
        old.unlink()
    catalog, cases = {}, []
    lang = rows[0]["lang"]
    for k, title in enumerate(chosen):
        doc_id = f"a{k:05d}"
        parts, offset = [], 0
        for para in by_title[title]:
            ctx = para["context"]
            for qa in para["qas"]:
                base = {"id": qa["id"], "question": qa["question"], "doc": doc_id, "split": split_of(title),
                        "source": name, "lang": lang}
                if not qa.get("answerable", True) or not qa.get("answers"):
                    cases.append({**base, "answerable": False, "answers": []})
                    continue
                cases.append({**base, "answerable": True,
                              "answers": [{"text": a["text"], "start": offset + a["start"]} for a in qa["answers"]]})
            parts.append(ctx)
            offset += len(ctx) + 2
        (folder / f"{doc_id}.txt").write_text("\n\n".join(parts), encoding="utf-8")
        catalog[doc_id] = {"title": title[:200] or doc_id, "language": lang}
    (folder / "catalog.json").write_text(json.dumps(catalog, ensure_ascii=False, indent=0), encoding="utf-8")
    rng = random.Random(seed + 1)
    rng.shuffle(cases)
    kept = [c for c in cases if c["split"] == "train"][: int(questions * (1 - HELDOUT_SHARE))]
    kept += [c for c in cases if c["split"] == "heldout"][: int(questions * HELDOUT_SHARE)]
    with open(OUT / name / "cases.jsonl", "w", encoding="utf-8") as fh:
        for c in kept:
            fh.write(json.dumps(c, ensure_ascii=False) + "\n")
    return kept


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--paragraphs", type=int, default=450, help="paragraphs indexed per source")
    ap.add_argument("--questions", type=int, default=1500, help="questions kept per source")
    ap.add_argument("--sources", nargs="*", default=SOURCES)
    args = ap.parse_args()

    from askintl.config import Settings
    from askintl.embedders import load_embedder
    from askintl.indexer import build_index

    embedder = None
    for name in args.sources:
        t0 = time.perf_counter()
        cases = build_corpus(name, args.paragraphs, args.questions)
        settings = Settings(corpus_dir=OUT / name / "corpus", index_dir=OUT / name / "index")
        embedder = embedder or load_embedder(settings.embedder)
        rep = build_index(settings, embedder=embedder)
        t1 = time.perf_counter()
        qpath = OUT / name / "queries.npz"
        texts = list(dict.fromkeys(c["question"] for c in cases))
        have = {}
        if qpath.exists():
            data = np.load(qpath, allow_pickle=False)
            have = dict(zip(data["texts"].tolist(), data["vectors"]))
        todo = [t for t in texts if t not in have]
        for i in range(0, len(todo), 64):
            have.update(zip(todo[i:i + 64], embedder.embed_queries(todo[i:i + 64])))
        np.savez(qpath, texts=np.array(texts), vectors=np.stack([have[t] for t in texts]).astype(np.float32))
        print(f"{name}: {len(cases)} questions, {rep.passages} passages, {rep.sentences} sentences; "
              f"index {t1 - t0:.0f}s, queries {time.perf_counter() - t1:.0f}s", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

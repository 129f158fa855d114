"""Candidate groups for the multilingual cross-encoder (train_e5_cross.py), from the reader's own retrievals.

    .venv/bin/python training/ce_pairs.py        # writes training/out/e5_cross/groups.jsonl

Every question of training/out/<source> is asked through the real retriever (train_reader.collect:
as it is, with its answer's passages hidden, with its article hidden); the bundled reader ranks
the sentences of the top passages and the best TOP_K become one group: the question, the
sentences, which of them hold the answer span. The cross-encoder re-ranks exactly such a list at
run time, so it learns on the reader's own hard negatives. Held-out articles keep their split.
"""
from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
sys.path.insert(0, str(Path(__file__).resolve().parent))
from train_reader import OUT, SOURCES, collect  # noqa: E402

TOP_K = 8


def main() -> int:
    from askintl.reader import load_reader

    reader = load_reader()
    dest = OUT / "e5_cross"
    dest.mkdir(parents=True, exist_ok=True)
    n = 0
    t0 = time.time()
    with open(dest / "groups.jsonl", "w", encoding="utf-8") as out:
        for source in SOURCES:
            for r in collect(source):
                reading = r["reading"]
                if not reading.candidates:
                    continue
                scores = reader.rank(reading)
                order = np.argsort(-scores)[:TOP_K]
                out.write(json.dumps({
                    "source": source, "lang": r["lang"], "split": r["split"], "id": r["id"], "mode": r["mode"],
                    "answerable": bool(r["answerable"]), "question": r["question"],
                    "sentences": [reading.candidates[i].text for i in order],
                    "labels": [int(r["label"][i]) for i in order],
                    "reader": [float(scores[i]) for i in order],
                    "any_right": bool(r["label"].any()),
                }, ensure_ascii=False) + "\n")
                n += 1
            print(f"{source}: {n} groups, {time.time() - t0:.0f}s", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

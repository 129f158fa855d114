"""The whole answering step on the held-out training questions, per source.

    .venv/bin/python training/heldout_answers.py [SOURCE ...]

Every held-out retrieval that ``train_reader.collect`` keeps (20 % of each source's articles, never
trained on; each answerable question also asked with its answer, and with its article, hidden) goes
through ``answering.select_answer`` with the shipped reader: the rules around the reader (answer
forms, sibling facts, numbered siblings, listed facts) included, the cross-encoder off. Prints, per
source, answer_hit / false abstention on answerable questions / abstention on unanswerable ones.
To compare with an earlier commit, run the same file with ``PYTHONPATH`` on a worktree of it.
About 4 minutes on 2 cores once ``training/out`` holds the retrievals.
"""
from __future__ import annotations

import os
import re
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import train_reader as tr  # noqa: E402


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def main() -> int:
    from askintl import answering
    from askintl.reader import load_reader

    reader = load_reader()
    print("| source | questions | answer_hit | false abstention | abstention on unanswerable |")
    print("|---|---|---|---|---|")
    for source in sys.argv[1:] or tr.SOURCES:
        recs = [r for r in tr.collect(source) if r["split"] == "heldout"]
        a = u = hit = false_abstain = abstain = 0
        for r in recs:
            ev = answering.select_answer(r["snap"], r["question"], r["retrieval"], reader=reader,
                                         use_cross_encoder=False)
            answered = ev.answer is not None and ev.confidence >= reader.threshold_for(ev.reading)
            if r["answerable"]:
                a += 1
                false_abstain += not answered
                hit += answered and ev.answer.doc_id == r["doc"] and \
                    any(_norm(x) in _norm(ev.answer.text) for x in r["answers"])
            else:
                u += 1
                abstain += not answered
        print(f"| {source} | {len(recs)} | {hit / a:.3f} | {false_abstain / a:.3f} | {abstain / max(u, 1):.3f} |",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

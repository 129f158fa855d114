"""Choose the answer-sentence weights (answering.SentenceWeights) on held-out questions.

    .venv/bin/python benchmarks/tune_answering.py

Retrieval is run once per question (SQuAD and XQuAD zh/ru/ar questions outside the fixed
benchmark samples, over the SQuAD index built by squad_xquad.py); then every combination of
weights picks its sentence, and "answer_hit" counts the quotes that contain an answer string.
Only questions whose top-3 passages hold the answer are counted: the figure isolates the
choice of sentence from retrieval.
"""
from __future__ import annotations

import itertools
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from calibrate_abstention import calibration_cases  # noqa: E402
from squad_xquad import OUT, SHARED, CachedEmbedder  # noqa: E402


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def main() -> int:
    from askintl.answering import SentenceWeights, select_answer
    from askintl.config import Settings
    from askintl.embedders import load_embedder
    from askintl.engine import Engine

    settings = Settings(corpus_dir=SHARED / "squad-dev" / "corpus", index_dir=OUT / "squad-index")
    embedder = CachedEmbedder(load_embedder(settings.embedder), OUT / "query-cache.npz")
    cases = calibration_cases(600)
    embedder.prefill([c["question"] for c in cases])
    engine = Engine.open(settings, embedder=embedder)
    retriever = engine._live.retriever
    runs = []
    for c in cases:
        ret = retriever.search(c["question"], top_k=5)
        ans = [norm(a) for a in c["answer"]]
        if any(p.doc_id == c["doc"] and any(a in norm(p.text) for a in ans) for p in ret.passages[:3]):
            runs.append((c, ret, ans))
    print(f"{len(runs)} of {len(cases)} questions have the answer in their top-3 passages")
    grid = itertools.product([0.0, 0.06, 0.12, 0.2, 0.3], [0.0, 0.03, 0.06], [0.25, 0.5, 1.0])
    rows = []
    for overlap, typ, prior in grid:
        w = SentenceWeights(overlap, typ, prior)
        by_lang: dict[str, list[int]] = {}
        words = []
        for c, ret, ans in runs:
            ev = select_answer(engine.snapshot, c["question"], ret, w)
            hit = bool(ev.answer) and any(a in norm(ev.answer.text) for a in ans)
            by_lang.setdefault(c.get("lang", "en"), []).append(hit)
            if ev.answer:
                words.append(len(ev.answer.text.split()))
        per = {k: sum(v) / len(v) for k, v in by_lang.items()}
        macro = sum(per.values()) / len(per)
        rows.append((macro, w, per, sum(words) / max(1, len(words))))
    rows.sort(key=lambda r: -r[0])
    for macro, w, per, mw in rows[:12]:
        print(f"macro {macro:.3f}  {w}  " + " ".join(f"{k}={v:.3f}" for k, v in sorted(per.items()))
              + f"  mean words {mw:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

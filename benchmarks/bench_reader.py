"""What the learned reader costs per question, against the reader it replaced (e1caa0b).

    .venv/bin/python benchmarks/bench_reader.py [--passes 7]

On the bundled index (index/, built by `askintl serve` or `askintl index`) and the dev
questions: each question is retrieved once, then answer selection + answerability are timed
apart for the learned reader (answering.select_answer) and for e1caa0b's hand-weighted
sentence score + logistic abstention (its answering.py, read with `git show`), alternately,
after a warm-up pass. Prints medians; the gather / rank / probability split of the new one.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OLD = "e1caa0b"


def old_reader():
    def show(path: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), "show", f"{OLD}:{path}"], check=True, capture_output=True,
                              text=True).stdout

    src = show("src/askintl/answering.py").replace("from .", "from askintl.")
    cfg = json.loads(show("src/askintl/data/abstention.json"))
    path = Path(tempfile.mkdtemp()) / "old_answering.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_answering", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules["old_answering"] = module
    spec.loader.exec_module(module)
    m = cfg["models"][cfg["default"]]
    model = module.AbstentionModel(tuple(m["features"]), tuple(m["coef"]), float(m["intercept"]),
                                   float(m["threshold"]), float(m.get("threshold_cross", m["threshold"])))
    return module, model


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passes", type=int, default=7)
    args = ap.parse_args()
    from askintl.answering import select_answer
    from askintl.config import Settings
    from askintl.engine import Engine
    from askintl.reader import gather

    engine = Engine.open(Settings())
    retriever, snap = engine.retriever, engine.snapshot
    questions = [json.loads(line)["question"] for line in open(ROOT.parent / "shared" / "eval" / "dev.jsonl")]
    retrievals = [retriever.search(q, top_k=5) for q in questions]
    old, old_model = old_reader()

    def new_one(q, r):
        t = time.perf_counter()
        select_answer(snap, q, r, reader=engine.reader)
        return time.perf_counter() - t

    def old_one(q, r):
        t = time.perf_counter()
        ev = old.select_answer(snap, q, r)
        old_model.probability(ev.features)
        return time.perf_counter() - t

    steps = {"gather": [], "rank": [], "probability": []}
    new, before = [], []
    for p in range(args.passes + 1):
        for q, r in zip(questions, retrievals):
            n, o = new_one(q, r), old_one(q, r)
            t0 = time.perf_counter()
            reading = gather(snap, q, r)
            t1 = time.perf_counter()
            engine.reader.rank(reading)
            t2 = time.perf_counter()
            engine.reader.probability(reading)
            t3 = time.perf_counter()
            if p:  # the first pass warms up
                new.append(n)
                before.append(o)
                for k, v in zip(steps, (t1 - t0, t2 - t1, t3 - t2)):
                    steps[k].append(v)
    med = lambda xs: statistics.median(xs) * 1000  # noqa: E731
    print(f"{len(questions)} questions x {args.passes} passes (medians)")
    print(f"learned reader: {med(new):.2f} ms  ({', '.join(f'{k} {med(v):.2f}' for k, v in steps.items())})")
    print(f"previous reader ({OLD}): {med(before):.2f} ms")
    print(f"added per question: {med(new) - med(before):.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

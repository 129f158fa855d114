"""What the sibling-fact and deadline checks cost in answer selection.

    .venv/bin/python benchmarks/bench_facets.py [--passes 5]

Over the FAQ bench (benchmarks/faq: its index in benchmarks/out/faq-index, built by
benchmarks/faq_eval.py) and its 173 questions, where degree levels, intakes, tests and deadlines
are common: each question is retrieved once, then `answering.select_answer` is timed with the
checks as shipped and with them switched off (facets.asked returning nothing, no deadline form),
alternately pass by pass after a warm-up pass. Prints medians and p95 in milliseconds.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
ROOT = Path(__file__).resolve().parent.parent
FAQ = ROOT / "benchmarks" / "faq"
INDEX = ROOT / "benchmarks" / "out" / "faq-index"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--passes", type=int, default=5)
    args = ap.parse_args()

    from askintl import answering
    from askintl.config import Settings
    from askintl.engine import Engine
    from askintl.lang import strict_evidence

    if not (INDEX / "CURRENT").exists():
        print(f"no index at {INDEX}: run benchmarks/faq_eval.py first", file=sys.stderr)
        return 1
    engine = Engine.open(Settings(corpus_dir=FAQ / "corpus", index_dir=INDEX))
    snap, retriever = engine.snapshot, engine.retriever
    cases = [json.loads(line) for line in open(FAQ / "cases.jsonl", encoding="utf-8") if line.strip()]
    retrievals = [(c["question"], retriever.search(c["question"], top_k=5)) for c in cases]

    def without_deadline(question: str):
        found = strict_evidence(question)
        return None if found and found[0] == "deadline" else found

    variants = {
        "shipped": (answering.asked, answering.strict_evidence),
        "without the checks": (lambda q: {}, without_deadline),
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    for p in range(args.passes + 1):
        for name, (asked, strict) in variants.items():
            answering.asked, answering.strict_evidence = asked, strict
            for q, r in retrievals:
                t = time.perf_counter()
                answering.select_answer(snap, q, r, reader=engine.reader)
                if p:  # pass 0 warms the caches
                    times[name].append((time.perf_counter() - t) * 1000)
    answering.asked, answering.strict_evidence = variants["shipped"]
    for name, ts in times.items():
        ts.sort()
        print(f"{name:20} p50 {statistics.median(ts):6.2f} ms   p95 {ts[int(0.95 * len(ts))]:6.2f} ms   "
              f"({len(ts)} selections)")
    print(f"load average {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

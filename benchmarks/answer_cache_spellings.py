"""Does the engine answer another spelling of a question the same? (Why the answer cache keeps
the spelling exact unless ASKINTL_ANSWER_CACHE_FOLD is set; see askintl/cache.py.)

    .venv/bin/python benchmarks/answer_cache_spellings.py [--index DIR] [--embedder e5-small]

Asks each dev question (../shared/eval/dev.jsonl) as written, lower-cased, with full-width
letters, digits and punctuation (what NFKC folds), and with extra spaces, the answer cache off,
and counts for each spelling the questions whose answer differs from the original's, field by
field (question and standalone_query aside).
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "?!,0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"}
SPELLINGS = {
    "lower-cased": str.lower,
    "full-width": lambda q: "".join(FULL_WIDTH.get(c, c) for c in q),
    "extra spaces": lambda q: q.replace(" ", "   "),
}


def differences(a: dict, b: dict) -> list[str]:
    out = []
    for field in a:
        if field in ("question", "standalone_query") or a[field] == b[field]:
            continue
        if field == "passages":
            same_order = [p["passage_id"] for p in a[field]] == [p["passage_id"] for p in b[field]]
            out.append("passage scores" if same_order else "passage order")
        elif field == "answer" and a[field] and b[field] and a[field]["text"] == b[field]["text"]:
            out.append("answer score")
        else:
            out.append(field)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, default=ROOT / "benchmarks" / "out" / "http-index")
    ap.add_argument("--embedder", default="e5-small")
    args = ap.parse_args()
    from askintl.config import Settings
    from askintl.engine import Engine

    engine = Engine.open(Settings(index_dir=args.index, embedder=args.embedder, answer_cache_size=0))
    qs = [json.loads(line)["question"] for line in open(ROOT.parent / "shared" / "eval" / "dev.jsonl",
                                                         encoding="utf-8") if line.strip()]
    print(f"{len(qs)} questions, index {engine.snapshot.version}, embedder {engine.embedder.id}")
    for name, spell in SPELLINGS.items():
        fields, changed, max_conf = Counter(), 0, 0.0
        for q in qs:
            a, b = engine.ask(q), engine.ask(spell(q))
            diff = differences(a.to_dict(), b.to_dict())
            fields.update(diff)
            changed += bool(diff)
            max_conf = max(max_conf, abs(a.confidence - b.confidence))
        print(f"{name}: {changed} of {len(qs)} answered differently; by field {dict(fields.most_common())}; "
              f"max |confidence change| {max_conf:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

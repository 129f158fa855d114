"""askintl on one-page course syllabi: each page indexed alone, asked what a student asks of it.

    .venv/bin/python benchmarks/syllabus_eval.py             # every page, a line each, and the total
    .venv/bin/python benchmarks/syllabus_eval.py --misses    # and every miss with its quote

The pages are the fictional syllabi of tests/data/syllabus/ (written for askintl; no SyllabusQA).
The questions are in benchmarks/syllabus/<page>.tsv (and <page>-numbered.tsv: questions about
numbered exams), one a line: the question, a tab, then the string an answer must contain, or "-"
when the page does not answer it (then only a refusal is right). Each page is indexed alone with the
default settings and embedder into benchmarks/out/syllabus/<page>, and asked through the real Engine.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
ROOT = Path(__file__).resolve().parent.parent
PAGES = ROOT / "tests" / "data" / "syllabus"
QUESTIONS = ROOT / "benchmarks" / "syllabus"
OUT = ROOT / "benchmarks" / "out" / "syllabus"


def cases(path: Path) -> list[tuple[str, str]]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            question, want = line.split("\t")
            rows.append((question, want))
    return rows


def engine_for(page: Path):
    from askintl.config import Settings
    from askintl.engine import Engine
    from askintl.indexer import build_index

    corpus = OUT / page.stem / "corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for old in corpus.iterdir():
        if old.name != page.name:
            old.unlink()
    (corpus / page.name).write_text(page.read_text(encoding="utf-8"), encoding="utf-8")
    settings = Settings(corpus_dir=corpus, index_dir=OUT / page.stem / "index")
    build_index(settings)
    return Engine.open(settings)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--misses", action="store_true", help="list every miss with its quote")
    args = ap.parse_args()
    total = right = 0
    for qfile in sorted(QUESTIONS.glob("*.tsv")):
        stem = qfile.stem.removesuffix("-numbered")
        page = next(PAGES.glob(stem + ".*"))
        engine = engine_for(page)
        n = ok = 0
        for question, want in cases(qfile):
            r = engine.ask(question)
            quote = None if r.abstained else r.answer.text
            good = quote is None if want == "-" else (quote is not None and want in quote)
            n, ok = n + 1, ok + good
            if args.misses and not good:
                print(f"  miss {qfile.stem}: {question!r} want {want!r}: "
                      f"{'refused' if quote is None else repr(quote[:100])} ({r.confidence:.2f})")
        print(f"{qfile.stem:20} {ok:3d} / {n:3d}", flush=True)
        total, right = total + n, right + ok
    print(f"{'all':20} {right:3d} / {total:3d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

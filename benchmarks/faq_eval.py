"""askintl on our own FAQ-shaped corpus: plain-text, Markdown and HTML FAQ pages, in four languages.

    .venv/bin/python benchmarks/faq_eval.py              # index, check the cases, evaluate
    .venv/bin/python benchmarks/faq_eval.py --misses     # and list every miss with its quote
    .venv/bin/python benchmarks/faq_eval.py --check-only # only check the cases (no model, no server)

The corpus (benchmarks/faq/corpus) is fictional and written for askintl; see benchmarks/faq/README.md.
Steps:
  1. index benchmarks/faq/corpus into benchmarks/out/faq-index with the library's `build_index`
     (default settings and embedder; incremental, so a second run reuses the vectors);
  2. check benchmarks/faq/cases.jsonl against the documents as askintl loads them: every evidence
     string is an exact substring of its document's text on one line, every answer string is on
     the line (the paragraph) of one of its evidence strings, and no question copies an FAQ
     question of the corpus word for word. A bad case stops the run (exit 1) naming it;
  3. run ../shared/eval/evaluate.py (its own server start, request and scoring code, imported
     from that file) with `--serve "<venv>/bin/askintl serve --port {port}"`, the server pointed
     at the FAQ corpus and index through ASKINTL_CORPUS_DIR / ASKINTL_INDEX_DIR, and print its
     figures; then, from its per-case rows:
       - quoted_questions: answers whose text equals or contains an FAQ question line of the page
         they quote (a line ending in ?, ？ or ؟; Markdown #, "Q:" and "1." prefixes ignored).
         It should be 0: a question is not an answer;
       - hit@1, hit@5, answer_hit and false abstentions by page shape (txt / md / html) and by
         question language.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from _common import norm

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
ROOT = Path(__file__).resolve().parent.parent
FAQ = ROOT / "benchmarks" / "faq"
CORPUS = FAQ / "corpus"
CASES = FAQ / "cases.jsonl"
OUT = ROOT / "benchmarks" / "out"
INDEX = OUT / "faq-index"
EVALUATE = ROOT.parent / "shared" / "eval" / "evaluate.py"

_QUESTION_LINE = re.compile(r"[?？؟]\s*$")
_QUESTION_PREFIX = re.compile(r"^\s*(?:#{1,6}\s+|Q:\s*|\d{1,2}[.)]\s+|[-*•]\s+)")


def read_cases(path: Path) -> list[dict]:
    cases = []
    for n, line in enumerate(open(path, encoding="utf-8"), 1):
        if line.strip():
            try:
                cases.append(json.loads(line))
            except json.JSONDecodeError as exc:
                sys.exit(f"{path}:{n}: not JSON ({exc})")
    return cases


def load_documents() -> dict:
    """The corpus as askintl loads it: doc_id → Document (text is what offsets index)."""
    from askintl.loaders import load_corpus

    report = load_corpus(CORPUS)
    if report.skipped:
        sys.exit(f"corpus files skipped by the loader: {report.skipped}")
    return {d.doc_id: d for d in report.documents}


def question_lines(text: str) -> list[str]:
    """The FAQ questions of a page: lines ending in a question mark, without their list/heading
    prefix, long enough not to match by chance."""
    out = []
    for line in text.splitlines():
        if _QUESTION_LINE.search(line):
            core = _QUESTION_PREFIX.sub("", line).strip()
            if len(core) >= 8:
                out.append(core)
    return out


def shape_of(doc) -> str:
    suffix = Path(doc.source_path).suffix.lower().lstrip(".")
    return "html" if suffix == "htm" else suffix


def line_at(text: str, pos: int) -> str:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return text[start:end if end >= 0 else len(text)]


def check_cases(cases: list[dict], docs: dict) -> list[str]:
    """Problems with the cases, each naming its case (empty when all are sound)."""
    problems = []
    seen = Counter(c.get("id") for c in cases)
    problems += [f"{i}: duplicate id" for i, n in seen.items() if n > 1]
    questions = {norm(q) for d in docs.values() for q in question_lines(d.text)}
    for c in cases:
        cid = c.get("id") or "(no id)"
        for key in ("id", "question", "lang", "answerable"):
            if key not in c:
                problems.append(f"{cid}: missing {key!r}")
        if norm(c.get("question", "")) in questions:
            problems.append(f"{cid}: the question copies an FAQ question of the corpus; paraphrase it")
        if not c.get("answerable", True):
            continue
        doc = docs.get(c.get("doc"))
        if doc is None:
            problems.append(f"{cid}: unknown doc {c.get('doc')!r}")
            continue
        evidence, answers = c.get("evidence") or [], c.get("answer") or []
        if not evidence or not answers:
            problems.append(f"{cid}: an answerable case needs evidence and answer strings")
            continue
        paragraphs = []
        for e in evidence:
            pos = doc.text.find(e)
            if pos < 0:
                problems.append(f"{cid}: evidence {e!r} is not in the text of {doc.doc_id}")
            elif "\n" in e:
                problems.append(f"{cid}: evidence {e!r} spans two lines of {doc.doc_id}")
            else:
                paragraphs.append(line_at(doc.text, pos))
        for a in answers:
            if a not in doc.text:
                problems.append(f"{cid}: answer {a!r} is not in the text of {doc.doc_id}")
            elif paragraphs and not any(a in p for p in paragraphs):
                problems.append(f"{cid}: answer {a!r} is not in the paragraph of any evidence string")
    return problems


def code_under_test() -> str:
    """Where askintl is imported from, and for this repository's src/, its commit and whether
    src/ has changes not committed (figures of a working tree in mid-edit are not a baseline)."""
    import subprocess

    import askintl

    pkg = Path(askintl.__file__).resolve().parent
    where = str(pkg)
    if pkg == ROOT / "src" / "askintl":
        try:
            sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                 text=True, check=True).stdout.strip()
            dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "src"],
                                   capture_output=True, text=True, check=True).stdout.strip()
            where += f" (commit {sha}{', src/ has uncommitted changes' if dirty else ''})"
        except (OSError, subprocess.CalledProcessError):
            pass
    return where


def load_evaluator():
    spec = importlib.util.spec_from_file_location("askintl_shared_evaluate", EVALUATE)
    if spec is None or not EVALUATE.exists():
        sys.exit(f"evaluator not found: {EVALUATE}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def build(docs_count: int) -> None:
    from askintl.config import Settings
    from askintl.indexer import build_index

    OUT.mkdir(parents=True, exist_ok=True)
    settings = Settings(corpus_dir=CORPUS, index_dir=INDEX)
    t0 = time.perf_counter()
    rep = build_index(settings)
    print(f"index: {rep.documents} documents, {rep.passages} passages, {rep.sentences} sentences; "
          f"embedded {rep.embedded_texts} texts, reused {rep.reused_texts} "
          f"({time.perf_counter() - t0:.0f}s) → {INDEX.relative_to(ROOT)}", file=sys.stderr)
    if rep.documents != docs_count:
        sys.exit(f"indexed {rep.documents} documents, expected {docs_count}")


def quoted_question(answer: str | None, docs: dict, qlines: dict[str, list[str]]) -> str | None:
    """The FAQ question line an answer quotes, if any (looked up in the documents it is a quote of)."""
    if not answer:
        return None
    a = norm(answer)
    for doc_id, d in docs.items():
        if answer in d.text:
            for q in qlines[doc_id]:
                if norm(q) in a:
                    return q
    return None


def group_figures(rows: list[dict], k: int) -> dict:
    n = len(rows)
    if not n:
        return {"n": 0}
    with_ans = [r for r in rows if "answer_hit" in r]
    return {"n": n,
            "hit@1": round(sum(r.get("rank") == 1 for r in rows) / n, 3),
            f"hit@{k}": round(sum(r.get("rank") is not None and r["rank"] <= k for r in rows) / n, 3),
            "answer_hit": round(sum(r["answer_hit"] for r in with_ans) / len(with_ans), 3) if with_ans else None,
            "false_abstain": round(sum(r["abstained"] for r in rows) / n, 3)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--misses", action="store_true", help="list every miss, with the quote given")
    ap.add_argument("--check-only", action="store_true", help="check the cases and stop")
    ap.add_argument("--top-k", type=int, default=5)
    ap.add_argument("--start-timeout", type=float, default=180)
    ap.add_argument("--cases", type=Path, default=CASES, help="cases file (default: benchmarks/faq/cases.jsonl)")
    ap.add_argument("--json", type=Path, help="also write the figures and per-case rows here")
    args = ap.parse_args()

    docs = load_documents()
    cases = read_cases(args.cases)
    problems = check_cases(cases, docs)
    if problems:
        print("bad cases:", *problems, sep="\n  ", file=sys.stderr)
        return 1
    n_ans = sum(1 for c in cases if c.get("answerable", True))
    print(f"cases: {len(cases)} ({n_ans} answerable, {len(cases) - n_ans} unanswerable) over "
          f"{len(docs)} documents: all evidence and answer strings found", file=sys.stderr)
    if args.check_only:
        return 0

    print(f"askintl: {code_under_test()}", file=sys.stderr)
    build(len(docs))
    evaluate = load_evaluator()
    askintl = ROOT / ".venv" / "bin" / "askintl"
    if not askintl.exists():
        askintl = Path(sys.executable).parent / "askintl"
    os.environ.update({
        "ASKINTL_CORPUS_DIR": str(CORPUS),
        "ASKINTL_INDEX_DIR": str(INDEX),
        "ASKINTL_FEEDBACK_DB": str(OUT / "faq-feedback.sqlite"),
        "ASKINTL_RATE_LIMIT_PER_MINUTE": "0",
        "ASKINTL_REQUEST_LOG": "false",
    })
    serve = f"{askintl} serve --port {{port}}"
    t0 = time.perf_counter()
    proc, url = evaluate.start_server(serve, args.start_timeout)
    try:
        rows, latencies, bad = evaluate.run_cases(url.rstrip("/"), [str(args.cases)], args.top_k)
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except Exception:
            proc.kill()
    summary = evaluate.summarize(rows, latencies, bad)
    print(f"evaluate.py --serve \"{serve}\" {args.cases}  ({time.perf_counter() - t0:.0f}s)")
    print(json.dumps(summary, indent=1))

    by_id = {c["id"]: c for c in cases}
    qlines = {doc_id: question_lines(d.text) for doc_id, d in docs.items()}
    quoted = []
    for r in rows:
        c = by_id[r["id"]]
        r["shape"] = shape_of(docs[c["doc"]]) if c.get("doc") in docs else None
        if r.get("answer_text") and not r["abstained"]:
            q = quoted_question(r["answer_text"], docs, qlines)
            if q:
                quoted.append((r["id"], q))
    answered = sum(1 for r in rows if r.get("answer_text") and not r["abstained"])
    print(f"\nquoted_questions: {len(quoted)} of {answered} answers contain an FAQ question line (want 0)")

    ans_rows = [r for r in rows if r["answerable"] and "rank" in r]
    groups = defaultdict(list)
    for r in ans_rows:
        groups[("shape", r["shape"])].append(r)
        groups[("lang", r["lang"])].append(r)
    k = args.top_k
    print(f"\n{'group':12} {'n':>4} {'hit@1':>6} {'hit@' + str(k):>6} {'answer':>7} {'f.abst':>7}")
    table = {}
    for key in sorted(groups, key=lambda g: (g[0] != "shape", g[1])):
        f = group_figures(groups[key], k)
        table[f"{key[0]}:{key[1]}"] = f
        ah = "   -" if f["answer_hit"] is None else f"{f['answer_hit']:7.3f}"
        print(f"{key[0] + ':' + key[1]:12} {f['n']:4d} {f['hit@1']:6.3f} {f[f'hit@{k}']:6.3f} {ah:>7} "
              f"{f['false_abstain']:7.3f}")

    if args.misses:
        print("", file=sys.stderr)
        for r in rows:
            c = by_id[r["id"]]
            quote = (r.get("answer_text") or "").replace("\n", " ⏎ ")
            quote = quote if len(quote) <= 160 else quote[:157] + "..."
            if r["answerable"] and (r.get("rank") != 1 or r.get("answer_hit") is False):
                what = "abstained" if r["abstained"] else f"quote: {quote!r}"
                print(f"miss    {r['id']} [{r['shape']}/{r['lang']}] rank {r.get('rank')} "
                      f"want {c['answer']}: {what}", file=sys.stderr)
            elif not r["answerable"] and not r["abstained"]:
                print(f"answered {r['id']} [{r['lang']}] (unanswerable): {quote!r}", file=sys.stderr)
        for cid, q in quoted:
            print(f"quoted  {cid}: the answer contains the question {q!r}", file=sys.stderr)
        for b in bad[:20]:
            print("citation", b, file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "groups": table, "quoted_questions": quoted,
                                         "rows": rows}, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

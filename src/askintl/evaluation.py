"""The figures of `../shared/eval/README.md`, computed in-process (`askintl eval`).

Same case format and same definitions as the black-box ``evaluate.py``: a passage is
relevant when it comes from the case's document and contains one of its evidence strings
(case and white space ignored); every quote is checked against the document text.
"""
from __future__ import annotations

import json
import re
import statistics
import time
from pathlib import Path

K = 5


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def read_cases(path: Path) -> list[dict]:
    cases = []
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if line.strip():
                try:
                    cases.append(json.loads(line))
                except ValueError as exc:
                    raise ValueError(f"{path}:{n}: not JSON ({exc})") from None
    return cases


def _judge(engine, turn: dict, result, bad: list[str], cid: str) -> dict:
    texts: dict[str, str] = {}

    def verify(what, doc_id, text, start, end):
        if doc_id not in texts:
            try:
                texts[doc_id] = engine.document(doc_id).text
            except Exception:
                texts[doc_id] = None
        src = texts[doc_id]
        if src is None or src[start:end] != text:
            bad.append(f"{cid}: {what} of {doc_id}[{start}:{end}] is not an exact quote")

    for i, p in enumerate(result.passages):
        verify(f"passage {i + 1}", p.doc_id, p.text, p.start, p.end)
    ans = result.answer
    if ans:
        verify("answer", ans.doc_id, ans.text, ans.start, ans.end)
    row = {"abstained": result.abstained, "words": [len(p.text.split()) for p in result.passages],
           "answer_words": len(ans.text.split()) if ans else None, "answer_text": ans.text if ans else None}
    if turn.get("answerable", True) and turn.get("evidence"):
        ev = [_norm(e) for e in turn["evidence"]]
        row["rank"] = next((i + 1 for i, p in enumerate(result.passages[:10])
                            if p.doc_id == turn["doc"] and any(e in _norm(p.text) for e in ev)), None)
        if turn.get("answer"):
            atext = _norm(ans.text) if ans and not result.abstained else ""
            row["answer_hit"] = any(_norm(a) in atext for a in turn["answer"])
    return row


def run_cases(engine, cases: list[dict], top_k: int = K):
    rows, lat, bad = [], [], []
    for case in cases:
        turns = case.get("turns") or [case]
        history: list[dict] = []
        for ti, turn in enumerate(turns):
            t0 = time.perf_counter()
            result = engine.ask(turn["question"], history=history or None, top_k=top_k)
            lat.append((time.perf_counter() - t0) * 1000)
            cid = case["id"] + (f"#{ti + 1}" if len(turns) > 1 else "")
            row = _judge(engine, turn, result, bad, cid)
            row.update(id=cid, lang=case.get("lang", "en"), answerable=turn.get("answerable", True), followup=ti > 0)
            rows.append(row)
            history += [{"role": "user", "content": turn["question"]},
                        {"role": "assistant", "content": row.get("answer_text") or ""}]
    return rows, lat, bad


def summarize(rows: list[dict], lat: list[float], bad: list[str]) -> dict:
    def frac(xs):
        xs = list(xs)
        return round(sum(xs) / len(xs), 3) if xs else None

    ans = [r for r in rows if r["answerable"] and "rank" in r]
    groups = {"all": ans,
              "en": [r for r in ans if r["lang"] == "en" and not r["followup"]],
              "multilingual": [r for r in ans if r["lang"] != "en"],
              "followup": [r for r in ans if r["followup"]]}
    s: dict = {}
    for g, rs in groups.items():
        if rs:
            s[g] = {"n": len(rs),
                    "hit@1": frac(r["rank"] == 1 for r in rs),
                    f"hit@{K}": frac(r["rank"] is not None and r["rank"] <= K for r in rs),
                    "mrr@10": round(sum(1 / r["rank"] for r in rs if r["rank"]) / len(rs), 3)}
    with_ans = [r for r in ans if "answer_hit" in r]
    s["answer_hit"] = frac(r["answer_hit"] for r in with_ans)
    un = [r for r in rows if not r["answerable"]]
    s["abstain_on_unanswerable"] = frac(r["abstained"] for r in un)
    s["false_abstain_on_answerable"] = frac(r["abstained"] for r in ans)
    words = [w for r in rows for w in r["words"][:K]]
    s["mean_passage_words"] = round(statistics.mean(words), 1) if words else None
    awords = [r["answer_words"] for r in rows if r["answer_words"] is not None]
    s["mean_answer_words"] = round(statistics.mean(awords), 1) if awords else None
    s["latency_ms_p50"] = round(statistics.median(lat), 1) if lat else None
    s["latency_ms_p95"] = round(sorted(lat)[int(0.95 * (len(lat) - 1))], 1) if lat else None
    s["citation_errors"] = len(bad)
    return s


def misses(rows: list[dict], bad: list[str]) -> list[str]:
    out = []
    for r in rows:
        if r["answerable"] and "rank" in r and r.get("rank") != 1:
            out.append(f"miss  {r['id']}: rank {r.get('rank')}")
        if r.get("answer_hit") is False:
            out.append(f"answer {r['id']}: expected answer not in the answer quote: {r.get('answer_text')!r}")
        if r["abstained"] != (not r["answerable"]):
            out.append(f"abstain {r['id']}: abstained={r['abstained']}")
    return out + [f"citation {b}" for b in bad[:20]]


def evaluate_files(engine, files: list[Path], top_k: int = K) -> tuple[dict, list[str]]:
    cases = [c for f in files for c in read_cases(Path(f))]
    rows, lat, bad = run_cases(engine, cases, top_k)
    return summarize(rows, lat, bad), misses(rows, bad)

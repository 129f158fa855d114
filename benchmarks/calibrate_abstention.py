"""Calibrate when askintl abstains, on data, and write src/askintl/data/abstention.json.

    .venv/bin/python benchmarks/calibrate_abstention.py [--write]

The data: SQuAD v1.1 dev and XQuAD (zh, ru, ar) questions outside the fixed benchmark
samples, asked over the SQuAD corpus index (see squad_xquad.py), twice each:
  - as they are: answerable; the label is 1 when a top-3 passage holds the answer;
  - with every passage of the question's article that holds the answer hidden from the
    retriever: the same question, the same topic, the answer gone. That is the hard kind
    of unanswerable question ("what is the tuition fee at BJTU?" over pages that speak of
    BJTU but not of fees); the label is 0;
  - with the whole article hidden: the subject itself is missing (label 0).
A logistic regression over the engine's evidence features (answering.select_answer) is fit
on half of the questions and evaluated on the other half; the threshold is the probability
that keeps false abstentions on answerable questions at about the target rate.
The institution dev cases (../shared/eval) are not used for fitting, only reported.
"""
from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from squad_xquad import OUT, SHARED, CachedEmbedder, read  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
FEATURES = ["dense_top", "sentence_top", "dense_margin", "same_language", "dense_top_same", "sentence_top_same",
            "overlap_sentence_same", "overlap_passage_same", "type_match"]


def norm(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip().lower()


def calibration_cases(per_set: int) -> list[dict]:
    rng = random.Random(7)
    sample = {c["id"] for c in read(SHARED / "squad-dev" / "sample-1000.jsonl")}
    rest = [c for c in read(SHARED / "squad-dev" / "cases.jsonl") if c["id"] not in sample]
    cases = rng.sample(rest, per_set)
    for lang in ("zh", "ru", "ar"):
        s = {c["id"] for c in read(SHARED / "xquad" / f"sample-1000.{lang}.jsonl")}
        cases += [c for c in read(SHARED / "xquad" / f"cases.{lang}.jsonl") if c["id"] not in s]
    return cases


def collect(engine, cases) -> tuple[np.ndarray, np.ndarray, list[str]]:
    snap = engine.snapshot
    by_doc: dict[int, list[int]] = {}
    for pid, di in enumerate(snap.passage_docs):
        by_doc.setdefault(int(di), []).append(pid)
    X, y, groups = [], [], []
    for c in cases:
        ev = [norm(e) for e in c["evidence"]]
        di = snap.doc_index[c["doc"]]
        rows = snap.passages(by_doc[di])
        hidden = {pid for pid, (_, _, _, text) in rows.items() if any(e in norm(text) for e in ev)}
        whole = set(by_doc[di])
        for exclude, answerable in ((set(), True), (hidden, False), (whole, False)):
            retrieval, evidence = engine.features(c["question"], exclude=exclude)
            if answerable:
                label = any(p.doc_id == c["doc"] and any(e in norm(p.text) for e in ev) for p in retrieval.passages[:3])
            else:
                label = False
            X.append([evidence.features[f] for f in FEATURES])
            y.append(int(label))
            groups.append(c.get("lang", "en"))
    return np.array(X, dtype=np.float64), np.array(y), groups


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--per-set", type=int, default=600, help="SQuAD questions to use")
    ap.add_argument("--target-false-abstain", type=float, default=0.07)
    ap.add_argument("--features", nargs="*", default=FEATURES, help="evidence features to use")
    ap.add_argument("--write", action="store_true", help="write src/askintl/data/abstention.json")
    args = ap.parse_args()

    from sklearn.linear_model import LogisticRegression

    from askintl.config import Settings
    from askintl.embedders import load_embedder
    from askintl.engine import Engine

    settings = Settings(corpus_dir=SHARED / "squad-dev" / "corpus", index_dir=OUT / "squad-index")
    inner = load_embedder(settings.embedder)
    embedder = CachedEmbedder(inner, OUT / "query-cache.npz")
    cases = calibration_cases(args.per_set)
    embedder.prefill([c["question"] for c in cases])
    engine = Engine.open(settings, embedder=embedder)
    FEATURES[:] = args.features
    if "same_language" not in FEATURES:
        FEATURES.append("same_language")
    X, y, groups = collect(engine, cases)
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(cases))
    # split by question, so a question and its masked twins fall on the same side
    train_q, test_q = idx[: len(idx) // 2], idx[len(idx) // 2:]
    tr = np.concatenate([3 * train_q + k for k in range(3)])
    te = np.concatenate([3 * test_q + k for k in range(3)])
    model = LogisticRegression(C=1.0, max_iter=1000).fit(X[tr], y[tr])
    p_te = model.predict_proba(X[te])[:, 1]
    answerable_te = y[te] == 1
    # threshold: the quantile of answerable probabilities giving the target false-abstain rate
    p_tr = model.predict_proba(X[tr])[:, 1]
    same_tr = X[tr, FEATURES.index("same_language")] == 1
    same_te = X[te, FEATURES.index("same_language")] == 1
    threshold = float(np.quantile(p_tr[(y[tr] == 1) & same_tr], args.target_false_abstain))
    threshold_cross = float(np.quantile(p_tr[(y[tr] == 1) & ~same_tr], args.target_false_abstain))
    abst = p_te < np.where(same_te, threshold, threshold_cross)
    g_te = np.array(groups)[te]
    print(f"calibration questions: {len(cases)} ({len(X)} rows with the masked twins)")
    kind = np.array(["asked", "answer hidden", "article hidden"] * len(cases))[te]
    for k in ("answer hidden", "article hidden"):
        print(f"  abstain when {k}: {abst[kind == k].mean():.3f}")
    print(f"thresholds: same language {threshold:.3f}, other language {threshold_cross:.3f}; held-out half:")
    for lang in sorted(set(g_te)):
        m = g_te == lang
        fa = abst[m & answerable_te].mean() if (m & answerable_te).any() else float('nan')
        au = abst[m & ~answerable_te].mean() if (m & ~answerable_te).any() else float('nan')
        print(f"  {lang}: false_abstain {fa:.3f}  abstain_on_unanswerable {au:.3f}  (n={m.sum()})")
    print("  all: false_abstain %.3f  abstain_on_unanswerable %.3f" % (abst[answerable_te].mean(), abst[~answerable_te].mean()))
    coef = dict(zip(FEATURES, model.coef_[0].round(4).tolist()))
    print("coefficients:", coef, "intercept", round(float(model.intercept_[0]), 4))
    if args.write:
        path = ROOT / "src" / "askintl" / "data" / "abstention.json"
        data = json.loads(path.read_text())
        data["models"][embedder.id] = {
            "features": FEATURES, "coef": model.coef_[0].round(5).tolist(),
            "intercept": round(float(model.intercept_[0]), 5), "threshold": round(threshold, 4), "threshold_cross": round(threshold_cross, 4),
            "source": f"benchmarks/calibrate_abstention.py --per-set {args.per_set} "
                      f"--target-false-abstain {args.target_false_abstain}",
        }
        path.write_text(json.dumps(data, indent=1) + "\n")
        print("wrote", path)
    return 0


if __name__ == "__main__":
    sys.exit(main())

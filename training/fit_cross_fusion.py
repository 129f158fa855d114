"""Fit how the English cross-encoder joins the reader, and measure it on held-out articles.

    OMP_WAIT_POLICY=passive .venv/bin/python training/fit_cross_fusion.py [--write]

For an English question, answering.select_answer lets the cross-encoder (askintl.crossencoder)
re-order the reader's top N candidates by z(reader score) + w * z(cross-encoder logit), and
turns the reader's probability into p' = sigmoid(a * logit(p) + b * logit_ce(chosen) + c); the
engine abstains when p' < the reader's threshold, as before.

Fitted on the training side of training/out (the English sources' training-side articles,
which train_cross_encoder.py never trains on), every question asked the three ways
train_reader.py asks it (as is / answer passages hidden / whole article hidden; SQuAD 2.0's
unanswerable as is), with train_reader.collect. The reader's scores and probabilities there are
made out of fold (two folds by article; the reader trained by train_reader.train_head on every
other training record of all sources), as they would be on unseen questions:
  - N and w: the pair that picks the answer sentence most often (answerable questions as asked);
  - a, b, c: logistic regression of "the chosen sentence holds the answer" on
    (logit(p), logit_ce); then c is shifted so that p' refuses as many answerable training
    questions at the reader's threshold as p does (the threshold keeps its meaning).
Then held-out figures (the shipped reader; articles neither model trained on), before → after,
with train_reader.figures. --write stores the constants and figures in
src/askintl/data/cross_encoder/fusion.json (the cross-encoder is used only when it is there).
About 15 minutes on 2 idle cores (asking 30,000 retrievals, four reader heads, 25,000 pairs cross-encoded);
50 on a loaded machine.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
import zlib
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "training"))
from train_reader import OUT, SOURCES, collect, figures, train_head  # noqa: E402

ENGLISH = ["squad2-train-part", "squadshifts-new-wiki", "selqa"]
MODEL_DIR = ROOT / "src" / "askintl" / "data" / "cross_encoder"
N_GRID = (3, 5)
W_GRID = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 2.0, 3.0, 5.0)
MAX_N = max(N_GRID)


def logit(p: float) -> float:
    p = min(max(p, 1e-4), 1 - 1e-4)
    return math.log(p / (1 - p))


def probability_of(reading, scores: np.ndarray, pick: int, answerability) -> float:
    """The reader's P(right) for the quote ``pick``, judged as select_answer judges it (when
    the pick is not the reader's best, its score is lifted just above the best)."""
    from askintl.reader import Reading, answer_features

    s = np.array(scores, dtype=np.float64, copy=True)
    if pick != int(np.argmax(s)):
        s[pick] = s.max() + 1e-3
    p = float(answerability.predict(answer_features(Reading(reading.candidates, reading.features,
                                                            reading.context, s)), num_threads=2)[0])
    return 0.0 if math.isnan(p) else p


def label_of(r: dict, pick: int) -> int:
    return int(r["label"][pick]) if r["mode"] == "own" else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--model", type=Path, default=MODEL_DIR, help="the cross-encoder's folder")
    ap.add_argument("--train-sample", type=int, default=2500,
                    help="English training records the fit reads (a random sample: cross-encoding is the slow part)")
    ap.add_argument("--wait-for", type=Path, default=None,
                    help="ask the questions and train the readers first, then wait for this file (a training run's end)")
    args = ap.parse_args()
    from sklearn.linear_model import LogisticRegression

    from askintl.crossencoder import CrossEncoder, adjusted_probability, fuse_key
    from askintl.reader import load_reader

    t0 = time.perf_counter()
    sources = [s for s in SOURCES if (OUT / s / "queries.npz").exists()]
    records = [r for s in sources for r in collect(s)]
    train = [r for r in records if r["split"] == "train"]
    english_train = [r for r in train if r["source"] in ENGLISH and len(r["reading"].candidates)]
    held = {s: [r for r in records if r["split"] == "heldout" and r["source"] == s] for s in ENGLISH}
    print(f"{len(records)} retrievals in {time.perf_counter() - t0:.0f}s; {len(english_train)} English training",
          file=sys.stderr, flush=True)

    # The reader out of fold on the English training records.
    fold = {id(r): zlib.crc32(f"fusion/{r['source']}/{r['doc']}".encode()) % 2 for r in english_train}
    for k in (0, 1):
        rest = [r for r in train if not (r["source"] in ENGLISH and fold.get(id(r), -1) == k)]
        ranker, answerability, _ = train_head(rest, cross=False)
        for r in english_train:
            if fold[id(r)] == k:
                r["scores"] = np.asarray(ranker.predict(r["reading"].features, num_threads=2), dtype=np.float64)
                r["answerability"] = answerability
    print(f"out-of-fold reader in {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    if len(english_train) > args.train_sample:
        rng = np.random.default_rng(3)
        english_train = [english_train[i] for i in sorted(rng.choice(len(english_train), args.train_sample, replace=False))]
    reader = load_reader()
    threshold = reader.same.threshold
    for s in ENGLISH:
        for r in held[s]:
            if len(r["reading"].candidates):
                r["scores"] = np.asarray(reader.same.rank(r["reading"].features), dtype=np.float64)
                r["answerability"] = reader.same.answerability

    # Cross-encoder logits of every record's top MAX_N candidates (by the reader's score).
    while args.wait_for is not None and not args.wait_for.exists():
        time.sleep(20)
    model = CrossEncoder(args.model)
    t1 = time.perf_counter()
    n_pairs = 0
    for r in english_train + [r for s in ENGLISH for r in held[s] if len(r["reading"].candidates)]:
        idx = [int(i) for i in np.argsort(-r["scores"], kind="stable")[:MAX_N]]
        r["idx"] = idx
        r["ce"] = model.scores(r["question"], [r["reading"].candidates[i].text for i in idx])
        n_pairs += len(idx)
        if n_pairs % 2000 < len(idx):
            print(f"  {n_pairs} pairs, {time.perf_counter() - t1:.0f}s", file=sys.stderr, flush=True)
    print(f"{n_pairs} pairs scored in {time.perf_counter() - t1:.0f}s", file=sys.stderr, flush=True)

    def pick(r: dict, n: int, w: float) -> int:
        return int(np.argmax(fuse_key(r["scores"], r["idx"][:n], r["ce"][:n], w)))

    # N and w: the answer sentence picked most often (answerable, as asked).
    answerable = [r for r in english_train if r["answerable"]]
    grid = {(n, w): float(np.mean([label_of(r, pick(r, n, w)) for r in answerable])) for n in N_GRID for w in W_GRID}
    base_acc = grid[(N_GRID[0], 0.0)]
    (n_best, w_best), acc = max(grid.items(), key=lambda kv: (round(kv[1], 4), -kv[0][1]))
    print(f"training pick accuracy: reader {base_acc:.3f}, fused {acc:.3f} at N={n_best} w={w_best}", file=sys.stderr)
    for n in N_GRID:
        print(f"  N={n}: " + " ".join(f"w{w}:{grid[(n, w)]:.3f}" for w in W_GRID), file=sys.stderr)

    # a, b, c on every training record (all three ways of asking).
    X, y, ans, p_base, p_pick = [], [], [], [], []
    for r in english_train:
        k = pick(r, n_best, w_best)
        p = probability_of(r["reading"], r["scores"], k, r["answerability"])
        p_pick.append(p)
        j = r["idx"].index(k) if k in r["idx"] else None
        ce_k = float(r["ce"][j]) if j is not None else float(model.scores(r["question"], [r["reading"].candidates[k].text])[0])
        X.append([logit(p), ce_k])
        y.append(label_of(r, k))
        ans.append(int(r["answerable"]))
        b0 = int(np.argmax(r["scores"]))
        p_base.append(probability_of(r["reading"], r["scores"], b0, r["answerability"]))
    X, y, ans, p_base, p_pick = np.array(X), np.array(y), np.array(ans), np.array(p_base), np.array(p_pick)
    lr = LogisticRegression(C=10.0, max_iter=1000).fit(X, y)
    a, b = (float(v) for v in lr.coef_[0])
    c0 = float(lr.intercept_[0])
    refused_before = float(np.mean(p_base[ans == 1] < threshold))

    def refused(c: float) -> float:
        z = a * X[ans == 1, 0] + b * X[ans == 1, 1] + c
        return float(np.mean(1 / (1 + np.exp(-z)) < threshold))

    lo, hi = c0 - 10, c0 + 10  # refused() falls as c rises
    for _ in range(60):
        mid = (lo + hi) / 2
        if refused(mid) > refused_before:
            lo = mid
        else:
            hi = mid
    c = hi
    fusion = {"n": n_best, "w": w_best, "a": round(a, 4), "b": round(b, 4), "c": round(c, 4), "c_logistic": round(c0, 4)}
    un = ans == 0
    z_after = a * X[:, 0] + b * X[:, 1] + c
    training_side = {
        "reader": {"answerable_refused": refused_before, "unanswerable_refused": float(np.mean(p_base[un] < threshold))},
        "rerank_only": {"answerable_refused": float(np.mean(p_pick[ans == 1] < threshold)),
                        "unanswerable_refused": float(np.mean(p_pick[un] < threshold))},
        "rerank_and_confidence": {"answerable_refused": refused(c),
                                  "unanswerable_refused": float(np.mean(1 / (1 + np.exp(-z_after[un])) < threshold))}}
    for name, v in training_side.items():
        print(f"training side, {name:22s} answerable refused {v['answerable_refused']:.3f}  "
              f"unanswerable refused {v['unanswerable_refused']:.3f}", file=sys.stderr, flush=True)
    # The joined probability is kept only if, on the training side, it refuses more unanswerable
    # questions than the reader's own probability of the re-ranked quote without refusing more
    # answerable ones; otherwise the quote is re-ranked and judged by the reader alone.
    ro, rc = training_side["rerank_only"], training_side["rerank_and_confidence"]
    keep_confidence = (rc["unanswerable_refused"] - rc["answerable_refused"]
                       > ro["unanswerable_refused"] - ro["answerable_refused"])
    fitted = dict(fusion)
    if not keep_confidence:
        fusion.update(a=1.0, b=0.0, c=0.0)
    print(f"fusion {fusion} (fitted {fitted}; joined probability {'kept' if keep_confidence else 'dropped'})",
          file=sys.stderr, flush=True)

    # Held-out: before (the reader) → after (reader + cross-encoder), and each part alone.
    report = {}
    for s in ENGLISH:
        rs = held[s]
        variants = {"before": [], "after": [], "rerank_only": [], "confidence_only": []}
        for r in rs:
            if not len(r["reading"].candidates):
                for v in variants.values():
                    v.append((None, 0.0))
                continue
            b0 = int(np.argmax(r["scores"]))
            k = pick(r, n_best, w_best)
            p0 = probability_of(r["reading"], r["scores"], b0, r["answerability"])
            pk = probability_of(r["reading"], r["scores"], k, r["answerability"])
            j = r["idx"].index(k) if k in r["idx"] else None
            ce_k = float(r["ce"][j]) if j is not None else float(model.scores(r["question"], [r["reading"].candidates[k].text])[0])
            ce_0 = float(r["ce"][r["idx"].index(b0)])
            variants["before"].append((b0, p0))
            variants["after"].append((k, adjusted_probability(pk, ce_k, fusion)))
            variants["rerank_only"].append((k, pk))
            variants["confidence_only"].append((b0, adjusted_probability(p0, ce_0, fusion)))
        report[s] = {name: figures(rs, [x for x, _ in v], np.array([p for _, p in v]), threshold)
                     for name, v in variants.items()}
        for name, f in report[s].items():
            print(f"{s:22s} {name:16s} answer_hit {f['answer_hit']:.3f}  pick_hit {f['pick_hit']:.3f}  "
                  f"false_abstain {f['false_abstain']:.3f}  abstain_unanswerable {f['abstain_on_unanswerable']:.3f}  "
                  f"auc {f['auc_right']:.3f}", file=sys.stderr, flush=True)
    out = {**fusion, "confidence": "joined" if keep_confidence else "reader", "fitted": fitted,
           "training_side": training_side, "threshold": threshold, "fitted_on": {"records": len(english_train), "sources": ENGLISH,
                                                            "pick_accuracy_reader": round(base_acc, 3),
                                                            "pick_accuracy_fused": round(acc, 3),
                                                            "answerable_refused": round(refused_before, 3)},
           "heldout": report, "seconds": round(time.perf_counter() - t0)}
    (OUT / "cross_encoder").mkdir(parents=True, exist_ok=True)
    (OUT / "cross_encoder" / "fusion.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
    if args.write:
        (args.model / "fusion.json").write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.model / 'fusion.json'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

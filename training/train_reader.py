"""Train the reader (askintl.reader) on the indexes built by reader_data.py, and report held-out figures.

    .venv/bin/python training/train_reader.py [--write] [--baseline]

Every question of training/out/<source>/cases.jsonl is asked through the real retriever over
its source's index three ways:
  - as it is (answerable: its own paragraph is in the index);
  - with the passages that hold its answer hidden (same article, same topic, answer gone:
    the hard unanswerable case);
  - with its whole article hidden (the subject is missing).
(SQuAD 2.0's own unanswerable questions are asked as they are.) The candidates are the
sentences of the top passages (reader.gather), labelled 1 when they hold the answer span.

- The ranker (LightGBM lambdarank) learns from the answerable retrievals that have a right
  sentence among the candidates.
- Cross-language questions have no lexical evidence; the training data has none of them, so a
  third of the ranker's groups are repeated with the lexical features set as they are for a
  question in another language (no shared terms, same_lang 0).
- The answerability model (LightGBM binary) learns P(the top sentence is right) from all
  three ways, on ranker scores made out of fold (two folds by article), so it sees scores as
  they are on unseen questions.
- The threshold is the probability that refuses FALSE_ABSTAIN_TARGET of the answerable training
  questions, out of fold; answers under the low-confidence line are shown marked as such.

Held-out articles (20 % per source, by a hash of the title) are never trained on; the figures
printed (and written to data/reader/reader.json with --write) are theirs. --baseline also
measures the reader this one replaces (answering at e1caa0b) on the same retrievals.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time
import zlib
from collections import defaultdict
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "training" / "out"
MODEL_DIR = ROOT / "src" / "askintl" / "data" / "reader"
SOURCES = ["squad2-train-part", "squadshifts-new-wiki", "selqa", "cmrc2018", "drcd", "arcd", "jsquad",
           "iapp-wiki-qa"]
MODES = ("own", "hidden", "article")
# A refusal of an answerable question is a dead end for the student; a doubtful answer is shown
# marked as low confidence, with its source. The threshold refuses about this share of the
# answerable questions (out of fold, training side).
FALSE_ABSTAIN_TARGET = 0.06
RANKER_PARAMS = dict(objective="lambdarank", learning_rate=0.05, num_leaves=31, min_data_in_leaf=20,
                     feature_fraction=0.9, bagging_fraction=0.8, bagging_freq=1, lambdarank_truncation_level=10,
                     verbose=-1, num_threads=2, seed=1)
ANSWER_PARAMS = dict(objective="binary", learning_rate=0.05, num_leaves=15, min_data_in_leaf=40,
                     feature_fraction=0.9, bagging_fraction=0.8, bagging_freq=1, verbose=-1, num_threads=2, seed=1)
RANKER_ROUNDS, ANSWER_ROUNDS = 300, 300


class VectorTable:
    """Query vectors embedded by reader_data.py (no model call here)."""

    def __init__(self, path: Path):
        data = np.load(path, allow_pickle=False)
        self.vectors = dict(zip(data["texts"].tolist(), data["vectors"]))

    def __getitem__(self, text: str) -> np.ndarray:
        return self.vectors[text]


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in open(path, encoding="utf-8") if line.strip()]


def collect(source: str, siblings: bool = False) -> list[dict]:
    """One record per (question, way of asking): the reading and the labels."""
    from askintl.config import Settings
    from askintl.embedders import HashingEmbedder
    from askintl.reader import gather
    from askintl.retriever import Retriever
    from askintl.index import IndexStore

    folder = OUT / source
    snap = IndexStore(folder / "index").open()
    retriever = Retriever(snap, HashingEmbedder(), candidates=Settings().candidates)
    vectors = VectorTable(folder / "queries.npz")
    spans_of: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    ids = list(range(snap.n_passages))
    for pid, (doc_idx, start, end, _) in snap.passages(ids).items():
        spans_of[doc_idx].append((pid, start, end))
    out = []
    for case in read_jsonl(folder / "cases.jsonl"):
        doc_idx = snap.doc_index[case["doc"]]
        answers = [(a["start"], a["start"] + len(a["text"])) for a in case["answers"]]
        holding = {pid for pid, s, e in spans_of[doc_idx] for a, b in answers if s <= a < e}
        whole = {pid for pid, _, _ in spans_of[doc_idx]}
        modes = MODES if case["answerable"] else ("own",)
        qv = vectors[case["question"]]
        for mode in modes:
            exclude = {"own": set(), "hidden": holding, "article": whole}[mode]
            ret = retriever.search(case["question"], top_k=5, query_vector=qv, exclude=exclude)
            reading = gather(snap, case["question"], ret)
            label = np.array([c.passage.doc_id == case["doc"] and any(c.span.start <= a < c.span.end and b <= c.span.end + 1
                                                                      for a, b in answers)
                              for c in reading.candidates], dtype=np.int32) if mode == "own" and answers else \
                np.zeros(len(reading.candidates), np.int32)
            out.append({"source": source, "lang": case["lang"], "split": case["split"], "id": case["id"],
                        "doc": case["doc"], "mode": mode, "answerable": mode == "own" and case["answerable"],
                        "reading": reading, "label": label, "answers": [t["text"] for t in case["answers"]],
                        "question": case["question"], "retrieval": ret, "snap": snap})
    # Sibling questions (sibling_questions.py): an answerable question with its key word swapped
    # for a neighbour's, asked as it is; its own paragraph no longer answers it.
    if siblings and (folder / "siblings.jsonl").exists() and (folder / "siblings.npz").exists():
        sib_vectors = VectorTable(folder / "siblings.npz")
        for case in read_jsonl(folder / "siblings.jsonl"):
            ret = retriever.search(case["question"], top_k=5, query_vector=sib_vectors[case["question"]])
            reading = gather(snap, case["question"], ret)
            out.append({"source": source, "lang": case["lang"], "split": case["split"], "id": case["id"],
                        "doc": case["doc"], "mode": "sibling", "answerable": False, "reading": reading,
                        "label": np.zeros(len(reading.candidates), np.int32), "answers": [],
                        "question": case["question"], "retrieval": ret, "snap": snap})
    return out


def columns(X: np.ndarray, cross: bool) -> np.ndarray:
    from askintl.reader import CROSS_COLUMNS

    return X[:, CROSS_COLUMNS] if cross else X


def train_ranker(records: list[dict], cross: bool, seed: int = 1):
    import lightgbm as lgb

    groups = [r for r in records if r["mode"] == "own" and r["label"].any()]
    X = np.concatenate([columns(r["reading"].features, cross) for r in groups])
    y = np.concatenate([r["label"] for r in groups])
    ds = lgb.Dataset(X, y, group=np.array([len(r["label"]) for r in groups]), free_raw_data=False)
    return lgb.train({**RANKER_PARAMS, "seed": seed}, ds, num_boost_round=RANKER_ROUNDS)


def answer_rows(records: list[dict], ranker, cross: bool):
    """(features, label: top sentence right, answerable) for the answerability model."""
    from askintl.reader import ANSWER_FEATURES, CROSS_ANSWER_FEATURES, Reading, answer_features

    names = CROSS_ANSWER_FEATURES if cross else ANSWER_FEATURES
    X, y, answerable = [], [], []
    for r in records:
        reading = r["reading"]
        if not len(reading.candidates):
            continue
        scores = ranker.predict(columns(reading.features, cross), num_threads=2)
        X.append(answer_features(Reading(reading.candidates, reading.features, reading.context, scores), names)[0])
        y.append(int(r["label"][int(np.argmax(scores))]) if r["mode"] == "own" else 0)
        answerable.append(int(r["answerable"]))
    return np.array(X), np.array(y), np.array(answerable)


def train_head(train: list[dict], cross: bool):
    """A ranker, an answerability model on its out-of-fold scores, and their threshold."""
    import lightgbm as lgb

    fold = np.array([zlib.crc32(f"{r['source']}/{r['doc']}".encode()) % 2 for r in train])
    AX, Ay, Aa = [], [], []
    for k in (0, 1):
        ranker_k = train_ranker([r for r, f in zip(train, fold) if f != k], cross)
        X, y, a = answer_rows([r for r, f in zip(train, fold) if f == k], ranker_k, cross)
        AX.append(X)
        Ay.append(y)
        Aa.append(a)
    AX, Ay, Aa = np.concatenate(AX), np.concatenate(Ay), np.concatenate(Aa)
    answerability = lgb.train(ANSWER_PARAMS, lgb.Dataset(AX, Ay), num_boost_round=ANSWER_ROUNDS)
    # In-sample probabilities would be too sure of themselves: choose the threshold out of fold.
    oof = np.zeros(len(Ay))
    half = np.arange(len(Ay)) % 2
    for k in (0, 1):
        m = lgb.train(ANSWER_PARAMS, lgb.Dataset(AX[half != k], Ay[half != k]), num_boost_round=ANSWER_ROUNDS)
        oof[half == k] = m.predict(AX[half == k])
    threshold = choose_threshold(oof, Aa)
    return train_ranker(train, cross), answerability, threshold


def choose_threshold(p: np.ndarray, answerable: np.ndarray) -> float:
    """The highest threshold that refuses at most FALSE_ABSTAIN_TARGET of the answerable questions
    (out of fold). Answers between it and the low-confidence line (Settings.low_confidence_below)
    are shown marked as low confidence."""
    return round(float(np.quantile(p[answerable == 1], FALSE_ABSTAIN_TARGET)), 3)


def quote_hit(r: dict, cand_index: int) -> bool:
    from askintl.answering import shape_quote

    c = r["reading"].candidates[cand_index]
    span = shape_quote(r["snap"], r["question"], c)
    text = c.passage.text[span.start - c.passage.start:span.end - c.passage.start]
    return c.passage.doc_id == r["doc"] and any(a.strip().lower() in text.lower() for a in r["answers"])


def passage_holds(r: dict, p) -> bool:
    return p.doc_id == r["doc"] and any(a.strip().lower() in p.text.lower() for a in r["answers"])


def figures(records: list[dict], picks: list[int | None], probs: np.ndarray, threshold: float) -> dict:
    """answer_hit over answerable-as-asked, false abstention there, abstention on the rest."""
    from sklearn.metrics import roc_auc_score

    ans_n = ans_hit = pick_hit = false_abs = un_n = un_abs = hit1 = reader_hit1 = sib_n = sib_abs = 0
    right = []
    for r, pick, p in zip(records, picks, probs):
        answered = pick is not None and p >= threshold
        ok = pick is not None and r["answerable"] and quote_hit(r, pick)
        right.append(int(ok))
        if r["answerable"]:
            ans_n += 1
            false_abs += not answered
            ans_hit += answered and ok
            pick_hit += ok
            ps = r["retrieval"].passages
            hit1 += bool(ps) and passage_holds(r, ps[0])
            reader_hit1 += pick is not None and passage_holds(r, r["reading"].candidates[pick].passage)
        elif r["mode"] == "sibling":
            sib_n += 1
            sib_abs += not answered
        else:
            un_n += 1
            un_abs += not answered
    auc = roc_auc_score(right, probs) if 0 < sum(right) < len(right) else float("nan")
    return {"answerable": ans_n, "answer_hit": round(ans_hit / max(ans_n, 1), 3),
            "pick_hit": round(pick_hit / max(ans_n, 1), 3), "hit@1": round(hit1 / max(ans_n, 1), 3),
            "reader_hit@1": round(reader_hit1 / max(ans_n, 1), 3), "false_abstain": round(false_abs / max(ans_n, 1), 3),
            "unanswerable": un_n, "abstain_on_unanswerable": round(un_abs / max(un_n, 1), 3),
            "siblings": sib_n, "abstain_on_siblings": round(sib_abs / max(sib_n, 1), 3),
            "auc_right": round(float(auc), 3)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sources", nargs="*", default=None)
    ap.add_argument("--write", action="store_true", help="write the models into src/askintl/data/reader/")
    ap.add_argument("--baseline", action="store_true", help="also measure the previous reader (answering.py)")
    ap.add_argument("--curve", action="store_true", help="held-out figures at other thresholds")
    ap.add_argument("--siblings", action="store_true",
                    help="also ask sibling_questions.py's questions (unanswerable; reported as abstain_on_siblings)")
    args = ap.parse_args()
    from askintl.reader import (ANSWER_FEATURES, CROSS_ANSWER_FEATURES, CROSS_SENTENCE_FEATURES,
                                SENTENCE_FEATURES, Reading, answer_features)

    t0 = time.perf_counter()
    sources = args.sources or [s for s in SOURCES if (OUT / s / "queries.npz").exists()]
    records = [r for s in sources for r in collect(s, args.siblings)]
    t_collect = time.perf_counter() - t0
    train = [r for r in records if r["split"] == "train"]
    held = [r for r in records if r["split"] == "heldout"]
    print(f"{len(records)} retrievals ({len(train)} train, {len(held)} held-out) from {sources} "
          f"in {t_collect:.0f}s", file=sys.stderr, flush=True)

    ranker, answerability, threshold = train_head(train, cross=False)
    ranker_x, answerability_x, threshold_x = train_head(train, cross=True)
    t_train = time.perf_counter() - t0 - t_collect
    print(f"trained in {t_train:.0f}s; threshold {threshold}, across languages {threshold_x}",
          file=sys.stderr, flush=True)

    # Held-out figures per source.
    report: dict[str, dict] = {}
    curves = []
    for source in sources:
        rs = [r for r in held if r["source"] == source]
        picks, probs, picks_x, probs_x = [], [], [], []
        for r in rs:
            reading = r["reading"]
            if not len(reading.candidates):
                picks += [None]
                probs += [0.0]
                picks_x += [None]
                probs_x += [0.0]
                continue
            scores = ranker.predict(reading.features, num_threads=2)
            view = Reading(reading.candidates, reading.features, reading.context, scores)
            picks.append(int(np.argmax(scores)))
            probs.append(float(answerability.predict(answer_features(view), num_threads=2)[0]))
            scores = ranker_x.predict(columns(reading.features, True), num_threads=2)
            view = Reading(reading.candidates, reading.features, reading.context, scores)
            picks_x.append(int(np.argmax(scores)))
            probs_x.append(float(answerability_x.predict(answer_features(view, CROSS_ANSWER_FEATURES),
                                                         num_threads=2)[0]))
        report[source] = {"lang": rs[0]["lang"] if rs else "", **figures(rs, picks, np.array(probs), threshold),
                          "cross_head": figures(rs, picks_x, np.array(probs_x), threshold_x)}
        curves.append((rs, picks, np.array(probs)))
        if args.baseline:
            report[source]["baseline"] = baseline_figures(rs)
        print(source, json.dumps(report[source]), file=sys.stderr, flush=True)

    if args.curve:
        print("threshold  answer_hit  false_abstain  abstain_unanswerable   (held-out, mean over sources)",
              file=sys.stderr)
        for t in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.5):
            rows = [figures(rs, pk, pr, t) for rs, pk, pr in curves]
            print(f"{t:9.2f}  {np.mean([r['answer_hit'] for r in rows]):10.3f}  "
                  f"{np.mean([r['false_abstain'] for r in rows]):13.3f}  "
                  f"{np.mean([r['abstain_on_unanswerable'] for r in rows]):20.3f}", file=sys.stderr)
    if args.write:
        MODEL_DIR.mkdir(parents=True, exist_ok=True)
        (MODEL_DIR / "ranker.txt").write_text(ranker.model_to_string(), encoding="utf-8")
        (MODEL_DIR / "answerability.txt").write_text(answerability.model_to_string(), encoding="utf-8")
        (MODEL_DIR / "ranker_cross.txt").write_text(ranker_x.model_to_string(), encoding="utf-8")
        (MODEL_DIR / "answerability_cross.txt").write_text(answerability_x.model_to_string(), encoding="utf-8")
        card = {"sentence_features": list(SENTENCE_FEATURES), "answer_features": list(ANSWER_FEATURES),
                "cross_sentence_features": list(CROSS_SENTENCE_FEATURES),
                "cross_answer_features": list(CROSS_ANSWER_FEATURES),
                "threshold": threshold, "threshold_cross": threshold_x, "sources": sources,
                "ranker_params": RANKER_PARAMS, "ranker_rounds": RANKER_ROUNDS, "answer_params": ANSWER_PARAMS,
                "answer_rounds": ANSWER_ROUNDS, "false_abstain_target": FALSE_ABSTAIN_TARGET,
                "train_retrievals": len(train),
                "heldout": report, "seconds": {"collect": round(t_collect), "train": round(t_train)}}
        (MODEL_DIR / "reader.json").write_text(json.dumps(card, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        (MODEL_DIR / "MODEL_CARD.md").write_text(model_card(card), encoding="utf-8")
        print(f"wrote {MODEL_DIR}", file=sys.stderr)
    return 0


def model_card(card: dict) -> str:
    """The model card, from the figures of this training run."""
    rows = []
    for source, r in card["heldout"].items():
        x, b = r["cross_head"], r.get("baseline")
        rows.append(f"| {source} | {r['lang']} | {r['answerable']} / {r['unanswerable']} | {r['answer_hit']:.3f} | "
                    f"{r['pick_hit']:.3f} | {r['false_abstain']:.3f} | {r['abstain_on_unanswerable']:.3f} | "
                    f"{r['auc_right']:.3f} | {x['answer_hit']:.3f} / {x['false_abstain']:.3f} / "
                    f"{x['abstain_on_unanswerable']:.3f} | "
                    + (f"{b['answer_hit']:.3f} / {b['false_abstain']:.3f} / {b['abstain_on_unanswerable']:.3f} |"
                       if b else "|"))
    return f"""# askintl reader: model card

Generated by `training/train_reader.py --write` ({card['seconds']['collect']} s to ask the questions,
{card['seconds']['train']} s to train, on 2 cores).

## What it is
- `ranker.txt`: LightGBM lambdarank over {len(card['sentence_features'])} scalar features of a sentence of the top
  passages (see `askintl/reader.py`). Picks the quote.
- `answerability.txt`: LightGBM binary over {len(card['answer_features'])} features of the ranked list: P(the top
  sentence answers the question). Below `threshold` ({card['threshold']}) askintl abstains.
- `ranker_cross.txt`, `answerability_cross.txt`: the same for a question in another language than
  its passages, over features that do not move when cosines are shifted or scaled (ranks and
  z-scores among the candidates, answer kinds, shape); threshold {card['threshold_cross']}.
- The threshold refuses {card['false_abstain_target']:.0%} of the answerable training questions (out of fold);
  answers below the low-confidence line (`ASKINTL_LOW_CONFIDENCE_BELOW`, 0.5) are marked as such.

## Data
`../shared/training` ({', '.join(card['sources'])}): per source, whole articles sampled and indexed
with askintl's own indexer and embedder (`training/reader_data.py`), each question asked through
the real retriever three ways: as is, with the passages holding its answer hidden, with its whole
article hidden. 80 % of the articles (by a hash of the title) train, 20 % are held out.
{card['train_retrievals']} training retrievals. Never trained on: SQuAD v1.1 dev, XQuAD, the eval cases.

## Held-out figures
answer_hit: answerable questions answered with a quote holding the answer; pick_hit: the top
sentence holds it, abstention aside; auc: how well the probability tells right quotes from the
rest. Cross head: the same questions read by the cross-language head (a proxy: the training data
has no question in another language than its passages). Previous reader: the hand-weighted
sentence score and 7-feature logistic abstention it replaced (answering.py at e1caa0b), on the same
retrievals.

| source | lang | answerable / unanswerable | answer_hit | pick_hit | false abstain | abstain on unanswerable | auc | cross head hit / false abst. / abst. | previous reader hit / false abst. / abst. |
|---|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

## Retrain
```
.venv/bin/python training/reader_data.py            # indexes + query vectors, ~45 min on 2 cores
.venv/bin/python training/train_reader.py --write --baseline
```
"""


def baseline_figures(rs: list[dict]) -> dict:
    """The reader this one replaces: hand-weighted sentence score + 7-feature logistic abstention."""
    import importlib.util
    import subprocess
    import tempfile

    src = subprocess.run(["git", "-C", str(ROOT), "show", "e1caa0b:src/askintl/answering.py"], check=True,
                         capture_output=True, text=True).stdout.replace("from .", "from askintl.")
    cfg = subprocess.run(["git", "-C", str(ROOT), "show", "e1caa0b:src/askintl/data/abstention.json"], check=True,
                         capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "old_answering.py"
        path.write_text(src, encoding="utf-8")
        spec = importlib.util.spec_from_file_location("old_answering", path)
        old = importlib.util.module_from_spec(spec)
        sys.modules["old_answering"] = old
        spec.loader.exec_module(old)
    entry = json.loads(cfg)
    m = entry["models"][entry["default"]]
    model = old.AbstentionModel(tuple(m["features"]), tuple(m["coef"]), float(m["intercept"]), float(m["threshold"]),
                                float(m.get("threshold_cross", m["threshold"])))
    from sklearn.metrics import roc_auc_score

    ans_n = ans_hit = pick_hit = false_abs = un_n = un_abs = sib_n = sib_abs = 0
    right, probs = [], []
    for r in rs:
        ev = old.select_answer(r["snap"], r["question"], r["retrieval"])
        p = model.probability(ev.features) if ev.answer is not None else 0.0
        answered = ev.answer is not None and p >= model.threshold_for(ev.features)
        ok = ev.answer is not None and r["answerable"] and ev.answer.doc_id == r["doc"] and any(
            a.strip().lower() in ev.answer.text.lower() for a in r["answers"])
        right.append(int(ok))
        probs.append(p)
        if r["answerable"]:
            ans_n += 1
            false_abs += not answered
            ans_hit += answered and ok
            pick_hit += ok
        elif r["mode"] == "sibling":
            sib_n += 1
            sib_abs += not answered
        else:
            un_n += 1
            un_abs += not answered
    auc = roc_auc_score(right, probs) if 0 < sum(right) < len(right) else float("nan")
    return {"answer_hit": round(ans_hit / max(ans_n, 1), 3), "pick_hit": round(pick_hit / max(ans_n, 1), 3),
            "false_abstain": round(false_abs / max(ans_n, 1), 3),
            "abstain_on_unanswerable": round(un_abs / max(un_n, 1), 3),
            "abstain_on_siblings": round(sib_abs / max(sib_n, 1), 3), "auc_right": round(float(auc), 3)}


if __name__ == "__main__":
    sys.exit(main())

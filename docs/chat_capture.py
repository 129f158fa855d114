"""Print a text capture of an `askintl chat` session, as a terminal shows it (for docs/chat.md).

    .venv/bin/python docs/chat_capture.py                       # default model, the index of corpus/
    .venv/bin/python docs/chat_capture.py --top-k 2 "How many Egyptian students has NVIRT recruited?" /sources

Runs the real program in a pseudo-terminal (the tests' virtual screen, tests/chat_terminal.py),
types the lines given (or a default session), then Ctrl-D, and prints everything the screen
showed, scrolled-off lines included, without the bottom toolbar's blank filler.
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from chat_terminal import Terminal, askintl_command, child_env  # noqa: E402

SESSION = [
    "北京交通大学每年邀请多少外国教师？",
    "And how many international students do they have?",
    "/reset",
    "Сколько египетских студентов набрал Нанкинский железнодорожный институт?",
    "Who won the 2018 FIFA World Cup?",
]
def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("lines", nargs="*", help="what to type (default: a short session)")
    ap.add_argument("--index", type=Path, default=ROOT / "index")
    ap.add_argument("--embedder", default="e5-small")
    ap.add_argument("--cols", type=int, default=100)
    ap.add_argument("--top-k", type=int, default=5, help="passages per answer (default 5)")
    args = ap.parse_args()
    argv = askintl_command() + ["chat", "--index", str(args.index), "--embedder", args.embedder,
                                "--history-file", "none", "--top-k", str(args.top_k)]
    with tempfile.TemporaryDirectory() as tmp, Terminal(argv, child_env(Path(tmp)), cols=args.cols, rows=50) as term:
        term.wait_for("● ready", timeout=120)
        for line in args.lines or SESSION:
            prompts = term.text().count("\n❯")  # this one included
            term.line(line)
            term.wait_for(lambda text: text.count("\n❯") > prompts, timeout=120)  # the next prompt
            term.settle(0.3)
        term.send("\x04")
        term.wait_exit()
        text = term.text()
    print(re.sub(r"\n{3,}", "\n\n", text).strip("\n"))
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""A terminal for tests: the real program in a pseudo-terminal, its output kept on a virtual screen.

    with Terminal([askintl, "chat", ...]) as term:
        term.wait_for("❯")               # waits until the screen shows it
        term.line("How many ...?")        # types a line and Enter
        term.wait_for(lambda t: ...)
        term.text()                       # everything shown, scrolled-off lines included

pexpect runs the program; pyte (a VT100 emulator) interprets what it writes, so assertions are
about what a person would see, not about escape codes. Like a real terminal, it answers the
cursor-position requests that prompt_toolkit sends.
"""
from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pexpect
import pyte
from helpers import squash

ROOT = Path(__file__).resolve().parent.parent
CPR_REQUEST = b"\x1b[6n"


def askintl_command() -> list[str]:
    """The installed ``askintl`` script of the interpreter running the tests."""
    script = Path(sys.executable).parent / "askintl"
    return [str(script)] if script.exists() else [sys.executable, "-m", "askintl.cli"]


def child_env(tmp_path: Path, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKINTL_")}
    env.pop("NO_COLOR", None)
    env.update(TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8", OMP_WAIT_POLICY="passive",
               XDG_STATE_HOME=str(tmp_path / "state"), PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


class Terminal:
    def __init__(self, argv: list[str], env: dict, cols: int = 100, rows: int = 40, cwd: Path | None = None):
        self.screen = pyte.HistoryScreen(cols, rows, history=5000)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.started = time.monotonic()
        self.child = pexpect.spawn(argv[0], argv[1:], env=env, cwd=str(cwd or ROOT), dimensions=(rows, cols))
        self.eof = False

    def __enter__(self) -> "Terminal":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        if self.child.isalive():
            self.child.terminate(force=True)

    # ---- output
    def _pump(self, timeout: float) -> None:
        if self.eof:
            time.sleep(min(timeout, 0.05))
            return
        try:
            data = self.child.read_nonblocking(65536, timeout=timeout)
        except pexpect.TIMEOUT:
            return
        except pexpect.EOF:
            self.eof = True
            return
        self.raw += data
        self.stream.feed(data)
        for _ in range(data.count(CPR_REQUEST)):
            self.child.send(f"\x1b[{self.screen.cursor.y + 1};{self.screen.cursor.x + 1}R")

    def lines(self) -> list[str]:
        """Every line shown so far: those scrolled off the top, then the screen."""
        top = ["".join(line[x].data for x in range(self.screen.columns)) for line in self.screen.history.top]
        return [line.rstrip() for line in top + self.screen.display]

    def text(self) -> str:
        return "\n".join(self.lines())

    def flat(self) -> str:
        """``text()`` with all whitespace, line ends included, as single spaces (undoes wrapping)."""
        return squash(self.text())

    def display(self) -> str:
        return "\n".join(line.rstrip() for line in self.screen.display)

    def wait_for(self, what, timeout: float = 30.0) -> str:
        """Wait until the screen (and its scrollback) contains ``what`` (a string, a regex or a predicate)."""
        if isinstance(what, str):
            test = lambda text: what in text  # noqa: E731
        elif isinstance(what, re.Pattern):
            test = lambda text: what.search(text) is not None  # noqa: E731
        else:
            test = what
        deadline = time.monotonic() + timeout
        while True:
            text = self.text()
            if test(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what!r}; the terminal shows:\n{text}")
            if self.eof and not self.child.isalive():
                self._pump(0.05)
                if test(self.text()):
                    return self.text()
                raise AssertionError(f"the program ended while waiting for {what!r}; it showed:\n{self.text()}")
            self._pump(0.05)

    def settle(self, quiet: float = 0.3, timeout: float = 10.0) -> None:
        """Wait until nothing has been written for ``quiet`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            before = len(self.raw)
            self._pump(quiet)
            if len(self.raw) == before:
                return

    def count(self, needle: str) -> int:
        return self.text().count(needle)

    # ---- input
    def send(self, data: str) -> None:
        self.child.send(data)

    def line(self, text: str) -> None:
        self.child.send(text)
        self.child.send("\r")

    def wait_exit(self, timeout: float = 15.0) -> int:
        deadline = time.monotonic() + timeout
        while self.child.isalive():
            if time.monotonic() > deadline:
                raise AssertionError(f"the program did not end; it shows:\n{self.text()}")
            self._pump(0.05)
        self._pump(0.05)
        self.child.close()
        return self.child.exitstatus if self.child.exitstatus is not None else 128 + (self.child.signalstatus or 0)

    # ---- cell attributes (colours, reverse video) of what is on the screen now
    def cells(self, needle: str) -> list:
        """The pyte cells (``.data``, ``.fg``, ``.bold``, ``.reverse``...) of the last on-screen ``needle``."""
        for y in reversed(range(self.screen.lines)):
            row = self.screen.buffer[y]
            chars = [row[x] for x in range(self.screen.columns) if row[x].data]  # wide chars: one cell
            i = "".join(c.data for c in chars).find(needle)
            if i >= 0:
                return chars[i:i + len(needle)]
        raise AssertionError(f"{needle!r} is not on the screen:\n{self.display()}")

"""The terminal front ends: ``askintl chat`` and how answers look in a terminal.

    terminal                                        pipe (``askintl chat < questions.txt``)
    ────────                                        ────
    prompt at once, model loads in a thread         model loads first, then one line at a time
    rich answer view, /commands, line history       one plain block per question (or JSON lines)

``backends`` (where answers come from: the local index, or an askintl server with ``--url``),
``views`` (rich and plain renderings of an answer), ``session`` (the command model both front
ends share), ``plain`` and ``terminal`` (the two front ends). Nothing here imports numpy or
pydantic before the model is asked for: the prompt comes first.
"""
from __future__ import annotations

import io
import os
import sys

from .backends import Backend, index_label


def run_chat(settings=None, url: str | None = None, top_k: int | None = None, json_lines: bool = False,
             history_file: str | None = None, stdin=None, stdout=None, exit_code=None) -> int:
    """``askintl chat``: a terminal chat when both ends are terminals, plain blocks otherwise.

    ``exit_code(error)``: the exit code when an ``AskintlError`` ends the terminal chat (the
    CLI passes its table; the plain chat lets errors reach the CLI).

    ``settings`` is a ``Settings``, or a function that makes one: it is then called with the
    model loading, in the background (importing pydantic alone takes a noticeable moment).
    """
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    if url:
        from .backends import RemoteBackend

        remote = RemoteBackend(url)  # checks the URL at once

        def factory() -> Backend:
            remote.connect()
            return remote

        answers_from, loading, fallback = f"server {remote.base}", f"connecting to {remote.base}", remote
    else:
        def factory() -> Backend:
            from ..config import Settings
            from .backends import LocalBackend

            return LocalBackend((settings() if callable(settings) else settings) or Settings())

        answers_from, loading, fallback = "local index", "loading the model and the index", None
        if settings is not None and not callable(settings):
            answers_from = index_label(settings.index_dir)
    interactive = _isatty(stdin) and _isatty(stdout) and not json_lines
    if interactive:
        from .terminal import TerminalChat

        return TerminalChat(factory, answers_from, top_k=top_k, history_file=history_file, loading=loading,
                            fallback=fallback, exit_code=exit_code).run()
    from .plain import PlainChat

    stdin, stdout = _utf8(stdin), _utf8(stdout)
    try:
        return PlainChat(factory(), stdout, top_k=top_k, json_lines=json_lines).run(stdin)
    except BrokenPipeError:  # the reader left (`askintl chat < questions.txt | head`): stop quietly
        try:
            os.dup2(os.open(os.devnull, os.O_WRONLY), stdout.fileno())  # no error when Python flushes
        except (OSError, ValueError, io.UnsupportedOperation):
            pass
        return 0


def _isatty(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _utf8(stream):
    """Pipes carry UTF-8 whatever the locale says (and undecodable bytes do not stop a script)."""
    if isinstance(stream, io.TextIOWrapper) and (stream.encoding or "").lower().replace("-", "") != "utf8":
        stream.reconfigure(encoding="utf-8", errors="replace")
    return stream

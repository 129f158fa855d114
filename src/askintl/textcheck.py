"""Untrusted text: one check for every way in, and one way to show it on a terminal.

``check_text`` is what the engine, the HTTP schemas (questions, history, chat messages,
feedback, admin uploads) and any other entry point use: text with a lone surrogate (it cannot
be encoded, so the model and the JSON encoder fail on it) or a control character other than
tab, newline and carriage return is refused with a message saying which character and where.

``escape_untrusted`` renders text from readers (questions, comments) for a terminal: control
characters, lone surrogates and bidirectional overrides are shown as ``\\x1b``, ``\\n``,
``\\u202e``, so they can neither drive the terminal nor forge a line of output.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .errors import InvalidRequestError

#: the whitespace controls that ordinary text contains
TEXT_WHITESPACE = "\t\n\r"


@lru_cache(maxsize=8)
def _refused(allow: str) -> re.Pattern:
    controls = "".join(f"\\x{c:02x}" for c in range(0x20) if chr(c) not in allow)
    return re.compile(f"[{controls}\\x7f-\\x9f\\ud800-\\udfff]")


def text_problem(text: str, allow: str = TEXT_WHITESPACE) -> str | None:
    """What is wrong with ``text`` (None if nothing): the first refused character and its place."""
    m = _refused(allow).search(text)
    if m is None:
        return None
    code = ord(m.group())
    kind = "a lone surrogate" if 0xD800 <= code <= 0xDFFF else (
        "a NUL character" if code == 0 else "a control character")
    return f"contains {kind} (U+{code:04X}) at character {m.start()}: send plain text (valid UTF-8, " \
           f"no control characters other than tab and newline)"


def check_text(text: str, what: str = "the text", allow: str = TEXT_WHITESPACE) -> str:
    """``text`` itself, or InvalidRequestError (HTTP 422, or 400 on the OpenAI paths)."""
    problem = text_problem(text, allow)
    if problem:
        raise InvalidRequestError(f"{what} {problem}")
    return text


def pydantic_check(text: str) -> str:
    """The same check as a pydantic validator (a ValueError names the field in the 4xx)."""
    problem = text_problem(text)
    if problem:
        raise ValueError(problem)
    return text


_SHOWN = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# C0 and C1 controls, DEL, lone surrogates, bidirectional embeddings/overrides/isolates and
# the line/paragraph separators: everything that can move the cursor or reorder a line.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def _escape(m: re.Match) -> str:
    ch = m.group()
    code = ord(ch)
    return _SHOWN.get(ch) or (f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def escape_untrusted(text: str) -> str:
    """``text`` with every character that could drive a terminal shown as an escape."""
    return _UNSAFE.sub(_escape, text)

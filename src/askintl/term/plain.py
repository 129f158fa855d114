"""``askintl chat`` with piped input: one plain block (or one line of JSON) per question."""
from __future__ import annotations

import json

from ..errors import AskintlError
from .backends import Backend
from .session import COMMANDS, HELP_FOOTER, Conversation, Front, parse_command


class PlainChat(Front):
    """One block per question on ``out``; no colours, no control codes.

    A block is ``views.plain_block`` followed by an empty line; an error replaces the ``A:``
    line with ``Error: <message>``. With ``json_lines``, every question gives one line of JSON
    instead (the response of POST /v1/ask, or ``{"question", "error", "detail"}``).
    """

    def __init__(self, backend: Backend, out, top_k: int | None = None, json_lines: bool = False):
        self._backend = backend
        self.out = out
        self.json_lines = json_lines
        self.conversation = Conversation(top_k)
        self.failures = 0  # questions of the current run() that could not be answered

    def backend(self) -> Backend:
        return self._backend

    def run(self, lines) -> int:
        """Answer every line; 0 when all went well, 1 when some could not be answered."""
        self.failures = 0
        for raw in lines:
            line = raw.strip()
            if line and not self.run_line(line):
                break
            self.out.flush()
        return 1 if self.failures else 0

    def _write(self, text: str) -> None:
        self.out.write(text)

    def show_error(self, line: str, exc: AskintlError) -> None:
        self.failures += 1
        if self.json_lines:
            self._write(json.dumps({"question": line, "error": type(exc).__name__, "detail": str(exc)},
                                   ensure_ascii=False) + "\n")
        else:
            from .views import printable

            question = "" if parse_command(line) else f"Q: {printable(' '.join(line.split()))}\n"
            self._write(f"{question}Error: {printable(str(exc))}\n\n")

    def question(self, text: str) -> None:
        from .views import plain_block

        reply = self.conversation.ask(self._backend, text)
        if self.json_lines:
            self._write(json.dumps(reply.raw, ensure_ascii=False) + "\n")
        else:
            self._write(plain_block(reply.result) + "\n")

    def show_help(self) -> None:
        width = max(len(c) for c, _ in COMMANDS)
        self._write("".join(f"{c.ljust(width)}  {d}\n" for c, d in COMMANDS) + HELP_FOOTER + "\n\n")

    def show_sources(self, result) -> None:
        from .views import plain_sources

        self._write(plain_sources(result) + "\n")

    def show_document(self, doc, passage, number, result) -> None:
        from .views import plain_document

        self._write(plain_document(doc, passage, number, result) + "\n")

    def show_json(self, raw: dict) -> None:
        self._write(json.dumps(raw, ensure_ascii=False) + "\n")

    def notice(self, text: str) -> None:
        pass  # /reset is silent in a pipe: blocks are answers

"""The command model of ``askintl chat``, shared by its two front ends.

Both front ends (``plain.PlainChat`` for pipes, ``terminal.TerminalChat`` for a terminal) share
one ``Conversation``: after every question it appends the user turn and the assistant turn (the
quote, or "" when the sources do not answer) and sends them as the next question's ``history``,
exactly as a client of ``POST /v1/ask`` does. ``Front.handle`` tells commands from questions and
runs them; the front ends only decide how things are shown.
"""
from __future__ import annotations

from ..errors import AskintlError, InvalidRequestError
from .backends import MAX_HISTORY_TURNS, Backend, Reply

COMMANDS: list[tuple[str, str]] = [
    ("/help", "this list"),
    ("/sources", "the passages of the last answer, in full, the quote highlighted"),
    ("/open N", "the document of citation N, the quote highlighted"),
    ("/reset", "forget the conversation: the next question starts afresh"),
    ("/json", "the last raw response, as POST /v1/ask returns it"),
    ("/quit", "leave (Ctrl-D and Ctrl-C leave too)"),
]
_QUIT = {"quit", "exit", "q"}
HELP_FOOTER = ("Anything else is a question, in any language. Follow-ups such as “and how many teachers "
               "do they invite?” are read with the earlier turns of the conversation.")


class Conversation:
    """The turns of one chat and its last reply."""

    def __init__(self, top_k: int | None = None):
        self.top_k = top_k
        self.history: list[dict] = []
        self.last: Reply | None = None

    def ask(self, backend: Backend, question: str) -> Reply:
        reply = backend.ask(question, history=list(self.history), top_k=self.top_k)
        result = reply.result
        quote = result.answer.text if result.answer and not result.abstained else ""
        self.history += [{"role": "user", "content": question}, {"role": "assistant", "content": quote}]
        del self.history[:-MAX_HISTORY_TURNS]
        self.last = reply
        return reply

    def reset(self) -> None:
        self.history.clear()
        self.last = None


def parse_command(line: str) -> tuple[str, str] | None:
    """``("open", "2")`` for "/open 2"; None when the line is a question."""
    line = line.strip()
    if not line.startswith("/") or line.startswith("//"):
        return None
    name, _, arg = line[1:].partition(" ")
    return name.lower(), arg.strip()

class Front:
    """What both front ends do with a line; they differ in how they show things."""

    conversation: Conversation

    def backend(self) -> Backend:
        raise NotImplementedError

    def run_line(self, line: str) -> bool:
        """``handle`` one line, showing an askintl error with ``show_error`` instead of raising it;
        False when the chat should end."""
        try:
            return self.handle(line)
        except AskintlError as exc:
            self.show_error(line, exc)
            return True

    def handle(self, line: str) -> bool:
        """Answer a question or run a command; False when the chat should end."""
        command = parse_command(line)
        if command is None:
            self.question(line)
            return True
        name, arg = command
        if name in _QUIT:
            return False
        if name in ("help", "h", "?"):
            self.show_help()
        elif name == "sources":
            self.show_sources(self._last().result)
        elif name == "open":
            self._open(arg)
        elif name == "reset":
            self.reset()
        elif name == "json":
            self.show_json(self._last().raw)
        else:
            raise InvalidRequestError(f"unknown command /{name}: /help lists the commands")
        return True

    def _last(self) -> Reply:
        if self.conversation.last is None:
            raise InvalidRequestError("no answer yet: ask a question first")
        return self.conversation.last

    def _open(self, arg: str) -> None:
        result = self._last().result
        n = len(result.passages)
        if not n:
            raise InvalidRequestError("the last answer cites no passages")
        if not arg.isdigit() or not 1 <= int(arg) <= n:
            raise InvalidRequestError(f"/open takes a citation number from 1 to {n}, e.g. /open 1")
        passage = result.passages[int(arg) - 1]
        self.show_document(self.backend().document(passage.doc_id), passage, int(arg), result)

    def reset(self) -> None:
        self.conversation.reset()
        self.notice("Conversation cleared: the next question starts afresh.")

    # what the front ends show
    def question(self, text: str) -> None: ...
    def show_help(self) -> None: ...
    def show_sources(self, result) -> None: ...
    def show_document(self, doc, passage, number: int, result) -> None: ...
    def show_json(self, raw: dict) -> None: ...
    def notice(self, text: str) -> None: ...
    def show_error(self, line: str, exc: AskintlError) -> None: ...

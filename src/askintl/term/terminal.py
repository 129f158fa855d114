"""``askintl chat`` in a terminal: rich views, prompt_toolkit line editing, the model loading
in a background thread while the user types."""
from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Callable

from ..errors import AskintlError
from .backends import Backend
from .session import COMMANDS, HELP_FOOTER, Conversation, Front


def _interruptible() -> None:
    """Ctrl-C stops a search even when the chat was started with SIGINT ignored (``nohup``,
    ``cmd &`` in a script, a CI runner): the ignored disposition is inherited, and Python
    then never raises KeyboardInterrupt. Only in an interactive session, from the main thread."""
    import signal

    if (sys.stdin.isatty() and threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.SIG_IGN):
        signal.signal(signal.SIGINT, signal.default_int_handler)


class _Fatal(Exception):
    """The chat cannot go on (the local index or model failed to load)."""

    def __init__(self, error: AskintlError):
        super().__init__(str(error))
        self.error = error


class Loader:
    """Opens the backend in a background thread, so that the prompt appears at once."""

    def __init__(self, factory: Callable[[], Backend], on_done: Callable[[], None] | None = None):
        self.started: float | None = None
        self.seconds: float | None = None
        self.backend: Backend | None = None
        self.error: BaseException | None = None
        self._factory = factory
        self._on_done = on_done
        self._done = threading.Event()
        self._lock = threading.Lock()

    def start(self, *_ignored) -> None:
        """Start loading (once; later calls do nothing)."""
        with self._lock:
            if self.started is None:
                self.started = time.perf_counter()
                threading.Thread(target=self._run, name="askintl-chat-load", daemon=True).start()

    def _run(self) -> None:
        try:
            self.backend = self._factory()
        except BaseException as exc:  # noqa: BLE001 - reported to the user by the chat
            self.error = exc
        finally:
            self.seconds = time.perf_counter() - self.started
            self._done.set()
            if self._on_done:
                self._on_done()

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        self.start()
        return self._done.wait(timeout)


def _history_path(explicit: str | None) -> Path | None:
    if explicit is not None:
        return None if explicit.lower() in ("", "none", "-") else Path(explicit).expanduser()
    state = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
    return Path(state) / "askintl" / "chat-history"


class TerminalChat(Front):
    """The interactive chat. The backend loads in a ``Loader`` while the user types."""

    def __init__(self, factory: Callable[[], Backend], answers_from: str, top_k: int | None = None,
                 history_file: str | None = None, loading: str = "loading the model and the index",
                 fallback: Backend | None = None, console=None,
                 exit_code: Callable[[AskintlError], int] | None = None):
        """``fallback``: a backend to keep asking when loading fails (a server that may come back);
        without one, a loading failure ends the chat, with ``exit_code(error)`` (the CLI's table; 1
        without one)."""
        from rich.console import Console

        self.console = console or Console(highlight=False)
        self.answers_from = answers_from  # "local index index/" or "server http://…"
        self.loading = loading
        self.conversation = Conversation(top_k)
        self.fallback = fallback
        self._exit_code = exit_code or (lambda error: 1)
        self.fatal_load_errors = fallback is None
        self._factory = factory
        self._history_file = _history_path(history_file)
        self._glyph = "❯" if _can_encode(self.console, "❯·…") else ">"
        self.session = self._make_session()
        self.loader: Loader | None = None
        self._places: dict[int, str] = {}  # passage index → "¶3", for the last answer's citations

    # -- line editing
    def _make_session(self):
        try:
            from prompt_toolkit import PromptSession
            from prompt_toolkit.auto_suggest import AutoSuggestFromHistory
            from prompt_toolkit.history import FileHistory, InMemoryHistory
            from prompt_toolkit.styles import Style
        except ImportError:  # plain input() with readline: no toolbar, no completion
            return None
        history = InMemoryHistory()
        if self._history_file:
            try:
                self._history_file.parent.mkdir(parents=True, exist_ok=True)
                self._history_file.touch(exist_ok=True)
                history = FileHistory(str(self._history_file))
            except OSError:
                pass
        style = Style.from_dict({"prompt": "bold ansicyan", "bottom-toolbar": "noreverse ansigray",
                                 "bottom-toolbar.ok": "ansigreen", "bottom-toolbar.wait": "ansiyellow",
                                 "bottom-toolbar.bad": "ansired bold"})
        return PromptSession(history=history, auto_suggest=AutoSuggestFromHistory(), completer=_command_completer(),
                             complete_while_typing=True, style=style, bottom_toolbar=self._toolbar,
                             enable_suspend=True)

    def _read(self) -> str:
        if self.session is None:
            import readline  # noqa: F401 - line editing and history for input()

            return input(f"{self._glyph} ")
        return self.session.prompt([("class:prompt", f"{self._glyph} ")])

    def _toolbar(self):
        loader = self.loader
        if loader is None or not loader.done:  # redrawn by the loader when it is done
            return [("class:bottom-toolbar.wait", f" … {self.loading}"), ("", " · you can type already")]
        if loader.error is not None and (self.fallback is None or self.conversation.last is None):
            return [("class:bottom-toolbar.bad", f" ✗ {loader.error}")]
        info = (loader.backend or self.fallback).info
        parts = [f" in {loader.seconds:.1f} s", info.where]
        if info.documents is not None:
            parts.append(f"{info.documents} documents")
        return [("class:bottom-toolbar.ok", " ● ready"), ("", " · ".join(parts) + " · /help · Ctrl-D quits")]

    def _loaded(self) -> None:
        """Called by the loader thread: redraw the toolbar, or stop the prompt on a fatal error."""
        if self.session is None:
            return
        app = self.session.app
        if self.loader is not None and self.loader.error is not None and self.fatal_load_errors:
            def stop():
                if app.is_running and not app.future.done():
                    app.exit(exception=_Fatal(_as_askintl(self.loader.error)))

            loop = getattr(app, "loop", None)
            if loop is not None:
                try:
                    loop.call_soon_threadsafe(stop)
                except RuntimeError:  # the prompt's loop is closed: the main loop sees the error
                    pass
        else:
            app.invalidate()

    # -- the loop
    def run(self) -> int:
        c = self.console
        _interruptible()
        c.print("[bold]askintl chat[/] [dim]· exact, cited answers from the international offices' own texts[/]")
        c.print(f"[dim]Answers from the {_escape(self.answers_from)} · /help lists the commands · Ctrl-D quits[/]\n")
        self.loader = Loader(self._factory, on_done=self._loaded)
        if self.session is not None:
            # load once the prompt is drawn: the loading thread's imports would slow the drawing down
            self.session.app.after_render += self.loader.start
        else:
            self.loader.start()
        try:
            while True:
                self._check_loader()
                try:
                    line = self._read().strip()
                except EOFError:
                    break
                if line and not self.run_line(line):
                    break
        except KeyboardInterrupt:
            pass
        except _Fatal as fatal:
            self.console.print(f"[red]askintl: error:[/] {_escape(str(fatal))}")
            return self._exit_code(fatal.error)
        c.print("[dim]Bye.[/]")
        return 0

    def _check_loader(self) -> None:
        if self.loader.done and self.loader.error is not None and self.fatal_load_errors:
            raise _Fatal(_as_askintl(self.loader.error))

    def backend(self) -> Backend:
        loader = self.loader
        if not loader.done:
            self._spin(loader.wait, lambda s: f"{self.loading.capitalize()}… {s:.1f} s")
        if loader.error is not None:
            if self.fallback is not None:
                return self.fallback
            raise _Fatal(_as_askintl(loader.error))
        return loader.backend

    def _spin(self, wait: Callable[[float], bool], label: Callable[[float], str]) -> None:
        """Wait for ``wait(timeout)`` to say done, with a spinner if it takes more than a moment."""
        started = time.perf_counter()
        if wait(0.15):
            return
        with self.console.status(label(time.perf_counter() - started), spinner="dots") as status:
            while not wait(0.1):
                status.update(label(time.perf_counter() - started))

    def _in_thread(self, work: Callable[[], object], label: Callable[[float], str]):
        box: dict = {}
        done = threading.Event()

        def target():
            try:
                box["value"] = work()
            except BaseException as exc:  # noqa: BLE001 - re-raised in the main thread
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=target, name="askintl-chat-ask", daemon=True).start()
        self._spin(done.wait, label)
        if "error" in box:
            raise box["error"]
        return box["value"]

    # -- views
    def reset(self) -> None:
        super().reset()
        self._places = {}

    def question(self, text: str) -> None:
        from .views import answer_view

        backend = self.backend()

        def work():
            reply = self.conversation.ask(backend, text)
            return reply, self._find_places(backend, reply.result)

        reply, self._places = self._in_thread(work, lambda s: f"Searching… {s:.1f} s")
        self.console.print(answer_view(reply.result, reply.seconds, self._places))

    @staticmethod
    def _find_places(backend: Backend, result) -> dict[int, str]:
        """Each passage's paragraphs in its document ("¶3"), for the citations."""
        from .views import paragraphs

        places: dict[int, str] = {}
        for i, p in enumerate(result.passages):
            try:
                doc = backend.document(p.doc_id)
            except AskintlError:
                continue
            if doc.text[p.start:p.end] == p.text:
                places[i] = paragraphs(doc.text, p.start, p.end)
        return places

    def show_help(self) -> None:
        from rich.padding import Padding
        from rich.table import Table
        from rich.text import Text

        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold cyan", no_wrap=True)
        table.add_column()
        for command, description in COMMANDS:
            table.add_row(command, description)
        self.console.print(Padding(table, (1, 0, 0, 2)))
        self.console.print(Padding(Text(HELP_FOOTER, style="dim"), (1, 0, 1, 2)))

    def show_sources(self, result) -> None:
        from .views import sources_view

        self.console.print(sources_view(result, self._places))

    def show_document(self, doc, passage, number, result) -> None:
        from .views import document_view

        self.console.print(document_view(doc, passage, number, result))

    def show_json(self, raw: dict) -> None:
        self.console.print_json(data=raw, ensure_ascii=False, indent=1)

    def notice(self, text: str) -> None:
        self.console.print(f"  [dim]{_escape(text)}[/]")

    def show_error(self, line: str, exc: AskintlError) -> None:
        self.console.print(f"  [red]✗[/] {_escape(str(exc))}")


def _command_completer():
    """Completes /commands, only when the line starts with a slash."""
    from prompt_toolkit.completion import Completer, Completion

    class CommandCompleter(Completer):
        def get_completions(self, document, complete_event):
            text = document.text_before_cursor
            if not text.startswith("/") or " " in text:
                return
            for command, description in COMMANDS:
                name = command.split()[0]
                if name.startswith(text.lower()):
                    yield Completion(name, start_position=-len(text), display_meta=description)

    return CommandCompleter()


def _as_askintl(exc: BaseException) -> AskintlError:
    return exc if isinstance(exc, AskintlError) else AskintlError(f"{type(exc).__name__}: {exc}")


def _escape(text: str) -> str:
    """Text from outside (an error, a path) for rich markup: no markup, no control characters."""
    from rich.markup import escape

    from .views import printable

    return escape(printable(text))


def _can_encode(console, text: str) -> bool:
    try:
        text.encode(console.encoding or "utf-8")
        return True
    except (UnicodeEncodeError, LookupError):
        return False

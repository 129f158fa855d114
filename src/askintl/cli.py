"""`askintl`: thin commands over the library. Heavy modules are imported inside handlers."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from . import __version__


def _settings(args):
    from .config import Settings

    overrides = {}
    for key in ("corpus_dir", "index_dir", "embedder", "host", "port", "top_k"):
        value = getattr(args, key, None)
        if value is not None:
            overrides[key] = value
    return Settings(**overrides)


def _progress_factory(console):
    """A rich progress bar for the embedding step, as a context manager factory."""
    from contextlib import contextmanager

    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    @contextmanager
    def factory(total: int):
        with Progress(TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                      console=console, transient=False) as progress:
            task = progress.add_task("embed", total=total)
            yield lambda n: progress.advance(task, n)

    return factory


def _print_index_report(report, console) -> None:
    for path, reason in report.skipped:
        console.print(f"[yellow]skipped[/] {path}: {reason}")
    if report.rebuilt:
        console.print(f"full rebuild: {report.rebuilt}")
    console.print(
        f"index {report.version}: {report.documents} documents, {report.passages} passages "
        f"({len(report.added)} added, {len(report.changed)} changed, {len(report.removed)} removed, "
        f"{len(report.unchanged)} unchanged); embedded {report.embedded_texts} texts, reused "
        f"{report.reused_texts}, in {report.seconds:.1f}s"
    )


def cmd_index(args) -> int:
    from rich.console import Console

    from .indexer import build_index

    settings = _settings(args)
    console = Console(stderr=True)
    report = build_index(settings, rebuild=args.rebuild, progress_factory=_progress_factory(console))
    _print_index_report(report, console)
    return 0


def cmd_ask(args) -> int:
    from .engine import Engine
    from .render import print_result

    settings = _settings(args)
    engine = Engine.open(settings)
    result = engine.ask(args.question, top_k=args.top_k)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=1))
    else:
        print_result(result)
    return 0


def cmd_eval(args) -> int:
    from .engine import Engine
    from .evaluation import evaluate_files

    settings = _settings(args)
    engine = Engine.open(settings)
    summary, misses = evaluate_files(engine, args.files, top_k=args.top_k or 5)
    if args.misses:
        for line in misses:
            print(line, file=sys.stderr)
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        from .render import print_eval

        print_eval(summary)
    return 0


def ensure_index(settings) -> None:
    """Build the index when the folder has none, or one made for another embedder (`serve`)."""
    from rich.console import Console

    from .embedders import embedder_id_for
    from .errors import IndexMismatchError, IndexMissingError
    from .indexer import build_index
    from .store import IndexStore

    console = Console(stderr=True)
    try:
        IndexStore(settings.index_dir).open(embedder_id_for(settings.embedder)).close()
        return
    except IndexMissingError:
        console.print(f"no index in {settings.index_dir}: building it from {settings.corpus_dir}")
    except IndexMismatchError as exc:
        console.print(f"{exc}\nrebuilding it from {settings.corpus_dir}")
    _print_index_report(build_index(settings, progress_factory=_progress_factory(console)), console)


def cmd_serve(args) -> int:
    import uvicorn

    from .api import create_app
    from .api.server import uvicorn_options

    settings = _settings(args)
    ensure_index(settings)
    app = create_app(settings)
    # Timeouts, connection and header limits, no proxy headers (askintl reads them itself).
    uvicorn.run(app, log_level=args.log_level, **uvicorn_options(settings))
    return 0


def cmd_report(args) -> int:
    from .feedback import FeedbackStore, default_db_path
    from .render import report_text, safe_json

    store = FeedbackStore(args.db or default_db_path(_settings(args)), create=False)
    report = store.report(limit=args.limit, since_days=args.days)
    # Questions and comments are readers' text: shown with control characters escaped.
    print(safe_json(report.to_dict()) if args.json else report_text(report))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="askintl", description="Cited answers from universities' international-office texts.")
    p.add_argument("--version", action="version", version=f"askintl {__version__}")
    p.add_argument("-v", "--verbose", action="store_true", help="log progress and decisions")
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp, corpus=False):
        sp.add_argument("--index", dest="index_dir", type=Path, help="index folder (default: index/, ASKINTL_INDEX_DIR)")
        sp.add_argument("--embedder", help="e5-small (default), minilm, st:<model>, hash (ASKINTL_EMBEDDER)")
        if corpus:
            sp.add_argument("--corpus", dest="corpus_dir", type=Path, help="corpus folder (default: corpus/)")

    sp = sub.add_parser("index", help="build or update the index (incremental)")
    common(sp, corpus=True)
    sp.add_argument("--rebuild", action="store_true", help="re-embed everything")
    sp.set_defaults(func=cmd_index)

    sp = sub.add_parser("ask", help="answer one question")
    common(sp)
    sp.add_argument("question")
    sp.add_argument("--top-k", type=int, default=None)
    sp.add_argument("--json", action="store_true", help="print the full result as JSON")
    sp.set_defaults(func=cmd_ask)

    sp = sub.add_parser("eval", help="score eval cases (JSONL) in-process")
    common(sp)
    sp.add_argument("files", nargs="+", type=Path)
    sp.add_argument("--top-k", type=int, default=None)
    sp.add_argument("--json", action="store_true")
    sp.add_argument("--misses", action="store_true", help="list every miss on stderr")
    sp.set_defaults(func=cmd_eval)

    sp = sub.add_parser("serve", help="run the HTTP API and the widget demo (builds the index if missing)")
    common(sp, corpus=True)
    sp.add_argument("--host")
    sp.add_argument("--port", type=int)
    sp.add_argument("--log-level", default="info")
    sp.set_defaults(func=cmd_serve)

    sp = sub.add_parser("report", help="questions the sources could not answer and disliked answers, most frequent first")
    sp.add_argument("--index", dest="index_dir", type=Path, help="index folder (locates the default --db)")
    sp.add_argument("--db", type=Path, help="the server's SQLite file (default: data/askintl.sqlite beside the "
                    "index folder, ASKINTL_FEEDBACK_DB)")
    sp.add_argument("--limit", type=int, default=20, help="rows per list (default 20)")
    sp.add_argument("--days", type=float, default=None, help="only questions of the last N days")
    sp.add_argument("--json", action="store_true")
    sp.set_defaults(func=cmd_report)

    sp = sub.add_parser("chat", help="a terminal chat (plain answer blocks when the input is piped)")
    common(sp)
    sp.add_argument("--url", help="ask an askintl server (askintl serve) instead of the local index")
    sp.add_argument("--top-k", type=int, default=None, help="passages per answer (default 5)")
    sp.add_argument("--json", action="store_true", help="piped input: one JSON response per question")
    sp.add_argument("--history-file", help="where typed lines are kept (default: "
                    "$XDG_STATE_HOME/askintl/chat-history; 'none' keeps them in memory only)")
    sp.set_defaults(func=cmd_chat)
    return p


def cmd_chat(args) -> int:
    from .chat import run_chat

    # settings are made with the model loading, in the background: the prompt comes first
    return run_chat(lambda: _settings(args), url=args.url, top_k=args.top_k, json_lines=args.json,
                    history_file=args.history_file)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    from .errors import AskintlError

    try:
        return args.func(args)
    except AskintlError as exc:
        print(f"askintl: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""`askintl`: thin commands over the library. Heavy modules are imported inside handlers."""
from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from . import __version__
from .errors import (AskintlError, ConfigError, ConflictError, CrawlError, IndexUnavailableError,
                     InvalidRequestError, NotFoundError, RemoteError, StorageError)

#: process exit code per error class; a subclass exits with its nearest listed ancestor's, else 1.
EXIT_CODES: dict[type[AskintlError], int] = {
    ConfigError: 2,
    InvalidRequestError: 2,
    ConflictError: 2,
    CrawlError: 2,
    IndexUnavailableError: 3,
    NotFoundError: 4,
    StorageError: 5,
    RemoteError: 5,
}


def exit_code(exc: AskintlError) -> int:
    for cls in type(exc).__mro__:
        if cls in EXIT_CODES:
            return EXIT_CODES[cls]
    return 1


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
    if args.ray is not None:  # the same index, built on a Ray cluster (askintl[ray])
        from .distributed import build_index_ray

        report = build_index_ray(settings, address=args.ray or None, rebuild=args.rebuild,
                                 workers=args.ray_workers, progress=console.is_terminal)
    else:
        report = build_index(settings, rebuild=args.rebuild, progress_factory=_progress_factory(console))
    _print_index_report(report, console)
    return 0


def cmd_ask(args) -> int:
    from .engine import Engine
    from .term.views import print_result

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
    summary, misses = evaluate_files(engine, args.files, top_k=args.top_k or settings.top_k)
    if args.misses:
        for line in misses:
            print(line, file=sys.stderr)
    if args.json:
        print(json.dumps(summary, indent=1))
    else:
        from .term.views import print_eval

        print_eval(summary)
    return 0


def ensure_index(settings) -> None:
    """Build the index when the folder has none, or one made for another embedder (`serve`)."""
    from rich.console import Console

    from .embedders import embedder_id_for
    from .errors import IndexMismatchError, IndexMissingError
    from .indexer import build_index
    from .index import IndexStore

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
    from .api.feedback import FeedbackStore, default_db_path
    from .term.views import report_text, safe_json

    store = FeedbackStore(args.db or default_db_path(_settings(args)), create=False)
    report = store.report(limit=args.limit, since_days=args.days)
    # Questions and comments are readers' text: shown with control characters escaped.
    print(safe_json(report.to_dict()) if args.json else report_text(report))
    return 0


# ---- askintl crawl ---------------------------------------------------------------------------------
def _size(text: str) -> int:
    """"10MB", "512k", "1048576" → bytes."""
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)i?b?\s*", str(text), re.IGNORECASE)
    if not m:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 10MB, 512k)")
    return int(float(m.group(1)) * 1024 ** " kmg".index((m.group(2) or " ").lower()))


def _duration(text: str) -> float:
    """"30m", "6h", "1d", "90s", "3600" → seconds."""
    import re

    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", str(text), re.IGNORECASE)
    if not m or float(m.group(1)) <= 0:
        raise argparse.ArgumentTypeError(f"not a duration: {text!r} (e.g. 30m, 6h, 1d)")
    return float(m.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}[(m.group(2) or "").lower()]


def _crawl_progress(console):
    """A rich progress bar for the crawl: pages done of pages known, the page being fetched."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    progress = Progress(SpinnerColumn(), TextColumn("crawling"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("[dim]{task.fields[url]}", markup=True),
                        console=console, transient=True)
    task = progress.add_task("crawl", total=None, url="")

    def update(done: int, total: int, url: str) -> None:
        from rich.markup import escape

        shown = url if len(url) <= 60 else "…" + url[-59:]
        progress.update(task, completed=done, total=max(total, done), url=escape(shown))

    return progress, update


def _print_crawl_report(report, console) -> None:
    from rich.markup import escape
    from rich.table import Table

    styles = {"new": "green", "changed": "cyan", "unchanged": "dim", "duplicate": "yellow", "skipped": "yellow",
              "failed": "red", "removed": "magenta"}
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("outcome", "page", "document", "why / what"):
        table.add_column(column, overflow="fold")
    for p in report.pages:
        style = styles.get(p.outcome, "")
        table.add_row(f"[{style}]{p.outcome}[/]", escape(p.url), escape(p.doc_id), escape(p.detail))
    console.print(table)
    for note in report.notes:
        console.print(f"[dim]note:[/] {escape(note)}")
    counts = report.counts()
    fetched = sum(counts[k] for k in ("new", "changed", "unchanged"))
    rate = len(report.pages) / report.seconds if report.seconds else 0.0
    console.print(
        f"crawl: {len(report.pages)} pages in {report.seconds:.1f}s ({rate:.1f} pages/s): "
        + ", ".join(f"{n} {k}" for k, n in counts.items() if n)
        + f"; {report.requests} requests, {report.bytes / 1e6:.1f} MB; {fetched} documents from these pages, "
        f"{report.documents} crawled documents in the corpus")


def _crawl_once(args, console) -> int:
    from .crawl import CrawlOptions, crawl

    settings = _settings(args)
    options = CrawlOptions(start_urls=args.urls, corpus_dir=Path(settings.corpus_dir), institution=args.institution,
                           allow=args.allow or [], max_pages=args.max_pages, max_depth=args.max_depth,
                           max_bytes=args.max_bytes, max_total_bytes=args.max_total_bytes, delay=args.delay,
                           timeout=args.timeout, pdfs=not args.no_pdfs, sitemaps=not args.no_sitemap)
    quiet = args.json or not console.is_terminal
    if quiet:
        report = crawl(options)
    else:
        progress, update = _crawl_progress(console)
        with progress:
            report = crawl(options, progress=update)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=1))
    else:
        _print_crawl_report(report, console)
    counts = report.counts()
    alive = counts["new"] + counts["changed"] + counts["unchanged"]
    if args.build:
        from .indexer import build_index

        # The index is published atomically: a failure here leaves the live version serving.
        _print_index_report(build_index(settings, progress_factory=_progress_factory(console)), console)
    return 0 if alive else 1


def cmd_crawl(args) -> int:
    import time

    from rich.console import Console

    console = Console(stderr=True)
    if not args.every:
        return _crawl_once(args, console)

    while True:  # --every: crawl, (index,) sleep; a failed round is reported and the next one runs
        started = time.monotonic()
        try:
            code = _crawl_once(args, console)
        except AskintlError as exc:
            console.print(f"[red]crawl failed:[/] {exc}")
            code = exit_code(exc)
        wait = max(0.0, args.every - (time.monotonic() - started))
        console.print(f"[dim]round done (exit {code}); next crawl in {wait / 60:.0f} min, at "
                      f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(time.time() + wait))}[/]")
        time.sleep(wait)


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
    sp.add_argument("--ray", nargs="?", const="", metavar="ADDRESS", help="build on a Ray cluster (pip install "
                    "'askintl[ray]'): ADDRESS of a running one (auto, HEAD:6379), else RAY_ADDRESS or a local Ray")
    sp.add_argument("--ray-workers", type=int, metavar="N", help="embedding actors (default: one per CPU)")
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

    sp = sub.add_parser("crawl", help="fetch an institution's web pages into the corpus folder (incremental)",
                        description="Fetch the pages under the start URLs (robots.txt, sitemaps, PDFs) into the "
                        "corpus folder, one document per page with its catalog entry; unchanged pages are not "
                        "fetched again, removed pages are dropped. See README, 'Crawling a website'.")
    sp.add_argument("--corpus", dest="corpus_dir", type=Path, help="corpus folder (default: corpus/)")
    sp.add_argument("--index-dir", dest="index_dir", type=Path, help="index folder for --index (default: index/)")
    sp.add_argument("--embedder", help="embedder for --index (default e5-small, ASKINTL_EMBEDDER)")
    sp.add_argument("urls", nargs="+", metavar="START_URL", help="where to start (http or https)")
    sp.add_argument("--institution", help="the institution the pages belong to (catalog 'institution'; its "
                    "aliases and city come from the catalog's other entries for it)")
    sp.add_argument("--allow", action="append", metavar="PREFIX", help="fetch only URLs under this prefix "
                    "(repeatable; default: each start URL's folder)")
    sp.add_argument("--max-pages", type=int, default=500, help="pages fetched at most (default 500)")
    sp.add_argument("--max-depth", type=int, default=5, help="links away from a start URL (default 5)")
    sp.add_argument("--max-bytes", type=_size, default=10 * 1024 ** 2, help="largest page or PDF (default 10MB)")
    sp.add_argument("--max-total-bytes", type=_size, default=1024 ** 3, help="bytes fetched in all (default 1GB)")
    sp.add_argument("--delay", type=float, default=1.0, help="seconds between two requests to one host "
                    "(default 1; robots.txt Crawl-delay may add)")
    sp.add_argument("--timeout", type=float, default=20.0, help="seconds to wait for an answer (default 20)")
    sp.add_argument("--no-pdfs", action="store_true", help="do not fetch linked PDFs")
    sp.add_argument("--no-sitemap", action="store_true", help="do not read sitemaps")
    sp.add_argument("--index", dest="build", action="store_true", help="then update the index (askintl index)")
    sp.add_argument("--every", type=_duration, help="crawl again every DURATION (30m, 6h, 1d) until stopped")
    sp.add_argument("--json", action="store_true", help="print the per-page report as JSON")
    sp.set_defaults(func=cmd_crawl)

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
    from .term import run_chat

    # settings are made with the model loading, in the background: the prompt comes first
    return run_chat(lambda: _settings(args), url=args.url, top_k=args.top_k, json_lines=args.json,
                    history_file=args.history_file, exit_code=exit_code)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")

    try:
        return args.func(args)
    except AskintlError as exc:
        print(f"askintl: error: {exc}", file=sys.stderr)
        return exit_code(exc)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

"""Rich rendering of answers and eval summaries for the terminal."""
from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from .records import AskResult


def result_text(result: AskResult) -> Text:
    out = Text()
    if result.standalone_query != result.question:
        out.append(f"(searched: {result.standalone_query})\n", style="dim")
    if result.abstained or not result.answer:
        out.append("Not found in the sources. ", style="bold yellow")
        out.append("The official materials indexed here do not clearly answer this.\n")
        if result.passages:
            out.append("Related passages:\n", style="dim")
    else:
        a = result.answer
        out.append("“", style="bold")
        out.append(a.text, style="bold green")
        out.append("”", style="bold")
        out.append(f"  [{a.passage_index + 1}] {a.institution} — {a.title}\n", style="cyan")
    for i, p in enumerate(result.passages, 1):
        snippet = p.text if len(p.text) <= 220 else p.text[:217] + "…"
        out.append(f"[{i}] ", style="bold cyan")
        out.append(f"{p.institution} — {p.title} ", style="cyan")
        out.append(f"({p.doc_id}:{p.start}-{p.end}, score {p.score:.3f})\n", style="dim")
        out.append(f"    {snippet}\n")
    return out


def print_result(result: AskResult, console: Console | None = None) -> None:
    (console or Console()).print(result_text(result))


def print_eval(summary: dict, console: Console | None = None) -> None:
    from rich.table import Table

    console = console or Console()
    table = Table(title="askintl eval")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in summary.items():
        if isinstance(value, dict):
            for k2, v2 in value.items():
                table.add_row(escape(f"{key} {k2}"), str(v2))
        else:
            table.add_row(escape(key), str(value))
    console.print(table)

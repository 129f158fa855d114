"""How answers look: rich renderables for terminals, plain text for pipes and scripts.

The quote is shown with the words it shares with the question highlighted (compared as the
lexical index compares them: case-folded, stemmed, numbers without thousands separators), and
each passage as a numbered citation: institution · document, and where in it (paragraphs, or
the character span). Above the quote, a dim line says where it stands in its page: its heading
path and the FAQ question it answers, when it has them. An answer shows its confidence, and a
low-confidence one (see ``records.confidence_level``) says so in words under the quote, not
only in colour. Text from the sources is shown with its control characters made visible.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import replace

from rich.console import Console, Group, RenderableType
from rich.markup import escape
from rich.padding import Padding
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from ..citations import answer_number
from ..citations import citations as number_citations
from ..records import Answer, AskResult, Document, Passage

QUOTE = "bold green"        # the answer quote (bold: it stands out without colours too)
MATCH = "bold reverse"      # words shared with the question (on top of the quote's colour)
CITE = "cyan"
NOT_FOUND = "bold yellow"
LOW_CONFIDENCE = "bold yellow"
LOW_CONFIDENCE_NOTE = "Low confidence: check the quote against its source."


# ---- only printable text reaches the terminal ----------------------------------------------
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _picture(m: re.Match) -> str:
    code = ord(m.group())
    if code in (0x0b, 0x0c, 0x0d):
        return " "
    return chr(0x2400 + code) if code < 0x20 else "␡" if code == 0x7f else "\ufffd"


def printable(text: str | None) -> str | None:
    """``text`` with its control characters (an escape sequence in a source, say) made visible.

    One character stands for one, so that offsets into the text still hold: ESC becomes "␛",
    carriage returns and form feeds become spaces; newlines and tabs stay.
    """
    return _CONTROL.sub(_picture, text) if text and _CONTROL.search(text) else text


def _printable_passage(p: Passage) -> Passage:
    return replace(p, doc_id=printable(p.doc_id), title=printable(p.title), institution=printable(p.institution),
                   text=printable(p.text), heading_path=[printable(h) for h in p.heading_path or ()],
                   faq_question=printable(p.faq_question))


def _printable_result(r: AskResult) -> AskResult:
    a = r.answer
    answer = a and replace(a, text=printable(a.text), doc_id=printable(a.doc_id), title=printable(a.title),
                           institution=printable(a.institution))
    return replace(r, question=printable(r.question), standalone_query=printable(r.standalone_query),
                   reason=printable(r.reason), answer=answer, passages=[_printable_passage(p) for p in r.passages])


def _printable_document(d: Document) -> Document:
    return replace(d, doc_id=printable(d.doc_id), text=printable(d.text), title=printable(d.title),
                   institution=printable(d.institution), city=printable(d.city), language=printable(d.language),
                   url=printable(d.url))


# ---- highlighting -------------------------------------------------------------------------
def highlight_spans(text: str, query: str) -> list[tuple[int, int]]:
    """Character spans of ``text`` whose words are terms of ``query``.

    Words match by stem ("study" finds "studying", "1400" finds "1,400"); stopwords never
    match. Chinese, Japanese and similar runs match by character bigrams, so that single
    common characters are not highlighted.
    """
    # here, not at the top: lexical imports numpy and scipy, and the chat's prompt must not wait
    from ..lexical import TOKEN_PATTERN, tokenize  # TOKEN_PATTERN: the tokenizer's own word pattern, for offsets

    terms = set(tokenize(query))
    if not terms:
        return []
    spans: list[tuple[int, int]] = []
    for m in TOKEN_PATTERN.finditer(text):
        nospace, _number, _word = m.groups()
        if nospace:
            marked = [False] * len(nospace)
            for i in range(len(nospace) - 1):
                if unicodedata.normalize("NFKC", nospace[i:i + 2]).casefold() in terms:
                    marked[i] = marked[i + 1] = True
            i = 0
            while i < len(marked):
                if marked[i]:
                    j = i
                    while j < len(marked) and marked[j]:
                        j += 1
                    spans.append((m.start() + i, m.start() + j))
                    i = j
                else:
                    i += 1
        else:
            toks = tokenize(m.group())
            if toks and toks[0] in terms:
                spans.append(m.span())
    return _merge(text, spans)


def _merge(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join spans separated only by spaces, so "international students" reads as one mark."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and (start <= merged[-1][1] or not text[merged[-1][1]:start].strip(" ")):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def marked_text(text: str, query: str = "", base: str = "", quote: tuple[int, int] | None = None,
                focus: tuple[int, int] | None = None) -> Text:
    """``text`` with the quote span in the quote colour and the question's words highlighted in it.

    ``focus`` (a passage inside a document) stays in normal colour and the rest is dimmed.
    """
    out = Text(text, style=base)
    if focus:
        out.stylize("dim", 0, focus[0])
        out.stylize("dim", focus[1], len(text))
    if quote:
        out.stylize(QUOTE, *quote)
    for start, end in highlight_spans(text, query) if query else []:
        if quote and quote[0] <= start and end <= quote[1]:
            out.stylize(MATCH, start, end)
        elif not focus or focus[0] <= start < focus[1]:
            out.stylize("bold", start, end)
    return out


def quote_text(answer: Answer, query: str) -> Text:
    """The quote in quotation marks, the question's words highlighted."""
    out = Text("“", style=QUOTE)
    out.append_text(marked_text(answer.text, query, quote=(0, len(answer.text))))
    out.append("”", style=QUOTE)
    return out


def _quote_in(passage: Passage, answer: Answer | None) -> tuple[int, int] | None:
    """Where the answer quote sits inside ``passage.text``, if it does."""
    if answer and answer.doc_id == passage.doc_id and passage.start <= answer.start and answer.end <= passage.end:
        return answer.start - passage.start, answer.end - passage.start
    return None


# ---- where a passage stands in its page --------------------------------------------------------
def place_label(p: Passage | None) -> str:
    """"Admissions › Deadlines · When is the deadline?": the headings above a passage, outermost
    first, then the FAQ question it answers; "" when it has neither. One line (whitespace collapsed)."""
    if p is None:
        return ""
    path = " › ".join(" ".join(h.split()) for h in p.heading_path or () if h and h.strip())
    return " · ".join(x for x in (path, " ".join((p.faq_question or "").split())) if x)


def _answer_passage(result: AskResult) -> Passage | None:
    a = result.answer
    if a and not result.abstained and 0 <= a.passage_index < len(result.passages):
        return result.passages[a.passage_index]
    return None


def _place_line(p: Passage | None) -> Text | None:
    """The place line of the rich views: dim, one line, shortened with "…" when too long."""
    label = place_label(p)
    return Text(label, style="dim", no_wrap=True, overflow="ellipsis") if label else None


# ---- citations ----------------------------------------------------------------------------
def live_source(answer: Answer | None) -> Text | None:
    """"as of 2025-03-14 · https://…#:~:text=…": the live page of a quote (a link in terminals
    that show them) and the date of its text; None when neither is known (provenance.py)."""
    if answer is None or not (answer.link or answer.as_of):
        return None
    out = Text(style="dim")
    if answer.as_of:
        out.append(f"as of {printable(answer.as_of)}")
    if answer.link:
        link = printable(answer.link)
        out.append((" · " if answer.as_of else "") + link, style=f"link {link}")
    return out


def citation_label(p: Passage) -> str:
    """"Beijing Jiaotong University · International Cooperation: Overview · bjtu-international 677–1048"."""
    who = " · ".join(x for x in (p.institution, p.title) if x)
    return f"{who} · {p.doc_id} {p.start}–{p.end}" if who else f"{p.doc_id} {p.start}–{p.end}"


def _name(p: Passage, answer_passage: bool) -> Text:
    """"Beijing Jiaotong University · International Cooperation: Overview"."""
    out = Text()
    if p.institution:
        out.append(p.institution, style="bold" if answer_passage else "")
        out.append(" · ", style="dim")
    out.append(p.title or p.doc_id)
    return out


_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def paragraphs(text: str, start: int, end: int) -> str:
    """Where ``text[start:end]`` sits, in paragraphs (blocks between blank lines): "¶3", "¶3–4"."""
    body_start = len(text) - len(text.lstrip())
    breaks = [m.end() for m in _PARAGRAPH_BREAK.finditer(text, body_start)]
    first = 1 + sum(1 for b in breaks if b <= start)
    last = 1 + sum(1 for b in breaks if b < end)
    return f"¶{first}" if first == last else f"¶{first}–{last}"


class _Citations:
    """Aligned citation lines that never wrap: the document name is shortened to fit instead."""

    def __init__(self, rows: list[tuple[Text, Text, Text]]):
        self.rows = rows  # (number, institution · document, where)

    def __rich_console__(self, console, options):
        if not self.rows:
            return
        num_w = max(n.cell_len for n, _, _ in self.rows)
        place_w = max(place.cell_len for _, _, place in self.rows)
        room = max(options.max_width - num_w - place_w - 3, 12)
        name_w = min(max(name.cell_len for _, name, _ in self.rows), room)
        for num, name, place in self.rows:
            name = name.copy()
            name.truncate(name_w, overflow="ellipsis", pad=True)
            line = Text.assemble(num, " " * (num_w - num.cell_len + 1), name, "  ", place)
            line.no_wrap = True
            line.overflow = "ellipsis"
            yield line


def _number(number: int, answer_passage: bool) -> Text:
    return Text(f"[{number}]", style=f"bold {CITE}" if answer_passage else CITE)


def _place(p: Passage, places: dict[int, str] | None, i: int) -> str:
    return (places or {}).get(i) or f"{p.doc_id} {p.start}–{p.end}"


def citations(result: AskResult, places: dict[int, str] | None = None) -> _Citations:
    """One line per passage: [n], institution · document, where in it ("¶3").

    ``places`` maps a passage's index to its place in the document; without it the character
    span is shown. Numbers as on every surface (``askintl.citations``).
    """
    cites = number_citations(result)
    spots = [(c.passage.doc_id, _place(c.passage, places, c.number - 1)) for c in cites]
    rows = []
    for c, spot in zip(cites, spots):
        place = spot[1]
        if spots.count(spot) > 1:  # two passages of one paragraph: tell them apart
            place += f" · {c.passage.start}–{c.passage.end}"
        rows.append((_number(c.number, c.cited), _name(c.passage, c.cited), Text(place, style="dim")))
    return _Citations(rows)


# ---- the chat's views ---------------------------------------------------------------------
def answer_view(result: AskResult, seconds: float | None = None,
                places: dict[int, str] | None = None) -> RenderableType:
    """One answer in the chat: the quote (or "not found"), then the numbered citations."""
    result = _printable_result(result)
    parts: list[RenderableType] = []
    if result.standalone_query != result.question:
        parts.append(Text(f"searched: {result.standalone_query}", style="dim italic"))
    if result.answer and not result.abstained:
        place = _place_line(_answer_passage(result))
        if place:
            parts.append(place)
        line = quote_text(result.answer, result.standalone_query)
        line.append(f"[{answer_number(result)}]", style=f"bold {CITE}")  # no space: never alone on a line
        parts.append(line)
        if result.low_confidence:
            parts.append(Text(LOW_CONFIDENCE_NOTE, style=LOW_CONFIDENCE))
        live = live_source(result.answer)
        if live:
            parts.append(live)
    else:
        line = Text("Not found in the sources.", style=NOT_FOUND)
        if result.reason and not result.passages:  # with passages, "closest passages" says why
            line.append(f" ({result.reason.rstrip('.')})", style="dim")
        parts.append(line)
    if result.passages:
        parts.append(Text(""))
        if not result.answer or result.abstained:
            parts.append(Text("Closest passages (they do not answer it):", style="dim"))
        parts.append(citations(result, places))
    hint = Text(style="dim")
    if result.answer and not result.abstained:
        hint.append(f"confidence {result.confidence:.2f}")
    if seconds is not None:
        hint.append((" · " if hint else "") + (f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"))
    if result.passages:
        hint.append((" · " if hint else "") + "/sources for the passages · /open N for a document")
    if hint:
        parts.append(hint)
    return Padding(Group(*parts), (1, 0, 1, 2))


def sources_view(result: AskResult, places: dict[int, str] | None = None) -> RenderableType:
    """Every passage of an answer in full, the quote highlighted inside its passage."""
    result = _printable_result(result)
    if not result.passages:
        return Padding(Text("No passages: ask a question first.", style="dim"), (0, 0, 0, 2))
    parts: list[RenderableType] = []
    answer = result.answer if not result.abstained else None
    for c in number_citations(result):
        p, is_answer = c.passage, c.cited
        head = Text.assemble(_number(c.number, True), " ", _name(p, is_answer), no_wrap=True, overflow="ellipsis")
        meta = Text(" · ".join(x for x in ((places or {}).get(c.number - 1), f"{p.doc_id} {p.start}–{p.end}",
                                           f"score {p.score:.3f}") if x), style="dim")
        if is_answer:
            meta.append(" · the answer", style=f"bold {QUOTE}")
        body = marked_text(p.text, result.standalone_query, quote=_quote_in(p, answer) if is_answer else None)
        place = _place_line(p)
        parts += [head, Padding(Group(meta, *([place] if place else []), body), (0, 0, 1, 4))]
    return Padding(Group(*parts), (1, 0, 0, 2))


def document_view(doc: Document, passage: Passage, number: int, result: AskResult) -> RenderableType:
    """A whole document: the cited passage in focus, the quote highlighted, the rest dimmed."""
    doc, passage, result = _printable_document(doc), _printable_passage(passage), _printable_result(result)
    answer = result.answer if not result.abstained else None
    quote = None
    if answer and answer.doc_id == doc.doc_id and doc.text[answer.start:answer.end] == answer.text:
        quote = (answer.start, answer.end)
    focus = (passage.start, passage.end) if doc.text[passage.start:passage.end] == passage.text else None
    title = f"[{number}] {doc.institution + ' · ' if doc.institution else ''}{doc.title}"
    meta = Text(style="dim")
    meta.append(doc.doc_id)
    for extra in (doc.city, doc.language, doc.url):
        if extra:
            meta.append(f" · {extra}")
    meta.append(f" · passage {paragraphs(doc.text, passage.start, passage.end)} ({passage.start}–{passage.end})")
    if quote:
        meta.append(f" · quote {quote[0]}–{quote[1]}")
    body = marked_text(doc.text.strip("\n"), result.standalone_query, quote=_shift(doc.text, quote),
                       focus=_shift(doc.text, focus))
    return Group(Rule(Text(title, style="bold"), align="left", style=CITE),
                 Padding(Group(meta, Text(""), body), (0, 0, 0, 2)), Rule(style=CITE))


def _shift(text: str, span: tuple[int, int] | None) -> tuple[int, int] | None:
    """A span of ``text`` as a span of ``text.strip("\\n")``."""
    if span is None:
        return None
    lead = len(text) - len(text.lstrip("\n"))
    return span[0] - lead, span[1] - lead


# ---- plain text (pipes, scripts) ----------------------------------------------------------
def _one_line(text: str) -> str:
    return " ".join(text.split())


def plain_block(result: AskResult) -> str:
    """One answer as plain lines, for scripts::

        Q: <the question>
        Searched: <the standalone query>            (only when a follow-up was rewritten)
        Section: <heading › heading · FAQ question> (answers only, when its passage has them)
        A: “<the quote>”                            or  A: Not found in the sources.
        Source: <institution> — <title> (<doc_id>, characters <start>-<end>)   (answers only)
        Confidence: 0.93                            (answers only; a low one adds "(low confidence: ...)")

    Whitespace inside a line is collapsed; ``/json`` or ``--json`` give the exact text.
    """
    result = _printable_result(result)
    lines = [f"Q: {_one_line(result.question)}"]
    if result.standalone_query != result.question:
        lines.append(f"Searched: {_one_line(result.standalone_query)}")
    a = result.answer
    if a and not result.abstained:
        place = place_label(_answer_passage(result))
        if place:
            lines.append(f"Section: {place}")
        lines.append(f"A: “{_one_line(a.text)}”")
        who = " — ".join(x for x in (a.institution, a.title) if x)
        lines.append(f"Source: {who} ({a.doc_id}, characters {a.start}-{a.end})")
        if a.link or a.as_of:
            lines.append("Link: " + " ".join(x for x in (a.link, f"(as of {a.as_of})" if a.as_of else "") if x))
        lines.append(_plain_confidence(result))
    else:
        lines.append("A: Not found in the sources.")
    return "\n".join(lines) + "\n"


def _plain_confidence(result: AskResult) -> str:
    line = f"Confidence: {result.confidence:.2f}"
    if result.low_confidence:
        line += " (low confidence: check the quote against its source)"
    return line


def plain_sources(result: AskResult) -> str:
    result = _printable_result(result)
    blocks = [f"[{c.number}] {citation_label(c.passage)}\n{c.passage.text.strip()}\n" for c in number_citations(result)]
    return "\n".join(blocks) if blocks else "No passages: ask a question first.\n"


def plain_document(doc: Document, passage: Passage, number: int, result: AskResult) -> str:
    doc, passage, result = _printable_document(doc), _printable_passage(passage), _printable_result(result)
    head = f"[{number}] {citation_label(passage)}"
    a = result.answer
    if a and not result.abstained and a.doc_id == doc.doc_id:
        head += f" · quote {a.start}–{a.end}"
    return f"{head}\n{doc.text.strip()}\n"


# ---- `askintl ask` and `askintl eval` ------------------------------------------------------
def result_text(result: AskResult) -> Text:
    result = _printable_result(result)
    out = Text()
    if result.standalone_query != result.question:
        out.append(f"(searched: {result.standalone_query})\n", style="dim")
    if result.abstained or not result.answer:
        out.append("Not found in the sources. ", style=NOT_FOUND)
        out.append("The official materials indexed here do not clearly answer this.\n")
        if result.passages:
            out.append("Related passages:\n", style="dim")
    else:
        a = result.answer
        place = place_label(_answer_passage(result))
        if place:
            out.append(f"{place}\n", style="dim")
        out.append_text(quote_text(a, result.standalone_query))
        out.append(f"[{answer_number(result)}]\n", style=f"bold {CITE}")
        live = live_source(a)
        if live:
            out.append_text(live)
            out.append("\n")
        if result.low_confidence:
            out.append(LOW_CONFIDENCE_NOTE, style=LOW_CONFIDENCE)
            out.append(f" (confidence {result.confidence:.2f})\n\n", style="dim")
        else:
            out.append(f"confidence {result.confidence:.2f}\n\n", style="dim")
    for c in number_citations(result):
        i, p = c.number, c.passage
        snippet = p.text if len(p.text) <= 220 else p.text[:217] + "…"
        out.append(f"[{i}] ", style=f"bold {CITE}")
        out.append(f"{p.institution} — {p.title} ", style=CITE)
        out.append(f"({p.doc_id}:{p.start}-{p.end}, score {p.score:.3f})\n", style="dim")
        out.append(f"    {snippet}\n")
    return out


def print_result(result: AskResult, console: Console | None = None) -> None:
    (console or Console()).print(result_text(result))


def print_eval(summary: dict, console: Console | None = None) -> None:
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


# ---- `askintl report`: readers' text shown inertly ------------------------------------------------
def report_text(report) -> str:
    """The report for a terminal: questions and comments come from anyone on the internet, so
    their control characters, line breaks and bidirectional overrides are shown as escapes
    (``\\x1b[2J``, ``\\n``, ``\\u202e``): they can neither drive the terminal nor forge a row."""
    from ..textcheck import escape_untrusted

    def row(r):
        return replace(r, question=escape_untrusted(r.question), doc_ids=[escape_untrusted(d) for d in r.doc_ids],
                       comments=[escape_untrusted(c) for c in r.comments])

    return replace(report, abstained_questions=[row(r) for r in report.abstained_questions],
                   disliked_questions=[row(r) for r in report.disliked_questions]).to_text()


# Inside JSON strings json.dumps escapes C0 controls itself, but not these.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\ud800-\udfff\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]")


def safe_json(obj, indent: int | None = 1) -> str:
    """JSON (non-ASCII text kept readable) with every character that could drive a terminal
    written as a ``\\uXXXX`` escape: the same data, inert on a terminal."""
    import json

    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(obj, ensure_ascii=False, indent=indent))

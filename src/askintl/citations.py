"""Citation numbers, the same on every surface: one number per passage, in the order of
``AskResult.passages`` ([1] is ``passages[0]``), and the answer's quote carries the number of
its own passage (``Answer.passage_index + 1``).

Per passage, not per document: /v1/ask already names the answer's passage
(``passage_index``), the terminal's ``/open N`` and ``/sources`` and its paragraph places
("¶3") are per passage, and two passages of one page can stand in different sections with
different spans and links; a number per document would point at none of them. The terminal
views (``term.views``), ``askintl ask``, the OpenAI-compatible reply (``api.openai``) and the
widget (``api/static/widget.js``, which mirrors ``citations`` in JavaScript) all number this way.
"""
from __future__ import annotations

from dataclasses import dataclass

from .records import AskResult, Passage


@dataclass(frozen=True)
class Citation:
    number: int             # 1-based: the passage's place in AskResult.passages
    passage: Passage
    cited: bool             # the answer's quote is taken from this passage
    start: int              # the quote's span when cited, else the passage's
    end: int
    text: str
    link: str | None        # the live page at that text (provenance.py), else its url, if known
    as_of: str | None       # the date of that text, if known


def answer_number(result: AskResult) -> int | None:
    """The citation number of the answer's quote; None when there is no answer."""
    a = result.answer
    if a is None or result.abstained or not 0 <= a.passage_index < len(result.passages):
        return None
    return a.passage_index + 1


def citations(result: AskResult) -> list[Citation]:
    """One citation per passage, numbered from 1; the answer's passage carries the quote."""
    quoted = answer_number(result)
    a = result.answer
    out = []
    for number, p in enumerate(result.passages, 1):
        if number == quoted:
            out.append(Citation(number, p, True, a.start, a.end, a.text, a.link or p.url, a.as_of or p.as_of))
        else:
            out.append(Citation(number, p, False, p.start, p.end, p.text, p.link or p.url, p.as_of))
    return out

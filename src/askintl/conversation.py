"""Follow-up questions: turn "and how many teachers do they invite?" into a standalone query.

The referent is the institution of the earlier turns (the most recent one named, in the
user's questions first, then in the answers). English pronouns that stand for it are
replaced by its name; in other languages the name is added in parentheses. When no
institution can be found, or a word still points back at something else ("from there",
"that programme"), the previous question is added too, for its context. The standalone query
is what gets searched, and it is returned so that the user can see it. It is at most ``max_chars``
long (``Settings.max_query_chars``) whatever the history holds: it is what the model embeds.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .text import count_words
from .institutions import InstitutionMatcher

_SUBJECT = re.compile(r"\b(they|them|it)\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\b(their|its)\b", re.IGNORECASE)
_DEICTIC = re.compile(
    r"\b(there|that|this|these|those|he|she|his|her|the same)\b|"
    r"\b(ils|elles|leur|leurs|y|là|ellos|ellas|su|sus|allí|allá|ahí|sie|dort|deren)\b|"
    r"\b(они|их|там|это|этот|эта|он|она)\b|(他们|她们|它|那里|那儿|该校|这所|那所)|\b(هم|هناك|هذا|هذه|ذلك)\b",
    re.IGNORECASE,
)
# A word that points back at a place (or the same thing) the earlier turn named: "how many students
# from there". Not the "there" of "is there a ..." / "there are ...".
_POINTS_BACK = re.compile(
    r"(?<!\bis )(?<!\bare )(?<!\bwas )(?<!\bwere )(?<!\bwill )\bthere\b(?!\s+(is|are|was|were|will be|has been|have been)\b)|\bthe same\b|"
    r"\b(там|туда|оттуда)\b|那里|那儿|那边|هناك|\b(allí|allá|ahí|dort|dorthin|là-bas)\b",
    re.IGNORECASE,
)
_FOLLOWUP_START = re.compile(r"^\s*(and|also|what about|how about|et|y|и|а|还有|那)\b", re.IGNORECASE)


@dataclass
class Turn:
    role: str
    content: str


@dataclass
class Resolution:
    query: str
    institutions: list[str] = field(default_factory=list)


def _previous_user(history: list[Turn]) -> str | None:
    return next((t.content for t in reversed(history) if t.role == "user" and t.content.strip()), None)


def resolve(question: str, history: list[Turn] | None, matcher: InstitutionMatcher,
            institution_of_quote: Callable[[str], str | None] | None = None,
            max_chars: int | None = None) -> Resolution:
    """``institution_of_quote`` finds whose text an earlier answer quoted, for answers that
    do not name their institution ("The school recruited 18 Egyptian students"). The query
    is cut to ``max_chars`` (the question's own text first, then the context added to it)."""
    res = _resolve(question, history, matcher, institution_of_quote)
    if max_chars is not None and len(res.query) > max_chars:
        res.query = res.query[:max_chars]
    return res


def _resolve(question: str, history: list[Turn] | None, matcher: InstitutionMatcher,
             institution_of_quote: Callable[[str], str | None] | None) -> Resolution:
    named = matcher.find(question)
    if named or not history:
        return Resolution(question, named)
    inst = None
    for role in ("user", "assistant"):
        for turn in reversed(history):
            if turn.role == role:
                inst = matcher.last_named(turn.content)
                if inst:
                    break
        if inst:
            break
    if not inst and institution_of_quote:
        last_answer = next((t.content for t in reversed(history) if t.role == "assistant" and t.content.strip()), "")
        inst = institution_of_quote(last_answer) if last_answer else None
    refers = bool(_SUBJECT.search(question) or _POSSESSIVE.search(question) or _DEICTIC.search(question)
                  or _FOLLOWUP_START.search(question))
    if not refers and count_words(question) > 6:
        return Resolution(question, [])  # a new, self-contained question
    query = question
    if inst:
        query, n = _SUBJECT.subn(inst, query, count=1)
        if not n:
            query, n = _POSSESSIVE.subn(inst + "'s", query, count=1)
        if not n:
            query = f"{query} ({inst})"
    if not inst or _POINTS_BACK.search(query):
        # Nothing to name, or a word still points back at something the institution is not
        # ("how many students from *there*", "when does *that* programme start"): let the
        # previous question lend its context to the search.
        prev = _previous_user(history)
        if prev and prev.strip() != question.strip():
            query = f"{query} ({prev})"
    return Resolution(query, [inst] if inst else [])

"""Small dataclasses passed between the layers of askintl.

files → Document → Chunk (exact span) → index → Passage (scored chunk) → Answer.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


#: What a span of a document is, read from its markup (HTML) or its lines (text, Markdown):
#: "title" the page title, "heading" a section heading (``level`` 1-6), "question" an FAQ
#: entry's question, "answer" (a part of) its answer, "paragraph", "item" a list item
#: (``level`` its nesting depth, 1 at the top), "row" a table row (``headers`` its column
#: headers), "nav" navigation or page furniture (never content).
BLOCK_KINDS = ("title", "heading", "question", "answer", "paragraph", "item", "row", "nav")


@dataclass(frozen=True)
class Block:
    """One structural element of a document: ``document.text[start:end]``, one or more whole
    lines of it."""

    kind: str
    start: int
    end: int
    level: int = 0
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Document:
    doc_id: str
    text: str  # what every offset indexes: the verbatim file for .txt/.md
    title: str
    institution: str = ""
    aliases: tuple[str, ...] = ()
    city: str = ""
    language: str = "en"
    url: str | None = None
    source_path: str = ""
    content_hash: str = ""
    # The structure its markup gave at load time (HTML: headings, FAQ entries, lists, table
    # rows), in text order. Empty for text and Markdown, whose structure is read from their
    # lines (``structure.blocks_of``). Not stored in the index: passages keep what they need.
    blocks: tuple[Block, ...] = ()
    # provenance (catalog, filled by ``askintl crawl``): when the page was last fetched or
    # confirmed unchanged (ISO 8601, UTC), and the date the page itself states (YYYY-MM-DD)
    fetched_at: str = ""
    page_date: str = ""


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Chunk:
    """A passage of a document on sentence boundaries: ``text == doc.text[start:end]``."""

    doc_id: str
    start: int
    end: int
    text: str
    sentences: tuple[Span, ...] = ()  # absolute offsets of the sentences inside the chunk
    # where it stands in its document (structure.py): the headings above it, outermost first;
    # the FAQ question it answers ("" when none); a table row's column headers
    heading_path: tuple[str, ...] = ()
    question: str = ""
    headers: tuple[str, ...] = ()
    # positions in ``sentences`` of those that are not content (a heading, the FAQ question, a
    # table rule): they are embedded and matched, never quoted
    not_content: tuple[int, ...] = ()


@dataclass
class Passage:
    """A retrieved chunk, with its document's identity and its scores."""

    passage_id: int
    doc_id: str
    title: str
    institution: str
    text: str
    start: int
    end: int
    score: float
    dense: float = 0.0
    lexical: float = 0.0
    url: str | None = None
    heading_path: list[str] = field(default_factory=list)  # the headings above it, outermost first
    faq_question: str | None = None  # the FAQ question it answers, when it is an FAQ answer
    # the live page (``url``) opened at the passage (a text fragment: provenance.text_fragment_link),
    # and the date its text is from (the page's own date, else when it was fetched); None when unknown
    link: str | None = None
    as_of: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Answer:
    """An exact quote: ``text == document.text[start:end]``."""

    text: str
    doc_id: str
    start: int
    end: int
    passage_index: int  # 0-based position of its passage in AskResult.passages
    title: str = ""
    institution: str = ""
    score: float = 0.0
    # the live page the quote is from, with a text fragment (#:~:text=) that highlights it in
    # browsers that support one, and the date of that text (see Passage); None when unknown
    url: str | None = None
    link: str | None = None
    as_of: str | None = None

    def to_dict(self) -> dict:
        return asdict(self)


#: the values of ``AskResult.confidence_level`` (None when askintl abstained)
CONFIDENCE_LEVELS = ("high", "low")


def confidence_level(confidence: float, abstained: bool, low_below: float) -> str | None:
    """The one rule for how sure an answer reads: ``None`` when askintl abstained, ``"low"``
    when its confidence (a calibrated probability) is below ``low_below``
    (``Settings.low_confidence_below``), else ``"high"``.

    An answer is only given at or above the abstention threshold, so a ``low_below`` at or
    below that threshold marks no answer low: the low band is [abstention threshold, low_below).
    """
    if abstained:
        return None
    return "low" if confidence < low_below else "high"


@dataclass
class AskResult:
    question: str
    standalone_query: str
    abstained: bool
    answer: Answer | None
    passages: list[Passage]
    confidence: float
    language: str = "en"
    institutions: list[str] = field(default_factory=list)
    reason: str | None = None
    index_version: str = ""  # the index version that answered (one per question)
    # "high" | "low" (see confidence_level()); None when abstained, or when not known
    confidence_level: str | None = None

    @property
    def low_confidence(self) -> bool:
        """An answer to check against its source (``confidence_level == "low"``)."""
        return self.confidence_level == "low"

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "standalone_query": self.standalone_query,
            "abstained": self.abstained,
            "answer": self.answer.to_dict() if self.answer else None,
            "passages": [p.to_dict() for p in self.passages],
            "confidence": self.confidence,
            "confidence_level": self.confidence_level,
            "low_confidence": self.low_confidence,
            "language": self.language,
            "institutions": list(self.institutions),
            "reason": self.reason,
            "index_version": self.index_version,
        }


@dataclass
class LoadReport:
    """What happened to each corpus file during loading."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)

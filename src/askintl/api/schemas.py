"""Request and response bodies of the HTTP API.

Their limits come from ``Settings`` (``ASKINTL_MAX_QUESTION_CHARS``, ...), read once when this
module is imported, so the published OpenAPI schema states them; the engine checks the same
settings again for every front end. Every text a client sends goes through
``textcheck.check_text``: no lone surrogates, no control characters but tab and newline.
"""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from ..config import get_settings
from .. import conversation
from ..records import AskResult
from .feedback import MAX_COMMENT_CHARS
from ..textcheck import pydantic_check

LIMITS = get_settings()
MAX_QUESTION_CHARS = LIMITS.max_question_chars
MAX_TURN_CHARS = LIMITS.max_turn_chars
MAX_TURNS = LIMITS.max_request_turns
MAX_INSTITUTIONS = 50  # names in one `institutions` filter

#: a string that passed the shared text check (see askintl.textcheck)
Text = Annotated[str, AfterValidator(pydantic_check)]


# A history turn as JSON, checked once here: ``AskRequest.history`` holds the
# ``conversation.Turn`` it stands for, which the engine does not check again (``ask_checked``).
class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: Text = Field(max_length=MAX_TURN_CHARS)

    def turn(self) -> conversation.Turn:
        return conversation.Turn(self.role, self.content)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"question": "How many international students study at BJTU?", "top_k": 5},
                     {"question": "And how many foreign teachers do they invite every year?",
                      "history": [{"role": "user", "content": "Tell me about Beijing Jiaotong University."},
                                  {"role": "assistant", "content": "..."}]}]})
    question: Text = Field(min_length=1, max_length=MAX_QUESTION_CHARS,
                          description="the question, in any language")
    history: list[Annotated[Turn, AfterValidator(Turn.turn)]] = Field(default_factory=list, max_length=MAX_TURNS,
                                description="earlier turns of the conversation, oldest first")
    top_k: int = Field(LIMITS.top_k, ge=1, le=LIMITS.max_top_k, description="how many passages to return")
    institutions: list[Annotated[Text, Field(min_length=1, max_length=300)]] | None = Field(
        None, max_length=MAX_INSTITUTIONS,
        description="answer only from these institutions' documents (catalog names or aliases, see "
                    "GET /v1/institutions); unset or empty: every institution. An unknown name is a 422")


# The response bodies of an answer are read from the engine's records by attribute
# (``AskResponse.of``): ``records.AskResult``, ``Answer`` and ``Passage`` are the one result type;
# these schemas choose what of it is public.
# A ``records.Passage``, without its ``passage_id`` (extra attributes are ignored): that is the
# passage's row in one index version (the next version numbers passages anew), so it is not
# public; clients name a passage by ``doc_id``, ``start`` and ``end``, and
# ``term.backends.result_from_json`` reads the id back as -1.
class PassageOut(BaseModel):
    model_config = ConfigDict(extra="ignore")
    doc_id: str
    title: str
    institution: str
    text: str = Field(description="exactly document.text[start:end]")
    start: int
    end: int
    score: float
    dense: float
    lexical: float
    url: str | None = None
    heading_path: list[str] = Field(default_factory=list,
                                    description="the headings above the passage in its page, outermost first")
    faq_question: str | None = Field(None, description="the FAQ question this passage answers, when it is "
                                                       "an FAQ answer")
    link: str | None = Field(None, description="the live page (`url`) with a text fragment (#:~:text=) that "
                                               "highlights the passage in browsers that support it")
    as_of: str | None = Field(None, description="YYYY-MM-DD: the date the page states, else the day it was "
                                                "fetched; null when unknown")


class AnswerOut(BaseModel):
    text: str = Field(description="the quote: exactly document.text[start:end]")
    doc_id: str
    start: int
    end: int
    passage_index: int = Field(description="0-based index of the passage the quote comes from")
    title: str
    institution: str
    score: float
    url: str | None = Field(None, description="the live page the quote is from")
    link: str | None = Field(None, description="`url` with a text fragment (#:~:text=) that highlights the "
                                               "quote in browsers that support it")
    as_of: str | None = Field(None, description="YYYY-MM-DD: the date the page states, else the day it was "
                                                "fetched; null when unknown")


class AskResponse(BaseModel):  # a ``records.AskResult`` with the id it is remembered under
    id: str = Field(description="answer id (for feedback)")
    question: str
    standalone_query: str = Field(description="what was searched, after resolving follow-up references")
    abstained: bool = Field(description="true when the sources do not clearly answer the question")
    answer: AnswerOut | None
    passages: list[PassageOut]
    confidence: float = Field(description="calibrated probability that the answer is supported")
    confidence_level: Literal["high", "low"] | None = Field(
        None, description="`low` when `confidence` is below the server's ASKINTL_LOW_CONFIDENCE_BELOW "
        "(default 0.5): show the answer as one to check against its source; null when abstained")
    low_confidence: bool = Field(False, description="true exactly when `confidence_level` is `low`")
    language: str
    institutions: list[str] = Field(description="institutions the question was taken to be about")
    reason: str | None = None
    index_version: str

    @classmethod
    def of(cls, result: AskResult, answer_id: str) -> "AskResponse":
        """The response for ``result`` (its answer and passages too), read by attribute."""
        return cls.model_validate(_Identified(result, answer_id), from_attributes=True)


class _Identified:
    """An ``AskResult`` read with the answer id (``AskResponse.id``) beside its own attributes."""

    def __init__(self, result: AskResult, answer_id: str):
        self.id = answer_id
        self._result = result

    def __getattr__(self, name: str):
        return getattr(self._result, name)


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    institution: str
    aliases: list[str]
    city: str
    language: str
    url: str | None
    text: str = Field(description="the text every start/end offset indexes")
    content_hash: str
    fetched_at: str = Field("", description="when `askintl crawl` last fetched or confirmed the page (ISO 8601)")
    page_date: str = Field("", description="the date the page itself states (YYYY-MM-DD), when it states one")


class DocumentSummary(BaseModel):
    doc_id: str
    title: str
    institution: str
    url: str | None


class ContactOut(BaseModel):
    office: str | None = Field(None, description="the office's name")
    address: str | None = None
    email: str | None = None
    phone: str | None = None
    form_url: str | None = Field(None, description="an http(s) contact form")


class InstitutionOut(BaseModel):
    name: str = Field(description="the catalog name (what `institutions` filters and answers report)")
    aliases: list[str]
    documents: int = Field(description="indexed documents of this institution")
    contact: ContactOut | None = Field(None, description="how to reach its international office, when the "
                                                         "catalog's `_institutions` section says")
    welcome: dict[str, str] | None = Field(None, description="the widget's welcome text by language code "
                                                             "(`*`: any language)")
    starters: dict[str, list[str]] | None = Field(None, description="starter questions by language code "
                                                                    "(`*`: any language)")


class Health(BaseModel):
    status: str
    index_version: str
    documents: int
    passages: int
    embedder: str


class ErrorOut(BaseModel):
    error: str
    detail: str | list | None = None


# ---- feedback -----------------------------------------------------------------------------------
class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"answer_id": "4f0c1d0e9b5a4c8e8f3b2a1d0c9e8f7a", "helpful": False,
                      "comment": "The address is out of date."}]})
    answer_id: Text = Field(min_length=1, max_length=80, description="the `id` of a /v1/ask answer "
                           "(or of a chat completion)")
    helpful: bool
    comment: Text | None = Field(None, max_length=MAX_COMMENT_CHARS)


class FeedbackOut(BaseModel):
    answer_id: str
    helpful: bool
    status: Literal["recorded"] = "recorded"


# ---- admin --------------------------------------------------------------------------------------
class DocumentIn(BaseModel):
    """A document to add or replace: its text and catalog metadata."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "text": "The International Office is at 1 College Road.\n\nIt welcomes 300 exchange students a year.",
        "format": "txt", "title": "International Office", "institution": "Example University",
        "aliases": ["EU"], "city": "Exampleton", "language": "en", "url": "https://www.example.edu/intl"}]})
    # The text itself is checked by the loader, as `askintl index` would (binary, NUL, ...).
    text: str = Field(min_length=1, description="the document: plain text, Markdown or HTML (see format)")
    format: Literal["txt", "md", "html"] = "txt"
    title: Text | None = Field(None, max_length=300)
    institution: Text | None = Field(None, max_length=300)
    aliases: list[Text] = Field(default_factory=list, max_length=50)
    city: Text | None = Field(None, max_length=200)
    language: Text | None = Field(None, max_length=20)
    url: Text | None = Field(None, max_length=2000, pattern=r"^https?://\S+$",
                            description="the public page this text comes from (citations link to it)")


class NewDocumentIn(DocumentIn):
    doc_id: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class AdminChangeOut(BaseModel):
    doc_id: str | None
    action: Literal["added", "replaced", "deleted", "reindex"]
    generation: int = Field(description="live once /v1/admin/status shows indexed_generation >= this")
    status_url: str = "/v1/admin/status"


class ReindexStatusOut(BaseModel):
    state: Literal["idle", "pending", "running", "failed"]
    generation: int
    indexed_generation: int
    index_version: str
    last_finished_at: str | None
    last_seconds: float | None
    last_report: dict | None
    last_error: str | None


# ---- OpenAI-compatible chat completions ---------------------------------------------------------
class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")
    role: Text = Field(max_length=40)
    content: str | list | None = None

    @field_validator("content")
    @classmethod
    def _check_content(cls, value):
        """The text of a string content or of its content parts, checked like every text."""
        parts = value if isinstance(value, list) else [value]
        for part in parts:
            text = part.get("text") if isinstance(part, dict) else part
            if isinstance(text, str):
                pydantic_check(text)
        return value


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """OpenAI's request body; sampling parameters (temperature, max_tokens, ...) are accepted and
    ignored: askintl quotes, it does not generate."""

    model_config = ConfigDict(extra="allow")
    model: Text = Field("askintl", max_length=200)
    messages: list[ChatMessage] = Field(min_length=1, max_length=MAX_TURNS + 10)
    stream: bool = False
    stream_options: StreamOptions | None = None
    top_k: int = Field(LIMITS.top_k, ge=1, le=LIMITS.max_top_k,
                       description="askintl extension: passages to retrieve")
    institutions: list[Annotated[Text, Field(min_length=1, max_length=300)]] | None = Field(
        None, max_length=MAX_INSTITUTIONS,
        description="askintl extension: answer only from these institutions' documents (names or aliases)")

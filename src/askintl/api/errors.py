"""Errors over HTTP: the status each library error answers with, and the one error body.

The library's errors know nothing of HTTP (``askintl/errors.py``); this is where they meet it.
On the OpenAI-compatible paths the body has OpenAI's shape, so OpenAI clients show the message.
"""
from __future__ import annotations

from ..errors import (AskintlError, ConfigError, ConflictError, IndexUnavailableError, InvalidRequestError,
                      NotFoundError, StorageError)
from .openai import error_body

#: HTTP status per error class; a subclass answers with its nearest listed ancestor's, else 500.
HTTP_STATUS: dict[type[AskintlError], int] = {
    ConfigError: 500,
    IndexUnavailableError: 503,  # the service is up, its index is not (yet)
    StorageError: 503,  # with Retry-After: the disk may have room again later
    NotFoundError: 404,
    ConflictError: 409,
    InvalidRequestError: 422,
}


def http_status(exc: AskintlError) -> int:
    for cls in type(exc).__mro__:
        if cls in HTTP_STATUS:
            return HTTP_STATUS[cls]
    return 500


def is_openai_path(path: str) -> bool:
    return path.startswith(("/v1/chat/", "/v1/models"))


def error_content(path: str, status: int, error: str, detail: str, param: str | None = None) -> dict:
    """askintl's error body ``{"error", "detail"}``, or OpenAI's on the OpenAI-compatible paths."""
    if is_openai_path(path):
        return error_body(detail, status, param=param)
    return {"error": error, "detail": detail}

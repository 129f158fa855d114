"""Structured request logs: one JSON object per line on stderr (logger ``askintl.access``)."""
from __future__ import annotations

import json
import logging
import sys
import time

ACCESS_LOGGER = "askintl.access"


class JsonFormatter(logging.Formatter):
    """The record's message as ``event`` plus every field passed in ``extra={"fields": {...}}``."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        out.update(getattr(record, "fields", None) or {})
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class _StderrHandler(logging.Handler):
    """Writes to the current ``sys.stderr`` (not the one at set-up: test runners swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # noqa: BLE001 - logging must never break a request
            self.handleError(record)


def setup_request_log(enabled: bool) -> logging.Logger:
    """The access logger, with the JSON handler installed once per process when enabled."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if enabled and not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger

"""The HTTP API (FastAPI). ``create_app(settings)`` builds it; the model and index load in lifespan.

``create_app`` is imported on first use, so that the service's own modules (``feedback``,
``metrics``, ...) can be used without loading FastAPI (``askintl report`` reads the feedback store).
"""
from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str):
    if name == "create_app":
        from .app import create_app

        return create_app
    raise AttributeError(f"module 'askintl.api' has no attribute {name!r}")

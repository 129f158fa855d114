"""FastAPI dependencies: the app's services (set up in lifespan) and the admin key check."""
from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, HTTPException, Request

from .admin import CorpusAdmin
from ..engine import Engine
from .feedback import FeedbackStore
from .metrics import ServiceMetrics


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


def get_feedback(request: Request) -> FeedbackStore:
    return request.app.state.feedback


def get_metrics(request: Request) -> ServiceMetrics:
    return request.app.state.metrics


def get_admin(request: Request) -> CorpusAdmin:
    return request.app.state.admin


EngineDep = Annotated[Engine, Depends(get_engine)]
FeedbackDep = Annotated[FeedbackStore, Depends(get_feedback)]
MetricsDep = Annotated[ServiceMetrics, Depends(get_metrics)]
AdminDep = Annotated[CorpusAdmin, Depends(get_admin)]


def public_base_url(request: Request) -> str:
    """Where the public reaches this server: ``settings.public_url`` or the request's base URL."""
    configured = request.app.state.settings.public_url
    return (configured or str(request.base_url)).rstrip("/")


def require_admin(request: Request) -> None:
    """401 without a key, 403 with a wrong one (or when no key is configured: admin is off)."""
    secret = request.app.state.settings.admin_api_key
    expected = secret.get_secret_value() if secret else ""
    auth = request.headers.get("authorization", "")
    given = auth[7:].strip() if auth[:7].lower() == "bearer " else request.headers.get("x-api-key", "")
    if not given:
        raise HTTPException(401, "this endpoint needs the admin API key: "
                                 "send `Authorization: Bearer <key>` or `X-API-Key: <key>`",
                            headers={"WWW-Authenticate": 'Bearer realm="askintl admin"'})
    if not expected:
        raise HTTPException(403, "the admin endpoints are disabled: set ASKINTL_ADMIN_API_KEY on the server")
    if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        raise HTTPException(403, "wrong admin API key")
    request.state.admin = True

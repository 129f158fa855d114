"""FastAPI application factory: routes are thin, the Engine does the work.

    create_app(settings, engine=None)
      lifespan      loads the engine (unless given), opens the feedback store, starts the admin
      middleware    ForwardedMiddleware (the reader's address from settings.trusted_proxies only)
                    → ObservabilityMiddleware (request id, JSON log, metrics)
                    → CORSMiddleware (settings.cors_origins)
                    → LimitsMiddleware (rate limit on /v1/, body size)
      routes        answers (/v1/ask, /v1/feedback), documents, institutions, openai (/v1/chat/completions,
                    /v1/models), admin (/v1/admin/*), service (/healthz, /metrics),
                    pages (/, /widget.js, /documents/{doc_id}) and /static
"""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from .admin import CorpusAdmin
from ..config import Settings, get_settings
from ..engine import Engine
from ..errors import AskintlError
from .errors import error_content, http_status, is_openai_path
from .feedback import FeedbackStore
from .metrics import ServiceMetrics
from .ratelimit import RateLimiter
from .logs import setup_request_log
from .middleware import ForwardedMiddleware, LimitsMiddleware, ObservabilityMiddleware
from .routes import admin, answers, documents, institutions, openai, pages, service
from .schemas import ErrorOut

log = logging.getLogger("askintl.api")
_PHRASES = {400: "bad request", 401: "unauthorized", 403: "forbidden", 404: "not found",
            405: "method not allowed", 409: "conflict", 413: "request too large", 415: "unsupported media type",
            422: "invalid request", 429: "rate limited"}


def _describe_validation(exc: RequestValidationError) -> tuple[str, str | None]:
    parts, first = [], None
    for err in exc.errors():
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
        first = first or loc or None
        parts.append(f"{loc or 'body'}: {err.get('msg')}")
    return "; ".join(parts) or "invalid request", first


def _error_response(request: Request, status: int, error: str, detail: str, headers=None,
                    param: str | None = None) -> JSONResponse:
    return JSONResponse(error_content(request.url.path, status, error, detail, param=param), status_code=status,
                        headers=headers)


def _index_state(app: FastAPI):
    def read() -> dict:
        engine = app.state.engine
        snap = engine.snapshot
        return {"documents": len(snap.documents), "passages": snap.n_passages, "version": snap.version,
                "embedder": engine.embedder.id}
    return read


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app. ``engine`` may be given (tests); otherwise it loads in lifespan."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = engine or Engine.open(settings)
        app.state.feedback = FeedbackStore.for_settings(settings)
        app.state.admin = CorpusAdmin(settings, app.state.engine,
                                      on_reindex=lambda outcome: metrics.reindexes.labels(outcome=outcome).inc())
        try:
            yield
        finally:
            app.state.admin.close()
            app.state.feedback.close()

    app = FastAPI(
        title="askintl",
        version=__version__,
        description="Extractive, cited answers from universities' international-office texts. "
        "Every quote is an exact span of a source document.",
        lifespan=lifespan,
        responses={422: {"model": ErrorOut}},
    )
    metrics = ServiceMetrics(index_state=_index_state(app),
                             answer_cache=lambda: app.state.engine.answer_cache.stats())
    app.state.settings = settings
    app.state.metrics = metrics

    @app.exception_handler(AskintlError)
    async def _askintl_error(request: Request, exc: AskintlError):
        status = http_status(exc)
        if status == 422 and is_openai_path(request.url.path):
            status = 400
        return _error_response(request, status, type(exc).__name__, str(exc))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        detail, param = _describe_validation(exc)
        status = 400 if is_openai_path(request.url.path) else 422
        return _error_response(request, status, "invalid request", detail, param=param)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        return _error_response(request, exc.status_code, _PHRASES.get(exc.status_code, "error"), detail,
                               headers=getattr(exc, "headers", None))

    for module in (answers, documents, institutions, openai, admin, service, pages):
        app.include_router(module.router)

    # Added innermost first: the last one added is the outermost.
    app.add_middleware(LimitsMiddleware, limiter=RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst),
                       metrics=metrics, max_body=settings.max_request_bytes, max_admin_body=settings.max_document_bytes,
                       limit_loopback=settings.rate_limit_loopback)
    app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["GET", "POST"],
                       allow_headers=["Content-Type"], expose_headers=["Retry-After", "X-Request-ID"], max_age=600)
    app.add_middleware(ObservabilityMiddleware, metrics=metrics, logger=setup_request_log(settings.request_log),
                       log_requests=settings.request_log, routes=app.router.routes)
    app.add_middleware(ForwardedMiddleware, trusted_proxies=settings.trusted_proxies)
    return app

"""FastAPI application factory: routes are thin, the Engine does the work."""
from __future__ import annotations

import logging
import uuid
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from ..config import Settings, get_settings
from ..engine import Engine
from ..errors import AskintlError
from .schemas import AskRequest, AskResponse, DocumentOut, DocumentSummary, ErrorOut, Health

log = logging.getLogger("askintl.api")


def _describe_validation(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body")
        parts.append(f"{loc or 'body'}: {err.get('msg')}")
    return "; ".join(parts) or "invalid request"


def get_engine(request: Request) -> Engine:
    return request.app.state.engine


EngineDep = Annotated[Engine, Depends(get_engine)]


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the app. ``engine`` may be given (tests); otherwise it loads in lifespan."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = engine or Engine.open(settings)
        yield

    app = FastAPI(
        title="askintl",
        version="0.1.0",
        description="Extractive, cited answers from universities' international-office texts. "
        "Every quote is an exact span of a source document.",
        lifespan=lifespan,
        responses={422: {"model": ErrorOut}},
    )
    app.state.settings = settings

    @app.exception_handler(AskintlError)
    async def _askintl_error(request: Request, exc: AskintlError):
        return JSONResponse({"error": type(exc).__name__, "detail": str(exc)}, status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError):
        return JSONResponse({"error": "invalid request", "detail": _describe_validation(exc)}, status_code=422)

    @app.post("/v1/ask", response_model=AskResponse, tags=["answers"],
              responses={422: {"model": ErrorOut}, 503: {"model": ErrorOut}})
    def ask(body: AskRequest, engine: EngineDep) -> AskResponse:
        """Answer a question with an exact, cited quote, or abstain when the sources do not say."""
        result = engine.ask(body.question, history=[t.model_dump() for t in body.history], top_k=body.top_k)
        data = result.to_dict()
        return AskResponse(id=uuid.uuid4().hex, index_version=engine.snapshot.version, **data)

    @app.get("/v1/documents", response_model=list[DocumentSummary], tags=["documents"])
    def list_documents(engine: EngineDep) -> list[DocumentSummary]:
        """Every indexed document."""
        return [DocumentSummary(doc_id=d.doc_id, title=d.title, institution=d.institution or d.title, url=d.url)
                for d in engine.documents()]

    @app.get("/v1/documents/{doc_id}", response_model=DocumentOut, tags=["documents"],
             responses={404: {"model": ErrorOut}})
    def get_document(doc_id: str, engine: EngineDep) -> DocumentOut:
        """One document with the text that every start/end offset indexes."""
        d = engine.document(doc_id)
        return DocumentOut(doc_id=d.doc_id, title=d.title, institution=d.institution or d.title,
                           aliases=list(d.aliases), city=d.city, language=d.language, url=d.url, text=d.text,
                           content_hash=d.content_hash)

    @app.get("/healthz", response_model=Health, tags=["service"])
    def healthz(engine: EngineDep) -> Health:
        """200 once the model and index are loaded and questions can be answered."""
        snap = engine.snapshot
        return Health(status="ok", index_version=snap.version, documents=len(snap.documents),
                      passages=snap.n_passages, embedder=engine.embedder.id)

    return app

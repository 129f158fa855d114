"""GET /v1/documents and /v1/documents/{doc_id}: the texts every citation offset indexes."""
from __future__ import annotations

from fastapi import APIRouter

from ..deps import EngineDep
from ..schemas import DocumentOut, DocumentSummary, ErrorOut

router = APIRouter(tags=["documents"])


@router.get("/v1/documents", response_model=list[DocumentSummary])
def list_documents(engine: EngineDep) -> list[DocumentSummary]:
    """Every indexed document."""
    return [DocumentSummary(doc_id=d.doc_id, title=d.title, institution=d.institution or d.title, url=d.url)
            for d in engine.documents()]


@router.get("/v1/documents/{doc_id}", response_model=DocumentOut, responses={404: {"model": ErrorOut}})
def get_document(doc_id: str, engine: EngineDep) -> DocumentOut:
    """One document with the text that every start/end offset indexes."""
    d = engine.document(doc_id)
    return DocumentOut(doc_id=d.doc_id, title=d.title, institution=d.institution or d.title,
                       aliases=list(d.aliases), city=d.city, language=d.language, url=d.url, text=d.text,
                       content_hash=d.content_hash, fetched_at=d.fetched_at, page_date=d.page_date)

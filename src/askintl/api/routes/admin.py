"""Admin endpoints (API key): add, replace and delete documents; reindex in the background.

The documents are written to the corpus folder (see ``askintl.api.admin``); the engine keeps
answering from the live index version until the new one is published, then switches.
"""
from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from ..admin import Change, DocumentUpload
from ..deps import AdminDep, require_admin
from ..schemas import AdminChangeOut, DocumentIn, ErrorOut, NewDocumentIn, ReindexStatusOut

router = APIRouter(prefix="/v1/admin", tags=["admin"], dependencies=[Depends(require_admin)],
                   responses={401: {"model": ErrorOut}, 403: {"model": ErrorOut}, 413: {"model": ErrorOut},
                              422: {"model": ErrorOut}})


def _accepted(request: Request, change) -> JSONResponse:
    request.state.admin_action = change.action
    out = AdminChangeOut(doc_id=change.doc_id, action=change.action, generation=change.generation)
    return JSONResponse(out.model_dump(), status_code=202)


def _upload(doc_id: str, body: DocumentIn) -> DocumentUpload:
    return DocumentUpload(doc_id=doc_id, text=body.text, format=body.format, title=body.title,
                          institution=body.institution, aliases=list(body.aliases), city=body.city,
                          language=body.language, url=body.url)


@router.post("/documents", status_code=202, response_model=AdminChangeOut, responses={409: {"model": ErrorOut}})
async def add_document(body: NewDocumentIn, request: Request, admin: AdminDep):
    """Add a new document (409 if its id exists). Answers include it once reindexing ends."""
    change = await run_in_threadpool(admin.put, _upload(body.doc_id, body), True)
    return _accepted(request, change)


@router.put("/documents/{doc_id}", status_code=202, response_model=AdminChangeOut)
async def put_document(doc_id: str, body: DocumentIn, request: Request, admin: AdminDep):
    """Replace a document (or add it): its text and its catalog metadata."""
    change = await run_in_threadpool(admin.put, _upload(doc_id, body), False)
    return _accepted(request, change)


@router.delete("/documents/{doc_id}", status_code=202, response_model=AdminChangeOut,
               responses={404: {"model": ErrorOut}, 409: {"model": ErrorOut}})
async def delete_document(doc_id: str, request: Request, admin: AdminDep):
    """Delete a document from the corpus folder and the index."""
    change = await run_in_threadpool(admin.delete, doc_id)
    return _accepted(request, change)


@router.post("/reindex", status_code=202, response_model=AdminChangeOut)
async def reindex(request: Request, admin: AdminDep):
    """Reindex the corpus folder (after its files were changed by other means)."""
    change = Change(None, "reindex", admin.request_reindex())
    return _accepted(request, change)


@router.get("/status", response_model=ReindexStatusOut)
def status(admin: AdminDep) -> ReindexStatusOut:
    """Background reindexing: the latest change requested and the latest one live."""
    return ReindexStatusOut(**admin.status())

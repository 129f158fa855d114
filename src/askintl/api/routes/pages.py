"""The browser side: the widget script, the demo page at /, and the document page that
highlights a quoted span. The pages are static files that fill themselves from the JSON API
(with textContent only), under a strict Content-Security-Policy."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from ...errors import NotFoundError
from ..deps import EngineDep

STATIC = Path(__file__).resolve().parent.parent / "static"
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
PAGE_HEADERS = {"Content-Security-Policy": PAGE_CSP, "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
router = APIRouter(include_in_schema=False)


def page(name: str, status_code: int = 200) -> FileResponse:
    return FileResponse(STATIC / name, media_type="text/html; charset=utf-8", headers=PAGE_HEADERS,
                        status_code=status_code)


@router.get("/")
def demo_page() -> FileResponse:
    return page("index.html")


@router.api_route("/widget.js", methods=["GET", "HEAD"])
def widget_script() -> FileResponse:
    # Embedded by other sites' pages: cacheable, and loadable by pages that isolate themselves.
    return FileResponse(STATIC / "widget.js", media_type="text/javascript; charset=utf-8", headers={
        "Cache-Control": "public, max-age=600", "Cross-Origin-Resource-Policy": "cross-origin",
        "X-Content-Type-Options": "nosniff", "Access-Control-Allow-Origin": "*"})


@router.get("/documents/{doc_id}")
def document_page(doc_id: str, engine: EngineDep) -> FileResponse:
    """The document with ``?start=&end=`` highlighted; 404 (same page, saying so) if unknown."""
    try:
        engine.document(doc_id)
    except NotFoundError:
        return page("document.html", status_code=404)
    return page("document.html")

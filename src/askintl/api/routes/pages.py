"""The browser side: the widget script, the demo page at /, and the document page that
highlights a quoted span. The pages are static files that fill themselves from the JSON API
(with textContent only), under a strict Content-Security-Policy.

Every file here is served by static_files: gzip (brotli if installed), ETag and Last-Modified,
304 to conditional requests, and HEAD as well as GET."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from ...errors import NotFoundError
from ..deps import EngineDep
from ..static_files import file_response, preload

STATIC = Path(__file__).resolve().parent.parent / "static"
PAGE_CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'self'")
PAGE_HEADERS = {"Content-Security-Policy": PAGE_CSP, "Referrer-Policy": "no-referrer",
                "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache"}
# Embedded by other sites' pages: cacheable, and loadable by pages that isolate themselves.
ASSET_HEADERS = {"Cache-Control": "public, max-age=600", "Cross-Origin-Resource-Policy": "cross-origin",
                 "X-Content-Type-Options": "nosniff", "Access-Control-Allow-Origin": "*"}
router = APIRouter(include_in_schema=False)
preload(STATIC)  # read and compressed once, at startup (again only if a file changes)


def page(request: Request, name: str, status_code: int = 200) -> Response:
    return file_response(request, STATIC / name, headers=PAGE_HEADERS, status_code=status_code)


@router.api_route("/", methods=["GET", "HEAD"])
def demo_page(request: Request) -> Response:
    return page(request, "index.html")


@router.api_route("/widget.js", methods=["GET", "HEAD"])
def widget_script(request: Request) -> Response:
    return file_response(request, STATIC / "widget.js", headers=ASSET_HEADERS)


@router.api_route("/static/{name}", methods=["GET", "HEAD"])
def static_file(name: str, request: Request) -> Response:
    """A file directly in static/ (the name has no slash: nothing outside it can be reached)."""
    path = STATIC / name
    if name.startswith(".") or not path.is_file():
        raise HTTPException(404)
    return file_response(request, path, headers=ASSET_HEADERS)


@router.api_route("/documents/{doc_id}", methods=["GET", "HEAD"])
def document_page(doc_id: str, request: Request, engine: EngineDep) -> Response:
    """The document with ``?start=&end=`` highlighted; 404 (same page, saying so) if unknown."""
    try:
        engine.document(doc_id)
    except NotFoundError:
        return page(request, "document.html", status_code=404)
    return page(request, "document.html")

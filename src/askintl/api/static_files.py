"""The widget and the pages' static files, compressed and revalidated.

Each file is read, hashed and compressed once (gzip, and brotli when a brotli module happens to
be installed; askintl does not depend on one), and again only when its size or modification
time changes. A response carries a weak ETag (the same for every encoding of one content),
Last-Modified, ``Vary: Accept-Encoding`` and the caller's Cache-Control; a request whose
If-None-Match (or, without it, If-Modified-Since) matches gets 304 with no body; HEAD gets the
GET headers with no body.
"""
from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
from dataclasses import dataclass
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

try:  # optional: used only if already installed
    import brotli as _brotli  # type: ignore[import-not-found]
except ImportError:  # pragma: no cover - depends on the environment
    _brotli = None

MIN_COMPRESS = 256  # bytes: smaller files go as they are
TEXT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
              ".html": "text/html; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
              ".txt": "text/plain; charset=utf-8"}


@dataclass(frozen=True)
class Asset:
    stamp: tuple[int, int]              # (size, mtime_ns) of the file this was read from
    media_type: str
    etag: str
    last_modified: str
    mtime: float
    bodies: dict[str, bytes]            # content-coding ("identity", "gzip", "br") -> body


_cache: dict[Path, Asset] = {}
_lock = threading.Lock()


def media_type(path: Path) -> str:
    return TEXT_TYPES.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def load(path: Path) -> Asset:
    """The file's asset, read again only if the file changed. FileNotFoundError if it is gone."""
    st = path.stat()
    stamp = (st.st_size, st.st_mtime_ns)
    asset = _cache.get(path)
    if asset is not None and asset.stamp == stamp:
        return asset
    data = path.read_bytes()
    bodies = {"identity": data}
    if len(data) >= MIN_COMPRESS:
        gz = gzip.compress(data, compresslevel=9, mtime=0)
        if len(gz) < len(data):
            bodies["gzip"] = gz
        if _brotli is not None:
            br = _brotli.compress(data)
            if len(br) < len(data):
                bodies["br"] = br
    asset = Asset(stamp=stamp, media_type=media_type(path),
                  etag='W/"' + hashlib.sha256(data).hexdigest()[:32] + '"',
                  last_modified=formatdate(st.st_mtime, usegmt=True), mtime=int(st.st_mtime), bodies=bodies)
    with _lock:
        _cache[path] = asset
    return asset


def preload(directory: Path) -> None:
    """Read and compress every file of ``directory`` now (at startup) rather than on first request."""
    for path in sorted(directory.iterdir()):
        if path.is_file():
            load(path)


def _accepted(header: str) -> dict[str, float]:
    out: dict[str, float] = {}
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        out[name] = q
    return out


def choose_encoding(accept_encoding: str, available) -> str:
    """The best coding the client accepts among ``available``: br, then gzip, else identity."""
    accepted = _accepted(accept_encoding or "")
    star = accepted.get("*", 0.0)
    for coding in ("br", "gzip"):
        if coding in available and accepted.get(coding, star) > 0:
            return coding
    return "identity"


def _etag_matches(if_none_match: str, etag: str) -> bool:
    if if_none_match.strip() == "*":
        return True
    opaque = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == opaque for tag in if_none_match.split(","))


def _not_modified_since(if_modified_since: str, mtime: float) -> bool:
    try:
        since = parsedate_to_datetime(if_modified_since).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    return int(mtime) <= since


def file_response(request: Request, path: Path, *, headers: dict[str, str] | None = None,
                  status_code: int = 200, media: str | None = None) -> Response:
    """``path`` for ``request`` (GET or HEAD): compressed if accepted, 304 if the client has it."""
    asset = load(path)
    common = {"ETag": asset.etag, "Last-Modified": asset.last_modified, "Vary": "Accept-Encoding",
              **(headers or {})}
    if status_code == 200:
        inm = request.headers.get("if-none-match")
        ims = request.headers.get("if-modified-since")
        if (inm is not None and _etag_matches(inm, asset.etag)) or (
                inm is None and ims is not None and _not_modified_since(ims, asset.mtime)):
            return Response(status_code=304, headers=common)
    coding = choose_encoding(request.headers.get("accept-encoding", ""), asset.bodies)
    body = asset.bodies[coding]
    out = dict(common)
    if coding != "identity":
        out["Content-Encoding"] = coding
    response = Response(b"" if request.method == "HEAD" else body, status_code=status_code,
                        media_type=media or asset.media_type, headers=out)
    response.headers["Content-Length"] = str(len(body))
    return response

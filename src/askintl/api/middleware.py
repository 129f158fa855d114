"""ASGI middleware: client addresses behind proxies; request ids, structured logs and metrics;
rate and size limits.

Order, outermost first: ForwardedMiddleware → ObservabilityMiddleware → CORS → LimitsMiddleware
→ routes, so that every response (a 429 included) is counted and logged under the reader's
address and carries the CORS headers a browser needs to read it.
"""
from __future__ import annotations

import ipaddress
import json
import logging
import re
import time
import uuid

from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import error_content
from .metrics import ServiceMetrics
from .ratelimit import RateLimiter, retry_after_header

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}


async def send_error(send: Send, path: str, status: int, error: str, detail: str, headers=()) -> None:
    """An error answered before (or instead of) the app: the same body as the app's handlers."""
    body = json.dumps(error_content(path, status, error, detail), ensure_ascii=False).encode("utf-8")
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), *headers]})
    await send({"type": "http.response.body", "body": body})


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or ():
        if key == name:
            return value.decode("latin-1")
    return None


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, metrics: ServiceMetrics, logger: logging.Logger, log_requests: bool = True,
                 routes: list | None = None):
        self.app = app
        self.metrics = metrics
        self.logger = logger
        self.log_requests = log_requests
        self.routes = routes if routes is not None else []  # the app's routes, to name refused requests

    def _template(self, scope: Scope) -> str:
        """The route template (a bounded metric label), also for requests refused before routing."""
        route = scope.get("route")
        if route is not None and getattr(route, "path", None):
            return route.path
        for candidate in self.routes:
            match, _ = candidate.matches(scope)
            if match != Match.NONE:
                return getattr(candidate, "path", "") or "<unmatched>"
        return "<preflight>" if scope["method"] == "OPTIONS" else "<unmatched>"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        request_id = incoming if incoming and _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 500
        sent_bytes = 0
        response_started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, sent_bytes, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers.append("X-Request-ID", request_id)
                if "x-content-type-options" not in headers:
                    headers.append("X-Content-Type-Options", "nosniff")
            elif message["type"] == "http.response.body":
                sent_bytes += len(message.get("body", b""))
            await send(message)

        error = None
        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:  # logged below with its traceback; the client gets the request id
            error = exc
            if response_started:
                raise
            await send_error(send_wrapper, scope["path"], 500, "internal error",
                             f"the server failed to answer (request id {request_id})")
            status = 500
        finally:
            seconds = time.perf_counter() - started
            method = scope["method"] if scope["method"] in _METHODS else "OTHER"
            template = self._template(scope)
            self.metrics.requests.labels(method=method, route=template, status=str(status)).inc()
            self.metrics.latency.labels(method=method, route=template).observe(seconds)
            if self.log_requests:
                client = scope.get("client")
                fields = {
                    "request_id": request_id, "method": scope["method"], "path": scope["path"], "route": template,
                    "status": status, "duration_ms": round(seconds * 1000, 2), "bytes_sent": sent_bytes,
                    "client": client[0] if client else None,
                    **{k: state[k] for k in ("answer_id", "abstained", "channel", "admin_action") if k in state},
                }
                level = logging.ERROR if status >= 500 else logging.INFO
                self.logger.log(level, "request", extra={"fields": fields},
                                exc_info=(type(error), error, error.__traceback__) if error else None)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """A plain IP address (no port, no zone, no host name), or None."""
    try:
        ip = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and (ip.scope_id is not None):
        return None
    return ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped else ip


def parse_networks(entries) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    return [ipaddress.ip_network(str(e).strip(), strict=False) for e in entries or ()]


def _trusted(ip, networks) -> bool:
    return ip is not None and any(ip.version == n.version and ip in n for n in networks)


def client_address(client, headers, trusted) -> str:
    """The reader's address: the peer's, unless the peer is one of the ``trusted`` proxies
    (addresses or networks) and sends a valid ``X-Forwarded-For``. That header is read from
    the right (each proxy appends the address it got the request from), skipping trusted
    proxies; the first other address is the reader. Anything that is not a plain IP address
    where it is read makes the whole header ignored: the peer's address is used."""
    networks = trusted if trusted and not isinstance(trusted[0], str) else parse_networks(trusted)
    peer = client[0] if client else "unknown"
    if not networks or not _trusted(_ip(peer), networks):
        return peer
    values = [v.decode("latin-1") for k, v in headers or () if k == b"x-forwarded-for"]
    if not values:
        return peer
    found = None
    for hop in reversed(",".join(values).split(",")):
        ip = _ip(hop)
        if ip is None:
            return peer
        found = ip
        if not _trusted(ip, networks):
            break
    return str(found) if found is not None else peer


class ForwardedMiddleware:
    """Sets the request's client address (and scheme) from X-Forwarded-For (and
    X-Forwarded-Proto) when, and only when, the peer is a configured trusted proxy."""

    def __init__(self, app: ASGIApp, trusted_proxies):
        self.app = app
        self.networks = parse_networks(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.networks:
            client = scope.get("client")
            if client and _trusted(_ip(client[0]), self.networks):
                scope["client"] = (client_address(client, scope.get("headers"), self.networks), 0)
                scope.setdefault("state", {})["via_proxy"] = True
                proto = (_header(scope, b"x-forwarded-proto") or "").split(",")[-1].strip().lower()
                if proto in ("http", "https"):
                    scope["scheme"] = proto
        await self.app(scope, receive, send)


def _is_loopback(address: str) -> bool:
    """Clients on this machine (an evaluation script) are not rate limited unless
    rate_limit_loopback is set."""
    ip = _ip(address)
    return ip is not None and ip.is_loopback


class _BodyTooLarge(HTTPException):
    """Raised while the body is read; an HTTPException so that FastAPI lets it through as 413."""

    def __init__(self, limit: int):
        super().__init__(413, f"the request body exceeds {limit} bytes")


class LimitsMiddleware:
    """Per-client rate limit on /v1/ (429 + Retry-After) and request body size limits (413)."""

    def __init__(self, app: ASGIApp, limiter: RateLimiter, metrics: ServiceMetrics, max_body: int,
                 max_admin_body: int, limit_loopback: bool = False):
        self.app = app
        self.limit_loopback = limit_loopback
        self.limiter = limiter
        self.metrics = metrics
        self.max_body = max_body
        self.max_admin_body = max_admin_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        client = scope.get("client")
        address = client[0] if client else "unknown"
        # A request relayed by a trusted proxy comes from the public, whatever the address.
        via_proxy = (scope.get("state") or {}).get("via_proxy", False)
        if path.startswith("/v1/") and (self.limit_loopback or via_proxy or not _is_loopback(address)):
            decision = self.limiter.check(address)
            if not decision.allowed:
                self.metrics.rate_limited.inc()
                wait = retry_after_header(decision.retry_after)
                await send_error(send, path, 429, "rate limited",
                                 f"too many requests from your address: try again in {wait} s",
                                 headers=[(b"retry-after", wait.encode())])
                return
        limit = self.max_admin_body if path.startswith("/v1/admin/") else self.max_body
        declared = _header(scope, b"content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await send_error(send, path, 400, "bad request", "invalid Content-Length header")
                return
            if int(declared) > limit:
                await send_error(send, path, 413, "request too large",
                                 f"the request body is {int(declared)} bytes; the limit is {limit}")
                return

        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _BodyTooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _BodyTooLarge:
            if started:
                raise
            await send_error(send, path, 413, "request too large", f"the request body exceeds {limit} bytes")

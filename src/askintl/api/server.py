"""How `askintl serve` runs uvicorn: connection timeouts and limits from Settings.

uvicorn closes a keep-alive connection that stays idle after a response
(``timeout_keep_alive``), but a connection that never completes its first request's headers
(opened and left idle, or sent one byte at a time) is kept forever. ``HeaderTimeoutH11Protocol``
closes a new connection that sends nothing within ``timeout_keep_alive`` as well, and gives
every request ``timeout_headers`` seconds, from the connection's opening or the previous
response, to deliver its complete headers; otherwise the connection is closed.
``limit_concurrency`` bounds connections and requests at once (503 past it), and
``max_header_bytes`` the request line and headers.
"""
from __future__ import annotations

import asyncio
import logging

from uvicorn.protocols.http.h11_impl import H11Protocol

from ..config import Settings

log = logging.getLogger("askintl.api")


def header_timeout_protocol(seconds: float) -> type[H11Protocol]:
    """uvicorn's h11 protocol, closing connections whose request headers take over ``seconds``."""

    class HeaderTimeoutH11Protocol(H11Protocol):
        header_timeout = seconds

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm_header_timer()
            # A new connection that sends nothing is idle like a kept-alive one: same timeout.
            self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive,
                                                                self.timeout_keep_alive_handler)

        def _arm_header_timer(self) -> None:
            self._cancel_header_timer()
            self._waiting_since_cycle = self.cycle  # headers are in once a new cycle exists
            self._header_timer = self.loop.call_later(self.header_timeout, self._header_timeout)

        def _cancel_header_timer(self) -> None:
            timer = getattr(self, "_header_timer", None)
            if timer is not None:
                timer.cancel()
                self._header_timer = None

        def _header_timeout(self) -> None:
            self._header_timer = None
            if self.cycle is self._waiting_since_cycle and not self.transport.is_closing():
                log.info("closing a connection from %s: no complete request headers in %s s",
                         self.client and self.client[0], self.header_timeout)
                self.transport.close()

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            if self.cycle is not self._waiting_since_cycle:
                self._cancel_header_timer()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            # (a pipelined request already parsed by super() is a new, unfinished cycle: no timer)
            if not self.transport.is_closing() and self.cycle is not None and self.cycle.response_complete:
                self._arm_header_timer()

        def connection_lost(self, exc: Exception | None) -> None:
            self._cancel_header_timer()
            super().connection_lost(exc)

    return HeaderTimeoutH11Protocol


def uvicorn_options(settings: Settings) -> dict:
    """Keyword arguments for ``uvicorn.run`` (or ``uvicorn.Config``) from the settings."""
    return {
        "host": settings.host,
        "port": settings.port,
        "http": header_timeout_protocol(settings.timeout_headers),
        "timeout_keep_alive": settings.timeout_keep_alive,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "limit_concurrency": settings.limit_concurrency,
        # Client addresses from X-Forwarded-For are taken by askintl itself, from
        # settings.trusted_proxies only (api/middleware.py), not by uvicorn.
        "proxy_headers": False,
        # askintl writes its own structured request log; uvicorn's plain access line would repeat it.
        "access_log": False,
    }

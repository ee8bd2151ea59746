"""The application factory uvicorn runs (``sucre serve``), one per worker process.

It reads ``SUCRE_DATABASE_URL`` and connects without migrating: ``sucre serve`` migrates once
before starting the workers, so that several workers never race on a migration.

:class:`NoDelayH11Protocol` is uvicorn's h11 protocol with ``TCP_NODELAY`` set on every
connection. asyncio sets it only on sockets whose ``proto`` is ``IPPROTO_TCP``; with
``--workers`` > 1 uvicorn binds the shared socket with ``proto=0``, so Nagle's algorithm stayed on
and, meeting the client's delayed ACK, held every response on a keep-alive connection for 40 ms
(measured: 0.7 ms per request with one worker, 44 ms with two). It also bounds the time a client
may take to send a request head (``SUCRE_CLIENT_TIMEOUT_S``): uvicorn times out only idle
kept-alive connections, so a head sent a byte at a time would hold its connection for ever.
The body is bounded by the same timeout in the :class:`~.gate.Gate`.
"""

from __future__ import annotations

import asyncio
import functools
import socket

from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from sucre.adapters.db.engine import make_engine
from sucre.config import Settings
from sucre.entrypoints.api.app import create_app

#: Import string of :func:`app_from_environment` for uvicorn (``factory=True``).
FACTORY = "sucre.entrypoints.api.server:app_from_environment"
#: Import string of :class:`NoDelayH11Protocol` for uvicorn's ``http`` setting.
HTTP_PROTOCOL = "sucre.entrypoints.api.server:NoDelayH11Protocol"


def app_from_environment() -> FastAPI:
    settings = Settings()
    return create_app(make_engine(settings.database_url), settings.client_timeout_s)


@functools.cache
def client_seconds() -> int:
    return Settings().client_timeout_s


class NoDelayH11Protocol(H11Protocol):
    head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
        self._await_head()

    def data_received(self, data: bytes) -> None:
        if self._between_requests():
            self._await_head()  # the first byte of a kept-alive connection's next request
        super().data_received(data)
        if not self._between_requests():
            self._head_arrived()

    def connection_lost(self, exc: Exception | None) -> None:
        self._head_arrived()
        super().connection_lost(exc)

    def _between_requests(self) -> bool:
        return self.cycle is None or self.cycle.response_complete

    def _await_head(self) -> None:
        if self.head_timer is None:
            self.head_timer = self.loop.call_later(client_seconds(), self._head_too_slow)

    def _head_arrived(self) -> None:
        if self.head_timer is not None:
            self.head_timer.cancel()
            self.head_timer = None

    def _head_too_slow(self) -> None:
        self.head_timer = None
        if self._between_requests() and not self.transport.is_closing():
            self.transport.close()

"""The gate every request passes: authenticate, bound the body, write the access log.

A pure ASGI middleware, so that it runs before routing and body parsing: an unauthenticated
caller gets 401 whatever it sends (no 404/405/422 that would describe the API to it), and an
oversized body is refused (413) before a byte of it is parsed. In order:

1. ``/health`` passes untouched (and unlogged: load balancers poll it);
2. the API key from ``Authorization: Bearer sk_...`` is checked (:func:`api_keys.authenticate`):
   401 otherwise; the principal is put in the request's state for the routes;
3. the body is read, at most ``bounds.api_body_bytes_max`` bytes (``api_xml_body_bytes_max``
   under ``/v1/iso/``), else 413, within the client timeout, else 408 (a body that trickles in
   would otherwise hold the connection); its SHA-256 goes into the state for idempotency;
4. the app runs; when the response starts, one access-log row is written (client, method, path,
   status, Idempotency-Key) before the status is sent, so no answered request goes unlogged. A
   state-changing request's row was already written with its stored response, in the same
   transaction (:meth:`.deps.Idempotent.store`), and is not written twice.

Refused (401) requests are logged through a :class:`RefusedTally`: one row each up to a bound
per window, then one row per method and path carrying the count, so a flood of unauthenticated
requests cannot turn into a flood of durable writes.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sucre import bounds
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import NotAuthenticated, SucreError
from sucre.entrypoints.api.errors import (
    BodyTooLarge,
    BodyTooSlow,
    database_unavailable,
    error_response,
    unavailable_response,
)
from sucre.service import api_keys, idempotency

log = logging.getLogger("sucre.api")

OPEN_PATHS = frozenset({"/health"})
XML_PREFIX = "/v1/iso/"


def bearer_token(headers: Headers) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def body_bytes_max(path: str) -> int:
    return bounds.api_xml_body_bytes_max if path.startswith(XML_PREFIX) else (
        bounds.api_body_bytes_max)


class RefusedTally:
    """Which refused requests get an access-log row of their own, and the count of the rest.

    Per worker process (the gate runs on one event loop, so no lock): within each window of
    ``window_s`` the first ``per_window`` refusals are written one by one; later ones are
    counted per (method, path), and :meth:`due` hands the counts over once the window is over.
    """

    def __init__(self, per_window: int = bounds.api_refused_logged_per_window,
                 window_s: float = bounds.api_refused_window_s,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.per_window = per_window
        self.window_s = window_s
        self.clock = clock
        self.started = clock()
        self.written = 0
        self.counts: Counter[tuple[str, str]] = Counter()

    def admit(self, method: str, path: str) -> bool:
        """True: log this refusal now; False: it was counted for the window's summary."""
        if self.clock() - self.started >= self.window_s and not self.counts:
            self.started, self.written = self.clock(), 0
        if self.written < self.per_window:
            self.written += 1
            return True
        key = (method, path)
        if key not in self.counts and len(self.counts) >= bounds.api_refused_paths_max:
            key = (method, "*")
        self.counts[key] += 1
        return False

    def due(self, *, final: bool = False) -> list[tuple[str, str, int]]:
        """The (method, path, count) rows of a finished window (of any, if ``final``), once."""
        if not self.counts or (self.clock() - self.started < self.window_s and not final):
            return []
        rows = [(method, path, count) for (method, path), count in self.counts.items()]
        self.counts.clear()
        self.started, self.written = self.clock(), 0
        return rows


class Gate:
    def __init__(self, app: ASGIApp, engine: Engine,
                 client_seconds: float = bounds.api_client_seconds_default) -> None:
        self.app = app
        self.engine = engine
        self.client_seconds = client_seconds
        self.refused = RefusedTally()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._flushing(send))
            return
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        await self.write_refused()
        headers = Headers(scope=scope)
        state = scope.setdefault("state", {})
        logged = _LoggedSend(self.engine, scope, headers.get("idempotency-key"), send)
        try:
            principal = await run_in_threadpool(api_keys.authenticate, SqlUnitOfWork(self.engine),
                                                bearer_token(headers))
        except DBAPIError as error:
            if not database_unavailable(error):
                raise
            await unavailable_response()(scope, receive, send)  # nowhere to log it
            return
        except NotAuthenticated as error:
            logged.skip = not self.refused.admit(logged.method, logged.path)
            await error_response(error)(scope, receive, logged)
            return
        logged.client_id = principal.client_id
        try:
            body = await _read_body(scope, headers, receive, self.client_seconds)
        except SucreError as error:
            await error_response(error)(scope, receive, logged)
            return
        state["principal"] = principal
        state["body_sha256"] = hashlib.sha256(body).hexdigest()
        try:
            await self.app(scope, _replay(body, receive), logged)
        except BaseException:
            if not logged.started:
                await logged.log(500)
            raise

    def _flushing(self, send: Send) -> Send:
        """``send`` for the lifespan: the counts of the window in progress are written before
        the server is told that shutdown is complete."""

        async def flushing(message: Message) -> None:
            if message["type"] == "lifespan.shutdown.complete":
                await self.write_refused(final=True)
            await send(message)

        return flushing

    async def write_refused(self, *, final: bool = False) -> None:
        """Write the summary rows of a finished window of refusals (any window at shutdown)."""
        for method, path, count in self.refused.due(final=final):
            await run_in_threadpool(idempotency.log_access, SqlUnitOfWork(self.engine), None,
                                    method, path, 401, None, count)


class _LoggedSend:
    """``send``, writing the access-log row when the response starts."""

    def __init__(self, engine: Engine, scope: Scope, idempotency_key: str | None,
                 send: Send) -> None:
        self.engine = engine
        self.state: dict[str, Any] = scope["state"]
        self.method = str(scope["method"])
        self.path = str(scope["path"])
        self.idempotency_key = idempotency_key
        self.client_id: int | None = None
        self.started = False
        self.skip = False  # a refusal counted by the RefusedTally instead
        self.send = send

    async def log(self, status: int) -> None:
        try:
            await run_in_threadpool(idempotency.log_access, SqlUnitOfWork(self.engine),
                                    self.client_id, self.method, self.path, status,
                                    self.idempotency_key)
        except DBAPIError as error:
            if not database_unavailable(error):
                raise
            # The database went away during the request: answer anyway (a 503, as a rule).
            log.warning("access log not written (database unavailable): %s %s %d",
                        self.method, self.path, status)

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start" and not self.started:
            self.started = True
            # else written with the stored response, or counted by the RefusedTally
            if not self.state.get("access_logged") and not self.skip:
                await self.log(int(message["status"]))
        await self.send(message)


async def _read_body(scope: Scope, headers: Headers, receive: Receive,
                     seconds: float) -> bytes:
    bound = body_bytes_max(str(scope["path"]))
    too_large = BodyTooLarge(f"the body is larger than {bound} bytes", field="body")
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > bound:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while True:
        try:
            message = await asyncio.wait_for(receive(), max(deadline - loop.time(), 0))
        except TimeoutError:
            raise BodyTooSlow(f"the body did not arrive within {seconds:g} s",
                              field="body") from None
        if message["type"] != "http.request":
            break  # the client went away; the app will see an empty body
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > bound:
            raise too_large
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the app the body already read, then waits for disconnect."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            message: dict[str, Any] = {"type": "http.request", "body": body,
                                       "more_body": False}
            return message
        return await receive()

    return replay

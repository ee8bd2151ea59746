"""The gate every request passes: authenticate, bound the body, write the access log.

A pure ASGI middleware, so that it runs before routing and body parsing: an unauthenticated
caller gets 401 whatever it sends (no 404/405/422 that would describe the API to it), and an
oversized body is refused (413) before a byte of it is parsed. In order:

1. ``/health`` passes untouched (and unlogged: load balancers poll it);
2. the API key from ``Authorization: Bearer sk_...`` is checked (:func:`access.authenticate`):
   401 otherwise; the principal is put in the request's state for the routes;
3. the body is read, at most ``limits.api_body_bytes_max`` bytes (``api_xml_body_bytes_max``
   under ``/v1/iso/``), else 413; its SHA-256 goes into the state for idempotency;
4. the app runs; when the response starts, one access-log row is written (client, method, path,
   status, Idempotency-Key) before the status is sent, so no answered request goes unlogged. A
   state-changing request's row was already written with its stored response, in the same
   transaction (:meth:`.deps.Idempotent.store`), and is not written twice.
"""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sucre.domain import limits
from sucre.domain.errors import SucreError
from sucre.entrypoints.api.errors import BodyTooLarge, error_response
from sucre.service import access

OPEN_PATHS = frozenset({"/health"})
XML_PREFIX = "/v1/iso/"


def bearer_token(headers: Headers) -> str | None:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def body_bytes_max(path: str) -> int:
    return limits.api_xml_body_bytes_max if path.startswith(XML_PREFIX) else (
        limits.api_body_bytes_max)


class Gate:
    def __init__(self, app: ASGIApp, engine: Engine) -> None:
        self.app = app
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        state = scope.setdefault("state", {})
        logged = _LoggedSend(self.engine, scope, headers.get("idempotency-key"), send)
        try:
            principal = await run_in_threadpool(access.authenticate, self.engine,
                                                bearer_token(headers))
            logged.client_id = principal.client_id
            body = await _read_body(scope, headers, receive)
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
        self.send = send

    async def log(self, status: int) -> None:
        await run_in_threadpool(access.log_access, self.engine, self.client_id, self.method,
                                self.path, status, self.idempotency_key)

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start" and not self.started:
            self.started = True
            if not self.state.get("access_logged"):  # else written with the stored response
                await self.log(int(message["status"]))
        await self.send(message)


async def _read_body(scope: Scope, headers: Headers, receive: Receive) -> bytes:
    bound = body_bytes_max(str(scope["path"]))
    too_large = BodyTooLarge(f"the body is larger than {bound} bytes", field="body")
    declared = headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > bound:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
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

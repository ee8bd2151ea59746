"""What is kept of each API request: its idempotency record and its access-log row.

Idempotency records
    Every state-changing request carries an ``Idempotency-Key``. :func:`begin_request` reserves
    ``(client, key)`` with a placeholder row (unique constraint); the request runs; then
    :func:`finish_request` stores its status and body, so a retry replays them. A concurrent
    retry loses the race on the unique constraint, re-reads the row and is told the request is
    still in progress (409) or gets the stored response. The same key with another method, path
    or body is an :class:`~sucre.domain.errors.IdempotencyConflict`. A request that crashed
    (:func:`abandon_request`) frees its key; a placeholder left by a dead worker is taken over
    after ``bounds.api_idempotency_in_progress_timeout_s``.

    Reserving, the action and storing the response are separate transactions, so each is run
    again when the database aborts it as a deadlock victim
    (:func:`~sucre.adapters.db.engine.retry_transient`): an action that committed always has its
    response stored and replayed. Every action that writes is one transaction (a batch of
    orders and a pacs.008 included: :func:`payments.submit_batch`), so one that fails for good
    has written nothing; it answers 500 (503 while the database is unavailable) and frees its
    key for the retry.

Access log
    :func:`log_access` appends one row per API request: client (or none when authentication
    failed), method, path, status and idempotency key. The row of an idempotent request is
    written by :func:`finish_request`, in the transaction that stores its response, which is
    why both records live in this module.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError

from sucre import bounds
from sucre.adapters.db import repository as repo
from sucre.adapters.db.engine import retry_transient
from sucre.domain.errors import (
    BadIdempotencyKey,
    IdempotencyConflict,
    RequestInProgress,
    invariant,
)
from sucre.domain.roles import Principal
from sucre.domain.text import printable

_IN_PROGRESS = 0  # status_code of a reserved key whose request has not finished
_IDEMPOTENCY_KEY_PATTERN = re.compile(r"[\x21-\x7e]+")  # visible ASCII, no spaces


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status_code: int
    media_type: str
    body: bytes

    def __post_init__(self) -> None:
        invariant(100 <= self.status_code < 600, "a stored response has an HTTP status")


def idempotency_key(text: str | None) -> str:
    """The header's value, checked: 1 to 64 visible ASCII characters."""
    if text is None or not text.strip():
        raise BadIdempotencyKey("an Idempotency-Key header is required on every state-changing "
                                "request", field="Idempotency-Key")
    key = text.strip()
    if (len(key) > bounds.api_idempotency_key_chars_max
            or not _IDEMPOTENCY_KEY_PATTERN.fullmatch(key)):
        raise BadIdempotencyKey(
            f"Idempotency-Key must be 1 to {bounds.api_idempotency_key_chars_max} visible ASCII "
            "characters", field="Idempotency-Key", reason_code="FF01")
    return key


@retry_transient
def begin_request(engine: Engine, principal: Principal, key: str, method: str, path: str,
                  body_sha256: str) -> StoredResponse | None:
    """Reserve ``key`` for this request (None: go ahead) or return the stored response."""
    path = path[:bounds.api_logged_path_chars_max]
    try:
        with engine.begin() as conn:
            existing = repo.idempotency_record(conn, principal.client_id, key)
            if existing is None:
                repo.reserve_idempotency(conn, {
                    "client_id": principal.client_id, "key": key, "method": method,
                    "path": path, "body_hash": body_sha256, "status_code": _IN_PROGRESS,
                    "response": ""})
                return None
    except IntegrityError:
        # A concurrent retry reserved the key first: answer from its row.
        with engine.connect() as conn:
            existing = repo.idempotency_record(conn, principal.client_id, key)
        if existing is None:
            raise
    return _answer_from(engine, existing, method, path, body_sha256)


def _answer_from(engine: Engine, record: Mapping[str, Any], method: str, path: str,
                 body_sha256: str) -> StoredResponse | None:
    if (record["method"], record["path"], record["body_hash"]) != (method, path, body_sha256):
        raise IdempotencyConflict(
            f"Idempotency-Key {record['key']!r} was already used for "
            f"{record['method']} {record['path']} with a different body: use a new key for a "
            "new request, or resend exactly the same request to get its response",
            field="Idempotency-Key")
    if record["status_code"] != _IN_PROGRESS:
        stored = json.loads(record["response"])
        return StoredResponse(int(record["status_code"]), str(stored["media_type"]),
                              str(stored["body"]).encode())
    if _take_over(engine, record):
        return None
    raise RequestInProgress(
        f"a request with Idempotency-Key {record['key']!r} is still in progress: retry later",
        field="Idempotency-Key")


def _take_over(engine: Engine, record: Mapping[str, Any]) -> bool:
    """Claim a placeholder whose request has been in progress too long (its worker died)."""
    cutoff = repo.now() - dt.timedelta(seconds=bounds.api_idempotency_in_progress_timeout_s)
    with engine.begin() as conn:
        return repo.claim_idempotency(conn, int(record["id"]), _IN_PROGRESS, cutoff)


@retry_transient
def finish_request(engine: Engine, principal: Principal, key: str, response: StoredResponse,
                   *, logged_as: tuple[str, str] | None = None) -> None:
    """Store the response of the request that reserved ``key``; retries will replay it.

    With ``logged_as=(method, path)``, the request's access-log row is written in the same
    transaction (one durable commit instead of two).
    """
    stored = json.dumps({"media_type": response.media_type, "body": response.body.decode()})
    with engine.begin() as conn:
        updated = repo.finish_idempotency(conn, principal.client_id, key, _IN_PROGRESS,
                                          response.status_code, stored)
        invariant(updated == 1, "the finished request held its key")
        if logged_as is not None:
            _append_access(conn, principal.client_id, *logged_as, response.status_code, key)


@retry_transient
def abandon_request(engine: Engine, principal: Principal, key: str) -> None:
    """Free a key whose request failed unexpectedly, so that a retry runs it again."""
    with engine.begin() as conn:
        repo.free_idempotency(conn, principal.client_id, key, _IN_PROGRESS)


def log_access(engine: Engine, client_id: int | None, method: str, path: str, status_code: int,
               idempotency_key: str | None = None, requests: int = 1) -> None:
    """Append one row to the access log (who, what, with which outcome; ``requests`` > 1 for
    a row that stands for that many identical refusals)."""
    with engine.begin() as conn:
        _append_access(conn, client_id, method, path, status_code, idempotency_key, requests)


def _append_access(conn: Connection, client_id: int | None, method: str, path: str,
                   status_code: int, idempotency_key: str | None, requests: int = 1) -> None:
    invariant(requests >= 1, "an access-log row stands for at least one request")
    # What the caller sent, escaped: a path may carry %00 or an escape sequence, which
    # PostgreSQL would refuse (NUL) or a terminal would later run.
    key = (printable(idempotency_key)[:bounds.api_idempotency_key_chars_max]
           if idempotency_key else None)
    repo.append_access(conn, {
        "client_id": client_id, "method": printable(method)[:8],
        "path": printable(path)[:bounds.api_logged_path_chars_max],
        "status_code": status_code, "idempotency_key": key, "requests": requests})

"""What is kept of each API request: its idempotency record and its access-log row.

Idempotency records
    Every state-changing request carries an ``Idempotency-Key``. The request runs in one unit of
    work: :func:`reserve` inserts the record of ``(client, key)`` (unique constraint), the action
    runs in the same transaction, and :func:`answer` stores its status and body there too; the
    three commit together or not at all. So an action that committed always has its response
    stored, a request that crashed leaves no trace (its retry runs it afresh), and there is no
    "in progress" state for a retry to trip over. A concurrent retry waits for the first
    request's transaction (PostgreSQL: on the unique key; SQLite: on the single writer) and
    then replays its response. The same key with another method, path or body is an
    :class:`~sucre.domain.errors.IdempotencyConflict`.

Access log
    :func:`log_access` appends one row per API request: client (or none when authentication
    failed), method, path, status and idempotency key. The row of an idempotent request is
    written by :func:`answer`, in the transaction that stores its response, which is why both
    records live in this module.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sucre import bounds
from sucre.domain.access import AccessRow, IdempotencyRecord
from sucre.domain.errors import BadIdempotencyKey, IdempotencyConflict, invariant
from sucre.domain.roles import Principal
from sucre.domain.text import printable
from sucre.service.unit_of_work import UnitOfWork

_IN_PROGRESS = 0  # status_code of a reserved key whose request has not been answered
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


def reserve(uow: UnitOfWork, principal: Principal, key: str, method: str, path: str,
            body_sha256: str) -> StoredResponse | None:
    """Inside the request's open unit of work: the stored response of an earlier request with
    this key, or None after reserving the key for this one (the reservation commits with the
    action, or not at all)."""
    invariant(uow.in_transaction, "a request reserves its key in its own transaction")
    path = path[:bounds.api_logged_path_chars_max]
    existing = uow.idempotency.record(principal.client_id, key)
    if existing is None:
        uow.idempotency.add(IdempotencyRecord(principal.client_id, key, method, path,
                                              body_sha256, _IN_PROGRESS, ""))
        return None
    if (existing.method, existing.path, existing.body_hash) != (method, path, body_sha256):
        raise IdempotencyConflict(
            f"Idempotency-Key {existing.key!r} was already used for "
            f"{existing.method} {existing.path} with a different body: use a new key for a "
            "new request, or resend exactly the same request to get its response",
            field="Idempotency-Key")
    if existing.status_code == _IN_PROGRESS:
        # Left by a sucre before 2026-12 that reserved keys in a transaction of their own and
        # died: nothing of that request committed with it, so this one runs in its place.
        return None
    stored = json.loads(existing.response)
    return StoredResponse(existing.status_code, str(stored["media_type"]),
                          str(stored["body"]).encode())


def answer(uow: UnitOfWork, principal: Principal, key: str, response: StoredResponse,
           *, logged_as: tuple[str, str] | None = None) -> None:
    """Store the response of the request that reserved ``key`` in this unit of work; retries
    will replay it. With ``logged_as=(method, path)`` the request's access-log row is written
    in the same transaction."""
    invariant(uow.in_transaction, "a request stores its answer in its own transaction")
    stored = json.dumps({"media_type": response.media_type, "body": response.body.decode()})
    updated = uow.idempotency.answer(principal.client_id, key, response.status_code, stored)
    invariant(updated == 1, "the answered request holds its key")
    if logged_as is not None:
        _append_access(uow, principal.client_id, *logged_as, response.status_code, key)


def log_access(uow: UnitOfWork, client_id: int | None, method: str, path: str,
               status_code: int, idempotency_key: str | None = None, requests: int = 1) -> None:
    """Append one row to the access log (who, what, with which outcome; ``requests`` > 1 for
    a row that stands for that many identical refusals)."""
    with uow:
        _append_access(uow, client_id, method, path, status_code, idempotency_key, requests)
        uow.commit()


def _append_access(uow: UnitOfWork, client_id: int | None, method: str, path: str,
                   status_code: int, idempotency_key: str | None, requests: int = 1) -> None:
    invariant(requests >= 1, "an access-log row stands for at least one request")
    # What the caller sent, escaped: a path may carry %00 or an escape sequence, which
    # PostgreSQL would refuse (NUL) or a terminal would later run.
    key = (printable(idempotency_key)[:bounds.api_idempotency_key_chars_max]
           if idempotency_key else None)
    uow.idempotency.log_access(AccessRow(
        client_id, printable(method)[:8], printable(path)[:bounds.api_logged_path_chars_max],
        status_code, key, requests))

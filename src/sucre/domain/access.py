"""What the system keeps about its API participants: keys and their holders, the requests it
has answered (idempotency records) and the access log. Records only; the rules that use them
are in :mod:`sucre.service.api_keys` and :mod:`sucre.service.idempotency`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sucre.domain.members import AuthorityCode, MemberCode
from sucre.domain.roles import Role


@dataclass(frozen=True, slots=True)
class KeyInfo:
    key_id: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class KeyOwner:
    """A key's row id, its client's name and whether it is revoked."""

    key_row_id: int
    client_name: str
    revoked: bool


@dataclass(frozen=True, slots=True)
class KeyHolder:
    """What authenticating a key needs: its stored digest and its client."""

    secret_hash: str
    revoked: bool
    client_id: int
    client_name: str
    role: Role
    authority: AuthorityCode | None
    authority_id: int | None
    member: MemberCode | None = None  # a delegate's member state


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A state-changing request answered once: a retry with the same key gets ``response``."""

    client_id: int
    key: str
    method: str
    path: str
    body_hash: str
    status_code: int
    response: str  # JSON: {"media_type": ..., "body": ...}


@dataclass(frozen=True, slots=True)
class AccessRow:
    """One access-log row: who (None when authentication failed), what, with which outcome;
    ``requests`` > 1 for a row that stands for that many identical refusals."""

    client_id: int | None
    method: str
    path: str
    status_code: int
    idempotency_key: str | None
    requests: int = 1

"""Who may use the chamber's API and what each may see and do.

API clients and keys
    A client (``api_clients``) is one named participant with one role; a central-bank operator is
    bound to one monetary authority. A client holds one or more API keys (``api_keys``) of the form
    ``sk_<key_id>_<secret>``: ``key_id`` is 16 public hex characters that find the row, ``secret``
    is ``secrets.token_urlsafe(32)`` (256 random bits). The key is shown once, when issued; only
    ``sha256:<hex digest of the secret>`` is stored.

    Why SHA-256 and not a slow password hash (bcrypt, scrypt, Argon2): slow hashes exist to make
    guessing *low-entropy, human-chosen* passwords expensive after a database leak. A 256-bit
    random secret cannot be guessed: 2^256 candidates make even a billion SHA-256 per second
    useless, so a slow hash would only add milliseconds of CPU to every request, which an attacker
    could also use to exhaust the server. The stored digest is compared with
    :func:`hmac.compare_digest` (constant time), and an unknown ``key_id`` is compared against a
    dummy digest so that the time taken does not reveal whether a key id exists.

    Rotation: a client may hold up to ``bounds.api_keys_per_client_max`` active keys. Rotating is
    issuing a new key (:func:`issue_key`), deploying it, then revoking the old one
    (:func:`revoke_key`); both work during the overlap. A revoked key is refused at once (no cache).

Roles (:data:`ROLE_PERMISSIONS`)
    ``operator``  a central bank's operator: submits orders whose debtor is served by its
                  authority, accepts or rejects orders addressed to it, reads only orders,
                  positions and statements of its own authority (another authority's order is
                  *unknown* to it: 404, never 403, so existence does not leak); confirms the
                  settlement legs its authority paid (pacs.009 whose every ``Dbtr`` is its
                  authority; a leg paid by another authority or by the chamber is 403, as a
                  pacs.008 for another authority's debtor is);
    ``chamber``   the Central Clearing Chamber: closes periods, reads everything, confirms any
                  settlement leg (it pays the net creditors, and may confirm a payment received
                  on a debtor's behalf); stores any invoice, records set-off runs and turns their
                  residuals into payment orders;
    ``council``   the Executive Council: allocations, member status, parameters; reads everything;
    ``auditor``   reads everything, changes nothing.

    Set-off of trade invoices: an operator stores invoices that name both member states, one of
    them served by its authority (another authority's invoices are 403, as orders are). Every
    role reads the recorded runs: a run is a bloc-wide result, so its summary and its table per
    member state are shown to all; an operator's page of per-invoice clearings lists only the
    invoices one of whose member states its authority serves. Every role may solve a stateless
    set-off of invoices it sends (nothing is stored or read but the published rates).

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
    failed), method, path, status and idempotency key.

Scoped use cases
    The functions at the end apply the principal's scope around the service layer (payments,
    reports, closing): what an operator may submit, which orders it may see, its positions and
    statements. They hold no clearing rule; those stay in :mod:`sucre.service.payments`.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, insert, or_, select, true, update
from sqlalchemy.exc import IntegrityError

from sucre import bounds
from sucre.adapters.db import repository as repo
from sucre.adapters.db import tables as t
from sucre.adapters.db.engine import retry_transient
from sucre.adapters.iso20022 import camt053, pacs009
from sucre.domain.confirmations import CHAMBER_ID, party_code
from sucre.domain.errors import (
    AccessDenied,
    BadIdempotencyKey,
    IdempotencyConflict,
    InvalidInput,
    InvalidState,
    LimitExceeded,
    NotAuthenticated,
    RequestInProgress,
    SucreError,
    UnknownParty,
    invariant,
)
from sucre.domain.members import AuthorityCode, MemberCode, authority_code, member_code
from sucre.domain.money import format_amount
from sucre.domain.orders import OrderRequest, OrderStatus
from sucre.domain.text import printable
from sucre.service import messaging, payments, reports, setoff_runs


class Role(enum.StrEnum):
    OPERATOR = "operator"
    CHAMBER = "chamber"
    COUNCIL = "council"
    AUDITOR = "auditor"


class Permission(enum.StrEnum):
    SUBMIT_ORDERS = "submit_orders"
    DECIDE_ORDERS = "decide_orders"  # accept or reject an order addressed to one's authority
    READ_ORDERS = "read_orders"  # operators: their authority's only
    READ_POSITIONS = "read_positions"  # operators: their authority's only
    READ_PERIODS = "read_periods"
    CLOSE_PERIODS = "close_periods"
    READ_SETTLEMENTS = "read_settlements"  # the full multilateral report of a period
    READ_STATEMENTS = "read_statements"  # operators: their authority's only
    DECIDE_PARAMETERS = "decide_parameters"  # allocations, member status, parameters
    CONFIRM_SETTLEMENT = "confirm_settlement"  # pacs.009: operators, only legs they paid
    SUBMIT_INVOICES = "submit_invoices"  # operators: invoices naming their member states only
    RUN_SETOFF = "run_setoff"  # record a set-off run of every open stored invoice
    PAY_RESIDUALS = "pay_residuals"  # turn what remains of invoices into payment orders
    READ_SETOFF_RUNS = "read_setoff_runs"  # operators: clearings of their member states only
    COMPUTE_SETOFF = "compute_setoff"  # stateless set-off of the request's invoices
    PING = "ping"  # the no-op endpoint


_READ_ALL = frozenset({Permission.READ_ORDERS, Permission.READ_POSITIONS,
                       Permission.READ_PERIODS, Permission.READ_SETTLEMENTS,
                       Permission.READ_STATEMENTS, Permission.READ_SETOFF_RUNS,
                       Permission.COMPUTE_SETOFF, Permission.PING})

#: What each role may do; anything absent is refused (403).
ROLE_PERMISSIONS: Mapping[Role, frozenset[Permission]] = {
    Role.OPERATOR: frozenset({Permission.SUBMIT_ORDERS, Permission.DECIDE_ORDERS,
                              Permission.READ_ORDERS, Permission.READ_POSITIONS,
                              Permission.READ_PERIODS, Permission.READ_STATEMENTS,
                              Permission.CONFIRM_SETTLEMENT, Permission.SUBMIT_INVOICES,
                              Permission.READ_SETOFF_RUNS, Permission.COMPUTE_SETOFF,
                              Permission.PING}),
    Role.CHAMBER: _READ_ALL | {Permission.CLOSE_PERIODS, Permission.CONFIRM_SETTLEMENT,
                               Permission.SUBMIT_INVOICES, Permission.RUN_SETOFF,
                               Permission.PAY_RESIDUALS},
    Role.COUNCIL: _READ_ALL | {Permission.DECIDE_PARAMETERS},
    Role.AUDITOR: _READ_ALL,
}


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request."""

    client_id: int
    name: str
    role: Role
    authority: AuthorityCode | None  # set for operators only
    authority_id: int | None
    key_id: str

    def __post_init__(self) -> None:
        invariant((self.role is Role.OPERATOR) == (self.authority is not None),
                  "exactly the operators are bound to an authority")

    def may(self, permission: Permission) -> bool:
        return permission in ROLE_PERMISSIONS[self.role]

    @property
    def sees_all(self) -> bool:
        """Every role but the operator reads every authority's data."""
        return self.role is not Role.OPERATOR


def require(principal: Principal, permission: Permission) -> None:
    if not principal.may(permission):
        raise AccessDenied(f"the {principal.role} role may not {permission.replace('_', ' ')}")


# --- clients and keys -----------------------------------------------------------------------

KEY_PREFIX = "sk_"
_KEY_ID_BYTES = 8  # 16 hex characters
_SECRET_BYTES = 32  # 256 bits
_HASH_SCHEME = "sha256"
_KEY_PATTERN = re.compile(r"sk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")
_NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
_DUMMY_HASH = f"{_HASH_SCHEME}:{'0' * 64}"
_BAD_KEY = "invalid or revoked API key"


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A newly issued key: ``api_key`` is shown once and never stored."""

    client: str
    key_id: str
    api_key: str


@dataclass(frozen=True, slots=True)
class KeyInfo:
    key_id: str
    created_at: dt.datetime
    revoked_at: dt.datetime | None


def secret_hash(secret: str) -> str:
    """What is stored for a secret: ``sha256:<hex>`` (see the module docstring for why)."""
    return f"{_HASH_SCHEME}:{hashlib.sha256(secret.encode()).hexdigest()}"


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        roles = ", ".join(r.value for r in Role)
        raise InvalidInput(f"unknown role {text!r} (one of {roles})", field="role") from None


def add_client(engine: Engine, name: str, role: Role, authority: str | None = None
               ) -> IssuedKey:
    """Register an API client and issue its first key."""
    name = _client_name(name)
    if (role is Role.OPERATOR) != (authority is not None):
        raise InvalidInput("an operator is bound to exactly one authority; other roles to none",
                           field="authority")
    with engine.begin() as conn:
        authority_id = None
        if authority is not None:
            authority_id = repo.authority_ids(conn).get(authority_code(authority))
            if authority_id is None:
                raise UnknownParty(f"no monetary authority {authority}", field="authority")
        if conn.execute(select(t.api_clients.c.id).where(t.api_clients.c.name == name)).first():
            raise InvalidState(f"API client {name!r} already exists", field="name")
        result = conn.execute(insert(t.api_clients).values(
            name=name, role=role.value, authority_id=authority_id, created_at=repo.now()))
        key = result.inserted_primary_key
        invariant(key is not None, "a client has an id")
        return _issue(conn, int(key[0]), name)  # type: ignore[index]


def issue_key(engine: Engine, client_name: str) -> IssuedKey:
    """Issue another key to a client (the first step of a rotation)."""
    with engine.begin() as conn:
        client_id = _client_id(conn, client_name)
        active = conn.execute(select(func.count()).select_from(t.api_keys).where(
            t.api_keys.c.client_id == client_id, t.api_keys.c.revoked_at.is_(None))).scalar_one()
        if active >= bounds.api_keys_per_client_max:
            raise LimitExceeded(
                f"{client_name} already holds {active} active keys (at most "
                f"{bounds.api_keys_per_client_max}): revoke one first", field="name")
        return _issue(conn, client_id, client_name)


def revoke_key(engine: Engine, key_id: str) -> str:
    """Revoke a key at once; returns its client's name."""
    with engine.begin() as conn:
        row = conn.execute(select(t.api_keys.c.id, t.api_keys.c.revoked_at, t.api_clients.c.name)
                           .join(t.api_clients).where(t.api_keys.c.key_id == key_id.strip())
                           ).first()
        if row is None:
            raise UnknownParty(f"no API key {key_id!r}", field="key_id")
        if row.revoked_at is not None:
            raise InvalidState(f"API key {key_id} is already revoked", field="key_id")
        conn.execute(update(t.api_keys).where(t.api_keys.c.id == row.id)
                     .values(revoked_at=repo.now()))
        return str(row.name)


def client_keys(engine: Engine, client_name: str) -> list[KeyInfo]:
    with engine.connect() as conn:
        client_id = _client_id(conn, client_name)
        rows = conn.execute(select(t.api_keys.c.key_id, t.api_keys.c.created_at,
                                   t.api_keys.c.revoked_at)
                            .where(t.api_keys.c.client_id == client_id)
                            .order_by(t.api_keys.c.id)).all()
    return [KeyInfo(r.key_id, r.created_at, r.revoked_at) for r in rows]


def _client_name(name: str) -> str:
    name = name.strip()
    if not (0 < len(name) <= bounds.api_client_name_chars_max
            and _NAME_PATTERN.fullmatch(name)):
        raise InvalidInput(f"{name!r} is not a client name (1 to "
                           f"{bounds.api_client_name_chars_max} letters, digits, '.', '_', '-')",
                           field="name")
    return name


def _client_id(conn: Connection, name: str) -> int:
    row = conn.execute(select(t.api_clients.c.id).where(t.api_clients.c.name == name.strip())
                       ).first()
    if row is None:
        raise UnknownParty(f"no API client {name!r}", field="name")
    return int(row.id)


def _issue(conn: Connection, client_id: int, client_name: str) -> IssuedKey:
    key_id = secrets.token_hex(_KEY_ID_BYTES)
    secret = secrets.token_urlsafe(_SECRET_BYTES)
    conn.execute(insert(t.api_keys).values(client_id=client_id, key_id=key_id,
                                           secret_hash=secret_hash(secret),
                                           created_at=repo.now()))
    api_key = f"{KEY_PREFIX}{key_id}_{secret}"
    invariant(_KEY_PATTERN.fullmatch(api_key) is not None, "an issued key parses back")
    return IssuedKey(client_name, key_id, api_key)


def authenticate(engine: Engine, presented: str | None) -> Principal:
    """The principal holding ``presented`` (``sk_...``), or :class:`NotAuthenticated`."""
    if not presented:
        raise NotAuthenticated("an API key is required: 'Authorization: Bearer sk_...'")
    match = _KEY_PATTERN.fullmatch(presented.strip())
    if match is None:
        raise NotAuthenticated(_BAD_KEY)
    key_id, secret = match.groups()
    k, c = t.api_keys.c, t.api_clients.c
    with engine.connect() as conn:
        row = conn.execute(
            select(k.secret_hash, k.revoked_at, c.id, c.name, c.role, c.authority_id,
                   t.authorities.c.code)
            .join(t.api_clients, c.id == k.client_id)
            .outerjoin(t.authorities, t.authorities.c.id == c.authority_id)
            .where(k.key_id == key_id)).first()
    stored = _DUMMY_HASH if row is None else str(row.secret_hash)
    matches = hmac.compare_digest(stored.encode(), secret_hash(secret).encode())
    if row is None or not matches or row.revoked_at is not None:
        raise NotAuthenticated(_BAD_KEY)
    authority = None if row.code is None else AuthorityCode(row.code)
    return Principal(int(row.id), str(row.name), Role(row.role), authority, row.authority_id,
                     key_id)


# --- idempotency records --------------------------------------------------------------------

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
            existing = _record(conn, principal.client_id, key)
            if existing is None:
                conn.execute(insert(t.idempotency_records).values(
                    client_id=principal.client_id, key=key, method=method, path=path,
                    body_hash=body_sha256, status_code=_IN_PROGRESS, response="",
                    created_at=repo.now()))
                return None
    except IntegrityError:
        # A concurrent retry reserved the key first: answer from its row.
        with engine.connect() as conn:
            existing = _record(conn, principal.client_id, key)
        if existing is None:
            raise
    return _answer_from(engine, existing, method, path, body_sha256)


def _record(conn: Connection, client_id: int, key: str) -> dict[str, Any] | None:
    row = conn.execute(select(t.idempotency_records).where(
        t.idempotency_records.c.client_id == client_id,
        t.idempotency_records.c.key == key)).first()
    return None if row is None else dict(row._mapping)


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
    r = t.idempotency_records.c
    with engine.begin() as conn:
        claimed = conn.execute(update(t.idempotency_records).where(
            r.id == record["id"], r.status_code == _IN_PROGRESS, r.created_at < cutoff)
            .values(created_at=repo.now()))
    return bool(claimed.rowcount == 1)


@retry_transient
def finish_request(engine: Engine, principal: Principal, key: str, response: StoredResponse,
                   *, logged_as: tuple[str, str] | None = None) -> None:
    """Store the response of the request that reserved ``key``; retries will replay it.

    With ``logged_as=(method, path)``, the request's access-log row is written in the same
    transaction (one durable commit instead of two).
    """
    stored = json.dumps({"media_type": response.media_type, "body": response.body.decode()})
    r = t.idempotency_records.c
    with engine.begin() as conn:
        result = conn.execute(update(t.idempotency_records).where(
            r.client_id == principal.client_id, r.key == key, r.status_code == _IN_PROGRESS)
            .values(status_code=response.status_code, response=stored))
        invariant(result.rowcount == 1, "the finished request held its key")
        if logged_as is not None:
            _append_access(conn, principal.client_id, *logged_as, response.status_code, key)


@retry_transient
def abandon_request(engine: Engine, principal: Principal, key: str) -> None:
    """Free a key whose request failed unexpectedly, so that a retry runs it again."""
    r = t.idempotency_records.c
    with engine.begin() as conn:
        conn.execute(delete(t.idempotency_records).where(
            r.client_id == principal.client_id, r.key == key, r.status_code == _IN_PROGRESS))


# --- access log -----------------------------------------------------------------------------

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
    conn.execute(insert(t.access_log).values(
        client_id=client_id, method=printable(method)[:8],
        path=printable(path)[:bounds.api_logged_path_chars_max],
        status_code=status_code, idempotency_key=key, requests=requests,
        created_at=repo.now()))


# --- scoped use cases -----------------------------------------------------------------------

def _visible_authority_id(principal: Principal) -> int | None:
    """The authority an operator is confined to; None for roles that see all."""
    if principal.sees_all:
        return None
    invariant(principal.authority_id is not None, "an operator has an authority")
    return principal.authority_id


def check_submissions(engine: Engine, principal: Principal,
                      requests: Sequence[OrderRequest]) -> None:
    """Refuse (403) requests of which any pays for a debtor ``principal`` does not serve.

    An operator submits the orders of its own authority's importers (the debtor side); one
    foreign order refuses the whole request, as a permission problem rather than a data one. A
    debtor that is not a member at all is left to validation, which reports it precisely.
    """
    require(principal, Permission.SUBMIT_ORDERS)
    with engine.connect() as conn:
        members = repo.load_members(conn)
    foreign = []
    for index, request in enumerate(requests):
        try:
            member = members.get(member_code(request.debtor_member, field="debtor_member"))
        except InvalidInput:
            member = None
        if member is not None and member.authority != principal.authority:
            foreign.append((index, member))
    if foreign:
        index, member = foreign[0]
        where = f" ({len(foreign)} of {len(requests)} orders; the first is number {index})" if (
            len(requests) > 1) else ""
        raise AccessDenied(
            f"{principal.name} submits orders of debtors served by {principal.authority} only; "
            f"{member.code} is served by {member.authority}{where}", field="debtor_member")


def submit(engine: Engine, principal: Principal, request: OrderRequest) -> payments.OrderOutcome:
    """Submit one order on behalf of an operator (see :func:`payments.submit_order`)."""
    check_submissions(engine, principal, [request])
    return payments.submit_order(engine, request)


@dataclass(frozen=True, slots=True)
class BatchItem:
    """The outcome of one order of a batch: an order row, or the error that kept it out."""

    index: int
    order_key: str
    order: dict[str, Any] | None  # order_id, status, xsu, reason_code, reason, replayed
    error: SucreError | None

    def __post_init__(self) -> None:
        invariant((self.order is None) != (self.error is None), "an outcome or an error")


def submit_batch(engine: Engine, principal: Principal,
                 requests: Sequence[OrderRequest]) -> list[BatchItem]:
    """Submit orders as one atomic import batch; every order gets its own outcome.

    Bad orders are reported and not written; the others are limit-checked in sequence and
    written together (:func:`payments.import_orders`). One order for a debtor the principal does
    not serve refuses the whole batch (:func:`check_submissions`).
    """
    if not 1 <= len(requests) <= bounds.api_batch_orders_max:
        raise LimitExceeded(f"a batch holds 1 to {bounds.api_batch_orders_max} orders",
                            field="orders")
    check_submissions(engine, principal, requests)
    items = []
    for index, (request, result) in enumerate(zip(requests, payments.submit_batch(
            engine, requests), strict=True)):
        key = request.idempotency_key.strip()
        if isinstance(result, SucreError):
            items.append(BatchItem(index, key, None, result))
            continue
        items.append(BatchItem(index, key, {
            "order_id": result.order_id, "status": result.status.value,
            "xsu": reports.xsu(result.xsu_minor), "reason_code": result.reason_code,
            "reason": result.reason, "replayed": result.replayed}, None))
    return items


def decide(engine: Engine, principal: Principal, order_id: int, *, accept: bool,
           reason_code: str = "MS02") -> payments.OrderOutcome:
    """The receiving operator accepts (posts) or rejects (releases) an order addressed to it."""
    require(principal, Permission.DECIDE_ORDERS)
    invariant(principal.authority is not None, "deciding principals are operators")
    return payments.decide_order(engine, order_id, str(principal.authority), accept=accept,
                                 reason_code=reason_code)


def _order_query() -> Any:
    o = t.payment_orders.c
    debtor, creditor = t.authorities.alias("debtor"), t.authorities.alias("creditor")
    return (select(t.payment_orders, debtor.c.code.label("debtor_authority"),
                   creditor.c.code.label("creditor_authority"),
                   t.periods.c.code.label("period"))
            .join(debtor, debtor.c.id == o.debtor_authority_id)
            .join(creditor, creditor.c.id == o.creditor_authority_id)
            .join(t.periods, t.periods.c.id == o.period_id))


def _visible(principal: Principal) -> Any:
    authority_id = _visible_authority_id(principal)
    o = t.payment_orders.c
    if authority_id is None:
        return true()
    return or_(o.debtor_authority_id == authority_id, o.creditor_authority_id == authority_id)


def _order_view(row: Any) -> dict[str, Any]:
    r = row._mapping
    return {
        "order_id": r["id"], "order_key": r["idempotency_key"], "status": r["status"],
        "reason_code": r["reason_code"], "reason": r["reason"], "period": r["period"],
        "debtor_member": r["debtor_member"], "creditor_member": r["creditor_member"],
        "debtor_authority": r["debtor_authority"], "creditor_authority": r["creditor_authority"],
        "amount": format_amount(r["amount_minor"], r["currency"]), "currency": r["currency"],
        "xsu": reports.xsu(r["xsu_minor"]), "value_date": r["value_date"],
        "hs_code": r["hs_code"], "quantity": r["quantity"], "unit": r["unit"],
        "origin": r["origin"], "invoice_ref": r["invoice_ref"], "customs_ref": r["customs_ref"],
        "debtor_bank": r["debtor_bank"], "creditor_bank": r["creditor_bank"],
        "importer": r["importer"], "exporter": r["exporter"],
        "received_at": _utc(r["received_at"]),
    }


def _utc(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; sucre writes them all in UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def order(engine: Engine, principal: Principal, order_id: int) -> dict[str, Any]:
    """One order, if the principal may see it; otherwise it does not exist for them (404)."""
    require(principal, Permission.READ_ORDERS)
    with engine.connect() as conn:
        row = conn.execute(_order_query().where(t.payment_orders.c.id == order_id,
                                                _visible(principal))).first()
    if row is None:
        raise UnknownParty(f"no payment order {order_id}", field="order_id")
    return _order_view(row)


class Side(enum.StrEnum):
    DEBTOR = "debtor"
    CREDITOR = "creditor"


@dataclass(frozen=True, slots=True)
class OrderFilter:
    period: str | None = None
    status: OrderStatus | None = None
    authority: str | None = None  # for roles that see all; operators are confined to theirs
    side: Side | None = None
    after_id: int = 0
    limit: int = bounds.api_page_orders_default


def orders(engine: Engine, principal: Principal, query: OrderFilter
           ) -> tuple[list[dict[str, Any]], int | None]:
    """A page of orders in id order, and the id to continue after (None on the last page)."""
    require(principal, Permission.READ_ORDERS)
    if not 1 <= query.limit <= bounds.api_page_orders_max:
        raise LimitExceeded(f"a page holds 1 to {bounds.api_page_orders_max} orders",
                            field="limit")
    o = t.payment_orders.c
    with engine.connect() as conn:
        authority_id = _filter_authority(conn, principal, query)
        statement = _order_query().where(_visible(principal), o.id > query.after_id)
        if query.period is not None:
            period = repo.period_by_code(conn, query.period)
            if period is None:
                raise UnknownParty(f"no clearing period {query.period}", field="period")
            statement = statement.where(o.period_id == period.id)
        if query.status is not None:
            statement = statement.where(o.status == query.status.value)
        if authority_id is not None:
            statement = statement.where(_side_clause(authority_id, query.side))
        rows = conn.execute(statement.order_by(o.id).limit(query.limit + 1)).all()
    page = [_order_view(r) for r in rows[:query.limit]]
    more = len(rows) > query.limit
    return page, (int(page[-1]["order_id"]) if more else None)


def _filter_authority(conn: Connection, principal: Principal, query: OrderFilter) -> int | None:
    if not principal.sees_all:
        if query.authority is not None and query.authority.strip().upper() != principal.authority:
            raise AccessDenied(f"{principal.name} reads orders of {principal.authority} only",
                               field="authority")
        return principal.authority_id
    if query.authority is None:
        if query.side is not None:
            raise InvalidInput("side needs an authority to be the debtor or creditor",
                               field="side")
        return None
    authority_id = repo.authority_ids(conn).get(authority_code(query.authority))
    if authority_id is None:
        raise UnknownParty(f"no monetary authority {query.authority}", field="authority")
    return authority_id


def _side_clause(authority_id: int, side: Side | None) -> Any:
    o = t.payment_orders.c
    if side is Side.DEBTOR:
        return o.debtor_authority_id == authority_id
    if side is Side.CREDITOR:
        return o.creditor_authority_id == authority_id
    return or_(o.debtor_authority_id == authority_id, o.creditor_authority_id == authority_id)


def positions(engine: Engine, principal: Principal, period: str | None) -> dict[str, Any]:
    """:func:`reports.positions_report`, reduced to the operator's own authority."""
    require(principal, Permission.READ_POSITIONS)
    document = reports.positions_report(engine, period)
    if principal.sees_all:
        return document
    own = str(principal.authority)
    return {**document,
            "positions": {a: v for a, v in document["positions"].items() if a == own},
            "authorities": {a: v for a, v in document["authorities"].items() if a == own}}


def periods(engine: Engine, principal: Principal) -> list[dict[str, Any]]:
    require(principal, Permission.READ_PERIODS)
    with engine.connect() as conn:
        return [{"code": p.code, "start": p.start, "end": p.end, "state": p.state.value}
                for p in repo.all_periods(conn)]


def statement(engine: Engine, principal: Principal, authority: str, period_code: str
              ) -> camt053.AccountStatement:
    """:func:`messaging.statement` of an authority's XSU account, if the principal may see it.

    An operator asking for another authority's statement is told it does not exist (404).
    """
    require(principal, Permission.READ_STATEMENTS)
    code = authority_code(authority)
    if not principal.sees_all and code != principal.authority:
        raise UnknownParty(f"no statement for {code}", field="authority")
    found = messaging.statement(engine, code, period_code)
    if len(found.entries) > bounds.iso_statement_entries_max:
        raise LimitExceeded(f"the statement has more than {bounds.iso_statement_entries_max} "
                            "entries", field="period")
    return found


def pacs008_check(engine: Engine, principal: Principal) -> messaging.OrderCheck:
    """The check :func:`messaging.submit_pacs008` runs on a message's orders before it writes:
    403 if an operator pays for another authority's debtor (the message is parsed only once)."""
    require(principal, Permission.SUBMIT_ORDERS)

    def check(requests: Sequence[OrderRequest]) -> None:
        check_submissions(engine, principal, requests)

    return check


def check_pacs009(engine: Engine, principal: Principal, data: bytes) -> None:
    """Refuse (403) a pacs.009 in which an operator reports a leg its authority did not pay.

    The payer of a leg is its ``Dbtr``: an operator confirms the legs its own authority paid to
    the chamber; a leg paid by another authority, or by the chamber (to a net creditor), is the
    other party's to report. One such leg refuses the whole message, before anything is judged,
    so nothing about another authority's instructions is revealed. A ``Dbtr`` that is no party
    at all is left to :func:`messaging.submit_pacs009`, which rejects the leg precisely (RC01),
    as is a message that cannot be read. The chamber may confirm any leg.
    """
    require(principal, Permission.CONFIRM_SETTLEMENT)
    if principal.authority is None:
        return
    try:
        legs = pacs009.legs_from_pacs009(pacs009.read_pacs009(data))
    except InvalidInput:
        return
    with engine.connect() as conn:
        authorities = set(repo.load_authorities(conn)) | {CHAMBER_ID}
    foreign = [(index, party_code(leg.debtor_agent_bic_or_authority))
               for index, leg in enumerate(legs, start=1)
               if party_code(leg.debtor_agent_bic_or_authority) in authorities
               and party_code(leg.debtor_agent_bic_or_authority) != principal.authority]
    if foreign:
        index, payer = foreign[0]
        raise AccessDenied(
            f"{principal.name} confirms legs paid by {principal.authority} only; leg {index} is "
            f"paid by {payer}", field=f"CdtTrfTxInf[{index}]/Dbtr/FinInstnId")


def order_status(text: str) -> OrderStatus:
    try:
        return OrderStatus(text)
    except ValueError:
        raise InvalidInput(f"unknown order status {text!r}", field="status") from None


# --- set-off of trade invoices --------------------------------------------------------------

def check_invoices(engine: Engine, principal: Principal,
                   invoices: Sequence[setoff_runs.Invoice]) -> None:
    """Refuse (403) invoices an operator may not store: each must name both member states, one
    of them served by its authority. One such invoice refuses the whole batch.

    A member state that is not a member at all is left to :func:`setoff_runs.store_invoices`,
    which reports it precisely (404); an invoice whose only known member state is another
    authority's is refused here.
    """
    require(principal, Permission.SUBMIT_INVOICES)
    if principal.sees_all:
        return
    with engine.connect() as conn:
        members = repo.load_members(conn)
    for index, invoice in enumerate(invoices):
        debtor, creditor = invoice.debtor_member, invoice.creditor_member
        if debtor is None or creditor is None:
            side = "debtor_member" if debtor is None else "creditor_member"
            raise AccessDenied(
                f"{principal.name} stores invoices naming both member states only; invoice "
                f"{invoice.external_id!r} has no {side}", field=f"invoices.{index}.{side}")
        known = [member for member in (members.get(MemberCode(debtor)),
                                       members.get(MemberCode(creditor)))
                 if member is not None]
        if known and all(member.authority != principal.authority for member in known):
            states = " and ".join(member.code for member in known)
            raise AccessDenied(
                f"{principal.name} stores invoices of member states served by "
                f"{principal.authority} only; invoice {invoice.external_id!r} names {states}, "
                "not served by it", field=f"invoices.{index}.debtor_member")


def store_invoices(engine: Engine, principal: Principal,
                   invoices: Sequence[setoff_runs.Invoice]) -> tuple[int, int]:
    """:func:`setoff_runs.store_invoices` within the principal's scope: (stored, already_known)."""
    if not 1 <= len(invoices) <= bounds.api_batch_invoices_max:
        raise LimitExceeded(f"a batch holds 1 to {bounds.api_batch_invoices_max} invoices",
                            field="invoices")
    check_invoices(engine, principal, invoices)
    return setoff_runs.store_invoices(engine, invoices)


def setoff_runs_list(engine: Engine, principal: Principal) -> list[dict[str, Any]]:
    """Every recorded run, oldest first (bloc-wide totals, the same for every role)."""
    require(principal, Permission.READ_SETOFF_RUNS)
    return [{**run, "recorded_at": _utc(dt.datetime.fromisoformat(run["recorded_at"]))}
            for run in setoff_runs.list_runs(engine)]


def _own_members(engine: Engine, principal: Principal) -> list[str]:
    with engine.connect() as conn:
        return sorted(code for code, member in repo.load_members(conn).items()
                      if member.authority == principal.authority)


def setoff_run(engine: Engine, principal: Principal, run_id: int, *,
               limit: int = bounds.api_page_clearings_default, offset: int = 0
               ) -> dict[str, Any]:
    """A recorded run and a page of its clearings; an operator's only its member states'.

    ``clearings_members`` says which member states the clearings were limited to (None: all).
    """
    require(principal, Permission.READ_SETOFF_RUNS)
    if not 1 <= limit <= bounds.api_page_clearings_max:
        raise LimitExceeded(f"a page holds 1 to {bounds.api_page_clearings_max} clearings",
                            field="limit")
    members = None if principal.sees_all else _own_members(engine, principal)
    detail = setoff_runs.run_detail(engine, run_id, limit=limit, offset=offset, members=members)
    detail.setdefault("members", {})
    detail["clearings_members"] = members
    return detail


def pay_residuals(engine: Engine, principal: Principal, value_date: dt.date) -> dict[str, Any]:
    """:func:`setoff_runs.pay_residuals`, each refused residual named by its invoice."""
    require(principal, Permission.PAY_RESIDUALS)
    orders = setoff_runs.residual_orders(engine, value_date)
    report = setoff_runs.pay_residual_orders(engine, orders)
    return {"accepted": report.accepted, "rejected": report.rejected,
            "replayed": report.replayed, "invalid": report.invalid,
            "errors": [{"invoice": orders[e.line - 1].invoice_ref, "field": e.field,
                        "code": e.reason_code, "message": e.message} for e in report.errors]}

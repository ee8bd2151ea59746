"""Reads and writes of domain records over one SQLAlchemy connection (inside a transaction).

Functions here translate rows to domain records and back; no business rule lives here beyond the
atomic conditional updates that make the limit check safe under concurrency. The rules they apply
set-based are stated in the domain (:mod:`sucre.domain.positions`, :mod:`sucre.domain.posting`)
and mirrored here from the same constants; ``tests/service/test_rules_agree.py`` proves both agree.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)

from sucre.adapters.db import repositories
from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import positions
from sucre.adapters.db.repositories.members import SqlMembers
from sucre.adapters.db.repositories.orders import SqlOrders
from sucre.adapters.db.repositories.periods import SqlPeriods
from sucre.adapters.db.repositories.positions import SqlPositions
from sucre.adapters.db.repositories.rates import SqlRates
from sucre.domain import posting
from sucre.domain.errors import invariant
from sucre.domain.ledger import POSITION_PREFIX, EntryKind, JournalEntry
from sucre.domain.members import (
    AuthorityCode,
    MemberCode,
    MemberState,
    MonetaryAuthority,
)
from sucre.domain.money import XSU, CurrencyCode
from sucre.domain.orders import OrderStatus
from sucre.domain.periods import ClearingPeriod
from sucre.domain.positions import POSITION_FIELDS
from sucre.domain.rates import DailyRates

now = repositories.now
position_of = positions.position_of  # moved; the closing and the positions report read it here
fraction_text = repositories.fraction_text
parse_fraction = repositories.parse_fraction


# Moved to the repositories of the unit of work; these names stay until every caller uses
# ``uow.members`` / ``uow.periods`` / ``uow.rates`` (issue 9).

def load_authorities(conn: Connection) -> dict[AuthorityCode, MonetaryAuthority]:
    return SqlMembers(conn).authorities()


def authority_ids(conn: Connection) -> dict[AuthorityCode, int]:
    return SqlMembers(conn).authority_ids()


def load_members(conn: Connection) -> dict[MemberCode, MemberState]:
    return SqlMembers(conn).members()


def period_on(conn: Connection, day: dt.date) -> ClearingPeriod | None:
    return SqlPeriods(conn).on(day)


def period_by_code(conn: Connection, code: str) -> ClearingPeriod | None:
    return SqlPeriods(conn).by_code(code)


def period_by_id(conn: Connection, period_id: int, *, lock: bool = False,
                 shared: bool = False) -> ClearingPeriod:
    return SqlPeriods(conn).by_id(period_id, lock=lock, shared=shared)


def all_periods(conn: Connection) -> list[ClearingPeriod]:
    return SqlPeriods(conn).all()


def set_period_state(conn: Connection, period: ClearingPeriod, stamp_column: str) -> None:
    SqlPeriods(conn).set_state(period, stamp_column)


def rates_on(conn: Connection, day: dt.date) -> DailyRates | None:
    return SqlRates(conn).on(day)


def latest_rates_until(conn: Connection, day: dt.date) -> DailyRates | None:
    return SqlRates(conn).latest_until(day)


# --- API clients, keys, idempotency records, access log ------------------------------------

def client_id_by_name(conn: Connection, name: str) -> int | None:
    row = conn.execute(select(t.api_clients.c.id).where(t.api_clients.c.name == name)).first()
    return None if row is None else int(row.id)


def insert_client(conn: Connection, name: str, role: str, authority_id: int | None) -> int:
    result = conn.execute(insert(t.api_clients).values(
        name=name, role=role, authority_id=authority_id, created_at=now()))
    key = result.inserted_primary_key
    invariant(key is not None, "a client has an id")
    return int(key[0])  # type: ignore[index]


def insert_key(conn: Connection, client_id: int, key_id: str, secret_hash: str) -> None:
    conn.execute(insert(t.api_keys).values(client_id=client_id, key_id=key_id,
                                           secret_hash=secret_hash, created_at=now()))


def active_key_count(conn: Connection, client_id: int) -> int:
    k = t.api_keys.c
    return int(conn.execute(select(func.count()).select_from(t.api_keys).where(
        k.client_id == client_id, k.revoked_at.is_(None))).scalar_one())


def key_and_client(conn: Connection, key_id: str) -> Any:
    """The key row's ``id`` and ``revoked_at`` with its client's ``name`` (None: no such key)."""
    return conn.execute(select(t.api_keys.c.id, t.api_keys.c.revoked_at, t.api_clients.c.name)
                        .join(t.api_clients).where(t.api_keys.c.key_id == key_id)).first()


def revoke_key(conn: Connection, key_row_id: int) -> None:
    conn.execute(update(t.api_keys).where(t.api_keys.c.id == key_row_id).values(revoked_at=now()))


def client_keys(conn: Connection, client_id: int) -> list[Any]:
    """``key_id``, ``created_at`` and ``revoked_at`` of a client's keys, oldest first."""
    k = t.api_keys.c
    return list(conn.execute(select(k.key_id, k.created_at, k.revoked_at)
                             .where(k.client_id == client_id).order_by(k.id)).all())


def key_holder(conn: Connection, key_id: str) -> Any:
    """The key's ``secret_hash`` and ``revoked_at`` with its client's ``id``, ``name``, ``role``,
    ``authority_id`` and authority ``code`` (None: no such key)."""
    k, c = t.api_keys.c, t.api_clients.c
    return conn.execute(
        select(k.secret_hash, k.revoked_at, c.id, c.name, c.role, c.authority_id,
               t.authorities.c.code)
        .join(t.api_clients, c.id == k.client_id)
        .outerjoin(t.authorities, t.authorities.c.id == c.authority_id)
        .where(k.key_id == key_id)).first()


def idempotency_record(conn: Connection, client_id: int, key: str) -> dict[str, Any] | None:
    r = t.idempotency_records.c
    row = conn.execute(select(t.idempotency_records).where(
        r.client_id == client_id, r.key == key)).first()
    return None if row is None else dict(row._mapping)


def reserve_idempotency(conn: Connection, values: Mapping[str, Any]) -> None:
    """Insert a placeholder record (the unique (client, key) constraint decides a race)."""
    conn.execute(insert(t.idempotency_records).values(**values, created_at=now()))


def claim_idempotency(conn: Connection, record_id: int, in_progress: int,
                      cutoff: dt.datetime) -> bool:
    """Restart the clock of a placeholder still in progress and older than ``cutoff``."""
    r = t.idempotency_records.c
    claimed = conn.execute(update(t.idempotency_records).where(
        r.id == record_id, r.status_code == in_progress, r.created_at < cutoff)
        .values(created_at=now()))
    return bool(claimed.rowcount == 1)


def finish_idempotency(conn: Connection, client_id: int, key: str, in_progress: int,
                       status_code: int, response: str) -> int:
    """Store the response of a placeholder in progress; the number of rows updated."""
    r = t.idempotency_records.c
    result = conn.execute(update(t.idempotency_records).where(
        r.client_id == client_id, r.key == key, r.status_code == in_progress)
        .values(status_code=status_code, response=response))
    return int(result.rowcount)


def free_idempotency(conn: Connection, client_id: int, key: str, in_progress: int) -> None:
    r = t.idempotency_records.c
    conn.execute(delete(t.idempotency_records).where(
        r.client_id == client_id, r.key == key, r.status_code == in_progress))


def append_access(conn: Connection, values: Mapping[str, Any]) -> None:
    conn.execute(insert(t.access_log).values(**values, created_at=now()))


# --- positions and orders: moved to ``uow.positions`` / ``uow.orders`` (issue 9); these names
# stay until the closing and the settlement report use them.

def position_rows(conn: Connection, period_id: int) -> list[dict[str, Any]]:
    return [{"code": p.authority, "credit_line_minor": p.credit_line_minor,
             **{name: getattr(p.position, name) for name in POSITION_FIELDS}}
            for p in SqlPositions(conn).in_period(period_id)]


def order_counts(conn: Connection, period_id: int | None = None) -> dict[str, int]:
    return {status.value: count for status, count in SqlOrders(conn).counts(period_id).items()}


# --- journal --------------------------------------------------------------------------------

def append_entries(conn: Connection, entries: Iterable[JournalEntry]) -> None:
    """Append balanced entries (each was checked when built) to the journal."""
    stamp = now()
    for entry in entries:
        result = conn.execute(insert(t.journal_entries).values(
            period_id=entry.period_id, kind=entry.kind.value, order_id=entry.order_id,
            memo=entry.memo[:200], created_at=stamp))
        key = result.inserted_primary_key
        invariant(key is not None, "an inserted entry has an id")
        conn.execute(insert(t.postings), [
            {"entry_id": key[0], "account": p.account, "currency": p.currency,  # type: ignore[index]
             "amount_minor": p.amount_minor} for p in entry.postings])


#: The ``payment_orders`` column of each side of :data:`sucre.domain.posting.ORDER_LEGS`.
_ORDER_PARTY = {posting.Side.DEBTOR: "debtor_authority_id",
                posting.Side.CREDITOR: "creditor_authority_id"}


def post_accepted_orders(conn: Connection, period_id: int, order_id: int | None = None,
                         creditor_id: int | None = None) -> int:
    """Post accepted orders (one, those to one creditor, or all of a period), set-based.

    Each order becomes the entry :func:`sucre.domain.posting.order_entry` builds (its debtor's
    position debited, its creditor's credited, in XSU), written here from the same constants
    with one INSERT ... SELECT per table and leg. Returns how many orders were posted.
    """
    o, a = t.payment_orders.c, t.authorities.c
    selected = and_(o.period_id == period_id, o.status == OrderStatus.ACCEPTED.value)
    if order_id is not None:
        selected = and_(selected, o.id == order_id)
    if creditor_id is not None:
        selected = and_(selected, o.creditor_authority_id == creditor_id)
    conn.execute(insert(t.journal_entries).from_select(
        ["period_id", "kind", "order_id", "memo", "created_at"],
        select(o.period_id, literal(posting.ORDER_KIND.value), o.id,
               literal(posting.ORDER_MEMO), literal(now()))
        .where(selected)))
    for side, sign in posting.ORDER_LEGS:
        conn.execute(insert(t.postings).from_select(
            ["entry_id", "account", "currency", "amount_minor"],
            select(t.journal_entries.c.id, literal(POSITION_PREFIX) + a.code,
                   literal(posting.ORDER_CURRENCY), o.xsu_minor * sign)
            .join(t.payment_orders, t.journal_entries.c.order_id == o.id)
            .join(t.authorities, a.id == o[_ORDER_PARTY[side]]).where(selected)))
    _move_pending_to_posted(conn, period_id, selected)
    posted = conn.execute(update(t.payment_orders).where(selected)
                          .values(status=OrderStatus.SETTLED.value))
    return int(posted.rowcount)


def _move_pending_to_posted(conn: Connection, period_id: int, selected: Any) -> None:
    """Move the selected orders' amounts from pending to posted, one UPDATE per authority in
    ``authority_id`` order (the global lock order), whichever side each authority is on."""
    o, p = t.payment_orders.c, t.positions.c
    moves: dict[int, dict[str, int]] = defaultdict(lambda: {"debit": 0, "credit": 0})
    for side, column in (("debit", "debtor_authority_id"), ("credit", "creditor_authority_id")):
        sums = conn.execute(select(o[column], func.sum(o.xsu_minor)).where(selected)
                            .group_by(o[column])).tuples().all()
        for authority_id, amount in sums:
            moves[int(authority_id)][side] += int(amount)
    for authority_id in sorted(moves):
        debit, credit = moves[authority_id]["debit"], moves[authority_id]["credit"]
        result = conn.execute(update(t.positions).where(
            p.period_id == period_id, p.authority_id == authority_id,
            p.debit_pending_minor >= debit, p.credit_pending_minor >= credit)
            .values(debit_pending_minor=p.debit_pending_minor - debit,
                    debit_posted_minor=p.debit_posted_minor + debit,
                    credit_pending_minor=p.credit_pending_minor - credit,
                    credit_posted_minor=p.credit_posted_minor + credit))
        invariant(result.rowcount == 1, "posted amounts were reserved")


def journal_positions(conn: Connection, period_id: int,
                      kinds: Sequence[EntryKind] = (EntryKind.ORDER,)) -> dict[str, int]:
    """XSU balance per position account from the journal entries of a period."""
    query = (select(t.postings.c.account, func.sum(t.postings.c.amount_minor))
             .join(t.journal_entries)
             .where(t.journal_entries.c.period_id == period_id,
                    t.journal_entries.c.kind.in_([k.value for k in kinds]),
                    t.postings.c.currency == XSU)
             .group_by(t.postings.c.account))
    return {account: int(total) for account, total in conn.execute(query).tuples()}


def journal_totals(conn: Connection) -> dict[CurrencyCode, int]:
    query = select(t.postings.c.currency, func.sum(t.postings.c.amount_minor)).group_by(
        t.postings.c.currency)
    return {CurrencyCode(c): int(total) for c, total in conn.execute(query).tuples()}


def account_balances(conn: Connection) -> dict[tuple[str, str], int]:
    query = select(t.postings.c.account, t.postings.c.currency,
                   func.sum(t.postings.c.amount_minor)).group_by(
        t.postings.c.account, t.postings.c.currency)
    return {(acc, cur): int(total) for acc, cur, total in conn.execute(query).tuples()}


def corridor_gross(conn: Connection, period_id: int) -> dict[tuple[str, str], int]:
    """Gross XSU per (debtor authority, creditor authority) over a period's settled orders."""
    o = t.payment_orders.c
    debtor, creditor = t.authorities.alias("d"), t.authorities.alias("c")
    query = (select(debtor.c.code, creditor.c.code, func.sum(o.xsu_minor))
             .select_from(t.payment_orders)
             .join(debtor, debtor.c.id == o.debtor_authority_id)
             .join(creditor, creditor.c.id == o.creditor_authority_id)
             .where(o.period_id == period_id, o.status == OrderStatus.SETTLED.value)
             .group_by(debtor.c.code, creditor.c.code))
    return {(d, c): int(total) for d, c, total in conn.execute(query).tuples()}

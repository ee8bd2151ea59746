"""Reads and writes of domain records over one SQLAlchemy connection (inside a transaction).

Functions here translate rows to domain records and back; no business rule lives here beyond the
atomic conditional updates that make the limit check safe under concurrency. The rules they apply
set-based are stated in the domain (:mod:`sucre.domain.positions`, :mod:`sucre.domain.posting`)
and mirrored here from the same constants; ``tests/service/test_rules_agree.py`` proves both agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Dialect,
    String,
    any_,
    bindparam,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError

from sucre import bounds
from sucre.adapters.db import repositories
from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories.decisions import SqlDecisions
from sucre.adapters.db.repositories.journal import SqlJournal
from sucre.adapters.db.repositories.members import SqlMembers
from sucre.adapters.db.repositories.periods import SqlPeriods
from sucre.adapters.db.repositories.rates import SqlRates
from sucre.domain.errors import invariant
from sucre.domain.members import (
    AuthorityCode,
    MemberCode,
    MemberState,
    MonetaryAuthority,
)
from sucre.domain.orders import OrderStatus, PaymentOrder
from sucre.domain.parameters import ParameterValues
from sucre.domain.periods import ClearingPeriod
from sucre.domain.positions import POSITION_FIELDS, Position
from sucre.domain.rates import DailyRates

now = repositories.now
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


def record_decision(conn: Connection, kind: str, effective_date: dt.date, reference: str,
                    payload: Mapping[str, Any]) -> int:
    return SqlDecisions(conn).record_decision(kind, effective_date, reference, payload)


def parameters_in_force(conn: Connection, on: dt.date) -> ParameterValues:
    return SqlDecisions(conn).parameters_in_force(on)


def rates_on(conn: Connection, day: dt.date) -> DailyRates | None:
    return SqlRates(conn).on(day)


def latest_rates_until(conn: Connection, day: dt.date) -> DailyRates | None:
    return SqlRates(conn).latest_until(day)


# --- positions ------------------------------------------------------------------------------

def lock_positions_of(conn: Connection, period_id: int, authority_ids: Iterable[int]) -> None:
    """Lock the position rows of some authorities in a period, in ``authority_id`` order.

    Every transaction that changes more than one position row locks them first, in this one
    global order, so two of them can never wait for each other (two authorities paying each other
    at the same time lock in opposite debtor/creditor order otherwise, and PostgreSQL aborts one).
    """
    p = t.positions.c
    wanted = sorted(set(authority_ids))
    conn.execute(select(p.authority_id).where(p.period_id == period_id,
                                              p.authority_id.in_(wanted))
                 .order_by(p.authority_id).with_for_update()).all()


invariant(set(POSITION_FIELDS) <= set(t.positions.c.keys()),
          "a Position's fields are columns of its row")


def position_of(row: Mapping[Any, Any]) -> Position:
    """The domain record of a ``positions`` row (or of any mapping with its columns)."""
    return Position(*(int(row[name]) for name in POSITION_FIELDS))


def _within_limit(xsu_minor: int) -> Any:
    """The SQL twin of :func:`sucre.domain.positions.within_limit` on a ``positions`` row:
    ``net_debit + amount <= limit`` (``tests/service/test_rules_agree.py`` proves they agree)."""
    invariant(xsu_minor > 0, "a reservation is of a positive amount")
    p = t.positions.c
    net_debit = p.debit_posted_minor + p.debit_pending_minor - p.credit_posted_minor
    return net_debit + xsu_minor <= p.limit_minor


def reserve(conn: Connection, period_id: int, debtor_id: int, creditor_id: int,
            xsu_minor: int) -> bool:
    """Reserve an order against the debtor's limit; False if it would breach it.

    Both rows are locked first (:func:`lock_positions_of`); the limit is then checked by one
    conditional UPDATE of the locked row, so two concurrent reservations can never both pass.
    The rule is :func:`sucre.domain.positions.within_limit`, and the rows change as
    :func:`~sucre.domain.positions.reserve` and :func:`~sucre.domain.positions.reserve_credit`
    say (pending credits do not count towards the headroom).
    """
    lock_positions_of(conn, period_id, (debtor_id, creditor_id))
    p = t.positions.c
    debited = conn.execute(update(t.positions).where(
        p.period_id == period_id, p.authority_id == debtor_id, _within_limit(xsu_minor),
    ).values(debit_pending_minor=p.debit_pending_minor + xsu_minor))
    if debited.rowcount == 0:
        return False
    credited = conn.execute(update(t.positions).where(
        p.period_id == period_id, p.authority_id == creditor_id,
    ).values(credit_pending_minor=p.credit_pending_minor + xsu_minor))
    invariant(credited.rowcount == 1, "the creditor has a position row in the period")
    return True


def release(conn: Connection, period_id: int, debtor_id: int, creditor_id: int,
            xsu_minor: int) -> None:
    """Release an order's reservation (its rows locked first, in the global order)."""
    lock_positions_of(conn, period_id, (debtor_id, creditor_id))
    p = t.positions.c
    for authority_id, column in ((debtor_id, "debit_pending_minor"),
                                 (creditor_id, "credit_pending_minor")):
        result = conn.execute(update(t.positions).where(
            p.period_id == period_id, p.authority_id == authority_id,
            p[column] >= xsu_minor).values({column: p[column] - xsu_minor}))
        invariant(result.rowcount == 1, "a released reservation was held")


def lock_positions(conn: Connection, period_id: int) -> dict[int, Position]:
    """Lock every position row of a period (in authority order: no deadlocks) and read them."""
    rows = conn.execute(select(t.positions).where(t.positions.c.period_id == period_id)
                        .order_by(t.positions.c.authority_id).with_for_update()).all()
    return {r.authority_id: position_of(r._mapping) for r in rows}


def add_pending(conn: Connection, period_id: int, debits: Mapping[int, int],
                credits: Mapping[int, int]) -> None:
    """Apply a batch's netted reservations (rows must be locked by ``lock_positions``)."""
    p = t.positions.c
    for authority_id in sorted(set(debits) | set(credits)):
        conn.execute(update(t.positions).where(
            p.period_id == period_id, p.authority_id == authority_id).values(
            debit_pending_minor=p.debit_pending_minor + debits.get(authority_id, 0),
            credit_pending_minor=p.credit_pending_minor + credits.get(authority_id, 0)))


def position_rows(conn: Connection, period_id: int) -> list[dict[str, Any]]:
    query = (select(t.positions, t.authorities.c.code)
             .join(t.authorities, t.authorities.c.id == t.positions.c.authority_id)
             .where(t.positions.c.period_id == period_id).order_by(t.authorities.c.code))
    return [dict(r._mapping) for r in conn.execute(query)]


# --- orders ---------------------------------------------------------------------------------

def order_by_key(conn: Connection, key: str) -> dict[str, Any] | None:
    row = conn.execute(select(t.payment_orders).where(
        t.payment_orders.c.idempotency_key == key)).first()
    return None if row is None else dict(row._mapping)


def order_by_id(conn: Connection, order_id: int, *, lock: bool = False) -> dict[str, Any] | None:
    query = select(t.payment_orders).where(t.payment_orders.c.id == order_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).first()
    return None if row is None else dict(row._mapping)


def existing_keys(conn: Connection, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
    o = t.payment_orders.c
    query = select(o.idempotency_key, o.id, o.body_hash, o.status, o.reason_code, o.reason,
                   o.xsu_minor)
    if conn.dialect.name == "postgresql":
        # One array parameter instead of IN with one parameter per key: SQLAlchemy and psycopg
        # build and send one short statement per batch.
        rows = conn.execute(query.where(
            o.idempotency_key == any_(bindparam("keys", list(keys), type_=ARRAY(String)))))
        return {r.idempotency_key: dict(r._mapping) for r in rows}
    found: dict[str, dict[str, Any]] = {}
    chunk = bounds.db_keys_per_query_max
    for i in range(0, len(keys), chunk):
        rows = conn.execute(query.where(o.idempotency_key.in_(keys[i:i + chunk])))
        found.update({r.idempotency_key: dict(r._mapping) for r in rows})
    return found


#: The columns an order is written with (all but ``id``), in the order of :func:`order_values`.
ORDER_COLUMNS = tuple(c.name for c in t.payment_orders.columns if c.name != "id")


def order_values(order: PaymentOrder, ids: Mapping[AuthorityCode, int], status: OrderStatus,
                 reason_code: str | None, reason: str | None, received_at: dt.datetime
                 ) -> tuple[Any, ...]:
    """An order's row as a tuple in :data:`ORDER_COLUMNS` order (bulk writes skip the dict)."""
    return (
        order.idempotency_key, order.body_hash, status.value, reason_code, reason,
        order.period_id, order.debtor_member, order.creditor_member,
        ids[order.debtor_authority], ids[order.creditor_authority],
        order.amount_minor, order.currency, order.xsu_minor, order.value_date,
        # "f": str(Decimal) would write a small quantity in exponent notation (1E-12).
        order.goods.hs_code, format(order.goods.quantity, "f"), order.goods.unit,
        order.goods.origin,
        order.invoice_ref, order.customs_ref, order.debtor_bank, order.creditor_bank,
        order.importer, order.exporter, received_at,
    )


def order_row(order: PaymentOrder, ids: Mapping[AuthorityCode, int], status: OrderStatus,
              reason_code: str | None, reason: str | None, received_at: dt.datetime
              ) -> dict[str, Any]:
    return dict(zip(ORDER_COLUMNS, order_values(order, ids, status, reason_code, reason,
                                                received_at), strict=True))


def insert_order(conn: Connection, row: Mapping[str, Any]) -> int:
    result = conn.execute(insert(t.payment_orders).values(dict(row)))
    key = result.inserted_primary_key
    invariant(key is not None, "an inserted order has an id")
    return int(key[0])  # type: ignore[index]


def insert_orders(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """Write orders given by :func:`order_values`, in the caller's transaction.

    PostgreSQL gets them through ``COPY``, SQLite through one driver-level ``executemany``;
    both skip SQLAlchemy's per-row parameter handling, which cost more than the insert itself.
    """
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy_orders(conn, rows)
        return
    marks = ", ".join("?" * len(ORDER_COLUMNS))  # SQLite, the other supported database
    conn.exec_driver_sql(f"INSERT INTO payment_orders ({', '.join(ORDER_COLUMNS)}) "  # noqa: S608
                         f"VALUES ({marks})", _bound(conn.dialect, rows))


def _copy_orders(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """``COPY`` on the connection's own psycopg session: inside the caller's transaction.

    Each row's three foreign keys are checked by cached plans, which the engine's
    ``plan_cache_mode=force_custom_plan`` would re-plan for every row (about 2.5 times slower):
    the COPY alone runs with ``auto``, and the session's setting is restored after it.
    """
    statement = f"COPY payment_orders ({', '.join(ORDER_COLUMNS)}) FROM STDIN"
    dbapi = conn.dialect.loaded_dbapi
    session: Any = conn.connection.driver_connection  # the psycopg connection
    try:
        with session.cursor() as cursor:
            mode = cursor.execute("SELECT current_setting('plan_cache_mode'), "
                                  "set_config('plan_cache_mode', 'auto', true)").fetchone()[0]
            with cursor.copy(statement) as copy:
                for row in rows:
                    copy.write_row(row)
            cursor.execute("SELECT set_config('plan_cache_mode', %s, true)", (mode,))
    except dbapi.Error as error:
        # Raise what ``conn.execute`` would (IntegrityError for a duplicate key, etc.); the
        # transaction is then rolled back, which also undoes the local setting.
        raise DBAPIError.instance(statement, None, error, dbapi.Error,
                                  dialect=conn.dialect) from error


def _bound(dialect: Dialect, rows: Sequence[tuple[Any, ...]]) -> Sequence[tuple[Any, ...]]:
    """Apply the dialect's bind processors (SQLite: dates and datetimes as text), as SQLAlchemy
    would; a batch repeats few distinct dates and one timestamp, so each value is done once."""
    processors = _order_processors(dialect)
    if not processors:
        return rows
    done: dict[tuple[int, Any, Any], Any] = {}
    bound = []
    for row in rows:
        values = list(row)
        for index, process in processors:
            value = values[index]
            if value is not None:
                key = (index, value, getattr(value, "tzinfo", None))
                if key not in done:
                    done[key] = process(value)
                values[index] = done[key]
        bound.append(tuple(values))
    return bound


def _order_processors(dialect: Dialect) -> list[tuple[int, Callable[[Any], Any]]]:
    found = ((i, t.payment_orders.c[name].type.dialect_impl(dialect).bind_processor(dialect))
             for i, name in enumerate(ORDER_COLUMNS))
    return [(i, process) for i, process in found if process is not None]


def set_order_status(conn: Connection, order_id: int, expected: OrderStatus, status: OrderStatus,
                     reason_code: str | None = None, reason: str | None = None) -> None:
    result = conn.execute(update(t.payment_orders).where(
        t.payment_orders.c.id == order_id, t.payment_orders.c.status == expected.value)
        .values(status=status.value, reason_code=reason_code, reason=reason))
    invariant(result.rowcount == 1, f"order {order_id} moves from {expected} to {status}")


def _order_view_query(visible_to: int | None) -> Any:
    """Orders with their authorities' and period's codes; only those ``visible_to`` is debtor
    or creditor authority of, when it is given."""
    o = t.payment_orders.c
    debtor, creditor = t.authorities.alias("debtor"), t.authorities.alias("creditor")
    query = (select(t.payment_orders, debtor.c.code.label("debtor_authority"),
                    creditor.c.code.label("creditor_authority"),
                    t.periods.c.code.label("period"))
             .join(debtor, debtor.c.id == o.debtor_authority_id)
             .join(creditor, creditor.c.id == o.creditor_authority_id)
             .join(t.periods, t.periods.c.id == o.period_id))
    if visible_to is not None:
        query = query.where(_party_clause(visible_to, None))
    return query


def _party_clause(authority_id: int, side: str | None) -> Any:
    o = t.payment_orders.c
    if side == "debtor":
        return o.debtor_authority_id == authority_id
    if side == "creditor":
        return o.creditor_authority_id == authority_id
    invariant(side is None, "a side is the debtor or the creditor")
    return or_(o.debtor_authority_id == authority_id, o.creditor_authority_id == authority_id)


def order_view(conn: Connection, order_id: int, *, visible_to: int | None
               ) -> dict[str, Any] | None:
    """One order with its codes (see :func:`order_views`); None if absent or not visible."""
    row = conn.execute(_order_view_query(visible_to).where(t.payment_orders.c.id == order_id)
                       ).first()
    return None if row is None else dict(row._mapping)


def order_views(conn: Connection, *, visible_to: int | None, after_id: int, limit: int,
                period_id: int | None = None, status: OrderStatus | None = None,
                party_id: int | None = None, side: str | None = None) -> list[dict[str, Any]]:
    """Up to ``limit`` orders with an id above ``after_id``, in id order, each with its
    authorities' and period's codes: only those ``visible_to`` is a party to (None: all), in
    ``period_id``, in ``status``, and with ``party_id`` as the debtor or creditor (``side``)."""
    o = t.payment_orders.c
    query = _order_view_query(visible_to).where(o.id > after_id)
    if period_id is not None:
        query = query.where(o.period_id == period_id)
    if status is not None:
        query = query.where(o.status == status.value)
    if party_id is not None:
        query = query.where(_party_clause(party_id, side))
    return [dict(r._mapping) for r in conn.execute(query.order_by(o.id).limit(limit))]


# --- journal --------------------------------------------------------------------------------

def post_accepted_orders(conn: Connection, period_id: int, order_id: int | None = None,
                         creditor_id: int | None = None) -> int:
    """Moved to :meth:`SqlJournal.post_accepted_orders`; stays until payments uses
    ``uow.journal`` (issue 9)."""
    return SqlJournal(conn).post_accepted_orders(period_id, order_id, creditor_id)

"""The orders repository (:class:`sucre.service.unit_of_work.Orders`) over SQLAlchemy.

Orders are written one at a time (a single submission) or a batch at a time (an import): the
batch goes to PostgreSQL through ``COPY`` and to SQLite through one driver-level
``executemany``, both skipping SQLAlchemy's per-row parameter handling (the import's hot path).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    Dialect,
    String,
    any_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError

from sucre import bounds
from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository, now, utc
from sucre.domain.errors import invariant
from sucre.domain.members import AuthorityCode, MemberCode
from sucre.domain.money import CurrencyCode
from sucre.domain.orders import (
    Goods,
    OrderStatus,
    OrderView,
    PaymentOrder,
    StoredOrder,
    Verdict,
)

#: The columns an order is written with (all but ``id``), in the order of :func:`_values`.
ORDER_COLUMNS = tuple(c.name for c in t.payment_orders.columns if c.name != "id")

_o = t.payment_orders.c
#: The columns of a :class:`StoredOrder`, in its fields' order.
_STORED = (_o.id, _o.idempotency_key, _o.body_hash, _o.status, _o.reason_code, _o.reason,
           _o.period_id, _o.debtor_authority_id, _o.creditor_authority_id, _o.xsu_minor)


def _stored(row: Any) -> StoredOrder:
    return StoredOrder(row.id, row.idempotency_key, row.body_hash, OrderStatus(row.status),
                       row.reason_code, row.reason, row.period_id, row.debtor_authority_id,
                       row.creditor_authority_id, row.xsu_minor)


def _values(order: PaymentOrder, ids: Mapping[AuthorityCode, int], verdict: Verdict,
            received_at: dt.datetime) -> tuple[Any, ...]:
    """An order's row as a tuple in :data:`ORDER_COLUMNS` order (bulk writes skip the dict)."""
    return (
        order.idempotency_key, order.body_hash, verdict.status.value, verdict.reason_code,
        verdict.reason, order.period_id, order.debtor_member, order.creditor_member,
        ids[order.debtor_authority], ids[order.creditor_authority],
        order.amount_minor, order.currency, order.xsu_minor, order.value_date,
        # "f": str(Decimal) would write a small quantity in exponent notation (1E-12).
        order.goods.hs_code, format(order.goods.quantity, "f"), order.goods.unit,
        order.goods.origin,
        order.invoice_ref, order.customs_ref, order.debtor_bank, order.creditor_bank,
        order.importer, order.exporter, received_at,
    )


class SqlOrders(SqlRepository):
    def by_key(self, key: str) -> StoredOrder | None:
        row = self.conn.execute(select(*_STORED).where(_o.idempotency_key == key)).first()
        return None if row is None else _stored(row)

    def by_id(self, order_id: int, *, lock: bool = False) -> StoredOrder | None:
        """One order; ``lock`` takes its row lock (after its period's and positions' rows)."""
        query = select(*_STORED).where(_o.id == order_id)
        if lock:
            query = query.with_for_update()
        row = self.conn.execute(query).first()
        return None if row is None else _stored(row)

    def by_keys(self, keys: Sequence[str]) -> dict[str, StoredOrder]:
        """The stored orders of those ``keys`` that are taken, by key."""
        query = select(*_STORED)
        if self.conn.dialect.name == "postgresql":
            # One array parameter instead of IN with one parameter per key: SQLAlchemy and
            # psycopg build and send one short statement per batch.
            rows = self.conn.execute(query.where(
                _o.idempotency_key == any_(bindparam("keys", list(keys), type_=ARRAY(String)))))
            return {r.idempotency_key: _stored(r) for r in rows}
        found: dict[str, StoredOrder] = {}
        chunk = bounds.db_keys_per_query_max
        for i in range(0, len(keys), chunk):
            rows = self.conn.execute(query.where(_o.idempotency_key.in_(keys[i:i + chunk])))
            found.update({r.idempotency_key: _stored(r) for r in rows})
        return found

    def add(self, order: PaymentOrder, ids: Mapping[AuthorityCode, int], verdict: Verdict
            ) -> int:
        """Write one order with its verdict; its new id."""
        row = dict(zip(ORDER_COLUMNS, _values(order, ids, verdict, now()), strict=True))
        result = self.conn.execute(insert(t.payment_orders).values(row))
        key = result.inserted_primary_key
        invariant(key is not None, "an inserted order has an id")
        return int(key[0])  # type: ignore[index]

    def add_all(self, decided: Sequence[tuple[PaymentOrder, Verdict]],
                ids: Mapping[AuthorityCode, int]) -> None:
        """Write a batch of orders with their verdicts, in order, received at one moment."""
        if not decided:
            return
        stamp = now()
        rows = [_values(order, ids, verdict, stamp) for order, verdict in decided]
        if self.conn.dialect.name == "postgresql":
            _copy_orders(self.conn, rows)
            return
        marks = ", ".join("?" * len(ORDER_COLUMNS))  # SQLite, the other supported database
        self.conn.exec_driver_sql(
            f"INSERT INTO payment_orders ({', '.join(ORDER_COLUMNS)}) "  # noqa: S608
            f"VALUES ({marks})", _bound(self.conn.dialect, rows))

    def set_verdict(self, order_id: int, expected: OrderStatus, verdict: Verdict) -> None:
        """Move an order from the status ``expected`` to ``verdict``'s."""
        result = self.conn.execute(update(t.payment_orders).where(
            _o.id == order_id, _o.status == expected.value)
            .values(status=verdict.status.value, reason_code=verdict.reason_code,
                    reason=verdict.reason))
        invariant(result.rowcount == 1,
                  f"order {order_id} moves from {expected} to {verdict.status}")

    def counts(self, period_id: int | None = None) -> dict[OrderStatus, int]:
        """How many orders have each status (of one period, when it is given)."""
        query = select(_o.status, func.count()).group_by(_o.status)
        if period_id is not None:
            query = query.where(_o.period_id == period_id)
        return {OrderStatus(status): int(count)
                for status, count in self.conn.execute(query).tuples()}

    def member_counts(self, period_id: int, member: MemberCode) -> dict[OrderStatus, int]:
        """How many of a period's orders paying or paid to ``member`` have each status."""
        query = (select(_o.status, func.count()).where(
            _o.period_id == period_id,
            or_(_o.debtor_member == member, _o.creditor_member == member))
            .group_by(_o.status))
        return {OrderStatus(status): int(count)
                for status, count in self.conn.execute(query).tuples()}

    def last_id(self) -> int:
        """The highest order id (0 before the first order)."""
        return int(self.conn.execute(select(func.coalesce(func.max(_o.id), 0))).scalar_one())

    def ids_after(self, after_id: int, listed_max: int) -> tuple[list[int], int]:
        """The first ``listed_max`` order ids above ``after_id``, and how many there are."""
        count = int(self.conn.execute(select(func.count()).where(_o.id > after_id))
                    .scalar_one())
        ids = self.conn.execute(select(_o.id).where(_o.id > after_id).order_by(_o.id)
                                .limit(listed_max)).scalars().all()
        return [int(i) for i in ids], count

    def view(self, order_id: int, *, visible_to: int | None) -> OrderView | None:
        """One order with its codes (see :meth:`views`); None if absent or not visible."""
        row = self.conn.execute(_view_query(visible_to).where(_o.id == order_id)).first()
        return None if row is None else _view(row)

    def views(self, *, visible_to: int | None, after_id: int, limit: int,
              period_id: int | None = None, status: OrderStatus | None = None,
              party_id: int | None = None, side: str | None = None) -> list[OrderView]:
        """Up to ``limit`` orders with an id above ``after_id``, in id order: only those
        ``visible_to`` is a party to (None: all), in ``period_id``, in ``status``, and with
        ``party_id`` as the debtor or creditor (``side``)."""
        query = _view_query(visible_to).where(_o.id > after_id)
        if period_id is not None:
            query = query.where(_o.period_id == period_id)
        if status is not None:
            query = query.where(_o.status == status.value)
        if party_id is not None:
            query = query.where(_party_clause(party_id, side))
        return [_view(r) for r in self.conn.execute(query.order_by(_o.id).limit(limit))]


def _view_query(visible_to: int | None) -> Any:
    """Orders with their authorities' and period's codes; only those ``visible_to`` is debtor
    or creditor authority of, when it is given."""
    debtor, creditor = t.authorities.alias("debtor"), t.authorities.alias("creditor")
    query = (select(t.payment_orders, debtor.c.code.label("debtor_authority"),
                    creditor.c.code.label("creditor_authority"),
                    t.periods.c.code.label("period"))
             .join(debtor, debtor.c.id == _o.debtor_authority_id)
             .join(creditor, creditor.c.id == _o.creditor_authority_id)
             .join(t.periods, t.periods.c.id == _o.period_id))
    if visible_to is not None:
        query = query.where(_party_clause(visible_to, None))
    return query


def _view(r: Any) -> OrderView:
    order = PaymentOrder(
        r.idempotency_key, r.body_hash, MemberCode(r.debtor_member),
        MemberCode(r.creditor_member), AuthorityCode(r.debtor_authority),
        AuthorityCode(r.creditor_authority), r.amount_minor, CurrencyCode(r.currency),
        r.xsu_minor, r.value_date, r.period_id,
        Goods(r.hs_code, Decimal(r.quantity), r.unit, MemberCode(r.origin)),
        r.invoice_ref, r.customs_ref, r.debtor_bank, r.creditor_bank, r.importer, r.exporter)
    return OrderView(order, _stored(r), r.period, utc(r.received_at))


def _party_clause(authority_id: int, side: str | None) -> Any:
    if side == "debtor":
        return _o.debtor_authority_id == authority_id
    if side == "creditor":
        return _o.creditor_authority_id == authority_id
    invariant(side is None, "a side is the debtor or the creditor")
    return or_(_o.debtor_authority_id == authority_id, _o.creditor_authority_id == authority_id)


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

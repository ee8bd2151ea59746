"""The rules the database applies set-based agree with the domain's statement of them, on SQLite
and PostgreSQL: the conditional reserve with :mod:`sucre.domain.positions`, the set-based posting
of orders with :func:`sucre.domain.posting.order_entry`.

Each example runs in a transaction of its own that is rolled back, over one copy of the world.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection, Engine, select, update

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories.journal import SqlJournal
from sucre.adapters.db.repositories.members import SqlMembers
from sucre.adapters.db.repositories.periods import SqlPeriods
from sucre.adapters.db.repositories.positions import position_of
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.ledger import Posting, sums_by_currency
from sucre.domain.members import AuthorityCode
from sucre.domain.money import CurrencyCode
from sucre.domain.orders import OrderStatus, validate_order
from sucre.domain.positions import (
    POSITION_FIELDS,
    Position,
    headroom,
    reserve,
    reserve_credit,
    within_limit,
)
from sucre.domain.posting import order_entry
from sucre.service import payments
from sucre.service.payments import context_for
from tests import world

EXAMPLES = settings(max_examples=120, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

MINOR_MAX = 10**12  # sums of a few of these stay far inside BIGINT
minor = st.integers(0, MINOR_MAX)
positions = st.builds(Position, minor, minor, minor, minor, minor)


@pytest.fixture
def built(engine: Engine) -> tuple[Engine, int, dict[AuthorityCode, int]]:
    """The world (built once for all examples of a test), its period's id and authority ids."""
    world.build(engine)
    with engine.connect() as conn:
        period = SqlPeriods(conn).on(world.START)
        assert period is not None
        return engine, period.id, SqlMembers(conn).authority_ids()


def _write(conn: Connection, period_id: int, authority_id: int, position: Position) -> None:
    p = t.positions.c
    conn.execute(update(t.positions).where(p.period_id == period_id,
                                           p.authority_id == authority_id)
                 .values({name: getattr(position, name) for name in POSITION_FIELDS}))


def _read(conn: Connection, period_id: int, authority_id: int) -> Position:
    p = t.positions.c
    row = conn.execute(select(t.positions).where(p.period_id == period_id,
                                                 p.authority_id == authority_id)).one()
    return position_of(row._mapping)


@st.composite
def reservations(draw: st.DrawFn) -> tuple[Position, Position, int]:
    """A debtor's and a creditor's position and an amount, often at the edge of the headroom."""
    debtor, creditor = draw(positions), draw(positions)
    near_edge = st.integers(-2, 2).map(lambda delta: max(1, headroom(debtor) + delta))
    amount = draw(st.one_of(near_edge, st.integers(1, MINOR_MAX)))
    return debtor, creditor, amount


@EXAMPLES
@given(case=reservations())
def test_sql_reserve_accepts_exactly_within_limit(
        built: tuple[Engine, int, dict[AuthorityCode, int]],
        case: tuple[Position, Position, int]) -> None:
    engine, period_id, ids = built
    debtor, creditor, amount = case
    debtor_id, creditor_id = ids[AuthorityCode("BCC")], ids[AuthorityCode("BCV")]
    with SqlUnitOfWork(engine) as uow:  # left without a commit: rolled back
        conn = uow.connection
        _write(conn, period_id, debtor_id, debtor)
        _write(conn, period_id, creditor_id, creditor)
        accepted = uow.positions.reserve(period_id, debtor_id, creditor_id, amount)
        assert accepted == within_limit(debtor, amount)
        assert _read(conn, period_id, debtor_id) == (reserve(debtor, amount) if accepted
                                                     else debtor)
        assert _read(conn, period_id, creditor_id) == (reserve_credit(creditor, amount)
                                                       if accepted else creditor)


# --- posting --------------------------------------------------------------------------------

MEMBERS = ("VEN", "CUB", "BOL", "NIC", "LCA")  # one per authority
trades = st.lists(st.tuples(st.sampled_from(MEMBERS), st.sampled_from(MEMBERS),
                            st.integers(1, 300_000)).filter(lambda x: x[0] != x[1]),
                  min_size=1, max_size=12)
modes = st.sampled_from(("one", "creditor", "all"))


def _accept(uow: SqlUnitOfWork, trade: Sequence[tuple[str, str, int]]) -> None:
    """Validate, reserve and store each order as accepted (those over a limit are left out)."""
    context = context_for(uow)
    ids = uow.members.authority_ids()
    for n, (debtor, creditor, amount) in enumerate(trade):
        request = world.order(f"R{n}", debtor_member=debtor, creditor_member=creditor,
                              origin=creditor, amount=f"{amount // 100}.{amount % 100:02d}")
        order = validate_order(request, context)
        if uow.positions.reserve(order.period_id, ids[order.debtor_authority],
                                 ids[order.creditor_authority], order.xsu_minor):
            uow.orders.add(order, ids, payments.ACCEPTED)


def _entries(conn: Connection) -> dict[int, tuple[Any, ...]]:
    """Every order entry in the journal, by order id: kind, period, memo and sorted postings."""
    e, p = t.journal_entries.c, t.postings.c
    found: dict[int, tuple[Any, ...]] = {}
    for entry in conn.execute(select(t.journal_entries).where(e.order_id.is_not(None))):
        lines = conn.execute(select(p.account, p.currency, p.amount_minor)
                             .where(p.entry_id == entry.id)).tuples().all()
        assert entry.order_id not in found, "one entry per order"
        found[entry.order_id] = (entry.kind, entry.period_id, entry.memo,
                                 tuple(sorted((a, c, int(m)) for a, c, m in lines)))
    return found


@EXAMPLES
@given(trade=trades, mode=modes, pick=st.integers(0, 100))
def test_set_based_posting_writes_the_domain_entries(
        built: tuple[Engine, int, dict[AuthorityCode, int]],
        trade: list[tuple[str, str, int]], mode: str, pick: int) -> None:
    engine, period_id, _ = built
    with SqlUnitOfWork(engine) as uow:  # left without a commit: rolled back
        conn = uow.connection
        _accept(uow, trade)
        accepted = uow.orders.views(visible_to=None, after_id=0, limit=1000,
                                    period_id=period_id, status=OrderStatus.ACCEPTED)
        if not accepted:
            return
        chosen = accepted[pick % len(accepted)]
        if mode == "one":
            posted = SqlJournal(conn).post_accepted_orders(period_id, order_id=chosen.stored.id)
            selected = [chosen]
        elif mode == "creditor":
            creditor = chosen.stored.creditor_authority_id
            posted = SqlJournal(conn).post_accepted_orders(period_id, creditor_id=creditor)
            selected = [o for o in accepted if o.stored.creditor_authority_id == creditor]
        else:
            posted = SqlJournal(conn).post_accepted_orders(period_id)
            selected = accepted
        assert posted == len(selected)
        expected = {}
        for view in selected:
            o = view.order
            entry = order_entry(o.period_id, view.stored.id, o.debtor_authority,
                                o.creditor_authority, o.xsu_minor)
            expected[view.stored.id] = (entry.kind.value, entry.period_id, entry.memo, tuple(sorted(
                (p.account, p.currency, p.amount_minor) for p in entry.postings)))
        written = _entries(conn)
        assert written == expected
        for _, _, _, lines in written.values():
            postings = [Posting(a, CurrencyCode(c), m) for a, c, m in lines]
            assert set(sums_by_currency(postings).values()) == {0}, "each entry balances"


# --- the batch path -------------------------------------------------------------------------

#: Several orders per debtor, each often within its limit alone but not all together.
crowded = st.lists(st.tuples(st.sampled_from(MEMBERS[:3]), st.sampled_from(MEMBERS),
                             st.integers(20_000, 300_000)).filter(lambda x: x[0] != x[1]),
                   min_size=2, max_size=12)
batches = itertools.count()


@EXAMPLES
@given(trade=crowded)
def test_a_batch_import_accepts_what_the_sql_reserve_accepts(
        built: tuple[Engine, int, dict[AuthorityCode, int]],
        trade: list[tuple[str, str, int]]) -> None:
    """The import's in-memory limit check (domain) accepts the orders that reserving them one
    by one (SQL, in a transaction rolled back) accepts, and leaves the same positions."""
    engine, period_id, ids = built
    tag = next(batches)
    requests = [world.order(f"B{tag}-{n}", debtor_member=debtor, creditor_member=creditor,
                            origin=creditor, amount=f"{amount // 100}.{amount % 100:02d}")
                for n, (debtor, creditor, amount) in enumerate(trade)]
    with engine.begin() as conn:  # every example starts from empty positions
        conn.execute(update(t.positions).values(debit_pending_minor=0, credit_pending_minor=0))
    with SqlUnitOfWork(engine) as uow:  # left without a commit: rolled back
        context = context_for(uow)
        expected = {}
        for request in requests:
            order = validate_order(request, context)
            reserved = uow.positions.reserve(period_id, ids[order.debtor_authority],
                                             ids[order.creditor_authority], order.xsu_minor)
            expected[request.idempotency_key] = (OrderStatus.ACCEPTED if reserved
                                                 else OrderStatus.REJECTED).value
        expected_positions = {i: _read(uow.connection, period_id, i) for i in ids.values()}
    report = payments.import_orders(SqlUnitOfWork(engine), list(enumerate(requests)))
    assert report.accepted + report.rejected == len(requests)
    with engine.connect() as conn:
        o = t.payment_orders.c
        stored = dict(conn.execute(select(o.idempotency_key, o.status).where(
            o.idempotency_key.in_(list(expected)))).tuples().all())
        assert stored == expected
        assert {i: _read(conn, period_id, i) for i in ids.values()} == expected_positions

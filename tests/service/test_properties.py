"""Properties over random sequences of operations, on SQLite and PostgreSQL.

After every step: the journal balances per currency, every authority's XSU positions sum to zero,
the positions table agrees with the journal, and no authority's net debit (posted and reserved)
exceeds its limit.
"""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import SucreError
from sucre.domain.orders import OrderStatus
from sucre.service import closing, payments
from tests import world

MEMBERS = ["VEN", "CUB", "BOL", "NIC", "LCA", "DMA"]
AUTHORITY = {"VEN": "BCV", "CUB": "BCC", "BOL": "BCB", "NIC": "BCN", "LCA": "ECCB",
             "DMA": "ECCB"}

submit = st.tuples(st.just("submit"), st.sampled_from(MEMBERS), st.sampled_from(MEMBERS),
                   st.integers(min_value=1, max_value=900_000), st.integers(0, 30))
decide = st.tuples(st.just("decide"), st.integers(0, 40), st.booleans())
replay = st.tuples(st.just("replay"), st.integers(0, 40))
operations = st.lists(st.one_of(submit, submit, decide, replay), min_size=1, max_size=25)


def check_invariants(engine: Engine) -> None:
    world.verify(engine)
    with engine.connect() as conn:
        rows = conn.execute(select(t.positions)).all()
    for r in rows:
        net_debit = r.debit_posted_minor + r.debit_pending_minor - r.credit_posted_minor
        assert net_debit <= r.limit_minor, f"authority {r.authority_id} breached its limit"
        assert min(r.debit_pending_minor, r.credit_pending_minor) >= 0


def apply(engine: Engine, op: tuple[object, ...], accepted: list[int], keys: list[str]) -> None:
    if op[0] == "submit":
        _, debtor, creditor, minor, day = op
        key = f"P{len(keys)}"
        request = world.order(key, debtor_member=str(debtor), creditor_member=str(creditor),
                              origin=str(creditor), amount=f"{int(minor) / 100:.2f}",
                              value_date=f"2026-07-{1 + int(day) % world.DAYS:02d}")
        try:
            outcome = payments.submit_order(SqlUnitOfWork(engine), request)
        except SucreError:
            return  # same member twice, one authority: refused, nothing written
        keys.append(key)
        if outcome.status is OrderStatus.ACCEPTED:
            accepted.append(outcome.order_id)
    elif op[0] == "decide" and accepted:
        order_id = accepted.pop(int(op[1]) % len(accepted))
        with engine.connect() as conn:
            creditor = conn.execute(select(t.authorities.c.code).join(
                t.payment_orders, t.payment_orders.c.creditor_authority_id == t.authorities.c.id)
                .where(t.payment_orders.c.id == order_id)).scalar_one()
        payments.decide_order(SqlUnitOfWork(engine), order_id, creditor, accept=bool(op[2]))
    elif op[0] == "replay" and keys:
        key = keys[int(op[1]) % len(keys)]
        with engine.connect() as conn:
            body = conn.execute(select(t.payment_orders).where(
                t.payment_orders.c.idempotency_key == key)).one()
        before = world.position_sums(engine)
        outcome = payments.submit_order(SqlUnitOfWork(engine), world.order(
            key, debtor_member=body.debtor_member, creditor_member=body.creditor_member,
            origin=body.origin, amount=f"{body.amount_minor / 100:.2f}",
            value_date=body.value_date.isoformat()))
        assert outcome.replayed and world.position_sums(engine) == before


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations, close=st.booleans())
def test_any_sequence_keeps_the_books_balanced_and_within_limits(
        fresh_engine: Callable[[], Engine], ops: list[tuple[object, ...]], close: bool) -> None:
    engine = fresh_engine()
    world.build(engine)
    accepted: list[int] = []
    keys: list[str] = []
    for op in ops:
        apply(engine, op, accepted, keys)
        check_invariants(engine)
    if close:
        report = world.close(engine, "2026-H2", as_of=world.AFTER, finance_deficits=True)
        assert (closing.settlement_amounts(world.settled(engine)) == {"USD": 0}
                or not report["settlement"])
        check_invariants(engine)
    engine.dispose()

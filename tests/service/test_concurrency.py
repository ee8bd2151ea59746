"""Concurrency claims, proven on a real PostgreSQL (SQLite has a single writer anyway)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import Engine, func, select

from sucre.adapters.db import tables as t
from sucre.domain.errors import SucreError
from sucre.domain.orders import OrderStatus
from sucre.service import closing, payments, reports
from tests import world

pytestmark = pytest.mark.postgres_only


def run_together(count: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(count)

    def start(i: int) -> object:
        barrier.wait()
        try:
            return work(i)
        except SucreError as error:
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(start, range(count)))


def test_concurrent_submitters_never_breach_a_limit(engine: Engine) -> None:
    world.build(engine)  # BCC may owe 2,000.00 XSU
    outcomes = run_together(16, lambda i: payments.submit_order(
        engine, world.order(f"C{i}", amount="300.00")))
    accepted = [o for o in outcomes if getattr(o, "status", None) is OrderStatus.ACCEPTED]
    assert len(accepted) == 6  # 6 * 300 = 1,800 <= 2,000 < 7 * 300
    assert all(getattr(o, "reason_code", None) == "AM04" for o in outcomes
               if o not in accepted)
    live = reports.positions_report(engine)["authorities"]["BCC"]
    assert live["debit_reserved"] == "1800.00"
    closing.verify_journal(engine)


def test_concurrent_retries_of_one_key_make_one_order(engine: Engine) -> None:
    world.build(engine)
    outcomes = run_together(12, lambda _: payments.submit_order(engine, world.order("SAME")))
    ids = {getattr(o, "order_id", None) for o in outcomes}
    assert len(ids) == 1 and None not in ids
    assert sum(not getattr(o, "replayed", True) for o in outcomes) == 1
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.payment_orders)).scalar() == 1
    assert reports.positions_report(engine)["authorities"]["BCC"]["debit_reserved"] == "1000.00"


def test_orders_racing_a_close_land_in_exactly_one_period(engine: Engine) -> None:
    world.build(engine)

    def work(i: int) -> object:
        if i == 0:
            return closing.close_period(engine, "2026-H2")
        return payments.submit_order(engine, world.order(
            f"R{i}", debtor_member="VEN", creditor_member="BOL", origin="BOL",
            amount="10.00"))

    outcomes = run_together(12, work)
    report = outcomes[0]
    assert isinstance(report, dict)
    accepted = [o for o in outcomes[1:] if getattr(o, "status", None) is OrderStatus.ACCEPTED]
    refused = [o for o in outcomes[1:] if isinstance(o, SucreError)]
    assert len(accepted) + len(refused) == 11
    # Every accepted order was settled in the period; none arrived after its cut-off.
    assert report["orders"]["accepted"] == len(accepted)
    assert report["gross_xsu"] == f"{10 * len(accepted)}.00"
    closing.verify_journal(engine)

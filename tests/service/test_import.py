"""Bulk import (``payments.import_orders``): the bulk write path, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories.orders import SqlOrders
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.orders import OrderRequest, OrderStatus
from sucre.service import payments, reports
from tests import world


@pytest.fixture
def bloc_engine(engine: Engine) -> Engine:
    world.build(engine)
    return engine


def stored(engine: Engine, key: str) -> dict[str, Any]:
    with engine.connect() as conn:
        row = conn.execute(select(t.payment_orders)
                           .where(t.payment_orders.c.idempotency_key == key)).one()
    return dict(row._mapping)


def numbered(*requests: OrderRequest) -> list[tuple[int, OrderRequest]]:
    return list(enumerate(requests, start=2))  # line 1 is a file's header


def test_an_imported_order_is_stored_as_a_submitted_one(
        bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    body: dict[str, str] = {"amount": "24000.00", "currency": "CUP", "quantity": "360.50",
                            "debtor_bank": "BANCO", "importer": ' Alimport "Ñ" \\ x, y '}
    payments.submit_order(uow, world.order("ONE", **body))
    report = payments.import_orders(uow, numbered(world.order("BULK", **body)))
    assert (report.accepted, report.invalid) == (1, 0)
    one, bulk = stored(bloc_engine, "ONE"), stored(bloc_engine, "BULK")
    assert bulk["id"] == one["id"] + 1
    assert bulk["value_date"] == dt.date(2026, 7, 2)
    assert isinstance(bulk["received_at"], dt.datetime)
    assert (bulk["received_at"].replace(tzinfo=None)
            - one["received_at"].replace(tzinfo=None)) < dt.timedelta(minutes=5)
    same = {k: v for k, v in one.items() if k not in ("id", "idempotency_key", "received_at")}
    assert {k: bulk[k] for k in same} == same
    assert bulk["importer"] == 'Alimport "Ñ" \\ x, y'
    assert bulk["body_hash"] == world.order(**body).body_hash()


def test_quantities_are_stored_as_the_plain_decimal_text_they_were_given(
        bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    """Never in exponent notation (str(Decimal) writes 1E-12), which no edge would read back."""
    payments.submit_order(uow, world.order("TINY", quantity=" 0.000000000001 "))
    payments.import_orders(uow, numbered(world.order("LONG", quantity="0" * 15 + ".5")))
    assert stored(bloc_engine, "TINY")["quantity"] == "0.000000000001"
    assert stored(bloc_engine, "LONG")["quantity"] == "0.5"


def test_bad_rows_are_reported_by_line_and_the_good_ones_kept(
        bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    report = payments.import_orders(uow, numbered(
        world.order("G1"), world.order("B1", amount="1.001"), world.order("G2", amount="1.00"),
        world.order("G1", amount="5.00"), world.order("B2", debtor_member="HND")))
    assert (report.accepted, report.rejected, report.replayed) == (2, 0, 0)
    assert [(e.line, e.field, e.reason_code) for e in report.errors] == [
        (3, "amount", "AM12"), (5, "idempotency_key", "DUPL"), (6, "debtor_member", "RC01")]
    again = payments.import_orders(uow, numbered(
        world.order("G1"), world.order("G2", amount="2.00"), world.order("G3", amount="3.00")))
    assert (again.accepted, again.replayed) == (1, 1)
    assert [(e.line, e.reason_code) for e in again.errors] == [(3, "DUPL")]
    assert stored(bloc_engine, "G2")["xsu_minor"] == 100


@pytest.mark.parametrize("batch_orders", [1, 1000])
def test_limits_are_exact_within_and_across_batches(bloc_engine: Engine, uow: SqlUnitOfWork,
                                                    batch_orders: int) -> None:
    # BCC may owe 2,000.00 XSU (allocation 2,000.00, no credit line).
    report = payments.import_orders(uow, numbered(
        world.order("A", amount="1500.00"), world.order("B", amount="500.01"),
        world.order("C", amount="500.00"), world.order("D", amount="0.01")),
        batch_orders=batch_orders)
    assert (report.accepted, report.rejected) == (2, 2)
    statuses = {k: (stored(bloc_engine, k)["status"], stored(bloc_engine, k)["reason_code"])
                for k in "ABCD"}
    assert statuses == {"A": ("accepted", None), "B": ("rejected", "AM04"),
                        "C": ("accepted", None), "D": ("rejected", "AM04")}
    live = reports.positions_report(SqlUnitOfWork(bloc_engine)).authorities
    assert live["BCC"].debit_reserved_minor == 200_000 and live["BCC"].headroom_minor == 0
    replay = payments.import_orders(uow, numbered(world.order("B", amount="500.01")))
    assert (replay.replayed, replay.rejected, replay.invalid) == (1, 0, 0)
    assert stored(bloc_engine, "B")["status"] == OrderStatus.REJECTED.value


def test_a_failed_write_rolls_back_the_whole_batch(bloc_engine: Engine, uow: SqlUnitOfWork,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    payments.submit_order(uow, world.order("TAKEN"))
    before = (world.row_counts(bloc_engine), world.position_sums(bloc_engine))
    # As if another importer wrote "TAKEN" between the key lookup and the write.
    monkeypatch.setattr(SqlOrders, "by_keys", lambda self, keys: {})
    with pytest.raises(IntegrityError):
        payments.import_orders(uow, numbered(
            world.order("NEW", amount="10.00"), world.order("TAKEN")))
    assert (world.row_counts(bloc_engine), world.position_sums(bloc_engine)) == before


@pytest.mark.postgres_only
def test_the_bulk_write_keeps_the_sessions_plan_cache_mode(
        bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    # COPY runs with plan_cache_mode=auto (cached foreign-key checks); the rest must not.
    with uow:
        conn = uow.connection
        assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"
        order = payments.validate_order(world.order("PCM"), payments.context_for(uow))
        uow.orders.add_all([(order, payments.ACCEPTED)], uow.members.authority_ids())
        assert conn.exec_driver_sql("SHOW plan_cache_mode").scalar() == "force_custom_plan"
        uow.commit()
    assert stored(bloc_engine, "PCM")["status"] == "accepted"

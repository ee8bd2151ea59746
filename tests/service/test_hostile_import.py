"""Bulk import under hostile input (issue 8, point 5), on SQLite and PostgreSQL: a value too long
for its column is a row error found before the database (on PostgreSQL it used to abort the whole
batch, losing its valid rows), and a flood of bad rows keeps a bounded report with an exact
count."""

from __future__ import annotations

from dataclasses import fields

import pytest
from sqlalchemy import Engine, String, func, select

from sucre import bounds
from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.orders import OrderRequest
from sucre.service import payments
from tests import world
from tests.hostile import HOSTILE_TEXTS

#: Request fields stored in a column of the same name, with the column's length.
STORED = {f.name: t.payment_orders.c[f.name].type.length for f in fields(OrderRequest)
          if f.name in t.payment_orders.c and isinstance(t.payment_orders.c[f.name].type, String)}


def over_long(name: str, length: int) -> str:
    """A value one character longer than its column, otherwise well-formed for its field."""
    if name in ("hs_code",):
        return "1" * (length + 1)
    if name == "quantity":
        return "1." + "0" * (length - 1)
    return "X" * (length + 1)


@pytest.fixture
def bloc_engine(engine: Engine) -> Engine:
    world.build(engine)
    return engine


def stored_keys(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(select(t.payment_orders.c.idempotency_key)).scalars())


def test_every_stored_text_column_is_covered() -> None:
    assert {"idempotency_key", "hs_code", "quantity", "unit", "invoice_ref", "customs_ref",
            "debtor_bank", "creditor_bank", "importer", "exporter"} <= set(STORED)


@pytest.mark.parametrize("name", sorted(STORED))
def test_an_over_long_value_is_a_row_error_and_the_batch_keeps_its_valid_rows(
        bloc_engine: Engine, uow: SqlUnitOfWork, name: str) -> None:
    bad = world.order("LONG-1", **{name: over_long(name, STORED[name])})
    report = payments.import_orders(uow, [
        (2, world.order("OK-1")), (3, bad), (4, world.order("OK-2"))], batch_orders=10)
    assert report.accepted == 2 and report.invalid == 1
    assert [(e.line, e.field) for e in report.errors] == [
        (3, "idempotency_key" if name == "idempotency_key" else name)]
    assert stored_keys(bloc_engine) == {"OK-1", "OK-2"}


@pytest.mark.parametrize("text", HOSTILE_TEXTS.values(), ids=HOSTILE_TEXTS.keys())
def test_control_characters_in_an_order_are_row_errors(
        bloc_engine: Engine, uow: SqlUnitOfWork, text: str) -> None:
    report = payments.import_orders(uow, [
        (2, world.order("OK-1")), (3, world.order("BAD-1", importer=text))])
    assert (report.accepted, report.invalid) == (1, 1)
    assert report.errors[0].field == "importer"


def test_the_report_keeps_the_first_errors_and_counts_them_all(
        bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    bad = bounds.import_errors_listed_max + 150
    rows = [(k + 2, world.order(f"B{k}", amount="1.001")) for k in range(bad)]
    report = payments.import_orders(uow, [*rows, (bad + 2, world.order("GOOD"))])
    assert report.accepted == 1 and report.invalid == bad
    assert len(report.errors) == bounds.import_errors_listed_max
    assert [e.line for e in report.errors] == list(range(2, bounds.import_errors_listed_max + 2))
    with bloc_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.payment_orders)).scalar_one() == 1

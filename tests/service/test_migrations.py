"""The migrations build exactly the schema the code declares (``adapters/db/tables.py``) and
convert the data they reshape."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from sucre.adapters.db.migrate import alembic_config, upgrade
from sucre.adapters.db.tables import metadata
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.ledger import EntryKind, transfer
from sucre.domain.money import XSU, CurrencyCode
from sucre.service import funds, messaging, setoff_runs
from sucre.service.setoff_runs import Invoice
from tests import world
from tests.iso20022 import samples


def test_migrated_schema_matches_the_tables(engine: Engine) -> None:
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
    assert differences == []


def test_settlements_move_between_the_stored_json_and_typed_rows(engine: Engine) -> None:
    """A period settled by sucre before revision 0006 (its report stored as JSON) reads into the
    typed rows: it reports the same JSON and its legs still confirm; and back again."""
    world.trade_and_close(engine)
    expected = world.stored_report(engine)
    # The decisions behind the period (basket, calendar) are read when the report is handed
    # out, never stored: the old JSON has no such keys.
    as_stored_before = json.dumps({**{k: v for k, v in expected.items()
                                      if k not in ("basket", "calendar")}, "settlement": [
        {k: v for k, v in i.items() if k not in ("reference", "settlement_status")}
        for i in expected["settlement"]]}, sort_keys=True)
    config = alembic_config(engine)
    command.downgrade(config, "0005")
    try:
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT report FROM settlements")).scalar_one()
        assert stored == as_stored_before
    finally:
        command.upgrade(config, "head")
    assert json.dumps(world.stored_report(engine)) == json.dumps(expected)
    outcome = messaging.submit_pacs009(SqlUnitOfWork(engine), samples.pacs009(
        *world.SETTLEMENT_LEGS, currency="USD", settlement_date="2027-01-05"))
    assert (outcome.accepted, outcome.rejected) == (3, 0), outcome.report.decode()
    world.verify(engine)


def test_set_off_runs_move_between_their_json_summary_and_their_rows(
        engine: Engine, uow: SqlUnitOfWork) -> None:
    """0007 turns each run's stored JSON summary into columns and member rows, and back: a run
    recorded before it reads the same after it, and going back stores the JSON the old code
    wrote (on SQLite, with the run's clearings kept across the rebuilt table)."""
    world.build(engine)
    setoff_runs.store_invoices(uow, [
        Invoice("m1", "a", "b", 10_000, XSU, "CUB", "VEN"),
        Invoice("m2", "b", "a", 4_000, XSU, "VEN", "CUB"),
        Invoice("m3", "c", "a", 1_000, XSU)])  # no member state: the "---" row
    run = setoff_runs.run_setoff(uow, dt.date(2026, 7, 2))
    before = setoff_runs.run_detail(uow, run.run_id)
    old_summary = {key: value for key, value in setoff_runs.run_document(run).items()
                   if key != "run_id"}
    try:
        command.downgrade(alembic_config(engine), "0006")
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT summary FROM setoff_runs")).scalar_one()
            clearings = conn.execute(text("SELECT count(*) FROM setoff_clearings")).scalar_one()
        assert stored == json.dumps(old_summary, sort_keys=True)
        assert clearings == before.clearings_total == 2
    finally:
        upgrade(engine)
    after = setoff_runs.run_detail(uow, run.run_id)
    assert (after.run.findings, after.clearings) == (before.run.findings, before.clearings)


def test_journal_entries_outside_periods_need_0011(engine: Engine, uow: SqlUnitOfWork) -> None:
    """0011 lets an entry belong to no clearing period (a loan, a fund) and keeps the books that
    were there (on SQLite the table is rebuilt under the postings that refer to it); going back
    below it is refused while such an entry exists, and allowed once none does."""
    world.trade_and_close(engine)
    before = world.verify(engine)
    config = alembic_config(engine)
    command.downgrade(config, "0010")
    command.upgrade(config, "head")
    assert world.verify(engine) == before
    with uow:
        [entry_id] = uow.journal.append([transfer(
            EntryKind.FINANCING, None, CurrencyCode("USD"), 125, debit="lender:test",
            credit="borrower:test", memo="outside any period")])
        uow.commit()
    with pytest.raises(RuntimeError, match="1 journal entries belong to no clearing period"):
        command.downgrade(config, "0010")
    assert world.verify(engine)["accounts"] == before["accounts"] + 2
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM postings WHERE entry_id = :e"), {"e": entry_id})
        conn.execute(text("DELETE FROM journal_entries WHERE id = :e"), {"e": entry_id})
    command.downgrade(config, "0010")
    command.upgrade(config, "head")
    assert world.verify(engine) == before


def test_foreign_keys_are_enforced_after_a_migration(engine: Engine) -> None:
    """The SQLite migrations switch foreign keys off while tables are rebuilt: on again after."""
    command.downgrade(alembic_config(engine), "0010")
    upgrade(engine)
    with engine.begin() as conn, pytest.raises(IntegrityError):
        conn.execute(text("INSERT INTO postings (entry_id, account, currency, amount_minor) "
                          "VALUES (987654321, 'nowhere', 'USD', 1)"))


def test_funds_come_and_go_with_0013_but_never_with_a_fund(engine: Engine,
                                                           uow: SqlUnitOfWork) -> None:
    """0013 adds the joint funds' tables; going back below it is refused while a fund is
    recorded (its movements would lose their journal entries), and allowed without one."""
    world.build(engine)
    config = alembic_config(engine)
    command.downgrade(config, "0012")
    command.upgrade(config, "head")
    fund = funds.create_fund(uow, "f", "p", "100.00", effective_date=world.START,
                             reference=world.REF)
    funds.subscribe(uow, fund.id, "VEN", "100.00", value_date=world.START, reference="S")
    before = world.verify(engine)
    with pytest.raises(RuntimeError, match="1 joint fund"):
        command.downgrade(config, "0012")
    assert world.verify(engine) == before
    with engine.connect() as conn:
        assert conn.execute(text("SELECT COUNT(*) FROM fund_movements")).scalar_one() == 1

"""ISO 20022 through the service layer: pacs.008 in, pacs.002 out, camt.053 from the journal."""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree
from sqlalchemy import Engine

from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.adapters.iso20022 import camt053
from sucre.adapters.iso20022.parse import CAMT_053, PACS_002, InvalidMessage, parse_message
from sucre.service import messaging, payments
from tests import world
from tests.iso20022 import samples

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10"}


def submit_pacs008(engine: Engine, data: bytes) -> messaging.StatusReportOutcome:
    """:func:`messaging.submit_pacs008` on a unit of work of ``engine``."""
    return messaging.submit_pacs008(SqlUnitOfWork(engine), data)


def statuses(report: bytes) -> list[tuple[str, str | None]]:
    root = etree.fromstring(report)
    return [(tx.findtext("p:TxSts", namespaces=NS),
             tx.findtext("p:StsRsnInf/p:Rsn/p:Cd", namespaces=NS))
            for tx in root.iterfind(".//p:TxInfAndSts", NS)]


def rice(amount: str = "1000.00", **changes: str) -> object:
    return samples.order(debtor_member="CUB", creditor_member="VEN", origin="VEN",
                         currency="XSU", amount=amount, value_date="2026-07-02", **changes)


@pytest.fixture
def bloc_engine(engine: Engine) -> Engine:
    world.build(engine)
    return engine


def test_pacs008_transactions_are_answered_one_by_one(bloc_engine: Engine) -> None:
    message = samples.pacs008(rice(), rice("1500.00"), rice("0.001"), message_id="BCC-1")
    outcome = submit_pacs008(bloc_engine, message)
    # 1,000.00 fits BCC's 2,000.00 limit, 1,500.00 more does not (AM04), 0.001 is malformed.
    assert statuses(outcome.report) == [("ACSP", None), ("RJCT", "AM04"), ("RJCT", "AM12")]
    assert (outcome.accepted, outcome.rejected) == (1, 2)
    parse_message(outcome.report, PACS_002)  # the answer is itself schema-valid


def test_a_resent_message_moves_nothing_twice(bloc_engine: Engine) -> None:
    message = samples.pacs008(rice(), message_id="BCC-2")
    submit_pacs008(bloc_engine, message)
    before = (world.row_counts(bloc_engine), world.position_sums(bloc_engine))
    again = submit_pacs008(bloc_engine, message)
    assert statuses(again.report) == [("ACSP", None)]
    assert (world.row_counts(bloc_engine), world.position_sums(bloc_engine)) == before


def test_a_failure_while_a_message_is_applied_writes_none_of_it(
        bloc_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash or database failure half-way through a message leaves none of its orders
    written, so the answer (a 500) never hides orders that were applied."""
    from sucre.adapters.db.repositories.orders import SqlOrders

    written: list[int] = []
    add_one, add_all = SqlOrders.add, SqlOrders.add_all

    def fail_at_the_second(count: int) -> None:
        written.append(count)
        if sum(written) >= 2:
            raise RuntimeError("the database went away (simulated)")

    def one(self: SqlOrders, *args: Any) -> int:
        fail_at_the_second(1)
        return add_one(self, *args)

    def many(self: SqlOrders, decided: list[Any], ids: Any) -> None:
        fail_at_the_second(len(decided))
        add_all(self, decided, ids)

    monkeypatch.setattr(SqlOrders, "add", one)
    monkeypatch.setattr(SqlOrders, "add_all", many)
    before = (world.row_counts(bloc_engine), world.position_sums(bloc_engine))
    with pytest.raises(RuntimeError):
        submit_pacs008(bloc_engine, samples.pacs008(rice("10.00"), rice("20.00"),
                                                              message_id="BCC-3"))
    assert (world.row_counts(bloc_engine), world.position_sums(bloc_engine)) == before


def test_a_wrong_transaction_count_rejects_the_whole_message(bloc_engine: Engine) -> None:
    message = samples.swap(samples.pacs008(rice(), rice()), "<NbOfTxs>2</NbOfTxs>",
                           "<NbOfTxs>3</NbOfTxs>")
    before = world.row_counts(bloc_engine)
    outcome = submit_pacs008(bloc_engine, message)
    root = etree.fromstring(outcome.report)
    assert root.findtext(".//p:OrgnlGrpInfAndSts/p:GrpSts", namespaces=NS) == "RJCT"
    assert world.row_counts(bloc_engine) == before


def test_an_unsafe_message_is_refused_before_anything_is_written(bloc_engine: Engine) -> None:
    before = world.row_counts(bloc_engine)
    with pytest.raises(InvalidMessage):
        submit_pacs008(bloc_engine, b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a '
                                              b'"b">]><Document>&a;</Document>')
    assert world.row_counts(bloc_engine) == before


def test_camt053_statement_reconciles_with_the_settlement(
        bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    payments.submit_order(uow, world.order("S1", amount="700.00"))
    world.close(bloc_engine, "2026-H2", as_of=world.AFTER)
    statement = messaging.statement(uow, "BCC", "2026-H2")
    # Paid, then the debit surrendered at settlement.
    assert [e.amount_minor for e in statement.entries] == [-70_000, 70_000]
    assert statement.closing_balance_minor == 0
    parse_message(camt053.build_camt053(statement), CAMT_053)

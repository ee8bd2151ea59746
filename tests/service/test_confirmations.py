"""pacs.009 confirming the hard-currency legs of a closed period, on SQLite and PostgreSQL.

The settled world (``world.trade_and_close``): BCC pays 1,000.00 USD and BCV 125.00 USD into the
council's account; BCB receives 1,125.00 USD from it.
"""

from __future__ import annotations

from typing import Any

import pytest
from lxml import etree
from sqlalchemy import Engine, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.adapters.iso20022.parse import PACS_002, InvalidMessage, parse_message
from sucre.domain.settlement import InstructionKind
from sucre.service import messaging, payments
from tests import world
from tests.iso20022 import samples
from tests.service.test_concurrency import run_together

NS = {"p": PACS_002.namespace}
PAY_BCC, PAY_BCV, RECEIVE_BCB = world.SETTLEMENT_LEGS


def submit_pacs009(engine: Engine, data: bytes) -> messaging.StatusReportOutcome:
    """:func:`messaging.submit_pacs009` on a unit of work of ``engine``."""
    return messaging.submit_pacs009(SqlUnitOfWork(engine), data)

def submit_iso(engine: Engine, data: bytes) -> messaging.StatusReportOutcome:
    """:func:`messaging.submit_iso` on a unit of work of ``engine``."""
    return messaging.submit_iso(SqlUnitOfWork(engine), data)


def pacs009(*legs: tuple[str, str, str, str], currency: str = "USD", **changes: Any) -> bytes:
    changes.setdefault("message_id", "ALBA-SETTLE-2026H2")
    return samples.pacs009(*legs, currency=currency, settlement_date="2027-01-05", **changes)


def answer(report: bytes) -> tuple[str | None, list[tuple[str | None, str | None]]]:
    """(group status, [(status, reason code) per transaction]) of a pacs.002."""
    root = etree.fromstring(report)
    return (root.findtext(".//p:OrgnlGrpInfAndSts/p:GrpSts", namespaces=NS),
            [(tx.findtext("p:TxSts", namespaces=NS),
              tx.findtext("p:StsRsnInf/p:Rsn/p:Cd", namespaces=NS))
             for tx in root.iterfind(".//p:TxInfAndSts", NS)])


def statuses(engine: Engine) -> dict[str, str]:
    return {i["reference"]: i["settlement_status"]
            for i in world.stored_report(engine, "2026-H2")["settlement"]}


def confirmations(engine: Engine) -> list[tuple[str, str, int, str]]:
    c = t.settlement_confirmations.c
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(  # type: ignore[misc]
            select(c.reference, c.message_id, c.amount_minor, c.currency).order_by(c.reference))]


@pytest.fixture
def settled(engine: Engine) -> Engine:
    report = world.trade_and_close(engine)
    assert {i["reference"]: i["amount"] for i in report["settlement"]} == {
        ref: amount for ref, _, _, amount in world.SETTLEMENT_LEGS}
    return engine


def test_the_close_shows_every_leg_pending_with_its_reference(settled: Engine) -> None:
    assert statuses(settled) == {ref: "pending" for ref, *_ in world.SETTLEMENT_LEGS}
    report = world.stored_report(settled, "2026-H2")
    assert {"kind", "authority", "xsu", "amount", "amount_minor", "currency"} <= set(
        report["settlement"][0])  # the keys of before stay


def test_one_message_confirms_every_leg(settled: Engine) -> None:
    outcome = submit_pacs009(settled, pacs009(*world.SETTLEMENT_LEGS))
    assert answer(outcome.report) == ("ACSC", [("ACSC", None)] * 3)
    assert (outcome.accepted, outcome.rejected) == (3, 0)
    parse_message(outcome.report, PACS_002)
    assert b"<OrgnlMsgNmId>pacs.009.001.08</OrgnlMsgNmId>" in outcome.report
    assert statuses(settled) == {ref: "confirmed" for ref, *_ in world.SETTLEMENT_LEGS}
    assert confirmations(settled) == [
        ("2026-H2/PAY/BCC", "ALBA-SETTLE-2026H2", 100_000, "USD"),
        ("2026-H2/PAY/BCV", "ALBA-SETTLE-2026H2", 12_500, "USD"),
        ("2026-H2/RECEIVE/BCB", "ALBA-SETTLE-2026H2", 112_500, "USD")]


def test_legs_are_judged_alone_and_the_good_ones_recorded(settled: Engine) -> None:
    wrong = (PAY_BCV[0], PAY_BCV[1], PAY_BCV[2], "125.01")
    outcome = submit_pacs009(settled, pacs009(PAY_BCC, wrong, RECEIVE_BCB))
    assert answer(outcome.report) == ("PART", [("ACSC", None), ("RJCT", "AM09"),
                                              ("ACSC", None)])
    assert statuses(settled)[PAY_BCV[0]] == "pending"
    assert len(confirmations(settled)) == 2


@pytest.mark.parametrize(("leg", "currency", "code"), [
    (("2026-H2/PAY/BCC", "BCC", "SUCRE", "999.99"), "USD", "AM09"),
    (("2026-H2/PAY/BCC", "BCC", "SUCRE", "1000.001"), "USD", "AM12"),
    (("2026-H2/PAY/BCC", "BCC", "SUCRE", "1000.00"), "EUR", "AM03"),
    (("2026-H2/PAY/BCC", "BCC", "SUCRE", "1250.00"), "XSU", "AM03"),
    (("2026-H2/PAY/BCC", "XYZ", "SUCRE", "1000.00"), "USD", "RC01"),  # unknown authority
    (("2026-H2/PAY/BCC", "BCC", "ALBA", "1000.00"), "USD", "RC01"),  # unknown chamber
    (("2026-H2/PAY/BCC", "BCV", "SUCRE", "1000.00"), "USD", "RC01"),  # another's instruction
    (("2026-H2/PAY/BCC", "SUCRE", "BCC", "1000.00"), "USD", "RC01"),  # wrong direction
    (("2026-H2/RECEIVE/BCC", "SUCRE", "BCC", "1000.00"), "USD", "RC01"),  # no such leg
    (("2027-H1/PAY/BCC", "BCC", "SUCRE", "1000.00"), "USD", "RC01"),  # period open
    (("2031-H1/PAY/BCC", "BCC", "SUCRE", "1000.00"), "USD", "RC01"),  # no such period
    (("2026-H2/FINANCE/BCC", "BCC", "SUCRE", "1000.00"), "USD", "RC01"),  # not payable
    (("RICE-1", "BCC", "SUCRE", "1000.00"), "USD", "RC01"),  # not a reference
])
def test_a_wrong_leg_is_rejected_and_writes_nothing(settled: Engine,
                                                    leg: tuple[str, str, str, str],
                                                    currency: str, code: str) -> None:
    before = world.row_counts(settled), world.position_sums(settled)
    outcome = submit_pacs009(settled, pacs009(leg, currency=currency))
    assert answer(outcome.report) == ("RJCT", [("RJCT", code)])
    assert (outcome.accepted, outcome.rejected) == (0, 1)
    assert (world.row_counts(settled), world.position_sums(settled)) == before
    assert set(statuses(settled).values()) == {"pending"}


def test_a_leg_without_uetr_is_rejected(settled: Engine) -> None:
    uetr = "8a562c67-ca16-48ba-b074-65581be6f011"
    data = samples.swap(pacs009(PAY_BCC, uetrs=[uetr]), f"<UETR>{uetr}</UETR>", "")
    outcome = submit_pacs009(settled, data)
    assert answer(outcome.report) == ("RJCT", [("RJCT", "FF01")])
    assert confirmations(settled) == []


def test_a_resent_message_gets_the_same_answer_and_records_nothing_twice(
        settled: Engine) -> None:
    message = pacs009(PAY_BCC, (PAY_BCV[0], PAY_BCV[1], PAY_BCV[2], "1.00"))
    first = submit_pacs009(settled, message)
    before = world.row_counts(settled), confirmations(settled)
    again = submit_pacs009(settled, message)
    assert answer(again.report) == answer(first.report) == ("PART", [("ACSC", None),
                                                                      ("RJCT", "AM09")])
    assert (again.accepted, again.rejected) == (first.accepted, first.rejected) == (1, 1)
    assert (world.row_counts(settled), confirmations(settled)) == before


def test_a_second_payment_of_a_confirmed_leg_is_dupl(settled: Engine) -> None:
    submit_pacs009(settled, pacs009(PAY_BCC))
    before = world.row_counts(settled), confirmations(settled)
    other = submit_pacs009(settled, pacs009(PAY_BCC, message_id="BCC-PAID-AGAIN"))
    assert answer(other.report) == ("RJCT", [("RJCT", "DUPL")])
    assert b"already confirmed" in other.report
    assert (world.row_counts(settled), confirmations(settled)) == before


def test_a_uetr_reused_for_another_leg_is_dupl(settled: Engine) -> None:
    uetr = "8a562c67-ca16-48ba-b074-65581be6f011"
    submit_pacs009(settled, pacs009(PAY_BCC, uetrs=[uetr]))
    reused = submit_pacs009(settled, pacs009(PAY_BCV, uetrs=[uetr],
                                                       message_id="BCV-1"))
    assert answer(reused.report) == ("RJCT", [("RJCT", "DUPL")])
    assert statuses(settled)[PAY_BCV[0]] == "pending"


def test_a_message_wrong_as_a_whole_is_a_group_rjct(settled: Engine) -> None:
    before = world.row_counts(settled)
    outcome = submit_pacs009(settled, pacs009(PAY_BCC, PAY_BCV, nb_of_txs=3))
    assert answer(outcome.report) == ("RJCT", [])
    assert b"AM18" in outcome.report
    same_reference_twice = pacs009(PAY_BCC, PAY_BCC)
    assert answer(submit_pacs009(settled, same_reference_twice).report)[0] == "RJCT"
    assert world.row_counts(settled) == before


def test_an_unsafe_or_foreign_message_is_refused_before_anything_is_written(
        settled: Engine) -> None:
    before = world.row_counts(settled)
    with pytest.raises(InvalidMessage):
        submit_pacs009(settled, b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a '
                                          b'"b">]><Document>&a;</Document>')
    with pytest.raises(InvalidMessage, match="namespace"):
        submit_pacs009(settled, samples.pacs008(samples.order()))
    assert world.row_counts(settled) == before


def test_submit_iso_tells_pacs008_from_pacs009(engine: Engine) -> None:
    world.build(engine)
    order = samples.order(debtor_member="CUB", creditor_member="VEN", origin="VEN",
                          currency="XSU", amount="10.00", value_date="2026-07-03")
    paid = submit_iso(engine, samples.pacs008(order, message_id="BCC-1"))
    assert (paid.message_name, paid.accepted) == ("pacs.008.001.08", 1)
    assert answer(paid.report) == ("ACSP", [("ACSP", None)])
    early = submit_iso(engine, pacs009(PAY_BCC))  # 2026-H2 is not settled yet
    assert (early.message_name, early.rejected) == ("pacs.009.001.08", 1)
    assert answer(early.report) == ("RJCT", [("RJCT", "RC01")])
    assert b"no settled period 2026-H2" in early.report


def test_frcc_financing_is_internal_and_cannot_be_confirmed(engine: Engine) -> None:
    world.build(engine)  # BCB: allocation 3,000.00, FRCC credit line 1,000.00
    payments.submit_order(SqlUnitOfWork(engine), world.order(
        "F", debtor_member="BOL", creditor_member="VEN", amount="3500.00"))
    report = world.close(engine, "2026-H2", as_of=world.AFTER, finance_deficits=True)
    by_kind = {InstructionKind(i["kind"]): i for i in report["settlement"]}
    assert by_kind[InstructionKind.FINANCE]["settlement_status"] == "internal"
    assert by_kind[InstructionKind.FINANCE]["reference"] == "2026-H2/FINANCE/BCB"
    assert world.stored_report(engine, "2026-H2") == report
    outcome = submit_pacs009(engine, pacs009(
        ("2026-H2/FINANCE/BCB", "BCB", "SUCRE", by_kind[InstructionKind.FINANCE]["amount"]),
        ("2026-H2/PAY/BCB", "BCB", "SUCRE", by_kind[InstructionKind.PAY]["amount"]),
        ("2026-H2/RECEIVE/BCV", "SUCRE", "BCV", by_kind[InstructionKind.RECEIVE]["amount"])))
    assert answer(outcome.report)[1] == [("RJCT", "RC01"), ("ACSC", None), ("ACSC", None)]
    assert [i["settlement_status"] for i in world.stored_report(engine, "2026-H2")[
        "settlement"]] == ["confirmed", "internal", "confirmed"]


@pytest.mark.postgres_only
def test_concurrent_confirmations_of_one_leg_record_it_once(settled: Engine) -> None:
    outcomes = run_together(8, lambda i: submit_pacs009(
        settled, pacs009(PAY_BCC, message_id=f"RACE-{i}")))
    answers = sorted(answer(o.report)[1][0] for o in outcomes)  # type: ignore[union-attr]
    assert answers == [("ACSC", None)] + [("RJCT", "DUPL")] * 7
    assert len(confirmations(settled)) == 1

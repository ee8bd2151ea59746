"""A withdrawing member's settle-out (issue 11), on SQLite and PostgreSQL: its new orders are
refused, those accepted settle at the close, and the settle-out balances to the minor unit."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import InvalidInput, InvalidState, PartyNotActive
from sucre.domain.members import MemberCode, MemberStatus, StatusChange
from sucre.domain.orders import OrderStatus
from sucre.service import messaging, payments, registry
from sucre.service.settle_out import settle_out, settle_out_json
from tests import world
from tests.iso20022 import samples


def withdraw(uow: SqlUnitOfWork, member: str) -> None:
    registry.change_member_status(uow, member, MemberStatus.WITHDRAWN,
                                  effective_date=world.START, reference="XXI Summit")


def pay(uow: SqlUnitOfWork, key: str, debtor: str, creditor: str, amount: str) -> None:
    outcome = payments.submit_order(uow, world.order(
        key, debtor_member=debtor, creditor_member=creditor, origin=creditor, amount=amount))
    assert outcome.reason_code is None, outcome


def balanced(document: dict[str, Any]) -> None:
    """The settle-out's identities, re-checked on the document a user reads."""
    b = document["balance"]
    assert Decimal(b["member_net_xsu"]) + Decimal(b["others_net_xsu"]) == Decimal(
        b["authority_net_xsu"])
    assert (Decimal(b["authority_net_xsu"]) + Decimal(b["paid_xsu"]) + Decimal(b["financed_xsu"])
            - Decimal(b["received_xsu"])) == 0
    assert Decimal(b["closed_xsu"]) == -Decimal(b["authority_net_xsu"])
    members = document["authority"]["members"]
    assert sum(Decimal(f["net"]) for f in members.values()) == Decimal(b["authority_net_xsu"])
    for legs in b["legs"].values():
        assert legs["settled_minor"] + legs["carried_minor"] == legs["total_minor"]
    carried = sum(c["amount_minor"] for c in document["claims"])
    assert carried == sum(legs["carried_minor"] for legs in b["legs"].values())
    assert document["orders"]["accepted"] == 0
    assert (document["unpaid_loans"], document["fund_pledges"]) == ("none kept", "none kept")


def test_a_withdrawn_member_is_settled_out_at_the_close(engine: Engine,
                                                        uow: SqlUnitOfWork) -> None:
    world.build(engine)
    for number, (importer, exporter, amount) in enumerate(world.TRADE):
        pay(uow, f"T{number}", importer, exporter, amount)
    withdraw(uow, "BOL")
    # From its withdrawal Bolivia submits nothing new, with the reason.
    with pytest.raises(PartyNotActive) as refused:
        payments.submit_order(uow, world.order("LATE", debtor_member="BOL", origin="VEN",
                                               creditor_member="VEN"))
    assert (refused.value.field, refused.value.reason_code) == ("debtor_member", "AC04")
    assert "withdrawn" in refused.value.message
    with pytest.raises(InvalidState, match="settled"):  # stated once the close has run
        settle_out(uow, "BOL")
    world.close(engine, "2026-H2", as_of=world.AFTER)

    document = settle_out_json(settle_out(uow, "BOL"))
    assert document["withdrawal"]["reference"] == "XXI Summit"
    assert document["period"] == "2026-H2"
    assert document["orders"] == {"accepted": 0, "rejected": 0, "settled": 2}
    assert document["flows"] == {"paid": "300.00", "received": "1200.00", "net": "900.00"}
    assert document["authority"]["code"] == "BCB" and not document["authority"]["shared"]
    assert [(i["reference"], i["amount"], i["settlement_status"])
            for i in document["instructions"]] == [("2026-H2/RECEIVE/BCB", "1125.00", "pending")]
    assert [(c["holder"], c["debtor"], c["amount_minor"]) for c in document["claims"]] == [
        ("BCB", "SUCRE", 112_500)]
    assert document["loans"] == []
    balanced(document)

    # Once the leg is confirmed paid nothing is carried; the history stays readable.
    outcome = messaging.submit_pacs009(uow, samples.pacs009(
        *world.SETTLEMENT_LEGS, currency="USD", settlement_date="2027-01-05"))
    assert outcome.accepted == 3
    after = settle_out_json(settle_out(uow, "BOL", "2026-H2"))
    assert after["claims"] == []
    assert after["balance"]["legs"] == {"USD": {"settled_minor": 112_500, "carried_minor": 0,
                                                "total_minor": 112_500}}
    balanced(after)
    assert world.stored_report(engine)["members"]["BOL"]["net"] == "900.00"


def test_a_settle_out_with_frcc_financing_balances_to_the_minor_unit(
        engine: Engine, uow: SqlUnitOfWork) -> None:
    world.build(engine)  # BCB: allocation 3,000.00, FRCC credit line 1,000.00
    pay(uow, "F", "BOL", "VEN", "3500.00")
    withdraw(uow, "BOL")
    world.close(engine, "2026-H2", as_of=world.AFTER, finance_deficits=True)
    document = settle_out_json(settle_out(uow, "BOL"))
    assert document["flows"]["net"] == "-3500.00"
    assert [(i["kind"], i["xsu"], i["amount"]) for i in document["instructions"]] == [
        ("pay", "2500.00", "3125.00"), ("finance", "1000.00", "1250.00")]
    assert document["loans"] == [{
        "reference": "2026-H2/FINANCE/BCB", "account": "frcc:loan:BCB", "amount": "1250.00",
        "amount_minor": 125_000, "outstanding": "1250.00", "outstanding_minor": 125_000,
        "currency": "USD"}]
    assert [(c["holder"], c["debtor"], c["kind"], c["amount_minor"])
            for c in document["claims"]] == [("SUCRE", "BCB", "pay", 312_500),
                                             ("frcc:loan:BCB", "BCB", "finance", 125_000)]
    assert document["balance"]["financed_xsu"] == "1000.00"
    balanced(document)


def test_a_member_of_a_shared_authority_is_settled_out_within_it(
        engine: Engine, uow: SqlUnitOfWork) -> None:
    """Saint Vincent and the Grenadines leaves; the ECCB clears for five others too."""
    world.build(engine)
    pay(uow, "V1", "VCT", "VEN", "400.00")
    pay(uow, "V2", "CUB", "VCT", "150.00")
    pay(uow, "D1", "VEN", "DMA", "600.00")
    withdraw(uow, "VCT")
    with pytest.raises(PartyNotActive):
        payments.submit_order(uow, world.order("LATE", creditor_member="VCT", origin="VCT"))
    world.close(engine, "2026-H2", as_of=world.AFTER)
    document = settle_out_json(settle_out(uow, "VCT"))
    authority = document["authority"]
    assert (authority["code"], authority["shared"]) == ("ECCB", True)
    assert set(authority["members"]) == {"ATG", "DMA", "GRD", "KNA", "LCA", "VCT"}
    assert document["flows"]["net"] == "-250.00"
    assert authority["others_net_xsu"] == "600.00"
    assert authority["net_xsu"] == "350.00"
    assert "no leg of its own" in authority["coverage"]
    assert [i["reference"] for i in document["instructions"]] == ["2026-H2/RECEIVE/ECCB"]
    balanced(document)


def test_the_withdrawal_is_read_from_the_status_history(engine: Engine,
                                                        uow: SqlUnitOfWork) -> None:
    """The settle-out finds the withdrawal in ``member_status_changes`` and names the decision
    of that row: the last withdrawal in effective order (not the last recorded), and one that
    no decision recorded, which the decision log does not know (its reference then unknown)."""
    world.build(engine)
    pay(uow, "V1", "VCT", "VEN", "400.00")
    registry.change_member_status(uow, "VCT", MemberStatus.WITHDRAWN,
                                  effective_date=dt.date(2026, 7, 20), reference="later summit")
    registry.change_member_status(uow, "VCT", MemberStatus.WITHDRAWN,
                                  effective_date=dt.date(2026, 7, 10), reference="XXI Summit")
    world.close(engine, "2026-H2", as_of=world.AFTER)
    with uow:
        decision = next(c.decision_id for c in uow.members.history(MemberCode("VCT"))
                        if c.effective_date == dt.date(2026, 7, 20))
    document = settle_out_json(settle_out(uow, "VCT"))
    assert document["withdrawal"] == {"effective_date": "2026-07-20",
                                      "reference": "later summit", "decision": decision}
    with uow:  # a row that no decision recorded (converted from an older version)
        uow.members.add_status_change(StatusChange(MemberCode("VCT"), MemberStatus.WITHDRAWN,
                                                   dt.date(2026, 8, 1)))
        uow.commit()
    document = settle_out_json(settle_out(uow, "VCT"))
    assert document["withdrawal"] == {"effective_date": "2026-08-01", "reference": None,
                                      "decision": None}
    assert document["period"] == "2026-H2"
    balanced(document)


def test_a_member_that_has_not_withdrawn_names_its_period(engine: Engine,
                                                          uow: SqlUnitOfWork) -> None:
    world.trade_and_close(engine)
    with pytest.raises(InvalidInput) as refused:
        settle_out(uow, "CUB")
    assert refused.value.field == "period"
    document = settle_out_json(settle_out(uow, "CUB", "2026-H2"))
    assert document["withdrawal"] is None and document["status"] == "active"
    balanced(document)


_MEMBERS = ("VEN", "CUB", "BOL", "NIC", "DMA", "VCT")
_ECCB = {"DMA", "VCT"}  # a payment inside one authority does not go through the chamber


@settings(max_examples=6, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flows=st.lists(st.tuples(st.sampled_from(_MEMBERS), st.sampled_from(_MEMBERS),
                                 st.integers(1, 40_000)), min_size=1, max_size=8),
       leaving=st.sampled_from(_MEMBERS), finance=st.booleans())
def test_every_settle_out_balances_to_the_minor_unit(
        fresh_engine: Any, flows: list[tuple[str, str, int]], leaving: str,
        finance: bool) -> None:
    engine = fresh_engine()
    world.build(engine)
    uow = SqlUnitOfWork(engine)
    for number, (debtor, creditor, cents) in enumerate(flows):
        if debtor != creditor and {debtor, creditor} != _ECCB:
            payments.submit_order(uow, world.order(
                f"P{number}", debtor_member=debtor, creditor_member=creditor, origin=creditor,
                amount=f"{cents // 100}.{cents % 100:02d}"))
    withdraw(uow, leaving)
    world.close(engine, "2026-H2", as_of=world.AFTER, finance_deficits=finance)
    out = settle_out(uow, leaving)  # checks its identities (InvariantBroken otherwise)
    assert out.orders.get(OrderStatus.ACCEPTED, 0) == 0
    balanced(settle_out_json(out))

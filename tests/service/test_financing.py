"""Deficit financing is chosen by a council decision, through the policy seam
(:mod:`sucre.domain.financing`), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine

from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import InvalidInput, InvariantBroken
from sucre.domain.financing import POLICIES, Deficits, Loan
from sucre.domain.members import AuthorityCode
from sucre.service import closing, payments, registry
from tests import world

PERIOD_END = dt.date(2026, 12, 31)


@pytest.fixture
def deficit(engine: Engine) -> Engine:
    """BCB (allocation 3,000.00, FRCC credit line 1,000.00) owes BCV 3,500.00 XSU."""
    world.build(engine)
    outcome = payments.submit_order(SqlUnitOfWork(engine), world.order(
        "F", debtor_member="BOL", creditor_member="VEN", amount="3500.00", currency="XSU"))
    assert outcome.reason_code is None
    return engine


def decide(engine: Engine, value: str, on: dt.date = world.START) -> None:
    registry.set_parameter(SqlUnitOfWork(engine), "deficit_financing", value, effective_date=on,
                           reference=world.REF)


def legs(report: dict[str, Any]) -> dict[tuple[str, str], str]:
    return {(i["kind"], i["authority"]): i["xsu"] for i in report["settlement"]}


def loan_balances(engine: Engine) -> dict[str, int]:
    with SqlUnitOfWork(engine) as uow:
        return {account: amount for (account, _), amount in uow.journal.balances().items()
                if ":loan:" in account}


def test_the_councils_decision_selects_the_reserve_fund(deficit: Engine) -> None:
    decide(deficit, "frcc")
    report = world.close(deficit, "2026-H2", as_of=world.AFTER)
    assert legs(report) == {("pay", "BCB"): "2500.00", ("finance", "BCB"): "1000.00",
                            ("receive", "BCV"): "3500.00"}
    assert loan_balances(deficit) == {"frcc:loan:BCB": -125000}  # 1,000.00 XSU at 1.25 USD
    world.verify(deficit)


def test_without_a_decision_no_deficit_is_financed(deficit: Engine) -> None:
    report = world.close(deficit, "2026-H2", as_of=world.AFTER)
    assert legs(report) == {("pay", "BCB"): "3500.00", ("receive", "BCV"): "3500.00"}


def test_a_decision_effective_after_the_period_does_not_apply(deficit: Engine) -> None:
    decide(deficit, "frcc", on=PERIOD_END + dt.timedelta(days=1))
    report = world.close(deficit, "2026-H2", as_of=world.AFTER)
    assert ("finance", "BCB") not in legs(report)


def test_the_per_close_flag_overrides_the_decision(deficit: Engine) -> None:
    decide(deficit, "frcc")
    report = world.close(deficit, "2026-H2", as_of=world.AFTER, finance_deficits=False)
    assert ("finance", "BCB") not in legs(report)


@pytest.mark.parametrize("value", ["fund", "", "frcc half"])
def test_an_unknown_policy_is_refused(deficit: Engine, value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        decide(deficit, value)
    assert caught.value.field == "value"


class HalfOfEveryDeficit:
    """The docs' example: a fund that finances half of every deficit (rounded down)."""

    name = "half"

    def finance(self, deficits: Deficits) -> dict[AuthorityCode, Loan]:
        return {a: Loan(d // 2, f"half:loan:{a}", f"half of {a}'s deficit financed")
                for a, d in deficits.deficits().items() if d // 2}


def test_a_new_policy_is_one_class_and_its_registration(deficit: Engine) -> None:
    with POLICIES.registered(HalfOfEveryDeficit()):
        decide(deficit, "HALF")  # the council names it, in any case
        report = world.close(deficit, "2026-H2", as_of=world.AFTER)
    assert "half" not in POLICIES  # registered for the test only
    assert legs(report) == {("pay", "BCB"): "1750.00", ("finance", "BCB"): "1750.00",
                            ("receive", "BCV"): "3500.00"}
    by_kind = {i["kind"]: i for i in report["settlement"]}
    assert by_kind["finance"]["settlement_status"] == "internal"
    assert by_kind["finance"]["reference"] == "2026-H2/FINANCE/BCB"
    assert loan_balances(deficit) == {"half:loan:BCB": -218750}  # 1,750.00 XSU at 1.25 USD
    assert closing.settlement_amounts(world.settled(deficit)) == {"USD": 0}
    world.verify(deficit)


class Overlending:
    name = "overlending"

    def finance(self, deficits: Deficits) -> dict[AuthorityCode, Loan]:
        return {a: Loan(d + 1, f"over:loan:{a}", "more than the deficit")
                for a, d in deficits.deficits().items()}


def test_a_policy_lending_more_than_a_deficit_is_a_bug_and_nothing_is_settled(
        deficit: Engine) -> None:
    before = world.row_counts(deficit)
    with POLICIES.registered(Overlending()):
        decide(deficit, "overlending")
        with pytest.raises(InvariantBroken, match="within its debtor's deficit"):
            world.close(deficit, "2026-H2", as_of=world.AFTER)
    after = world.row_counts(deficit)
    assert after["journal_entries"] == before["journal_entries"]
    decide(deficit, "frcc")  # the period stays closing: a close under a sound policy resumes it
    resumed = world.close(deficit, "2026-H2", as_of=world.AFTER)
    assert legs(resumed)[("finance", "BCB")] == "1000.00"


def test_parameters_read_back_typed_and_as_text(deficit: Engine) -> None:
    from fractions import Fraction

    from sqlalchemy import insert

    from sucre.adapters.db import tables as t
    from sucre.domain import parameters

    decide(deficit, " FRCC ")
    uow = SqlUnitOfWork(deficit)
    with uow:
        # A share recorded by the first version (which took Fraction text) reads back too.
        decision = uow.decisions.record_decision("parameter", world.START, world.REF, {})
        uow.connection.execute(insert(t.parameters).values(
            name="corridor_alert_share", value="1/2", effective_date=world.START,
            decision_id=decision))
        uow.commit()
    with uow:
        decisions = uow.decisions
        assert decisions.parameter("deficit_financing", PERIOD_END) == "FRCC"
        assert decisions.parameter("corridor_alert_share", PERIOD_END) == "1/2"
        assert decisions.parameter("fixing_deviation_max", PERIOD_END) == "0.25"
        share = decisions.parameter_value(parameters.CORRIDOR_ALERT_SHARE, PERIOD_END)
        policy = decisions.parameter_value(parameters.DEFICIT_FINANCING, PERIOD_END)
        before = decisions.parameter_value(parameters.DEFICIT_FINANCING,
                                           world.START - dt.timedelta(days=1))
    assert (share, policy.name, before.name) == (Fraction(1, 2), "frcc", "none")
    report = world.close(deficit, "2026-H2", as_of=world.AFTER)
    assert report["corridors"][0]["alert"] is True  # one corridor: all of the gross, above 1/2

"""The joint funds' rules, pure (:mod:`sucre.domain.funds`): who may do what on a date, the
entry each movement books, the figures as of a date, and each rule at its boundary."""

from __future__ import annotations

import datetime as dt

import pytest

from sucre.domain import funds
from sucre.domain.errors import (
    InsufficientPosition,
    InvalidDate,
    InvalidInput,
    InvalidState,
    PartyNotActive,
    UnknownParty,
)
from sucre.domain.funds import Fund, Movement, MovementKind, MovementRequest, Project
from sucre.domain.ledger import EntryKind
from sucre.domain.members import MemberCode, MemberStatus
from sucre.domain.money import CurrencyCode

D = dt.date(2025, 3, 1)
FUND = Fund(3, "migrant reintegration", "reintegration", CurrencyCode("USD"), 1_000_00,
            dt.date(2025, 2, 3), "XII Extraordinary Summit, 3 Feb 2025", 17)
VEN, NIC = MemberCode("VEN"), MemberCode("NIC")
PROJECT = Project(5, 3, "centres", NIC, 400_00, D, "ref", 18)


def movement(number: int, kind: MovementKind, amount: int, member: MemberCode = VEN,
             project: int | None = None, day: dt.date = D) -> Movement:
    return Movement(number, 3, kind, f"R{number}", day, amount, member, project, number)


#: VEN pledged 600.00 and paid 500.00; project 5 (NIC, 400.00) received 300.00: 200.00 left.
MOVES = [movement(1, MovementKind.SUBSCRIPTION, 600_00),
         movement(2, MovementKind.CONTRIBUTION, 500_00, day=D + dt.timedelta(days=1)),
         movement(3, MovementKind.DISBURSEMENT, 300_00, NIC, 5, D + dt.timedelta(days=2))]
NOW = funds.figures(FUND, [PROJECT], MOVES)


@pytest.mark.parametrize(("action", "status", "refused"), [
    (MovementKind.SUBSCRIPTION, MemberStatus.ACTIVE, None),
    (MovementKind.SUBSCRIPTION, MemberStatus.SUSPENDED, "AG01"),
    (MovementKind.SUBSCRIPTION, MemberStatus.WITHDRAWN, "AC04"),
    (MovementKind.CONTRIBUTION, MemberStatus.ACTIVE, None),
    (MovementKind.CONTRIBUTION, MemberStatus.SUSPENDED, None),
    (MovementKind.CONTRIBUTION, MemberStatus.WITHDRAWN, "AC04"),
    (None, MemberStatus.ACTIVE, None),
    (None, MemberStatus.SUSPENDED, "AG01"),
    (None, MemberStatus.WITHDRAWN, "AC04"),
])
def test_who_may_do_what_on_a_date(action: MovementKind | None, status: MemberStatus,
                                   refused: str | None) -> None:
    if refused is None:
        funds.require_member_may(action, VEN, status, D, field="member")
        return
    with pytest.raises(PartyNotActive) as error:
        funds.require_member_may(action, VEN, status, D, field="member")
    assert error.value.reason_code == refused


def test_a_state_not_yet_admitted_is_no_member() -> None:
    with pytest.raises(UnknownParty):
        funds.require_member_may(MovementKind.CONTRIBUTION, VEN, None, D, field="member")


def test_each_movement_books_one_entry_on_the_funds_accounts() -> None:
    entries = {kind: funds.movement_entry(FUND, MovementRequest(
        kind, "R", D, 12_34, None if kind is MovementKind.DISBURSEMENT else VEN,
        5 if kind is MovementKind.DISBURSEMENT else None), NIC if kind is
        MovementKind.DISBURSEMENT else VEN) for kind in MovementKind}
    assert {k: [(p.account, p.amount_minor) for p in e.postings] for k, e in entries.items()} == {
        MovementKind.SUBSCRIPTION: [("fund:3:pledged:VEN", -1234), ("fund:3:pledges", 1234)],
        MovementKind.CONTRIBUTION: [("fund:3:contributed:VEN", -1234), ("fund:3:cash", 1234)],
        MovementKind.DISBURSEMENT: [("fund:3:cash", -1234), ("fund:3:disbursed:5", 1234)]}
    assert {(e.kind, e.period_id) for e in entries.values()} == {(EntryKind.FUND, None)}


def test_the_figures_and_the_figures_as_of_a_date() -> None:
    assert (NOW.pledged_minor, NOW.paid_in_minor, NOW.committed_minor, NOW.disbursed_minor,
            NOW.available_minor, NOW.uncommitted_minor, NOW.outstanding_minor,
            NOW.to_disburse_minor) == (600_00, 500_00, 400_00, 300_00, 200_00, 200_00, 100_00,
                                       100_00)
    NOW.check()
    before = funds.figures(FUND, [PROJECT], MOVES, D)
    assert (before.pledged_minor, before.paid_in_minor, before.disbursed_minor) == (
        600_00, 0, 0)
    assert funds.figures(FUND, [PROJECT], MOVES, D - dt.timedelta(days=1)).projects == ()


@pytest.mark.parametrize(("kind", "amount", "member", "error"), [
    (MovementKind.DISBURSEMENT, 100_00, NIC, None),  # the project's last 100.00
    (MovementKind.DISBURSEMENT, 100_01, NIC, InsufficientPosition),
    (MovementKind.CONTRIBUTION, 100_00, VEN, None),  # VEN's outstanding pledge
    (MovementKind.CONTRIBUTION, 100_01, VEN, InvalidState),
    (MovementKind.CONTRIBUTION, 1, NIC, InvalidState),  # NIC pledged nothing
    (MovementKind.SUBSCRIPTION, 400_00, NIC, None),  # up to the target
    (MovementKind.SUBSCRIPTION, 400_01, NIC, InvalidState),
])
def test_each_rule_at_its_boundary(kind: MovementKind, amount: int, member: MemberCode,
                                   error: type[Exception] | None) -> None:
    request = MovementRequest(kind, "X", D, amount,
                              None if kind is MovementKind.DISBURSEMENT else member,
                              5 if kind is MovementKind.DISBURSEMENT else None)
    if error is None:
        funds.check_movement(NOW, request, member)
    else:
        with pytest.raises(error):
            funds.check_movement(NOW, request, member)


def test_the_balance_binds_before_a_budget_does() -> None:
    big = Project(6, 3, "housing", VEN, 200_00, D, "ref", 19)
    now = funds.figures(FUND, [PROJECT, big], MOVES)  # 200.00 available, 200.00 budget free
    funds.check_movement(now, MovementRequest(MovementKind.DISBURSEMENT, "X", D, 200_00,
                                              None, 6), VEN)
    poorer = funds.figures(FUND, [PROJECT, big], [*MOVES, movement(
        4, MovementKind.DISBURSEMENT, 100_00, NIC, 5, D + dt.timedelta(days=2))])
    with pytest.raises(InsufficientPosition, match="never takes its balance below zero"):
        funds.check_movement(poorer, MovementRequest(MovementKind.DISBURSEMENT, "X", D,
                                                     100_01, None, 6), VEN)


def test_approvals_commit_no_more_than_was_pledged() -> None:
    funds.check_approval(NOW, 200_00)
    with pytest.raises(InvalidState):
        funds.check_approval(NOW, 200_01)


def test_records_are_kept_in_date_order() -> None:
    funds.check_in_date_order(FUND, D, D, field="value_date")
    with pytest.raises(InvalidDate):
        funds.check_in_date_order(FUND, D - dt.timedelta(days=1), D, field="value_date")
    with pytest.raises(InvalidDate):
        funds.check_in_date_order(FUND, dt.date(2025, 2, 2), None, field="value_date")


def test_a_fund_holds_hard_currency() -> None:
    assert funds.fund_currency(" eur ") == "EUR"
    for bad in ("XSU", "ABC"):
        with pytest.raises(InvalidInput) as error:
            funds.fund_currency(bad)
        assert error.value.field == "currency"

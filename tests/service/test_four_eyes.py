"""Four eyes on a period's close and on large limit raises (issue 11), on SQLite and PostgreSQL:
one key proposes, a key of another client of the same role approves and runs the action."""

from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import Engine

import sucre
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import (
    AccessDenied,
    InvalidState,
    NotAuthenticated,
    NotFound,
    OwnProposal,
)
from sucre.domain.four_eyes import ActionState, LimitRaise
from sucre.domain.periods import PeriodState
from sucre.domain.roles import Principal, Role
from sucre.service import api_keys, four_eyes, payments, reports
from tests import world


def client(uow: SqlUnitOfWork, name: str, role: Role) -> Principal:
    return api_keys.authenticate(uow, api_keys.add_client(uow, name, role).api_key)


@pytest.fixture
def people(engine: Engine, uow: SqlUnitOfWork) -> dict[str, Principal]:
    world.build(engine)
    payments.submit_order(uow, world.order())
    return {name: client(uow, name, role) for name, role in (
        ("ana", Role.CHAMBER), ("ben", Role.CHAMBER), ("carla", Role.COUNCIL),
        ("dario", Role.COUNCIL), ("eva", Role.AUDITOR))}


def period_state(uow: SqlUnitOfWork, code: str = "2026-H2") -> PeriodState:
    with uow:
        found = uow.periods.by_code(code)
    assert found is not None
    return found.state


def test_a_close_is_proposed_by_one_chamber_key_and_run_by_another(
        engine: Engine, uow: SqlUnitOfWork, people: dict[str, Principal]) -> None:
    proposed = four_eyes.propose_close(uow, people["ana"], "2026-H2", as_of=world.AFTER)
    assert (proposed.kind.value, proposed.state) == ("close_period", ActionState.PENDING)
    assert period_state(uow) is PeriodState.OPEN  # proposing changes nothing
    approved = four_eyes.approve(uow, people["ben"], proposed.id, as_of=world.AFTER)
    assert approved.settled is not None and approved.settled.record.report.gross_xsu_minor
    assert period_state(uow) is PeriodState.SETTLED
    assert approved.action.approved_by is not None
    assert (approved.action.proposed_by.name, approved.action.approved_by.name) == ("ana", "ben")
    # An action runs once: the approver asking again gets its outcome; anyone else is refused.
    before = world.row_counts(engine)
    again = four_eyes.approve(uow, people["ben"], proposed.id, as_of=world.AFTER)
    assert again.action == approved.action
    assert again.settled is not None
    assert reports.report_json(again.settled) == reports.report_json(approved.settled)
    cleo = client(uow, "cleo", Role.CHAMBER)
    with pytest.raises(InvalidState, match="already approved by ben"):
        four_eyes.approve(uow, cleo, proposed.id, as_of=world.AFTER)
    assert world.row_counts(engine) == before


def test_the_same_key_cannot_approve_its_own_proposal(
        engine: Engine, uow: SqlUnitOfWork, people: dict[str, Principal]) -> None:
    proposed = four_eyes.propose_close(uow, people["ana"], "2026-H2", as_of=world.AFTER)
    before = world.row_counts(engine)
    with pytest.raises(OwnProposal) as refused:
        four_eyes.approve(uow, people["ana"], proposed.id, as_of=world.AFTER)
    assert "same key" in refused.value.message
    # Another key of the same client is the same pair of eyes.
    rotated = api_keys.authenticate(uow, api_keys.issue_key(uow, "ana").api_key)
    assert rotated.key_id != people["ana"].key_id
    with pytest.raises(OwnProposal):
        four_eyes.approve(uow, rotated, proposed.id, as_of=world.AFTER)
    assert world.row_counts(engine) == before
    assert four_eyes.actions(uow)[0].state is ActionState.PENDING
    assert period_state(uow) is PeriodState.OPEN


@pytest.mark.parametrize("other", ["carla", "eva"])
def test_a_key_of_another_role_cannot_approve(
        uow: SqlUnitOfWork, people: dict[str, Principal], other: str) -> None:
    proposed = four_eyes.propose_close(uow, people["ana"], "2026-H2", as_of=world.AFTER)
    with pytest.raises(AccessDenied) as refused:
        four_eyes.approve(uow, people[other], proposed.id, as_of=world.AFTER)
    assert not isinstance(refused.value, OwnProposal)
    assert period_state(uow) is PeriodState.OPEN


def test_only_the_chamber_proposes_a_close_and_once_per_period(
        uow: SqlUnitOfWork, people: dict[str, Principal]) -> None:
    with pytest.raises(AccessDenied):
        four_eyes.propose_close(uow, people["carla"], "2026-H2", as_of=world.AFTER)
    first = four_eyes.propose_close(uow, people["ana"], "2026-H2", as_of=world.AFTER)
    with pytest.raises(InvalidState) as twice:
        four_eyes.propose_close(uow, people["ben"], "2026-H2", as_of=world.AFTER)
    assert f"pending action {first.id}" in twice.value.message
    with pytest.raises(InvalidState) as other_options:  # the same client, asking otherwise
        four_eyes.propose_close(uow, people["ana"], "2026-H2", finance_deficits=True,
                                as_of=world.AFTER)
    assert f"pending action {first.id}" in other_options.value.message
    # The same client asking the same again (its answer lost): the same action, not another.
    assert four_eyes.propose_close(uow, people["ana"], "2026-H2", as_of=world.AFTER) == first
    assert len(four_eyes.actions(uow)) == 1
    with pytest.raises(NotFound):
        four_eyes.approve(uow, people["ben"], first.id + 1, as_of=world.AFTER)


def test_a_close_refused_when_it_runs_stays_pending(
        uow: SqlUnitOfWork, people: dict[str, Principal]) -> None:
    early_day = dt.date(2026, 12, 2)
    with pytest.raises(InvalidState, match="runs until"):  # refused at once
        four_eyes.propose_close(uow, people["ana"], "2026-H2", as_of=early_day)
    proposed = four_eyes.propose_close(uow, people["ana"], "2026-H2", as_of=world.AFTER)
    with pytest.raises(InvalidState, match="runs until"):  # approved too early: not run
        four_eyes.approve(uow, people["ben"], proposed.id, as_of=early_day)
    assert four_eyes.actions(uow)[0].state is ActionState.PENDING
    assert period_state(uow) is PeriodState.OPEN
    assert four_eyes.approve(uow, people["ben"], proposed.id, as_of=world.AFTER).settled


def test_a_close_asked_again_after_it_settled_answers_what_was_recorded(
        engine: Engine, uow: SqlUnitOfWork, people: dict[str, Principal]) -> None:
    """A close whose answers were lost (the process killed just after its commit): proposing
    and approving again, as a script re-run would, answer the action and the stored report;
    another request for the settled period is still told it is settled."""
    proposed = four_eyes.propose_close(uow, people["ana"], "2026-H2", finance_deficits=True,
                                       as_of=world.AFTER)
    first = four_eyes.approve(uow, people["ben"], proposed.id, as_of=world.AFTER)
    assert first.settled is not None
    before = world.row_counts(engine), world.position_sums(engine)
    again = four_eyes.propose_close(uow, people["ana"], "2026-H2", finance_deficits=True,
                                    as_of=world.AFTER)
    assert again == first.action and again.state is ActionState.APPROVED
    rerun = four_eyes.approve(uow, people["ben"], again.id, as_of=world.AFTER)
    assert rerun.settled is not None
    assert reports.report_json(rerun.settled) == reports.report_json(first.settled)
    for who, finance in (("ana", None), ("ana", False), ("ben", True)):
        with pytest.raises(InvalidState, match="already settled"):
            four_eyes.propose_close(uow, people[who], "2026-H2", finance_deficits=finance,
                                    as_of=world.AFTER)
    assert (world.row_counts(engine), world.position_sums(engine)) == before


def _limit(uow: SqlUnitOfWork, authority: str) -> int:
    return reports.positions_report(uow).authorities[authority].limit_minor  # type: ignore[index]


def test_a_limit_raise_above_the_parameter_needs_a_second_council_key(
        uow: SqlUnitOfWork, people: dict[str, Principal]) -> None:
    from sucre.service import registry

    registry.set_parameter(uow, "four_eyes_limit_raise_minor", "100000",  # 1,000.00 XSU
                           effective_date=world.START, reference=world.REF)
    before = _limit(uow, "BCC")  # 2,000.00
    # A raise of 1,000.00 is within the threshold: recorded at once, no key needed.
    assert four_eyes.allocate(uow, None, "BCC", world.START, 300_000, 0, "CE-1") is None
    assert _limit(uow, "BCC") == before + 100_000
    # A raise of 1,000.01 is not: refused without a key, proposed with one.
    with pytest.raises(NotAuthenticated, match="four_eyes_limit_raise_minor"):
        four_eyes.allocate(uow, None, "BCC", world.START, 400_001, 0, "CE-2")
    with pytest.raises(AccessDenied):
        four_eyes.allocate(uow, people["ana"], "BCC", world.START, 400_001, 0, "CE-2")
    proposed = four_eyes.allocate(uow, people["carla"], "BCC", world.START, 400_001, 0, "CE-2")
    assert proposed is not None and isinstance(proposed.payload, LimitRaise)
    assert proposed.payload.raise_minor == 100_001
    assert _limit(uow, "BCC") == before + 100_000  # nothing changed yet
    with pytest.raises(OwnProposal):
        four_eyes.approve(uow, people["carla"], proposed.id, as_of=world.AFTER)
    with pytest.raises(AccessDenied):
        four_eyes.approve(uow, people["ana"], proposed.id, as_of=world.AFTER)
    approved = four_eyes.approve(uow, people["dario"], proposed.id, as_of=world.AFTER)
    assert approved.settled is None
    assert _limit(uow, "BCC") == 400_001
    again = four_eyes.approve(uow, people["dario"], proposed.id, as_of=world.AFTER)
    assert again == approved  # asked again: answered again, recorded once
    with pytest.raises(AccessDenied):  # the role is checked before the repeat is recognised
        four_eyes.approve(uow, people["ana"], proposed.id, as_of=world.AFTER)
    # A lower allocation is no raise.
    assert four_eyes.allocate(uow, None, "BCC", world.START, 200_000, 0, "CE-3") is None


def test_the_default_threshold_lets_the_worlds_allocations_through(
        uow: SqlUnitOfWork, people: dict[str, Principal]) -> None:
    """5,000,000.00 XSU by default: exactly that much is one decision, a cent more is not."""
    assert four_eyes.allocate(uow, None, "BCN", world.START, 500_000_000 + 300_000, 0,
                              "CE-4") is None
    proposed = four_eyes.allocate(uow, people["carla"], "BCN", world.START,
                                  2 * 500_000_000 + 300_001, 0, "CE-5")
    assert proposed is not None


_GUARDED = {("closing", "close_period"), ("registry", "set_allocation"),
            ("petrocaribe", "buyback")}


def test_no_entrypoint_reaches_a_guarded_action_but_through_four_eyes() -> None:
    """The API and the CLI close periods and allocate only through sucre.service.four_eyes:
    four eyes cannot be bypassed through either."""
    root = Path(sucre.__file__).parent / "entrypoints"
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and (node.value.id, node.attr) in _GUARDED):
                found.append(f"{path.relative_to(root)}: {node.value.id}.{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module in (
                    "sucre.service.closing", "sucre.service.registry",
                    "sucre.service.petrocaribe"):
                names = {a.name for a in node.names}
                found += [f"{path.relative_to(root)}: imports {n}" for n in names
                          if n in {attr for _, attr in _GUARDED}]
    assert found == []

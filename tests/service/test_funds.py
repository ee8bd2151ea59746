"""The ALBA Bank's joint funds on the unit of work (issue 12): funds and projects as council
decisions (direct and voted), pledges, contributions and tranches, every refusal writing nothing,
replays, the beneficiary's status on the value date, the report against the journal, and
``sucre verify`` catching a tampered movement. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, update

from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain import funds as domain_funds
from sucre.domain.errors import (
    IdempotencyConflict,
    InsufficientPosition,
    InvalidDate,
    InvalidInput,
    InvalidState,
    InvariantBroken,
    NotFound,
    PartyNotActive,
    SucreError,
    UnknownParty,
)
from sucre.domain.ledger import EntryKind, transfer
from sucre.domain.members import MemberStatus
from sucre.domain.money import USD
from sucre.domain.proposals import Ballot, ProposalState
from sucre.service import council, funds, registry
from tests import world

D0 = dt.date(2026, 7, 1)
SUMMIT = "XII Extraordinary Summit, 3 Feb 2026"
TEN = ("VEN", "CUB", "BOL", "NIC", "ATG", "DMA", "GRD", "KNA", "LCA", "VCT")


def day(n: int) -> dt.date:
    return D0 + dt.timedelta(days=n)


def fund_tables(engine: Engine) -> dict[str, int]:
    """Row counts of every table a fund's use case writes."""
    with engine.connect() as conn:
        return {table.name: int(conn.execute(select(func.count()).select_from(table))
                                .scalar_one())
                for table in (t.funds, t.fund_projects, t.fund_movements, t.journal_entries,
                              t.postings, t.decisions)}


def migrant_fund(uow: SqlUnitOfWork) -> int:
    return funds.create_fund(uow, "migrant reintegration",
                             "reintegrate deported migrants in their countries of birth",
                             "10000000.00", effective_date=D0, reference=SUMMIT).id


def funded(engine: Engine) -> tuple[SqlUnitOfWork, int, int, int]:
    """The world, the fund, pledges and payments, two projects: (uow, fund, NIC's project,
    VEN's project). VEN pledges 4M and pays 3M, CUB 2M/2M, NIC 2M/1M: 6M paid in; projects
    of 2.5M (NIC) and 1.5M (VEN)."""
    world.build(engine)
    uow = SqlUnitOfWork(engine)
    fund = migrant_fund(uow)
    split = (("VEN", "4000000.00", "3000000.00"), ("CUB", "2000000.00", "2000000.00"),
             ("NIC", "2000000.00", "1000000.00"))
    for member, pledge, _ in split:
        funds.subscribe(uow, fund, member, pledge, value_date=day(1), reference=f"{member}-S1")
    for member, _, paid in split:
        funds.contribute(uow, fund, member, paid, value_date=day(2), reference=f"{member}-C1")
    nic = funds.approve_project(uow, fund, "reintegration centres", "NIC", "2500000.00",
                                effective_date=day(3), reference=SUMMIT).id
    ven = funds.approve_project(uow, fund, "job placement", "VEN", "1500000.00",
                                effective_date=day(3), reference=SUMMIT).id
    return uow, fund, nic, ven


def test_the_worked_example_adds_up_and_the_journal_agrees(engine: Engine) -> None:
    uow, fund, nic, ven = funded(engine)
    funds.disburse(uow, fund, nic, "1000000.00", value_date=day(4), reference="NIC-T1")
    funds.disburse(uow, fund, nic, "750000.00", value_date=day(5), reference="NIC-T2")
    funds.disburse(uow, fund, ven, "500000.00", value_date=day(5), reference="VEN-T1")
    report = funds.report_json(funds.fund_report(uow, fund))
    assert {k: report[k] for k in ("pledged", "paid_in", "outstanding", "committed",
                                   "uncommitted", "disbursed", "available", "to_disburse")} == {
        "pledged": "8000000.00", "paid_in": "6000000.00", "outstanding": "2000000.00",
        "committed": "4000000.00", "uncommitted": "4000000.00", "disbursed": "2250000.00",
        "available": "3750000.00", "to_disburse": "1750000.00"}
    assert [(m["member"], m["pledged"], m["paid_in"]) for m in report["members"]] == [
        ("CUB", "2000000.00", "2000000.00"), ("NIC", "2000000.00", "1000000.00"),
        ("VEN", "4000000.00", "3000000.00")]
    assert [(p["beneficiary"], p["disbursed"], p["remaining"]) for p in report["projects"]] == [
        ("NIC", "1750000.00", "750000.00"), ("VEN", "500000.00", "1000000.00")]
    as_of = funds.report_json(funds.fund_report(uow, fund, day(4)))
    assert (as_of["disbursed"], as_of["available"]) == ("1000000.00", "5000000.00")
    assert world.verify(engine)["funds"] == {"funds": 1, "movements": 9,
                                             "available": {"USD": "3750000.00"}}


def test_every_movement_is_one_balanced_entry_on_the_funds_accounts(engine: Engine) -> None:
    uow, fund, nic, _ = funded(engine)
    funds.disburse(uow, fund, nic, "100.00", value_date=day(4), reference="NIC-T1")
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.fund_movements.c.kind, t.postings.c.account, t.postings.c.amount_minor,
                   t.journal_entries.c.period_id, t.journal_entries.c.kind.label("entry_kind"))
            .join(t.journal_entries, t.journal_entries.c.id == t.fund_movements.c.entry_id)
            .join(t.postings, t.postings.c.entry_id == t.journal_entries.c.id)
            .where(t.fund_movements.c.reference == "NIC-T1").order_by(t.postings.c.id)).all()
    assert [(r.account, r.amount_minor) for r in rows] == [
        (f"fund:{fund}:cash", -10000), (f"fund:{fund}:disbursed:{nic}", 10000)]
    assert {(r.period_id, r.entry_kind) for r in rows} == {(None, "fund")}


@pytest.mark.parametrize(("attempt", "error", "field"), [
    ("tranche beyond the fund's balance", InsufficientPosition, "amount"),
    ("tranche beyond the project's budget", InsufficientPosition, "amount"),
    ("contribution beyond the pledge", InvalidState, "amount"),
    ("pledge beyond the target", InvalidState, "amount"),
    ("budget beyond the pledges", InvalidState, "budget"),
    ("tranche to another fund's project", UnknownParty, "project"),
    ("tranche dated before the fund's latest record", InvalidDate, "value_date"),
    ("pledge dated before the fund", InvalidDate, "value_date"),
    ("pledge of a non-member", UnknownParty, "member"),
    ("pledge in three decimals", InvalidInput, "amount"),
    ("movement of an unknown fund", NotFound, "fund"),
])
def test_every_refusal_writes_nothing(engine: Engine, attempt: str, error: type[SucreError],
                                      field: str) -> None:
    uow, fund, nic, ven = funded(engine)
    funds.disburse(uow, fund, ven, "1400000.00", value_date=day(4), reference="VEN-T1")
    # Now: 6M paid in, 1.4M disbursed (4.6M available); VEN's project may receive 0.1M more;
    # 8M of the 10M target pledged; 4M of it committed; NIC owes 1M of its pledge.
    attempts: dict[str, Callable[[], Any]] = {
        "tranche beyond the fund's balance": lambda: None,  # set below
        "tranche beyond the project's budget": lambda: funds.disburse(
            uow, fund, ven, "100000.01", value_date=day(5), reference="VEN-T2"),
        "contribution beyond the pledge": lambda: funds.contribute(
            uow, fund, "NIC", "1000000.01", value_date=day(5), reference="NIC-C2"),
        "pledge beyond the target": lambda: funds.subscribe(
            uow, fund, "CUB", "2000000.01", value_date=day(5), reference="CUB-S2"),
        "budget beyond the pledges": lambda: funds.approve_project(
            uow, fund, "housing", "CUB", "4000000.01", effective_date=day(5), reference=SUMMIT),
        "tranche to another fund's project": lambda: funds.disburse(
            uow, fund, 99, "1.00", value_date=day(5), reference="X"),
        "tranche dated before the fund's latest record": lambda: funds.disburse(
            uow, fund, nic, "1.00", value_date=day(3), reference="NIC-T0"),
        "pledge dated before the fund": lambda: None,  # set below
        "pledge of a non-member": lambda: funds.subscribe(
            uow, fund, "HND", "1.00", value_date=day(5), reference="HND-S1"),
        "pledge in three decimals": lambda: funds.subscribe(
            uow, fund, "CUB", "1.001", value_date=day(5), reference="CUB-S2"),
        "movement of an unknown fund": lambda: funds.contribute(
            uow, 99, "VEN", "1.00", value_date=day(5), reference="V"),
    }
    if attempt == "tranche beyond the fund's balance":
        funds.approve_project(uow, fund, "housing", "CUB", "4000000.00", effective_date=day(5),
                              reference=SUMMIT)
        funds.disburse(uow, fund, nic, "2500000.00", value_date=day(5), reference="N1")
        attempts[attempt] = lambda: funds.disburse(  # 2.1M left, the project may take 4M
            uow, fund, nic + 2, "2100000.01", value_date=day(5), reference="CUB-T1")
    if attempt == "pledge dated before the fund":
        later = funds.create_fund(uow, "later", "p", "100.00", effective_date=day(9),
                                  reference=SUMMIT).id
        attempts[attempt] = lambda: funds.subscribe(uow, later, "VEN", "1.00",
                                                    value_date=day(8), reference="V")
    before = fund_tables(engine)
    report = funds.report_json(funds.fund_report(uow, fund))
    with pytest.raises(error) as refused:
        attempts[attempt]()
    assert refused.value.field == field
    assert fund_tables(engine) == before
    assert funds.report_json(funds.fund_report(uow, fund)) == report
    world.verify(engine)


def test_the_last_cent_of_a_budget_and_of_the_balance_pass(engine: Engine) -> None:
    uow, fund, nic, ven = funded(engine)
    funds.disburse(uow, fund, ven, "1500000.00", value_date=day(4), reference="VEN-T1")
    funds.approve_project(uow, fund, "housing", "CUB", "4000000.00", effective_date=day(5),
                          reference=SUMMIT)
    funds.disburse(uow, fund, nic, "2500000.00", value_date=day(5), reference="NIC-T1")
    housing = nic + 2
    with pytest.raises(InsufficientPosition):
        funds.disburse(uow, fund, housing, "2000000.01", value_date=day(5), reference="C1")
    funds.disburse(uow, fund, housing, "2000000.00", value_date=day(5), reference="C1")
    assert funds.fund_report(uow, fund).available_minor == 0
    funds.contribute(uow, fund, "NIC", "1000000.00", value_date=day(6), reference="NIC-C2")
    with pytest.raises(InvalidState):
        funds.contribute(uow, fund, "NIC", "0.01", value_date=day(6), reference="NIC-C3")
    funds.subscribe(uow, fund, "ATG", "2000000.00", value_date=day(6), reference="ATG-S1")
    with pytest.raises(InvalidState):
        funds.subscribe(uow, fund, "DMA", "0.01", value_date=day(6), reference="DMA-S1")
    world.verify(engine)


def test_a_suspended_or_withdrawn_beneficiary_gets_nothing_from_its_day(engine: Engine) -> None:
    uow, fund, nic, ven = funded(engine)
    registry.change_member_status(uow, "NIC", MemberStatus.SUSPENDED, effective_date=day(10),
                                  reference="council decision, suspension")
    registry.change_member_status(uow, "VEN", MemberStatus.WITHDRAWN, effective_date=day(12),
                                  reference="council decision, withdrawal")
    funds.disburse(uow, fund, nic, "100.00", value_date=day(9), reference="NIC-T1")
    with pytest.raises(PartyNotActive) as suspended:
        funds.disburse(uow, fund, nic, "100.00", value_date=day(10), reference="NIC-T2")
    assert (suspended.value.reason_code, suspended.value.field) == ("AG01", "project")
    assert "suspended on 2026-07-11" in suspended.value.message
    funds.disburse(uow, fund, ven, "100.00", value_date=day(11), reference="VEN-T1")
    before = fund_tables(engine)
    with pytest.raises(PartyNotActive) as withdrawn:
        funds.disburse(uow, fund, ven, "100.00", value_date=day(12), reference="VEN-T2")
    assert withdrawn.value.reason_code == "AC04"
    with pytest.raises(PartyNotActive) as paying:
        funds.contribute(uow, fund, "VEN", "100.00", value_date=day(12), reference="VEN-C2")
    assert (paying.value.reason_code, paying.value.field) == ("AC04", "member")
    with pytest.raises(PartyNotActive):  # a suspended member pledges nothing new...
        funds.subscribe(uow, fund, "NIC", "1.00", value_date=day(12), reference="NIC-S2")
    with pytest.raises(PartyNotActive):  # ...and no project is approved for it
        funds.approve_project(uow, fund, "clinics", "NIC", "1.00", effective_date=day(12),
                              reference=SUMMIT)
    assert fund_tables(engine) == before
    # ...but it pays in what it pledged.
    funds.contribute(uow, fund, "NIC", "100.00", value_date=day(12), reference="NIC-C2")
    world.verify(engine)


def test_a_replay_writes_nothing_and_a_conflict_is_refused(engine: Engine) -> None:
    uow, fund, nic, _ = funded(engine)
    first = funds.disburse(uow, fund, nic, "100.00", value_date=day(4), reference="NIC-T1")
    before = fund_tables(engine)
    again = funds.disburse(uow, fund, nic, "100.00", value_date=day(4), reference="NIC-T1")
    assert (again.replayed, again.movement) == (True, first.movement) and not first.replayed
    assert funds.contribute(uow, fund, "VEN", "3000000.00", value_date=day(2),
                            reference="VEN-C1").replayed  # dated before the latest: a replay
    assert funds.create_fund(uow, "migrant reintegration",
                             "reintegrate deported migrants in their countries of birth",
                             "10000000.00", effective_date=D0, reference=SUMMIT).id == fund
    assert funds.approve_project(uow, fund, "reintegration centres", "NIC", "2500000.00",
                                 effective_date=day(3), reference=SUMMIT).id == nic
    assert fund_tables(engine) == before
    for conflict in (
            lambda: funds.disburse(uow, fund, nic, "100.01", value_date=day(4),
                                   reference="NIC-T1"),
            lambda: funds.contribute(uow, fund, "CUB", "3000000.00", value_date=day(2),
                                     reference="VEN-C1"),
            lambda: funds.create_fund(uow, "migrant reintegration", "other", "10.00",
                                      effective_date=D0, reference=SUMMIT),
            lambda: funds.approve_project(uow, fund, "reintegration centres", "CUB", "1.00",
                                          effective_date=day(4), reference=SUMMIT)):
        with pytest.raises(IdempotencyConflict) as refused:
            conflict()
        assert refused.value.reason_code == "DUPL"
    assert fund_tables(engine) == before


def test_the_council_votes_a_fund_and_a_project(engine: Engine) -> None:
    world.build(engine)
    uow = SqlUnitOfWork(engine)
    proposal = council.propose(uow, "fund", D0, SUMMIT, {
        "name": "migrant reintegration", "purpose": "reintegration", "target": "10000000.00"},
        proposed_by="test").id
    for member in TEN[:7]:
        council.vote(uow, proposal, member, Ballot.YES, cast_by="test", day=day(1))
    closed = council.adopt(uow, proposal, closed_by="test", day=day(1))
    assert closed.state is ProposalState.ADOPTED
    [listed] = funds.fund_list(uow)
    assert (listed.fund.decision_id, listed.fund.currency, listed.fund.target_minor) == (
        closed.decision_id, "USD", 1_000_000_000)
    detail = council.decision_detail(uow, listed.fund.decision_id)
    assert detail.decision.kind == "fund" and detail.decision.payload["target"] == "10000000.00"
    with pytest.raises(InvalidState):  # the name is taken
        council.propose(uow, "fund", D0, SUMMIT, {"name": "migrant reintegration",
                                                  "purpose": "x", "target": "1.00"},
                        proposed_by="test")
    funds.subscribe(uow, listed.fund.id, "VEN", "1000.00", value_date=day(2), reference="S")
    project = council.propose(uow, "project", day(3), SUMMIT, {
        "fund": str(listed.fund.id), "name": "centres", "beneficiary": "NIC",
        "budget": "1000.00"}, proposed_by="test").id
    too_big = council.propose(uow, "project", day(3), SUMMIT, {
        "fund": str(listed.fund.id), "name": "more", "beneficiary": "CUB",
        "budget": "1000.01"}, proposed_by="test").id
    for member in TEN[:7]:
        council.vote(uow, project, member, Ballot.YES, cast_by="test", day=day(3))
        council.vote(uow, too_big, member, Ballot.YES, cast_by="test", day=day(3))
    assert council.adopt(uow, project, closed_by="test", day=day(3)).decision_id is not None
    with pytest.raises(InvalidState):  # pledged 1000.00, all committed: the effect is refused
        council.adopt(uow, too_big, closed_by="test", day=day(3))
    assert council.proposal_detail(uow, too_big, day(3)).proposal.state is ProposalState.OPEN
    report = funds.fund_report(uow, listed.fund.id)
    assert [(p.project.name, p.project.budget_minor) for p in report.projects] == [
        ("centres", 100000)]
    with pytest.raises(NotFound):
        council.propose(uow, "project", day(3), SUMMIT, {
            "fund": "9", "name": "x", "beneficiary": "NIC", "budget": "1"}, proposed_by="t")


def test_verify_catches_a_tampered_movement(engine: Engine) -> None:
    uow, fund, nic, _ = funded(engine)
    funds.disburse(uow, fund, nic, "100.00", value_date=day(4), reference="NIC-T1")
    world.verify(engine)
    m = t.fund_movements.c
    for where, change, caught in (
            (m.reference == "NIC-T1", {"amount_minor": 1}, r"\(NIC-T1\) is its journal entry"),
            (m.reference == "CUB-C1", {"member": "VEN"}, "paid beyond its pledge"),
            (m.reference == "NIC-C1", {"kind": "subscription"},
             r"\(NIC-C1\) is its journal entry")):
        with engine.begin() as conn:
            before = conn.execute(select(t.fund_movements).where(where)).one()._asdict()
            conn.execute(update(t.fund_movements).where(where).values(**change))
        with pytest.raises(InvariantBroken, match=caught):
            world.verify(engine)
        with engine.begin() as conn:
            conn.execute(update(t.fund_movements).where(where).values(**before))
        world.verify(engine)
    with uow:  # an entry on the fund's accounts that no movement booked
        uow.journal.append([transfer(EntryKind.FUND, None, USD, 100,
                                     debit=f"fund:{fund}:contributed:VEN",
                                     credit=f"fund:{fund}:cash")])
        uow.commit()
    with pytest.raises(InvariantBroken, match=f"fund:{fund}:cash in the journal"):
        world.verify(engine)


# --- a property: any sequence of movements ----------------------------------------------------

MEMBERS = ("VEN", "CUB", "NIC", "BOL")
operations = st.lists(st.tuples(
    st.sampled_from(("subscribe", "contribute", "approve", "disburse", "replay")),
    st.sampled_from(MEMBERS), st.integers(min_value=1, max_value=6_000_00),
    st.integers(min_value=0, max_value=3)), max_size=14)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(ops=operations)
def test_any_sequence_keeps_the_report_equal_to_the_journal(
        fresh_engine: Callable[[], Engine], ops: list[tuple[str, str, int, int]]) -> None:
    engine = fresh_engine()
    world.build(engine)
    uow = SqlUnitOfWork(engine)
    fund = funds.create_fund(uow, "f", "p", "10000.00", effective_date=D0, reference=SUMMIT).id
    projects: list[int] = []
    done: list[Callable[[], Any]] = []
    for number, (kind, member, cents, pick) in enumerate(ops):
        before = fund_tables(engine)
        if kind == "replay":
            if done:
                done[pick % len(done)]()
            assert fund_tables(engine) == before
        else:
            action = _action(uow, fund, kind, member, f"{cents / 100:.2f}", day(number // 3),
                             f"R{number}", projects[pick % len(projects)] if projects else 1)
            try:
                made = action()
            except SucreError:
                assert fund_tables(engine) == before
            else:
                done.append(action)
                if kind == "approve":
                    projects.append(made.id)
        report = funds.fund_report(uow, fund)
        report.check()
        assert report.available_minor >= 0
        balances = _journal_balances(engine, fund)
        assert balances.get(f"fund:{fund}:cash", 0) == report.available_minor
        assert balances.get(f"fund:{fund}:pledges", 0) == report.pledged_minor
        assert -sum(v for a, v in balances.items() if ":contributed:" in a) == (
            report.paid_in_minor)
        assert sum(v for a, v in balances.items() if ":disbursed:" in a) == (
            report.disbursed_minor)
    world.verify(engine)
    engine.dispose()


def _action(uow: SqlUnitOfWork, fund: int, kind: str, member: str, amount: str, on: dt.date,
            ref: str, project: int) -> Callable[[], Any]:
    if kind == "subscribe":
        return lambda: funds.subscribe(uow, fund, member, amount, value_date=on, reference=ref)
    if kind == "contribute":
        return lambda: funds.contribute(uow, fund, member, amount, value_date=on, reference=ref)
    if kind == "approve":
        return lambda: funds.approve_project(uow, fund, ref, member, amount, effective_date=on,
                                             reference=SUMMIT)
    return lambda: funds.disburse(uow, fund, project, amount, value_date=on, reference=ref)


def _journal_balances(engine: Engine, fund: int) -> dict[str, int]:
    p = t.postings.c
    with engine.connect() as conn:
        return {a: int(v) for a, v in conn.execute(
            select(p.account, func.sum(p.amount_minor))
            .where(p.account.like(f"fund:{fund}:%")).group_by(p.account)).tuples()}


@pytest.mark.postgres_only
def test_tranches_at_once_never_overdraw_the_fund(engine: Engine,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """Eight tranches of 1,000,000.00 at once against 2,500,000.00 of cash (each project's budget
    would take them): the fund's row lock lets exactly two through. Each tranche dawdles
    between reading the fund's figures and writing, so that without the lock they would all
    read the same balance."""
    uow, fund, nic, ven = funded(engine)
    funds.disburse(uow, fund, nic, "2500000.00", value_date=day(4), reference="NIC-T0")
    funds.approve_project(uow, fund, "housing", "CUB", "4000000.00", effective_date=day(4),
                          reference=SUMMIT)
    funds.disburse(uow, fund, ven, "1000000.00", value_date=day(4), reference="VEN-T0")
    # 6M paid in, 3.5M disbursed: 2.5M available; VEN's project may take 0.5M, CUB's 4M.
    checked = domain_funds.check_movement

    def slowly(*args: Any) -> None:
        checked(*args)
        time.sleep(0.2)

    monkeypatch.setattr(domain_funds, "check_movement", slowly)
    barrier = threading.Barrier(8)

    def tranche(i: int) -> object:
        barrier.wait()
        try:
            return funds.disburse(SqlUnitOfWork(engine), fund, nic + 2, "1000000.00",
                                  value_date=day(5), reference=f"CUB-T{i}")
        except SucreError as error:
            return error

    with ThreadPoolExecutor(max_workers=8) as pool:
        outcomes = list(pool.map(tranche, range(8)))
    assert sum(isinstance(o, funds.Recorded) for o in outcomes) == 2
    assert all(isinstance(o, InsufficientPosition) for o in outcomes
               if not isinstance(o, funds.Recorded))
    assert funds.fund_report(uow, fund).available_minor == 50_000_000
    world.verify(engine)

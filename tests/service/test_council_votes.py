"""The council's voted path on the unit of work (issue 11): proposals, one vote per member state
in good standing, the tally by the council's rule, adoption through the register's use cases,
and the decision behind each limit. On SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, func, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain import parameters
from sucre.domain.errors import InvalidState, NotFound, PartyNotActive, UnknownParty
from sucre.domain.members import AuthorityCode, MemberCode, MemberStatus
from sucre.domain.proposals import Ballot, Outcome, ProposalState
from sucre.service import council, payments, registry, reports
from tests import world

DAY = dt.date(2026, 7, 6)  # the day the votes are cast and counted
TEN = ("VEN", "CUB", "BOL", "NIC", "ATG", "DMA", "GRD", "KNA", "LCA", "VCT")
SUMMIT = "XII Extraordinary Summit, 3 Feb 2026"


def raise_bcc(uow: SqlUnitOfWork, effective: dt.date = dt.date(2026, 7, 5),
              allocation: str = "5000.00") -> int:
    """Propose BCC's allocation raised to ``allocation`` XSU (credit line 1,000.00)."""
    return council.propose(uow, "allocation", effective, SUMMIT,
                           {"authority": "BCC", "allocation": allocation,
                            "credit_line": "1000.00"}, proposed_by="test").id


def cast(uow: SqlUnitOfWork, proposal: int, *ballots: str, members: tuple[str, ...] = TEN
         ) -> None:
    for member, ballot in zip(members, ballots, strict=False):
        council.vote(uow, proposal, member, Ballot(ballot), cast_by="test", day=DAY)


def limit(uow: SqlUnitOfWork, authority: str = "BCC") -> str:
    return reports.xsu(reports.positions_report(uow, "2026-H2")
                       .authorities[AuthorityCode(authority)].limit_minor)


def decision_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.decisions)).scalar_one())


def test_an_adopted_raise_is_the_new_limit_and_names_its_decision(
        engine: Engine, uow: SqlUnitOfWork) -> None:
    world.build(engine)
    assert limit(uow) == "2000.00"
    proposal = raise_bcc(uow)
    cast(uow, proposal, "yes", "yes", "yes", "yes", "no", "no", "abstain")
    assert limit(uow) == "2000.00"  # voting changes nothing
    closed = council.adopt(uow, proposal, closed_by="test", day=DAY)
    assert closed.state is ProposalState.ADOPTED and closed.tally is not None
    assert (closed.tally.yes, closed.tally.no, closed.tally.abstain, closed.tally.eligible) == (
        4, 2, 1, 10)
    assert limit(uow) == "6000.00"
    report = reports.positions_report(uow, "2026-H2")
    behind = report.decisions[AuthorityCode("BCC")]
    assert (behind.id, behind.reference) == (closed.decision_id, SUMMIT)
    assert report.decisions[AuthorityCode("BCV")].reference == world.REF
    assert closed.decision_id is not None
    detail = council.decision_detail(uow, closed.decision_id)
    assert detail.decision.payload == {"authority": "BCC", "allocation_minor": 500_000,
                                       "credit_line_minor": 100_000}
    assert detail.supersedes is not None and detail.supersedes.reference == world.REF
    assert detail.proposal is not None and detail.proposal.proposal.id == proposal
    assert [v.member for v in detail.proposal.votes] == list(TEN[:7])


def test_a_vote_that_misses_quorum_adopts_nothing(engine: Engine, uow: SqlUnitOfWork) -> None:
    world.build(engine)
    proposal = raise_bcc(uow)
    cast(uow, proposal, *["yes"] * 6)  # 6 of 10 < 2/3
    decisions = decision_count(engine)
    closed = council.adopt(uow, proposal, closed_by="test", day=DAY)
    assert closed.state is ProposalState.REJECTED and closed.decision_id is None
    assert closed.tally is not None and closed.tally.outcome is Outcome.NO_QUORUM
    assert decision_count(engine) == decisions
    assert limit(uow) == "2000.00"
    with pytest.raises(InvalidState, match="rejected"):
        council.vote(uow, proposal, "KNA", Ballot.YES, cast_by="test", day=DAY)
    with pytest.raises(InvalidState, match="already rejected"):
        council.adopt(uow, proposal, closed_by="test", day=DAY)


@pytest.mark.parametrize(("ballots", "outcome"), [
    (("yes", "yes", "yes", "no", "no", "no", "abstain"), Outcome.NO_MAJORITY),  # a tie
    (("yes", "yes", "yes", "yes", "no", "no", "no"), Outcome.ADOPTED),  # 4 of 7
    (("abstain",) * 7, Outcome.NO_MAJORITY),
])
def test_majority_boundaries(engine: Engine, uow: SqlUnitOfWork, ballots: tuple[str, ...],
                             outcome: Outcome) -> None:
    world.build(engine)
    proposal = raise_bcc(uow)
    cast(uow, proposal, *ballots)
    closed = council.adopt(uow, proposal, closed_by="test", day=DAY)
    assert closed.tally is not None and closed.tally.outcome is outcome
    assert limit(uow) == ("6000.00" if outcome is Outcome.ADOPTED else "2000.00")


def test_the_council_sets_its_own_quorum_by_a_vote(engine: Engine, uow: SqlUnitOfWork) -> None:
    world.build(engine)
    lower = council.propose(uow, "parameter", DAY, SUMMIT,
                            {"name": "vote_quorum", "value": "1/2"}, proposed_by="test").id
    cast(uow, lower, *["yes"] * 7)
    assert council.adopt(uow, lower, closed_by="test", day=DAY).state is ProposalState.ADOPTED
    proposal = raise_bcc(uow)
    cast(uow, proposal, *["yes"] * 5)  # 5 of 10 is half: a quorum now
    assert council.adopt(uow, proposal, closed_by="test", day=DAY).state is (
        ProposalState.ADOPTED)


def test_a_withdrawal_is_refused_by_one_no(engine: Engine, uow: SqlUnitOfWork) -> None:
    world.build(engine)
    others = tuple(m for m in TEN if m != "NIC")
    proposal = council.propose(uow, "withdrawal", DAY, SUMMIT, {"member": "NIC"},
                               proposed_by="test").id
    cast(uow, proposal, *["yes"] * 8, "no", members=others)
    with pytest.raises(InvalidState, match="consensus of the other members"):
        council.vote(uow, proposal, "NIC", Ballot.NO, cast_by="test", day=DAY)
    closed = council.adopt(uow, proposal, closed_by="test", day=DAY)
    assert closed.tally is not None and closed.tally.outcome is Outcome.NO_CONSENSUS
    with uow:
        assert uow.members.members()[MemberCode("NIC")].status is MemberStatus.ACTIVE


def test_a_withdrawal_by_consensus_of_the_others_takes_effect(
        engine: Engine, uow: SqlUnitOfWork) -> None:
    world.build(engine)
    others = tuple(m for m in TEN if m != "NIC")
    proposal = council.propose(uow, "withdrawal", DAY, SUMMIT, {"member": "NIC"},
                               proposed_by="test").id
    cast(uow, proposal, *["yes"] * 8, "abstain", members=others)
    closed = council.adopt(uow, proposal, closed_by="test", day=DAY)
    assert closed.tally is not None and (closed.tally.eligible, closed.tally.outcome) == (
        9, Outcome.ADOPTED)
    with uow:
        assert uow.members.members()[MemberCode("NIC")].status is MemberStatus.WITHDRAWN
        assert closed.decision_id is not None
        decision = uow.decisions.by_id(closed.decision_id)
    assert decision is not None and decision.kind == "member_withdrawn"


def test_an_admission_with_a_new_authority(engine: Engine, uow: SqlUnitOfWork) -> None:
    world.build(engine)
    proposal = council.propose(uow, "admission", DAY, SUMMIT, {
        "member": "URY", "name": "Uruguay", "authority": "BCU",
        "authority_name": "Banco Central del Uruguay", "currency": "UYU"}, proposed_by="test").id
    cast(uow, proposal, *["yes"] * 10)
    assert council.adopt(uow, proposal, closed_by="test", day=DAY).state is (
        ProposalState.ADOPTED)
    with uow:
        assert uow.members.members()[MemberCode("URY")].authority == "BCU"
    assert limit(uow, "BCU") == "0.00"  # a position row, no allocation yet
    with pytest.raises(InvalidState, match="already a member"):
        council.propose(uow, "admission", DAY, SUMMIT, {"member": "URY", "name": "Uruguay",
                                                        "authority": "BCU"}, proposed_by="t")


def test_a_decision_effective_tomorrow_changes_nothing_today(
        engine: Engine, uow: SqlUnitOfWork) -> None:
    world.build(engine)
    tomorrow = DAY + dt.timedelta(days=1)
    share = council.propose(uow, "parameter", tomorrow, SUMMIT,
                            {"name": "corridor_alert_share", "value": "0.3"},
                            proposed_by="test").id
    cast(uow, share, *["yes"] * 7)
    council.adopt(uow, share, closed_by="test", day=DAY)
    with uow:
        assert uow.decisions.parameter_value(parameters.CORRIDOR_ALERT_SHARE, DAY) == (
            parameters.CORRIDOR_ALERT_SHARE.parse("0.5"))
        assert uow.decisions.parameter_value(parameters.CORRIDOR_ALERT_SHARE, tomorrow) == (
            parameters.CORRIDOR_ALERT_SHARE.parse("0.3"))
    # An allocation from the next period on leaves today's period's limit as it is.
    raise_next = raise_bcc(uow, effective=dt.date(2027, 1, 1))
    cast(uow, raise_next, *["yes"] * 7)
    adopted = council.adopt(uow, raise_next, closed_by="test", day=DAY)
    assert limit(uow) == "2000.00"
    in_force_today = reports.decisions_report(uow, as_of=DAY, kind="allocation").decisions
    assert adopted.decision_id not in [d.id for d in in_force_today]
    assert len(in_force_today) == len(world.LIMITS)
    in_force_then = reports.decisions_report(uow, as_of=dt.date(2027, 1, 1)).decisions
    assert adopted.decision_id in [d.id for d in in_force_then]


def test_one_vote_per_member_never_changed(engine: Engine, uow: SqlUnitOfWork) -> None:
    world.build(engine)
    proposal = raise_bcc(uow)
    council.vote(uow, proposal, "VEN", Ballot.NO, cast_by="test", day=DAY)
    with pytest.raises(InvalidState, match="already voted no") as refused:
        council.vote(uow, proposal, "ven", Ballot.YES, cast_by="test", day=DAY)
    assert refused.value.reason_code == "DUPL"
    with uow:
        assert [(v.member, v.ballot) for v in uow.proposals.votes(proposal)] == [
            ("VEN", Ballot.NO)]


def test_a_suspended_member_does_not_vote_nor_count(engine: Engine, uow: SqlUnitOfWork) -> None:
    world.build(engine)
    proposal = raise_bcc(uow)
    cast(uow, proposal, *["yes"] * 7)  # NIC among them
    registry.change_member_status(uow, "NIC", MemberStatus.SUSPENDED, effective_date=DAY,
                                  reference=SUMMIT)
    with pytest.raises(PartyNotActive, match="NIC is not in good standing"):
        council.vote(SqlUnitOfWork(engine), raise_bcc(uow), "NIC", Ballot.YES, cast_by="test",
                     day=DAY)
    with pytest.raises(UnknownParty):
        council.vote(uow, proposal, "HND", Ballot.YES, cast_by="test", day=DAY)
    closed = council.adopt(uow, proposal, closed_by="test", day=DAY)
    assert closed.tally is not None
    assert (closed.tally.eligible, closed.tally.yes, closed.tally.outcome) == (
        9, 6, Outcome.ADOPTED)  # 6 of 9 is two thirds


def test_an_effect_the_register_refuses_leaves_the_proposal_open(
        engine: Engine, uow: SqlUnitOfWork) -> None:
    """An allocation below what BCC already owes in the period: nothing recorded, still open."""
    world.build(engine)
    payments.submit_order(SqlUnitOfWork(engine), world.order("USED", amount="1500.00"))
    proposal = raise_bcc(uow, allocation="100.00")
    cast(uow, proposal, *["yes"] * 7)
    decisions = decision_count(engine)
    with pytest.raises(InvalidState, match="already used"):
        council.adopt(uow, proposal, closed_by="test", day=DAY)
    assert decision_count(engine) == decisions
    assert council.proposal_detail(uow, proposal, DAY).proposal.state is ProposalState.OPEN


def test_unknown_proposals_and_parties(engine: Engine, uow: SqlUnitOfWork) -> None:
    world.build(engine)
    with pytest.raises(NotFound):
        council.vote(uow, 99, "VEN", Ballot.YES, cast_by="test", day=DAY)
    with pytest.raises(NotFound):
        council.adopt(uow, 99, closed_by="test", day=DAY)
    with pytest.raises(UnknownParty):
        council.propose(uow, "allocation", DAY, SUMMIT, {"authority": "XYZ",
                                                         "allocation": "1.00"}, proposed_by="t")
    with pytest.raises(NotFound):
        council.decision_detail(uow, 10_000)

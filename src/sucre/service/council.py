"""The council's voted path: propose a decision, the member states vote, adopt it (or not).

:mod:`sucre.domain.proposals` states the records and the tally. Here, the use cases:

* :func:`propose` records an open proposal once its payload is valid and names what exists;
* :func:`vote` records one member state's vote: the state must be in good standing on the day
  it votes (:func:`in_good_standing`) and not have voted on it yet (never changed);
* :func:`adopt` tallies the votes on the day of the tally by the rule of the proposal's kind and
  the council's ``vote_quorum`` and ``vote_majority`` in force that day. Adopted: the effect is
  applied by the register's own use case (:mod:`sucre.service.registry`: allocation, parameter,
  basket, member status, admission; :mod:`sucre.service.funds`: fund, project) inside this
  unit of work, which records the decision, and
  the proposal is linked to it. Not adopted: the proposal is closed as rejected, nothing else.
  If the effect itself is refused (an allocation below the debit already used, a basket without
  its launch day's fixings), nothing is recorded and the proposal stays open.

A proposal's row is locked by a vote and by the tally (before any period or position row, the
lock order of :mod:`sucre.adapters.db.engine`), so a vote cannot slip in beside an adoption.
Who acted is recorded as text: ``cli`` (the local administrator) or ``api:<client>/<key id>``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Final

from sucre.adapters.db.engine import retry_transient
from sucre.domain import parameters
from sucre.domain.decisions import Decision, superseded
from sucre.domain.errors import (
    InvalidState,
    NotFound,
    PartyNotActive,
    UnknownParty,
    invariant,
)
from sucre.domain.members import (
    MemberCode,
    MemberStatus,
    authority_code,
    member_code,
)
from sucre.domain.money import CurrencyCode
from sucre.domain.petrocaribe import table_of
from sucre.domain.proposals import (
    Ballot,
    Proposal,
    ProposalKind,
    ProposalState,
    Tally,
    Vote,
    proposal_kind,
    proposal_payload,
    tally,
)
from sucre.domain.roles import Principal
from sucre.service import funds, petrocaribe, registry, reports
from sucre.service.unit_of_work import UnitOfWork

CLI_ACTOR = "cli"


def api_actor(principal: Principal) -> str:
    """Who acted through the API: the client and the key it used."""
    return f"api:{principal.name}/{principal.key_id}"


def in_good_standing(uow: UnitOfWork, day: dt.date) -> set[MemberCode]:
    """The member states that vote on ``day``: members then, and active (neither suspended nor
    withdrawn), as the register answers for that day (:func:`reports.members_report`)."""
    return {line.member.code for line in reports.members_report(uow, day).members
            if line.status is MemberStatus.ACTIVE}


# --- propose --------------------------------------------------------------------------------

@retry_transient
def propose(uow: UnitOfWork, kind: str, effective_date: dt.date, reference: str,
            fields: Mapping[str, str], *, proposed_by: str) -> Proposal:
    """Put a decision to the council's vote: ``fields`` are its payload as text
    (:data:`sucre.domain.proposals.FIELDS`)."""
    checked_kind = proposal_kind(kind)
    payload = proposal_payload(checked_kind, fields)
    with uow:
        _check_parties(uow, checked_kind, payload)
        proposal = uow.proposals.add(checked_kind, payload, effective_date, reference,
                                     proposed_by)
        uow.commit()
    return proposal


def _check_parties(uow: UnitOfWork, kind: ProposalKind, payload: Mapping[str, object]) -> None:
    """The authority or member state a proposal names exists (an admitted one does not yet)."""
    members = uow.members.members()
    authorities = uow.members.authority_ids()
    if kind is ProposalKind.ALLOCATION and payload["authority"] not in authorities:
        raise UnknownParty(f"no monetary authority {payload['authority']}", field="authority")
    if kind is ProposalKind.ADMISSION:
        if payload["member"] in members:
            raise InvalidState(f"{payload['member']} is already a member (its status is "
                               f"{members[MemberCode(str(payload['member']))].status.value}); "
                               "a member is suspended, reinstated or withdrawn", field="member")
        new_authority = "currency" in payload
        if new_authority == (payload["authority"] in authorities):
            raise InvalidState(
                f"monetary authority {payload['authority']} "
                + ("already exists: name no currency for it" if new_authority
                   else "does not exist: give its authority_name and currency"),
                field="authority")
    if kind in (ProposalKind.FUND, ProposalKind.PROJECT):
        funds.check_proposal(uow, kind.value, payload)
    if kind in (ProposalKind.SUSPENSION, ProposalKind.REINSTATEMENT, ProposalKind.WITHDRAWAL):
        member = MemberCode(str(payload["member"]))
        if member not in members:
            raise UnknownParty(f"{member} is not a member", field="member")
        if members[member].status is MemberStatus.WITHDRAWN:
            raise InvalidState(f"{member} has withdrawn; readmission is a new admission",
                               field="member")


# --- vote -----------------------------------------------------------------------------------

@retry_transient
def vote(uow: UnitOfWork, proposal_id: int, member: str, ballot: Ballot, *, cast_by: str,
         day: dt.date) -> Vote:
    """Record ``member``'s vote on an open proposal, cast on ``day``."""
    code = member_code(member)
    with uow:
        proposal = _proposal(uow, proposal_id, lock=True)
        if proposal.state is not ProposalState.OPEN:
            raise InvalidState(f"proposal {proposal_id} is {proposal.state.value}: its vote is "
                               "closed", field="proposal")
        if code not in in_good_standing(uow, day):
            known = uow.members.members().get(code)
            if known is None:
                raise UnknownParty(f"{code} is not a member of the bloc", field="member")
            raise PartyNotActive(f"{code} is not in good standing on {day} (it is "
                                 f"{known.status.value}): it does not vote", field="member")
        if proposal.subject == code and proposal.kind is ProposalKind.WITHDRAWAL:
            raise InvalidState(f"{code}'s withdrawal is decided by the consensus of the other "
                               "members: it does not vote on it", field="member")
        cast = {v.member: v for v in uow.proposals.votes(proposal_id)}
        if code in cast:
            raise InvalidState(f"{code} has already voted {cast[code].ballot.value} on proposal "
                               f"{proposal_id}; a vote is never changed", field="member",
                               reason_code="DUPL")
        recorded = uow.proposals.add_vote(proposal_id, code, ballot, cast_by)
        uow.commit()
    return recorded


def _proposal(uow: UnitOfWork, proposal_id: int, *, lock: bool = False) -> Proposal:
    found = uow.proposals.by_id(proposal_id, lock=lock)
    if found is None:
        raise NotFound(f"no proposal {proposal_id}", field="proposal")
    return found


# --- adopt ----------------------------------------------------------------------------------

@retry_transient
def adopt(uow: UnitOfWork, proposal_id: int, *, closed_by: str, day: dt.date) -> Proposal:
    """Tally an open proposal on ``day``: adopt it (record the decision, apply its effect) or
    close it as rejected. The proposal as closed."""
    with uow:
        proposal = _proposal(uow, proposal_id, lock=True)
        if proposal.state is not ProposalState.OPEN:
            raise InvalidState(f"proposal {proposal_id} is already {proposal.state.value}",
                               field="proposal")
        result = current_tally(uow, proposal, day)
        decision = _apply(uow, proposal) if result.adopted else None
        uow.proposals.close(proposal_id, result, closed_by, decision)
        closed = _proposal(uow, proposal_id)
        uow.commit()
    return closed


def current_tally(uow: UnitOfWork, proposal: Proposal, day: dt.date) -> Tally:
    """The proposal's votes counted as a tally on ``day`` would count them."""
    in_force = uow.decisions.parameters_in_force(day)
    return tally(proposal.kind, {v.member: v.ballot for v in uow.proposals.votes(proposal.id)},
                 in_good_standing(uow, day), subject=proposal.subject,
                 quorum=in_force[parameters.VOTE_QUORUM],
                 majority=in_force[parameters.VOTE_MAJORITY])


_STATUS = {ProposalKind.SUSPENSION: MemberStatus.SUSPENDED,
           ProposalKind.REINSTATEMENT: MemberStatus.ACTIVE,
           ProposalKind.WITHDRAWAL: MemberStatus.WITHDRAWN}


def _apply(uow: UnitOfWork, proposal: Proposal) -> int:
    """Apply an adopted proposal by the register's use case for its kind; the decision's id."""
    return _APPLY[proposal.kind](uow, proposal.payload, proposal.effective_date,
                                 proposal.reference)


def _allocation(uow: UnitOfWork, p: Mapping[str, Any], on: dt.date, reference: str) -> int:
    return registry.set_allocation(uow, str(p["authority"]), on, int(p["allocation_minor"]),
                                   int(p["credit_line_minor"]), reference)


def _parameter(uow: UnitOfWork, p: Mapping[str, Any], on: dt.date, reference: str) -> int:
    return registry.set_parameter(uow, str(p["name"]), str(p["value"]), effective_date=on,
                                  reference=reference)


def _basket(uow: UnitOfWork, p: Mapping[str, Any], on: dt.date, reference: str) -> int:
    _, decision = registry.decide_basket(
        uow, on, Fraction(p["launch_usd_per_xsu"]),
        {CurrencyCode(c): Fraction(w) for c, w in p["weights"].items()}, reference)
    if decision is None:
        raise InvalidState(f"this basket is already recorded for launch date {on}",
                           field="effective_date")
    return decision


def _admission(uow: UnitOfWork, p: Mapping[str, Any], on: dt.date, reference: str) -> int:
    if "currency" in p:
        registry.register_authority(uow, str(p["authority"]), str(p["authority_name"]),
                                    str(p["currency"]))
    return registry.register_member(uow, str(p["member"]), str(p["name"]),
                                    authority_code(str(p["authority"])),
                                    effective_date=on, reference=reference)


def _status(status: MemberStatus) -> _Applier:
    def change(uow: UnitOfWork, p: Mapping[str, Any], on: dt.date, reference: str) -> int:
        return registry.change_member_status(uow, str(p["member"]), status,
                                             effective_date=on, reference=reference)
    return change


_Applier = Callable[[UnitOfWork, Mapping[str, Any], dt.date, str], int]

#: The use case that records each kind of adopted proposal (one line per kind).
_APPLY: Final[Mapping[ProposalKind, _Applier]] = {
    ProposalKind.ALLOCATION: _allocation,
    ProposalKind.PARAMETER: _parameter,
    ProposalKind.BASKET: _basket,
    ProposalKind.ADMISSION: _admission,
    **{kind: _status(status) for kind, status in _STATUS.items()},
    ProposalKind.PETROCARIBE_TERMS:
        lambda uow, p, on, ref: petrocaribe.decide_terms(uow, table_of(p), on, ref),
    ProposalKind.PETROCARIBE_BUYBACK:
        lambda uow, p, on, ref: petrocaribe.buyback(uow, p, on, ref).decision_id,
    ProposalKind.FUND: lambda uow, p, on, ref: funds.decide_fund(uow, p, on, ref).decision_id,
    ProposalKind.PROJECT:
        lambda uow, p, on, ref: funds.decide_project(uow, p, on, ref).decision_id,
}


# --- read -----------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ProposalDetail:
    """A proposal, its votes, its tally (as closed, or as it would stand on the day asked)."""

    proposal: Proposal
    votes: tuple[Vote, ...]
    tally: Tally


def proposal_detail(uow: UnitOfWork, proposal_id: int, day: dt.date) -> ProposalDetail:
    with uow:
        proposal = _proposal(uow, proposal_id)
        votes = tuple(uow.proposals.votes(proposal_id))
        standing = proposal.tally or current_tally(uow, proposal, day)
    return ProposalDetail(proposal, votes, standing)


@dataclass(frozen=True, slots=True)
class ProposalList:
    proposals: tuple[Proposal, ...]
    not_listed: int


def proposal_list(uow: UnitOfWork, listed_max: int) -> ProposalList:
    with uow:
        total = uow.proposals.count()
        listed = uow.proposals.first(listed_max)
    return ProposalList(tuple(listed), total - len(listed))


@dataclass(frozen=True, slots=True)
class DecisionDetail:
    """A decision, what it replaced on its subject, and the proposal and votes that made it
    (None for a decision of the register's administrative path)."""

    decision: Decision
    supersedes: Decision | None
    proposal: ProposalDetail | None


def decision_detail(uow: UnitOfWork, decision_id: int) -> DecisionDetail:
    with uow:
        decision = uow.decisions.by_id(decision_id)
        if decision is None:
            raise NotFound(f"no decision {decision_id}", field="decision")
        before = superseded(decision, uow.decisions.dated_until(decision.effective_date))
        proposal = uow.proposals.by_decision(decision_id)
        votes = () if proposal is None else tuple(uow.proposals.votes(proposal.id))
    detail = None
    if proposal is not None:
        invariant(proposal.tally is not None, "an adopted proposal was closed by its tally")
        assert proposal.tally is not None  # for mypy
        detail = ProposalDetail(proposal, votes, proposal.tally)
    return DecisionDetail(decision, before, detail)


# --- the JSON the CLI prints and the API answers --------------------------------------------

def decision_json(decision: Decision) -> dict[str, Any]:
    """A decision as ``sucre decisions --json`` lists it."""
    return {"id": decision.id, "kind": decision.kind,
            "effective_date": decision.effective_date.isoformat(),
            "reference": decision.reference, "decision": decision.payload,
            "recorded_at": decision.recorded_at.isoformat()}


def tally_json(counted: Tally) -> dict[str, Any]:
    return {"rule": counted.rule.value, "eligible": counted.eligible, "cast": counted.cast,
            "yes": counted.yes, "no": counted.no, "abstain": counted.abstain,
            "quorum": str(counted.quorum), "majority": str(counted.majority),
            "outcome": counted.outcome.value}


def vote_json(cast: Vote) -> dict[str, Any]:
    return {"proposal": cast.proposal_id, "member": cast.member, "vote": cast.ballot.value,
            "cast_by": cast.cast_by, "cast_at": cast.cast_at.isoformat()}


def proposal_json(proposal: Proposal) -> dict[str, Any]:
    return {"id": proposal.id, "kind": proposal.kind.value, "payload": proposal.payload,
            "effective_date": proposal.effective_date.isoformat(),
            "reference": proposal.reference, "proposed_by": proposal.proposed_by,
            "proposed_at": proposal.proposed_at.isoformat(), "state": proposal.state.value,
            "closed_by": proposal.closed_by,
            "closed_at": None if proposal.closed_at is None else proposal.closed_at.isoformat(),
            "decision": proposal.decision_id}


def proposal_detail_json(detail: ProposalDetail) -> dict[str, Any]:
    """A proposal with its votes and its tally (``tally.final``: the one that closed it, or
    false: how it would count now)."""
    return {**proposal_json(detail.proposal), "votes": [vote_json(v) for v in detail.votes],
            "tally": {**tally_json(detail.tally),
                      "final": detail.proposal.tally is not None}}


def decision_detail_json(detail: DecisionDetail) -> dict[str, Any]:
    """``sucre decision N --json``: the decision, what it replaced, the proposal and votes."""
    return {**decision_json(detail.decision),
            "supersedes": None if detail.supersedes is None else decision_json(detail.supersedes),
            "proposal": None if detail.proposal is None else proposal_detail_json(detail.proposal)}

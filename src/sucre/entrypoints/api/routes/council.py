"""Council decisions: the voted path (proposals, the member states' votes, adoption, the decision
log and what each decision changed) and the register's administrative path (allocations and
credit lines, member status, parameters recorded directly by the council's key).

Who may (see :mod:`sucre.domain.roles`): the council proposes and adopts; a delegate votes for
its own member state only (403 for another; an operator never votes: its authority may serve
several states); the council, the chamber, the auditor and delegates read proposals and
decisions."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from sucre import bootstrap, bounds
from sucre.domain import parameters
from sucre.domain.money import XSU, parse_amount
from sucre.domain.roles import Grant, Permission
from sucre.entrypoints.api.deps import IdempotentDep, UnitOfWorkDep, allowed
from sucre.entrypoints.api.errors import responses
from sucre.entrypoints.api.schemas.council import (
    AllocationIn,
    DecisionDetailOut,
    DecisionListOut,
    DecisionOut,
    MemberStatusIn,
    ParameterIn,
    ProposalDetailOut,
    ProposalIn,
    ProposalListOut,
    VoteIn,
    VoteOut,
)
from sucre.entrypoints.api.schemas.fields import IsoDate
from sucre.entrypoints.api.schemas.four_eyes import PendingActionOut
from sucre.service import access, council, four_eyes, registry, reports

router = APIRouter(prefix="/v1/council", tags=["council"])

Council = Annotated[Grant, Depends(allowed(Permission.DECIDE_PARAMETERS))]
Proposer = Annotated[Grant, Depends(allowed(Permission.PROPOSE_DECISIONS))]
Adopter = Annotated[Grant, Depends(allowed(Permission.ADOPT_DECISIONS))]
Voter = Annotated[Grant, Depends(allowed(Permission.VOTE))]
Reader = Annotated[Grant, Depends(allowed(Permission.READ_DECISIONS))]
_ERRORS = responses(400, 401, 403, 404, 409, 413, 422)
_READ_ERRORS = responses(401, 403, 404, 422)
ProposalId = Annotated[int, Path(ge=1, le=bounds.row_id_max, description="The proposal's id.")]
DecisionId = Annotated[int, Path(ge=1, le=bounds.row_id_max, description="The decision's id.")]


def _today() -> dt.date:
    return bootstrap.today() or dt.datetime.now(dt.UTC).date()


@router.post("/proposals", status_code=201, response_model=ProposalDetailOut,
             summary="Put a council decision to the member states' vote", responses=_ERRORS)
def propose(body: ProposalIn, caller: Proposer, db: UnitOfWorkDep,
            idempotent: IdempotentDep) -> Response:
    def action() -> tuple[int, ProposalDetailOut]:
        proposal = council.propose(db, body.kind, body.effective_date, body.reference,
                                   body.payload, proposed_by=council.api_actor(caller.principal))
        return 201, _detail(db, proposal.id)

    return idempotent.run(action)


def _detail(db: UnitOfWorkDep, proposal_id: int) -> ProposalDetailOut:
    return ProposalDetailOut.model_validate(council.proposal_detail_json(
        council.proposal_detail(db, proposal_id, _today())))


@router.post("/proposals/{proposal_id}/votes", status_code=201, response_model=VoteOut,
             summary="A member state's vote on a proposal (its delegate)", responses=_ERRORS)
def vote(proposal_id: ProposalId, body: VoteIn, caller: Voter, db: UnitOfWorkDep,
         idempotent: IdempotentDep) -> Response:
    """One vote per member state in good standing on the day it votes, never changed (a second
    one is 409); a delegate votes for its own member state only (403)."""

    def action() -> tuple[int, VoteOut]:
        cast = access.vote(db, caller, proposal_id, body.member, body.vote, _today())
        return 201, VoteOut.model_validate(council.vote_json(cast))

    return idempotent.run(action)


@router.post("/proposals/{proposal_id}/adopt", response_model=ProposalDetailOut,
             summary="Tally a proposal: adopt it, or close it as rejected", responses=_ERRORS)
def adopt(proposal_id: ProposalId, caller: Adopter, db: UnitOfWorkDep,
          idempotent: IdempotentDep) -> Response:
    """Adopted: the decision is recorded (``decision``) and applied from its effective date.
    Not adopted (no quorum, no majority, no consensus): ``state`` is ``rejected`` and nothing
    else changes. Both are answered 200; a proposal already closed is 409."""

    def action() -> tuple[int, ProposalDetailOut]:
        council.adopt(db, proposal_id, closed_by=council.api_actor(caller.principal),
                      day=_today())
        return 200, _detail(db, proposal_id)

    return idempotent.run(action)


@router.get("/proposals", response_model=ProposalListOut, summary="The proposals",
            responses=_READ_ERRORS)
def proposals(caller: Reader, db: UnitOfWorkDep) -> ProposalListOut:
    listed = council.proposal_list(db, bounds.decisions_listed_max)
    return ProposalListOut.model_validate(
        {"proposals": [council.proposal_json(p) for p in listed.proposals],
         "not_listed": listed.not_listed})


@router.get("/proposals/{proposal_id}", response_model=ProposalDetailOut,
            summary="A proposal, its votes and its tally", responses=_READ_ERRORS)
def proposal(proposal_id: ProposalId, caller: Reader, db: UnitOfWorkDep) -> ProposalDetailOut:
    return _detail(db, proposal_id)


@router.get("/decisions", response_model=DecisionListOut, summary="The council's decisions",
            responses=_READ_ERRORS)
def decisions(caller: Reader, db: UnitOfWorkDep,
              as_of: Annotated[IsoDate | None, Query(
                  description="Only those in force on this date (the last on each subject)."
              )] = None,
              kind: Annotated[str | None, Query(
                  min_length=1, max_length=32, pattern=r"^[a-z_]+$",
                  description="Only decisions of this kind.")] = None) -> DecisionListOut:
    report = reports.decisions_report(db, as_of=as_of, kind=kind)
    return DecisionListOut.model_validate(
        {"as_of": report.as_of, "kind": report.kind,
         "decisions": [council.decision_json(d) for d in report.decisions],
         "not_listed": report.not_listed})


@router.get("/decisions/{decision_id}", response_model=DecisionDetailOut,
            summary="A decision: what it changed, and its proposal, votes and tally",
            responses=_READ_ERRORS)
def decision(decision_id: DecisionId, caller: Reader, db: UnitOfWorkDep) -> DecisionDetailOut:
    return DecisionDetailOut.model_validate(
        council.decision_detail_json(council.decision_detail(db, decision_id)))


@router.post("/allocations", status_code=201, response_model=DecisionOut,
             summary="Allocate XSU and an FRCC credit line to a central bank",
             responses={**_ERRORS, 202: {"model": PendingActionOut, "description": (
                 "A limit raise above four_eyes_limit_raise_minor: proposed, pending a second "
                 "council key")}})
def allocate(body: AllocationIn, caller: Council, db: UnitOfWorkDep,
             idempotent: IdempotentDep) -> Response:
    """Takes effect for periods opening on or after the effective date. An allocation raising
    the authority's limit (allocation + credit line) by more than the council parameter
    `four_eyes_limit_raise_minor` is proposed instead (202, the pending action): a key of
    another council client approves it with `POST /v1/pending-actions/{id}/approve`."""

    def action() -> tuple[int, DecisionOut | PendingActionOut]:
        proposed = four_eyes.allocate(
            db, caller.principal, body.authority, body.effective_date,
            parse_amount(body.allocation, XSU, field="allocation", allow_zero=True),
            parse_amount(body.credit_line, XSU, field="credit_line", allow_zero=True),
            body.reference)
        if proposed is not None:
            return 202, PendingActionOut.of(proposed)
        return 201, DecisionOut(recorded="allocation", effective_date=body.effective_date,
                                reference=body.reference)

    return idempotent.run(action)


@router.post("/member-status", status_code=201, response_model=DecisionOut,
             summary="Suspend, reinstate or withdraw a member state", responses=_ERRORS)
def member_status(body: MemberStatusIn, caller: Council, db: UnitOfWorkDep,
                  idempotent: IdempotentDep) -> Response:
    def action() -> tuple[int, DecisionOut]:
        registry.change_member_status(db, body.member, body.status,
                                      effective_date=body.effective_date,
                                      reference=body.reference)
        return 201, DecisionOut(recorded="member_status", effective_date=body.effective_date,
                                reference=body.reference)

    return idempotent.run(action)


@router.post("/parameters", status_code=201, response_model=DecisionOut,
             summary="Set a council parameter from a date on", responses=_ERRORS,
             description=parameters.help_text().replace("\n", "\n\n"))
def parameter(body: ParameterIn, caller: Council, db: UnitOfWorkDep,
              idempotent: IdempotentDep) -> Response:
    def action() -> tuple[int, DecisionOut]:
        registry.set_parameter(db, body.name, body.value,
                               effective_date=body.effective_date, reference=body.reference)
        return 201, DecisionOut(recorded="parameter", effective_date=body.effective_date,
                                reference=body.reference)

    return idempotent.run(action)

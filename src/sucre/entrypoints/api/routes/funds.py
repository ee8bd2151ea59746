"""The ALBA Bank's joint funds: the council creates funds and approves projects; the chamber
(the bank's agent) records pledges, contributions and tranches; every role but the delegate
reads, an operator only the funds its member states take part in, with the totals whole and
only its own member states' lines and movements (:mod:`sucre.domain.roles`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Response

from sucre import bounds
from sucre.domain.roles import Grant, Permission
from sucre.entrypoints.api.deps import IdempotentDep, UnitOfWorkDep, allowed
from sucre.entrypoints.api.errors import responses
from sucre.entrypoints.api.schemas.fields import IsoDate
from sucre.entrypoints.api.schemas.funds import (
    DisbursementIn,
    FundIn,
    FundListOut,
    FundOut,
    FundReportOut,
    MemberMovementIn,
    MovementListOut,
    MovementOut,
    ProjectIn,
    ProjectOut,
)
from sucre.service import access, funds

router = APIRouter(prefix="/v1/funds", tags=["funds"])

Council = Annotated[Grant, Depends(allowed(Permission.DECIDE_FUNDS))]
Recorder = Annotated[Grant, Depends(allowed(Permission.RECORD_FUND_MOVEMENTS))]
Reader = Annotated[Grant, Depends(allowed(Permission.READ_FUNDS))]
_ERRORS = responses(400, 401, 403, 404, 409, 413, 422)
_READ_ERRORS = responses(401, 403, 404, 422)
FundId = Annotated[int, Path(ge=1, le=bounds.row_id_max, description="The fund's id.")]


@router.post("", status_code=201, response_model=FundOut, responses=_ERRORS,
             summary="Create a joint fund (a council decision)")
def create(body: FundIn, caller: Council, db: UnitOfWorkDep,
           idempotent: IdempotentDep) -> Response:
    """The same fund again (same name and content) answers the fund recorded first; another
    fund of that name is 409."""

    def action() -> tuple[int, FundOut]:
        fund = funds.create_fund(db, body.name, body.purpose, body.target,
                                 currency=body.currency, effective_date=body.effective_date,
                                 reference=body.reference)
        return 201, FundOut.model_validate(funds.fund_json(fund))

    return idempotent.run(action)


@router.post("/{fund_id}/projects", status_code=201, response_model=ProjectOut,
             responses=_ERRORS, summary="Approve a project against a fund (a council decision)")
def approve(fund_id: FundId, body: ProjectIn, caller: Council, db: UnitOfWorkDep,
            idempotent: IdempotentDep) -> Response:
    """Refused when the fund's approved budgets would exceed what members pledged (409), or
    when the beneficiary is not an active member on the effective date (422)."""

    def action() -> tuple[int, ProjectOut]:
        project = funds.approve_project(db, fund_id, body.name, body.beneficiary, body.budget,
                                        effective_date=body.effective_date,
                                        reference=body.reference)
        fund = funds.fund_report(db, fund_id).fund
        return 201, ProjectOut.model_validate(funds.project_json(project, fund))

    return idempotent.run(action)


def _movement(db: UnitOfWorkDep, fund_id: int, recorded: funds.Recorded
              ) -> tuple[int, MovementOut]:
    fund = funds.fund_report(db, fund_id).fund
    return (200 if recorded.replayed else 201), MovementOut.model_validate(
        funds.movement_json(recorded.movement, fund, replayed=recorded.replayed))


@router.post("/{fund_id}/subscriptions", status_code=201, response_model=MovementOut,
             responses=_ERRORS, summary="A member state's pledge (or its raise)")
def subscribe(fund_id: FundId, body: MemberMovementIn, caller: Recorder, db: UnitOfWorkDep,
              idempotent: IdempotentDep) -> Response:
    """A pledge adds to the member's pledge; pledges never exceed the fund's target (409); a
    suspended or withdrawn member pledges nothing (422)."""
    return idempotent.run(lambda: _movement(db, fund_id, funds.subscribe(
        db, fund_id, body.member, body.amount, value_date=body.value_date,
        reference=body.reference)))


@router.post("/{fund_id}/contributions", status_code=201, response_model=MovementOut,
             responses=_ERRORS, summary="A member state's payment into the fund")
def contribute(fund_id: FundId, body: MemberMovementIn, caller: Recorder, db: UnitOfWorkDep,
               idempotent: IdempotentDep) -> Response:
    """Within the member's outstanding pledge (beyond it: 409); a withdrawn member pays
    nothing in (422, AC04)."""
    return idempotent.run(lambda: _movement(db, fund_id, funds.contribute(
        db, fund_id, body.member, body.amount, value_date=body.value_date,
        reference=body.reference)))


@router.post("/{fund_id}/disbursements", status_code=201, response_model=MovementOut,
             responses=_ERRORS, summary="A tranche to an approved project")
def disburse(fund_id: FundId, body: DisbursementIn, caller: Recorder, db: UnitOfWorkDep,
             idempotent: IdempotentDep) -> Response:
    """Refused (422, AM04) beyond the fund's balance or the project's remaining budget, and
    (422, AG01/AC04) when the beneficiary is suspended or withdrawn on the value date."""
    return idempotent.run(lambda: _movement(db, fund_id, funds.disburse(
        db, fund_id, body.project, body.amount, value_date=body.value_date,
        reference=body.reference)))


@router.get("", response_model=FundListOut, responses=_READ_ERRORS, summary="The funds")
def fund_list(caller: Reader, db: UnitOfWorkDep) -> FundListOut:
    listed, members = access.fund_list(db, caller)
    shown = listed[:bounds.funds_listed_max]
    return FundListOut.model_validate(
        {"funds": [funds.report_json(f, members=members) for f in shown],
         "not_listed": len(listed) - len(shown)})


@router.get("/{fund_id}", response_model=FundReportOut, responses=_READ_ERRORS,
            summary="A fund's report: pledged, paid in, committed, disbursed, available")
def report(fund_id: FundId, caller: Reader, db: UnitOfWorkDep,
           as_of: Annotated[IsoDate | None, Query(
               description="Only the records dated on or before this date.")] = None
           ) -> FundReportOut:
    figures, members = access.fund_report(db, caller, fund_id, as_of)
    return FundReportOut.model_validate(funds.report_json(figures, members=members))


@router.get("/{fund_id}/movements", response_model=MovementListOut, responses=_READ_ERRORS,
            summary="A fund's movements, each with its journal entry")
def movements(fund_id: FundId, caller: Reader, db: UnitOfWorkDep) -> MovementListOut:
    fund, listed, members = access.fund_movements(db, caller, fund_id)
    document: dict[str, Any] = {
        "fund": funds.fund_json(fund),
        "movements": [funds.movement_json(m, fund)
                      for m in listed[:bounds.fund_movements_listed_max]],
        "limited_to": None if members is None else sorted(members)}
    return MovementListOut.model_validate(document)

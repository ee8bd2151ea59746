"""Council decisions: allocations and credit lines, member status, parameters."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Response

from sucre.domain import parameters
from sucre.domain.money import XSU, parse_amount
from sucre.domain.roles import Grant, Permission
from sucre.entrypoints.api.deps import IdempotentDep, UnitOfWorkDep, allowed
from sucre.entrypoints.api.errors import responses
from sucre.entrypoints.api.schemas.council import (
    AllocationIn,
    DecisionOut,
    MemberStatusIn,
    ParameterIn,
)
from sucre.entrypoints.api.schemas.four_eyes import PendingActionOut
from sucre.service import four_eyes, registry

router = APIRouter(prefix="/v1/council", tags=["council"])

Council = Annotated[Grant, Depends(allowed(Permission.DECIDE_PARAMETERS))]
_ERRORS = responses(400, 401, 403, 404, 409, 413, 422)


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

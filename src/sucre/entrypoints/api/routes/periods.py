"""Clearing periods and positions: list, close (the chamber), settlement reports, live positions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from sucre import bootstrap
from sucre.domain.roles import Grant, Permission
from sucre.entrypoints.api.deps import IdempotentDep, UnitOfWorkDep, allowed
from sucre.entrypoints.api.errors import responses
from sucre.entrypoints.api.schemas.four_eyes import PendingActionOut
from sucre.entrypoints.api.schemas.periods import (
    CloseIn,
    PeriodOut,
    PositionsOut,
    SettlementReportOut,
)
from sucre.entrypoints.api.schemas.settle_out import SettleOutOut
from sucre.service import access, closing, four_eyes, settle_out

router = APIRouter(tags=["periods and positions"])

PeriodCode = Annotated[str, Path(max_length=16, pattern=r"^[A-Za-z0-9-]+$",
                                 description="Period code, e.g. 2026-H2.")]
Closer = Annotated[Grant, Depends(allowed(Permission.CLOSE_PERIODS))]
SettlementReader = Annotated[Grant, Depends(allowed(Permission.READ_SETTLEMENTS))]


@router.get("/v1/positions", response_model=PositionsOut, summary="Positions in a period",
            responses=responses(401, 403, 404, 422))
def positions(caller: Annotated[Grant, Depends(allowed(Permission.READ_POSITIONS))],
              db: UnitOfWorkDep,
              period: Annotated[str | None, Query(
                  max_length=16, description="Period code (default: the open period).")] = None
              ) -> PositionsOut:
    """Limit, posted net, reservations and headroom per authority (an operator sees its own)."""
    return PositionsOut.of(access.positions(db, caller, period))


@router.get("/v1/periods", response_model=list[PeriodOut], summary="Clearing periods",
            responses=responses(401, 403, 422))
def periods(caller: Annotated[Grant, Depends(allowed(Permission.READ_PERIODS))],
            db: UnitOfWorkDep) -> list[PeriodOut]:
    return [PeriodOut.of(p) for p in access.periods(db, caller)]


@router.post("/v1/periods/{code}/close", status_code=202, response_model=PendingActionOut,
             summary="Propose closing a period (the chamber; four eyes)",
             responses=responses(400, 401, 403, 404, 409, 413, 422))
def close_period(code: PeriodCode, caller: Closer, db: UnitOfWorkDep,
                 idempotent: IdempotentDep, body: CloseIn | None = None) -> Response:
    """Proposes the close (cut-off, posting, multilateral netting and settlement): 202 with the
    pending action. A key of another chamber client approves it with
    `POST /v1/pending-actions/{id}/approve`, which runs the close and answers its settlement
    report (what this route answered before four eyes); closing a period opens the next one.
    The same close proposed again by the same client (same period and options, e.g. under a
    new Idempotency-Key after a lost answer) answers its action as it is now, pending or
    approved. Otherwise refused at once when the close would be (a period settled, or not ended
    without `early_reference`), and while the period's close is already proposed (409)."""
    request = body or CloseIn()

    def action() -> tuple[int, PendingActionOut]:
        proposed = four_eyes.propose_close(db, caller.principal, code,
                                           finance_deficits=request.finance_deficits,
                                           early_reference=request.early_reference,
                                           as_of=bootstrap.today())
        return 202, PendingActionOut.of(proposed)

    return idempotent.run(action)


@router.get("/v1/periods/{code}/settlement", response_model=SettlementReportOut,
            summary="The settlement report of a settled period",
            responses=responses(401, 403, 404, 409, 422))
def settlement(code: PeriodCode, caller: SettlementReader, db: UnitOfWorkDep
               ) -> SettlementReportOut:
    """409 while the period is not settled yet."""
    return SettlementReportOut.of(closing.stored_report(db, code))


@router.get("/v1/members/{member}/settle-out", response_model=SettleOutOut,
            summary="A member's settle-out: what its period's close settled, what is carried",
            responses=responses(401, 403, 404, 409, 422))
def member_settle_out(member: Annotated[str, Path(max_length=3, pattern=r"^[A-Za-z]{3}$",
                                                  description="ISO 3166 alpha-3, e.g. VCT.")],
                      caller: SettlementReader, db: UnitOfWorkDep,
                      period: Annotated[str | None, Query(
                          max_length=16, description="Period code (default: the period its "
                                                     "withdrawal took effect in).")] = None
                      ) -> SettleOutOut:
    """Its flows, its authority's net position (a shared authority's members listed), the
    instructions that settle it with their status, the loan financing it (FRCC), and what is
    carried as a claim; it balances to the minor unit. 409 while the period is not settled."""
    return SettleOutOut.of(settle_out.settle_out(db, member, period))

"""Clearing periods and positions: list, close (the chamber), settlement reports, live positions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from sucre import bootstrap
from sucre.domain.roles import Grant, Permission
from sucre.entrypoints.api.deps import IdempotentDep, UnitOfWorkDep, allowed
from sucre.entrypoints.api.errors import responses
from sucre.entrypoints.api.schemas.periods import (
    CloseIn,
    PeriodOut,
    PositionsOut,
    SettlementReportOut,
)
from sucre.service import access, closing

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


@router.post("/v1/periods/{code}/close", response_model=SettlementReportOut,
             summary="Close and settle a period (the chamber)",
             responses=responses(400, 401, 403, 404, 409, 413, 422))
def close_period(code: PeriodCode, caller: Closer, db: UnitOfWorkDep,
                 idempotent: IdempotentDep, body: CloseIn | None = None) -> Response:
    """Cut-off, posting, multilateral netting and settlement; resumes an interrupted close.
    Closing a period opens the next one."""
    request = body or CloseIn()

    def action() -> tuple[int, SettlementReportOut]:
        settled = closing.close_period(db, code, finance_deficits=request.finance_deficits,
                                       as_of=bootstrap.today(),
                                       early_reference=request.early_reference)
        return 200, SettlementReportOut.of(settled)

    return idempotent.run(action)


@router.get("/v1/periods/{code}/settlement", response_model=SettlementReportOut,
            summary="The settlement report of a settled period",
            responses=responses(401, 403, 404, 409, 422))
def settlement(code: PeriodCode, caller: SettlementReader, db: UnitOfWorkDep
               ) -> SettlementReportOut:
    """409 while the period is not settled yet."""
    return SettlementReportOut.of(closing.stored_report(db, code))

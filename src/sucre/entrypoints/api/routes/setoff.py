"""Set-off of trade invoices: stored invoices, recorded runs, residuals, and a stateless solve.

Who may (see :mod:`sucre.domain.roles`): an operator stores invoices naming its authority's
member states, the chamber any; the chamber records runs and pays residuals; every role reads the
runs (an operator sees only the clearings of its member states' invoices) and may solve a
stateless set-off.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from sucre import bounds
from sucre.domain.roles import Grant, Permission
from sucre.entrypoints.api.deps import IdempotentDep, UnitOfWorkDep, allowed
from sucre.entrypoints.api.errors import responses
from sucre.entrypoints.api.schemas.setoff import (
    InvoiceBatchIn,
    InvoiceBatchOut,
    ResidualOrdersOut,
    ResidualsIn,
    SetoffIn,
    SetoffOut,
    SetoffRunDetailOut,
    SetoffRunIn,
    SetoffRunListOut,
    SetoffRunOut,
)
from sucre.service import access, setoff_runs

router = APIRouter(tags=["set-off"])

RunId = Annotated[int, Path(ge=1, le=bounds.row_id_max,
                              description="The set-off run's id.")]
InvoiceSubmitter = Annotated[Grant, Depends(allowed(Permission.SUBMIT_INVOICES))]
Runner = Annotated[Grant, Depends(allowed(Permission.RUN_SETOFF))]
ResidualPayer = Annotated[Grant, Depends(allowed(Permission.PAY_RESIDUALS))]
RunReader = Annotated[Grant, Depends(allowed(Permission.READ_SETOFF_RUNS))]
Solver = Annotated[Grant, Depends(allowed(Permission.COMPUTE_SETOFF))]


@router.post("/v1/invoices", response_model=InvoiceBatchOut,
             summary="Store a batch of unpaid trade invoices",
             responses=responses(400, 401, 403, 404, 409, 413, 422))
def submit_invoices(body: InvoiceBatchIn, caller: InvoiceSubmitter, db: UnitOfWorkDep,
                    idempotent: IdempotentDep) -> Response:
    """Up to ``api_batch_invoices_max`` invoices, stored all or nothing. An id already stored
    with the same debtor, creditor, amount and currency is skipped (``already_known``); with
    another body it is refused (409). An operator stores only invoices naming both member
    states, one of them served by its authority (403 otherwise); an unknown member state is
    404."""

    def action() -> tuple[int, InvoiceBatchOut]:
        stored, known = access.store_invoices(db, caller, body.to_invoices())
        return 200, InvoiceBatchOut(stored=stored, already_known=known)

    return idempotent.run(action)


@router.post("/v1/invoices/residual-orders", response_model=ResidualOrdersOut,
             summary="Pay what remains of cross-border invoices through the chamber",
             responses=responses(400, 401, 403, 409, 413, 422))
def pay_residuals(body: ResidualsIn, caller: ResidualPayer, db: UnitOfWorkDep,
                  idempotent: IdempotentDep) -> Response:
    """Each open invoice with goods data between members served by two different authorities
    becomes a payment order (key ``INV-<invoice id>``) for its remaining amount, paid by the
    importer's central bank; each invoice is paid once."""

    def action() -> tuple[int, ResidualOrdersOut]:
        report = access.pay_residuals(db, caller, body.value_date)
        return 200, ResidualOrdersOut.model_validate(report)

    return idempotent.run(action)


@router.post("/v1/setoff-runs", status_code=201, response_model=SetoffRunOut,
             summary="Record an optimal set-off of every open stored invoice (the chamber)",
             responses=responses(400, 401, 403, 409, 413, 422))
def run_setoff(body: SetoffRunIn, caller: Runner, db: UnitOfWorkDep,
               idempotent: IdempotentDep) -> Response:
    """Values every open invoice in XSU at the value date's published rates, clears as much
    as possible without changing any net position, proves it optimal, and records the run and
    the reduced balances in one transaction. 422 when no invoice is open or no rate is
    published for the day."""

    def action() -> tuple[int, SetoffRunOut]:
        return 201, SetoffRunOut.of(setoff_runs.run_setoff(db, body.value_date))

    return idempotent.run(action)


@router.get("/v1/setoff-runs", response_model=SetoffRunListOut, summary="Recorded set-off runs",
            responses=responses(401, 403, 422))
def list_runs(caller: RunReader, db: UnitOfWorkDep) -> SetoffRunListOut:
    return SetoffRunListOut.of(access.setoff_runs_list(db, caller))


@router.get("/v1/setoff-runs/{run_id}", response_model=SetoffRunDetailOut,
            summary="One recorded set-off run and a page of its clearings",
            responses=responses(401, 403, 404, 422))
def get_run(
    run_id: RunId, caller: RunReader, db: UnitOfWorkDep,
    limit: Annotated[int, Query(ge=1, le=bounds.api_page_clearings_max)] = (
        bounds.api_page_clearings_default),
    offset: Annotated[int, Query(ge=0, le=bounds.setoff_invoices_max)] = 0,
) -> SetoffRunDetailOut:
    """The run's summary and table per member state (bloc-wide, for every role), then
    ``limit`` clearings from ``offset`` in invoice order. An operator's clearings are only those
    of invoices whose debtor or creditor member state its authority serves
    (``clearings_members``)."""
    return SetoffRunDetailOut.of_detail(
        access.setoff_run(db, caller, run_id, limit=limit, offset=offset))


@router.post("/v1/setoff", response_model=SetoffOut,
             summary="Solve a set-off of the invoices sent (nothing is stored)",
             responses=responses(400, 401, 403, 413, 422))
def compute_setoff(body: SetoffIn, caller: Solver, db: UnitOfWorkDep) -> SetoffOut:
    """The optimal multilateral set-off of up to ``api_setoff_invoices_max`` invoices, proven
    by its certificate: the document of ``sucre setoff --json`` plus each invoice's cleared and
    remaining amounts. Currencies other than XSU are compared at ``rates`` or at the XSU rates
    published for ``value_date``. Changes nothing, so it takes no Idempotency-Key."""
    document = setoff_runs.compute_setoff(db, body.to_invoices(), rates=body.to_rates(),
                                          value_date=body.value_date)
    return SetoffOut.model_validate(document)

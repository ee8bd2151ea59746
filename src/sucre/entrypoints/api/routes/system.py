"""Health (unauthenticated) and the no-op endpoint that measures the framework's ceiling."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import text

from sucre.domain.roles import Grant, Permission
from sucre.entrypoints.api.deps import EngineDep, allowed
from sucre.entrypoints.api.errors import ErrorBody, responses, unavailable_response
from sucre.entrypoints.api.schemas.orders import PaymentOrderIn
from sucre.entrypoints.api.schemas.system import HealthOut, NoopOut

router = APIRouter(tags=["system"])


@router.get("/health", response_model=HealthOut, summary="Liveness and database reachability",
            responses={**responses(422),
                       503: {"model": ErrorBody, "description": "The database does not answer."}})
def health(db: EngineDep) -> HealthOut | JSONResponse:
    """The only unauthenticated endpoint."""
    try:
        with db.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # any database failure means "not healthy"
        return unavailable_response()
    return HealthOut(status="ok")


@router.post("/v1/noop", response_model=NoopOut, summary="No-op (framework ceiling)",
             responses=responses(400, 401, 403, 413, 422))
def noop(body: PaymentOrderIn,
         caller: Annotated[Grant, Depends(allowed(Permission.PING))]) -> NoopOut:
    """Authenticates, bounds, logs and validates a payment-order body like a submission, then
    does nothing: the ceiling a single-order submission is measured against."""
    return NoopOut(ok=True, client=caller.principal.name)

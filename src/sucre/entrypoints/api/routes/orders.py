"""Payment orders: submit one or a batch, read, list, and the receiving side's decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from sucre import bounds
from sucre.domain.orders import OrderStatus
from sucre.domain.roles import Grant, Permission
from sucre.entrypoints.api.deps import IdempotentDep, UnitOfWorkDep, allowed
from sucre.entrypoints.api.errors import responses
from sucre.entrypoints.api.schemas.orders import (
    OrderBatchIn,
    OrderBatchOut,
    OrderOutcomeOut,
    OrderPageOut,
    PaymentOrderIn,
    PaymentOrderOut,
    RejectIn,
)
from sucre.service import access
from sucre.service.reports import OrderFilter, Side

router = APIRouter(prefix="/v1/payment-orders", tags=["payment orders"])

OrderId = Annotated[int, Path(ge=1, le=bounds.row_id_max,
                                description="The order's id.")]
Submitter = Annotated[Grant, Depends(allowed(Permission.SUBMIT_ORDERS))]
Decider = Annotated[Grant, Depends(allowed(Permission.DECIDE_ORDERS))]
Reader = Annotated[Grant, Depends(allowed(Permission.READ_ORDERS))]

_REPLAYED = {"model": OrderOutcomeOut,
             "description": "This order_key was already submitted with this same order: its "
                            "original outcome (replayed: true)."}


@router.post("", status_code=201, response_model=OrderOutcomeOut,
             summary="Submit one payment order",
             responses={200: _REPLAYED, **responses(400, 401, 403, 404, 409, 413, 422)})
def submit_order(body: PaymentOrderIn, caller: Submitter, db: UnitOfWorkDep,
                 idempotent: IdempotentDep) -> Response:
    """Validate, limit-check and reserve one order. An order over the debtor's limit is written
    as ``rejected`` with reason AM04 (201): an order that failed stays failed."""

    def action() -> tuple[int, OrderOutcomeOut]:
        outcome = access.submit(db, caller, body.to_request())
        return (200 if outcome.replayed else 201), OrderOutcomeOut.of(outcome)

    return idempotent.run(action)


@router.post("/batch", response_model=OrderBatchOut, summary="Submit a batch of payment orders",
             responses=responses(400, 401, 403, 413, 422))
def submit_batch(body: OrderBatchIn, caller: Submitter, db: UnitOfWorkDep,
                 idempotent: IdempotentDep) -> Response:
    """Up to ``api_batch_orders_max`` orders in one atomic import batch. Each order gets its own
    outcome: written (accepted, rejected for the limit, or replayed) or invalid and not written."""

    def action() -> tuple[int, OrderBatchOut]:
        items = access.submit_batch(db, caller, [o.to_request() for o in body.orders])
        return 200, OrderBatchOut.of(items)

    return idempotent.run(action)


@router.get("/{order_id}", response_model=PaymentOrderOut, summary="Read one payment order",
            responses=responses(401, 403, 404, 422))
def get_order(order_id: OrderId, caller: Reader, db: UnitOfWorkDep) -> PaymentOrderOut:
    """An operator sees the orders of its own authority, as debtor or creditor; any other order
    answers 404."""
    return PaymentOrderOut.of(access.order(db, caller, order_id))


@router.get("", response_model=OrderPageOut, summary="List payment orders",
            responses=responses(401, 403, 404, 422))
def list_orders(
    caller: Reader, db: UnitOfWorkDep,
    period: Annotated[str | None, Query(max_length=16, description="Period code.")] = None,
    status: Annotated[OrderStatus | None, Query()] = None,
    authority: Annotated[str | None, Query(
        max_length=12, description="Orders where this authority is debtor or creditor (an "
        "operator may only name its own).")] = None,
    side: Annotated[Side | None, Query(
        description="With an authority (an operator's own by default): only orders where it "
        "is the debtor, or the creditor.")] = None,
    after: Annotated[int, Query(ge=0, le=bounds.row_id_max,
                                description="Cursor: the next_after of the "
                                "previous page.")] = 0,
    limit: Annotated[int, Query(ge=1, le=bounds.api_page_orders_max)] = (
        bounds.api_page_orders_default),
) -> OrderPageOut:
    """Orders in id order, ``limit`` at a time; follow ``next_after`` for the next page."""
    page, next_after = access.orders(db, caller, OrderFilter(
        period=period, status=status, authority=authority, side=side, after_id=after,
        limit=limit))
    return OrderPageOut(items=[PaymentOrderOut.of(o) for o in page],
                        next_after=next_after)


@router.post("/{order_id}/accept", response_model=OrderOutcomeOut,
             summary="Accept an order addressed to your authority",
             responses=responses(400, 401, 403, 404, 409, 413, 422))
def accept_order(order_id: OrderId, caller: Decider, db: UnitOfWorkDep,
                 idempotent: IdempotentDep) -> Response:
    """The receiving authority confirms an accepted order: it is posted to its period."""

    def action() -> tuple[int, OrderOutcomeOut]:
        outcome = access.decide(db, caller, order_id, accept=True)
        return 200, OrderOutcomeOut.of(outcome)

    return idempotent.run(action)


@router.post("/{order_id}/reject", response_model=OrderOutcomeOut,
             summary="Reject an order addressed to your authority",
             responses=responses(400, 401, 403, 404, 409, 413, 422))
def reject_order(order_id: OrderId, caller: Decider, db: UnitOfWorkDep,
                 idempotent: IdempotentDep, body: RejectIn | None = None) -> Response:
    """The receiving authority rejects an accepted order: its reservation is released."""
    reason_code = (body or RejectIn()).reason_code

    def action() -> tuple[int, OrderOutcomeOut]:
        outcome = access.decide(db, caller, order_id, accept=False, reason_code=reason_code)
        return 200, OrderOutcomeOut.of(outcome)

    return idempotent.run(action)

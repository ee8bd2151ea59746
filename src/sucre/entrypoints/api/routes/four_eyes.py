"""Four eyes: the actions proposed by one key, approved (and run) by another of the same role."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from sucre import bootstrap
from sucre.domain.roles import Grant, Permission
from sucre.entrypoints.api.deps import IdempotentDep, UnitOfWorkDep, allowed
from sucre.entrypoints.api.errors import responses
from sucre.entrypoints.api.schemas.four_eyes import ApprovalOut, PendingActionOut
from sucre.service import four_eyes

router = APIRouter(prefix="/v1/pending-actions", tags=["four eyes"])

ActionId = Annotated[int, Path(ge=1, le=2**62, description="The pending action's id.")]


@router.get("", response_model=list[PendingActionOut], summary="Proposed actions",
            responses=responses(401, 403, 422))
def pending_actions(caller: Annotated[Grant, Depends(allowed(Permission.READ_PENDING_ACTIONS))],
                    db: UnitOfWorkDep) -> list[PendingActionOut]:
    """Every proposed action, oldest first: pending ones await a second key of their role."""
    return [PendingActionOut.of(a) for a in four_eyes.actions(db)]


@router.post("/{action_id}/approve", response_model=ApprovalOut,
             summary="Approve a proposed action with a second key, and run it",
             responses=responses(400, 401, 403, 404, 409, 413, 422))
def approve(action_id: ActionId,
            caller: Annotated[Grant, Depends(allowed(Permission.APPROVE_ACTIONS))],
            db: UnitOfWorkDep, idempotent: IdempotentDep) -> Response:
    """A key of another client of the proposer's role approves: the close runs (its settlement
    report is answered) or the allocation is recorded. The proposer's own key, another key of
    its client, or a key of another role is refused (403). An action already approved is
    answered again to the client that approved it (its settlement, from the stored report: run
    once) and is 409 for anyone else; an action refused when it runs (e.g. a period not yet
    ended) is 409 and stays pending."""

    def action() -> tuple[int, ApprovalOut]:
        approved = four_eyes.approve(db, caller.principal, action_id, as_of=bootstrap.today())
        return 200, ApprovalOut.of(approved)

    return idempotent.run(action)

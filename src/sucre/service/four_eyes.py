"""Four eyes on consequential actions: propose with one key, approve (and run) with another.

The rule of who may propose and approve is :mod:`sucre.domain.four_eyes`; this module is the
only way the API and the CLI reach the actions it guards:

* :func:`propose_close` records a period's close as a pending action (the old
  ``POST /v1/periods/{code}/close`` and ``sucre close-period`` now propose);
* :func:`allocate` records an allocation at once when it raises the authority's limit by no
  more than the council parameter ``four_eyes_limit_raise_minor`` (in force on its effective
  date), and as a pending action when it raises it by more;
* :func:`propose_buyback` records a PetroCaribe buy-back (:func:`sucre.service.petrocaribe.buyback`)
  as a pending action, once a dry run shows it would be accepted;
* :func:`approve` checks the approver (:func:`sucre.domain.four_eyes.check_approver`) and runs
  the action in the same transaction, so an approval either runs the action and is recorded, or
  leaves the proposal pending (an action refused when it runs, e.g. a period not yet ended,
  stays pending for a later approval). The allocation decision a raise records names both keys'
  holders in its payload (``approved_by``: proposer, approver).

The entrypoints never call :func:`sucre.service.closing.close_period`,
:func:`sucre.service.registry.set_allocation` or :func:`sucre.service.petrocaribe.buyback`
themselves (``tests/service/test_four_eyes.py``
checks it), so four eyes cannot be bypassed through the API or the CLI. The demo
(:mod:`sucre.service.demo`) runs the council and the chamber in one process on a database of its
own, and calls them directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sucre.adapters.db.engine import retry_transient
from sucre.domain import parameters
from sucre.domain.confirmations import SettledPeriod
from sucre.domain.decisions import Allocation, decision_reference
from sucre.domain.errors import InvalidState, NotAuthenticated, NotFound, UnknownParty, invariant
from sucre.domain.four_eyes import (
    ActionKind,
    ActionState,
    Actor,
    BuyBack,
    ClosePeriod,
    LimitRaise,
    Payload,
    PendingAction,
    check_approver,
    check_proposer,
    needs_second_key,
    repeats_approval,
    repeats_proposal,
)
from sucre.domain.members import authority_code
from sucre.domain.roles import Principal
from sucre.service import closing, petrocaribe, registry
from sucre.service.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Approved:
    """An approved action, and what running it produced (a close: its settlement)."""

    action: PendingAction
    settled: SettledPeriod | None = None


@retry_transient
def propose_close(uow: UnitOfWork, principal: Principal, code: str, *,
                  finance_deficits: bool | None = None, early_reference: str | None = None,
                  as_of: dt.date | None) -> PendingAction:
    """Propose closing period ``code`` (a chamber key); another chamber key approves it.

    The same client proposing the same close again (same period and options) gets the action
    it proposed, pending or already approved (a re-run after a lost answer). Otherwise refused
    at once when the close would be (unknown or settled period; one that has not ended without
    an early-close decision's reference) and when the close of that period is already proposed
    (its pending action is named: approve it).
    """
    check_proposer(principal, ActionKind.CLOSE_PERIOD)
    reference = (None if early_reference is None or not early_reference.strip()
                 else decision_reference(early_reference))
    with uow:
        wanted = ClosePeriod(code, finance_deficits, reference)
        for earlier in reversed(uow.pending_actions.listed(state=None)):
            if repeats_proposal(earlier, principal, wanted):
                return earlier
        period = closing.closable(uow, code, as_of=as_of, early_reference=reference)
        for other in uow.pending_actions.listed(state=ActionState.PENDING):
            if isinstance(other.payload, ClosePeriod) and other.payload.period == period.code:
                raise InvalidState(
                    f"the close of {period.code} is already proposed by "
                    f"{other.proposed_by.name}: pending action {other.id}, which another "
                    "chamber key approves", field="period")
        action = uow.pending_actions.add(ClosePeriod(period.code, finance_deficits, reference),
                                         Actor.of(principal))
        uow.commit()
    return action


@retry_transient
def allocate(uow: UnitOfWork, principal: Principal | None, authority: str,
             effective_date: dt.date, allocation_minor: int, credit_line_minor: int,
             reference: str) -> PendingAction | None:
    """The council allocates (:func:`sucre.service.registry.set_allocation`), or proposes the
    allocation when it is a limit raise above ``four_eyes_limit_raise_minor``: then the pending
    action is returned, and a second council key approves it. ``principal`` is the proposing
    key's holder; None (the CLI without a key) is refused for such a raise."""
    new = Allocation(allocation_minor, credit_line_minor)
    code = authority_code(authority)
    with uow:
        authority_id = uow.members.authority_ids().get(code)
        if authority_id is None:
            raise UnknownParty(f"no monetary authority {authority}", field="authority")
        previous = uow.decisions.allocation_in_force(authority_id, effective_date)
        threshold = uow.decisions.parameter_value(parameters.FOUR_EYES_LIMIT_RAISE_MINOR,
                                                  effective_date)
        if not needs_second_key(previous, new, threshold):
            registry.set_allocation(uow, code, effective_date, allocation_minor,
                                    credit_line_minor, reference)
            uow.commit()
            return None
        payload = LimitRaise(code, effective_date, new, decision_reference(reference), previous)
        if principal is None:
            raise NotAuthenticated(
                f"this allocation raises {code}'s limit by {payload.raise_minor} XSU minor "
                f"units, more than four_eyes_limit_raise_minor ({threshold}): a council key "
                "proposes it (SUCRE_API_KEY) and another council key approves it")
        check_proposer(principal, ActionKind.LIMIT_RAISE)
        action = uow.pending_actions.add(payload, Actor.of(principal))
        uow.commit()
    return action


@retry_transient
def approve(uow: UnitOfWork, principal: Principal, action_id: int, *,
            as_of: dt.date | None) -> Approved:
    """Approve pending action ``action_id`` with a second key, and run it (one transaction).

    Asked again by the client that approved it, the approval is answered again (the action and,
    for a close, its stored settlement report), and nothing runs twice."""
    with uow:
        action = uow.pending_actions.by_id(action_id, lock=True)
        if action is None:
            raise NotFound(f"no pending action {action_id}", field="action")
        if repeats_approval(action, principal):
            return Approved(action, _recorded(uow, action.payload))
        check_approver(action, principal)
        settled = _run(uow, action, Actor.of(principal), as_of)
        uow.pending_actions.approve(action.id, Actor.of(principal))
        approved = uow.pending_actions.by_id(action.id)
        invariant(approved is not None and approved.state is ActionState.APPROVED,
                  "an approved action reads back approved")
        assert approved is not None
        uow.commit()
    return Approved(approved, settled)


@retry_transient
def propose_buyback(uow: UnitOfWork, principal: Principal, payload: Mapping[str, Any],
                    effective_date: dt.date, reference: str) -> PendingAction:
    """Propose a PetroCaribe buy-back (a council key); another council key approves and runs
    it (:func:`sucre.service.petrocaribe.buyback`). Refused at once when it would be."""
    check_proposer(principal, ActionKind.BUYBACK)
    action = BuyBack(dict(payload), effective_date, decision_reference(reference))
    with uow:
        with uow:  # a dry run, undone: the buy-back would be accepted today
            petrocaribe.buyback(uow, action.payload, effective_date, action.reference)
        proposed = uow.pending_actions.add(action, Actor.of(principal))
        uow.commit()
    return proposed


def _run(uow: UnitOfWork, action: PendingAction, approver: Actor, as_of: dt.date | None
         ) -> SettledPeriod | None:
    payload = action.payload
    if isinstance(payload, ClosePeriod):
        return closing.close_period(uow, payload.period,
                                    finance_deficits=payload.finance_deficits, as_of=as_of,
                                    early_reference=payload.early_reference)
    if isinstance(payload, BuyBack):
        petrocaribe.buyback(uow, payload.payload, payload.effective_date, payload.reference)
        return None
    # The decision names both keys' holders: who proposed the raise and who approved it.
    registry.set_allocation(uow, payload.authority, payload.effective_date,
                            payload.allocation.allocation_minor,
                            payload.allocation.credit_line_minor, payload.reference,
                            approved_by=(action.proposed_by.name, approver.name))
    return None


def _recorded(uow: UnitOfWork, payload: Payload) -> SettledPeriod | None:
    """What running an approved action recorded, as its approval answered it."""
    if isinstance(payload, ClosePeriod):
        return closing.stored_report(uow, payload.period)
    return None


def action_json(action: PendingAction) -> dict[str, Any]:
    """A pending action as ``sucre pending --json`` and the API print it."""

    def actor(who: Actor | None) -> dict[str, str] | None:
        return None if who is None else {"client": who.name, "role": who.role.value,
                                         "key_id": who.key_id}

    return {"id": action.id, "kind": action.kind.value, "state": action.state.value,
            "payload": action.payload.as_json(), "proposed_by": actor(action.proposed_by),
            "created_at": action.created_at.isoformat(),
            "approved_by": actor(action.approved_by),
            "approved_at": None if action.approved_at is None else action.approved_at.isoformat(),
            "approve": f"/v1/pending-actions/{action.id}/approve"}


def actions(uow: UnitOfWork, *, state: ActionState | None = None) -> list[PendingAction]:
    """The proposed actions (in ``state``), oldest first."""
    with uow:
        return uow.pending_actions.listed(state=state)

"""Four eyes on consequential actions: one key proposes, a different key of the same role approves.

Consequential actions (issue 11; DOMAIN.md section 8) are, today:

=============  =========  =================================================================
kind           role       what the approval runs
=============  =========  =================================================================
close_period   chamber    the close of a period (:func:`sucre.service.closing.close_period`)
limit_raise    council    an allocation raising an authority's limit (allocation + FRCC credit
                          line) by more than the council parameter ``four_eyes_limit_raise_minor``
buyback        council    a PetroCaribe debt buy-back at a discount
                          (:func:`sucre.service.petrocaribe.buyback`): loans retired for less
                          than their face value
=============  =========  =================================================================

A proposal is a :class:`PendingAction` (kind, payload, the key that proposed it, when). The rule
of who may approve is :func:`check_approver`, the one place it is stated:

* the approver's role holds the kind's permission (:data:`RULES`; the role policy,
  :mod:`sucre.domain.roles`), and it is the proposer's role: a council key cannot approve the
  chamber's close, nor the chamber a council's raise (:class:`AccessDenied`);
* the approver is not the proposer: the same key approving its own proposal is refused
  (:class:`OwnProposal`), and so is another key of the same API client (a rotated key is the
  same pair of eyes: ``sucre api-key rotate`` must not make one person two);
* the action is still pending (:class:`InvalidState`): an action runs once.

A request repeated by the same API client (an answer lost to a crash, a script run again) is
answered again instead of refused: the same proposal while its action exists
(:func:`repeats_proposal`: same client, same payload) gets that action, whatever its state; an
approval the client already gave (:func:`repeats_approval`) gets the action and what running it
recorded (a close: its stored settlement). Nothing runs twice. Anything else asked of an action
that exists (another client, other options) is refused as above.

The approval runs the action in the approver's transaction: an action refused when it runs (a
period not yet ended, a limit below what is already used) leaves the proposal pending.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sucre.domain.decisions import Allocation, decision_reference
from sucre.domain.errors import (
    AccessDenied,
    InvalidInput,
    InvalidState,
    OwnProposal,
    invariant,
)
from sucre.domain.members import AuthorityCode
from sucre.domain.roles import Permission, Principal, Role, authorize


class ActionKind(enum.StrEnum):
    CLOSE_PERIOD = "close_period"
    LIMIT_RAISE = "limit_raise"
    BUYBACK = "buyback"


class ActionState(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"  # and run: its effect is recorded


#: Kind -> the role that proposes and approves it, and the permission that role must hold.
RULES: Mapping[ActionKind, tuple[Role, Permission]] = {
    ActionKind.CLOSE_PERIOD: (Role.CHAMBER, Permission.CLOSE_PERIODS),
    ActionKind.LIMIT_RAISE: (Role.COUNCIL, Permission.DECIDE_PARAMETERS),
    ActionKind.BUYBACK: (Role.COUNCIL, Permission.DECIDE_PETROCARIBE),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who proposed or approved an action: the API client and the key it used."""

    client_id: int
    name: str
    role: Role
    key_id: str

    @classmethod
    def of(cls, principal: Principal) -> Actor:
        return cls(principal.client_id, principal.name, principal.role, principal.key_id)


@dataclass(frozen=True, slots=True)
class ClosePeriod:
    """Close period ``period`` (the options of :func:`sucre.service.closing.close_period`)."""

    period: str
    finance_deficits: bool | None = None
    early_reference: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"period": self.period, "finance_deficits": self.finance_deficits,
                "early_reference": self.early_reference}


@dataclass(frozen=True, slots=True)
class LimitRaise:
    """An allocation (and FRCC credit line) that raises ``authority``'s limit from
    ``previous`` by more than the council's threshold."""

    authority: AuthorityCode
    effective_date: dt.date
    allocation: Allocation
    reference: str
    previous: Allocation

    def __post_init__(self) -> None:
        invariant(self.reference == decision_reference(self.reference),
                  "a proposed decision's reference is stored as given")

    @property
    def raise_minor(self) -> int:
        return self.allocation.limit_minor - self.previous.limit_minor

    def as_json(self) -> dict[str, Any]:
        return {"authority": self.authority, "effective_date": self.effective_date.isoformat(),
                "allocation_minor": self.allocation.allocation_minor,
                "credit_line_minor": self.allocation.credit_line_minor,
                "reference": self.reference,
                "previous_allocation_minor": self.previous.allocation_minor,
                "previous_credit_line_minor": self.previous.credit_line_minor}


@dataclass(frozen=True, slots=True)
class BuyBack:
    """The council's buy-back of a member's PetroCaribe loans: ``payload`` as
    :func:`sucre.domain.petrocaribe.buyback_payload` checked it (member, loans, price)."""

    payload: Mapping[str, Any]
    effective_date: dt.date
    reference: str

    def __post_init__(self) -> None:
        invariant(self.reference == decision_reference(self.reference),
                  "a proposed decision's reference is stored as given")

    def as_json(self) -> dict[str, Any]:
        return {**self.payload, "effective_date": self.effective_date.isoformat(),
                "reference": self.reference}


Payload = ClosePeriod | LimitRaise | BuyBack
_KIND_OF: Mapping[type[Any], ActionKind] = {ClosePeriod: ActionKind.CLOSE_PERIOD,
                                            LimitRaise: ActionKind.LIMIT_RAISE,
                                            BuyBack: ActionKind.BUYBACK}


def kind_of(payload: Payload) -> ActionKind:
    return _KIND_OF[type(payload)]


def payload_of(kind: ActionKind, stored: Mapping[str, Any]) -> Payload:
    """The typed payload of a stored action (the inverse of ``as_json``)."""
    if kind is ActionKind.CLOSE_PERIOD:
        return ClosePeriod(str(stored["period"]), stored["finance_deficits"],
                           stored["early_reference"])
    if kind is ActionKind.BUYBACK:
        return BuyBack({k: stored[k] for k in ("member", "loans", "price_minor")},
                       dt.date.fromisoformat(str(stored["effective_date"])),
                       str(stored["reference"]))
    return LimitRaise(
        AuthorityCode(str(stored["authority"])),
        dt.date.fromisoformat(str(stored["effective_date"])),
        Allocation(int(stored["allocation_minor"]), int(stored["credit_line_minor"])),
        str(stored["reference"]),
        Allocation(int(stored["previous_allocation_minor"]),
                   int(stored["previous_credit_line_minor"])))


@dataclass(frozen=True, slots=True)
class PendingAction:
    """A consequential action proposed by one key, run when a second key approves it."""

    id: int
    payload: Payload
    proposed_by: Actor
    created_at: dt.datetime
    state: ActionState = ActionState.PENDING
    approved_by: Actor | None = None
    approved_at: dt.datetime | None = None

    def __post_init__(self) -> None:
        invariant((self.state is ActionState.APPROVED) == (self.approved_by is not None)
                  == (self.approved_at is not None), "an approved action names its approver")
        invariant(self.approved_by is None
                  or self.approved_by.client_id != self.proposed_by.client_id,
                  "the approver of an action is not its proposer")

    @property
    def kind(self) -> ActionKind:
        return kind_of(self.payload)


def check_proposer(principal: Principal, kind: ActionKind) -> None:
    """A proposer holds the kind's permission and is of its role (:class:`AccessDenied`)."""
    role, permission = RULES[kind]
    authorize(principal, permission)
    if principal.role is not role:
        raise AccessDenied(f"a {kind} is proposed by a {role} key, not a {principal.role} key")


def check_approver(action: PendingAction, principal: Principal) -> None:
    """The one rule of who may approve ``action`` (see the module docstring)."""
    role, permission = RULES[action.kind]
    authorize(principal, permission)
    if principal.role is not action.proposed_by.role or principal.role is not role:
        raise AccessDenied(
            f"pending action {action.id} ({action.kind}) was proposed by a "
            f"{action.proposed_by.role} key: only another {role} key approves it")
    if principal.client_id == action.proposed_by.client_id:
        same = "key" if principal.key_id == action.proposed_by.key_id else "client"
        raise OwnProposal(
            f"pending action {action.id} was proposed by {action.proposed_by.name} (key "
            f"{action.proposed_by.key_id}); the same {same} cannot approve it: four eyes need "
            f"a second {role} key of another client")
    if action.state is not ActionState.PENDING:
        by = "" if action.approved_by is None else f" by {action.approved_by.name}"
        raise InvalidState(f"pending action {action.id} is already {action.state}{by}",
                           field="action")


def repeats_approval(action: PendingAction, principal: Principal) -> bool:
    """Whether ``principal``'s client already approved ``action`` (its approval is asked for
    again: the outcome is answered again, nothing runs twice). The role is checked first."""
    _, permission = RULES[action.kind]
    authorize(principal, permission)
    return (action.state is ActionState.APPROVED and action.approved_by is not None
            and action.approved_by.client_id == principal.client_id)


def repeats_proposal(action: PendingAction, principal: Principal, payload: Payload) -> bool:
    """Whether proposing ``payload`` as ``principal`` asks again for ``action`` (the same
    client proposed exactly that): the action is answered again, not a second one made."""
    return action.proposed_by.client_id == principal.client_id and action.payload == payload


def needs_second_key(previous: Allocation, new: Allocation, threshold_minor: int) -> bool:
    """Whether an allocation is a limit raise above the council's threshold (four eyes)."""
    invariant(threshold_minor >= 0, "the four-eyes threshold is not negative")
    return new.limit_minor - previous.limit_minor > threshold_minor


def action_id(text: str) -> int:
    """A pending action's id as typed by a user."""
    stripped = text.strip()
    if not (stripped.isascii() and stripped.isdigit() and 0 < len(stripped) <= 18
            and int(stripped) > 0):
        raise InvalidInput(f"{text[:40]!r} is not a pending action id (a positive number)",
                           field="action")
    return int(stripped)

"""The council's decisions as records: the decision log and the allocations it makes.

Every council decision is appended to the log with its effective date and the reference of the
decision it records (never empty); the records a decision produces (a basket, an allocation, a
parameter, a member's status) point back to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sucre import bounds
from sucre.domain.errors import InvalidInput, invariant
from sucre.domain.text import stored_text


def decision_reference(reference: str) -> str:
    """The reference of a council decision as stored; refused when empty or not storable."""
    if not reference.strip():
        raise InvalidInput("every council decision needs a reference", field="reference")
    return stored_text(reference, "reference", chars_max=bounds.decision_reference_chars_max)


@dataclass(frozen=True, slots=True)
class Decision:
    """One entry of the council's decision log, as recorded."""

    id: int
    kind: str
    effective_date: dt.date
    reference: str
    payload: Mapping[str, Any]
    recorded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Allocation:
    """XSU the council allocates to a central bank, and its FRCC credit line (minor units).

    A period's limit is the allocation plus the credit line in force on its last day
    (:mod:`sucre.domain.positions`; which allocation is in force:
    :func:`sucre.service.registry.set_allocation`).
    """

    allocation_minor: int = 0
    credit_line_minor: int = 0

    def __post_init__(self) -> None:
        invariant(self.allocation_minor >= 0 and self.credit_line_minor >= 0,
                  "limits are not negative")

    @property
    def limit_minor(self) -> int:
        return self.allocation_minor + self.credit_line_minor


@dataclass(frozen=True, slots=True)
class PeriodDecisions:
    """The council decisions behind a period's rates and its calendar (its limits have theirs
    per authority: the allocation in force on its last day).

    ``basket``: the basket of the XSU rates the period settles at, the last published on or
    before its last day (None while no rate is). ``calendar``: the decision of the ``calendar``
    parameter in force on its last day (None: never decided, the treaty's semester).
    """

    basket: Decision | None = None
    calendar: Decision | None = None


def subject(decision: Decision) -> tuple[str, ...]:
    """What a decision decides about: a later decision on the same subject supersedes it (an
    authority's allocation, a parameter, the basket, a member state's status, the PetroCaribe
    tier table); a decision of another kind (an early close, a fund, a fund's project, a
    PetroCaribe buy-back) stands alone."""
    payload = decision.payload
    if decision.kind == "allocation":
        return ("allocation", str(payload.get("authority")))
    if decision.kind == "parameter":
        return ("parameter", str(payload.get("name")))
    if decision.kind in ("basket", "petrocaribe_terms"):
        return (decision.kind,)
    if decision.kind == "admission" or decision.kind.startswith("member_"):
        return ("member", str(payload.get("member")))
    # A fund or a project is created once and never replaced: each decision its own subject.
    return (decision.kind, str(decision.id))


def in_force(dated: Sequence[Decision]) -> list[Decision]:
    """Of decisions in force order (effective date, then as recorded), the last one on each
    subject: what was in force once they all took effect; in the order they were recorded."""
    latest: dict[tuple[str, ...], Decision] = {}
    for decision in dated:
        latest[subject(decision)] = decision
    return sorted(latest.values(), key=lambda d: d.id)


def superseded(decision: Decision, dated: Sequence[Decision]) -> Decision | None:
    """The decision on the same subject that ``decision`` replaced: the last one in force order
    before it (``dated``: decisions up to its effective date, in force order)."""
    before: Decision | None = None
    for other in dated:
        if other.id == decision.id:
            return before
        if subject(other) == subject(decision):
            before = other
    return before

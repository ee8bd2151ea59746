"""The council's decisions as records: the decision log and the allocations it makes.

Every council decision is appended to the log with its effective date and the reference of the
decision it records (never empty); the records a decision produces (a basket, an allocation, a
parameter, a member's status) point back to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
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

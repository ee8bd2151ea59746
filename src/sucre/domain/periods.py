"""Clearing periods and their calendar.

By treaty a period is a semester (1 Jan-30 Jun, 1 Jul-31 Dec); the calendar is a council parameter
(a modern operator may want daily windows). A payment order belongs to the one period whose dates
contain its value date, and only while that period is open.

State machine (each step is one committed transaction, so a crash leaves a resumable state)::

    open --begin_close--> closing --settle--> settled
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from sucre.domain.errors import InvalidInput, InvalidState, invariant


class CalendarKind(enum.StrEnum):
    SEMESTER = "semester"
    MONTHLY = "monthly"
    DAILY = "daily"


class PeriodState(enum.StrEnum):
    OPEN = "open"
    CLOSING = "closing"
    SETTLED = "settled"


_NEXT_STATE = {PeriodState.OPEN: PeriodState.CLOSING, PeriodState.CLOSING: PeriodState.SETTLED}


def calendar_kind(text: str) -> CalendarKind:
    try:
        return CalendarKind(text.strip().lower())
    except ValueError:
        choices = ", ".join(k.value for k in CalendarKind)
        raise InvalidInput(f"unknown calendar {text!r} (choose {choices})",
                           field="calendar") from None


def period_bounds(kind: CalendarKind, day: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day (inclusive) of the period of ``kind`` that contains ``day``."""
    if kind is CalendarKind.DAILY:
        return day, day
    if kind is CalendarKind.MONTHLY:
        first = day.replace(day=1)
        next_first = (first + dt.timedelta(days=32)).replace(day=1)
        return first, next_first - dt.timedelta(days=1)
    if day.month <= 6:
        return dt.date(day.year, 1, 1), dt.date(day.year, 6, 30)
    return dt.date(day.year, 7, 1), dt.date(day.year, 12, 31)


def period_code(kind: CalendarKind, start: dt.date) -> str:
    """A readable, unique name: ``2026-H1``, ``2026-03``, ``2026-03-14``."""
    if kind is CalendarKind.DAILY:
        return start.isoformat()
    if kind is CalendarKind.MONTHLY:
        return f"{start.year}-{start.month:02d}"
    return f"{start.year}-H{1 if start.month <= 6 else 2}"


@dataclass(frozen=True, slots=True)
class ClearingPeriod:
    id: int
    code: str
    start: dt.date
    end: dt.date
    state: PeriodState

    def __post_init__(self) -> None:
        invariant(self.start <= self.end, "a period starts before it ends")

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    def advanced(self, target: PeriodState) -> ClearingPeriod:
        """The same period in ``target`` state, if the state machine allows that step."""
        if _NEXT_STATE.get(self.state) is not target:
            raise InvalidState(f"period {self.code} is {self.state}; it cannot become {target}",
                               field="period")
        return ClearingPeriod(self.id, self.code, self.start, self.end, target)

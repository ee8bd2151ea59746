"""Small hand-made food rounds: ports named P*/Q* joined by given miles (no searoute)."""

from __future__ import annotations

import datetime as dt

from sucre.domain.food.records import Distances, Need, PortInfo, Priority, Supply
from sucre.domain.members import MemberCode

DAY = dt.date(2026, 7, 1)


def table(legs: dict[tuple[str, str], int]) -> Distances:
    names = dict.fromkeys(p for pair in legs for p in pair)
    return Distances({p: PortInfo(p) for p in names}, legs)


def supply(port: str, tonnes: float | int, *, member: str = "NIC", category: str = "rice",
           day: int = 0) -> Supply:
    return Supply(MemberCode(member), port, category, round(tonnes * 1000),
                  DAY + dt.timedelta(days=day))


def need(port: str, tonnes: float | int, *, member: str = "VEN", category: str = "rice",
         by: int = 60, critical: bool = False) -> Need:
    return Need(MemberCode(member), port, category, round(tonnes * 1000),
                DAY + dt.timedelta(days=by), Priority.CRITICAL if critical else Priority.NORMAL)

"""One repository per aggregate, each over the connection of a unit of work's open block.

They translate rows to domain records and back; no business rule lives here beyond the atomic
conditional updates that make the limit check safe under concurrency (stated in the domain and
mirrored from the same constants: ``tests/service/test_rules_agree.py``).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

from sqlalchemy import Connection


class SqlRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def utc(moment: dt.datetime) -> dt.datetime:
    """A stored moment in UTC (SQLite hands back naive datetimes; sucre writes them all in UTC)."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def fraction_text(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


def parse_fraction(text: str) -> Fraction:
    return Fraction(text)

"""The clearing-period repository (:class:`sucre.service.unit_of_work.Periods`) over SQLAlchemy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select, update

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository, now
from sucre.domain.errors import invariant
from sucre.domain.periods import ClearingPeriod, PeriodState


def _period(row: Any) -> ClearingPeriod:
    return ClearingPeriod(row.id, row.code, row.start_date, row.end_date, PeriodState(row.state))


class SqlPeriods(SqlRepository):
    def on(self, day: dt.date) -> ClearingPeriod | None:
        """The period ``day`` falls in."""
        row = self.conn.execute(select(t.periods).where(
            t.periods.c.start_date <= day, t.periods.c.end_date >= day)).first()
        return None if row is None else _period(row)

    def by_code(self, code: str) -> ClearingPeriod | None:
        row = self.conn.execute(select(t.periods).where(t.periods.c.code == code)).first()
        return None if row is None else _period(row)

    def by_id(self, period_id: int, *, lock: bool = False, shared: bool = False
              ) -> ClearingPeriod:
        """One period; ``lock`` takes its row lock (``shared``: FOR SHARE), the first lock of
        every transaction that takes several (:mod:`sucre.adapters.db.engine`)."""
        query = select(t.periods).where(t.periods.c.id == period_id)
        if lock:
            query = query.with_for_update(read=shared)
        return _period(self.conn.execute(query).one())

    def all(self) -> list[ClearingPeriod]:
        return [_period(r) for r in
                self.conn.execute(select(t.periods).order_by(t.periods.c.start_date))]

    def set_state(self, period: ClearingPeriod, stamp_column: str) -> None:
        result = self.conn.execute(update(t.periods).where(t.periods.c.id == period.id)
                                   .values(state=period.state.value, **{stamp_column: now()}))
        invariant(result.rowcount == 1, "one period row changes state")

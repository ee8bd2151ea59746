"""The clearing-period repository (:class:`sucre.service.unit_of_work.Periods`) over SQLAlchemy:
the periods, and the position row each authority gets in each when it opens."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import insert, select, update

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

    def open(self, code: str, start: dt.date, end: dt.date) -> ClearingPeriod:
        self.conn.execute(insert(t.periods).values(code=code, start_date=start, end_date=end,
                                                   state=PeriodState.OPEN.value,
                                                   opened_at=now()))
        period = self.by_code(code)
        invariant(period is not None, "the new period is found")
        assert period is not None  # for mypy
        return period

    def open_until(self, day: dt.date) -> list[ClearingPeriod]:
        return [_period(r) for r in self.conn.execute(select(t.periods).where(
            t.periods.c.state == PeriodState.OPEN.value, t.periods.c.end_date >= day)
            .order_by(t.periods.c.start_date))]

    def unsettled(self) -> list[ClearingPeriod]:
        return [_period(r) for r in self.conn.execute(select(t.periods).where(
            t.periods.c.state != PeriodState.SETTLED.value).order_by(t.periods.c.start_date))]

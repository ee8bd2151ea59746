"""The rates repository (:class:`sucre.service.unit_of_work.Rates`) over SQLAlchemy: fixings,
baskets and the published daily XSU rates."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository, parse_fraction
from sucre.domain.money import CurrencyCode
from sucre.domain.rates import DailyRates


class SqlRates(SqlRepository):
    def on(self, day: dt.date) -> DailyRates | None:
        """The XSU rates published for ``day``."""
        rows = self.conn.execute(select(t.xsu_rates.c.currency, t.xsu_rates.c.per_xsu)
                                 .where(t.xsu_rates.c.value_date == day)).all()
        if not rows:
            return None
        return DailyRates(day, {CurrencyCode(r.currency): parse_fraction(r.per_xsu)
                                for r in rows})

    def latest_until(self, day: dt.date) -> DailyRates | None:
        latest = self.conn.execute(select(func.max(t.xsu_rates.c.value_date))
                                   .where(t.xsu_rates.c.value_date <= day)).scalar()
        return None if latest is None else self.on(latest)

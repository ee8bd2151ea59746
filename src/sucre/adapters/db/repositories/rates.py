"""The rates repository (:class:`sucre.service.unit_of_work.Rates`) over SQLAlchemy: fixings,
baskets and the published daily XSU rates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from fractions import Fraction

from sqlalchemy import func, insert, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository, fraction_text, parse_fraction
from sucre.domain.errors import invariant
from sucre.domain.money import CurrencyCode
from sucre.domain.rates import Basket, DailyRates


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

    def latest_day(self) -> dt.date | None:
        latest: dt.date | None = self.conn.execute(
            select(func.max(t.xsu_rates.c.value_date))).scalar()
        return latest

    # --- fixings --------------------------------------------------------------------------

    def fixings_on(self, day: dt.date) -> dict[CurrencyCode, Fraction]:
        rows = self.conn.execute(select(t.fixings.c.currency, t.fixings.c.per_usd)
                                 .where(t.fixings.c.value_date == day))
        return {CurrencyCode(r.currency): parse_fraction(r.per_usd) for r in rows}

    def recorded_fixings(self, day: dt.date
                         ) -> dict[CurrencyCode, tuple[Fraction, Fraction | None]]:
        f = t.fixings.c
        rows = self.conn.execute(select(f.currency, f.per_usd, f.market_per_usd)
                                 .where(f.value_date == day))
        return {CurrencyCode(r.currency): (parse_fraction(r.per_usd),
                                           None if r.market_per_usd is None
                                           else parse_fraction(r.market_per_usd))
                for r in rows}

    def add_fixings(self, day: dt.date, per_usd: Mapping[CurrencyCode, Fraction],
                    market: Mapping[CurrencyCode, Fraction]) -> None:
        self.conn.execute(insert(t.fixings), [
            {"currency": c, "value_date": day, "per_usd": fraction_text(v),
             "market_per_usd": fraction_text(market[c]) if c in market else None}
            for c, v in per_usd.items()])

    def unpublished_fixed_days(self, since: dt.date) -> list[dt.date]:
        published = select(t.xsu_rates.c.value_date)
        f = t.fixings.c
        return list(self.conn.execute(select(f.value_date).distinct().where(
            f.value_date >= since, f.value_date.not_in(published))
            .order_by(f.value_date)).scalars())

    # --- baskets and published rates -------------------------------------------------------

    def basket_in_force(self, day: dt.date) -> tuple[int, Basket] | None:
        row = self.conn.execute(select(t.baskets).where(t.baskets.c.launch_date <= day)
                                .order_by(t.baskets.c.launch_date.desc())).first()
        if row is None:
            return None
        components = self.conn.execute(select(t.basket_components).where(
            t.basket_components.c.basket_id == row.id)).all()
        reference = self.conn.execute(select(t.decisions.c.reference).where(
            t.decisions.c.id == row.decision_id)).scalar_one()
        return row.id, Basket(
            row.launch_date, parse_fraction(row.launch_usd_per_xsu),
            {CurrencyCode(c.currency): parse_fraction(c.weight) for c in components},
            reference, {CurrencyCode(c.currency): parse_fraction(c.quantity) for c in components})

    def add_basket(self, basket: Basket, decision_id: int) -> int:
        result = self.conn.execute(insert(t.baskets).values(
            launch_date=basket.launch_date,
            launch_usd_per_xsu=fraction_text(basket.launch_usd_per_xsu), decision_id=decision_id))
        key = result.inserted_primary_key
        invariant(key is not None, "a basket has an id")
        basket_id = int(key[0])  # type: ignore[index]
        self.conn.execute(insert(t.basket_components), [
            {"basket_id": basket_id, "currency": c, "weight": fraction_text(w),
             "quantity": fraction_text(basket.quantities[c])} for c, w in basket.weights.items()])
        return basket_id

    def publish(self, rates: DailyRates, basket_id: int) -> None:
        self.conn.execute(insert(t.xsu_rates), [
            {"value_date": rates.value_date, "currency": c, "per_xsu": fraction_text(r),
             "basket_id": basket_id} for c, r in rates.per_xsu.items()])

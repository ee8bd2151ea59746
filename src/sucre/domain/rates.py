"""The XSU: a fixed-quantity basket of member currencies, and its daily rates.

At the basket's launch date ``t0`` the council fixes weights ``w_i`` (a decision, not a constant)
and the basket's USD value (1.25 at the 2010 launch). Quantities are chosen so the basket is worth
exactly that::

    a_i = w_i * launch_usd_per_xsu * E_i(t0)        (E = units of local currency per USD)

and every value date ``t`` with a complete set of fixings gets::

    usd_per_xsu(t)   = sum_i a_i / E_i(t)
    local_per_xsu(t) = E_c(t) * usd_per_xsu(t)      for every currency c with a fixing

Published rates are rounded once, half to even, to ``bounds.rate_decimals`` places; an operation
uses the published rate of its value date and it is never recomputed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from sucre import bounds
from sucre.domain.decimal_text import parse_decimal
from sucre.domain.errors import InvalidDate, InvalidInput, invariant
from sucre.domain.money import (
    USD,
    XSU,
    CurrencyCode,
    convert,
    convert_ratio,
    round_half_even,
)


def parse_rate(text: str | Decimal, *, field: str) -> Fraction:
    """An exchange rate (or a weight, a basket value) from decimal text: positive and exact.

    The one rule of :mod:`sucre.domain.decimal_text`, so no exponent can make the ``Fraction``
    that follows huge.
    """
    value = parse_decimal(text, field=field, what="a rate")
    if value.units == 0:
        raise InvalidInput(f"a rate must be positive, got {value.text}", field=field)
    return value.fraction()


def publish(value: Fraction) -> Fraction:
    """Round a computed rate to its published precision (the one rounding rule, half to even)."""
    scale = 10**bounds.rate_decimals
    published = Fraction(round_half_even(value * scale), scale)
    invariant(published > 0, "a published rate is positive")
    return published


def rate_text(value: Fraction) -> str:
    """A published rate as exact decimal text."""
    scale = 10**bounds.rate_decimals
    invariant((value * scale).denominator == 1, "only published rates are shown")
    return str(Decimal(int(value * scale)).scaleb(-bounds.rate_decimals).normalize())


@dataclass(frozen=True, slots=True)
class Basket:
    """A council decision fixing the XSU basket from ``launch_date`` on."""

    launch_date: dt.date
    launch_usd_per_xsu: Fraction
    weights: Mapping[CurrencyCode, Fraction]
    reference: str
    quantities: Mapping[CurrencyCode, Fraction] = field(default_factory=dict)

    @staticmethod
    def calibrate(launch_date: dt.date, launch_usd_per_xsu: Fraction,
                  weights: Mapping[CurrencyCode, Fraction],
                  launch_fixings: Mapping[CurrencyCode, Fraction], reference: str) -> Basket:
        """Choose quantities so the basket is worth ``launch_usd_per_xsu`` at ``launch_date``."""
        if sum(weights.values()) != 1:
            raise InvalidInput("basket weights must sum to exactly 1", field="weights")
        if any(w <= 0 for w in weights.values()):
            raise InvalidInput("basket weights must be positive", field="weights")
        missing = sorted(set(weights) - set(launch_fixings))
        if missing:
            raise InvalidDate(f"no fixing on the launch date for {', '.join(missing)}",
                              field="fixings")
        quantities = {c: w * launch_usd_per_xsu * launch_fixings[c] for c, w in weights.items()}
        basket = Basket(launch_date, launch_usd_per_xsu, dict(weights), reference, quantities)
        invariant(basket.usd_per_xsu(launch_fixings) == launch_usd_per_xsu,
                  "the calibrated basket is worth its launch value")
        return basket

    def usd_per_xsu(self, fixings: Mapping[CurrencyCode, Fraction]) -> Fraction:
        """The exact (unpublished) USD value of one XSU under the given fixings."""
        return sum((q / fixings[c] for c, q in self.quantities.items()), Fraction(0))


@dataclass(frozen=True, slots=True)
class DailyRates:
    """The published rates of one value date: units of each currency per XSU."""

    value_date: dt.date
    per_xsu: Mapping[CurrencyCode, Fraction]

    def local_per_xsu(self, code: CurrencyCode, *, field: str = "currency") -> Fraction:
        rate = self.per_xsu.get(code)
        if rate is None:
            raise InvalidDate(f"no {code} rate published for {self.value_date}", field=field)
        return rate

    def to_xsu(self, amount_minor: int, code: CurrencyCode) -> int:
        """Value an amount in XSU minor units at this date's published rate."""
        if code == XSU:
            return amount_minor
        rate = self.local_per_xsu(code)  # XSU per unit is its inverse
        return convert_ratio(amount_minor, code, XSU, rate.denominator, rate.numerator)

    def from_xsu(self, xsu_minor: int, code: CurrencyCode) -> int:
        if code == XSU:
            return xsu_minor
        return convert(xsu_minor, XSU, code, self.local_per_xsu(code))


def daily_rates(basket: Basket, value_date: dt.date,
                fixings: Mapping[CurrencyCode, Fraction]) -> DailyRates:
    """Publish the rates of ``value_date`` from that date's fixings (units per USD)."""
    missing = sorted(set(basket.quantities) - set(fixings))
    if missing:
        raise InvalidDate(f"no fixing on {value_date} for {', '.join(missing)}", field="fixings")
    if value_date < basket.launch_date:
        raise InvalidDate(f"{value_date} is before the basket's launch", field="value_date")
    usd_per_xsu = basket.usd_per_xsu(fixings)
    per_xsu: dict[CurrencyCode, Fraction] = {XSU: Fraction(1), USD: publish(usd_per_xsu)}
    for code, per_usd in fixings.items():
        if code != USD:
            per_xsu[code] = publish(per_usd * usd_per_xsu)
    return DailyRates(value_date, per_xsu)


def fixing_deviations(official: Mapping[CurrencyCode, Fraction],
                      market: Mapping[CurrencyCode, Fraction],
                      threshold: Fraction) -> dict[CurrencyCode, Fraction]:
    """Currencies whose official fixing deviates from the market rate by more than ``threshold``.

    Guards against official rates far from market rates (6.30 official vs >100 parallel): the
    deviation is ``|market / official - 1|``; the threshold is a council parameter.
    """
    flagged: dict[CurrencyCode, Fraction] = {}
    for code, official_rate in official.items():
        market_rate = market.get(code)
        if market_rate is None:
            continue
        deviation = abs(market_rate / official_rate - 1)
        if deviation > threshold:
            flagged[code] = deviation
    return flagged

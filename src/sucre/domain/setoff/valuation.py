"""Valuing invoices in XSU minor units: the one rounding rule of :func:`sucre.domain.money.convert`,
vectorised, spot-checked against it on every run, and refusing sums that could overflow int64."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray

from sucre import bounds
from sucre.domain.errors import (
    AmountTooLarge,
    InvalidInput,
    invariant,
)
from sucre.domain.money import XSU, CurrencyCode, convert, decimals
from sucre.domain.setoff.arrays import INT64_SAFE, Int64Array
from sucre.domain.setoff.invoices import InvoiceSet


def scale_half_even(values: Int64Array, numerator: int, denominator: int) -> Int64Array:
    """``round_half_even(values * numerator / denominator)`` exactly, for non-negative values.

    int64 arithmetic when the product cannot overflow, Python integers (object arrays) otherwise.
    """
    invariant(numerator > 0 and denominator > 0, "scaling factors are positive")
    if values.size == 0:
        return values.copy()
    invariant(int(values.min()) >= 0, "only non-negative amounts are scaled")
    if int(values.max()) * numerator < INT64_SAFE and denominator < INT64_SAFE:
        quotient, remainder = np.divmod(values * numerator, denominator)
    else:
        product = values.astype(object) * numerator
        quotient, remainder = product // denominator, product % denominator
    twice = 2 * remainder
    round_up = (twice > denominator) | ((twice == denominator) & (quotient % 2 == 1))
    result = quotient + round_up.astype(np.int64)
    invariant(int(result.max()) < 2**63, "a converted amount fits in int64")
    return np.asarray(result, dtype=np.int64)


def _rate_terms(source: CurrencyCode, target: CurrencyCode,
                target_per_source: Fraction) -> tuple[int, int]:
    """Minor-to-minor factor of ``money.convert`` as an exact fraction (numerator, denominator)."""
    factor = target_per_source * Fraction(10) ** (decimals(target) - decimals(source))
    return factor.numerator, factor.denominator


def _xsu_rate(code: CurrencyCode, xsu_per_unit: Mapping[CurrencyCode, Fraction]) -> Fraction:
    rate = xsu_per_unit.get(code, Fraction(1) if code == XSU else None)
    if rate is None:
        raise InvalidInput(f"no XSU rate for {code} at the run's value date", field="rates")
    if rate <= 0 or (code == XSU and rate != 1):
        raise InvalidInput(f"invalid XSU rate for {code}: {rate}", field="rates")
    return Fraction(rate)


def xsu_minor_amounts(invoices: InvoiceSet,
                      xsu_per_unit: Mapping[CurrencyCode, Fraction]) -> Int64Array:
    """Value every invoice once in XSU minor units (``money.convert``'s rule, vectorised)."""
    result = np.empty(invoices.count, dtype=np.int64)
    single = len(invoices.currency_codes) == 1
    for position, code in enumerate(invoices.currency_codes):
        numerator, denominator = _rate_terms(code, XSU, _xsu_rate(code, xsu_per_unit))
        mask = slice(None) if single else invoices.currency_index == position
        _refuse_overflowing(invoices, mask, numerator, denominator)
        result[mask] = scale_half_even(invoices.amount_minor[mask], numerator, denominator)
        _spot_check_conversion(invoices, result, position, _xsu_rate(code, xsu_per_unit))
    too_large = result > bounds.amount_minor_max
    if bool(too_large.any()):
        first = int(np.flatnonzero(too_large)[0])
        raise AmountTooLarge(f"invoice {invoices.ids[first]!r} is worth more than "
                             f"{bounds.amount_minor_max} XSU minor units", field="amount")
    return result


def _refuse_overflowing(invoices: InvoiceSet, mask: slice | NDArray[np.bool_], numerator: int,
                        denominator: int) -> None:
    """Refuse an invoice whose XSU value would not even fit int64 (a huge rate): the exact bound
    ``amount_minor_max`` is checked after conversion, this only keeps the conversion in range."""
    amounts = invoices.amount_minor[mask]
    if amounts.size == 0 or int(amounts.max()) * numerator < denominator * INT64_SAFE:
        return
    threshold = -(-denominator * INT64_SAFE // numerator)  # <= amounts.max() < 2**63 here
    positions = np.arange(invoices.count, dtype=np.int64)[mask]
    first = int(positions[np.flatnonzero(amounts >= threshold)[0]])
    raise AmountTooLarge(f"invoice {invoices.ids[first]!r} is worth more than "
                         f"{bounds.amount_minor_max} XSU minor units", field="amount")


def _spot_check_conversion(invoices: InvoiceSet, xsu_minor: Int64Array, position: int,
                           rate: Fraction) -> None:
    """The vectorised path must be ``money.convert`` itself: compare a few invoices each run."""
    code = invoices.currency_codes[position]
    sample = np.flatnonzero(invoices.currency_index == position)[:4]
    for k in sample.tolist():
        expected = convert(int(invoices.amount_minor[k]), code, XSU, rate)
        invariant(int(xsu_minor[k]) == expected, "vectorised conversion equals money.convert")


def restate_in_own_currency(invoices: InvoiceSet, amount_xsu_minor: Int64Array,
                            cleared_xsu_minor: Int64Array,
                            xsu_per_unit: Mapping[CurrencyCode, Fraction]) -> Int64Array:
    """Full invoices map back exactly; partial ones by the one rule, never reaching the amount."""
    full = (cleared_xsu_minor == amount_xsu_minor) & (amount_xsu_minor > 0)
    cleared = np.where(full, invoices.amount_minor, 0)
    partial = (cleared_xsu_minor > 0) & ~full
    for position, code in enumerate(invoices.currency_codes):
        mask = partial & (invoices.currency_index == position)
        if not bool(mask.any()):
            continue
        numerator, denominator = _rate_terms(XSU, code, 1 / _xsu_rate(code, xsu_per_unit))
        restated = scale_half_even(cleared_xsu_minor[mask], numerator, denominator)
        cleared[mask] = np.minimum(restated, invoices.amount_minor[mask] - 1)
    invariant(bool(np.all((cleared >= 0) & (cleared <= invoices.amount_minor))),
              "0 <= cleared <= amount in the invoice's own currency")
    return np.asarray(cleared, dtype=np.int64)

"""Money: integer minor units inside, ``Decimal`` only at the edges, one rounding rule.

* An amount is an ``int`` of minor units of one currency; the scale of each currency is chosen once,
  in :data:`CURRENCY_DECIMALS`.
* :func:`parse_amount` turns decimal text (the one rule of :mod:`sucre.domain.decimal_text`) into
  minor units by integer arithmetic and refuses, never rounds, a value with more decimals than its
  currency has.
* :func:`convert` is the only place where rounding happens: half-to-even on the target currency's
  minor unit, applied once to the exact rational product (no intermediate rounding).
* :func:`allocate` splits an integer total in proportion to integer weights so that the parts add
  up exactly (largest remainder), which keeps settlement legs balanced after conversion.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from fractions import Fraction
from typing import NewType

from sucre import bounds
from sucre.domain.decimal_text import parse_decimal, shown
from sucre.domain.errors import (
    AmountTooLarge,
    InvalidAmount,
    InvalidCurrency,
    ZeroAmount,
    invariant,
)

CurrencyCode = NewType("CurrencyCode", str)

XSU = CurrencyCode("XSU")
USD = CurrencyCode("USD")

#: Minor-unit scale per currency (ISO 4217 exponents; XSU has none in ISO, sucre uses 2).
#: Only currencies the bloc clears or settles in are listed: anything else is refused.
CURRENCY_DECIMALS: dict[str, int] = {
    "XSU": 2,
    "USD": 2,
    "EUR": 2,
    "VES": 2,
    "CUP": 2,
    "BOB": 2,
    "NIO": 2,
    "XCD": 2,
    "UYU": 2,
    "HNL": 2,  # Honduras, a member 2008-2010 (the register's history)
}


def currency(code: str, *, field: str = "currency") -> CurrencyCode:
    """Validate an ISO 4217 code sucre knows; return it as a ``CurrencyCode``."""
    normalised = code.strip().upper()
    if normalised not in CURRENCY_DECIMALS:
        raise InvalidCurrency(f"unknown or unsupported currency {code!r}", field=field)
    return CurrencyCode(normalised)


def decimals(code: CurrencyCode) -> int:
    return CURRENCY_DECIMALS[code]


def parse_amount(
    value: str | Decimal | int,
    code: CurrencyCode,
    *,
    field: str = "amount",
    allow_zero: bool = False,
) -> int:
    """Parse an amount in major units into minor units, exactly, by the one rule of decimal text.

    Refuses floats (they cannot carry an exact decimal), anything but decimal text
    (:mod:`sucre.domain.decimal_text`: no sign, exponent or other script), zero (unless
    ``allow_zero``), more decimals than the currency has, and amounts above
    ``bounds.amount_minor_max``.
    """
    if isinstance(value, (bool, float)):
        raise InvalidAmount("amounts must be given as decimal text, not binary floats", field=field)
    number = parse_decimal(value, field=field, error=InvalidAmount, too_large=AmountTooLarge)
    minor = number.scaled(decimals(code))
    if minor is None:
        raise InvalidAmount(
            f"{number.text} has more than {decimals(code)} decimals, the precision of {code}",
            field=field)
    _check_range(minor, allow_zero=allow_zero, field=field)
    return minor


def parse_minor_units(value: str, *, field: str = "amount") -> int:
    """A positive whole number of minor units, as published obligation networks write amounts.

    The same rule of decimal text as :func:`parse_amount`, with no decimals to spare (``150`` or
    ``150.00``, not ``1.50``).
    """
    try:
        minor = parse_decimal(value, field=field, error=InvalidAmount,
                              too_large=AmountTooLarge).scaled(0)
    except AmountTooLarge:
        raise
    except InvalidAmount:
        minor = None
    if minor is None:
        raise InvalidAmount(f"not a positive whole number of minor units: {shown(value.strip())}",
                            field=field)
    if minor == 0:
        raise ZeroAmount("amount must be positive", field=field)
    _check_range(minor, allow_zero=False, field=field)
    return minor


def _check_range(minor: int, *, allow_zero: bool, field: str) -> None:
    if minor < 0:
        raise InvalidAmount("amount must be positive", field=field)
    if minor == 0 and not allow_zero:
        raise ZeroAmount("amount must be greater than zero", field=field)
    if minor > bounds.amount_minor_max:
        raise AmountTooLarge(
            f"amount exceeds the maximum of {bounds.amount_minor_max} minor units", field=field
        )


def to_decimal(minor: int, code: CurrencyCode) -> Decimal:
    """Minor units to a ``Decimal`` in major units, exactly, with the currency's decimals."""
    return Decimal(minor).scaleb(-decimals(code)).quantize(Decimal(1).scaleb(-decimals(code)))


def format_amount(minor: int, code: CurrencyCode) -> str:
    """The canonical decimal string of an amount (``"1234.50"``), as reports and JSON show it."""
    return str(to_decimal(minor, code))


def round_half_even(value: Fraction) -> int:
    """The one rounding rule of sucre: to the nearest integer, ties to even (banker's rounding)."""
    return divide_half_even(value.numerator, value.denominator)


def divide_half_even(dividend: int, divisor: int) -> int:
    """``dividend / divisor`` rounded by the one rule, in integers (no ``Fraction`` built)."""
    invariant(divisor > 0, "a rounding divisor is positive")
    quotient, remainder = divmod(dividend, divisor)
    if 2 * remainder > divisor or (2 * remainder == divisor and quotient % 2 == 1):
        return quotient + 1
    return quotient


def convert(minor: int, source: CurrencyCode, target: CurrencyCode,
            target_per_source: Fraction) -> int:
    """Convert an amount at a rate (units of ``target`` per unit of ``source``).

    The product is exact; it is rounded once, half to even, on the target's minor unit.
    """
    invariant(target_per_source > 0, "a conversion rate is positive")
    return convert_ratio(minor, source, target, target_per_source.numerator,
                         target_per_source.denominator)


def convert_ratio(minor: int, source: CurrencyCode, target: CurrencyCode, numerator: int,
                  denominator: int) -> int:
    """:func:`convert` at the rate ``numerator / denominator``, in integers.

    The same exact product and the same rounding (half to even, once) as ``convert``, without
    building ``Fraction`` objects: a bulk import converts one amount per order.
    """
    invariant(numerator > 0 and denominator > 0, "a conversion rate is positive")
    divisor: int = denominator * 10 ** decimals(source)
    dividend: int = minor * numerator * 10 ** decimals(target)
    return divide_half_even(dividend, divisor)


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` so that the parts sum to ``total`` exactly.

    Largest-remainder method; ties go to the earlier weight, so the split is deterministic.
    """
    invariant(total >= 0 and all(w >= 0 for w in weights), "allocate takes non-negative values")
    weight_sum = sum(weights)
    if weight_sum == 0:
        invariant(total == 0, "cannot allocate a positive total over zero weights")
        return [0 for _ in weights]
    floors = [total * w // weight_sum for w in weights]
    remainders = [total * w % weight_sum for w in weights]
    short = total - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-remainders[i], i))
    for i in order[:short]:
        floors[i] += 1
    invariant(sum(floors) == total, "allocation parts add up to the total")
    return floors

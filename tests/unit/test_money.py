"""Money: exact parsing at the edge, one rounding rule, exact allocation."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sucre.domain.errors import AmountTooLarge, InvalidAmount, InvalidCurrency, ZeroAmount
from sucre.domain.money import (
    CURRENCY_DECIMALS,
    USD,
    XSU,
    CurrencyCode,
    allocate,
    convert,
    convert_ratio,
    currency,
    format_amount,
    parse_amount,
)


@pytest.mark.parametrize(("text", "minor"), [("108000", 10_800_000), ("0.01", 1),
                                             ("4241680.00", 424_168_000), (" 12.5 ", 1250)])
def test_amounts_parse_exactly(text: str, minor: int) -> None:
    assert parse_amount(text, XSU) == minor


@pytest.mark.parametrize(("value", "error"), [
    ("1.001", InvalidAmount), ("-1", InvalidAmount), ("0", ZeroAmount), ("abc", InvalidAmount),
    ("Infinity", InvalidAmount), ("10000000001", AmountTooLarge), (1.5, InvalidAmount),
])
def test_bad_amounts_are_refused_not_rounded(value: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_amount(value, XSU)  # type: ignore[arg-type]


def test_unknown_currencies_are_refused() -> None:
    with pytest.raises(InvalidCurrency):
        currency("ABC")
    assert currency(" xsu ") == XSU


@given(st.integers(min_value=0, max_value=10**12))
def test_format_and_parse_round_trip(minor: int) -> None:
    assert parse_amount(format_amount(minor, XSU), XSU, allow_zero=True) == minor


def test_the_2010_soy_oil_deal_converts_exactly() -> None:
    # 4,241,680 XSU = USD 5,302,100 at 1.25 USD per XSU (DOMAIN.md section 10).
    assert convert(424_168_000, XSU, USD, Fraction(5, 4)) == 530_210_000


def test_conversion_rounds_half_to_even_once() -> None:
    assert convert(1, XSU, USD, Fraction(1, 2)) == 0  # 0.005 -> 0.00
    assert convert(3, XSU, USD, Fraction(1, 2)) == 2  # 0.015 -> 0.02
    assert convert(5, XSU, USD, Fraction(1, 2)) == 2  # 0.025 -> 0.02


@given(st.integers(-10**15, 10**15), st.sampled_from(sorted(CURRENCY_DECIMALS)),
       st.sampled_from(sorted(CURRENCY_DECIMALS)), st.integers(1, 10**12),
       st.integers(1, 10**12))
def test_integer_conversion_equals_the_exact_fraction_rounded_once(
        minor: int, source: str, target: str, numerator: int, denominator: int) -> None:
    rate = Fraction(numerator, denominator)
    exact = Fraction(minor, 10 ** CURRENCY_DECIMALS[source]) * rate * 10 ** CURRENCY_DECIMALS[
        target]
    expected = round(exact)  # Fraction rounds half to even
    assert convert_ratio(minor, CurrencyCode(source), CurrencyCode(target), numerator,
                         denominator) == expected
    assert convert(minor, CurrencyCode(source), CurrencyCode(target), rate) == expected


@given(st.integers(0, 10**15), st.lists(st.integers(0, 10**12), min_size=1, max_size=20))
def test_allocation_parts_sum_exactly_and_stay_proportional(total: int,
                                                            weights: list[int]) -> None:
    if sum(weights) == 0:
        total = 0
    parts = allocate(total, weights)
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        exact = Fraction(total * weight, sum(weights)) if sum(weights) else Fraction(0)
        assert abs(part - exact) < 1


def test_decimal_edges_are_exact() -> None:
    assert parse_amount(Decimal("0.10"), USD) == 10

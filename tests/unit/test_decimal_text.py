"""The one rule of decimal text, applied by every parser of numbers (no database needed).

The same hostile numbers (tests/hostile.py) are refused by each: amounts, minor units, rates,
quantities, council shares, and both paths of the invoice CSV loader (vectorised and row by row).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sucre import bounds
from sucre.adapters.invoice_csv import CsvRowErrors, load_invoices
from sucre.domain import decimal_text, parameters
from sucre.domain.errors import InvalidAmount, InvalidInput
from sucre.domain.money import XSU, parse_amount, parse_minor_units
from sucre.domain.orders import parse_quantity
from sucre.domain.rates import parse_rate
from tests.hostile import HOSTILE_NUMBERS, LENIENT_NUMBERS, REFUSAL_SECONDS_MAX


@contextmanager
def refused_at_once(error: type[Exception] = InvalidInput) -> Iterator[None]:
    start = time.perf_counter()
    with pytest.raises(error) as caught:
        yield
    assert time.perf_counter() - start < REFUSAL_SECONDS_MAX
    message = str(caught.value)
    assert len(message) < 400, "the error quotes a bounded part of the input"
    assert "Traceback" not in message


EDGES: dict[str, Callable[[str], object]] = {
    "amount": lambda text: parse_amount(text, XSU),
    "minor-units": parse_minor_units,
    "rate": lambda text: parse_rate(text, field="rate"),
    "quantity": lambda text: parse_quantity(text, field="quantity"),
    "council-share": lambda text: parameters.definition("corridor_alert_share").parse(text),
}


@pytest.mark.parametrize("edge", sorted(EDGES))
@pytest.mark.parametrize("text", HOSTILE_NUMBERS)
def test_every_number_parser_refuses_hostile_numbers_at_once(edge: str, text: str) -> None:
    with refused_at_once():
        EDGES[edge](text)


@pytest.mark.parametrize("text", HOSTILE_NUMBERS)
def test_amounts_refuse_hostile_numbers_as_invalid_amounts(text: str) -> None:
    with refused_at_once(InvalidAmount):
        parse_amount(text, XSU)


@pytest.mark.parametrize("text", LENIENT_NUMBERS)
def test_every_number_parser_reads_lenient_numbers_alike(text: str) -> None:
    assert parse_amount(text, XSU) == 100
    assert parse_minor_units(text) == 1
    assert parse_rate(text, field="rate") == 1
    assert parse_quantity(text, field="quantity") == 1
    parameters.definition("corridor_alert_share").parse(text)


def test_over_precise_amounts_are_refused_not_rounded() -> None:
    with pytest.raises(InvalidAmount, match="more than 2 decimals"):
        parse_amount("99.999999999999", XSU)   # 12 decimals: inside the bound, not exact
    assert parse_amount("99.990000000000", XSU) == 9999   # zeros are not precision


@given(st.integers(0, 10**bounds.decimal_whole_digits_max - 1),
       st.integers(0, bounds.decimal_places_max), st.integers(0, 10**12))
def test_the_value_is_exact(whole: int, places: int, fraction: int) -> None:
    digits = str(fraction % 10**places).zfill(places) if places else ""
    text = f"{whole}.{digits}" if places else str(whole)
    number = decimal_text.parse_decimal(text, field="x")
    assert number.fraction() == Fraction(Decimal(text))
    for scale in range(0, bounds.decimal_places_max + 1):
        scaled = number.scaled(scale)
        exact = Fraction(Decimal(text)) * 10**scale
        assert scaled == (exact.numerator if exact.denominator == 1 else None)


@settings(max_examples=500)
@given(st.one_of(st.from_regex(r"\A[0-9]{0,17}(\.[0-9]{0,14})?\Z"),
                 st.text(alphabet="0123456789.+-eE_ \t１٠x", max_size=20)))
def test_the_api_pattern_and_the_parser_are_one_rule(text: str) -> None:
    try:
        decimal_text.parse_decimal(text, field="x")
        accepted = True
    except InvalidInput:
        accepted = False
    assert accepted == (re.fullmatch(decimal_text.PATTERN, text.strip()) is not None)


def test_decimals_from_code_obey_the_same_bounds() -> None:
    assert parse_amount(Decimal("0.10"), XSU) == 10
    assert parse_amount(Decimal("1E+2"), XSU) == 10_000
    for hostile in ("1E+999999", "1E-99999999", "NaN", "-1", "sNaN", "1" * 100):
        with refused_at_once(InvalidAmount):
            parse_amount(Decimal(hostile), XSU)
    with refused_at_once(InvalidAmount):
        parse_amount(10**100_000, XSU)


def test_the_api_pattern_is_the_domain_rule() -> None:
    from sucre.entrypoints.api.schemas.orders import PaymentOrderIn

    schema = PaymentOrderIn.model_json_schema()
    assert schema["properties"]["amount"]["pattern"] == f"^{decimal_text.PATTERN}$"


# --- the invoice CSV, both parsing paths ----------------------------------------------------

def _load(tmp_path: Path, amount: str, *, minor_units: bool, plain_block: bool) -> object:
    """One bad row among good ones: in a block of plain records, or one parsed row by row."""
    good = "\n".join(f"i{k},A,B,{k + 1}" for k in range(20))
    quoted = "" if plain_block else '"q",A,B,1\n'
    path = tmp_path / "invoices.csv"
    path.write_text(f"id,debtor,creditor,amount\n{quoted}{good}\nbad,B,C,{amount}\n",
                    encoding="utf-8")
    return load_invoices(path, minor_units=minor_units)


@pytest.mark.parametrize("plain_block", [True, False], ids=["vectorised", "row-by-row"])
@pytest.mark.parametrize("minor_units", [False, True], ids=["decimal", "minor-units"])
@pytest.mark.parametrize("text", HOSTILE_NUMBERS)
def test_the_invoice_csv_refuses_hostile_amounts_by_line(tmp_path: Path, text: str,
                                                        minor_units: bool,
                                                        plain_block: bool) -> None:
    if "\n" in text or "," in text:
        text = f'"{text}"'
    with refused_at_once(CsvRowErrors):
        _load(tmp_path, text, minor_units=minor_units, plain_block=plain_block)


@pytest.mark.parametrize("minor_units", [False, True], ids=["decimal", "minor-units"])
@pytest.mark.parametrize("text", LENIENT_NUMBERS)
def test_the_invoice_csv_reads_lenient_amounts_alike(tmp_path: Path, text: str,
                                                     minor_units: bool) -> None:
    loaded = _load(tmp_path, text, minor_units=minor_units, plain_block=True)
    assert int(loaded.amount_minor[-1]) == (1 if minor_units else 100)  # type: ignore[attr-defined]

"""Property tests: the set-off equals an independent LP optimum and keeps every rule."""

from __future__ import annotations

import random
from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sucre.domain.money import XSU, CurrencyCode, convert
from sucre.domain.setoff import SetoffResult, scale_half_even, set_off
from tests.setoff.helpers import (
    CUP,
    USD,
    VES,
    Row,
    invoice_set,
    lp_optimum,
    networks,
    rates_xsu,
    xsu_amounts,
)

EXAMPLES = settings(max_examples=150, deadline=None)
LP_EXAMPLES = settings(max_examples=400, deadline=None)


def assert_rules_hold(result: SetoffResult) -> None:
    """Bounds per invoice (both units) and net positions unchanged, exactly."""
    invoices = result.invoices
    amount_xsu, cleared_xsu = result.invoice_amount_xsu_minor, result.invoice_cleared_xsu_minor
    assert ((0 <= cleared_xsu) & (cleared_xsu <= amount_xsu)).all()
    cleared_own = result.invoice_cleared_minor
    assert ((0 <= cleared_own) & (cleared_own <= invoices.amount_minor)).all()
    full = (cleared_xsu == amount_xsu) & (amount_xsu > 0)
    assert (cleared_own[full] == invoices.amount_minor[full]).all()
    assert (cleared_own[~full] < invoices.amount_minor[~full]).all()
    balance = np.zeros(len(invoices.party_labels), dtype=np.int64)
    np.add.at(balance, invoices.creditor, cleared_xsu)
    np.subtract.at(balance, invoices.debtor, cleared_xsu)
    assert not balance.any()
    before = np.zeros_like(balance)
    np.add.at(before, invoices.creditor, amount_xsu)
    np.subtract.at(before, invoices.debtor, amount_xsu)
    after = np.zeros_like(balance)
    np.add.at(after, invoices.creditor, amount_xsu - cleared_xsu)
    np.subtract.at(after, invoices.debtor, amount_xsu - cleared_xsu)
    assert np.array_equal(before, after)
    assert result.total_cleared_minor == int(cleared_xsu.sum())
    assert result.total_cleared_minor + result.total_remaining_minor == result.total_debt_minor
    assert result.total_cleared_minor <= result.total_debt_minor - result.net_internal_debt_minor


def optimum_of(rows: list[Row], rates: dict[CurrencyCode, Fraction]) -> int:
    invoices = invoice_set(rows)
    return lp_optimum(invoices.debtor, invoices.creditor, xsu_amounts(rows, rates),
                      len(invoices.party_labels))


@LP_EXAMPLES
@given(networks())
def test_cleared_total_equals_the_lp_optimum(rows: list[Row]) -> None:
    result = set_off(invoice_set(rows), {})
    assert result.total_cleared_minor == optimum_of(rows, {})
    assert_rules_hold(result)


@LP_EXAMPLES
@given(networks(currencies=(XSU, USD, VES, CUP)), rates_xsu, rates_xsu, rates_xsu)
def test_multi_currency_equals_the_lp_optimum_in_xsu(rows: list[Row], usd: Fraction,
                                                     ves: Fraction, cup: Fraction) -> None:
    rates = {USD: usd, VES: ves, CUP: cup}
    result = set_off(invoice_set(rows), rates)
    assert result.invoice_amount_xsu_minor.tolist() == xsu_amounts(rows, rates)
    assert result.total_cleared_minor == optimum_of(rows, rates)
    assert_rules_hold(result)
    for k, (_, _, amount, code) in enumerate(rows):
        cleared_xsu = int(result.invoice_cleared_xsu_minor[k])
        if 0 < cleared_xsu < int(result.invoice_amount_xsu_minor[k]):
            restated = convert(cleared_xsu, XSU, code, 1 / rates.get(code, Fraction(1)))
            assert int(result.invoice_cleared_minor[k]) == min(restated, amount - 1)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 10**12), st.sampled_from([USD, VES, XSU]), rates_xsu)
def test_vectorised_conversion_is_money_convert(amount: int, code: CurrencyCode,
                                                rate: Fraction) -> None:
    for source, target, factor in ((code, XSU, rate), (XSU, code, 1 / rate)):
        expected = [convert(amount, source, target, factor),
                    convert(amount // 7, source, target, factor)]
        if expected[0] >= 2**63:
            continue   # beyond int64; set_off never converts back more than an invoice
        # all sucre currencies have 2 decimals, so the minor-to-minor factor is the rate
        got = scale_half_even(np.array([amount, amount // 7], dtype=np.int64),
                              factor.numerator, factor.denominator)
        assert got.tolist() == expected


@EXAMPLES
@given(networks(), st.randoms(use_true_random=False))
def test_relabelling_and_reordering_keep_the_optimum(rows: list[Row],
                                                     shuffle: random.Random) -> None:
    names = sorted({r[0] for r in rows} | {r[1] for r in rows})
    renamed = dict(zip(names, shuffle.sample(names, len(names)), strict=True))
    moved = [(renamed[d], renamed[c], a, cur) for d, c, a, cur in rows]
    shuffle.shuffle(moved)
    assert (set_off(invoice_set(moved), {}).total_cleared_minor
            == set_off(invoice_set(rows), {}).total_cleared_minor)


@EXAMPLES
@given(networks(amount_max=10**5), st.integers(2, 1000))
def test_scaling_every_amount_scales_the_optimum(rows: list[Row], factor: int) -> None:
    scaled = [(d, c, a * factor, cur) for d, c, a, cur in rows]
    assert (set_off(invoice_set(scaled), {}).total_cleared_minor
            == factor * set_off(invoice_set(rows), {}).total_cleared_minor)


@EXAMPLES
@given(networks(), st.data())
def test_splitting_an_invoice_keeps_the_optimum(rows: list[Row], data: st.DataObject) -> None:
    k = data.draw(st.integers(0, len(rows) - 1))
    debtor, creditor, amount, code = rows[k]
    if amount < 2:
        return
    part = data.draw(st.integers(1, amount - 1))
    split = [*rows[:k], (debtor, creditor, part, code), (debtor, creditor, amount - part, code),
             *rows[k + 1:]]
    result = set_off(invoice_set(split), {})
    assert result.total_cleared_minor == set_off(invoice_set(rows), {}).total_cleared_minor
    assert_rules_hold(result)


@EXAMPLES
@given(networks(), networks())
def test_adding_an_invoice_never_decreases_the_optimum(rows: list[Row], extra: list[Row]) -> None:
    assert (set_off(invoice_set(rows + extra[:1]), {}).total_cleared_minor
            >= set_off(invoice_set(rows), {}).total_cleared_minor)

"""The XSU basket and the settlement identities (pure domain)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sucre.domain.errors import InvalidDate, InvalidInput
from sucre.domain.financing import Deficits, ReserveFund
from sucre.domain.ledger import sums_by_currency
from sucre.domain.members import AuthorityCode
from sucre.domain.money import USD, CurrencyCode
from sucre.domain.rates import Basket, daily_rates, fixing_deviations
from sucre.domain.settlement import net_positions, settle, settlement_entries

C = CurrencyCode
LAUNCH = {C("VES"): Fraction(63, 10), C("CUP"): Fraction(1), C("BOB"): Fraction(7)}
WEIGHTS = {C("VES"): Fraction(1, 2), C("CUP"): Fraction(3, 10), C("BOB"): Fraction(1, 5)}


def basket() -> Basket:
    return Basket.calibrate(dt.date(2010, 1, 27), Fraction(5, 4), WEIGHTS, LAUNCH, "launch")


def test_the_basket_is_worth_125_usd_at_launch() -> None:
    rates = daily_rates(basket(), dt.date(2010, 1, 27), LAUNCH)
    assert rates.per_xsu[USD] == Fraction(5, 4)
    assert rates.per_xsu[C("VES")] == Fraction(63, 10) * Fraction(5, 4)


def test_a_depreciating_member_currency_lowers_the_xsu_by_its_weight() -> None:
    later = dict(LAUNCH) | {C("VES"): Fraction(126, 10)}  # VES halves against USD
    rates = daily_rates(basket(), dt.date(2010, 2, 1), later)
    assert rates.per_xsu[USD] == Fraction(5, 4) * (Fraction(1, 2) / 2 + Fraction(1, 2))


def test_weights_must_sum_to_one_and_fixings_be_complete() -> None:
    with pytest.raises(InvalidInput):
        Basket.calibrate(dt.date(2010, 1, 27), Fraction(5, 4),
                         {C("VES"): Fraction(1, 2)}, LAUNCH, "bad")
    with pytest.raises(InvalidDate):
        daily_rates(basket(), dt.date(2010, 2, 1), {C("VES"): Fraction(7)})


def test_official_rates_far_from_the_market_are_flagged() -> None:
    flagged = fixing_deviations({C("VES"): Fraction(63, 10), C("BOB"): Fraction(7)},
                                {C("VES"): Fraction(100), C("BOB"): Fraction(71, 10)},
                                Fraction(1, 4))
    assert list(flagged) == ["VES"]


AUTHS = [AuthorityCode(a) for a in ("BCV", "BCC", "BCB", "BCN", "ECCB")]
flows = st.dictionaries(
    st.tuples(st.sampled_from(AUTHS), st.sampled_from(AUTHS)).filter(lambda p: p[0] != p[1]),
    st.integers(1, 10**12), max_size=20)


@given(flows, st.fractions(min_value=Fraction(1, 10), max_value=Fraction(3)),
       st.dictionaries(st.sampled_from(AUTHS), st.integers(0, 10**12)))
def test_settlement_identities_hold_for_any_flows(
        gross: dict[tuple[AuthorityCode, AuthorityCode], int], rate: Fraction,
        credit_lines: dict[AuthorityCode, int]) -> None:
    positions = net_positions(gross)
    loans = ReserveFund().finance(Deficits(positions, credit_lines))
    report = settle(1, gross, positions=positions, settlement_currency=USD,
                    settlement_rate=rate, financing=loans, alert_share=Fraction(1, 2))
    assert sum(report.positions.values()) == 0
    assert 2 * report.net_xsu_minor == sum(abs(n) for n in positions.values())
    assert report.net_xsu_minor <= report.bilateral_xsu_minor <= report.gross_xsu_minor
    if report.gross_xsu_minor:
        assert report.liquidity_saving == 1 - Fraction(report.net_xsu_minor,
                                                       report.gross_xsu_minor)
    paid = sum(i.amount_minor for i in report.instructions if i.kind.value != "receive")
    received = sum(i.amount_minor for i in report.instructions if i.kind.value == "receive")
    assert paid == received
    for entry in settlement_entries(report):
        assert set(sums_by_currency(entry.postings).values()) <= {0}

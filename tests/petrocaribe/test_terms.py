"""PetroCaribe terms: every tier boundary on both sides of 13 July 2008, the 150/200 conflict,
schedules that sum exactly (hypothesis), crediting payments."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sucre.domain import loans, parameters
from sucre.domain.errors import InvalidAmount, InvalidInput, InvalidState
from sucre.domain.petrocaribe import (
    TermsTable,
    barrels,
    bill_minor,
    decimal_text,
    parse_regimes,
    parse_tiers,
    price_minor,
    split,
    table_json,
    table_of,
)

_DATA = json.loads(resources.files("sucre.adapters").joinpath(
    "data", "petrocaribe-terms.json").read_text("utf-8"))
BEFORE = table_of(_DATA["decisions"][0]["table"])
FROM_2008 = table_of(_DATA["decisions"][1]["table"])
HIGH_150, HIGH_200 = 15_000, 20_000

# (price, share before 13 Jul 2008, share from 13 Jul 2008 with the 150 default)
BOUNDARIES = [
    ("0.01", "0"), ("14.99", "0"), ("15.00", "0.05"), ("19.99", "0.05"), ("20.00", "0.10"),
    ("21.99", "0.10"), ("22.00", "0.15"), ("23.99", "0.15"), ("24.00", "0.20"),
    ("29.99", "0.20"), ("30.00", "0.25"), ("39.99", "0.25"), ("40.00", "0.30"),
    ("49.99", "0.30"), ("50.00", "0.40"), ("99.99", "0.40"),
]


@pytest.mark.parametrize(("price", "share"), BOUNDARIES)
def test_tiers_up_to_100_are_the_same_on_both_sides_of_the_2008_summit(price: str,
                                                                       share: str) -> None:
    cents = price_minor(price)
    assert BEFORE.share(cents, HIGH_150) == Fraction(share)
    assert FROM_2008.share(cents, HIGH_150) == Fraction(share)


@pytest.mark.parametrize(("price", "before", "after_150", "after_200"), [
    ("100.00", "0.50", "0.60", "0.60"), ("149.99", "0.50", "0.60", "0.60"),
    ("150.00", "0.50", "0.70", "0.60"), ("199.99", "0.50", "0.70", "0.60"),
    ("200.00", "0.50", "0.70", "0.70"), ("1000.00", "0.50", "0.70", "0.70")])
def test_the_top_tiers_and_the_150_or_200_threshold(price: str, before: str, after_150: str,
                                                    after_200: str) -> None:
    cents = price_minor(price)
    assert BEFORE.share(cents, HIGH_150) == BEFORE.share(cents, HIGH_200) == Fraction(before)
    assert FROM_2008.share(cents, HIGH_150) == Fraction(after_150)
    assert FROM_2008.share(cents, HIGH_200) == Fraction(after_200)


@pytest.mark.parametrize(("price", "years", "rate"), [
    ("15.00", 17, "0.02"), ("39.99", 17, "0.02"), ("40.00", 25, "0.01"), ("250.00", 25, "0.01")])
def test_regimes_switch_at_40(price: str, years: int, rate: str) -> None:
    for table in (BEFORE, FROM_2008):
        terms = table.terms(price_minor(price), HIGH_150, 1, "ref")
        assert (terms.years, terms.grace_years, terms.rate, terms.cash_days, terms.per_year) == (
            years, 2, Fraction(rate), 90, 2)


def test_the_high_threshold_parameter_default_and_bounds() -> None:
    assert parameters.PETROCARIBE_HIGH_THRESHOLD.read(
        parameters.PETROCARIBE_HIGH_THRESHOLD.default) == HIGH_150
    assert parameters.PETROCARIBE_HIGH_THRESHOLD.parse("200.00") == HIGH_200
    for bad in ("100.00", "99", "-150", "150.001", "abc"):
        with pytest.raises(InvalidInput):
            parameters.decided_text("petrocaribe_high_threshold", bad)


def test_a_table_round_trips_and_reads_from_text() -> None:
    assert table_of(table_json(FROM_2008)) == FROM_2008
    text_table = TermsTable(
        parse_tiers("15=0.05,20=0.10,22=0.15,24=0.20,30=0.25,40=0.30,50=0.40,100=0.60,high=0.70"),
        parse_regimes("0=17/2/0.02,40=25/2/0.01"), 90, 2)
    assert text_table == FROM_2008
    assert decimal_text(Fraction(3, 10)) == "0.30" and decimal_text(Fraction(0)) == "0.00"


@pytest.mark.parametrize(("tiers", "regimes"), [
    ("20=0.10,15=0.05", "0=17/2/0.02"),  # thresholds not increasing
    ("15=0.50,20=0.10", "0=17/2/0.02"),  # share falling
    ("high=0.7,15=0.05", "0=17/2/0.02"),  # the parameter tier not last
    ("15=1.5", "0=17/2/0.02"),  # share above 1
    ("15=0.05", "10=17/2/0.02"),  # no regime from 0
    ("15=0.05", "0=2/2/0.02"),  # grace as long as the term
    ("15=0.05", "0=17/2"),  # malformed
])
def test_bad_tables_are_refused(tiers: str, regimes: str) -> None:
    with pytest.raises(InvalidInput):
        TermsTable(parse_tiers(tiers), parse_regimes(regimes))


def test_a_high_threshold_at_or_below_the_tier_under_it_is_refused() -> None:
    with pytest.raises(InvalidState):
        FROM_2008.share(15_000, 10_000)


def test_bills_are_exact_or_refused() -> None:
    assert bill_minor(barrels("100000"), price_minor("60.00")) == 600_000_000
    assert bill_minor(barrels("0.5"), price_minor("97.02")) == 4851
    with pytest.raises(InvalidAmount) as refused:
        bill_minor(barrels("0.001"), price_minor("97.01"))
    assert refused.value.field == "barrels"
    for bad in ("0", "-5", "1e3", "0.0001"):
        with pytest.raises(InvalidAmount):
            barrels(bad)
    with pytest.raises(InvalidAmount):
        price_minor("0.00")


def test_the_worked_example_of_the_readme() -> None:
    terms = FROM_2008.terms(price_minor("60.00"), HIGH_150, 2, "V Extraordinary Summit")
    cash, financed = split(600_000_000, terms.share)
    assert (cash, financed) == (360_000_000, 240_000_000)
    plan = loans.schedule(financed, dt.date(2009, 3, 1), years=terms.years,
                          grace_years=terms.grace_years, rate=terms.rate,
                          per_year=terms.per_year)
    assert len(plan) == 50
    assert plan[0] == loans.Instalment(1, dt.date(2009, 9, 1), 0, 1_200_000)
    assert plan[4] == loans.Instalment(5, dt.date(2011, 9, 1), 5_217_391, 1_200_000)
    assert plan[5].interest_minor == 1_173_913  # 2,394,782.609... x 0.5 %: 11,973.913 -> .91
    assert plan[-1].principal_minor == 5_217_391 + 14
    assert sum(i.principal_minor for i in plan) == financed


@given(st.integers(1, 10**9), st.sampled_from(["14.99", "15.00", "40.00", "97.00", "104.27",
                                               "150.00", "249.99"]),
       st.dates(dt.date(2000, 1, 1), dt.date(2040, 12, 31)), st.sampled_from([1, 2, 4, 12]),
       st.booleans())
def test_any_shipment_splits_and_schedules_exactly(barrels_count: int, price: str,
                                                   day: dt.date, per_year: int,
                                                   after: bool) -> None:
    table = FROM_2008 if after else BEFORE
    terms = table.terms(price_minor(price), HIGH_150, 1, "ref")
    bill = bill_minor(Fraction(barrels_count), price_minor(price))
    cash, financed = split(bill, terms.share)
    assert cash + financed == bill and cash >= 0 and financed >= 0
    assert abs(financed - bill * terms.share) <= Fraction(1, 2)
    if not financed:
        assert terms.share == 0 or bill * terms.share < 1
        return
    plan = loans.schedule(financed, day, years=terms.years, grace_years=terms.grace_years,
                          rate=terms.rate, per_year=per_year)
    assert sum(i.principal_minor for i in plan) == financed
    assert [i.due_date for i in plan] == sorted({i.due_date for i in plan})
    outstanding = financed
    for instalment in plan:
        exact = outstanding * terms.rate / per_year
        assert abs(instalment.interest_minor - exact) <= Fraction(1, 2)
        outstanding -= instalment.principal_minor
    grace = terms.grace_years * per_year
    assert all(i.principal_minor == 0 for i in plan[:grace])
    part = financed // (len(plan) - grace)
    assert all(i.principal_minor == part for i in plan[grace:-1])
    assert 0 <= plan[-1].principal_minor - part < len(plan) - grace


@given(st.integers(1, 10**8), st.lists(st.integers(1, 10**7), min_size=1, max_size=8))
def test_payments_credit_oldest_instalments_interest_first(principal: int,
                                                           payments: list[int]) -> None:
    plan = loans.schedule(principal, dt.date(2010, 1, 31), years=3, grace_years=1,
                          rate=Fraction(1, 50), per_year=4)
    credited: list[loans.Credited] = []
    for amount in payments:
        statuses = loans.status(plan, credited)
        if amount > loans.owed(statuses):
            with pytest.raises(InvalidAmount):
                loans.credit(statuses, amount)
            continue
        lines = loans.credit(statuses, amount)
        assert sum(line.paid_minor for line in lines) == amount
        credited.extend(lines)
    statuses = loans.status(plan, credited)
    # every instalment before the first that still owes anything is fully paid
    first_open = next((s.instalment.number for s in statuses if s.owed), None)
    for s in statuses:
        if first_open is not None and s.instalment.number < first_open:
            assert s.owed == 0
        if s.principal_paid:
            assert s.interest_owed == 0  # interest first
    paid = sum(c.paid_minor for c in credited)
    assert paid + loans.owed(statuses) == principal + sum(i.interest_minor for i in plan)


def test_payoff_waives_only_interest_not_yet_due() -> None:
    plan = loans.schedule(1_000_000, dt.date(2010, 1, 1), years=2, grace_years=1,
                          rate=Fraction(1, 50), per_year=2)
    statuses = loans.status(plan, [])
    lines = loans.payoff(statuses, dt.date(2011, 1, 1))
    due = {line.number: line for line in lines}
    assert due[1].interest_minor == 10_000 and due[2].interest_minor == 10_000
    assert due[3].waived_minor == 10_000 and due[4].waived_minor == 5_000
    assert sum(line.principal_minor for line in lines) == 1_000_000
    statuses = loans.status(plan, lines)
    assert loans.owed(statuses) == 0
    assert [s.instalment.number for s in loans.arrears(loans.status(plan, []),
                                                       dt.date(2011, 1, 2))] == [1, 2]

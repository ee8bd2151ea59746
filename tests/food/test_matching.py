"""The matching: optima known by hand, critical first, tonnes before miles, windows, exactness,
and agreement with a linear program on random small rounds."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from sucre.domain.errors import InvalidAmount
from sucre.domain.food.matching import match, sailing_days
from sucre.domain.food.records import Distances, PortInfo, format_tonnes, parse_tonnes
from tests.food.helpers import need, supply, table


def test_the_crossed_assignment_is_optimal_as_computed_by_hand() -> None:
    # A->X 10, A->Y 30, B->X 20, B->Y 100: straight (A->X, B->Y) costs 110 nm a tonne, crossed
    # (A->Y, B->X) 50: 100 t each way is 5,000 tonne-miles.
    distances = table({("A", "X"): 10, ("A", "Y"): 30, ("B", "X"): 20, ("B", "Y"): 100})
    plan = match([supply("A", 100), supply("B", 100)], [need("X", 100), need("Y", 100)],
                 distances)
    assert plan.delivered_kg == 200_000
    assert format_tonnes(plan.kg_nm) == "5000.000"
    assert {(s.supply, s.need, s.tonnes_kg) for s in plan.shipments} == {
        (0, 1, 100_000), (1, 0, 100_000)}


def test_a_critical_need_is_served_before_a_nearer_normal_one() -> None:
    distances = table({("A", "NEAR"): 10, ("A", "FAR"): 900})
    plan = match([supply("A", 100)], [need("NEAR", 100), need("FAR", 100, critical=True)],
                 distances)
    assert [(s.need, s.tonnes_kg) for s in plan.shipments] == [(1, 100_000)]
    assert plan.critical_kg == 100_000
    assert [(u.need, u.tonnes_kg) for u in plan.unmet] == [(0, 100_000)]
    assert "used up" in plan.unmet[0].reason


def test_more_tonnes_win_over_fewer_miles() -> None:
    # The cheapest use of A (to X, 10 nm) would leave Y unserved: B reaches only X.
    distances = table({("A", "X"): 10, ("A", "Y"): 50, ("B", "X"): 100})
    plan = match([supply("A", 100), supply("B", 100)], [need("X", 100), need("Y", 100)],
                 distances)
    assert plan.delivered_kg == 200_000
    assert format_tonnes(plan.kg_nm) == "15000.000"


def test_an_infeasible_window_is_unmet_with_the_reason() -> None:
    # 1,000 nm at 12 kn is 3.5 days, rounded up to 4: available day 0, needed by day 3.
    distances = table({("A", "X"): 1000})
    assert sailing_days(1000, 12) == 4
    plan = match([supply("A", 10)], [need("X", 10, by=3)], distances)
    assert plan.shipments == ()
    assert plan.unmet[0].reason.startswith("time window: no offer of rice can arrive by "
                                           "2026-07-04 (earliest arrival 2026-07-05")
    assert match([supply("A", 10)], [need("X", 10, by=4)], distances).delivered_kg == 10_000


def test_other_reasons_name_the_category_and_the_route() -> None:
    distances = table({("A", "X"): 10, ("B", "Y"): 10})
    plan = match([supply("A", 10)], [need("X", 5, category="beans"), need("Y", 5)], distances)
    assert [u.reason for u in plan.unmet] == ["no offer of beans",
                                              "no sea route from any offer of rice to Y"]


def test_tonnes_are_exact_to_the_kilogram() -> None:
    distances = table({("A", "X"): 7})
    plan = match([supply("A", 0.001)], [need("X", 12.345)], distances)
    assert plan.delivered_kg == 1
    assert format_tonnes(plan.kg_nm) == "0.007"
    assert format_tonnes(plan.unmet[0].tonnes_kg) == "12.344"
    assert parse_tonnes("12.345") == 12_345
    for bad in ("-1", "0", "1.0001", "1e3", "abc", "0.000"):
        with pytest.raises(InvalidAmount):
            parse_tonnes(bad)


def _lp_optimum(sup: list[int], dem: list[int], critical: list[bool],
                cost: np.ndarray) -> tuple[float, float, float]:
    """The same lexicographic objective by three linear programs (HiGHS)."""
    s, n = len(sup), len(dem)
    ok = cost >= 0
    arcs = [(i, j) for i in range(s) for j in range(n) if ok[i, j]]
    if not arcs:
        return 0.0, 0.0, 0.0
    a_ub = np.zeros((s + n, len(arcs)))
    for k, (i, j) in enumerate(arcs):
        a_ub[i, k] = 1
        a_ub[s + j, k] = 1
    b_ub = np.array(sup + dem, dtype=float)
    crit = np.array([1.0 if critical[j] else 0.0 for _, j in arcs])
    first = linprog(-crit, A_ub=a_ub, b_ub=b_ub, method="highs")
    c_star = -first.fun
    eq = [crit]
    second = linprog(-np.ones(len(arcs)), A_ub=a_ub, b_ub=b_ub, A_eq=np.array(eq),
                     b_eq=[c_star], method="highs")
    d_star = -second.fun
    miles = np.array([cost[i, j] for i, j in arcs], dtype=float)
    third = linprog(miles, A_ub=a_ub, b_ub=b_ub, A_eq=np.array([crit, np.ones(len(arcs))]),
                    b_eq=[c_star, d_star], method="highs")
    return c_star, d_star, third.fun


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_the_matching_agrees_with_a_linear_program(data: st.DataObject) -> None:
    s = data.draw(st.integers(1, 4))
    n = data.draw(st.integers(1, 4))
    sup = data.draw(st.lists(st.integers(1, 50), min_size=s, max_size=s))
    dem = data.draw(st.lists(st.integers(1, 50), min_size=n, max_size=n))
    critical = data.draw(st.lists(st.booleans(), min_size=n, max_size=n))
    ready = data.draw(st.lists(st.integers(0, 5), min_size=s, max_size=s))
    due = data.draw(st.lists(st.integers(0, 8), min_size=n, max_size=n))
    miles = np.array(data.draw(st.lists(st.integers(-1, 1500), min_size=s * n,
                                        max_size=s * n))).reshape(s, n)
    legs = {(f"S{i}", f"N{j}"): int(miles[i, j]) for i in range(s) for j in range(n)
            if miles[i, j] >= 0}
    ports = {p: PortInfo(p) for p in [*(f"S{i}" for i in range(s)), *(f"N{j}" for j in range(n))]}
    # At 12 knots a day is 288 nm: an arc exists where a route joins and the cargo arrives in time.
    usable = np.array([[miles[i, j] >= 0 and ready[i] + -(-miles[i, j] // 288) <= due[j]
                        for j in range(n)] for i in range(s)])
    plan = match([supply(f"S{i}", sup[i], day=ready[i]) for i in range(s)],
                 [need(f"N{j}", dem[j], by=due[j], critical=critical[j]) for j in range(n)],
                 Distances(ports, legs), speed_kn=12)
    c_star, d_star, miles_star = _lp_optimum([x * 1000 for x in sup], [x * 1000 for x in dem],
                                             critical, np.where(usable, miles, -1))
    assert plan.critical_kg == pytest.approx(c_star)
    assert plan.delivered_kg == pytest.approx(d_star)
    assert plan.kg_nm == pytest.approx(miles_star, rel=1e-9, abs=1e-6)


def test_days_round_up() -> None:
    assert [sailing_days(nm, 10) for nm in (0, 1, 240, 241)] == [0, 1, 1, 2]
    assert dt.date(2026, 1, 1) + dt.timedelta(days=sailing_days(480, 10)) == dt.date(2026, 1, 3)

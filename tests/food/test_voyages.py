"""The fleet: a voyage whose cost and bound are known by hand, time windows, aircraft."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sucre.adapters import food_csv
from sucre.domain.errors import BadRows, InvalidInput
from sucre.domain.food.fleet import Vehicle, VehicleKind
from sucre.domain.food.lower_bound import held_karp
from sucre.domain.food.matching import match
from sucre.domain.food.voyages import plan_voyages
from tests.food.helpers import need, supply, table

# Home H, pickup P, delivery Q: 100 + 200 + 150 nm.
LEGS = {("H", "P"): 100, ("P", "Q"): 200, ("Q", "H"): 150}


def ship(name: str = "S1", *, capacity_t: int = 1000, speed: int = 10,
         daily_minor: int = 240_000, home: str = "H") -> Vehicle:
    return Vehicle(name, VehicleKind.SHIP, capacity_t * 1000, speed, daily_minor, home)


def test_one_load_one_ship_costs_its_hours_and_meets_its_bound() -> None:
    # 10 + 20 + 15 hours sailing at 10 kn, 12 hours loading and 12 unloading: 69 hours at
    # 2,400.00 a day (100.00 an hour) is 6,900.00; the round-trip bound is the same.
    distances = table(LEGS)
    plan = match([supply("P", 500)], [need("Q", 500)], distances)
    routed = plan_voyages(plan, [ship()], distances, time_limit_s=1)
    assert routed.cost_minor == 690_000
    assert routed.lower_bound_minor == 690_000
    assert routed.gap == 0
    assert routed.days == 3  # 69 hours
    [route] = routed.routes
    assert [(s.port, s.action) for s in route.stops] == [
        ("H", "start"), ("P", "pickup"), ("Q", "deliver"), ("H", "end")]
    assert [s.arrival_h for s in route.stops] == [0, 10, 42, 69]


def test_a_load_larger_than_the_ship_is_cut_and_carried_in_two_trips() -> None:
    distances = table(LEGS)
    plan = match([supply("P", 1500)], [need("Q", 1500)], distances)
    routed = plan_voyages(plan, [ship()], distances, time_limit_s=1)
    assert [x.tonnes_kg for x in routed.loads] == [1_000_000, 500_000]
    assert routed.unserved == ()
    assert routed.lower_bound_minor <= routed.cost_minor


def test_a_window_no_ship_can_meet_leaves_the_load_unserved_with_the_reason() -> None:
    # The matching allows it at 24 kn (200 nm within a day), the 5-knot ship cannot: it is at P
    # after 20 h, loads 12 h, then needs 40 h to Q: hour 72, past the end of day 1 (hour 48).
    distances = table(LEGS)
    plan = match([supply("P", 10)], [need("Q", 10, by=1, critical=True)], distances,
                 speed_kn=24)
    assert plan.delivered_kg == 10_000
    routed = plan_voyages(plan, [ship(speed=5)], distances, time_limit_s=1)
    assert routed.routes == ()
    assert [k for k, _ in routed.unserved] == [0]
    assert "within its window" in routed.unserved[0][1]


def test_an_aircraft_carries_a_small_critical_load_the_ship_cannot_deliver_in_time() -> None:
    distances = table(LEGS)
    plan = match([supply("P", 10)], [need("Q", 10, by=1, critical=True)], distances,
                 speed_kn=24)
    plane = Vehicle("A1", VehicleKind.AIRCRAFT, 40_000, 400, 2_400_000, "H")
    routed = plan_voyages(plan, [ship(speed=5), plane], distances, time_limit_s=1)
    assert [r.vehicle.name for r in routed.routes] == ["A1"]
    assert routed.unserved == ()


def test_an_aircraft_never_carries_a_normal_load() -> None:
    distances = table(LEGS)
    plan = match([supply("P", 10)], [need("Q", 10, by=1)], distances, speed_kn=24)
    plane = Vehicle("A1", VehicleKind.AIRCRAFT, 40_000, 400, 2_400_000, "H")
    routed = plan_voyages(plan, [ship(speed=5), plane], distances, time_limit_s=1)
    assert routed.routes == ()
    assert len(routed.unserved) == 1


def _tour(cost: list[list[int]]) -> int:
    import itertools

    size = len(cost)
    if size < 2:
        return 0
    return min(sum(cost[a][b] for a, b in zip((0, *order), (*order, 0), strict=True))
               for order in itertools.permutations(range(1, size)))


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 7).flatmap(lambda n: st.lists(
    st.tuples(st.integers(0, 100), st.integers(0, 100)), min_size=n, max_size=n)))
def test_the_held_karp_bound_never_exceeds_the_shortest_tour(points: list[tuple[int, int]]
                                                             ) -> None:
    # Manhattan distances between points: symmetric and metric, as the closure the bound gets.
    cost = [[abs(a - c) + abs(b - d) for c, d in points] for a, b in points]
    bound, tour = held_karp(cost), _tour(cost)
    assert 0 <= bound <= tour
    if len(points) <= 3:
        assert bound == tour  # a triangle's 1-tree is the tour itself


def test_the_bound_counts_the_ships_closed_tour() -> None:
    # Two loads P->Q and R->S far apart, one ship at H: laden miles are short, but any plan must
    # sail a closed tour H -> P -> Q -> R -> S -> H (or the like), which the bound counts.
    legs = {("H", "P"): 100, ("P", "Q"): 10, ("Q", "R"): 100, ("R", "S"): 10, ("S", "H"): 100,
            ("H", "R"): 141, ("P", "S"): 141, ("H", "Q"): 141, ("P", "R"): 141,
            ("Q", "S"): 141, ("H", "S"): 100}
    distances = table(legs)
    plan = match([supply("P", 10), supply("R", 10)], [need("Q", 10), need("S", 10)], distances)
    routed = plan_voyages(plan, [ship()], distances, time_limit_s=1)
    # Sailing 10 + 1 + 10 + 1 + 10 = 32 hours at best, four stops of 12 hours: 80 hours.
    assert routed.cost_minor == 80 * 10_000
    assert routed.lower_bound_minor == routed.cost_minor


def test_the_bound_counts_the_empty_return_of_capacity() -> None:
    # 3,000 t from P to Q (100 nm) on one 1,000-t ship at home in P: three round trips of 10 h
    # laden, 10 h back empty and 24 h of stops: 132 hours. Only the capacity circulation sees
    # the empty returns: 3 x (10 + 10) sailing + 6 x 12 in port.
    distances = table({("P", "Q"): 100})
    plan = match([supply("P", 3000)], [need("Q", 3000)], distances)
    routed = plan_voyages(plan, [ship(home="P")], distances, time_limit_s=1)
    assert len(routed.loads) == 3 and routed.unserved == ()
    assert routed.cost_minor == 132 * 10_000
    assert routed.lower_bound_minor == routed.cost_minor


def test_bad_vessel_rows_are_named(tmp_path: Path) -> None:
    path = tmp_path / "vessels.csv"
    path.write_text("name,kind,capacity_tonnes,speed_knots,daily_cost,home_port\n"
                    "S1,ship,1000,12,9000.00,P\n"
                    "S2,boat,1000,12,9000.00,P\n"
                    "S3,ship,0,12,9000.00,P\n"
                    "S4,ship,1000,12.5,9000.00,P\n"
                    "S5,ship,1000,12,9000.001,P\n"
                    "S6,ship,1000,12,100000001.00,P\n"
                    "S7,ship,1000,12,9000.00,Atlantis\n", encoding="utf-8")
    with pytest.raises(BadRows) as error:
        food_csv.read_vessels(path, table(LEGS))
    assert [(line, field) for line, field, _ in error.value.errors] == [
        (3, "kind"), (4, "capacity_tonnes"), (5, "speed_knots"), (6, "daily_cost"),
        (7, "daily_cost"), (8, "home_port")]


def test_a_round_longer_than_a_year_is_planned_in_parts() -> None:
    distances = table(LEGS)
    plan = match([supply("P", 10)], [need("Q", 10, by=400)], distances)
    with pytest.raises(InvalidInput, match="plan it in parts"):
        plan_voyages(plan, [ship()], distances, time_limit_s=1)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_rounds_route_within_their_own_checks(seed: int) -> None:
    # Every plan re-derives its routes (voyages._verify) and holds its bound under its cost;
    # an invariant broken there raises, so a passing run is a checked one.
    import random

    rng = random.Random(seed)
    points = {p: (rng.randint(0, 600), rng.randint(0, 600)) for p in "ABCDEFG"}
    legs = {(a, b): abs(xa - xb) + abs(ya - yb) + 1 for a, (xa, ya) in points.items()
            for b, (xb, yb) in points.items() if a < b}
    distances = table(legs)
    supplies = [supply(rng.choice("ABCDEFG"), rng.randint(10, 900), day=rng.randint(0, 5),
                       category=rng.choice(("rice", "beans"))) for _ in range(8)]
    needs = [need(rng.choice("ABCDEFG"), rng.randint(10, 900), by=rng.randint(3, 20),
                  critical=rng.random() < 0.4, category=rng.choice(("rice", "beans")))
             for _ in range(8)]
    plan = match(supplies, needs, distances)
    fleet = [ship("S1", capacity_t=800, home="A"), ship("S2", capacity_t=1200, speed=14, home="D"),
             Vehicle("A1", VehicleKind.AIRCRAFT, 40_000, 400, 3_000_000, "A")]
    routed = plan_voyages(plan, fleet, distances, time_limit_s=1)
    assert len(routed.unserved) + len({s.load for r in routed.routes for s in r.stops
                                       if s.load is not None}) == len(routed.loads)
    assert 0 <= routed.lower_bound_units <= routed.cost_units
    assert routed.routes, "the round is not trivial: some vehicle sails"

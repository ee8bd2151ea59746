"""The lower bound of a voyage plan: what no plan carrying the same loads can cost less than.

In hour x daily-cost units, the bound is ``max(trip, stops_and_laden, stops + max(tour,
circulation))``. A plan's cost is its stops (port hours) plus its sailing:

* ``stops``: each served load's two stops at the cheapest vehicle allowed to carry it;
* ``stops_and_laden``: a vehicle sails at least its miles at its speed and carries at most its
  capacity over each mile, so stops and sailing cost at least, summed over loads, the cheapest
  allowed vehicle's two stops plus ``kg x shortest_miles(pickup, delivery) x daily / (speed x
  capacity)``;
* ``tour``: the ships' closed routes all start and end at a home, so with the homes taken as one
  point they form one closed walk through every port of a load only ships may carry; their
  sailing costs at least the shortest tour through those ports and that point, each leg at its
  cheapest ship (bounded from below by Held and Karp's 1-trees);
* ``circulation``: count each vehicle's capacity as a flow along its legs, at the cheapest cost
  per kilogram of capacity of any vehicle on that leg. The vehicles' routes are closed, so that
  flow is a circulation; it carries every load, so it is at least the loads' flow on every leg.
  The cheapest such circulation carries each load by its cheapest path and brings the capacity
  that ends up at net importing ports back to net exporting ones by a minimum-cost flow:
  ``sum(kg x cheapest path) + cost of the empty return`` (the return in whole tonnes, rounded in
  the bound's favour: supplies down, costs down);
* ``trip``: some allowed vehicle must sail home -> pickup -> delivery -> home for each load, so
  the plan costs at least the largest such cheapest round trip.

The gap is ``(cost - bound) / cost``: the routing solver's distance from the optimum is at most
that (the bound ignores time windows, capacities beyond the laden miles and the need to come
back empty from several far ports, so it is not tight).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np
from ortools.graph.python import min_cost_flow

from sucre import bounds
from sucre.domain.errors import invariant
from sucre.domain.food.fleet import (
    PORT_HOURS,
    Load,
    Network,
    Vehicle,
    VehicleKind,
    floyd,
    may_carry,
)
from sucre.domain.food.records import KG_PER_TONNE

_INT64_SAFE = 2**62


def lower_bound(loads: Sequence[Load], vehicles: Sequence[Vehicle], network: Network) -> int:
    """``max(trip, stops_and_laden, stops + tour)`` in hour x daily-cost units (module
    docstring)."""
    stops, stops_and_laden, trip = 0, Fraction(0), 0
    for load in loads:
        allowed = [v for v, vehicle in enumerate(vehicles) if may_carry(vehicle, load)]
        invariant(bool(allowed), "a served load has a vehicle allowed to carry it")
        stop = [2 * PORT_HOURS[vehicles[v].kind] * vehicles[v].daily_cost_minor for v in allowed]
        stops += min(stop)
        stops_and_laden += min(s + _laden(load, vehicles[v], network, v)
                               for s, v in zip(stop, allowed, strict=True))
        trip = max(trip, min(_round_trip(load, vehicles[v], network, v) for v in allowed))
    sailing = max(_ship_tour(loads, vehicles, network),
                  _capacity_circulation(loads, vehicles, network))
    return max(trip, int(stops_and_laden), stops + sailing)


def _laden(load: Load, vehicle: Vehicle, network: Network, v: int) -> Fraction:
    """The load's share of a vehicle's sailing cost: its kilogram-miles at full capacity."""
    p, q = network.index[load.pickup], network.index[load.delivery]
    miles = int(network.shortest_nm[v][p, q])
    return Fraction(load.tonnes_kg * miles * vehicle.daily_cost_minor,
                    vehicle.speed_kn * vehicle.capacity_kg)


def _round_trip(load: Load, vehicle: Vehicle, network: Network, v: int) -> int:
    """Home -> pickup -> delivery -> home by ``vehicle``, with its two stops."""
    h = network.shortest_h[v]
    home, p, q = (network.index[x] for x in (vehicle.home_port, load.pickup, load.delivery))
    hours = int(h[home, p] + h[p, q] + h[q, home]) + 2 * PORT_HOURS[vehicle.kind]
    return hours * vehicle.daily_cost_minor


def _ship_tour(loads: Sequence[Load], vehicles: Sequence[Vehicle], network: Network) -> int:
    """The ships' sailing cost is at least a shortest tour through the ships' homes (contracted
    into one root) and every port of a load only ships may carry, each leg at its cheapest ship:
    the ships' closed routes all pass through the root, so together they are one closed walk
    over those ports, and in the metric closure a closed walk can be shortcut to a tour that
    costs no more. The tour is bounded from below by Held and Karp's 1-trees (any multipliers
    give a bound; a subgradient search looks for good ones)."""
    ships = [v for v, vehicle in enumerate(vehicles) if vehicle.kind is VehicleKind.SHIP]
    required = sorted({network.index[p] for load in loads
                       if all(vehicles[v].kind is VehicleKind.SHIP
                              for v in range(len(vehicles)) if may_carry(vehicles[v], load))
                       for p in (load.pickup, load.delivery)})
    size = len(network.index)
    if not required or size > bounds.food_lower_bound_ports_max:
        return 0
    metric = np.full((size + 1, size + 1), network.unreachable_h * 10**9, dtype=np.int64)
    metric[:size, :size] = np.min(
        np.stack([network.hours[v] * vehicles[v].daily_cost_minor for v in ships]), axis=0)
    for v in ships:
        home = network.index[vehicles[v].home_port]
        metric[size, home] = metric[home, size] = 0
    np.fill_diagonal(metric, 0)
    closure = floyd(metric)
    nodes = [size, *required]
    sub = np.minimum(closure, closure.T)[np.ix_(nodes, nodes)]
    return held_karp([[int(x) for x in row] for row in sub])


_SUBGRADIENT_STEPS = 150


def held_karp(cost: list[list[int]]) -> int:
    """A lower bound on the shortest tour through every node of the symmetric ``cost``."""
    size = len(cost)
    if size < 3:
        return 2 * cost[0][1] if size == 2 else 0
    multipliers = [0] * size
    best, scale = 0, 2.0
    upper = 2 * sum(max(row) for row in cost)  # a loose tour length: only sizes the steps
    for step in range(_SUBGRADIENT_STEPS):
        weight, degrees = _one_tree(cost, multipliers)
        value = weight - 2 * sum(multipliers)
        best = max(best, value)
        slack = [d - 2 for d in degrees]
        norm = sum(s * s for s in slack)
        if norm == 0:
            break  # the 1-tree is a tour: the bound is the optimum
        length = scale * max(upper - value, 1) / norm
        multipliers = [m + round(length * s) for m, s in zip(multipliers, slack, strict=True)]
        if step % 15 == 14:
            scale /= 2
    return best


def _one_tree(cost: list[list[int]], multipliers: list[int]) -> tuple[int, list[int]]:
    """Weight and degrees of a least 1-tree at ``multipliers``: a spanning tree of nodes 1.. plus
    node 0's two cheapest edges (costs ``cost[i][j] + m[i] + m[j]``, exact integers)."""
    size = len(cost)
    def edge(i: int, j: int) -> int:
        return cost[i][j] + multipliers[i] + multipliers[j]
    degrees = [0] * size
    reach = {j: (edge(1, j), 1) for j in range(2, size)}
    weight = 0
    while reach:
        node = min(reach, key=lambda j: reach[j][0])
        value, parent = reach.pop(node)
        weight += value
        degrees[node] += 1
        degrees[parent] += 1
        reach = {j: min(r, (edge(node, j), node)) for j, r in reach.items()}
    first, second = sorted(range(1, size), key=lambda j: edge(0, j))[:2]
    degrees[0] = 2
    degrees[first] += 1
    degrees[second] += 1
    return weight + edge(0, first) + edge(0, second), degrees


def _ratio_closure(vehicles: Sequence[Vehicle], network: Network) -> list[list[Fraction | None]]:
    """Cheapest cost per kilogram of capacity between ports (``None``: no route), over any
    vehicle, closed under shortest paths."""
    size = len(network.index)
    table: list[list[Fraction | None]] = [[None] * size for _ in range(size)]
    for a in range(size):
        table[a][a] = Fraction(0)
        for b in range(size):
            for v, vehicle in enumerate(vehicles):
                hours = int(network.hours[v][a, b])
                if a == b or hours >= network.unreachable_h:
                    continue
                ratio = Fraction(hours * vehicle.daily_cost_minor, vehicle.capacity_kg)
                known = table[a][b]
                table[a][b] = ratio if known is None else min(known, ratio)
    for k in range(size):
        for a in range(size):
            for b in range(size):
                via_a, via_b, known = table[a][k], table[k][b], table[a][b]
                if via_a is not None and via_b is not None and (
                        known is None or via_a + via_b < known):
                    table[a][b] = via_a + via_b
    return table


def _capacity_circulation(loads: Sequence[Load], vehicles: Sequence[Vehicle],
                          network: Network) -> int:
    """Laden cheapest paths plus the empty return of capacity (module docstring)."""
    if len(network.index) > bounds.food_lower_bound_ports_max:
        return 0
    ratio = _ratio_closure(vehicles, network)
    laden = Fraction(0)
    arriving = [0] * len(network.index)  # kg delivered minus kg picked up, per port
    for load in loads:
        p, q = network.index[load.pickup], network.index[load.delivery]
        path = ratio[p][q]
        invariant(path is not None, "a served load's ports are joined")
        laden += load.tonnes_kg * (path or 0)
        arriving[q] += load.tonnes_kg
        arriving[p] -= load.tonnes_kg
    return int(laden) + _empty_return(arriving, ratio)


def _empty_return(arriving: Sequence[int], ratio: Sequence[Sequence[Fraction | None]]) -> int:
    """Least cost of taking the capacity left at net importing ports back to net exporting
    ones, in whole tonnes (supplies rounded down, costs per tonne rounded down: a lower bound);
    0 when the sums would not fit the solver's integers."""
    sources = [p for p, kg in enumerate(arriving) if kg >= KG_PER_TONNE]
    sinks = [p for p, kg in enumerate(arriving) if kg < 0]
    supply = {p: arriving[p] // KG_PER_TONNE for p in sources}
    total = sum(supply.values())
    arcs = [(a, b, int((ratio[a][b] or 0) * KG_PER_TONNE)) for a in sources for b in sinks
            if ratio[a][b] is not None]
    if not total or not arcs or max(c for _, _, c in arcs) * total >= _INT64_SAFE:
        return 0
    solver = min_cost_flow.SimpleMinCostFlow()
    sink = len(arriving)
    for a, b, cost in arcs:
        solver.add_arc_with_capacity_and_unit_cost(a, b, total, cost)
    for b in sinks:
        solver.add_arc_with_capacity_and_unit_cost(b, sink, -(arriving[b] // KG_PER_TONNE), 0)
    for a, tonnes in supply.items():
        solver.set_node_supply(a, tonnes)
    solver.set_node_supply(sink, -total)
    if solver.solve() != solver.OPTIMAL:
        return 0
    return int(solver.optimal_cost())

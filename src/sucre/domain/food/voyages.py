"""The fleet: vessels (and aircraft for small critical loads) routed to carry a matching's
shipments, with pickups and deliveries, capacities and time windows (OR-Tools' routing solver).

Model, in whole hours from 00:00 of the round's first ``available_from`` day:

* a shipment larger than the largest vessel is cut into loads of at most that size; a load is a
  pickup at the offer's port (not before its ``available_from`` day) and a delivery at the need's
  port (by the end of its ``needed_by`` day), on one vehicle, pickup first;
* an aircraft may carry a load only if the need is critical and the load fits it;
* a vehicle starts and ends at its home port; a leg takes ``ceil(miles / speed)`` hours (sea
  miles for vessels; great-circle miles for aircraft where both ports have positions, else sea
  miles) and each stop ``port_hours`` (loading or unloading);
* a vehicle costs its daily rate for every hour it sails or works in port (waiting is free: it
  is chartered by the day at sea); the plan's cost is the sum, rounded once, half to even, to the
  minor unit;
* a load no vehicle can carry in its window is dropped at a penalty far above any route's cost
  and reported as unserved with the reason.

The lower bound (what no plan serving the same loads can beat), in hour x daily-cost units, is
``max(trip, stops_and_laden, stops + tour)``. A plan's cost is its stops (port hours) plus its
sailing:

* ``stops``: each served load's two stops at the cheapest vehicle allowed to carry it;
* ``stops_and_laden``: a vehicle sails at least its miles at its speed and carries at most its
  capacity over each mile, so stops and sailing cost at least, summed over loads, the cheapest
  allowed vehicle's two stops plus ``kg x shortest_miles(pickup, delivery) x daily / (speed x
  capacity)``;
* ``tour``: the ships' closed routes all start and end at a home, so with the homes taken as one
  point they form one closed walk through every port of a load only ships may carry; their
  sailing costs at least the shortest tour through those ports and that point, each leg at its
  cheapest ship (bounded from below by Held and Karp's 1-trees);
* ``trip``: some allowed vehicle must sail home -> pickup -> delivery -> home for each load, so
  the plan costs at least the largest such cheapest round trip.

The gap is ``(cost - bound) / cost``: the routing solver's distance from the optimum is at most
that (the bound ignores time windows, capacities beyond the laden miles and the need to come
back empty from several far ports, so it is not tight).
"""

from __future__ import annotations

import datetime as dt
import enum
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from sucre import bounds
from sucre.domain.errors import InvalidInput, LimitExceeded, invariant
from sucre.domain.food.matching import Match
from sucre.domain.food.records import Distances, Port, Priority
from sucre.domain.money import divide_half_even
from sucre.domain.setoff.arrays import Int64Array

_HOURS_PER_DAY = 24
_PENALTY_UNITS = 10**15  # above any route's cost (hours x daily minor units), below int64 / loads
_CRITICAL_FACTOR = 4  # dropping a critical load costs more than dropping a normal one


class VehicleKind(enum.StrEnum):
    SHIP = "ship"
    AIRCRAFT = "aircraft"


#: Hours at each stop, by kind: a ship loads or unloads in half a day, an aircraft in two hours.
PORT_HOURS = {VehicleKind.SHIP: 12, VehicleKind.AIRCRAFT: 2}


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A vessel or aircraft of the fleet: capacity in kg, speed in knots, daily cost in minor
    units of the plan's currency, home port."""

    name: str
    kind: VehicleKind
    capacity_kg: int
    speed_kn: int
    daily_cost_minor: int
    home_port: Port

    def __post_init__(self) -> None:
        invariant(self.capacity_kg > 0 and self.speed_kn > 0 and self.daily_cost_minor >= 0,
                  "a vehicle carries, moves and costs")


@dataclass(frozen=True, slots=True)
class Load:
    """Part of a shipment (``shipment`` indexes the match's shipments) carried by one vehicle."""

    shipment: int
    tonnes_kg: int
    pickup: Port
    delivery: Port
    ready_h: int
    due_h: int
    critical: bool


@dataclass(frozen=True, slots=True)
class Stop:
    port: Port
    action: str  # "start", "pickup", "deliver", "end"
    load: int | None
    arrival_h: int


@dataclass(frozen=True, slots=True)
class Route:
    vehicle: Vehicle
    stops: tuple[Stop, ...]
    cost_units: int  # hours x daily minor units

    @property
    def end_h(self) -> int:
        return self.stops[-1].arrival_h


@dataclass(frozen=True, slots=True)
class VoyagePlan:
    origin: dt.date
    loads: tuple[Load, ...]
    routes: tuple[Route, ...]  # vehicles that move
    unserved: tuple[tuple[int, str], ...]  # (load, reason)
    cost_units: int
    lower_bound_units: int
    seconds: float
    time_limit_s: int

    @property
    def cost_minor(self) -> int:
        return divide_half_even(self.cost_units, _HOURS_PER_DAY)

    @property
    def lower_bound_minor(self) -> int:
        return self.lower_bound_units // _HOURS_PER_DAY

    @property
    def days(self) -> int:
        """Days from the origin until the last vehicle is home (a part day is a day)."""
        end = max((r.end_h for r in self.routes), default=0)
        return -(-end // _HOURS_PER_DAY)

    @property
    def gap(self) -> Fraction:
        if self.cost_units == 0:
            return Fraction(0)
        return Fraction(self.cost_units - self.lower_bound_units, self.cost_units)


def split_loads(plan: Match, vehicles: Sequence[Vehicle]) -> tuple[dt.date, list[Load]]:
    """The loads of ``plan``'s shipments, cut to the largest vessel, in hours from the origin."""
    ships = [v.capacity_kg for v in vehicles if v.kind is VehicleKind.SHIP]
    if not ships:
        raise InvalidInput("the fleet needs at least one ship", field="vessels")
    largest = max(ships)
    origin = min((plan.supplies[s.supply].available_from for s in plan.shipments),
                 default=dt.date(2000, 1, 1))
    loads: list[Load] = []
    for k, shipment in enumerate(plan.shipments):
        supply, need = plan.supplies[shipment.supply], plan.needs[shipment.need]
        ready = (supply.available_from - origin).days * _HOURS_PER_DAY
        due = ((need.needed_by - origin).days + 1) * _HOURS_PER_DAY
        rest = shipment.tonnes_kg
        while rest > 0:
            part = min(rest, largest)
            loads.append(Load(k, part, supply.port, need.port, ready, due,
                              need.priority is Priority.CRITICAL))
            rest -= part
    if len(loads) > bounds.food_loads_max:
        raise LimitExceeded(f"{len(loads)} loads exceed the maximum of {bounds.food_loads_max} "
                            "per round", field="vessels")
    return origin, loads


def _allowed(vehicle: Vehicle, load: Load) -> bool:
    if load.tonnes_kg > vehicle.capacity_kg:
        return False
    return vehicle.kind is VehicleKind.SHIP or load.critical


class _Network:
    """Hours between ports for each vehicle, shortest paths included (Floyd-Warshall)."""

    def __init__(self, ports: Sequence[Port], sea: Distances, air: Distances | None,
                 vehicles: Sequence[Vehicle], unreachable_h: int) -> None:
        self.index = {p: k for k, p in enumerate(ports)}
        size = len(ports)
        self.unreachable_h = unreachable_h
        self.hours: list[Int64Array] = []  # direct legs, per vehicle
        self.shortest_nm: list[Int64Array] = []
        self.shortest_h: list[Int64Array] = []  # fewest hours over legs, each rounded up
        for vehicle in vehicles:
            table = air if vehicle.kind is VehicleKind.AIRCRAFT and air is not None else sea
            nm = np.full((size, size), -1, dtype=np.int64)
            for a, pa in enumerate(ports):
                for b, pb in enumerate(ports):
                    miles = table.nm(pa, pb)
                    if miles is None and table is not sea:
                        miles = sea.nm(pa, pb)
                    nm[a, b] = -1 if miles is None else miles
            reach = nm >= 0
            hours = np.where(reach, -(-np.maximum(nm, 0) // vehicle.speed_kn), unreachable_h)
            self.hours.append(hours.astype(np.int64))
            self.shortest_h.append(_floyd(self.hours[-1]))
            self.shortest_nm.append(_floyd(np.where(reach, nm, 10**12)))


def _floyd(matrix: Int64Array) -> Int64Array:
    result = matrix.copy()
    for k in range(result.shape[0]):
        result = np.minimum(result, result[:, k:k + 1] + result[k:k + 1, :])
    return result


def plan_voyages(plan: Match, vehicles: Sequence[Vehicle], sea: Distances,
                 air: Distances | None = None, *,
                 time_limit_s: int = bounds.food_voyage_seconds_default) -> VoyagePlan:
    """Route ``vehicles`` to carry ``plan``'s shipments at least cost (module docstring)."""
    _check_fleet(vehicles, sea, time_limit_s)
    origin, loads = split_loads(plan, vehicles)
    started = time.perf_counter()
    if not loads:
        return VoyagePlan(origin, (), (), (), 0, 0, 0.0, time_limit_s)
    ports = sorted({v.home_port for v in vehicles} | {x.pickup for x in loads}
                   | {x.delivery for x in loads})
    horizon = max(x.due_h for x in loads) + 60 * _HOURS_PER_DAY
    network = _Network(ports, sea, air, vehicles, horizon + 1)
    solved = _Solver(loads, vehicles, network, horizon).solve(time_limit_s)
    routes, served = solved
    unserved = tuple((k, _why(load, vehicles)) for k, load in enumerate(loads) if k not in served)
    cost = sum(r.cost_units for r in routes)
    bound = _lower_bound([x for k, x in enumerate(loads) if k in served], vehicles, network)
    invariant(bound <= cost, "the lower bound does not exceed the plan's cost")
    return VoyagePlan(origin, tuple(loads), tuple(routes), unserved, cost, bound,
                      time.perf_counter() - started, time_limit_s)


def _check_fleet(vehicles: Sequence[Vehicle], sea: Distances, time_limit_s: int) -> None:
    if not vehicles:
        raise InvalidInput("no vessels given", field="vessels")
    if len(vehicles) > bounds.food_vehicles_max:
        raise LimitExceeded(f"{len(vehicles)} vehicles exceed the maximum of "
                            f"{bounds.food_vehicles_max}", field="vessels")
    if not 1 <= time_limit_s <= bounds.food_voyage_seconds_max:
        raise InvalidInput(f"the time limit is 1 to {bounds.food_voyage_seconds_max} seconds",
                           field="time_limit")
    for vehicle in vehicles:
        if vehicle.home_port not in sea.ports:
            raise InvalidInput(f"vehicle {vehicle.name!r}: unknown home port "
                               f"{vehicle.home_port!r}", field="home_port")


def _why(load: Load, vehicles: Sequence[Vehicle]) -> str:
    if not any(_allowed(v, load) for v in vehicles):
        return "no vehicle of the fleet may carry it (capacity, or aircraft for critical only)"
    return ("no vehicle can pick it up and deliver it within its window (or none was found "
            "within the time limit)")


def _lower_bound(loads: Sequence[Load], vehicles: Sequence[Vehicle], network: _Network) -> int:
    """``max(trip, stops_and_laden, stops + tour)`` in hour x daily-cost units (module
    docstring)."""
    stops, stops_and_laden, trip = 0, Fraction(0), 0
    for load in loads:
        allowed = [v for v, vehicle in enumerate(vehicles) if _allowed(vehicle, load)]
        invariant(bool(allowed), "a served load has a vehicle allowed to carry it")
        stop = [2 * PORT_HOURS[vehicles[v].kind] * vehicles[v].daily_cost_minor for v in allowed]
        stops += min(stop)
        stops_and_laden += min(s + _laden(load, vehicles[v], network, v)
                               for s, v in zip(stop, allowed, strict=True))
        trip = max(trip, min(_round_trip(load, vehicles[v], network, v) for v in allowed))
    return max(trip, int(stops_and_laden), stops + _ship_tour(loads, vehicles, network))


def _laden(load: Load, vehicle: Vehicle, network: _Network, v: int) -> Fraction:
    """The load's share of a vehicle's sailing cost: its kilogram-miles at full capacity."""
    p, q = network.index[load.pickup], network.index[load.delivery]
    miles = int(network.shortest_nm[v][p, q])
    return Fraction(load.tonnes_kg * miles * vehicle.daily_cost_minor,
                    vehicle.speed_kn * vehicle.capacity_kg)


def _round_trip(load: Load, vehicle: Vehicle, network: _Network, v: int) -> int:
    """Home -> pickup -> delivery -> home by ``vehicle``, with its two stops."""
    h = network.shortest_h[v]
    home, p, q = (network.index[x] for x in (vehicle.home_port, load.pickup, load.delivery))
    hours = int(h[home, p] + h[p, q] + h[q, home]) + 2 * PORT_HOURS[vehicle.kind]
    return hours * vehicle.daily_cost_minor


def _ship_tour(loads: Sequence[Load], vehicles: Sequence[Vehicle], network: _Network) -> int:
    """The ships' sailing cost is at least a shortest tour through the ships' homes (contracted
    into one root) and every port of a load only ships may carry, each leg at its cheapest ship:
    the ships' closed routes all pass through the root, so together they are one closed walk
    over those ports, and in the metric closure a closed walk can be shortcut to a tour that
    costs no more. The tour is bounded from below by Held and Karp's 1-trees (any multipliers
    give a bound; a subgradient search looks for good ones)."""
    ships = [v for v, vehicle in enumerate(vehicles) if vehicle.kind is VehicleKind.SHIP]
    required = sorted({network.index[p] for load in loads
                       if all(vehicles[v].kind is VehicleKind.SHIP
                              for v in range(len(vehicles)) if _allowed(vehicles[v], load))
                       for p in (load.pickup, load.delivery)})
    if not required:
        return 0
    size = len(network.index)
    metric = np.full((size + 1, size + 1), network.unreachable_h * 10**9, dtype=np.int64)
    metric[:size, :size] = np.min(
        np.stack([network.hours[v] * vehicles[v].daily_cost_minor for v in ships]), axis=0)
    for v in ships:
        home = network.index[vehicles[v].home_port]
        metric[size, home] = metric[home, size] = 0
    np.fill_diagonal(metric, 0)
    closure = _floyd(metric)
    nodes = [size, *required]
    sub = np.minimum(closure, closure.T)[np.ix_(nodes, nodes)]
    return _held_karp([[int(x) for x in row] for row in sub])


_SUBGRADIENT_STEPS = 150


def _held_karp(cost: list[list[int]]) -> int:
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


class _Solver:
    """The OR-Tools routing model of one round: node k < V is vehicle k's home; then a pickup
    and a delivery node per load."""

    def __init__(self, loads: Sequence[Load], vehicles: Sequence[Vehicle], network: _Network,
                 horizon: int) -> None:
        self.loads, self.vehicles, self.network, self.horizon = loads, vehicles, network, horizon
        count = len(vehicles)
        node_port = [network.index[v.home_port] for v in vehicles]
        for load in loads:
            node_port += [network.index[load.pickup], network.index[load.delivery]]
        self.node_port = np.array(node_port, dtype=np.int64)
        self.service = np.zeros((count, len(node_port)), dtype=np.int64)
        for v, vehicle in enumerate(vehicles):
            self.service[v, count:] = PORT_HOURS[vehicle.kind]
        self.manager = pywrapcp.RoutingIndexManager(len(node_port), count, list(range(count)),
                                                    list(range(count)))
        self.model = pywrapcp.RoutingModel(self.manager)

    def _node(self, load: int, delivery: bool) -> int:
        return len(self.vehicles) + 2 * load + int(delivery)

    def _transits(self) -> list[int]:
        """One registered matrix per vehicle (hours), and arc costs (hours x daily cost)."""
        cache: dict[tuple[int, int], tuple[int, Int64Array]] = {}
        costs: dict[tuple[int, int, int], int] = {}
        indices: list[int] = []
        for v, vehicle in enumerate(self.vehicles):
            key = (vehicle.speed_kn, int(vehicle.kind is VehicleKind.AIRCRAFT))
            if key not in cache:
                legs = self.network.hours[v][self.node_port[:, None], self.node_port[None, :]]
                matrix = (legs + self.service[v][:, None]).astype(np.int64)
                cache[key] = (self.model.RegisterTransitMatrix(matrix.tolist()), matrix)
            index, matrix = cache[key]
            indices.append(index)
            if (*key, vehicle.daily_cost_minor) not in costs:
                costs[*key, vehicle.daily_cost_minor] = self.model.RegisterTransitMatrix(
                    (matrix * vehicle.daily_cost_minor).tolist())
            self.model.SetArcCostEvaluatorOfVehicle(costs[*key, vehicle.daily_cost_minor], v)
        return indices

    def solve(self, time_limit_s: int) -> tuple[list[Route], set[int]]:
        model = self.model
        transits = self._transits()
        model.AddDimensionWithVehicleTransits(transits, self.horizon, self.horizon, False, "time")
        time_dim = model.GetDimensionOrDie("time")
        demand = [0] * len(self.vehicles)
        for load in self.loads:
            demand += [load.tonnes_kg, -load.tonnes_kg]
        load_cb = model.RegisterUnaryTransitVector(demand)
        model.AddDimensionWithVehicleCapacity(load_cb, 0, [v.capacity_kg for v in self.vehicles],
                                              True, "load")
        self._pairs(time_dim)
        parameters = pywrapcp.DefaultRoutingSearchParameters()
        parameters.first_solution_strategy = (
            routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION)
        parameters.local_search_metaheuristic = (
            routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH)
        parameters.time_limit.seconds = time_limit_s
        solution = model.SolveWithParameters(parameters)
        invariant(solution is not None, "dropping every load is always a solution")
        return self._routes(solution, time_dim)

    def _pairs(self, time_dim: pywrapcp.RoutingDimension) -> None:
        model, manager = self.model, self.manager
        for k, load in enumerate(self.loads):
            pickup = manager.NodeToIndex(self._node(k, False))
            delivery = manager.NodeToIndex(self._node(k, True))
            model.AddPickupAndDelivery(pickup, delivery)
            model.solver().Add(model.VehicleVar(pickup) == model.VehicleVar(delivery))
            model.solver().Add(time_dim.CumulVar(pickup) <= time_dim.CumulVar(delivery))
            time_dim.CumulVar(pickup).SetMin(load.ready_h)
            time_dim.CumulVar(delivery).SetMax(min(load.due_h, self.horizon))
            # RoutingModel.SetAllowedVehiclesForIndex's Python binding refuses every list
            # (ortools 9.15): the vehicle variable's domain says the same.
            barred = [v for v, vehicle in enumerate(self.vehicles) if not _allowed(vehicle, load)]
            if barred:
                model.VehicleVar(pickup).RemoveValues(barred)
                model.VehicleVar(delivery).RemoveValues(barred)
            penalty = _PENALTY_UNITS * (_CRITICAL_FACTOR if load.critical else 1)
            model.AddDisjunction([pickup, delivery], penalty, 2)

    def _routes(self, solution: pywrapcp.Assignment, time_dim: pywrapcp.RoutingDimension
                ) -> tuple[list[Route], set[int]]:
        model, manager = self.model, self.manager
        routes: list[Route] = []
        served: set[int] = set()
        count = len(self.vehicles)
        for v, vehicle in enumerate(self.vehicles):
            index = model.Start(v)
            if model.IsEnd(solution.Value(model.NextVar(index))):
                continue
            stops: list[Stop] = []
            cost = 0
            while True:
                node = manager.IndexToNode(index)
                arrival = solution.Value(time_dim.CumulVar(index))
                if node < count:
                    action, load = ("end" if model.IsEnd(index) else "start"), None
                    port = vehicle.home_port
                else:
                    load = (node - count) // 2
                    action = "deliver" if (node - count) % 2 else "pickup"
                    port = self.loads[load].delivery if action == "deliver" else (
                        self.loads[load].pickup)
                    served.add(load)
                stops.append(Stop(port, action, load, int(arrival)))
                if model.IsEnd(index):
                    break
                following = solution.Value(model.NextVar(index))
                cost += model.GetArcCostForVehicle(index, following, v)
                index = following
            routes.append(Route(vehicle, tuple(stops), int(cost)))
        return routes, served


def vehicles_by_name(vehicles: Sequence[Vehicle]) -> Mapping[str, Vehicle]:
    names = {v.name: v for v in vehicles}
    if len(names) != len(vehicles):
        raise InvalidInput("vehicle names must be unique", field="name")
    return names

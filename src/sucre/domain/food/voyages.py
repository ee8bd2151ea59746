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

The plan reports its gap to :func:`sucre.domain.food.lower_bound.lower_bound`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from sucre import bounds
from sucre.domain.errors import InvalidInput, LimitExceeded, invariant
from sucre.domain.food.fleet import PORT_HOURS, Load, Network, Vehicle, VehicleKind, may_carry
from sucre.domain.food.lower_bound import lower_bound
from sucre.domain.food.matching import Match
from sucre.domain.food.records import Distances, Port, Priority
from sucre.domain.money import divide_half_even
from sucre.domain.setoff.arrays import Int64Array
from sucre.domain.setoff.solve import Timer

_HOURS_PER_DAY = 24
_CRITICAL_FACTOR = 4  # dropping a critical load costs more than dropping a normal one
_OBJECTIVE_MAX = 2**62  # the solver's int64 objective, with room


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
    # Hour 0 is the first day an offer is available (any day will do for a round with no offer).
    origin = min((s.available_from for s in plan.supplies), default=dt.date(1970, 1, 1))
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
    late = max((x.due_h for x in loads), default=0) // _HOURS_PER_DAY
    if late > bounds.food_round_days_max:
        raise InvalidInput(f"the round's voyages would span {late} days, more than the "
                           f"{bounds.food_round_days_max} a plan covers: plan it in parts",
                           field="needed_by")
    if len(loads) > bounds.food_loads_max:
        raise LimitExceeded(f"{len(loads)} loads exceed the maximum of {bounds.food_loads_max} "
                            "per round", field="vessels")
    return origin, loads


def plan_voyages(plan: Match, vehicles: Sequence[Vehicle], sea: Distances,
                 air: Distances | None = None, *,
                 time_limit_s: int = bounds.food_voyage_seconds_default,
                 timer: Timer = time.perf_counter) -> VoyagePlan:
    """Route ``vehicles`` to carry ``plan``'s shipments at least cost (module docstring).

    ``timer`` only measures the search for the report (as set-off's); it never affects the plan
    beyond the solver's own ``time_limit_s``.
    """
    _check_fleet(vehicles, sea, time_limit_s)
    origin, loads = split_loads(plan, vehicles)
    started = timer()
    if not loads:
        return VoyagePlan(origin, (), (), (), 0, 0, 0.0, time_limit_s)
    ports = sorted({v.home_port for v in vehicles} | {x.pickup for x in loads}
                   | {x.delivery for x in loads})
    horizon = max(x.due_h for x in loads) + 60 * _HOURS_PER_DAY
    network = Network(ports, sea, air, vehicles, horizon + 1)
    solved = _Solver(loads, vehicles, network, horizon).solve(time_limit_s)
    routes, served = solved or ([], set())
    unserved = tuple((k, _why(load, vehicles, found=solved is not None))
                     for k, load in enumerate(loads) if k not in served)
    for route in routes:
        _verify(route, loads, network, vehicles.index(route.vehicle))
    cost = sum(r.cost_units for r in routes)
    bound = lower_bound([x for k, x in enumerate(loads) if k in served], vehicles, network)
    invariant(bound <= cost, "the lower bound does not exceed the plan's cost")
    return VoyagePlan(origin, tuple(loads), tuple(routes), unserved, cost, bound,
                      timer() - started, time_limit_s)


def _verify(route: Route, loads: Sequence[Load], network: Network, v: int) -> None:
    """Re-derive a route from its stops alone, independently of the solver's model: it starts
    and ends at home, each leg takes at least its hours plus the stop's port time, each load is
    picked up after it is ready and delivered by its due hour on this vehicle, pickup first, the
    cargo on board never exceeds the capacity, and the cost is hours x daily cost."""
    vehicle = route.vehicle
    stops = route.stops
    invariant(stops[0].action == "start" and stops[-1].action == "end"
              and stops[0].port == stops[-1].port == vehicle.home_port,
              "a route starts and ends at its vehicle's home")
    aboard: dict[int, int] = {}
    cost_h = 0
    for here, there in itertools.pairwise(stops):
        work = PORT_HOURS[vehicle.kind] if here.load is not None else 0
        leg = int(network.hours[v][network.index[here.port], network.index[there.port]])
        invariant(there.arrival_h >= here.arrival_h + work + leg, "legs take their hours")
        cost_h += work + leg
        if there.load is None:
            continue
        load = loads[there.load]
        if there.action == "pickup":
            invariant(there.port == load.pickup and there.arrival_h >= load.ready_h
                      and there.load not in aboard, "a load is picked up once, when ready")
            aboard[there.load] = load.tonnes_kg
        else:
            invariant(there.port == load.delivery and there.arrival_h <= load.due_h
                      and aboard.pop(there.load, None) == load.tonnes_kg,
                      "a load aboard is delivered on time")
        invariant(sum(aboard.values()) <= vehicle.capacity_kg, "cargo within capacity")
    invariant(not aboard, "every load picked up is delivered")
    invariant(route.cost_units == cost_h * vehicle.daily_cost_minor,
              "a route costs its hours at its daily rate")


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


def _why(load: Load, vehicles: Sequence[Vehicle], *, found: bool) -> str:
    if not any(may_carry(v, load) for v in vehicles):
        return "no vehicle of the fleet may carry it (capacity, or aircraft for critical only)"
    if not found:
        return "no plan found within the time limit: give the solver more time"
    return ("no vehicle can pick it up and deliver it within its window (or none was found "
            "within the time limit)")


class _Solver:
    """The OR-Tools routing model of one round: node k < V is vehicle k's home; then a pickup
    and a delivery node per load."""

    def __init__(self, loads: Sequence[Load], vehicles: Sequence[Vehicle], network: Network,
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
        self.arc_cost_max = 0

    def _node(self, load: int, delivery: bool) -> int:
        return len(self.vehicles) + 2 * load + int(delivery)

    def _transits(self) -> list[int]:
        """One registered matrix per vehicle (hours), and arc costs (hours x daily cost)."""
        cache: dict[tuple[int, int], tuple[int, Int64Array]] = {}
        reachable = self.network.reachable(self.node_port)
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
            arc_max = int(matrix[reachable].max(initial=0)) * vehicle.daily_cost_minor
            self.arc_cost_max = max(self.arc_cost_max, arc_max)
        return indices

    def _penalty(self) -> int:
        """Dropping a load costs more than any set of routes (each uses at most one arc per
        node): serving a load never loses to dropping it, as far as the int64 objective
        allows."""
        routes_max = self.arc_cost_max * (len(self.node_port) + 1) + 1
        return min(routes_max, _OBJECTIVE_MAX // (_CRITICAL_FACTOR * (len(self.loads) + 1)))

    def solve(self, time_limit_s: int) -> tuple[list[Route], set[int]] | None:
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
        if solution is None:  # no first solution within the time limit (a very large round)
            return None
        return self._routes(solution, time_dim)

    def _pairs(self, time_dim: pywrapcp.RoutingDimension) -> None:
        model, manager = self.model, self.manager
        penalty = self._penalty()
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
            barred = [v for v, vehicle in enumerate(self.vehicles) if not may_carry(vehicle, load)]
            if barred:
                model.VehicleVar(pickup).RemoveValues(barred)
                model.VehicleVar(delivery).RemoveValues(barred)
            model.AddDisjunction([pickup, delivery],
                                 penalty * (_CRITICAL_FACTOR if load.critical else 1), 2)

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


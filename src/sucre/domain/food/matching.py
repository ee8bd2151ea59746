"""Which offer feeds which need: the transport problem, solved exactly as network flows.

The objective is lexicographic: (1) the most kilograms delivered to critical needs, (2) then the
most kilograms delivered in all, (3) then the fewest kilogram-nautical-miles. Weighting the three
into one cost would need weights near (total kg)^2 * miles, past int64; so it is three exact
integer solves (OR-Tools, as set-off):

1. a maximum flow source -> offers -> critical needs -> sink gives ``C*``;
2. a maximum flow to every need gives ``D*``. An augmenting path of the second solve never uses
   the reverse of a need -> sink arc (it would leave the sink), so the critical flow of step 1
   stays: there is a flow of ``D*`` carrying ``C*`` to critical needs, and ``C*`` is the most any
   flow can carry there;
3. a minimum-cost flow that must send exactly ``C*`` to the critical sink and ``D* - C*`` to the
   normal one, each kilogram costing its leg's miles, gives the fewest tonne-miles among the
   flows optimal for (1) and (2).

An offer can feed a need of the same category when a sea route joins their ports and the cargo
can arrive in time: ``available_from + sailing_days <= needed_by`` where ``sailing_days`` is the
leg's miles at ``speed_kn`` knots, rounded up to whole days (the planning speed; the voyages then
route real vessels). A need not fully served is reported with the reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.graph.python import max_flow, min_cost_flow

from sucre.domain.errors import InvalidInput, invariant
from sucre.domain.food.records import Distances, Need, Priority, Supply
from sucre.domain.setoff.arrays import Int64Array

#: The planning speed of the matching's time-window rule (a laden general-cargo ship's pace).
PLANNING_SPEED_KN = 12
_HOURS_PER_DAY = 24


def sailing_days(nm: int, speed_kn: int) -> int:
    """Whole days to sail ``nm`` at ``speed_kn`` knots, rounded up (a part day is a day)."""
    invariant(speed_kn > 0 and nm >= 0, "a positive speed and a distance")
    return -(-nm // (speed_kn * _HOURS_PER_DAY))


@dataclass(frozen=True, slots=True)
class Shipment:
    """``tonnes_kg`` of offer ``supply`` for need ``need`` (indexes into the round's lists)."""

    supply: int
    need: int
    tonnes_kg: int
    nm: int
    sailing_days: int


@dataclass(frozen=True, slots=True)
class Unmet:
    """What a need lacks after the matching, and why."""

    need: int
    tonnes_kg: int
    reason: str


@dataclass(frozen=True, slots=True)
class Match:
    """The optimal matching of one round (see the module's objective)."""

    supplies: tuple[Supply, ...]
    needs: tuple[Need, ...]
    shipments: tuple[Shipment, ...]
    unmet: tuple[Unmet, ...]
    critical_kg: int
    delivered_kg: int
    kg_nm: int
    speed_kn: int

    @property
    def needed_kg(self) -> int:
        return sum(n.tonnes_kg for n in self.needs)


@dataclass(frozen=True, slots=True)
class _Arcs:
    supply: Int64Array
    need: Int64Array
    nm: Int64Array
    days: Int64Array


def _candidate_arcs(supplies: Sequence[Supply], needs: Sequence[Need], distances: Distances,
                    speed_kn: int) -> _Arcs:
    """Every (offer, need) pair of one category that a route joins in time, category by category
    as whole arrays (at the row bounds, up to ``food_rows_max`` squared pairs)."""
    ports = sorted({s.port for s in supplies} | {n.port for n in needs})
    index = {p: k for k, p in enumerate(ports)}
    miles = np.array([[_miles(distances, a, b) for b in ports] for a in ports],
                     dtype=np.int64).reshape(len(ports), len(ports))
    epoch = dt.date(2000, 1, 1)
    parts: list[Int64Array] = []
    for category in sorted({s.category for s in supplies} & {n.category for n in needs}):
        offers = np.array([k for k, s in enumerate(supplies) if s.category == category])
        wanted = np.array([j for j, n in enumerate(needs) if n.category == category])
        origin = np.array([index[supplies[k].port] for k in offers])
        target = np.array([index[needs[j].port] for j in wanted])
        ready = np.array([(supplies[k].available_from - epoch).days for k in offers])
        due = np.array([(needs[j].needed_by - epoch).days for j in wanted])
        nm = miles[origin[:, None], target[None, :]]
        days = -(-nm // (speed_kn * _HOURS_PER_DAY))
        ok = (nm >= 0) & (ready[:, None] + days <= due[None, :])
        k, j = np.nonzero(ok)
        parts.append(np.stack([offers[k], wanted[j], nm[k, j], days[k, j]], axis=1))
    table = (np.concatenate(parts) if parts else np.zeros((0, 4))).astype(np.int64)
    return _Arcs(table[:, 0], table[:, 1], table[:, 2], table[:, 3])


def _miles(distances: Distances, origin: str, destination: str) -> int:
    nm = distances.nm(origin, destination)
    return -1 if nm is None else nm


def _max_flow(supplies: Sequence[Supply], needs: Sequence[Need], arcs: _Arcs,
              keep: NDArray[np.bool_]) -> int:
    """The most kilograms offers can send to the needs where ``keep`` is true."""
    s_count, n_count = len(supplies), len(needs)
    source, sink = s_count + n_count, s_count + n_count + 1
    solver = max_flow.SimpleMaxFlow()
    supply_kg = np.array([s.tonnes_kg for s in supplies], dtype=np.int64)
    need_kg = np.array([n.tonnes_kg for n in needs], dtype=np.int64)
    kept = np.flatnonzero(keep)
    solver.add_arcs_with_capacity(np.full(s_count, source, dtype=np.int64),
                                  np.arange(s_count, dtype=np.int64), supply_kg)
    solver.add_arcs_with_capacity(arcs.supply, s_count + arcs.need, need_kg[arcs.need])
    solver.add_arcs_with_capacity(s_count + kept, np.full(kept.size, sink, dtype=np.int64),
                                  need_kg[kept])
    status = solver.solve(source, sink)
    invariant(status == solver.OPTIMAL, f"max flow status {status}, expected OPTIMAL")
    return int(solver.optimal_flow())


def _min_miles(supplies: Sequence[Supply], needs: Sequence[Need], arcs: _Arcs,
               critical: NDArray[np.bool_], critical_kg: int, delivered_kg: int) -> Int64Array:
    """Flows on ``arcs`` sending ``critical_kg`` to critical needs and the rest of
    ``delivered_kg`` to normal ones, at the fewest kilogram-miles."""
    s_count, n_count = len(supplies), len(needs)
    source = s_count + n_count
    sink_critical, sink_normal = source + 1, source + 2
    solver = min_cost_flow.SimpleMinCostFlow()
    supply_kg = np.array([s.tonnes_kg for s in supplies], dtype=np.int64)
    need_kg = np.array([n.tonnes_kg for n in needs], dtype=np.int64)
    solver.add_arcs_with_capacity_and_unit_cost(
        np.full(s_count, source, dtype=np.int64), np.arange(s_count, dtype=np.int64), supply_kg,
        np.zeros(s_count, dtype=np.int64))
    legs = solver.add_arcs_with_capacity_and_unit_cost(
        arcs.supply, s_count + arcs.need, need_kg[arcs.need], arcs.nm)
    sinks = np.where(critical, sink_critical, sink_normal).astype(np.int64)
    solver.add_arcs_with_capacity_and_unit_cost(
        s_count + np.arange(n_count, dtype=np.int64), sinks, need_kg,
        np.zeros(n_count, dtype=np.int64))
    solver.set_node_supply(source, delivered_kg)
    solver.set_node_supply(sink_critical, -critical_kg)
    solver.set_node_supply(sink_normal, critical_kg - delivered_kg)
    status = solver.solve()
    invariant(status == solver.OPTIMAL, f"min-cost flow status {status}, expected OPTIMAL")
    flows = np.asarray(solver.flows(legs), dtype=np.int64)
    invariant(solver.optimal_cost() == int((flows * arcs.nm).sum()),
              "the solver's cost is the kilogram-miles of its flows")
    return flows


def match(supplies: Sequence[Supply], needs: Sequence[Need], distances: Distances, *,
          speed_kn: int = PLANNING_SPEED_KN) -> Match:
    """The lexicographically optimal matching of ``supplies`` to ``needs`` (module docstring)."""
    if speed_kn <= 0:
        raise InvalidInput("the planning speed must be at least 1 knot", field="speed")
    arcs = _candidate_arcs(supplies, needs, distances, speed_kn)
    critical = np.array([n.priority is Priority.CRITICAL for n in needs], dtype=bool)
    flows = np.zeros(arcs.supply.size, dtype=np.int64)
    critical_kg = delivered_kg = 0
    if arcs.supply.size:
        critical_kg = _max_flow(supplies, needs, arcs, critical)
        delivered_kg = _max_flow(supplies, needs, arcs, np.ones(len(needs), dtype=bool))
        invariant(critical_kg <= delivered_kg, "the critical flow is part of the whole")
        flows = _min_miles(supplies, needs, arcs, critical, critical_kg, delivered_kg)
    shipments = tuple(
        Shipment(int(arcs.supply[a]), int(arcs.need[a]), int(flows[a]), int(arcs.nm[a]),
                 int(arcs.days[a]))
        for a in np.flatnonzero(flows))
    result = Match(tuple(supplies), tuple(needs), shipments,
                   _unmet(supplies, needs, distances, shipments, speed_kn),
                   critical_kg, delivered_kg, int((flows * arcs.nm).sum()), speed_kn)
    _check(result)
    return result


def _check(result: Match) -> None:
    sent = [0] * len(result.supplies)
    got = [0] * len(result.needs)
    for shipment in result.shipments:
        sent[shipment.supply] += shipment.tonnes_kg
        got[shipment.need] += shipment.tonnes_kg
    invariant(all(s <= o.tonnes_kg for s, o in zip(sent, result.supplies, strict=True)),
              "no offer sends more than it has")
    invariant(all(g <= n.tonnes_kg for g, n in zip(got, result.needs, strict=True)),
              "no need receives more than it asked")
    invariant(sum(got) == result.delivered_kg, "shipments add up to the delivered total")
    critical = sum(g for g, n in zip(got, result.needs, strict=True)
                   if n.priority is Priority.CRITICAL)
    invariant(critical == result.critical_kg, "critical shipments add up to the critical total")
    invariant(sum(u.tonnes_kg for u in result.unmet) == result.needed_kg - result.delivered_kg,
              "unmet tonnes are what was needed and not delivered")


def _unmet(supplies: Sequence[Supply], needs: Sequence[Need], distances: Distances,
           shipments: Sequence[Shipment], speed_kn: int) -> tuple[Unmet, ...]:
    got = [0] * len(needs)
    for shipment in shipments:
        got[shipment.need] += shipment.tonnes_kg
    return tuple(Unmet(j, need.tonnes_kg - got[j], _reason(supplies, need, distances, speed_kn))
                 for j, need in enumerate(needs) if got[j] < need.tonnes_kg)


def _reason(supplies: Sequence[Supply], need: Need, distances: Distances, speed_kn: int) -> str:
    same = [s for s in supplies if s.category == need.category]
    if not same:
        return f"no offer of {need.category}"
    routed = [(s, distances.nm(s.port, need.port)) for s in same]
    arrivals = [s.available_from + dt.timedelta(days=sailing_days(nm, speed_kn))
                for s, nm in routed if nm is not None]
    if not arrivals:
        return f"no sea route from any offer of {need.category} to {need.port}"
    earliest = min(arrivals)
    if earliest > need.needed_by:
        return (f"time window: no offer of {need.category} can arrive by {need.needed_by} "
                f"(earliest arrival {earliest} at {speed_kn} kn)")
    return (f"not enough {need.category} can arrive by {need.needed_by}: the offers that can "
            "are used up (critical needs first, then the fewest tonne-miles)")

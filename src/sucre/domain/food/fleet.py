"""The fleet: vessels and aircraft, the loads they carry, and the hours between ports for each.

A vehicle has a capacity in kilograms, a speed in knots, a daily cost in minor units and a home
port. A leg takes ``ceil(miles / speed)`` hours (sea miles for vessels; great-circle miles for
aircraft where both ports have positions, else sea miles) and each stop ``PORT_HOURS`` (loading or
unloading). An aircraft may carry a load only if the need is critical and the load fits it.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from sucre import bounds
from sucre.domain.errors import invariant
from sucre.domain.food.records import Distances, Port
from sucre.domain.setoff.arrays import Int64Array


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
        invariant(self.capacity_kg > 0 and self.speed_kn > 0
                  and 0 <= self.daily_cost_minor <= bounds.food_daily_cost_minor_max,
                  "a vehicle carries, moves and costs within bounds")


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


def may_carry(vehicle: Vehicle, load: Load) -> bool:
    if load.tonnes_kg > vehicle.capacity_kg:
        return False
    return vehicle.kind is VehicleKind.SHIP or load.critical


class Network:
    """Hours between ports for each vehicle, shortest paths included (Floyd-Warshall);
    ``unreachable_h`` stands for a leg no route joins."""

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
            self.shortest_h.append(floyd(self.hours[-1]))
            self.shortest_nm.append(floyd(np.where(reach, nm, 10**12)))

    def reachable(self, node_port: Int64Array) -> NDArray[np.bool_]:
        """Which (node, node) legs some route joins, nodes given by their port index."""
        joined = np.any(np.stack([h < self.unreachable_h for h in self.hours]), axis=0)
        result: NDArray[np.bool_] = joined[node_port[:, None], node_port[None, :]]
        return result


def floyd(matrix: Int64Array) -> Int64Array:
    result = matrix.copy()
    for k in range(result.shape[0]):
        result = np.minimum(result, result[:, k:k + 1] + result[k:k + 1, :])
    return result

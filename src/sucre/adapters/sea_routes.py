"""Ports and the distances between them: the shipped port list and offline sea routing.

``data/ports.json`` lists the members' main ports with their positions and sources. Sea distances
between them come from ``searoute`` (a maintained package that routes over a global network of
sea lanes, offline), rounded to the nearest whole nautical mile (Python's ``round``: ties to
even). searoute snaps each port to its nearest lane node, so two near ports can come out closer
than a great circle allows (La Guaira and Puerto Cabello share a node: 0 miles): a sea distance
is therefore never taken below the great-circle distance between the two ports. A route is
computed once per process and pair (an in-memory cache; no file is written): the thirteen
shipped ports take about half a second in all.

Air distances (for aircraft) are great circles on a sphere of mean radius 3,440.065 nautical
miles, rounded the same way; they need positions, so a port without one has none.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

from sucre import bounds
from sucre.domain.errors import InvalidInput
from sucre.domain.food.records import Distances, Port, PortInfo
from sucre.domain.members import MemberCode, member_code

PORTS = "ports.json"
EARTH_RADIUS_NM = 3440.065


@functools.cache
def builtin_ports() -> Mapping[Port, PortInfo]:
    """The shipped ports by name."""
    text = resources.files("sucre.adapters").joinpath("data", PORTS).read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return {p["name"]: PortInfo(p["name"], tuple(member_code(m) for m in p["members"]),
                                float(p["latitude"]), float(p["longitude"]))
            for p in document["ports"]}


@functools.cache
def bloc_members() -> frozenset[MemberCode]:
    """The member states the shipped ports serve: the bloc's."""
    return frozenset(m for info in builtin_ports().values() for m in info.members)


@functools.cache
def _sea_nm(origin: tuple[float, float], destination: tuple[float, float]) -> int:
    import searoute  # imported on first use: the matching with a distances file never needs it

    route = searoute.searoute([origin[1], origin[0]], [destination[1], destination[0]],
                              units="naut")
    return round(float(route["properties"]["length"]))


def _position(info: PortInfo) -> tuple[float, float] | None:
    if info.latitude is None or info.longitude is None:
        return None
    return info.latitude, info.longitude


def sea_distances(ports: Mapping[Port, PortInfo] | None = None) -> Distances:
    """Sea distances between every two ``ports`` (default: the shipped ones) with positions."""
    ports = builtin_ports() if ports is None else ports
    legs: dict[tuple[Port, Port], int] = {}
    names = sorted(ports)
    for k, origin in enumerate(names):
        for destination in names[k + 1:]:
            a, b = _position(ports[origin]), _position(ports[destination])
            if a is not None and b is not None:
                floor = air_nm(ports[origin], ports[destination]) or 0
                legs[origin, destination] = min(max(_sea_nm(a, b), floor),
                                                 bounds.food_distance_nm_max)
    return Distances(ports, legs, bloc_members())


def air_nm(origin: PortInfo, destination: PortInfo) -> int | None:
    """Great-circle miles between two ports with positions (haversine), else ``None``."""
    a, b = _position(origin), _position(destination)
    if a is None or b is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return round(2 * EARTH_RADIUS_NM * math.asin(math.sqrt(h)))


def air_distances(distances: Distances) -> Distances:
    """Great-circle miles between the ports of ``distances`` that have positions."""
    ports = distances.ports
    names = sorted(ports)
    legs = {}
    for k, origin in enumerate(names):
        for destination in names[k + 1:]:
            nm = air_nm(ports[origin], ports[destination])
            if nm is not None:
                legs[origin, destination] = nm
    return Distances(ports, legs, distances.members)


def ports_named(names: Iterable[str]) -> dict[Port, PortInfo]:
    """The ports of a distances file: its names, serving any member, with the shipped position
    of a port of the same name (for the map and for aircraft)."""
    known = builtin_ports()
    ports: dict[Port, PortInfo] = {}
    for name in names:
        if not name:
            raise InvalidInput("a port name is empty", field="from_port")
        shipped = known.get(name)
        ports[name] = PortInfo(name, (), shipped.latitude if shipped else None,
                               shipped.longitude if shipped else None)
    return ports

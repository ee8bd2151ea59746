"""Bodies of the food-planning route: offers, needs and distances in, the matching out."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from sucre import bounds
from sucre.adapters import sea_routes
from sucre.domain.errors import InvalidInput
from sucre.domain.food.records import (
    Distances,
    Need,
    Supply,
    parse_need,
    parse_supply,
    read_rows,
)
from sucre.domain.text import STORED_TEXT_PATTERN
from sucre.entrypoints.api.schemas.fields import (
    DecimalText,
    IsoDate,
    MemberText,
    RequestModel,
    _Strict,
)

PortText = Annotated[str, StringConstraints(min_length=1, max_length=64,
                                            pattern=STORED_TEXT_PATTERN), _Strict]
CategoryText = Annotated[str, StringConstraints(min_length=1, max_length=40,
                                                pattern=STORED_TEXT_PATTERN), _Strict]
Priority = Annotated[str, StringConstraints(pattern=r"^(critical|normal)$"), _Strict]
Miles = Annotated[int, Field(ge=1, le=bounds.food_distance_nm_max)]


class SupplyIn(RequestModel):
    """A member's surplus: ``tonnes`` (decimal string, at most 3 decimals) of ``category`` at
    ``port`` from ``available_from``."""

    member: MemberText = Field(examples=["NIC"])
    port: PortText = Field(examples=["Corinto"])
    category: CategoryText = Field(examples=["black beans"])
    tonnes: DecimalText = Field(examples=["1500"])
    available_from: IsoDate


class NeedIn(RequestModel):
    """A member's need: ``tonnes`` of ``category`` delivered at ``port`` by ``needed_by``."""

    member: MemberText = Field(examples=["CUB"])
    port: PortText = Field(examples=["Havana"])
    category: CategoryText = Field(examples=["black beans"])
    tonnes: DecimalText = Field(examples=["500.250"])
    needed_by: IsoDate
    priority: Priority = Field(examples=["critical"])


class LegIn(RequestModel):
    from_port: PortText
    to_port: PortText
    nautical_miles: Miles


class FoodMatchIn(RequestModel):
    """A planning round to match now (nothing is stored)."""

    supplies: list[SupplyIn] = Field(min_length=1, max_length=bounds.api_food_rows_max)
    needs: list[NeedIn] = Field(min_length=1, max_length=bounds.api_food_rows_max)
    distances: list[LegIn] | None = Field(
        default=None, min_length=1, max_length=bounds.api_food_rows_max, description=(
            "Sea legs (symmetric unless both directions are given); their port names are then "
            "the ports. Default: the shipped ports, sea distances by searoute."))
    speed_kn: int = Field(default=12, ge=1, le=100, description=(
        "Planning speed of the time-window rule: an offer feeds a need if it can sail there "
        "by needed_by at this speed."))

    def to_distances(self) -> Distances:
        """The request's legs (its port names are the ports)."""
        legs: dict[tuple[str, str], int] = {}
        for k, leg in enumerate(self.distances or (), start=1):
            if leg.from_port == leg.to_port or (leg.from_port, leg.to_port) in legs:
                raise InvalidInput(f"leg {k}: {leg.from_port} -> {leg.to_port} joins a port to "
                                   "itself or is given twice", field="distances")
            legs[leg.from_port, leg.to_port] = leg.nautical_miles
        names = dict.fromkeys(p for pair in legs for p in pair)
        return Distances(sea_routes.ports_named(names), legs, sea_routes.bloc_members())

    def to_round(self, distances: Distances) -> tuple[list[Supply], list[Need]]:
        """Every row checked by the domain; a bad one is named ``supplies[k]``/``needs[k]``
        (``line`` k, from 1) with its field."""
        supplies = read_rows("supplies", ((k, _text(s.model_dump()))
                                          for k, s in enumerate(self.supplies, start=1)),
                             lambda row, k: parse_supply(row, distances, line=k))
        needs = read_rows("needs", ((k, _text(n.model_dump()))
                                    for k, n in enumerate(self.needs, start=1)),
                          lambda row, k: parse_need(row, distances, line=k))
        return supplies, needs


def _text(row: dict[str, object]) -> dict[str, str]:
    return {k: v.isoformat() if isinstance(v, dt.date) else str(v) for k, v in row.items()}


class ShipmentOut(BaseModel):
    from_member: str
    from_port: str
    to_member: str
    to_port: str
    category: str
    tonnes: str = Field(description="Decimal string, to the kilogram.")


class UnmetOut(BaseModel):
    member: str
    port: str
    category: str
    tonnes: str
    needed_by: dt.date
    priority: str
    reason: str


class FoodMatchOut(BaseModel):
    """The document of ``sucre food match --json``."""

    delivered_tonnes: str
    tonne_nm: str = Field(description="Tonne-nautical-miles, exact (three decimals).")
    shipments: list[ShipmentOut]
    unmet: list[UnmetOut]

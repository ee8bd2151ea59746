"""The files of a food-planning round, read under the discipline of :mod:`sucre.adapters.files`.

Each file has exactly its columns (any order, names in lower case); every bad row is reported
with its line and field (:class:`~sucre.domain.errors.BadRows`), and nothing is planned then.

- supplies ``member,port,category,tonnes,available_from``
- needs ``member,port,category,tonnes,needed_by,priority``
- distances ``from_port,to_port,nautical_miles`` (whole miles; a pair holds both ways unless
  both directions are given; its port names are then the round's ports, serving any of the
  bloc's member states)
- vessels ``name,kind,capacity_tonnes,speed_knots,daily_cost,home_port`` (kind ``ship`` or
  ``aircraft``; daily cost in the plan's currency, XSU by default)
- prices ``category,price_per_tonne,currency,hs_code`` (the agreed price of each category)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

from sucre import bounds
from sucre.adapters.files import CsvInput, open_input
from sucre.adapters.sea_routes import bloc_members, ports_named
from sucre.domain.decimal_text import parse_decimal
from sucre.domain.errors import InvalidInput
from sucre.domain.food.contracts import Price
from sucre.domain.food.fleet import Vehicle, VehicleKind
from sucre.domain.food.records import (
    NEED_COLUMNS,
    SUPPLY_COLUMNS,
    Category,
    Distances,
    Need,
    Supply,
    parse_category,
    parse_need,
    parse_supply,
    parse_tonnes,
    read_rows,
)
from sucre.domain.money import XSU, CurrencyCode, currency, parse_amount
from sucre.domain.text import has_control_character, printable

T = TypeVar("T")
DISTANCE_COLUMNS = ("from_port", "to_port", "nautical_miles")
VESSEL_COLUMNS = ("name", "kind", "capacity_tonnes", "speed_knots", "daily_cost", "home_port")
PRICE_COLUMNS = ("category", "price_per_tonne", "currency", "hs_code")
_NAME_CHARS_MAX = 64


def _rows(path: Path, columns: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    with open_input(path) as handle:
        source = CsvInput(handle, path.name, lowercase=True)
        missing = [c for c in columns if c not in source.header]
        unknown = [c for c in source.header if c not in columns]
        if missing or unknown:
            raise InvalidInput(f"{printable(path.name)}: the columns are {','.join(columns)}"
                               + (f"; missing {', '.join(missing)}" if missing else "")
                               + (f"; unknown {', '.join(map(repr, unknown))}" if unknown
                                  else ""), field="file")
        for line, values in source.rows():
            if len(values) != len(source.header):
                yield line, {"": f"expected {len(source.header)} fields, found {len(values)}"}
                continue
            yield line, dict(zip(source.header, values, strict=True))


def _read(path: Path, columns: tuple[str, ...],
          parse: Callable[[Mapping[str, str], int], T]) -> list[T]:
    def checked(row: Mapping[str, str], line: int) -> T:
        if "" in row:
            raise InvalidInput(row[""], field="row")
        return parse(row, line)

    return read_rows(printable(path.name), _rows(path, columns), checked)


def read_supplies(path: Path, distances: Distances) -> list[Supply]:
    return _read(path, SUPPLY_COLUMNS,
                 lambda row, line: parse_supply(row, distances, line=line))


def read_needs(path: Path, distances: Distances) -> list[Need]:
    return _read(path, NEED_COLUMNS, lambda row, line: parse_need(row, distances, line=line))


def _port_name(text: str, field: str) -> str:
    value = text.strip()
    if not value or len(value) > _NAME_CHARS_MAX or has_control_character(value):
        raise InvalidInput(f"a port name is 1 to {_NAME_CHARS_MAX} printable characters",
                           field=field)
    return value


def _miles(text: str) -> int:
    value = parse_decimal(text, field="nautical_miles", what="a distance").scaled(0)
    if value is None:
        raise InvalidInput("distances are whole nautical miles", field="nautical_miles")
    if value > bounds.food_distance_nm_max:
        raise InvalidInput(f"{value} nautical miles is more than "
                           f"{bounds.food_distance_nm_max}", field="nautical_miles")
    return value


def read_distances(path: Path) -> Distances:
    """A distances file; its port names are the round's ports."""
    def leg(row: Mapping[str, str], _line: int) -> tuple[str, str, int]:
        origin = _port_name(row["from_port"], "from_port")
        destination = _port_name(row["to_port"], "to_port")
        if origin == destination:
            raise InvalidInput("a leg joins two different ports", field="to_port")
        return origin, destination, _miles(row["nautical_miles"])

    legs = _read(path, DISTANCE_COLUMNS, leg)
    seen: dict[tuple[str, str], int] = {}
    for origin, destination, nm in legs:
        if (origin, destination) in seen:
            raise InvalidInput(f"{printable(path.name)}: the leg {origin} -> {destination} is "
                               "given twice", field="file")
        seen[origin, destination] = nm
    names = dict.fromkeys(p for o, d, _ in legs for p in (o, d))
    return Distances(ports_named(names), seen, bloc_members())


def read_vessels(path: Path, distances: Distances, *, plan_currency: CurrencyCode = XSU
                 ) -> list[Vehicle]:
    def vessel(row: Mapping[str, str], _line: int) -> Vehicle:
        name = _port_name(row["name"], "name")
        try:
            kind = VehicleKind(row["kind"].strip().lower())
        except ValueError:
            raise InvalidInput("kind is 'ship' or 'aircraft'", field="kind") from None
        speed = parse_decimal(row["speed_knots"], field="speed_knots", what="a speed").scaled(0)
        if not speed or speed > 1000:
            raise InvalidInput("speed is 1 to 1000 whole knots", field="speed_knots")
        daily = parse_amount(row["daily_cost"], plan_currency, field="daily_cost",
                             allow_zero=True)
        if daily > bounds.food_daily_cost_minor_max:
            raise InvalidInput(f"a daily cost is at most "
                               f"{bounds.food_daily_cost_minor_max // 100} a day",
                               field="daily_cost")
        home = _port_name(row["home_port"], "home_port")
        if home not in distances.ports:
            raise InvalidInput(f"unknown port {home!r}", field="home_port")
        return Vehicle(name, kind, parse_tonnes(row["capacity_tonnes"], field="capacity_tonnes"),
                       speed, daily, home)

    vehicles = _read(path, VESSEL_COLUMNS, vessel)
    if len({v.name for v in vehicles}) != len(vehicles):
        raise InvalidInput(f"{printable(path.name)}: vessel names must be unique", field="name")
    return vehicles


def read_prices(path: Path) -> dict[Category, Price]:
    def price(row: Mapping[str, str], _line: int) -> Price:
        code = currency(row["currency"])
        hs_code = row["hs_code"].strip()
        if not (hs_code.isascii() and hs_code.isdigit() and 6 <= len(hs_code) <= 10):
            raise InvalidInput("an HS code is 6 to 10 digits", field="hs_code")
        return Price(parse_category(row["category"]),
                     parse_amount(row["price_per_tonne"], code, field="price_per_tonne"),
                     code, hs_code)

    prices = _read(path, PRICE_COLUMNS, price)
    table = {p.category: p for p in prices}
    if len(table) != len(prices):
        raise InvalidInput(f"{printable(path.name)}: a category is priced twice",
                           field="category")
    return table

"""The records of a food-supply planning round: offers, needs, ports and the distances between them.

Tonnes are exact to the kilogram: integer kilograms inside (``*_kg``), decimal text at the edges
by the one rule of :mod:`sucre.domain.decimal_text` (at most three decimals: ``12.345`` t is
12,345 kg; ``12.3456`` is refused, not rounded). Distances are whole nautical miles (``*_nm``).
Days are dates: an offer is available from the start of its day, a need is met if delivered by the
end of its ``needed_by`` day.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from sucre import bounds
from sucre.domain.decimal_text import parse_decimal
from sucre.domain.errors import (
    BadRows,
    ErrorRow,
    InvalidAmount,
    InvalidDate,
    InvalidInput,
    LimitExceeded,
    SucreError,
    invariant,
)
from sucre.domain.members import MemberCode, member_code
from sucre.domain.text import has_control_character

T = TypeVar("T")

#: Kilograms in a tonne: tonnes text carries at most this many decimals (3).
KG_PER_TONNE = 1000
_TONNE_PLACES = 3

Port = str
Category = str


class Priority(enum.StrEnum):
    """A critical need is served before any normal one (then tonnes, then tonne-miles)."""

    CRITICAL = "critical"
    NORMAL = "normal"


def parse_tonnes(text: str, *, field: str = "tonnes") -> int:
    """Decimal tonnes text to integer kilograms: positive, at most 3 decimals, bounded."""
    value = parse_decimal(text, field=field, what="a tonnage", error=InvalidAmount)
    kg = value.scaled(_TONNE_PLACES)
    if kg is None:
        raise InvalidAmount(f"{value.text} t is finer than a kilogram (at most 3 decimals)",
                            field=field)
    if kg <= 0:
        raise InvalidAmount("tonnes must be more than zero", field=field)
    if kg > bounds.food_tonnes_kg_max:
        most = format_tonnes(bounds.food_tonnes_kg_max)
        raise InvalidAmount(f"{value.text} t is more than {most} t, the most of one offer or "
                            "need", field=field)
    return kg


def format_tonnes(kg: int) -> str:
    """Integer kilograms as tonnes text with exactly three decimals (``"12.345"``)."""
    invariant(kg >= 0, "a tonnage shown is not negative")
    whole, grams = divmod(kg, KG_PER_TONNE)
    return f"{whole}.{grams:03d}"


def format_tonne_miles(kg_nm: int) -> str:
    """Kilogram-nautical-miles as tonne-nautical-miles text, exact (three decimals)."""
    return format_tonnes(kg_nm)


@dataclass(frozen=True, slots=True)
class Supply:
    """A member's surplus: ``tonnes_kg`` of ``category`` at ``port`` from ``available_from``."""

    member: MemberCode
    port: Port
    category: Category
    tonnes_kg: int
    available_from: dt.date
    line: int = 0  # where it was read (0: not from a file)

    def __post_init__(self) -> None:
        invariant(0 < self.tonnes_kg <= bounds.food_tonnes_kg_max, "an offer's tonnes are bounded")


@dataclass(frozen=True, slots=True)
class Need:
    """A member's need: ``tonnes_kg`` of ``category`` delivered at ``port`` by ``needed_by``."""

    member: MemberCode
    port: Port
    category: Category
    tonnes_kg: int
    needed_by: dt.date
    priority: Priority
    line: int = 0

    def __post_init__(self) -> None:
        invariant(0 < self.tonnes_kg <= bounds.food_tonnes_kg_max, "a need's tonnes are bounded")


@dataclass(frozen=True, slots=True)
class PortInfo:
    """A port: the member states it serves (Arica serves landlocked Bolivia) and, when known,
    where it is (degrees; a distances file gives names only)."""

    name: Port
    members: tuple[MemberCode, ...] = ()
    latitude: float | None = None
    longitude: float | None = None


class Distances:
    """Sea distances between ports in whole nautical miles.

    A pair given in one direction holds both ways; a pair given in both directions keeps each
    (currents and canals make some routes asymmetric). ``ports`` are the ports this table knows:
    every offer and need must name one; ``members`` are the member states a round over them may
    name (empty: any ISO 3166 country).
    """

    def __init__(self, ports: Mapping[Port, PortInfo], legs: Mapping[tuple[Port, Port], int],
                 members: Iterable[MemberCode] = ()):
        if len(ports) > bounds.food_ports_max:
            raise LimitExceeded(f"{len(ports)} ports exceed the maximum of "
                                f"{bounds.food_ports_max}", field="ports")
        self.ports = dict(ports)
        self.members = frozenset(members)
        table: dict[tuple[Port, Port], int] = {}
        for (origin, destination), nm in legs.items():
            invariant(origin in self.ports and destination in self.ports,
                      "a leg joins two known ports")
            invariant(0 <= nm <= bounds.food_distance_nm_max, "a leg's miles are bounded")
            table[origin, destination] = nm
            table.setdefault((destination, origin), nm)
        self._table = table

    def nm(self, origin: Port, destination: Port) -> int | None:
        """Miles from ``origin`` to ``destination`` (0 within a port; ``None``: no route)."""
        if origin == destination:
            return 0
        return self._table.get((origin, destination))

    def legs(self) -> Iterable[tuple[Port, Port, int]]:
        return ((a, b, nm) for (a, b), nm in self._table.items())


def require_member(distances: Distances, text: str) -> MemberCode:
    """An ISO 3166 alpha-3 code of a member state the round may name."""
    member = member_code(text, field="member")
    if distances.members and member not in distances.members:
        raise InvalidInput(f"{member} is not a member state of the bloc (members: "
                           f"{', '.join(sorted(distances.members))})", field="member",
                           reason_code="BE09")
    return member


def require_port(distances: Distances, port: str, member: MemberCode, *, field: str) -> Port:
    """A known port that serves ``member`` (when the port list says whom it serves)."""
    info = distances.ports.get(port)
    if info is None:
        known = ", ".join(sorted(distances.ports)[:20])
        raise InvalidInput(f"unknown port {port!r} (known: {known})", field=field)
    if info.members and member not in info.members:
        raise InvalidInput(f"port {port!r} serves {', '.join(info.members)}, not {member}",
                           field="member", reason_code="BE09")
    return port


# --- rows: the one reading of an offer or a need, for files and request bodies alike -----------

_CATEGORY_CHARS_MAX = 40
SUPPLY_COLUMNS = ("member", "port", "category", "tonnes", "available_from")
NEED_COLUMNS = ("member", "port", "category", "tonnes", "needed_by", "priority")


def parse_day(text: str, *, field: str) -> dt.date:
    """A date written ``YYYY-MM-DD`` (and nothing else: ``20260101`` is refused)."""
    value = text.strip()
    try:
        if len(value) != 10 or value[4] != "-" or value[7] != "-":
            raise ValueError(value)
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidDate(f"{text!r} is not a date (YYYY-MM-DD)", field=field) from None


def parse_category(text: str, *, field: str = "category") -> Category:
    """A food category or HS code: 1 to 40 printable characters, compared in lower case."""
    value = text.strip().lower()
    if not value or len(value) > _CATEGORY_CHARS_MAX or has_control_character(value):
        raise InvalidInput(f"a category is 1 to {_CATEGORY_CHARS_MAX} printable characters, not "
                           f"{text[:_CATEGORY_CHARS_MAX]!r}", field=field)
    return value


def parse_priority(text: str, *, field: str = "priority") -> Priority:
    try:
        return Priority(text.strip().lower())
    except ValueError:
        raise InvalidInput(f"priority is 'critical' or 'normal', not {text[:20]!r}",
                           field=field) from None


def parse_supply(row: Mapping[str, str], distances: Distances, *, line: int = 0) -> Supply:
    """An offer from its columns (:data:`SUPPLY_COLUMNS`), every field checked."""
    member = require_member(distances, row["member"])
    return Supply(member, require_port(distances, row["port"].strip(), member, field="port"),
                  parse_category(row["category"]), parse_tonnes(row["tonnes"]),
                  parse_day(row["available_from"], field="available_from"), line)


def parse_need(row: Mapping[str, str], distances: Distances, *, line: int = 0) -> Need:
    """A need from its columns (:data:`NEED_COLUMNS`), every field checked."""
    member = require_member(distances, row["member"])
    return Need(member, require_port(distances, row["port"].strip(), member, field="port"),
                parse_category(row["category"]), parse_tonnes(row["tonnes"]),
                parse_day(row["needed_by"], field="needed_by"), parse_priority(row["priority"]),
                line)


def read_rows(source: str, rows: Iterable[tuple[int, Mapping[str, str]]],
              parse: Callable[[Mapping[str, str], int], T]) -> list[T]:
    """Every row parsed, or :class:`BadRows` naming each bad one's line and field (all of them,
    up to ``bounds.food_errors_max``)."""
    parsed: list[T] = []
    errors: list[ErrorRow] = []
    for count, (line, row) in enumerate(rows, start=1):
        if count > bounds.food_rows_max:
            raise LimitExceeded(f"{source}: more than {bounds.food_rows_max} rows", field="file")
        try:
            parsed.append(parse(row, line))
        except SucreError as error:
            errors.append((line, error.field or "row", error.message))
            if len(errors) >= bounds.food_errors_max:
                raise BadRows(source, errors, truncated=True) from None
    if errors:
        raise BadRows(source, errors)
    return parsed

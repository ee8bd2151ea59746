"""Ports and distances: the shipped list, searoute's distances, a distances file's own ports."""

from __future__ import annotations

from pathlib import Path

import pytest

from sucre.adapters import food_csv, sea_routes
from sucre.domain.errors import BadRows, InvalidInput
from sucre.domain.food.matching import match
from sucre.domain.food.records import Distances, PortInfo
from tests.food.helpers import need, supply


def test_every_member_has_a_port_and_bolivia_sails_from_arica() -> None:
    ports = sea_routes.builtin_ports()
    served = {m for info in ports.values() for m in info.members}
    assert served == {"VEN", "CUB", "BOL", "NIC", "ATG", "DMA", "GRD", "KNA", "LCA", "VCT"}
    assert ports["Arica"].members == ("BOL",)
    assert all(-90 <= (p.latitude or 0) <= 90 and -180 <= (p.longitude or 0) <= 180
               for p in ports.values())


def test_sea_distances_are_never_below_the_great_circle() -> None:
    sea = sea_routes.sea_distances()
    ports = sea.ports
    for origin, destination, nm in sea.legs():
        air = sea_routes.air_nm(ports[origin], ports[destination])
        assert air is not None and nm >= air
    assert sea.nm("La Guaira", "Puerto Cabello") == sea_routes.air_nm(
        ports["La Guaira"], ports["Puerto Cabello"])  # searoute alone says 0: one lane node
    # Bolivia's soy reaches the Caribbean through the Panama Canal: thousands of miles.
    assert 2500 < (sea.nm("Arica", "La Guaira") or 0) < 3500


def test_a_leg_holds_both_ways_unless_both_directions_are_given() -> None:
    ports = {p: PortInfo(p) for p in "ABC"}
    table = Distances(ports, {("A", "B"): 10, ("B", "C"): 20, ("C", "B"): 25})
    assert (table.nm("A", "B"), table.nm("B", "A")) == (10, 10)
    assert (table.nm("B", "C"), table.nm("C", "B")) == (20, 25)
    assert table.nm("A", "C") is None and table.nm("A", "A") == 0


def test_a_distances_file_names_the_ports(tmp_path: Path) -> None:
    path = tmp_path / "legs.csv"
    path.write_text("from_port,to_port,nautical_miles\nPuerto Sandino,Havana,1850\n"
                    "Havana,Puerto Sandino,1900\n", encoding="utf-8")
    table = food_csv.read_distances(path)
    assert set(table.ports) == {"Puerto Sandino", "Havana"}
    assert table.ports["Havana"].latitude is not None  # the shipped position, for the map
    assert (table.nm("Puerto Sandino", "Havana"), table.nm("Havana", "Puerto Sandino")) == (
        1850, 1900)
    plan = match([supply("Puerto Sandino", 5)], [need("Havana", 5, member="CUB")], table)
    assert plan.kg_nm == 5000 * 1850


@pytest.mark.parametrize(("row", "field"), [
    ("A,B,12.5", "nautical_miles"), ("A,B,-3", "nautical_miles"), ("A,A,3", "to_port"),
    ("A,B,40001", "nautical_miles"), (",B,3", "from_port")])
def test_bad_legs_are_named(tmp_path: Path, row: str, field: str) -> None:
    path = tmp_path / "legs.csv"
    path.write_text(f"from_port,to_port,nautical_miles\n{row}\n", encoding="utf-8")
    with pytest.raises(BadRows) as error:
        food_csv.read_distances(path)
    assert [(line, f) for line, f, _ in error.value.errors] == [(2, field)]


def test_a_leg_given_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "legs.csv"
    path.write_text("from_port,to_port,nautical_miles\nA,B,3\nA,B,4\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="given twice"):
        food_csv.read_distances(path)


def test_only_the_bloc_s_member_states_may_plan(tmp_path: Path) -> None:
    path = tmp_path / "legs.csv"
    path.write_text("from_port,to_port,nautical_miles\nVeracruz,Havana,900\n", encoding="utf-8")
    table = food_csv.read_distances(path)
    offers = tmp_path / "offers.csv"
    offers.write_text("member,port,category,tonnes,available_from\n"
                      "MEX,Veracruz,maize,10,2026-07-01\nVEN,Veracruz,maize,10,2026-07-01\n",
                      encoding="utf-8")
    with pytest.raises(BadRows) as error:
        food_csv.read_supplies(offers, table)
    [(line, field, reason)] = error.value.errors
    assert (line, field) == (2, "member") and "MEX is not a member state" in reason

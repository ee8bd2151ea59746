"""``sucre food`` from the command line: the JSON shapes, bad rows by line and field (exit 2),
the SVG, and contracts stored for set-off."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sucre.bootstrap import database
from sucre.entrypoints.cli import app
from tests import world

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "food"
SUPPLIES, NEEDS = str(EXAMPLES / "supplies.csv"), str(EXAMPLES / "needs.csv")
runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    """An embedded SQLite file holding the test world (the CLI's default kind of database)."""
    url = f"sqlite:///{tmp_path / 'food.db'}"
    world.build(database(url))
    return url


def food(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["food", *args])
    return result.exit_code, result.stdout, result.stderr


def test_match_prints_exactly_the_issue_s_document() -> None:
    code, out, _ = food("match", SUPPLIES, NEEDS, "--distances",
                        str(EXAMPLES / "distances.csv"), "--json")
    assert code == 0, out
    document = json.loads(out)
    assert list(document) == ["delivered_tonnes", "tonne_nm", "shipments", "unmet"]
    assert all(list(s) == ["from_member", "from_port", "to_member", "to_port", "category",
                           "tonnes"] for s in document["shipments"])
    assert document["delivered_tonnes"] == "3930.250"
    delivered = sum(int(s["tonnes"].replace(".", "")) for s in document["shipments"])
    assert f"{delivered // 1000}.{delivered % 1000:03d}" == document["delivered_tonnes"]
    [window] = [u for u in document["unmet"] if u["member"] == "ATG"]
    assert window["reason"].startswith("time window")


def test_the_shipped_ports_and_searoute_give_the_same_plan_as_the_example_file() -> None:
    # examples/food/distances.csv was written from the shipped ports' searoute distances.
    by_file = json.loads(food("match", SUPPLIES, NEEDS, "--distances",
                              str(EXAMPLES / "distances.csv"), "--json")[1])
    by_searoute = json.loads(food("match", SUPPLIES, NEEDS, "--json")[1])
    assert by_file == by_searoute


def test_bad_rows_are_named_by_line_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "needs.csv"
    bad.write_text("member,port,category,tonnes,needed_by,priority\n"
                   "VEN,La Guaira,rice,10,2026-07-20,normal\n"
                   "XXX,La Guaira,rice,10,2026-07-20,normal\n"
                   "VEN,Atlantis,rice,10,2026-07-20,normal\n"
                   "VEN,La Guaira,rice,-5,2026-07-20,normal\n"
                   "VEN,La Guaira,rice,10,2026-02-30,normal\n"
                   "VEN,La Guaira,rice,10,2026-07-20,urgent\n"
                   "CUB,La Guaira,rice,10,2026-07-20,normal\n", encoding="utf-8")
    code, out, err = food("match", SUPPLIES, str(bad))
    assert code == 2 and out == ""
    for expected in ("line 3: member:", "line 4: port: unknown port 'Atlantis'",
                     "line 5: tonnes:", "line 6: needed_by:", "line 7: priority:",
                     "line 8: member: port 'La Guaira' serves VEN, not CUB"):
        assert expected in err, err
    assert "line 2" not in err


def test_unknown_columns_are_refused(tmp_path: Path) -> None:
    bad = tmp_path / "supplies.csv"
    bad.write_text("member,port,category,tonnes,available\nVEN,La Guaira,rice,1,2026-07-01\n",
                   encoding="utf-8")
    code, _, err = food("match", str(bad), NEEDS)
    assert code == 2 and "missing available_from" in err and "unknown 'available'" in err


def test_voyages_report_cost_days_bound_and_gap(tmp_path: Path) -> None:
    picture = tmp_path / "plan.svg"
    code, out, _ = food("voyages", SUPPLIES, NEEDS, str(EXAMPLES / "vessels.csv"),
                        "--time-limit", "2", "--svg", str(picture), "--json")
    assert code == 0, out
    document = json.loads(out)
    assert {"cost", "days", "lower_bound", "gap", "routes", "unserved"} <= set(document)
    assert 0 <= float(document["gap"]) < 1
    assert float(document["lower_bound"]) <= float(document["cost"])
    carried = {s["load"] for r in document["routes"] for s in r["stops"] if "load" in s}
    assert len(carried) + len(document["unserved"]) == document["loads"]
    svg = picture.read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "<script" not in svg and "http://www.w3.org" in svg
    assert svg.count("<line") == 11 and "St George's" in svg
    assert svg.count("<polyline") == len(document["routes"]) > 0


def test_contracts_are_stored_once_for_set_off(db: str, tmp_path: Path) -> None:
    args = ("contracts", SUPPLIES, NEEDS, "--prices", str(EXAMPLES / "prices.csv"),
            "--round", "2026-07", "-d", db, "--json")
    code, out, err = food(*args)
    assert code == 0, err
    first = json.loads(out)
    assert first["stored"] == len(first["invoices"]) == 11  # every shipment crosses a border
    assert json.loads(food(*args)[1])["already_known"] == 11
    result = runner.invoke(app, ["invoices", "setoff", "--date", "2026-07-02", "-d", db,
                                 "--json"])
    assert result.exit_code == 0, result.stderr

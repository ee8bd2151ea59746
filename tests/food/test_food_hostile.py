"""The shared hostile corpus (tests/hostile.py) at the food files: refused at once, exit 2,
nothing echoed raw to the terminal; lenient numbers read as everywhere else."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sucre.entrypoints.cli import app
from tests.hostile import (
    HOSTILE_FILES,
    HOSTILE_NUMBERS,
    HOSTILE_TEXTS,
    LENIENT_NUMBERS,
    REFUSAL_SECONDS_MAX,
    csv_text,
    write_hostile_file,
)

HEADER = ["member", "port", "category", "tonnes", "available_from"]
ROW = ["NIC", "Corinto", "rice", "10", "2026-07-01"]
NEEDS = "member,port,category,tonnes,needed_by,priority\nCUB,Havana,rice,1,2026-07-30,normal\n"
DISTANCES = "from_port,to_port,nautical_miles\nCorinto,Havana,1833\n"


def run(tmp_path: Path, supplies: str | None = None) -> tuple[int, str, str]:
    if supplies is not None:
        (tmp_path / "supplies.csv").write_text(supplies, encoding="utf-8")
    (tmp_path / "needs.csv").write_text(NEEDS, encoding="utf-8")
    (tmp_path / "distances.csv").write_text(DISTANCES, encoding="utf-8")
    result = CliRunner().invoke(app, ["food", "match", str(tmp_path / "supplies.csv"),
                                      str(tmp_path / "needs.csv"), "--distances",
                                      str(tmp_path / "distances.csv"), "--json"])
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("number", HOSTILE_NUMBERS)
def test_hostile_tonnes_are_refused_at_once(tmp_path: Path, number: str) -> None:
    started = time.perf_counter()
    code, out, err = run(tmp_path, csv_text(HEADER, [*ROW[:3], f'"{number}"', ROW[4]]))
    assert time.perf_counter() - started < REFUSAL_SECONDS_MAX
    assert code == 2 and out == ""
    assert "line 2: tonnes:" in err or "longer than" in err  # a megabyte field: the file


@pytest.mark.parametrize("number", LENIENT_NUMBERS)
def test_lenient_tonnes_read_as_one(tmp_path: Path, number: str) -> None:
    code, out, err = run(tmp_path, csv_text(HEADER, [*ROW[:3], f'"{number}"', ROW[4]]))
    assert code == 0, err
    assert '"delivered_tonnes": "1.000"' in out


@pytest.mark.parametrize("text", HOSTILE_TEXTS.values(), ids=HOSTILE_TEXTS.keys())
def test_hostile_categories_and_ports_are_refused_and_never_echoed_raw(tmp_path: Path,
                                                                       text: str) -> None:
    for row in ([*ROW[:2], f'"{text}"', *ROW[3:]], [ROW[0], f'"{text}"', *ROW[2:]]):
        code, out, err = run(tmp_path, csv_text(HEADER, row))
        assert code == 2 and out == ""
        assert "\x1b" not in err and "\x00" not in err and "\u202e" not in err


@pytest.mark.parametrize("kind", HOSTILE_FILES)
def test_hostile_files_are_refused(tmp_path: Path, kind: str) -> None:
    write_hostile_file(tmp_path / "supplies.csv", kind, HEADER, ROW)
    code, out, err = run(tmp_path)
    assert code == 2 and out == "" and "error" in err

"""Edges a busy or hostile user found after issues 8 and 10: a database that cannot be reached,
ids beyond the database's integers, a council decision given twice, text that displays as
another, the operating date of ``init``. Each a clear line and an exit status, never a
traceback."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from sucre import bounds
from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.adapters.membership_register import read_register
from sucre.bootstrap import database
from sucre.domain.errors import IdempotencyConflict
from sucre.entrypoints.cli import app
from sucre.entrypoints.cli.console import EXIT_DATABASE_UNAVAILABLE
from sucre.service import registry
from tests import world

runner = CliRunner()


def unreachable(tmp_path: Path) -> list[str]:
    return [f"sqlite:///{tmp_path}/no-such-folder/x.db",
            f"sqlite:///{tmp_path}",  # a directory, not a database file
            "postgresql://postgres@127.0.0.1:1/sucre?connect_timeout=2"]  # nobody listens


def test_a_database_that_cannot_be_reached_is_one_line_and_exit_3(tmp_path: Path) -> None:
    for url in unreachable(tmp_path):
        for argv in (["positions", "-d", url], ["-d", url, "orders"]):
            result = runner.invoke(app, argv)
            assert result.exit_code == EXIT_DATABASE_UNAVAILABLE, (url, result.output)
            assert result.stderr.startswith("error: database: "), result.stderr
            assert len(result.stderr.strip().splitlines()) == 1
            assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_database_url_that_is_not_one_is_bad_input(tmp_path: Path) -> None:
    result = runner.invoke(app, ["positions", "-d", "nonsense"])
    assert result.exit_code == 2, result.output
    assert "not a database URL" in result.stderr


def test_the_same_in_a_subprocess_prints_no_traceback(tmp_path: Path) -> None:
    sucre = Path(sys.executable).parent / "sucre"
    done = subprocess.run([str(sucre), "-d", f"sqlite:///{tmp_path}/none/x.db", "positions"],
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == EXIT_DATABASE_UNAVAILABLE
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("argv", [
    ["confirm", str(2**63), "--authority", "BCV"],
    ["reject", "99999999999999999999999", "--authority", "BCV"],
    ["orders", "--after", str(2**63)],
    ["invoices", "run", str(2**63)],
])
def test_ids_beyond_the_databases_integers_are_refused_before_it(db: str,
                                                                  argv: list[str]) -> None:
    result = runner.invoke(app, [*argv, "-d", db])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert str(bounds.row_id_max) in result.output  # Typer names the range


def test_the_same_basket_twice_changes_nothing_and_another_is_refused(engine: Engine) -> None:
    world.build(engine)
    uow = SqlUnitOfWork(engine)
    with uow:
        found = uow.rates.basket_in_force(world.START)
    assert found is not None
    weights, usd = dict(found[1].weights), found[1].launch_usd_per_xsu
    before = world.row_counts(engine)
    again = registry.set_basket(uow, world.START, usd, weights, "the same decision, again")
    assert again.launch_date == world.START and world.row_counts(engine) == before
    changed = dict(weights)
    first = sorted(changed)[0]
    changed[first] = changed[first] / 2
    with pytest.raises(IdempotencyConflict, match="already recorded"):
        registry.set_basket(uow, world.START, usd, changed, "another basket, same day")
    assert world.row_counts(engine) == before


def test_init_loads_the_membership_register_whatever_the_operating_date(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The bloc's history is dated by its own events (2004 on), not by the day of ``init``."""
    monkeypatch.setenv("SUCRE_TODAY", "2026-01-02")
    url = f"sqlite:///{tmp_path / 'init.db'}"
    assert runner.invoke(app, ["init", "-d", url]).exit_code == 0
    with database(url).connect() as conn:
        dates = set(conn.execute(select(t.decisions.c.effective_date).where(
            t.decisions.c.kind != "petrocaribe_terms")).scalars())
        tables = set(conn.execute(select(t.decisions.c.effective_date).where(
            t.decisions.c.kind == "petrocaribe_terms")).scalars())
    assert dates == {e.date for e in read_register().events}
    assert min(dates) == dt.date(2004, 12, 14)
    assert tables == {dt.date(2005, 6, 29), dt.date(2008, 7, 13)}  # the historic tier tables


def test_init_gives_ten_members_today_bolivia_suspended(tmp_path: Path) -> None:
    """The register `sucre init` loads: on 2 Dec 2026 the ten members of the summit documents,
    Bolivia suspended since 8 Nov 2025 (a member the day before)."""
    url = f"sqlite:///{tmp_path / 'init.db'}"
    assert runner.invoke(app, ["init", "-d", url]).exit_code == 0

    def members(day: str) -> dict[str, str]:
        done = runner.invoke(app, ["members", "--as-of", day, "--json", "-d", url])
        assert done.exit_code == 0, done.output
        document = json.loads(done.stdout)
        assert document["as_of"] == day
        return {m["code"]: m["status"] for m in document["members"]}

    today = members("2026-12-02")
    assert len(today) == 10 and today["BOL"] == "suspended"
    assert {c for c, s in today.items() if s == "member"} == {
        "VEN", "CUB", "NIC", "ATG", "DMA", "GRD", "KNA", "LCA", "VCT"}
    assert members("2025-11-07")["BOL"] == "member"
    assert members("2025-11-08")["BOL"] == "suspended"

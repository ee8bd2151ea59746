"""Rules that used to surprise a newcomer at the command line (issue 10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sucre.entrypoints.cli import app
from tests import world

runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path) -> str:
    from sucre.bootstrap import database

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    world.build(database(url))
    return url


def test_close_period_before_its_end_is_refused_with_the_way_out(
        db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUCRE_TODAY", "2026-12-02")
    refused = runner.invoke(app, ["close-period", "2026-H2", "-d", db])
    assert refused.exit_code == 2
    assert "runs until 2026-12-31" in refused.stderr and "--early" in refused.stderr
    early = runner.invoke(app, ["close-period", "2026-H2", "--early", "XXX Council, 1 Dec 2026",
                                "--json", "-d", db])
    assert early.exit_code == 0, early.output
    assert json.loads(early.stdout)["period"] == "2026-H2"


def _paid(db: str) -> int:
    paid = runner.invoke(app, [
        "pay", "--importer", "CUB", "--exporter", "VEN", "--amount", "1080.00", "--currency",
        "XSU", "--value-date", "2026-07-03", "--key", "RICE-1", "--hs-code", "100630",
        "--quantity", "360", "--unit", "t", "--invoice", "INV-9", "--customs", "DUA-9",
        "--json", "-d", db])
    assert paid.exit_code == 0, paid.output
    return int(json.loads(paid.stdout)["order_id"])


def test_confirm_does_not_claim_the_money_moved(db: str) -> None:
    order_id = _paid(db)
    confirmed = runner.invoke(app, ["confirm", str(order_id), "--authority", "BCV", "-d", db])
    assert confirmed.exit_code == 0, confirmed.output
    assert "settled" not in confirmed.stdout
    assert "confirmed and posted" in confirmed.stdout and "close" in confirmed.stdout


def test_the_payer_confirming_is_told_who_confirms(db: str) -> None:
    order_id = _paid(db)
    refused = runner.invoke(app, ["confirm", str(order_id), "--authority", "BCC", "-d", db])
    assert refused.exit_code == 2
    assert "only the receiving authority (BCV) confirms" in refused.stderr

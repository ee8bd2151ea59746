"""Rules that used to surprise a newcomer at the command line (issue 10)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.adapters.orders_csv import COLUMNS, write_orders
from sucre.entrypoints.cli import app
from sucre.service import payments
from tests import world
from tests.e2e import four_eyes

runner = CliRunner()


def test_close_period_before_its_end_is_refused_with_the_way_out(
        db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUCRE_TODAY", "2026-12-02")
    key, = four_eyes.keys(db, names=("ana",))
    refused = four_eyes.as_key(key, "close-period", "2026-H2", "-d", db)
    assert refused.exit_code == 2
    assert "runs until 2026-12-31" in refused.stderr and "--early" in refused.stderr
    early = four_eyes.close(db, "2026-H2", "--early", "XXX Council, 1 Dec 2026")
    assert early["period"] == "2026-H2"


def _paid(db: str) -> int:
    """An order CUB -> VEN, accepted and awaiting BCV (submitted through the service)."""
    from sucre.bootstrap import database

    return payments.submit_order(SqlUnitOfWork(database(db)), world.order()).order_id


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


HEADER = "id,debtor,creditor,amount,currency,debtor_member,creditor_member,hs_code,quantity,unit,"


def test_invoices_import_refuses_goods_without_a_customs_declaration(
        db: str, tmp_path: Path) -> None:
    path = tmp_path / "invoices.csv"
    path.write_text(HEADER + "customs_ref\nr1,alimport,casa,100.00,XSU,CUB,VEN,100630,10,t,\n")
    refused = runner.invoke(app, ["invoices", "import", str(path), "-d", db])
    assert refused.exit_code == 2
    assert "customs_ref" in refused.stderr and "r1" in refused.stderr


def test_pay_residuals_reports_the_refused_and_exits_2(db: str, tmp_path: Path) -> None:
    path = tmp_path / "invoices.csv"
    path.write_text(HEADER + "customs_ref\nr1,alimport,casa,100.00,XSU,CUB,VEN,100630,10,t,D-1\n")
    assert runner.invoke(app, ["invoices", "import", str(path), "-d", db]).exit_code == 0
    # 2027-01-15 lies outside the open period: the residual order is refused, and said so.
    paid = runner.invoke(app, ["invoices", "pay-residuals", "--date", "2027-01-15", "-d", db])
    assert paid.exit_code == 2
    assert "residual order 1: value_date" in paid.stderr


def test_the_pay_options_are_the_order_file_columns() -> None:
    command = typer.main.get_command(app).commands["pay"]  # type: ignore[attr-defined]
    options = {name.removeprefix("--").replace("-", "_") for param in command.params
               for name in param.opts if name.startswith("--")} - {"database", "json"}
    assert options == set(COLUMNS)


def test_an_unknown_order_column_is_refused(db: str, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    with path.open("w", newline="") as handle:
        write_orders(handle, [world.order()])
    lines = path.read_text().splitlines()
    path.write_text(f"{lines[0]},key\n{lines[1]},X\n")
    refused = runner.invoke(app, ["import-orders", str(path), "-d", db])
    assert refused.exit_code == 2
    assert "unknown columns: 'key'" in refused.stderr

"""The command line, end to end, as a newcomer runs it (embedded SQLite)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sucre.adapters.orders_csv import write_orders
from sucre.entrypoints.cli import app
from tests import world
from tests.e2e import four_eyes

runner = CliRunner()


def test_demo_prints_one_json_settlement_report(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--orders", "400", "--seed", "7", "--json",
                                 "--db", str(tmp_path / "demo.db")])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert {"gross_xsu", "net_xsu", "liquidity_saving", "positions", "orders",
            "settlement"} <= set(report)
    nets = [Decimal(v) for v in report["positions"].values()]
    assert sum(nets) == 0
    assert Decimal(report["net_xsu"]) == sum(abs(n) for n in nets) / 2
    gross = Decimal(report["gross_xsu"])
    assert report["liquidity_saving"] == pytest.approx(
        float(1 - Decimal(report["net_xsu"]) / gross), abs=1e-6)
    assert report["orders"]["accepted"] > 300 and report["orders"]["rejected"] > 0
    assert report["orders"]["invalid"] > 0
    chain = report["chain"]  # debt -> set-off -> chamber -> net settlement
    assert Decimal(chain["cleared_by_setoff_xsu"]) <= Decimal(chain["invoice_debt_xsu"])
    assert chain["settled_net_xsu"] == report["net_xsu"]
    assert report["setoff"]["certificate"].startswith("LP duality")


def test_demo_is_deterministic_with_a_seed(tmp_path: Path) -> None:
    args = ["demo", "--orders", "200", "--seed", "3", "--json", "--db"]
    first = runner.invoke(app, [*args, str(tmp_path / "a.db")])
    second = runner.invoke(app, [*args, str(tmp_path / "b.db")])
    assert json.loads(first.stdout) == json.loads(second.stdout)


def test_import_reports_every_bad_row_by_line_and_keeps_the_good(db: str,
                                                                 tmp_path: Path) -> None:
    rows = [world.order("G1"), world.order("B1", amount="1.001"), world.order("G2"),
            world.order("B2", debtor_member="HND")]
    path = tmp_path / "orders.csv"
    with path.open("w", encoding="utf-8") as handle:
        write_orders(handle, rows)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("too,few,fields\n")
    result = runner.invoke(app, ["import-orders", str(path), "--json", "-d", db])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["accepted"], report["invalid"]) == (2, 3)
    assert [(e["line"], e["field"]) for e in report["errors"]] == [
        (3, "amount"), (5, "debtor_member"), (6, None)]
    again = json.loads(runner.invoke(app, ["import-orders", str(path), "--json", "-d", db]).stdout)
    assert (again["accepted"], again["replayed"]) == (0, 2)


def test_pay_positions_and_close_period(db: str) -> None:
    paid = runner.invoke(app, [
        "pay", "--debtor-member", "CUB", "--creditor-member", "VEN", "--amount", "1080.00",
        "--currency", "XSU", "--value-date", "2026-07-03", "--idempotency-key", "RICE-1",
        "--hs-code", "100630",
        "--quantity", "360", "--unit", "t", "--invoice-ref", "INV-9", "--customs-ref", "DUA-9",
        "--json", "-d", db])
    assert paid.exit_code == 0, paid.output
    assert json.loads(paid.stdout)["status"] == "accepted"
    positions = json.loads(runner.invoke(app, ["positions", "--json", "-d", db]).stdout)
    assert positions["authorities"]["BCC"]["debit_reserved"] == "1080.00"
    report = four_eyes.close(db, "2026-H2")
    assert report["positions"]["BCC"] == "-1080.00"
    assert report["net_xsu"] == report["gross_xsu"] == "1080.00"
    assert report["liquidity_saving"] == 0
    verified = runner.invoke(app, ["verify", "--json", "-d", db])
    assert json.loads(verified.stdout)["balanced"] is True


def test_errors_name_the_field_and_reason_and_exit_2(db: str) -> None:
    result = runner.invoke(app, [
        "pay", "--debtor-member", "CUB", "--creditor-member", "VEN", "--amount", "10.001",
        "--currency", "XSU", "--value-date", "2026-07-03", "--idempotency-key", "X",
        "--hs-code", "100630",
        "--quantity", "1", "--unit", "t", "--invoice-ref", "I", "--customs-ref", "D", "-d", db])
    assert result.exit_code == 2
    assert "amount" in result.stderr and "AM12" in result.stderr


def test_iso_import_answers_with_pacs002_and_statement_is_camt053(db: str, tmp_path: Path) -> None:
    from tests.iso20022 import samples

    message = tmp_path / "pacs008.xml"
    message.write_bytes(samples.pacs008(samples.order(
        debtor_member="CUB", creditor_member="VEN", origin="VEN", currency="XSU",
        amount="10.00", value_date="2026-07-02")))
    answer = tmp_path / "pacs002.xml"
    result = runner.invoke(app, ["iso", "import", str(message), "--out", str(answer), "-d", db])
    assert result.exit_code == 0, result.output
    assert b"<TxSts>ACSP</TxSts>" in answer.read_bytes()
    assert runner.invoke(app, ["confirm", "1", "--authority", "BCV", "-d", db]).exit_code == 0
    statement = runner.invoke(app, ["iso", "statement", "BCC", "2026-H2", "-d", db])
    assert statement.exit_code == 0
    assert b"BkToCstmrStmt" in statement.stdout_bytes and b"10.00" in statement.stdout_bytes
    bomb = tmp_path / "bomb.xml"
    bomb.write_text('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aa">]><Document/>')
    refused = runner.invoke(app, ["iso", "import", str(bomb), "-d", db])
    assert refused.exit_code == 2 and "FF01" in refused.stderr


def test_the_invoice_chain_from_the_command_line(db: str, tmp_path: Path) -> None:
    """Invoices stored, set off in a recorded run, residuals paid, period settled in net."""
    path = tmp_path / "invoices.csv"
    path.write_text(
        "id,debtor,creditor,amount,currency,debtor_member,creditor_member,hs_code,quantity,unit,"
        "customs_ref\n"
        "r1,alimport,casa,500.00,XSU,CUB,VEN,100630,10,t,DUA-1\n"
        "r2,casa,sojabol,300.00,XSU,VEN,BOL,100630,10,t,DUA-2\n"
        "r3,sojabol,alimport,200.00,XSU,BOL,CUB,100630,10,t,DUA-3\n")
    stored = runner.invoke(app, ["invoices", "import", str(path), "--json", "-d", db])
    assert stored.exit_code == 0, stored.output
    assert json.loads(stored.stdout) == {"stored": 3, "already_known": 0}
    again = runner.invoke(app, ["invoices", "import", str(path), "--json", "-d", db])
    assert json.loads(again.stdout) == {"stored": 0, "already_known": 3}

    run = runner.invoke(app, ["invoices", "setoff", "--date", "2026-07-02", "--json", "-d", db])
    assert run.exit_code == 0, run.output
    summary = json.loads(run.stdout)
    assert (summary["total_debt"], summary["cleared"]) == ("1000.00", "600.00")
    assert summary["members"]["CUB"]["owes_after"] == "300.00"
    human = runner.invoke(app, ["invoices", "run", str(summary["run_id"]), "-d", db])
    assert human.exit_code == 0 and "proof: LP duality" in human.stdout

    paid = runner.invoke(app, ["invoices", "pay-residuals", "--date", "2026-07-02", "--json",
                               "-d", db])
    assert paid.exit_code == 0, paid.output
    assert json.loads(paid.stdout)["accepted"] == 2
    assert four_eyes.close(db, "2026-H2")["gross_xsu"] == "400.00"


def test_invoice_import_names_the_bad_line_and_stores_nothing(db: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,debtor,creditor,amount\ni1,a,b,1.00\ni2,a,a,1.00\ni3,a,b,1.001\n")
    result = runner.invoke(app, ["invoices", "import", str(path), "-d", db])
    assert result.exit_code == 2
    assert "line 3: creditor:" in result.stderr and "line 4: amount:" in result.stderr
    runs = runner.invoke(app, ["invoices", "setoff", "--date", "2026-07-02", "-d", db])
    assert runs.exit_code == 2 and "no open invoices" in runs.stderr


def test_setoff_of_a_published_network_in_minor_units(tmp_path: Path) -> None:
    path = tmp_path / "micro.csv"
    path.write_text("debtor,creditor,amount\nA,B,100\nB,C,100\nC,A,200\nD,C,100\n")
    result = runner.invoke(app, ["setoff", str(path), "--minor-units", "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["total_debt"], document["cleared"]) == ("5.00", "3.00")

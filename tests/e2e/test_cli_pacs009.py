"""``sucre iso import`` with a pacs.009: the settlement legs of a closed period confirmed paid,
end to end on an embedded SQLite file (the message kind is read from the namespace)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sucre.bootstrap import database
from sucre.entrypoints.cli import app
from tests import world
from tests.e2e import four_eyes
from tests.iso20022 import samples

runner = CliRunner()


def test_iso_import_confirms_the_legs_of_a_closed_period(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cli.db'}"
    world.build(database(db))
    for number, (importer, exporter, amount) in enumerate(world.TRADE):
        paid = runner.invoke(app, [
            "pay", "--debtor-member", importer, "--creditor-member", exporter, "--amount", amount,
            "--currency", "XSU", "--value-date", "2026-07-02", "--idempotency-key", f"T{number}",
            "--hs-code", "100630", "--quantity", "1", "--unit", "t", "--invoice-ref", f"I{number}",
            "--customs-ref", f"D{number}", "-d", db])
        assert paid.exit_code == 0, paid.output
    references = {i["reference"]: i["settlement_status"]
                  for i in four_eyes.close(db, "2026-H2")["settlement"]}
    assert references == {ref: "pending" for ref, *_ in world.SETTLEMENT_LEGS}

    message = tmp_path / "pacs009.xml"
    message.write_bytes(samples.pacs009(*world.SETTLEMENT_LEGS, currency="USD",
                                        message_id="ALBA-SETTLE-2026H2",
                                        settlement_date="2027-01-05"))
    answer = tmp_path / "pacs002.xml"
    result = runner.invoke(app, ["iso", "import", str(message), "--out", str(answer), "-d", db])
    assert result.exit_code == 0, result.output
    assert "3 accepted, 0 rejected" in result.stderr
    assert answer.read_bytes().count(b"<TxSts>ACSC</TxSts>") == 3
    report = json.loads(runner.invoke(app, ["report", "2026-H2", "--json", "-d", db]).stdout)
    assert {i["settlement_status"] for i in report["settlement"]} == {"confirmed"}

    resent = runner.invoke(app, ["iso", "import", str(message), "-d", db])  # pacs.002 on stdout
    assert resent.exit_code == 0, resent.output
    assert resent.stdout_bytes.count(b"<TxSts>ACSC</TxSts>") == 3

    wrong = tmp_path / "wrong.xml"
    wrong.write_bytes(samples.pacs009(("2026-H2/PAY/BCC", "BCC", "SUCRE", "999.99"),
                                      currency="USD", message_id="BCC-AGAIN"))
    refused = runner.invoke(app, ["iso", "import", str(wrong), "-d", db])
    assert refused.exit_code == 1  # recorded (answered RJCT), not as asked
    assert "0 accepted, 1 rejected" in refused.stderr
    assert b"<Cd>AM09</Cd>" in refused.stdout_bytes
    shown = runner.invoke(app, ["report", "2026-H2", "-d", db])
    assert shown.exit_code == 0 and "(confirmed)" in shown.stdout

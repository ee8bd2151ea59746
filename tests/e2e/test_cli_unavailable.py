"""Every command that touches the database, with the database unreachable (issue 14): one line
on stderr that names the database (never its password) and what to do, exit status 3, and no
traceback; in a real process too, for the commands a script most often runs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from sucre.entrypoints.cli import app
from sucre.entrypoints.cli.console import EXIT_DATABASE_UNAVAILABLE

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
#: Nobody listens on port 1; the password must never be printed.
UNREACHABLE_PG = "postgresql+psycopg://sucre:s3cret-pw@127.0.0.1:1/sucre?connect_timeout=2"
SHOWN_PG = "postgresql+psycopg://sucre:***@127.0.0.1:1/sucre?connect_timeout=2"

#: The arguments each command needs to reach its database (the values are well-formed, so that
#: nothing is refused before the database is asked). A new command gets a row here.
ARGUMENTS: dict[str, list[str]] = {
    "init": [],
    "pay": ["--debtor-member", "VEN", "--creditor-member", "CUB", "--amount", "10",
            "--currency", "XSU", "--value-date", "2026-07-01", "--idempotency-key", "k-1",
            "--hs-code", "1006", "--quantity", "1", "--unit", "t", "--invoice-ref", "I-1",
            "--customs-ref", "C-1"],
    "confirm": ["1", "--authority", "BCV"],
    "reject": ["1", "--authority", "BCV"],
    "import-orders": [str(EXAMPLES / "orders.csv")],
    "orders": [],
    "positions": [],
    "close-period": ["2026-H2"],
    "approve": ["1"],
    "pending": [],
    "settle-out": ["VEN"],
    "report": ["2026-H2"],
    "verify": [],
    "statement": ["BCV", "2026-H2"],
    "member-status": ["VEN", "suspended", "--effective", "2026-07-01", "--reference", "R-1"],
    "allocate": ["BCV", "1000", "--effective", "2026-07-01", "--reference", "R-1"],
    "parameter": ["deficit_financing", "frcc", "--effective", "2026-07-01", "--reference",
                  "R-1"],
    "basket": ["--launch", "2026-01-01", "--weights", "VES=1", "--reference", "R-1"],
    "fixings": [str(EXAMPLES / "fixings.csv")],
    "open-period": ["2026-07-01"],
    "propose": ["parameter", "--effective", "2026-07-01", "--reference", "R-1"],
    "vote": ["1", "yes", "--member", "VEN"],
    "adopt": ["1"],
    "proposals": [],
    "proposal": ["1"],
    "decision": ["1"],
    "rates": [],
    "members": [],
    "decisions": [],
    "serve": ["--port", "1"],
    "iso import": [str(EXAMPLES / "pacs008.xml")],
    "iso statement": ["BCV", "2026-H2"],
    "api-client add": ["ops", "--role", "chamber"],
    "api-key rotate": ["ops"],
    "api-key revoke": ["0123456789abcdef"],
    "invoices import": [str(EXAMPLES / "invoices.csv")],
    "invoices setoff": ["--date", "2026-01-06"],
    "invoices runs": [],
    "invoices run": ["1"],
    "invoices pay-residuals": ["--date", "2026-01-06"],
    "fund create": ["migrant reintegration", "--purpose", "reintegration", "--target", "1000",
                    "--effective", "2026-07-01", "--reference", "R-1"],
    "fund approve": ["1", "P", "--beneficiary", "NIC", "--budget", "10", "--effective",
                     "2026-07-01", "--reference", "R-1"],
    "fund subscribe": ["1", "VEN", "10", "--value-date", "2026-07-01", "--reference", "S-1"],
    "fund contribute": ["1", "VEN", "10", "--value-date", "2026-07-01", "--reference", "C-1"],
    "fund disburse": ["1", "1", "10", "--value-date", "2026-07-01", "--reference", "T-1"],
    "fund report": ["1"],
    "fund list": [],
    "fund movements": ["1"],
    "firm add": ["DMA-AGRO", "--name", "Dominica Agro", "--member", "DMA", "--registered",
                 "2008-06-01"],
    "firm list": [],
    "petrocaribe terms": ["--price", "60.00", "--date", "2009-03-01"],
    "petrocaribe decide-terms": ["--tiers", "15=0.05,100=0.5", "--regimes", "0=17/2/0.02",
                                 "--effective", "2027-01-01", "--reference", "R-1"],
    "petrocaribe agreement": ["DMA", "--signed", "2008-01-26", "--reference", "R-1"],
    "petrocaribe shipment": ["PC-DMA", "CARGO-1", "--date", "2009-03-01", "--barrels", "100000",
                             "--price", "60.00"],
    "petrocaribe repay": ["--cargo", "CARGO-1", "--amount", "10.00", "--date", "2009-05-30",
                          "--reference", "R-1"],
    "petrocaribe deliver": ["1", "--reference", "D-1", "--date", "2011-10-01", "--hs-code",
                            "100630", "--quantity", "100", "--unit", "t", "--unit-price", "600.00",
                            "--exporter", "DMA-AGRO", "--importer", "PDVAL", "--certificate",
                            "CO-1", "--certificate-exporter", "DMA-AGRO",
                            "--certificate-country", "DMA"],
    "petrocaribe buyback": ["DMA", "--price", "10.00", "--effective", "2015-08-01",
                            "--reference", "R-1"],
    "petrocaribe loan": ["1"],
    "petrocaribe portfolio": [],
    "food contracts": [str(EXAMPLES / "food" / "supplies.csv"),
                       str(EXAMPLES / "food" / "needs.csv"),
                       "--distances", str(EXAMPLES / "food" / "distances.csv"),
                       "--prices", str(EXAMPLES / "food" / "prices.csv"), "--round", "R1"],
}
#: Commands that open no database given with -d: ``setoff`` and the food planner's ``match`` and
#: ``voyages`` read files; ``demo`` builds its own embedded file (tested below with a folder
#: that does not exist).
WITHOUT_DATABASE = {"setoff", "demo", "food match", "food voyages"}


def command_names() -> set[str]:
    root: Any = typer.main.get_command(app)
    context = root.context_class(root)

    def walk(command: Any, prefix: str) -> set[str]:
        # Typer carries its own copy of Click: groups are told by what they do.
        if hasattr(command, "list_commands"):
            names: set[str] = set()
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                assert sub is not None
                names |= walk(sub, f"{prefix} {name}".strip())
            return names
        return {prefix}

    return walk(root, "")


def test_every_command_is_in_the_table() -> None:
    names = command_names()
    assert {"init", "serve", "invoices run", "iso import"} <= names, names
    missing = names - set(ARGUMENTS) - WITHOUT_DATABASE
    assert not missing, f"add a row to ARGUMENTS for {sorted(missing)}"


def unreachable(tmp_path: Path) -> list[tuple[str, str]]:
    """(URL given, URL the message shows)."""
    folder = f"sqlite:///{tmp_path}/no-such-folder/x.db"
    return [(folder, folder), (UNREACHABLE_PG, SHOWN_PG)]


def one_line_exit_3(result: object, shown: str, what: str) -> None:
    exit_code, stderr = getattr(result, "exit_code", None), str(getattr(result, "stderr", ""))
    assert exit_code == EXIT_DATABASE_UNAVAILABLE, (what, exit_code, stderr)
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, (what, stderr)
    assert lines[0].startswith(f"error: database: {shown} is unavailable ("), (what, stderr)
    assert "run the same command again" in lines[0]
    assert "s3cret-pw" not in stderr
    exception = getattr(result, "exception", None)
    assert exception is None or isinstance(exception, SystemExit), (what, exception)


@pytest.mark.parametrize("command", sorted(ARGUMENTS))
def test_every_command_says_the_database_is_unavailable_in_one_line(
        command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SUCRE_API_KEY", "sk_0123456789abcdef_" + "A" * 43)
    for given, shown in unreachable(tmp_path):
        argv = [*command.split(), *ARGUMENTS[command], "--database", given]
        one_line_exit_3(runner.invoke(app, argv), shown, " ".join(argv))


def test_the_url_of_the_environment_is_named_too(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SUCRE_DATABASE_URL", UNREACHABLE_PG)
    one_line_exit_3(runner.invoke(app, ["positions"]), SHOWN_PG, "SUCRE_DATABASE_URL")


def test_demo_on_a_folder_that_does_not_exist(tmp_path: Path) -> None:
    result = runner.invoke(app, ["demo", "--orders", "10", "--db",
                                 str(tmp_path / "none" / "demo.db")])
    assert result.exit_code == EXIT_DATABASE_UNAVAILABLE, result.output
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr


@pytest.mark.parametrize("argv", [["init"], ["serve", "--port", "1"],
                                  ["import-orders", str(EXAMPLES / "orders.csv")],
                                  ["approve", "1"], ["verify", "--json"]])
def test_in_a_real_process_no_traceback_and_exit_3(argv: list[str], tmp_path: Path) -> None:
    sucre = Path(sys.executable).parent / "sucre"
    environment = {**os.environ, "SUCRE_DATABASE_URL": UNREACHABLE_PG,
                   "SUCRE_API_KEY": "sk_0123456789abcdef_" + "A" * 43}
    done = subprocess.run([str(sucre), *argv], capture_output=True, text=True, timeout=60,
                          check=False, cwd=tmp_path, env=environment)
    assert done.returncode == EXIT_DATABASE_UNAVAILABLE, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout == ""
    assert done.stderr.startswith(f"error: database: {SHOWN_PG} is unavailable"), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1

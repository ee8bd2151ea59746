"""Hostile files and paths on every file-reading command: a clear error and exit status 2, never a
traceback, a hang or a flood (issue 8, point 5). Runs on SQLite and PostgreSQL (``-d`` is the
test database)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from sucre import bootstrap, bounds
from sucre.adapters.db import tables as t
from sucre.adapters.files import csv_cell
from sucre.adapters.orders_csv import COLUMNS, write_orders
from sucre.entrypoints.cli import app
from tests import world
from tests.hostile import (
    FORMULA_TEXTS,
    HOSTILE_FILES,
    HOSTILE_TEXTS,
    MARKUP_TEXTS,
    csv_text,
    write_hostile_file,
)

runner = CliRunner()
SRC = Path(__file__).resolve().parents[2] / "src"


@dataclass(frozen=True)
class Command:
    args: tuple[str, ...]
    header: list[str]
    row: list[str]
    database: bool = True

    def argv(self, path: Path | str, url: str) -> list[str]:
        return [*self.args, str(path), *(["-d", url] if self.database else [])]


_ORDER = world.order("HOSTILE-1")
_INVOICE_HEADER, _INVOICE_ROW = ["id", "debtor", "creditor", "amount"], ["I1", "A", "B", "1.00"]
CSV_COMMANDS = {
    "import-orders": Command(("import-orders",), list(COLUMNS),
                             [getattr(_ORDER, c) for c in COLUMNS]),
    "invoices import": Command(("invoices", "import"), _INVOICE_HEADER, _INVOICE_ROW),
    "setoff": Command(("setoff",), _INVOICE_HEADER, _INVOICE_ROW, database=False),
    "fixings": Command(("fixings",), ["value_date", "currency", "per_usd"],
                       ["2027-03-01", "VES", "100"]),
}
COMMANDS = {**CSV_COMMANDS, "iso import": Command(("iso", "import"), [], [])}


@pytest.fixture
def url(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """The test database's URL for ``-d``; engines the commands open are disposed after the test
    (a PostgreSQL connection left to the garbage collector is a ResourceWarning)."""
    opened: list[Engine] = []
    real = bootstrap.database

    def tracked(url: str | None = None) -> Engine:
        opened.append(real(url))
        return opened[-1]

    monkeypatch.setattr(bootstrap, "database", tracked)
    yield engine.url.render_as_string(hide_password=False)
    for made in opened:
        made.dispose()


def refused_clearly(result: object) -> str:
    """The stderr of a run that must have been refused: exit 2, one clear first line."""
    code, stderr, exception = (getattr(result, "exit_code", None), getattr(result, "stderr", ""),
                               getattr(result, "exception", None))
    assert exception is None or isinstance(exception, SystemExit), repr(exception)
    assert code == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert lines and lines[0].startswith("error: "), stderr
    assert len(lines) <= 3, stderr
    return stderr


def nothing_written(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {table.name: int(conn.execute(select(func.count()).select_from(table))
                                .scalar_one())
                for table in (t.payment_orders, t.invoices, t.fixings, t.decisions)}


@pytest.mark.parametrize("kind", HOSTILE_FILES)
@pytest.mark.parametrize("name", sorted(CSV_COMMANDS))
def test_hostile_csv_files_are_refused(engine: Engine, url: str, tmp_path: Path, name: str,
                                       kind: str) -> None:
    command = CSV_COMMANDS[name]
    path = write_hostile_file(tmp_path / "input.csv", kind, command.header, command.row)
    before = nothing_written(engine)
    stderr = refused_clearly(runner.invoke(app, command.argv(path, url)))
    expected = {"binary": ("NUL", "UTF-8"), "latin1": ("UTF-8",),
                "huge_field": (str(bounds.csv_field_chars_max),),
                "duplicate_column": ("twice", "more than once")}[kind]
    assert any(word in stderr for word in expected), stderr
    assert nothing_written(engine) == before


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_missing_files_and_directories_are_refused(engine: Engine, url: str, tmp_path: Path,
                                                   name: str) -> None:
    command = COMMANDS[name]
    stderr = refused_clearly(runner.invoke(app, command.argv(tmp_path / "absent.csv", url)))
    assert "no such file" in stderr
    stderr = refused_clearly(runner.invoke(app, command.argv(tmp_path, url)))
    assert "directory" in stderr


def run_cli(argv: list[str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.run(
        [sys.executable, "-c", "from sucre.entrypoints.cli import main; main()", *argv],
        capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL,
        check=False)


@pytest.fixture
def fifo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "orders.fifo"
    os.mkfifo(path)
    yield path


@pytest.mark.parametrize("special", ["/dev/zero", "fifo"])
@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_devices_and_fifos_are_refused_without_blocking(url: str, fifo: Path, name: str,
                                                        special: str) -> None:
    path = str(fifo) if special == "fifo" else special
    try:
        result = run_cli(COMMANDS[name].argv(path, url))
    except subprocess.TimeoutExpired:
        pytest.fail(f"sucre {name} {special} hung")
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("error: ") and "not a regular file" in result.stderr


@pytest.mark.parametrize("name", sorted(CSV_COMMANDS))
def test_a_byte_order_mark_is_accepted(engine: Engine, url: str, tmp_path: Path,
                                       name: str) -> None:
    world.build(engine)
    command = CSV_COMMANDS[name]
    row = command.row
    if name == "fixings":  # a new day, every basket currency fixed
        text = "value_date,currency,per_usd\n" + "".join(
            f"2027-03-01,{code},{value}\n" for code, value in world.PER_USD.items())
        path = tmp_path / "bom.csv"
        path.write_bytes(b"\xef\xbb\xbf" + text.encode())
    else:
        path = write_hostile_file(tmp_path / "bom.csv", "bom", command.header, row)
    result = runner.invoke(app, command.argv(path, url))
    assert result.exit_code == 0, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# --- output paths -----------------------------------------------------------------------------

def test_setoff_refuses_an_unwritable_out_before_the_work(tmp_path: Path) -> None:
    path = tmp_path / "invoices.csv"
    path.write_text(csv_text(_INVOICE_HEADER, _INVOICE_ROW) + "I2,B,A,0.50\n")
    for out in (tmp_path / "no-such-dir" / "result.csv", tmp_path):
        stderr = refused_clearly(runner.invoke(app, ["setoff", str(path), "--out", str(out)]))
        assert "--out" in stderr or "out:" in stderr


def _pacs008(tmp_path: Path) -> Path:
    from tests.iso20022 import samples

    path = tmp_path / "pacs008.xml"
    path.write_bytes(samples.pacs008(samples.order(
        debtor_member="CUB", creditor_member="VEN", origin="VEN", currency="XSU",
        amount="10.00", value_date="2026-07-02")))
    return path


def test_iso_import_refuses_an_unwritable_out_with_nothing_applied(engine: Engine, url: str,
                                                                   tmp_path: Path) -> None:
    world.build(engine)
    message = _pacs008(tmp_path)
    before = nothing_written(engine)
    for out in (tmp_path / "no-such-dir" / "pacs002.xml", tmp_path):
        refused_clearly(runner.invoke(app, ["iso", "import", str(message), "--out", str(out),
                                            "-d", url]))
        assert nothing_written(engine) == before
    written = tmp_path / "pacs002.xml"
    result = runner.invoke(app, ["iso", "import", str(message), "--out", str(written), "-d",
                                 url])
    assert result.exit_code == 0, result.output
    assert written.read_bytes().startswith(b"<?xml")
    assert nothing_written(engine) != before


def test_iso_statement_refuses_an_unwritable_out(engine: Engine, url: str,
                                                 tmp_path: Path) -> None:
    world.build(engine)
    refused_clearly(runner.invoke(app, ["iso", "statement", "BCV", "2026-H2", "--out",
                                        str(tmp_path / "missing" / "camt.xml"), "-d", url]))


# --- many bad rows: a bounded report with the exact count -------------------------------------

def test_twenty_thousand_bad_rows_print_a_bounded_report(engine: Engine, url: str,
                                                         tmp_path: Path) -> None:
    world.build(engine)
    path = tmp_path / "bad.csv"
    with path.open("w", encoding="utf-8") as handle:
        write_orders(handle, [world.order("GOOD-1")]
                     + [world.order(f"BAD-{k}", amount="1.001") for k in range(10_000)])
        handle.write("too,few,fields\n" * 10_000)
    result = runner.invoke(app, ["import-orders", str(path), "-d", url])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) <= bounds.import_errors_listed_max + 1
    assert "20000 more" in lines[-1] or f"{20_000 - bounds.import_errors_listed_max} more" in (
        lines[-1])
    assert "accepted 1," in result.stdout and "invalid 20000" in result.stdout
    document = json.loads(runner.invoke(app, ["import-orders", str(path), "-d", url,
                                              "--json"]).stdout)
    assert document["invalid"] == 20_000 and document["replayed"] == 1
    assert len(document["errors"]) == bounds.import_errors_listed_max
    assert document["errors_not_listed"] == 20_000 - bounds.import_errors_listed_max


# --- stored text on the CLI: refused; printed text: never markup ------------------------------

@pytest.mark.parametrize("text", HOSTILE_TEXTS.values(), ids=HOSTILE_TEXTS.keys())
def test_council_references_with_control_characters_are_refused(engine: Engine, url: str,
                                                                text: str) -> None:
    world.build(engine)
    before = nothing_written(engine)
    for argv in (["parameter", "corridor_alert_share", "0.4", "--effective", "2027-01-01"],
                 ["allocate", "BCV", "1000.00", "--effective", "2027-01-01"],
                 ["member-status", "NIC", "suspended", "--effective", "2026-07-05"]):
        stderr = refused_clearly(runner.invoke(app, [*argv, "--reference", text, "-d", url]))
        assert "reference" in stderr and "\x1b" not in stderr and "\x00" not in stderr
    assert nothing_written(engine) == before


def test_a_reason_code_is_checked_before_the_database(engine: Engine, url: str) -> None:
    world.build(engine)
    result = runner.invoke(app, ["reject", "1", "--authority", "VEN", "--reason",
                                 "X" * 500, "-d", url])
    stderr = refused_clearly(result)
    assert "reason" in stderr


def test_rich_markup_in_party_names_prints_as_itself(tmp_path: Path) -> None:
    first, second = MARKUP_TEXTS[:2]
    path = tmp_path / "invoices.csv"
    path.write_text(f"id,debtor,creditor,amount\nI1,{first},{second},1.00\n"
                    f"I2,{second},{first},0.50\n", encoding="utf-8")
    result = runner.invoke(app, ["setoff", str(path)], terminal_width=200)
    assert result.exit_code == 0, result.output
    table_rows = [line for line in result.stdout.splitlines() if "│" in line]
    for name in (first, second):  # in the table of parties, not only in the cycles' text
        assert any(name in line for line in table_rows), result.stdout


def test_ids_that_look_like_formulas_are_escaped_in_csv_output(tmp_path: Path) -> None:
    path = tmp_path / "invoices.csv"
    rows = "".join(f'"{text.replace(chr(34), chr(34) * 2)}",{a},{b},1.00\n'
                   for text, (a, b) in zip(FORMULA_TEXTS, [("A", "B"), ("B", "A")] * 2,
                                           strict=True))
    path.write_text("id,debtor,creditor,amount\n" + rows, encoding="utf-8")
    out = tmp_path / "result.csv"
    result = runner.invoke(app, ["setoff", str(path), "--out", str(out)])
    assert result.exit_code == 0, result.output
    cells = [line.split(",")[0] for line in out.read_text().splitlines()[1:]]
    assert cells and all(cell.lstrip('"').startswith("'") for cell in cells), cells
    assert csv_cell("=1+1") == "'=1+1" and csv_cell("INV-1") == "INV-1"

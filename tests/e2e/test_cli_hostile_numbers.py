"""Every command that reads a number refuses the same hostile numbers, at once, with exit 2.

One row of tests/hostile.py per edge: an option (``pay --amount``, ``setoff --rate``, ...) or a
field of an input file (``import-orders``, ``invoices import``, ``setoff``, ``fixings``). Each
refusal names its field, prints no traceback and writes nothing.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner, Result

from sucre.adapters.orders_csv import write_orders
from sucre.entrypoints.cli import app
from tests import world
from tests.hostile import HOSTILE_NUMBERS, LENIENT_NUMBERS, REFUSAL_SECONDS_MAX

runner = CliRunner()


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Engine]:
    from sucre.bootstrap import database

    url = f"sqlite:///{tmp_path_factory.mktemp('hostile') / 'cli.db'}"
    engine = database(url)
    world.build(engine)
    return url, engine


#: Longest field the CSV files below carry: a field over the ``csv`` module's 128 KB limit is
#: refused by the file reader itself (issue 8 point 5, its own tests), before any number is read.
CSV_FIELD_CHARS = 100_000


def csv_field(text: str) -> str:
    text = text[:CSV_FIELD_CHARS]
    return f'"{text}"' if any(mark in text for mark in ',"\n') else text


def pay(number: str, field: str) -> list[str]:
    values = {"amount": "10.00", "quantity": "1"} | {field: number}
    return ["pay", "--debtor-member", "CUB", "--creditor-member", "VEN",
            "--amount", values["amount"],
            "--currency", "XSU", "--value-date", "2026-07-03", "--idempotency-key", f"H-{field}",
            "--hs-code", "100630", "--quantity", values["quantity"], "--unit", "t",
            "--invoice-ref", "I", "--customs-ref", "D"]


def order_file(number: str, field: str, tmp: Path) -> list[str]:
    path = tmp / "orders.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        write_orders(handle, [world.order(f"H-{field}", value_date="2026-07-03",
                                          **{field: number[:CSV_FIELD_CHARS]})])
    return ["import-orders", str(path), "--json"]


def invoice_file(number: str, field: str, tmp: Path, command: list[str]) -> list[str]:
    values = {"amount": "10.00", "quantity": "1"} | {field: number}
    path = tmp / "invoices.csv"
    path.write_text(
        "id,debtor,creditor,amount,currency,debtor_member,creditor_member,hs_code,quantity,unit\n"
        f"h1,alimport,casa,{csv_field(values['amount'])},XSU,CUB,VEN,100630,"
        f"{csv_field(values['quantity'])},t\n"
        "h2,casa,alimport,5.00,USD,VEN,CUB,100630,1,t\n", encoding="utf-8")
    return [*command, str(path)]


def rate(number: str, tmp: Path) -> list[str]:
    return [*invoice_file("10.00", "amount", tmp, ["setoff"]), "--rate", f"USD={number}"]


def fixings(number: str, tmp: Path) -> list[str]:
    path = tmp / "fixings.csv"
    path.write_text(f"value_date,currency,per_usd\n2026-07-10,VES,{csv_field(number)}\n",
                    encoding="utf-8")
    return ["fixings", str(path)]


#: Each edge: the arguments that put the number there.
EDGES: dict[str, Callable[[str, Path], list[str]]] = {
    "pay --amount": lambda n, tmp: pay(n, "amount"),
    "pay --quantity": lambda n, tmp: pay(n, "quantity"),
    "import-orders amount": lambda n, tmp: order_file(n, "amount", tmp),
    "import-orders quantity": lambda n, tmp: order_file(n, "quantity", tmp),
    "invoices import amount": lambda n, tmp: invoice_file(n, "amount", tmp,
                                                          ["invoices", "import"]),
    "invoices import quantity": lambda n, tmp: invoice_file(n, "quantity", tmp,
                                                            ["invoices", "import"]),
    "setoff amount": lambda n, tmp: invoice_file(n, "amount", tmp, ["setoff"]),
    "setoff --rate": rate,
    # "--": a value such as -1 is a value here, not an option of the command line.
    "parameter": lambda n, tmp: ["parameter", "--effective", "2026-07-10", "--reference", "H-1",
                                 "--", "corridor_alert_share", n],
    "basket --usd-per-xsu": lambda n, tmp: ["basket", "--launch", "2026-07-10", "--weights",
                                            "VES=1", "--usd-per-xsu", n, "--reference", "H"],
    "basket --weights": lambda n, tmp: ["basket", "--launch", "2026-07-10", "--weights",
                                        f"VES={n}", "--reference", "H"],
    "fixings per_usd": fixings,
}

#: The field each edge's error names.
FIELD = {"pay --amount": "amount", "pay --quantity": "quantity", "import-orders amount": "amount",
         "import-orders quantity": "quantity", "invoices import amount": "amount",
         "invoices import quantity": "quantity", "setoff amount": "amount",
         "setoff --rate": "rate", "parameter": "value", "basket --usd-per-xsu": "usd_per_xsu",
         "basket --weights": "weights", "fixings per_usd": "per_usd"}
#: ``import-orders`` keeps its good rows and reports the bad ones by line: it exits 1.
EXIT = {"import-orders amount": 1, "import-orders quantity": 1}
#: Commands that touch no database (no ``-d``).
STATELESS = {"setoff amount", "setoff --rate"}


def invoke(db: tuple[str, Engine], edge: str, arguments: list[str]) -> tuple[Result, float]:
    database = [] if edge in STATELESS else ["-d", db[0]]
    end = arguments.index("--") if "--" in arguments else len(arguments)
    start = time.perf_counter()
    result = runner.invoke(app, [*arguments[:end], *database, *arguments[end:]])
    return result, time.perf_counter() - start


#: An empty optional field is an absent value, not a number: those pairs are not hostile.
OPTIONAL = {"invoices import quantity"}
CASES = [pytest.param(number.values[0], edge, id=f"{number.id}-{edge}")
         for number in HOSTILE_NUMBERS for edge in sorted(EDGES)
         if not (edge in OPTIONAL and not str(number.values[0]).strip())]


@pytest.mark.parametrize(("number", "edge"), CASES)
def test_every_command_refuses_hostile_numbers(db: tuple[str, Engine], tmp_path: Path,
                                              edge: str, number: str) -> None:
    before = world.row_counts(db[1]), world.position_sums(db[1])
    result, seconds = invoke(db, edge, EDGES[edge](number, tmp_path))
    assert seconds < REFUSAL_SECONDS_MAX
    assert result.exit_code == EXIT.get(edge, 2), result.output[:2000]
    assert isinstance(result.exception, SystemExit)   # a clear message, not a traceback
    assert "Traceback" not in result.output and "Usage:" not in result.output
    assert len(result.output) < 2000   # the number is quoted, cut short
    if edge in EXIT:
        errors = json.loads(result.stdout)["errors"]
        assert [(e["line"], e["field"]) for e in errors] == [(2, FIELD[edge])]
    else:
        assert f"{FIELD[edge]}: " in result.stderr and "error:" in result.stderr
    assert (world.row_counts(db[1]), world.position_sums(db[1])) == before


@pytest.mark.parametrize("number", LENIENT_NUMBERS)
def test_surrounding_blanks_and_zero_decimals_read_alike(db: tuple[str, Engine], tmp_path: Path,
                                                        number: str) -> None:
    result, _ = invoke(db, "setoff --rate", [*rate(number, tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    result, _ = invoke(db, "setoff amount", [*invoice_file(number, "amount", tmp_path, ["setoff"]),
                                             "--rate", "USD=1", "--json"])
    assert result.exit_code == 0, result.output

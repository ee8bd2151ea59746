"""``sucre setoff`` through Typer's runner: JSON, result file, rates, errors, nothing written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sucre.domain import setoff
from sucre.domain.errors import InvariantBroken
from sucre.entrypoints.cli.setoff import register
from tests.setoff.helpers import EXAMPLES

MICRO = EXAMPLES / "informal_mtcs_micro.csv"


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.callback()
    def main() -> None:
        """A stand-in for the main ``sucre`` app."""

    return app


def invoke(app: typer.Typer, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["setoff", *args])
    return result.exit_code, result.stdout, result.stderr


def test_json_prints_one_object_with_the_totals(app: typer.Typer) -> None:
    code, out, _ = invoke(app, str(MICRO), "--json")
    assert code == 0
    document = json.loads(out)
    assert document["invoices"] == 4
    assert (document["total_debt"], document["cleared"], document["remaining"]) == (
        "500.00", "300.00", "200.00")
    assert document["cleared_fraction"] == pytest.approx(0.6)
    assert document["certificate"]["dual_bound"] == "300.00"
    assert {m["party"] for m in document["members"]} == {"10", "20", "30", "40"}


def test_out_writes_the_per_invoice_result_and_explain_shows_cycles(app: typer.Typer,
                                                                   tmp_path: Path) -> None:
    out = tmp_path / "result.csv"
    code, text, _ = invoke(app, str(MICRO), "--out", str(out), "--explain")
    assert code == 0
    assert "10 -> 20 -> 30 -> 10" in text and "300.00" in text
    assert out.read_text().splitlines()[1:] == [
        "1,100.00,100.00,0.00", "2,100.00,100.00,0.00", "3,200.00,100.00,100.00",
        "4,100.00,0.00,100.00"]


def test_network_01_from_the_command_line(app: typer.Typer) -> None:
    code, out, _ = invoke(app, str(EXAMPLES / "network_01.csv"), "--json")
    assert code == 0
    document = json.loads(out)
    assert (document["cleared"], document["total_debt"]) == ("535494678.00",
                                                               "61202827278.00")


def test_multi_currency_needs_rates(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "mixed.csv"
    path.write_text("debtor,creditor,amount,currency\nA,B,100,USD\nB,A,80,XSU\n")
    code, _, err = invoke(app, str(path), "--json")
    assert code == 2 and "--rate USD=" in err
    code, out, _ = invoke(app, str(path), "--json", "--rate", "USD=0.8")
    assert code == 0 and json.loads(out)["cleared"] == "160.00"
    code, _, err = invoke(app, str(path), "--rate", "USD=abc")
    assert code == 2 and "not a rate" in err


def test_bad_rows_are_listed_and_nothing_is_written(app: typer.Typer, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("debtor,creditor,amount\nA,A,1\nA,B,-2\nA,B,1.001\n")
    out = tmp_path / "result.csv"
    code, _, err = invoke(app, str(path), "--out", str(out))
    assert code == 2
    assert "3 bad row(s)" in err
    for line in ("line 2: creditor", "line 3: amount", "line 4: amount"):
        assert line in err
    assert not out.exists()


def test_unknown_default_currency_and_missing_file(app: typer.Typer, tmp_path: Path) -> None:
    code, _, err = invoke(app, str(MICRO), "--currency", "ABC")
    assert code == 2 and "unknown or unsupported currency" in err
    code, _, err = invoke(app, str(tmp_path / "absent.csv"))
    assert code == 2 and "no such file" in err


def test_a_failed_proof_writes_nothing(app: typer.Typer, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise InvariantBroken("set-off is not optimal (simulated)")

    monkeypatch.setattr(setoff.solve, "certify", refuse)  # the run calls the certificate
    out = tmp_path / "result.csv"
    result = CliRunner().invoke(app, ["setoff", str(MICRO), "--out", str(out)])
    assert isinstance(result.exception, InvariantBroken)
    assert not out.exists() and not list(tmp_path.iterdir())

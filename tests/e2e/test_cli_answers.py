"""Commands that answer (issue 10): listings of what exists, readable tables (never a Python
repr), one JSON object with ``--json``, and errors as promised. Runs on SQLite and PostgreSQL
(``-d`` is the test database)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from sucre.adapters.orders_csv import write_orders
from sucre.domain import parameters
from sucre.entrypoints.cli import app
from tests import world
from tests.e2e.test_hostile_input import refused_clearly, url  # noqa: F401  (a fixture)

runner = CliRunner()


def invoke(*argv: str) -> str:
    result = runner.invoke(app, list(argv))
    assert result.exit_code == 0, result.output
    return result.stdout


def pay(db: str, key: str, *extra: str) -> str:
    return invoke("pay", "--debtor-member", "CUB", "--creditor-member", "VEN",
                  "--amount", "1080.00", "--currency", "XSU", "--value-date", "2026-07-03",
                  "--idempotency-key", key, "--hs-code", "100630", "--quantity", "360",
                  "--unit", "t", "--invoice-ref", f"INV-{key}", "--customs-ref", f"DUA-{key}",
                  *extra, "-d", db)


def test_pay_prints_a_table_not_a_python_dict(engine: Engine, url: str) -> None:  # noqa: F811
    world.build(engine)
    text = pay(url, "TABLE-1")
    assert "{" not in text and "'order_id'" not in text
    assert "order_id" in text and "accepted" in text and "1080.00" in text
    document = json.loads(pay(url, "TABLE-1", "--json"))
    assert document["replayed"] is True


def test_orders_lists_the_ids_to_confirm_with_filters(engine: Engine, url: str,  # noqa: F811
                                                      tmp_path: Path) -> None:
    world.build(engine)
    path = tmp_path / "orders.csv"
    with path.open("w", encoding="utf-8") as handle:
        write_orders(handle, [world.order(f"L{i}") for i in range(3)])
    imported = invoke("import-orders", str(path), "-d", url)
    listed = json.loads(invoke("orders", "--json", "-d", url))["orders"]
    ids = [o["order_id"] for o in listed]
    assert len(ids) == 3
    assert f"created order ids: {', '.join(map(str, ids))}" in imported
    report = json.loads(invoke("import-orders", str(path), "--json", "-d", url))
    assert (report["created_ids"], report["created_ids_not_listed"]) == ([], 0)
    first = listed[0]
    receiver = first["creditor_authority"]
    invoke("confirm", str(first["order_id"]), "--authority", receiver, "-d", url)
    waiting = json.loads(invoke("orders", "--status", "accepted", "--authority", receiver,
                                "--side", "creditor", "--period", "2026-H2", "--json",
                                "-d", url))
    assert [o["order_id"] for o in waiting["orders"]] == [
        o["order_id"] for o in listed[1:]
        if o["creditor_authority"] == receiver and o["status"] == "accepted"]
    settled = json.loads(invoke("orders", "--status", "settled", "--json", "-d", url))
    assert [o["order_id"] for o in settled["orders"]] == ids[:1]
    assert listed[0]["status"] == "accepted"
    page = json.loads(invoke("orders", "--limit", "2", "--json", "-d", url))
    assert page["next_after"] == ids[1]
    table = invoke("orders", "-d", url)
    assert all(str(i) in table for i in ids) and "{" not in table
    result = runner.invoke(app, ["orders", "--status", "pending", "-d", url])
    assert "accepted, settled, rejected" in refused_clearly(result)


def test_rates_members_and_decisions(engine: Engine, url: str) -> None:  # noqa: F811
    world.build(engine)
    rates = json.loads(invoke("rates", "--date", "2026-07-01", "--json", "-d", url))
    assert rates["date"] == "2026-07-01"
    assert rates["usd_per_xsu"] == "1.25"  # the basket's launch value
    assert set(rates["per_xsu"]) == {"VES", "CUP", "BOB", "NIO", "XCD", "USD"}
    latest = json.loads(invoke("rates", "--json", "-d", url))
    assert latest["date"] == "2026-07-10"  # the last of the world's ten days
    assert "USD" in invoke("rates", "-d", url)
    assert "DT01" in refused_clearly(runner.invoke(app, ["rates", "--date", "2027-01-01",
                                                         "-d", url]))
    invoke("member-status", "NIC", "suspended", "--effective", "2026-07-05", "--reference",
           "CMR test", "-d", url)
    before = json.loads(invoke("members", "--as-of", "2026-07-04", "--json", "-d", url))
    after = json.loads(invoke("members", "--as-of", "2026-07-05", "--json", "-d", url))
    now = json.loads(invoke("members", "--json", "-d", url))
    status = {name: {m["code"]: m["status"] for m in doc["members"]}
              for name, doc in (("before", before), ("after", after), ("now", now))}
    assert (status["before"]["NIC"], status["after"]["NIC"], status["now"]["NIC"]) == (
        "member", "suspended", "suspended")
    assert {m["since"] for m in after["members"]} == {"2026-07-01"}  # the world's admissions
    assert len(status["now"]) == 10 and "Nicaragua" in invoke("members", "-d", url)
    decisions = json.loads(invoke("decisions", "--json", "-d", url))
    kinds = [d["kind"] for d in decisions["decisions"]]
    assert "member_suspended" in kinds and decisions["not_listed"] == 0
    assert "CMR test" in invoke("decisions", "-d", url)


def test_statement_as_a_table_csv_and_json(engine: Engine, url: str) -> None:  # noqa: F811
    world.build(engine)
    pay(url, "STMT-1")
    invoke("confirm", "1", "--authority", "BCV", "-d", url)
    document = json.loads(invoke("statement", "BCC", "2026-H2", "--json", "-d", url))
    assert [e["debit_xsu"] for e in document["entries"]] == ["1080.00"]
    assert document["closing_xsu"] == "-1080.00"
    rows = list(csv.DictReader(io.StringIO(invoke("statement", "BCC", "2026-H2", "--csv",
                                                  "-d", url))))
    assert [(r["reference"], r["debit_xsu"]) for r in rows] == [("STMT-1", "1080.00")]
    table = invoke("statement", "BCC", "2026-H2", "-d", url)
    assert "STMT-1" in table
    assert document["basket"]["reference"] == world.REF and document["calendar"] == {
        "decision": None, "reference": None}
    assert (f"rates: basket of #{document['basket']['decision']} {world.REF}; calendar: the "
            "default (semester, never decided)") in table


def test_an_unknown_parameter_name_lists_the_valid_ones(engine: Engine,
                                                        url: str) -> None:  # noqa: F811
    world.build(engine)
    stderr = refused_clearly(runner.invoke(app, [
        "parameter", "calendr", "daily", "--effective", "2026-07-01", "--reference", "x",
        "-d", url]))
    assert all(name in stderr for name in parameters.NAMES)


def test_a_reject_reason_that_is_not_an_iso_code_is_refused(engine: Engine,
                                                            url: str) -> None:  # noqa: F811
    world.build(engine)
    pay(url, "REJ-1")
    stderr = refused_clearly(runner.invoke(app, ["reject", "1", "--authority", "BCV",
                                                 "--reason", "FOO1", "-d", url]))
    assert "FOO1" in stderr and "AM09" in stderr
    assert "accepted" in invoke("orders", "-d", url)  # nothing decided
    invoke("reject", "1", "--authority", "BCV", "--reason", "am09", "-d", url)
    [order] = json.loads(invoke("orders", "--json", "-d", url))["orders"]
    assert (order["status"], order["reason_code"]) == ("rejected", "AM09")


def test_a_garbage_xml_file_is_refused(engine: Engine, url: str,  # noqa: F811
                                       tmp_path: Path) -> None:
    world.build(engine)
    garbage = tmp_path / "garbage.xml"
    garbage.write_bytes(bytes(range(256)) * 4)
    stderr = refused_clearly(runner.invoke(app, ["iso", "import", str(garbage), "-d", url]))
    assert "XML" in stderr or "UTF-8" in stderr

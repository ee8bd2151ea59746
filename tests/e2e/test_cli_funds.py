"""The joint funds at the command line: ``sucre fund ...`` from creation to the report, errors
that name their field (exit 2, nothing written), an API key's role (an operator or a delegate
creates no fund; an operator reads its own lines), and the council's voted path."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from sucre.entrypoints.cli import app

runner = CliRunner()
SUMMIT = "XII Extraordinary Summit, 3 Feb 2026"
SEVEN = ("VEN", "CUB", "BOL", "NIC", "ATG", "DMA", "GRD")


def sucre(db: str, *args: str, code: int = 0) -> str:
    done = runner.invoke(app, [*args, "-d", db])
    assert done.exit_code == code, (args, done.output)
    return done.stdout if code == 0 else done.stderr


def fund_of(db: str) -> None:
    sucre(db, "fund", "create", "migrant reintegration", "--purpose", "reintegration",
          "--target", "10000000.00", "--effective", "2026-07-01", "--reference", SUMMIT)
    for member, pledge in (("VEN", "4000000.00"), ("CUB", "2000000.00")):
        sucre(db, "fund", "subscribe", "1", member, pledge, "--value-date", "2026-07-02",
              "--reference", f"{member}-S1")
    sucre(db, "fund", "contribute", "1", "VEN", "3000000.00", "--value-date", "2026-07-03",
          "--reference", "VEN-C1")
    sucre(db, "fund", "approve", "1", "reintegration centres", "--beneficiary", "NIC",
          "--budget", "2500000.00", "--effective", "2026-07-04", "--reference", SUMMIT)


def test_a_fund_from_creation_to_its_report(db: str) -> None:
    fund_of(db)
    said = sucre(db, "fund", "disburse", "1", "1", "1000000.00", "--value-date", "2026-07-05",
                 "--reference", "NIC-T1")
    assert said.startswith("disbursement 'NIC-T1' recorded: project 1 (NIC) USD 1000000.00")
    again = json.loads(sucre(db, "fund", "disburse", "1", "1", "1000000.00", "--value-date",
                             "2026-07-05", "--reference", "NIC-T1", "--json"))
    assert (again["replayed"], again["amount"]) == (True, "1000000.00")
    report = json.loads(sucre(db, "fund", "report", "1", "--json"))
    assert {k: report[k] for k in ("pledged", "paid_in", "committed", "disbursed", "available",
                                   "uncommitted")} == {
        "pledged": "6000000.00", "paid_in": "3000000.00", "committed": "2500000.00",
        "disbursed": "1000000.00", "available": "2000000.00", "uncommitted": "3500000.00"}
    earlier = json.loads(sucre(db, "fund", "report", "1", "--as-of", "2026-07-04", "--json"))
    assert (earlier["disbursed"], earlier["available"]) == ("0.00", "3000000.00")
    assert "available" in sucre(db, "fund", "report", "1")
    listed = json.loads(sucre(db, "fund", "list", "--json"))
    assert [f["fund"]["name"] for f in listed["funds"]] == ["migrant reintegration"]
    movements = json.loads(sucre(db, "fund", "movements", "1", "--json"))["movements"]
    assert [m["kind"] for m in movements] == ["subscription", "subscription", "contribution",
                                              "disbursement"]
    verified = json.loads(sucre(db, "verify", "--json"))
    assert verified["funds"] == {"funds": 1, "movements": 4, "available": {"USD": "2000000.00"}}


def test_bad_input_names_its_field_and_writes_nothing(db: str) -> None:
    fund_of(db)
    before = sucre(db, "fund", "movements", "1", "--json")
    for args, message in (
            (["disburse", "1", "1", "2500000.01", "--value-date", "2026-07-05", "--reference",
              "T"], "error: amount: project 1 (reintegration centres) may still receive"),
            (["contribute", "1", "CUB", "2000000.01", "--value-date", "2026-07-05",
              "--reference", "C"], "error: amount: CUB has 2000000.00 USD of its pledge"),
            (["subscribe", "1", "VEN", "5.001", "--value-date", "2026-07-05", "--reference", "S"],
             "error: amount:"),
            (["subscribe", "1", "XXX", "5", "--value-date", "2026-07-05", "--reference", "S"],
             "error: member:"),
            (["subscribe", "1", "VEN", "5", "--value-date", "2026-13-05", "--reference", "S"],
             "error: value_date:"),
            (["subscribe", "1", "VEN", "5", "--value-date", "2026-07-01", "--reference", "S"],
             "error: value_date: fund 1's records are kept in date order"),
            (["contribute", "1", "VEN", "5", "--value-date", "2026-07-05",
              "--reference", "VEN-C1"], "error: reference: fund 1 already has contribution"),
            (["report", "7"], "error: fund: no fund 7"),
            (["approve", "1", "more", "--beneficiary", "CUB", "--budget", "3500000.01",
              "--effective", "2026-07-05", "--reference", SUMMIT], "error: budget:"),
            (["create", "x", "--purpose", "p", "--target", "1.00", "--currency", "XSU",
              "--effective", "2026-07-05", "--reference", SUMMIT], "error: currency:")):
        assert sucre(db, "fund", *args, code=2).startswith(message), args
    assert sucre(db, "fund", "movements", "1", "--json") == before


def test_an_api_keys_role_decides_what_the_command_may_do(db: str) -> None:
    fund_of(db)
    keys = {role: sucre(db, "api-client", "add", f"{role}-client", "--role", role,
                        *extra).strip()
            for role, extra in (("operator", ("--authority", "BCV")), ("council", ()),
                                ("chamber", ()), ("delegate", ("--member", "VEN")))}
    create = ["fund", "create", "housing", "--purpose", "homes", "--target", "100.00",
              "--effective", "2026-07-05", "--reference", SUMMIT]
    for role in ("operator", "delegate", "chamber"):
        refused = sucre(db, *create, "--api-key", keys[role], code=2)
        assert f"the {role} role may not decide funds" in refused
    pledge = ["fund", "subscribe", "1", "VEN", "1.00", "--value-date", "2026-07-05",
              "--reference", "VEN-S2"]
    assert "may not record fund movements" in sucre(db, *pledge, "--api-key", keys["operator"],
                                                    code=2)
    assert "may not record fund movements" in sucre(db, *pledge, "--api-key", keys["council"],
                                                    code=2)
    assert json.loads(sucre(db, "fund", "list", "--json"))["funds"][0]["pledged"] == (
        "6000000.00")  # nothing was written
    sucre(db, *pledge, "--api-key", keys["chamber"])
    assert "fund 2 (housing)" in sucre(db, *create, "--api-key", keys["council"])
    mine = json.loads(sucre(db, "fund", "report", "1", "--json", "--api-key", keys["operator"]))
    assert [m["member"] for m in mine["members"]] == ["VEN"] and mine["pledged"] == "6000001.00"
    assert "may not read funds" in sucre(db, "fund", "report", "1", "--api-key",
                                         keys["delegate"], code=2)


def test_the_council_votes_a_fund(db: str) -> None:
    assert "proposal 1: fund from 2026-07-01" in sucre(
        db, "propose", "fund", "--name", "migrant reintegration", "--purpose", "reintegration",
        "--target", "10000000.00", "--effective", "2026-07-01", "--reference", SUMMIT)
    for member in SEVEN:
        sucre(db, "vote", "1", "--member", member, "yes")
    assert "adopted" in sucre(db, "adopt", "1")
    sucre(db, "fund", "subscribe", "1", "VEN", "100.00", "--value-date", "2026-07-02",
          "--reference", "VEN-S1")
    sucre(db, "propose", "project", "--fund", "1", "--name", "centres", "--beneficiary", "NIC",
          "--budget", "100.00", "--effective", "2026-07-03", "--reference", SUMMIT)
    for member in SEVEN:
        sucre(db, "vote", "2", "--member", member, "yes")
    sucre(db, "adopt", "2")
    report = json.loads(sucre(db, "fund", "report", "1", "--json"))
    assert (report["fund"]["decision"], report["committed"]) == (
        json.loads(sucre(db, "proposal", "1", "--json"))["decision"], "100.00")
    decision = json.loads(sucre(db, "decision", str(report["projects"][0]["decision"]),
                                "--json"))
    assert (decision["kind"], decision["decision"]["budget"]) == ("fund_project", "100.00")

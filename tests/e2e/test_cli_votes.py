"""The council's voted path at the command line: propose, vote (the local administrator records
each state's vote), adopt, then positions and ``decision N`` name the decision."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from sucre.entrypoints.cli import app, periods

runner = CliRunner()
SUMMIT = "XII Extraordinary Summit, 3 Feb 2026"
SEVEN = ("VEN", "CUB", "BOL", "NIC", "ATG", "DMA", "GRD")


def sucre(db: str, *args: str, code: int = 0) -> str:
    done = runner.invoke(app, [*args, "-d", db])
    assert done.exit_code == code, (args, done.output)
    return done.stdout


def test_propose_vote_adopt_then_positions_name_the_decision(db: str) -> None:
    assert "proposal 1: allocation from 2026-07-05" in sucre(
        db, "propose", "allocation", "--authority", "BCC", "--allocation", "5000.00",
        "--credit-line", "1000.00", "--effective", "2026-07-05", "--reference", SUMMIT)
    for member in SEVEN:
        assert sucre(db, "vote", "1", "--member", member, "yes") == (
            f"{member} votes yes on proposal 1\n")
    again = runner.invoke(app, ["vote", "1", "--member", "VEN", "no", "-d", db])
    assert again.exit_code == 2 and "already voted yes" in again.stderr
    assert "adopted (yes 7, no 0, abstain 0 of 10" in sucre(db, "adopt", "1")
    document = json.loads(sucre(db, "positions", "--json"))
    positions = document["authorities"]
    decision = positions["BCC"]["decision"]
    assert document["calendar"] == {"decision": None, "reference": None}
    assert document["basket"]["reference"] == "test decision"
    assert (positions["BCC"]["limit"], positions["BCC"]["reference"]) == ("6000.00", SUMMIT)
    assert positions["BCV"]["reference"] == "test decision"
    detail = json.loads(sucre(db, "decision", str(decision), "--json"))
    assert detail["proposal"]["tally"]["outcome"] == "adopted"
    assert [v["member"] for v in detail["proposal"]["votes"]] == list(SEVEN)
    assert detail["supersedes"]["decision"]["allocation_minor"] == 200_000
    table = sucre(db, "positions")  # 80 columns: Rich wraps the decision's cell
    assert f"#{decision} XII" in table and f"#{positions['BCV']['decision']} test" in table
    assert f"rates: basket of #{document['basket']['decision']} test decision" in table
    assert "calendar: the default (semester, never decided)" in table
    assert periods.decided_by({"decision": decision, "reference": SUMMIT}) == (
        f"#{decision} XII Extraordinary Summit, 3 Feb…")
    assert periods.decided_by({"decision": None, "reference": None}) == "none"
    shown = sucre(db, "decision", str(decision))
    assert "supersedes: decision" in shown and "tally (final, majority)" in shown
    in_force = json.loads(sucre(db, "decisions", "--as-of", "2026-07-05", "--kind",
                                "allocation", "--json"))
    assert (in_force["as_of"], in_force["kind"]) == ("2026-07-05", "allocation")
    assert {d["decision"]["authority"]: d["id"] for d in in_force["decisions"]}["BCC"] == (
        decision)
    before = json.loads(sucre(db, "decisions", "--as-of", "2026-07-04", "--json"))
    assert decision not in [d["id"] for d in before["decisions"]]
    assert set(json.loads(sucre(db, "decisions", "--json"))) == {"decisions", "not_listed"}


def test_a_rejected_proposal_exits_1_and_changes_nothing(db: str) -> None:
    sucre(db, "propose", "parameter", "--payload",
          '{"name": "corridor_alert_share", "value": "0.3"}', "--effective", "2026-07-05",
          "--reference", SUMMIT)
    sucre(db, "vote", "1", "--member", "VEN", "yes")
    decisions = sucre(db, "decisions", "--json")
    rejected = runner.invoke(app, ["adopt", "1", "-d", db])
    assert rejected.exit_code == 1 and "rejected: no quorum" in rejected.stdout
    assert sucre(db, "decisions", "--json") == decisions
    listed = json.loads(sucre(db, "proposals", "--json"))["proposals"]
    assert [(p["id"], p["state"]) for p in listed] == [(1, "rejected")]
    assert "if counted today" not in sucre(db, "proposal", "1")


def test_bad_proposals_and_votes_exit_2(db: str) -> None:
    for args in (["propose", "coup", "--member", "VEN"],
                 ["propose", "allocation", "--member", "VEN"],
                 ["propose", "parameter", "--payload", "[1]"],
                 ["propose", "parameter", "--name", "x", "--payload", "{}"],
                 ["propose", "withdrawal", "--member", "HND"]):
        done = runner.invoke(app, [*args, "--effective", "2026-07-05", "--reference", SUMMIT,
                                   "-d", db])
        assert done.exit_code == 2, (args, done.output)
    assert runner.invoke(app, ["vote", "9", "--member", "VEN", "yes", "-d", db]).exit_code == 2
    sucre(db, "propose", "suspension", "--member", "NIC", "--effective", "2026-07-05",
          "--reference", SUMMIT)
    assert runner.invoke(app, ["vote", "1", "--member", "VEN", "maybe", "-d", db]
                         ).exit_code == 2


def test_a_delegate_client_is_bound_to_its_member_state(db: str) -> None:
    done = runner.invoke(app, ["api-client", "add", "ven-delegate", "--role", "delegate",
                               "--member", "VEN", "-d", db])
    assert done.exit_code == 0, done.output
    assert done.stdout.startswith("sk_")
    unbound = runner.invoke(app, ["api-client", "add", "x-delegate", "--role", "delegate",
                                  "-d", db])
    assert unbound.exit_code == 2 and "exactly one member state" in unbound.stderr
    operator = runner.invoke(app, ["api-client", "add", "x-ops", "--role", "operator",
                                   "--authority", "BCV", "--member", "VEN", "-d", db])
    assert operator.exit_code == 2

"""Four eyes from the command line (issue 11): ``close-period`` proposes with one chamber key,
``approve`` runs it with a key of another chamber client; without a key, with the proposer's
own key or with a key of another role it is refused (exit 2) and nothing changes."""

from __future__ import annotations

import json

from sucre.bootstrap import database
from sucre.domain.roles import Role
from sucre.entrypoints.cli import app
from tests import world
from tests.e2e import four_eyes
from tests.e2e.four_eyes import as_key, runner


def test_a_close_cannot_be_run_by_one_key_from_the_command_line(db: str) -> None:
    ana, ben = four_eyes.keys(db)
    carla, = four_eyes.keys(db, Role.COUNCIL, ("carla",))
    engine = database(db)
    before = world.row_counts(engine)
    without = runner.invoke(app, ["close-period", "2026-H2", "-d", db])
    assert without.exit_code == 2 and "SUCRE_API_KEY" in without.stderr
    assert as_key(carla, "close-period", "2026-H2", "-d", db).exit_code == 2
    proposed = as_key(ana, "close-period", "2026-H2", "-d", db)
    assert proposed.exit_code == 0, proposed.output
    assert "pending action 1" in proposed.stdout and "sucre approve 1" in proposed.stdout
    for key in (ana, carla):
        refused = as_key(key, "approve", "1", "-d", db)
        assert refused.exit_code == 2, refused.output
    assert "same key cannot approve" in as_key(ana, "approve", "1", "-d", db).stderr
    assert runner.invoke(app, ["approve", "1", "-d", db]).exit_code == 2
    assert world.row_counts(engine)["periods"] == before["periods"]  # not closed: no next one
    listed = json.loads(runner.invoke(app, ["pending", "--json", "-d", db]).stdout)
    assert [(a["id"], a["state"]) for a in listed["actions"]] == [(1, "pending")]
    approved = as_key(ben, "approve", "1", "-d", db)
    assert approved.exit_code == 0, approved.output
    assert "settlement of period 2026-H2" in approved.stdout
    settled = world.row_counts(engine)
    rerun = as_key(ben, "approve", "1", "-d", db)  # runs once: the re-run prints its report
    assert rerun.exit_code == 0 and rerun.stdout == approved.stdout, rerun.output
    assert world.row_counts(engine) == settled


def test_a_close_run_again_after_its_answer_was_lost_prints_the_same(db: str) -> None:
    """The first run committed and was killed before it printed: running the same commands
    again prints what they would have printed (exit 0), and closes nothing twice; the same
    command with other options is told the period is settled (exit 2)."""
    ana, ben = four_eyes.keys(db)
    cleo, = four_eyes.keys(db, names=("cleo",))
    engine = database(db)
    argv = ["close-period", "2026-H2", "--finance", "--json", "-d", db]
    proposed = as_key(ana, *argv)
    assert proposed.exit_code == 0, proposed.output
    assert as_key(ana, *argv).stdout == proposed.stdout  # pending: the same action
    approved = as_key(ben, "approve", "1", "--json", "-d", db)
    assert approved.exit_code == 0, approved.output
    settled = world.row_counts(engine), world.position_sums(engine)
    rerun = as_key(ben, "approve", "1", "--json", "-d", db)
    assert rerun.exit_code == 0 and rerun.stdout == approved.stdout, rerun.output
    reproposed = as_key(ana, *argv)
    assert reproposed.exit_code == 0, reproposed.output
    assert json.loads(reproposed.stdout) == json.loads(approved.stdout)["action"]
    for key, options in ((ana, ["--no-finance"]), (ana, []), (cleo, ["--finance"])):
        refused = as_key(key, "close-period", "2026-H2", *options, "-d", db)
        assert refused.exit_code == 2 and "already settled" in refused.stderr, refused.output
    refused = as_key(cleo, "approve", "1", "-d", db)
    assert refused.exit_code == 2 and "already approved by" in refused.stderr, refused.output
    assert (world.row_counts(engine), world.position_sums(engine)) == settled


def test_a_large_limit_raise_needs_two_council_keys(db: str) -> None:
    carla, dario = four_eyes.keys(db, Role.COUNCIL, ("carla", "dario"))
    assert runner.invoke(app, ["parameter", "four_eyes_limit_raise_minor", "100000",
                               "--effective", "2026-07-01", "--reference", "CE-0",
                               "-d", db]).exit_code == 0
    argv = ["allocate", "BCN", "5000.01", "--effective", "2026-07-01", "--reference", "CE-1",
            "-d", db]
    refused = runner.invoke(app, argv)
    assert refused.exit_code == 2 and "four_eyes_limit_raise_minor" in refused.stderr
    proposed = as_key(carla, *argv)
    assert proposed.exit_code == 0 and "pending action 1" in proposed.stdout
    assert as_key(carla, "approve", "1", "-d", db).exit_code == 2
    approved = as_key(dario, "approve", "1", "-d", db)
    assert approved.exit_code == 0 and "recorded" in approved.stdout, approved.output
    positions = json.loads(runner.invoke(app, ["positions", "--json", "-d", db]).stdout)
    assert positions["authorities"]["BCN"]["limit"] == "5000.01"
    # The decision the approval recorded names who proposed it and who approved it.
    decision = str(positions["authorities"]["BCN"]["decision"])
    detail = json.loads(runner.invoke(app, ["decision", decision, "--json", "-d", db]).stdout)
    assert detail["decision"]["approved_by"] == ["council-carla", "council-dario"]
    shown = runner.invoke(app, ["decision", decision, "-d", db]).stdout
    assert "four eyes: proposed by council-carla, approved by council-dario" in shown


def test_settle_out_from_the_command_line(db: str) -> None:
    withdrawn = runner.invoke(app, ["member-status", "VCT", "withdrawn", "--effective",
                                    "2026-07-01", "--reference", "XXI Summit", "-d", db])
    assert withdrawn.exit_code == 0, withdrawn.output
    four_eyes.close(db, "2026-H2")
    document = runner.invoke(app, ["settle-out", "VCT", "--json", "-d", db])
    assert document.exit_code == 0, document.output
    report = json.loads(document.stdout)
    assert (report["member"], report["authority"]["code"], report["unpaid_loans"]) == (
        "VCT", "ECCB", "none kept")
    human = runner.invoke(app, ["settle-out", "VCT", "-d", db])
    assert human.exit_code == 0 and "balanced to the minor unit" in human.stdout
    assert runner.invoke(app, ["settle-out", "CUB", "-d", db]).exit_code == 2

"""The first hour of an operator (issue 10): ``make demo`` prints its JSON alone, and the demo's
hint ``sucre -d URL positions`` works as printed (``-d`` before the command as well as after)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sucre.entrypoints.cli import app

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
VENV = Path(sys.executable).parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="GNU make is not installed")
def test_make_demo_prints_the_json_document_alone(tmp_path: Path) -> None:
    # The venv running the tests stands for the checkout's .venv; `-o` takes its stamp as up to
    # date, so no pip runs here.
    # As a user types it in a shell: not as a sub-make of `make test` (CI), which would announce
    # "Entering directory" on stdout.
    env = {name: value for name, value in os.environ.items()
           if name not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    env["PYTHONPATH"] = str(ROOT / "src")
    done = subprocess.run(
        ["make", "-o", str(VENV / ".installed"), "demo", f"VENV={VENV}",
         f"ARGS=--orders 20 --db {tmp_path / 'demo.db'}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)  # the whole of stdout: one JSON object, nothing around it
    assert {"period", "positions", "settlement"} <= set(report)
    assert "sucre demo" in done.stderr  # the command and the story went to stderr


def test_the_database_option_goes_before_the_command_as_well_as_after(tmp_path: Path) -> None:
    before, after = f"sqlite:///{tmp_path / 'before.db'}", f"sqlite:///{tmp_path / 'after.db'}"
    result = runner.invoke(app, ["-d", before, "init"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "before.db").exists()
    result = runner.invoke(app, ["--database", before, "init", "-d", after])
    assert result.exit_code == 0, result.output
    assert "after.db" in result.stdout  # after the command wins
    result = runner.invoke(app, ["-d", before, "open-period", "2026-07-01"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["-d", before, "positions", "--period", "2026-H2", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["period"] == "2026-H2"

"""``sucre api-client add`` / ``api-key rotate`` / ``api-key revoke`` on an embedded database."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sucre.adapters.db.engine import make_engine
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import NotAuthenticated
from sucre.entrypoints.cli import app
from sucre.service import api_keys

runner = CliRunner()


def test_add_rotate_revoke(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'keys.db'}"
    assert runner.invoke(app, ["init", "-d", database]).exit_code == 0
    added = runner.invoke(app, ["api-client", "add", "bcv-ops", "--role", "operator",
                                "--authority", "BCV", "-d", database])
    assert added.exit_code == 0, added.output
    first = added.stdout.strip().splitlines()[-1]
    assert first.startswith("sk_")
    rotated = runner.invoke(app, ["api-key", "rotate", "bcv-ops", "-d", database])
    assert rotated.exit_code == 0, rotated.output
    second = rotated.stdout.strip().splitlines()[-1]
    old_id = first.split("_")[1]
    assert old_id in rotated.output  # told which key is still active
    engine = make_engine(database)
    assert api_keys.authenticate(SqlUnitOfWork(engine), first).authority == "BCV"
    assert api_keys.authenticate(SqlUnitOfWork(engine), second).authority == "BCV"
    revoked = runner.invoke(app, ["api-key", "revoke", old_id, "-d", database])
    assert revoked.exit_code == 0, revoked.output
    assert api_keys.authenticate(SqlUnitOfWork(engine), second).name == "bcv-ops"
    with pytest.raises(NotAuthenticated):
        api_keys.authenticate(SqlUnitOfWork(engine), first)
    again = runner.invoke(app, ["api-key", "revoke", old_id, "-d", database])
    assert again.exit_code == 2
    bad = runner.invoke(app, ["api-client", "add", "x", "--role", "root", "-d", database])
    assert bad.exit_code == 2
    engine.dispose()

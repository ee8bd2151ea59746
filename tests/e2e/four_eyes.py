"""Closing a period from the command line under four eyes: one chamber key proposes, a key of
another chamber client approves (``sucre close-period``, then ``sucre approve``)."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner, Result

from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.bootstrap import database
from sucre.domain.roles import Role
from sucre.entrypoints.cli import app
from sucre.service import api_keys

runner = CliRunner()


def keys(db: str, role: Role = Role.CHAMBER, names: tuple[str, ...] = ("ana", "ben")
         ) -> tuple[str, ...]:
    """New API clients of ``role`` (one key each), named ``<role>-<name>``."""
    uow = SqlUnitOfWork(database(db))
    return tuple(api_keys.add_client(uow, f"{role}-{name}", role).api_key for name in names)


def as_key(key: str, *argv: str) -> Result:
    return runner.invoke(app, list(argv), env={"SUCRE_API_KEY": key})


def close(db: str, period: str, *options: str) -> dict[str, Any]:
    """Propose and approve the close of ``period`` with two new chamber keys; the settlement
    report ``sucre approve --json`` prints."""
    proposer, approver = keys(db, names=(f"p-{period}", f"a-{period}"))
    proposed = as_key(proposer, "close-period", period, *options, "--json", "-d", db)
    assert proposed.exit_code == 0, proposed.output
    action = json.loads(proposed.stdout)
    assert (action["kind"], action["state"]) == ("close_period", "pending")
    approved = as_key(approver, "approve", str(action["id"]), "--json", "-d", db)
    assert approved.exit_code == 0, approved.output
    document = json.loads(approved.stdout)
    assert document["action"]["state"] == "approved"
    settlement: dict[str, Any] = document["settlement"]
    return settlement

"""``GET /v1/members?as_of=DATE``: the register as ``sucre members --as-of DATE --json`` prints
it, read by every role (it is public), a bad date refused by the API's conventions."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from sucre import bootstrap
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.members import MemberStatus
from sucre.entrypoints.cli import app
from sucre.service import registry
from tests.api.conftest import Keys, TestClient, auth

ROLES = ("bcv", "chamber", "council", "auditor", "ven")  # an operator, each other role


@pytest.mark.parametrize("role", ROLES)
def test_every_role_reads_the_register(client: TestClient, keys: Keys, role: str) -> None:
    response = client.get("/v1/members", params={"as_of": "2026-07-01"},
                          headers=auth(keys.of(role)))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["as_of"] == "2026-07-01" and len(body["members"]) == 10
    assert body["members"][0] == {"code": "ATG", "name": "Antigua and Barbuda",
                                  "status": "member", "authority": "ECCB",
                                  "authority_name": body["members"][0]["authority_name"],
                                  "currency": "XCD", "since": "2026-07-01"}


def test_the_api_answers_what_the_cli_prints(engine: Engine, client: TestClient, keys: Keys,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[Engine] = []  # disposed at the end: a PostgreSQL connection left open warns
    real = bootstrap.database

    def tracked(url: str | None = None) -> Engine:
        opened.append(real(url))
        return opened[-1]

    monkeypatch.setattr(bootstrap, "database", tracked)
    try:
        _compare(engine, client, keys)
    finally:
        for made in opened:
            made.dispose()


def _compare(engine: Engine, client: TestClient, keys: Keys) -> None:
    registry.change_member_status(SqlUnitOfWork(engine), "NIC", MemberStatus.SUSPENDED,
                                  effective_date=dt.date(2026, 7, 3), reference="CE-2026-20")
    url = engine.url.render_as_string(hide_password=False)
    for day, nic in (("2026-07-02", "member"), ("2026-07-03", "suspended")):
        answered = client.get("/v1/members", params={"as_of": day}, headers=auth(keys.auditor))
        assert answered.status_code == 200, answered.text
        assert {m["code"]: m["status"] for m in answered.json()["members"]}["NIC"] == nic
        printed = CliRunner().invoke(app, ["members", "--as-of", day, "--json", "-d", url])
        assert printed.exit_code == 0, printed.output
        assert json.loads(printed.stdout) == answered.json()
    before = client.get("/v1/members", params={"as_of": "2026-06-30"},
                        headers=auth(keys.auditor))
    assert before.json() == {"as_of": "2026-06-30", "members": []}


@pytest.mark.parametrize("bad", ["2026-13-01", "01/07/2026", "2026-7-1", "yesterday", ""])
def test_a_bad_date_is_refused(client: TestClient, keys: Keys, bad: str) -> None:
    response = client.get("/v1/members", params={"as_of": bad}, headers=auth(keys.ven))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "as_of"


def test_no_key_no_register(client: TestClient) -> None:
    assert client.get("/v1/members").status_code == 401

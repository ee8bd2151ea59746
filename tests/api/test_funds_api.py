"""The joint funds over HTTP: who may do what (every fund route x every role), an operator's
view (the totals whole, only its own member states' lines and movements), error codes, and
replays (by Idempotency-Key and by a movement's reference). On SQLite and PostgreSQL.

The world holds fund 1 before each case: VEN pledged 1,000,000.00 and paid 600,000.00, NIC
pledged 500,000.00; project 1 (NIC, 400,000.00) has received 100,000.00. Cuba takes no part.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.members import MemberStatus
from sucre.service import funds, registry
from tests.api.conftest import Keys, TestClient, auth

ROLES = ("bcv", "bcc", "chamber", "council", "auditor", "ven")
ON = "2026-07-10"
SUMMIT = "XII Extraordinary Summit, 3 Feb 2026"


def seed_fund(engine: Engine) -> None:
    uow = SqlUnitOfWork(engine)
    fund = funds.create_fund(uow, "migrant reintegration", "reintegration", "10000000.00",
                             effective_date=dt.date(2026, 7, 1), reference=SUMMIT).id
    funds.subscribe(uow, fund, "VEN", "1000000.00", value_date=dt.date(2026, 7, 2),
                    reference="VEN-S1")
    funds.subscribe(uow, fund, "NIC", "500000.00", value_date=dt.date(2026, 7, 2),
                    reference="NIC-S1")
    funds.contribute(uow, fund, "VEN", "600000.00", value_date=dt.date(2026, 7, 3),
                     reference="VEN-C1")
    project = funds.approve_project(uow, fund, "centres", "NIC", "400000.00",
                                    effective_date=dt.date(2026, 7, 4), reference=SUMMIT).id
    funds.disburse(uow, fund, project, "100000.00", value_date=dt.date(2026, 7, 5),
                   reference="NIC-T1")


def only(allowed: dict[str, int], others: int = 403) -> dict[str, int]:
    return {role: allowed.get(role, others) for role in ROLES}


READERS = {"bcv": 200, "bcc": 404, "chamber": 200, "council": 200, "auditor": 200}
CASES: list[tuple[str, str, str, Any, dict[str, int]]] = [
    ("create a fund", "POST", "/v1/funds",
     {"name": "housing", "purpose": "homes", "target": "5000.00", "effective_date": ON,
      "reference": SUMMIT}, only({"council": 201})),
    ("approve a project", "POST", "/v1/funds/1/projects",
     {"name": "jobs", "beneficiary": "VEN", "budget": "1000.00", "effective_date": ON,
      "reference": SUMMIT}, only({"council": 201})),
    ("a pledge", "POST", "/v1/funds/1/subscriptions",
     {"member": "CUB", "amount": "1000.00", "value_date": ON, "reference": "CUB-S1"},
     only({"chamber": 201})),
    ("a contribution", "POST", "/v1/funds/1/contributions",
     {"member": "NIC", "amount": "1000.00", "value_date": ON, "reference": "NIC-C1"},
     only({"chamber": 201})),
    ("a tranche", "POST", "/v1/funds/1/disbursements",
     {"project": 1, "amount": "1000.00", "value_date": ON, "reference": "NIC-T2"},
     only({"chamber": 201})),
    ("list funds", "GET", "/v1/funds", None, only({**READERS, "bcc": 200})),
    ("a fund's report", "GET", "/v1/funds/1", None, only(READERS)),
    ("a fund's report as of a date", "GET", "/v1/funds/1?as_of=2026-07-03", None,
     only(READERS)),
    ("a fund's movements", "GET", "/v1/funds/1/movements", None, only(READERS)),
    ("an unknown fund", "GET", "/v1/funds/9", None, only(dict.fromkeys(READERS, 404))),
    ("an unknown fund's movements", "GET", "/v1/funds/9/movements", None,
     only(dict.fromkeys(READERS, 404))),
]


def business_state(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in (t.funds, t.fund_projects, t.fund_movements, t.journal_entries,
                              t.postings, t.decisions)]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("name", "method", "path", "body", "expected"), CASES,
                         ids=[c[0] for c in CASES])
def test_fund_role_matrix(engine: Engine, client: TestClient, keys: Keys, name: str,
                          method: str, path: str, body: Any, expected: dict[str, int],
                          role: str) -> None:
    seed_fund(engine)
    before = business_state(engine)
    response = client.request(method, path, json=body,
                              headers=auth(keys.of(role), "fm-1" if method == "POST" else None))
    assert response.status_code == expected[role], response.text
    if expected[role] >= 400:
        assert response.json()["error"]["code"]
        assert business_state(engine) == before, "a refused request wrote nothing"


def test_an_operator_sees_the_totals_and_only_its_own_lines(
        engine: Engine, client: TestClient, keys: Keys) -> None:
    seed_fund(engine)
    whole = client.get("/v1/funds/1", headers=auth(keys.chamber)).json()
    mine = client.get("/v1/funds/1", headers=auth(keys.bcv)).json()
    figures = ("pledged", "paid_in", "committed", "disbursed", "available", "uncommitted")
    assert {k: mine[k] for k in figures} == {k: whole[k] for k in figures} == {
        "pledged": "1500000.00", "paid_in": "600000.00", "committed": "400000.00",
        "disbursed": "100000.00", "available": "500000.00", "uncommitted": "1100000.00"}
    assert [m["member"] for m in whole["members"]] == ["NIC", "VEN"]
    assert [m["member"] for m in mine["members"]] == ["VEN"]
    assert (mine["projects"], mine["lines_limited_to"]) == ([], ["VEN"])
    moves = client.get("/v1/funds/1/movements", headers=auth(keys.bcv)).json()
    assert [m["reference"] for m in moves["movements"]] == ["VEN-S1", "VEN-C1"]
    assert client.get("/v1/funds", headers=auth(keys.bcc)).json()["funds"] == []
    as_of = client.get("/v1/funds/1?as_of=2026-07-02", headers=auth(keys.auditor)).json()
    assert (as_of["as_of"], as_of["paid_in"], as_of["pledged"]) == (
        "2026-07-02", "0.00", "1500000.00")


def test_refusals_carry_their_codes_and_write_nothing(
        engine: Engine, client: TestClient, keys: Keys) -> None:
    seed_fund(engine)
    registry.change_member_status(SqlUnitOfWork(engine), "NIC", MemberStatus.SUSPENDED,
                                  effective_date=dt.date(2026, 7, 20), reference="suspension")
    before = business_state(engine)
    cases = [
        ("/v1/funds/1/disbursements", {"project": 1, "amount": "300000.01", "value_date": ON,
                                       "reference": "T"}, 422, "AM04", "amount"),
        ("/v1/funds/1/disbursements", {"project": 1, "amount": "1.00",
                                       "value_date": "2026-07-20", "reference": "T"},
         422, "AG01", "project"),
        ("/v1/funds/1/contributions", {"member": "VEN", "amount": "400000.01",
                                       "value_date": ON, "reference": "C"}, 409, "NARR",
         "amount"),
        ("/v1/funds/1/contributions", {"member": "VEN", "amount": "1.00",
                                       "value_date": ON, "reference": "VEN-C1"}, 409, "DUPL",
         "reference"),
        ("/v1/funds/1/subscriptions", {"member": "VEN", "amount": 1.5, "value_date": ON,
                                       "reference": "S"}, 422, None, None),
        ("/v1/funds/2/subscriptions", {"member": "VEN", "amount": "1.00", "value_date": ON,
                                       "reference": "S"}, 404, "NARR", "fund"),
    ]
    for number, (path, body, status, code, field) in enumerate(cases):
        response = client.post(path, json=body, headers=auth(keys.chamber, f"r-{number}"))
        assert response.status_code == status, response.text
        if code is not None:
            assert (response.json()["error"]["code"], response.json()["error"]["field"]) == (
                code, field)
    assert business_state(engine) == before


def test_a_movement_replays_by_key_and_by_reference(
        engine: Engine, client: TestClient, keys: Keys) -> None:
    seed_fund(engine)
    body = {"member": "NIC", "amount": "250000.00", "value_date": ON, "reference": "NIC-C1"}
    first = client.post("/v1/funds/1/contributions", json=body, headers=auth(keys.chamber, "a"))
    assert first.status_code == 201 and first.json()["replayed"] is False
    again = client.post("/v1/funds/1/contributions", json=body, headers=auth(keys.chamber, "a"))
    assert again.headers["Idempotency-Replayed"] == "true" and again.json() == first.json()
    before = business_state(engine)
    by_reference = client.post("/v1/funds/1/contributions", json=body,
                               headers=auth(keys.chamber, "b"))
    assert by_reference.status_code == 200
    assert by_reference.json() == {**first.json(), "replayed": True}
    assert business_state(engine)[:5] == before[:5]


def test_the_council_creates_and_the_report_names_the_decision(
        client: TestClient, keys: Keys) -> None:
    created = client.post("/v1/funds", headers=auth(keys.council, "f"), json={
        "name": "migrant reintegration", "purpose": "reintegration", "target": "10000000.00",
        "effective_date": "2026-07-01", "reference": SUMMIT})
    assert created.status_code == 201, created.text
    fund = created.json()
    assert (fund["currency"], fund["target"]) == ("USD", "10000000.00")
    decision = client.get(f"/v1/council/decisions/{fund['decision']}",
                          headers=auth(keys.auditor)).json()
    assert (decision["kind"], decision["decision"]["name"]) == ("fund", "migrant reintegration")
    in_xsu = client.post("/v1/funds", headers=auth(keys.council, "g"), json={
        "name": "x", "purpose": "p", "target": "1.00", "currency": "XSU",
        "effective_date": "2026-07-01", "reference": SUMMIT})
    assert (in_xsu.status_code, in_xsu.json()["error"]["field"]) == (422, "currency")


def test_the_council_puts_a_fund_to_the_vote(client: TestClient, keys: Keys) -> None:
    proposed = client.post("/v1/council/proposals", headers=auth(keys.council, "p"), json={
        "kind": "fund", "effective_date": "2026-07-01", "reference": SUMMIT,
        "payload": {"name": "migrant reintegration", "purpose": "reintegration",
                    "target": "10000000.00"}})
    assert proposed.status_code == 201, proposed.text
    assert proposed.json()["payload"]["target_minor"] == 1_000_000_000
    bad = client.post("/v1/council/proposals", headers=auth(keys.council, "q"), json={
        "kind": "project", "effective_date": "2026-07-01", "reference": SUMMIT,
        "payload": {"fund": "1", "name": "centres", "beneficiary": "NIC", "budget": "1.00"}})
    assert (bad.status_code, bad.json()["error"]["field"]) == (404, "fund")

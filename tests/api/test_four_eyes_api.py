"""Four eyes over HTTP (issue 11): the close route proposes, a second key of the role approves;
a key approving its own proposal, or a key of another role, is refused (403); a member's
settle-out is read by the chamber, the council and the auditor."""

from __future__ import annotations

from sqlalchemy import Engine

from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.members import MemberStatus
from sucre.domain.roles import Role
from sucre.service import api_keys, registry
from tests import world
from tests.api.conftest import Keys, TestClient, auth, close, order_body


def test_the_close_route_only_proposes_and_a_second_chamber_key_runs_it(
        engine: Engine, client: TestClient, keys: Keys) -> None:
    assert client.post("/v1/payment-orders", headers=auth(keys.bcc, "o-1"),
                       json=order_body("O-1")).status_code == 201
    proposed = client.post("/v1/periods/2026-H2/close", headers=auth(keys.chamber, "p-1"))
    assert proposed.status_code == 202, proposed.text
    action = proposed.json()
    assert (action["kind"], action["state"], action["proposed_by"]["client"]) == (
        "close_period", "pending", "chamber")
    periods = {p["code"]: p["state"] for p in client.get(
        "/v1/periods", headers=auth(keys.auditor)).json()}
    assert periods["2026-H2"] == "open"  # the old route cannot close alone any more
    # Proposing again, by either key, is no way around it.
    again = client.post("/v1/periods/2026-H2/close", headers=auth(keys.chamber2, "p-2"))
    assert again.status_code == 409 and f"pending action {action['id']}" in again.text

    before = world.row_counts(engine)
    for key, label in ((keys.chamber, "self"), (keys.council, "council"),
                       (keys.council2, "council2"), (keys.auditor, "auditor"),
                       (keys.bcv, "operator")):
        refused = client.post(action["approve"], headers=auth(key, f"a-{label}"))
        assert refused.status_code == 403, (label, refused.text)
        assert refused.json()["error"]["code"] == "AG01"
    assert "same key cannot approve" in client.post(
        action["approve"], headers=auth(keys.chamber, "a-self-2")).json()["error"]["message"]
    assert world.row_counts(engine) == before

    listed = client.get("/v1/pending-actions", headers=auth(keys.auditor)).json()
    assert [(a["id"], a["state"]) for a in listed] == [(action["id"], "pending")]
    approved = client.post(action["approve"], headers=auth(keys.chamber2, "a-ok"))
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["action"]["approved_by"]["client"] == "chamber-2"
    assert body["settlement"]["gross_xsu"] == "1000.00" and body["decision"] is None
    assert client.get("/v1/periods/2026-H2/settlement",
                      headers=auth(keys.auditor)).json() == body["settlement"]
    replay = client.post(action["approve"], headers=auth(keys.chamber2, "a-ok"))
    assert replay.json() == body and replay.headers["Idempotency-Replayed"] == "true"
    # Approved again by its client under a new key (the first answer lost): the same answer,
    # run once; by another chamber client: 409, already approved.
    again = client.post(action["approve"], headers=auth(keys.chamber2, "a-again"))
    assert again.status_code == 200 and again.json() == body, again.text
    assert "Idempotency-Replayed" not in again.headers
    third = api_keys.add_client(SqlUnitOfWork(engine), "chamber-3", Role.CHAMBER).api_key
    refused = client.post(action["approve"], headers=auth(third, "a-third"))
    assert refused.status_code == 409, refused.text
    assert "already approved by chamber-2" in refused.json()["error"]["message"]
    # Proposing the same close again, its client under a new key: the action, as it is now.
    reproposed = client.post("/v1/periods/2026-H2/close", headers=auth(keys.chamber, "p-3"))
    assert reproposed.status_code == 202 and reproposed.json() == body["action"]
    other = client.post("/v1/periods/2026-H2/close", headers=auth(keys.chamber, "p-4"),
                        json={"finance_deficits": True})
    assert other.status_code == 409 and "already settled" in other.text


def test_a_large_limit_raise_is_proposed_and_approved_by_two_council_keys(
        engine: Engine, client: TestClient, keys: Keys) -> None:
    registry.set_parameter(SqlUnitOfWork(engine), "four_eyes_limit_raise_minor", "100000",
                           effective_date=world.START, reference=world.REF)
    small = {"authority": "BCN", "effective_date": "2026-07-01", "allocation": "4000.00",
             "reference": "CE-1"}
    assert client.post("/v1/council/allocations", headers=auth(keys.council, "s"),
                       json=small).status_code == 201
    large = {**small, "allocation": "5000.01", "reference": "CE-2"}
    proposed = client.post("/v1/council/allocations", headers=auth(keys.council, "l"),
                           json=large)
    assert proposed.status_code == 202, proposed.text
    action = proposed.json()
    assert action["kind"] == "limit_raise"
    assert action["payload"]["allocation_minor"] == 500_001
    assert action["payload"]["previous_allocation_minor"] == 400_000

    def bcn_limit() -> str:
        positions = client.get("/v1/positions", headers=auth(keys.auditor)).json()
        return str(positions["authorities"]["BCN"]["limit"])

    assert bcn_limit() == "4000.00"
    for key, label in ((keys.council, "self"), (keys.chamber, "chamber")):
        assert client.post(action["approve"], headers=auth(key, f"a-{label}")
                           ).status_code == 403
    approved = client.post(action["approve"], headers=auth(keys.council2, "a-ok"))
    assert approved.status_code == 200, approved.text
    assert approved.json()["decision"]["recorded"] == "allocation"
    assert bcn_limit() == "5000.01"
    # The decision recorded names both keys' holders; the small raise, one key, names none.
    positions = client.get("/v1/positions", headers=auth(keys.auditor)).json()
    decision = client.get(f"/v1/council/decisions/{positions['authorities']['BCN']['decision']}",
                          headers=auth(keys.auditor)).json()
    assert decision["decision"]["approved_by"] == ["council", "council-2"]
    assert decision["reference"] == "CE-2"
    assert "approved_by" not in decision["supersedes"]["decision"]


def test_a_members_settle_out_over_http(engine: Engine, client: TestClient,
                                        keys: Keys) -> None:
    assert client.post("/v1/payment-orders", headers=auth(keys.bcc, "o-1"),
                       json=order_body("O-1")).status_code == 201
    registry.change_member_status(SqlUnitOfWork(engine), "CUB", MemberStatus.WITHDRAWN,
                                  effective_date=world.START, reference="XXI Summit")
    path = "/v1/members/CUB/settle-out"
    assert client.get(path, headers=auth(keys.council)).status_code == 409  # not closed yet
    close(client, keys, "2026-H2")
    for key in (keys.chamber, keys.council, keys.auditor):
        document = client.get(path, headers=auth(key))
        assert document.status_code == 200, document.text
        assert document.json()["flows"]["net"] == "-1000.00"
        assert document.json()["balance"]["balanced"] is True
    assert client.get(path, headers=auth(keys.bcc)).status_code == 403
    assert client.get("/v1/members/VEN/settle-out", headers=auth(keys.council)
                      ).status_code == 422  # has not withdrawn: name the period
    assert client.get("/v1/members/VEN/settle-out?period=2026-H2",
                      headers=auth(keys.council)).json()["flows"]["net"] == "1000.00"

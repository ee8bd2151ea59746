"""The council's voted path over HTTP: the council proposes and adopts, each member state's
delegate votes for its own state only, and positions name the decision behind each limit."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, func, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.members import MemberStatus
from sucre.domain.roles import Role
from sucre.service import api_keys, registry
from tests.api.conftest import Keys, TestClient, auth

SUMMIT = "XII Extraordinary Summit, 3 Feb 2026"
RAISE = {"kind": "allocation", "effective_date": "2026-07-05", "reference": SUMMIT,
         "payload": {"authority": "BCC", "allocation": "5000.00", "credit_line": "1000.00"}}


def delegates(engine: Engine, *members: str) -> dict[str, str]:
    uow = SqlUnitOfWork(engine)
    return {m: api_keys.add_client(uow, f"{m.lower()}-del", Role.DELEGATE, member=m).api_key
            for m in members}


def propose(client: TestClient, keys: Keys, body: dict[str, Any] = RAISE) -> int:
    response = client.post("/v1/council/proposals", headers=auth(keys.council, "p-1"),
                           json=body)
    assert response.status_code == 201, response.text
    assert response.json()["state"] == "open"
    return int(response.json()["id"])


def vote(client: TestClient, key: str, proposal: int, member: str, ballot: str = "yes",
         idempotency_key: str | None = None) -> Any:
    return client.post(f"/v1/council/proposals/{proposal}/votes",
                       headers=auth(key, idempotency_key or f"v-{member}-{proposal}"),
                       json={"member": member, "vote": ballot})


def test_propose_vote_adopt_and_see_the_new_limit(engine: Engine, client: TestClient,
                                                  keys: Keys) -> None:
    proposal = propose(client, keys)
    voters = delegates(engine, "CUB", "BOL", "NIC", "ATG", "DMA", "GRD")
    first = vote(client, keys.ven, proposal, "VEN")
    assert first.status_code == 201, first.text
    assert first.json()["cast_by"].startswith("api:ven-delegate/")
    replayed = vote(client, keys.ven, proposal, "VEN")  # the same request again
    assert replayed.status_code == 201 and replayed.headers["Idempotency-Replayed"] == "true"
    again = vote(client, keys.ven, proposal, "VEN", "no", idempotency_key="v-again")
    assert again.status_code == 409 and again.json()["error"]["code"] == "DUPL"
    for member, key in voters.items():
        assert vote(client, key, proposal, member).status_code == 201
    adopted = client.post(f"/v1/council/proposals/{proposal}/adopt",
                          headers=auth(keys.council, "adopt-1"))
    assert adopted.status_code == 200, adopted.text
    body = adopted.json()
    assert (body["state"], body["tally"]["outcome"], body["tally"]["yes"]) == (
        "adopted", "adopted", 7)
    assert body["tally"]["final"] is True and len(body["votes"]) == 7
    positions = client.get("/v1/positions", headers=auth(keys.bcc)).json()
    bcc = positions["authorities"]["BCC"]
    assert (bcc["limit"], bcc["decision"], bcc["reference"]) == (
        "6000.00", body["decision"], SUMMIT)
    decision = client.get(f"/v1/council/decisions/{body['decision']}",
                          headers=auth(keys.auditor)).json()
    assert decision["proposal"]["id"] == proposal
    assert decision["supersedes"]["reference"] == "test decision"
    assert [v["member"] for v in decision["proposal"]["votes"]][:2] == ["VEN", "CUB"]
    closed = client.post(f"/v1/council/proposals/{proposal}/adopt",
                         headers=auth(keys.council, "adopt-2"))
    assert closed.status_code == 409


def test_a_delegate_votes_for_its_own_state_only_and_an_operator_never(
        engine: Engine, client: TestClient, keys: Keys) -> None:
    proposal = propose(client, keys)
    other = vote(client, keys.ven, proposal, "CUB")
    assert other.status_code == 403 and "own member state (VEN)" in other.text
    operator = vote(client, keys.bcc, proposal, "CUB")
    assert operator.status_code == 403
    council = vote(client, keys.council, proposal, "VEN")
    assert council.status_code == 403
    proposer = client.post("/v1/council/proposals", headers=auth(keys.ven, "p-ven"), json=RAISE)
    assert proposer.status_code == 403
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.votes)).scalar_one() == 0
    missing = vote(client, keys.ven, 99, "VEN")
    assert missing.status_code == 404


def test_a_suspended_members_delegate_cannot_vote(engine: Engine, client: TestClient,
                                                  keys: Keys) -> None:
    nic = delegates(engine, "NIC")["NIC"]
    registry.change_member_status(SqlUnitOfWork(engine), "NIC", MemberStatus.SUSPENDED,
                                  effective_date=dt.date(2026, 7, 3),
                                  reference=SUMMIT)
    proposal = propose(client, keys)
    refused = vote(client, nic, proposal, "NIC")
    assert refused.status_code == 422 and "not in good standing" in refused.text


def test_a_proposal_without_quorum_is_rejected_and_changes_nothing(
        client: TestClient, keys: Keys) -> None:
    proposal = propose(client, keys)
    assert vote(client, keys.ven, proposal, "VEN").status_code == 201
    before = client.get("/v1/council/decisions", headers=auth(keys.council)).json()
    rejected = client.post(f"/v1/council/proposals/{proposal}/adopt",
                           headers=auth(keys.council, "adopt-1"))
    assert rejected.status_code == 200
    assert (rejected.json()["state"], rejected.json()["tally"]["outcome"]) == (
        "rejected", "no_quorum")
    assert client.get("/v1/council/decisions", headers=auth(keys.council)).json() == before
    limit = client.get("/v1/positions", headers=auth(keys.bcc)).json()["authorities"]["BCC"]
    assert limit["limit"] == "2000.00" and limit["reference"] == "test decision"
    listed = client.get("/v1/council/proposals", headers=auth(keys.ven)).json()
    assert [(p["id"], p["state"]) for p in listed["proposals"]] == [(proposal, "rejected")]


def test_bad_proposals_are_refused(client: TestClient, keys: Keys) -> None:
    for number, (body, status) in enumerate((({**RAISE, "kind": "coup"}, 422),
                         ({**RAISE, "payload": {"authority": "BCC"}}, 422),
                         ({**RAISE, "payload": {"member": "VEN"}}, 422),
                         ({**RAISE, "payload": {"authority": "XYZ", "allocation": "1.00"}}, 404),
                         ({**RAISE, "reference": ""}, 422))):
        response = client.post("/v1/council/proposals", headers=auth(keys.council, f"b{number}"),
                               json=body)
        assert response.status_code == status, (body, response.text)

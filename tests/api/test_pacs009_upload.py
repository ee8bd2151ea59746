"""``POST /v1/iso/pacs009`` over HTTP: settlement legs of a closed period confirmed paid.

Who may report which leg: a central bank's operator the legs its authority paid (``Dbtr``), the
chamber any leg (it pays the net creditors); everyone else is 403. The settled world is
``world.trade_and_close``: BCC pays 1,000.00 USD, BCV 125.00 USD, BCB receives 1,125.00 USD.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from tests import world
from tests.api.conftest import Keys, TestClient, auth
from tests.api.test_iso_upload import status_of
from tests.iso20022 import samples

PATH = "/v1/iso/pacs009"
PAY_BCC, PAY_BCV, RECEIVE_BCB = world.SETTLEMENT_LEGS


def legs(*paid: tuple[str, str, str, str], message_id: str = "SETTLE-1") -> bytes:
    return samples.pacs009(*paid, currency="USD", message_id=message_id,
                           settlement_date="2027-01-05")


def upload(client: TestClient, key: str, data: bytes, idempotency_key: str) -> Any:
    return client.post(PATH, content=data, headers={**auth(key, idempotency_key),
                                                    "Content-Type": "application/xml"})


def statuses(client: TestClient, keys: Keys) -> dict[str, str]:
    report = client.get("/v1/periods/2026-H2/settlement", headers=auth(keys.chamber))
    assert report.status_code == 200, report.text
    return {i["reference"]: i["settlement_status"] for i in report.json()["settlement"]}


@pytest.fixture
def settled(engine: Engine, client: TestClient) -> TestClient:
    world.trade_and_close(engine, built=True)
    return client


def test_each_payer_confirms_its_own_leg(engine: Engine, settled: TestClient,
                                         keys: Keys) -> None:
    assert set(statuses(settled, keys).values()) == {"pending"}
    for key, leg, header in ((keys.bcc, PAY_BCC, "p1"), (keys.bcv, PAY_BCV, "p2"),
                             (keys.chamber, RECEIVE_BCB, "p3")):
        response = upload(settled, key, legs(leg, message_id=f"SETTLE-{header}"), header)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("application/xml")
        assert status_of(response.content) == ("ACSC", ["ACSC"])
    assert statuses(settled, keys) == {ref: "confirmed" for ref, *_ in world.SETTLEMENT_LEGS}
    assert world.row_counts(engine)["settlement_confirmations"] == 3


def test_a_replay_or_a_resend_confirms_once(engine: Engine, settled: TestClient,
                                            keys: Keys) -> None:
    data = legs(PAY_BCC)
    first = upload(settled, keys.bcc, data, "once")
    replay = upload(settled, keys.bcc, data, "once")
    assert replay.headers["Idempotency-Replayed"] == "true"
    assert replay.content == first.content
    resent = upload(settled, keys.bcc, data, "once-more")  # same message, new HTTP key
    assert status_of(resent.content) == status_of(first.content) == ("ACSC", ["ACSC"])
    again = upload(settled, keys.bcc, legs(PAY_BCC, message_id="SETTLE-2"), "twice")
    assert status_of(again.content) == ("RJCT", ["RJCT"])
    assert b"DUPL" in again.content
    assert world.row_counts(engine)["settlement_confirmations"] == 1


@pytest.mark.parametrize(("role", "leg"), [
    ("bcv", PAY_BCC),  # another authority's payment
    ("bcc", RECEIVE_BCB),  # the chamber's payment to a creditor
    ("council", PAY_BCC),
    ("auditor", PAY_BCC),
])
def test_a_leg_the_caller_did_not_pay_is_forbidden(engine: Engine, settled: TestClient,
                                                   keys: Keys, role: str,
                                                   leg: tuple[str, str, str, str]) -> None:
    before = world.row_counts(engine)
    response = upload(settled, keys.of(role), legs(leg), f"forbidden-{role}")
    assert response.status_code == 403, response.text
    assert response.json()["error"]["code"] == "AG01"
    assert world.row_counts(engine) == before
    assert set(statuses(settled, keys).values()) == {"pending"}


def test_one_foreign_leg_forbids_the_whole_message(engine: Engine, settled: TestClient,
                                                   keys: Keys) -> None:
    response = upload(settled, keys.bcc, legs(PAY_BCC, PAY_BCV), "mixed")
    assert response.status_code == 403
    assert "CdtTrfTxInf[2]" in response.text
    assert world.row_counts(engine)["settlement_confirmations"] == 0


def test_an_operator_learns_nothing_of_another_authoritys_instructions(
        settled: TestClient, keys: Keys) -> None:
    """BCC naming BCV's instruction (which exists) or BCN's (which does not) as its own payment
    gets the same refusal: parties are checked before any instruction is looked up."""
    answers = []
    for other in ("BCV", "BCN"):
        leg = (f"2026-H2/PAY/{other}", "BCC", "SUCRE", "125.00")
        response = upload(settled, keys.bcc, legs(leg), f"probe-{other}")
        assert response.status_code == 200
        assert status_of(response.content) == ("RJCT", ["RJCT"])
        answers.append(response.text.split("<AddtlInf>")[1].split("</AddtlInf>")[0]
                       .replace(other, "X"))
    assert answers[0] == answers[1]
    assert "125.00" not in answers[0]


def test_wrong_amount_currency_and_party_are_rjct_with_their_codes(
        engine: Engine, settled: TestClient, keys: Keys) -> None:
    before = world.row_counts(engine)
    cases = {"AM09": legs(("2026-H2/PAY/BCC", "BCC", "SUCRE", "999.00")),
             "AM03": samples.pacs009(PAY_BCC, currency="EUR", message_id="SETTLE-EUR"),
             "RC01": legs(("2026-H2/PAY/BCC", "BCC", "NOBODY", "1000.00"))}
    for code, data in cases.items():
        response = upload(settled, keys.bcc, data, f"wrong-{code}")
        assert response.status_code == 200, response.text
        assert status_of(response.content) == ("RJCT", ["RJCT"])
        assert f"<Cd>{code}</Cd>".encode() in response.content
    assert world.row_counts(engine) == before


def test_a_pacs008_on_the_pacs009_route_is_refused(settled: TestClient, keys: Keys) -> None:
    data = samples.pacs008(samples.order(debtor_member="CUB", creditor_member="VEN",
                                         origin="VEN", currency="XSU", amount="1.00"))
    response = upload(settled, keys.chamber, data, "wrong-kind")
    assert response.status_code == 422
    assert "namespace" in response.json()["error"]["message"]

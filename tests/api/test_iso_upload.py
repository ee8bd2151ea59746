"""``POST /v1/iso/pacs008`` over HTTP: a pacs.002 for a good message; for hostile or wrong ones a
clear 4xx (or a group RJCT), nothing written, no file read, no connection opened, server healthy.

The parser's own attack corpus is in ``tests/iso20022/test_parse_safety.py``; here the same kinds
of message go through the whole HTTP path (gate, idempotency, permission, service).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import Engine

from sucre import bounds
from tests import world
from tests.api.conftest import Keys, TestClient, auth, order_body
from tests.iso20022 import samples
from tests.iso20022.test_parse_safety import BILLION_LAUGHS, NS, quadratic_blowup

PATH = "/v1/iso/pacs008"
PACS_002 = "urn:iso:std:iso:20022:tech:xsd:pacs.002.001.10"
SECRET = "s3cr3t-api-canary-91c2"


def cuba_pays(amount: str = "10.00", **changes: str) -> bytes:
    return samples.pacs008(samples.order(
        debtor_member="CUB", creditor_member="VEN", origin="VEN", currency="XSU",
        amount=amount, value_date="2026-07-03", **changes), message_id="BCC-2026-0001")


def upload(client: TestClient, key: str, data: bytes, idempotency_key: str = "iso-1") -> object:
    return client.post(PATH, content=data, headers={**auth(key, idempotency_key),
                                                    "Content-Type": "application/xml"})


@pytest.fixture
def untouched(engine: Engine, client: TestClient, keys: Keys) -> Iterator[TestClient]:
    before = world.row_counts(engine), world.position_sums(engine)
    yield client
    assert (world.row_counts(engine), world.position_sums(engine)) == before
    assert client.get("/health").status_code == 200
    assert client.post("/v1/payment-orders", headers=auth(keys.bcc, "still-serving"),
                       json=order_body()).status_code == 201


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    server.settimeout(0.2)
    yield server
    server.close()


def status_of(report: bytes) -> tuple[str, list[str]]:
    root = etree.fromstring(report)
    ns = {"p": PACS_002}
    group = root.findtext(".//p:OrgnlGrpInfAndSts/p:GrpSts", namespaces=ns)
    return str(group), [str(s) for s in root.xpath(".//p:TxInfAndSts/p:TxSts/text()",
                                                   namespaces=ns)]


def test_a_good_message_is_answered_with_a_pacs002(engine: Engine, client: TestClient,
                                                   keys: Keys) -> None:
    response = upload(client, keys.bcc, cuba_pays())
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    assert status_of(response.content) == ("ACSP", ["ACSP"])
    assert world.row_counts(engine)["payment_orders"] == 1
    again = upload(client, keys.bcc, cuba_pays())  # new UETR, same header key: conflict
    assert again.status_code == 409
    replay = client.post(PATH, content=response.request.content,
                         headers={**auth(keys.bcc, "iso-1"), "Content-Type": "application/xml"})
    assert replay.headers["Idempotency-Replayed"] == "true"
    assert replay.content == response.content


def test_a_message_is_parsed_and_validated_once(client: TestClient, keys: Keys,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from sucre.adapters.iso20022 import pacs008

    calls: list[int] = []
    read = pacs008.read_pacs008

    def counting(data: bytes) -> object:
        calls.append(len(data))
        return read(data)

    monkeypatch.setattr(pacs008, "read_pacs008", counting)
    response = upload(client, keys.bcc, cuba_pays())
    assert response.status_code == 200, response.text
    assert len(calls) == 1


def test_an_order_over_the_limit_is_a_rjct_am04(client: TestClient, keys: Keys) -> None:
    response = upload(client, keys.bcc, cuba_pays("999999.00"))
    assert status_of(response.content) == ("RJCT", ["RJCT"])
    assert b"AM04" in response.content


def test_another_authoritys_debtor_is_forbidden(untouched: TestClient, keys: Keys) -> None:
    response = upload(untouched, keys.bcv, cuba_pays())
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "AG01"


def test_business_invalid_message_is_a_group_rjct(untouched: TestClient, keys: Keys) -> None:
    duplicate = samples.order(debtor_member="CUB", creditor_member="VEN", origin="VEN",
                              currency="XSU", amount="10.00", value_date="2026-07-03")
    data = samples.pacs008(duplicate, duplicate, message_id="BCC-2026-0002")
    response = upload(untouched, keys.bcc, data)
    assert response.status_code == 200
    assert status_of(response.content) == ("RJCT", [])


@pytest.mark.parametrize("name", ["billion laughs", "quadratic blow-up", "not XML",
                                  "wrong namespace", "deep nesting", "empty"])
def test_hostile_or_wrong_messages_are_refused(untouched: TestClient, keys: Keys,
                                               name: str) -> None:
    data = {
        "billion laughs": BILLION_LAUGHS,
        "quadratic blow-up": quadratic_blowup(),
        "not XML": b"{\"orders\": []}",
        "wrong namespace": cuba_pays().replace(NS.encode(), b"urn:example:not-iso"),
        "deep nesting": b"<a>" * 10_000 + b"</a>" * 10_000,
        "empty": b"",
    }[name]
    response = upload(untouched, keys.bcc, data)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"]


def test_xxe_reads_no_file_and_opens_no_connection(untouched: TestClient, keys: Keys,
                                                   tmp_path: Path,
                                                   listener: socket.socket) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET)
    port = listener.getsockname()[1]
    for target in (secret.as_uri(), f"http://127.0.0.1:{port}/x"):
        data = (f'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "{target}">]>'
                f'<Document xmlns="{NS}"><FIToFICstmrCdtTrf>&x;</FIToFICstmrCdtTrf></Document>'
                ).encode()
        response = upload(untouched, keys.bcc, data, f"xxe-{port}-{len(target)}")
        assert response.status_code == 422
        assert SECRET not in response.text
        with pytest.raises(TimeoutError):
            listener.accept()


def test_oversized_upload_is_refused_before_parsing(untouched: TestClient, keys: Keys) -> None:
    response = untouched.post(PATH, content=b"<" * 64, headers={
        **auth(keys.bcc, "big"), "Content-Type": "application/xml",
        "Content-Length": str(bounds.api_xml_body_bytes_max + 1)})
    assert response.status_code == 413

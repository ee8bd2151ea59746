"""Bad input over HTTP: each answers a clear 4xx in the one error shape, writes nothing, and the
server goes on serving."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from sucre import bounds
from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.service import api_keys
from tests import world
from tests.api.conftest import Keys, TestClient, auth, order_body

ORDERS = "/v1/payment-orders"


@pytest.fixture
def checked(engine: Engine, client: TestClient, keys: Keys) -> Iterator[TestClient]:
    """The client; after the test, nothing was written and a good order still goes through."""
    before = world.row_counts(engine), world.position_sums(engine)
    yield client
    assert (world.row_counts(engine), world.position_sums(engine)) == before
    assert client.get("/health").status_code == 200
    response = client.post(ORDERS, headers=auth(keys.bcc, "after-the-storm"),
                           json=order_body("GOOD-AFTER"))
    assert response.status_code == 201, response.text


def error_of(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "field", "details"}
    assert body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


def post(client: TestClient, key: str, body: Any, idempotency_key: str = "bad-1",
         path: str = ORDERS) -> Any:
    return client.post(path, headers=auth(key, idempotency_key), json=body)


def test_malformed_json(checked: TestClient, keys: Keys) -> None:
    response = checked.post(ORDERS, headers={**auth(keys.bcc, "bad-1"),
                                             "Content-Type": "application/json"},
                            content=b'{"order_key": "K", "amount": "1.00",')
    error = error_of(response, 400)
    assert error["code"] == "FF01"
    assert "not valid JSON" in error["message"]


@pytest.mark.parametrize(("field", "value"), [
    ("value_date", 20260702), ("debtor_member", 123), ("hs_code", 100630),
    ("invoice_ref", ["INV-1"]), ("order_key", None), ("value_date", "02/07/2026"),
    ("debtor_member", "CUBA"), ("amount", "-1000.00"), ("amount", "1e3"),
])
def test_wrong_types_and_formats(checked: TestClient, keys: Keys, field: str,
                                 value: Any) -> None:
    error = error_of(post(checked, keys.bcc, order_body(**{field: value})), 422)
    assert error["code"] == "FF01"
    assert error["field"] == field


@pytest.mark.parametrize("amount", [1000.0, 1000, 0.1, True])
def test_amounts_as_json_numbers_are_refused(checked: TestClient, keys: Keys,
                                             amount: Any) -> None:
    error = error_of(post(checked, keys.bcc, order_body(amount=amount)), 422)
    assert error["field"] == "amount"
    assert "decimal strings" in error["message"]


def test_too_many_decimals(checked: TestClient, keys: Keys) -> None:
    error = error_of(post(checked, keys.bcc, order_body(amount="1000.001")), 422)
    assert (error["code"], error["field"]) == ("AM12", "amount")
    assert "more than 2 decimals" in error["message"]


def test_unknown_fields(checked: TestClient, keys: Keys) -> None:
    error = error_of(post(checked, keys.bcc, order_body(priority="urgent")), 422)
    assert error["field"] == "priority"
    batch = error_of(post(checked, keys.bcc, {"orders": [order_body()], "atomic": True},
                          path=f"{ORDERS}/batch"), 422)
    assert batch["field"] == "atomic"


def test_missing_fields_are_all_listed(checked: TestClient, keys: Keys) -> None:
    error = error_of(post(checked, keys.bcc, {"order_key": "K"}), 422)
    fields = {d["field"] for d in error["details"]}
    assert {"debtor_member", "amount", "value_date", "invoice_ref"} <= fields


def test_business_invalid_order(checked: TestClient, keys: Keys) -> None:
    error = error_of(post(checked, keys.bcc, order_body(value_date="2031-01-01")), 422)
    assert (error["code"], error["field"]) == ("DT01", "value_date")
    unknown = error_of(post(checked, keys.bcc, order_body(creditor_member="USA"),
                            idempotency_key="bad-2"), 404)
    assert unknown["field"] == "creditor_member"


@pytest.mark.parametrize(("field", "value"), [("importer", "Ali\u0000mport"),
                                              ("order_key", "K\u00001"),
                                              ("customs_ref", "DUA\u001b1")])
def test_control_characters_are_refused(checked: TestClient, keys: Keys, field: str,
                                        value: str) -> None:
    # PostgreSQL cannot store NUL: this was a 500 there before the domain refused it.
    error = error_of(post(checked, keys.bcc, order_body(**{field: value})), 422)
    assert error["code"] == "FF01"
    assert error["field"] in (field, "idempotency_key")


def test_oversized_body_with_content_length(checked: TestClient, keys: Keys) -> None:
    body = json.dumps(order_body(importer="x" * bounds.api_body_bytes_max)).encode()
    response = checked.post(ORDERS, headers={**auth(keys.bcc, "bad-1"),
                                             "Content-Type": "application/json"}, content=body)
    error = error_of(response, 413)
    assert error["field"] == "body"


def test_oversized_body_streamed_without_length(checked: TestClient, keys: Keys) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(bounds.api_body_bytes_max // 65536 + 2):
            yield b" " * 65536

    response = checked.post(ORDERS, headers={**auth(keys.bcc, "bad-1"),
                                             "Content-Type": "application/json"},
                            content=chunks())
    error_of(response, 413)


def test_oversized_and_empty_batches(checked: TestClient, keys: Keys) -> None:
    too_many = {"orders": [order_body(f"B{i}") for i in range(bounds.api_batch_orders_max + 1)]}
    error = error_of(post(checked, keys.bcc, too_many, path=f"{ORDERS}/batch"), 422)
    assert error["field"] == "orders"
    error_of(post(checked, keys.bcc, {"orders": []}, idempotency_key="bad-2",
                  path=f"{ORDERS}/batch"), 422)


def test_page_size_is_bounded(checked: TestClient, keys: Keys) -> None:
    response = checked.get(f"{ORDERS}?limit={bounds.api_page_orders_max + 1}",
                           headers=auth(keys.auditor))
    assert error_of(response, 422)["field"] == "limit"


@pytest.mark.parametrize("header", [
    None, "", "Bearer", "Bearer sk_nope", "Basic dXNlcjpwYXNz", "Token sk_123",
])
def test_missing_or_malformed_credentials(checked: TestClient, header: str | None) -> None:
    headers = {"Idempotency-Key": "bad-1"} | ({} if header is None else {"Authorization": header})
    response = checked.post(ORDERS, headers=headers, json=order_body())
    assert error_of(response, 401)["code"] == "AUTH"


def test_wrong_secret_and_unknown_key_id(checked: TestClient, keys: Keys) -> None:
    key_id = keys.bcc.split("_")[1]
    wrong_secret = f"sk_{key_id}_{'A' * 43}"
    unknown_id = f"sk_{'0' * 16}_{keys.bcc.split('_', 2)[2]}"
    for key in (wrong_secret, unknown_id):
        error = error_of(post(checked, key, order_body()), 401)
        assert error["message"] == "invalid or revoked API key"


def test_revoked_key(engine: Engine, checked: TestClient, keys: Keys) -> None:
    api_keys.revoke_key(SqlUnitOfWork(engine), keys.council.split("_")[1])
    response = checked.get("/v1/periods", headers=auth(keys.council))
    assert error_of(response, 401)["message"] == "invalid or revoked API key"


def test_refusals_are_logged(engine: Engine, checked: TestClient, keys: Keys) -> None:
    error_of(checked.get("/v1/periods"), 401)
    error_of(post(checked, keys.bcc, order_body(amount=1.5)), 422)
    with engine.connect() as conn:
        rows = conn.execute(select(t.access_log.c.client_id, t.access_log.c.status_code,
                                   t.access_log.c.idempotency_key)
                            .order_by(t.access_log.c.id)).all()
        bcc_id = conn.execute(select(t.api_clients.c.id).where(
            t.api_clients.c.name == "bcc-ops")).scalar_one()
    assert [tuple(r) for r in rows[-2:]] == [(None, 401, None), (bcc_id, 422, "bad-1")]


def test_unknown_path_and_method(checked: TestClient, keys: Keys) -> None:
    assert error_of(checked.get("/v1/nothing", headers=auth(keys.auditor)), 404)["code"] == (
        "NARR")
    error_of(checked.delete(f"{ORDERS}/1", headers=auth(keys.auditor)), 405)
    assert error_of(checked.get("/v1/nothing"), 401)["code"] == "AUTH"


def test_access_log_counts_one_row_per_request(engine: Engine, client: TestClient,
                                               keys: Keys) -> None:
    def logged() -> int:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(t.access_log)
                                    ).scalar_one())

    before = logged()
    client.get("/v1/periods", headers=auth(keys.auditor))
    client.get("/health")
    client.post(ORDERS, headers=auth(keys.bcc, "one"), json=order_body())
    assert logged() == before + 2  # /health is not logged


def test_unknown_query_parameters_are_refused_everywhere(checked: TestClient,
                                                         keys: Keys) -> None:
    document = checked.get("/openapi.json", headers=auth(keys.auditor)).json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            concrete = path.replace("{order_id}", "1").replace("{code}", "2026-H2").replace(
                "{authority}", "BCV").replace("{run_id}", "1")
            response = checked.request(method, f"{concrete}?unexpected=1",
                                       headers=auth(keys.auditor, "q-1"))
            assert response.status_code in (403, 422), (method, path, response.text)
            assert str(response.status_code) in operation["responses"], (method, path)
            if response.status_code == 422:
                assert response.json()["error"]["field"] == "unexpected"


# --- invoices and set-off -------------------------------------------------------------------

INVOICES = "/v1/invoices"
STATELESS = "/v1/setoff"


def invoice_body(key: str = "I1", **changes: object) -> dict[str, object]:
    """A valid invoice as JSON: a Cuban importer owes a Venezuelan exporter 100.00 XSU."""
    body: dict[str, object] = {
        "id": key, "debtor": "alimport", "creditor": "casa", "amount": "100.00",
        "currency": "XSU", "debtor_member": "CUB", "creditor_member": "VEN"}
    body.update(changes)
    return body


def stateless_body(key: str = "I1", **changes: object) -> dict[str, object]:
    body = invoice_body(key, **changes)
    del body["debtor_member"], body["creditor_member"]
    return body


def invoice_counts(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in (t.invoices, t.setoff_runs, t.setoff_clearings)]


@pytest.fixture
def checked_invoices(engine: Engine, checked: TestClient, keys: Keys) -> Iterator[TestClient]:
    """``checked``, and no invoice or run was written either; a good invoice still goes in."""
    before = invoice_counts(engine)
    yield checked
    assert invoice_counts(engine) == before
    response = post(checked, keys.bcc, {"invoices": [invoice_body("GOOD-AFTER")]},
                    "invoice-after", path=INVOICES)
    assert response.json() == {"stored": 1, "already_known": 0}, response.text


@pytest.mark.parametrize("path", [INVOICES, STATELESS])
@pytest.mark.parametrize("amount", [100.0, 100, 0.1, True])
def test_invoice_amounts_as_json_numbers_are_refused(checked_invoices: TestClient, keys: Keys,
                                                     path: str, amount: Any) -> None:
    make = invoice_body if path == INVOICES else stateless_body
    error = error_of(post(checked_invoices, keys.bcc, {"invoices": [make(amount=amount)]},
                          path=path), 422)
    assert error["field"] == "invoices.0.amount"
    assert "decimal strings" in error["message"]


@pytest.mark.parametrize("path", [INVOICES, STATELESS])
@pytest.mark.parametrize(("changes", "status", "code", "field"), [
    ({"amount": "100.001"}, 422, "AM12", "invoices.1.amount"),
    ({"amount": "1.5", "currency": "CUP"}, 200, None, None),  # the control: 1.50 CUP is fine
    ({"amount": "0.00"}, 422, "AM01", "invoices.1.amount"),
    ({"amount": "10000000000.01"}, 422, "AM02", "invoices.1.amount"),
    ({"creditor": "alimport"}, 422, "FF01", "invoices.1.creditor"),  # owes itself
    ({"id": "I0"}, 422, "FF01", "invoices.1.id"),  # the first invoice's id again
    ({"currency": "ZZZ"}, 422, "AM03", "invoices.1.currency"),
    ({"debtor": " alimport"}, 422, "FF01", "invoices.1.debtor"),
    ({"id": "has space"}, 422, "FF01", "invoices.1.id"),
    ({"due_date": "02/07/2026"}, 422, "FF01", "invoices.1.due_date"),
])
def test_bad_invoices_are_refused_with_their_field(
        engine: Engine, checked: TestClient, keys: Keys, path: str, changes: dict[str, Any],
        status: int, code: str | None, field: str | None) -> None:
    before = invoice_counts(engine)
    make = invoice_body if path == INVOICES else stateless_body
    body: dict[str, Any] = {"invoices": [make("I0", debtor="other", creditor="casa"),
                                         make("I1", **changes)]}
    if path == STATELESS:
        body["value_date"] = "2026-07-02"
    response = post(checked, keys.chamber, body, path=path)
    if status == 200:
        assert response.status_code == 200, response.text
        return
    error = error_of(response, status)
    assert (error["code"], error["field"]) == (code, field)
    assert invoice_counts(engine) == before


@pytest.mark.parametrize(("path", "bound", "make"), [
    (INVOICES, bounds.api_batch_invoices_max, invoice_body),
    (STATELESS, bounds.api_setoff_invoices_max, stateless_body)])
def test_oversized_and_empty_invoice_batches(checked_invoices: TestClient, keys: Keys,
                                             path: str, bound: int, make: Any) -> None:
    too_many = {"invoices": [make(f"I{i}") for i in range(bound + 1)]}
    assert len(json.dumps(too_many)) < bounds.api_body_bytes_max
    error = error_of(post(checked_invoices, keys.chamber, too_many, path=path), 422)
    assert error["field"] == "invoices"
    empty = error_of(post(checked_invoices, keys.chamber, {"invoices": []}, "bad-2",
                          path=path), 422)
    assert empty["field"] == "invoices"


def test_unknown_member_states(checked_invoices: TestClient, keys: Keys) -> None:
    not_a_member = error_of(post(checked_invoices, keys.chamber, {"invoices": [
        invoice_body(creditor_member="USA")]}, path=INVOICES), 404)
    assert (not_a_member["code"], not_a_member["field"]) == ("RC01", "creditor_member")
    not_a_country = error_of(post(checked_invoices, keys.chamber, {"invoices": [
        invoice_body(debtor_member="XXX")]}, "bad-2", path=INVOICES), 422)
    assert (not_a_country["code"], not_a_country["field"]) == ("BE09",
                                                                "invoices.0.debtor_member")
    # BCV's operator: an unknown state beside its own is reported as unknown ...
    own = error_of(post(checked_invoices, keys.bcv, {"invoices": [
        invoice_body(debtor_member="USA")]}, "bad-3", path=INVOICES), 404)
    assert own["field"] == "debtor_member"
    # ... beside another authority's, the invoice is not BCV's to store.
    foreign = error_of(post(checked_invoices, keys.bcv, {"invoices": [
        invoice_body(debtor_member="USA", creditor_member="CUB")]}, "bad-4", path=INVOICES), 403)
    assert foreign["code"] == "AG01"


def test_an_operator_names_both_member_states_of_its_own(checked_invoices: TestClient,
                                                         keys: Keys) -> None:
    missing = invoice_body()
    del missing["creditor_member"]
    error = error_of(post(checked_invoices, keys.bcc, {"invoices": [invoice_body("I0"),
                                                                    missing]},
                          path=INVOICES), 403)
    assert error["field"] == "invoices.1.creditor_member"
    foreign = invoice_body("I2", debtor_member="BOL", creditor_member="NIC")
    error = error_of(post(checked_invoices, keys.bcc, {"invoices": [invoice_body("I0"),
                                                                    foreign]},
                          "bad-2", path=INVOICES), 403)
    assert error["field"] == "invoices.1.debtor_member"
    assert "BOL and NIC" in error["message"]


def test_unknown_invoice_fields(checked_invoices: TestClient, keys: Keys) -> None:
    error = error_of(post(checked_invoices, keys.chamber,
                          {"invoices": [invoice_body(priority="high")]}, path=INVOICES), 422)
    assert error["field"] == "invoices.0.priority"
    stateless = error_of(post(checked_invoices, keys.chamber,
                              {"invoices": [invoice_body()]}, path=STATELESS), 422)
    assert stateless["field"] == "invoices.0.debtor_member"  # members are for stored invoices


def test_run_and_page_bounds(checked_invoices: TestClient, keys: Keys) -> None:
    for query, field in ((f"limit={bounds.api_page_clearings_max + 1}", "limit"),
                         ("limit=0", "limit"), ("offset=-1", "offset"),
                         (f"offset={bounds.setoff_invoices_max + 1}", "offset")):
        response = checked_invoices.get(f"/v1/setoff-runs/1?{query}",
                                        headers=auth(keys.auditor))
        assert error_of(response, 422)["field"] == field
    assert error_of(checked_invoices.get("/v1/setoff-runs/0", headers=auth(keys.auditor)),
                    422)["field"] == "run_id"
    error = error_of(post(checked_invoices, keys.chamber, {"value_date": 20260702},
                          path="/v1/setoff-runs"), 422)
    assert error["field"] == "value_date"

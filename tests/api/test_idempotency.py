"""Idempotency-Key over HTTP: required, replayed, conflicting, scoped per client, crash-safe."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from collections import Counter
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import Response
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.exc import OperationalError

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories.orders import SqlOrders
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.roles import Principal
from sucre.entrypoints.api import create_app
from sucre.entrypoints.api.deps import Idempotent
from sucre.service import api_keys, idempotency, payments
from tests import world
from tests.api.conftest import Keys, TestClient, auth, order_body

ORDERS = "/v1/payment-orders"


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.mark.parametrize("path", [ORDERS, f"{ORDERS}/batch", f"{ORDERS}/1/accept",
                                  f"{ORDERS}/1/reject", "/v1/periods/2026-H2/close",
                                  "/v1/council/allocations", "/v1/iso/pacs008",
                                  "/v1/invoices", "/v1/invoices/residual-orders",
                                  "/v1/setoff-runs"])
def test_state_changing_requests_need_the_header(engine: Engine, client: TestClient,
                                                 keys: Keys, path: str) -> None:
    before = world.row_counts(engine)
    for key in (keys.bcc, keys.bcv, keys.chamber, keys.council):
        response = client.post(path, headers=auth(key), json=order_body())
        assert response.status_code in (400, 403), response.text
        if response.status_code == 400:
            assert response.json()["error"] == {
                "code": "CH21", "field": "Idempotency-Key", "details": None,
                "message": "an Idempotency-Key header is required on every state-changing "
                           "request"}
    assert world.row_counts(engine) == before


def test_malformed_header(client: TestClient, keys: Keys) -> None:
    for bad in ("x" * 65, "has space", "é".encode()):
        headers = {**auth(keys.bcc), "Idempotency-Key": bad}
        response = client.post(ORDERS, headers=headers, json=order_body())
        assert response.status_code == 400, (bad, response.text)
        assert response.json()["error"]["field"] == "Idempotency-Key"


def test_replay_returns_the_stored_response(engine: Engine, client: TestClient,
                                            keys: Keys) -> None:
    first = client.post(ORDERS, headers=auth(keys.bcc, "r-1"), json=order_body())
    again = client.post(ORDERS, headers=auth(keys.bcc, "r-1"), json=order_body())
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers["Idempotency-Replayed"] == "true"
    assert "Idempotency-Replayed" not in first.headers
    assert count(engine, t.payment_orders) == 1


def test_errors_are_replayed_too(engine: Engine, client: TestClient, keys: Keys) -> None:
    body = order_body(value_date="2031-01-01")
    first = client.post(ORDERS, headers=auth(keys.bcc, "r-2"), json=body)
    again = client.post(ORDERS, headers=auth(keys.bcc, "r-2"), json=body)
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json()
    assert again.headers["Idempotency-Replayed"] == "true"


def test_same_key_other_body_is_a_conflict(engine: Engine, client: TestClient,
                                           keys: Keys) -> None:
    client.post(ORDERS, headers=auth(keys.bcc, "r-3"), json=order_body())
    other = client.post(ORDERS, headers=auth(keys.bcc, "r-3"),
                        json=order_body("K2", amount="5.00"))
    assert other.status_code == 409
    error = other.json()["error"]
    assert (error["code"], error["field"]) == ("DUPL", "Idempotency-Key")
    assert "different body" in error["message"]
    elsewhere = client.post(f"{ORDERS}/batch", headers=auth(keys.bcc, "r-3"),
                            json={"orders": [order_body()]})
    assert elsewhere.status_code == 409
    assert count(engine, t.payment_orders) == 1


def test_keys_are_scoped_per_client(engine: Engine, client: TestClient, keys: Keys) -> None:
    cuba = client.post(ORDERS, headers=auth(keys.bcc, "same"), json=order_body())
    venezuela = client.post(ORDERS, headers=auth(keys.bcv, "same"), json=order_body(
        "K-VEN", debtor_member="VEN", creditor_member="CUB", origin="CUB"))
    assert cuba.status_code == venezuela.status_code == 201
    assert count(engine, t.payment_orders) == 2


def test_order_key_replay_under_a_new_header_key(client: TestClient, keys: Keys) -> None:
    """The order's own key makes a resubmission under a fresh header key harmless too."""
    first = client.post(ORDERS, headers=auth(keys.bcc, "h-1"), json=order_body())
    second = client.post(ORDERS, headers=auth(keys.bcc, "h-2"), json=order_body())
    assert (first.status_code, second.status_code) == (201, 200)
    assert second.json() == {**first.json(), "replayed": True}


def test_a_crash_frees_the_key(engine: Engine, keys: Keys,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    def crash(*_: Any, **__: Any) -> Any:
        raise RuntimeError("the disk caught fire")

    with TestClient(create_app(engine), raise_server_exceptions=False) as client:
        with monkeypatch.context() as patched:
            patched.setattr(payments, "submit_order", crash)
            failed = client.post(ORDERS, headers=auth(keys.bcc, "c-1"), json=order_body())
        assert failed.status_code == 500
        assert failed.json()["error"] == {"code": "NARR", "message": "internal error",
                                          "field": None, "details": None}
        assert count(engine, t.idempotency_records) == 0
        retried = client.post(ORDERS, headers=auth(keys.bcc, "c-1"), json=order_body())
        assert retried.status_code == 201
        assert client.get("/health").status_code == 200
    with engine.connect() as conn:
        statuses = conn.execute(select(t.access_log.c.status_code)
                                .order_by(t.access_log.c.id)).scalars().all()
    assert statuses[-2:] == [500, 201]


def _principal(engine: Engine, key: str) -> Principal:
    return api_keys.authenticate(SqlUnitOfWork(engine), key)


def test_a_placeholder_left_by_an_older_sucre_is_taken_over(engine: Engine, client: TestClient,
                                                            keys: Keys) -> None:
    """Before 2026-12 a key was reserved in a transaction of its own; a worker that died left
    it "in progress" (status 0) with nothing of its request committed."""
    bcc = _principal(engine, keys.bcc)
    body = json.dumps(order_body()).encode()
    with engine.begin() as conn:
        conn.execute(insert(t.idempotency_records).values(
            client_id=bcc.client_id, key="p-1", method="POST", path=ORDERS,
            body_hash=hashlib.sha256(body).hexdigest(),
            status_code=0, response="", created_at=dt.datetime.now(dt.UTC)))
    headers = {**auth(keys.bcc, "p-1"), "Content-Type": "application/json"}
    first = client.post(ORDERS, headers=headers, content=body)
    assert first.status_code == 201, first.text
    again = client.post(ORDERS, headers=headers, content=body)
    assert (again.status_code, again.content) == (201, first.content)
    assert again.headers["Idempotency-Replayed"] == "true"
    assert count(engine, t.idempotency_records) == 1


def test_concurrent_retries_run_once(engine: Engine, keys: Keys) -> None:
    """Eight threads send the same request at once: its action runs once, the others wait for
    it and replay its response."""
    bcc = _principal(engine, keys.bcc)
    barrier = threading.Barrier(8)
    ran: list[int] = []
    answers: list[tuple[int, bytes, str | None]] = []
    lock = threading.Lock()

    def action() -> Response:
        with lock:
            ran.append(1)
        time.sleep(0.05)  # hold the key while the others arrive
        return Response(b'{"ok":true}', status_code=201, media_type="application/json")

    def race() -> None:
        request = Idempotent(SqlUnitOfWork(engine), bcc, "race", "POST", ORDERS, "h",
                             SimpleNamespace())
        barrier.wait()
        response = request.run_raw(action)
        with lock:
            answers.append((response.status_code, bytes(response.body),
                            response.headers.get("Idempotency-Replayed")))

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(ran) == 1
    assert Counter(answers) == {(201, b'{"ok":true}', None): 1,
                                (201, b'{"ok":true}', "true"): 7}


def test_a_crash_before_the_answer_is_stored_undoes_the_action(
        engine: Engine, client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    """The action and its idempotency record commit together: a request that dies after its
    action but before its answer is stored leaves nothing, and its retry runs once."""
    with monkeypatch.context() as patched:
        def crash(*_: Any, **__: Any) -> None:
            raise RuntimeError("killed before the answer was stored")

        patched.setattr(idempotency, "answer", crash)
        with TestClient(create_app(engine), raise_server_exceptions=False) as crashing:
            failed = crashing.post(INVOICES, headers=auth(keys.bcc, "i-9"), json=_invoices())
        assert failed.status_code == 500
    assert count(engine, t.invoices) == count(engine, t.idempotency_records) == 0
    first = client.post(INVOICES, headers=auth(keys.bcc, "i-9"), json=_invoices())
    again = client.post(INVOICES, headers=auth(keys.bcc, "i-9"), json=_invoices())
    assert first.content == again.content == b'{"stored":1,"already_known":0}'
    assert count(engine, t.invoices) == 1


INVOICES = "/v1/invoices"


def _invoices(amount: str = "10.00") -> dict[str, Any]:
    return {"invoices": [{"id": "INV-1", "debtor": "alimport", "creditor": "casa",
                          "amount": amount, "currency": "XSU", "debtor_member": "CUB",
                          "creditor_member": "VEN"}]}


def test_invoice_batches_replay_and_conflict(engine: Engine, client: TestClient,
                                             keys: Keys) -> None:
    first = client.post(INVOICES, headers=auth(keys.bcc, "i-1"), json=_invoices())
    again = client.post(INVOICES, headers=auth(keys.bcc, "i-1"), json=_invoices())
    assert first.status_code == again.status_code == 200
    assert again.content == first.content == b'{"stored":1,"already_known":0}'
    assert again.headers["Idempotency-Replayed"] == "true"
    other = client.post(INVOICES, headers=auth(keys.bcc, "i-1"), json=_invoices("11.00"))
    assert other.status_code == 409
    assert (other.json()["error"]["code"], other.json()["error"]["field"]) == (
        "DUPL", "Idempotency-Key")
    assert count(engine, t.invoices) == 1


def test_a_set_off_run_is_recorded_once_per_key(engine: Engine, client: TestClient,
                                                keys: Keys) -> None:
    client.post(INVOICES, headers=auth(keys.chamber, "i-1"), json=_invoices())
    body = {"value_date": "2026-07-02"}
    first = client.post("/v1/setoff-runs", headers=auth(keys.chamber, "run-1"), json=body)
    again = client.post("/v1/setoff-runs", headers=auth(keys.chamber, "run-1"), json=body)
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert count(engine, t.setoff_runs) == 1
    other_day = client.post("/v1/setoff-runs", headers=auth(keys.chamber, "run-1"),
                            json={"value_date": "2026-07-03"})
    assert other_day.status_code == 409
    assert count(engine, t.setoff_runs) == 1


class _Deadlock(Exception):
    sqlstate = "40P01"  # what psycopg's DeadlockDetected carries


def _deadlock_once(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> list[int]:
    """Make ``owner.name`` fail once as PostgreSQL's deadlock victim, inside its transaction."""
    original = getattr(owner, name)
    failed: list[int] = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        if not failed:
            failed.append(1)
            raise OperationalError("UPDATE ...", {}, _Deadlock("deadlock detected"))
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, flaky)
    return failed


def test_a_deadlock_victim_inside_the_action_is_run_again(
        engine: Engine, client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    """The action's transaction was rolled back by the database: it runs again, once applied,
    and the request is answered (not a 500 with nothing applied, nor anything applied twice)."""
    failed = _deadlock_once(monkeypatch, SqlOrders, "add")
    response = client.post(ORDERS, headers=auth(keys.bcc, "dl-1"), json=order_body())
    assert failed == [1]
    assert response.status_code == 201, response.text
    assert count(engine, t.payment_orders) == 1
    positions = client.get("/v1/positions", headers=auth(keys.bcc)).json()
    assert positions["authorities"]["BCC"]["debit_reserved"] == "1000.00"


def test_a_deadlock_victim_storing_the_response_is_run_again(
        engine: Engine, client: TestClient, keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    """The action committed and storing its response failed transiently: the response is
    stored after all, so the answer is the action's and a retry replays it (before: a 500, the
    order written, and the key stuck in progress)."""
    failed = _deadlock_once(monkeypatch, idempotency, "_append_access")
    response = client.post(ORDERS, headers=auth(keys.bcc, "dl-2"), json=order_body())
    assert failed == [1]
    assert response.status_code == 201, response.text
    again = client.post(ORDERS, headers=auth(keys.bcc, "dl-2"), json=order_body())
    assert again.headers.get("Idempotency-Replayed") == "true"
    assert (again.status_code, again.json()) == (201, response.json())
    assert count(engine, t.payment_orders) == 1

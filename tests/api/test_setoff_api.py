"""Set-off over HTTP: stored invoices, recorded runs and their pages, residuals, stateless solve."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from sucre import bounds
from sucre.adapters.db import tables as t
from sucre.entrypoints.cli.setoff import register
from tests.api.conftest import Keys, TestClient, auth

INVOICES = "/v1/invoices"
RUNS = "/v1/setoff-runs"
STATELESS = "/v1/setoff"


def invoice(key: str, debtor: str, creditor: str, amount: str, currency: str = "XSU",
            **extra: Any) -> dict[str, Any]:
    return {"id": key, "debtor": debtor, "creditor": creditor, "amount": amount,
            "currency": currency, **extra}


# The shared micro example: 10 -> 20 -> 30 -> 10 clears 300.00 of 500.00.
MICRO = [invoice("1", "10", "20", "100.00"), invoice("2", "20", "30", "100.00"),
         invoice("3", "30", "10", "200.00"), invoice("4", "40", "30", "100.00")]


def counts(engine: Engine) -> list[int]:
    with engine.connect() as conn:
        return [int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for table in (t.invoices, t.setoff_runs, t.setoff_clearings, t.payment_orders)]


def test_stateless_setoff_clears_the_cycle_and_writes_nothing(engine: Engine,
                                                              client: TestClient,
                                                              keys: Keys) -> None:
    before = counts(engine)
    response = client.post(STATELESS, headers=auth(keys.bcv), json={"invoices": MICRO})
    assert response.status_code == 200, response.text
    document = response.json()
    assert (document["total_debt"], document["cleared"], document["remaining"]) == (
        "500.00", "300.00", "200.00")
    assert document["cleared_fraction"] == pytest.approx(0.6)
    assert document["certificate"]["dual_bound"] == "300.00"
    assert document["results"] == [
        {"id": "1", "currency": "XSU", "amount": "100.00", "cleared": "100.00",
         "remaining": "0.00"},
        {"id": "2", "currency": "XSU", "amount": "100.00", "cleared": "100.00",
         "remaining": "0.00"},
        {"id": "3", "currency": "XSU", "amount": "200.00", "cleared": "100.00",
         "remaining": "100.00"},
        {"id": "4", "currency": "XSU", "amount": "100.00", "cleared": "0.00",
         "remaining": "100.00"}]
    assert counts(engine) == before
    assert "Idempotency-Replayed" not in response.headers


def test_stateless_document_is_the_clis(engine: Engine, client: TestClient, keys: Keys,
                                        tmp_path: Path) -> None:
    """``POST /v1/setoff`` answers ``sucre setoff --json``'s document (plus ``results``)."""
    rows = [invoice("a", "cu-importer", "ve-exporter", "2400.00", "CUP"),
            invoice("b", "ve-exporter", "cu-importer", "10000.00", "VES"),
            invoice("c", "ve-exporter", "bo-exporter", "55.50", "XSU")]
    path = tmp_path / "invoices.csv"
    path.write_text("id,debtor,creditor,amount,currency\n" + "".join(
        f"{r['id']},{r['debtor']},{r['creditor']},{r['amount']},{r['currency']}\n"
        for r in rows))
    rates = {"CUP": "0.0333333333", "VES": "0.008"}
    cli = typer.Typer()
    register(cli)

    @cli.callback()
    def main() -> None:
        """A stand-in for the main ``sucre`` app."""

    ran = CliRunner().invoke(cli, ["setoff", str(path), "--json", "--rate", "CUP=0.0333333333",
                                   "--rate", "VES=0.008"])
    assert ran.exit_code == 0, ran.stderr
    expected = json.loads(ran.stdout)
    response = client.post(STATELESS, headers=auth(keys.auditor),
                           json={"invoices": rows, "rates": rates})
    assert response.status_code == 200, response.text
    document = response.json()
    results = document.pop("results")
    for volatile in ("timings_s",):
        assert set(document.pop(volatile)) == set(expected.pop(volatile))
    assert document == expected
    assert [r["id"] for r in results] == ["a", "b", "c"]
    assert results[0]["currency"] == "CUP"


def test_stateless_setoff_at_published_rates(client: TestClient, keys: Keys) -> None:
    # 2,400.00 CUP = 100 USD = 80.00 XSU; 10,000.00 VES = 100 USD = 80.00 XSU on 2026-07-02.
    body = {"invoices": [invoice("a", "cu", "ve", "2400.00", "CUP"),
                         invoice("b", "ve", "cu", "10000.00", "VES")],
            "value_date": "2026-07-02"}
    response = client.post(STATELESS, headers=auth(keys.council), json=body)
    assert response.status_code == 200, response.text
    assert response.json()["cleared"] == "160.00"
    assert [r["remaining"] for r in response.json()["results"]] == ["0.00", "0.00"]


@pytest.mark.parametrize(("changes", "status", "code", "field"), [
    ({}, 422, "FF01", "rates"),  # a CUP invoice and no rate
    ({"value_date": "2020-01-01"}, 422, "DT01", "value_date"),  # nothing published that day
    ({"rates": {"CUP": "0.04"}, "value_date": "2026-07-02"}, 422, "FF01", "rates"),
    ({"rates": {"CUP": "0"}}, 422, "FF01", "rates.CUP"),
    ({"rates": {"CUP": "0.04", "cup": "0.05"}}, 422, "FF01", "rates.cup"),
    ({"rates": {"ZZZ": "1"}}, 422, "AM03", "rates.ZZZ"),
    ({"rates": {"CUP": "999999999999999"}}, 422, "AM02", "amount"),  # worth too much XSU
])
def test_stateless_rates_are_checked(client: TestClient, keys: Keys,
                                     changes: dict[str, Any], status: int, code: str,
                                     field: str) -> None:
    body = {"invoices": [invoice("a", "x", "y", "2400.00", "CUP")], **changes}
    response = client.post(STATELESS, headers=auth(keys.bcc), json=body)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == (code, field)


def test_store_run_read_and_page(engine: Engine, client: TestClient, keys: Keys) -> None:
    stored = client.post(INVOICES, headers=auth(keys.chamber, "store-1"),
                         json={"invoices": MICRO})
    assert (stored.status_code, stored.json()) == (200, {"stored": 4, "already_known": 0})
    run = client.post(RUNS, headers=auth(keys.chamber, "run-1"),
                      json={"value_date": "2026-07-02"})
    assert run.status_code == 201, run.text
    summary = run.json()
    assert (summary["run_id"], summary["cleared"], summary["remaining"]) == (
        1, "300.00", "200.00")
    assert summary["members"] == {"---": {"owes_before": "500.00", "owes_after": "200.00",
                                          "owed_before": "500.00", "owed_after": "200.00"}}
    page = client.get(f"{RUNS}/1?limit=2&offset=1", headers=auth(keys.auditor)).json()
    assert page["clearings_total"] == 3
    assert [c["id"] for c in page["clearings"]] == ["2", "3"]
    assert {k: page[k] for k in summary} == summary
    beyond = client.get(f"{RUNS}/1?offset=50", headers=auth(keys.auditor)).json()
    assert (beyond["clearings_total"], beyond["clearings"]) == (3, [])
    too_big = client.get(f"{RUNS}/1?limit={bounds.api_page_clearings_max + 1}",
                         headers=auth(keys.auditor))
    assert (too_big.status_code, too_big.json()["error"]["field"]) == (422, "limit")
    again = client.post(RUNS, headers=auth(keys.chamber, "run-2"),
                        json={"value_date": "2026-07-02"})
    assert (again.status_code, again.json()["cleared"]) == (201, "0.00")
    runs = client.get(RUNS, headers=auth(keys.bcc)).json()["runs"]
    assert [(r["run_id"], r["cleared"]) for r in runs] == [(1, "300.00"), (2, "0.00")]
    assert client.get(f"{RUNS}/3", headers=auth(keys.chamber)).status_code == 404


def test_a_run_without_open_invoices_or_rates_is_refused(client: TestClient,
                                                         keys: Keys) -> None:
    nothing = client.post(RUNS, headers=auth(keys.chamber, "run-0"),
                          json={"value_date": "2026-07-02"})
    assert (nothing.status_code, nothing.json()["error"]["field"]) == (422, "invoices")
    client.post(INVOICES, headers=auth(keys.chamber, "store-1"),
                json={"invoices": [invoice("a", "x", "y", "10.00", "CUP")]})
    no_rates = client.post(RUNS, headers=auth(keys.chamber, "run-1"),
                           json={"value_date": "2020-01-01"})
    assert (no_rates.status_code, no_rates.json()["error"]["code"]) == (422, "DT01")


def test_invoices_are_idempotent_by_their_own_id(engine: Engine, client: TestClient,
                                                 keys: Keys) -> None:
    body = {"invoices": [invoice("A-1", "alimport", "casa", "10.00", debtor_member="cub",
                                 creditor_member="VEN")]}
    first = client.post(INVOICES, headers=auth(keys.bcc, "h-1"), json=body)
    assert first.json() == {"stored": 1, "already_known": 0}
    under_new_key = client.post(INVOICES, headers=auth(keys.bcv, "h-2"), json=body)
    assert under_new_key.json() == {"stored": 0, "already_known": 1}
    changed = {"invoices": [{**body["invoices"][0], "amount": "11.00"}]}
    conflict = client.post(INVOICES, headers=auth(keys.bcc, "h-3"), json=changed)
    assert conflict.status_code == 409
    assert (conflict.json()["error"]["code"], conflict.json()["error"]["field"]) == ("DUPL", "id")
    with engine.connect() as conn:
        row = conn.execute(select(t.invoices.c.debtor_member, t.invoices.c.remaining_minor)
                           ).one()
    assert tuple(row) == ("CUB", 1_000)


def test_residuals_become_payment_orders_once(engine: Engine, client: TestClient,
                                              keys: Keys) -> None:
    goods = {"hs_code": "100630", "quantity": "10", "unit": "t", "customs_ref": "DUA-1"}
    stored = client.post(INVOICES, headers=auth(keys.chamber, "store-1"), json={"invoices": [
        invoice("r1", "alimport", "casa", "500.00", debtor_member="CUB", creditor_member="VEN",
                **goods),
        invoice("r2", "casa", "alimport", "200.00", debtor_member="VEN", creditor_member="CUB",
                **goods),
        invoice("r3", "a", "b", "1.00")]})  # no member states: never a payment order
    assert stored.json() == {"stored": 3, "already_known": 0}
    assert client.post(RUNS, headers=auth(keys.chamber, "run-1"),
                       json={"value_date": "2026-07-02"}).status_code == 201
    paid = client.post(f"{INVOICES}/residual-orders", headers=auth(keys.chamber, "pay-1"),
                       json={"value_date": "2026-07-02"})
    assert paid.status_code == 200, paid.text
    assert paid.json() == {"accepted": 1, "rejected": 0, "replayed": 0, "invalid": 0,
                           "errors": []}
    order = client.get("/v1/payment-orders?authority=BCC", headers=auth(keys.chamber)).json()
    assert [(o["order_key"], o["amount"]) for o in order["items"]] == [("INV-r1", "300.00")]
    again = client.post(f"{INVOICES}/residual-orders", headers=auth(keys.chamber, "pay-2"),
                        json={"value_date": "2026-07-02"})
    assert again.json()["accepted"] == 0
    late = client.post(f"{INVOICES}/residual-orders", headers=auth(keys.chamber, "pay-3"),
                       json={"value_date": "2031-01-01"})
    assert late.status_code == 200  # nothing left to pay: no error either

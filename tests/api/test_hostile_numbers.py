"""Every number of the HTTP API refuses the same hostile numbers (tests/hostile.py) as the CLI.

Amounts, quantities, rates and council parameters: each hostile number answers 422 in the one
error shape, at once, writes nothing, and the worker goes on serving (the bug: ``1e-99999999`` as
``corridor_alert_share`` kept a worker computing until it died).
"""

from __future__ import annotations

import itertools
import shutil
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from sqlalchemy import Engine, text

from sucre.adapters.db.engine import make_engine
from sucre.adapters.db.tables import metadata
from sucre.entrypoints.api import create_app
from tests import world
from tests.api.conftest import Keys, TestClient, auth, make_keys, order_body
from tests.api.test_bad_input import invoice_body, invoice_counts, stateless_body
from tests.conftest import BACKEND
from tests.hostile import HOSTILE_NUMBERS, LENIENT_NUMBERS, REFUSAL_SECONDS_MAX

_requests = itertools.count()


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[tuple[TestClient, Keys, Engine]]:
    """One world and one app for the module: every request below is refused, nothing changes."""
    if BACKEND == "sqlite":
        path = tmp_path_factory.mktemp("hostile-api") / "api.db"
        shutil.copyfile(database_url, path)
        engine = make_engine(f"sqlite:///{path}")
    else:
        engine = make_engine(database_url)
        tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    world.build(engine)
    keys = make_keys(engine)
    with TestClient(create_app(engine)) as client:
        yield client, keys, engine
    engine.dispose()


def order(number: str, field: str) -> tuple[str, str, dict[str, Any]]:
    return "bcc", "/v1/payment-orders", order_body(f"H-{next(_requests)}", **{field: number})


#: Each edge: who posts what where, with the number in it, and the field the error names.
EDGES: dict[str, tuple[Callable[[str], tuple[str, str, dict[str, Any]]], str]] = {
    "order amount": (lambda n: order(n, "amount"), "amount"),
    "order quantity": (lambda n: order(n, "quantity"), "quantity"),
    "council parameter": (lambda n: ("council", "/v1/council/parameters", {
        "name": "corridor_alert_share", "value": n, "effective_date": "2027-01-01",
        "reference": "CE-H"}), "value"),
    "invoice amount": (lambda n: ("bcc", "/v1/invoices", {
        "invoices": [invoice_body(f"H-{next(_requests)}", amount=n)]}), "invoices.0.amount"),
    "invoice quantity": (lambda n: ("bcc", "/v1/invoices", {
        "invoices": [invoice_body(f"H-{next(_requests)}", quantity=n)]}),
        "invoices.0.quantity"),
    "set-off amount": (lambda n: ("bcc", "/v1/setoff", {
        "invoices": [stateless_body("S1", amount=n)], "rates": {"USD": "0.8"}}),
        "invoices.0.amount"),
    "set-off rate": (lambda n: ("bcc", "/v1/setoff", {
        "invoices": [stateless_body("S1", currency="USD")], "rates": {"USD": n}}),
        "rates.USD"),
    "council allocation": (lambda n: ("council", "/v1/council/allocations", {
        "authority": "BCC", "effective_date": "2027-01-01", "allocation": n,
        "reference": "CE-H"}), "allocation"),
}


def post(client: TestClient, keys: Keys, edge: str, number: str) -> tuple[Any, float]:
    role, path, body = EDGES[edge][0](number)
    start = time.perf_counter()
    response = client.post(path, headers=auth(keys.of(role), f"h-{next(_requests)}"), json=body)
    return response, time.perf_counter() - start


@pytest.mark.parametrize("edge", sorted(EDGES))
@pytest.mark.parametrize("number", HOSTILE_NUMBERS)
def test_every_number_of_the_api_refuses_hostile_numbers(
        served: tuple[TestClient, Keys, Engine], edge: str, number: str) -> None:
    client, keys, engine = served
    before = world.row_counts(engine), world.position_sums(engine), invoice_counts(engine)
    response, seconds = post(client, keys, edge, number)
    assert seconds < REFUSAL_SECONDS_MAX
    assert response.status_code == 422, response.text[:2000]
    error = response.json()["error"]
    assert error["field"] == EDGES[edge][1]
    assert error["code"] in ("FF01", "AM12", "AM02")
    assert "pattern" not in error["message"]  # the rule in words, not its regular expression
    assert len(response.content) < 4000   # the number is not echoed whole
    assert (world.row_counts(engine), world.position_sums(engine),
            invoice_counts(engine)) == before
    assert client.get("/health").status_code == 200


@pytest.mark.parametrize("number", LENIENT_NUMBERS)
def test_surrounding_blanks_and_zero_decimals_read_as_everywhere(
        served: tuple[TestClient, Keys, Engine], number: str) -> None:
    """The API ignores surrounding blanks like the CLI and the CSV files (it refused them)."""
    client, keys, _ = served
    response, _ = post(client, keys, "set-off rate", number)
    assert response.status_code == 200, response.text
    response, _ = post(client, keys, "set-off amount", number)
    assert response.status_code == 200, response.text
    assert response.json()["total_debt"] == "1.00"

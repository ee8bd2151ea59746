"""A database that is unreachable, or keeps aborting a transaction after its retries: 503 with
Retry-After and nothing applied, never a bare 500 or a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from sucre import bounds
from sucre.adapters.db.engine import make_engine
from sucre.entrypoints.api import create_app
from sucre.service import payments
from tests import world
from tests.api.conftest import Keys, TestClient, auth, order_body
from tests.conftest import BACKEND

ORDERS = "/v1/payment-orders"
#: A key of the right shape, so that authenticating it needs the database.
WELL_FORMED_KEY = "sk_0123456789abcdef_" + "A" * 43


class Deadlocked(Exception):
    sqlstate = "40P01"


def test_a_transaction_still_deadlocked_after_its_retries_is_a_503(
        engine: Engine, keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    def deadlocked(*_: Any, **__: Any) -> Any:
        raise OperationalError("UPDATE positions ...", {}, Deadlocked("deadlock detected"))

    before = world.row_counts(engine), world.position_sums(engine)
    with TestClient(create_app(engine), raise_server_exceptions=False) as client:
        with monkeypatch.context() as patched:
            patched.setattr(payments, "submit_order", deadlocked)
            busy = client.post(ORDERS, headers=auth(keys.bcc, "busy-1"), json=order_body())
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == str(bounds.api_retry_after_s)
        assert busy.json()["error"]["code"] == "NARR"
        assert (world.row_counts(engine), world.position_sums(engine)) == before
        retried = client.post(ORDERS, headers=auth(keys.bcc, "busy-1"), json=order_body())
        assert retried.status_code == 201


def unreachable_urls(tmp_path: Path) -> list[str]:
    urls = [f"sqlite:///{tmp_path}/no-such-folder/sucre.db"]
    if BACKEND == "postgresql":
        urls.append("postgresql+psycopg://postgres@127.0.0.1:1/sucre?connect_timeout=2")
    return urls


def test_an_unreachable_database_is_a_503_on_every_request(tmp_path: Path) -> None:
    for url in unreachable_urls(tmp_path):
        app = create_app(make_engine(url))
        with TestClient(app, raise_server_exceptions=False) as client:
            for method, path in (("GET", "/v1/periods"), ("POST", ORDERS)):
                response = client.request(method, path, headers=auth(WELL_FORMED_KEY, "k-1"))
                assert response.status_code == 503, (url, path, response.text)
                assert response.headers["Retry-After"] == str(bounds.api_retry_after_s)
                assert "retry later" in response.json()["error"]["message"]


def test_health_tells_when_to_retry_too(tmp_path: Path) -> None:
    app = create_app(make_engine(f"sqlite:///{tmp_path}/no-such-folder/sucre.db"))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/health")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(bounds.api_retry_after_s)

"""Database faults seen from the API (issue 14): every route answers 503 with the error body and
Retry-After while the database is unreachable, the same app serves again by itself once it
returns, and a backend terminated in the middle of a request leaves the request whole or
not applied at all; a retry with the same Idempotency-Key then gets the one result."""

from __future__ import annotations

import random
import re
import shutil
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.engine import make_url

from sucre import bounds
from sucre.adapters.db import tables as t
from sucre.adapters.db.engine import make_engine
from sucre.entrypoints.api import create_app
from sucre.service import idempotency
from tests import world
from tests.api.conftest import TestClient, auth, make_keys, order_body
from tests.api.test_roles import api_routes
from tests.api.test_unavailable import WELL_FORMED_KEY, unreachable_urls

ORDERS = "/v1/payment-orders"
#: A value for each path parameter, well-formed so that routing and validation pass.
PATH_VALUES = {"code": "2026-H2", "period": "2026-H2", "authority": "BCV", "member": "VEN",
               "order_id": "1", "action_id": "1", "proposal_id": "1", "run_id": "1",
               "number": "1", "reference": "SUCRE-2026-H2-1", "key_id": "0123456789abcdef"}


def every_route(app: Any) -> Iterator[tuple[str, str]]:
    for route in api_routes(app.routes):
        path = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "1"), route.path)
        for method in sorted(route.methods):
            yield method, path


def assert_unavailable(response: Any, what: object) -> None:
    assert response.status_code == 503, (what, response.status_code, response.text)
    assert response.headers["Retry-After"] == str(bounds.api_retry_after_s), what
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == "NARR", (what, body)
    assert "retry" in body["error"]["message"], (what, body)


def test_every_route_is_a_503_with_retry_after_while_the_database_is_away(
        tmp_path: Path) -> None:
    for url in unreachable_urls(tmp_path):
        app = create_app(make_engine(url))
        routes = [*every_route(app), ("GET", "/openapi.json"), ("GET", "/health")]
        assert len(routes) > 30, routes
        with TestClient(app, raise_server_exceptions=False) as client:
            for method, path in routes:
                response = client.request(method, path, json=order_body(),
                                          headers=auth(WELL_FORMED_KEY, f"k-{method}{path}"))
                assert_unavailable(response, (url, method, path))


def test_the_same_app_serves_again_once_the_database_is_there(engine: Engine,
                                                              tmp_path: Path) -> None:
    """SQLite: the file's folder is missing, then the database appears there."""
    if engine.dialect.name != "sqlite":
        pytest.skip("the PostgreSQL outage is the proxy test below")
    world.build(engine)
    keys = make_keys(engine)
    engine.dispose()
    later = tmp_path / "later" / "sucre.db"
    app = create_app(make_engine(f"sqlite:///{later}"))
    with TestClient(app, raise_server_exceptions=False) as client:
        assert_unavailable(client.get("/v1/periods", headers=auth(keys.auditor)), "before")
        assert_unavailable(client.get("/health"), "health before")
        later.parent.mkdir()
        assert engine.url.database is not None
        shutil.copyfile(engine.url.database, later)
        assert client.get("/health").status_code == 200
        assert client.get("/v1/periods", headers=auth(keys.auditor)).status_code == 200
        made = client.post(ORDERS, headers=auth(keys.bcc, "after-1"), json=order_body())
        assert made.status_code == 201, made.text


class Outage:
    """A TCP relay between the app and PostgreSQL that can be cut (connections refused and
    those open dropped, as when the server stops) and restored on the same port."""

    def __init__(self, host: str, port: int) -> None:
        self.upstream = (host, port)
        self.port = 0
        self.listener: socket.socket | None = None
        self.open: list[socket.socket] = []
        self.lock = threading.Lock()
        self.start()

    def start(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = int(listener.getsockname()[1])
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self.lock:
            if self.listener is not None:
                try:  # wakes the thread blocked in accept (close alone does not, on Linux)
                    self.listener.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                self.listener.close()
                self.listener = None
            for sock in self.open:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                sock.close()
            self.open.clear()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.upstream)
            with self.lock:
                self.open += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, target):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass


@pytest.mark.postgres_only
def test_the_server_rides_out_a_postgresql_outage(engine: Engine, database_url: str) -> None:
    world.build(engine)
    keys = make_keys(engine)
    real = make_url(database_url)
    if real.host is None:
        pytest.skip("PostgreSQL on a unix socket: no TCP port to relay")
    relay = Outage(real.host, real.port or 5432)
    relayed = make_engine(real.set(host="127.0.0.1", port=relay.port,
                                   query={**real.query, "connect_timeout": "2"})
                          .render_as_string(hide_password=False))
    before = world.row_counts(engine)
    with TestClient(create_app(relayed), raise_server_exceptions=False) as client:
        made = client.post(ORDERS, headers=auth(keys.bcc, "o-1"), json=order_body("O1"))
        assert made.status_code == 201, made.text
        relay.cut()  # the pool's connections die, new ones are refused
        for method, path, key in (("GET", "/v1/periods", None), ("POST", ORDERS, "o-2")):
            response = client.request(method, path, headers=auth(keys.bcc, key),
                                      json=order_body("O2"))
            assert_unavailable(response, (method, path))
        relay.start()  # the same port: PostgreSQL is back
        assert client.get("/health").status_code == 200
        again = client.post(ORDERS, headers=auth(keys.bcc, "o-2"), json=order_body("O2"))
        assert again.status_code == 201, again.text
        replay = client.post(ORDERS, headers=auth(keys.bcc, "o-1"), json=order_body("O1"))
        assert replay.headers.get("Idempotency-Replayed") == "true"
    relay.cut()
    relayed.dispose()
    assert world.row_counts(engine)["payment_orders"] == before["payment_orders"] + 2


def order_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.payment_orders)).scalar_one())


@contextmanager
def terminator(database_url: str) -> Iterator[Engine]:
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        yield admin
    finally:
        admin.dispose()


@pytest.mark.postgres_only
def test_a_backend_terminated_before_the_answer_is_stored_applies_nothing(
        engine: Engine, database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    world.build(engine)
    keys = make_keys(engine)
    before = world.row_counts(engine), world.position_sums(engine)
    stored = idempotency.answer
    killed: list[int] = []

    def terminate_then_answer(uow: Any, *args: Any, **kwargs: Any) -> None:
        if not killed:  # the order is written; its backend dies before the answer is stored
            pid = int(uow.connection.execute(text("SELECT pg_backend_pid()")).scalar_one())
            with terminator(database_url) as admin, admin.connect() as conn:
                conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            killed.append(pid)
        stored(uow, *args, **kwargs)

    monkeypatch.setattr(idempotency, "answer", terminate_then_answer)
    batch = {"orders": [order_body(f"B{i}", amount="10.00") for i in range(5)]}
    with TestClient(create_app(engine), raise_server_exceptions=False) as client:
        first = client.post(f"{ORDERS}/batch", headers=auth(keys.bcc, "batch-1"), json=batch)
        assert killed, "the hook ran"
        assert_unavailable(first, "terminated")
        assert (world.row_counts(engine), world.position_sums(engine)) == before
        retried = client.post(f"{ORDERS}/batch", headers=auth(keys.bcc, "batch-1"), json=batch)
        assert retried.status_code == 200, retried.text
        replayed = client.post(f"{ORDERS}/batch", headers=auth(keys.bcc, "batch-1"), json=batch)
        assert replayed.json() == retried.json()
    assert order_count(engine) == before[0]["payment_orders"] + 5
    assert world.verify(engine)["balanced"] is True


@pytest.mark.postgres_only
def test_backends_terminated_at_random_apply_each_request_once(engine: Engine,
                                                               database_url: str) -> None:
    world.build(engine)
    keys = make_keys(engine)
    start = order_count(engine)
    database = make_url(database_url).database
    stop = threading.Event()
    terminated = [0]

    def terminate_at_random() -> None:
        rng = random.Random(14)  # noqa: S311 -- test timing, not a secret
        with terminator(database_url) as admin, admin.connect() as conn:
            while not stop.wait(rng.uniform(0.005, 0.05)):
                terminated[0] += int(conn.execute(text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :db AND pid <> pg_backend_pid() "
                    "AND backend_type = 'client backend'"), {"db": database}).scalar_one())

    requests = 40
    outcomes: dict[int, list[int]] = {i: [] for i in range(requests)}
    killer = threading.Thread(target=terminate_at_random, daemon=True)
    with TestClient(create_app(engine), raise_server_exceptions=False) as client:
        killer.start()
        try:
            for i in range(requests):
                response = client.post(ORDERS, headers=auth(keys.bcc, f"r-{i}"),
                                       json=order_body(f"R{i}", amount="1.00"))
                outcomes[i].append(response.status_code)
                assert response.status_code in (201, 503), response.text
        finally:
            stop.set()
            killer.join()
        for i, seen in outcomes.items():  # the database is back: retry what was not answered
            response = client.post(ORDERS, headers=auth(keys.bcc, f"r-{i}"),
                                   json=order_body(f"R{i}", amount="1.00"))
            assert response.status_code == 201, response.text
            if seen[0] == 201:
                assert response.headers.get("Idempotency-Replayed") == "true"
    assert terminated[0] > 0 and 503 in {s for seen in outcomes.values() for s in seen}, \
        (terminated, outcomes)
    assert order_count(engine) == start + requests
    assert world.verify(engine)["balanced"] is True

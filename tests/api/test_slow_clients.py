"""Clients that cost the server more than they should: a body or a request head that trickles in,
and floods of unauthenticated requests (each of which used to cost one durable write)."""

from __future__ import annotations

import asyncio
import socket
import time
from typing import Any

import pytest
from sqlalchemy import Engine, select

from sucre.adapters.db import tables as t
from sucre.entrypoints.api import create_app, gate
from tests.api.conftest import Keys, TestClient, auth, order_body


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_tally_writes_the_first_refusals_and_counts_the_rest() -> None:
    clock = Clock()
    tally = gate.RefusedTally(per_window=2, window_s=60, clock=clock)
    admitted = [tally.admit("GET", "/v1/periods") for _ in range(5)]
    admitted.append(tally.admit("POST", "/v1/payment-orders"))
    assert admitted == [True, True, False, False, False, False]
    assert tally.due() == []  # the window is still running
    clock.now = 60.0
    assert sorted(tally.due()) == [("GET", "/v1/periods", 3), ("POST", "/v1/payment-orders", 1)]
    assert tally.due() == []  # handed over once
    assert tally.admit("GET", "/v1/periods")  # a new window starts with rows of their own


def test_the_tally_bounds_the_paths_it_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gate.bounds, "api_refused_paths_max", 3)
    tally = gate.RefusedTally(per_window=0, window_s=60, clock=Clock())
    for number in range(10):
        assert not tally.admit("GET", f"/probe/{number}")
    counts = tally.due(final=True)
    assert len(counts) == 4
    assert ("GET", "*", 7) in counts
    assert sum(count for _, _, count in counts) == 10


def refused_rows(engine: Engine) -> list[tuple[Any, ...]]:
    a = t.access_log.c
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(
            select(a.method, a.path, a.requests).where(a.status_code == 401).order_by(a.id))]


def test_a_flood_of_refused_requests_writes_a_bounded_number_of_rows(
        engine: Engine, keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    tally = gate.RefusedTally
    monkeypatch.setattr(gate, "RefusedTally",
                        lambda: tally(per_window=3, window_s=60, clock=clock))
    with TestClient(create_app(engine)) as client:
        for _ in range(50):
            assert client.get("/v1/periods").status_code == 401
        assert client.get("/v1/periods", headers=auth("sk_bad")).status_code == 401
        assert len(refused_rows(engine)) == 3
        clock.now = 61.0
        # the next request of anyone writes the finished window's count
        assert client.get("/v1/periods", headers=auth(keys.auditor)).status_code == 200
        assert refused_rows(engine)[3:] == [("GET", "/v1/periods", 48)]
        for _ in range(5):
            client.post("/v1/payment-orders", json=order_body())
    # the window in progress is written when the server shuts down
    rows = refused_rows(engine)
    assert rows[4:7] == [("POST", "/v1/payment-orders", 1)] * 3
    assert rows[7:] == [("POST", "/v1/payment-orders", 2)]
    assert sum(r[2] for r in rows) == 51 + 5


def test_a_body_that_does_not_arrive_in_time_is_answered_408(engine: Engine, keys: Keys) -> None:
    app = create_app(engine, client_seconds=0.3)
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "POST", "scheme": "http", "path": "/v1/payment-orders",
             "raw_path": b"/v1/payment-orders", "query_string": b"", "root_path": "",
             "headers": [(b"authorization", f"Bearer {keys.bcc}".encode()),
                         (b"idempotency-key", b"slow-1"), (b"content-type", b"application/json"),
                         (b"content-length", b"1000")],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    chunks = [b'{"idempotency_key": "K', b"1"]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if chunks:
            return {"type": "http.request", "body": chunks.pop(0), "more_body": True}
        await asyncio.sleep(3600)  # the client stalls
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    started = time.monotonic()
    asyncio.run(app(scope, receive, send))
    assert time.monotonic() - started < 5
    start = sent[0]
    assert start["status"] == 408
    assert (b"connection", b"close") in start["headers"]
    with engine.connect() as conn:
        assert conn.execute(select(t.payment_orders.c.id)).first() is None


# --- a real server ------------------------------------------------------------------------------

def whole_response(sock: socket.socket) -> bytes:
    """One response read to the end of its body (head and body may come in separate packets)."""
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += sock.recv(4096)
    head, _, body = answer.partition(b"\r\n\r\n")
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += sock.recv(4096)
    return answer


@pytest.mark.postgres_only
@pytest.mark.slow
def test_a_real_server_cuts_off_slow_heads_and_bodies(engine: Engine, database_url: str,
                                                       tmp_path: Any) -> None:
    from tests.api.test_server_e2e import running_server

    with running_server(engine, database_url, tmp_path, "--client-timeout", "1") as (base, keys):
        host, port = base.removeprefix("http://").split(":")

        def connect() -> socket.socket:
            sock = socket.create_connection((host, int(port)), timeout=10)
            return sock

        # A head that never ends: the connection is closed after about a second.
        with connect() as sock:
            sock.sendall(b"GET /v1/periods HTTP/1.1\r\nHost: x\r\n")
            started = time.monotonic()
            assert sock.recv(1024) == b""
            assert 0.5 < time.monotonic() - started < 5
        # A body that stalls: 408, and the connection is closed.
        with connect() as sock:
            sock.sendall(b"POST /v1/payment-orders HTTP/1.1\r\nHost: x\r\n"
                         + f"Authorization: Bearer {keys.bcc}\r\n".encode()
                         + b"Idempotency-Key: slow-2\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000\r\n\r\n{\"idem")
            started = time.monotonic()
            answer = b""
            while chunk := sock.recv(4096):
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 408"), answer
            assert time.monotonic() - started < 5
        # A kept-alive connection whose next head stalls is closed too.
        with connect() as sock:
            sock.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            assert whole_response(sock).startswith(b"HTTP/1.1 200")
            sock.sendall(b"GET /health HTTP/1.1\r\n")
            started = time.monotonic()
            assert sock.recv(1024) == b""
            assert time.monotonic() - started < 5


def test_a_path_with_nul_or_an_escape_is_logged_escaped(engine: Engine, keys: Keys) -> None:
    """``%00`` reached the access log as NUL: PostgreSQL refused the row (a 500)."""
    with TestClient(create_app(engine)) as client:
        assert client.get("/v1/periods%00%1b[2J").status_code == 401
        assert client.get("/v1/x%00", headers=auth(keys.auditor)).status_code == 404
    a = t.access_log.c
    with engine.connect() as conn:
        paths = conn.execute(select(a.path).order_by(a.id)).scalars().all()
    assert paths[-2:] == ["/v1/periods\\x00\\x1b[2J", "/v1/x\\x00"]

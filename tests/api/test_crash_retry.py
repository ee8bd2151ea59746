"""A server killed (SIGKILL, every worker) in the middle of a request, then a retry with the same
Idempotency-Key on a new server (issue 14): the retry runs the request once, and is never told
409 "still in progress". The key's reservation, the action and the stored answer are one
transaction (:class:`sucre.entrypoints.api.deps.Idempotent`), so a crash leaves no orphaned
reservation: on PostgreSQL the test holds the request after it reserved its key (its backend
holds the uncommitted row) and kills the server there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Connection, Engine, func, select, text

from sucre.adapters.db import tables as t
from tests import world
from tests.api.conftest import Keys, make_keys, order_body
from tests.api.test_server_e2e import STARTUP_S, free_port

pytestmark = pytest.mark.slow
ORDERS = "/v1/payment-orders"


@contextmanager
def server(url: str, tmp_path: Path, name: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """``sucre serve`` in a session of its own (one SIGKILL of the group kills the server and
    any worker it started); killed after if still running."""
    port = free_port()
    sucre = Path(sys.executable).parent / "sucre"
    log_path = tmp_path / f"{name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [str(sucre), "serve", "--port", str(port), "--workers", "1", "--database", url],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + STARTUP_S
            while True:
                assert process.poll() is None, log_path.read_text()
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.2)
            yield base, process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def url_of(engine: Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def held_request(engine: Engine, conn: Connection) -> None:
    """Hold the next submission inside its transaction: PostgreSQL, the period row locked (a
    submitter waits for it after reserving its key); SQLite, the single writer taken."""
    if engine.dialect.name == "postgresql":
        conn.execute(text("SELECT id FROM periods WHERE code = '2026-H2' FOR UPDATE"))
    else:
        conn.exec_driver_sql("INSERT INTO access_log (method, path, status_code, requests, "
                             "created_at) VALUES ('TEST', '/hold', 0, 1, '2026-01-01')")


def waiting_with_its_key_reserved(engine: Engine) -> bool:
    """PostgreSQL: a server backend waits for the period lock while holding the inserted (not
    committed) idempotency record."""
    with engine.connect() as conn:
        return bool(conn.execute(text(
            "SELECT count(*) FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid "
            "JOIN pg_class c ON c.oid = l.relation WHERE a.wait_event_type = 'Lock' "
            "AND c.relname = 'idempotency_records' AND l.mode = 'RowExclusiveLock' "
            "AND a.datname = current_database()")).scalar_one())


def submit(base: str, keys: Keys, outcome: list[object]) -> None:
    try:
        outcome.append(httpx.post(f"{base}{ORDERS}", timeout=60, json=order_body("CRASH-1"),
                                  headers={"Authorization": f"Bearer {keys.bcc}",
                                           "Idempotency-Key": "crash-1"}))
    except httpx.TransportError as error:
        outcome.append(error)


def orders(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.payment_orders)
                                .where(t.payment_orders.c.idempotency_key == "CRASH-1"))
                   .scalar_one())


def test_a_server_killed_mid_request_leaves_no_reservation_behind(engine: Engine,
                                                                  tmp_path: Path) -> None:
    world.build(engine)
    keys = make_keys(engine)
    url = url_of(engine)
    outcome: list[object] = []
    with server(url, tmp_path, "first") as (base, process):
        holder = engine.connect()
        transaction = holder.begin()
        held_request(engine, holder)
        sender = threading.Thread(target=submit, args=(base, keys, outcome))
        sender.start()
        deadline = time.monotonic() + 20
        if engine.dialect.name == "postgresql":
            while not waiting_with_its_key_reserved(engine):
                assert time.monotonic() < deadline, "the request never reached its lock"
                time.sleep(0.05)
        else:
            time.sleep(1.5)  # the request waits for the writer (busy timeout: 30 s)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        sender.join(timeout=30)
        transaction.rollback()
        holder.close()
    assert outcome and isinstance(outcome[0], httpx.TransportError), outcome  # never answered
    with server(url, tmp_path, "second") as (base, _):
        retried = httpx.post(f"{base}{ORDERS}", timeout=60, json=order_body("CRASH-1"),
                             headers={"Authorization": f"Bearer {keys.bcc}",
                                      "Idempotency-Key": "crash-1"})
        assert retried.status_code == 201, retried.text  # not 409: nothing was left in progress
        assert retried.headers.get("Idempotency-Replayed") is None
        again = httpx.post(f"{base}{ORDERS}", timeout=60, json=order_body("CRASH-1"),
                           headers={"Authorization": f"Bearer {keys.bcc}",
                                    "Idempotency-Key": "crash-1"})
        assert again.headers.get("Idempotency-Replayed") == "true"
        assert again.json() == retried.json()
        other = httpx.post(f"{base}{ORDERS}", timeout=60, json=order_body("CRASH-2"),
                           headers={"Authorization": f"Bearer {keys.bcc}",
                                    "Idempotency-Key": "crash-1"})
        assert other.status_code == 409 and other.json()["error"]["code"] == "DUPL", other.text
    assert orders(engine) == 1

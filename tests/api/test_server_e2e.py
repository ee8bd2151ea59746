"""End to end: ``sucre serve`` as a real server on 127.0.0.1 over PostgreSQL, one full period
driven over HTTP with the credentials of two central banks and of the chamber."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from lxml import etree
from sqlalchemy import Engine, select

from sucre.adapters.db import tables as t
from tests import world
from tests.api.conftest import Keys, make_keys, order_body

pytestmark = [pytest.mark.postgres_only, pytest.mark.slow]

STARTUP_S = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_server(engine: Engine, database_url: str, tmp_path: Path,
                   *options: str) -> Iterator[tuple[str, Keys]]:
    """``sucre serve`` with two workers on a free port, over the test world; stopped after."""
    world.build(engine)
    keys = make_keys(engine)
    port = free_port()
    sucre = Path(sys.executable).parent / "sucre"
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [str(sucre), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
         "--database", database_url, *options],
        stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            assert process.poll() is None, (tmp_path / "server.log").read_text()
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.2)
        yield base, keys
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def server(engine: Engine, database_url: str, tmp_path: Path) -> Iterator[tuple[str, Keys]]:
    with running_server(engine, database_url, tmp_path) as running:
        yield running


def bank(base: str, key: str) -> httpx.Client:
    return httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=30)


def submit(client: httpx.Client, key: str, debtor: str, creditor: str, amount: str) -> int:
    response = client.post("/v1/payment-orders", headers={"Idempotency-Key": f"submit-{key}"},
                           json=order_body(key, debtor_member=debtor, creditor_member=creditor,
                                           origin=creditor, amount=amount))
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "accepted"
    return int(response.json()["order_id"])


def test_a_full_period_over_http(server: tuple[str, Keys], engine: Engine) -> None:
    base, keys = server
    with bank(base, keys.bcv) as bcv, bank(base, keys.bcc) as bcc, \
            bank(base, keys.chamber) as chamber:
        # Cuba pays Venezuela twice; Venezuela pays Cuba twice, and once more in a batch.
        rice = submit(bcc, "E2E-1", "CUB", "VEN", "1000.00")
        submit(bcc, "E2E-2", "CUB", "VEN", "400.00")
        medicine = submit(bcv, "E2E-3", "VEN", "CUB", "300.00")
        refused = submit(bcv, "E2E-4", "VEN", "CUB", "200.00")
        orders = {"orders": [
            order_body("E2E-5", debtor_member="VEN", creditor_member="CUB", origin="CUB",
                       amount="50.00"),
            order_body("E2E-6", debtor_member="VEN", creditor_member="CUB", origin="CUB",
                       amount="1.001")]}
        batch = bcv.post("/v1/payment-orders/batch", headers={"Idempotency-Key": "batch-1"},
                         json=orders)
        assert batch.status_code == 200, batch.text
        assert (batch.json()["accepted"], batch.json()["invalid"]) == (1, 1)

        # A retry is answered from the stored response; BCV cannot pay for Cuba.
        again = bcv.post("/v1/payment-orders/batch", headers={"Idempotency-Key": "batch-1"},
                         json=orders)
        assert again.headers.get("Idempotency-Replayed") == "true"
        assert again.json() == batch.json()
        assert bcv.post("/v1/payment-orders", headers={"Idempotency-Key": "x"},
                        json=order_body("E2E-X")).status_code == 403

        # The receiving sides decide: BCV accepts the rice, BCC the medicine, rejects the rest.
        assert bcv.post(f"/v1/payment-orders/{rice}/accept",
                        headers={"Idempotency-Key": "acc-1"}).json()["status"] == "settled"
        # Cuba pays the rice: it is told only the receiving authority decides.
        assert bcc.post(f"/v1/payment-orders/{rice}/accept",
                        headers={"Idempotency-Key": "acc-2"}).status_code == 403
        assert bcc.post(f"/v1/payment-orders/{medicine}/accept",
                        headers={"Idempotency-Key": "acc-3"}).json()["status"] == "settled"
        rejected = bcc.post(f"/v1/payment-orders/{refused}/reject",
                            headers={"Idempotency-Key": "rej-1"}, json={"reason_code": "AC06"})
        assert (rejected.json()["status"], rejected.json()["reason_code"]) == (
            "rejected", "AC06")
        assert bcv.get("/v1/positions").json()["authorities"]["BCV"]["net_posted"] == "700.00"

        # The chamber closes the period; the accepted but undecided orders post at cut-off.
        assert bcv.post("/v1/periods/2026-H2/close",
                        headers={"Idempotency-Key": "close-1"}).status_code == 403
        proposed = chamber.post("/v1/periods/2026-H2/close",
                                headers={"Idempotency-Key": "close"})
        assert proposed.status_code == 202, proposed.text
        with bank(base, keys.chamber2) as second:  # four eyes: another chamber key runs it
            closed = second.post(proposed.json()["approve"],
                                 headers={"Idempotency-Key": "approve"})
        assert closed.status_code == 200, closed.text
        report = closed.json()["settlement"]
        assert report["positions"]["BCV"] == "1050.00"  # +1000 +400 -300 -50
        assert report["positions"]["BCC"] == "-1050.00"
        assert sum(Decimal(v) for v in report["positions"].values()) == 0
        assert chamber.get("/v1/periods/2026-H2/settlement").json() == report
        assert bcv.get("/v1/periods/2026-H2/settlement").status_code == 403
        periods = {p["code"]: p["state"] for p in chamber.get("/v1/periods").json()}
        assert periods["2026-H2"] == "settled"
        assert "open" in periods.values()

        # Statements: each bank reads its own, not the other's; camt.053 as XML.
        statement = bcv.get("/v1/statements/BCV", params={"period": "2026-H2"}).json()
        amounts = [Decimal(e["amount"]) for e in statement["entries"]]
        assert sum(a for a in amounts if a > 0) == Decimal("1400.00")
        assert statement["closing_balance"] == "0.00"
        assert bcv.get("/v1/statements/BCC", params={"period": "2026-H2"}).status_code == 404
        camt = bcc.get("/v1/statements/BCC", params={"period": "2026-H2", "format": "camt053"})
        assert camt.headers["content-type"].startswith("application/xml")
        assert etree.fromstring(camt.content).tag.endswith("Document")

    with engine.connect() as conn:
        logged = conn.execute(select(t.api_clients.c.name, t.access_log.c.status_code)
                              .join(t.api_clients)).all()
    assert {name for name, _ in logged} == {"bcv-ops", "bcc-ops", "chamber", "chamber-2"}
    assert len(logged) == 21  # every request but the /health polls (the close: propose, approve)


def test_opposite_direction_concurrent_posts_all_succeed(server: tuple[str, Keys],
                                                         engine: Engine) -> None:
    """BCV and BCC pay each other at the same time from 16 client threads against two server
    workers, each receiving side accepting every other order as it arrives: every request is
    answered 2xx (on PostgreSQL opposite lock orders deadlocked: 274 of 300 answered 500)."""
    base, keys = server
    per_side = 120
    flows = [("bcv", "VEN", "CUB", "bcc"), ("bcc", "CUB", "VEN", "bcv")]
    jobs = [(f"OD-{side}-{i}", *flows[side]) for i in range(per_side) for side in (0, 1)]
    threads = 16
    barrier = threading.Barrier(threads)

    def post(client: httpx.Client, path: str, key: str, **body: object) -> httpx.Response | None:
        try:
            return client.post(path, headers={"Idempotency-Key": key}, **body)
        except httpx.TransportError:  # a dropped connection is a failure to count, too
            return None

    def work(k: int) -> list[tuple[str, int]]:
        statuses = []
        with bank(base, keys.bcv) as bcv, bank(base, keys.bcc) as bcc:
            clients = {"bcv": bcv, "bcc": bcc}
            barrier.wait()
            for number, (key, payer, debtor, creditor, payee) in enumerate(jobs[k::threads]):
                sent = post(clients[payer], "/v1/payment-orders", f"submit-{key}",
                            json=order_body(key, debtor_member=debtor, creditor_member=creditor,
                                            origin=creditor, amount="1.00"))
                statuses.append((f"submit {key}", 0 if sent is None else sent.status_code))
                if sent is not None and sent.status_code == 201 and number % 2 == 0:
                    decided = post(clients[payee],
                                   f"/v1/payment-orders/{sent.json()['order_id']}/accept",
                                   f"accept-{key}")
                    statuses.append((f"accept {key}",
                                     0 if decided is None else decided.status_code))
        return statuses

    with ThreadPoolExecutor(max_workers=threads) as pool:
        answered = [s for found in pool.map(work, range(threads)) for s in found]
    failed = [(what, status) for what, status in answered if not 200 <= status < 300]
    assert failed == [], f"{len(failed)} of {len(answered)} requests failed (0: no answer)"
    assert sum(what.startswith("submit") for what, _ in answered) == len(jobs)
    with engine.connect() as conn:
        statuses = Counter(conn.execute(select(t.payment_orders.c.status)).scalars())
    accepted_decisions = sum(1 for what, _ in answered if what.startswith("accept"))
    assert statuses == {"settled": accepted_decisions,
                        "accepted": len(jobs) - accepted_decisions}
    world.verify(engine)

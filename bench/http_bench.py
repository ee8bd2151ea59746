"""Single-order submissions per second over HTTP, against the framework ceiling of the same app.

What is measured, per database (SQLite file, PostgreSQL database ``sucre_bench_http``), on a
freshly migrated database with the bloc, rates, large allocations and the 2026-H2 period:

* ``submit``: ``POST /v1/payment-orders``, one new order per request (fresh ``order_key`` and
  ``Idempotency-Key``), exactly what a central bank's system sends: authentication, body bound,
  validation, the operator's permission, idempotency record, limit check and reservation in one
  durable transaction, stored response, access-log row;
* ``noop``: ``POST /v1/noop`` of the same app with the same body: authentication, body bound,
  access-log row and pydantic validation, then nothing. Its rate is the ceiling the API could
  reach with a free database; ``ratio = submit / noop`` at the same concurrency.

Each at 1, 8 and 32 concurrent clients (keep-alive connections), bounded by ``--requests`` per
run and ``--seconds`` per run, whichever comes first, after ``--warmup`` untimed requests.

The server is the real one (``sucre serve``, uvicorn, ``--workers``) in its own process; the load
comes from a SECOND process on loopback: a small asyncio client speaking raw HTTP/1.1 (httpx tops
out near 300 requests/s on this box, see the throughput notes, so it is not used). Client, server
and database share the machine's cores, as in a single-box deployment.

Prints one JSON object per database on stdout; progress goes to stderr.

    python bench/http_bench.py --db both
    python bench/http_bench.py --db sqlite --requests 500 --concurrency 1,8
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from fractions import Fraction
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, make_url, select, text

from sucre import bootstrap
from sucre.adapters.db import tables as t
from sucre.adapters.db.engine import make_engine, normalise_url
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.money import CurrencyCode
from sucre.domain.roles import Role
from sucre.service import api_keys, bloc, registry

BENCH_DIR = Path(__file__).resolve().parent
WORK_DIR = BENCH_DIR / "results" / "work"  # on the real disk (fsync is real), git-ignored
PG_URL_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "sucre_bench_http"
REFERENCE = "BENCH data - not a real council decision"
DAY = dt.date(2026, 7, 1)
PER_USD = {"VES": "100", "CUP": "24", "BOB": "6.96", "NIO": "36.6243", "XCD": "2.70"}
WEIGHTS = {"VES": "0.4", "CUP": "0.2", "BOB": "0.15", "NIO": "0.15", "XCD": "0.1"}
ALLOCATION_MINOR = 10**11  # no order of the run comes near a limit
STARTUP_S = 60
CLIENT_TIMEOUT_S = 60


def log(message: str) -> None:
    print(f"[http_bench] {message}", file=sys.stderr, flush=True)


# --- the database and the world -------------------------------------------------------------

def fresh_database(kind: str, pg_url: str) -> str:
    if kind == "sqlite":
        WORK_DIR.mkdir(parents=True, exist_ok=True)
        path = WORK_DIR / "http-bench.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    admin = create_engine(normalise_url(pg_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{PG_DATABASE}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{PG_DATABASE}"'))
    admin.dispose()
    return make_url(normalise_url(pg_url)).set(database=PG_DATABASE).render_as_string(
        hide_password=False)


def build_world(url: str) -> dict[str, str]:
    """The bloc, one day of rates, large allocations, the open period; two operators' keys."""
    engine = bootstrap.database(url)
    uow = SqlUnitOfWork(engine)
    bloc.register_bloc(uow, DAY, REFERENCE)
    registry.record_fixings(uow, DAY, {CurrencyCode(c): Fraction(v)
                                       for c, v in PER_USD.items()})
    registry.set_basket(uow, DAY, Fraction(5, 4),
                        {CurrencyCode(c): Fraction(w) for c, w in WEIGHTS.items()}, REFERENCE)
    for code, _, _ in bloc.AUTHORITIES:
        registry.set_allocation(uow, code, DAY, ALLOCATION_MINOR, 0, REFERENCE)
    registry.open_period(uow, DAY)
    keys = {"bcc": api_keys.add_client(uow, "bench-bcc", Role.OPERATOR, "BCC").api_key}
    engine.dispose()
    return keys


def order_count(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = int(conn.execute(select(func.count()).select_from(t.payment_orders)).scalar_one())
    engine.dispose()
    return count


# --- the server -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(url: str, workers: int) -> Any:
    port = free_port()
    sucre = Path(sys.executable).parent / "sucre"
    process = subprocess.Popen(
        [str(sucre), "serve", "--port", str(port), "--workers", str(workers), "--database", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + STARTUP_S
        while True:
            if process.poll() is not None:
                raise RuntimeError("sucre serve exited during startup")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("sucre serve did not start")
            time.sleep(0.2)
        yield port
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --- the load generator (runs in a second process) ------------------------------------------

BODY = ('{{"order_key":"{key}","debtor_member":"CUB","creditor_member":"VEN","amount":"1.00",'
        '"currency":"XSU","value_date":"2026-07-01","hs_code":"100630","quantity":"1",'
        '"unit":"t","invoice_ref":"INV-{key}","customs_ref":"DUA-{key}"}}')


def request_bytes(path: str, api_key: str, key: str) -> bytes:
    body = BODY.format(key=key).encode()
    head = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {api_key}\r\n"
            f"Idempotency-Key: {key}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


async def read_response(reader: asyncio.StreamReader) -> int:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def connection(port: int, path: str, api_key: str, prefix: str, budget: list[int],
                     deadline: float, latencies: list[float], statuses: Counter[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while budget[0] > 0 and time.perf_counter() < deadline:
            budget[0] -= 1
            key = f"{prefix}-{uuid.uuid4().hex[:20]}"
            started = time.perf_counter()
            writer.write(request_bytes(path, api_key, key))
            await writer.drain()
            statuses[await read_response(reader)] += 1
            latencies.append(time.perf_counter() - started)
    finally:
        writer.close()


async def load(port: int, path: str, api_key: str, concurrency: int, requests: int,
               seconds: float, prefix: str) -> dict[str, Any]:
    budget, latencies, statuses = [requests], [], Counter[int]()
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(*(connection(port, path, api_key, f"{prefix}{i}", budget, deadline,
                                      latencies, statuses) for i in range(concurrency)))
    elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def percentile(share: float) -> float:
        return round(1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))], 2)

    return {"requests": len(latencies), "seconds": round(elapsed, 3),
            "per_s": round(len(latencies) / elapsed, 1),
            "p50_ms": percentile(0.50), "p99_ms": percentile(0.99),
            "mean_ms": round(1000 * statistics.fmean(ordered), 2),
            "statuses": {str(k): v for k, v in sorted(statuses.items())}}


def load_generator_main(spec: dict[str, Any]) -> None:
    warm = asyncio.run(load(spec["port"], spec["path"], spec["api_key"], spec["concurrency"],
                            spec["warmup"], spec["seconds"], f"w{spec['tag']}"))
    measured = asyncio.run(load(spec["port"], spec["path"], spec["api_key"], spec["concurrency"],
                                spec["requests"], spec["seconds"], f"m{spec['tag']}"))
    print(json.dumps({"warmup": warm, "measured": measured}))


def run_load(spec: dict[str, Any]) -> dict[str, Any]:
    """The load generator in a second process (its CPU is not the server's)."""
    done = subprocess.run([sys.executable, __file__, "--load-generator", json.dumps(spec)],
                          capture_output=True, text=True, check=True, timeout=600)
    result: dict[str, Any] = json.loads(done.stdout)
    return result


# --- one database ---------------------------------------------------------------------------

ENDPOINTS = {"noop": "/v1/noop", "submit": "/v1/payment-orders"}
EXPECTED = {"noop": "200", "submit": "201"}


def bench_database(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    url = fresh_database(kind, args.pg_url)
    keys = build_world(url)
    runs: list[dict[str, Any]] = []
    submitted = 0
    with server(url, args.workers) as port:
        for concurrency in args.concurrency:
            for name in ("noop", "submit"):
                spec = {"port": port, "path": ENDPOINTS[name], "api_key": keys["bcc"],
                        "concurrency": concurrency, "requests": args.requests,
                        "warmup": args.warmup, "seconds": args.seconds,
                        "tag": f"{kind[0]}{concurrency}{name[0]}"}
                result = run_load(spec)
                measured = result["measured"]
                for phase in (result["warmup"], measured):
                    bad = {s: n for s, n in phase["statuses"].items() if s != EXPECTED[name]}
                    if bad:
                        raise RuntimeError(f"{name} x{concurrency}: unexpected statuses {bad}")
                    if name == "submit":
                        submitted += phase["requests"]
                runs.append({"endpoint": name, "concurrency": concurrency, **measured})
                log(f"{kind} {name:>6} x{concurrency:<2}: {measured['per_s']:>8}/s "
                    f"p50 {measured['p50_ms']} ms p99 {measured['p99_ms']} ms")
    written = order_count(url)
    if written != submitted:
        raise RuntimeError(f"{submitted} orders answered 201 but {written} are in the database")
    ratios = {}
    for concurrency in args.concurrency:
        per_s = {r["endpoint"]: r["per_s"] for r in runs if r["concurrency"] == concurrency}
        ratios[str(concurrency)] = round(per_s["submit"] / per_s["noop"], 3)
    return {"database": kind, "workers": args.workers, "requests_per_run": args.requests,
            "seconds_max_per_run": args.seconds, "warmup": args.warmup,
            "orders_written": written, "runs": runs, "ratio_submit_to_noop": ratios,
            "environment": {"cpus": os.cpu_count(), "python": platform.python_version(),
                            "machine": platform.machine(),
                            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--load-generator", help=argparse.SUPPRESS)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default=os.environ.get("SUCRE_BENCH_PG_URL", PG_URL_DEFAULT))
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--requests", type=int, default=3000, help="timed requests per run")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests per run")
    parser.add_argument("--seconds", type=float, default=20.0, help="time bound per run")
    parser.add_argument("--concurrency", type=lambda s: [int(c) for c in s.split(",")],
                        default=[1, 8, 32])
    args = parser.parse_args()
    if args.load_generator:
        load_generator_main(json.loads(args.load_generator))
        return
    if not (1 <= args.requests <= 1_000_000 and 0 < args.seconds <= 600
            and all(1 <= c <= 256 for c in args.concurrency)):
        parser.error("requests 1..1e6, seconds (0, 600], concurrency 1..256")
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    for kind in kinds:
        print(json.dumps(bench_database(kind, args)), flush=True)


if __name__ == "__main__":
    main()

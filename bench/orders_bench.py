"""Bulk import of N payment orders from a CSV file and one period close, against its ceiling.

What is timed, per database (SQLite file, PostgreSQL database ``sucre_bench``), on a freshly
migrated database with the bloc, 184 days of fixings, allocations and the 2026-H2 period set up:

* ``seconds_import``: ``payments.import_orders`` over ``open_order_file(path).rows()``, exactly
  what ``sucre import-orders`` does (CSV parsing, validation, limit checks, one transaction per
  batch of ``--batch`` orders);
* ``seconds_close``: ``closing.close_period`` of the period (posting, netting, settlement).

The ceiling, measured in the same run on a second freshly migrated database (so the table, its
indexes and foreign keys are identical): the very rows sucre wrote to ``payment_orders`` (read
back, not timed) inserted again through the same driver with no sucre code in the way.

* SQLite: stdlib ``sqlite3`` ``executemany``, one ``BEGIN IMMEDIATE``/``COMMIT`` per batch of
  the same size, same PRAGMAs (WAL, synchronous=FULL, foreign_keys=ON).
* PostgreSQL: psycopg 3 ``COPY`` with one commit per batch of the same size (the headline
  ceiling: same number of durable commits as sucre), ``executemany`` per batch, and ``COPY`` in
  one transaction (the absolute ceiling); all three are reported with their ratio.

PostgreSQL plan cache: sucre's engine sets ``plan_cache_mode = force_custom_plan`` on every
connection (``adapters/db/engine.py``). psycopg prepares a statement after 5 executions, and a
generic plan for the idempotency-key lookup chosen while the table is nearly empty is a sequential
scan that, with autovacuum off (as on this CI server), no ANALYZE ever replaces. The bench also
sets it on its database (``--pg-plan-cache-mode``, recorded in ``db_settings``); the connection
setting takes precedence, so that option no longer changes sucre's plans. See README.

``ratio = orders_per_s / ceiling_rows_per_s``. The CSV is written beforehand (not timed),
deterministically from ``--seed``; about 1 % of its rows are bad on purpose, as in the demo.
Prints one JSON object per database on stdout; progress goes to stderr. ``--db both`` runs each
database in its own process so ``peak_rss_mib`` (import + close) is that database's alone.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import random
import resource
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine, make_url

from sucre import bootstrap, bounds
from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.adapters.orders_csv import COLUMNS, open_order_file
from sucre.service import bloc, closing, demo, payments, registry, reports

BENCH_DIR = Path(__file__).resolve().parent
WORK_DIR = BENCH_DIR / "results" / "work"  # on the real disk (fsync is real), git-ignored
PG_URL_DEFAULT = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_DATABASE = "sucre_bench"
PG_CEILING_DATABASE = "sucre_bench_ceiling"
PERIOD_CODE = "2026-H2"
#: The operating date of the timed close: the day after 2026-H2 ends.
CLOSE_DAY = dt.date(2027, 1, 1)
REFERENCE = "BENCH data - not a real council decision"
#: Limit = this share of the authority's projected imports: most orders pass, a tail may not.
LIMIT_SHARE = 1.15
CREDIT_LINE_SHARE = 0.10
SPOIL_SHARE = 0.01
WRITTEN_COLUMNS = [c.name for c in t.payment_orders.columns if c.name != "id"]
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- data ---------------------------------------------------------------------------------------

def csv_path(orders: int, seed: int) -> Path:
    return WORK_DIR / f"orders-{orders}-seed{seed}.csv"


def ensure_csv(orders: int, seed: int) -> Path:
    """Write the order file once per (orders, seed); it is deterministic, so it is reused."""
    path = csv_path(orders, seed)
    if path.exists():
        return path
    WORK_DIR.mkdir(parents=True, exist_ok=True)
    fixings = demo._fixings(random.Random(seed))
    partial = path.with_suffix(".partial")
    with partial.open("w", newline="", encoding="utf-8") as handle, \
            progress("writing order CSV (not timed)", orders) as advance:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for number, row in enumerate(order_rows(random.Random(f"{seed}-orders"), orders, fixings)):
            writer.writerow(row)
            if number % 10_000 == 9_999:
                advance(10_000)
    partial.rename(path)
    return path


def order_rows(rng: random.Random, count: int, fixings: dict[dt.date, dict[str, Decimal]]
               ) -> Iterator[list[str]]:
    """Orders as ``demo._orders`` makes them (same corridors, goods, prices), streamed."""
    shares = [c[2] for c in demo.CORRIDORS]
    days = sorted(fixings)
    for number in range(count):
        importer, exporter, _, hs_code, price, mean_usd = rng.choices(demo.CORRIDORS,
                                                                      weights=shares)[0]
        day = days[min(len(days) - 1, int(number * len(days) / count))]
        tonnes = Decimal(max(1, round(mean_usd * rng.uniform(0.5, 1.5) / price)))
        code = demo.CURRENCY_OF[demo.AUTHORITY_OF[importer]]
        usd = tonnes * price * Decimal(str(round(rng.uniform(0.95, 1.05), 3)))
        in_xsu = rng.random() < 0.1
        amount = usd / Decimal("1.25") if in_xsu else usd * fixings[day][code]
        row = {"idempotency_key": f"BENCH-{number:08d}", "debtor_member": importer,
               "creditor_member": exporter, "amount": str(amount.quantize(Decimal("0.01"))),
               "currency": "XSU" if in_xsu else code, "value_date": day.isoformat(),
               "hs_code": hs_code, "quantity": str(tonnes), "unit": "t", "origin": exporter,
               "invoice_ref": f"INV-{number:08d}", "customs_ref": f"DUA-{exporter}-{number:08d}",
               "debtor_bank": "", "creditor_bank": "", "importer": f"Importer {importer}",
               "exporter": f"Exporter {exporter}"}
        if rng.random() < SPOIL_SHARE:
            spoil(rng, row)
        yield [row[c] for c in COLUMNS]


def spoil(rng: random.Random, row: dict[str, str]) -> None:
    """The demo's kinds of bad data (``demo._spoil``), applied in place."""
    field, value = rng.choice([
        ("amount", row["amount"] + "7"), ("debtor_member", "HND"), ("currency", "USD"),
        ("value_date", "2027-01-15"), ("amount", "0.00"), ("origin", "CHN")])
    row[field] = value


def set_up(engine: Engine, orders: int, seed: int) -> None:
    """Bloc, fixings and basket as in the demo; allocations roomy enough for most orders."""
    uow = SqlUnitOfWork(engine)
    bloc.register_bloc(uow, demo.PERIOD_START, REFERENCE)
    fixings = demo._fixings(random.Random(seed))
    demo._record_rates(uow, fixings, demo.DemoResult(report={}), lambda *_: None)
    imports_usd: dict[str, float] = dict.fromkeys((a for a, _, _ in bloc.AUTHORITIES), 0.0)
    for importer, _, share, _, _, mean_usd in demo.CORRIDORS:
        imports_usd[demo.AUTHORITY_OF[importer]] += share * orders * mean_usd
    for authority, usd in sorted(imports_usd.items()):
        xsu_minor = int(usd / 1.25 * 100)
        credit_line = int(xsu_minor * CREDIT_LINE_SHARE)
        registry.set_allocation(uow, authority, demo.PERIOD_START,
                                int(xsu_minor * LIMIT_SHARE) - credit_line, credit_line,
                                REFERENCE)
    registry.open_period(uow, demo.PERIOD_START)


# --- measurement helpers ------------------------------------------------------------------------

@contextlib.contextmanager
def progress(label: str, total: int) -> Iterator[Callable[[int], None]]:
    """A Rich bar on a terminal; otherwise a line on stderr every 10 s (never looks hung)."""
    if sys.stderr.isatty():
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                   TimeElapsedColumn())
        with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
            task = bar.add_task(label, total=total)
            yield lambda n: bar.advance(task, n)
        return
    state = {"done": 0, "shown": time.monotonic()}
    start = time.monotonic()
    print(f"{label}: 0/{total}", file=sys.stderr, flush=True)

    def advance(n: int) -> None:
        state["done"] += n
        if time.monotonic() - state["shown"] >= 10:
            state["shown"] = time.monotonic()
            print(f"{label}: {state['done']}/{total} "
                  f"({state['done'] / (time.monotonic() - start):,.0f}/s)",
                  file=sys.stderr, flush=True)

    yield advance
    print(f"{label}: done in {time.monotonic() - start:.1f} s", file=sys.stderr, flush=True)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _proc_cpu_s(pid: str) -> float:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    return 0.0


def cpu_snapshot() -> dict[str, float]:
    """Host busy and steal CPU, this process's CPU and all postgres processes' CPU (seconds)."""
    with open("/proc/stat") as handle:
        ticks = [int(x) for x in handle.readline().split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks
    postgres = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        with contextlib.suppress(OSError), open(f"/proc/{pid}/comm") as handle:
            if handle.read().strip() == "postgres":
                postgres += _proc_cpu_s(pid)
    own = resource.getrusage(resource.RUSAGE_SELF)
    return {"wall": time.monotonic(), "host": (user + nice + system + irq + softirq) / CLK_TCK,
            "steal": steal / CLK_TCK, "own": own.ru_utime + own.ru_stime, "postgres": postgres}


def cpu_window(before: dict[str, float]) -> dict[str, float]:
    """Average cores used during a window: by the bench, by PostgreSQL, by anything else."""
    after = cpu_snapshot()
    wall = after["wall"] - before["wall"]
    used = {k: (after[k] - before[k]) / wall for k in ("host", "steal", "own", "postgres")}
    return {"bench_cores": round(used["own"], 2), "postgres_cores": round(used["postgres"], 2),
            "other_cores": round(max(0.0, used["host"] - used["own"] - used["postgres"]), 2),
            "steal_cores": round(used["steal"], 2), "loadavg_1m": os.getloadavg()[0]}


def peak_rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def batches(rows: Sequence[tuple[Any, ...]], size: int) -> Iterator[Sequence[tuple[Any, ...]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


def rate(rows: int, seconds: float) -> dict[str, float]:
    return {"seconds": round(seconds, 3), "rows_per_s": round(rows / seconds)}


# --- sucre: import and close --------------------------------------------------------------------

def run_sucre(engine: Engine, path: Path, orders: int, batch: int,
              before_import: Callable[[], None]) -> dict[str, Any]:
    before_import()
    order_file = open_order_file(path)
    cpu = cpu_snapshot()
    started = time.perf_counter()
    with progress("import_orders (timed)", orders) as advance:
        report = payments.import_orders(SqlUnitOfWork(engine), order_file.rows(),
                                        batch_orders=batch, on_progress=advance)
    seconds_import = time.perf_counter() - started
    cpu_import = cpu_window(cpu)
    rss_import = peak_rss_mib()
    say("close_period (timed) ...")
    cpu = cpu_snapshot()
    started = time.perf_counter()
    settled = closing.close_period(SqlUnitOfWork(engine), PERIOD_CODE, finance_deficits=True,
                                   as_of=CLOSE_DAY)
    seconds_close = time.perf_counter() - started
    say(f"close_period: done in {seconds_close:.1f} s")
    document = reports.report_json(settled)
    assert document["orders"]["accepted"] == report.accepted, "close saw every accepted order"
    assert report.replayed == 0 and len(order_file.malformed) == 0, "a fresh, well-formed file"
    return {"orders": orders, "batch_orders": batch,
            "seconds_import": round(seconds_import, 3),
            "orders_per_s": round(orders / seconds_import),
            "seconds_close": round(seconds_close, 3),
            "accepted": report.accepted, "rejected": report.rejected, "invalid": report.invalid,
            "gross_xsu": document["gross_xsu"], "net_xsu": document["net_xsu"],
            "peak_rss_mib_after_import": rss_import, "peak_rss_mib": peak_rss_mib(),
            "cpu_import": cpu_import, "cpu_close": cpu_window(cpu)}


def written_rows_query() -> str:
    # Sucre wrote 'accepted'; the close has since moved those orders to 'settled'.
    columns = ", ".join("CASE status WHEN 'settled' THEN 'accepted' ELSE status END"
                        if c == "status" else c for c in WRITTEN_COLUMNS)
    return f"SELECT {columns} FROM payment_orders ORDER BY id"  # noqa: S608 - fixed names


def copy_reference_rows(source: Any, target: Any, placeholder: str) -> None:
    """The rows the orders' foreign keys point at (authorities, periods)."""
    for table in ("authorities", "periods"):
        rows = source.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608
        marks = ", ".join([placeholder] * len(rows[0]))
        target.cursor().executemany(f"INSERT INTO {table} VALUES ({marks})", rows)  # noqa: S608


# --- SQLite -------------------------------------------------------------------------------------

def sqlite_connect(path: Path) -> sqlite3.Connection:
    """The driver connection with the PRAGMAs sucre's engine sets on every connection."""
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON",
                   "busy_timeout=30000"):
        conn.execute(f"PRAGMA {pragma}")
    return conn


def fresh_sqlite(path: Path) -> Engine:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return bootstrap.database(f"sqlite:///{path}")


def sqlite_checkpoint(path: Path) -> None:
    with contextlib.closing(sqlite_connect(path)) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def bench_sqlite(args: argparse.Namespace, path: Path) -> dict[str, Any]:
    db = WORK_DIR / "orders-sucre.db"
    engine = fresh_sqlite(db)
    say(f"SQLite {sqlite3.sqlite_version}: {db}; setting up the bloc, fixings and allocations")
    set_up(engine, args.orders, args.seed)
    result = run_sucre(engine, path, args.orders, args.batch, lambda: sqlite_checkpoint(db))
    engine.dispose()
    say("reading back the rows sucre wrote (not timed) ...")
    with contextlib.closing(sqlite_connect(db)) as conn:
        rows = conn.execute(written_rows_query()).fetchall()
    ceiling_db = WORK_DIR / "orders-ceiling.db"
    fresh_sqlite(ceiling_db).dispose()
    with contextlib.closing(sqlite_connect(db)) as source, \
            contextlib.closing(sqlite_connect(ceiling_db)) as target:
        copy_reference_rows(source, target, "?")
    sqlite_checkpoint(ceiling_db)
    insert = (f"INSERT INTO payment_orders ({', '.join(WRITTEN_COLUMNS)}) "  # noqa: S608
              f"VALUES ({', '.join('?' * len(WRITTEN_COLUMNS))})")
    cpu = cpu_snapshot()
    started = time.perf_counter()
    with contextlib.closing(sqlite_connect(ceiling_db)) as conn, \
            progress("ceiling: sqlite3 executemany per batch (timed)", len(rows)) as advance:
        for chunk in batches(rows, args.batch):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(insert, chunk)
            conn.execute("COMMIT")
            advance(len(chunk))
    ceiling = rate(len(rows), time.perf_counter() - started)
    ceiling_cpu = cpu_window(cpu)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{ceiling_db}{suffix}").unlink(missing_ok=True)
    return {"db": "sqlite", "db_version": sqlite3.sqlite_version, **result,
            "ceiling_method": f"sqlite3 executemany, {args.batch} rows per transaction",
            "ceiling_rows": len(rows), "ceiling_rows_per_s": ceiling["rows_per_s"],
            "ceiling_seconds": ceiling["seconds"],
            "ratio": round(result["orders_per_s"] / ceiling["rows_per_s"], 3),
            "cpu_ceiling": ceiling_cpu}


# --- PostgreSQL ---------------------------------------------------------------------------------

def pg_url(base: str, database: str) -> str:
    """A libpq URL for ``database`` on the server of ``base`` (SQLAlchemy forms accepted)."""
    url = make_url(base).set(drivername="postgresql", database=database)
    return url.render_as_string(hide_password=False)


def recreate_pg_database(base: str, database: str) -> None:
    with psycopg.connect(pg_url(base, make_url(base).database or "postgres"),
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{database}"')


def pg_checkpoint(url: str) -> None:
    """Start every timed phase from a clean checkpoint (skipped if the role may not)."""
    with psycopg.connect(url, autocommit=True) as conn, contextlib.suppress(psycopg.Error):
        conn.execute("CHECKPOINT")


def pg_ceiling(url: str, rows: Sequence[tuple[Any, ...]], batch: int, method: str
               ) -> dict[str, Any]:
    columns = ", ".join(WRITTEN_COLUMNS)
    copy_sql = f"COPY payment_orders ({columns}) FROM STDIN"
    insert = (f"INSERT INTO payment_orders ({columns}) "  # noqa: S608
              f"VALUES ({', '.join(['%s'] * len(WRITTEN_COLUMNS))})")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("TRUNCATE payment_orders RESTART IDENTITY CASCADE")
    pg_checkpoint(url)
    size = len(rows) if method == "copy_one_tx" else batch
    cpu = cpu_snapshot()
    started = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur, \
            progress(f"ceiling: {method} (timed)", len(rows)) as advance:
        for chunk in batches(rows, size):
            with conn.transaction():
                if method == "executemany":
                    cur.executemany(insert, chunk)
                else:
                    with cur.copy(copy_sql) as copy:
                        for row in chunk:
                            copy.write_row(row)
            advance(len(chunk))
    return {**rate(len(rows), time.perf_counter() - started), "cpu": cpu_window(cpu)}


def bench_postgresql(args: argparse.Namespace, path: Path) -> dict[str, Any]:
    url, ceiling_url = pg_url(args.pg_url, PG_DATABASE), pg_url(args.pg_url, PG_CEILING_DATABASE)
    recreate_pg_database(args.pg_url, PG_DATABASE)
    if args.pg_plan_cache_mode != "server":
        with psycopg.connect(pg_url(args.pg_url, make_url(args.pg_url).database or "postgres"),
                             autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{PG_DATABASE}" '
                         f"SET plan_cache_mode = {args.pg_plan_cache_mode}")
    engine = bootstrap.database(url)
    with engine.connect() as conn:
        version = str(conn.exec_driver_sql("SHOW server_version").scalar())
        settings = {name: str(conn.exec_driver_sql(f"SHOW {name}").scalar()) for name in (
            "plan_cache_mode", "autovacuum", "shared_buffers", "synchronous_commit")}
    say(f"PostgreSQL {version}: database {PG_DATABASE}; setting up bloc, fixings, allocations")
    set_up(engine, args.orders, args.seed)
    result = run_sucre(engine, path, args.orders, args.batch, lambda: pg_checkpoint(url))
    engine.dispose()
    say("reading back the rows sucre wrote (not timed) ...")
    recreate_pg_database(args.pg_url, PG_CEILING_DATABASE)
    bootstrap.database(ceiling_url).dispose()
    with psycopg.connect(url) as source, psycopg.connect(ceiling_url) as target:
        rows = source.execute(written_rows_query()).fetchall()
        copy_reference_rows(source, target, "%s")
    methods = {m: pg_ceiling(ceiling_url, rows, args.batch, m)
               for m in ("copy", "executemany", "copy_one_tx")}
    with psycopg.connect(pg_url(args.pg_url, make_url(args.pg_url).database or "postgres"),
                         autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{PG_CEILING_DATABASE}" WITH (FORCE)')
    for figures in methods.values():
        figures["ratio"] = round(result["orders_per_s"] / figures["rows_per_s"], 3)
    return {"db": "postgresql", "db_version": version, "db_settings": settings, **result,
            "ceiling_method": f"psycopg COPY, {args.batch} rows per transaction",
            "ceiling_rows": len(rows), "ceiling_rows_per_s": methods["copy"]["rows_per_s"],
            "ceiling_seconds": methods["copy"]["seconds"], "ratio": methods["copy"]["ratio"],
            "ceilings": {
                f"copy_{args.batch}_per_tx": methods["copy"],
                f"executemany_{args.batch}_per_tx": methods["executemany"],
                "copy_one_tx": methods["copy_one_tx"]}}


# --- entry point --------------------------------------------------------------------------------

def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default=os.environ.get("SUCRE_BENCH_DATABASE_URL",
                                                           PG_URL_DEFAULT))
    parser.add_argument("--batch", type=int, default=bounds.import_batch_orders_default)
    parser.add_argument("--seed", type=int, default=20260701)
    parser.add_argument(
        "--pg-plan-cache-mode", choices=("force_custom_plan", "auto", "server"),
        default="force_custom_plan",
        help="plan_cache_mode set on the bench database ('server': leave it alone). sucre's "
             "engine sets force_custom_plan on its own connections, which takes precedence.")
    args = parser.parse_args(argv)
    if not 1 <= args.orders <= bounds.orders_per_period_max:
        parser.error(f"--orders must be 1..{bounds.orders_per_period_max}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    path = ensure_csv(args.orders, args.seed)
    if args.db == "both":
        codes = []
        for db in ("sqlite", "postgresql"):
            child = [sys.executable, __file__, "--db", db, "--orders", str(args.orders),
                     "--pg-url", args.pg_url, "--batch", str(args.batch), "--seed", str(args.seed),
                     "--pg-plan-cache-mode", args.pg_plan_cache_mode]
            codes.append(subprocess.run(child, check=False).returncode)
        return max(codes)
    started_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    run = bench_sqlite if args.db == "sqlite" else bench_postgresql
    result = run(args, path)
    print(json.dumps({"bench": "orders", "started_at": started_at, "seed": args.seed,
                      "python": platform.python_version(), "nproc": os.cpu_count(),
                      "csv_mib": round(path.stat().st_size / 2**20, 1), **result}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

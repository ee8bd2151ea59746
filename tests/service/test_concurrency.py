"""Concurrency claims, proven on a real PostgreSQL (SQLite has a single writer anyway)."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.synchronize import Barrier

import pytest
from sqlalchemy import Engine, func, select, update

from sucre.adapters.db import tables as t
from sucre.adapters.db.engine import make_engine
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import SucreError
from sucre.domain.orders import OrderStatus
from sucre.service import payments, reports
from tests import world

pytestmark = pytest.mark.postgres_only


def run_together(count: int, work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(count)

    def start(i: int) -> object:
        barrier.wait()
        try:
            return work(i)
        except SucreError as error:
            return error

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(start, range(count)))


def test_concurrent_submitters_never_breach_a_limit(engine: Engine) -> None:
    world.build(engine)  # BCC may owe 2,000.00 XSU
    outcomes = run_together(16, lambda i: payments.submit_order(
        SqlUnitOfWork(engine), world.order(f"C{i}", amount="300.00")))
    accepted = [o for o in outcomes if getattr(o, "status", None) is OrderStatus.ACCEPTED]
    assert len(accepted) == 6  # 6 * 300 = 1,800 <= 2,000 < 7 * 300
    assert all(getattr(o, "reason_code", None) == "AM04" for o in outcomes
               if o not in accepted)
    live = reports.positions_report(SqlUnitOfWork(engine)).authorities["BCC"]
    assert live.debit_reserved_minor == 180_000
    world.verify(engine)


def test_concurrent_retries_of_one_key_make_one_order(engine: Engine) -> None:
    world.build(engine)
    outcomes = run_together(12, lambda _: payments.submit_order(SqlUnitOfWork(engine),
                                                                world.order("SAME")))
    ids = {getattr(o, "order_id", None) for o in outcomes}
    assert len(ids) == 1 and None not in ids
    assert sum(not getattr(o, "replayed", True) for o in outcomes) == 1
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(t.payment_orders)).scalar() == 1
    assert reports.positions_report(SqlUnitOfWork(engine)).authorities[
        "BCC"].debit_reserved_minor == 100_000


def test_orders_racing_a_close_land_in_exactly_one_period(engine: Engine) -> None:
    world.build(engine)

    def work(i: int) -> object:
        if i == 0:
            return world.close(engine, "2026-H2", as_of=world.AFTER)
        return payments.submit_order(SqlUnitOfWork(engine), world.order(
            f"R{i}", debtor_member="VEN", creditor_member="BOL", origin="BOL",
            amount="10.00"))

    outcomes = run_together(12, work)
    report = outcomes[0]
    assert isinstance(report, dict)
    accepted = [o for o in outcomes[1:] if getattr(o, "status", None) is OrderStatus.ACCEPTED]
    refused = [o for o in outcomes[1:] if isinstance(o, SucreError)]
    assert len(accepted) + len(refused) == 11
    # Every accepted order was settled in the period; none arrived after its cut-off.
    assert report["orders"]["accepted"] == len(accepted)
    assert report["gross_xsu"] == f"{10 * len(accepted)}.00"
    world.verify(engine)


# --- opposite-direction bursts ----------------------------------------------------------------

#: One member state of each of the five authorities: every ordered pair of them is a corridor,
#: so each burst pays in both directions between every two authorities.
MEMBERS = {"VEN": "BCV", "CUB": "BCC", "BOL": "BCB", "NIC": "BCN", "ATG": "ECCB"}
CORRIDORS = [(d, c) for d in MEMBERS for c in MEMBERS if d != c]
DECISIONS = ("confirm", "reject", "leave")
AMOUNT_MINOR = 100  # each order is 1.00 XSU


@dataclass(frozen=True)
class Job:
    """Submit one order, then have its receiving authority confirm it, reject it or leave it."""

    key: str
    debtor: str
    creditor: str
    decision: str


def burst(count: int, prefix: str) -> list[Job]:
    """``count`` jobs cycling over every corridor, each corridor meeting every decision."""
    return [Job(f"{prefix}{i}", *CORRIDORS[i % len(CORRIDORS)],
                DECISIONS[i // len(CORRIDORS) % len(DECISIONS)]) for i in range(count)]


def with_big_limits(engine: Engine) -> None:
    """The test world, every authority's limit far above any burst (no AM04 to tell apart)."""
    world.build(engine)
    with engine.begin() as conn:
        conn.execute(update(t.positions).values(limit_minor=10**12))


def run_job(engine: Engine, job: Job) -> str | None:
    """Run one job; a description of what went wrong, or None."""
    try:
        outcome = payments.submit_order(SqlUnitOfWork(engine), world.order(
            job.key, debtor_member=job.debtor, creditor_member=job.creditor,
            origin=job.creditor, amount="1.00"))
        if outcome.status is not OrderStatus.ACCEPTED:
            return f"{job.key}: submitted as {outcome.status}"
        if job.decision != "leave":
            payments.decide_order(SqlUnitOfWork(engine), outcome.order_id, MEMBERS[job.creditor],
                                  accept=job.decision == "confirm")
    except Exception as error:  # noqa: BLE001 -- every failure is one to count
        return f"{job.key}: {type(error).__name__}: {error}"
    return None


def run_in_threads(engine: Engine, jobs: Sequence[Job], threads: int) -> list[str]:
    """Thread k runs jobs k, k + threads, ...: neighbouring jobs (opposite directions of one
    pair of authorities among them) run at the same time. Every thread starts at once."""
    barrier = threading.Barrier(threads)

    def work(k: int) -> list[str]:
        barrier.wait()
        return [e for e in (run_job(engine, job) for job in jobs[k::threads]) if e]

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return [e for found in pool.map(work, range(threads)) for e in found]


def process_main(url: str, jobs: Sequence[Job], threads: int, start: Barrier,
                 results: multiprocessing.Queue[list[str]]) -> None:
    """A burst in a process of its own, with its own engine (run under 'spawn')."""
    engine = make_engine(url, pool_size=threads)
    try:
        engine.connect().close()  # connected before the start, so the processes overlap
        start.wait()
        results.put(run_in_threads(engine, jobs, threads))
    except Exception as error:  # noqa: BLE001 -- reported to the parent, not lost
        results.put([f"process: {type(error).__name__}: {error}"])
    finally:
        engine.dispose()


def check_accounts(engine: Engine, jobs: Sequence[Job]) -> None:
    """Every job's order exists once, in the state its decision gave it; the positions table
    equals the sum of the orders; the journal balances and agrees with the positions."""
    expected_status = {"confirm": "settled", "reject": "rejected", "leave": "accepted"}
    o = t.payment_orders.c
    with engine.connect() as conn:
        rows = conn.execute(select(o.idempotency_key, o.status)).all()
    with SqlUnitOfWork(engine) as uow:
        period = uow.periods.by_code("2026-H2")
        assert period is not None
        positions = {p.authority: p.position for p in uow.positions.in_period(period.id)}
    assert Counter(key for key, _ in rows) == Counter(job.key for job in jobs)
    assert dict(rows) == {job.key: expected_status[job.decision] for job in jobs}
    want: dict[tuple[str, str], int] = Counter()
    for job in jobs:
        if job.decision == "reject":
            continue
        state = "posted" if job.decision == "confirm" else "pending"
        want[MEMBERS[job.debtor], f"debit_{state}_minor"] += AMOUNT_MINOR
        want[MEMBERS[job.creditor], f"credit_{state}_minor"] += AMOUNT_MINOR
    for authority, position in positions.items():
        for column in ("debit_pending_minor", "credit_pending_minor", "debit_posted_minor",
                       "credit_posted_minor"):
            assert getattr(position, column) == want[authority, column], (authority, column)
    world.verify(engine)


def test_opposite_direction_bursts_in_threads(engine: Engine) -> None:
    """16 threads submit, confirm and reject orders between five authorities in both
    directions at once: no deadlock surfaces, every order is accounted for exactly once."""
    with_big_limits(engine)
    jobs = burst(240, "TH")
    assert run_in_threads(engine, jobs, threads=16) == []
    check_accounts(engine, jobs)


def test_opposite_direction_bursts_in_processes(engine: Engine) -> None:
    """The same from four processes (each its own engine and connection pool) of four threads:
    PostgreSQL, not one process's pool, is what orders the transactions."""
    with_big_limits(engine)
    jobs = burst(240, "PR")
    processes = 4
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(processes)
    results: multiprocessing.Queue[list[str]] = context.Queue()
    url = engine.url.render_as_string(hide_password=False)
    workers = [context.Process(target=process_main,
                               args=(url, jobs[k::processes], 4, start, results))
               for k in range(processes)]
    for worker in workers:
        worker.start()
    errors = [e for _ in workers for e in results.get(timeout=120)]
    for worker in workers:
        worker.join(timeout=30)
    assert [w.exitcode for w in workers] == [0] * processes
    assert errors == []
    check_accounts(engine, jobs)


def test_confirm_all_racing_opposite_submits(engine: Engine) -> None:
    """Each receiving authority confirms everything addressed to it, again and again, while
    orders flow both ways between all of them: no deadlock; each order is posted at most once,
    and the positions equal the sums of the orders."""
    with_big_limits(engine)
    jobs = [Job(j.key, j.debtor, j.creditor, "leave") for j in burst(160, "CA")]
    authorities = sorted(set(MEMBERS.values()))
    submitters = 7
    confirmed: list[int] = []

    def work(k: int) -> object:
        if k < len(authorities):
            for _ in range(8):
                confirmed.append(payments.confirm_all(SqlUnitOfWork(engine), authorities[k],
                                                      "2026-H2"))
            return []
        return [e for e in (run_job(engine, job)
                            for job in jobs[k - len(authorities)::submitters]) if e]

    outcomes = run_together(len(authorities) + submitters, work)
    assert outcomes == [[]] * len(outcomes)
    o = t.payment_orders.c
    with engine.connect() as conn:
        status = dict(conn.execute(select(o.idempotency_key, o.status)).tuples().all())
    assert set(status.values()) <= {"accepted", "settled"}
    assert sum(s == "settled" for s in status.values()) == sum(confirmed)
    check_accounts(engine, [Job(j.key, j.debtor, j.creditor,
                                "confirm" if status.get(j.key) == "settled" else "leave")
                            for j in jobs])

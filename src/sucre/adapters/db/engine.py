"""Engines for the two supported databases: an embedded SQLite file (default) and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=FULL`` (a committed payment survives a power cut) and
every transaction starts with ``BEGIN IMMEDIATE``, so the single writer is taken up front and a
read-then-write never fails half-way with "database is locked". PostgreSQL uses psycopg 3 at READ
COMMITTED; limit checks are single conditional UPDATEs, which PostgreSQL re-evaluates after a row
lock wait, so concurrent submitters cannot both pass a limit.

Lock order (PostgreSQL), the same in every transaction, so that no two can wait for each other:
a four-eyes approval's pending action row (:mod:`sucre.service.four_eyes`), or a council
proposal's row (:mod:`sucre.service.council`), then a joint fund's row (``FOR UPDATE`` by every
use case recording for that fund: :mod:`sucre.service.funds`; one fund per transaction, and no
fund use case takes a period, position or order lock after it), then the period
row (``FOR SHARE`` by submitters and deciders, ``FOR UPDATE`` by a close), then position rows in
``authority_id`` order (:meth:`~sucre.adapters.db.repositories.positions.SqlPositions.lock_of`),
then order rows.
Should PostgreSQL still abort a transaction as a deadlock victim or a serialization failure,
:func:`retry_transient` runs the use case again from its start.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from sucre import bounds
from sucre.domain.errors import InvalidInput

SQLITE_BUSY_TIMEOUT_MS = 30_000

#: SQLSTATEs after which PostgreSQL has rolled the whole transaction back and running it again
#: may succeed: serialization_failure and deadlock_detected.
TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})

log = logging.getLogger("sucre.db")
P = ParamSpec("P")
R = TypeVar("R")


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``sqlite:///`` forms; always use psycopg 3 for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    if parsed.get_backend_name() == "sqlite":
        return url
    raise InvalidInput(f"unsupported database {parsed.get_backend_name()!r}: use sqlite or "
                       "postgresql", field="database_url")


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        return _sqlite_engine(url)
    # psycopg prepares a statement after five runs, and PostgreSQL then switches to a generic
    # plan; for ``key IN (...500 keys...)`` the generic plan is a full scan, which made a bulk
    # import collapse from thousands to hundreds of orders per second (bench/orders_bench.py).
    # Custom plans cost a re-plan per statement and keep index lookups.
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_pre_ping=True,
                         connect_args={"options": "-c plan_cache_mode=force_custom_plan"})


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"isolation_level": None,
                                              "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def is_transient(error: BaseException) -> bool:
    """Whether ``error`` is a deadlock or serialization failure (the transaction was undone)."""
    original = error.orig if isinstance(error, DBAPIError) else None
    return getattr(original, "sqlstate", None) in TRANSIENT_SQLSTATES


def retry_transient(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` again from its start when the database aborted it as a deadlock victim or
    a serialization failure, at most ``bounds.db_transaction_attempts_max`` times in all.

    Only for a use case that is one transaction, or whose committed steps are each safe to run
    again (resumable, or idempotent by key). A use case called with a unit of work that is
    already in a transaction (its first argument) runs once: the abort undid the outer
    transaction too, so only the outermost caller can run it again.
    """

    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if args and getattr(args[0], "in_transaction", False) is True:
            return function(*args, **kwargs)
        for attempt in range(1, bounds.db_transaction_attempts_max):
            try:
                return function(*args, **kwargs)
            except DBAPIError as error:
                if not is_transient(error):
                    raise
                log.info("%s: %s on attempt %d; running it again", function.__qualname__,
                         getattr(error.orig, "sqlstate", "?"), attempt)
            time.sleep(_backoff_s(attempt))
        return function(*args, **kwargs)

    return run


def _backoff_s(attempt: int) -> float:
    bound = min(bounds.db_retry_backoff_max_s,
                bounds.db_retry_backoff_first_s * 2 ** (attempt - 1))
    return random.uniform(0, bound)  # noqa: S311 -- jitter, not a secret

"""Engines for the two supported databases: an embedded SQLite file (default) and PostgreSQL.

SQLite runs in WAL mode with ``synchronous=FULL`` (a committed payment survives a power cut) and
every transaction starts with ``BEGIN IMMEDIATE``, so the single writer is taken up front and a
read-then-write never fails half-way with "database is locked". PostgreSQL uses psycopg 3 at READ
COMMITTED; limit checks are single conditional UPDATEs, which PostgreSQL re-evaluates after a row
lock wait, so concurrent submitters cannot both pass a limit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from sucre.domain.errors import InvalidInput

SQLITE_BUSY_TIMEOUT_MS = 30_000


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

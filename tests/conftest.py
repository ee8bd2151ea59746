"""Test databases: the suite runs once on SQLite and once on a real PostgreSQL.

``SUCRE_TEST_DB`` picks the database (``sqlite`` by default, ``postgresql`` for the second pass,
which ``scripts/test.sh`` runs with ``SUCRE_TEST_DATABASE_URL`` pointing at a server). Each xdist
worker gets a database of its own on the server; each test gets an empty, migrated schema.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from sucre.adapters.db.engine import make_engine, normalise_url
from sucre.adapters.db.migrate import upgrade
from sucre.adapters.db.tables import metadata

BACKEND = os.environ.get("SUCRE_TEST_DB", "sqlite")
assert BACKEND in ("sqlite", "postgresql"), f"SUCRE_TEST_DB={BACKEND!r}"


def pytest_report_header() -> str:
    return f"sucre test database: {BACKEND}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if BACKEND == "postgresql":
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: runs in the PostgreSQL pass")
    for item in items:
        if "postgres_only" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[str]:
    if BACKEND == "sqlite":
        template = tmp_path_factory.mktemp("template") / "template.db"
        engine = make_engine(f"sqlite:///{template}")
        upgrade(engine)
        engine.dispose()
        yield str(template)
        return
    server = os.environ.get("SUCRE_TEST_DATABASE_URL")
    if not server:
        pytest.fail("SUCRE_TEST_DB=postgresql needs SUCRE_TEST_DATABASE_URL")
    # The process id keeps two test runs on one server (two checkouts, a helper's run) from
    # dropping each other's databases.
    name = f"sucre_test_{os.getpid()}_{worker_id}"
    admin = create_engine(normalise_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(normalise_url(server)).set(database=name).render_as_string(
        hide_password=False)
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def fresh_engine(database_url: str, tmp_path: Path) -> Iterator[Callable[[], Engine]]:
    """A factory of empty, migrated databases (hypothesis examples each take a new one)."""
    engines: list[Engine] = []
    counter = iter(range(10**6))

    def make() -> Engine:
        if BACKEND == "sqlite":
            path = tmp_path / f"db{next(counter)}.db"
            shutil.copyfile(database_url, path)
            engine = make_engine(f"sqlite:///{path}")
        else:
            engine = make_engine(database_url, pool_size=10)
            tables = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            with engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.dispose()


@pytest.fixture
def engine(fresh_engine: Callable[[], Engine]) -> Engine:
    return fresh_engine()

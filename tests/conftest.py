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
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url

from sucre.adapters.db.engine import make_engine, normalise_url
from sucre.adapters.db.migrate import upgrade
from sucre.adapters.db.tables import metadata
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from tests import world

BACKEND = os.environ.get("SUCRE_TEST_DB", "sqlite")
# The CLI and the API act on the operating date SUCRE_TODAY: the test world's period 2026-H2
# has ended on it, so a command closes it as the chamber would on 1 January (service tests pass
# ``as_of=world.AFTER``). Set here, servers started by a test inherit it.
os.environ["SUCRE_TODAY"] = world.AFTER.isoformat()
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


class WorldCopies:
    """The test world (``tests/world.py``), built once per test session and calendar, then
    copied into each empty database that asks for it: building it through the use cases took
    about 75 ms a test on SQLite and 300 ms on PostgreSQL.

    SQLite: a database file with the world, copied over the test's file. PostgreSQL: the world's
    rows in tables of a schema of their own (``world_<calendar>``) of the worker's database,
    copied into the emptied tables, and the id sequences set as the build left them.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.sqlite_files: dict[str, Path] = {}
        self.sequences: dict[str, dict[str, int]] = {}

    def restore(self, engine: Engine, calendar: str) -> bool:
        if not _empty(engine):
            return False
        if engine.dialect.name == "sqlite":
            return self._sqlite(engine, calendar)
        return self._postgres(engine, calendar)

    def _sqlite(self, engine: Engine, calendar: str) -> bool:
        target = engine.url.database
        assert target, engine.url
        if calendar not in self.sqlite_files:  # the first world is built, and kept
            world.build_anew(engine, calendar=calendar)
            engine.dispose()  # the last connection closed: the WAL is checkpointed
            built = self.folder / f"world-{calendar}.db"
            shutil.copyfile(target, built)
            self.sqlite_files[calendar] = built
            return True
        engine.dispose()
        for leftover in (f"{target}-wal", f"{target}-shm"):
            Path(leftover).unlink(missing_ok=True)
        shutil.copyfile(self.sqlite_files[calendar], target)
        return True

    def _postgres(self, engine: Engine, calendar: str) -> bool:
        schema = f"world_{calendar}"
        if calendar not in self.sequences:
            world.build_anew(engine, calendar=calendar)
            with engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
                for table in metadata.sorted_tables:
                    conn.execute(text(f'CREATE TABLE "{schema}"."{table.name}" AS '
                                      f'TABLE public."{table.name}"'))
                self.sequences[calendar] = {
                    sequence: int(conn.execute(text(f"SELECT last_value FROM {sequence}"))
                                  .scalar_one())
                    for sequence in _sequences(conn)
                    if conn.execute(text(f"SELECT is_called FROM {sequence}")).scalar_one()}
            return True
        with engine.begin() as conn:
            for table in metadata.sorted_tables:
                conn.execute(text(f'INSERT INTO public."{table.name}" '
                                  f'SELECT * FROM "{schema}"."{table.name}"'))
            for sequence, value in self.sequences[calendar].items():
                conn.execute(text("SELECT setval(:sequence, :value)"),
                             {"sequence": sequence, "value": value})
        return True


def _empty(engine: Engine) -> bool:
    probes = " OR ".join(f'EXISTS (SELECT 1 FROM "{t.name}")' for t in metadata.sorted_tables)
    with engine.connect() as conn:
        return not conn.execute(text(f"SELECT {probes}")).scalar_one()


def _sequences(conn: Connection) -> list[str]:
    found = []
    for table in metadata.sorted_tables:
        if "id" in table.c:
            name = conn.execute(text("SELECT pg_get_serial_sequence(:table, 'id')"),
                                {"table": f'public."{table.name}"'}).scalar_one()
            if name is not None:
                found.append(str(name))
    return found


@pytest.fixture(scope="session", autouse=True)
def world_copies(tmp_path_factory: pytest.TempPathFactory
                 ) -> Iterator[WorldCopies]:
    """Installs :class:`WorldCopies` as ``world.restore`` for the session."""
    copies = WorldCopies(tmp_path_factory.mktemp("worlds"))
    world.restore = copies.restore
    yield copies
    world.restore = None


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


@pytest.fixture
def uow(engine: Engine) -> SqlUnitOfWork:
    """A unit of work on the test's database (``engine``: the same database, for raw checks)."""
    return SqlUnitOfWork(engine)

#!/usr/bin/env python3
"""Find (or start) the PostgreSQL server the test suite runs against.

Resolution order, first match wins:

1. ``SUCRE_TEST_DATABASE_URL`` if set. It must answer and its role must be
   allowed to CREATE DATABASE; otherwise this fails (no silent fallback).
2. The local server at 127.0.0.1:5432, database ``test``, as user ``postgres``
   and then as the current OS user (trust auth), if it answers and the role
   may CREATE DATABASE. ``SUCRE_TEST_NO_LOCAL_PG=1`` skips this probe.
3. A throwaway server from the ``pgserver`` PyPI package (PostgreSQL binaries
   in a wheel), in a fresh temporary directory, deleted afterwards.
   Only the ``run`` and ``serve`` commands start one.

Commands::

    postgres_url.py url             print the URL of an existing server (1 or 2);
                                    exit 97 if there is none
    postgres_url.py run -- CMD ...  resolve (1, 2 or 3), run CMD with
                                    SUCRE_TEST_DB=postgresql and
                                    SUCRE_TEST_DATABASE_URL=<url> in its
                                    environment, stop a throwaway server after,
                                    exit with CMD's exit code
    postgres_url.py serve           resolve (1, 2 or 3), print the URL and keep
                                    a throwaway server alive until Ctrl-C

URLs are SQLAlchemy URLs (``postgresql+psycopg://...``). A pgserver URL uses a
unix socket: ``postgresql+psycopg://postgres@/postgres?host=/tmp/sucre-pg-xxxx``;
derive other databases with ``sqlalchemy.make_url(url).set(database=...)``.

Exit code 97 means no usable PostgreSQL. Only the standard library, psycopg and
pgserver are used.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

NO_POSTGRES = 97  # outside pytest's own exit codes (0-5)
LOCAL_HOST = "127.0.0.1"
LOCAL_PORT = 5432
LOCAL_DB = "test"
CONNECT_TIMEOUT_S = 3


class NoPostgres(Exception):
    """No usable PostgreSQL server."""


def log(msg: str) -> None:
    print(f"[postgres_url] {msg}", file=sys.stderr, flush=True)


def truthy(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


def to_sqlalchemy(url: str) -> str:
    """Normalise any postgres URL to the psycopg (v3) SQLAlchemy dialect."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise NoPostgres(f"not a URL: {url!r}")
    if scheme in {"postgres", "postgresql"} or scheme.startswith("postgresql+"):
        return f"postgresql+psycopg://{rest}"
    raise NoPostgres(f"not a PostgreSQL URL: {redact(url)}")


def to_libpq(url: str) -> str:
    """SQLAlchemy URL -> libpq URI that psycopg.connect() accepts."""
    _, _, rest = url.partition("://")
    return f"postgresql://{rest}"


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def probe(url: str) -> str:
    """Connect to ``url``; return a description; raise NoPostgres if unusable."""
    import psycopg

    try:
        with psycopg.connect(
            to_libpq(url), connect_timeout=CONNECT_TIMEOUT_S, autocommit=True
        ) as conn:
            row = conn.execute(
                "SELECT current_user, current_setting('server_version'),"
                " (SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user)"
            ).fetchone()
    except psycopg.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise NoPostgres(f"{redact(url)}: cannot connect ({first_line})") from exc
    assert row is not None
    user, version, can_create = row
    if not can_create:
        raise NoPostgres(
            f"{redact(url)}: role {user!r} may not CREATE DATABASE "
            "(the suite creates one database per xdist worker)"
        )
    return f"PostgreSQL {version}, role {user}"


def existing_server() -> str | None:
    """Steps 1 and 2: an explicitly configured or a local server, or None."""
    explicit = os.environ.get("SUCRE_TEST_DATABASE_URL", "").strip()
    if explicit:
        url = to_sqlalchemy(explicit)
        desc = probe(url)  # explicit configuration: failure is fatal
        log(f"using SUCRE_TEST_DATABASE_URL {redact(url)} ({desc})")
        return url
    if truthy("SUCRE_TEST_NO_LOCAL_PG"):
        log("SUCRE_TEST_NO_LOCAL_PG is set: not probing the local server")
        return None
    users = ["postgres"]
    try:
        me = getpass.getuser()
    except (KeyError, OSError):
        me = ""
    if me and me not in users:
        users.append(me)
    for user in users:
        url = f"postgresql+psycopg://{quote(user)}@{LOCAL_HOST}:{LOCAL_PORT}/{LOCAL_DB}"
        try:
            desc = probe(url)
        except NoPostgres as exc:
            log(f"local server not usable: {exc}")
            continue
        log(f"using local server {url} ({desc})")
        return url
    return None


@contextmanager
def throwaway_server() -> Iterator[str]:
    """Step 3: a pgserver PostgreSQL in a temp dir, stopped and deleted on exit."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset (typical as root / in CI).
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    try:
        import pgserver
    except ImportError as exc:
        raise NoPostgres(
            "the pgserver package is not installed (it comes with `pip install -e .[dev]`)"
        ) from exc

    pgdata = tempfile.mkdtemp(prefix="sucre-pg-")
    started = time.monotonic()
    log(f"starting a throwaway PostgreSQL (pgserver) in {pgdata} ...")
    server: Any = None
    try:
        # As root, pgserver runs postgres as a system user 'pgserver' (created with
        # useradd if missing) and adds o+rx to the parent folders of pgdata and of
        # its own binaries; postgres itself refuses to run as root.
        server = pgserver.get_server(pgdata, cleanup_mode="delete")
        info = server.get_postmaster_info()
        url = (
            "postgresql+psycopg://postgres@/postgres?host="
            f"{quote(str(info.socket_dir), safe='')}&port={info.port}"
        )
        desc = probe(url)
        log(f"throwaway server ready in {time.monotonic() - started:.1f}s: {url} ({desc})")
    except NoPostgres:
        _stop(server, pgdata)
        raise
    except Exception as exc:
        log_file = os.path.join(pgdata, "log")
        if os.path.exists(log_file):
            with open(log_file, encoding="utf-8", errors="replace") as fh:
                log("server log (tail):\n" + fh.read()[-4000:])
        _stop(server, pgdata)
        raise NoPostgres(f"pgserver failed to start: {type(exc).__name__}: {exc}") from exc
    try:
        yield url
    finally:
        _stop(server, pgdata)


def _stop(server: Any, pgdata: str) -> None:
    if server is not None:
        try:
            server.cleanup()
        except Exception as exc:  # noqa: BLE001 - best effort, then force below
            log(f"pgserver cleanup failed ({exc}); killing the server")
            try:
                server.get_postmaster_info().process.kill()
            except Exception:  # noqa: BLE001, S110
                pass
    shutil.rmtree(pgdata, ignore_errors=True)
    log("throwaway server stopped and deleted")


@contextmanager
def any_server() -> Iterator[str]:
    url = existing_server()
    if url is not None:
        yield url
        return
    with throwaway_server() as url:
        yield url


def run_child(cmd: list[str], url: str) -> int:
    env = dict(os.environ, SUCRE_TEST_DB="postgresql", SUCRE_TEST_DATABASE_URL=url)
    proc = subprocess.Popen(cmd, env=env)  # noqa: S603 - the caller's own command

    def forward(signum: int, _frame: object) -> None:
        if proc.poll() is None:
            proc.send_signal(signum)

    # Ctrl-C reaches the child through the process group; we just outlive it so
    # the throwaway server is stopped. SIGTERM/SIGHUP are forwarded.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGHUP, forward)
    rc = proc.wait()
    return 128 - rc if rc < 0 else rc


def no_postgres_help(exc: NoPostgres) -> None:
    log(f"ERROR: no usable PostgreSQL: {exc}")
    log(
        "Fix or set SUCRE_TEST_DATABASE_URL=postgresql+psycopg://USER@HOST:PORT/DB, run a local "
        f"server at {LOCAL_HOST}:{LOCAL_PORT} (trust auth, database '{LOCAL_DB}'), or make sure "
        "the pgserver package (in .[dev]) can start."
    )


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # unwinds the context managers: server is stopped


def main(argv: list[str]) -> int:
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGHUP, _exit_on_signal)
    if not argv or argv[0] in {"-h", "--help"}:
        print(__doc__)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    try:
        if command == "url":
            url = existing_server()
            if url is None:
                raise NoPostgres("no configured or local server ('run' would start pgserver)")
            print(url)
            return 0
        if command == "run":
            if rest[:1] == ["--"]:
                rest = rest[1:]
            if not rest:
                log("usage: postgres_url.py run -- CMD [ARGS...]")
                return 2
            with any_server() as url:
                return run_child(rest, url)
        if command == "serve":
            with any_server() as url:
                print(url, flush=True)
                log("serving; press Ctrl-C to stop")
                try:
                    signal.pause()
                except KeyboardInterrupt:
                    pass
            return 0
    except NoPostgres as exc:
        no_postgres_help(exc)
        return NO_POSTGRES
    log(f"unknown command {command!r}; try --help")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

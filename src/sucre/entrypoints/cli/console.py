"""What every ``sucre`` command shares: its two consoles and the one place errors become messages.

A domain error prints one clear message on stderr naming the field and the ISO 20022 reason code
(every bad row of a file with its line) and exits with status 2. A database that cannot be
reached or opened prints one line naming it (password hidden) and what to do, and exits with
status 3 (:data:`EXIT_DATABASE_UNAVAILABLE`); an outcome the system records but that is not what
was asked (an order rejected for limits, bad rows beside imported ones) exits 1. ``--json``
output is exactly one JSON object on stdout.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from sucre import bootstrap, bounds
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.config import Settings
from sucre.domain.errors import BadRows, InvalidInput, NotAuthenticated, SucreError
from sucre.domain.roles import Principal
from sucre.domain.text import printable

out = Console()
err = Console(stderr=True)

_DATABASE_HELP = "Database URL (default sqlite:///sucre.db; postgresql://... for a server)."
#: ``-d`` after a subcommand; it wins over ``sucre -d URL`` before it, which wins over
#: ``SUCRE_DATABASE_URL`` (read by :class:`sucre.config.Settings` when neither is given).
DatabaseOption = Annotated[str | None, typer.Option("--database", "-d", help=_DATABASE_HELP)]
GlobalDatabaseOption = Annotated[str | None, typer.Option(
    "--database", "-d", envvar="SUCRE_DATABASE_URL", show_envvar=True, help=_DATABASE_HELP)]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
#: Who acts, where four eyes apply (:mod:`sucre.service.four_eyes`): the CLI authenticates an API
#: key as the API does, so a proposal and its approval need two keys on the command line too.
ApiKeyOption = Annotated[str | None, typer.Option(
    "--api-key", envvar="SUCRE_API_KEY", show_envvar=True, metavar="KEY",
    help="Your API key (sk_..., from `sucre api-client add`): the key that proposes or "
         "approves under four eyes. Prefer the environment variable: a command line is "
         "visible to other users of the machine.")]


#: ``sucre -d URL`` (before the command), set by the app's callback on every invocation.
global_database: ContextVar[str | None] = ContextVar("global_database", default=None)


#: The database URL this command opened (password hidden), named when it cannot be reached.
opened_database: ContextVar[str | None] = ContextVar("opened_database", default=None)


def engine(database: str | None) -> Engine:
    """The migrated engine of this command: its own ``-d``, else the one given before it."""
    url = database if database is not None else global_database.get()
    opened_database.set(_shown(url or Settings().database_url))
    return bootstrap.database(url)


def _shown(url: str) -> str:
    """``url`` without its password (whatever it is: a URL that is not one is shown as given)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def unit_of_work(database: str | None) -> SqlUnitOfWork:
    """A unit of work on this command's migrated database (see :func:`engine`)."""
    return SqlUnitOfWork(engine(database))


def principal(uow: SqlUnitOfWork, api_key: str | None, *, needed_for: str) -> Principal:
    """The holder of ``api_key`` (:class:`NotAuthenticated`, exit 2, when there is none)."""
    if not api_key:
        raise NotAuthenticated(f"{needed_for} needs four eyes: give your API key "
                               "(SUCRE_API_KEY=sk_... or --api-key)")
    from sucre.service import api_keys

    return api_keys.authenticate(uow, api_key)


def say(console: Console, text: str) -> None:
    """Plain text, unwrapped (messages stay greppable), no markup or highlighting.

    Control characters are shown as escapes: a message may echo what a user typed or what a
    file held, and an escape sequence must not reach the terminal.
    """
    console.print(printable(text), markup=False, highlight=False, soft_wrap=True)


def cell(text: object) -> Text:
    """A table cell of user text: never read as Rich markup (``[bold]`` stays ``[bold]``), and
    control characters shown as escapes."""
    return Text(printable(str(text)))


def markup_free(text: str) -> str:
    """User text inside a Rich markup string (a progress label): markup escaped, controls
    shown as escapes."""
    return escape(printable(text))


def fail(error: SucreError) -> NoReturn:
    if isinstance(error, BadRows):
        stopped = " (reading stopped there)" if error.truncated else ""
        say(err, f"error: {len(error.errors)} bad row(s){stopped} ({error.reason_code})")
        listed = error.errors[:bounds.import_errors_listed_max]
        for line, field, reason in listed:
            say(err, f"  line {line}: {field}: {reason}")
        if len(error.errors) > len(listed):
            say(err, f"  ... and {len(error.errors) - len(listed)} more bad row(s) not listed")
    else:
        where = f"{error.field}: " if error.field else ""
        say(err, f"error: {where}{error.message} ({error.reason_code})")
    raise typer.Exit(2)


#: Exit status of a command that could not reach or use its database (a server down, a file that
#: cannot be opened): distinct from bad input (2), so that a script can retry it.
EXIT_DATABASE_UNAVAILABLE = 3


@contextmanager
def domain_errors() -> Iterator[None]:
    """Domain errors -> one line and exit 2; a database URL that is not one -> exit 2; a
    database that cannot be reached or opened -> one line and exit 3 (never a traceback)."""
    try:
        yield
    except SucreError as error:
        fail(error)
    except ArgumentError as error:
        fail(InvalidInput(f"not a database URL ({_first_line(error)})", field="database"))
    except (OperationalError, InterfaceError) as error:
        say(err, f"error: database: {opened_database.get() or 'the database'} is unavailable "
                 f"({_first_line(error.orig or error)}); work already committed stands, the "
                 "rest was not applied: check that the database is running and reachable "
                 "(-d URL or SUCRE_DATABASE_URL), then run the same command again "
                 f"(exit {EXIT_DATABASE_UNAVAILABLE})")
        raise typer.Exit(EXIT_DATABASE_UNAVAILABLE) from None


def _first_line(error: BaseException) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0][:200]


def emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=False, default=_iso) + "\n")


def _iso(value: object) -> str:
    if isinstance(value, dt.date):  # a datetime too
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


def today() -> dt.date:
    """The operating date: ``SUCRE_TODAY``, or today's (UTC) date."""
    return bootstrap.today() or dt.datetime.now(dt.UTC).date()


def day(text: str, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)", field=field) from None


def record_table(title: str, document: dict[str, Any]) -> Table:
    """A flat record as a two-column table (never a Python repr)."""
    table = Table("field", "value", title=title, title_justify="left")
    for name, value in document.items():
        table.add_row(name, cell("" if value is None else value))
    return table


def progress_bar(console: Console = err) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True)

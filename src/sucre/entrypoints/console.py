"""What every ``sucre`` command shares: its two consoles and the one place errors become messages.

A domain error prints one clear message on stderr naming the field and the ISO 20022 reason code
(every bad row of a file with its line) and exits with status 2. ``--json`` output is exactly one
JSON object on stdout.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from sucre.domain.errors import BadRows, SucreError

out = Console()
err = Console(stderr=True)

DatabaseOption = Annotated[str | None, typer.Option(
    "--database", "-d", envvar="SUCRE_DATABASE_URL",
    help="Database URL (default sqlite:///sucre.db; postgresql://... for a server).")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]


def say(console: Console, text: str) -> None:
    """Plain text, unwrapped (messages stay greppable), no markup or highlighting."""
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def fail(error: SucreError) -> NoReturn:
    if isinstance(error, BadRows):
        stopped = " (reading stopped there)" if error.truncated else ""
        say(err, f"error: {len(error.errors)} bad row(s){stopped} ({error.reason_code})")
        for line, field, reason in error.errors:
            say(err, f"  line {line}: {field}: {reason}")
    else:
        where = f"{error.field}: " if error.field else ""
        say(err, f"error: {where}{error.message} ({error.reason_code})")
    raise typer.Exit(2)


@contextmanager
def domain_errors() -> Iterator[None]:
    try:
        yield
    except SucreError as error:
        fail(error)


def emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, indent=2, sort_keys=False) + "\n")


def progress_bar(console: Console = err) -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, transient=True)

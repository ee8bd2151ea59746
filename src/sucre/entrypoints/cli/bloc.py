"""What the bloc stands on today: ``rates``, ``members`` and the council's ``decisions``."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from sucre.entrypoints.cli import console
from sucre.entrypoints.cli.console import (
    DatabaseOption,
    JsonOption,
    cell,
    domain_errors,
    emit_json,
    out,
    say,
)
from sucre.service import reports


def rates(date: Annotated[str | None, typer.Option(
              help="Value date, YYYY-MM-DD (default: the latest published).")] = None,
          database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """The XSU rates of a value date: units of each currency per XSU, and USD per XSU."""
    with domain_errors():
        day = None if date is None else console.day(date, "date")
        document = reports.rates_report(console.engine(database), day)
    if as_json:
        emit_json(document)
        return
    table = Table("currency", "per XSU", title=f"XSU rates of {document['date']} "
                  f"(1 XSU = {document['usd_per_xsu']} USD)", title_justify="left")
    for code, rate in document["per_xsu"].items():
        table.add_row(code, rate)
    out.print(table)


def members(as_of: Annotated[str | None, typer.Option(
                "--as-of", help="Status on this date, YYYY-MM-DD (default: today's).")] = None,
            database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """The member states, their central bank and currency, and their status."""
    with domain_errors():
        day = None if as_of is None else console.day(as_of, "as_of")
        document = reports.members_report(console.engine(database), day)
    if as_json:
        emit_json(document)
        return
    table = Table("member", "name", "central bank", "currency", "status",
                  title=f"members{'' if day is None else f' on {day}'}", title_justify="left")
    for m in document["members"]:
        table.add_row(m["member"], cell(m["name"]), m["authority"], m["currency"], m["status"])
    out.print(table)


def decisions(database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """The council's decisions as recorded (basket, allocations, parameters, member status)."""
    with domain_errors():
        document = reports.decisions_report(console.engine(database))
    if as_json:
        emit_json(document)
        return
    table = Table("id", "kind", "effective", "reference", "decision",
                  title="council decisions", title_justify="left")
    for d in document["decisions"]:
        table.add_row(str(d["id"]), d["kind"], d["effective_date"], cell(d["reference"]),
                      cell(json.dumps(d["decision"], sort_keys=True)))
    out.print(table)
    if document["not_listed"]:
        say(out, f"... and {document['not_listed']} later decision(s) not listed (--json lists "
                 "the same first ones)")


def register(app: typer.Typer) -> None:
    """Add ``rates``, ``members`` and ``decisions`` to ``app``."""
    app.command()(rates)
    app.command()(members)
    app.command()(decisions)

"""What the bloc stands on today: ``rates``, ``members`` and the council's ``decisions``."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Table

from sucre.domain.money import USD
from sucre.domain.rates import rate_text
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
from sucre.service import council, reports


def rates(date: Annotated[str | None, typer.Option(
              help="Value date, YYYY-MM-DD (default: the latest published).")] = None,
          database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """The XSU rates of a value date: units of each currency per XSU, and USD per XSU."""
    with domain_errors():
        day = None if date is None else console.day(date, "date")
        document = _rates_json(reports.rates_report(console.unit_of_work(database), day))
    if as_json:
        emit_json(document)
        return
    table = Table("currency", "per XSU", title=f"XSU rates of {document['date']} "
                  f"(1 XSU = {document['usd_per_xsu']} USD)", title_justify="left")
    for code, rate in document["per_xsu"].items():
        table.add_row(code, rate)
    out.print(table)


def _rates_json(report: reports.RatesReport) -> dict[str, Any]:
    per_xsu = {c: rate_text(r) for c, r in report.per_xsu.items()}
    return {"date": report.day.isoformat(), "usd_per_xsu": per_xsu.get(USD),
            "per_xsu": per_xsu}


def members(as_of: Annotated[str | None, typer.Option(
                "--as-of", help="The bloc on this date, YYYY-MM-DD (default: today).")] = None,
            database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """The member states on a date: their central bank and currency, status and since when."""
    with domain_errors():
        day = console.today() if as_of is None else console.day(as_of, "as_of")
        report = reports.members_report(console.unit_of_work(database), day)
    if as_json:
        emit_json(reports.members_json(report))
        return
    table = Table("member", "name", "central bank", "currency", "status", "since",
                  title=f"members on {day}", title_justify="left")
    for m in report.members:
        table.add_row(m.member.code, cell(m.member.name), m.authority.code,
                      m.authority.currency, reports.member_status_text(m.status),
                      m.since.isoformat())
    out.print(table)


def decisions(as_of: Annotated[str | None, typer.Option(
                  "--as-of", help="Only the decisions in force on this date, YYYY-MM-DD (the "
                                  "last one on each subject).")] = None,
              kind: Annotated[str | None, typer.Option(
                  help="Only decisions of this kind (allocation, parameter, basket, admission, "
                       "member_suspended, ...).")] = None,
              database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """The council's decisions as recorded (basket, allocations, parameters, member status)."""
    with domain_errors():
        day = None if as_of is None else console.day(as_of, "as_of")
        report = reports.decisions_report(console.unit_of_work(database), as_of=day,
                                          kind=None if kind is None else kind.strip())
    if as_json:
        emit_json(_decisions_json(report))
        return
    title = "council decisions" + ("" if day is None else f" in force on {day}") + (
        "" if report.kind is None else f" of kind {report.kind}")
    table = Table("id", "kind", "effective", "reference", "decision",
                  title=title, title_justify="left")
    for d in report.decisions:
        table.add_row(str(d.id), d.kind, d.effective_date.isoformat(), cell(d.reference),
                      cell(json.dumps(d.payload, sort_keys=True)))
    out.print(table)
    if report.not_listed:
        say(out, f"... and {report.not_listed} later decision(s) not listed (--json lists "
                 "the same first ones)")


def _decisions_json(report: reports.DecisionsReport) -> dict[str, Any]:
    listed = {"decisions": [council.decision_json(d) for d in report.decisions],
              "not_listed": report.not_listed}
    if report.as_of is None and report.kind is None:
        return listed  # as it has always been
    return {"as_of": None if report.as_of is None else report.as_of.isoformat(),
            "kind": report.kind, **listed}


def register(app: typer.Typer) -> None:
    """Add ``rates``, ``members`` and ``decisions`` to ``app``."""
    app.command()(rates)
    app.command()(members)
    app.command()(decisions)

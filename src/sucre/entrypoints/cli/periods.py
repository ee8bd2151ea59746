"""Clearing periods and their reports: ``positions``, ``close-period``, ``report``, ``verify``."""

from __future__ import annotations

import csv
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from sucre import bootstrap
from sucre.adapters.files import csv_cell
from sucre.entrypoints.cli import console
from sucre.entrypoints.cli.console import (
    DatabaseOption,
    JsonOption,
    cell,
    domain_errors,
    emit_json,
    out,
)
from sucre.service import closing, messaging, reports
from sucre.service.reports import xsu


def print_settlement(report: dict[str, Any], console: Console) -> None:
    console.rule(f"[bold]settlement of period {report['period']}")
    console.print(
        f"gross cleared {report['gross_xsu']} XSU; net settled {report['net_xsu']} XSU; "
        f"liquidity saving {report['liquidity_saving']:.1%} (bilateral netting alone: "
        f"{report['bilateral_saving']:.1%}); orders accepted {report['orders']['accepted']}, "
        f"rejected {report['orders']['rejected']}", highlight=False)
    table = Table("authority", "net position XSU", "settlement instruction", title=(
        f"settled in {report['settlement_currency']} at {report['settlement_rate']} per XSU"))
    by_authority: dict[str, list[str]] = {}
    for ins in report["settlement"]:
        by_authority.setdefault(ins["authority"], []).append(
            f"{ins['kind']} {ins['amount']} {ins['currency']} ({ins['settlement_status']})")
    for authority, net in report["positions"].items():
        lines = by_authority.get(authority, ["-"])
        table.add_row(authority, net, "\n".join(lines))
    console.print(table)
    for corridor in report["corridors"][:5]:
        flag = "  [bold red]CONCENTRATION ALERT[/]" if corridor["alert"] else ""
        console.print(f"corridor {corridor['debtor']} -> {corridor['creditor']}: "
                      f"{corridor['gross_xsu']} XSU ({corridor['share']:.1%}){flag}",
                      highlight=False)

def positions(period: Annotated[str | None, typer.Option(help="Period code, e.g. 2026-H2.")
                                ] = None,
              database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Positions of each central bank in a period: limit, posted, reserved, headroom."""
    with domain_errors():
        document = _positions_json(reports.positions_report(console.unit_of_work(database),
                                                            period))
    if as_json:
        emit_json(document)
        return
    table = Table("authority", "limit", "net posted", "debit reserved", "credit reserved",
                  "headroom", title=f"period {document['period']} ({document['state']}), XSU")
    for code, row in document["authorities"].items():
        table.add_row(code, row["limit"], row["net_posted"], row["debit_reserved"],
                      row["credit_reserved"], row["headroom"])
    out.print(table)


def _positions_json(report: reports.PositionsReport) -> dict[str, Any]:
    authorities = {a: {"limit": xsu(r.limit_minor), "credit_line": xsu(r.credit_line_minor),
                       "net_posted": xsu(r.net_posted_minor),
                       "debit_reserved": xsu(r.debit_reserved_minor),
                       "credit_reserved": xsu(r.credit_reserved_minor),
                       "headroom": xsu(r.headroom_minor),
                       **reports.limit_decision(report, a)}
                   for a, r in report.authorities.items()}
    return {"period": report.period.code, "state": report.period.state.value,
            "positions": {a: v["net_posted"] for a, v in authorities.items()},
            "authorities": authorities}


def close_period(period: Annotated[str, typer.Argument(help="Period code, e.g. 2026-H2.")],
                 finance: Annotated[bool | None, typer.Option(
                     "--finance/--no-finance",
                     help="Override the council's deficit_financing for this close: the FRCC "
                          "finances deficits up to each credit line, or nothing is financed.")
                 ] = None,
                 early: Annotated[str | None, typer.Option(
                     "--early", metavar="DECISION",
                     help="Close before the period's last day has passed, under this council "
                          "decision (its reference is recorded as an early_close decision).")
                 ] = None,
                 database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Close a period that has ended: post, net, and settle in hard currency (resumes an
    interrupted close). The day is SUCRE_TODAY's, or today's."""
    with domain_errors():
        document = reports.report_json(closing.close_period(
            console.unit_of_work(database), period, finance_deficits=finance,
            as_of=bootstrap.today(), early_reference=early))
    if as_json:
        emit_json(document)
    else:
        print_settlement(document, out)


def report(period: str, database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """The stored settlement report of a settled period."""
    with domain_errors():
        document = reports.report_json(
            closing.stored_report(console.unit_of_work(database), period), as_stored=True)
    if as_json:
        emit_json(document)
    else:
        print_settlement(document, out)


def verify(database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Re-derive every balance from the journal and check its invariants (for auditors)."""
    with domain_errors():
        document = closing.verify_journal(console.unit_of_work(database))
    if as_json:
        emit_json(document)
    else:
        out.print(f"journal verified: {document['accounts']} accounts, balanced in "
                  f"{', '.join(document['currencies']) or 'no currency yet'}")


_STATEMENT_COLUMNS = ("entry", "booking_date", "value_date", "reference", "description",
                      "debit_xsu", "credit_xsu")


def statement(authority: str, period: Annotated[str, typer.Argument(
                  help="Period code, e.g. 2026-H2.")],
              as_csv: Annotated[bool, typer.Option(
                  "--csv", help="The entries as CSV on stdout.")] = False,
              database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """An authority's XSU account over one period (as a table; ``sucre iso statement`` gives
    the same as a camt.053)."""
    with domain_errors():
        document = reports.statement_report(
            messaging.statement(console.unit_of_work(database), authority, period))
    if as_json:
        emit_json(document)
    elif as_csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(_STATEMENT_COLUMNS)
        writer.writerows([csv_cell(str(e[c])) for c in _STATEMENT_COLUMNS]
                         for e in document["entries"])
    else:
        shown = _STATEMENT_COLUMNS[2:]  # the entry id and booking date: in --csv and --json
        table = Table(*(c.replace("_", " ") for c in shown), title=(
            f"{document['account']} ({document['owner']}), {document['from']} to "
            f"{document['to']}: opening {document['opening_xsu']} XSU, closing "
            f"{document['closing_xsu']} XSU"), title_justify="left")
        for e in document["entries"]:
            table.add_row(*(cell(e[c]) for c in shown))
        out.print(table)


def register(app: typer.Typer) -> None:
    """Add ``positions``, ``close-period``, ``report``, ``verify`` and ``statement`` to
    ``app``."""
    app.command()(positions)
    app.command("close-period")(close_period)
    app.command()(report)
    app.command()(verify)
    app.command()(statement)

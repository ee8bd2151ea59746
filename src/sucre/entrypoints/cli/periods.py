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
from sucre.domain import parameters
from sucre.domain.four_eyes import BuyBack, ClosePeriod, PendingAction, action_id
from sucre.domain.money import USD, format_amount
from sucre.entrypoints.cli import console
from sucre.entrypoints.cli.console import (
    ApiKeyOption,
    DatabaseOption,
    JsonOption,
    cell,
    domain_errors,
    emit_json,
    out,
    say,
)
from sucre.service import closing, four_eyes, messaging, reports
from sucre.service.reports import xsu
from sucre.service.settle_out import settle_out as settle_out_of
from sucre.service.settle_out import settle_out_json


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
                  "headroom", "decision",
                  title=f"period {document['period']} ({document['state']}), XSU")
    for code, row in document["authorities"].items():
        table.add_row(code, row["limit"], row["net_posted"], row["debit_reserved"],
                      row["credit_reserved"], row["headroom"], cell(decided_by(row)))
    out.print(table)
    say_decisions_behind(document)


def say_decisions_behind(document: dict[str, Any]) -> None:
    """The line naming the basket and calendar decisions behind a period's figures."""
    say(out, f"rates: basket of {decided_by(document['basket'], 'no rate published yet')}; "
             f"calendar: {decided_by(document['calendar'], _DEFAULT_CALENDAR)}")


_DEFAULT_CALENDAR = f"the default ({parameters.CALENDAR.default}, never decided)"
#: A decision's reference in a table cell: enough to recognise it; --json has it whole.
_REFERENCE_SHOWN_CHARS = 32


def decided_by(named: dict[str, Any], otherwise: str = "none") -> str:
    """``#12 XII Extraordinary Summit, 3 Feb…``: a decision's id and its reference, shortened."""
    if named["decision"] is None:
        return otherwise
    reference = str(named["reference"])
    if len(reference) > _REFERENCE_SHOWN_CHARS:
        reference = reference[:_REFERENCE_SHOWN_CHARS - 1].rstrip() + "\u2026"
    return f"#{named['decision']} {reference}"


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
            "authorities": authorities, **reports.behind_json(report.behind)}


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
                 api_key: ApiKeyOption = None,
                 database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Propose closing a period that has ended (four eyes: a chamber key proposes, a key of
    another chamber client runs the close with `sucre approve ID`). The day is SUCRE_TODAY's,
    or today's. Run again by the same client with the same options, it prints the same action
    (pending, or approved once the close ran); other options on a settled period: exit 2."""
    with domain_errors():
        uow = console.unit_of_work(database)
        proposed = four_eyes.propose_close(
            uow, console.principal(uow, api_key, needed_for="closing a period"), period,
            finance_deficits=finance, as_of=bootstrap.today(), early_reference=early)
    if as_json:
        emit_json(four_eyes.action_json(proposed))
    else:
        say(out, f"close of {proposed.payload.as_json()['period']} proposed by "
                 f"{proposed.proposed_by.name}: pending action {proposed.id}; a key of another "
                 f"chamber client runs it with `sucre approve {proposed.id}`")


def approve(action: Annotated[str, typer.Argument(help="The pending action's id.")],
            api_key: ApiKeyOption = None,
            database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Approve a proposed action with a second key of its role, and run it (a close prints its
    settlement; the proposer's own key, or its client's, is refused). Run again by the client
    that approved it, it prints the same (the stored settlement) and runs nothing twice."""
    with domain_errors():
        uow = console.unit_of_work(database)
        approved = four_eyes.approve(
            uow, console.principal(uow, api_key, needed_for="approving an action"),
            action_id(action), as_of=bootstrap.today())
    report = None if approved.settled is None else reports.report_json(approved.settled)
    if as_json:
        emit_json({"action": four_eyes.action_json(approved.action), "settlement": report})
    elif report is not None:
        print_settlement(report, out)
    else:
        say(out, f"pending action {approved.action.id} approved by "
                 f"{approved.action.approved_by.name if approved.action.approved_by else ''}: "
                 f"{_summary(approved.action)} recorded")


def pending(database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """The actions proposed under four eyes, oldest first (pending ones await a second key)."""
    with domain_errors():
        listed = four_eyes.actions(console.unit_of_work(database))
    if as_json:
        emit_json({"actions": [four_eyes.action_json(a) for a in listed]})
        return
    table = Table("id", "kind", "state", "what", "proposed by", "approved by",
                  title="four eyes: proposed actions")
    for a in listed:
        table.add_row(str(a.id), a.kind.value, a.state.value, cell(_summary(a)),
                      cell(a.proposed_by.name),
                      cell("" if a.approved_by is None else a.approved_by.name))
    out.print(table)


def _summary(action: PendingAction) -> str:
    payload = action.payload
    if isinstance(payload, ClosePeriod):
        return f"close of {payload.period}"
    if isinstance(payload, BuyBack):
        p = payload.payload
        return (f"PetroCaribe buy-back of {p['member']}'s loans {p['loans']} for "
                f"{format_amount(int(p['price_minor']), USD)} USD on {payload.effective_date} "
                f"({payload.reference})")
    return (f"allocation of {payload.authority} from {payload.effective_date}: limit "
            f"{xsu(payload.previous.limit_minor)} -> {xsu(payload.allocation.limit_minor)} XSU "
            f"({payload.reference})")


def settle_out(member: Annotated[str, typer.Argument(help="Member state, e.g. VCT.")],
               period: Annotated[str | None, typer.Option(
                   help="Period code (default: the period its withdrawal took effect in).")
               ] = None,
               database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """A member's settle-out: its flows, its authority's position, the legs settling it, the
    FRCC loan and what is carried as a claim, from the period's stored close."""
    with domain_errors():
        document = settle_out_json(
            settle_out_of(console.unit_of_work(database), member, period))
    if as_json:
        emit_json(document)
        return
    authority = document["authority"]
    out.rule(f"[bold]settle-out of {document['member']} in period {document['period']}")
    withdrawal = document["withdrawal"]
    say(out, f"{document['name']} ({document['status']})" + (
        "" if withdrawal is None else f", withdrawn from {withdrawal['effective_date']} "
        f"({withdrawal['reference']})"))
    counts = ", ".join(f"{n} {status}" for status, n in document["orders"].items())
    say(out, f"orders: {counts}; flows: paid {document['flows']['paid']}, received "
             f"{document['flows']['received']}, net {document['flows']['net']} XSU")
    say(out, f"{authority['code']} net position {authority['net_xsu']} XSU. "
             f"{authority['coverage']}")
    table = Table("reference", "kind", "XSU", "amount", "status")
    for ins in document["instructions"]:
        table.add_row(ins["reference"], ins["kind"], ins["xsu"],
                      f"{ins['amount']} {ins['currency']}", ins["settlement_status"])
    out.print(table)
    for loan in document["loans"]:
        say(out, f"loan {loan['reference']} on {loan['account']}: {loan['amount']} "
                 f"{loan['currency']} (outstanding {loan['outstanding']})")
    for claim in document["claims"]:
        say(out, f"carried: {claim['debtor']} owes {claim['holder']} {claim['amount']} "
                 f"{claim['currency']} ({claim['reference']})")
    say(out, f"unpaid loans: {document['unpaid_loans']}; fund pledges: "
             f"{document['fund_pledges']}; balanced to the minor unit")


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
        loans = document["loans"]
        if loans["loans"] or loans["shipments"]:
            out.print(f"PetroCaribe: {loans['loans']} loans re-derived from the journal, "
                      f"USD {loans['outstanding']} outstanding, USD "
                      f"{loans['cash_parts_unpaid']} of cash parts unpaid")


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
        found = messaging.traced_statement(console.unit_of_work(database), authority, period)
        document = reports.statement_report(found.account, found.behind)
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
        say_decisions_behind(document)


def register(app: typer.Typer) -> None:
    """Add ``positions``, ``close-period``, ``approve``, ``pending``, ``settle-out``,
    ``report``, ``verify`` and ``statement`` to ``app``."""
    app.command()(positions)
    app.command("close-period")(close_period)
    app.command()(approve)
    app.command()(pending)
    app.command("settle-out")(settle_out)
    app.command()(report)
    app.command()(verify)
    app.command()(statement)

"""``sucre setoff``: optimal multilateral set-off of an invoice file, from the command line.

``register(app)`` adds the command to a Typer app (the main ``sucre`` app wires it in). Without a
database, rates for currencies other than XSU come from ``--rate CUR=XSU_PER_UNIT`` (exact
decimal text); a file with such invoices and no rate is refused. User errors go through
:func:`sucre.entrypoints.cli.console.fail` (every bad row of a CSV with its line, exit status 2);
nothing is written then. A broken invariant (the run's own proof failing) is a crash, also
before writing.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from sucre import bounds
from sucre.adapters.files import check_output, open_input
from sucre.adapters.invoice_csv import load_invoices, write_result
from sucre.domain.errors import InvalidDate, InvalidInput, SucreError
from sucre.domain.money import XSU, CurrencyCode, currency, format_amount
from sucre.domain.rates import parse_rate
from sucre.domain.setoff import InvoiceSet, SetoffResult, cycles_for_display, set_off
from sucre.domain.setoff.runs import UNKNOWN_MEMBER, MemberTotals, RunDetail, RunListing
from sucre.entrypoints.cli import console
from sucre.entrypoints.cli.console import (
    DatabaseOption,
    JsonOption,
    cell,
    domain_errors,
    emit_json,
    err,
    fail,
    markup_free,
    out,
    progress_bar,
    say,
)
from sucre.service import setoff_runs

_SMALL_RUN_INVOICES = 100   # cycles are shown without --explain up to this many invoices
_COUNT_BLOCK_BYTES = 1024**2


def register(app: typer.Typer) -> None:
    """Add the ``setoff`` command and the ``invoices`` group to ``app``."""
    app.command("setoff")(setoff)
    app.add_typer(invoices_app, name="invoices")


def parse_rates(options: list[str]) -> dict[CurrencyCode, Fraction]:
    """``["USD=0.8", ...]`` to XSU per unit of each currency, exactly."""
    rates: dict[CurrencyCode, Fraction] = {}
    for option in options:
        code_text, equals, value = option.partition("=")
        if not equals:
            raise InvalidInput(f"{option!r} is not CUR=XSU_PER_UNIT", field="rate")
        code = currency(code_text, field="rate")
        if code in rates:
            raise InvalidInput(f"two rates for {code}", field="rate")
        rates[code] = parse_rate(value, field="rate")
    return rates


def _require_rates(invoices: InvoiceSet, rates: dict[CurrencyCode, Fraction]) -> None:
    missing = [code for code in invoices.currency_codes if code != XSU and code not in rates]
    if missing:
        example = " ".join(f"--rate {code}=<XSU per 1 {code}>" for code in missing)
        raise InvalidInput(f"invoices in {', '.join(missing)} cannot be compared without a rate "
                           f"at the run's value date: give {example}", field="rate")


def _count_lines(path: Path) -> int:
    """Lines of a file (for progress); refuses what is not a regular file before reading."""
    lines = 0
    with open_input(path) as handle:
        while block := handle.read(_COUNT_BLOCK_BYTES):
            lines += block.count(b"\n")
    return lines


def _load_with_progress(path: Path, default: CurrencyCode, minor_units: bool) -> InvoiceSet:
    total = max(0, _count_lines(path) - 1)
    progress = progress_bar()
    with progress:
        task = progress.add_task(f"loading {markup_free(path.name)}", total=total)
        return load_invoices(path, default_currency=default, minor_units=minor_units,
                             on_progress=lambda rows: progress.update(task, completed=rows))


def _xsu(minor: int) -> str:
    return format_amount(minor, XSU)


def _print_human(result: SetoffResult, document: dict[str, Any], explain: bool,
                 console: Console) -> None:
    summary = Table("", "XSU", title="multilateral set-off", show_header=False)
    for label, key in (("invoices", "invoices"), ("parties", "parties"), ("pairs", "pairs"),
                       ("total debt", "total_debt"), ("cleared", "cleared"),
                       ("remaining", "remaining"), ("ceiling (debt - net)", "ceiling")):
        summary.add_row(label, str(document[key]))
    summary.add_row("cleared fraction", f"{result.cleared_fraction:.2%}")
    console.print(summary)
    say(console, f"proof: {result.certificate.description}")
    members = Table("party", "owes before", "owes after", "owed before", "owed after", "net",
                    title=f"largest parties (of {document['parties']}), XSU")
    for row in document["members"]:
        members.add_row(cell(row["party"]), row["owes_before"], row["owes_after"],
                        row["owed_before"], row["owed_after"], row["net"])
    console.print(members)
    if explain or result.invoices.count <= _SMALL_RUN_INVOICES:
        _print_cycles(result, console)
    if document["out"]:
        say(console, f"per-invoice result written to {document['out']}")


def _print_cycles(result: SetoffResult, console: Console) -> None:
    try:
        cycles = cycles_for_display(result, bounds.setoff_display_cycles_max)
    except SucreError as error:
        say(console, f"cycles not shown: {error.message}")
        return
    shown = sum(cycle.cleared_xsu_minor for cycle in cycles)
    say(console, f"cleared cycles ({len(cycles)} shown, clearing {_xsu(shown)} of the "
                  f"{_xsu(result.total_cleared_minor)} XSU cleared; each amount cancels on "
                  "every link):")
    for cycle in cycles:
        path = " -> ".join((*cycle.parties, cycle.parties[0]))
        say(console, f"  {_xsu(cycle.amount_xsu_minor)} XSU: {path}")


def setoff(
    invoices: Annotated[Path, typer.Argument(
        help="CSV with columns id,debtor,creditor,amount,currency (id, currency optional).")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    out: Annotated[Path | None, typer.Option(
        "--out", help="Write id,amount,cleared,remaining per invoice here.")] = None,
    currency_code: Annotated[str, typer.Option(
        "--currency", help="Currency of invoices without a currency column.")] = "XSU",
    rate: Annotated[list[str] | None, typer.Option(
        "--rate", help="XSU per one unit of a currency, e.g. USD=0.8 (repeatable).")] = None,
    explain: Annotated[bool, typer.Option(
        "--explain", help="Show the cleared cycles (small runs).")] = False,
    minor_units: Annotated[bool, typer.Option(
        "--minor-units", help="Amounts are whole numbers of minor units (e.g. 125050 for "
        "1250.50), as in published obligation networks.")] = False,
) -> None:
    """Cancel as much debt as possible without moving money: optimal multilateral set-off."""
    try:
        rates = parse_rates(rate or [])
        if out is not None:
            check_output(out)  # before the work, not after it
        loaded = _load_with_progress(invoices, currency(currency_code), minor_units)
        _require_rates(loaded, rates)
        result = set_off(loaded, rates)
        if out is not None:
            write_result(out, result)
    except SucreError as error:
        fail(error)
    document = setoff_runs.setoff_document(result, rates,
                                           out=None if out is None else str(out))
    if as_json:
        sys.stdout.write(json.dumps(document) + "\n")
    else:
        _print_human(result, document, explain, Console())


# --- stored invoices and recorded runs (the pipeline) -------------------------------------------

invoices_app = typer.Typer(
    help="Stored invoices: import, recorded set-off runs, residuals paid through the chamber.",
    no_args_is_help=True)

DateOption = Annotated[str, typer.Option(
    "--date", help="Value date (YYYY-MM-DD): XSU rates of this day compare the currencies.")]


def _value_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidDate(f"not a date (YYYY-MM-DD): {text!r}", field="date") from None


@invoices_app.command("import")
def invoices_import(
    file: Annotated[Path, typer.Argument(help=(
        "CSV: id,debtor,creditor,amount[,currency,due_date,debtor_member,creditor_member,"
        "hs_code,quantity,unit,customs_ref]"))],
    currency_code: Annotated[str, typer.Option(
        "--currency", help="Currency of rows without a currency column.")] = "XSU",
    database: DatabaseOption = None, as_json: JsonOption = False,
) -> None:
    """Store unpaid invoices (all or nothing; a known id with the same body is skipped)."""
    with domain_errors():
        uow = console.unit_of_work(database)
        total = max(0, _count_lines(file) - 1)
        progress = progress_bar()
        with progress:
            task = progress.add_task(f"reading {markup_free(file.name)}", total=total)
            invoices = setoff_runs.read_invoice_file(
                file, default_currency=currency(currency_code),
                on_progress=lambda rows: progress.update(task, completed=rows))
        stored, known = setoff_runs.store_invoices(uow, invoices)
    if as_json:
        emit_json({"stored": stored, "already_known": known})
    else:
        say(out, f"stored {stored} invoice(s); {known} already known (same body, skipped)")


@invoices_app.command("setoff")
def invoices_setoff(day: DateOption, database: DatabaseOption = None,
                    as_json: JsonOption = False) -> None:
    """Record an optimal set-off of every open stored invoice at the day's XSU rates."""
    with domain_errors():
        run = setoff_runs.run_setoff(console.unit_of_work(database), _value_date(day))
    if as_json:
        emit_json(setoff_runs.run_document(run))
        return
    found = run.findings
    say(out, f"set-off run {run.run_id} at {found.value_date.isoformat()}: "
             f"{found.invoices} open invoice(s), debt {_xsu(found.total_debt_minor)} XSU, "
             f"cleared {_xsu(found.cleared_minor)} XSU ({found.cleared_fraction:.2%}), "
             f"remaining {_xsu(found.remaining_minor)} XSU")
    say(out, f"proof: {found.certificate.description}")
    _print_members(found.members)


def _print_members(members: Sequence[MemberTotals]) -> None:
    table = Table("member", "owes before", "owes after", "owed before", "owed after",
                  title=f"per member state, XSU ({UNKNOWN_MEMBER} : invoices without a member "
                        "state)")
    for m in members:
        table.add_row(cell(m.label), _xsu(m.owes_before_minor), _xsu(m.owes_after_minor),
                      _xsu(m.owed_before_minor), _xsu(m.owed_after_minor))
    out.print(table)


@invoices_app.command("runs")
def invoices_runs(database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """List the recorded set-off runs."""
    with domain_errors():
        runs = [_listed(run) for run in setoff_runs.list_runs(console.unit_of_work(database))]
    if as_json:
        emit_json({"runs": runs})
        return
    table = Table("run", "value date", "invoices", "debt XSU", "cleared XSU", "recorded at")
    for run in runs:
        table.add_row(str(run["run_id"]), run["value_date"], str(run["invoices"]),
                      run["total_debt"], run["cleared"], run["recorded_at"])
    out.print(table)


def _listed(run: RunListing) -> dict[str, Any]:
    return {"run_id": run.run_id, "value_date": run.value_date.isoformat(),
            "invoices": run.invoices, "total_debt": _xsu(run.total_debt_minor),
            "cleared": _xsu(run.cleared_minor), "recorded_at": run.recorded_at.isoformat()}


@invoices_app.command("run")
def invoices_run(
    run_id: Annotated[int, typer.Argument(min=1, max=bounds.row_id_max)],
    limit: Annotated[int, typer.Option(min=1, max=100_000, help="Clearings shown.")] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    database: DatabaseOption = None, as_json: JsonOption = False,
) -> None:
    """One recorded run: its summary, proof, member states and per-invoice clearings."""
    with domain_errors():
        detail = setoff_runs.run_detail(console.unit_of_work(database), run_id, limit=limit,
                                        offset=offset)
    if as_json:
        emit_json(_detail_document(detail))
        return
    found = detail.run.findings
    say(out, f"set-off run {run_id} at {found.value_date.isoformat()}: debt "
             f"{_xsu(found.total_debt_minor)} XSU, cleared {_xsu(found.cleared_minor)} XSU "
             f"({found.cleared_fraction:.2%})")
    say(out, f"proof: {found.certificate.description}")
    _print_members(found.members)
    table = Table("invoice", "currency", "amount", "cleared", "cleared XSU",
                  title=f"clearings {offset + 1}-{offset + len(detail.clearings)} of "
                        f"{detail.clearings_total}")
    for row in _clearings(detail):
        table.add_row(cell(row["id"]), row["currency"], row["amount"], row["cleared"],
                      row["cleared_xsu"])
    out.print(table)


def _detail_document(detail: RunDetail) -> dict[str, Any]:
    """The run's findings with its keys (and each member state's) in alphabetical order, as
    ``invoices run --json`` has always printed them, then the page of clearings."""
    findings = setoff_runs.run_document(detail.run)
    del findings["run_id"]
    findings["members"] = {label: dict(sorted(sides.items()))
                           for label, sides in findings["members"].items()}
    return {**dict(sorted(findings.items())), "run_id": detail.run.run_id,
            "clearings_total": detail.clearings_total, "clearings": _clearings(detail)}


def _clearings(detail: RunDetail) -> list[dict[str, str]]:
    return [{"id": c.external_id, "currency": c.currency,
             "amount": format_amount(c.amount_minor, c.currency),
             "cleared": format_amount(c.cleared_minor, c.currency),
             "cleared_xsu": _xsu(c.cleared_xsu_minor)} for c in detail.clearings]


@invoices_app.command("pay-residuals")
def invoices_pay_residuals(day: DateOption, database: DatabaseOption = None,
                           as_json: JsonOption = False) -> None:
    """Turn what remains of cross-border invoices into payment orders through the chamber.

    Exits 2 when a residual could not become an order (each is listed with its reason).
    """
    with domain_errors():
        uow = console.unit_of_work(database)
        report = setoff_runs.pay_residuals(uow, _value_date(day))
    if as_json:
        emit_json({"accepted": report.accepted, "rejected": report.rejected,
                   "replayed": report.replayed,
                   "errors": [{"order": e.line, "field": e.field, "reason_code": e.reason_code,
                               "message": e.message} for e in report.errors]})
    else:
        for e in report.errors:
            say(err, f"residual order {e.line}: {e.field or ''}: {e.message} "
                     f"({e.reason_code})")
        say(out, f"residual payment orders: accepted {report.accepted}, rejected for limits "
                 f"{report.rejected}, replayed {report.replayed}, invalid {len(report.errors)}")
    if report.errors:
        raise typer.Exit(2)

"""The ``sucre`` command line (Typer + Rich).

Errors from the domain become messages in one place (:mod:`sucre.entrypoints.console`): a clear
message naming the field and the ISO 20022 reason code on stderr, exit status 2. Reports take
``--json`` and then print exactly one JSON object on stdout.
"""

from __future__ import annotations

import datetime as dt
import sys
from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from sucre import bootstrap
from sucre.adapters.files import CsvInput, atomic_output, check_output, open_input
from sucre.adapters.iso20022.camt053 import build_camt053
from sucre.adapters.orders_csv import open_order_file
from sucre.domain import limits, parameters
from sucre.domain.errors import InvalidInput, LimitExceeded
from sucre.domain.members import MemberStatus
from sucre.domain.money import CurrencyCode, currency, parse_amount
from sucre.domain.orders import OrderRequest
from sucre.domain.rates import parse_rate
from sucre.domain.text import printable
from sucre.entrypoints import setoff_cli
from sucre.entrypoints.console import (
    DatabaseOption,
    JsonOption,
    domain_errors,
    emit_json,
    err,
    markup_free,
    out,
    progress_bar,
    say,
)
from sucre.service import bloc, closing, messaging, payments, registry, reports
from sucre.service.demo import run_demo

app = typer.Typer(help="sucre: set-off, clearing in XSU and net settlement for the ALBA-TCP bloc.",
                  no_args_is_help=True, pretty_exceptions_enable=False)



@app.command()
def init(database: DatabaseOption = None,
         bloc_members: Annotated[bool, typer.Option(
             "--bloc/--empty", help="Register the bloc's 10 members and 5 authorities.")] = True,
         reference: str = "ALBA-TCP membership as of 2026") -> None:
    """Create (or migrate) the database and register the bloc."""
    with domain_errors():
        engine = bootstrap.database(database)
        if bloc_members and registry.member_count(engine) == 0:
            bloc.register_bloc(engine, dt.date.today(), reference)  # noqa: DTZ011
        say(out, f"database ready: {engine.url.render_as_string(hide_password=True)}")


@app.command()
def demo(
    orders: Annotated[int, typer.Option(min=10, max=2_000_000, help="Orders to generate.")] = 3000,
    seed: Annotated[int, typer.Option(help="Seed of the generated trade.")] = 2026,
    database: Annotated[Path, typer.Option("--db", help="Embedded database file (recreated).")
                        ] = Path("sucre-demo.db"),
    as_json: JsonOption = False,
) -> None:
    """Run a realistic semester of the bloc end to end and print its settlement report."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    with domain_errors():
        engine = bootstrap.database(f"sqlite:///{database}")
        with progress_bar(err) as bar:
            tasks: dict[str, Any] = {}

            def on_progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done)

            result = run_demo(engine, orders=orders, seed=seed, on_progress=on_progress)
    if not as_json:
        _print_demo_story(result, database)
        _print_settlement(result.report, err)
    emit_json(result.report)


def _print_demo_story(result: Any, database: Path) -> None:
    err.rule("[bold]sucre demo: one semester of ALBA-TCP trade, cleared in XSU")
    for number, step in enumerate(result.steps, start=1):
        err.print(f"{number:>2}. {step}", highlight=False)
    if result.flagged_fixings:
        flags = ", ".join(f"{c} {d}" for c, d in result.flagged_fixings.items())
        err.print(f"    fixings far from the market rate were flagged: {flags}", highlight=False)
    for example in result.invalid_examples[:5]:
        err.print(f"    e.g. refused: {example}", style="dim", highlight=False)
    err.print(f"    database kept at {database} (inspect it with `sucre -d sqlite:///{database} "
              "positions --period 2026-H2`)", style="dim", highlight=False)


def _print_settlement(report: dict[str, Any], console: Console) -> None:
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


@app.command()
def pay(
    importer: Annotated[str, typer.Option(help="Importing member state (ISO alpha-3).")],
    exporter: Annotated[str, typer.Option(help="Exporting member state (ISO alpha-3).")],
    amount: Annotated[str, typer.Option(help="Amount in major units, e.g. 108000.00.")],
    currency_code: Annotated[str, typer.Option("--currency", help="Importer's currency or XSU.")],
    value_date: Annotated[str, typer.Option(help="Value date, YYYY-MM-DD.")],
    key: Annotated[str, typer.Option(help="Idempotency key (unique per order).")],
    hs_code: Annotated[str, typer.Option(help="HS code of the goods.")],
    quantity: Annotated[str, typer.Option(help="Quantity of goods.")],
    unit: Annotated[str, typer.Option(help="Unit of the quantity (t, kg, u...).")],
    invoice: Annotated[str, typer.Option(help="Invoice reference.")],
    customs: Annotated[str, typer.Option(help="Customs declaration reference.")],
    origin: Annotated[str | None, typer.Option(help="Origin of goods (default: exporter).")] = None,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Submit one payment order (idempotent on --key)."""
    request = OrderRequest(
        idempotency_key=key, debtor_member=importer, creditor_member=exporter, amount=amount,
        currency=currency_code, value_date=value_date, hs_code=hs_code, quantity=quantity,
        unit=unit, origin=origin or exporter, invoice_ref=invoice, customs_ref=customs)
    with domain_errors():
        outcome = payments.submit_order(bootstrap.database(database), request)
    document = {"order_id": outcome.order_id, "idempotency_key": outcome.idempotency_key,
                "status": outcome.status.value, "xsu": reports.xsu(outcome.xsu_minor),
                "reason_code": outcome.reason_code, "reason": outcome.reason,
                "replayed": outcome.replayed}
    if as_json:
        emit_json(document)
    else:
        out.print(document)
    if outcome.reason_code:
        raise typer.Exit(1)


def _decide(order_id: int, authority: str, database: str | None, *, accept: bool,
            reason: str = "MS02") -> None:
    with domain_errors():
        outcome = payments.decide_order(bootstrap.database(database), order_id, authority,
                                        accept=accept, reason_code=reason)
    out.print(f"order {outcome.order_id}: {outcome.status.value}")


@app.command()
def confirm(order_id: int, authority: Annotated[str, typer.Option(help="Receiving authority.")],
            database: DatabaseOption = None) -> None:
    """The receiving authority confirms an accepted order: it is posted to the period."""
    _decide(order_id, authority, database, accept=True)


@app.command()
def reject(order_id: int, authority: Annotated[str, typer.Option(help="Receiving authority.")],
           reason: Annotated[str, typer.Option(help="ISO reason code.")] = "MS02",
           database: DatabaseOption = None) -> None:
    """The receiving authority rejects an accepted order: its reservation is released."""
    _decide(order_id, authority, database, accept=False, reason=reason)


@app.command("import-orders")
def import_orders(
    file: Annotated[Path, typer.Argument(help="CSV with one order per row.")],
    batch: Annotated[int, typer.Option(help="Orders per atomic batch.")] = 1000,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import orders in bulk: bad rows are reported by line, good rows commit per batch.

    The file is read whole first (encoding, binary data, field sizes, columns): a file that
    cannot be read to its end is refused before any order is written. The first
    bad rows are listed with their line; the others are counted.
    """
    with domain_errors():
        engine = bootstrap.database(database)
        order_file = open_order_file(file)
        with progress_bar(err) as bar:
            task = bar.add_task(f"importing {markup_free(file.name)}", total=order_file.rows_total)
            report = payments.import_orders(engine, order_file.rows(), batch_orders=batch,
                                            on_progress=lambda n: bar.advance(task, n))
    errors = [{"line": line, "field": None, "reason_code": "FF01", "message": message}
              for line, message in order_file.malformed]
    errors += [{"line": e.line, "field": e.field, "reason_code": e.reason_code,
                "message": e.message} for e in report.errors]
    errors.sort(key=lambda e: int(e["line"] or 0))
    errors = errors[:limits.import_errors_listed_max]
    invalid = report.invalid + order_file.malformed_count
    document = {"accepted": report.accepted, "rejected": report.rejected,
                "replayed": report.replayed, "invalid": invalid, "errors": errors,
                "errors_not_listed": invalid - len(errors)}
    if as_json:
        emit_json(document)
    else:
        for e in errors:
            where = f"{e['field']}: " if e["field"] else ""
            say(err, f"line {e['line']}: {where}{e['message']} ({e['reason_code']})")
        if invalid > len(errors):
            say(err, f"... and {invalid - len(errors)} more bad row(s) not listed (the first "
                     f"{len(errors)} are)")
        say(out, f"accepted {report.accepted}, rejected for limits {report.rejected}, "
                 f"replayed {report.replayed}, invalid {invalid}")
    if invalid:
        raise typer.Exit(1)


@app.command()
def positions(period: Annotated[str | None, typer.Option(help="Period code, e.g. 2026-H2.")
                                ] = None,
              database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Positions of each central bank in a period: limit, posted, reserved, headroom."""
    with domain_errors():
        document = reports.positions_report(bootstrap.database(database), period)
    if as_json:
        emit_json(document)
        return
    table = Table("authority", "limit", "net posted", "debit reserved", "credit reserved",
                  "headroom", title=f"period {document['period']} ({document['state']}), XSU")
    for code, row in document["authorities"].items():
        table.add_row(code, row["limit"], row["net_posted"], row["debit_reserved"],
                      row["credit_reserved"], row["headroom"])
    out.print(table)


@app.command("close-period")
def close_period(period: Annotated[str, typer.Argument(help="Period code, e.g. 2026-H2.")],
                 finance: Annotated[bool | None, typer.Option(
                     "--finance/--no-finance",
                     help="Override the council's deficit_financing for this close: the FRCC "
                          "finances deficits up to each credit line, or nothing is financed.")
                 ] = None,
                 database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Close a period: post, net, and settle in hard currency (resumes an interrupted close)."""
    with domain_errors():
        document = closing.close_period(bootstrap.database(database), period,
                                        finance_deficits=finance)
    if as_json:
        emit_json(document)
    else:
        _print_settlement(document, out)


@app.command()
def report(period: str, database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """The stored settlement report of a settled period."""
    with domain_errors():
        document = closing.stored_report(bootstrap.database(database), period)
    if as_json:
        emit_json(document)
    else:
        _print_settlement(document, out)


@app.command()
def verify(database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Re-derive every balance from the journal and check its invariants (for auditors)."""
    with domain_errors():
        document = closing.verify_journal(bootstrap.database(database))
    if as_json:
        emit_json(document)
    else:
        out.print(f"journal verified: {document['accounts']} accounts, balanced in "
                  f"{', '.join(document['currencies']) or 'no currency yet'}")


# --- council decisions ----------------------------------------------------------------------

ReferenceOption = Annotated[str, typer.Option(help="Reference of the council decision.")]
EffectiveOption = Annotated[str, typer.Option("--effective", help="Effective date, YYYY-MM-DD.")]


def _day(text: str, field: str = "effective") -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)", field=field) from None


@app.command("member-status")
def member_status(member: str, status: Annotated[str, typer.Argument(
                      help="active, suspended or withdrawn")],
                  effective: EffectiveOption, reference: ReferenceOption,
                  database: DatabaseOption = None) -> None:
    """Suspend, reinstate or withdraw a member state (a council decision)."""
    with domain_errors():
        try:
            target = MemberStatus(status)
        except ValueError:
            raise InvalidInput(f"unknown status {status!r}", field="status") from None
        registry.change_member_status(bootstrap.database(database), member, target,
                                      effective_date=_day(effective), reference=reference)
    say(out, f"{member.strip().upper()} is now {target.value}")


@app.command()
def allocate(authority: str,
             allocation: Annotated[str, typer.Argument(help="XSU, e.g. 1000000.00")],
             effective: EffectiveOption, reference: ReferenceOption,
             credit_line: Annotated[str, typer.Option(help="FRCC credit line, XSU.")] = "0",
             database: DatabaseOption = None) -> None:
    """Allocate XSU (and an FRCC credit line) to a central bank from a date on."""
    with domain_errors():
        xsu = currency("XSU")
        registry.set_allocation(
            bootstrap.database(database), authority, _day(effective),
            parse_amount(allocation, xsu, field="allocation", allow_zero=True),
            parse_amount(credit_line, xsu, field="credit_line", allow_zero=True), reference)
    say(out, f"allocation recorded for {authority.strip().upper()}")


@app.command(epilog=parameters.help_text().replace("\n", "\n\n"))
def parameter(name: Annotated[str, typer.Argument(help=", ".join(parameters.NAMES))],
              value: str, effective: EffectiveOption, reference: ReferenceOption,
              database: DatabaseOption = None) -> None:
    """Set a council parameter from a date on (a council decision); the parameters below."""
    with domain_errors():
        registry.set_parameter(bootstrap.database(database), name, value,
                               effective_date=_day(effective), reference=reference)
    say(out, f"{name} = {value.strip()} from {effective}")


@app.command()
def basket(launch: Annotated[str, typer.Option(help="Launch date, YYYY-MM-DD.")],
           weights: Annotated[str, typer.Option(help="e.g. VES=0.4,CUP=0.2,BOB=0.15,...")],
           reference: ReferenceOption,
           usd_per_xsu: Annotated[str, typer.Option(help="Basket value at launch.")] = "1.25",
           database: DatabaseOption = None) -> None:
    """Calibrate the XSU basket from the launch date's fixings (a council decision)."""
    with domain_errors():
        parsed = dict(_weight(item) for item in weights.split(","))
        registry.set_basket(bootstrap.database(database), _day(launch, "launch"),
                            parse_rate(usd_per_xsu, field="usd_per_xsu"), parsed, reference)
    out.print("basket recorded")


def _weight(item: str) -> tuple[CurrencyCode, Fraction]:
    code, _, value = item.partition("=")
    return currency(code, field="weights"), parse_rate(value, field="weights")


@app.command()
def fixings(file: Annotated[Path, typer.Argument(help="CSV: value_date,currency,per_usd[,market]")],
            database: DatabaseOption = None) -> None:
    """Record exchange-rate fixings (local currency per USD) and publish XSU rates."""
    with domain_errors():
        engine = bootstrap.database(database)
        by_day: dict[dt.date, dict[CurrencyCode, Fraction]] = {}
        market: dict[dt.date, dict[CurrencyCode, Fraction]] = {}
        for row in _fixing_rows(file):
            day = _day(row["value_date"], "value_date")
            code = currency(row["currency"])
            by_day.setdefault(day, {})[code] = parse_rate(row["per_usd"], field="per_usd")
            if row.get("market"):
                market.setdefault(day, {})[code] = parse_rate(row["market"], field="market")
        for day in sorted(by_day):
            flagged = registry.record_fixings(engine, day, by_day[day], market.get(day))
            for code, deviation in flagged.items():
                err.print(f"{day} {code}: official fixing {float(deviation):.0%} from market")
    out.print(f"fixings recorded for {len(by_day)} value dates")


_FIXING_COLUMNS = ("value_date", "currency", "per_usd")


def _fixing_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a fixings file by column name, the whole file read and checked before use."""
    with open_input(path) as handle:
        reader = CsvInput(handle, path.name, lowercase=True)
        missing = [name for name in _FIXING_COLUMNS if name not in reader.header]
        if missing:
            raise InvalidInput(f"{printable(path.name)}: missing column(s) {', '.join(missing)}",
                               field="file")
        rows: list[dict[str, str]] = []
        for line, values in reader.rows():
            if len(values) != len(reader.header):
                raise InvalidInput(f"{printable(path.name)}: line {line}: expected "
                                   f"{len(reader.header)} fields, found {len(values)}",
                                   field="file")
            if len(rows) >= limits.fixing_rows_max:
                raise LimitExceeded(f"{printable(path.name)}: more than "
                                    f"{limits.fixing_rows_max} fixings", field="file")
            rows.append(dict(zip(reader.header, (v.strip() for v in values), strict=True)))
    return rows


@app.command("open-period")
def open_period(day: Annotated[str, typer.Argument(help="A date inside the period.")],
                database: DatabaseOption = None) -> None:
    """Open the clearing period (of the council's calendar) that contains a date."""
    with domain_errors():
        period = registry.open_period(bootstrap.database(database), _day(day, "day"))
    out.print(f"period {period.code} ({period.start} to {period.end}) is {period.state.value}")


iso_app = typer.Typer(help="ISO 20022 messages: pacs.008 and pacs.009 in (pacs.002 out), camt.053 "
                           "statements.",
                      no_args_is_help=True)
app.add_typer(iso_app, name="iso")


@iso_app.command("import")
def iso_import(file: Annotated[Path, typer.Argument(
                   help="A pacs.008.001.08 or pacs.009.001.08 XML message.")],
               report_file: Annotated[Path | None, typer.Option(
                   "--out", help="Write the pacs.002 answer here (default: stdout).")] = None,
               database: DatabaseOption = None) -> None:
    """Answer a pacs.008 or pacs.009 (told apart by namespace) with a pacs.002.

    A pacs.008's transactions are submitted as payment orders; a pacs.009's confirm that
    settlement legs of a closed period were paid (EndToEndId = the instruction's reference, as
    shown by ``sucre report``)."""
    with domain_errors():
        with open_input(file, bytes_max=limits.iso_message_bytes_max) as handle:
            data = handle.read(limits.iso_message_bytes_max + 1)
        engine = bootstrap.database(database)
        if report_file is None:
            outcome = messaging.submit_iso(engine, data)
            sys.stdout.buffer.write(outcome.report)
        else:
            # The answer's file is opened before the message is applied: an unwritable --out is
            # refused with nothing applied, never after the orders are in.
            with atomic_output(report_file) as answer:
                outcome = messaging.submit_iso(engine, data)
                answer.write(outcome.report)
    say(err, f"{outcome.accepted} accepted, {outcome.rejected} rejected (pacs.002 "
             f"{'on stdout' if report_file is None else f'in {report_file}'})")


@iso_app.command("statement")
def iso_statement(authority: str, period: str,
                  out_file: Annotated[Path | None, typer.Option(
                      "--out", help="Write the camt.053 here (default: stdout).")] = None,
                  database: DatabaseOption = None) -> None:
    """A camt.053 statement of an authority's XSU account for one period."""
    with domain_errors():
        if out_file is not None:
            check_output(out_file)
        document = build_camt053(messaging.statement(bootstrap.database(database), authority,
                                                     period))
        if out_file is None:
            sys.stdout.buffer.write(document)
        else:
            with atomic_output(out_file) as handle:
                handle.write(document)


# --- HTTP API: serve, clients and keys (issue 4) ------------------------------------------------

api_client_app = typer.Typer(help="API clients: one per participant, with a role.",
                             no_args_is_help=True)
api_key_app = typer.Typer(help="API keys: rotate (issue a new one) and revoke.",
                          no_args_is_help=True)
app.add_typer(api_client_app, name="api-client")
app.add_typer(api_key_app, name="api-key")


@app.command()
def serve(host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
          workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
          client_timeout: Annotated[int, typer.Option(
              min=1, max=limits.api_client_seconds_max,
              help="Seconds a client may take to send a request's head, then its body "
                   "(slower ones are cut off).")] = limits.api_client_seconds_default,
          database: DatabaseOption = None) -> None:
    """Serve the HTTP API (FastAPI under uvicorn); the database is migrated first, once."""
    import os

    import uvicorn

    from sucre.entrypoints.api.server import FACTORY, HTTP_PROTOCOL

    with domain_errors():
        engine = bootstrap.database(database)
    os.environ["SUCRE_DATABASE_URL"] = engine.url.render_as_string(hide_password=False)
    os.environ["SUCRE_CLIENT_TIMEOUT_S"] = str(client_timeout)
    engine.dispose()
    uvicorn.run(FACTORY, factory=True, host=host, port=port, workers=workers,
                http=HTTP_PROTOCOL, log_level="info")


def _print_key(issued: Any) -> None:
    err.print(f"API key of {issued.client} (key id {issued.key_id}); it is shown only now:",
              highlight=False)
    sys.stdout.write(f"{issued.api_key}\n")


@api_client_app.command("add")
def api_client_add(
    name: str,
    role: Annotated[str, typer.Option(help="operator, chamber, council or auditor.")],
    authority: Annotated[str | None, typer.Option(
        help="The operator's central bank (operators only), e.g. BCV.")] = None,
    database: DatabaseOption = None,
) -> None:
    """Register an API client and print its first key (once)."""
    from sucre.service import access

    with domain_errors():
        issued = access.add_client(bootstrap.database(database), name,
                                   access.parse_role(role), authority)
    _print_key(issued)


@api_key_app.command("rotate")
def api_key_rotate(name: str, database: DatabaseOption = None) -> None:
    """Issue a new key to a client; revoke the old one once the new one is deployed."""
    from sucre.service import access

    with domain_errors():
        engine = bootstrap.database(database)
        issued = access.issue_key(engine, name)
        older = [k.key_id for k in access.client_keys(engine, name)
                 if k.revoked_at is None and k.key_id != issued.key_id]
    _print_key(issued)
    if older:
        err.print(f"still active: {', '.join(older)}; revoke with `sucre api-key revoke "
                  "KEY_ID` once the new key is in use", highlight=False)


@api_key_app.command("revoke")
def api_key_revoke(key_id: str, database: DatabaseOption = None) -> None:
    """Revoke a key at once (by its key id, the part after ``sk_``)."""
    from sucre.service import access

    with domain_errors():
        client = access.revoke_key(bootstrap.database(database), key_id)
    out.print(f"key {key_id} of {client} revoked")

setoff_cli.register(app)


def main() -> None:
    app()


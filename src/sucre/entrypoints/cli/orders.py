"""Payment orders: ``sucre pay``, the receiving authority's ``confirm`` / ``reject``, and
``import-orders`` (a CSV in atomic batches)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, TypeVar

import typer
from rich.table import Table

from sucre import bounds
from sucre.adapters.orders_csv import open_order_file
from sucre.domain.errors import InvalidInput
from sucre.domain.money import format_amount
from sucre.domain.orders import OrderRequest, OrderStatus
from sucre.entrypoints.cli import console
from sucre.entrypoints.cli.console import (
    DatabaseOption,
    JsonOption,
    cell,
    domain_errors,
    emit_json,
    err,
    markup_free,
    out,
    progress_bar,
    record_table,
    say,
)
from sucre.service import payments, reports


def pay(
    debtor_member: Annotated[str, typer.Option(help="Importing member state (ISO alpha-3).")],
    creditor_member: Annotated[str, typer.Option(
        help="Exporting member state (ISO alpha-3).")],
    amount: Annotated[str, typer.Option(help="Amount in major units, e.g. 108000.00.")],
    currency_code: Annotated[str, typer.Option(
        "--currency", help="The importing authority's currency or XSU.")],
    value_date: Annotated[str, typer.Option(help="Value date, YYYY-MM-DD.")],
    idempotency_key: Annotated[str, typer.Option(help="Unique per order: a retry replays.")],
    hs_code: Annotated[str, typer.Option(help="HS code of the goods.")],
    quantity: Annotated[str, typer.Option(help="Quantity of goods.")],
    unit: Annotated[str, typer.Option(help="Unit of the quantity (t, kg, u...).")],
    invoice_ref: Annotated[str, typer.Option(help="Invoice reference.")],
    customs_ref: Annotated[str, typer.Option(help="Customs declaration reference.")],
    origin: Annotated[str | None, typer.Option(
        help="Origin of the goods (default: the creditor member).")] = None,
    debtor_bank: Annotated[str, typer.Option(help="The importer's commercial bank.")] = "",
    creditor_bank: Annotated[str, typer.Option(help="The exporter's commercial bank.")] = "",
    importer: Annotated[str, typer.Option(help="Importing trader's name.")] = "",
    exporter: Annotated[str, typer.Option(help="Exporting trader's name.")] = "",
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Submit one payment order (idempotent on --idempotency-key).

    The options are the columns of an ``import-orders`` file, named the same way.
    """
    request = OrderRequest(
        idempotency_key=idempotency_key, debtor_member=debtor_member,
        creditor_member=creditor_member, amount=amount, currency=currency_code,
        value_date=value_date, hs_code=hs_code, quantity=quantity, unit=unit,
        origin=origin or creditor_member, invoice_ref=invoice_ref, customs_ref=customs_ref,
        debtor_bank=debtor_bank, creditor_bank=creditor_bank, importer=importer,
        exporter=exporter)
    with domain_errors():
        outcome = payments.submit_order(console.unit_of_work(database), request)
    document = {"order_id": outcome.order_id, "idempotency_key": outcome.idempotency_key,
                "status": outcome.status.value, "xsu": reports.xsu(outcome.xsu_minor),
                "reason_code": outcome.reason_code, "reason": outcome.reason,
                "replayed": outcome.replayed}
    if as_json:
        emit_json(document)
    else:
        out.print(record_table(f"order {outcome.order_id}: {outcome.status.value}", document))
    if outcome.reason_code:
        raise typer.Exit(1)


def _decide(order_id: int, authority: str, database: str | None, *, accept: bool,
            reason: str = "MS02") -> None:
    with domain_errors():
        outcome = payments.decide_order(console.unit_of_work(database), order_id, authority,
                                        accept=accept, reason_code=reason)
    # The status "settled" means posted to the period's journal; the money moves only at the
    # close, so the words say what happened, not the status name.
    if accept:
        say(out, f"order {outcome.order_id}: confirmed and posted to its clearing period "
                 "(paid in hard currency at the period's close, with the net positions)")
    else:
        say(out, f"order {outcome.order_id}: rejected ({outcome.reason_code}); the payer's "
                 "reservation is released")


OrderIdArgument = Annotated[int, typer.Argument(min=1, max=bounds.row_id_max,
                                               help="The order's id (sucre orders lists them).")]


ReceiverOption = Annotated[str, typer.Option(help="Receiving authority.")]


def confirm(order_id: OrderIdArgument, authority: ReceiverOption,
            database: DatabaseOption = None) -> None:
    """The receiving authority confirms an accepted order: it is posted to the period."""
    _decide(order_id, authority, database, accept=True)


def reject(order_id: OrderIdArgument, authority: ReceiverOption,
           reason: Annotated[str, typer.Option(help=(
               "ISO 20022 reason code: AM09 wrong amount, BE01 inconsistent with end customer, "
               "MS02 not specified, ..."))] = "MS02",
           database: DatabaseOption = None) -> None:
    """The receiving authority rejects an accepted order: its reservation is released."""
    _decide(order_id, authority, database, accept=False, reason=reason)


def import_orders(
    file: Annotated[Path, typer.Argument(help="CSV with one order per row.")],
    batch: Annotated[int, typer.Option(help="Orders per atomic batch.")
                  ] = bounds.import_batch_orders_default,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """Import orders in bulk: bad rows are reported by line, good rows commit per batch.

    The file is read whole first (encoding, binary data, field sizes, columns): a file that
    cannot be read to its end is refused before any order is written. The first
    bad rows are listed with their line; the others are counted.
    """
    with domain_errors():
        uow = console.unit_of_work(database)
        order_file = open_order_file(file)
        # Orders are numbered in insertion order: those above the last id before the import are
        # this import's (and a concurrent writer's, if there is one).
        before = reports.last_order_id(uow)
        with progress_bar(err) as bar:
            task = bar.add_task(f"importing {markup_free(file.name)}", total=order_file.rows_total)
            report = payments.import_orders(uow, order_file.rows(), batch_orders=batch,
                                            on_progress=lambda n: bar.advance(task, n))
    errors = [{"line": line, "field": None, "reason_code": "FF01", "message": message}
              for line, message in order_file.malformed]
    errors += [{"line": e.line, "field": e.field, "reason_code": e.reason_code,
                "message": e.message} for e in report.errors]
    errors.sort(key=lambda e: int(e["line"] or 0))
    errors = errors[:bounds.import_errors_listed_max]
    invalid = report.invalid + order_file.malformed_count
    created, created_count = reports.order_ids_after(uow, before,
                                                     bounds.import_created_ids_listed_max)
    document = {"accepted": report.accepted, "rejected": report.rejected,
                "replayed": report.replayed, "invalid": invalid, "errors": errors,
                "errors_not_listed": invalid - len(errors), "created_ids": created,
                "created_ids_not_listed": created_count - len(created)}
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
        if created:
            more = created_count - len(created)
            say(out, f"created order ids: {', '.join(map(str, created))}"
                     f"{f' ... and {more} more' if more else ''} (sucre orders lists them)")
    if invalid:
        raise typer.Exit(1)


def orders(
    status: Annotated[str | None, typer.Option(
        help="accepted (awaiting the receiving side), settled or rejected.")] = None,
    authority: Annotated[str | None, typer.Option(
        help="Orders this central bank pays or receives.")] = None,
    side: Annotated[str | None, typer.Option(
        help="With --authority: debtor (it pays) or creditor (it receives, and confirms).")
                    ] = None,
    period: Annotated[str | None, typer.Option(help="Period code, e.g. 2026-H2.")] = None,
    after: Annotated[int, typer.Option(min=0, max=bounds.row_id_max,
                                       help="Continue after this order id.")] = 0,
    limit: Annotated[int, typer.Option(help="Orders per page.")
                     ] = bounds.api_page_orders_default,
    database: DatabaseOption = None,
    as_json: JsonOption = False,
) -> None:
    """List payment orders in id order (the ids to confirm or reject), a page at a time."""
    with domain_errors():
        query = reports.OrderFilter(
            period=period, status=_choice(OrderStatus, status, "status"), authority=authority,
            side=_choice(reports.Side, side, "side"), after_id=after, limit=limit)
        page, next_after = reports.orders(console.unit_of_work(database), query)
    if as_json:
        emit_json({"orders": [reports.order_json(o) for o in page], "next_after": next_after})
        return
    table = Table("id", "status", "from -> to", "amount", "ccy", "XSU", "value date", "key",
                  title="payment orders" + (f" of {period}" if period else ""),
                  title_justify="left")
    for view in page:
        o, s = view.order, view.stored
        reason = f" {s.reason_code}" if s.reason_code else ""
        table.add_row(str(s.id), s.status.value + reason,
                      f"{o.debtor_member} -> {o.creditor_member}",
                      format_amount(o.amount_minor, o.currency), o.currency,
                      reports.xsu(o.xsu_minor), str(o.value_date), cell(s.idempotency_key))
    out.print(table)
    if next_after is not None:
        say(out, f"more: sucre orders --after {next_after} (with the same filters)")


E = TypeVar("E", bound=enum.StrEnum)


def _choice(kind: type[E], text: str | None, field: str) -> E | None:
    if text is None:
        return None
    try:
        return kind(text.strip().lower())
    except ValueError:
        raise InvalidInput(f"{text!r} is not one of {', '.join(k.value for k in kind)}",
                           field=field) from None


def register(app: typer.Typer) -> None:
    """Add ``pay``, ``confirm``, ``reject``, ``import-orders`` and ``orders`` to ``app``."""
    app.command()(pay)
    app.command()(confirm)
    app.command()(reject)
    app.command("import-orders")(import_orders)
    app.command()(orders)

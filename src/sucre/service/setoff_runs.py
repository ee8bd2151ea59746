"""Set-off in the pipeline: stored invoices, recorded runs, residuals paid through the chamber.

1. Traders' unpaid invoices are stored (idempotently, by their external id).
2. A set-off run takes every open invoice, values it in XSU at the run's value date, finds the
   optimal set-off (:func:`sucre.domain.setoff.set_off`, which proves its own result) and records
   the run (what it found, as the records of :mod:`sucre.domain.setoff.runs`), its per-invoice
   clearings and the reduced balances in one transaction. A run whose check fails raises before
   anything is written.
3. What remains of a cross-border invoice can be turned into a payment order: the importer's
   central bank pays it through the Central Clearing Chamber (section 4 of the domain).

Each use case takes a :class:`~sucre.service.unit_of_work.UnitOfWork` (invoices and set-off runs
repositories) and answers records; the CLI and the API write their JSON from them
(:func:`run_document` is the one of ``sucre invoices setoff --json``, which the demo reports too).

Stateless, nothing written: :func:`compute_setoff` solves a set of invoices given in the request
and answers :func:`setoff_document`, the one JSON document of a run (``sucre setoff --json`` and
``POST /v1/setoff`` alike).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sucre import bounds
from sucre.adapters.invoice_csv import load_invoice_columns
from sucre.domain.errors import (
    BadRows,
    ErrorRow,
    IdempotencyConflict,
    InvalidDate,
    InvalidInput,
    LimitExceeded,
    NotFound,
    UnknownParty,
)
from sucre.domain.members import MemberCode, MemberState
from sucre.domain.money import XSU, CurrencyCode, format_amount
from sucre.domain.orders import OrderRequest, parse_quantity
from sucre.domain.setoff import InvoiceSet, RowNumbers, SetoffResult, set_off
from sucre.domain.setoff.invoices import NO_DUE_DAY
from sucre.domain.setoff.runs import (
    BalanceChange,
    InvoiceClearing,
    OpenInvoices,
    RecordedRun,
    RunDetail,
    RunListing,
    run_findings,
)
from sucre.domain.setoff.runs import Invoice as _Invoice
from sucre.domain.text import has_control_character
from sucre.service import payments
from sucre.service.unit_of_work import Rates, UnitOfWork

if TYPE_CHECKING:
    pass

#: A trader's unpaid invoice (a domain record, which the invoices repository stores).
Invoice = _Invoice

_SAME_BODY = ("debtor", "creditor", "amount_minor", "currency")


def store_invoices(uow: UnitOfWork, invoices: Sequence[Invoice]) -> tuple[int, int]:
    """Store invoices; a known id with the same body is skipped, with another body refused.

    Returns ``(stored, already_known)``. All or nothing.
    """
    if len(invoices) > bounds.setoff_invoices_max:
        raise LimitExceeded(f"{len(invoices)} invoices exceed the maximum of "
                            f"{bounds.setoff_invoices_max} per submission", field="invoices")
    for invoice in invoices:
        _check_labels(invoice)
    with uow:
        _check_members(uow.members.members(), invoices)
        known = uow.invoices.by_external_ids([i.external_id for i in invoices])
        fresh: list[Invoice] = []
        seen: set[str] = set()
        for invoice in invoices:
            if invoice.debtor == invoice.creditor:
                # A run refuses such an invoice: stored, it would block every later run.
                raise InvalidInput(f"invoice {invoice.external_id!r}: debtor and creditor are "
                                   "the same party", field="creditor")
            stored = known.get(invoice.external_id)
            if stored is not None:
                if any(getattr(stored, k) != getattr(invoice, k) for k in _SAME_BODY):
                    raise IdempotencyConflict(f"invoice {invoice.external_id!r} is already "
                                              "stored with another body", field="id")
                continue
            if invoice.external_id in seen:
                raise InvalidInput(f"invoice id {invoice.external_id!r} repeats", field="id")
            seen.add(invoice.external_id)
            fresh.append(invoice)
        uow.invoices.add(fresh)
        uow.commit()
    return len(fresh), len(invoices) - len(fresh)


_TEXT_FIELDS = ("external_id", "debtor", "creditor", "hs_code", "quantity", "unit",
                "customs_ref")


def _check_labels(invoice: Invoice) -> None:
    for field_name in _TEXT_FIELDS:
        value = getattr(invoice, field_name)
        where = "id" if field_name == "external_id" else field_name
        if field_name in ("external_id", "debtor", "creditor") and (
                len(value) > bounds.invoice_label_chars_max):
            raise InvalidInput(f"invoice {invoice.external_id[:20]!r}: {field_name} is longer "
                               f"than {bounds.invoice_label_chars_max} characters", field=where)
        if value is not None and has_control_character(value):
            # A control character (NUL above all) cannot be stored in PostgreSQL text.
            raise InvalidInput(f"invoice {invoice.external_id[:20]!r}: {field_name} contains a "
                               "control character", field=where)




def residual_order_key(external_id: str) -> str:
    """The idempotency key of the order paying an invoice's residual: one per invoice, so a
    second payment of the same residual replays the first. Long ids are hashed, never cut (two
    ids sharing a prefix must not share an order)."""
    key = f"INV-{external_id}"
    if len(key) <= bounds.order_key_chars_max:
        return key
    return f"INV-H-{hashlib.sha256(external_id.encode()).hexdigest()}"[:bounds.order_key_chars_max]


def _check_members(members: Mapping[MemberCode, MemberState],
                   invoices: Sequence[Invoice]) -> None:
    """A member state named on an invoice must be one the chamber knows, and goods crossing
    between two monetary authorities need their customs declaration: the residual of such an
    invoice is paid by a payment order (:func:`residual_orders`), which must carry one, so it
    is refused here rather than by ``pay-residuals`` later."""
    for invoice in invoices:
        for field_name in ("debtor_member", "creditor_member"):
            code = getattr(invoice, field_name)
            if code is not None and code not in members:
                raise UnknownParty(f"invoice {invoice.external_id!r}: unknown member state "
                                   f"{code!r}", field=field_name)
        if _crosses_authorities(members, invoice) and invoice.hs_code and not (
                invoice.customs_ref or "").strip():
            raise InvalidInput(
                f"invoice {invoice.external_id!r}: goods from {invoice.creditor_member} to "
                f"{invoice.debtor_member} need their customs declaration (customs_ref): the "
                "residual is paid by a payment order, which carries it", field="customs_ref")


def _crosses_authorities(members: Mapping[MemberCode, MemberState], invoice: Invoice) -> bool:
    if invoice.debtor_member is None or invoice.creditor_member is None:
        return False
    return (members[MemberCode(invoice.debtor_member)].authority
            != members[MemberCode(invoice.creditor_member)].authority)


def read_invoice_file(path: Path, *, default_currency: CurrencyCode = XSU,
                      on_progress: Callable[[int], None] | None = None) -> list[Invoice]:
    """Invoices to store, from a CSV: the set-off columns plus optional member and goods ones.

    The file is read once, by :func:`sucre.adapters.invoice_csv.load_invoice_columns`:
    ``id,debtor,creditor,amount,currency,due_date`` are checked there (every bad row with its
    line); the optional ``debtor_member,creditor_member`` (ISO 3166 alpha-3) and
    ``hs_code,quantity,unit,customs_ref`` columns (what a payment order for the residual needs)
    come back as text and are checked here, once the set-off columns passed. A stored invoice
    needs its own ``id``: the row number would not identify it on a second submission.
    """
    read = load_invoice_columns(path, text_columns=tuple(_OPTIONAL_TEXT),
                                default_currency=default_currency, on_progress=on_progress)
    loaded = read.invoices
    if isinstance(loaded.ids, RowNumbers):
        raise InvalidInput("stored invoices need an id column (the row number would not "
                           "identify an invoice when the file is sent again)", field="id")
    extras = _optional_columns(path.name, read.text, read.lines.tolist())
    epoch = dt.date(1970, 1, 1)
    due = loaded.due_day
    invoices = []
    for k, external_id in enumerate(loaded.ids):
        extra = extras[k] if extras else {}
        day = None if due is None or int(due[k]) < 0 else epoch + dt.timedelta(int(due[k]))
        invoices.append(Invoice(
            external_id, loaded.party_labels[int(loaded.debtor[k])],
            loaded.party_labels[int(loaded.creditor[k])], int(loaded.amount_minor[k]),
            loaded.currency_codes[int(loaded.currency_index[k])], due_date=day, **extra))
    return invoices


_OPTIONAL_TEXT = {"debtor_member": 3, "creditor_member": 3, "hs_code": 10, "quantity": 40,
                  "unit": bounds.order_unit_chars_max, "customs_ref": bounds.text_chars_max}


def _optional_columns(source: str, text: dict[str, list[str | None]],
                      lines: list[int]) -> list[dict[str, Any]]:
    """Per invoice, its optional columns checked (every bad cell with its line), as fields."""
    wanted = [column for column in _OPTIONAL_TEXT if column in text]
    if not wanted:
        return []
    extras: list[dict[str, Any]] = []
    errors: list[ErrorRow] = []
    for k, line in enumerate(lines):
        values: dict[str, Any] = {column: text[column][k] for column in wanted}
        for column, value in values.items():
            if value is not None and len(value) > _OPTIONAL_TEXT[column]:
                errors.append((line, column, f"longer than {_OPTIONAL_TEXT[column]} "
                                             "characters"))
        quantity = values.get("quantity")
        if quantity is not None and len(str(quantity)) <= _OPTIONAL_TEXT["quantity"]:
            try:
                parse_quantity(str(quantity), field="quantity")
            except InvalidInput as error:
                errors.append((line, "quantity", error.message))
        for column in ("debtor_member", "creditor_member"):
            if values.get(column):
                values[column] = str(values[column]).upper()
        extras.append(values)
    if errors:
        raise BadRows(source, errors)
    return extras


def run_setoff(uow: UnitOfWork, value_date: dt.date,
               on_stage: Callable[[str], None] | None = None) -> RecordedRun:
    """Run and record an optimal set-off of every open invoice at ``value_date``'s rates."""
    with uow:
        open_invoices = uow.invoices.open_for_update()
        if not open_invoices:
            raise InvalidInput("no open invoices to set off", field="invoices")
        if len(open_invoices) > bounds.setoff_invoices_max:
            raise InvalidInput(f"{len(open_invoices)} open invoices exceed the run maximum",
                               field="invoices")
        rates = stored_xsu_per_unit(uow.rates, value_date, set(open_invoices.currencies))
        result = set_off(_invoice_set(open_invoices), rates)
        if on_stage:
            on_stage("solved and certified")
        run = uow.setoff_runs.add(run_findings(result, value_date, open_invoices.debtor_members,
                                               open_invoices.creditor_members))
        _reduce_balances(uow, run.run_id, open_invoices, result)
        uow.commit()
    return run


def _invoice_set(invoices: OpenInvoices) -> InvoiceSet:
    epoch = dt.date(1970, 1, 1)
    due = [(day - epoch).days if day else NO_DUE_DAY for day in invoices.due_dates]
    return InvoiceSet.from_records(
        ids=list(invoices.external_ids), debtors=list(invoices.debtors),
        creditors=list(invoices.creditors), amounts_minor=list(invoices.remaining_minor),
        currencies=list(invoices.currencies), due_days=due)


def stored_xsu_per_unit(rates: Rates, value_date: dt.date, codes: Collection[CurrencyCode]
                        ) -> dict[CurrencyCode, Fraction]:
    """XSU per one unit of each currency at ``value_date``'s published rates (XSU = 1)."""
    if set(codes) <= {XSU}:
        return {XSU: Fraction(1)}
    published = rates.on(value_date)
    if published is None:
        raise InvalidDate(f"no XSU rates published for {value_date}", field="value_date")
    return {code: Fraction(1) if code == XSU else 1 / published.local_per_xsu(code)
            for code in codes}


def list_runs(uow: UnitOfWork) -> list[RunListing]:
    """Every recorded set-off run, oldest first."""
    with uow:
        return uow.setoff_runs.all()


def run_detail(uow: UnitOfWork, run_id: int, *, limit: int = 1000, offset: int = 0,
               members: Collection[str] | None = None) -> RunDetail:
    """A recorded run's findings and a page of its per-invoice clearings.

    With ``members``, only the clearings of invoices whose debtor or creditor member state is
    one of them are listed and counted (the findings stay the whole run's).
    """
    with uow:
        run = uow.setoff_runs.by_id(run_id)
        if run is None:
            raise NotFound(f"no set-off run {run_id}", field="run_id")
        clearings = uow.setoff_runs.clearings(run_id, members=members, limit=limit,
                                              offset=offset)
        count = uow.setoff_runs.count_clearings(run_id, members=members)
    return RunDetail(run, tuple(clearings), count,
                     None if members is None else tuple(sorted(members)))


def _reduce_balances(uow: UnitOfWork, run_id: int, invoices: OpenInvoices,
                     result: SetoffResult) -> None:
    touched = np.flatnonzero(result.invoice_cleared_minor > 0).tolist()
    cleared = result.invoice_cleared_minor.tolist()
    cleared_xsu = result.invoice_cleared_xsu_minor.tolist()
    row_ids, remaining = invoices.row_ids, invoices.remaining_minor
    uow.setoff_runs.add_clearings(run_id, [
        InvoiceClearing(row_ids[k], cleared[k], cleared_xsu[k]) for k in touched])
    # Each balance moves from exactly what the run read: a concurrent change would be caught.
    uow.invoices.reduce([BalanceChange(row_ids[k], remaining[k], remaining[k] - cleared[k])
                         for k in touched])


def residual_orders(uow: UnitOfWork, value_date: dt.date) -> list[OrderRequest]:
    """Payment orders for what remains of open cross-border invoices with goods data."""
    with uow:
        members = uow.members.members()
        authorities = uow.members.authorities()
        residuals = uow.invoices.unpaid_with_goods()
    orders: list[OrderRequest] = []
    for residual in residuals:
        r = residual.invoice
        debtor = members.get(MemberCode(r.debtor_member or ""))
        creditor = members.get(MemberCode(r.creditor_member or ""))
        if debtor is None or creditor is None or debtor.authority == creditor.authority:
            continue  # settled at home, not through the chamber
        if r.currency not in (authorities[debtor.authority].currency, XSU):
            continue  # the importer pays in its own currency or XSU; others are left open
        orders.append(OrderRequest(
            idempotency_key=residual_order_key(r.external_id), debtor_member=debtor.code,
            creditor_member=creditor.code,
            amount=format_amount(residual.remaining_minor, r.currency),
            currency=r.currency, value_date=value_date.isoformat(), hs_code=r.hs_code or "",
            quantity=r.quantity or "1", unit=r.unit or "u", origin=creditor.code,
            invoice_ref=r.external_id, customs_ref=r.customs_ref or "", importer=r.debtor,
            exporter=r.creditor))
    return orders


def pay_residuals(uow: UnitOfWork, value_date: dt.date) -> payments.ImportReport:
    """Submit the residual orders and link each paid invoice to its order."""
    return pay_residual_orders(uow, residual_orders(uow, value_date))


def pay_residual_orders(uow: UnitOfWork, orders: Sequence[OrderRequest]
                        ) -> payments.ImportReport:
    """Submit :func:`residual_orders` (error ``line`` k is ``orders[k - 1]``); link the paid."""
    # Every error is listed: the orders are in memory already, and each names an invoice.
    report = payments.import_orders(uow, enumerate(orders, start=1),
                                    errors_listed_max=len(orders))
    with uow:
        uow.invoices.link_orders({order.invoice_ref: order.idempotency_key for order in orders})
        uow.commit()
    return report


def run_document(run: RecordedRun) -> dict[str, Any]:
    """A recorded run's findings as one JSON object (XSU amounts as decimal strings): what
    ``sucre invoices setoff --json`` prints and the demo reports."""
    findings = run.findings
    return {
        "value_date": findings.value_date.isoformat(),
        "invoices": findings.invoices,
        "total_debt": _xsu(findings.total_debt_minor),
        "cleared": _xsu(findings.cleared_minor),
        "remaining": _xsu(findings.remaining_minor),
        "cleared_fraction": findings.cleared_fraction,
        "net_internal_debt": _xsu(findings.net_internal_debt_minor),
        "currency": XSU,
        "certificate": findings.certificate.description,
        "parties": findings.parties,
        "members": {m.label: {"owes_before": _xsu(m.owes_before_minor),
                              "owes_after": _xsu(m.owes_after_minor),
                              "owed_before": _xsu(m.owed_before_minor),
                              "owed_after": _xsu(m.owed_after_minor)}
                    for m in findings.members},
        "run_id": run.run_id,
    }


# --- stateless set-off: the one JSON document of a run ------------------------------------------


def _xsu(minor: int) -> str:
    return format_amount(minor, XSU)


def _largest_parties(result: SetoffResult) -> list[dict[str, Any]]:
    """The parties with the largest gross debt (owed plus owing) before the run."""
    parties = result.parties
    gross = parties.owes_before_minor + parties.owed_before_minor
    order = np.lexsort((np.arange(gross.size), -gross))[:bounds.setoff_summary_parties_max]
    return [{"party": parties.labels[k],
             "owes_before": _xsu(int(parties.owes_before_minor[k])),
             "owes_after": _xsu(int(parties.owes_after_minor[k])),
             "owed_before": _xsu(int(parties.owed_before_minor[k])),
             "owed_after": _xsu(int(parties.owed_after_minor[k])),
             "net": _xsu(int(parties.net_minor[k]))} for k in order.tolist()]


def setoff_document(result: SetoffResult, rates: Mapping[CurrencyCode, Fraction], *,
                    out: str | None = None) -> dict[str, Any]:
    """The one JSON object of a run (amounts as XSU decimal strings); ``out``: the CLI's file."""
    certificate = result.certificate
    return {
        "invoices": result.invoices.count,
        "parties": len(result.parties.labels),
        "pairs": int(result.pairs.debtor.size),
        "currency": XSU,
        "total_debt": _xsu(result.total_debt_minor),
        "cleared": _xsu(result.total_cleared_minor),
        "remaining": _xsu(result.total_remaining_minor),
        "cleared_fraction": result.cleared_fraction,
        "net_internal_debt": _xsu(result.net_internal_debt_minor),
        "ceiling": _xsu(result.total_debt_minor - result.net_internal_debt_minor),
        "rates_xsu_per_unit": {code: str(rate) for code, rate in sorted(rates.items())},
        "certificate": {"method": certificate.method,
                        "dual_bound": _xsu(certificate.dual_bound_minor),
                        "rounds": certificate.rounds,
                        "residual_arcs": certificate.residual_arcs,
                        "description": certificate.description},
        "members": _largest_parties(result),
        "timings_s": {stage: round(seconds, 4) for stage, seconds in result.timings_s.items()},
        "out": out,
    }


def invoice_results(result: SetoffResult) -> list[dict[str, str]]:
    """Per invoice, in its own currency: ``id, currency, amount, cleared, remaining``."""
    invoices = result.invoices
    codes = invoices.currency_codes
    rows = zip(invoices.ids, invoices.currency_index.tolist(), invoices.amount_minor.tolist(),
               result.invoice_cleared_minor.tolist(), strict=True)
    return [{"id": external_id, "currency": codes[c],
             "amount": format_amount(amount, codes[c]),
             "cleared": format_amount(cleared, codes[c]),
             "remaining": format_amount(amount - cleared, codes[c])}
            for external_id, c, amount, cleared in rows]


def compute_setoff(uow: UnitOfWork, invoices: Sequence[Invoice], *,
                   rates: Mapping[CurrencyCode, Fraction] | None = None,
                   value_date: dt.date | None = None) -> dict[str, Any]:
    """Solve a set-off of ``invoices`` (not stored, nothing written): the document and results.

    Currencies other than XSU are compared at ``rates`` (XSU per unit, given by the caller) or at
    the XSU rates published for ``value_date``, not both. Members and goods are not used.
    """
    if rates is not None and value_date is not None:
        raise InvalidInput("give either rates or a value_date (to use the published XSU "
                           "rates), not both", field="rates")
    codes = {i.currency for i in invoices}
    if value_date is not None:
        with uow:
            used = stored_xsu_per_unit(uow.rates, value_date, codes)
    else:
        used = dict(rates or {})
        missing = sorted(code for code in codes if code != XSU and code not in used)
        if missing:
            raise InvalidInput(f"invoices in {', '.join(missing)} cannot be compared without "
                               "a rate: give rates (XSU per one unit of each currency) or a "
                               "value_date", field="rates")
    result = set_off(_request_set(invoices), used)
    document = setoff_document(result, used)
    document["results"] = invoice_results(result)
    return document


def _request_set(invoices: Iterable[Invoice]) -> InvoiceSet:
    listed = list(invoices)
    epoch = dt.date(1970, 1, 1)
    due = None
    if any(i.due_date is not None for i in listed):
        due = [(i.due_date - epoch).days if i.due_date else NO_DUE_DAY for i in listed]
    return InvoiceSet.from_records(
        ids=[i.external_id for i in listed], debtors=[i.debtor for i in listed],
        creditors=[i.creditor for i in listed], amounts_minor=[i.amount_minor for i in listed],
        currencies=[i.currency for i in listed], due_days=due)

"""Set-off in the pipeline: stored invoices, recorded runs, residuals paid through the chamber.

1. Traders' unpaid invoices are stored (idempotently, by their external id).
2. A set-off run takes every open invoice, values it in XSU at the run's value date, finds the
   optimal set-off (:func:`sucre.domain.setoff.set_off`, which proves its own result) and records
   the run, its per-invoice clearings and the reduced balances in one transaction. A run whose
   check fails raises before anything is written.
3. What remains of a cross-border invoice can be turned into a payment order: the importer's
   central bank pays it through the Central Clearing Chamber (section 4 of the domain).

Stateless, nothing written: :func:`compute_setoff` solves a set of invoices given in the request
and answers :func:`setoff_document`, the one JSON document of a run (``sucre setoff --json`` and
``POST /v1/setoff`` alike).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, bindparam, func, insert, or_, select, true, update

from sucre import bounds
from sucre.adapters.db import repository as repo
from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories.orders import SqlOrders
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
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
    invariant,
)
from sucre.domain.members import MemberCode, MemberState
from sucre.domain.money import XSU, CurrencyCode, format_amount
from sucre.domain.orders import OrderRequest, parse_quantity
from sucre.domain.setoff import InvoiceSet, RowNumbers, SetoffResult, set_off
from sucre.domain.setoff.invoices import NO_DUE_DAY
from sucre.domain.text import has_control_character
from sucre.service import payments


@dataclass(frozen=True, slots=True)
class Invoice:
    """A trader's unpaid invoice, as stored (amounts in minor units of its currency)."""

    external_id: str
    debtor: str
    creditor: str
    amount_minor: int
    currency: CurrencyCode
    debtor_member: str | None = None
    creditor_member: str | None = None
    due_date: dt.date | None = None
    hs_code: str | None = None
    quantity: str | None = None
    unit: str | None = None
    customs_ref: str | None = None

    def row(self, stamp: dt.datetime) -> dict[str, Any]:
        return {"external_id": self.external_id, "debtor": self.debtor,
                "creditor": self.creditor, "debtor_member": self.debtor_member,
                "creditor_member": self.creditor_member, "amount_minor": self.amount_minor,
                "currency": self.currency, "due_date": self.due_date,
                "remaining_minor": self.amount_minor, "created_at": stamp,
                "hs_code": self.hs_code, "quantity": self.quantity, "unit": self.unit,
                "customs_ref": self.customs_ref}


_SAME_BODY = ("debtor", "creditor", "amount_minor", "currency")


def store_invoices(engine: Engine, invoices: Sequence[Invoice]) -> tuple[int, int]:
    """Store invoices; a known id with the same body is skipped, with another body refused.

    Returns ``(stored, already_known)``. All or nothing.
    """
    if len(invoices) > bounds.setoff_invoices_max:
        raise LimitExceeded(f"{len(invoices)} invoices exceed the maximum of "
                            f"{bounds.setoff_invoices_max} per submission", field="invoices")
    for invoice in invoices:
        _check_labels(invoice)
    with engine.begin() as conn:
        _check_members(conn, invoices)
        known = _known_invoices(conn, [i.external_id for i in invoices])
        fresh: list[Invoice] = []
        seen: set[str] = set()
        for invoice in invoices:
            if invoice.debtor == invoice.creditor:
                # A run refuses such an invoice: stored, it would block every later run.
                raise InvalidInput(f"invoice {invoice.external_id!r}: debtor and creditor are "
                                   "the same party", field="creditor")
            stored = known.get(invoice.external_id)
            if stored is not None:
                if any(stored[k] != getattr(invoice, k) for k in _SAME_BODY):
                    raise IdempotencyConflict(f"invoice {invoice.external_id!r} is already "
                                              "stored with another body", field="id")
                continue
            if invoice.external_id in seen:
                raise InvalidInput(f"invoice id {invoice.external_id!r} repeats", field="id")
            seen.add(invoice.external_id)
            fresh.append(invoice)
        stamp = repo.now()
        for start in range(0, len(fresh), 5_000):
            conn.execute(insert(t.invoices), [i.row(stamp) for i in fresh[start:start + 5_000]])
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


def _check_members(conn: Connection, invoices: Sequence[Invoice]) -> None:
    """A member state named on an invoice must be one the chamber knows, and goods crossing
    between two monetary authorities need their customs declaration: the residual of such an
    invoice is paid by a payment order (:func:`residual_orders`), which must carry one, so it
    is refused here rather than by ``pay-residuals`` later."""
    members = repo.load_members(conn)
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


def _known_invoices(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    step = bounds.db_keys_per_query_max
    for start in range(0, len(ids), step):
        rows = conn.execute(select(t.invoices).where(
            t.invoices.c.external_id.in_(ids[start:start + step])))
        found.update({r.external_id: dict(r._mapping) for r in rows})
    return found


def run_setoff(engine: Engine, value_date: dt.date,
               on_stage: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run and record an optimal set-off of every open invoice at ``value_date``'s rates."""
    with engine.begin() as conn:
        rows = conn.execute(select(
            t.invoices.c.id, t.invoices.c.external_id, t.invoices.c.debtor,
            t.invoices.c.creditor, t.invoices.c.remaining_minor, t.invoices.c.currency,
            t.invoices.c.due_date, t.invoices.c.debtor_member,
            t.invoices.c.creditor_member).where(t.invoices.c.remaining_minor > 0)
            .order_by(t.invoices.c.id).with_for_update()).all()
        if not rows:
            raise InvalidInput("no open invoices to set off", field="invoices")
        if len(rows) > bounds.setoff_invoices_max:
            raise InvalidInput(f"{len(rows)} open invoices exceed the run maximum",
                               field="invoices")
        result = set_off(_invoice_set(rows), _xsu_per_unit(conn, value_date, rows))
        if on_stage:
            on_stage("solved and certified")
        summary = run_summary(result, value_date)
        summary["members"] = member_summary(rows, result)
        run_id = _record_run(conn, value_date, result, summary)
        _reduce_balances(conn, run_id, rows, result)
    summary["run_id"] = run_id
    return summary


def _invoice_set(rows: Sequence[Any]) -> InvoiceSet:
    epoch = dt.date(1970, 1, 1)
    due = [(r.due_date - epoch).days if r.due_date else NO_DUE_DAY for r in rows]
    return InvoiceSet.from_records(
        ids=[r.external_id for r in rows], debtors=[r.debtor for r in rows],
        creditors=[r.creditor for r in rows], amounts_minor=[r.remaining_minor for r in rows],
        currencies=[CurrencyCode(r.currency) for r in rows], due_days=due)


def _xsu_per_unit(conn: Connection, value_date: dt.date, rows: Sequence[Any]
                  ) -> dict[CurrencyCode, Fraction]:
    return stored_xsu_per_unit(conn, value_date, {CurrencyCode(r.currency) for r in rows})


def stored_xsu_per_unit(conn: Connection, value_date: dt.date, codes: Collection[CurrencyCode]
                        ) -> dict[CurrencyCode, Fraction]:
    """XSU per one unit of each currency at ``value_date``'s published rates (XSU = 1)."""
    if set(codes) <= {XSU}:
        return {XSU: Fraction(1)}
    rates = repo.rates_on(conn, value_date)
    if rates is None:
        raise InvalidDate(f"no XSU rates published for {value_date}", field="value_date")
    return {code: Fraction(1) if code == XSU else 1 / rates.local_per_xsu(code)
            for code in codes}


def run_summary(result: SetoffResult, value_date: dt.date) -> dict[str, Any]:
    parties = result.parties
    return {
        "value_date": value_date.isoformat(),
        "invoices": result.invoices.count,
        "total_debt": format_amount(result.total_debt_minor, XSU),
        "cleared": format_amount(result.total_cleared_minor, XSU),
        "remaining": format_amount(result.total_remaining_minor, XSU),
        "cleared_fraction": round(result.cleared_fraction, 6),
        "net_internal_debt": format_amount(result.net_internal_debt_minor, XSU),
        "currency": XSU,
        "certificate": result.certificate.description,
        "parties": len(parties.labels),
    }


UNKNOWN_MEMBER = "---"  # invoices stored without a member state


def member_summary(rows: Sequence[Any], result: SetoffResult) -> dict[str, dict[str, str]]:
    """Per member state, in XSU: what its traders owed and were owed, before and after."""
    before = result.invoice_amount_xsu_minor
    after = before - result.invoice_cleared_xsu_minor
    totals: dict[str, list[int]] = {}
    for k, row in enumerate(rows):
        for side, member in ((0, row.debtor_member), (2, row.creditor_member)):
            entry = totals.setdefault(member or UNKNOWN_MEMBER, [0, 0, 0, 0])
            entry[side] += int(before[k])
            entry[side + 1] += int(after[k])
    return {member: {"owes_before": format_amount(v[0], XSU),
                     "owes_after": format_amount(v[1], XSU),
                     "owed_before": format_amount(v[2], XSU),
                     "owed_after": format_amount(v[3], XSU)}
            for member, v in sorted(totals.items())}


def list_runs(engine: Engine) -> list[dict[str, Any]]:
    """Every recorded set-off run, oldest first."""
    r = t.setoff_runs.c
    with engine.connect() as conn:
        rows = conn.execute(select(r.id, r.value_date, r.invoices, r.total_debt_xsu_minor,
                                   r.cleared_xsu_minor, r.created_at).order_by(r.id)).all()
    return [{"run_id": row.id, "value_date": row.value_date.isoformat(),
             "invoices": row.invoices,
             "total_debt": format_amount(row.total_debt_xsu_minor, XSU),
             "cleared": format_amount(row.cleared_xsu_minor, XSU),
             "recorded_at": row.created_at.isoformat()} for row in rows]


def run_detail(engine: Engine, run_id: int, *, limit: int = 1000, offset: int = 0,
               members: Collection[str] | None = None) -> dict[str, Any]:
    """A recorded run's summary and a page of its per-invoice clearings.

    With ``members``, only the clearings of invoices whose debtor or creditor member state is
    one of them are listed and counted (the summary stays the whole run's).
    """
    c, i = t.setoff_clearings.c, t.invoices.c
    involving: Any = true()
    if members is not None:
        wanted = sorted(members)
        involving = or_(i.debtor_member.in_(wanted), i.creditor_member.in_(wanted))
    with engine.connect() as conn:
        summary = conn.execute(select(t.setoff_runs.c.summary)
                               .where(t.setoff_runs.c.id == run_id)).scalar_one_or_none()
        if summary is None:
            raise NotFound(f"no set-off run {run_id}", field="run_id")
        clearings = conn.execute(
            select(i.external_id, i.amount_minor, i.currency, c.cleared_minor,
                   c.cleared_xsu_minor)
            .join(t.invoices, t.invoices.c.id == c.invoice_id)
            .where(c.run_id == run_id, involving)
            .order_by(c.invoice_id).limit(limit).offset(offset)).all()
        count = conn.execute(select(func.count()).select_from(t.setoff_clearings)
                             .join(t.invoices, t.invoices.c.id == c.invoice_id)
                             .where(c.run_id == run_id, involving)).scalar_one()
    document: dict[str, Any] = json.loads(summary)
    document["run_id"] = run_id
    document["clearings_total"] = count
    document["clearings"] = [
        {"id": row.external_id, "currency": row.currency,
         "amount": format_amount(row.amount_minor, CurrencyCode(row.currency)),
         "cleared": format_amount(row.cleared_minor, CurrencyCode(row.currency)),
         "cleared_xsu": format_amount(row.cleared_xsu_minor, XSU)} for row in clearings]
    return document


def _record_run(conn: Connection, value_date: dt.date, result: SetoffResult,
                summary: dict[str, Any]) -> int:
    inserted = conn.execute(insert(t.setoff_runs).values(
        value_date=value_date, invoices=result.invoices.count,
        total_debt_xsu_minor=result.total_debt_minor,
        cleared_xsu_minor=result.total_cleared_minor,
        certificate=result.certificate.method[:300],
        summary=json.dumps(summary, sort_keys=True), created_at=repo.now()))
    key = inserted.inserted_primary_key
    invariant(key is not None, "a run has an id")
    return int(key[0])  # type: ignore[index]


def _reduce_balances(conn: Connection, run_id: int, rows: Sequence[Any],
                     result: SetoffResult) -> None:
    touched = np.flatnonzero(result.invoice_cleared_minor > 0)
    clearings = [{"run_id": run_id, "invoice_id": rows[i].id,
                  "cleared_minor": int(result.invoice_cleared_minor[i]),
                  "cleared_xsu_minor": int(result.invoice_cleared_xsu_minor[i])}
                  for i in touched.tolist()]
    if not clearings:
        return
    conn.execute(insert(t.setoff_clearings), clearings)
    # Each balance moves from exactly what the run read: a concurrent change would be caught.
    statement = (update(t.invoices)
                 .where(t.invoices.c.id == bindparam("b_id"),
                        t.invoices.c.remaining_minor == bindparam("b_expected"))
                 .values(remaining_minor=bindparam("b_remaining")))
    updates = [{"b_id": rows[i].id, "b_expected": rows[i].remaining_minor,
                "b_remaining": rows[i].remaining_minor - int(result.invoice_cleared_minor[i])}
               for i in touched.tolist()]
    changed = conn.execute(statement, updates)
    invariant(changed.rowcount in (len(updates), -1), "every cleared invoice is reduced once")


def residual_orders(engine: Engine, value_date: dt.date) -> list[OrderRequest]:
    """Payment orders for what remains of open cross-border invoices with goods data."""
    with engine.connect() as conn:
        members = repo.load_members(conn)
        authorities = repo.load_authorities(conn)
        rows = conn.execute(select(t.invoices).where(
            t.invoices.c.remaining_minor > 0, t.invoices.c.order_id.is_(None),
            t.invoices.c.hs_code.is_not(None)).order_by(t.invoices.c.id)).all()
    orders: list[OrderRequest] = []
    for r in rows:
        debtor, creditor = members.get(r.debtor_member), members.get(r.creditor_member)
        if debtor is None or creditor is None or debtor.authority == creditor.authority:
            continue  # settled at home, not through the chamber
        if r.currency not in (authorities[debtor.authority].currency, XSU):
            continue  # the importer pays in its own currency or XSU; others are left open
        orders.append(OrderRequest(
            idempotency_key=residual_order_key(r.external_id), debtor_member=r.debtor_member,
            creditor_member=r.creditor_member,
            amount=format_amount(r.remaining_minor, CurrencyCode(r.currency)),
            currency=r.currency, value_date=value_date.isoformat(), hs_code=r.hs_code,
            quantity=r.quantity or "1", unit=r.unit or "u", origin=r.creditor_member,
            invoice_ref=r.external_id, customs_ref=r.customs_ref or "", importer=r.debtor,
            exporter=r.creditor))
    return orders


def pay_residuals(engine: Engine, value_date: dt.date) -> payments.ImportReport:
    """Submit the residual orders and link each paid invoice to its order."""
    return pay_residual_orders(engine, residual_orders(engine, value_date))


def pay_residual_orders(engine: Engine, orders: Sequence[OrderRequest]
                        ) -> payments.ImportReport:
    """Submit :func:`residual_orders` (error ``line`` k is ``orders[k - 1]``); link the paid."""
    # Every error is listed: the orders are in memory already, and each names an invoice.
    report = payments.import_orders(SqlUnitOfWork(engine), enumerate(orders, start=1),
                                    errors_listed_max=len(orders))
    with engine.begin() as conn:
        for order in orders:
            found = SqlOrders(conn).by_key(order.idempotency_key)
            if found is not None and found.status != "rejected":
                conn.execute(update(t.invoices).where(
                    t.invoices.c.external_id == order.invoice_ref)
                    .values(order_id=found.id))
    return report


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


def compute_setoff(engine: Engine, invoices: Sequence[Invoice], *,
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
        with engine.connect() as conn:
            used = stored_xsu_per_unit(conn, value_date, codes)
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

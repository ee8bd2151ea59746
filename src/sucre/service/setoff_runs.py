"""Set-off in the pipeline: stored invoices, recorded runs, residuals paid through the chamber.

1. Traders' unpaid invoices are stored (idempotently, by their external id).
2. A set-off run takes every open invoice, values it in XSU at the run's value date, finds the
   optimal set-off (:func:`sucre.domain.setoff.set_off`, which proves its own result) and records
   the run, its per-invoice clearings and the reduced balances in one transaction. A run whose
   check fails raises before anything is written.
3. What remains of a cross-border invoice can be turned into a payment order: the importer's
   central bank pays it through the Central Clearing Chamber (section 4 of the domain).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, bindparam, func, insert, select, update

from sucre.adapters.db import repository as repo
from sucre.adapters.db import tables as t
from sucre.adapters.invoice_csv import load_invoices
from sucre.domain import limits
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
from sucre.domain.money import XSU, CurrencyCode, format_amount
from sucre.domain.orders import OrderRequest
from sucre.domain.setoff import InvoiceSet, RowNumbers, SetoffResult, set_off
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
    if len(invoices) > limits.setoff_invoices_max:
        raise LimitExceeded(f"{len(invoices)} invoices exceed the maximum of "
                            f"{limits.setoff_invoices_max} per submission", field="invoices")
    with engine.begin() as conn:
        _check_members(conn, invoices)
        known = _known_invoices(conn, [i.external_id for i in invoices])
        fresh: list[Invoice] = []
        seen: set[str] = set()
        for invoice in invoices:
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


def _check_members(conn: Connection, invoices: Sequence[Invoice]) -> None:
    """A member state named on an invoice must be one the chamber knows."""
    members = repo.load_members(conn)
    for invoice in invoices:
        for field_name in ("debtor_member", "creditor_member"):
            code = getattr(invoice, field_name)
            if code is not None and code not in members:
                raise UnknownParty(f"invoice {invoice.external_id!r}: unknown member state "
                                   f"{code!r}", field=field_name)


def read_invoice_file(path: Path, *, default_currency: CurrencyCode = XSU,
                      on_progress: Callable[[int], None] | None = None) -> list[Invoice]:
    """Invoices to store, from a CSV: the set-off columns plus optional member and goods ones.

    ``id,debtor,creditor,amount,currency,due_date`` are read and checked by
    :func:`sucre.adapters.invoice_csv.load_invoices` (every bad row with its line); the optional
    ``debtor_member,creditor_member`` (ISO 3166 alpha-3) and ``hs_code,quantity,unit,customs_ref``
    columns (what a payment order for the residual needs) are taken as text. A stored invoice
    needs its own ``id``: the row number would not identify it on a second submission.
    """
    loaded = load_invoices(path, default_currency=default_currency, on_progress=on_progress)
    if isinstance(loaded.ids, RowNumbers):
        raise InvalidInput("stored invoices need an id column (the row number would not "
                           "identify an invoice when the file is sent again)", field="id")
    extras = _optional_columns(path)
    epoch = dt.date(1970, 1, 1)
    due = loaded.due_day
    invoices = []
    for k, external_id in enumerate(loaded.ids):
        extra = extras.get(external_id, {})
        day = None if due is None or int(due[k]) < 0 else epoch + dt.timedelta(int(due[k]))
        invoices.append(Invoice(
            external_id, loaded.party_labels[int(loaded.debtor[k])],
            loaded.party_labels[int(loaded.creditor[k])], int(loaded.amount_minor[k]),
            loaded.currency_codes[int(loaded.currency_index[k])], due_date=day, **extra))
    return invoices


_OPTIONAL_TEXT = {"debtor_member": 3, "creditor_member": 3, "hs_code": 10, "quantity": 40,
                  "unit": 8, "customs_ref": 140}


def _optional_columns(path: Path) -> dict[str, dict[str, Any]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        names = {name.strip().lower(): name for name in reader.fieldnames or ()}
        wanted = {column: names[column] for column in _OPTIONAL_TEXT if column in names}
        if not wanted:
            return {}
        extras: dict[str, dict[str, Any]] = {}
        errors: list[ErrorRow] = []
        for line, row in enumerate(reader, start=2):
            values = {column: (row.get(name) or "").strip() or None
                      for column, name in wanted.items()}
            for column, value in values.items():
                if value is not None and len(value) > _OPTIONAL_TEXT[column]:
                    errors.append((line, column, f"longer than {_OPTIONAL_TEXT[column]} "
                                                 "characters"))
            for column in ("debtor_member", "creditor_member"):
                if values.get(column):
                    values[column] = str(values[column]).upper()
            extras[(row.get(names["id"]) or "").strip()] = values
        if errors:
            raise BadRows(path.name, errors)
    return extras


def _known_invoices(conn: Connection, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), 500):
        rows = conn.execute(select(t.invoices).where(
            t.invoices.c.external_id.in_(ids[start:start + 500])))
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
        if len(rows) > limits.setoff_invoices_max:
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
    due = [(r.due_date - epoch).days if r.due_date else 2**40 for r in rows]
    return InvoiceSet.from_records(
        ids=[r.external_id for r in rows], debtors=[r.debtor for r in rows],
        creditors=[r.creditor for r in rows], amounts_minor=[r.remaining_minor for r in rows],
        currencies=[CurrencyCode(r.currency) for r in rows], due_days=due)


def _xsu_per_unit(conn: Connection, value_date: dt.date, rows: Sequence[Any]
                  ) -> dict[CurrencyCode, Fraction]:
    codes = {CurrencyCode(r.currency) for r in rows}
    if codes == {XSU}:
        return {XSU: Fraction(1)}
    rates = repo.rates_on(conn, value_date)
    if rates is None:
        raise InvalidDate(f"no XSU rates published for {value_date}", field="value_date")
    return {code: 1 / rates.local_per_xsu(code) for code in codes}


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


def run_detail(engine: Engine, run_id: int, *, limit: int = 1000, offset: int = 0
               ) -> dict[str, Any]:
    """A recorded run's summary and a page of its per-invoice clearings."""
    c, i = t.setoff_clearings.c, t.invoices.c
    with engine.connect() as conn:
        summary = conn.execute(select(t.setoff_runs.c.summary)
                               .where(t.setoff_runs.c.id == run_id)).scalar_one_or_none()
        if summary is None:
            raise NotFound(f"no set-off run {run_id}", field="run_id")
        clearings = conn.execute(
            select(i.external_id, i.amount_minor, i.currency, c.cleared_minor,
                   c.cleared_xsu_minor)
            .join(t.invoices, t.invoices.c.id == c.invoice_id).where(c.run_id == run_id)
            .order_by(c.invoice_id).limit(limit).offset(offset)).all()
        count = conn.execute(select(func.count()).select_from(t.setoff_clearings)
                             .where(c.run_id == run_id)).scalar_one()
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
            idempotency_key=f"INV-{r.external_id}"[:64], debtor_member=r.debtor_member,
            creditor_member=r.creditor_member,
            amount=format_amount(r.remaining_minor, CurrencyCode(r.currency)),
            currency=r.currency, value_date=value_date.isoformat(), hs_code=r.hs_code,
            quantity=r.quantity or "1", unit=r.unit or "u", origin=r.creditor_member,
            invoice_ref=r.external_id, customs_ref=r.customs_ref or "", importer=r.debtor,
            exporter=r.creditor))
    return orders


def pay_residuals(engine: Engine, value_date: dt.date) -> payments.ImportReport:
    """Submit the residual orders and link each paid invoice to its order."""
    orders = residual_orders(engine, value_date)
    report = payments.import_orders(engine, enumerate(orders, start=1))
    with engine.begin() as conn:
        for order in orders:
            found = repo.order_by_key(conn, order.idempotency_key)
            if found is not None and found["status"] != "rejected":
                conn.execute(update(t.invoices).where(
                    t.invoices.c.external_id == order.invoice_ref)
                    .values(order_id=found["id"]))
    return report

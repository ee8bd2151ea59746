"""The invoices repository (:class:`sucre.service.unit_of_work.Invoices`) over SQLAlchemy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from sucre import bounds
from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository, now
from sucre.domain.errors import invariant
from sucre.domain.money import CurrencyCode
from sucre.domain.orders import OrderStatus
from sucre.domain.setoff.runs import BalanceChange, Invoice, OpenInvoices, Residual

_INSERTED_PER_STATEMENT = 5_000


def _invoice(row: Any) -> Invoice:
    return Invoice(row.external_id, row.debtor, row.creditor, row.amount_minor,
                   CurrencyCode(row.currency), debtor_member=row.debtor_member,
                   creditor_member=row.creditor_member, due_date=row.due_date,
                   hs_code=row.hs_code, quantity=row.quantity, unit=row.unit,
                   customs_ref=row.customs_ref)


class SqlInvoices(SqlRepository):
    def by_external_ids(self, external_ids: Sequence[str]) -> dict[str, Invoice]:
        found: dict[str, Invoice] = {}
        step = bounds.db_keys_per_query_max
        for start in range(0, len(external_ids), step):
            rows = self.conn.execute(select(t.invoices).where(
                t.invoices.c.external_id.in_(external_ids[start:start + step])))
            found.update({r.external_id: _invoice(r) for r in rows})
        return found

    def add(self, invoices: Sequence[Invoice]) -> None:
        stamp = now()
        for start in range(0, len(invoices), _INSERTED_PER_STATEMENT):
            self.conn.execute(insert(t.invoices), [
                {"external_id": i.external_id, "debtor": i.debtor, "creditor": i.creditor,
                 "debtor_member": i.debtor_member, "creditor_member": i.creditor_member,
                 "amount_minor": i.amount_minor, "currency": i.currency,
                 "due_date": i.due_date, "remaining_minor": i.amount_minor,
                 "created_at": stamp, "hs_code": i.hs_code, "quantity": i.quantity,
                 "unit": i.unit, "customs_ref": i.customs_ref}
                for i in invoices[start:start + _INSERTED_PER_STATEMENT]])

    def open_for_update(self) -> OpenInvoices:
        i = t.invoices.c
        rows = self.conn.execute(
            select(i.id, i.external_id, i.debtor, i.creditor, i.remaining_minor, i.currency,
                   i.due_date, i.debtor_member, i.creditor_member)
            .where(i.remaining_minor > 0).order_by(i.id).with_for_update()).tuples().all()
        if not rows:
            return OpenInvoices((), (), (), (), (), (), (), (), ())
        (row_ids, external_ids, debtors, creditors, remaining, currencies, due_dates,
         debtor_members, creditor_members) = zip(*rows, strict=True)
        return OpenInvoices(row_ids, external_ids, debtors, creditors, remaining, currencies,
                            due_dates, debtor_members, creditor_members)

    def reduce(self, changes: Sequence[BalanceChange]) -> None:
        if not changes:
            return
        statement = (update(t.invoices)
                     .where(t.invoices.c.id == bindparam("b_id"),
                            t.invoices.c.remaining_minor == bindparam("b_was"))
                     .values(remaining_minor=bindparam("b_now")))
        changed = self.conn.execute(statement, [
            {"b_id": c.invoice_id, "b_was": c.was_minor, "b_now": c.now_minor}
            for c in changes])
        invariant(changed.rowcount in (len(changes), -1), "every cleared invoice is reduced once")

    def unpaid_with_goods(self) -> list[Residual]:
        rows = self.conn.execute(select(t.invoices).where(
            t.invoices.c.remaining_minor > 0, t.invoices.c.order_id.is_(None),
            t.invoices.c.hs_code.is_not(None)).order_by(t.invoices.c.id))
        return [Residual(_invoice(r), r.remaining_minor) for r in rows]

    def link_orders(self, order_keys: Mapping[str, str]) -> None:
        if not order_keys:
            return
        o = t.payment_orders.c
        paying = select(o.id).where(o.idempotency_key == bindparam("b_key"),
                                    o.status != OrderStatus.REJECTED.value)
        self.conn.execute(
            update(t.invoices)
            .where(t.invoices.c.external_id == bindparam("b_invoice"), paying.exists())
            .values(order_id=paying.scalar_subquery()),
            [{"b_invoice": invoice, "b_key": key} for invoice, key in order_keys.items()])

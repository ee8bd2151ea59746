"""The set-off runs repository (:class:`sucre.service.unit_of_work.SetoffRuns`) over SQLAlchemy:
a run's findings as columns of ``setoff_runs`` and rows of ``setoff_run_members``, its clearings
in ``setoff_clearings``."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import func, insert, or_, select, true

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories import SqlRepository, now
from sucre.domain.errors import invariant
from sucre.domain.members import MemberCode
from sucre.domain.money import CurrencyCode
from sucre.domain.setoff import Certificate
from sucre.domain.setoff.runs import (
    ClearedInvoice,
    InvoiceClearing,
    MemberTotals,
    RecordedRun,
    RunFindings,
    RunListing,
)

_SIDES = ("owes_before", "owes_after", "owed_before", "owed_after")


def _member_totals(row: Any) -> MemberTotals:
    return MemberTotals(None if row.member is None else MemberCode(row.member),
                        row.owes_before_xsu_minor, row.owes_after_xsu_minor,
                        row.owed_before_xsu_minor, row.owed_after_xsu_minor)


def _involving(members: Collection[str] | None) -> Any:
    """Clearings of invoices whose debtor or creditor member state is one of ``members``."""
    if members is None:
        return true()
    wanted = sorted(members)
    return or_(t.invoices.c.debtor_member.in_(wanted), t.invoices.c.creditor_member.in_(wanted))


class SqlSetoffRuns(SqlRepository):
    def add(self, findings: RunFindings) -> RecordedRun:
        stamp = now()
        proof = findings.certificate
        inserted = self.conn.execute(insert(t.setoff_runs).values(
            value_date=findings.value_date, invoices=findings.invoices,
            parties=findings.parties, total_debt_xsu_minor=findings.total_debt_minor,
            cleared_xsu_minor=findings.cleared_minor,
            net_internal_debt_xsu_minor=findings.net_internal_debt_minor,
            certificate=proof.method[:300],
            certificate_dual_bound_xsu_minor=proof.dual_bound_minor,
            certificate_rounds=proof.rounds, certificate_residual_arcs=proof.residual_arcs,
            created_at=stamp))
        key = inserted.inserted_primary_key
        invariant(key is not None, "a run has an id")
        run_id = int(key[0])  # type: ignore[index]
        if findings.members:
            self.conn.execute(insert(t.setoff_run_members), [
                {"run_id": run_id, "member": m.member,
                 **{f"{side}_xsu_minor": getattr(m, f"{side}_minor") for side in _SIDES}}
                for m in findings.members])
        return RecordedRun(run_id, stamp, findings)

    def add_clearings(self, run_id: int, clearings: Sequence[InvoiceClearing]) -> None:
        if clearings:
            self.conn.execute(insert(t.setoff_clearings), [
                {"run_id": run_id, "invoice_id": c.invoice_id, "cleared_minor": c.cleared_minor,
                 "cleared_xsu_minor": c.cleared_xsu_minor} for c in clearings])

    def all(self) -> list[RunListing]:
        r = t.setoff_runs.c
        rows = self.conn.execute(select(r.id, r.value_date, r.invoices, r.total_debt_xsu_minor,
                                        r.cleared_xsu_minor, r.created_at).order_by(r.id))
        return [RunListing(row.id, row.value_date, row.invoices, row.total_debt_xsu_minor,
                           row.cleared_xsu_minor, row.created_at) for row in rows]

    def by_id(self, run_id: int) -> RecordedRun | None:
        run = self.conn.execute(select(t.setoff_runs)
                                .where(t.setoff_runs.c.id == run_id)).first()
        if run is None:
            return None
        m = t.setoff_run_members.c
        members = sorted((_member_totals(row) for row in self.conn.execute(
            select(t.setoff_run_members).where(m.run_id == run_id))), key=lambda x: x.label)
        certificate = Certificate(run.certificate, run.certificate_dual_bound_xsu_minor,
                                  run.certificate_rounds, run.certificate_residual_arcs)
        findings = RunFindings(
            value_date=run.value_date, invoices=run.invoices, parties=run.parties,
            total_debt_minor=run.total_debt_xsu_minor, cleared_minor=run.cleared_xsu_minor,
            net_internal_debt_minor=run.net_internal_debt_xsu_minor, certificate=certificate,
            members=tuple(members))
        return RecordedRun(run.id, run.created_at, findings)

    def clearings(self, run_id: int, *, members: Collection[str] | None, limit: int,
                  offset: int) -> list[ClearedInvoice]:
        c, i = t.setoff_clearings.c, t.invoices.c
        rows = self.conn.execute(
            select(i.external_id, i.currency, i.amount_minor, c.cleared_minor,
                   c.cleared_xsu_minor)
            .join(t.invoices, i.id == c.invoice_id)
            .where(c.run_id == run_id, _involving(members))
            .order_by(c.invoice_id).limit(limit).offset(offset))
        return [ClearedInvoice(row.external_id, CurrencyCode(row.currency), row.amount_minor,
                               row.cleared_minor, row.cleared_xsu_minor) for row in rows]

    def count_clearings(self, run_id: int, *, members: Collection[str] | None) -> int:
        c = t.setoff_clearings.c
        return int(self.conn.execute(
            select(func.count()).select_from(t.setoff_clearings)
            .join(t.invoices, t.invoices.c.id == c.invoice_id)
            .where(c.run_id == run_id, _involving(members))).scalar_one())

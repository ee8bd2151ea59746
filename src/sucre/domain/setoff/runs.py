"""Set-off in the pipeline, as records: stored invoices, what a recorded run found, its clearings.

These are what the invoices and set-off-run repositories read and write
(:mod:`sucre.service.unit_of_work`) and what the use cases of :mod:`sucre.service.setoff_runs`
answer; the CLI and the API turn them into their JSON. Amounts are minor units: an invoice's in
its own currency, a run's totals in XSU.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sucre.domain.members import MemberCode
from sucre.domain.money import CurrencyCode
from sucre.domain.setoff.result import Certificate, SetoffResult, cleared_share

#: The member-state label of invoices stored without one, in a run's table per member state.
UNKNOWN_MEMBER = "---"


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


@dataclass(frozen=True, slots=True)
class OpenInvoices:
    """Every invoice a run sets off, column by column, in the order they were stored.

    Columns, not one record per invoice: a run reads up to ``bounds.setoff_invoices_max``.
    """

    row_ids: Sequence[int]
    external_ids: Sequence[str]
    debtors: Sequence[str]
    creditors: Sequence[str]
    remaining_minor: Sequence[int]
    currencies: Sequence[CurrencyCode]
    due_dates: Sequence[dt.date | None]
    debtor_members: Sequence[str | None]
    creditor_members: Sequence[str | None]

    def __len__(self) -> int:
        return len(self.row_ids)


@dataclass(frozen=True, slots=True)
class Residual:
    """What an open invoice still owes (in its currency): what a residual payment order pays."""

    invoice: Invoice
    remaining_minor: int


@dataclass(frozen=True, slots=True)
class InvoiceClearing:
    """What a run cleared of one stored invoice, in its currency and in XSU."""

    invoice_id: int
    cleared_minor: int
    cleared_xsu_minor: int


@dataclass(frozen=True, slots=True)
class BalanceChange:
    """An invoice's remaining amount moved by a run: from exactly what the run read."""

    invoice_id: int
    was_minor: int
    now_minor: int


@dataclass(frozen=True, slots=True)
class MemberTotals:
    """One member state's traders in a run, XSU: what they owed and were owed, before and
    after. ``member`` is None for invoices stored without a member state."""

    member: MemberCode | None
    owes_before_minor: int
    owes_after_minor: int
    owed_before_minor: int
    owed_after_minor: int

    @property
    def label(self) -> str:
        return self.member or UNKNOWN_MEMBER


@dataclass(frozen=True, slots=True)
class RunFindings:
    """What a set-off run found, XSU minor units: totals, its proof and each member state's."""

    value_date: dt.date
    invoices: int
    parties: int
    total_debt_minor: int
    cleared_minor: int
    net_internal_debt_minor: int
    certificate: Certificate
    members: tuple[MemberTotals, ...]  # by label: "---" first, then member codes

    @property
    def remaining_minor(self) -> int:
        return self.total_debt_minor - self.cleared_minor

    @property
    def cleared_fraction(self) -> float:
        """The share of the debt cleared, to six decimal places (as every run reports it)."""
        return round(cleared_share(self.cleared_minor, self.total_debt_minor), 6)


@dataclass(frozen=True, slots=True)
class RecordedRun:
    run_id: int
    recorded_at: dt.datetime
    findings: RunFindings


@dataclass(frozen=True, slots=True)
class RunListing:
    """A recorded run as listed: its totals, XSU minor units."""

    run_id: int
    value_date: dt.date
    invoices: int
    total_debt_minor: int
    cleared_minor: int
    recorded_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ClearedInvoice:
    """One clearing of a recorded run, with the invoice it reduced."""

    external_id: str
    currency: CurrencyCode
    amount_minor: int
    cleared_minor: int
    cleared_xsu_minor: int


@dataclass(frozen=True, slots=True)
class RunDetail:
    """A recorded run and a page of its clearings.

    ``clearings_members``: the member states the clearings were limited to (None: every
    clearing); ``clearings_total`` counts the clearings so limited.
    """

    run: RecordedRun
    clearings: tuple[ClearedInvoice, ...]
    clearings_total: int
    clearings_members: tuple[str, ...] | None


def run_findings(result: SetoffResult, value_date: dt.date, debtor_members: Sequence[str | None],
                 creditor_members: Sequence[str | None]) -> RunFindings:
    """A checked set-off of stored invoices (whose member states are given per invoice, in the
    result's order) as the findings a run records."""
    return RunFindings(
        value_date=value_date, invoices=result.invoices.count,
        parties=len(result.parties.labels), total_debt_minor=result.total_debt_minor,
        cleared_minor=result.total_cleared_minor,
        net_internal_debt_minor=result.net_internal_debt_minor,
        certificate=result.certificate,
        members=member_totals(result, debtor_members, creditor_members))


def member_totals(result: SetoffResult, debtor_members: Sequence[str | None],
                  creditor_members: Sequence[str | None]) -> tuple[MemberTotals, ...]:
    """Per member state, in XSU: what its traders owed and were owed, before and after."""
    before = result.invoice_amount_xsu_minor.tolist()
    after = (result.invoice_amount_xsu_minor - result.invoice_cleared_xsu_minor).tolist()
    totals: dict[str | None, list[int]] = {}
    for k, (debtor, creditor) in enumerate(zip(debtor_members, creditor_members, strict=True)):
        for side, member in ((0, debtor), (2, creditor)):
            entry = totals.setdefault(member or None, [0, 0, 0, 0])
            entry[side] += before[k]
            entry[side + 1] += after[k]
    return tuple(sorted((MemberTotals(None if member is None else MemberCode(member), *v)
                         for member, v in totals.items()), key=lambda m: m.label))

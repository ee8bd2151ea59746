"""Bodies of the set-off routes: stored invoices, recorded runs, residuals, a stateless solve."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any, Literal

from pydantic import BaseModel, Field

from sucre import bounds
from sucre.domain.errors import InvalidInput
from sucre.domain.members import member_code
from sucre.domain.money import XSU, CurrencyCode, currency, format_amount, parse_amount
from sucre.domain.orders import parse_quantity
from sucre.domain.rates import parse_rate
from sucre.domain.setoff.runs import (
    ClearedInvoice,
    MemberTotals,
    RecordedRun,
    RunDetail,
    RunListing,
)
from sucre.entrypoints.api.schemas.fields import (
    CurrencyText,
    DecimalText,
    DocumentRef,
    InvoiceHsCode,
    InvoiceId,
    InvoiceUnit,
    IsoDate,
    MemberText,
    PartyName,
    RequestModel,
)
from sucre.service.reports import utc
from sucre.service.setoff_runs import Invoice


class SetoffInvoiceIn(RequestModel):
    """An unpaid trade invoice: ``debtor`` owes ``amount`` to ``creditor``."""

    id: InvoiceId = Field(description="The invoice's own unique id (visible ASCII, 1 to 64).",
                          examples=["INV-2026-0001"])
    debtor: PartyName = Field(description="The trader who owes.", examples=["Alimport"])
    creditor: PartyName = Field(description="The trader who is owed (not the debtor).",
                                examples=["CASA"])
    amount: DecimalText = Field(description="Decimal string in major units, at most the "
                                            "currency's decimals.", examples=["1000.00"])
    currency: CurrencyText = Field(examples=["XSU"])
    due_date: IsoDate | None = Field(default=None, description=(
        "Only orders which invoices of one debtor-creditor pair clear first (oldest first)."))

    def to_invoice(self, index: int) -> Invoice:
        """The invoice, its amount parsed exactly; errors name ``invoices.<index>.<field>``."""
        where = f"invoices.{index}"
        code = currency(self.currency, field=f"{where}.currency")
        if self.debtor == self.creditor:
            raise InvalidInput(f"invoice {self.id!r}: debtor and creditor are the same party",
                               field=f"{where}.creditor")
        return Invoice(self.id, self.debtor, self.creditor,
                       parse_amount(self.amount, code, field=f"{where}.amount"), code,
                       due_date=self.due_date)


class InvoiceIn(SetoffInvoiceIn):
    """An invoice to store, with the member states and goods a residual payment order needs."""

    debtor_member: MemberText | None = Field(default=None, description=(
        "The debtor's member state, ISO alpha-3 (an operator must give both member states)."),
        examples=["CUB"])
    creditor_member: MemberText | None = Field(default=None, examples=["VEN"])
    hs_code: InvoiceHsCode | None = Field(default=None, description=(
        "Harmonized System code of the goods, 6 to 10 digits: without it a residual is not "
        "turned into a payment order."), examples=["100630"])
    quantity: DecimalText | None = Field(default=None, examples=["360"])
    unit: InvoiceUnit | None = Field(default=None, examples=["t"])
    customs_ref: DocumentRef | None = None

    def to_invoice(self, index: int) -> Invoice:
        base = super().to_invoice(index)
        where = f"invoices.{index}"
        members = {side: None if text is None else member_code(text, field=f"{where}.{side}")
                   for side, text in (("debtor_member", self.debtor_member),
                                      ("creditor_member", self.creditor_member))}
        if self.quantity is not None:
            parse_quantity(self.quantity, field=f"{where}.quantity")
        return Invoice(base.external_id, base.debtor, base.creditor, base.amount_minor,
                       base.currency, debtor_member=members["debtor_member"],
                       creditor_member=members["creditor_member"], due_date=base.due_date,
                       hs_code=self.hs_code, quantity=self.quantity, unit=self.unit,
                       customs_ref=self.customs_ref)


def _invoices(items: list[SetoffInvoiceIn] | list[InvoiceIn]) -> list[Invoice]:
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        if item.id in first:
            raise InvalidInput(f"invoice id {item.id!r} repeats (first at invoices."
                               f"{first[item.id]})", field=f"invoices.{index}.id")
        first[item.id] = index
    return [item.to_invoice(index) for index, item in enumerate(items)]


class InvoiceBatchIn(RequestModel):
    invoices: list[InvoiceIn] = Field(min_length=1, max_length=bounds.api_batch_invoices_max)

    def to_invoices(self) -> list[Invoice]:
        return _invoices(self.invoices)


class InvoiceBatchOut(BaseModel):
    stored: int = Field(description="Invoices newly stored.")
    already_known: int = Field(description=(
        "Invoices whose id was already stored with the same body (skipped, not stored twice)."))


class SetoffIn(RequestModel):
    """Invoices to set off now, without storing them."""

    invoices: list[SetoffInvoiceIn] = Field(min_length=1,
                                            max_length=bounds.api_setoff_invoices_max)
    rates: dict[CurrencyText, DecimalText] | None = Field(
        default=None, max_length=bounds.api_setoff_rates_max, description=(
            "XSU per one unit of each currency other than XSU, decimal strings, e.g. "
            "{\"USD\": \"0.8\"}. Give these or a value_date, not both."))
    value_date: IsoDate | None = Field(default=None, description=(
        "Compare currencies at the XSU rates published for this day."))

    def to_invoices(self) -> list[Invoice]:
        return _invoices(self.invoices)

    def to_rates(self) -> dict[CurrencyCode, Fraction] | None:
        if self.rates is None:
            return None
        rates: dict[CurrencyCode, Fraction] = {}
        for text, value in self.rates.items():
            code = currency(text, field=f"rates.{text}")
            if code in rates:
                raise InvalidInput(f"two rates for {code}", field=f"rates.{text}")
            rates[code] = parse_rate(value, field=f"rates.{text}")
        return rates


class SetoffCertificateOut(BaseModel):
    method: str
    dual_bound: str = Field(description="LP dual bound, XSU: equal to the cleared total.")
    rounds: int
    residual_arcs: int
    description: str


class SetoffPartyOut(BaseModel):
    party: str
    owes_before: str
    owes_after: str
    owed_before: str
    owed_after: str
    net: str


class InvoiceResultOut(BaseModel):
    id: str
    currency: str
    amount: str = Field(description="In the invoice's currency.")
    cleared: str
    remaining: str


class SetoffOut(BaseModel):
    """The document of ``sucre setoff --json``, plus the result of every invoice."""

    invoices: int
    parties: int
    pairs: int = Field(description="Ordered (debtor, creditor) pairs with invoices.")
    currency: Literal["XSU"]
    total_debt: str = Field(description="XSU, decimal string (as every amount but results').")
    cleared: str
    remaining: str
    cleared_fraction: float
    net_internal_debt: str = Field(description="Sum of the positive net positions: the debt no "
                                               "set-off can clear.")
    ceiling: str = Field(description="total_debt - net_internal_debt: the most any set-off "
                                     "could clear.")
    rates_xsu_per_unit: dict[str, str] = Field(description=(
        "XSU per unit of each currency used, exact (an integer or a fraction p/q)."))
    certificate: SetoffCertificateOut
    members: list[SetoffPartyOut] = Field(description=(
        f"The (at most {bounds.setoff_summary_parties_max}) parties with the largest gross "
        "debt before the run."))
    timings_s: dict[str, float]
    out: None = Field(default=None, description="Always null over HTTP (the CLI's --out file).")
    results: list[InvoiceResultOut] = Field(description="Every invoice, in request order.")


class SetoffRunIn(RequestModel):
    value_date: IsoDate = Field(description=(
        "The XSU rates published for this day compare the invoices' currencies."))


def _xsu(minor: int) -> str:
    return format_amount(minor, XSU)


class MemberSetoffOut(BaseModel):
    owes_before: str
    owes_after: str
    owed_before: str
    owed_after: str

    @classmethod
    def of(cls, totals: MemberTotals) -> MemberSetoffOut:
        return cls(owes_before=_xsu(totals.owes_before_minor),
                   owes_after=_xsu(totals.owes_after_minor),
                   owed_before=_xsu(totals.owed_before_minor),
                   owed_after=_xsu(totals.owed_after_minor))


class SetoffRunOut(BaseModel):
    """A recorded set-off run (amounts in XSU, decimal strings)."""

    run_id: int
    value_date: dt.date
    invoices: int
    parties: int
    currency: str
    total_debt: str
    cleared: str
    remaining: str
    cleared_fraction: float
    net_internal_debt: str
    certificate: str
    members: dict[str, MemberSetoffOut] = Field(default_factory=dict, description=(
        "Per member state: what its traders owed and were owed, before and after (\"---\": "
        "invoices stored without a member state)."))

    @classmethod
    def of(cls, run: RecordedRun) -> SetoffRunOut:
        return cls.model_validate(cls.fields_of(run))

    @staticmethod
    def fields_of(run: RecordedRun) -> dict[str, Any]:
        found = run.findings
        return {"run_id": run.run_id, "value_date": found.value_date,
                "invoices": found.invoices, "parties": found.parties, "currency": XSU,
                "total_debt": _xsu(found.total_debt_minor), "cleared": _xsu(found.cleared_minor),
                "remaining": _xsu(found.remaining_minor),
                "cleared_fraction": found.cleared_fraction,
                "net_internal_debt": _xsu(found.net_internal_debt_minor),
                "certificate": found.certificate.description,
                "members": {m.label: MemberSetoffOut.of(m) for m in found.members}}


class SetoffRunItemOut(BaseModel):
    run_id: int
    value_date: dt.date
    invoices: int
    total_debt: str
    cleared: str
    recorded_at: dt.datetime

    @classmethod
    def of(cls, run: RunListing) -> SetoffRunItemOut:
        return cls(run_id=run.run_id, value_date=run.value_date, invoices=run.invoices,
                   total_debt=_xsu(run.total_debt_minor), cleared=_xsu(run.cleared_minor),
                   recorded_at=utc(run.recorded_at))


class SetoffRunListOut(BaseModel):
    runs: list[SetoffRunItemOut] = Field(description="Every recorded run, oldest first.")

    @classmethod
    def of(cls, runs: list[RunListing]) -> SetoffRunListOut:
        return cls(runs=[SetoffRunItemOut.of(run) for run in runs])


class ClearingOut(BaseModel):
    id: str = Field(description="The invoice's id.")
    currency: str
    amount: str = Field(description="The invoice's amount, in its currency.")
    cleared: str = Field(description="Cleared by this run, in the invoice's currency.")
    cleared_xsu: str

    @classmethod
    def of(cls, clearing: ClearedInvoice) -> ClearingOut:
        code = clearing.currency
        return cls(id=clearing.external_id, currency=code,
                   amount=format_amount(clearing.amount_minor, code),
                   cleared=format_amount(clearing.cleared_minor, code),
                   cleared_xsu=_xsu(clearing.cleared_xsu_minor))


class SetoffRunDetailOut(SetoffRunOut):
    clearings_total: int = Field(description="Clearings the caller may see in this run.")
    clearings_members: list[str] | None = Field(description=(
        "null: every clearing of the run; else (an operator) only clearings of invoices whose "
        "debtor or creditor member state is one of these."))
    clearings: list[ClearingOut] = Field(description="This page, in invoice order.")

    @classmethod
    def of_detail(cls, detail: RunDetail) -> SetoffRunDetailOut:
        members = detail.clearings_members
        return cls.model_validate({
            **SetoffRunOut.fields_of(detail.run), "clearings_total": detail.clearings_total,
            "clearings_members": None if members is None else list(members),
            "clearings": [ClearingOut.of(clearing) for clearing in detail.clearings]})


class ResidualsIn(RequestModel):
    value_date: IsoDate = Field(description="The payment orders' value date (in the open "
                                            "period).")


class ResidualErrorOut(BaseModel):
    invoice: str
    field: str | None
    code: str
    message: str


class ResidualOrdersOut(BaseModel):
    accepted: int
    rejected: int = Field(description="Orders written as rejected (e.g. AM04 limit).")
    replayed: int = Field(description=(
        "Residuals whose order (key INV-<invoice id>) already existed: not written again."))
    invalid: int = Field(description="Residual orders refused and not written.")
    errors: list[ResidualErrorOut]

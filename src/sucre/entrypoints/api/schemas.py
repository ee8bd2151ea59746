"""Request and response bodies of the HTTP API (pydantic v2), separate from the domain records.

Requests forbid unknown fields and take no type coercion: text is text, a boolean is ``true`` or
``false``, dates are ``YYYY-MM-DD`` strings. Amounts and quantities are decimal STRINGS
(``"1000.00"``): a JSON number is refused with a clear message, because binary floats cannot
hold cents exactly; the domain then checks the decimals against the currency (a third decimal on
a 2-decimal currency is refused, never rounded).

FastAPI validates bodies in Python mode, where pydantic's model-wide ``strict=True`` would refuse
ISO date strings and enum values; strictness is therefore set per field (``StrictStr``,
``StrictBool``, :data:`IsoDate`, :data:`DecimalText`).
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StringConstraints
from pydantic_core import PydanticCustomError

from sucre.adapters.iso20022.camt053 import AccountStatement
from sucre.domain import decimal_text, limits, parameters
from sucre.domain.errors import InvalidInput
from sucre.domain.members import MemberStatus, member_code
from sucre.domain.money import CurrencyCode, currency, format_amount, parse_amount
from sucre.domain.orders import OrderRequest, OrderStatus, parse_quantity
from sucre.domain.periods import PeriodState
from sucre.domain.rates import parse_rate
from sucre.domain.text import CONTROL_CLASS, OPTIONAL_TEXT_PATTERN, STORED_TEXT_PATTERN
from sucre.service.access import BatchItem
from sucre.service.payments import OrderOutcome
from sucre.service.reports import xsu
from sucre.service.setoff_runs import Invoice


def _decimal_text(value: Any) -> Any:
    if isinstance(value, bool | int | float):
        raise PydanticCustomError(
            "decimal_text", "amounts and quantities are decimal strings such as \"1000.00\", "
            "never JSON numbers (binary floats cannot hold cents exactly)")
    # Surrounding whitespace is ignored as at every other edge (decimal_text.parse_decimal).
    return value.strip() if isinstance(value, str) else value


def _date_text(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("date_text", "dates are strings YYYY-MM-DD")
    return value


def _text(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Input should be a valid string")
    return value


_Strict = BeforeValidator(_text)

#: The one rule of decimal text (sucre.domain.decimal_text), so the schema refuses exactly what the
#: domain refuses and documents it in the OpenAPI description.
DecimalText = Annotated[str, StringConstraints(pattern=rf"^{decimal_text.PATTERN}$"),
                        BeforeValidator(_decimal_text)]
IsoDate = Annotated[dt.date, BeforeValidator(_date_text)]
MemberText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$"), _Strict]
AuthorityText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{2,12}$"), _Strict]
CurrencyText = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$"), _Strict]
OrderKey = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{1,64}$"), _Strict]
HsCode = Annotated[str, StringConstraints(pattern=r"^[0-9.]{6,13}$"), _Strict]
# Stored text follows the domain's one rule (sucre.domain.text): no control character at all.
UnitText = Annotated[str, StringConstraints(min_length=1, max_length=limits.order_unit_chars_max,
                                            pattern=STORED_TEXT_PATTERN), _Strict]
FreeText = Annotated[str, StringConstraints(max_length=limits.text_chars_max,
                                            pattern=OPTIONAL_TEXT_PATTERN), _Strict]
RequiredText = Annotated[str, StringConstraints(min_length=1, max_length=limits.text_chars_max,
                                                pattern=STORED_TEXT_PATTERN), _Strict]
Reference = Annotated[str, StringConstraints(
    min_length=1, max_length=limits.decision_reference_chars_max, pattern=STORED_TEXT_PATTERN),
    _Strict]
ParameterValue = Annotated[str, StringConstraints(
    min_length=1, max_length=limits.parameter_value_chars_max, pattern=STORED_TEXT_PATTERN),
    _Strict]
ReasonCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{4}$"), _Strict]
if TYPE_CHECKING:
    ParameterName = str
else:  # the names of the council parameters' definitions, an enum in the schema
    ParameterName = Literal[parameters.NAMES]


class RequestModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- payment orders -------------------------------------------------------------------------

class PaymentOrderIn(RequestModel):
    """One payment order, as the importer's central bank submits it."""

    order_key: OrderKey = Field(description=(
        "The order's own unique key, chosen by the submitter (the UETR for orders sent as "
        "pacs.008). Resubmitting the same key with the same order returns the original outcome; "
        "with a different order it is refused (409)."))
    debtor_member: MemberText = Field(description="Importer's member state, ISO alpha-3.",
                                      examples=["CUB"])
    creditor_member: MemberText = Field(description="Exporter's member state.", examples=["VEN"])
    amount: DecimalText = Field(description="Decimal string in major units.",
                                examples=["1000.00"])
    currency: CurrencyText = Field(description="The debtor authority's currency, or XSU.",
                                   examples=["XSU"])
    value_date: IsoDate
    hs_code: HsCode = Field(
        description="Harmonized System code of the goods, 6 to 10 digits.", examples=["100630"])
    quantity: DecimalText = Field(examples=["360"])
    unit: UnitText = Field(examples=["t"])
    origin: MemberText | None = Field(
        default=None, description="Origin of the goods (default: the creditor member).")
    invoice_ref: RequiredText
    customs_ref: RequiredText
    debtor_bank: FreeText = ""
    creditor_bank: FreeText = ""
    importer: FreeText = ""
    exporter: FreeText = ""

    def to_request(self) -> OrderRequest:
        return OrderRequest(
            idempotency_key=self.order_key, debtor_member=self.debtor_member,
            creditor_member=self.creditor_member, amount=self.amount, currency=self.currency,
            value_date=self.value_date.isoformat(), hs_code=self.hs_code,
            quantity=self.quantity, unit=self.unit, origin=self.origin or self.creditor_member,
            invoice_ref=self.invoice_ref, customs_ref=self.customs_ref,
            debtor_bank=self.debtor_bank, creditor_bank=self.creditor_bank,
            importer=self.importer, exporter=self.exporter)


class OrderBatchIn(RequestModel):
    orders: list[PaymentOrderIn] = Field(min_length=1, max_length=limits.api_batch_orders_max)


class RejectIn(RequestModel):
    reason_code: ReasonCode = Field(default="MS02", description=(
        "ISO ExternalStatusReason code of the rejection (MS02: not specified by the customer)."))


class OrderOutcomeOut(BaseModel):
    """What happened to a submitted order (or to a decision on it)."""

    order_id: int
    order_key: str
    status: OrderStatus = Field(description=(
        "accepted: reserved against the debtor's limit, awaiting the receiving side; settled: "
        "posted to its period; rejected: refused (reason_code AM04 for the limit) or rejected "
        "by the receiving side."))
    xsu: str = Field(description="Value in XSU, decimal string.")
    reason_code: str | None
    reason: str | None
    replayed: bool = Field(description="True if this order_key had already been submitted.")

    @classmethod
    def of(cls, outcome: OrderOutcome) -> OrderOutcomeOut:
        return cls(order_id=outcome.order_id, order_key=outcome.idempotency_key,
                   status=outcome.status, xsu=xsu(outcome.xsu_minor),
                   reason_code=outcome.reason_code, reason=outcome.reason,
                   replayed=outcome.replayed)


class ItemError(BaseModel):
    code: str
    message: str
    field: str | None


class BatchItemOut(BaseModel):
    index: int = Field(description="Position of the order in the request (from 0).")
    order_key: str
    outcome: OrderOutcomeOut | None = Field(description="Set when the order was written.")
    error: ItemError | None = Field(description="Set when the order was refused as invalid.")


class OrderBatchOut(BaseModel):
    accepted: int
    rejected: int = Field(description="Orders written as rejected (e.g. AM04 limit).")
    replayed: int
    invalid: int = Field(description="Orders refused and not written.")
    items: list[BatchItemOut]

    @classmethod
    def of(cls, items: list[BatchItem]) -> OrderBatchOut:
        out = []
        for item in items:
            outcome = error = None
            if item.order is not None:
                outcome = OrderOutcomeOut(order_key=item.order_key, **item.order)
            elif item.error is not None:
                error = ItemError(code=item.error.reason_code, message=item.error.message,
                                  field=item.error.field)
            out.append(BatchItemOut(index=item.index, order_key=item.order_key,
                                    outcome=outcome, error=error))
        written = [i.outcome for i in out if i.outcome is not None]
        return cls(accepted=sum(o.status is not OrderStatus.REJECTED for o in written),
                   rejected=sum(o.status is OrderStatus.REJECTED for o in written),
                   replayed=sum(o.replayed for o in written),
                   invalid=len(out) - len(written), items=out)


class PaymentOrderOut(BaseModel):
    order_id: int
    order_key: str
    status: OrderStatus
    reason_code: str | None
    reason: str | None
    period: str
    debtor_member: str
    creditor_member: str
    debtor_authority: str
    creditor_authority: str
    amount: str = Field(description="In the order's currency, decimal string.")
    currency: str
    xsu: str
    value_date: dt.date
    hs_code: str
    quantity: str
    unit: str
    origin: str
    invoice_ref: str
    customs_ref: str
    debtor_bank: str
    creditor_bank: str
    importer: str
    exporter: str
    received_at: dt.datetime


class OrderPageOut(BaseModel):
    items: list[PaymentOrderOut]
    next_after: int | None = Field(description=(
        "Pass as ?after= to read the next page; null on the last page."))



# --- positions, periods, settlement ---------------------------------------------------------

class AuthorityPositionOut(BaseModel):
    limit: str
    credit_line: str
    net_posted: str
    debit_reserved: str
    credit_reserved: str
    headroom: str


class PositionsOut(BaseModel):
    period: str
    state: PeriodState
    positions: dict[str, str] = Field(description="Net posted XSU per authority.")
    authorities: dict[str, AuthorityPositionOut]


class PeriodOut(BaseModel):
    code: str
    start: dt.date
    end: dt.date
    state: PeriodState


class CloseIn(RequestModel):
    finance_deficits: StrictBool | None = Field(
        default=None, description="Overrides the council's deficit_financing for this close: "
        "true lets the FRCC finance deficits up to each credit line, false finances none; "
        "absent or null follows the council's decision in force.")


class MemberFlowOut(BaseModel):
    paid: str
    received: str
    net: str


class OrderCountsOut(BaseModel):
    accepted: int
    rejected: int


class InstructionOut(BaseModel):
    kind: Literal["pay", "receive", "finance"]
    authority: str
    xsu: str
    amount: str
    amount_minor: int
    currency: str
    reference: str = Field(description="The instruction's reference, e.g. 2026-H2/PAY/BCC: the "
                                       "EndToEndId of the pacs.009 that confirms it was paid.")
    settlement_status: Literal["pending", "confirmed", "internal"] = Field(
        description="pending until a pacs.009 confirms the leg was paid; internal for FRCC "
                    "financing, booked by the close itself.")


class CorridorOut(BaseModel):
    debtor: str
    creditor: str
    gross_xsu: str
    share: float
    alert: bool


class SettlementReportOut(BaseModel):
    period: str
    start: dt.date
    end: dt.date
    gross_xsu: str
    net_xsu: str
    bilateral_net_xsu: str
    liquidity_saving: float
    bilateral_saving: float
    positions: dict[str, str]
    members: dict[str, MemberFlowOut]
    orders: OrderCountsOut
    settlement_currency: str
    settlement_rate: str
    settlement: list[InstructionOut]
    corridors: list[CorridorOut]


# --- council --------------------------------------------------------------------------------

class AllocationIn(RequestModel):
    authority: AuthorityText
    effective_date: IsoDate
    allocation: DecimalText = Field(description="XSU, decimal string.")
    credit_line: DecimalText = Field(default="0", description="FRCC credit line, XSU.")
    reference: Reference = Field(description="Reference of the council decision.")


class MemberStatusIn(RequestModel):
    member: MemberText
    status: MemberStatus
    effective_date: IsoDate
    reference: Reference


class ParameterIn(RequestModel):
    name: ParameterName
    value: ParameterValue
    effective_date: IsoDate
    reference: Reference


class DecisionOut(BaseModel):
    recorded: Literal["allocation", "member_status", "parameter"]
    effective_date: dt.date
    reference: str


# --- statements -----------------------------------------------------------------------------

class StatementEntryOut(BaseModel):
    entry_id: str | None
    amount: str = Field(description="Signed: positive credits the authority.")
    amount_minor: int
    booking_date: dt.date
    value_date: dt.date
    reference: str = Field(description="The order's key, or the settlement entry's reference.")
    description: str


class StatementOut(BaseModel):
    statement_id: str
    account_id: str
    account_owner: str
    currency: str
    period_start: dt.date
    period_end: dt.date
    opening_balance: str
    closing_balance: str
    entries: list[StatementEntryOut]

    @classmethod
    def of(cls, statement: AccountStatement) -> StatementOut:
        code = statement.currency
        return cls(
            statement_id=statement.statement_id, account_id=statement.account_id,
            account_owner=statement.account_owner, currency=code,
            period_start=statement.period_start, period_end=statement.period_end,
            opening_balance=format_amount(statement.opening_balance_minor, code),
            closing_balance=format_amount(statement.closing_balance_minor, code),
            entries=[StatementEntryOut(
                entry_id=e.entry_id, amount=format_amount(e.amount_minor, code),
                amount_minor=e.amount_minor, booking_date=e.booking_date,
                value_date=e.value_date, reference=e.reference, description=e.description)
                for e in statement.entries])


# --- set-off of trade invoices --------------------------------------------------------------

_VISIBLE = rf"[^\s{CONTROL_CLASS}]"  # a character that is neither blank nor a control
InvoiceId = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{1,64}$"), _Strict]
PartyName = Annotated[str, StringConstraints(
    min_length=1, max_length=64, pattern=rf"^{_VISIBLE}(?:[^{CONTROL_CLASS}]*{_VISIBLE})?$"),
    _Strict]
InvoiceHsCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{6,10}$"), _Strict]
InvoiceUnit = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{1,8}$"), _Strict]
DocumentRef = Annotated[str, StringConstraints(
    min_length=1, max_length=limits.text_chars_max,
    pattern=rf"^{_VISIBLE}(?:[^{CONTROL_CLASS}]*{_VISIBLE})?$"), _Strict]


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
    invoices: list[InvoiceIn] = Field(min_length=1, max_length=limits.api_batch_invoices_max)

    def to_invoices(self) -> list[Invoice]:
        return _invoices(self.invoices)


class InvoiceBatchOut(BaseModel):
    stored: int = Field(description="Invoices newly stored.")
    already_known: int = Field(description=(
        "Invoices whose id was already stored with the same body (skipped, not stored twice)."))


class SetoffIn(RequestModel):
    """Invoices to set off now, without storing them."""

    invoices: list[SetoffInvoiceIn] = Field(min_length=1,
                                            max_length=limits.api_setoff_invoices_max)
    rates: dict[CurrencyText, DecimalText] | None = Field(
        default=None, max_length=limits.api_setoff_rates_max, description=(
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
        f"The (at most {limits.setoff_summary_parties_max}) parties with the largest gross "
        "debt before the run."))
    timings_s: dict[str, float]
    out: None = Field(default=None, description="Always null over HTTP (the CLI's --out file).")
    results: list[InvoiceResultOut] = Field(description="Every invoice, in request order.")


class SetoffRunIn(RequestModel):
    value_date: IsoDate = Field(description=(
        "The XSU rates published for this day compare the invoices' currencies."))


class MemberSetoffOut(BaseModel):
    owes_before: str
    owes_after: str
    owed_before: str
    owed_after: str


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


class SetoffRunItemOut(BaseModel):
    run_id: int
    value_date: dt.date
    invoices: int
    total_debt: str
    cleared: str
    recorded_at: dt.datetime


class SetoffRunListOut(BaseModel):
    runs: list[SetoffRunItemOut] = Field(description="Every recorded run, oldest first.")


class ClearingOut(BaseModel):
    id: str = Field(description="The invoice's id.")
    currency: str
    amount: str = Field(description="The invoice's amount, in its currency.")
    cleared: str = Field(description="Cleared by this run, in the invoice's currency.")
    cleared_xsu: str


class SetoffRunDetailOut(SetoffRunOut):
    clearings_total: int = Field(description="Clearings the caller may see in this run.")
    clearings_members: list[str] | None = Field(description=(
        "null: every clearing of the run; else (an operator) only clearings of invoices whose "
        "debtor or creditor member state is one of these."))
    clearings: list[ClearingOut] = Field(description="This page, in invoice order.")


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


# --- system ---------------------------------------------------------------------------------

class HealthOut(BaseModel):
    status: Literal["ok"]


class NoopOut(BaseModel):
    ok: bool
    client: str

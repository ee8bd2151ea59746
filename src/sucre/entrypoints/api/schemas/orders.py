"""Bodies of the payment-order routes."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from sucre import bounds
from sucre.domain.orders import OrderRequest, OrderStatus, OrderView
from sucre.entrypoints.api.schemas.fields import (
    CurrencyText,
    DecimalText,
    FreeText,
    HsCode,
    IsoDate,
    MemberText,
    OrderKey,
    ReasonCode,
    RequestModel,
    RequiredText,
    UnitText,
)
from sucre.service.access import BatchItem
from sucre.service.payments import OrderOutcome
from sucre.service.reports import order_json, xsu


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
    orders: list[PaymentOrderIn] = Field(min_length=1, max_length=bounds.api_batch_orders_max)


class RejectIn(RequestModel):
    reason_code: ReasonCode = Field(default="MS02", description=(
        "ISO ExternalStatusReason code of the rejection (MS02: not specified by the customer)."))


class OrderOutcomeOut(BaseModel):
    """What happened to a submitted order (or to a decision on it)."""

    order_id: int
    order_key: str
    status: OrderStatus = Field(description=(
        "accepted: reserved against the debtor's limit, awaiting the receiving side; settled: "
        "confirmed by the receiving side and posted to its period's journal (cleared: the net "
        "positions are paid in hard currency at the period's close); rejected: refused "
        "(reason_code AM04 for the limit) or rejected by the receiving side."))
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
                outcome = OrderOutcomeOut.of(item.order)
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

    @classmethod
    def of(cls, order: OrderView) -> PaymentOrderOut:
        return cls.model_validate(order_json(order))


class OrderPageOut(BaseModel):
    items: list[PaymentOrderOut]
    next_after: int | None = Field(description=(
        "Pass as ?after= to read the next page; null on the last page."))

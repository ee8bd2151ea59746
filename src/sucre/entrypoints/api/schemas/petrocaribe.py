"""Bodies of the PetroCaribe routes: tier tables, agreements, shipments, loans, deliveries,
repayments, buy-backs, the portfolio, firms. Amounts are USD decimal strings."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, Field, StringConstraints
from pydantic_core import PydanticCustomError

from sucre import bounds
from sucre.entrypoints.api.schemas.fields import (
    DecimalText,
    IsoDate,
    MemberText,
    PartyName,
    Reference,
    RequestModel,
    RequiredText,
)


def _string(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "Input should be a valid string")
    return value


_Strict = BeforeValidator(_string)

Label = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{1,64}$"), _Strict]
FirmCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,32}$"), _Strict]
AgreementCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{1,32}$"), _Strict]
HsCode6 = Annotated[str, StringConstraints(pattern=r"^[0-9]{6}$"), _Strict]
Unit = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{1,8}$"), _Strict]
TableText = Annotated[str, StringConstraints(min_length=1, max_length=bounds.text_chars_max,
                                             pattern=r"^[A-Za-z0-9=.,/ ]+$"), _Strict]
LoansText = Annotated[str, StringConstraints(pattern=r"^(all|[0-9]{1,18}(,[0-9]{1,18}){0,99})$"),
                      _Strict]


class TermsOut(BaseModel):
    price: str
    financed_share: str = Field(description="Decimal string; 0.00 below the lowest tier.")
    years: int
    grace_years: int
    rate: str
    cash_days: int
    instalments_per_year: int
    decision: dict[str, Any] = Field(description="The tier table in force: id and reference.")


class TermsIn(RequestModel):
    tiers: TableText = Field(description="PRICE=SHARE,..., e.g. 15=0.05,...,100=0.60,high=0.70")
    regimes: TableText = Field(description="PRICE=YEARS/GRACE/RATE,..., e.g. "
                                           "0=17/2/0.02,40=25/2/0.01")
    cash_days: int = Field(default=90, ge=0, le=3650)
    instalments_per_year: Literal[1, 2, 4, 12] = 2
    effective_date: IsoDate
    reference: Reference


class TermsDecisionOut(BaseModel):
    decision: int
    effective_date: dt.date
    reference: str


class AgreementIn(RequestModel):
    code: AgreementCode
    member: MemberText
    signed_on: IsoDate
    reference: Reference


class AgreementOut(BaseModel):
    code: str
    supplier: str
    beneficiary: str
    signed_on: dt.date
    reference: str
    new: bool


class ShipmentIn(RequestModel):
    agreement: AgreementCode
    cargo_id: Label
    value_date: IsoDate
    barrels: DecimalText
    price: DecimalText = Field(description="USD per barrel, with cents.")


class ShipmentOut(BaseModel):
    cargo_id: str
    agreement: str
    member: str
    value_date: dt.date
    barrels: str
    price: str
    bill: str
    financed_share: str
    cash: str
    cash_due: dt.date
    financed: str
    terms: dict[str, Any]
    loan: int | None
    schedule: list[dict[str, Any]]


class RepaymentIn(RequestModel):
    amount: DecimalText
    value_date: IsoDate
    reference: RequiredText
    early: bool = Field(default=False, description="Repay in full before term: the amount is "
                        "exactly what is due by value_date and the principal after it.")


class CashPartIn(RequestModel):
    cargo_id: Label
    amount: DecimalText
    value_date: IsoDate
    reference: RequiredText


class MovementOut(BaseModel):
    id: int
    kind: str
    member: str
    value_date: dt.date
    amount: str
    discount: str
    reference: str
    loan: int | None
    cargo_id: str | None
    decision: int | None
    entry: int | None


class DeliveryIn(RequestModel):
    reference: Label
    value_date: IsoDate
    hs_code: HsCode6
    quantity: DecimalText
    unit: Unit
    unit_price: DecimalText = Field(description="Agreed USD per unit.")
    exporter: FirmCode
    importer: PartyName
    certificate: RequiredText = Field(description="Certificate of origin number.")
    certificate_exporter: FirmCode
    certificate_country: MemberText


class DeliveryOut(BaseModel):
    reference: str
    loan: int | None
    agreement: str | None
    member: str
    value_date: dt.date
    hs_code: str
    quantity: str
    unit: str
    unit_price: str
    value: str
    exporter: str
    importer: str
    certificate: dict[str, str]
    invoice: str


class BuyBackIn(RequestModel):
    member: MemberText
    loans: LoansText = "all"
    price: DecimalText = Field(description="USD paid for the loans bought back.")
    effective_date: IsoDate
    reference: Reference


class LoanOut(BaseModel):
    id: int
    cargo_id: str
    member: str
    principal: str
    start_date: dt.date
    years: int
    grace_years: int
    rate: str
    instalments_per_year: int
    terms_decision: int
    as_of: dt.date
    outstanding: str
    arrears: str
    closed: bool
    instalments: list[dict[str, Any]]


class PortfolioOut(BaseModel):
    as_of: dt.date
    currency: str
    members: dict[str, dict[str, Any]]
    bloc: dict[str, Any]


class FirmIn(RequestModel):
    code: FirmCode
    name: RequiredText
    member: MemberText
    registered_on: IsoDate


class FirmOut(BaseModel):
    code: str
    name: str
    member: str
    registered_on: dt.date


class FirmListOut(BaseModel):
    firms: list[FirmOut]

"""Bodies of the joint funds' routes (:mod:`sucre.domain.funds`)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from sucre import bounds
from sucre.domain.text import STORED_TEXT_PATTERN
from sucre.entrypoints.api.schemas.fields import (
    CurrencyText,
    DecimalText,
    IsoDate,
    MemberText,
    Reference,
    RequestModel,
    RequiredText,
)

FundName = RequiredText  # bounds.fund_name_chars_max is bounds.text_chars_max
MovementReference = Annotated[str, StringConstraints(
    min_length=1, max_length=bounds.fund_reference_chars_max, pattern=STORED_TEXT_PATTERN),
    Field(strict=True)]


class FundIn(RequestModel):
    name: FundName
    purpose: RequiredText
    currency: CurrencyText = Field(default="USD", description="ISO 4217; not XSU.")
    target: DecimalText = Field(description="In the fund's currency, decimal string.")
    effective_date: IsoDate
    reference: Reference = Field(description="Reference of the council decision, e.g. \"XII "
                                             "Extraordinary Summit, 3 Feb 2025\".")


class ProjectIn(RequestModel):
    name: FundName
    beneficiary: MemberText = Field(description="The member state the project is for.")
    budget: DecimalText = Field(description="In the fund's currency, decimal string.")
    effective_date: IsoDate
    reference: Reference


class MemberMovementIn(RequestModel):
    """A pledge (subscription) or a payment (contribution) of a member state."""

    member: MemberText
    amount: DecimalText
    value_date: IsoDate
    reference: MovementReference = Field(description=(
        "Its natural key in the fund: the same reference with the same content again is a "
        "replay, with other content a conflict (409)."))


class DisbursementIn(RequestModel):
    project: int = Field(ge=1, le=bounds.row_id_max)
    amount: DecimalText
    value_date: IsoDate
    reference: MovementReference


class FundOut(BaseModel):
    id: int
    name: str
    purpose: str
    currency: str
    target: str
    effective_date: dt.date
    reference: str
    decision: int


class ProjectOut(BaseModel):
    id: int
    fund: int
    name: str
    beneficiary: str
    budget: str
    effective_date: dt.date
    reference: str
    decision: int


class MovementOut(BaseModel):
    id: int
    fund: int
    kind: Literal["subscription", "contribution", "disbursement"]
    reference: str
    value_date: dt.date
    member: str
    project: int | None
    amount: str
    currency: str
    entry: int = Field(description="The journal entry that booked it.")
    replayed: bool = Field(description="True: recorded before under this reference; nothing "
                                       "was written now.")


class MovementListOut(BaseModel):
    fund: FundOut
    movements: list[MovementOut]
    limited_to: list[str] | None = Field(description="The member states whose movements are "
                                                     "listed (None: every one).")


class MemberLineOut(BaseModel):
    member: str
    pledged: str
    paid_in: str
    outstanding: str


class ProjectLineOut(ProjectOut):
    disbursed: str
    remaining: str


class FundReportOut(BaseModel):
    fund: FundOut
    as_of: dt.date | None
    currency: str
    target: str
    pledged: str
    paid_in: str
    outstanding: str = Field(description="pledged - paid_in")
    committed: str = Field(description="The approved projects' budgets.")
    uncommitted: str = Field(description="pledged - committed")
    disbursed: str
    available: str = Field(description="paid_in - disbursed: the fund's balance, never negative.")
    to_disburse: str = Field(description="committed - disbursed")
    members: list[MemberLineOut]
    projects: list[ProjectLineOut]
    lines_limited_to: list[str] | None = Field(description=(
        "An operator sees the fund's totals whole and the lines of its own member states "
        "only (None: every line)."))


class FundListOut(BaseModel):
    funds: list[FundReportOut]
    not_listed: int

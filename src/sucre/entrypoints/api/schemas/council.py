"""Bodies of the council's decision routes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from sucre.domain import parameters
from sucre.domain.members import MemberStatus
from sucre.entrypoints.api.schemas.fields import (
    AuthorityText,
    DecimalText,
    IsoDate,
    MemberText,
    ParameterValue,
    Reference,
    RequestModel,
)


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


if TYPE_CHECKING:
    ParameterName = str
else:  # the names of the council parameters' definitions, an enum in the schema
    ParameterName = Literal[parameters.NAMES]


class ParameterIn(RequestModel):
    name: ParameterName
    value: ParameterValue
    effective_date: IsoDate
    reference: Reference


class DecisionOut(BaseModel):
    recorded: Literal["allocation", "member_status", "parameter"]
    effective_date: dt.date
    reference: str

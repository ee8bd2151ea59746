"""Bodies of the council's decision routes."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field

from sucre.domain import parameters
from sucre.domain.members import MemberStatus
from sucre.domain.proposals import (
    FIELDS,
    Ballot,
    Outcome,
    ProposalKind,
    ProposalState,
    Rule,
    fields_help,
)
from sucre.entrypoints.api.schemas.fields import (
    AuthorityText,
    DecimalText,
    IsoDate,
    MemberText,
    ParameterValue,
    PayloadText,
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
    recorded: Literal["allocation", "member_status", "parameter", "petrocaribe_buyback",
                      "petrocaribe_terms"]
    effective_date: dt.date
    reference: str


# --- the voted path -------------------------------------------------------------------------

if TYPE_CHECKING:
    KindName = str
    FieldName = str
else:  # the kinds and payload fields of domain/proposals.py, enums in the schema
    KindName = Literal[tuple(k.value for k in ProposalKind)]
    FieldName = Literal[tuple(sorted({f for req, opt in FIELDS.values() for f in req + opt}))]


class ProposalIn(RequestModel):
    kind: KindName
    effective_date: IsoDate
    reference: Reference = Field(description="Reference of the council act, e.g. \"XII "
                                             "Extraordinary Summit, 3 Feb 2025\".")
    payload: dict[FieldName, PayloadText] = Field(description=(
        "The kind's fields, as strings (amounts as decimal strings): "
        + "; ".join(fields_help().splitlines())))


class VoteIn(RequestModel):
    member: MemberText = Field(description="The delegate's own member state.")
    vote: Ballot


class VoteOut(BaseModel):
    proposal: int
    member: str
    vote: Ballot
    cast_by: str
    cast_at: dt.datetime


class TallyOut(BaseModel):
    rule: Rule
    eligible: int = Field(description="Members in good standing counted (for a consensus: "
                                      "other than the member concerned).")
    cast: int
    yes: int
    no: int
    abstain: int
    quorum: str
    majority: str
    outcome: Outcome
    final: bool = Field(description="The tally that closed the proposal (false: how the votes "
                                    "would count today).")


class ProposalOut(BaseModel):
    id: int
    kind: KindName
    payload: dict[str, Any]
    effective_date: dt.date
    reference: str
    proposed_by: str
    proposed_at: dt.datetime
    state: ProposalState
    closed_by: str | None
    closed_at: dt.datetime | None
    decision: int | None = Field(description="The decision its adoption recorded.")


class ProposalDetailOut(ProposalOut):
    votes: list[VoteOut]
    tally: TallyOut


class ProposalListOut(BaseModel):
    proposals: list[ProposalOut]
    not_listed: int


class DecisionRecordOut(BaseModel):
    id: int
    kind: str
    effective_date: dt.date
    reference: str
    decision: dict[str, Any] = Field(description="What the decision decided (its payload).")
    recorded_at: dt.datetime


class DecisionListOut(BaseModel):
    as_of: dt.date | None
    kind: str | None
    decisions: list[DecisionRecordOut]
    not_listed: int


class DecisionDetailOut(DecisionRecordOut):
    supersedes: DecisionRecordOut | None = Field(
        description="The decision on the same subject it replaced.")
    proposal: ProposalDetailOut | None = Field(
        description="The proposal, votes and tally that adopted it (none for a decision of the "
                    "administrative path).")

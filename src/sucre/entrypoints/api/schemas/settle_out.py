"""The settle-out report of a member (``GET /v1/members/{member}/settle-out``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from sucre.domain.settle_out import SettleOut
from sucre.entrypoints.api.schemas.periods import InstructionOut, MemberFlowOut
from sucre.service.settle_out import settle_out_json


class WithdrawalOut(BaseModel):
    """The member's last withdrawal in its status history, and the decision that made it."""

    effective_date: str
    reference: str | None = Field(description="The decision's reference (null: a status "
                                              "converted from a version that kept none).")
    decision: int | None


class AuthorityShareOut(BaseModel):
    code: str
    net_xsu: str
    shared: bool
    members: dict[str, MemberFlowOut]
    others_net_xsu: str
    coverage: str


class LoanOut(BaseModel):
    reference: str
    account: str
    amount: str
    amount_minor: int
    outstanding: str
    outstanding_minor: int
    currency: str


class ClaimOut(BaseModel):
    holder: str
    debtor: str
    kind: Literal["pay", "receive", "finance"]
    reference: str
    amount: str
    amount_minor: int
    currency: str


class LegTotalsOut(BaseModel):
    settled_minor: int
    carried_minor: int
    total_minor: int


class BalanceOut(BaseModel):
    member_net_xsu: str
    others_net_xsu: str
    authority_net_xsu: str
    paid_xsu: str
    financed_xsu: str
    received_xsu: str
    closed_xsu: str
    legs: dict[str, LegTotalsOut]
    balanced: bool


class SettleOutOut(BaseModel):
    member: str
    name: str
    status: str
    withdrawal: WithdrawalOut | None
    period: str
    start: str
    end: str
    orders: dict[str, int]
    flows: MemberFlowOut
    authority: AuthorityShareOut
    settlement_currency: str
    settlement_rate: str
    instructions: list[InstructionOut]
    loans: list[LoanOut]
    claims: list[ClaimOut]
    unpaid_loans: Literal["none kept"]
    fund_pledges: Literal["none kept"]
    balance: BalanceOut

    @classmethod
    def of(cls, out: SettleOut) -> SettleOutOut:
        return cls.model_validate(settle_out_json(out))

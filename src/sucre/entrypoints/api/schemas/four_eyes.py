"""Bodies of the four-eyes routes: pending actions and their approval."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field

from sucre.domain.four_eyes import PendingAction
from sucre.entrypoints.api.schemas.council import DecisionOut
from sucre.entrypoints.api.schemas.periods import SettlementReportOut
from sucre.service.four_eyes import Approved, action_json


class ActorOut(BaseModel):
    client: str
    role: str
    key_id: str



class PendingActionOut(BaseModel):
    id: int
    kind: Literal["close_period", "limit_raise", "buyback"]
    state: Literal["pending", "approved"]
    payload: dict[str, Any] = Field(description="What the approval runs: for close_period the "
                                    "period and the close's options, for limit_raise the "
                                    "allocation (minor units) and the one it raises, for "
                                    "buyback the member, its loans and the price (cents).")
    proposed_by: ActorOut
    created_at: dt.datetime
    approved_by: ActorOut | None
    approved_at: dt.datetime | None
    approve: str = Field(description="The route a second key of the same role approves with.")

    @classmethod
    def of(cls, action: PendingAction) -> PendingActionOut:
        return cls.model_validate(action_json(action))


class ApprovalOut(BaseModel):
    action: PendingActionOut
    settlement: SettlementReportOut | None = Field(
        description="close_period: the settlement report (what the close route used to answer).")
    decision: DecisionOut | None = Field(
        description="limit_raise: the allocation recorded; buyback: the buy-back decision.")

    @classmethod
    def of(cls, approved: Approved) -> ApprovalOut:
        payload = approved.action.payload.as_json()
        recorded: Literal["allocation", "petrocaribe_buyback"] = (
            "petrocaribe_buyback" if approved.action.kind.value == "buyback" else "allocation")
        decision = None if approved.settled is not None else DecisionOut(
            recorded=recorded, effective_date=dt.date.fromisoformat(
                payload["effective_date"]), reference=payload["reference"])
        return cls(action=PendingActionOut.of(approved.action),
                   settlement=None if approved.settled is None
                   else SettlementReportOut.of(approved.settled), decision=decision)

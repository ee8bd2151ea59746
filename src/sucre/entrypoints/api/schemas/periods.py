"""Bodies of the period routes: positions, periods, closing and the settlement report."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field, StrictBool

from sucre import bounds
from sucre.domain.confirmations import SettledPeriod
from sucre.domain.decisions import Decision, PeriodDecisions
from sucre.domain.periods import ClearingPeriod, PeriodState
from sucre.domain.positions import AuthorityPosition
from sucre.entrypoints.api.schemas.fields import RequestModel
from sucre.service.reports import (
    PositionsReport,
    decision_json,
    limit_decision,
    report_json,
    xsu,
)


class DecisionRefOut(BaseModel):
    """A council decision a figure comes from: its id and reference."""

    decision: int | None = Field(description="The decision's id (null: none, see the key's "
                                             "description).")
    reference: str | None = Field(description="That decision's reference.")

    @classmethod
    def of(cls, decision: Decision | None) -> DecisionRefOut:
        return cls.model_validate(decision_json(decision))


BASKET = ("The council decision of the XSU basket behind the period's rates: that of the rates "
          "it settles at, the last published on or before its last day (null while none is).")
CALENDAR = ("The council decision of the calendar parameter in force on the period's last day "
            "(null: never decided, the treaty's semester).")


def behind_fields(behind: PeriodDecisions) -> dict[str, DecisionRefOut]:
    return {"basket": DecisionRefOut.of(behind.basket),
            "calendar": DecisionRefOut.of(behind.calendar)}


class AuthorityPositionOut(BaseModel):
    limit: str
    credit_line: str
    net_posted: str
    debit_reserved: str
    credit_reserved: str
    headroom: str
    decision: int | None = Field(description="The council decision the limit comes from (the "
                                             "allocation in force on the period's last day).")
    reference: str | None = Field(description="That decision's reference.")

    @classmethod
    def of(cls, row: AuthorityPosition, report: PositionsReport) -> AuthorityPositionOut:
        return cls(limit=xsu(row.limit_minor), credit_line=xsu(row.credit_line_minor),
                   net_posted=xsu(row.net_posted_minor),
                   debit_reserved=xsu(row.debit_reserved_minor),
                   credit_reserved=xsu(row.credit_reserved_minor),
                   headroom=xsu(row.headroom_minor), **limit_decision(report, row.authority))


class PositionsOut(BaseModel):
    period: str
    state: PeriodState
    positions: dict[str, str] = Field(description="Net posted XSU per authority.")
    authorities: dict[str, AuthorityPositionOut]
    basket: DecisionRefOut = Field(description=BASKET)
    calendar: DecisionRefOut = Field(description=CALENDAR)

    @classmethod
    def of(cls, report: PositionsReport) -> PositionsOut:
        return cls(period=report.period.code, state=report.period.state,
                   positions={a: xsu(r.net_posted_minor) for a, r in report.authorities.items()},
                   authorities={a: AuthorityPositionOut.of(r, report)
                                for a, r in report.authorities.items()},
                   **behind_fields(report.behind))


class PeriodOut(BaseModel):
    code: str
    start: dt.date
    end: dt.date
    state: PeriodState

    @classmethod
    def of(cls, period: ClearingPeriod) -> PeriodOut:
        return cls(code=period.code, start=period.start, end=period.end, state=period.state)


class CloseIn(RequestModel):
    finance_deficits: StrictBool | None = Field(
        default=None, description="Overrides the council's deficit_financing for this close: "
        "true lets the FRCC finance deficits up to each credit line, false finances none; "
        "absent or null follows the council's decision in force.")
    early_reference: str | None = Field(
        default=None, max_length=bounds.decision_reference_chars_max,
        description="A period is closed once its last day has passed; closing it earlier "
        "needs the reference of the council decision that allows it (recorded as an "
        "early_close decision).")


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
    basket: DecisionRefOut = Field(description=BASKET)
    calendar: DecisionRefOut = Field(description=CALENDAR)

    @classmethod
    def of(cls, settled: SettledPeriod) -> SettlementReportOut:
        return cls.model_validate(report_json(settled))

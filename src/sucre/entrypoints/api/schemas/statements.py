"""Bodies of the statement route (a camt.053 statement as JSON)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from sucre.domain.money import format_amount
from sucre.entrypoints.api.schemas.periods import (
    BASKET,
    CALENDAR,
    DecisionRefOut,
    behind_fields,
)
from sucre.service.messaging import Statement


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
    basket: DecisionRefOut = Field(description=BASKET)
    calendar: DecisionRefOut = Field(description=CALENDAR)

    @classmethod
    def of(cls, found: Statement) -> StatementOut:
        statement = found.account
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
                for e in statement.entries], **behind_fields(found.behind))

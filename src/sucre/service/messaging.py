"""ISO 20022 use cases: pacs.008 in, pacs.002 out; camt.053 statements from the journal.

Parsing and building live in :mod:`sucre.adapters.iso20022`; here messages meet the service
layer. A message that is unsafe or schema-invalid raises (nothing is written); a message that is
well-formed but wrong as a whole (count, sums, duplicate ids) is answered by a group-level RJCT; a
good message is answered transaction by transaction (ACSP accepted, RJCT with the reason code).
Each transaction is submitted under its UETR as idempotency key, so a resent message gets the
original outcomes back and moves nothing twice.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import Engine, select

from sucre.adapters.db import repository as repo
from sucre.adapters.db import tables as t
from sucre.adapters.iso20022 import camt053, pacs002, pacs008
from sucre.domain.errors import InvalidInput, SucreError, UnknownParty, invariant
from sucre.domain.ledger import position_account
from sucre.domain.members import AuthorityCode
from sucre.domain.money import XSU
from sucre.domain.orders import OrderStatus
from sucre.service import payments

PACS_008_NAME = "pacs.008.001.08"


@dataclass(frozen=True, slots=True)
class Pacs008Outcome:
    report: bytes  # the pacs.002 answer
    accepted: int
    rejected: int


def submit_pacs008(engine: Engine, data: bytes) -> Pacs008Outcome:
    """Submit every transaction of a pacs.008 and answer with a pacs.002."""
    message = pacs008.read_pacs008(data)
    original = pacs008.message_id(message)
    answer_id, now = f"SUCRE-{uuid.uuid4().hex[:24]}", repo.now()
    try:
        mapped = pacs008.map_transactions(message)
    except InvalidInput as error:
        return Pacs008Outcome(pacs002.build_message_rejection(
            message_id=answer_id, created_at=now, original_message_id=original,
            original_message_name_id=PACS_008_NAME, error=error), 0, 0)
    outcomes = [_submit(engine, transaction) for transaction in mapped]
    rejected = sum(o.status is pacs002.TransactionStatus.REJECTED for o in outcomes)
    return Pacs008Outcome(pacs002.build_pacs002(
        message_id=answer_id, created_at=now, original_message_id=original,
        original_message_name_id=PACS_008_NAME, outcomes=outcomes),
        len(outcomes) - rejected, rejected)


def _submit(engine: Engine, transaction: pacs008.MappedTransaction
            ) -> pacs002.TransactionOutcome:
    if transaction.order is None:
        invariant(transaction.error is not None, "an unmapped transaction carries its error")
        return pacs002.rejected(transaction.ids, transaction.error)  # type: ignore[arg-type]
    try:
        outcome = payments.submit_order(engine, transaction.order)
    except SucreError as error:
        return pacs002.rejected(transaction.ids, error)
    if outcome.status is OrderStatus.REJECTED:
        return pacs002.TransactionOutcome(transaction.ids, pacs002.TransactionStatus.REJECTED,
                                          outcome.reason_code, outcome.reason)
    status = (pacs002.TransactionStatus.ACCEPTED_SETTLEMENT_COMPLETED
              if outcome.status is OrderStatus.SETTLED
              else pacs002.TransactionStatus.ACCEPTED_SETTLEMENT_IN_PROCESS)
    return pacs002.accepted(transaction.ids, status)


def statement(engine: Engine, authority: str, period_code: str) -> camt053.AccountStatement:
    """An authority's XSU account at the chamber over one period, from the journal."""
    code = AuthorityCode(authority.strip().upper())
    with engine.connect() as conn:
        authorities = repo.load_authorities(conn)
        if code not in authorities:
            raise UnknownParty(f"no monetary authority {authority}", field="authority")
        period = repo.period_by_code(conn, period_code)
        if period is None:
            raise UnknownParty(f"no clearing period {period_code}", field="period")
        j, p, o = t.journal_entries.c, t.postings.c, t.payment_orders.c
        rows = conn.execute(
            select(j.id, j.kind, j.memo, j.created_at, p.amount_minor, o.idempotency_key,
                   o.value_date, o.invoice_ref)
            .select_from(t.postings.join(t.journal_entries)
                         .outerjoin(t.payment_orders, o.id == j.order_id))
            .where(j.period_id == period.id, p.account == position_account(code),
                   p.currency == XSU)
            .order_by(j.id)).all()
    entries = [camt053.StatementEntry(
        amount_minor=int(r.amount_minor), booking_date=r.created_at.date(),
        value_date=r.value_date or period.end, reference=r.idempotency_key or f"{r.kind}-{r.id}",
        description=f"order {r.invoice_ref}" if r.invoice_ref else r.memo or r.kind,
        entry_id=str(r.id)) for r in rows]
    return camt053.AccountStatement(
        message_id=f"SUCRE-{uuid.uuid4().hex[:24]}", statement_id=f"{code}-{period.code}",
        created_at=dt.datetime.now(dt.UTC), account_id=f"XSU-{code}",
        account_owner=authorities[code].name, currency=XSU, period_start=period.start,
        period_end=period.end, opening_balance_minor=0,
        closing_balance_minor=sum(e.amount_minor for e in entries), entries=entries)

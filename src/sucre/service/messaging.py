"""ISO 20022 use cases: pacs.008 and pacs.009 in, pacs.002 out; camt.053 statements.

Parsing and building live in :mod:`sucre.adapters.iso20022`; here messages meet the service
layer. A message that is unsafe or schema-invalid raises (nothing is written); a message that is
well-formed but wrong as a whole (count, sums, duplicate ids) is answered by a group-level RJCT; a
good message is answered transaction by transaction (accepted, or RJCT with the reason code).

pacs.008
    Each transaction is a payment order, submitted under its UETR as idempotency key, so a
    resent message gets the original outcomes back and moves nothing twice (ACSP accepted).
    The message's orders are submitted in one database transaction: the message is applied
    whole and answered, or (a crash, a database failure) not applied at all.
pacs.009
    Each transaction confirms that one hard-currency leg of a settled period was paid: its
    ``EndToEndId`` is the instruction's reference (``2026-H2/PAY/BCC``), ``Dbtr``/``Cdtr`` the
    authority and the chamber (``ClrSysMmbId/MmbId`` ``SUCRE``) in the instruction's direction,
    the amount and currency exactly the instruction's (rules and reason codes in
    :mod:`sucre.domain.confirmations`). Accepted legs are answered ACSC and recorded together in
    one transaction (:mod:`sucre.service.confirmations`); a resent leg (same UETR) is answered
    ACSC again and recorded once.

:func:`submit_iso` reads either kind and answers it (``sucre iso import``).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sucre.adapters.iso20022 import camt053, pacs002, pacs008, pacs009
from sucre.adapters.iso20022.parse import PACS_008, PACS_009, ParsedMessage, parse_message
from sucre.domain.confirmations import Judgement, PaidLeg
from sucre.domain.decisions import PeriodDecisions
from sucre.domain.errors import InvalidInput, SucreError, UnknownParty, invariant
from sucre.domain.ledger import position_account
from sucre.domain.members import AuthorityCode
from sucre.domain.money import XSU
from sucre.domain.orders import OrderRequest, OrderStatus
from sucre.service import confirmations, payments, reports
from sucre.service.unit_of_work import UnitOfWork

PACS_008_NAME = PACS_008.identifier
PACS_009_NAME = PACS_009.identifier


@dataclass(frozen=True, slots=True)
class StatusReportOutcome:
    """The pacs.002 answering one message, and how many of its transactions it accepted."""

    report: bytes  # the pacs.002 answer
    accepted: int
    rejected: int
    message_name: str  # what was answered: "pacs.008.001.08" or "pacs.009.001.08"


Pacs008Outcome = StatusReportOutcome  # the name callers used before pacs.009
Pacs009Outcome = StatusReportOutcome


def submit_iso(uow: UnitOfWork, data: bytes) -> StatusReportOutcome:
    """Read a pacs.008 or a pacs.009 (told apart by namespace) and answer it with a pacs.002."""
    message = parse_message(data, PACS_008, PACS_009)
    if message.definition is PACS_009:
        return _answer_pacs009(uow, message)
    return _answer_pacs008(uow, message)


#: Called with a pacs.008's orders before any is submitted; raises to refuse the whole message
#: (the API's check that an operator pays only for its own authority's debtors).
OrderCheck = Callable[[Sequence[OrderRequest]], None]


def submit_pacs008(uow: UnitOfWork, data: bytes, *,
                   check: OrderCheck | None = None) -> StatusReportOutcome:
    """Submit every transaction of a pacs.008 and answer with a pacs.002.

    The message is parsed and validated once; ``check`` sees its orders before anything is
    written.
    """
    return _answer_pacs008(uow, pacs008.read_pacs008(data), check)


def submit_pacs009(uow: UnitOfWork, data: bytes) -> StatusReportOutcome:
    """Confirm the settlement legs of a pacs.009 and answer with a pacs.002 (ACSC or RJCT)."""
    return _answer_pacs009(uow, pacs009.read_pacs009(data))


def _answer_pacs008(uow: UnitOfWork, message: ParsedMessage,
                    check: OrderCheck | None = None) -> StatusReportOutcome:
    original = pacs008.message_id(message)
    try:
        mapped = pacs008.map_transactions(message)
    except InvalidInput as error:
        return _rejected_message(original, PACS_008_NAME, error)
    orders = [m.order for m in mapped if m.order is not None]
    if check is not None:
        check(orders)
    # One transaction for the whole message: it is applied and answered whole, or not at all.
    results = iter(payments.submit_batch(uow, orders) if orders else ())
    return _answered(original, PACS_008_NAME, [
        _transaction_outcome(m, next(results) if m.order is not None else None)
        for m in mapped])


def _answer_pacs009(uow: UnitOfWork, message: ParsedMessage) -> StatusReportOutcome:
    original = pacs009.message_id(message)
    try:
        legs = pacs009.legs_from_pacs009(message)
    except InvalidInput as error:
        return _rejected_message(original, PACS_009_NAME, error)
    ids = pacs009.transaction_ids(message)
    paid = [_paid_leg(leg, index) for index, leg in enumerate(legs, start=1)]
    judgements = confirmations.confirm_legs(uow, paid)
    return _answered(original, PACS_009_NAME, [
        _leg_outcome(i, j) for i, j in zip(ids, judgements, strict=True)])


def _paid_leg(leg: pacs009.SettlementLeg, index: int) -> PaidLeg:
    return PaidLeg(
        message_id=leg.message_id, uetr=leg.uetr, reference=leg.end_to_end_id,
        debtor=leg.debtor_agent_bic_or_authority, creditor=leg.creditor_agent_bic_or_authority,
        amount=leg.amount, currency=leg.currency, settlement_date=leg.settlement_date,
        where=f"CdtTrfTxInf[{index}]")


def _leg_outcome(ids: pacs009.TransactionIds, judgement: Judgement) -> pacs002.TransactionOutcome:
    if judgement.error is not None:
        return pacs002.rejected(ids, judgement.error)
    return pacs002.accepted(ids, pacs002.TransactionStatus.ACCEPTED_SETTLEMENT_COMPLETED)


def _rejected_message(original: str, name: str, error: SucreError) -> StatusReportOutcome:
    return StatusReportOutcome(pacs002.build_message_rejection(
        message_id=_answer_id(), created_at=dt.datetime.now(dt.UTC), original_message_id=original,
        original_message_name_id=name, error=error), 0, 0, name)


def _answered(original: str, name: str, outcomes: list[pacs002.TransactionOutcome]
              ) -> StatusReportOutcome:
    rejected = sum(o.status is pacs002.TransactionStatus.REJECTED for o in outcomes)
    return StatusReportOutcome(pacs002.build_pacs002(
        message_id=_answer_id(), created_at=dt.datetime.now(dt.UTC), original_message_id=original,
        original_message_name_id=name, outcomes=outcomes), len(outcomes) - rejected, rejected,
        name)


def _answer_id() -> str:
    return f"SUCRE-{uuid.uuid4().hex[:24]}"


def _transaction_outcome(transaction: pacs008.MappedTransaction,
                         outcome: payments.OrderOutcome | SucreError | None
                         ) -> pacs002.TransactionOutcome:
    if transaction.order is None:
        invariant(transaction.error is not None, "an unmapped transaction carries its error")
        return pacs002.rejected(transaction.ids, transaction.error)  # type: ignore[arg-type]
    invariant(outcome is not None, "a mapped transaction was submitted")
    assert outcome is not None
    if isinstance(outcome, SucreError):
        return pacs002.rejected(transaction.ids, outcome)
    if outcome.status is OrderStatus.REJECTED:
        return pacs002.TransactionOutcome(transaction.ids, pacs002.TransactionStatus.REJECTED,
                                          outcome.reason_code, outcome.reason)
    status = (pacs002.TransactionStatus.ACCEPTED_SETTLEMENT_COMPLETED
              if outcome.status is OrderStatus.SETTLED
              else pacs002.TransactionStatus.ACCEPTED_SETTLEMENT_IN_PROCESS)
    return pacs002.accepted(transaction.ids, status)


@dataclass(frozen=True, slots=True)
class Statement:
    """An authority's XSU account over one period (the camt.053 record), and the council
    decisions behind the period's rates and calendar (its JSON names them)."""

    account: camt053.AccountStatement
    behind: PeriodDecisions


def statement(uow: UnitOfWork, authority: str, period_code: str) -> camt053.AccountStatement:
    """An authority's XSU account at the chamber over one period, from the journal."""
    return traced_statement(uow, authority, period_code).account


def traced_statement(uow: UnitOfWork, authority: str, period_code: str) -> Statement:
    """:func:`statement`, with the basket and calendar decisions behind its period."""
    code = AuthorityCode(authority.strip().upper())
    with uow:
        authorities = uow.members.authorities()
        if code not in authorities:
            raise UnknownParty(f"no monetary authority {authority}", field="authority")
        period = uow.periods.by_code(period_code)
        if period is None:
            raise UnknownParty(f"no clearing period {period_code}", field="period")
        lines = uow.journal.account_lines(period.id, position_account(code), XSU)
        behind = reports.decisions_behind(uow, period)
    # An entry recorded after the period's end (its close, an order confirmed late) belongs to
    # the period: it is booked on the period's last day, never outside the statement.
    entries = [camt053.StatementEntry(
        amount_minor=line.amount_minor,
        booking_date=min(max(line.recorded_at.date(), period.start), period.end),
        value_date=line.value_date or period.end,
        reference=line.order_key or f"{line.kind.value}-{line.entry_id}",
        description=(f"order {line.invoice_ref}" if line.invoice_ref
                     else line.memo or line.kind.value),
        entry_id=str(line.entry_id)) for line in lines]
    return Statement(camt053.AccountStatement(
        message_id=f"SUCRE-{uuid.uuid4().hex[:24]}", statement_id=f"{code}-{period.code}",
        created_at=dt.datetime.now(dt.UTC), account_id=f"XSU-{code}",
        account_owner=authorities[code].name, currency=XSU, period_start=period.start,
        period_end=period.end, opening_balance_minor=0,
        closing_balance_minor=sum(e.amount_minor for e in entries), entries=entries), behind)

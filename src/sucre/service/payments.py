"""Use cases of payment orders: submit one, import many, and the receiving side's decision.

Each use case is one block of a unit of work (one transaction; an import, one per batch). Bad
input raises and writes nothing. A limit breach is a business outcome: the order is kept as
rejected (AM04), so a resubmission under the same key gets the same answer (an id that failed
stays failed). A resubmission with the same key and body
returns the original outcome with no second effect; a different body is an error.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError

from sucre import bounds
from sucre.adapters.db.engine import retry_transient
from sucre.domain.errors import (
    AccessDenied,
    IdempotencyConflict,
    InvalidInput,
    InvalidState,
    LimitExceeded,
    SucreError,
    UnknownParty,
    invariant,
)
from sucre.domain.members import AuthorityCode, MemberCode, MemberState
from sucre.domain.orders import (
    ClearingContext,
    OrderRequest,
    OrderStatus,
    PaymentOrder,
    StoredOrder,
    Verdict,
    order_key,
    rejection_reason,
    validate_order,
)
from sucre.domain.periods import ClearingPeriod, PeriodState
from sucre.domain.positions import reserve, within_limit
from sucre.domain.rates import DailyRates
from sucre.service.unit_of_work import UnitOfWork

LIMIT_REASON = "would take the debtor's net debit position beyond its allocation + credit line"
ACCEPTED = Verdict(OrderStatus.ACCEPTED)
OVER_LIMIT = Verdict(OrderStatus.REJECTED, "AM04", LIMIT_REASON)
REJECTED_REASON = "rejected by the receiving authority"


@dataclass(frozen=True, slots=True)
class OrderOutcome:
    order_id: int
    idempotency_key: str
    status: OrderStatus
    xsu_minor: int
    reason_code: str | None = None
    reason: str | None = None
    replayed: bool = False


def _outcome(order: StoredOrder, *, replayed: bool) -> OrderOutcome:
    return OrderOutcome(order.id, order.idempotency_key, order.status, order.xsu_minor,
                        order.reason_code, order.reason, replayed)


def context_for(uow: UnitOfWork) -> ClearingContext:
    """What validation needs, read once per transaction (rates, periods and the members' status
    cached per date)."""
    rates_cache: dict[dt.date, DailyRates | None] = {}
    period_cache: dict[dt.date, ClearingPeriod | None] = {}
    members_cache: dict[dt.date, dict[MemberCode, MemberState]] = {}

    def rates_on(day: dt.date) -> DailyRates | None:
        if day not in rates_cache:
            rates_cache[day] = uow.rates.on(day)
        return rates_cache[day]

    def period_on(day: dt.date) -> ClearingPeriod | None:
        if day not in period_cache:
            period_cache[day] = uow.periods.on(day)
        return period_cache[day]

    def members_on(day: dt.date) -> dict[MemberCode, MemberState]:
        if day not in members_cache:
            members_cache[day] = uow.members.members(on=day)
        return members_cache[day]

    return ClearingContext(uow.members.members(), uow.members.authorities(), rates_on,
                           period_on, members_on)


def _replay(existing: StoredOrder, request: OrderRequest) -> OrderOutcome:
    if existing.body_hash != request.body_hash():
        raise IdempotencyConflict(
            f"idempotency key {request.idempotency_key!r} was already used for a different "
            "order", field="idempotency_key")
    return _outcome(existing, replayed=True)


@retry_transient
def submit_order(uow: UnitOfWork, request: OrderRequest) -> OrderOutcome:
    """Validate, limit-check and reserve one order, atomically and idempotently."""
    try:
        with uow:
            existing = uow.orders.by_key(order_key(request.idempotency_key))
            if existing is not None:
                return _replay(existing, request)
            outcome = _reserve_one(uow, validate_order(request, context_for(uow)))
            uow.commit()
            return outcome
    except IntegrityError:
        # A concurrent submitter won the race for this key: answer with its outcome.
        with uow:
            existing = uow.orders.by_key(request.idempotency_key.strip())
        if existing is None:
            raise
        return _replay(existing, request)


def _reserve_one(uow: UnitOfWork, order: PaymentOrder) -> OrderOutcome:
    period = uow.periods.by_id(order.period_id, lock=True, shared=True)
    if period.state is not PeriodState.OPEN:
        raise InvalidInput(f"period {period.code} is {period.state}; orders for "
                           f"{order.value_date} are no longer accepted", field="value_date",
                           reason_code="DT01")
    ids = uow.members.authority_ids()
    reserved = uow.positions.reserve(order.period_id, ids[order.debtor_authority],
                                     ids[order.creditor_authority], order.xsu_minor)
    verdict = ACCEPTED if reserved else OVER_LIMIT
    order_id = uow.orders.add(order, ids, verdict)
    return OrderOutcome(order_id, order.idempotency_key, verdict.status, order.xsu_minor,
                        verdict.reason_code, verdict.reason)


@retry_transient
def decide_order(uow: UnitOfWork, order_id: int, by_authority: str, *, accept: bool,
                 reason_code: str = "MS02") -> OrderOutcome:
    """The receiving authority confirms (posts) or rejects (releases) an accepted order.

    Locks in the global order (period, positions, then the order row: see
    :mod:`sucre.adapters.db.engine`); the order's state is judged once its row is locked.
    """
    reason_code = rejection_reason(reason_code)
    with uow:
        seen = uow.orders.by_id(order_id)
        if seen is None:
            raise UnknownParty(f"no payment order {order_id}", field="order_id")
        _check_receiver(uow.members.authority_ids(), seen, by_authority)
        period = uow.periods.by_id(seen.period_id, lock=True, shared=True)
        uow.positions.lock_of(period.id, (seen.debtor_authority_id, seen.creditor_authority_id))
        order = uow.orders.by_id(order_id, lock=True)
        invariant(order is not None, "an order is never deleted")
        assert order is not None
        if order.status is not OrderStatus.ACCEPTED:
            raise InvalidState(f"order {order_id} is {order.status}, not awaiting a decision",
                               field="order_id")
        if period.state is not PeriodState.OPEN:
            raise InvalidState(f"period {period.code} is {period.state}", field="order_id")
        outcome = _confirm(uow, order) if accept else _reject(uow, order, reason_code)
        uow.commit()
        return outcome


def _confirm(uow: UnitOfWork, order: StoredOrder) -> OrderOutcome:
    invariant(uow.journal.post_accepted_orders(order.period_id, order_id=order.id) == 1,
              "exactly the confirmed order is posted")
    return _outcome(uow.orders.by_id(order.id) or order, replayed=False)


def _reject(uow: UnitOfWork, order: StoredOrder, reason_code: str) -> OrderOutcome:
    uow.positions.release(order.period_id, order.debtor_authority_id,
                          order.creditor_authority_id, order.xsu_minor)
    verdict = Verdict(OrderStatus.REJECTED, reason_code, REJECTED_REASON)
    uow.orders.set_verdict(order.id, OrderStatus.ACCEPTED, verdict)
    return OrderOutcome(order.id, order.idempotency_key, verdict.status, order.xsu_minor,
                        verdict.reason_code, verdict.reason)


def _check_receiver(ids: Mapping[AuthorityCode, int], order: StoredOrder,
                    by_authority: str) -> None:
    """Only the receiving authority decides; the payer is told so, anyone else sees nothing."""
    caller = ids.get(AuthorityCode(by_authority.strip().upper()))
    if caller == order.creditor_authority_id:
        return
    if caller is not None and caller == order.debtor_authority_id:
        receiver = next(code for code, i in ids.items() if i == order.creditor_authority_id)
        raise AccessDenied(f"{by_authority.strip().upper()} pays order {order.id}: only the "
                           f"receiving authority ({receiver}) confirms or rejects it",
                           field="order_id")
    raise UnknownParty(f"no payment order {order.id} for {by_authority}", field="order_id")


@retry_transient
def confirm_all(uow: UnitOfWork, by_authority: str, period_code: str) -> int:
    """The receiving authority confirms every accepted order addressed to it in a period.

    Its debtors are known only once the orders are read, so every position row of the period is
    locked first (in the global order); the orders are then read and posted under those locks.
    """
    with uow:
        authority_id = uow.members.authority_ids().get(
            AuthorityCode(by_authority.strip().upper()))
        if authority_id is None:
            raise UnknownParty(f"no monetary authority {by_authority}", field="authority")
        found = uow.periods.by_code(period_code)
        if found is None:
            raise UnknownParty(f"no clearing period {period_code}", field="period")
        period = uow.periods.by_id(found.id, lock=True, shared=True)
        if period.state is not PeriodState.OPEN:
            raise InvalidState(f"period {period.code} is {period.state}", field="period")
        uow.positions.lock_all(period.id)
        posted = uow.journal.post_accepted_orders(period.id, creditor_id=authority_id)
        uow.commit()
        return posted


@retry_transient
def submit_batch(uow: UnitOfWork, requests: Sequence[OrderRequest]
                 ) -> list[OrderOutcome | SucreError]:
    """Submit orders as one atomic batch (one transaction): each gets its outcome or its error.

    Bad orders are not written; the others are limit-checked in sequence and written together
    (:func:`import_orders` with one batch). Either the whole batch is applied, or nothing is: a
    caller that answers for every order (an API batch, a pacs.008) never answers for half of
    them. Replays are answered from the stored order.
    """
    if not 1 <= len(requests) <= bounds.import_batch_orders_max:
        raise LimitExceeded(f"a batch holds 1 to {bounds.import_batch_orders_max} orders",
                            field="orders")
    numbered = list(enumerate(requests))
    with uow:
        known_before = set(uow.orders.by_keys(_lookup_keys(numbered)))
        report = import_orders(uow, numbered, batch_orders=len(requests),
                               errors_listed_max=len(requests))
        invariant(report.invalid == len(report.errors), "a batch lists every one of its errors")
        errors = {e.line: SucreError(e.message, field=e.field, reason_code=e.reason_code)
                  for e in report.errors}
        stored = uow.orders.by_keys([order_key(r.idempotency_key) for i, r in numbered
                                     if i not in errors])
        uow.commit()
    results: list[OrderOutcome | SucreError] = []
    for index, request in numbered:
        if index in errors:
            results.append(errors[index])
            continue
        key = request.idempotency_key.strip()
        invariant(key in stored, "every order of the batch without error was written")
        results.append(_outcome(stored[key], replayed=key in known_before))
    return results


# --- bulk import ----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    field: str | None
    reason_code: str
    message: str


@dataclass(slots=True)
class ImportReport:
    """Counts of an import, and its first bad rows (memory stays bounded however many fail)."""

    accepted: int = 0
    rejected: int = 0  # business rejections (limits), kept as rejected orders
    replayed: int = 0
    invalid: int = 0  # bad rows, nothing written for them: the exact count
    errors: list[RowError] = field(default_factory=list)  # the first errors_listed_max of them
    errors_listed_max: int = bounds.import_errors_listed_max

    def add_error(self, error: RowError) -> None:
        self.invalid += 1
        if len(self.errors) < self.errors_listed_max:
            self.errors.append(error)


def import_orders(uow: UnitOfWork, rows: Iterable[tuple[int, OrderRequest]], *,
                  batch_orders: int = bounds.import_batch_orders_default,
                  on_progress: Callable[[int], None] | None = None,
                  errors_listed_max: int = bounds.import_errors_listed_max) -> ImportReport:
    """Import numbered requests; bad rows are counted, good rows commit per batch.

    The first ``errors_listed_max`` bad rows are kept with their reason; the others are only
    counted (``ImportReport.invalid``).

    A batch is one block of the unit of work (one transaction): its orders are validated, their
    keys checked, the period's position rows locked (in authority order), each order
    limit-checked in sequence against the running positions, and all rows written together.
    """
    if not 1 <= batch_orders <= bounds.import_batch_orders_max:
        raise LimitExceeded(f"batch size must be 1..{bounds.import_batch_orders_max}",
                            field="batch_orders")
    report = ImportReport(errors_listed_max=errors_listed_max)
    batch: list[tuple[int, OrderRequest]] = []
    for numbered in rows:
        batch.append(numbered)
        if len(batch) >= batch_orders:
            _import_batch(uow, batch, report)
            if on_progress:
                on_progress(len(batch))
            batch = []
    if batch:
        _import_batch(uow, batch, report)
        if on_progress:
            on_progress(len(batch))
    return report


def _import_batch(uow: UnitOfWork, batch: Sequence[tuple[int, OrderRequest]],
                  report: ImportReport) -> None:
    done = _run_batch(uow, batch)
    report.accepted += done.accepted
    report.rejected += done.rejected
    report.replayed += done.replayed
    for error in done.errors:
        report.add_error(error)


@retry_transient
def _run_batch(uow: UnitOfWork, batch: Sequence[tuple[int, OrderRequest]]) -> ImportReport:
    """One batch in one transaction; its own report, so that a re-run counts nothing twice.

    The batch's report lists every one of its errors (at most a batch of them); the caller's
    report keeps the first ones and counts all.
    """
    report = ImportReport(errors_listed_max=len(batch))
    with uow:
        context = context_for(uow)
        known = uow.orders.by_keys(_lookup_keys(batch))
        orders = _validate_batch(batch, context, known, report)
        by_period: dict[int, list[tuple[int, PaymentOrder]]] = defaultdict(list)
        for line, order in orders:
            by_period[order.period_id].append((line, order))
        for period_id in sorted(by_period):
            _reserve_batch(uow, period_id, by_period[period_id], report)
        uow.commit()
    return report


def _lookup_keys(batch: Sequence[tuple[int, OrderRequest]]) -> list[str]:
    """The batch's well-formed keys; a malformed one is reported by validation, not looked up."""
    keys = []
    for _, request in batch:
        try:
            keys.append(order_key(request.idempotency_key))
        except InvalidInput:
            continue
    return keys


def _validate_batch(batch: Sequence[tuple[int, OrderRequest]], context: ClearingContext,
                    known: Mapping[str, StoredOrder], report: ImportReport
                    ) -> list[tuple[int, PaymentOrder]]:
    orders: list[tuple[int, PaymentOrder]] = []
    seen: set[str] = set()
    for line, request in batch:
        key = request.idempotency_key.strip()
        try:
            if key in known:
                _replay(known[key], request)
                report.replayed += 1
                continue
            if key in seen:
                raise IdempotencyConflict("idempotency key repeated within the file",
                                          field="idempotency_key")
            orders.append((line, validate_order(request, context)))
            seen.add(key)
        except SucreError as error:
            report.add_error(RowError(line, error.field, error.reason_code, error.message))
    return orders


def _reserve_batch(uow: UnitOfWork, period_id: int,
                   orders: Sequence[tuple[int, PaymentOrder]], report: ImportReport) -> None:
    period = uow.periods.by_id(period_id, lock=True, shared=True)
    if period.state is not PeriodState.OPEN:
        # The period began to close after validation: these rows are refused, not lost.
        for line, _ in orders:
            report.add_error(RowError(line, "value_date", "DT01",
                                      f"period {period.code} is {period.state}"))
        return
    ids = uow.members.authority_ids()
    positions = uow.positions.lock_all(period_id)
    debits: dict[int, int] = defaultdict(int)
    credits: dict[int, int] = defaultdict(int)
    decided: list[tuple[PaymentOrder, Verdict]] = []
    for _, order in orders:
        debtor, creditor = ids[order.debtor_authority], ids[order.creditor_authority]
        # The position as locked, with this batch's earlier reservations on top: one sum per
        # debtor instead of a new Position per accepted order (the loop is the import's hot path).
        if within_limit(positions[debtor], debits[debtor] + order.xsu_minor):
            debits[debtor] += order.xsu_minor
            credits[creditor] += order.xsu_minor
            decided.append((order, ACCEPTED))
            report.accepted += 1
        else:
            decided.append((order, OVER_LIMIT))
            report.rejected += 1
    for debtor, amount in debits.items():
        if amount:  # (a debtor whose orders were all rejected has a zero)
            reserve(positions[debtor], amount)  # the batch's total fits the debtor's headroom
    uow.orders.add_all(decided, ids)
    uow.positions.add_pending(period_id, debits, credits)

"""A unit of work in memory: orders, positions, periods, members, rates and the posting of
accepted orders as Python objects.

It proves that the payment use cases depend only on :mod:`sucre.service.unit_of_work` (no
database), and runs their tests in microseconds. The limit is applied with
:mod:`sucre.domain.positions` itself, not restated. A block left without a commit is undone
(each block keeps a copy of the state it began with); the other repositories raise
``NotImplementedError``.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from types import TracebackType
from typing import Any, Self

from sucre.domain.errors import invariant
from sucre.domain.members import (
    AuthorityCode,
    MemberCode,
    MemberState,
    MonetaryAuthority,
)
from sucre.domain.money import XSU, CurrencyCode
from sucre.domain.orders import OrderStatus, OrderView, PaymentOrder, StoredOrder, Verdict
from sucre.domain.periods import ClearingPeriod, PeriodState
from sucre.domain.positions import (
    AuthorityPosition,
    Position,
    reserve,
    reserve_credit,
    within_limit,
)
from sucre.domain.rates import DailyRates
from sucre.service import bloc


@dataclass
class State:
    """Everything the fake stores (copied whole when a block begins: it is small)."""

    authorities: dict[AuthorityCode, MonetaryAuthority]
    authority_ids: dict[AuthorityCode, int]
    members: dict[MemberCode, MemberState]
    periods: list[ClearingPeriod]
    rates: dict[dt.date, DailyRates]
    positions: dict[tuple[int, int], Position]  # by (period id, authority id)
    credit_lines: dict[tuple[int, int], int]
    orders: dict[int, tuple[PaymentOrder, StoredOrder, dt.datetime]] = field(default_factory=dict)

    def code_of(self, authority_id: int) -> AuthorityCode:
        return next(code for code, i in self.authority_ids.items() if i == authority_id)


def bloc_state(limits: Mapping[str, tuple[int, int]], per_xsu: Mapping[str, Fraction],
               start: dt.date, days: int) -> State:
    """The bloc of :mod:`sucre.service.bloc`, one open half-year period from ``start`` with
    ``limits`` (allocation, credit line), and the same rates published on ``days`` days."""
    authorities = {AuthorityCode(code): MonetaryAuthority(AuthorityCode(code), name,
                                                          CurrencyCode(currency))
                   for code, name, currency in bloc.AUTHORITIES}
    ids = {code: number for number, code in enumerate(authorities, start=1)}
    members = {MemberCode(code): MemberState(MemberCode(code), name, AuthorityCode(authority))
               for code, name, authority in bloc.MEMBERS}
    period = ClearingPeriod(1, f"{start.year}-H2", start, dt.date(start.year, 12, 31),
                            PeriodState.OPEN)
    rates = {CurrencyCode(c): rate for c, rate in per_xsu.items()} | {XSU: Fraction(1)}
    return State(
        authorities, ids, members, [period],
        {start + dt.timedelta(days=n): DailyRates(start + dt.timedelta(days=n), rates)
         for n in range(days)},
        {(period.id, ids[AuthorityCode(a)]): Position(allocation + line)
         for a, (allocation, line) in limits.items()},
        {(period.id, ids[AuthorityCode(a)]): line for a, (_, line) in limits.items()})


class NotInMemory:
    """A repository the fake does not hold (yet)."""

    def __getattr__(self, name: str) -> Any:
        raise NotImplementedError(f"{name}: not in the in-memory unit of work")


class _Repository(NotInMemory):
    """A repository in memory; what it does not hold raises ``NotImplementedError``."""

    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def state(self) -> State:
        invariant(self._uow.in_transaction, "the unit of work is entered")
        return self._uow.state


class FakeOrders(_Repository):
    def by_key(self, key: str) -> StoredOrder | None:
        return next((s for _, s, _ in self.state.orders.values() if s.idempotency_key == key),
                    None)

    def by_id(self, order_id: int, *, lock: bool = False) -> StoredOrder | None:
        found = self.state.orders.get(order_id)
        return None if found is None else found[1]

    def by_keys(self, keys: Sequence[str]) -> dict[str, StoredOrder]:
        wanted = set(keys)
        return {s.idempotency_key: s for _, s, _ in self.state.orders.values()
                if s.idempotency_key in wanted}

    def add(self, order: PaymentOrder, ids: Mapping[AuthorityCode, int], verdict: Verdict
            ) -> int:
        invariant(self.by_key(order.idempotency_key) is None, "an order key is unique")
        order_id = len(self.state.orders) + 1
        self.state.orders[order_id] = (order, StoredOrder(
            order_id, order.idempotency_key, order.body_hash, verdict.status,
            verdict.reason_code, verdict.reason, order.period_id, ids[order.debtor_authority],
            ids[order.creditor_authority], order.xsu_minor), dt.datetime.now(dt.UTC))
        return order_id

    def add_all(self, decided: Sequence[tuple[PaymentOrder, Verdict]],
                ids: Mapping[AuthorityCode, int]) -> None:
        for order, verdict in decided:
            self.add(order, ids, verdict)

    def set_verdict(self, order_id: int, expected: OrderStatus, verdict: Verdict) -> None:
        order, stored, received = self.state.orders[order_id]
        invariant(stored.status is expected, f"order {order_id} is {expected}")
        self.state.orders[order_id] = (order, replace(
            stored, status=verdict.status, reason_code=verdict.reason_code,
            reason=verdict.reason), received)

    def counts(self, period_id: int | None = None) -> dict[OrderStatus, int]:
        counts: dict[OrderStatus, int] = {}
        for _, s, _ in self.state.orders.values():
            if period_id is None or s.period_id == period_id:
                counts[s.status] = counts.get(s.status, 0) + 1
        return counts

    def last_id(self) -> int:
        return max(self.state.orders, default=0)

    def ids_after(self, after_id: int, listed_max: int) -> tuple[list[int], int]:
        ids = sorted(i for i in self.state.orders if i > after_id)
        return ids[:listed_max], len(ids)

    def view(self, order_id: int, *, visible_to: int | None) -> OrderView | None:
        views = self.views(visible_to=visible_to, after_id=order_id - 1, limit=1)
        return views[0] if views and views[0].stored.id == order_id else None

    def views(self, *, visible_to: int | None, after_id: int, limit: int,
              period_id: int | None = None, status: OrderStatus | None = None,
              party_id: int | None = None, side: str | None = None) -> list[OrderView]:
        def party(s: StoredOrder, authority_id: int | None, side: str | None) -> bool:
            return authority_id is None or (
                side != "creditor" and s.debtor_authority_id == authority_id) or (
                side != "debtor" and s.creditor_authority_id == authority_id)

        found = [self._view(i) for i, (_, s, _) in sorted(self.state.orders.items())
                 if i > after_id and party(s, visible_to, None) and party(s, party_id, side)
                 and period_id in (None, s.period_id) and status in (None, s.status)]
        return found[:limit]

    def _view(self, order_id: int) -> OrderView:
        order, stored, received = self.state.orders[order_id]
        period = next(p for p in self.state.periods if p.id == order.period_id)
        return OrderView(order, stored, period.code, received)


class FakePositions(_Repository):
    def lock_of(self, period_id: int, authority_ids: Iterable[int]) -> None:
        """Nothing to lock: one thread at a time."""

    def lock_all(self, period_id: int) -> dict[int, Position]:
        return {a: p for (period, a), p in self.state.positions.items() if period == period_id}

    def reserve(self, period_id: int, debtor_id: int, creditor_id: int, xsu_minor: int
                ) -> bool:
        positions = self.state.positions
        debtor, creditor = (period_id, debtor_id), (period_id, creditor_id)
        if not within_limit(positions[debtor], xsu_minor):
            return False
        positions[debtor] = reserve(positions[debtor], xsu_minor)
        positions[creditor] = reserve_credit(positions[creditor], xsu_minor)
        return True

    def release(self, period_id: int, debtor_id: int, creditor_id: int, xsu_minor: int
                ) -> None:
        # A Position refuses a negative sum: releasing what was not reserved fails here too.
        self._move(period_id, debtor_id, debit_pending_minor=-xsu_minor)
        self._move(period_id, creditor_id, credit_pending_minor=-xsu_minor)

    def add_pending(self, period_id: int, debits: Mapping[int, int],
                    credits: Mapping[int, int]) -> None:
        for authority_id in set(debits) | set(credits):
            self._move(period_id, authority_id, debit_pending_minor=debits.get(authority_id, 0),
                       credit_pending_minor=credits.get(authority_id, 0))

    def in_period(self, period_id: int) -> list[AuthorityPosition]:
        state = self.state
        return sorted((AuthorityPosition(state.code_of(a), p, state.credit_lines[period, a])
                       for (period, a), p in state.positions.items() if period == period_id),
                      key=lambda found: found.authority)

    def _move(self, period_id: int, authority_id: int, **deltas: int) -> None:
        position = self.state.positions[period_id, authority_id]
        self.state.positions[period_id, authority_id] = replace(
            position, **{name: getattr(position, name) + delta for name, delta in deltas.items()})


class FakePeriods(_Repository):
    def on(self, day: dt.date) -> ClearingPeriod | None:
        return next((p for p in self.state.periods if p.contains(day)), None)

    def by_code(self, code: str) -> ClearingPeriod | None:
        return next((p for p in self.state.periods if p.code == code), None)

    def by_id(self, period_id: int, *, lock: bool = False, shared: bool = False
              ) -> ClearingPeriod:
        return next(p for p in self.state.periods if p.id == period_id)

    def all(self) -> list[ClearingPeriod]:
        return sorted(self.state.periods, key=lambda p: p.start)

    def set_state(self, period: ClearingPeriod, stamp_column: str) -> None:
        self.state.periods = [period if p.id == period.id else p for p in self.state.periods]


class FakeMembers(_Repository):
    def authorities(self) -> dict[AuthorityCode, MonetaryAuthority]:
        return dict(self.state.authorities)

    def authority_ids(self) -> dict[AuthorityCode, int]:
        return dict(self.state.authority_ids)

    def members(self, on: dt.date | None = None) -> dict[MemberCode, MemberState]:
        return dict(self.state.members)


class FakeRates(_Repository):
    def on(self, day: dt.date) -> DailyRates | None:
        return self.state.rates.get(day)

    def latest_until(self, day: dt.date) -> DailyRates | None:
        days = [d for d in self.state.rates if d <= day]
        return self.state.rates[max(days)] if days else None


class FakeJournal(_Repository):
    """Only posting accepted orders: pending moves to posted, the orders are settled."""

    def post_accepted_orders(self, period_id: int, order_id: int | None = None,
                             creditor_id: int | None = None) -> int:
        uow = self._uow
        posted = 0
        for number, (_, stored, _) in list(self.state.orders.items()):
            if (stored.period_id != period_id or stored.status is not OrderStatus.ACCEPTED
                    or order_id not in (None, number)
                    or creditor_id not in (None, stored.creditor_authority_id)):
                continue
            amount = stored.xsu_minor
            uow.positions._move(period_id, stored.debtor_authority_id,  # noqa: SLF001
                                debit_pending_minor=-amount, debit_posted_minor=amount)
            uow.positions._move(period_id, stored.creditor_authority_id,  # noqa: SLF001
                                credit_pending_minor=-amount, credit_posted_minor=amount)
            uow.orders.set_verdict(number, OrderStatus.ACCEPTED, Verdict(OrderStatus.SETTLED))
            posted += 1
        return posted


class FakeUnitOfWork:
    def __init__(self, state: State) -> None:
        self.state = state
        self._saved: list[tuple[State, bool]] = []  # per open block: its start, committed
        self.orders = FakeOrders(self)
        self.positions = FakePositions(self)
        self.periods = FakePeriods(self)
        self.members = FakeMembers(self)
        self.rates = FakeRates(self)
        self.journal = FakeJournal(self)
        self.decisions = self.settlements = self.invoices = self.proposals = NotInMemory()
        self.setoff_runs = self.api_keys = self.idempotency = NotInMemory()
        self.pending_actions = self.funds = self.firms = self.petrocaribe = NotInMemory()

    @property
    def in_transaction(self) -> bool:
        return bool(self._saved)

    def __enter__(self) -> Self:
        self._saved.append((copy.deepcopy(self.state), False))
        return self

    def commit(self) -> None:
        invariant(bool(self._saved) and not self._saved[-1][1],
                  "commit inside an open, uncommitted block")
        self._saved[-1] = (self._saved[-1][0], True)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        start, committed = self._saved.pop()
        if not committed:
            self.state = start

"""The unit of work: what a use case reads and writes, and the one transaction it commits.

A use case receives a :class:`UnitOfWork`, enters it (``with uow:`` opens the transaction),
reads and writes through its repositories (one per aggregate), and calls :meth:`commit` once;
leaving the block without committing undoes everything (a typed ``SucreError`` raised for bad
input writes nothing). A unit of work can be entered again (a close is two transactions, an
import one per batch), and entered *inside* an open one: the inner block is then a savepoint of
the outer transaction, and the outer block decides. That is how an HTTP request stores its
idempotency record in the action's own transaction (:mod:`sucre.entrypoints.api.deps`).

The repositories are protocols here, so that a use case names what it needs and nothing of the
storage; :mod:`sucre.adapters.db.unit_of_work` implements them over SQLAlchemy (SQLite and
PostgreSQL), ``tests/service/fake_uow.py`` in memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from types import TracebackType
from typing import Protocol, Self

from sucre.domain.members import (
    AuthorityCode,
    MemberCode,
    MemberState,
    MonetaryAuthority,
)
from sucre.domain.orders import OrderStatus, OrderView, PaymentOrder, StoredOrder, Verdict
from sucre.domain.periods import ClearingPeriod
from sucre.domain.positions import AuthorityPosition, Position
from sucre.domain.rates import DailyRates


class Orders(Protocol):
    """Payment orders: by key and id, written one or many at a time, their status, views."""

    def by_key(self, key: str) -> StoredOrder | None: ...

    def by_id(self, order_id: int, *, lock: bool = False) -> StoredOrder | None:
        """One order; ``lock`` takes its row lock (after its period's and positions' rows)."""

    def by_keys(self, keys: Sequence[str]) -> dict[str, StoredOrder]:
        """The stored orders of those ``keys`` that are taken, by key."""

    def add(self, order: PaymentOrder, ids: Mapping[AuthorityCode, int], verdict: Verdict
            ) -> int:
        """Write one order with its verdict (``ids``: the authorities' ids); its new id."""

    def add_all(self, decided: Sequence[tuple[PaymentOrder, Verdict]],
                ids: Mapping[AuthorityCode, int]) -> None:
        """Write a batch of orders with their verdicts, in order, received at one moment."""

    def set_verdict(self, order_id: int, expected: OrderStatus, verdict: Verdict) -> None:
        """Move an order from the status ``expected`` to ``verdict``'s."""

    def counts(self, period_id: int | None = None) -> dict[OrderStatus, int]:
        """How many orders have each status (of one period, when it is given)."""

    def last_id(self) -> int:
        """The highest order id (0 before the first order)."""

    def ids_after(self, after_id: int, listed_max: int) -> tuple[list[int], int]:
        """The first ``listed_max`` order ids above ``after_id``, and how many there are."""

    def view(self, order_id: int, *, visible_to: int | None) -> OrderView | None:
        """One order with its codes; None if absent or ``visible_to`` is no party to it."""

    def views(self, *, visible_to: int | None, after_id: int, limit: int,
              period_id: int | None = None, status: OrderStatus | None = None,
              party_id: int | None = None, side: str | None = None) -> list[OrderView]:
        """Up to ``limit`` orders with an id above ``after_id``, in id order: only those
        ``visible_to`` is a party to (None: all), in ``period_id``, in ``status``, and with
        ``party_id`` as the debtor or creditor (``side``)."""


class Positions(Protocol):
    """Each authority's position in each period: reservations within the limit, pending,
    posted. Rows are locked in ``authority_id`` order, after their period's row (the global
    lock order of :mod:`sucre.adapters.db.engine`)."""

    def lock_of(self, period_id: int, authority_ids: Iterable[int]) -> None:
        """Lock the position rows of some authorities in a period."""

    def lock_all(self, period_id: int) -> dict[int, Position]:
        """Lock every position row of a period and read them, by authority id."""

    def reserve(self, period_id: int, debtor_id: int, creditor_id: int, xsu_minor: int
                ) -> bool:
        """Reserve an order if it is within the debtor's limit
        (:func:`sucre.domain.positions.within_limit`); False, and nothing changed, if not."""

    def release(self, period_id: int, debtor_id: int, creditor_id: int, xsu_minor: int
                ) -> None:
        """Release an order's reservation."""

    def add_pending(self, period_id: int, debits: Mapping[int, int],
                    credits: Mapping[int, int]) -> None:
        """Apply a batch's reservations, checked against the rows of :meth:`lock_all`."""

    def in_period(self, period_id: int) -> list[AuthorityPosition]:
        """Every authority's position in a period, by authority code."""


class Periods(Protocol):
    """Clearing periods: by date, code and id, their state."""

    def on(self, day: dt.date) -> ClearingPeriod | None:
        """The period ``day`` falls in."""

    def by_code(self, code: str) -> ClearingPeriod | None: ...

    def by_id(self, period_id: int, *, lock: bool = False, shared: bool = False
              ) -> ClearingPeriod:
        """One period; ``lock`` takes its row lock (``shared``: FOR SHARE), the first lock of
        every transaction that takes several."""

    def all(self) -> list[ClearingPeriod]: ...

    def set_state(self, period: ClearingPeriod, stamp_column: str) -> None: ...


class Members(Protocol):
    """Member states and monetary authorities."""

    def authorities(self) -> dict[AuthorityCode, MonetaryAuthority]: ...

    def authority_ids(self) -> dict[AuthorityCode, int]: ...

    def members(self) -> dict[MemberCode, MemberState]: ...


class Rates(Protocol):
    """Fixings, baskets and the published daily XSU rates."""

    def on(self, day: dt.date) -> DailyRates | None:
        """The XSU rates published for ``day``."""

    def latest_until(self, day: dt.date) -> DailyRates | None: ...


class Decisions(Protocol):
    """The council's decisions: parameters, allocations and credit lines, with effective dates."""


class Journal(Protocol):
    """The double-entry journal: entries appended, balances and positions derived."""


class Settlements(Protocol):
    """Each period's settlement: instructions, confirmations, the stored report."""


class Invoices(Protocol):
    """Traders' unpaid invoices awaiting set-off."""


class SetoffRuns(Protocol):
    """Set-off runs and what each cleared."""


class ApiKeys(Protocol):
    """API clients and their keys."""


class Idempotency(Protocol):
    """Idempotency records of API requests, and the access log."""


class UnitOfWork(Protocol):
    # Read-only (properties): an implementation's repositories may then be of its own classes
    # (a mutable protocol attribute must have exactly the protocol's type).
    @property
    def orders(self) -> Orders: ...
    @property
    def positions(self) -> Positions: ...
    @property
    def periods(self) -> Periods: ...
    @property
    def members(self) -> Members: ...
    @property
    def rates(self) -> Rates: ...
    @property
    def decisions(self) -> Decisions: ...
    @property
    def journal(self) -> Journal: ...
    @property
    def settlements(self) -> Settlements: ...
    @property
    def invoices(self) -> Invoices: ...
    @property
    def setoff_runs(self) -> SetoffRuns: ...
    @property
    def api_keys(self) -> ApiKeys: ...
    @property
    def idempotency(self) -> Idempotency: ...

    @property
    def in_transaction(self) -> bool:
        """Whether a block is open (a nested use case does not retry on its own)."""

    def __enter__(self) -> Self: ...

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None: ...

    def commit(self) -> None:
        """Make the innermost block's writes part of the outer one, or durable if outermost."""

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
from collections.abc import Collection, Iterable, Sequence
from types import TracebackType
from typing import Protocol, Self

from sucre.domain.confirmations import Confirmation, PayableInstruction
from sucre.domain.ledger import AccountLine, EntryKind, JournalEntry
from sucre.domain.members import AuthorityCode, MemberCode, MemberState, MonetaryAuthority
from sucre.domain.money import CurrencyCode
from sucre.domain.orders import OrderStatus
from sucre.domain.periods import ClearingPeriod
from sucre.domain.rates import DailyRates
from sucre.domain.settlement import Corridor, MemberFlows, SettlementRecord


class Orders(Protocol):
    """Payment orders: by key and id, written one or many at a time, their status, views."""


class Positions(Protocol):
    """Each authority's position in each period: reservations within the limit, pending,
    posted."""


class Periods(Protocol):
    """Clearing periods: by date, code and id, their state."""

    def on(self, day: dt.date) -> ClearingPeriod | None: ...

    def by_code(self, code: str) -> ClearingPeriod | None: ...

    def by_id(self, period_id: int, *, lock: bool = False, shared: bool = False
              ) -> ClearingPeriod: ...

    def all(self) -> list[ClearingPeriod]: ...

    def set_state(self, period: ClearingPeriod, stamp_column: str) -> None: ...


class Members(Protocol):
    """Member states and monetary authorities."""

    def authorities(self) -> dict[AuthorityCode, MonetaryAuthority]: ...

    def authority_ids(self) -> dict[AuthorityCode, int]: ...

    def members(self) -> dict[MemberCode, MemberState]: ...


class Rates(Protocol):
    """Fixings, baskets and the published daily XSU rates."""

    def on(self, day: dt.date) -> DailyRates | None: ...

    def latest_until(self, day: dt.date) -> DailyRates | None: ...


class Decisions(Protocol):
    """The council's decisions: parameters, allocations and credit lines, with effective dates."""


class Journal(Protocol):
    """The double-entry journal: entries appended, balances and positions derived."""

    def append(self, entries: Iterable[JournalEntry]) -> None: ...

    def post_accepted_orders(self, period_id: int, order_id: int | None = None,
                             creditor_id: int | None = None) -> int:
        """Post accepted orders (one, those to one creditor, or all of a period); how many."""

    def positions(self, period_id: int, kinds: Sequence[EntryKind] = (EntryKind.ORDER,)
                  ) -> dict[str, int]:
        """XSU balance per account from a period's entries of ``kinds``."""

    def totals(self) -> dict[CurrencyCode, int]: ...

    def balances(self) -> dict[tuple[str, CurrencyCode], int]: ...

    def account_lines(self, period_id: int, account: str, currency: CurrencyCode
                      ) -> list[AccountLine]: ...

    def corridor_gross(self, period_id: int) -> dict[Corridor, int]:
        """Gross XSU per (debtor, creditor) over the period's settled orders."""

    def member_flows(self, period_id: int) -> dict[MemberCode, MemberFlows]: ...

    def order_counts(self, period_id: int) -> dict[OrderStatus, int]: ...


class Settlements(Protocol):
    """Each period's settlement: the record of its close (typed rows), its confirmations."""

    def add(self, period: ClearingPeriod, record: SettlementRecord) -> None: ...

    def record(self, period_id: int) -> SettlementRecord | None: ...

    def lock(self, period_ids: Collection[int]) -> None:
        """Lock the settlements of some periods, in period order."""

    def payable(self, periods: Collection[ClearingPeriod]) -> list[PayableInstruction]: ...

    def confirmed_references(self, period_id: int) -> set[str]: ...

    def confirmations_of(self, period_ids: Collection[int]) -> dict[str, Confirmation]: ...

    def confirmations_by_uetr(self, uetrs: Collection[str]) -> dict[str, Confirmation]: ...

    def add_confirmations(self, confirmations: Sequence[Confirmation]) -> None: ...


class Invoices(Protocol):
    """Traders' unpaid invoices awaiting set-off."""


class SetoffRuns(Protocol):
    """Set-off runs and what each cleared."""


class ApiKeys(Protocol):
    """API clients and their keys."""


class Idempotency(Protocol):
    """Idempotency records of API requests, and the access log."""


class UnitOfWork(Protocol):
    # Read-only properties, not attributes: a protocol's attribute is invariant, and the SQL
    # unit of work holds its own repository types (SqlOrders for Orders, ...).
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

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

from types import TracebackType
from typing import Protocol, Self


class Orders(Protocol):
    """Payment orders: by key and id, written one or many at a time, their status, views."""


class Positions(Protocol):
    """Each authority's position in each period: reservations within the limit, pending,
    posted."""


class Periods(Protocol):
    """Clearing periods: by date, code and id, their state."""


class Members(Protocol):
    """Member states and monetary authorities."""


class Rates(Protocol):
    """Fixings, baskets and the published daily XSU rates."""


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
    orders: Orders
    positions: Positions
    periods: Periods
    members: Members
    rates: Rates
    decisions: Decisions
    journal: Journal
    settlements: Settlements
    invoices: Invoices
    setoff_runs: SetoffRuns
    api_keys: ApiKeys
    idempotency: Idempotency

    @property
    def in_transaction(self) -> bool:
        """Whether a block is open (a nested use case does not retry on its own)."""

    def __enter__(self) -> Self: ...

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None: ...

    def commit(self) -> None:
        """Make the innermost block's writes part of the outer one, or durable if outermost."""

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
from collections.abc import Collection, Mapping, Sequence
from types import TracebackType
from typing import Protocol, Self

from sucre.domain.members import AuthorityCode, MemberCode, MemberState, MonetaryAuthority
from sucre.domain.rates import DailyRates
from sucre.domain.setoff.runs import (
    BalanceChange,
    ClearedInvoice,
    Invoice,
    InvoiceClearing,
    OpenInvoices,
    RecordedRun,
    Residual,
    RunFindings,
    RunListing,
)


class Orders(Protocol):
    """Payment orders: by key and id, written one or many at a time, their status, views."""


class Positions(Protocol):
    """Each authority's position in each period: reservations within the limit, pending,
    posted."""


class Periods(Protocol):
    """Clearing periods: by date, code and id, their state."""


class Members(Protocol):
    """Member states and monetary authorities."""

    def authorities(self) -> dict[AuthorityCode, MonetaryAuthority]: ...

    def members(self) -> dict[MemberCode, MemberState]: ...


class Rates(Protocol):
    """Fixings, baskets and the published daily XSU rates."""

    def on(self, day: dt.date) -> DailyRates | None:
        """The XSU rates published for ``day``."""


class Decisions(Protocol):
    """The council's decisions: parameters, allocations and credit lines, with effective dates."""


class Journal(Protocol):
    """The double-entry journal: entries appended, balances and positions derived."""


class Settlements(Protocol):
    """Each period's settlement: instructions, confirmations, the stored report."""


class Invoices(Protocol):
    """Traders' unpaid invoices awaiting set-off."""

    def by_external_ids(self, external_ids: Sequence[str]) -> dict[str, Invoice]:
        """The stored invoices among ``external_ids`` (as first stored), by id."""

    def add(self, invoices: Sequence[Invoice]) -> None:
        """Store new invoices, each with its whole amount remaining."""

    def open_for_update(self) -> OpenInvoices:
        """Every invoice with something remaining, oldest first, locked for this block."""

    def reduce(self, changes: Sequence[BalanceChange]) -> None:
        """Move remaining amounts, each from exactly what was read (else an invariant breaks)."""

    def unpaid_with_goods(self) -> list[Residual]:
        """Open invoices with goods data whose residual no payment order pays yet, oldest
        first."""

    def link_orders(self, order_keys: Mapping[str, str]) -> None:
        """Link each invoice (by its id) to the payment order with the key given for it, unless
        that order is missing or was rejected."""


class SetoffRuns(Protocol):
    """Set-off runs and what each cleared."""

    def add(self, findings: RunFindings) -> RecordedRun:
        """Record a run's findings (stamped now)."""

    def add_clearings(self, run_id: int, clearings: Sequence[InvoiceClearing]) -> None: ...

    def all(self) -> list[RunListing]:
        """Every recorded run, oldest first."""

    def by_id(self, run_id: int) -> RecordedRun | None: ...

    def clearings(self, run_id: int, *, members: Collection[str] | None, limit: int,
                  offset: int) -> list[ClearedInvoice]:
        """A page of a run's clearings in invoice order; with ``members``, only those of
        invoices whose debtor or creditor member state is one of them."""

    def count_clearings(self, run_id: int, *, members: Collection[str] | None) -> int:
        """How many clearings :meth:`clearings` pages through."""


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

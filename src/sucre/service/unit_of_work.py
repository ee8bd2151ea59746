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
from types import TracebackType
from typing import Protocol, Self

from sucre.domain.access import AccessRow, IdempotencyRecord, KeyHolder, KeyInfo, KeyOwner
from sucre.domain.members import AuthorityCode, MemberCode, MemberState, MonetaryAuthority
from sucre.domain.periods import ClearingPeriod
from sucre.domain.rates import DailyRates
from sucre.domain.roles import Role


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


class Settlements(Protocol):
    """Each period's settlement: instructions, confirmations, the stored report."""


class Invoices(Protocol):
    """Traders' unpaid invoices awaiting set-off."""


class SetoffRuns(Protocol):
    """Set-off runs and what each cleared."""


class ApiKeys(Protocol):
    """API clients and their keys."""

    def client_id(self, name: str) -> int | None: ...

    def add_client(self, name: str, role: Role, authority_id: int | None) -> int: ...

    def add_key(self, client_id: int, key_id: str, secret_hash: str) -> None: ...

    def active_key_count(self, client_id: int) -> int: ...

    def owner(self, key_id: str) -> KeyOwner | None: ...

    def revoke(self, key_row_id: int) -> None: ...

    def keys_of(self, client_id: int) -> list[KeyInfo]: ...

    def holder(self, key_id: str) -> KeyHolder | None: ...


class Idempotency(Protocol):
    """Idempotency records of API requests, and the access log."""

    def record(self, client_id: int, key: str) -> IdempotencyRecord | None: ...

    def add(self, record: IdempotencyRecord) -> None: ...

    def answer(self, client_id: int, key: str, status_code: int, response: str) -> int: ...

    def log_access(self, row: AccessRow) -> None: ...


class UnitOfWork(Protocol):
    # Read-only properties, so that an implementation may narrow each to its own repository.
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

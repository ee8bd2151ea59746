"""The unit of work over SQLAlchemy: one connection and transaction per outermost block.

``with uow:`` checks out a connection and begins a transaction (``BEGIN IMMEDIATE`` on SQLite,
READ COMMITTED on PostgreSQL, :mod:`sucre.adapters.db.engine`); a block entered inside it is a
SAVEPOINT. :meth:`SqlUnitOfWork.commit` commits the innermost block (releases its savepoint);
a block left without a commit is rolled back, and only that block. The repositories are bound
to the connection of the outermost block and are usable only inside it.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine, NestedTransaction, RootTransaction

from sucre.adapters.db.repositories.api_keys import SqlApiKeys
from sucre.adapters.db.repositories.decisions import SqlDecisions
from sucre.adapters.db.repositories.firms import SqlFirms
from sucre.adapters.db.repositories.funds import SqlFunds
from sucre.adapters.db.repositories.idempotency import SqlIdempotency
from sucre.adapters.db.repositories.invoices import SqlInvoices
from sucre.adapters.db.repositories.journal import SqlJournal
from sucre.adapters.db.repositories.members import SqlMembers
from sucre.adapters.db.repositories.orders import SqlOrders
from sucre.adapters.db.repositories.pending_actions import SqlPendingActions
from sucre.adapters.db.repositories.periods import SqlPeriods
from sucre.adapters.db.repositories.petrocaribe import SqlPetrocaribe
from sucre.adapters.db.repositories.positions import SqlPositions
from sucre.adapters.db.repositories.proposals import SqlProposals
from sucre.adapters.db.repositories.rates import SqlRates
from sucre.adapters.db.repositories.setoff_runs import SqlSetoffRuns
from sucre.adapters.db.repositories.settlements import SqlSettlements
from sucre.domain.errors import invariant


class SqlUnitOfWork:
    orders: SqlOrders
    positions: SqlPositions
    periods: SqlPeriods
    members: SqlMembers
    rates: SqlRates
    decisions: SqlDecisions
    proposals: SqlProposals
    journal: SqlJournal
    settlements: SqlSettlements
    funds: SqlFunds
    invoices: SqlInvoices
    setoff_runs: SqlSetoffRuns
    api_keys: SqlApiKeys
    idempotency: SqlIdempotency
    pending_actions: SqlPendingActions
    firms: SqlFirms
    petrocaribe: SqlPetrocaribe

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        # The open blocks, outermost first, and whether each was committed.
        self._blocks: list[RootTransaction | NestedTransaction] = []
        self._committed: list[bool] = []

    @property
    def in_transaction(self) -> bool:
        return bool(self._blocks)

    @property
    def connection(self) -> Connection:
        """The open block's connection (for the storage adapters, not for use cases)."""
        invariant(self._connection is not None, "the unit of work is entered")
        assert self._connection is not None  # for mypy
        return self._connection

    def __enter__(self) -> Self:
        if self._connection is None:
            conn = self.engine.connect()
            try:
                self._blocks.append(conn.begin())
            except BaseException:
                conn.close()
                raise
            self._connection = conn
            self._bind(conn)
        else:
            self._blocks.append(self._connection.begin_nested())
        self._committed.append(False)
        return self

    def _bind(self, conn: Connection) -> None:
        self.orders = SqlOrders(conn)
        self.positions = SqlPositions(conn)
        self.periods = SqlPeriods(conn)
        self.members = SqlMembers(conn)
        self.rates = SqlRates(conn)
        self.decisions = SqlDecisions(conn)
        self.proposals = SqlProposals(conn)
        self.journal = SqlJournal(conn)
        self.settlements = SqlSettlements(conn)
        self.funds = SqlFunds(conn)
        self.invoices = SqlInvoices(conn)
        self.setoff_runs = SqlSetoffRuns(conn)
        self.api_keys = SqlApiKeys(conn)
        self.idempotency = SqlIdempotency(conn)
        self.pending_actions = SqlPendingActions(conn)
        self.firms = SqlFirms(conn)
        self.petrocaribe = SqlPetrocaribe(conn)

    def commit(self) -> None:
        invariant(bool(self._blocks) and not self._committed[-1],
                  "commit inside an open, uncommitted block")
        self._blocks[-1].commit()
        self._committed[-1] = True

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        block = self._blocks.pop()
        committed = self._committed.pop()
        try:
            if not committed and block.is_active:
                block.rollback()
        finally:
            if not self._blocks and self._connection is not None:
                conn, self._connection = self._connection, None
                conn.close()

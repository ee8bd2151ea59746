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
from collections.abc import Collection, Iterable, Mapping, Sequence
from fractions import Fraction
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

from sucre.domain.access import AccessRow, IdempotencyRecord, KeyHolder, KeyInfo, KeyOwner
from sucre.domain.confirmations import Confirmation, PayableInstruction
from sucre.domain.decisions import Allocation, Decision
from sucre.domain.firms import Firm
from sucre.domain.four_eyes import ActionState, Actor, Payload, PendingAction
from sucre.domain.funds import Fund, MovementKind, MovementRequest, Project
from sucre.domain.funds import Movement as FundMovement
from sucre.domain.ledger import AccountLine, EntryKind, JournalEntry, Posting
from sucre.domain.loans import Credited, Instalment
from sucre.domain.members import (
    AuthorityCode,
    MemberCode,
    MemberState,
    MonetaryAuthority,
    StatusChange,
)
from sucre.domain.money import CurrencyCode
from sucre.domain.orders import OrderStatus, OrderView, PaymentOrder, StoredOrder, Verdict
from sucre.domain.parameters import Parameter, ParameterValues
from sucre.domain.periods import ClearingPeriod
from sucre.domain.petrocaribe import Agreement, Delivery, Loan, Shipment
from sucre.domain.petrocaribe import Movement as LoanMovement
from sucre.domain.positions import AuthorityPosition, Position
from sucre.domain.proposals import Ballot, Proposal, ProposalKind, Tally, Vote
from sucre.domain.rates import Basket, DailyRates
from sucre.domain.roles import Role
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
from sucre.domain.settlement import Corridor, MemberFlows, SettlementRecord

T = TypeVar("T")


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

    def member_counts(self, period_id: int, member: MemberCode) -> dict[OrderStatus, int]:
        """How many of a period's orders paying or paid to ``member`` have each status."""

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

    def holders(self, period_id: int) -> set[int]:
        """The ids of the authorities holding a position row in the period."""

    def add(self, period_id: int, authority_id: int, allocation: Allocation) -> None:
        """An authority's empty position in a period, its limit set by ``allocation``."""

    def set_limit(self, period_id: int, authority_id: int, allocation: Allocation) -> bool:
        """Set the limit of a position row, unless its net debit already exceeds the new limit
        (False: unchanged, or no such row)."""


class Periods(Protocol):
    """Clearing periods: by date, code and id, their state; and the position row each
    authority gets in each period, with the limit the council's allocation gives it."""

    def on(self, day: dt.date) -> ClearingPeriod | None:
        """The period ``day`` falls in."""

    def by_code(self, code: str) -> ClearingPeriod | None: ...

    def by_id(self, period_id: int, *, lock: bool = False, shared: bool = False
              ) -> ClearingPeriod:
        """One period; ``lock`` takes its row lock (``shared``: FOR SHARE), the first lock of
        every transaction that takes several."""

    def all(self) -> list[ClearingPeriod]:
        """Every period, by start date."""

    def set_state(self, period: ClearingPeriod, stamp_column: str) -> None: ...

    def open(self, code: str, start: dt.date, end: dt.date) -> ClearingPeriod:
        """Record a new open period (its position rows: :meth:`add_position`)."""

    def open_until(self, day: dt.date) -> list[ClearingPeriod]:
        """The open periods whose last day is on or after ``day``, by start date."""

    def unsettled(self) -> list[ClearingPeriod]: ...




class Members(Protocol):
    """Member states and monetary authorities."""

    def authorities(self) -> dict[AuthorityCode, MonetaryAuthority]: ...

    def authority_ids(self) -> dict[AuthorityCode, int]: ...

    def member_ids(self) -> dict[MemberCode, int]: ...

    def members(self, on: dt.date | None = None) -> dict[MemberCode, MemberState]:
        """With ``on``: the member states admitted by then, each with its status that day
        (withdrawn ones included). Without: every member state recorded, with its last
        recorded status (future changes included)."""

    def history(self, member: MemberCode | None = None) -> list[StatusChange]:
        """The status changes (of one member, or all), in effective order."""

    def add_authority(self, authority: MonetaryAuthority) -> None: ...

    def add_member(self, member: MemberState, authority_id: int) -> None:
        """Record a member state (its status comes from :meth:`add_status_change`)."""

    def add_status_change(self, change: StatusChange) -> None: ...

    def member_count(self) -> int: ...


class Rates(Protocol):
    """Fixings, baskets and the published daily XSU rates."""

    def on(self, day: dt.date) -> DailyRates | None:
        """The XSU rates published for ``day``."""

    def latest_until(self, day: dt.date) -> DailyRates | None: ...

    def latest_day(self) -> dt.date | None:
        """The last value date with published rates."""

    def fixings_on(self, day: dt.date) -> dict[CurrencyCode, Fraction]:
        """The official fixings of a day, units per USD."""

    def recorded_fixings(self, day: dt.date
                         ) -> dict[CurrencyCode, tuple[Fraction, Fraction | None]]:
        """The fixings of a day as recorded: official and market rate (if any) per currency."""

    def add_fixings(self, day: dt.date, per_usd: Mapping[CurrencyCode, Fraction],
                    market: Mapping[CurrencyCode, Fraction]) -> None: ...

    def unpublished_fixed_days(self, since: dt.date) -> list[dt.date]:
        """The days from ``since`` on with fixings and no published rates, in order."""

    def basket_in_force(self, day: dt.date) -> tuple[int, Basket] | None:
        """The basket launched last on or before ``day``, with its id."""

    def add_basket(self, basket: Basket, decision_id: int) -> int: ...

    def publish(self, rates: DailyRates, basket_id: int) -> None: ...


class Decisions(Protocol):
    """The council's decisions: parameters, allocations and credit lines, with effective dates."""

    def record_decision(self, kind: str, effective_date: dt.date, reference: str,
                        payload: Mapping[str, Any]) -> int:
        """Append a decision to the log (its reference checked:
        :func:`sucre.domain.decisions.decision_reference`); its id."""

    def decision_count(self) -> int: ...

    def first_decisions(self, count: int) -> list[Decision]:
        """The first ``count`` decisions, in the order they were recorded."""

    def by_id(self, decision_id: int) -> Decision | None: ...

    def dated_until(self, day: dt.date, kind: str | None = None) -> list[Decision]:
        """The decisions (of ``kind``) dated on or before ``day``, by effective date then as
        recorded."""

    def of_kind(self, kind: str, count: int) -> tuple[list[Decision], int]:
        """The first ``count`` decisions of ``kind`` as recorded, and how many there are."""

    def basket_decision(self, day: dt.date) -> Decision | None:
        """The decision of the basket behind the XSU rates published last on or before ``day``
        (None: no rate published by then)."""

    def parameter_decision(self, name: str, on: dt.date) -> Decision | None:
        """The decision of the value of parameter ``name`` in force on ``on`` (None: its
        default, never decided)."""

    def parameter(self, name: str, on: dt.date) -> str:
        """The text of a council parameter in force on a date (its default if none)."""

    def parameter_value(self, definition: Parameter[T], on: dt.date) -> T: ...

    def parameters_in_force(self, on: dt.date) -> ParameterValues: ...

    def add_parameter(self, name: str, value: str, effective_date: dt.date,
                      decision_id: int) -> None: ...

    def allocation_in_force(self, authority_id: int, day: dt.date) -> Allocation:
        """The latest allocation dated on or before ``day`` (none: zero)."""

    def allocation_decisions(self, day: dt.date) -> dict[int, Decision]:
        """Per authority id, the decision of the allocation in force on ``day``."""

    def add_allocation(self, authority_id: int, effective_date: dt.date, allocation: Allocation,
                       decision_id: int) -> None: ...


class Proposals(Protocol):
    """Proposals put to the council's vote, and the member states' votes on them."""

    def add(self, kind: ProposalKind, payload: Mapping[str, Any], effective_date: dt.date,
            reference: str, proposed_by: str) -> Proposal:
        """Record an open proposal (its reference checked like a decision's)."""

    def by_id(self, proposal_id: int, *, lock: bool = False) -> Proposal | None:
        """One proposal; ``lock`` takes its row lock (votes and the tally wait for each other;
        taken before any period or position row)."""

    def by_decision(self, decision_id: int) -> Proposal | None:
        """The proposal whose adoption recorded a decision."""

    def first(self, count: int) -> list[Proposal]:
        """The first ``count`` proposals, in the order they were made."""

    def count(self) -> int: ...

    def close(self, proposal_id: int, tally: Tally, closed_by: str,
              decision_id: int | None) -> None:
        """Close an open proposal: adopted (with its decision) or rejected."""

    def votes(self, proposal_id: int) -> list[Vote]:
        """A proposal's votes, as cast."""

    def add_vote(self, proposal_id: int, member: MemberCode, ballot: Ballot, cast_by: str
                 ) -> Vote: ...


class Journal(Protocol):
    """The double-entry journal: entries appended, balances and positions derived."""

    def append(self, entries: Iterable[JournalEntry]) -> list[int]:
        """Append balanced entries; the ids they were given, in order."""

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

    def member_posted(self, period_id: int, member: MemberCode) -> MemberFlows:
        """XSU the journal posted in a period for orders ``member`` paid and was paid."""

    def financing(self, period_id: int) -> list[Posting]:
        """The lender's posting of each financing entry of a period, in the close's order."""

    def account_balance(self, account: str, currency: CurrencyCode) -> int: ...

    def entry_ids(self, kind: EntryKind) -> set[int]:
        """The ids of every entry of ``kind``."""

    def entries(self, entry_ids: Collection[int]) -> dict[int, JournalEntry]:
        """Some entries as appended (their postings in order), by id."""



class Funds(Protocol):
    """The ALBA Bank's joint funds, their projects and movements (appended, never changed). A
    fund's row is its lock: every use case recording for a fund takes it first."""

    def add_fund(self, name: str, purpose: str, currency: CurrencyCode, target_minor: int,
                 effective_date: dt.date, reference: str, decision_id: int) -> Fund: ...

    def by_id(self, fund_id: int, *, lock: bool = False) -> Fund | None:
        """One fund; ``lock`` takes its row lock (after a proposal's row, before any period
        row: the lock order of :mod:`sucre.adapters.db.engine`)."""

    def by_name(self, name: str) -> Fund | None: ...

    def all(self) -> list[Fund]:
        """Every fund, in the order they were created."""

    def add_project(self, fund_id: int, name: str, beneficiary: MemberCode, budget_minor: int,
                    effective_date: dt.date, reference: str, decision_id: int) -> Project: ...

    def projects(self, fund_id: int) -> list[Project]:
        """A fund's projects, in the order they were approved."""

    def movements(self, fund_id: int) -> list[FundMovement]:
        """A fund's movements, in the order they were recorded."""

    def movement(self, fund_id: int, kind: MovementKind, reference: str) -> FundMovement | None:
        """The movement of ``kind`` with that reference in the fund (its natural key)."""

    def add_movement(self, fund_id: int, request: MovementRequest, member: MemberCode,
                     entry_id: int) -> FundMovement: ...


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

    def client_id(self, name: str) -> int | None: ...

    def add_client(self, name: str, role: Role, authority_id: int | None,
                   member_id: int | None = None) -> int: ...

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


class PendingActions(Protocol):
    """Four eyes: consequential actions proposed by one key, awaiting another's approval."""

    def add(self, payload: Payload, proposer: Actor) -> PendingAction: ...

    def by_id(self, action_id: int, *, lock: bool = False) -> PendingAction | None:
        """One action; ``lock`` takes its row lock (before the period's: an approval)."""

    def listed(self, *, state: ActionState | None = None) -> list[PendingAction]:
        """Every action (in ``state``), oldest first."""

    def approve(self, action_id: int, approver: Actor) -> None:
        """Mark a pending action approved by ``approver`` (once)."""


class Firms(Protocol):
    """The register of firms (exporters, importers) by member state."""

    def add(self, firm: Firm) -> None: ...

    def by_code(self, code: str) -> Firm | None: ...

    def id_of(self, code: str) -> int | None: ...

    def listed(self, member: MemberCode | None = None) -> list[Firm]:
        """Every firm (registered in ``member``), by code."""


class Petrocaribe(Protocol):
    """PetroCaribe: agreements, shipments, loans and their fixed schedules, the movements
    credited to them (append-only), deliveries of goods."""

    def add_agreement(self, agreement: Agreement) -> int: ...

    def agreement(self, code: str) -> Agreement | None: ...

    def agreements(self) -> list[Agreement]: ...

    def add_shipment(self, shipment: Shipment, agreement_id: int) -> int: ...

    def shipment(self, cargo_id: str) -> Shipment | None: ...

    def shipments(self, members: Collection[MemberCode] | None = None) -> list[Shipment]: ...

    def add_loan(self, loan: Loan, shipment_id: int, instalments: Sequence[Instalment]
                 ) -> int: ...

    def loan(self, loan_id: int, *, lock: bool = False) -> Loan | None:
        """One loan; ``lock`` takes its row lock (a credit to it waits for another)."""

    def loans(self, members: Collection[MemberCode] | None = None, *, lock: bool = False
              ) -> list[Loan]: ...

    def instalments(self, loan_ids: Collection[int]) -> dict[int, list[Instalment]]: ...

    def credits(self, loan_ids: Collection[int]) -> dict[int, list[Credited]]: ...

    def add_movement(self, movement: LoanMovement, credits: Mapping[int, Sequence[Credited]]
                     ) -> int:
        """Record a movement and what it credited to each loan's instalments (by loan id)."""

    def movements(self, members: Collection[MemberCode] | None = None) -> list[LoanMovement]: ...

    def cash_paid(self) -> dict[str, int]:
        """Per cargo id: the cash part paid so far."""

    def reference_taken(self, kind: str, reference: str) -> bool: ...

    def add_delivery(self, delivery: Delivery, exporter_id: int) -> int: ...

    def delivery(self, reference: str) -> Delivery | None: ...

    def deliveries(self, members: Collection[MemberCode] | None = None) -> list[Delivery]: ...


class UnitOfWork(Protocol):
    # Read-only to a use case (properties): an implementation may then hold its own
    # repository classes (a mutable protocol attribute would have to be of the exact type).
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
    def proposals(self) -> Proposals: ...

    @property
    def journal(self) -> Journal: ...

    @property
    def settlements(self) -> Settlements: ...

    @property
    def funds(self) -> Funds: ...

    @property
    def invoices(self) -> Invoices: ...

    @property
    def setoff_runs(self) -> SetoffRuns: ...

    @property
    def api_keys(self) -> ApiKeys: ...

    @property
    def idempotency(self) -> Idempotency: ...

    @property
    def pending_actions(self) -> PendingActions: ...

    @property
    def firms(self) -> Firms: ...

    @property
    def petrocaribe(self) -> Petrocaribe: ...

    @property
    def in_transaction(self) -> bool:
        """Whether a block is open (a nested use case does not retry on its own)."""

    def __enter__(self) -> Self: ...

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None: ...

    def commit(self) -> None:
        """Make the innermost block's writes part of the outer one, or durable if outermost."""

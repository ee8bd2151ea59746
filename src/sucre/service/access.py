"""The use cases of the API within the caller's scope (:mod:`sucre.domain.roles`).

Each takes the :class:`~sucre.domain.roles.Grant` the API made once per request
(:func:`~sucre.domain.roles.authorize`) and applies its scope around the service layer:
which orders an operator may submit, see or decide, its positions and statements, the invoices it
may store, the settlement legs it may confirm, the set-off clearings it may read. No clearing rule
lives here (those stay in :mod:`sucre.service.payments`), and no SQL: a scope reaches the
database as a filter argument of the underlying use case (``visible_to``, ``only``,
``members``).

Operators (scope ``authority``): another authority's order or statement is *unknown* (404, never
403, so existence does not leak); a pacs.008 for another authority's debtor or a pacs.009 leg
another party paid is 403. Operators (scope ``member_state``): invoices must name both member
states, one served by its authority (403 otherwise); a set-off run is shown whole (bloc-wide
totals), its per-invoice clearings only for the invoices one of whose member states its
authority serves. Every role may solve a stateless set-off of invoices it sends. Delegates
(scope ``member``) vote for their own member state only (403 for another). Operators (scope
``member_state``) read the joint funds their member states take part in: the fund's totals,
their own member states' lines and movements, nothing of another member (a fund they take no
part in is unknown: 404).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sucre import bounds
from sucre.adapters.iso20022 import pacs009
from sucre.domain.confirmations import CHAMBER_ID, party_code
from sucre.domain.errors import (
    AccessDenied,
    InvalidInput,
    LimitExceeded,
    NotFound,
    SucreError,
    UnknownParty,
    invariant,
)
from sucre.domain.funds import Fund, FundFigures, Movement
from sucre.domain.members import MemberCode, authority_code, member_code
from sucre.domain.orders import OrderRequest, OrderView
from sucre.domain.periods import ClearingPeriod
from sucre.domain.proposals import Ballot, Vote
from sucre.domain.roles import Grant, Permission, Scope, may_act_for_member, may_see_authority
from sucre.domain.setoff.runs import RunDetail, RunListing
from sucre.service import council, funds, messaging, payments, reports, setoff_runs
from sucre.service.unit_of_work import UnitOfWork


def _granted(grant: Grant, permission: Permission) -> Grant:
    """The grant, checked to be the one this use case needs (the API made it for the route)."""
    invariant(grant.is_for(permission), f"a {grant.permission} grant used for {permission}")
    return grant


def check_submissions(uow: UnitOfWork, grant: Grant, requests: Sequence[OrderRequest]
                      ) -> None:
    """Refuse (403) requests of which any pays for a debtor the grant does not cover.

    An operator submits the orders of its own authority's importers (the debtor side); one
    foreign order refuses the whole request, as a permission problem rather than a data one. A
    debtor that is not a member at all is left to validation, which reports it precisely.
    """
    _granted(grant, Permission.SUBMIT_ORDERS)
    if grant.scope is Scope.ALL:
        return
    principal = grant.principal
    with uow:
        members = uow.members.members()
    foreign = []
    for index, request in enumerate(requests):
        try:
            member = members.get(member_code(request.debtor_member, field="debtor_member"))
        except InvalidInput:
            member = None
        if member is not None and not may_see_authority(grant, member.authority):
            foreign.append((index, member))
    if foreign:
        index, member = foreign[0]
        where = f" ({len(foreign)} of {len(requests)} orders; the first is number {index})" if (
            len(requests) > 1) else ""
        raise AccessDenied(
            f"{principal.name} submits orders of debtors served by {principal.authority} only; "
            f"{member.code} is served by {member.authority}{where}", field="debtor_member")


def submit(uow: UnitOfWork, grant: Grant, request: OrderRequest) -> payments.OrderOutcome:
    """Submit one order on behalf of an operator (see :func:`payments.submit_order`)."""
    check_submissions(uow, grant, [request])
    return payments.submit_order(uow, request)


@dataclass(frozen=True, slots=True)
class BatchItem:
    """The outcome of one order of a batch: the order written, or the error that kept it out."""

    index: int
    order_key: str
    order: payments.OrderOutcome | None
    error: SucreError | None

    def __post_init__(self) -> None:
        invariant((self.order is None) != (self.error is None), "an outcome or an error")


def submit_batch(uow: UnitOfWork, grant: Grant,
                 requests: Sequence[OrderRequest]) -> list[BatchItem]:
    """Submit orders as one atomic import batch; every order gets its own outcome.

    Bad orders are reported and not written; the others are limit-checked in sequence and
    written together (:func:`payments.import_orders`). One order for a debtor the grant does
    not cover refuses the whole batch (:func:`check_submissions`).
    """
    if not 1 <= len(requests) <= bounds.api_batch_orders_max:
        raise LimitExceeded(f"a batch holds 1 to {bounds.api_batch_orders_max} orders",
                            field="orders")
    check_submissions(uow, grant, requests)
    items = []
    for index, (request, result) in enumerate(zip(requests, payments.submit_batch(
            uow, requests), strict=True)):
        key = request.idempotency_key.strip()
        if isinstance(result, SucreError):
            items.append(BatchItem(index, key, None, result))
        else:
            items.append(BatchItem(index, key, result, None))
    return items


def decide(uow: UnitOfWork, grant: Grant, order_id: int, *, accept: bool,
           reason_code: str = "MS02") -> payments.OrderOutcome:
    """The receiving operator accepts (posts) or rejects (releases) an order addressed to it."""
    _granted(grant, Permission.DECIDE_ORDERS)
    invariant(grant.authority is not None, "an order is decided by the authority it is sent to")
    return payments.decide_order(uow, order_id, str(grant.authority), accept=accept,
                                 reason_code=reason_code)


def order(uow: UnitOfWork, grant: Grant, order_id: int) -> OrderView:
    """One order, if the grant covers it; otherwise it does not exist for the caller (404)."""
    _granted(grant, Permission.READ_ORDERS)
    return reports.order(uow, order_id, visible_to=grant.authority_id)


def orders(uow: UnitOfWork, grant: Grant, query: reports.OrderFilter
           ) -> tuple[list[OrderView], int | None]:
    """:func:`reports.orders`; an operator's confined to its authority (naming another: 403)."""
    _granted(grant, Permission.READ_ORDERS)
    own = grant.authority
    if own is not None:
        if query.authority is not None and query.authority.strip().upper() != own:
            raise AccessDenied(f"{grant.principal.name} reads orders of {own} only",
                               field="authority")
        query = replace(query, authority=own)
    return reports.orders(uow, query, visible_to=grant.authority_id)


def positions(uow: UnitOfWork, grant: Grant, period: str | None) -> reports.PositionsReport:
    """:func:`reports.positions_report`, reduced to the operator's own authority."""
    _granted(grant, Permission.READ_POSITIONS)
    return reports.positions_report(uow, period, only=grant.authority)


def vote(uow: UnitOfWork, grant: Grant, proposal_id: int, member: str, ballot: Ballot,
         day: dt.date) -> Vote:
    """:func:`council.vote` by a delegate, for its own member state only (403 for another: the
    member states are public, so nothing leaks)."""
    _granted(grant, Permission.VOTE)
    code = member_code(member)
    if not may_act_for_member(grant, code):
        raise AccessDenied(f"a delegate votes for its own member state "
                           f"({grant.principal.member}) only, not for {code}", field="member")
    return council.vote(uow, proposal_id, code, ballot, cast_by=council.api_actor(grant.principal),
                        day=day)


def periods(uow: UnitOfWork, grant: Grant) -> list[ClearingPeriod]:
    _granted(grant, Permission.READ_PERIODS)
    return reports.periods(uow)


def statement(uow: UnitOfWork, grant: Grant, authority: str, period_code: str
              ) -> messaging.Statement:
    """:func:`messaging.traced_statement` of an authority's XSU account, if the grant covers it.

    An operator asking for another authority's statement is told it does not exist (404).
    """
    _granted(grant, Permission.READ_STATEMENTS)
    code = authority_code(authority)
    if not may_see_authority(grant, code):
        raise UnknownParty(f"no statement for {code}", field="authority")
    found = messaging.traced_statement(uow, code, period_code)
    if len(found.account.entries) > bounds.iso_statement_entries_max:
        raise LimitExceeded(f"the statement has more than {bounds.iso_statement_entries_max} "
                            "entries", field="period")
    return found


def pacs008_check(uow: UnitOfWork, grant: Grant) -> messaging.OrderCheck:
    """The check :func:`messaging.submit_pacs008` runs on a message's orders before it writes:
    403 if an operator pays for another authority's debtor (the message is parsed only once)."""
    _granted(grant, Permission.SUBMIT_ORDERS)

    def check(requests: Sequence[OrderRequest]) -> None:
        check_submissions(uow, grant, requests)

    return check


def check_pacs009(uow: UnitOfWork, grant: Grant, data: bytes) -> None:
    """Refuse (403) a pacs.009 in which an operator reports a leg its authority did not pay.

    The payer of a leg is its ``Dbtr``: an operator confirms the legs its own authority paid to
    the chamber; a leg paid by another authority, or by the chamber (to a net creditor), is the
    other party's to report. One such leg refuses the whole message, before anything is judged,
    so nothing about another authority's instructions is revealed. A ``Dbtr`` that is no party
    at all is left to :func:`messaging.submit_pacs009`, which rejects the leg precisely (RC01),
    as is a message that cannot be read. The chamber may confirm any leg.
    """
    _granted(grant, Permission.CONFIRM_SETTLEMENT)
    own = grant.authority
    if own is None:
        return
    try:
        legs = pacs009.legs_from_pacs009(pacs009.read_pacs009(data))
    except InvalidInput:
        return
    with uow:
        authorities = set(uow.members.authorities()) | {CHAMBER_ID}
    foreign = [(index, party_code(leg.debtor_agent_bic_or_authority))
               for index, leg in enumerate(legs, start=1)
               if party_code(leg.debtor_agent_bic_or_authority) in authorities
               and party_code(leg.debtor_agent_bic_or_authority) != own]
    if foreign:
        index, payer = foreign[0]
        raise AccessDenied(
            f"{grant.principal.name} confirms legs paid by {own} only; leg {index} is "
            f"paid by {payer}", field=f"CdtTrfTxInf[{index}]/Dbtr/FinInstnId")


# --- set-off of trade invoices --------------------------------------------------------------

def check_invoices(uow: UnitOfWork, grant: Grant,
                   invoices: Sequence[setoff_runs.Invoice]) -> None:
    """Refuse (403) invoices an operator may not store: each must name both member states, one
    of them served by its authority. One such invoice refuses the whole batch.

    A member state that is not a member at all is left to :func:`setoff_runs.store_invoices`,
    which reports it precisely (404); an invoice whose only known member state is another
    authority's is refused here.
    """
    _granted(grant, Permission.SUBMIT_INVOICES)
    if grant.scope is Scope.ALL:
        return
    name, own = grant.principal.name, grant.principal.authority
    with uow:
        members = uow.members.members()
    for index, invoice in enumerate(invoices):
        debtor, creditor = invoice.debtor_member, invoice.creditor_member
        if debtor is None or creditor is None:
            side = "debtor_member" if debtor is None else "creditor_member"
            raise AccessDenied(
                f"{name} stores invoices naming both member states only; invoice "
                f"{invoice.external_id!r} has no {side}", field=f"invoices.{index}.{side}")
        known = [member for member in (members.get(MemberCode(debtor)),
                                       members.get(MemberCode(creditor)))
                 if member is not None]
        if known and not any(may_see_authority(grant, member.authority) for member in known):
            states = " and ".join(member.code for member in known)
            raise AccessDenied(
                f"{name} stores invoices of member states served by {own} only; invoice "
                f"{invoice.external_id!r} names {states}, not served by it",
                field=f"invoices.{index}.debtor_member")


def store_invoices(uow: UnitOfWork, grant: Grant,
                   invoices: Sequence[setoff_runs.Invoice]) -> tuple[int, int]:
    """:func:`setoff_runs.store_invoices` within the grant's scope: (stored, already_known)."""
    if not 1 <= len(invoices) <= bounds.api_batch_invoices_max:
        raise LimitExceeded(f"a batch holds 1 to {bounds.api_batch_invoices_max} invoices",
                            field="invoices")
    check_invoices(uow, grant, invoices)
    return setoff_runs.store_invoices(uow, invoices)


def setoff_runs_list(uow: UnitOfWork, grant: Grant) -> list[RunListing]:
    """Every recorded run, oldest first (bloc-wide totals, the same for every scope)."""
    _granted(grant, Permission.READ_SETOFF_RUNS)
    return setoff_runs.list_runs(uow)


def setoff_run(uow: UnitOfWork, grant: Grant, run_id: int, *,
               limit: int = bounds.api_page_clearings_default, offset: int = 0
               ) -> RunDetail:
    """A recorded run and a page of its clearings; an operator's only its member states'.

    ``clearings_members`` says which member states the clearings were limited to (None: all).
    """
    _granted(grant, Permission.READ_SETOFF_RUNS)
    if not 1 <= limit <= bounds.api_page_clearings_max:
        raise LimitExceeded(f"a page holds 1 to {bounds.api_page_clearings_max} clearings",
                            field="limit")
    seen = member_states_seen(uow, grant)
    return setoff_runs.run_detail(uow, run_id, limit=limit, offset=offset,
                                  members=None if seen is None else sorted(seen))


def pay_residuals(uow: UnitOfWork, grant: Grant, value_date: dt.date) -> dict[str, Any]:
    """:func:`setoff_runs.pay_residuals`, each refused residual named by its invoice."""
    _granted(grant, Permission.PAY_RESIDUALS)
    orders = setoff_runs.residual_orders(uow, value_date)
    report = setoff_runs.pay_residual_orders(uow, orders)
    return {"accepted": report.accepted, "rejected": report.rejected,
            "replayed": report.replayed, "invalid": report.invalid,
            "errors": [{"invoice": orders[e.line - 1].invoice_ref, "field": e.field,
                        "code": e.reason_code, "message": e.message} for e in report.errors]}


def member_states_seen(uow: UnitOfWork, grant: Grant) -> frozenset[MemberCode] | None:
    """The member states whose records the grant shows: every one (None), or an operator's:
    those its authority serves. Scopes a run's clearings, PetroCaribe loans (another member's
    loan is unknown to an operator: 404) and a fund's lines."""
    if grant.scope is Scope.ALL:
        return None
    with uow:
        return frozenset(code for code, member in uow.members.members().items()
                         if may_see_authority(grant, member.authority))


# --- the joint funds ------------------------------------------------------------------------


def _takes_part(figures: FundFigures, members: frozenset[str] | None) -> bool:
    """Whether one of ``members`` pledged to, paid into or benefits from the fund."""
    return members is None or any(line.member in members for line in figures.members) or any(
        line.project.beneficiary in members for line in figures.projects)


def _check_takes_part(uow: UnitOfWork, fund_id: int, members: frozenset[str] | None) -> None:
    """A fund none of ``members`` takes part in (over its whole life) is unknown: 404. Every
    member state seen (None): nothing to check here; an unknown fund is refused by the read."""
    if members is not None and not _takes_part(funds.fund_report(uow, fund_id), members):
        raise NotFound(f"no fund {fund_id}", field="fund")


def fund_list(uow: UnitOfWork, grant: Grant) -> tuple[list[FundFigures], frozenset[str] | None]:
    """The funds the grant covers (an operator's: those its member states take part in), and
    the member states whose lines it shows."""
    _granted(grant, Permission.READ_FUNDS)
    members = member_states_seen(uow, grant)
    return [f for f in funds.fund_list(uow) if _takes_part(f, members)], members


def fund_report(uow: UnitOfWork, grant: Grant, fund_id: int, as_of: dt.date | None
                ) -> tuple[FundFigures, frozenset[str] | None]:
    """A fund's report: whole, or for an operator its totals and its own member states' lines
    (a fund they take no part in is unknown to it: 404)."""
    _granted(grant, Permission.READ_FUNDS)
    members = member_states_seen(uow, grant)
    _check_takes_part(uow, fund_id, members)
    return funds.fund_report(uow, fund_id, as_of or dt.date.max), members


def fund_movements(uow: UnitOfWork, grant: Grant, fund_id: int
                   ) -> tuple[Fund, list[Movement], frozenset[str] | None]:
    """A fund's movements: every one, or an operator's own member states' (404 for a fund they
    take no part in); and the member states they were limited to (None: none)."""
    _granted(grant, Permission.READ_FUNDS)
    members = member_states_seen(uow, grant)
    _check_takes_part(uow, fund_id, members)
    fund, listed = funds.movements(uow, fund_id)
    return fund, [m for m in listed if members is None or m.member in members], members

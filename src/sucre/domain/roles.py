"""Who may do what, and on whose data: the role policy of the chamber's API, as one table.

Roles
    ``operator``  a central bank's operator, bound to one monetary authority: submits orders of
                  debtors its authority serves, accepts or rejects orders addressed to it, reads
                  its own authority's orders, positions and statements (another authority's order
                  is *unknown* to it: 404, never 403, so existence does not leak), confirms the
                  settlement legs its authority paid, stores invoices naming its member states;
                  reads the joint funds its member states take part in (pledged, paid in or
                  benefit from): the fund's totals, and the lines and movements of its own
                  member states only (never another member's); reads the PetroCaribe loans
                  of the member states its authority serves;
    ``chamber``   the Central Clearing Chamber: proposes and approves closes (four eyes), reads
                  everything, confirms any settlement leg, stores any invoice, records set-off
                  runs, pays residuals; as the ALBA Bank's agent, records the joint funds'
                  pledges, contributions and tranches (an operator does not: a fund's money
                  moves through the bank, which sees the fund's balance whole); records
                  PetroCaribe agreements, shipments, deliveries in goods, repayments and firms;
    ``council``   the Executive Council: allocations (a large raise by four eyes), member status,
                  parameters (the register's administrative path); creates joint funds and
                  approves their projects; decides PetroCaribe tier tables, and buy-backs (by
                  four eyes); proposes decisions and adopts them once voted; reads everything;
    ``auditor``   reads everything, changes nothing;
    ``delegate``  a member state's delegate to the council, bound to that one member state: casts
                  its state's vote on proposals, reads the proposals and decisions. One vote per
                  state: an operator is bound to an authority, which may serve several states
                  (the ECCB serves six), so it never votes.

Every role reads the member register (``read_members``): it is public.

Scopes (what a permission covers for a role)
    ``all``           every authority's data;
    ``authority``     the data of the principal's own authority: orders it pays or receives, its
                      position and statement, orders addressed to it, settlement legs it paid;
    ``member_state``  records naming member states its authority serves: the debtor of an order
                      it submits, invoices it stores, the clearings of a set-off run it reads,
                      the funds they take part in and their lines and movements in them;
    ``member``        the one member state a delegate is bound to: the votes it casts.

:data:`POLICY` is the whole rule: a role holds the permissions listed for it, each with one
scope; anything absent is refused (403). :func:`authorize` checks a permission once, at the
service boundary, and hands back a :class:`Grant` that the scoped use cases read their scope
from; they never ask the role again.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass

from sucre.domain.errors import AccessDenied, invariant
from sucre.domain.members import AuthorityCode, MemberCode


class Role(enum.StrEnum):
    OPERATOR = "operator"
    CHAMBER = "chamber"
    COUNCIL = "council"
    AUDITOR = "auditor"
    DELEGATE = "delegate"


class Permission(enum.StrEnum):
    SUBMIT_ORDERS = "submit_orders"
    DECIDE_ORDERS = "decide_orders"  # accept or reject an order addressed to one's authority
    READ_ORDERS = "read_orders"
    READ_POSITIONS = "read_positions"
    READ_PERIODS = "read_periods"
    CLOSE_PERIODS = "close_periods"
    READ_SETTLEMENTS = "read_settlements"  # the full multilateral report of a period
    READ_STATEMENTS = "read_statements"
    DECIDE_PARAMETERS = "decide_parameters"  # allocations, member status, parameters
    PROPOSE_DECISIONS = "propose_decisions"  # put a decision to the council's vote
    VOTE = "vote"  # a member state's vote on a proposal
    ADOPT_DECISIONS = "adopt_decisions"  # tally a proposal's votes: adopt it or reject it
    READ_DECISIONS = "read_decisions"  # proposals, their votes, the decision log
    READ_MEMBERS = "read_members"  # the member register: public, every role reads it
    CONFIRM_SETTLEMENT = "confirm_settlement"  # pacs.009: the settlement legs paid
    SUBMIT_INVOICES = "submit_invoices"
    RUN_SETOFF = "run_setoff"  # record a set-off run of every open stored invoice
    PAY_RESIDUALS = "pay_residuals"  # turn what remains of invoices into payment orders
    READ_SETOFF_RUNS = "read_setoff_runs"  # the run is bloc-wide; its clearings are scoped
    COMPUTE_SETOFF = "compute_setoff"  # stateless set-off of the request's invoices
    PLAN_FOOD = "plan_food"  # stateless food matching of the request's offers and needs
    PING = "ping"  # the no-op endpoint
    READ_PENDING_ACTIONS = "read_pending_actions"  # proposals awaiting a second key
    APPROVE_ACTIONS = "approve_actions"  # four eyes: domain/four_eyes.check_approver decides
    DECIDE_FUNDS = "decide_funds"  # create a joint fund, approve a project against it
    RECORD_FUND_MOVEMENTS = "record_fund_movements"  # pledges, contributions, tranches
    READ_FUNDS = "read_funds"  # fund reports and movements (an operator: its member states')
    DECIDE_PETROCARIBE = "decide_petrocaribe"  # tier tables; buy-backs (four eyes)
    RECORD_PETROCARIBE = "record_petrocaribe"  # agreements, shipments, deliveries, repayments
    READ_PETROCARIBE = "read_petrocaribe"  # terms, loans, the portfolio


class Scope(enum.StrEnum):
    ALL = "all"
    AUTHORITY = "authority"
    MEMBER_STATE = "member_state"
    MEMBER = "member"


_P, _S = Permission, Scope
_READ_ALL: Mapping[Permission, Scope] = {
    _P.READ_ORDERS: _S.ALL, _P.READ_POSITIONS: _S.ALL, _P.READ_PERIODS: _S.ALL,
    _P.READ_SETTLEMENTS: _S.ALL, _P.READ_STATEMENTS: _S.ALL, _P.READ_SETOFF_RUNS: _S.ALL,
    _P.READ_DECISIONS: _S.ALL, _P.COMPUTE_SETOFF: _S.ALL, _P.PING: _S.ALL,
    _P.READ_PENDING_ACTIONS: _S.ALL, _P.READ_MEMBERS: _S.ALL, _P.READ_FUNDS: _S.ALL,
    _P.READ_PETROCARIBE: _S.ALL, _P.PLAN_FOOD: _S.ALL}

#: Role -> the permissions it holds, each with its scope; a permission absent is refused (403).
POLICY: Mapping[Role, Mapping[Permission, Scope]] = {
    Role.OPERATOR: {
        _P.SUBMIT_ORDERS: _S.MEMBER_STATE, _P.DECIDE_ORDERS: _S.AUTHORITY,
        _P.READ_ORDERS: _S.AUTHORITY, _P.READ_POSITIONS: _S.AUTHORITY,
        _P.READ_PERIODS: _S.ALL, _P.READ_STATEMENTS: _S.AUTHORITY,
        _P.CONFIRM_SETTLEMENT: _S.AUTHORITY, _P.SUBMIT_INVOICES: _S.MEMBER_STATE,
        _P.READ_SETOFF_RUNS: _S.MEMBER_STATE, _P.COMPUTE_SETOFF: _S.ALL, _P.PING: _S.ALL,
        _P.READ_MEMBERS: _S.ALL, _P.READ_FUNDS: _S.MEMBER_STATE,
        _P.READ_PETROCARIBE: _S.MEMBER_STATE, _P.PLAN_FOOD: _S.ALL},
    Role.CHAMBER: {**_READ_ALL, _P.CLOSE_PERIODS: _S.ALL, _P.CONFIRM_SETTLEMENT: _S.ALL,
                   _P.SUBMIT_INVOICES: _S.ALL, _P.RUN_SETOFF: _S.ALL, _P.PAY_RESIDUALS: _S.ALL,
                   _P.APPROVE_ACTIONS: _S.ALL, _P.RECORD_FUND_MOVEMENTS: _S.ALL,
                   _P.RECORD_PETROCARIBE: _S.ALL},
    Role.COUNCIL: {**_READ_ALL, _P.DECIDE_PARAMETERS: _S.ALL, _P.PROPOSE_DECISIONS: _S.ALL,
                   _P.ADOPT_DECISIONS: _S.ALL, _P.APPROVE_ACTIONS: _S.ALL,
                   _P.DECIDE_FUNDS: _S.ALL, _P.DECIDE_PETROCARIBE: _S.ALL},
    Role.AUDITOR: _READ_ALL,
    Role.DELEGATE: {_P.VOTE: _S.MEMBER, _P.READ_DECISIONS: _S.ALL, _P.PING: _S.ALL,
                    _P.READ_MEMBERS: _S.ALL},
}


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller of one request."""

    client_id: int
    name: str
    role: Role
    authority: AuthorityCode | None  # set for operators only
    authority_id: int | None
    key_id: str
    member: MemberCode | None = None  # set for delegates only

    def __post_init__(self) -> None:
        invariant((self.role is Role.OPERATOR) == (self.authority is not None),
                  "exactly the operators are bound to an authority")
        invariant((self.role is Role.DELEGATE) == (self.member is not None),
                  "exactly the delegates are bound to a member state")
        invariant((self.authority is None) == (self.authority_id is None),
                  "an authority's code and id come together")


@dataclass(frozen=True, slots=True)
class Grant:
    """A permission the policy gave a principal, with its scope (made by :func:`authorize`)."""

    principal: Principal
    permission: Permission
    scope: Scope

    def __post_init__(self) -> None:
        # A grant made by hand cannot widen the policy: it must be the table's own entry.
        invariant(scope_of(self.principal.role, self.permission) is self.scope,
                  "a grant is the policy's entry for its role and permission")
        invariant(self.scope in (Scope.ALL, Scope.MEMBER) or self.principal.authority is not None,
                  "a scope narrowed to an authority is bound to one")
        invariant(self.scope is not Scope.MEMBER or self.principal.member is not None,
                  "a scope narrowed to a member state is bound to one")

    def is_for(self, permission: Permission) -> bool:
        return self.permission is permission

    @property
    def authority(self) -> AuthorityCode | None:
        """The authority the grant is confined to; None when its scope is all."""
        return None if self.scope is Scope.ALL else self.principal.authority

    @property
    def authority_id(self) -> int | None:
        return None if self.scope is Scope.ALL else self.principal.authority_id


def scope_of(role: Role, permission: Permission) -> Scope | None:
    """The scope ``role`` holds ``permission`` with, or None when it does not hold it."""
    return POLICY[role].get(permission)


def may(principal: Principal, permission: Permission) -> bool:
    return scope_of(principal.role, permission) is not None


def authorize(principal: Principal, permission: Permission) -> Grant:
    """The one check: the principal's grant of ``permission``, or :class:`AccessDenied` (403)."""
    scope = scope_of(principal.role, permission)
    if scope is None:
        raise AccessDenied(f"the {principal.role} role may not {permission.replace('_', ' ')}")
    return Grant(principal, permission, scope)


def may_act_for_member(grant: Grant, member: MemberCode) -> bool:
    """Whether the grant covers acting for ``member`` (its own member state, or every one)."""
    return grant.scope is Scope.ALL or (grant.scope is Scope.MEMBER
                                        and member == grant.principal.member)


def may_see_authority(grant: Grant, authority: AuthorityCode) -> bool:
    """Whether the grant covers the data of ``authority`` (its own, or every one)."""
    return grant.scope is Scope.ALL or authority == grant.principal.authority


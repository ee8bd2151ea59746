"""The role policy as a table: every role x every permission -> refused, or granted with a scope.

``EXPECTED`` is the contract, written out by hand: a change to :data:`sucre.domain.roles.POLICY`
that does not change this table too fails here. Together with the test that every route requires
the permission its case names (tests/api/test_roles.py), it is what the HTTP role matrix would
check cell by cell; the matrix keeps a few cells per permission end to end.
"""

from __future__ import annotations

import pytest

from sucre.domain.errors import AccessDenied, InvariantBroken
from sucre.domain.members import AuthorityCode, MemberCode
from sucre.domain.roles import (
    POLICY,
    Grant,
    Permission,
    Principal,
    Role,
    Scope,
    authorize,
    may,
    may_act_for_member,
    may_see_authority,
    scope_of,
)

P = Permission
ALL, AUTH, MEMBER, NO = Scope.ALL, Scope.AUTHORITY, Scope.MEMBER_STATE, None
OWN = Scope.MEMBER

#: permission: (operator, chamber, council, auditor, delegate); NO = refused (403).
EXPECTED: dict[Permission, tuple[Scope | None, ...]] = {
    P.SUBMIT_ORDERS: (MEMBER, NO, NO, NO, NO),
    P.DECIDE_ORDERS: (AUTH, NO, NO, NO, NO),
    P.READ_ORDERS: (AUTH, ALL, ALL, ALL, NO),
    P.READ_POSITIONS: (AUTH, ALL, ALL, ALL, NO),
    P.READ_PERIODS: (ALL, ALL, ALL, ALL, NO),
    P.CLOSE_PERIODS: (NO, ALL, NO, NO, NO),
    P.READ_SETTLEMENTS: (NO, ALL, ALL, ALL, NO),
    P.READ_STATEMENTS: (AUTH, ALL, ALL, ALL, NO),
    P.DECIDE_PARAMETERS: (NO, NO, ALL, NO, NO),
    P.PROPOSE_DECISIONS: (NO, NO, ALL, NO, NO),
    P.VOTE: (NO, NO, NO, NO, OWN),
    P.ADOPT_DECISIONS: (NO, NO, ALL, NO, NO),
    P.READ_DECISIONS: (NO, ALL, ALL, ALL, ALL),
    P.READ_MEMBERS: (ALL, ALL, ALL, ALL, ALL),
    P.CONFIRM_SETTLEMENT: (AUTH, ALL, NO, NO, NO),
    P.SUBMIT_INVOICES: (MEMBER, ALL, NO, NO, NO),
    P.RUN_SETOFF: (NO, ALL, NO, NO, NO),
    P.PAY_RESIDUALS: (NO, ALL, NO, NO, NO),
    P.READ_SETOFF_RUNS: (MEMBER, ALL, ALL, ALL, NO),
    P.COMPUTE_SETOFF: (ALL, ALL, ALL, ALL, NO),
    P.PLAN_FOOD: (ALL, ALL, ALL, ALL, NO),
    P.PING: (ALL, ALL, ALL, ALL, ALL),
    P.READ_PENDING_ACTIONS: (NO, ALL, ALL, ALL, NO),
    P.APPROVE_ACTIONS: (NO, ALL, ALL, NO, NO),
    P.DECIDE_FUNDS: (NO, NO, ALL, NO, NO),
    P.RECORD_FUND_MOVEMENTS: (NO, ALL, NO, NO, NO),
    P.READ_FUNDS: (MEMBER, ALL, ALL, ALL, NO),
    P.DECIDE_PETROCARIBE: (NO, NO, ALL, NO, NO),
    P.RECORD_PETROCARIBE: (NO, ALL, NO, NO, NO),
    P.READ_PETROCARIBE: (MEMBER, ALL, ALL, ALL, NO),
}
ROLES = (Role.OPERATOR, Role.CHAMBER, Role.COUNCIL, Role.AUDITOR, Role.DELEGATE)
CELLS = [(role, permission, row[column]) for permission, row in EXPECTED.items()
         for column, role in enumerate(ROLES)]


def principal(role: Role, authority: str | None = None, member: str = "VEN") -> Principal:
    if role is Role.OPERATOR:
        authority = authority or "BCV"
    return Principal(7, f"{role}-client", role, None if authority is None else
                     AuthorityCode(authority), None if authority is None else 3, "k" * 16,
                     MemberCode(member) if role is Role.DELEGATE else None)


def test_the_expected_table_names_every_role_and_permission() -> None:
    assert set(EXPECTED) == set(Permission)
    assert set(POLICY) == set(Role) == set(ROLES)
    assert {p for held in POLICY.values() for p in held} <= set(Permission)


@pytest.mark.parametrize(("role", "permission", "expected"), CELLS,
                         ids=[f"{r}-{p}" for r, p, _ in CELLS])
def test_policy_cell(role: Role, permission: Permission, expected: Scope | None) -> None:
    caller = principal(role)
    assert scope_of(role, permission) is expected
    assert may(caller, permission) == (expected is not None)
    if expected is None:
        with pytest.raises(AccessDenied) as refused:
            authorize(caller, permission)
        assert refused.value.message == (
            f"the {role} role may not {permission.value.replace('_', ' ')}")
    else:
        grant = authorize(caller, permission)
        assert (grant.principal, grant.permission, grant.scope) == (caller, permission, expected)
        assert grant.is_for(permission)


def test_only_operators_and_delegates_are_ever_narrowed() -> None:
    """A narrowed scope needs something to narrow to: an operator's authority, a delegate's
    member state."""
    for role, held in POLICY.items():
        narrowed = {scope for scope in held.values() if scope is not Scope.ALL}
        assert narrowed <= {Role.OPERATOR: {Scope.AUTHORITY, Scope.MEMBER_STATE},
                            Role.DELEGATE: {Scope.MEMBER}}.get(role, set()), role


def test_a_delegate_acts_for_its_own_member_state_only() -> None:
    """One vote per state: the delegate of VEN votes for VEN, never for another state; an
    operator (whose authority may serve six states) holds no vote at all."""
    ven = authorize(principal(Role.DELEGATE, member="VEN"), Permission.VOTE)
    assert ven.scope is Scope.MEMBER and (ven.authority, ven.authority_id) == (None, None)
    assert may_act_for_member(ven, MemberCode("VEN"))
    assert not may_act_for_member(ven, MemberCode("CUB"))
    with pytest.raises(AccessDenied):
        authorize(principal(Role.OPERATOR, "ECCB"), Permission.VOTE)
    with pytest.raises(AccessDenied):
        authorize(principal(Role.COUNCIL), Permission.VOTE)


def test_a_narrowed_grant_sees_its_own_authority_only() -> None:
    bcv = authorize(principal(Role.OPERATOR, "BCV"), Permission.READ_ORDERS)
    assert (bcv.authority, bcv.authority_id) == ("BCV", 3)
    assert may_see_authority(bcv, AuthorityCode("BCV"))
    assert not may_see_authority(bcv, AuthorityCode("BCC"))
    periods = authorize(principal(Role.OPERATOR, "BCV"), Permission.READ_PERIODS)
    assert (periods.authority, periods.authority_id) == (None, None)
    assert may_see_authority(periods, AuthorityCode("BCC"))
    auditor = authorize(principal(Role.AUDITOR), Permission.READ_ORDERS)
    assert (auditor.authority, auditor.authority_id) == (None, None)
    assert may_see_authority(auditor, AuthorityCode("BCC"))


def test_a_grant_made_by_hand_cannot_widen_the_policy() -> None:
    with pytest.raises(InvariantBroken):
        Grant(principal(Role.AUDITOR), Permission.CLOSE_PERIODS, Scope.ALL)
    with pytest.raises(InvariantBroken):
        Grant(principal(Role.OPERATOR), Permission.READ_ORDERS, Scope.ALL)


def test_exactly_the_operators_are_bound_to_an_authority() -> None:
    with pytest.raises(InvariantBroken):
        Principal(1, "x", Role.OPERATOR, None, None, "k")
    with pytest.raises(InvariantBroken):
        Principal(1, "x", Role.CHAMBER, AuthorityCode("BCV"), 3, "k")


def test_exactly_the_delegates_are_bound_to_a_member_state() -> None:
    with pytest.raises(InvariantBroken):
        Principal(1, "x", Role.DELEGATE, None, None, "k")
    with pytest.raises(InvariantBroken):
        Principal(1, "x", Role.COUNCIL, None, None, "k", MemberCode("VEN"))

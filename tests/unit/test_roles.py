"""The role policy as a table: every role x every permission -> refused, or granted with a scope.

``EXPECTED`` is the contract, written out by hand: a change to :data:`sucre.domain.roles.POLICY`
that does not change this table too fails here. Together with the test that every route requires
the permission its case names (tests/api/test_roles.py), it is what the HTTP role matrix would
check cell by cell; the matrix keeps a few cells per permission end to end.
"""

from __future__ import annotations

import pytest

from sucre.domain.errors import AccessDenied, InvariantBroken
from sucre.domain.members import AuthorityCode
from sucre.domain.roles import (
    POLICY,
    Grant,
    Permission,
    Principal,
    Role,
    Scope,
    authorize,
    may,
    may_see_authority,
    scope_of,
)

P = Permission
ALL, AUTH, MEMBER, NO = Scope.ALL, Scope.AUTHORITY, Scope.MEMBER_STATE, None

#: permission: (operator, chamber, council, auditor); NO = refused (403).
EXPECTED: dict[Permission, tuple[Scope | None, ...]] = {
    P.SUBMIT_ORDERS: (MEMBER, NO, NO, NO),
    P.DECIDE_ORDERS: (AUTH, NO, NO, NO),
    P.READ_ORDERS: (AUTH, ALL, ALL, ALL),
    P.READ_POSITIONS: (AUTH, ALL, ALL, ALL),
    P.READ_PERIODS: (ALL, ALL, ALL, ALL),
    P.CLOSE_PERIODS: (NO, ALL, NO, NO),
    P.READ_SETTLEMENTS: (NO, ALL, ALL, ALL),
    P.READ_STATEMENTS: (AUTH, ALL, ALL, ALL),
    P.DECIDE_PARAMETERS: (NO, NO, ALL, NO),
    P.CONFIRM_SETTLEMENT: (AUTH, ALL, NO, NO),
    P.SUBMIT_INVOICES: (MEMBER, ALL, NO, NO),
    P.RUN_SETOFF: (NO, ALL, NO, NO),
    P.PAY_RESIDUALS: (NO, ALL, NO, NO),
    P.READ_SETOFF_RUNS: (MEMBER, ALL, ALL, ALL),
    P.COMPUTE_SETOFF: (ALL, ALL, ALL, ALL),
    P.PING: (ALL, ALL, ALL, ALL),
    P.READ_PENDING_ACTIONS: (NO, ALL, ALL, ALL),
    P.APPROVE_ACTIONS: (NO, ALL, ALL, NO),
}
ROLES = (Role.OPERATOR, Role.CHAMBER, Role.COUNCIL, Role.AUDITOR)
CELLS = [(role, permission, row[column]) for permission, row in EXPECTED.items()
         for column, role in enumerate(ROLES)]


def principal(role: Role, authority: str | None = None) -> Principal:
    if role is Role.OPERATOR:
        authority = authority or "BCV"
    return Principal(7, f"{role}-client", role, None if authority is None else
                     AuthorityCode(authority), None if authority is None else 3, "k" * 16)


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


def test_only_operators_are_ever_narrowed() -> None:
    """A narrowed scope needs an authority to narrow to: only operators are bound to one."""
    for role, held in POLICY.items():
        narrowed = {scope for scope in held.values() if scope is not Scope.ALL}
        assert not narrowed or role is Role.OPERATOR, role


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

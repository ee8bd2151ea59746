"""The credit-limit rule (``domain/positions.py``) and order posting (``domain/posting.py``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sucre.domain.errors import InvariantBroken
from sucre.domain.ledger import EntryKind, position_account, sums_by_currency
from sucre.domain.members import AuthorityCode
from sucre.domain.money import XSU
from sucre.domain.positions import (
    Position,
    headroom,
    net_debit,
    net_posted,
    reserve,
    reserve_credit,
    within_limit,
)
from sucre.domain.posting import order_entry

minor = st.integers(0, 10**12)
positions = st.builds(Position, minor, minor, minor, minor, minor)


def test_pending_credits_do_not_count_towards_the_headroom() -> None:
    # Limit 100.00; posted debits 80.00, reserved 30.00, posted credits 40.00, pending 500.00.
    p = Position(10_000, debit_posted_minor=8_000, debit_pending_minor=3_000,
                 credit_posted_minor=4_000, credit_pending_minor=50_000)
    assert (net_debit(p), headroom(p), net_posted(p)) == (7_000, 3_000, -4_000)
    assert within_limit(p, 3_000) and not within_limit(p, 3_001)


@given(positions, st.integers(1, 10**12))
def test_a_reservation_fits_exactly_when_within_limit(p: Position, amount: int) -> None:
    if within_limit(p, amount):
        reserved = reserve(p, amount)
        assert headroom(reserved) == headroom(p) - amount >= 0
        assert reserved.debit_pending_minor == p.debit_pending_minor + amount
    else:
        with pytest.raises(InvariantBroken):
            reserve(p, amount)


@given(positions, st.integers(1, 10**12))
def test_a_pending_credit_leaves_the_headroom_alone(p: Position, amount: int) -> None:
    credited = reserve_credit(p, amount)
    assert headroom(credited) == headroom(p)
    assert credited.credit_pending_minor == p.credit_pending_minor + amount


def test_no_negative_sums_and_no_empty_reservations() -> None:
    with pytest.raises(InvariantBroken):
        Position(100, debit_pending_minor=-1)
    with pytest.raises(InvariantBroken):
        within_limit(Position(100), 0)


@given(st.integers(1, 10**15), st.integers(1, 10**6), st.integers(1, 10**6))
def test_an_order_entry_moves_its_amount_between_two_positions(amount: int, period_id: int,
                                                               order_id: int) -> None:
    bcc, bcv = AuthorityCode("BCC"), AuthorityCode("BCV")
    entry = order_entry(period_id, order_id, bcc, bcv, amount)
    assert (entry.kind, entry.period_id, entry.order_id) == (EntryKind.ORDER, period_id, order_id)
    assert {(p.account, p.currency, p.amount_minor) for p in entry.postings} == {
        (position_account(bcc), XSU, -amount), (position_account(bcv), XSU, amount)}
    assert sums_by_currency(entry.postings) == {XSU: 0}


def test_an_order_entry_crosses_two_authorities() -> None:
    with pytest.raises(InvariantBroken):
        order_entry(1, 1, AuthorityCode("BCC"), AuthorityCode("BCC"), 100)

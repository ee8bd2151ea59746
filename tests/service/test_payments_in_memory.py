"""The payment use cases on a unit of work in memory (``fake_uow``): no database at all.

The same rules as ``test_orders.py`` on SQLite and PostgreSQL, in microseconds: the use cases
depend only on the repositories' protocols (:mod:`sucre.service.unit_of_work`).
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from sucre.domain.errors import AccessDenied, IdempotencyConflict, InvalidState
from sucre.domain.members import AuthorityCode
from sucre.domain.orders import OrderStatus
from sucre.domain.positions import Position
from sucre.service import payments
from tests import world
from tests.service import fake_uow
from tests.service.fake_uow import FakeUnitOfWork

#: Units per XSU: 24 CUP per USD at 1.25 USD per XSU.
PER_XSU = {"CUP": Fraction(30)}


@pytest.fixture
def memory() -> FakeUnitOfWork:
    """The test world (limits, an open period, rates) in memory."""
    return FakeUnitOfWork(fake_uow.bloc_state(world.LIMITS, PER_XSU, world.START, world.DAYS))


def position(uow: FakeUnitOfWork, authority: str) -> Position:
    return uow.state.positions[1, uow.state.authority_ids[AuthorityCode(authority)]]


def test_an_order_within_the_limit_is_accepted_and_reserved(memory: FakeUnitOfWork) -> None:
    outcome = payments.submit_order(memory, world.order())
    assert (outcome.status, outcome.xsu_minor, outcome.replayed) == (
        OrderStatus.ACCEPTED, 100_000, False)
    assert position(memory, "BCC").debit_pending_minor == 100_000
    assert position(memory, "BCV").credit_pending_minor == 100_000


def test_local_currency_is_valued_at_the_published_rate(memory: FakeUnitOfWork) -> None:
    outcome = payments.submit_order(memory, world.order(amount="24000.00", currency="CUP"))
    assert outcome.xsu_minor == 80_000


def test_an_order_over_the_limit_is_kept_as_rejected_am04(memory: FakeUnitOfWork) -> None:
    payments.submit_order(memory, world.order("A", amount="1500.00"))
    over = payments.submit_order(memory, world.order("B", amount="600.00"))
    assert (over.status, over.reason_code) == (OrderStatus.REJECTED, "AM04")
    assert position(memory, "BCC").debit_pending_minor == 150_000  # nothing reserved for B
    again = payments.submit_order(memory, world.order("B", amount="600.00"))
    assert again.replayed and again.status is OrderStatus.REJECTED  # failed stays failed


def test_a_replay_returns_the_original_outcome_with_no_second_effect(
        memory: FakeUnitOfWork) -> None:
    first = payments.submit_order(memory, world.order())
    before = (dict(memory.state.orders), dict(memory.state.positions))
    replay = payments.submit_order(memory, world.order())
    assert replay.replayed and (replay.order_id, replay.status) == (first.order_id, first.status)
    assert (memory.state.orders, memory.state.positions) == before


def test_the_same_key_with_another_body_is_refused_and_writes_nothing(
        memory: FakeUnitOfWork) -> None:
    payments.submit_order(memory, world.order())
    before = (dict(memory.state.orders), dict(memory.state.positions))
    with pytest.raises(IdempotencyConflict):
        payments.submit_order(memory, world.order(amount="999.00"))
    assert (memory.state.orders, memory.state.positions) == before


def test_the_receiver_confirms_or_rejects_and_only_once(memory: FakeUnitOfWork) -> None:
    kept = payments.submit_order(memory, world.order("A", amount="700.00"))
    refused = payments.submit_order(memory, world.order("B", amount="800.00"))
    with pytest.raises(AccessDenied):
        payments.decide_order(memory, kept.order_id, "BCC", accept=True)  # the payer
    confirmed = payments.decide_order(memory, kept.order_id, "BCV", accept=True)
    assert confirmed.status is OrderStatus.SETTLED
    rejected = payments.decide_order(memory, refused.order_id, "BCV", accept=False)
    assert (rejected.status, rejected.reason_code) == (OrderStatus.REJECTED, "MS02")
    assert position(memory, "BCC") == Position(200_000, debit_posted_minor=70_000)
    assert position(memory, "BCV") == Position(1_500_000, credit_posted_minor=70_000)
    with pytest.raises(InvalidState):
        payments.decide_order(memory, refused.order_id, "BCV", accept=True)


def test_a_batch_accepts_in_order_what_fits_the_limit(memory: FakeUnitOfWork) -> None:
    report = payments.import_orders(memory, enumerate([
        world.order("A", amount="1500.00"), world.order("B", amount="600.00"),
        world.order("C", amount="500.00"), world.order("D", amount="1.001")]), batch_orders=2)
    assert (report.accepted, report.rejected, report.invalid) == (2, 1, 1)
    assert position(memory, "BCC").debit_pending_minor == 200_000

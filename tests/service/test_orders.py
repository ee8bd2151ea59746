"""Payment orders through the service layer, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import (
    IdempotencyConflict,
    InvalidAmount,
    InvalidCurrency,
    InvalidDate,
    InvalidInput,
    InvalidState,
    PartyNotActive,
    SucreError,
    UnknownParty,
)
from sucre.domain.members import MemberStatus
from sucre.domain.orders import OrderStatus
from sucre.service import payments, registry, reports
from tests import world


@pytest.fixture
def bloc_engine(engine: Engine) -> Engine:
    world.build(engine)
    return engine


def test_an_order_is_reserved_against_the_debtors_limit(
        bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    outcome = payments.submit_order(uow, world.order())
    assert outcome.status is OrderStatus.ACCEPTED
    assert outcome.xsu_minor == 100_000
    live = reports.positions_report(SqlUnitOfWork(bloc_engine)).authorities
    assert live["BCC"].debit_reserved_minor == 100_000
    assert live["BCV"].credit_reserved_minor == 100_000
    assert live["BCC"].headroom_minor == 100_000  # limit 2000.00, 1000.00 reserved


def test_local_currency_is_valued_at_the_value_dates_published_rate(
        bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    # 24,000.00 CUP at 24 CUP/USD is 1,000 USD, which is 800.00 XSU at 1.25 USD per XSU.
    outcome = payments.submit_order(uow, world.order(amount="24000.00", currency="CUP"))
    assert outcome.xsu_minor == 80_000


def test_an_order_over_the_limit_is_kept_as_rejected_am04(
        bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    first = payments.submit_order(uow, world.order("A", amount="1500.00"))
    second = payments.submit_order(uow, world.order("B", amount="600.00"))
    assert first.status is OrderStatus.ACCEPTED
    assert (second.status, second.reason_code) == (OrderStatus.REJECTED, "AM04")
    again = payments.submit_order(uow, world.order("B", amount="600.00"))
    assert again.replayed and again.status is OrderStatus.REJECTED  # failed stays failed
    assert reports.positions_report(SqlUnitOfWork(bloc_engine)).authorities[
        "BCC"].headroom_minor == 50_000


def test_a_replay_returns_the_original_outcome_with_no_second_effect(
        bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    first = payments.submit_order(uow, world.order())
    before = (world.row_counts(bloc_engine), world.position_sums(bloc_engine))
    replay = payments.submit_order(uow, world.order())
    assert replay.replayed and replay.order_id == first.order_id
    assert replay.status is first.status
    assert (world.row_counts(bloc_engine), world.position_sums(bloc_engine)) == before


def test_the_same_key_with_another_body_is_refused(bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    payments.submit_order(uow, world.order())
    before = world.row_counts(bloc_engine)
    with pytest.raises(IdempotencyConflict) as caught:
        payments.submit_order(uow, world.order(amount="999.00"))
    assert caught.value.field == "idempotency_key" and caught.value.reason_code == "DUPL"
    assert world.row_counts(bloc_engine) == before


BAD_INPUT = [
    ({"amount": "0"}, InvalidAmount, "amount", "AM01"),
    ({"amount": "-5.00"}, InvalidAmount, "amount", "AM12"),
    ({"amount": "10.001"}, InvalidAmount, "amount", "AM12"),
    ({"amount": "ten"}, InvalidAmount, "amount", "AM12"),
    ({"amount": "NaN"}, InvalidAmount, "amount", "AM12"),
    ({"amount": "1e15"}, InvalidAmount, "amount", "AM12"),  # no exponents: one syntax
    ({"amount": "1000000000000000"}, InvalidAmount, "amount", "AM02"),
    ({"amount": "0.001", "currency": "CUP"}, InvalidAmount, "amount", "AM12"),
    ({"debtor_member": "HND"}, UnknownParty, "debtor_member", "RC01"),
    ({"debtor_member": "XXX"}, InvalidInput, "debtor_member", "BE09"),
    ({"creditor_member": "ECU"}, UnknownParty, "creditor_member", "RC01"),
    ({"currency": "USD"}, InvalidCurrency, "currency", "AM03"),
    ({"currency": "ZZZ"}, InvalidCurrency, "currency", "AM03"),
    ({"currency": "VES"}, InvalidCurrency, "currency", "AM03"),  # BCV's, not Cuba's
    ({"value_date": "2027-01-04"}, InvalidDate, "value_date", "DT01"),  # no open period
    ({"value_date": "2026-08-30"}, InvalidDate, "value_date", "DT01"),  # no fixing
    ({"value_date": "2026-13-01"}, InvalidDate, "value_date", "DT01"),
    ({"hs_code": "12"}, InvalidInput, "hs_code", "FF01"),
    ({"quantity": "-1"}, InvalidInput, "quantity", "FF01"),
    ({"origin": "CHN"}, InvalidInput, "origin", "FF01"),
    ({"invoice_ref": " "}, InvalidInput, "invoice_ref", "FF01"),
    ({"customs_ref": ""}, InvalidInput, "customs_ref", "FF01"),
    ({"idempotency_key": ""}, InvalidInput, "idempotency_key", "FF01"),
    ({"idempotency_key": "K\x001"}, InvalidInput, "idempotency_key", "FF01"),
    ({"importer": "Alim\x00port"}, InvalidInput, "importer", "FF01"),  # PostgreSQL refuses NUL
    ({"invoice_ref": "INV\x1b1"}, InvalidInput, "invoice_ref", "FF01"),
    ({"creditor_member": "DMA", "debtor_member": "LCA", "origin": "DMA", "currency": "XCD"},
     InvalidInput, "creditor_member", "AC01"),
]


@pytest.mark.parametrize(("changes", "error", "field", "code"), BAD_INPUT)
def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
        bloc_engine: Engine, uow: SqlUnitOfWork, changes: dict[str, str],
        error: type[SucreError], field: str, code: str) -> None:
    before = (world.row_counts(bloc_engine), world.position_sums(bloc_engine))
    with pytest.raises(error) as caught:
        payments.submit_order(uow, world.order(**changes))
    assert (caught.value.field, caught.value.reason_code) == (field, code)
    assert caught.value.message
    assert (world.row_counts(bloc_engine), world.position_sums(bloc_engine)) == before


def test_a_suspended_member_is_paid_but_cannot_pay(bloc_engine: Engine,
                                                  uow: SqlUnitOfWork) -> None:
    registry.change_member_status(uow, "VEN", MemberStatus.SUSPENDED, effective_date=world.START,
                                  reference=world.REF)
    assert payments.submit_order(uow, world.order("PAID")).status is OrderStatus.ACCEPTED
    before = world.row_counts(bloc_engine)
    with pytest.raises(PartyNotActive) as caught:
        payments.submit_order(uow, world.order("PAYS", debtor_member="VEN",
                                               creditor_member="CUB", origin="CUB"))
    assert (caught.value.field, caught.value.reason_code) == ("debtor_member", "AG01")
    assert world.row_counts(bloc_engine) == before


@pytest.mark.parametrize("side", ["creditor", "debtor"])
def test_a_withdrawn_member_neither_pays_nor_is_paid(bloc_engine: Engine, uow: SqlUnitOfWork,
                                                     side: str) -> None:
    registry.change_member_status(uow, "VEN", MemberStatus.WITHDRAWN, effective_date=world.START,
                                  reference=world.REF)
    before = world.row_counts(bloc_engine)
    request = world.order() if side == "creditor" else world.order(
        debtor_member="VEN", creditor_member="CUB", origin="CUB")
    with pytest.raises(PartyNotActive) as caught:
        payments.submit_order(uow, request)
    assert (caught.value.field, caught.value.reason_code) == (f"{side}_member", "AC04")
    assert "withdrawn" in caught.value.message
    assert world.row_counts(bloc_engine) == before


def test_the_receiving_side_confirms_or_rejects(bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    kept = payments.submit_order(uow, world.order("A", amount="700.00"))
    refused = payments.submit_order(uow, world.order("B", amount="800.00"))
    with pytest.raises(UnknownParty):  # only the creditor's authority decides, others see 404
        payments.decide_order(uow, kept.order_id, "BCB", accept=True)
    assert payments.decide_order(uow, kept.order_id, "BCV",
                                 accept=True).status is OrderStatus.SETTLED
    rejected = payments.decide_order(uow, refused.order_id, "BCV", accept=False)
    assert (rejected.status, rejected.reason_code) == (OrderStatus.REJECTED, "MS02")
    with pytest.raises(InvalidState):
        payments.decide_order(uow, refused.order_id, "BCV", accept=True)
    live = reports.positions_report(SqlUnitOfWork(bloc_engine)).authorities
    assert live["BCC"].net_posted_minor == -70_000
    assert live["BCC"].debit_reserved_minor == 0
    assert live["BCV"].net_posted_minor == 70_000
    world.verify(bloc_engine)


def test_posted_credits_raise_what_a_creditor_may_spend(
        bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    # BCC (limit 2,000.00) first receives 1,500.00 from BCV, confirmed; it may then pay 3,500.00.
    received = payments.submit_order(uow, world.order(
        "IN", debtor_member="VEN", creditor_member="CUB", origin="CUB"))
    payments.submit_order(uow, world.order(
        "IN2", debtor_member="VEN", creditor_member="CUB", origin="CUB", amount="500.00"))
    payments.confirm_all(uow, "BCC", "2026-H2")
    assert received.status is OrderStatus.ACCEPTED
    ok = payments.submit_order(uow, world.order("OUT", amount="3500.00"))
    over = payments.submit_order(uow, world.order("OUT2", amount="0.01"))
    assert ok.status is OrderStatus.ACCEPTED
    assert over.reason_code == "AM04"


def test_an_order_for_a_closing_or_settled_period_is_refused(
        bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    payments.submit_order(uow, world.order())
    world.close(bloc_engine, "2026-H2", as_of=world.AFTER)
    before = world.row_counts(bloc_engine)
    with pytest.raises(InvalidDate) as caught:
        payments.submit_order(uow, world.order("LATE"))
    assert caught.value.field == "value_date"
    assert world.row_counts(bloc_engine) == before


def test_a_bulk_import_reports_a_control_character_key_and_keeps_the_good_rows(
        bloc_engine: Engine, uow: SqlUnitOfWork) -> None:
    rows = [(2, world.order("GOOD-1")), (3, world.order("BAD\x00KEY")),
            (4, world.order("GOOD-2", importer="Ali\x07mport"))]
    report = payments.import_orders(uow, rows)
    assert report.accepted == 1
    assert [(e.line, e.field) for e in report.errors] == [(3, "idempotency_key"),
                                                          (4, "importer")]

"""Council records that used to be stored and then silently ignored: each now takes effect or is
refused with its reason (issue 10, "Rules that silently surprise")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import Engine, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.repositories.rates import SqlRates
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import AccessDenied, InvalidInput, InvalidState, UnknownParty
from sucre.domain.members import AuthorityCode
from sucre.domain.money import XSU, CurrencyCode
from sucre.domain.orders import OrderStatus
from sucre.service import bloc, payments, registry, reports, setoff_runs
from sucre.service.setoff_runs import Invoice
from tests import world


def _per_usd(**changes: str) -> dict[CurrencyCode, Fraction]:
    rates = {**world.PER_USD, **changes}
    return {CurrencyCode(c): Fraction(Decimal(v)) for c, v in rates.items()}


def _weights() -> dict[CurrencyCode, Fraction]:
    return {CurrencyCode(c): Fraction(Decimal(w)) for c, w in world.WEIGHTS.items()}


def _limit(uow: SqlUnitOfWork, authority: str) -> str:
    report = reports.positions_report(uow, "2026-H2")
    return reports.xsu(report.authorities[AuthorityCode(authority)].limit_minor)


def test_an_allocation_dated_in_the_open_period_becomes_its_limit(
        engine: Engine, uow: SqlUnitOfWork) -> None:
    world.build(engine)
    assert _limit(uow, "BCC") == "2000.00"
    registry.set_allocation(uow, "BCC", dt.date(2026, 7, 5), 500_000, 100_000, world.REF)
    assert _limit(uow, "BCC") == "6000.00"
    # The new limit is the one reservations check: BCC may now owe 6,000.00 XSU.
    accepted = payments.submit_order(SqlUnitOfWork(engine), world.order("BIG", amount="5500.00"))
    assert accepted.status is OrderStatus.ACCEPTED


def test_an_allocation_below_the_debit_already_used_is_refused(
        engine: Engine, uow: SqlUnitOfWork) -> None:
    world.build(engine)
    payments.submit_order(SqlUnitOfWork(engine), world.order("USED", amount="1500.00"))
    before = world.row_counts(engine)
    with pytest.raises(InvalidState, match="already used"):
        registry.set_allocation(uow, "BCC", dt.date(2026, 7, 5), 100_000, 0, world.REF)
    assert world.row_counts(engine) == before
    assert _limit(uow, "BCC") == "2000.00"


def test_an_allocation_dated_in_a_settled_period_is_refused(
        engine: Engine, uow: SqlUnitOfWork) -> None:
    world.build(engine)
    world.close(engine, "2026-H2", as_of=world.AFTER)
    with pytest.raises(InvalidState, match="2026-H2, which is already settled"):
        registry.set_allocation(uow, "BCC", dt.date(2026, 8, 1), 500_000, 0, world.REF)


def test_fixings_loaded_before_the_basket_become_rates_when_it_is_decided(
        engine: Engine, uow: SqlUnitOfWork) -> None:
    bloc.register_bloc(uow, world.START, world.REF)
    days = [world.START + dt.timedelta(days=n) for n in range(3)]
    for day in days:
        registry.record_fixings(uow, day, _per_usd())
    with engine.connect() as conn:
        assert SqlRates(conn).on(days[2]) is None
    registry.set_basket(uow, world.START, Fraction(5, 4), _weights(), world.REF)
    with engine.connect() as conn:
        published = [SqlRates(conn).on(day) for day in days]
    assert all(r is not None and r.per_xsu[CurrencyCode("USD")] == Fraction(5, 4)
               for r in published)


def test_reloading_the_same_fixings_changes_nothing(engine: Engine, uow: SqlUnitOfWork) -> None:
    bloc.register_bloc(uow, world.START, world.REF)
    registry.record_fixings(uow, world.START, _per_usd())
    registry.record_fixings(uow, world.START, _per_usd())  # before the basket
    registry.set_basket(uow, world.START, Fraction(5, 4), _weights(), world.REF)
    before = world.row_counts(engine)
    registry.record_fixings(uow, world.START, _per_usd())  # after: rates published
    assert world.row_counts(engine) == before


def test_a_different_fixing_for_a_fixed_day_is_refused_clearly(
        engine: Engine, uow: SqlUnitOfWork) -> None:
    bloc.register_bloc(uow, world.START, world.REF)
    registry.record_fixings(uow, world.START, _per_usd())
    with pytest.raises(InvalidState, match="VES fixing of 2026-07-01 is already recorded") as e:
        registry.record_fixings(uow, world.START, _per_usd(VES="101"))
    assert e.value.reason_code == "DUPL"


def test_a_new_currency_on_a_published_day_is_refused(engine: Engine, uow: SqlUnitOfWork) -> None:
    world.build(engine)
    with pytest.raises(InvalidState, match="already published"):
        registry.record_fixings(uow, world.START, {CurrencyCode("EUR"): Fraction(9, 10)})


def test_a_period_that_has_not_ended_is_not_closed(engine: Engine) -> None:
    world.build(engine)
    payments.submit_order(SqlUnitOfWork(engine), world.order())
    before = world.row_counts(engine)
    with pytest.raises(InvalidState, match="runs until 2026-12-31.*from 2027-01-01"):
        world.close(engine, "2026-H2", as_of=dt.date(2026, 12, 31))
    assert world.row_counts(engine) == before


def test_an_early_close_needs_and_records_a_council_decision(engine: Engine) -> None:
    world.build(engine)
    report = world.close(engine, "2026-H2", as_of=dt.date(2026, 12, 2),
                                  early_reference="XXX Council, 1 Dec 2026")
    assert report["period"] == "2026-H2"
    with engine.connect() as conn:
        row = conn.execute(select(t.decisions).where(t.decisions.c.kind == "early_close")).one()
    assert (row.effective_date, row.reference) == (dt.date(2026, 12, 2), "XXX Council, 1 Dec 2026")


def test_the_payer_is_told_only_the_receiving_authority_confirms(engine: Engine) -> None:
    world.build(engine)
    order = payments.submit_order(SqlUnitOfWork(engine), world.order())
    with pytest.raises(AccessDenied, match="only the receiving authority \\(BCV\\) confirms"):
        payments.decide_order(SqlUnitOfWork(engine), order.order_id, "BCC", accept=True)
    with pytest.raises(UnknownParty):  # a third party learns nothing about the order
        payments.decide_order(SqlUnitOfWork(engine), order.order_id, "BCB", accept=True)


def test_goods_crossing_authorities_need_a_customs_reference_at_import(
        engine: Engine, uow: SqlUnitOfWork) -> None:
    world.build(engine)
    goods = Invoice("G1", "alimport", "casa", 10_000, XSU, "CUB", "VEN", hs_code="100630",
                    quantity="10", unit="t")
    with pytest.raises(InvalidInput, match="customs declaration") as caught:
        setoff_runs.store_invoices(uow, [goods])
    assert caught.value.field == "customs_ref"
    # Without goods (set-off only) or within one authority, no declaration is needed.
    assert setoff_runs.store_invoices(uow, [
        Invoice("N1", "alimport", "casa", 10_000, XSU, "CUB", "VEN"),
        Invoice("H1", "a", "b", 10_000, XSU, "ATG", "DMA", hs_code="100630")]) == (2, 0)

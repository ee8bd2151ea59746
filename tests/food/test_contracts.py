"""Shipments become invoices at the agreed prices, stored with the traders' others, and set off
(SQLite and PostgreSQL: the ``engine`` fixture)."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from sqlalchemy import Engine

from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.errors import IdempotencyConflict, InvalidInput
from sucre.domain.food.contracts import Price, amount_minor, shipment_invoices
from sucre.domain.food.matching import match
from sucre.domain.money import XSU, round_half_even
from sucre.service import food, setoff_runs
from tests import world
from tests.food.helpers import need, supply, table

PRICES = {"black beans": Price("black beans", 103_575, XSU, "071333"),
          "corn flour": Price("corn flour", 52_000, XSU, "110220")}
DISTANCES = table({("Corinto", "La Guaira"): 1614, ("Puerto Cabello", "Corinto"): 1600,
                   ("Puerto Cabello", "La Guaira"): 64})


def _round() -> tuple[list, list]:  # type: ignore[type-arg]
    supplies = [supply("Corinto", 500.123, member="NIC", category="black beans"),
                supply("Puerto Cabello", 800, member="VEN", category="corn flour")]
    needs = [need("La Guaira", 500.123, member="VEN", category="black beans"),
             need("Corinto", 700, member="NIC", category="corn flour"),
             need("La Guaira", 100, member="VEN", category="corn flour")]
    return supplies, needs


def test_the_invoices_equal_the_shipments_at_their_prices() -> None:
    plan = match(*_round(), DISTANCES)
    invoices = shipment_invoices(plan, PRICES, "2026-07")
    cross = [s for s in plan.shipments
             if plan.supplies[s.supply].member != plan.needs[s.need].member]
    assert len(cross) == 2 and len(plan.shipments) == 3  # VEN -> VEN is paid at home
    for invoice, shipment in zip(invoices, cross, strict=True):
        supply_, need_ = plan.supplies[shipment.supply], plan.needs[shipment.need]
        price = PRICES[supply_.category]
        exact = Fraction(shipment.tonnes_kg, 1000) * Fraction(price.per_tonne_minor)
        assert invoice.amount_minor == round_half_even(exact)
        assert (invoice.debtor, invoice.creditor) == (f"{need_.member}-FOOD",
                                                      f"{supply_.member}-FOOD")
        assert (invoice.debtor_member, invoice.creditor_member) == (need_.member, supply_.member)
        assert invoice.quantity == f"{shipment.tonnes_kg // 1000}.{shipment.tonnes_kg % 1000:03d}"
        assert invoice.hs_code == price.hs_code and invoice.due_date == need_.needed_by
    # 500.123 t x 1,035.75 = 518,002.39725 -> 518,002.40 (half to even, once).
    assert invoices[0].amount_minor == 51_800_240
    assert invoices[1].amount_minor == 700 * 52_000
    assert [i.external_id for i in invoices] == ["FOOD-2026-07-0001", "FOOD-2026-07-0002"]


def test_rounding_is_half_to_even_once() -> None:
    price = Price("x", 1, XSU, "100630")
    assert [amount_minor(kg, price) for kg in (499, 500, 501, 1500, 2500)] == [0, 0, 1, 2, 2]


def test_a_category_without_a_price_is_refused() -> None:
    plan = match(*_round(), DISTANCES)
    with pytest.raises(InvalidInput, match="no agreed price for corn flour") as error:
        shipment_invoices(plan, {"black beans": PRICES["black beans"]}, "r1")
    assert error.value.field == "prices"
    with pytest.raises(InvalidInput):
        shipment_invoices(plan, PRICES, "bad round!")


def test_stored_invoices_take_part_in_set_off(engine: Engine) -> None:
    world.build(engine)
    uow = SqlUnitOfWork(engine)
    plan = match(*_round(), DISTANCES)
    invoices, stored, known = food.store_contracts(uow, plan, PRICES, "2026-07")
    assert (stored, known) == (2, 0)
    with uow:
        assert uow.invoices.by_external_ids([i.external_id for i in invoices]) == {
            i.external_id: i for i in invoices}
    again = food.store_contracts(uow, plan, PRICES, "2026-07")
    assert again[1:] == (0, 2)  # the same round stored twice is stored once
    dearer = {**PRICES, "corn flour": Price("corn flour", 52_001, XSU, "110220")}
    with pytest.raises(IdempotencyConflict):
        food.store_contracts(uow, plan, dearer, "2026-07")
    # NIC-FOOD owes 364,000.00 for flour, VEN-FOOD 518,002.40 for beans: the cycle clears the
    # smaller.
    run = setoff_runs.run_setoff(uow, world.START + dt.timedelta(days=1))
    assert run.findings.cleared_minor == 2 * 36_400_000


def test_what_set_off_leaves_is_paid_through_the_chamber(engine: Engine) -> None:
    # Beans 5.123 t x 1,035.75 = 5,306.14725 -> 5,306.15 (VEN owes NIC); flour 7 t x 520.00 =
    # 3,640.00 (NIC owes VEN): set-off clears 3,640.00 both ways, VEN's remaining 1,666.15
    # becomes one payment order through the chamber.
    world.build(engine)
    uow = SqlUnitOfWork(engine)
    supplies = [supply("Corinto", 5.123, member="NIC", category="black beans"),
                supply("Puerto Cabello", 7, member="VEN", category="corn flour")]
    needs = [need("La Guaira", 5.123, member="VEN", category="black beans"),
             need("Corinto", 7, member="NIC", category="corn flour")]
    plan = match(supplies, needs, DISTANCES)
    invoices, _, _ = food.store_contracts(uow, plan, PRICES, "small")
    assert [i.amount_minor for i in invoices] == [530_615, 364_000]
    day = world.START + dt.timedelta(days=1)
    assert setoff_runs.run_setoff(uow, day).findings.cleared_minor == 2 * 364_000
    [order] = setoff_runs.residual_orders(uow, day)
    assert (order.debtor_member, order.creditor_member, order.amount, order.currency) == (
        "VEN", "NIC", "1666.15", "XSU")
    assert setoff_runs.pay_residuals(uow, day).accepted == 1

"""Accepted shipments become trade contracts and invoices between the members' traders.

Each cross-border shipment of a round is one contract at the agreed price of its category and one
unpaid invoice: the importing member's trader owes the exporting member's trader
``tonnes x price per tonne``, in the price's currency. The amount is exact when the price and the
kilograms allow; otherwise it is rounded once, half to even, to the currency's minor unit
(:func:`sucre.domain.money.divide_half_even`, the one rounding rule). A shipment within one
member state crosses no border and is paid at home: it gets no invoice.

The invoice ids are ``FOOD-<round>-<nnnn>`` (the shipment's number in the round), so storing a
round twice stores it once (:func:`sucre.service.setoff_runs.store_invoices` skips a known id with
the same body and refuses one with another).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sucre import bounds
from sucre.domain.errors import InvalidInput, invariant
from sucre.domain.food.matching import Match
from sucre.domain.food.records import KG_PER_TONNE, Category, format_tonnes
from sucre.domain.members import MemberCode
from sucre.domain.money import CurrencyCode, divide_half_even
from sucre.domain.setoff.runs import Invoice

_ROUND = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")


@dataclass(frozen=True, slots=True)
class Price:
    """The agreed price of a category: minor units of ``currency`` per tonne, and the HS code
    its invoices and residual payment orders carry."""

    category: Category
    per_tonne_minor: int
    currency: CurrencyCode
    hs_code: str


def trader(member: MemberCode) -> str:
    """The trader that buys or sells a member state's planned food (its state food agency)."""
    return f"{member}-FOOD"


def round_id(text: str, *, field: str = "round") -> str:
    """A planning round's name: 1 to 40 letters, digits, ``.``, ``_`` or ``-``."""
    value = text.strip()
    if not _ROUND.fullmatch(value):
        raise InvalidInput(f"{text!r} is not a round name (1 to 40 letters, digits, '.', '_' "
                           "or '-', starting with a letter or digit)", field=field)
    return value


def amount_minor(tonnes_kg: int, price: Price) -> int:
    """``tonnes x price``, in minor units, rounded once half to even (module docstring)."""
    return divide_half_even(tonnes_kg * price.per_tonne_minor, KG_PER_TONNE)


def shipment_invoices(plan: Match, prices: Mapping[Category, Price], round_name: str
                      ) -> list[Invoice]:
    """One invoice per cross-border shipment of ``plan``, at ``prices`` (every category shipped
    needs one)."""
    name = round_id(round_name)
    missing = sorted({plan.supplies[s.supply].category for s in plan.shipments}
                     - set(prices))
    if missing:
        raise InvalidInput(f"no agreed price for {', '.join(missing)}", field="prices")
    invoices: list[Invoice] = []
    for number, shipment in enumerate(plan.shipments, start=1):
        supply, need = plan.supplies[shipment.supply], plan.needs[shipment.need]
        if supply.member == need.member:
            continue
        price = prices[supply.category]
        amount = amount_minor(shipment.tonnes_kg, price)
        if not 0 < amount <= bounds.amount_minor_max:
            raise InvalidInput(f"shipment {number}: {format_tonnes(shipment.tonnes_kg)} t of "
                               f"{supply.category} at the agreed price is {amount} minor units "
                               "(must be more than zero and within the amount bound)",
                               field="prices")
        reference = f"FOOD-{name}-{number:04d}"
        invoices.append(Invoice(
            reference, trader(need.member), trader(supply.member), amount, price.currency,
            debtor_member=need.member, creditor_member=supply.member, due_date=need.needed_by,
            hs_code=price.hs_code, quantity=format_tonnes(shipment.tonnes_kg), unit="t",
            customs_ref=f"PLAN-{reference}"))
    invariant(len({i.external_id for i in invoices}) == len(invoices), "invoice ids are unique")
    return invoices


def invoiced_total(invoices: Sequence[Invoice]) -> dict[CurrencyCode, int]:
    """Minor units invoiced per currency."""
    totals: dict[CurrencyCode, int] = {}
    for invoice in invoices:
        totals[invoice.currency] = totals.get(invoice.currency, 0) + invoice.amount_minor
    return totals

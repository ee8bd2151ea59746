"""Food-supply planning in the pipeline: match offers to needs, route the fleet, and turn the
accepted shipments into trade invoices that take part in set-off (issue 15).

1. :func:`read_round` reads an offers file and a needs file against the ports: the shipped list
   with sea distances by ``searoute`` (:mod:`sucre.adapters.sea_routes`), or a distances file,
   whose port names are then the ports.
2. :func:`sucre.domain.food.matching.match` finds the optimal matching; :func:`match_document` is
   the one JSON document of ``sucre food match --json`` and ``POST /v1/food/match``.
3. :func:`sucre.domain.food.voyages.plan_voyages` routes vessels and aircraft;
   :func:`voyages_document` is ``sucre food voyages --json``.
4. :func:`store_contracts` stores one invoice per cross-border shipment at the agreed prices with
   the traders' other invoices (:func:`sucre.service.setoff_runs.store_invoices`): the next set-off
   run clears what it can and the rest is paid through the chamber.

:func:`demo_round` is the planning round of ``sucre demo``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sucre.adapters import food_csv, sea_routes
from sucre.domain.food.contracts import Price, invoiced_total, shipment_invoices
from sucre.domain.food.fleet import Vehicle, VehicleKind
from sucre.domain.food.matching import Match, match
from sucre.domain.food.records import (
    Category,
    Distances,
    Need,
    Priority,
    Supply,
    format_tonne_miles,
    format_tonnes,
)
from sucre.domain.food.voyages import VoyagePlan, plan_voyages
from sucre.domain.members import MemberCode
from sucre.domain.money import XSU, CurrencyCode, divide_half_even, format_amount
from sucre.domain.setoff.runs import Invoice
from sucre.service import setoff_runs
from sucre.service.unit_of_work import UnitOfWork


@dataclass(frozen=True, slots=True)
class Round:
    """A planning round's input: offers, needs and the distances between their ports."""

    supplies: list[Supply]
    needs: list[Need]
    distances: Distances


def distances_for(path: Path | None) -> Distances:
    """The distances file's table, or the shipped ports' sea distances (searoute)."""
    return food_csv.read_distances(path) if path is not None else sea_routes.sea_distances()


def read_round(supplies: Path, needs: Path, distances: Path | None = None) -> Round:
    table = distances_for(distances)
    return Round(food_csv.read_supplies(supplies, table), food_csv.read_needs(needs, table),
                 table)


def match_document(plan: Match) -> dict[str, Any]:
    """``{"delivered_tonnes", "tonne_nm", "shipments", "unmet"}``: tonnes as decimal strings to
    the kilogram, tonne-nautical-miles exact."""
    shipments = []
    for shipment in plan.shipments:
        supply, need = plan.supplies[shipment.supply], plan.needs[shipment.need]
        shipments.append({"from_member": supply.member, "from_port": supply.port,
                          "to_member": need.member, "to_port": need.port,
                          "category": supply.category,
                          "tonnes": format_tonnes(shipment.tonnes_kg)})
    unmet = []
    for gap in plan.unmet:
        need = plan.needs[gap.need]
        unmet.append({"member": need.member, "port": need.port, "category": need.category,
                      "tonnes": format_tonnes(gap.tonnes_kg), "needed_by": need.needed_by,
                      "priority": need.priority.value, "reason": gap.reason})
    return {"delivered_tonnes": format_tonnes(plan.delivered_kg),
            "tonne_nm": format_tonne_miles(plan.kg_nm), "shipments": shipments, "unmet": unmet}


def voyages_document(plan: VoyagePlan, matched: Match,
                     currency: CurrencyCode = XSU) -> dict[str, Any]:
    """The routed fleet: cost, days, the lower bound and the gap, each vehicle's stops."""
    routes = []
    for route in plan.routes:
        routes.append({
            "vehicle": route.vehicle.name, "kind": route.vehicle.kind.value,
            "cost": format_amount(divide_half_even(route.cost_units, 24), currency),
            "days": -(-route.end_h // 24),
            "stops": [{"port": s.port, "action": s.action,
                       "day": (plan.origin + dt.timedelta(hours=s.arrival_h)).isoformat(),
                       "hour": s.arrival_h,
                       **({} if s.load is None else _cargo(plan, matched, s.load))}
                      for s in route.stops]})
    unserved = [{"load": k + 1, "from_port": plan.loads[k].pickup,
                 "to_port": plan.loads[k].delivery,
                 "tonnes": format_tonnes(plan.loads[k].tonnes_kg), "reason": reason}
                for k, reason in plan.unserved]
    return {"origin": plan.origin, "loads": len(plan.loads),
            "delivered_tonnes": format_tonnes(matched.delivered_kg),
            "cost": format_amount(plan.cost_minor, currency), "currency": currency,
            "days": plan.days, "lower_bound": format_amount(plan.lower_bound_minor, currency),
            "gap": f"{float(plan.gap):.4f}", "seconds": round(plan.seconds, 3),
            "time_limit_s": plan.time_limit_s, "routes": routes, "unserved": unserved}


def _cargo(plan: VoyagePlan, matched: Match, load: int) -> dict[str, str | int]:
    shipment = matched.shipments[plan.loads[load].shipment]
    supply, need = matched.supplies[shipment.supply], matched.needs[shipment.need]
    return {"load": load + 1, "tonnes": format_tonnes(plan.loads[load].tonnes_kg),
            "category": supply.category, "from_member": supply.member,
            "to_member": need.member, "priority": need.priority.value}


def store_contracts(uow: UnitOfWork, plan: Match, prices: Mapping[Category, Price],
                    round_name: str) -> tuple[list[Invoice], int, int]:
    """Store the round's invoices (idempotently, by ``FOOD-<round>-<n>``): ``(invoices,
    stored, already_known)``."""
    invoices = shipment_invoices(plan, prices, round_name)
    stored, known = setoff_runs.store_invoices(uow, invoices) if invoices else (0, 0)
    return invoices, stored, known


# --- the demo's round ---------------------------------------------------------------------------

_DEMO_SUPPLIES = (("NIC", "Corinto", "black beans", 1500, 0), ("NIC", "Corinto", "beef", 400, 2),
                  ("BOL", "Arica", "soy oil", 2000, 1), ("CUB", "Havana", "rice", 1000, 0),
                  ("VEN", "Puerto Cabello", "corn flour", 800, 0))
_DEMO_NEEDS = (("VEN", "La Guaira", "black beans", 900, 19, Priority.NORMAL),
               ("CUB", "Havana", "black beans", 500, 14, Priority.CRITICAL),
               ("DMA", "Roseau", "rice", 150, 11, Priority.CRITICAL),
               ("VEN", "La Guaira", "beef", 300, 24, Priority.NORMAL),
               ("CUB", "Santiago de Cuba", "soy oil", 700, 19, Priority.CRITICAL),
               ("VEN", "Puerto Cabello", "soy oil", 1000, 29, Priority.NORMAL),
               ("GRD", "St George's", "corn flour", 120, 7, Priority.CRITICAL),
               ("ATG", "St John's", "beef", 50, 3, Priority.CRITICAL))
_DEMO_FLEET = (Vehicle("ALBA Caribe", VehicleKind.SHIP, 3_000_000, 13, 900_000, "La Guaira"),
               Vehicle("ALBA Pacifico", VehicleKind.SHIP, 2_500_000, 12, 800_000, "Corinto"),
               Vehicle("Jose Marti", VehicleKind.SHIP, 2_000_000, 12, 700_000, "Havana"),
               Vehicle("Conviasa Cargo", VehicleKind.AIRCRAFT, 40_000, 450, 3_000_000,
                       "La Guaira"))
#: Demo prices (XSU per tonne): black beans 500 t for 517,875 XSU and rice 360 t for 108,000
#: XSU as published (DOMAIN.md section 10); beef and soy oil at the demo corridors' USD prices.
_DEMO_PRICES = {"black beans": ("103575", "071333"), "beef": ("416000", "020130"),
                "soy oil": ("88000", "150710"), "rice": ("30000", "100630"),
                "corn flour": ("52000", "110220")}


def demo_round(uow: UnitOfWork, start: dt.date) -> str:
    """One planning round of the demo from ``start``: match, route, store the invoices (which
    the demo's set-off run then clears with the traders' others); answers its story line."""
    distances = sea_routes.sea_distances()
    supplies = [Supply(MemberCode(m), p, c, t * 1000, start + dt.timedelta(days=d))
                for m, p, c, t, d in _DEMO_SUPPLIES]
    needs = [Need(MemberCode(m), p, c, t * 1000, start + dt.timedelta(days=d), priority)
             for m, p, c, t, d, priority in _DEMO_NEEDS]
    matched = match(supplies, needs, distances)
    voyages = plan_voyages(matched, _DEMO_FLEET, distances,
                           sea_routes.air_distances(distances), time_limit_s=1)
    prices = {c: Price(c, int(p), XSU, hs) for c, (p, hs) in _DEMO_PRICES.items()}
    invoices, stored, _ = store_contracts(uow, matched, prices, start.strftime("%Y-%m"))
    worth = format_amount(invoiced_total(invoices).get(XSU, 0), XSU)
    return (f"food planning round: {len(supplies)} offers, {len(needs)} needs "
            f"({sum(n.priority is Priority.CRITICAL for n in needs)} critical); "
            f"{format_tonnes(matched.delivered_kg)} t matched "
            f"({format_tonnes(matched.critical_kg)} t critical, "
            f"{format_tonne_miles(matched.kg_nm)} t-nm), {len(matched.unmet)} needs short; "
            f"{len(voyages.routes)} vehicles sail for {voyages.days} days at "
            f"{format_amount(voyages.cost_minor, XSU)} XSU (lower bound "
            f"{format_amount(voyages.lower_bound_minor, XSU)}, gap {float(voyages.gap):.1%}); "
            f"{len(invoices)} invoices worth {worth} XSU ({stored} newly stored) go to set-off")

"""Food-supply planning at the issue's size: 10 members, 200 offers, 200 needs, 20 vessels.

One seeded round over the shipped ports (sea distances by searoute, computed in the run and
timed apart), then:

* ``match``: the exact lexicographic matching (critical tonnes, tonnes, tonne-miles), against a
  **greedy nearest-offer** baseline measured on the same round: needs in order (critical first,
  then by due date), each filled from the nearest offers of its category that can arrive in time.
  Both tonnages and tonne-miles are reported;
* ``voyages``: OR-Tools routing of the matching's loads on 20 vessels (and 2 aircraft) with
  ``--time-limit`` seconds of search, its cost, days, lower bound and gap, against a **one voyage
  per load** baseline (each load its own round trip home -> pickup -> delivery -> home by the
  cheapest ship that can make it in time, windows ignored: it is a cost reference, not a plan).

The whole run must fit in 60 s on the project's 2-core machine. One JSON object on stdout.

    python bench/food_bench.py [--seed 15] [--time-limit 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import sys
import time
from typing import Any

from sucre.adapters import sea_routes
from sucre.domain.food.fleet import PORT_HOURS, Vehicle, VehicleKind
from sucre.domain.food.matching import match, sailing_days
from sucre.domain.food.records import (
    Distances,
    Need,
    Priority,
    Supply,
    format_tonne_miles,
    format_tonnes,
)
from sucre.domain.food.voyages import plan_voyages, split_loads
from sucre.domain.members import MemberCode
from sucre.domain.money import divide_half_even

START = dt.date(2026, 7, 1)
CATEGORIES = ("rice", "black beans", "beef", "soy oil", "corn flour", "milk powder", "sugar",
              "chicken")


def generate(distances: Distances, seed: int) -> tuple[list[Supply], list[Need], list[Vehicle]]:
    rng = random.Random(seed)
    ports = [(info.members[0], name) for name, info in sorted(distances.ports.items())]
    supplies = [Supply(MemberCode(m), p, rng.choice(CATEGORIES), rng.randint(50, 2500) * 1000
                       + rng.randint(0, 999), START + dt.timedelta(days=rng.randint(0, 20)))
                for m, p in (rng.choice(ports) for _ in range(200))]
    needs = [Need(MemberCode(m), p, rng.choice(CATEGORIES), rng.randint(20, 1500) * 1000
                  + rng.randint(0, 999), START + dt.timedelta(days=rng.randint(10, 60)),
                  Priority.CRITICAL if rng.random() < 0.3 else Priority.NORMAL)
             for m, p in (rng.choice(ports) for _ in range(200))]
    vessels = [Vehicle(f"V{k:02d}", VehicleKind.SHIP, rng.choice((1500, 2500, 3000, 5000)) * 1000,
                       rng.choice((11, 12, 13, 14)), rng.randint(5000, 12000) * 100,
                       rng.choice(ports)[1]) for k in range(20)]
    vessels += [Vehicle(f"A{k}", VehicleKind.AIRCRAFT, 40_000, 450, 3_000_000, "La Guaira")
                for k in range(2)]
    return supplies, needs, vessels


def greedy(supplies: list[Supply], needs: list[Need], distances: Distances,
           speed: int) -> tuple[int, int, int]:
    """Nearest available offer first, needs by priority then due date: (critical, kg, kg-nm)."""
    left = [s.tonnes_kg for s in supplies]
    critical = delivered = kg_nm = 0
    for need in sorted(needs, key=lambda n: (n.priority is not Priority.CRITICAL, n.needed_by)):
        wanted = need.tonnes_kg
        options = []
        for k, supply in enumerate(supplies):
            nm = distances.nm(supply.port, need.port)
            if (supply.category == need.category and nm is not None and supply.available_from
                    + dt.timedelta(days=sailing_days(nm, speed)) <= need.needed_by):
                options.append((nm, k))
        for nm, k in sorted(options):
            take = min(wanted, left[k])
            left[k] -= take
            wanted -= take
            kg_nm += take * nm
            if not wanted:
                break
        got = need.tonnes_kg - wanted
        delivered += got
        critical += got if need.priority is Priority.CRITICAL else 0
    return critical, delivered, kg_nm


def one_voyage_per_load(loads: list[Any], vessels: list[Vehicle], distances: Distances) -> int:
    total = 0
    for load in loads:
        costs = []
        for v in vessels:
            if v.kind is not VehicleKind.SHIP or load.tonnes_kg > v.capacity_kg:
                continue
            legs = [distances.nm(a, b) for a, b in ((v.home_port, load.pickup),
                                                    (load.pickup, load.delivery),
                                                    (load.delivery, v.home_port))]
            if None in legs:
                continue
            hours = sum(-(-int(nm or 0) // v.speed_kn) for nm in legs) + 2 * PORT_HOURS[v.kind]
            costs.append(hours * v.daily_cost_minor)
        total += min(costs)
    return divide_half_even(total, 24)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--time-limit", type=int, default=30)
    args = parser.parse_args()
    started = time.perf_counter()
    distances = sea_routes.sea_distances()
    routes_s = time.perf_counter() - started
    supplies, needs, vessels = generate(distances, args.seed)
    print(f"round: {len(supplies)} offers, {len(needs)} needs, {len(vessels)} vehicles",
          file=sys.stderr)
    t0 = time.perf_counter()
    plan = match(supplies, needs, distances)
    match_s = time.perf_counter() - t0
    g_critical, g_delivered, g_kg_nm = greedy(supplies, needs, distances, plan.speed_kn)
    print(f"matched in {match_s:.3f} s; routing for up to {args.time_limit} s", file=sys.stderr)
    t0 = time.perf_counter()
    routed = plan_voyages(plan, vessels, distances, sea_routes.air_distances(distances),
                          time_limit_s=args.time_limit)
    voyages_s = time.perf_counter() - t0
    _, loads = split_loads(plan, vessels)
    baseline_cost = one_voyage_per_load(loads, vessels, distances)
    total_s = time.perf_counter() - started
    document = {
        "bench": "food", "seed": args.seed, "members": len({p.members[0] for p in
                                                            distances.ports.values()}),
        "offers": len(supplies), "needs": len(needs), "vessels": 20, "aircraft": 2,
        "ports": len(distances.ports), "sea_routes_s": round(routes_s, 3),
        "match": {"seconds": round(match_s, 3),
                  "critical_tonnes": format_tonnes(plan.critical_kg),
                  "delivered_tonnes": format_tonnes(plan.delivered_kg),
                  "needed_tonnes": format_tonnes(plan.needed_kg),
                  "tonne_nm": format_tonne_miles(plan.kg_nm), "shipments": len(plan.shipments),
                  "unmet_needs": len(plan.unmet)},
        "greedy_nearest_offer": {"critical_tonnes": format_tonnes(g_critical),
                                 "delivered_tonnes": format_tonnes(g_delivered),
                                 "tonne_nm": format_tonne_miles(g_kg_nm)},
        "voyages": {"seconds": round(voyages_s, 3), "time_limit_s": args.time_limit,
                    "loads": len(routed.loads), "unserved_loads": len(routed.unserved),
                    "vehicles_used": len(routed.routes), "cost_xsu": routed.cost_minor / 100,
                    "days": routed.days, "lower_bound_xsu": routed.lower_bound_minor / 100,
                    "gap": round(float(routed.gap), 4)},
        "one_voyage_per_load_xsu": baseline_cost / 100,
        "total_s": round(total_s, 3), "within_60_s": total_s < 60,
    }
    print(json.dumps(document, indent=2))
    return 0 if total_s < 60 else 1


if __name__ == "__main__":
    sys.exit(main())

"""``sucre food``: plan the bloc's food supply (issue 15) from the command line.

``match`` pairs offers with needs (critical first, then tonnes, then the fewest tonne-miles);
``voyages`` routes the fleet over that matching; ``contracts`` stores one invoice per
cross-border shipment at the agreed prices, to be set off with the traders' other invoices.
Without ``--distances`` the ports are the shipped list and sea distances come from searoute;
with it, its port names are the ports. Bad rows are reported with their line and field (exit 2).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from sucre import bounds
from sucre.adapters import food_csv, sea_routes
from sucre.adapters.files import atomic_output, check_output
from sucre.adapters.food_svg import plan_svg
from sucre.domain.food.matching import PLANNING_SPEED_KN, Match, match
from sucre.domain.food.voyages import VoyagePlan, plan_voyages
from sucre.domain.money import format_amount
from sucre.entrypoints.cli import console
from sucre.entrypoints.cli.console import (
    DatabaseOption,
    JsonOption,
    cell,
    domain_errors,
    emit_json,
    out,
    say,
)
from sucre.service import food

food_app = typer.Typer(help="Food-supply planning: match offers to needs, route the fleet, "
                            "invoice the shipments.", no_args_is_help=True)

SuppliesArg = Annotated[Path, typer.Argument(
    help="Offers CSV: member,port,category,tonnes,available_from.")]
NeedsArg = Annotated[Path, typer.Argument(
    help="Needs CSV: member,port,category,tonnes,needed_by,priority (critical|normal).")]
DistancesOption = Annotated[Path | None, typer.Option(
    "--distances", help="from_port,to_port,nautical_miles (symmetric unless both directions "
                        "are given); its port names are then the ports. Default: the shipped "
                        "ports, sea distances by searoute.")]
SpeedOption = Annotated[int, typer.Option(
    "--speed", min=1, max=100, help="Planning speed in knots for the time-window rule: an offer "
                                    "feeds a need if it can sail there by needed_by.")]
SvgOption = Annotated[Path | None, typer.Option(
    "--svg", help="Also write the plan as an SVG picture to this file.")]


def register(app: typer.Typer) -> None:
    """Add the ``food`` group to ``app``."""
    app.add_typer(food_app, name="food")


def _matched(supplies: Path, needs: Path, distances: Path | None, speed: int
             ) -> tuple[food.Round, Match]:
    planning = food.read_round(supplies, needs, distances)
    return planning, match(planning.supplies, planning.needs, planning.distances,
                           speed_kn=speed)


def _write_svg(path: Path | None, plan: Match, planning: food.Round, title: str,
               voyages: VoyagePlan | None = None) -> None:
    if path is None:
        return
    with atomic_output(path, field="svg") as handle:
        handle.write(plan_svg(plan, planning.distances.ports, title, voyages).encode("utf-8"))


def _print_match(document: dict[str, Any]) -> None:
    table = Table("from", "to", "category", "tonnes",
                  title=f"food matching: {document['delivered_tonnes']} t delivered, "
                        f"{document['tonne_nm']} tonne-nautical-miles", title_justify="left")
    for row in document["shipments"]:
        table.add_row(cell(f"{row['from_member']} {row['from_port']}"),
                      cell(f"{row['to_member']} {row['to_port']}"), cell(row["category"]),
                      row["tonnes"])
    out.print(table)
    for row in document["unmet"]:
        say(out, f"short: {row['member']} {row['port']} {row['category']} "
                 f"{row['tonnes']} t ({row['priority']}): {row['reason']}")


@food_app.command("match")
def match_command(supplies: SuppliesArg, needs: NeedsArg, distances: DistancesOption = None,
                  speed: SpeedOption = PLANNING_SPEED_KN, svg: SvgOption = None,
                  as_json: JsonOption = False) -> None:
    """Match offers to needs: critical first, then tonnes, then fewest tonne-miles.

    Exact network flows (OR-Tools). Needs not fully served are listed with the reason.
    """
    with domain_errors():
        if svg is not None:
            check_output(svg, field="svg")
        planning, plan = _matched(supplies, needs, distances, speed)
        document = food.match_document(plan)
        _write_svg(svg, plan, planning, "food matching")
    if as_json:
        emit_json(document)
    else:
        _print_match(document)


@food_app.command("voyages")
def voyages_command(
    supplies: SuppliesArg, needs: NeedsArg,
    vessels: Annotated[Path, typer.Argument(
        help="Fleet CSV: name,kind (ship|aircraft),capacity_tonnes,speed_knots,daily_cost "
             "(XSU),home_port.")],
    distances: DistancesOption = None, speed: SpeedOption = PLANNING_SPEED_KN,
    time_limit: Annotated[int, typer.Option(
        "--time-limit", min=1, max=bounds.food_voyage_seconds_max,
        help="Seconds the routing solver searches.")] = bounds.food_voyage_seconds_default,
    svg: SvgOption = None, as_json: JsonOption = False,
) -> None:
    """Route the fleet over the matching: cost, days, lower bound and gap.

    OR-Tools routing with pickups and deliveries, capacities and time windows; aircraft carry
    only small critical loads.
    """
    with domain_errors():
        if svg is not None:
            check_output(svg, field="svg")
        planning, plan = _matched(supplies, needs, distances, speed)
        fleet = food_csv.read_vessels(vessels, planning.distances)
        routed = plan_voyages(plan, fleet, planning.distances,
                              sea_routes.air_distances(planning.distances),
                              time_limit_s=time_limit)
        document = food.voyages_document(routed, plan)
        _write_svg(svg, plan, planning, "food matching and voyages", routed)
    if as_json:
        emit_json(document)
    else:
        table = Table("vehicle", "kind", "cost XSU", "days", "stops",
                      title=f"voyages: {document['cost']} XSU over {document['days']} days; "
                            f"lower bound {document['lower_bound']}, gap {document['gap']}",
                      title_justify="left")
        for route in document["routes"]:
            stops = " -> ".join(f"{s['port']}({s['action'][0]})" for s in route["stops"])
            table.add_row(cell(route["vehicle"]), route["kind"], route["cost"],
                          str(route["days"]), cell(stops))
        out.print(table)
        for row in document["unserved"]:
            say(out, f"unserved load {row['load']}: {row['tonnes']} t "
                     f"{row['from_port']} -> {row['to_port']}: {row['reason']}")


@food_app.command("contracts")
def contracts_command(
    supplies: SuppliesArg, needs: NeedsArg,
    prices: Annotated[Path, typer.Option(
        "--prices", help="category,price_per_tonne,currency,hs_code: the agreed prices.")],
    round_name: Annotated[str, typer.Option(
        "--round", help="The round's name: invoice ids are FOOD-<round>-<n> (a second run "
                        "of the same round stores nothing new).")],
    distances: DistancesOption = None, speed: SpeedOption = PLANNING_SPEED_KN,
    database: DatabaseOption = None, as_json: JsonOption = False,
) -> None:
    """Store the shipments' invoices at the agreed prices, for set-off.

    One invoice per cross-border shipment (the importer's trader owes the exporter's), stored
    with the traders' other invoices: the next set-off run includes them.
    """
    with domain_errors():
        agreed = food_csv.read_prices(prices)
        _, plan = _matched(supplies, needs, distances, speed)
        uow = console.unit_of_work(database)
        invoices, stored, known = food.store_contracts(uow, plan, agreed, round_name)
    document = {"round": round_name, "stored": stored, "already_known": known,
                "invoices": [{"id": i.external_id, "debtor": i.debtor, "creditor": i.creditor,
                              "amount": format_amount(i.amount_minor, i.currency),
                              "currency": i.currency,
                              "tonnes": i.quantity, "hs_code": i.hs_code}
                             for i in invoices]}
    if as_json:
        emit_json(document)
    else:
        say(out, f"round {round_name}: {len(invoices)} invoices, {stored} stored, {known} "
                 "already known; the next `sucre invoices setoff` includes them")

"""The ALBA Bank's joint funds: ``sucre fund create|approve`` (council decisions), ``subscribe``,
``contribute``, ``disburse`` (movements), ``report``, ``list`` and ``movements``.

Without an API key the command line is the local administrator, as every other command. With
one (``--api-key`` or ``SUCRE_API_KEY``), the key's role must hold the permission the API would
require (:mod:`sucre.domain.roles`): an operator's key creates no fund and records no movement,
and reads only what the API would show it (the funds its member states take part in, their
lines). The voted path for funds and projects is ``sucre propose fund|project``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import typer
from rich.table import Table

from sucre import bounds
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.roles import Grant, Permission, authorize
from sucre.entrypoints.cli import console
from sucre.entrypoints.cli.console import (
    ApiKeyOption,
    DatabaseOption,
    JsonOption,
    cell,
    domain_errors,
    emit_json,
    markup_free,
    out,
    say,
)
from sucre.service import access, funds

fund_app = typer.Typer(help="The ALBA Bank's joint funds: funds and projects (council "
                            "decisions), pledges, contributions, tranches, reports.",
                       no_args_is_help=True)

FundArgument = Annotated[int, typer.Argument(min=1, help="The fund's id (sucre fund list).")]
ReferenceOption = Annotated[str, typer.Option(help="Reference of the council decision.")]
EffectiveOption = Annotated[str, typer.Option("--effective", help="Effective date, YYYY-MM-DD.")]
ValueDateOption = Annotated[str, typer.Option("--value-date", help="Value date, YYYY-MM-DD.")]
MovementReferenceOption = Annotated[str, typer.Option(
    "--reference", help="The movement's reference, its key in the fund: the same again is a "
                        "replay (nothing new), with other content a conflict.")]
AsOfOption = Annotated[str | None, typer.Option(
    "--as-of", help="Only the records dated on or before this date, YYYY-MM-DD.")]


def _grant(uow: SqlUnitOfWork, api_key: str | None, permission: Permission) -> Grant | None:
    """The key holder's grant of ``permission`` (refused, exit 2, if its role lacks it); None
    without a key: the local administrator."""
    if not api_key:
        return None
    from sucre.service import api_keys

    return authorize(api_keys.authenticate(uow, api_key), permission)


# --- council decisions ----------------------------------------------------------------------

@fund_app.command()
def create(name: Annotated[str, typer.Argument(help="The fund's name, e.g. \"migrant "
                                                    "reintegration\".")],
           purpose: Annotated[str, typer.Option(help="What the fund is for.")],
           target: Annotated[str, typer.Option(help="The fund's size, e.g. 10000000.00.")],
           effective: EffectiveOption, reference: ReferenceOption,
           currency: Annotated[str, typer.Option(help="ISO 4217 (not XSU).")] = "USD",
           api_key: ApiKeyOption = None, database: DatabaseOption = None,
           as_json: JsonOption = False) -> None:
    """Create a joint fund (a council decision). The same fund again is a replay."""
    with domain_errors():
        uow = console.unit_of_work(database)
        _grant(uow, api_key, Permission.DECIDE_FUNDS)
        fund = funds.create_fund(uow, name, purpose, target, currency=currency,
                                 effective_date=console.day(effective, "effective"),
                                 reference=reference)
    document = funds.fund_json(fund)
    if as_json:
        emit_json(document)
        return
    say(out, f"fund {fund.id} ({fund.name}): {fund.currency} {document['target']} from "
             f"{fund.effective_date}, decision {fund.decision_id}")


@fund_app.command()
def approve(fund: FundArgument,
            name: Annotated[str, typer.Argument(help="The project's name.")],
            beneficiary: Annotated[str, typer.Option(help="The member state it is for.")],
            budget: Annotated[str, typer.Option(help="In the fund's currency.")],
            effective: EffectiveOption, reference: ReferenceOption,
            api_key: ApiKeyOption = None, database: DatabaseOption = None,
            as_json: JsonOption = False) -> None:
    """Approve a project against a fund (a council decision): refused when the fund's
    approved budgets would exceed what members pledged, or when the beneficiary is not an
    active member on the effective date."""
    with domain_errors():
        uow = console.unit_of_work(database)
        _grant(uow, api_key, Permission.DECIDE_FUNDS)
        project = funds.approve_project(uow, fund, name, beneficiary, budget,
                                        effective_date=console.day(effective, "effective"),
                                        reference=reference)
        document = funds.project_json(project, funds.fund_report(uow, fund).fund)
    if as_json:
        emit_json(document)
        return
    say(out, f"project {project.id} ({project.name}) approved against fund {fund} for "
             f"{project.beneficiary}: budget {document['budget']}, decision "
             f"{project.decision_id}")


# --- movements ------------------------------------------------------------------------------

def _movement_done(uow: SqlUnitOfWork, recorded: funds.Recorded, as_json: bool) -> None:
    movement = recorded.movement
    document = funds.movement_json(movement, funds.fund_report(uow, movement.fund_id).fund,
                                   replayed=recorded.replayed)
    if as_json:
        emit_json(document)
        return
    said = "already recorded" if recorded.replayed else "recorded"
    whom = movement.member if movement.project_id is None else (
        f"project {movement.project_id} ({movement.member})")
    say(out, f"{movement.kind.value} {movement.reference!r} {said}: {whom} "
             f"{document['currency']} {document['amount']} on {movement.value_date} "
             f"(journal entry {movement.entry_id})")


@fund_app.command()
def subscribe(fund: FundArgument, member: str,
              amount: Annotated[str, typer.Argument(help="In the fund's currency.")],
              value_date: ValueDateOption, reference: MovementReferenceOption,
              api_key: ApiKeyOption = None, database: DatabaseOption = None,
              as_json: JsonOption = False) -> None:
    """A member state pledges an amount (a further pledge raises it; never beyond the fund's
    target)."""
    with domain_errors():
        uow = console.unit_of_work(database)
        _grant(uow, api_key, Permission.RECORD_FUND_MOVEMENTS)
        recorded = funds.subscribe(uow, fund, member, amount,
                                   value_date=console.day(value_date, "value_date"),
                                   reference=reference)
        _movement_done(uow, recorded, as_json)


@fund_app.command()
def contribute(fund: FundArgument, member: str,
               amount: Annotated[str, typer.Argument(help="In the fund's currency.")],
               value_date: ValueDateOption, reference: MovementReferenceOption,
               api_key: ApiKeyOption = None, database: DatabaseOption = None,
               as_json: JsonOption = False) -> None:
    """A member state pays into the fund, within its outstanding pledge."""
    with domain_errors():
        uow = console.unit_of_work(database)
        _grant(uow, api_key, Permission.RECORD_FUND_MOVEMENTS)
        recorded = funds.contribute(uow, fund, member, amount,
                                    value_date=console.day(value_date, "value_date"),
                                    reference=reference)
        _movement_done(uow, recorded, as_json)


@fund_app.command()
def disburse(fund: FundArgument,
             project: Annotated[int, typer.Argument(min=1, help="The project's id.")],
             amount: Annotated[str, typer.Argument(help="In the fund's currency.")],
             value_date: ValueDateOption, reference: MovementReferenceOption,
             api_key: ApiKeyOption = None, database: DatabaseOption = None,
             as_json: JsonOption = False) -> None:
    """A tranche to an approved project: never beyond the fund's balance or the project's
    budget, never to a beneficiary suspended or withdrawn on the value date."""
    with domain_errors():
        uow = console.unit_of_work(database)
        _grant(uow, api_key, Permission.RECORD_FUND_MOVEMENTS)
        recorded = funds.disburse(uow, fund, project, amount,
                                  value_date=console.day(value_date, "value_date"),
                                  reference=reference)
        _movement_done(uow, recorded, as_json)


# --- reads ----------------------------------------------------------------------------------

@fund_app.command()
def report(fund: FundArgument, as_of: AsOfOption = None, api_key: ApiKeyOption = None,
           database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """A fund's figures: pledged, paid in, committed, disbursed, available (paid in -
    disbursed), uncommitted (pledged - committed), per member state and per project."""
    with domain_errors():
        uow = console.unit_of_work(database)
        day = None if as_of is None else console.day(as_of, "as_of")
        grant = _grant(uow, api_key, Permission.READ_FUNDS)
        if grant is None:
            figures = funds.fund_report(uow, fund, dt.date.max if day is None else day)
            members = None
        else:
            figures, members = access.fund_report(uow, grant, fund, day)
    document = funds.report_json(figures, members=members)
    if as_json:
        emit_json(document)
    else:
        _print_report(document)


def _print_report(document: dict[str, Any]) -> None:
    fund, code = document["fund"], document["currency"]
    when = "" if document["as_of"] is None else f" as of {document['as_of']}"
    totals = Table("figure", code, title=f"fund {fund['id']}: {markup_free(fund['name'])} "
                   f"({markup_free(fund['reference'])}){when}", title_justify="left")
    for name in ("target", "pledged", "paid_in", "outstanding", "committed", "uncommitted",
                 "disbursed", "available", "to_disburse"):
        totals.add_row(name.replace("_", " "), document[name])
    out.print(totals)
    members = Table("member", "pledged", "paid in", "outstanding", title="per member state",
                    title_justify="left")
    for line in document["members"]:
        members.add_row(line["member"], line["pledged"], line["paid_in"], line["outstanding"])
    out.print(members)
    projects = Table("project", "name", "beneficiary", "budget", "disbursed", "remaining",
                     title="per project", title_justify="left")
    for line in document["projects"]:
        projects.add_row(str(line["id"]), cell(line["name"]), line["beneficiary"],
                         line["budget"], line["disbursed"], line["remaining"])
    out.print(projects)


@fund_app.command("list")
def fund_list(api_key: ApiKeyOption = None, database: DatabaseOption = None,
              as_json: JsonOption = False) -> None:
    """The funds, each with its totals."""
    with domain_errors():
        uow = console.unit_of_work(database)
        grant = _grant(uow, api_key, Permission.READ_FUNDS)
        listed, members = (funds.fund_list(uow), None) if grant is None else (
            access.fund_list(uow, grant))
    shown = listed[:bounds.funds_listed_max]
    documents = [funds.report_json(f, members=members) for f in shown]
    if as_json:
        emit_json({"funds": documents, "not_listed": len(listed) - len(shown)})
        return
    table = Table("fund", "name", "pledged", "paid in", "committed", "disbursed", "available",
                  title="joint funds (each in its currency)", title_justify="left")
    for d in documents:
        table.add_row(str(d["fund"]["id"]), cell(f"{d['fund']['name']} ({d['currency']})"),
                      d["pledged"], d["paid_in"], d["committed"], d["disbursed"],
                      d["available"])
    out.print(table)


@fund_app.command("movements")
def movement_list(fund: FundArgument, api_key: ApiKeyOption = None,
                  database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """A fund's movements in the order they were recorded, each with its journal entry."""
    with domain_errors():
        uow = console.unit_of_work(database)
        grant = _grant(uow, api_key, Permission.READ_FUNDS)
        if grant is None:
            (found, listed), members = funds.movements(uow, fund), None
        else:
            found, listed, members = access.fund_movements(uow, grant, fund)
    shown = listed[:bounds.fund_movements_listed_max]
    documents = [funds.movement_json(m, found) for m in shown]
    if as_json:
        emit_json({"fund": funds.fund_json(found), "movements": documents,
                   "limited_to": None if members is None else sorted(members),
                   "not_listed": len(listed) - len(shown)})
        return
    table = Table("id", "kind", "reference", "value date", "member", "project", found.currency,
                  "entry", title=f"fund {found.id}: {markup_free(found.name)}",
                  title_justify="left")
    for d in documents:
        table.add_row(str(d["id"]), d["kind"], cell(d["reference"]), d["value_date"],
                      d["member"], "" if d["project"] is None else str(d["project"]),
                      d["amount"], str(d["entry"]))
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add the ``fund`` group to ``app``."""
    app.add_typer(fund_app, name="fund")

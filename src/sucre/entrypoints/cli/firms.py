"""``sucre firm add|list``: the register of firms (exporters, importers) by member state, which
the origin check of goods reads (PetroCaribe deliveries)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

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
from sucre.service import petrocaribe

app = typer.Typer(help="The register of firms by member state.", no_args_is_help=True)


@app.command("add")
def add(code: Annotated[str, typer.Argument(help="The firm's code, e.g. DMA-AGRO-01.")],
        name: Annotated[str, typer.Option(help="The firm's name.")],
        member: Annotated[str, typer.Option(help="Member state it is registered in.")],
        registered: Annotated[str, typer.Option(help="Registration date, YYYY-MM-DD.")],
        database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """Register a firm (the same firm again changes nothing)."""
    with domain_errors():
        firm, new = petrocaribe.add_firm(console.unit_of_work(database), code, name, member,
                                         console.day(registered, "registered"))
    if as_json:
        emit_json({**petrocaribe.firm_json(firm), "new": new})
    else:
        say(out, f"firm {firm.code} {'registered' if new else 'already registered'} in "
                 f"{firm.member} on {firm.registered_on}")


@app.command("list")
def listed(member: Annotated[str | None, typer.Argument(help="Only this member's firms.")] = None,
           database: DatabaseOption = None, as_json: JsonOption = False) -> None:
    """The registered firms (of one member state)."""
    with domain_errors():
        firms = petrocaribe.list_firms(console.unit_of_work(database), member)
    if as_json:
        emit_json({"firms": [petrocaribe.firm_json(f) for f in firms]})
        return
    table = Table("code", "name", "member", "registered on", title="firms")
    for firm in firms:
        table.add_row(cell(firm.code), cell(firm.name), firm.member,
                      firm.registered_on.isoformat())
    out.print(table)


def register(main: typer.Typer) -> None:
    """Add ``firm`` to the main app."""
    main.add_typer(app, name="firm")

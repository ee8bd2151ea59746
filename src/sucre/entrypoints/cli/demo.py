"""Setting up a database: ``sucre init`` (the bloc registered) and ``sucre demo`` (a semester
of trade run end to end)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from sucre import bootstrap
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.entrypoints.cli import console
from sucre.entrypoints.cli.console import (
    DatabaseOption,
    JsonOption,
    domain_errors,
    emit_json,
    err,
    out,
    progress_bar,
    say,
)
from sucre.entrypoints.cli.periods import print_settlement
from sucre.service import bloc, petrocaribe, registry
from sucre.service.demo import PEAK_SEMESTER_ORDERS, run_demo


def init(database: DatabaseOption = None,
         bloc_members: Annotated[bool, typer.Option(
             "--bloc/--empty",
             help="Load the bloc's membership register: its members since 2004.")] = True,
         ) -> None:
    """Create (or migrate) the database and load the bloc's membership register and the
    historic PetroCaribe tier tables (each once)."""
    with domain_errors():
        uow = console.unit_of_work(database)
        if bloc_members and registry.member_count(uow) == 0:
            bloc.load_register(uow)
        if bloc_members:
            petrocaribe.load_terms(uow)
        say(out, f"database ready: {uow.engine.url.render_as_string(hide_password=True)}")


def demo(
    orders: Annotated[int, typer.Option(
        min=10, max=2_000_000,
        help="Orders to generate (default: a peak semester, half the 2,646 of 2012).")
    ] = PEAK_SEMESTER_ORDERS,
    seed: Annotated[int, typer.Option(help="Seed of the generated trade.")] = 2026,
    database: Annotated[Path, typer.Option("--db", help="Embedded database file (recreated).")
                        ] = Path("sucre-demo.db"),
    as_json: JsonOption = False,
) -> None:
    """Run a realistic semester of the bloc end to end and print its settlement report."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    with domain_errors():
        engine = bootstrap.database(f"sqlite:///{database}")
        with progress_bar(err) as bar:
            tasks: dict[str, Any] = {}

            def on_progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done)

            result = run_demo(SqlUnitOfWork(engine), orders=orders, seed=seed,
                              on_progress=on_progress)
    if not as_json:
        _print_demo_story(result, database)
        print_settlement(result.report, err)
    emit_json(result.report)


def _print_demo_story(result: Any, database: Path) -> None:
    err.rule("[bold]sucre demo: one semester of ALBA-TCP trade, cleared in XSU")
    for number, step in enumerate(result.steps, start=1):
        err.print(f"{number:>2}. {step}", highlight=False)
    if result.flagged_fixings:
        flags = ", ".join(f"{c} {d}" for c, d in result.flagged_fixings.items())
        err.print(f"    fixings far from the market rate were flagged: {flags}", highlight=False)
    for example in result.invalid_examples[:5]:
        err.print(f"    e.g. refused: {example}", style="dim", highlight=False)
    _print_petrocaribe(result.petrocaribe)
    _print_fund(result.funds)
    err.print(f"    database kept at {database} (inspect it with `sucre -d sqlite:///{database} "
              "positions --period 2026-H2`)", style="dim", highlight=False)


def _print_petrocaribe(story: dict[str, Any]) -> None:
    """PetroCaribe in the semester: shipments, goods repaid, the one refused, the portfolio."""
    if not story:
        return
    table = Table("cargo", "member", "price", "bill", "financed", "cash", "loan",
                  title="PetroCaribe: oil shipped at 2008, 2011 and 2015 prices (USD)",
                  title_justify="left")
    for s in story["shipments"]:
        table.add_row(s["cargo_id"], s["member"], s["price"], s["bill"],
                      f"{s['financed']} ({s['financed_share']})", s["cash"], str(s["loan"]))
    err.print(table)
    bloc_figures = story["portfolio"]["bloc"]
    goods = ", ".join(f"HS {hs}: {v}" for hs, v in bloc_figures["goods_by_hs_code"].items())
    err.print(f"    repaid in goods (rice, black beans): {goods}; outstanding "
              f"{bloc_figures['outstanding']} of {bloc_figures['face_value']} lent",
              highlight=False)
    if story["refused"]:
        err.print(f"    refused at the origin check: {story['refused']}", style="dim",
                  highlight=False)


def _print_fund(report: dict[str, Any]) -> None:
    """The demo's joint fund: each project's budget and tranches, and the fund's balance."""
    table = Table("project", "beneficiary", "budget", "disbursed", "remaining",
                  title=f"{report['fund']['name']} fund ({report['currency']}): paid in "
                        f"{report['paid_in']}, disbursed {report['disbursed']}, available "
                        f"{report['available']}", title_justify="left")
    for line in report["projects"]:
        table.add_row(line["name"], line["beneficiary"], line["budget"], line["disbursed"],
                      line["remaining"])
    err.print(table)


def register(app: typer.Typer) -> None:
    """Add ``init`` and ``demo`` to ``app``."""
    app.command()(init)
    app.command()(demo)

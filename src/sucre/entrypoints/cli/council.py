"""Council decisions: member status, allocations, parameters, the XSU basket, fixings, and opening
a period of the council's calendar.

These commands are the register's administrative path: one council key records a decision taken
elsewhere (set-up, history, corrections). The council's voted path (``propose``, ``vote``,
``adopt``: :mod:`sucre.entrypoints.cli.proposals`) records the member states' votes and the tally
that adopted a decision; both append to the same decision log.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path
from typing import Annotated

import typer

from sucre import bounds
from sucre.adapters.files import CsvInput, open_input
from sucre.domain import parameters
from sucre.domain.errors import InvalidInput, LimitExceeded
from sucre.domain.members import MemberStatus
from sucre.domain.money import CurrencyCode, currency, parse_amount
from sucre.domain.proposals import basket_weights
from sucre.domain.rates import parse_rate
from sucre.domain.text import printable
from sucre.entrypoints.cli import console
from sucre.entrypoints.cli.console import (
    ApiKeyOption,
    DatabaseOption,
    domain_errors,
    err,
    out,
    say,
)
from sucre.service import four_eyes, registry

ReferenceOption = Annotated[str, typer.Option(help="Reference of the council decision.")]
EffectiveOption = Annotated[str, typer.Option("--effective", help="Effective date, YYYY-MM-DD.")]


def _day(text: str, field: str = "effective") -> dt.date:
    return console.day(text, field)


def member_status(member: str, status: Annotated[str, typer.Argument(
                      help="active, suspended or withdrawn")],
                  effective: EffectiveOption, reference: ReferenceOption,
                  database: DatabaseOption = None) -> None:
    """Suspend, reinstate or withdraw a member state (a council decision)."""
    with domain_errors():
        try:
            target = MemberStatus(status)
        except ValueError:
            raise InvalidInput(f"unknown status {status!r}", field="status") from None
        registry.change_member_status(console.unit_of_work(database), member, target,
                                      effective_date=_day(effective), reference=reference)
    say(out, f"{member.strip().upper()} is now {target.value}")


def allocate(authority: str,
             allocation: Annotated[str, typer.Argument(help="XSU, e.g. 1000000.00")],
             effective: EffectiveOption, reference: ReferenceOption,
             credit_line: Annotated[str, typer.Option(help="FRCC credit line, XSU.")] = "0",
             api_key: ApiKeyOption = None,
             database: DatabaseOption = None) -> None:
    """Allocate XSU (and an FRCC credit line) to a central bank from a date on. A raise of its
    limit above four_eyes_limit_raise_minor is proposed with a council key (four eyes) and runs
    when a key of another council client approves it (`sucre approve ID`)."""
    with domain_errors():
        xsu = currency("XSU")
        uow = console.unit_of_work(database)
        proposer = None if not api_key else console.principal(
            uow, api_key, needed_for="a limit raise")
        proposed = four_eyes.allocate(
            uow, proposer, authority, _day(effective),
            parse_amount(allocation, xsu, field="allocation", allow_zero=True),
            parse_amount(credit_line, xsu, field="credit_line", allow_zero=True), reference)
    if proposed is None:
        say(out, f"allocation recorded for {authority.strip().upper()}")
    else:
        say(out, f"allocation for {authority.strip().upper()} raises its limit above "
                 f"four_eyes_limit_raise_minor: proposed by {proposed.proposed_by.name} as "
                 f"pending action {proposed.id}; a key of another council client runs it with "
                 f"`sucre approve {proposed.id}`")


def parameter(name: Annotated[str, typer.Argument(help=", ".join(parameters.NAMES))],
              value: str, effective: EffectiveOption, reference: ReferenceOption,
              database: DatabaseOption = None) -> None:
    """Set a council parameter from a date on (a council decision); the parameters below."""
    with domain_errors():
        registry.set_parameter(console.unit_of_work(database), name, value,
                               effective_date=_day(effective), reference=reference)
    say(out, f"{name} = {value.strip()} from {effective}")


def basket(launch: Annotated[str, typer.Option(help="Launch date, YYYY-MM-DD.")],
           weights: Annotated[str, typer.Option(help="e.g. VES=0.4,CUP=0.2,BOB=0.15,...")],
           reference: ReferenceOption,
           usd_per_xsu: Annotated[str, typer.Option(help="Basket value at launch.")] = "1.25",
           database: DatabaseOption = None) -> None:
    """Calibrate the XSU basket from the launch date's fixings (a council decision)."""
    with domain_errors():
        parsed = basket_weights(weights)
        registry.set_basket(console.unit_of_work(database), _day(launch, "launch"),
                            parse_rate(usd_per_xsu, field="usd_per_xsu"), parsed, reference)
    out.print("basket recorded")


def fixings(file: Annotated[Path, typer.Argument(help="CSV: value_date,currency,per_usd[,market]")],
            database: DatabaseOption = None) -> None:
    """Record exchange-rate fixings (local currency per USD) and publish XSU rates."""
    with domain_errors():
        uow = console.unit_of_work(database)
        by_day: dict[dt.date, dict[CurrencyCode, Fraction]] = {}
        market: dict[dt.date, dict[CurrencyCode, Fraction]] = {}
        for row in _fixing_rows(file):
            day = _day(row["value_date"], "value_date")
            code = currency(row["currency"])
            by_day.setdefault(day, {})[code] = parse_rate(row["per_usd"], field="per_usd")
            if row.get("market"):
                market.setdefault(day, {})[code] = parse_rate(row["market"], field="market")
        for day in sorted(by_day):
            flagged = registry.record_fixings(uow, day, by_day[day], market.get(day))
            for code, deviation in flagged.items():
                err.print(f"{day} {code}: official fixing {float(deviation):.0%} from market")
    out.print(f"fixings recorded for {len(by_day)} value dates")


_FIXING_COLUMNS = ("value_date", "currency", "per_usd")


def _fixing_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a fixings file by column name, the whole file read and checked before use."""
    with open_input(path) as handle:
        reader = CsvInput(handle, path.name, lowercase=True)
        missing = [name for name in _FIXING_COLUMNS if name not in reader.header]
        if missing:
            raise InvalidInput(f"{printable(path.name)}: missing column(s) {', '.join(missing)}",
                               field="file")
        rows: list[dict[str, str]] = []
        for line, values in reader.rows():
            if len(values) != len(reader.header):
                raise InvalidInput(f"{printable(path.name)}: line {line}: expected "
                                   f"{len(reader.header)} fields, found {len(values)}",
                                   field="file")
            if len(rows) >= bounds.fixing_rows_max:
                raise LimitExceeded(f"{printable(path.name)}: more than "
                                    f"{bounds.fixing_rows_max} fixings", field="file")
            rows.append(dict(zip(reader.header, (v.strip() for v in values), strict=True)))
    return rows


def open_period(day: Annotated[str, typer.Argument(help="A date inside the period.")],
                database: DatabaseOption = None) -> None:
    """Open the clearing period (of the council's calendar) that contains a date."""
    with domain_errors():
        period = registry.open_period(console.unit_of_work(database), _day(day, "day"))
    out.print(f"period {period.code} ({period.start} to {period.end}) is {period.state.value}")


def register(app: typer.Typer) -> None:
    """Add the council's commands and ``open-period`` to ``app``."""
    app.command("member-status")(member_status)
    app.command()(allocate)
    app.command(epilog=parameters.help_text().replace("\n", "\n\n"))(parameter)
    app.command()(basket)
    app.command()(fixings)
    app.command("open-period")(open_period)

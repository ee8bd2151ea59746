"""Every figure names the council decision it comes from: a period's positions, its settlement
report and an authority's statement name the basket behind the rates the period settles at and
the calendar decision in force on its last day (issue 11, "Traceability")."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from sqlalchemy import Engine

from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.money import CurrencyCode
from sucre.service import messaging, registry, reports
from tests import world

SUMMIT = "XXIII Summit, 14 Dec 2026"


def _kind(engine: Engine, kind: str) -> list[int]:
    return [d.id for d in reports.decisions_report(SqlUnitOfWork(engine), kind=kind).decisions]


def _named(engine: Engine) -> tuple[int | None, int | None]:
    behind = reports.positions_report(SqlUnitOfWork(engine), "2026-H2").behind
    return (None if behind.basket is None else behind.basket.id,
            None if behind.calendar is None else behind.calendar.id)


def test_positions_name_the_basket_of_the_rates_and_the_default_calendar(
        engine: Engine) -> None:
    world.build(engine)
    [basket] = _kind(engine, "basket")
    assert _named(engine) == (basket, None)
    assert reports.behind_json(reports.positions_report(SqlUnitOfWork(engine)).behind) == {
        "basket": {"decision": basket, "reference": world.REF},
        "calendar": {"decision": None, "reference": None}}


def test_the_basket_named_is_the_one_the_rates_were_published_with(engine: Engine) -> None:
    """A basket launched after rates were published does not rename them: the period names the
    basket of its last published rate, whichever is newer."""
    world.build(engine)
    uow = SqlUnitOfWork(engine)
    [first] = _kind(engine, "basket")
    launch = world.START + dt.timedelta(days=world.DAYS)
    per_usd = {CurrencyCode(c): Fraction(Decimal(v)) for c, v in world.PER_USD.items()}
    registry.record_fixings(uow, launch, per_usd)
    registry.set_basket(uow, launch, Fraction(5, 4), {
        CurrencyCode(c): Fraction(Decimal(w)) for c, w in world.WEIGHTS.items()}, SUMMIT)
    [_, second] = _kind(engine, "basket")
    # The launch day's rates were published (with the first basket) before the new one.
    assert _named(engine) == (first, None)
    registry.record_fixings(uow, launch + dt.timedelta(days=1), per_usd)
    assert _named(engine) == (second, None)


def test_the_calendar_decision_in_force_on_the_last_day_is_named(engine: Engine) -> None:
    world.build(engine)
    uow = SqlUnitOfWork(engine)
    registry.set_parameter(uow, "calendar", "monthly", effective_date=dt.date(2027, 1, 1),
                           reference="after the period")
    assert _named(engine)[1] is None
    decided = registry.set_parameter(uow, "calendar", "semester",
                                     effective_date=dt.date(2026, 12, 31), reference=SUMMIT)
    assert _named(engine)[1] == decided


def test_a_daily_calendar_names_its_decision(engine: Engine) -> None:
    world.build(engine, calendar="daily")
    [decided] = [d.id for d in reports.decisions_report(SqlUnitOfWork(engine),
                                                         kind="parameter").decisions]
    behind = reports.positions_report(SqlUnitOfWork(engine)).behind
    assert behind.calendar is not None and behind.calendar.id == decided


def test_the_settlement_report_and_the_statement_name_them(engine: Engine) -> None:
    report = world.trade_and_close(engine)
    [basket] = _kind(engine, "basket")
    named = {"basket": {"decision": basket, "reference": world.REF},
             "calendar": {"decision": None, "reference": None}}
    assert {k: report[k] for k in named} == named
    stored = world.stored_report(engine)
    assert {k: stored[k] for k in named} == named
    assert list(stored) == sorted(stored)  # as stored: keys sorted, the new ones included
    found = messaging.traced_statement(SqlUnitOfWork(engine), "BCB", "2026-H2")
    document = reports.statement_report(found.account, found.behind)
    assert {k: document[k] for k in named} == named
    assert document["closing_xsu"] == "0.00"  # the statement itself is unchanged

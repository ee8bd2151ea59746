"""A small, fully known world for service tests: the bloc, ten days of fixings, limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Engine, func, select

from sucre.adapters.db import tables as t
from sucre.adapters.db.unit_of_work import SqlUnitOfWork
from sucre.domain.confirmations import SettledPeriod
from sucre.domain.money import CurrencyCode
from sucre.domain.orders import OrderRequest
from sucre.service import bloc, closing, payments, registry
from sucre.service.reports import report_json

START = dt.date(2026, 7, 1)
#: The operating date the world's period 2026-H2 is closed on: the day after it ends.
AFTER = dt.date(2027, 1, 1)
DAYS = 10
REF = "test decision"
PER_USD = {"VES": "100", "CUP": "24", "BOB": "6.96", "NIO": "36.6243", "XCD": "2.70"}
WEIGHTS = {"VES": "0.4", "CUP": "0.2", "BOB": "0.15", "NIO": "0.15", "XCD": "0.1"}
#: Limits in XSU minor units (allocation, credit line) per authority.
LIMITS = {"BCV": (1_000_000, 500_000), "BCC": (200_000, 0), "BCB": (300_000, 100_000),
          "BCN": (300_000, 0), "ECCB": (100_000, 50_000)}


#: Puts the finished world into an empty, migrated database faster than building it, or returns
#: False (then the world is built). Set by ``tests/conftest.py`` for the backend under test: it
#: copies a world built once per test session (a file on SQLite, template tables on PostgreSQL).
restore: Callable[[Engine, str], bool] | None = None


def build(engine: Engine, *, calendar: str = "semester") -> None:
    """The world in ``engine``: restored from the session's copy when one is set up."""
    if restore is not None and restore(engine, calendar):
        return
    build_anew(engine, calendar=calendar)


def build_anew(engine: Engine, *, calendar: str = "semester") -> None:
    """The world built through the use cases, as a council and the central banks would."""
    uow = SqlUnitOfWork(engine)
    bloc.register_bloc(uow, START, REF)
    if calendar != "semester":
        registry.set_parameter(uow, "calendar", calendar, effective_date=START, reference=REF)
    for offset in range(DAYS):
        day = START + dt.timedelta(days=offset)
        registry.record_fixings(uow, day, {CurrencyCode(c): Fraction(Decimal(v))
                                           for c, v in PER_USD.items()})
        if offset == 0:
            registry.set_basket(uow, START, Fraction(5, 4),
                                {CurrencyCode(c): Fraction(Decimal(w))
                                 for c, w in WEIGHTS.items()}, REF)
    for authority, (allocation, credit_line) in LIMITS.items():
        registry.set_allocation(uow, authority, START, allocation, credit_line, REF)
    registry.open_period(uow, START)


def order(key: str = "K1", **changes: str) -> OrderRequest:
    """A valid order: Cuba buys 360 t of Venezuelan rice, 1,000.00 XSU on 2026-07-02."""
    base = OrderRequest(
        idempotency_key=key, debtor_member="CUB", creditor_member="VEN", amount="1000.00",
        currency="XSU", value_date="2026-07-02", hs_code="100630", quantity="360", unit="t",
        origin="VEN", invoice_ref="INV-1", customs_ref="DUA-1", importer="Alimport",
        exporter="CASA")
    return replace(base, **changes)


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {table.name: int(conn.execute(select(func.count()).select_from(table))
                                .scalar_one())
                for table in (t.payment_orders, t.journal_entries, t.postings, t.positions,
                              t.decisions, t.periods, t.settlement_confirmations)}


def position_sums(engine: Engine) -> list[tuple[int, int, int, int, int]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(  # type: ignore[misc]
            t.positions.c.authority_id, t.positions.c.debit_pending_minor,
            t.positions.c.credit_pending_minor, t.positions.c.debit_posted_minor,
            t.positions.c.credit_posted_minor).order_by(t.positions.c.period_id,
                                                        t.positions.c.authority_id))]


#: Trade of a small period: BCC pays BCV 1,500.00; BCV pays BCB 1,200.00 and BCC 400.00; BCB pays
#: BCC 300.00 (XSU). Net: BCB +900.00, BCC -800.00, BCV -100.00; at 1.25 USD per XSU the close
#: issues the hard-currency legs of :data:`SETTLEMENT_LEGS`.
TRADE = (("CUB", "VEN", "1500.00"), ("VEN", "BOL", "1200.00"), ("VEN", "CUB", "400.00"),
         ("BOL", "CUB", "300.00"))

#: (reference, debtor, creditor, amount in USD) of each leg the close of :data:`TRADE` issues.
SETTLEMENT_LEGS = (("2026-H2/PAY/BCC", "BCC", "SUCRE", "1000.00"),
                   ("2026-H2/PAY/BCV", "BCV", "SUCRE", "125.00"),
                   ("2026-H2/RECEIVE/BCB", "SUCRE", "BCB", "1125.00"))


def trade_and_close(engine: Engine, *, built: bool = False) -> dict[str, Any]:
    """Build the world (unless ``built``), submit :data:`TRADE`, close 2026-H2; the report."""
    if not built:
        build(engine)
    for number, (importer, exporter, amount) in enumerate(TRADE):
        outcome = payments.submit_order(SqlUnitOfWork(engine), order(
            f"T{number}", debtor_member=importer, creditor_member=exporter, origin=exporter,
            amount=amount))
        assert outcome.reason_code is None, outcome
    return close(engine, "2026-H2", as_of=AFTER)


def close(engine: Engine, code: str, **options: Any) -> dict[str, Any]:
    """:func:`closing.close_period` on a unit of work of ``engine``: the report as the CLI and
    the API print it."""
    return report_json(closing.close_period(SqlUnitOfWork(engine), code, **options))


def settled(engine: Engine, code: str = "2026-H2") -> SettledPeriod:
    """:func:`closing.stored_report`: the typed read model of a settled period."""
    return closing.stored_report(SqlUnitOfWork(engine), code)


def stored_report(engine: Engine, code: str = "2026-H2") -> dict[str, Any]:
    """The stored report as ``sucre report --json`` prints it."""
    return report_json(settled(engine, code), as_stored=True)


def verify(engine: Engine) -> dict[str, Any]:
    return closing.verify_journal(SqlUnitOfWork(engine))

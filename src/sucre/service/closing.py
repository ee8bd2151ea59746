"""Closing a clearing period: cut-off, posting, multilateral netting, settlement.

Two committed steps, so a crash anywhere leaves a state that ``close_period`` resumes from:

1. ``open -> closing`` (one UPDATE that waits for in-flight submitters holding the period row,
   so every order is in exactly one period) and the next period is opened;
2. ``closing -> settled``: accepted orders still awaiting the receiving side are posted at the
   cut-off, net positions are read from the journal and checked against the orders, the
   settlement is computed, its entries appended and the report stored, in one transaction.

The stored report is the record of the close and never changes. The reports handed out
(:func:`close_period`, :func:`stored_report`) add to each settlement instruction its
``reference`` and ``settlement_status`` (``pending``, ``confirmed`` once a pacs.009 confirmed the
leg was paid, ``internal`` for financing): see :mod:`sucre.service.confirmations`.

Deficits are financed by the policy the council's parameter ``deficit_financing`` selects on the
period's last day (:mod:`sucre.domain.financing`; ``none`` unless decided). The per-close flag
``finance_deficits`` of earlier versions still works and overrides the parameter: ``True`` is
the reserve fund (``frcc``), ``False`` no financing; ``None`` (the default) leaves it to the
council.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, Engine, insert, select

from sucre.adapters.db import repository as repo
from sucre.adapters.db import tables as t
from sucre.adapters.db.engine import retry_transient
from sucre.domain import parameters
from sucre.domain.errors import InvalidDate, InvalidState, UnknownParty, invariant
from sucre.domain.financing import (
    POLICIES,
    Deficits,
    FinancingPolicy,
    ReserveFund,
    Unfinanced,
)
from sucre.domain.ledger import (
    EntryKind,
    check_balanced,
    is_position_account,
    position_account,
)
from sucre.domain.members import AuthorityCode
from sucre.domain.money import XSU, CurrencyCode
from sucre.domain.parameters import ParameterValues
from sucre.domain.periods import ClearingPeriod, PeriodState
from sucre.domain.positions import net_posted
from sucre.domain.settlement import SettlementReport, settle, settlement_entries
from sucre.service import confirmations, registry
from sucre.service.reports import report_json


@retry_transient
def close_period(engine: Engine, code: str, *, finance_deficits: bool | None = None,
                 as_of: dt.date | None = None, early_reference: str | None = None
                 ) -> dict[str, Any]:
    """Close and settle period ``code`` (resuming a close that was interrupted).

    A period is closed once it has ended: ``as_of`` (the operating date; today's UTC date
    unless given) must be after its last day. Closing earlier needs a council decision, whose
    ``early_reference`` is recorded as an ``early_close`` decision dated ``as_of``.

    Of two closes racing, exactly one settles; the other is told the period is already settled
    (:class:`InvalidState`), whichever step it had reached when the first one committed.
    """
    today = as_of if as_of is not None else repo.now().date()
    with engine.begin() as conn:
        period = _period(conn, code, lock=True)
        _refuse_settled(period)
        if period.state is PeriodState.OPEN:
            _check_ended(conn, period, today, early_reference)
            period = period.advanced(PeriodState.CLOSING)
            repo.set_period_state(conn, period, "closing_at")
            registry.ensure_period_on(conn, period.end + dt.timedelta(days=1))
    with engine.begin() as conn:
        # The state is read again under the lock: a concurrent close may have settled the
        # period between the two transactions.
        period = _period(conn, code, lock=True)
        _refuse_settled(period)
        invariant(period.state is PeriodState.CLOSING, "settlement starts from closing")
        repo.post_accepted_orders(conn, period.id)
        report = _settle(conn, period, finance_deficits=finance_deficits)
        repo.append_entries(conn, settlement_entries(report))
        _check_after_settlement(conn, period)
        document = report_json(conn, period, report)
        conn.execute(insert(t.settlements).values(
            period_id=period.id, report=json.dumps(document, sort_keys=True),
            settled_at=repo.now()))
        repo.set_period_state(conn, period.advanced(PeriodState.SETTLED), "settled_at")
    return confirmations.with_settlement_status(document, ())


def _check_ended(conn: Connection, period: ClearingPeriod, today: dt.date,
                 early_reference: str | None) -> None:
    """Refuse to cut off a period before its end, unless the council decided to (recorded)."""
    if today > period.end:
        return
    if early_reference is None or not early_reference.strip():
        raise InvalidState(
            f"period {period.code} runs until {period.end}: it can be closed from "
            f"{period.end + dt.timedelta(days=1)}, or earlier under a council decision "
            "(--early REFERENCE; early_reference in the API)", field="period")
    repo.record_decision(conn, "early_close", today, early_reference,
                             {"period": period.code, "end": period.end.isoformat()})


def _refuse_settled(period: ClearingPeriod) -> None:
    if period.state is PeriodState.SETTLED:
        raise InvalidState(f"period {period.code} is already settled", field="period")


def _period(conn: Connection, code: str, *, lock: bool = False) -> ClearingPeriod:
    found = repo.period_by_code(conn, code)
    if found is None:
        raise UnknownParty(f"no clearing period {code}", field="period")
    return repo.period_by_id(conn, found.id, lock=lock) if lock else found


def _settle(conn: Connection, period: ClearingPeriod, *, finance_deficits: bool | None
            ) -> SettlementReport:
    by_account = repo.journal_positions(conn, period.id)
    authorities = repo.load_authorities(conn)
    positions = {a: by_account.get(position_account(a), 0) for a in authorities}
    invariant(set(by_account) <= {position_account(a) for a in authorities},
              "every position account belongs to an authority")
    in_force = repo.parameters_in_force(conn, period.end)
    settlement_currency = in_force[parameters.SETTLEMENT_CURRENCY]
    rates = repo.latest_rates_until(conn, period.end)
    if rates is None and any(positions.values()):
        raise InvalidDate(f"no XSU rate published on or before {period.end} to settle at",
                          field="period")
    rate = rates.local_per_xsu(settlement_currency) if rates is not None else Fraction(1)
    loans = _financing_policy(in_force, finance_deficits).finance(
        _deficits(conn, period, positions, in_force))
    corridors = {(AuthorityCode(d), AuthorityCode(c)): v
                 for (d, c), v in repo.corridor_gross(conn, period.id).items()}
    return settle(period.id, corridors, positions=positions,
                  settlement_currency=settlement_currency, settlement_rate=rate,
                  financing=loans, alert_share=in_force[parameters.CORRIDOR_ALERT_SHARE])


def _financing_policy(in_force: ParameterValues, finance_deficits: bool | None
                      ) -> FinancingPolicy:
    if finance_deficits is None:
        return in_force[parameters.DEFICIT_FINANCING]
    return POLICIES.get(ReserveFund.name if finance_deficits else Unfinanced.name,
                        field="finance_deficits")


def _deficits(conn: Connection, period: ClearingPeriod, positions: Mapping[AuthorityCode, int],
              in_force: ParameterValues) -> Deficits:
    """What a financing policy may look at: positions, the period's limits at its close."""
    rows = repo.position_rows(conn, period.id)
    credit_lines = {AuthorityCode(r["code"]): int(r["credit_line_minor"]) for r in rows}
    allocations = {AuthorityCode(r["code"]): int(r["limit_minor"]) - int(r["credit_line_minor"])
                   for r in rows}
    return Deficits(positions, credit_lines, allocations, in_force.by_name())


def _check_after_settlement(conn: Connection, period: ClearingPeriod) -> None:
    kinds = (EntryKind.ORDER, EntryKind.CLOSE)
    left = repo.journal_positions(conn, period.id, kinds)
    invariant(all(v == 0 for v in left.values()), f"positions of {period.code} are all zero")
    check_balanced(repo.journal_totals(conn))


def stored_report(engine: Engine, code: str) -> dict[str, Any]:
    """The report stored at the close, with each instruction's ``reference`` and its
    ``settlement_status`` today (``pending`` until a pacs.009 confirms it)."""
    with engine.connect() as conn:
        period = _period(conn, code)
        row = conn.execute(select(t.settlements.c.report).where(
            t.settlements.c.period_id == period.id)).first()
        if row is None:
            raise InvalidState(f"period {code} is {period.state}, not settled", field="period")
        confirmed = confirmations.confirmed_references(conn, period.id)
    return confirmations.with_settlement_status(json.loads(row.report), confirmed)


def verify_journal(engine: Engine) -> dict[str, Any]:
    """Re-derive every balance from the journal and check the invariants an auditor relies on."""
    with engine.connect() as conn:
        totals = repo.journal_totals(conn)
        check_balanced(totals)
        balances = repo.account_balances(conn)
        for period in repo.all_periods(conn):
            _check_period_positions(conn, period)
    position_sum = sum(v for (acc, cur), v in balances.items()
                       if is_position_account(acc) and cur == XSU)
    invariant(position_sum == 0, "XSU positions of all authorities sum to zero")
    return {"currencies": dict.fromkeys(totals, 0), "accounts": len(balances), "balanced": True}


def _check_period_positions(conn: Connection, period: ClearingPeriod) -> None:
    """The positions table agrees with the journal (posted) and the orders (pending)."""
    journal = repo.journal_positions(conn, period.id)
    for row in repo.position_rows(conn, period.id):
        posted = net_posted(repo.position_of(row))
        invariant(journal.get(position_account(AuthorityCode(row["code"])), 0) == posted,
                  f"{row['code']} in {period.code}: positions table equals the journal")
    invariant(sum(journal.values()) == 0, f"positions of {period.code} sum to zero")


def settlement_amounts(report: Mapping[str, Any]) -> dict[CurrencyCode, int]:
    """Paid minus received per settlement currency (zero for a consistent report)."""
    totals: dict[CurrencyCode, int] = {}
    for ins in report["settlement"]:
        sign = -1 if ins["kind"] == "receive" else 1
        code = CurrencyCode(ins["currency"])
        totals[code] = totals.get(code, 0) + sign * ins["amount_minor"]
    return totals

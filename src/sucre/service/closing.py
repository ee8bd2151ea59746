"""Closing a clearing period: cut-off, posting, multilateral netting, settlement.

Two committed steps, so a crash anywhere leaves a state that ``close_period`` resumes from:

1. ``open -> closing`` (one UPDATE that waits for in-flight submitters holding the period row,
   so every order is in exactly one period) and the next period is opened;
2. ``closing -> settled``: accepted orders still awaiting the receiving side are posted at the
   cut-off, net positions are read from the journal and checked against the orders, the
   settlement is computed, its entries appended and the report stored, in one transaction.

The record of the close (:class:`~sucre.domain.settlement.SettlementRecord`: figures,
instructions, positions, member flows, corridors, as typed rows) never changes. The reports
handed out (:func:`close_period`, :func:`stored_report`) are typed read models,
:class:`~sucre.domain.confirmations.SettledPeriod`: the record with each instruction's
``reference`` and ``settlement_status`` (``pending``, ``confirmed`` once a pacs.009 confirmed the
leg was paid, ``internal`` for financing). Their JSON is built at the edges
(:func:`sucre.service.reports.report_json`).

Deficits are financed by the policy the council's parameter ``deficit_financing`` selects on the
period's last day (:mod:`sucre.domain.financing`; ``none`` unless decided). The per-close flag
``finance_deficits`` of earlier versions still works and overrides the parameter: ``True`` is
the reserve fund (``frcc``), ``False`` no financing; ``None`` (the default) leaves it to the
council.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from sucre.adapters.db.engine import retry_transient
from sucre.domain import parameters
from sucre.domain.confirmations import SettledPeriod, settled_period
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
from sucre.domain.orders import OrderStatus
from sucre.domain.parameters import ParameterValues
from sucre.domain.periods import ClearingPeriod, PeriodState
from sucre.domain.positions import net_posted
from sucre.domain.settlement import (
    InstructionKind,
    SettlementRecord,
    SettlementReport,
    settle,
    settlement_entries,
)
from sucre.service import funds, petrocaribe, registry, reports
from sucre.service.unit_of_work import UnitOfWork


@retry_transient
def close_period(uow: UnitOfWork, code: str, *, finance_deficits: bool | None = None,
                 as_of: dt.date | None = None, early_reference: str | None = None
                 ) -> SettledPeriod:
    """Close and settle period ``code`` (resuming a close that was interrupted).

    A period is closed once it has ended: ``as_of`` (the operating date; today's UTC date
    unless given) must be after its last day. Closing earlier needs a council decision, whose
    ``early_reference`` is recorded as an ``early_close`` decision dated ``as_of``.

    Of two closes racing, exactly one settles; the other is told the period is already settled
    (:class:`InvalidState`), whichever step it had reached when the first one committed.
    """
    today = operating_day(as_of)
    with uow:
        period = _period(uow, code, lock=True)
        _refuse_settled(period)
        if period.state is PeriodState.OPEN:
            _check_ended(uow, period, today, early_reference)
            period = period.advanced(PeriodState.CLOSING)
            uow.periods.set_state(period, "closing_at")
            registry.ensure_period(uow, period.end + dt.timedelta(days=1))
        uow.commit()
    with uow:
        # The state is read again under the lock: a concurrent close may have settled the
        # period between the two transactions.
        period = _period(uow, code, lock=True)
        _refuse_settled(period)
        invariant(period.state is PeriodState.CLOSING, "settlement starts from closing")
        uow.journal.post_accepted_orders(period.id)
        report = _settle(uow, period, finance_deficits=finance_deficits)
        uow.journal.append(settlement_entries(report))
        _check_after_settlement(uow, period)
        record = _record(uow, period, report)
        uow.settlements.add(period, record)
        uow.periods.set_state(period.advanced(PeriodState.SETTLED), "settled_at")
        behind = reports.decisions_behind(uow, period)
        uow.commit()
    return settled_period(period, record, (), behind)


def operating_day(as_of: dt.date | None) -> dt.date:
    """The day a close runs on: ``as_of``, else today's UTC date."""
    return as_of if as_of is not None else dt.datetime.now(dt.UTC).date()


def _record(uow: UnitOfWork, period: ClearingPeriod, report: SettlementReport
            ) -> SettlementRecord:
    counts = uow.orders.counts(period.id)
    return SettlementRecord(
        report, uow.journal.member_flows(period.id),
        accepted_orders=counts.get(OrderStatus.SETTLED, 0) + counts.get(OrderStatus.ACCEPTED, 0),
        rejected_orders=counts.get(OrderStatus.REJECTED, 0))


def _check_ended(uow: UnitOfWork, period: ClearingPeriod, today: dt.date,
                 early_reference: str | None) -> None:
    """Refuse to cut off a period before its end, unless the council decided to (recorded)."""
    if not _refuse_before_end(period, today, early_reference):
        uow.decisions.record_decision("early_close", today, str(early_reference),
                                      {"period": period.code, "end": period.end.isoformat()})


def _refuse_before_end(period: ClearingPeriod, today: dt.date,
                       early_reference: str | None) -> bool:
    """Whether the period has ended on ``today``; if not, refused unless a council decision
    (``early_reference``) allows the early close."""
    if today > period.end:
        return True
    if early_reference is None or not early_reference.strip():
        raise InvalidState(
            f"period {period.code} runs until {period.end}: it can be closed from "
            f"{period.end + dt.timedelta(days=1)}, or earlier under a council decision "
            "(--early REFERENCE; early_reference in the API)", field="period")
    return False


def closable(uow: UnitOfWork, code: str, *, as_of: dt.date | None,
             early_reference: str | None) -> ClearingPeriod:
    """The period ``code`` if :func:`close_period` would close it on ``as_of`` (inside the
    caller's block, its row locked; nothing recorded): a four-eyes proposal is checked so."""
    period = _period(uow, code, lock=True)
    _refuse_settled(period)
    if period.state is PeriodState.OPEN:
        _refuse_before_end(period, operating_day(as_of), early_reference)
    return period


def _refuse_settled(period: ClearingPeriod) -> None:
    if period.state is PeriodState.SETTLED:
        raise InvalidState(f"period {period.code} is already settled", field="period")


def _period(uow: UnitOfWork, code: str, *, lock: bool = False) -> ClearingPeriod:
    found = uow.periods.by_code(code)
    if found is None:
        raise UnknownParty(f"no clearing period {code}", field="period")
    return uow.periods.by_id(found.id, lock=lock) if lock else found


def _settle(uow: UnitOfWork, period: ClearingPeriod, *, finance_deficits: bool | None
            ) -> SettlementReport:
    by_account = uow.journal.positions(period.id)
    authorities = uow.members.authorities()
    positions = {a: by_account.get(position_account(a), 0) for a in authorities}
    invariant(set(by_account) <= {position_account(a) for a in authorities},
              "every position account belongs to an authority")
    in_force = uow.decisions.parameters_in_force(period.end)
    settlement_currency = in_force[parameters.SETTLEMENT_CURRENCY]
    rates = uow.rates.latest_until(period.end)
    if rates is None and any(positions.values()):
        raise InvalidDate(f"no XSU rate published on or before {period.end} to settle at",
                          field="period")
    rate = rates.local_per_xsu(settlement_currency) if rates is not None else Fraction(1)
    loans = _financing_policy(in_force, finance_deficits).finance(
        _deficits(uow, period, positions, in_force))
    return settle(period.id, uow.journal.corridor_gross(period.id), positions=positions,
                  settlement_currency=settlement_currency, settlement_rate=rate,
                  financing=loans, alert_share=in_force[parameters.CORRIDOR_ALERT_SHARE])


def _financing_policy(in_force: ParameterValues, finance_deficits: bool | None
                      ) -> FinancingPolicy:
    if finance_deficits is None:
        return in_force[parameters.DEFICIT_FINANCING]
    return POLICIES.get(ReserveFund.name if finance_deficits else Unfinanced.name,
                        field="finance_deficits")


def _deficits(uow: UnitOfWork, period: ClearingPeriod, positions: Mapping[AuthorityCode, int],
              in_force: ParameterValues) -> Deficits:
    """What a financing policy may look at: positions, the period's limits at its close."""
    rows = uow.positions.in_period(period.id)
    credit_lines = {r.authority: r.credit_line_minor for r in rows}
    allocations = {r.authority: r.position.limit_minor - r.credit_line_minor for r in rows}
    return Deficits(positions, credit_lines, allocations, in_force.by_name())


def _check_after_settlement(uow: UnitOfWork, period: ClearingPeriod) -> None:
    kinds = (EntryKind.ORDER, EntryKind.CLOSE)
    left = uow.journal.positions(period.id, kinds)
    invariant(all(v == 0 for v in left.values()), f"positions of {period.code} are all zero")
    check_balanced(uow.journal.totals())


def stored_report(uow: UnitOfWork, code: str) -> SettledPeriod:
    """The record of a settled period's close, each instruction with its ``reference`` and its
    ``settlement_status`` today (``pending`` until a pacs.009 confirms it)."""
    with uow:
        period = _period(uow, code)
        record = uow.settlements.record(period.id)
        if record is None:
            raise InvalidState(f"period {code} is {period.state}, not settled", field="period")
        confirmed = uow.settlements.confirmed_references(period.id)
        behind = reports.decisions_behind(uow, period)
    return settled_period(period, record, confirmed, behind)


def verify_journal(uow: UnitOfWork) -> dict[str, Any]:
    """Re-derive every balance from the journal and check the invariants an auditor relies on:
    the journal balances, positions agree with it, each settled period's record with it, and
    each joint fund's movements with it (:func:`sucre.service.funds.check_funds`)."""
    with uow:
        totals = uow.journal.totals()
        check_balanced(totals)
        balances = uow.journal.balances()
        for period in uow.periods.all():
            _check_period_positions(uow, period)
            if period.state is PeriodState.SETTLED:
                _check_settlement_record(uow, period)
    position_sum = sum(v for (acc, cur), v in balances.items()
                       if is_position_account(acc) and cur == XSU)
    invariant(position_sum == 0, "XSU positions of all authorities sum to zero")
    return {"currencies": dict.fromkeys(totals, 0), "accounts": len(balances), "balanced": True,
            "loans": petrocaribe.check_loans(uow),
            "funds": funds.check_funds(uow)}


def _check_period_positions(uow: UnitOfWork, period: ClearingPeriod) -> None:
    """The positions table agrees with the journal (posted) and the orders (pending)."""
    journal = uow.journal.positions(period.id)
    for row in uow.positions.in_period(period.id):
        invariant(journal.get(position_account(row.authority), 0) == net_posted(row.position),
                  f"{row.authority} in {period.code}: positions table equals the journal")
    invariant(sum(journal.values()) == 0, f"positions of {period.code} sum to zero")


def _check_settlement_record(uow: UnitOfWork, period: ClearingPeriod) -> None:
    """The stored settlement settled what the journal posted: its positions are those the
    journal's orders left and its close brought back to zero, and its legs balance."""
    record = uow.settlements.record(period.id)
    invariant(record is not None, f"settled period {period.code} has its settlement record")
    assert record is not None
    stored = {position_account(a): n for a, n in record.report.positions.items() if n}
    posted = {a: n for a, n in uow.journal.positions(period.id).items() if n}
    surrendered = {a: -n for a, n in uow.journal.positions(period.id, (EntryKind.CLOSE,)
                                                           ).items() if n}
    invariant(stored == posted == surrendered,
              f"the settlement of {period.code} agrees with its journal")
    invariant(not any(settlement_amounts(record.report).values()),
              f"the settlement legs of {period.code} balance")


def settlement_amounts(report: SettlementReport | SettledPeriod) -> dict[CurrencyCode, int]:
    """Paid minus received per settlement currency (zero for a consistent report)."""
    if isinstance(report, SettledPeriod):
        report = report.record.report
    totals: dict[CurrencyCode, int] = {}
    for ins in report.instructions:
        sign = -1 if ins.kind is InstructionKind.RECEIVE else 1
        totals[ins.currency] = totals.get(ins.currency, 0) + sign * ins.amount_minor
    return totals

"""Reports: typed read models (rates, members, decisions, periods, positions, the settlement
record) and the JSON the CLI (``--json``) and the API build from them: amounts as decimal
strings, ratios as numbers (:func:`report_json` for a settled period).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from sucre import bounds
from sucre.adapters.db import repositories
from sucre.adapters.iso20022.camt053 import AccountStatement
from sucre.domain import parameters
from sucre.domain.confirmations import SettledPeriod
from sucre.domain.decisions import Decision, PeriodDecisions, in_force
from sucre.domain.errors import InvalidDate, InvalidInput, LimitExceeded, UnknownParty
from sucre.domain.members import (
    AuthorityCode,
    MemberCode,
    MemberState,
    MemberStatus,
    MonetaryAuthority,
    StatusChange,
    authority_code,
    member_since,
)
from sucre.domain.money import XSU, CurrencyCode, format_amount
from sucre.domain.orders import OrderStatus, OrderView
from sucre.domain.periods import ClearingPeriod, PeriodState
from sucre.domain.positions import AuthorityPosition
from sucre.domain.rates import rate_text
from sucre.service.unit_of_work import UnitOfWork

utc = repositories.utc


def xsu(minor: int) -> str:
    return format_amount(minor, XSU)


def ratio(value: Any) -> float:
    """Ratios are reported as numbers rounded to 6 places (they are not money)."""
    return round(float(value), 6)


def report_json(settled: SettledPeriod, *, as_stored: bool = False) -> dict[str, Any]:
    """A settlement report's JSON (``sucre close-period``/``report --json``, the API).

    ``as_stored``: in the key order ``sucre report`` has always printed, that of the JSON
    document the close used to store (keys sorted), each instruction's ``reference`` and
    ``settlement_status`` last.
    """
    report, record = settled.record.report, settled.record
    document: dict[str, Any] = {
        "period": settled.period.code,
        "start": settled.period.start.isoformat(),
        "end": settled.period.end.isoformat(),
        "gross_xsu": xsu(report.gross_xsu_minor),
        "net_xsu": xsu(report.net_xsu_minor),
        "bilateral_net_xsu": xsu(report.bilateral_xsu_minor),
        "liquidity_saving": ratio(report.liquidity_saving),
        "bilateral_saving": ratio(report.bilateral_saving),
        "positions": {a: xsu(n) for a, n in sorted(report.positions.items())},
        "members": {m: {"paid": xsu(f.paid_xsu_minor), "received": xsu(f.received_xsu_minor),
                        "net": xsu(f.net_xsu_minor)} for m, f in sorted(record.members.items())},
        "orders": {"accepted": record.accepted_orders, "rejected": record.rejected_orders},
        "settlement_currency": report.settlement_currency,
        "settlement_rate": rate_text(report.settlement_rate),
        "settlement": [
            {"kind": i.kind.value, "authority": i.authority, "xsu": xsu(i.xsu_minor),
             "amount": format_amount(i.amount_minor, i.currency), "amount_minor": i.amount_minor,
             "currency": i.currency}
            for i in (s.instruction for s in settled.instructions)
        ],
        "corridors": [
            {"debtor": c.corridor[0], "creditor": c.corridor[1],
             "gross_xsu": xsu(c.gross_xsu_minor), "share": ratio(c.share), "alert": c.alert}
            for c in report.corridors
        ],
        **behind_json(settled.behind),
    }
    if as_stored:
        document = _sorted_keys(document)
    document["settlement"] = [
        {**row, "reference": s.reference, "settlement_status": s.status.value}
        for row, s in zip(document["settlement"], settled.instructions, strict=True)]
    return document


def _sorted_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _sorted_keys(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        return [_sorted_keys(v) for v in value]
    return value


def decisions_behind(uow: UnitOfWork, period: ClearingPeriod) -> PeriodDecisions:
    """The basket and calendar decisions behind ``period`` (inside the caller's unit of work):
    :class:`sucre.domain.decisions.PeriodDecisions`."""
    return PeriodDecisions(uow.decisions.basket_decision(period.end),
                           uow.decisions.parameter_decision(parameters.CALENDAR.name, period.end))


def decision_json(decision: Decision | None) -> dict[str, Any]:
    """A decision as the reports name it: its id and reference (both None when there is none:
    an authority never allocated, no rate published yet, the default calendar)."""
    return {"decision": None if decision is None else decision.id,
            "reference": None if decision is None else decision.reference}


def behind_json(behind: PeriodDecisions) -> dict[str, Any]:
    """The ``basket`` and ``calendar`` keys of a period's reports and statements."""
    return {"basket": decision_json(behind.basket), "calendar": decision_json(behind.calendar)}


@dataclass(frozen=True, slots=True)
class PositionsReport:
    """The live positions of a period, by authority code."""

    period: ClearingPeriod
    authorities: Mapping[AuthorityCode, AuthorityPosition]
    #: The council decision behind each authority's limit: the allocation in force on the
    #: period's last day (none for an authority never allocated anything).
    decisions: Mapping[AuthorityCode, Decision] = dataclasses.field(default_factory=dict)
    #: The decisions behind its rates (the basket) and its calendar.
    behind: PeriodDecisions = PeriodDecisions()


def positions_report(uow: UnitOfWork, period_code: str | None = None, *,
                     only: AuthorityCode | None = None) -> PositionsReport:
    """Live positions of a period: limit, posted net, reserved, and the headroom left (of the
    authority ``only``, when it is given), each with the decision its limit comes from."""
    with uow:
        period = _period_or_latest_open(uow.periods.all(), period_code)
        rows = uow.positions.in_period(period.id)
        codes = {i: code for code, i in uow.members.authority_ids().items()}
        limits = uow.decisions.allocation_decisions(period.end)
        behind = decisions_behind(uow, period)
    chosen = {row.authority: row for row in rows if only is None or row.authority == only}
    return PositionsReport(period, chosen, {codes[i]: d for i, d in limits.items()
                                            if codes[i] in chosen}, behind)


def limit_decision(report: PositionsReport, authority: AuthorityCode) -> dict[str, Any]:
    """The decision behind an authority's limit, as the positions JSON names it."""
    return decision_json(report.decisions.get(authority))


def _period_or_latest_open(periods: list[ClearingPeriod], code: str | None
                           ) -> ClearingPeriod:
    if code is not None:
        chosen = [p for p in periods if p.code == code]
    else:
        chosen = [p for p in periods if p.state is not PeriodState.SETTLED][:1] or periods[-1:]
    if not chosen:
        raise UnknownParty("no such clearing period" if code else "no clearing period yet",
                           field="period")
    return chosen[0]


def periods(uow: UnitOfWork) -> list[ClearingPeriod]:
    with uow:
        return uow.periods.all()


# --- payment orders -------------------------------------------------------------------------

class Side(enum.StrEnum):
    DEBTOR = "debtor"
    CREDITOR = "creditor"


@dataclass(frozen=True, slots=True)
class OrderFilter:
    period: str | None = None
    status: OrderStatus | None = None
    authority: str | None = None  # orders it is the debtor or creditor of (see ``side``)
    side: Side | None = None
    after_id: int = 0
    limit: int = bounds.api_page_orders_default


def order(uow: UnitOfWork, order_id: int, *, visible_to: int | None = None) -> OrderView:
    """One order; one the authority ``visible_to`` is no party to does not exist (404)."""
    with uow:
        found = uow.orders.view(order_id, visible_to=visible_to)
    if found is None:
        raise UnknownParty(f"no payment order {order_id}", field="order_id")
    return found


def orders(uow: UnitOfWork, query: OrderFilter, *, visible_to: int | None = None
           ) -> tuple[list[OrderView], int | None]:
    """A page of orders in id order (only those the authority ``visible_to`` is a party to),
    and the id to continue after (None on the last page)."""
    if not 1 <= query.limit <= bounds.api_page_orders_max:
        raise LimitExceeded(f"a page holds 1 to {bounds.api_page_orders_max} orders",
                            field="limit")
    if query.authority is None and query.side is not None:
        raise InvalidInput("side needs an authority to be the debtor or creditor", field="side")
    with uow:
        party_id = None
        if query.authority is not None:
            party_id = uow.members.authority_ids().get(authority_code(query.authority))
            if party_id is None:
                raise UnknownParty(f"no monetary authority {query.authority}",
                                   field="authority")
        period_id = None
        if query.period is not None:
            period = uow.periods.by_code(query.period)
            if period is None:
                raise UnknownParty(f"no clearing period {query.period}", field="period")
            period_id = period.id
        found = uow.orders.views(
            visible_to=visible_to, after_id=query.after_id, limit=query.limit + 1,
            period_id=period_id, status=query.status, party_id=party_id,
            side=None if query.side is None else query.side.value)
    page = found[:query.limit]
    return page, (page[-1].stored.id if len(found) > query.limit else None)


def order_json(view: OrderView) -> dict[str, Any]:
    """An order in the report shape (the CLI's ``--json``, the API's ``PaymentOrderOut``)."""
    o, s, goods = view.order, view.stored, view.order.goods
    return {
        "order_id": s.id, "order_key": s.idempotency_key, "status": s.status.value,
        "reason_code": s.reason_code, "reason": s.reason, "period": view.period,
        "debtor_member": o.debtor_member, "creditor_member": o.creditor_member,
        "debtor_authority": o.debtor_authority, "creditor_authority": o.creditor_authority,
        "amount": format_amount(o.amount_minor, o.currency), "currency": o.currency,
        "xsu": xsu(o.xsu_minor), "value_date": o.value_date,
        # "f", as stored: str(Decimal) would write a small quantity as 1E-12.
        "hs_code": goods.hs_code, "quantity": format(goods.quantity, "f"), "unit": goods.unit,
        "origin": goods.origin, "invoice_ref": o.invoice_ref, "customs_ref": o.customs_ref,
        "debtor_bank": o.debtor_bank, "creditor_bank": o.creditor_bank,
        "importer": o.importer, "exporter": o.exporter, "received_at": view.received_at,
    }


# --- what exists: rates, members, decisions, an account's statement --------------------------

@dataclass(frozen=True, slots=True)
class RatesReport:
    """The XSU rates of a value date: units of each currency per XSU (XSU itself left out)."""

    day: dt.date
    per_xsu: Mapping[CurrencyCode, Fraction]


def rates_report(uow: UnitOfWork, day: dt.date | None = None) -> RatesReport:
    """The XSU rates published for ``day`` (default: the latest published day): units of each
    currency per XSU, and USD per XSU."""
    with uow:
        if day is None:
            day = uow.rates.latest_day()
            if day is None:
                raise InvalidDate("no XSU rate is published yet (sucre fixings, then basket)",
                                  field="date")
        rates = uow.rates.on(day)
    if rates is None:
        raise InvalidDate(f"no XSU rates published for {day}", field="date")
    return RatesReport(day, {c: r for c, r in sorted(rates.per_xsu.items()) if c != XSU})


@dataclass(frozen=True, slots=True)
class MemberLine:
    """A member state of the bloc on the report's date: its central bank, its status (active or
    suspended) and the first day of its current uninterrupted membership."""

    member: MemberState
    authority: MonetaryAuthority
    status: MemberStatus
    since: dt.date


@dataclass(frozen=True, slots=True)
class MembersReport:
    as_of: dt.date
    members: tuple[MemberLine, ...]


def members_report(uow: UnitOfWork, as_of: dt.date) -> MembersReport:
    """The member states of the bloc on ``as_of`` (not those withdrawn or not yet admitted),
    from the council's member decisions in force that day."""
    with uow:
        members = uow.members.members(on=as_of)
        authorities = uow.members.authorities()
        history: dict[MemberCode, list[StatusChange]] = defaultdict(list)
        for change in uow.members.history():
            history[change.member].append(change)
    lines = []
    for code, member in sorted(members.items()):
        since = member_since(history[code], as_of)
        if member.status is MemberStatus.WITHDRAWN or since is None:
            continue
        lines.append(MemberLine(member, authorities[member.authority], member.status, since))
    return MembersReport(as_of, tuple(lines))


def member_status_text(status: MemberStatus) -> str:
    """A member's status as the register says it: a member in good standing, or suspended."""
    return "suspended" if status is MemberStatus.SUSPENDED else "member"


def members_json(report: MembersReport) -> dict[str, Any]:
    """The register on a day, as ``sucre members --json`` and ``GET /v1/members`` answer it."""
    return {"as_of": report.as_of.isoformat(), "members": [
        {"code": m.member.code, "name": m.member.name, "status": member_status_text(m.status),
         "authority": m.authority.code, "authority_name": m.authority.name,
         "currency": m.authority.currency, "since": m.since.isoformat()}
        for m in report.members]}


@dataclass(frozen=True, slots=True)
class DecisionsReport:
    """The council's first decisions as recorded (bounded), and how many more there are."""

    decisions: tuple[Decision, ...]
    not_listed: int
    as_of: dt.date | None = None  # what was in force on that day, when asked
    kind: str | None = None  # only decisions of that kind, when asked


def decisions_report(uow: UnitOfWork, *, as_of: dt.date | None = None,
                     kind: str | None = None) -> DecisionsReport:
    """The council's decisions as recorded, in the order they were taken (bounded); with
    ``as_of``, those in force on that day (the last one dated on or before it on each subject:
    :func:`sucre.domain.decisions.in_force`); with ``kind``, only decisions of that kind."""
    listed_max = bounds.decisions_listed_max
    with uow:
        if as_of is not None:
            chosen = in_force(uow.decisions.dated_until(as_of, kind))
            total, listed = len(chosen), chosen[:listed_max]
        elif kind is not None:
            listed, total = uow.decisions.of_kind(kind, listed_max)
        else:
            total = uow.decisions.decision_count()
            listed = uow.decisions.first_decisions(listed_max)
    return DecisionsReport(tuple(listed), total - len(listed), as_of, kind)


def statement_report(statement: AccountStatement, behind: PeriodDecisions) -> dict[str, Any]:
    """An authority's XSU statement (as in its camt.053) in the report shape, naming the
    basket and calendar decisions behind its period."""
    return {"account": statement.account_id, "owner": statement.account_owner,
            "statement": statement.statement_id,
            "from": statement.period_start.isoformat(), "to": statement.period_end.isoformat(),
            "opening_xsu": xsu(statement.opening_balance_minor),
            "closing_xsu": xsu(statement.closing_balance_minor),
            "entries": [{"entry": e.entry_id, "booking_date": e.booking_date.isoformat(),
                         "value_date": e.value_date.isoformat(), "reference": e.reference,
                         "description": e.description,
                         "credit_xsu": xsu(e.amount_minor) if e.amount_minor > 0 else "",
                         "debit_xsu": xsu(-e.amount_minor) if e.amount_minor < 0 else ""}
                        for e in statement.entries],
            **behind_json(behind)}


def order_ids_after(uow: UnitOfWork, after_id: int, listed_max: int) -> tuple[list[int], int]:
    """The first ``listed_max`` order ids above ``after_id``, and how many there are in all."""
    with uow:
        return uow.orders.ids_after(after_id, listed_max)


def last_order_id(uow: UnitOfWork) -> int:
    with uow:
        return uow.orders.last_id()

"""Reports as plain JSON-ready dicts: amounts as decimal strings, ratios as numbers.

One shape for the CLI (``--json``), the stored settlement report and, later, the API.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from sucre import bounds
from sucre.adapters.db import repositories
from sucre.adapters.db import repository as repo
from sucre.adapters.db import tables as t
from sucre.adapters.iso20022.camt053 import AccountStatement
from sucre.domain.errors import InvalidDate, InvalidInput, LimitExceeded, UnknownParty
from sucre.domain.members import AuthorityCode, authority_code
from sucre.domain.money import USD, XSU, format_amount
from sucre.domain.orders import OrderStatus, OrderView
from sucre.domain.periods import ClearingPeriod
from sucre.domain.positions import headroom, net_posted
from sucre.domain.rates import rate_text
from sucre.domain.settlement import SettlementReport
from sucre.service.unit_of_work import UnitOfWork

utc = repositories.utc


def xsu(minor: int) -> str:
    return format_amount(minor, XSU)


def ratio(value: Any) -> float:
    """Ratios are reported as numbers rounded to 6 places (they are not money)."""
    return round(float(value), 6)


def report_json(conn: Connection, period: ClearingPeriod, report: SettlementReport
                ) -> dict[str, Any]:
    counts = repo.order_counts(conn, period.id)
    return {
        "period": period.code,
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
        "gross_xsu": xsu(report.gross_xsu_minor),
        "net_xsu": xsu(report.net_xsu_minor),
        "bilateral_net_xsu": xsu(report.bilateral_xsu_minor),
        "liquidity_saving": ratio(report.liquidity_saving),
        "bilateral_saving": ratio(report.bilateral_saving),
        "positions": {a: xsu(n) for a, n in sorted(report.positions.items())},
        "members": member_breakdown(conn, period.id),
        "orders": {
            "accepted": counts.get(OrderStatus.SETTLED.value, 0)
            + counts.get(OrderStatus.ACCEPTED.value, 0),
            "rejected": counts.get(OrderStatus.REJECTED.value, 0),
        },
        "settlement_currency": report.settlement_currency,
        "settlement_rate": rate_text(report.settlement_rate),
        "settlement": [
            {"kind": i.kind.value, "authority": i.authority, "xsu": xsu(i.xsu_minor),
             "amount": format_amount(i.amount_minor, i.currency), "amount_minor": i.amount_minor,
             "currency": i.currency}
            for i in report.instructions
        ],
        "corridors": [
            {"debtor": c.corridor[0], "creditor": c.corridor[1],
             "gross_xsu": xsu(c.gross_xsu_minor), "share": ratio(c.share), "alert": c.alert}
            for c in report.corridors
        ],
    }


def member_breakdown(conn: Connection, period_id: int) -> dict[str, dict[str, str]]:
    """Paid and received XSU per member state (the ECCB's six members reported apart)."""
    o = t.payment_orders.c
    result: dict[str, dict[str, int]] = defaultdict(lambda: {"paid": 0, "received": 0})
    for side, label in ((o.debtor_member, "paid"), (o.creditor_member, "received")):
        query = (select(side, func.sum(o.xsu_minor)).where(
            o.period_id == period_id,
            o.status.in_([OrderStatus.SETTLED.value, OrderStatus.ACCEPTED.value]))
            .group_by(side))
        for member, total in conn.execute(query).tuples():
            result[member][label] += int(total)
    return {m: {"paid": xsu(s["paid"]), "received": xsu(s["received"]),
                "net": xsu(s["received"] - s["paid"])} for m, s in sorted(result.items())}


def positions_report(engine: Engine, period_code: str | None = None, *,
                     only: AuthorityCode | None = None) -> dict[str, Any]:
    """Live positions of a period: limit, posted net, reserved, and the headroom left (of the
    authority ``only``, when it is given)."""
    with engine.connect() as conn:
        period = _period_or_latest_open(conn, period_code)
        rows = repo.position_rows(conn, period.id)
    authorities: dict[str, Any] = {}
    for r in rows:
        if only is not None and r["code"] != only:
            continue
        position = repo.position_of(r)
        authorities[r["code"]] = {
            "limit": xsu(r["limit_minor"]), "credit_line": xsu(r["credit_line_minor"]),
            "net_posted": xsu(net_posted(position)),
            "debit_reserved": xsu(r["debit_pending_minor"]),
            "credit_reserved": xsu(r["credit_pending_minor"]),
            "headroom": xsu(headroom(position)),
        }
    return {"period": period.code, "state": period.state.value,
            "positions": {a: v["net_posted"] for a, v in authorities.items()},
            "authorities": authorities}


def _period_or_latest_open(conn: Connection, code: str | None) -> ClearingPeriod:
    periods = repo.all_periods(conn)
    if code is not None:
        chosen = [p for p in periods if p.code == code]
    else:
        chosen = [p for p in periods if p.state.value != "settled"][:1] or periods[-1:]
    if not chosen:
        raise UnknownParty("no such clearing period" if code else "no clearing period yet",
                           field="period")
    return chosen[0]


def periods(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [{"code": p.code, "start": p.start, "end": p.end, "state": p.state.value}
                for p in repo.all_periods(conn)]


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

def rates_report(engine: Engine, day: dt.date | None = None) -> dict[str, Any]:
    """The XSU rates published for ``day`` (default: the latest published day): units of each
    currency per XSU, and USD per XSU."""
    with engine.connect() as conn:
        if day is None:
            day = conn.execute(select(func.max(t.xsu_rates.c.value_date))).scalar()
            if day is None:
                raise InvalidDate("no XSU rate is published yet (sucre fixings, then basket)",
                                  field="date")
        rates = repo.rates_on(conn, day)
    if rates is None:
        raise InvalidDate(f"no XSU rates published for {day}", field="date")
    per_xsu = {c: rate_text(r) for c, r in sorted(rates.per_xsu.items()) if c != XSU}
    return {"date": day.isoformat(), "usd_per_xsu": per_xsu.get(USD), "per_xsu": per_xsu}


def members_report(engine: Engine, as_of: dt.date | None = None) -> dict[str, Any]:
    """Each member state, its central bank and its status on ``as_of`` (default: today's
    status), from the council's member decisions."""
    with engine.connect() as conn:
        members = repo.load_members(conn)
        authorities = repo.load_authorities(conn)
        d = t.decisions.c
        changes = conn.execute(select(d.effective_date, d.payload)
                               .where(d.kind.like("member\\_%", escape="\\"))
                               .order_by(d.effective_date, d.id)).all()
    status = {code: m.status.value for code, m in members.items()}
    if as_of is not None:
        # The status on a date: the last change in force then, else the one before the first.
        seen: set[str] = set()
        for effective, payload in changes:
            change = json.loads(payload)
            member = change.get("member")
            if member not in status:
                continue
            if effective <= as_of or member not in seen:
                status[member] = change["to"] if effective <= as_of else change["from"]
            seen.add(member)
    return {"as_of": None if as_of is None else as_of.isoformat(), "members": [
        {"member": code, "name": m.name, "authority": m.authority,
         "authority_name": authorities[m.authority].name,
         "currency": authorities[m.authority].currency, "status": status[code]}
        for code, m in sorted(members.items())]}


def decisions_report(engine: Engine) -> dict[str, Any]:
    """The council's decisions as recorded, in the order they were taken (bounded)."""
    d = t.decisions.c
    with engine.connect() as conn:
        total = int(conn.execute(select(func.count()).select_from(t.decisions)).scalar_one())
        rows = conn.execute(select(d.id, d.kind, d.effective_date, d.reference, d.payload,
                                   d.recorded_at).order_by(d.id)
                            .limit(bounds.decisions_listed_max)).all()
    return {"decisions": [
        {"id": r.id, "kind": r.kind, "effective_date": r.effective_date.isoformat(),
         "reference": r.reference, "decision": json.loads(r.payload),
         "recorded_at": utc(r.recorded_at).isoformat()} for r in rows],
        "not_listed": total - len(rows)}


def statement_report(statement: AccountStatement) -> dict[str, Any]:
    """An authority's XSU statement (as in its camt.053) in the report shape."""
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
                        for e in statement.entries]}


def order_ids_after(uow: UnitOfWork, after_id: int, listed_max: int) -> tuple[list[int], int]:
    """The first ``listed_max`` order ids above ``after_id``, and how many there are in all."""
    with uow:
        return uow.orders.ids_after(after_id, listed_max)


def last_order_id(uow: UnitOfWork) -> int:
    with uow:
        return uow.orders.last_id()

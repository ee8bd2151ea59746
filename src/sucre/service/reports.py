"""Reports as plain JSON-ready dicts: amounts as decimal strings, ratios as numbers.

One shape for the CLI (``--json``), the stored settlement report and, later, the API.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from sucre.adapters.db import repository as repo
from sucre.adapters.db import tables as t
from sucre.domain.errors import UnknownParty
from sucre.domain.money import XSU, format_amount
from sucre.domain.orders import OrderStatus
from sucre.domain.periods import ClearingPeriod
from sucre.domain.rates import rate_text
from sucre.domain.settlement import SettlementReport


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


def positions_report(engine: Engine, period_code: str | None = None) -> dict[str, Any]:
    """Live positions of a period: limit, posted net, reserved, and the headroom left."""
    with engine.connect() as conn:
        period = _period_or_latest_open(conn, period_code)
        rows = repo.position_rows(conn, period.id)
    authorities: dict[str, Any] = {}
    for r in rows:
        net_posted = r["credit_posted_minor"] - r["debit_posted_minor"]
        used = r["debit_posted_minor"] + r["debit_pending_minor"] - r["credit_posted_minor"]
        authorities[r["code"]] = {
            "limit": xsu(r["limit_minor"]), "credit_line": xsu(r["credit_line_minor"]),
            "net_posted": xsu(net_posted), "debit_reserved": xsu(r["debit_pending_minor"]),
            "credit_reserved": xsu(r["credit_pending_minor"]),
            "headroom": xsu(r["limit_minor"] - used),
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

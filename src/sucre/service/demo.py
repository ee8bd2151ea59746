"""A realistic, deterministic semester of the bloc's trade, run through the whole machinery.

Everything here is demo data (marked as such in every decision reference): fixings follow seeded
random walks, the basket is recalibrated at the period start, allocations follow the published
rule (at least 20 % of projected imports) plus an FRCC credit line, and trade is concentrated on
one corridor as the SUCRE's was. Some orders are bad on purpose (over-precise amounts, a former
member, wrong currency, dates outside the period, mismatched origin), a member is suspended and
another withdraws mid-period, and the receiving side rejects a few orders.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Engine

from sucre.domain.errors import SucreError, invariant
from sucre.domain.members import MemberStatus
from sucre.domain.money import CurrencyCode
from sucre.domain.orders import OrderRequest, OrderStatus
from sucre.service import bloc, closing, payments, registry, setoff_runs

REFERENCE = "DEMO data - not a real council decision"
PERIOD_START = dt.date(2026, 7, 1)
PERIOD_END = dt.date(2026, 12, 31)

#: Local currency per USD at the period start, daily drift and noise (demo assumptions).
FIXING_WALKS: dict[str, tuple[Decimal, float, float]] = {
    "VES": (Decimal("120.0000"), 0.0015, 0.004),
    "CUP": (Decimal("24.0000"), 0.0, 0.0),
    "BOB": (Decimal("6.9600"), 0.0, 0.0),
    "NIO": (Decimal("36.6243"), 0.0001, 0.0005),
    "XCD": (Decimal("2.7000"), 0.0, 0.0),
}
#: Parallel-market rates used to flag fixings far from the market.
MARKET_PREMIUM = {"VES": Decimal("1.45"), "CUP": Decimal("5.0")}
BASKET_WEIGHTS = {"VES": "0.40", "CUP": "0.20", "BOB": "0.15", "NIO": "0.15", "XCD": "0.10"}
CURRENCY_OF = {"BCV": "VES", "BCC": "CUP", "BCB": "BOB", "BCN": "NIO", "ECCB": "XCD"}

# (importer, exporter, share of orders, goods: HS code, unit price in USD per tonne)
CORRIDORS: tuple[tuple[str, str, float, str, int], ...] = (
    ("VEN", "NIC", 0.52, "020130", 5200),  # beef, the dominant corridor
    ("VEN", "BOL", 0.14, "150710", 1100),  # crude soy oil
    ("CUB", "VEN", 0.08, "100630", 300),  # rice (the first SUCRE operation)
    ("VEN", "CUB", 0.07, "300490", 2500),  # medicines
    ("NIC", "VEN", 0.05, "271012", 700),  # light oils
    ("BOL", "VEN", 0.03, "310210", 450),  # urea
    ("CUB", "NIC", 0.03, "071333", 1035),  # black beans
    ("ATG", "VEN", 0.015, "271012", 700),
    ("DMA", "VEN", 0.01, "271012", 700),
    ("GRD", "VEN", 0.01, "271012", 700),
    ("KNA", "VEN", 0.01, "271012", 700),
    ("LCA", "VEN", 0.01, "271012", 700),
    ("VCT", "VEN", 0.01, "271012", 700),
    ("VEN", "LCA", 0.015, "080390", 600),  # bananas
)
AUTHORITY_OF = {m: a for m, _, a in bloc.MEMBERS}


@dataclass(slots=True)
class DemoResult:
    report: dict[str, Any]
    steps: list[str] = field(default_factory=list)
    imported: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    invalid_examples: list[str] = field(default_factory=list)
    flagged_fixings: dict[str, str] = field(default_factory=dict)
    setoff: dict[str, Any] = field(default_factory=dict)


def run_demo(engine: Engine, *, orders: int, seed: int,
             on_progress: Callable[[str, int, int], None] | None = None) -> DemoResult:
    rng = random.Random(seed)  # noqa: S311 - demo data must be reproducible, not secret
    result = DemoResult(report={})
    progress = on_progress or (lambda _stage, _done, _total: None)
    bloc.register_bloc(engine, PERIOD_START, REFERENCE)
    result.steps.append("registered 5 monetary authorities serving the bloc's 10 members")
    fixings = _fixings(rng)
    _record_rates(engine, fixings, result, progress)
    _allocate(engine, orders, result)
    registry.open_period(engine, PERIOD_START)
    _barter(engine, rng, fixings, orders, result)
    requests = _orders(rng, orders, fixings)
    half = len(requests) * 3 // 5
    _import(engine, requests[:half], result, progress, "July to mid-September")
    registry.change_member_status(engine, "GRD", MemberStatus.SUSPENDED,
                                  effective_date=dt.date(2026, 10, 1), reference=REFERENCE)
    registry.change_member_status(engine, "VCT", MemberStatus.WITHDRAWN,
                                  effective_date=dt.date(2026, 10, 1), reference=REFERENCE)
    result.steps.append("Grenada suspended and Saint Vincent and the Grenadines withdrawn: "
                        "their orders are refused from now on; VCT's open position settles "
                        "at the close")
    _import(engine, requests[half:], result, progress, "mid-September to December")
    _two_phase(engine, rng, fixings, result)
    result.report = closing.close_period(engine, "2026-H2", finance_deficits=True,
                                          as_of=PERIOD_END + dt.timedelta(days=1))
    result.report["orders"]["invalid"] = result.imported["invalid"] + result.imported["conflicts"]
    result.report["setoff"] = result.setoff
    result.report["chain"] = {
        "invoice_debt_xsu": result.setoff["total_debt"],
        "cleared_by_setoff_xsu": result.setoff["cleared"],
        "residual_orders_accepted": result.imported["residual_orders"],
        "cleared_through_chamber_xsu": result.report["gross_xsu"],
        "settled_net_xsu": result.report["net_xsu"],
    }
    closing.verify_journal(engine)
    result.steps.append("period 2026-H2 closed and settled; journal re-derived and verified")
    return result


def _barter(engine: Engine, rng: random.Random, fixings: dict[dt.date, dict[str, Decimal]],
            orders: int, result: DemoResult) -> None:
    """Traders' unpaid invoices are first set off; what remains is paid through the chamber."""
    traders = [(member, f"{member}-T{i}") for member, _, _ in bloc.MEMBERS for i in range(6)]
    invoices: list[setoff_runs.Invoice] = []
    for number in range(max(20, orders // 5)):
        (debtor_member, debtor), (creditor_member, creditor) = rng.sample(traders, 2)
        code = CURRENCY_OF[AUTHORITY_OF[debtor_member]] if rng.random() < 0.5 else "XSU"
        usd = Decimal(rng.randint(5_000, 400_000))
        amount = usd / Decimal("1.25") if code == "XSU" else usd * fixings[PERIOD_START][code]
        invoices.append(setoff_runs.Invoice(
            f"INV-T{number:06d}", debtor, creditor, int(amount.quantize(Decimal("0.01")) * 100),
            CurrencyCode(code), debtor_member, creditor_member,
            PERIOD_START + dt.timedelta(days=rng.randint(0, 30)), "090111", "10", "t",
            f"DUA-{creditor_member}-T{number:06d}"))
    setoff_runs.store_invoices(engine, invoices)
    run_day = PERIOD_START + dt.timedelta(days=14)
    result.setoff = setoff_runs.run_setoff(engine, run_day)
    paid = setoff_runs.pay_residuals(engine, run_day)
    result.imported["residual_orders"] = paid.accepted
    result.steps.append(
        f"{len(invoices)} unpaid invoices between 60 traders ({result.setoff['total_debt']} XSU) "
        f"were set off first: {result.setoff['cleared']} XSU cancelled without moving money "
        f"({result.setoff['cleared_fraction']:.1%}, proven optimal); {paid.accepted} cross-border "
        "residuals became payment orders")


def _fixings(rng: random.Random) -> dict[dt.date, dict[str, Decimal]]:
    days = (PERIOD_END - PERIOD_START).days + 1
    current = {c: start for c, (start, _, _) in FIXING_WALKS.items()}
    table: dict[dt.date, dict[str, Decimal]] = {}
    for offset in range(days):
        day = PERIOD_START + dt.timedelta(days=offset)
        table[day] = dict(current)
        for code, (_, drift, noise) in FIXING_WALKS.items():
            step = Decimal(str(round(1 + drift + rng.gauss(0, noise) if noise else 1 + drift, 6)))
            current[code] = (current[code] * step).quantize(Decimal("0.0001"), ROUND_HALF_EVEN)
    return table


def _record_rates(engine: Engine, fixings: dict[dt.date, dict[str, Decimal]],
                  result: DemoResult, progress: Callable[[str, int, int], None]) -> None:
    for index, (day, rates) in enumerate(sorted(fixings.items())):
        per_usd = {CurrencyCode(c): Fraction(v) for c, v in rates.items()}
        market = {CurrencyCode(c): Fraction(rates[c] * p) for c, p in MARKET_PREMIUM.items()}
        flagged = registry.record_fixings(engine, day, per_usd, market)
        if index == 0:
            weights = {CurrencyCode(c): Fraction(w) for c, w in BASKET_WEIGHTS.items()}
            registry.set_basket(engine, day, Fraction(5, 4), weights, REFERENCE)
            result.flagged_fixings = {c: f"{float(d):.0%}" for c, d in flagged.items()}
        progress("fixings", index + 1, len(fixings))
    result.steps.append(f"published XSU rates for {len(fixings)} value dates from a basket "
                        "calibrated to 1 XSU = 1.25 USD on 2026-07-01")


def _allocate(engine: Engine, orders: int, result: DemoResult) -> None:
    """Allocations follow the published rule (at least 20 % of projected imports); the FRCC
    credit line covers most of the projected net deficit, so the busiest importer meets its
    limit only in the last weeks (a realistic handful of AM04 rejections)."""
    imports: dict[str, float] = defaultdict(float)
    exports: dict[str, float] = defaultdict(float)
    for importer, exporter, share, _, price in CORRIDORS:
        usd = share * orders * price * 210
        imports[AUTHORITY_OF[importer]] += usd
        exports[AUTHORITY_OF[exporter]] += usd
    for authority in sorted(imports):
        allocation = imports[authority] * 0.20
        deficit = max(0.0, imports[authority] - exports[authority])
        credit_line = max(imports[authority] * 0.10, deficit * 0.97 - allocation)
        registry.set_allocation(engine, authority, PERIOD_START, _xsu_minor(allocation),
                                _xsu_minor(credit_line), REFERENCE)
    result.steps.append("allocated XSU to each central bank (20 % of projected imports, the "
                        "published rule) plus an FRCC credit line sized on its projected deficit")


def _xsu_minor(usd: float) -> int:
    return int(Decimal(str(round(usd, 2))) / Decimal("1.25") * 100)


def _orders(rng: random.Random, count: int, fixings: dict[dt.date, dict[str, Decimal]]
            ) -> list[OrderRequest]:
    shares = [c[2] for c in CORRIDORS]
    days = sorted(fixings)
    requests: list[OrderRequest] = []
    for number in range(count):
        importer, exporter, _, hs_code, price = rng.choices(CORRIDORS, weights=shares)[0]
        day = days[min(len(days) - 1, int(number * len(days) / count))]
        tonnes = Decimal(rng.randint(20, 400))
        code = CURRENCY_OF[AUTHORITY_OF[importer]]
        usd = tonnes * price * Decimal(str(round(rng.uniform(0.9, 1.1), 3)))
        in_xsu = rng.random() < 0.1
        amount = usd / Decimal("1.25") if in_xsu else usd * fixings[day][code]
        requests.append(OrderRequest(
            idempotency_key=f"DEMO-{number:07d}", debtor_member=importer,
            creditor_member=exporter, amount=str(amount.quantize(Decimal("0.01"))),
            currency="XSU" if in_xsu else code, value_date=day.isoformat(), hs_code=hs_code,
            quantity=str(tonnes), unit="t", origin=exporter, invoice_ref=f"INV-{number:07d}",
            customs_ref=f"DUA-{exporter}-{number:07d}", importer=f"Importer {importer}",
            exporter=f"Exporter {exporter}"))
    return _spoil(rng, requests)


def _spoil(rng: random.Random, requests: list[OrderRequest]) -> list[OrderRequest]:
    """About 1 % bad data, the kinds a real feed has."""
    spoilers: list[Callable[[OrderRequest], OrderRequest]] = [
        lambda r: replace(r, amount=r.amount + "7"),  # more decimals than the currency has
        lambda r: replace(r, debtor_member="HND"),  # Honduras left in 2009
        lambda r: replace(r, currency="USD"),  # not the importer's currency
        lambda r: replace(r, value_date="2027-01-15"),  # outside the open period
        lambda r: replace(r, amount="0.00"),
        lambda r: replace(r, origin="CHN"),  # goods not from the exporting member
    ]
    return [rng.choice(spoilers)(r) if rng.random() < 0.01 else r for r in requests]


def _import(engine: Engine, requests: list[OrderRequest], result: DemoResult,
            progress: Callable[[str, int, int], None], label: str) -> None:
    """Import in monthly files; after each, the receiving central banks confirm their receipts
    (so a net creditor's incoming XSU count towards what it may spend)."""
    done = accepted = limit = invalid = confirmed = 0
    months: dict[str, list[OrderRequest]] = defaultdict(list)
    for request in requests:
        months[request.value_date[:7]].append(request)
    for month in sorted(months):
        report = payments.import_orders(engine, enumerate(months[month], start=1),
                                        batch_orders=500)
        accepted, limit = accepted + report.accepted, limit + report.rejected
        invalid += report.invalid
        result.invalid_examples.extend(f"{e.field}: {e.message} [{e.reason_code}]"
                                       for e in report.errors[:2])
        for authority, _, _ in bloc.AUTHORITIES:
            confirmed += payments.confirm_all(engine, authority, "2026-H2")
        done += len(months[month])
        progress(f"orders ({label})", done, len(requests))
    result.imported["accepted"] += accepted
    result.imported["rejected_limit"] += limit
    result.imported["invalid"] += invalid
    result.steps.append(f"imported {label} month by month: {accepted} accepted, {limit} over "
                        f"the debtor's limit (AM04), {invalid} refused as bad input; receiving "
                        f"central banks confirmed {confirmed} orders after each month")


def _two_phase(engine: Engine, rng: random.Random, fixings: dict[dt.date, dict[str, Decimal]],
               result: DemoResult) -> None:
    """Single submissions the receiving side decides on, and idempotent replays."""
    day = PERIOD_END - dt.timedelta(days=3)
    confirmed = rejected = 0
    for number in range(12):
        amount = (Decimal(rng.randint(50, 150)) * 1035 * fixings[day]["CUP"]).quantize(
            Decimal("0.01"))
        request = OrderRequest(
            idempotency_key=f"DEMO-2P-{number:03d}", debtor_member="CUB", creditor_member="NIC",
            amount=str(amount), currency="CUP", value_date=day.isoformat(), hs_code="071333",
            quantity="100", unit="t", origin="NIC", invoice_ref=f"INV-2P-{number}",
            customs_ref=f"DUA-NIC-2P-{number}")
        outcome = payments.submit_order(engine, request)
        replay = payments.submit_order(engine, request)
        invariant(replay.replayed and replay.order_id == outcome.order_id,
                  "a replay returns the original outcome")
        if outcome.status is not OrderStatus.ACCEPTED:
            continue
        accept = number % 4 != 3
        payments.decide_order(engine, outcome.order_id, "BCN", accept=accept)
        confirmed, rejected = confirmed + accept, rejected + (not accept)
    try:
        payments.submit_order(engine, replace(request, amount="1.00"))
    except SucreError as error:
        result.imported["conflicts"] += 1
        result.invalid_examples.append(f"{error.field}: {error.message} [{error.reason_code}]")
    result.steps.append(f"12 black-bean orders Cuba -> Nicaragua submitted one by one (each "
                        f"replayed once, no second effect): BCN confirmed {confirmed}, "
                        f"rejected {rejected}; reusing a key for another body was refused")

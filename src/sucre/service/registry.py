"""Use cases of the council and the chamber's set-up: participants, decisions, rates, periods.

Every council decision is appended to ``decisions`` with its effective date and reference; the
records it produces (basket, allocation, parameter, member status) point back to it. Nothing is
edited in place except a member's current status, whose every change is itself a decision.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from fractions import Fraction
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, func, insert, select, update

from sucre import bounds
from sucre.adapters.db import repository as repo
from sucre.adapters.db import tables as t
from sucre.domain import parameters
from sucre.domain.errors import (
    IdempotencyConflict,
    InvalidInput,
    InvalidState,
    UnknownParty,
    invariant,
)
from sucre.domain.members import (
    MemberStatus,
    authority_code,
    authority_currency,
    member_code,
)
from sucre.domain.money import CurrencyCode
from sucre.domain.parameters import Parameter, ParameterValues
from sucre.domain.periods import (
    ClearingPeriod,
    PeriodState,
    period_bounds,
    period_code,
)
from sucre.domain.rates import Basket, daily_rates, fixing_deviations
from sucre.domain.text import stored_text

T = TypeVar("T")


def record_decision(conn: Connection, kind: str, effective_date: dt.date, reference: str,
                    payload: Mapping[str, Any]) -> int:
    if not reference.strip():
        raise InvalidInput("every council decision needs a reference", field="reference")
    text = stored_text(reference, "reference", chars_max=bounds.decision_reference_chars_max)
    result = conn.execute(insert(t.decisions).values(
        kind=kind, effective_date=effective_date, reference=text,
        payload=json.dumps(payload, sort_keys=True, default=str), recorded_at=repo.now()))
    key = result.inserted_primary_key
    invariant(key is not None, "a decision has an id")
    return int(key[0])  # type: ignore[index]


def register_authority(engine: Engine, code: str, name: str, currency_code: str) -> None:
    with engine.begin() as conn:
        conn.execute(insert(t.authorities).values(
            code=authority_code(code), name=_party_name(name),
            currency=authority_currency(currency_code)))
        _add_position_rows(conn)


def register_member(engine: Engine, code: str, name: str, authority: str, *,
                    effective_date: dt.date, reference: str) -> None:
    member = member_code(code)
    member_name = _party_name(name)
    with engine.begin() as conn:
        ids = repo.authority_ids(conn)
        authority_id = ids.get(authority_code(authority))
        if authority_id is None:
            raise UnknownParty(f"no monetary authority {authority}", field="authority")
        record_decision(conn, "admission", effective_date, reference,
                        {"member": member, "authority": authority})
        conn.execute(insert(t.members).values(code=member, name=member_name,
                                              authority_id=authority_id,
                                              status=MemberStatus.ACTIVE.value))


def _party_name(name: str) -> str:
    return stored_text(name, "name", chars_max=bounds.party_name_chars_max, required=True)


def change_member_status(engine: Engine, code: str, status: MemberStatus, *,
                         effective_date: dt.date, reference: str) -> None:
    """Suspend, reinstate or withdraw a member (a withdrawn member cannot come back here)."""
    member = member_code(code)
    with engine.begin() as conn:
        current = repo.load_members(conn).get(member)
        if current is None:
            raise UnknownParty(f"{member} is not a member", field="member")
        if current.status is MemberStatus.WITHDRAWN:
            raise InvalidState(f"{member} has withdrawn; readmission is a new admission",
                               field="status")
        record_decision(conn, f"member_{status.value}", effective_date, reference,
                        {"member": member, "from": current.status.value, "to": status.value})
        conn.execute(update(t.members).where(t.members.c.code == member)
                     .values(status=status.value))


def set_parameter(engine: Engine, name: str, value: str, *, effective_date: dt.date,
                  reference: str) -> None:
    """The council sets parameter ``name`` (:mod:`sucre.domain.parameters`) from a date on."""
    value = parameters.decided_text(name, value)
    with engine.begin() as conn:
        decision = record_decision(conn, "parameter", effective_date, reference,
                                   {"name": name, "value": value})
        conn.execute(insert(t.parameters).values(name=name, value=value,
                                                 effective_date=effective_date,
                                                 decision_id=decision))


def _check_parameter(name: str, value: str) -> None:
    parameters.definition(name).parse(value)


def parameter(conn: Connection, name: str, on: dt.date) -> str:
    """The text of a council parameter in force on a date (latest decision on or before it)."""
    row = conn.execute(select(t.parameters.c.value).where(
        t.parameters.c.name == name, t.parameters.c.effective_date <= on)
        .order_by(t.parameters.c.effective_date.desc(), t.parameters.c.id.desc())).first()
    return parameters.definition(name).default if row is None else str(row.value)


def parameter_value(conn: Connection, definition: Parameter[T], on: dt.date) -> T:
    """The typed value of a council parameter in force on a date."""
    return definition.read(parameter(conn, definition.name, on))


def parameters_in_force(conn: Connection, on: dt.date) -> ParameterValues:
    """Every council parameter's typed value in force on a date."""
    p = t.parameters.c
    rows = conn.execute(select(p.name, p.value).where(p.effective_date <= on)
                        .order_by(p.effective_date, p.id))
    return ParameterValues({str(name): str(value) for name, value in rows.tuples()})


def set_basket(engine: Engine, launch_date: dt.date, launch_usd_per_xsu: Fraction,
               weights: Mapping[CurrencyCode, Fraction], reference: str) -> Basket:
    """Calibrate and record a basket from the launch date's fixings (which must exist).

    A basket is recorded once per launch date: the same decision again changes nothing (a script
    can be rerun); another one for that date is refused (a new basket is a new launch date).
    """
    with engine.begin() as conn:
        recorded = basket_in_force(conn, launch_date)
        if recorded is not None and recorded[1].launch_date == launch_date:
            return _same_basket(recorded[1], launch_usd_per_xsu, weights)
        fixings = _fixings_on(conn, launch_date)
        basket = Basket.calibrate(launch_date, launch_usd_per_xsu, weights, fixings, reference)
        decision = record_decision(conn, "basket", launch_date, reference, {
            "launch_usd_per_xsu": str(launch_usd_per_xsu),
            "weights": {c: str(w) for c, w in weights.items()}})
        result = conn.execute(insert(t.baskets).values(
            launch_date=launch_date, launch_usd_per_xsu=repo.fraction_text(launch_usd_per_xsu),
            decision_id=decision))
        key = result.inserted_primary_key
        invariant(key is not None, "a basket has an id")
        conn.execute(insert(t.basket_components), [
            {"basket_id": key[0], "currency": c, "weight": repo.fraction_text(w),  # type: ignore[index]
             "quantity": repo.fraction_text(basket.quantities[c])} for c, w in weights.items()])
        _publish_pending_rates(conn, launch_date)
    return basket


def _same_basket(recorded: Basket, launch_usd_per_xsu: Fraction,
                 weights: Mapping[CurrencyCode, Fraction]) -> Basket:
    if (recorded.launch_usd_per_xsu, dict(recorded.weights)) != (launch_usd_per_xsu,
                                                                  dict(weights)):
        raise IdempotencyConflict(
            f"a different basket launched on {recorded.launch_date} is already recorded "
            f"({recorded.reference!r}); a new basket takes a new launch date", field="launch")
    return recorded


def _publish_pending_rates(conn: Connection, launch_date: dt.date) -> None:
    """Derive the rates of every fixed day from ``launch_date`` on that has none yet.

    Fixings loaded before the basket was decided become rates as soon as it is: a day still
    missing one of the basket's currencies is left unpublished until its fixings are completed
    (:func:`record_fixings` then publishes it).
    """
    published = select(t.xsu_rates.c.value_date)
    days = conn.execute(select(t.fixings.c.value_date).distinct().where(
        t.fixings.c.value_date >= launch_date, t.fixings.c.value_date.not_in(published))
        .order_by(t.fixings.c.value_date)).scalars().all()
    for day in days:
        found = basket_in_force(conn, day)
        invariant(found is not None, "a basket is in force from its launch")
        assert found is not None
        if set(found[1].quantities) <= set(_fixings_on(conn, day)):
            _publish_rates(conn, day)


def _fixings_on(conn: Connection, day: dt.date) -> dict[CurrencyCode, Fraction]:
    rows = conn.execute(select(t.fixings.c.currency, t.fixings.c.per_usd)
                        .where(t.fixings.c.value_date == day))
    return {CurrencyCode(r.currency): repo.parse_fraction(r.per_usd) for r in rows}


def basket_in_force(conn: Connection, day: dt.date) -> tuple[int, Basket] | None:
    row = conn.execute(select(t.baskets).where(t.baskets.c.launch_date <= day)
                       .order_by(t.baskets.c.launch_date.desc())).first()
    if row is None:
        return None
    components = conn.execute(select(t.basket_components).where(
        t.basket_components.c.basket_id == row.id)).all()
    reference = conn.execute(select(t.decisions.c.reference).where(
        t.decisions.c.id == row.decision_id)).scalar_one()
    return row.id, Basket(
        row.launch_date, repo.parse_fraction(row.launch_usd_per_xsu),
        {CurrencyCode(c.currency): repo.parse_fraction(c.weight) for c in components},
        reference, {CurrencyCode(c.currency): repo.parse_fraction(c.quantity) for c in components})


def record_fixings(engine: Engine, day: dt.date, per_usd: Mapping[CurrencyCode, Fraction],
                   market_per_usd: Mapping[CurrencyCode, Fraction] | None = None
                   ) -> dict[CurrencyCode, Fraction]:
    """Record a day's fixings and publish its XSU rates if a basket is in force.

    A fixing is recorded once: loading the same fixing again changes nothing (a file can be
    reloaded), a different fixing for a currency and day already fixed is refused, and so is a
    new currency on a day whose rates are already published (published rates never change).
    Returns the currencies whose official fixing deviates from the market beyond the council's
    threshold.
    """
    market = dict(market_per_usd or {})
    with engine.begin() as conn:
        new = _new_fixings(conn, day, per_usd, market)
        if new and repo.rates_on(conn, day) is not None:
            raise InvalidState(f"rates for {day} are already published and cannot change",
                               field="value_date")
        if new:
            conn.execute(insert(t.fixings), [
                {"currency": c, "value_date": day, "per_usd": repo.fraction_text(v),
                 "market_per_usd": repo.fraction_text(market[c]) if c in market else None}
                for c, v in new.items()])
            _publish_rates(conn, day)
        threshold = parameter_value(conn, parameters.FIXING_DEVIATION_MAX, day)
    return fixing_deviations(per_usd, market, threshold)


def _new_fixings(conn: Connection, day: dt.date, per_usd: Mapping[CurrencyCode, Fraction],
                 market: Mapping[CurrencyCode, Fraction]) -> dict[CurrencyCode, Fraction]:
    """The fixings of ``per_usd`` not yet recorded; refuses one that differs from the record."""
    f = t.fixings.c
    stored = {CurrencyCode(r.currency): (repo.parse_fraction(r.per_usd),
                                         None if r.market_per_usd is None
                                         else repo.parse_fraction(r.market_per_usd))
              for r in conn.execute(select(f.currency, f.per_usd, f.market_per_usd)
                                    .where(f.value_date == day))}
    new: dict[CurrencyCode, Fraction] = {}
    for code, value in per_usd.items():
        if code not in stored:
            new[code] = value
        elif stored[code] != (value, market.get(code)):
            official, parallel = stored[code]
            raise InvalidState(
                f"the {code} fixing of {day} is already recorded ({official} per USD"
                f"{'' if parallel is None else f', market {parallel}'}) and cannot change",
                field="fixings", reason_code="DUPL")
    return new


def _publish_rates(conn: Connection, day: dt.date) -> None:
    found = basket_in_force(conn, day)
    if found is None:
        return
    basket_id, basket = found
    rates = daily_rates(basket, day, _fixings_on(conn, day))
    conn.execute(insert(t.xsu_rates), [
        {"value_date": day, "currency": c, "per_xsu": repo.fraction_text(r),
         "basket_id": basket_id} for c, r in rates.per_xsu.items()])


def set_allocation(engine: Engine, authority: str, effective_date: dt.date,
                   allocation_minor: int, credit_line_minor: int, reference: str) -> None:
    """The council allocates XSU (and an FRCC credit line) to a central bank from a date on.

    The council allocates per clearing period (DOMAIN.md section 3) and the chamber keeps one
    limit per period, so the rule is: **a period's limit is the latest allocation dated on or
    before its last day**. A period takes it when it opens, and an allocation recorded while a
    period it governs is open changes that period's limit at once. It is refused, with the
    reason, when the central bank's net debit already used in such a period exceeds the new
    limit, or when its date falls in a period already closing or settled (limits of history).
    """
    invariant(allocation_minor >= 0 and credit_line_minor >= 0, "limits are not negative")
    with engine.begin() as conn:
        authority_id = repo.authority_ids(conn).get(authority_code(authority))
        if authority_id is None:
            raise UnknownParty(f"no monetary authority {authority}", field="authority")
        dated_in = repo.period_on(conn, effective_date)
        if dated_in is not None and dated_in.state is not PeriodState.OPEN:
            raise InvalidState(
                f"{effective_date} falls in period {dated_in.code}, which is already "
                f"{dated_in.state.value}: date the allocation in an open or future period",
                field="effective_date")
        decision = record_decision(conn, "allocation", effective_date, reference, {
            "authority": authority, "allocation_minor": allocation_minor,
            "credit_line_minor": credit_line_minor})
        conn.execute(insert(t.allocations).values(
            authority_id=authority_id, effective_date=effective_date,
            allocation_minor=allocation_minor, credit_line_minor=credit_line_minor,
            decision_id=decision))
        _apply_to_open_periods(conn, authority, authority_id, effective_date)


def _apply_to_open_periods(conn: Connection, authority: str, authority_id: int,
                           effective_date: dt.date) -> None:
    """Set the limit of every open period the allocation dated ``effective_date`` governs."""
    p = t.positions.c
    periods = conn.execute(select(t.periods.c.id).where(
        t.periods.c.state == PeriodState.OPEN.value, t.periods.c.end_date >= effective_date)
        .order_by(t.periods.c.start_date)).scalars().all()
    for period_id in periods:
        # Shared lock, as submitters take it: a close cannot start while the limit changes.
        period = repo.period_by_id(conn, period_id, lock=True, shared=True)
        allocation, credit_line = _allocation_in_force(conn, authority_id, period.end)
        limit = allocation + credit_line
        # One conditional UPDATE, like a reservation's: never below the debit already used.
        changed = conn.execute(update(t.positions).where(
            p.period_id == period.id, p.authority_id == authority_id,
            p.debit_posted_minor + p.debit_pending_minor - p.credit_posted_minor <= limit,
        ).values(limit_minor=limit, credit_line_minor=credit_line))
        if changed.rowcount == 0 and _has_position(conn, period.id, authority_id):
            raise InvalidState(
                f"{authority}'s net debit already used in period {period.code} exceeds the new "
                "allocation plus credit line; the council cannot lower a limit below it",
                field="allocation")


def _has_position(conn: Connection, period_id: int, authority_id: int) -> bool:
    return conn.execute(select(t.positions.c.period_id).where(
        t.positions.c.period_id == period_id, t.positions.c.authority_id == authority_id)
    ).first() is not None


def open_period(engine: Engine, day: dt.date) -> ClearingPeriod:
    """Open the period of the council's calendar that contains ``day`` (idempotent)."""
    with engine.begin() as conn:
        return ensure_period(conn, day)


def ensure_period(conn: Connection, day: dt.date) -> ClearingPeriod:
    existing = repo.period_on(conn, day)
    if existing is not None:
        return existing
    kind = parameter_value(conn, parameters.CALENDAR, day)
    start, end = period_bounds(kind, day)
    conn.execute(insert(t.periods).values(code=period_code(kind, start), start_date=start,
                                          end_date=end, state=PeriodState.OPEN.value,
                                          opened_at=repo.now()))
    period = repo.period_on(conn, day)
    invariant(period is not None, "the new period is found")
    assert period is not None
    _add_position_rows(conn)
    return period


def _add_position_rows(conn: Connection) -> None:
    """Give every authority a position row in every unsettled period, with its limit (the
    latest allocation dated on or before the period's last day: see :func:`set_allocation`)."""
    open_periods = conn.execute(select(t.periods.c.id, t.periods.c.end_date).where(
        t.periods.c.state != PeriodState.SETTLED.value)).all()
    for period_id, end in open_periods:
        have = set(conn.execute(select(t.positions.c.authority_id).where(
            t.positions.c.period_id == period_id)).scalars())
        for authority_id in conn.execute(select(t.authorities.c.id)).scalars():
            if authority_id in have:
                continue
            allocation, credit_line = _allocation_in_force(conn, authority_id, end)
            conn.execute(insert(t.positions).values(
                period_id=period_id, authority_id=authority_id,
                limit_minor=allocation + credit_line, credit_line_minor=credit_line,
                debit_pending_minor=0, credit_pending_minor=0,
                debit_posted_minor=0, credit_posted_minor=0))


def _allocation_in_force(conn: Connection, authority_id: int, day: dt.date) -> tuple[int, int]:
    row = conn.execute(select(t.allocations.c.allocation_minor, t.allocations.c.credit_line_minor)
                       .where(t.allocations.c.authority_id == authority_id,
                              t.allocations.c.effective_date <= day)
                       .order_by(t.allocations.c.effective_date.desc(),
                                 t.allocations.c.id.desc())).first()
    return (0, 0) if row is None else (int(row[0]), int(row[1]))


def member_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.members)).scalar_one())

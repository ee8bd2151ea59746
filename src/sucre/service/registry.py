"""Use cases of the council and the chamber's set-up: participants, decisions, rates, periods.

Every council decision is appended to the decision log with its effective date and reference
(:mod:`sucre.domain.decisions`); the records it produces (basket, allocation, parameter, member
status) point back to it. Nothing is edited in place except a member's current status, whose
every change is itself a decision.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from fractions import Fraction

from sucre import bounds
from sucre.adapters.db.engine import retry_transient
from sucre.domain import parameters
from sucre.domain.decisions import Allocation
from sucre.domain.errors import (
    IdempotencyConflict,
    InvalidState,
    UnknownParty,
    invariant,
)
from sucre.domain.members import (
    AuthorityCode,
    MemberState,
    MemberStatus,
    MonetaryAuthority,
    authority_code,
    authority_currency,
    member_code,
)
from sucre.domain.money import CurrencyCode
from sucre.domain.periods import ClearingPeriod, PeriodState, period_bounds, period_code
from sucre.domain.rates import Basket, daily_rates, fixing_deviations
from sucre.domain.text import stored_text
from sucre.service.unit_of_work import Decisions, Members, Periods, Rates, UnitOfWork

# --- participants ---------------------------------------------------------------------------

@retry_transient
def register_authority(uow: UnitOfWork, code: str, name: str, currency_code: str) -> None:
    authority = MonetaryAuthority(authority_code(code), _party_name(name),
                                  authority_currency(currency_code))
    with uow:
        uow.members.add_authority(authority)
        _add_position_rows(uow.periods, uow.members, uow.decisions)
        uow.commit()


@retry_transient
def register_member(uow: UnitOfWork, code: str, name: str, authority: str, *,
                    effective_date: dt.date, reference: str) -> int:
    """Admit a member state cleared by an existing authority; the admission decision's id."""
    member = member_code(code)
    member_name = _party_name(name)
    with uow:
        authority_id = uow.members.authority_ids().get(authority_code(authority))
        if authority_id is None:
            raise UnknownParty(f"no monetary authority {authority}", field="authority")
        decision = uow.decisions.record_decision("admission", effective_date, reference,
                                                 {"member": member, "authority": authority})
        uow.members.add_member(MemberState(member, member_name, AuthorityCode(authority)),
                               authority_id)
        uow.commit()
    return decision


def _party_name(name: str) -> str:
    return stored_text(name, "name", chars_max=bounds.party_name_chars_max, required=True)


@retry_transient
def change_member_status(uow: UnitOfWork, code: str, status: MemberStatus, *,
                         effective_date: dt.date, reference: str) -> int:
    """Suspend, reinstate or withdraw a member (a withdrawn member cannot come back here); the
    decision's id."""
    member = member_code(code)
    with uow:
        current = uow.members.members().get(member)
        if current is None:
            raise UnknownParty(f"{member} is not a member", field="member")
        if current.status is MemberStatus.WITHDRAWN:
            raise InvalidState(f"{member} has withdrawn; readmission is a new admission",
                               field="status")
        decision = uow.decisions.record_decision(
            f"member_{status.value}", effective_date, reference,
            {"member": member, "from": current.status.value, "to": status.value})
        uow.members.set_status(member, status)
        uow.commit()
    return decision


def member_count(uow: UnitOfWork) -> int:
    with uow:
        return uow.members.member_count()


# --- parameters -----------------------------------------------------------------------------

@retry_transient
def set_parameter(uow: UnitOfWork, name: str, value: str, *, effective_date: dt.date,
                  reference: str) -> int:
    """The council sets parameter ``name`` (:mod:`sucre.domain.parameters`) from a date on; the
    decision's id."""
    value = parameters.decided_text(name, value)
    with uow:
        decision = uow.decisions.record_decision("parameter", effective_date, reference,
                                                 {"name": name, "value": value})
        uow.decisions.add_parameter(name, value, effective_date, decision)
        uow.commit()
    return decision


# --- the basket, fixings and rates ----------------------------------------------------------

@retry_transient
def set_basket(uow: UnitOfWork, launch_date: dt.date, launch_usd_per_xsu: Fraction,
               weights: Mapping[CurrencyCode, Fraction], reference: str) -> Basket:
    """Calibrate and record a basket from the launch date's fixings (which must exist).

    A basket is recorded once per launch date: the same decision again changes nothing (a script
    can be rerun); another one for that date is refused (a new basket is a new launch date).
    """
    return decide_basket(uow, launch_date, launch_usd_per_xsu, weights, reference)[0]


def decide_basket(uow: UnitOfWork, launch_date: dt.date, launch_usd_per_xsu: Fraction,
                  weights: Mapping[CurrencyCode, Fraction], reference: str
                  ) -> tuple[Basket, int | None]:
    """:func:`set_basket`, with the id of the decision it recorded (None: the same basket was
    already recorded for that launch date, and nothing was)."""
    with uow:
        recorded = uow.rates.basket_in_force(launch_date)
        if recorded is not None and recorded[1].launch_date == launch_date:
            return _same_basket(recorded[1], launch_usd_per_xsu, weights), None
        fixings = uow.rates.fixings_on(launch_date)
        basket = Basket.calibrate(launch_date, launch_usd_per_xsu, weights, fixings, reference)
        decision = uow.decisions.record_decision("basket", launch_date, reference, {
            "launch_usd_per_xsu": str(launch_usd_per_xsu),
            "weights": {c: str(w) for c, w in weights.items()}})
        uow.rates.add_basket(basket, decision)
        _publish_pending_rates(uow.rates, launch_date)
        uow.commit()
    return basket, decision


def _same_basket(recorded: Basket, launch_usd_per_xsu: Fraction,
                 weights: Mapping[CurrencyCode, Fraction]) -> Basket:
    if (recorded.launch_usd_per_xsu, dict(recorded.weights)) != (launch_usd_per_xsu,
                                                                  dict(weights)):
        raise IdempotencyConflict(
            f"a different basket launched on {recorded.launch_date} is already recorded "
            f"({recorded.reference!r}); a new basket takes a new launch date", field="launch")
    return recorded


def _publish_pending_rates(rates: Rates, launch_date: dt.date) -> None:
    """Derive the rates of every fixed day from ``launch_date`` on that has none yet.

    Fixings loaded before the basket was decided become rates as soon as it is: a day still
    missing one of the basket's currencies is left unpublished until its fixings are completed
    (:func:`record_fixings` then publishes it).
    """
    for day in rates.unpublished_fixed_days(launch_date):
        found = rates.basket_in_force(day)
        invariant(found is not None, "a basket is in force from its launch")
        assert found is not None
        if set(found[1].quantities) <= set(rates.fixings_on(day)):
            _publish_rates(rates, day)


@retry_transient
def record_fixings(uow: UnitOfWork, day: dt.date, per_usd: Mapping[CurrencyCode, Fraction],
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
    with uow:
        new = _new_fixings(uow.rates, day, per_usd, market)
        if new and uow.rates.on(day) is not None:
            raise InvalidState(f"rates for {day} are already published and cannot change",
                               field="value_date")
        if new:
            uow.rates.add_fixings(day, new, market)
            _publish_rates(uow.rates, day)
        threshold = uow.decisions.parameter_value(parameters.FIXING_DEVIATION_MAX, day)
        uow.commit()
    return fixing_deviations(per_usd, market, threshold)


def _new_fixings(rates: Rates, day: dt.date, per_usd: Mapping[CurrencyCode, Fraction],
                 market: Mapping[CurrencyCode, Fraction]) -> dict[CurrencyCode, Fraction]:
    """The fixings of ``per_usd`` not yet recorded; refuses one that differs from the record."""
    stored = rates.recorded_fixings(day)
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


def _publish_rates(rates: Rates, day: dt.date) -> None:
    found = rates.basket_in_force(day)
    if found is None:
        return
    basket_id, basket = found
    rates.publish(daily_rates(basket, day, rates.fixings_on(day)), basket_id)


# --- allocations and credit lines -----------------------------------------------------------

@retry_transient
def set_allocation(uow: UnitOfWork, authority: str, effective_date: dt.date,
                   allocation_minor: int, credit_line_minor: int, reference: str) -> int:
    """The council allocates XSU (and an FRCC credit line) to a central bank from a date on;
    the decision's id.

    The council allocates per clearing period (DOMAIN.md section 3) and the chamber keeps one
    limit per period, so the rule is: **a period's limit is the latest allocation dated on or
    before its last day**. A period takes it when it opens, and an allocation recorded while a
    period it governs is open changes that period's limit at once. It is refused, with the
    reason, when the central bank's net debit already used in such a period exceeds the new
    limit, or when its date falls in a period already closing or settled (limits of history).
    """
    allocation = Allocation(allocation_minor, credit_line_minor)
    with uow:
        authority_id = uow.members.authority_ids().get(authority_code(authority))
        if authority_id is None:
            raise UnknownParty(f"no monetary authority {authority}", field="authority")
        dated_in = uow.periods.on(effective_date)
        if dated_in is not None and dated_in.state is not PeriodState.OPEN:
            raise InvalidState(
                f"{effective_date} falls in period {dated_in.code}, which is already "
                f"{dated_in.state.value}: date the allocation in an open or future period",
                field="effective_date")
        decision = uow.decisions.record_decision("allocation", effective_date, reference, {
            "authority": authority, "allocation_minor": allocation_minor,
            "credit_line_minor": credit_line_minor})
        uow.decisions.add_allocation(authority_id, effective_date, allocation, decision)
        _apply_to_open_periods(uow, authority, authority_id, effective_date)
        uow.commit()
    return decision


def _apply_to_open_periods(uow: UnitOfWork, authority: str, authority_id: int,
                           effective_date: dt.date) -> None:
    """Set the limit of every open period the allocation dated ``effective_date`` governs."""
    for governed in uow.periods.open_until(effective_date):
        # Shared lock, as submitters take it: a close cannot start while the limit changes.
        period = uow.periods.by_id(governed.id, lock=True, shared=True)
        in_force = uow.decisions.allocation_in_force(authority_id, period.end)
        if (not uow.periods.set_limit(period.id, authority_id, in_force)
                and authority_id in uow.periods.position_holders(period.id)):
            raise InvalidState(
                f"{authority}'s net debit already used in period {period.code} exceeds the new "
                "allocation plus credit line; the council cannot lower a limit below it",
                field="allocation")


# --- clearing periods -----------------------------------------------------------------------

@retry_transient
def open_period(uow: UnitOfWork, day: dt.date) -> ClearingPeriod:
    """Open the period of the council's calendar that contains ``day`` (idempotent)."""
    with uow:
        period = ensure_period(uow, day)
        uow.commit()
    return period


def ensure_period(uow: UnitOfWork, day: dt.date) -> ClearingPeriod:
    """The period of the council's calendar containing ``day``, opened if it is not yet (inside
    the caller's unit of work, which commits it)."""
    return _ensure_period(uow.periods, uow.members, uow.decisions, day)


def _ensure_period(periods: Periods, members: Members, decisions: Decisions,
                   day: dt.date) -> ClearingPeriod:
    existing = periods.on(day)
    if existing is not None:
        return existing
    kind = decisions.parameter_value(parameters.CALENDAR, day)
    start, end = period_bounds(kind, day)
    period = periods.open(period_code(kind, start), start, end)
    _add_position_rows(periods, members, decisions)
    return period


def _add_position_rows(periods: Periods, members: Members, decisions: Decisions) -> None:
    """Give every authority a position row in every unsettled period, with its limit (the
    latest allocation dated on or before the period's last day: see :func:`set_allocation`)."""
    authority_ids = members.authority_ids().values()
    for period in periods.unsettled():
        have = periods.position_holders(period.id)
        for authority_id in authority_ids:
            if authority_id not in have:
                periods.add_position(period.id, authority_id,
                                     decisions.allocation_in_force(authority_id, period.end))

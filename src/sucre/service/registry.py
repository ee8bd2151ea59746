"""Use cases of the council and the chamber's set-up: participants, decisions, rates, periods.

Every council decision is appended to the decision log with its effective date and reference
(:mod:`sucre.domain.decisions`); the records it produces (basket, allocation, parameter, member
status) point back to it. Nothing is edited in place except a member's current status, whose
every change is itself a decision.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from fractions import Fraction

from sucre import bounds
from sucre.adapters.db.engine import retry_transient
from sucre.domain import parameters
from sucre.domain.decisions import Allocation
from sucre.domain.errors import (
    IdempotencyConflict,
    InvalidInput,
    InvalidState,
    UnknownParty,
    invariant,
)
from sucre.domain.members import (
    AuthorityCode,
    MemberCode,
    MemberState,
    MemberStatus,
    MonetaryAuthority,
    StatusChange,
    authority_code,
    authority_currency,
    in_bloc_between,
    member_code,
    status_on,
)
from sucre.domain.money import CurrencyCode
from sucre.domain.periods import ClearingPeriod, PeriodState, period_bounds, period_code
from sucre.domain.rates import Basket, daily_rates, fixing_deviations
from sucre.domain.text import stored_text
from sucre.service.unit_of_work import Rates, UnitOfWork

# --- participants ---------------------------------------------------------------------------

@retry_transient
def register_authority(uow: UnitOfWork, code: str, name: str, currency_code: str) -> None:
    authority = MonetaryAuthority(authority_code(code), _party_name(name),
                                  authority_currency(currency_code))
    with uow:
        uow.members.add_authority(authority)
        _add_position_rows(uow)
        uow.commit()


@retry_transient
def register_member(uow: UnitOfWork, code: str, name: str, authority: str, *,
                    effective_date: dt.date, reference: str) -> int:
    """Admit a member state served by an existing authority, from ``effective_date`` on; the
    admission decision's id."""
    member = member_code(code)
    member_name = _party_name(name)
    with uow:
        decision = _admit(uow, member, member_name, authority_code(authority), effective_date,
                          reference, {})
        uow.commit()
    return decision


@retry_transient
def admit_member(uow: UnitOfWork, code: str, name: str, *, authority: str,
                 effective_date: dt.date, reference: str, authority_name: str | None = None,
                 currency: str | None = None, allocation_minor: int | None = None,
                 credit_line_minor: int = 0) -> int:
    """The council admits a member state from ``effective_date`` on: served by ``authority``, an
    existing one (a shared one such as the ECCB) or a new one (then its ``authority_name`` and
    ``currency`` are required), with an allocation (and credit line) for that authority if
    given. A member that withdrew comes back this way (a new admission); one that is a member
    on that day is refused."""
    member = member_code(code)
    member_name = _party_name(name)
    code_of_authority = authority_code(authority)
    with uow:
        known = uow.members.authorities().get(code_of_authority)
        if known is None:
            if authority_name is None or currency is None:
                raise UnknownParty(f"no monetary authority {code_of_authority}: a new one needs "
                                   "its name and currency", field="authority")
            uow.members.add_authority(MonetaryAuthority(
                code_of_authority, _party_name(authority_name), authority_currency(currency)))
        elif currency is not None and authority_currency(currency) != known.currency:
            raise InvalidInput(f"{code_of_authority} clears in {known.currency}, not {currency}",
                               field="currency", reason_code="AM03")
        payload: dict[str, object] = {"name": member_name}
        if allocation_minor is not None:
            payload |= {"allocation_minor": allocation_minor,
                        "credit_line_minor": credit_line_minor}
        decision = _admit(uow, member, member_name, code_of_authority, effective_date,
                          reference, payload)
        _add_position_rows(uow)
        if allocation_minor is not None:
            set_allocation(uow, code_of_authority, effective_date, allocation_minor,
                           credit_line_minor, reference)
        uow.commit()
    return decision


def _admit(uow: UnitOfWork, member: MemberCode, name: str, authority: AuthorityCode,
           effective_date: dt.date, reference: str, payload: dict[str, object]) -> int:
    authority_id = uow.members.authority_ids().get(authority)
    if authority_id is None:
        raise UnknownParty(f"no monetary authority {authority}", field="authority")
    recorded = uow.members.members().get(member)
    if recorded is not None:
        if recorded.authority != authority:
            raise InvalidState(f"{member} is served by {recorded.authority}, not {authority}",
                               field="authority")
        status = status_on(uow.members.history(member), effective_date)
        if status is not MemberStatus.WITHDRAWN:
            raise InvalidState(
                f"{member} is {'not yet admitted' if status is None else status.value} on "
                f"{effective_date}: only a member that withdrew is admitted again",
                field="member")
    decision = uow.decisions.record_decision("admission", effective_date, reference,
                                             {"member": member, "authority": authority,
                                              **payload})
    if recorded is None:
        uow.members.add_member(MemberState(member, name, authority), authority_id)
    uow.members.add_status_change(StatusChange(member, MemberStatus.ACTIVE, effective_date,
                                               decision))
    return decision


def _party_name(name: str) -> str:
    return stored_text(name, "name", chars_max=bounds.party_name_chars_max, required=True)


@retry_transient
def change_member_status(uow: UnitOfWork, code: str, status: MemberStatus, *,
                         effective_date: dt.date, reference: str) -> int:
    """Suspend, reinstate or withdraw a member from ``effective_date`` on (a change dated in the
    future changes nothing before it; a withdrawn member comes back by :func:`admit_member`);
    the decision's id."""
    member = member_code(code)
    with uow:
        history = uow.members.history(member)
        if not history:
            raise UnknownParty(f"{member} is not a member", field="member")
        current = status_on(history, effective_date)
        if current is None:
            raise InvalidState(f"{member} is not yet a member on {effective_date}",
                               field="effective_date")
        if current is MemberStatus.WITHDRAWN:
            raise InvalidState(f"{member} has withdrawn; readmission is a new admission",
                               field="status")
        decision = uow.decisions.record_decision(
            f"member_{status.value}", effective_date, reference,
            {"member": member, "from": current.value, "to": status.value})
        uow.members.add_status_change(StatusChange(member, status, effective_date, decision))
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
                   allocation_minor: int, credit_line_minor: int, reference: str, *,
                   approved_by: Sequence[str] = ()) -> int:
    """The council allocates XSU (and an FRCC credit line) to a central bank from a date on;
    the decision's id. ``approved_by``: the keys' holders of a limit raise approved under four
    eyes (its proposer, then its approver), recorded in the decision.

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
        payload: dict[str, object] = {
            "authority": authority, "allocation_minor": allocation_minor,
            "credit_line_minor": credit_line_minor}
        if approved_by:
            payload["approved_by"] = list(approved_by)
        decision = uow.decisions.record_decision("allocation", effective_date, reference,
                                                 payload)
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
        if (not uow.positions.set_limit(period.id, authority_id, in_force)
                and authority_id in uow.positions.holders(period.id)):
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
    existing = uow.periods.on(day)
    if existing is not None:
        return existing
    kind = uow.decisions.parameter_value(parameters.CALENDAR, day)
    start, end = period_bounds(kind, day)
    period = uow.periods.open(period_code(kind, start), start, end)
    _add_position_rows(uow)
    return period


def _add_position_rows(uow: UnitOfWork) -> None:
    """Give every authority a position row in every unsettled period, with its limit (the
    latest allocation dated on or before the period's last day: see :func:`set_allocation`).

    An authority whose member states were all out of the bloc for the whole period (withdrawn
    before it, admitted after it) takes no part in it: no row.
    """
    periods, members = uow.periods, uow.members
    authority_ids = members.authority_ids()
    served: dict[AuthorityCode, list[list[StatusChange]]] = defaultdict(list)
    history: dict[MemberCode, list[StatusChange]] = defaultdict(list)
    for change in members.history():
        history[change.member].append(change)
    for code, member in members.members().items():
        served[member.authority].append(history[code])
    for period in periods.unsettled():
        have = uow.positions.holders(period.id)
        for authority, authority_id in authority_ids.items():
            if authority_id in have or (served[authority] and not any(
                    in_bloc_between(changes, period.start, period.end)
                    for changes in served[authority])):
                continue
            uow.positions.add(period.id, authority_id,
                              uow.decisions.allocation_in_force(authority_id, period.end))

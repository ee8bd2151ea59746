"""Member states and the monetary authorities that clear for them.

Participants in clearing are monetary authorities, not states: one authority can serve several
members (the ECCB serves six), while reports still break figures down per member state.

A member's status is a history: one :class:`StatusChange` per council decision (admission,
suspension, reinstatement, withdrawal), each effective from its date. The status of a member on
a day is the last change effective on or before that day (:func:`status_on`); a change dated in
the future changes nothing today. What a status allows, on an order's value date:

* active: pays and is paid;
* suspended: is paid but cannot pay (reason AG01), until reinstated by decision;
* withdrawn: neither pays nor is paid (AC04); coming back is a new admission.
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NewType

import pycountry

from sucre.domain.errors import InvalidInput, PartyNotActive, UnknownParty
from sucre.domain.money import CurrencyCode, currency

MemberCode = NewType("MemberCode", str)  # ISO 3166-1 alpha-3, e.g. "VEN"
AuthorityCode = NewType("AuthorityCode", str)  # short code of a central bank, e.g. "BCV"


class MemberStatus(enum.StrEnum):
    ACTIVE = "active"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True, slots=True)
class MonetaryAuthority:
    """A central bank holding an XSU account at the Central Clearing Chamber."""

    code: AuthorityCode
    name: str
    currency: CurrencyCode


@dataclass(frozen=True, slots=True)
class MemberState:
    """A member of the bloc, cleared through one monetary authority."""

    code: MemberCode
    name: str
    authority: AuthorityCode
    status: MemberStatus = MemberStatus.ACTIVE


def member_code(text: str, *, field: str = "member") -> MemberCode:
    """Validate an ISO 3166-1 alpha-3 code (any country: membership is checked separately)."""
    code = text.strip().upper()
    if len(code) != 3 or not _is_country(code):
        raise InvalidInput(f"{text!r} is not an ISO 3166-1 alpha-3 country code", field=field,
                           reason_code="BE09")
    return MemberCode(code)


@functools.lru_cache(maxsize=512)
def _is_country(alpha_3: str) -> bool:
    """pycountry's lookup, cached: a bulk import checks three codes per order."""
    return pycountry.countries.get(alpha_3=alpha_3) is not None


def authority_code(text: str, *, field: str = "authority") -> AuthorityCode:
    code = text.strip().upper()
    if not (2 <= len(code) <= 12 and code.isalnum()):
        raise InvalidInput(f"{text!r} is not an authority code (2-12 letters or digits)",
                           field=field)
    return AuthorityCode(code)


def authority_currency(text: str, *, field: str = "currency") -> CurrencyCode:
    """An authority's own currency: an ISO 4217 code that sucre can clear."""
    code = currency(text, field=field)
    if pycountry.currencies.get(alpha_3=code) is None:
        raise InvalidInput(f"{text!r} is not an ISO 4217 currency", field=field,
                           reason_code="AM03")
    return code


@dataclass(frozen=True, slots=True)
class StatusChange:
    """A member's status from ``effective_date`` on, as decided by council decision
    ``decision_id`` (None: converted from a version that kept no decision for it)."""

    member: MemberCode
    status: MemberStatus
    effective_date: dt.date
    decision_id: int | None = None


def _in_order(changes: Iterable[StatusChange]) -> list[StatusChange]:
    """Changes in force order: by effective date, then as recorded (a later decision of the same
    day supersedes an earlier one)."""
    return sorted(changes, key=lambda c: (c.effective_date, c.decision_id or 0))


def status_on(changes: Iterable[StatusChange], day: dt.date) -> MemberStatus | None:
    """One member's status on ``day``: the last change effective on or before it (None: not yet
    admitted)."""
    status = None
    for change in _in_order(changes):
        if change.effective_date > day:
            break
        status = change.status
    return status


def member_since(changes: Iterable[StatusChange], day: dt.date) -> dt.date | None:
    """The first day of the member's uninterrupted membership in force on ``day`` (suspensions
    do not interrupt it; a withdrawal does), or None if it is not a member that day."""
    since: dt.date | None = None
    for change in _in_order(changes):
        if change.effective_date > day:
            break
        if change.status is MemberStatus.WITHDRAWN:
            since = None
        elif since is None:
            since = change.effective_date
    return since


def in_bloc_between(changes: Sequence[StatusChange], start: dt.date, end: dt.date) -> bool:
    """Whether the member belongs to the bloc (admitted, not withdrawn) on some day of
    [start, end]."""
    def member(status: MemberStatus | None) -> bool:
        return status is not None and status is not MemberStatus.WITHDRAWN
    return member(status_on(changes, start)) or any(
        member(c.status) for c in changes if start < c.effective_date <= end)


class MembershipEventKind(enum.StrEnum):
    ADMITTED = "admitted"
    SUSPENDED = "suspended"
    REINSTATED = "reinstated"
    WITHDRAWN = "withdrawn"


#: The status each event other than an admission leaves a member in.
STATUS_AFTER: Mapping[MembershipEventKind, MemberStatus] = {
    MembershipEventKind.SUSPENDED: MemberStatus.SUSPENDED,
    MembershipEventKind.REINSTATED: MemberStatus.ACTIVE,
    MembershipEventKind.WITHDRAWN: MemberStatus.WITHDRAWN,
}


@dataclass(frozen=True, slots=True)
class MembershipEvent:
    """One event of the bloc's membership register: an admission (with the member's name and
    authority), a suspension, a reinstatement or a withdrawal, with the act it records and the
    sources it was checked against."""

    member: MemberCode
    kind: MembershipEventKind
    date: dt.date
    reference: str
    source: str
    name: str | None = None
    authority: AuthorityCode | None = None


@dataclass(frozen=True, slots=True)
class MembershipRegister:
    authorities: tuple[MonetaryAuthority, ...]
    events: tuple[MembershipEvent, ...]


def require_may_pay(member: MemberState, *, field: str) -> None:
    """Only an active member pays: a suspended one cannot (AG01), a withdrawn one neither."""
    if member.status is MemberStatus.SUSPENDED:
        raise PartyNotActive(f"member {member.code} is suspended: it may be paid but cannot pay",
                             field=field, reason_code="AG01")
    require_may_receive(member, field=field)


def require_may_receive(member: MemberState, *, field: str) -> None:
    """An active or suspended member is paid; a withdrawn one is not (AC04)."""
    if member.status is MemberStatus.WITHDRAWN:
        raise PartyNotActive(f"member {member.code} has withdrawn", field=field, reason_code="AC04")


def lookup_member(members: Mapping[MemberCode, MemberState], code: MemberCode, *,
                  field: str) -> MemberState:
    member = members.get(code)
    if member is None:
        raise UnknownParty(f"{code} is not a member of the bloc", field=field)
    return member

"""Member states and the monetary authorities that clear for them.

Participants in clearing are monetary authorities, not states: one authority can serve several
members (the ECCB serves six), while reports still break figures down per member state.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
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


def require_active(member: MemberState, *, field: str) -> None:
    """A suspended or withdrawn member's authority cannot submit or receive new orders."""
    if member.status is MemberStatus.SUSPENDED:
        raise PartyNotActive(f"member {member.code} is suspended", field=field, reason_code="AG01")
    if member.status is MemberStatus.WITHDRAWN:
        raise PartyNotActive(f"member {member.code} has withdrawn", field=field, reason_code="AC04")


def lookup_member(members: Mapping[MemberCode, MemberState], code: MemberCode, *,
                  field: str) -> MemberState:
    member = members.get(code)
    if member is None:
        raise UnknownParty(f"{code} is not a member of the bloc", field=field)
    return member

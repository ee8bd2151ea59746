"""The bloc's membership register as shipped with sucre (``data/alba-tcp-membership.json``):
its monetary authorities and each admission, suspension, reinstatement and withdrawal, read
into domain records."""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from typing import Any

from sucre.domain.members import (
    MembershipEvent,
    MembershipEventKind,
    MembershipRegister,
    MonetaryAuthority,
    authority_code,
    authority_currency,
    member_code,
)

REGISTER = "alba-tcp-membership.json"


def read_register() -> MembershipRegister:
    """The shipped register, its events in date order (as recorded within a day)."""
    text = resources.files("sucre.adapters").joinpath("data", REGISTER).read_text("utf-8")
    return parse_register(json.loads(text))


def parse_register(document: dict[str, Any]) -> MembershipRegister:
    authorities = tuple(MonetaryAuthority(authority_code(a["code"]), a["name"],
                                          authority_currency(a["currency"]))
                        for a in document["authorities"])
    events = tuple(MembershipEvent(
        member=member_code(e["member"]), kind=MembershipEventKind(e["event"]),
        date=dt.date.fromisoformat(e["date"]), reference=e["reference"], source=e["source"],
        name=e.get("name"),
        authority=None if e.get("authority") is None else authority_code(e["authority"]))
        for e in document["events"])
    return MembershipRegister(authorities, tuple(sorted(events, key=lambda e: e.date)))

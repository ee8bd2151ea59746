"""The bloc's members and monetary authorities (DOMAIN.md section 1).

:func:`load_register` loads the bloc's real membership history (the register shipped as data,
``adapters/data/alba-tcp-membership.json``) as council decisions: ``sucre init`` does. A world
that needs today's ten members from a date of its own (the tests, the demo) takes
:func:`register_bloc`. Later admissions, suspensions and withdrawals are council decisions
recorded through :mod:`sucre.service.registry`.
"""

from __future__ import annotations

import datetime as dt

from sucre.adapters import membership_register
from sucre.adapters.db.engine import retry_transient
from sucre.domain.members import STATUS_AFTER, MembershipEventKind, MembershipRegister
from sucre.service import registry
from sucre.service.unit_of_work import UnitOfWork

AUTHORITIES: tuple[tuple[str, str, str], ...] = (
    ("BCV", "Banco Central de Venezuela", "VES"),
    ("BCC", "Banco Central de Cuba", "CUP"),
    ("BCB", "Banco Central de Bolivia", "BOB"),
    ("BCN", "Banco Central de Nicaragua", "NIO"),
    ("ECCB", "Eastern Caribbean Central Bank", "XCD"),
)

MEMBERS: tuple[tuple[str, str, str], ...] = (
    ("VEN", "Venezuela", "BCV"),
    ("CUB", "Cuba", "BCC"),
    ("BOL", "Bolivia", "BCB"),
    ("NIC", "Nicaragua", "BCN"),
    ("ATG", "Antigua and Barbuda", "ECCB"),
    ("DMA", "Dominica", "ECCB"),
    ("GRD", "Grenada", "ECCB"),
    ("KNA", "Saint Kitts and Nevis", "ECCB"),
    ("LCA", "Saint Lucia", "ECCB"),
    ("VCT", "Saint Vincent and the Grenadines", "ECCB"),
)


def register_bloc(uow: UnitOfWork, effective_date: dt.date, reference: str) -> None:
    """Register the five authorities and ten members of the bloc (each one transaction)."""
    for code, name, currency in AUTHORITIES:
        registry.register_authority(uow, code, name, currency)
    for code, name, authority in MEMBERS:
        registry.register_member(uow, code, name, authority, effective_date=effective_date,
                                 reference=reference)


@retry_transient
def load_register(uow: UnitOfWork, register: MembershipRegister | None = None) -> None:
    """Record the membership register (default: the bloc's, shipped with sucre) as council
    decisions, in date order, in one transaction: its authorities, then each admission,
    suspension, reinstatement and withdrawal effective from its date."""
    register = register or membership_register.read_register()
    with uow:
        for authority in register.authorities:
            registry.register_authority(uow, authority.code, authority.name, authority.currency)
        for event in register.events:
            if event.kind is MembershipEventKind.ADMITTED:
                if event.name is None or event.authority is None:
                    raise ValueError(f"the admission of {event.member} names no member or "
                                     "authority")
                registry.admit_member(uow, event.member, event.name, authority=event.authority,
                                      effective_date=event.date, reference=event.reference)
            else:
                registry.change_member_status(uow, event.member, STATUS_AFTER[event.kind],
                                              effective_date=event.date,
                                              reference=event.reference)
        uow.commit()

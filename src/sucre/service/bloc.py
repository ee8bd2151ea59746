"""The bloc's members and monetary authorities as of today (DOMAIN.md section 1).

Reference data, not parameters: admissions, suspensions and withdrawals after this are council
decisions recorded through :mod:`sucre.service.registry`.
"""

from __future__ import annotations

import datetime as dt

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

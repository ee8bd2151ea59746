"""The register of firms (exporters and importers) and the origin check on goods.

A firm has a code (its registration in the bloc: letters, digits and ``-``, e.g. ``DMA-AGRO-01``),
a name, the member state it is registered in and the date it was registered on. PetroCaribe
repayments in goods check origin against it; the controls on trade-based fraud (DOMAIN.md
section 9: new firms, dissolved firms) are meant to read the same register.

**Origin check** (:func:`check_origin`; DOMAIN.md section 7: goods bought in third countries
and delivered as one's own): goods repaid by member state ``debtor`` pass when

1. the exporter is a registered firm, registered in ``debtor`` on or before the delivery date;
2. the certificate of origin names that exporter (its code) and ``debtor`` as the country of
   origin.

A failure is refused with its reason and nothing is credited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sucre import bounds
from sucre.domain.errors import InvalidInput, InvalidState
from sucre.domain.members import MemberCode, member_code
from sucre.domain.text import stored_text

FIRM_CODE_CHARS_MAX = 32


def firm_code(text: str, *, field: str = "firm") -> str:
    code = text.strip().upper()
    if not (0 < len(code) <= FIRM_CODE_CHARS_MAX and code.isascii()
            and all(c.isalnum() or c == "-" for c in code)):
        raise InvalidInput(f"{text[:40]!r} is not a firm code (1 to {FIRM_CODE_CHARS_MAX} "
                           "letters, digits or '-')", field=field)
    return code


def firm_name(text: str) -> str:
    return stored_text(text, "name", chars_max=bounds.party_name_chars_max, required=True)


@dataclass(frozen=True, slots=True)
class Firm:
    code: str
    name: str
    member: MemberCode
    registered_on: dt.date


@dataclass(frozen=True, slots=True)
class Certificate:
    """A certificate of origin: its number, the exporter and the country it names."""

    number: str
    exporter: str
    country: MemberCode


def certificate(number: str, exporter: str, country: str) -> Certificate:
    return Certificate(
        stored_text(number, "certificate", chars_max=bounds.text_chars_max, required=True),
        firm_code(exporter, field="certificate_exporter"),
        member_code(country, field="certificate_country"))


def check_origin(exporter: Firm | None, exporter_code: str, cert: Certificate,
                 debtor: MemberCode, on: dt.date) -> None:
    """Refuse goods that fail the origin check (see the module), with the reason."""
    if exporter is None:
        raise InvalidState(f"origin check: exporter {exporter_code} is not a registered firm",
                           field="exporter")
    if exporter.member != debtor:
        raise InvalidState(f"origin check: exporter {exporter.code} is registered in "
                           f"{exporter.member}, not in {debtor}, the member that owes the loan",
                           field="exporter")
    if exporter.registered_on > on:
        raise InvalidState(f"origin check: exporter {exporter.code} was registered on "
                           f"{exporter.registered_on}, after the delivery ({on})",
                           field="exporter")
    if cert.exporter != exporter.code:
        raise InvalidState(f"origin check: certificate {cert.number} names exporter "
                           f"{cert.exporter}, not {exporter.code}", field="certificate_exporter")
    if cert.country != debtor:
        raise InvalidState(f"origin check: certificate {cert.number} gives {cert.country} as "
                           f"the country of origin, not {debtor}", field="certificate_country")

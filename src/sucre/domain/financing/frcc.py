"""The reserve fund (Fondo de Reservas y Convergencia Comercial, FRCC) finances each net
debtor's deficit up to the authority's credit line for the period (DOMAIN.md §3, §5).

The fund's claim on a debtor is kept in its loan account ``frcc:loan:<AUTH>`` (its balance is
minus what the authority owes the fund).
"""

from __future__ import annotations

from sucre.domain.financing.policy import Deficits, Loan
from sucre.domain.ledger import Account
from sucre.domain.members import AuthorityCode


def frcc_loan_account(authority: AuthorityCode) -> Account:
    return f"frcc:loan:{authority}"


class ReserveFund:
    name = "frcc"

    def finance(self, deficits: Deficits) -> dict[AuthorityCode, Loan]:
        loans: dict[AuthorityCode, Loan] = {}
        for authority, deficit in deficits.deficits().items():
            financed = min(deficit, deficits.credit_lines_minor.get(authority, 0))
            if financed > 0:
                loans[authority] = Loan(financed, frcc_loan_account(authority),
                                        f"FRCC finances part of {authority}'s deficit")
        return loans

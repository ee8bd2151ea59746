"""No financing: every net debtor pays its whole deficit in hard currency."""

from __future__ import annotations

from sucre.domain.financing.policy import Deficits, Loan
from sucre.domain.members import AuthorityCode


class Unfinanced:
    name = "none"

    def finance(self, deficits: Deficits) -> dict[AuthorityCode, Loan]:
        return {}

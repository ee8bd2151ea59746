"""Financing of net debtors' deficits at the close, a treaty-rule seam (:mod:`sucre.domain.rules`).

At the close, each net debtor pays its deficit in hard currency, unless a financing policy lends
it part of it (DOMAIN.md §3, §5, §7). Which policy is in force is a council decision with an
effective date: the parameter ``deficit_financing`` (:mod:`sucre.domain.parameters`), read on the
period's last day. The close computes :class:`Deficits`, asks the policy for its :class:`Loan`\\ s
(:class:`FinancingPolicy`) and turns each loan into a ``finance`` settlement instruction booked as
the loan says (:mod:`sucre.domain.settlement`); a ``finance`` leg is a book entry, never paid by a
message (:mod:`sucre.domain.confirmations`).

Policies: ``none`` (:mod:`.unfinanced`, the default) and ``frcc``, the reserve fund up to each
credit line (:mod:`.frcc`). Adding one is one new module and one line in :data:`POLICIES`, e.g.
``financing/half.py``::

    class HalfOfEveryDeficit:
        \"\"\"A fund that finances half of every deficit (rounded down to the XSU minor unit).\"\"\"

        name = "half"

        def finance(self, deficits: Deficits) -> dict[AuthorityCode, Loan]:
            return {a: Loan(d // 2, f"half:loan:{a}", f"half of {a}'s deficit financed")
                    for a, d in deficits.deficits().items() if d // 2}

then ``POLICIES = Registry(..., (Unfinanced(), ReserveFund(), HalfOfEveryDeficit()))`` below,
and the council selects it: ``sucre parameter deficit_financing half --effective ...``.
"""

from __future__ import annotations

from typing import Final

from sucre.domain.financing.frcc import ReserveFund
from sucre.domain.financing.policy import Deficits, FinancingPolicy, Loan
from sucre.domain.financing.unfinanced import Unfinanced
from sucre.domain.rules import Registry

#: Every financing policy, by the name the council's ``deficit_financing`` parameter gives it.
POLICIES: Final = Registry[FinancingPolicy]("deficit financing", (Unfinanced(), ReserveFund()))

__all__ = ["POLICIES", "Deficits", "FinancingPolicy", "Loan", "ReserveFund", "Unfinanced"]

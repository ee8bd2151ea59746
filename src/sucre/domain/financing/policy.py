"""What every deficit-financing policy computes, and the check every result must pass."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from sucre.domain.ledger import Account
from sucre.domain.members import AuthorityCode


@dataclass(frozen=True, slots=True)
class Deficits:
    """What a policy may look at when a period closes (every amount in XSU minor units).

    ``credit_lines_minor`` and ``allocations_minor`` are the limits each authority's position
    opened the period with (DOMAIN.md §3). ``parameters`` are the council's parameters in force
    on the period's last day, by name, as typed values (:mod:`sucre.domain.parameters`).
    """

    positions: Mapping[AuthorityCode, int]  # net XSU position: a deficit is negative
    credit_lines_minor: Mapping[AuthorityCode, int] = field(default_factory=dict)
    allocations_minor: Mapping[AuthorityCode, int] = field(default_factory=dict)
    parameters: Mapping[str, object] = field(default_factory=dict)

    def deficits(self) -> dict[AuthorityCode, int]:
        """Each net debtor's deficit, positive, in authority order."""
        return {a: -n for a, n in sorted(self.positions.items()) if n < 0}


@dataclass(frozen=True, slots=True)
class Loan:
    """The part of one debtor's deficit a policy finances, and how the close books it.

    The close books it as one entry in the settlement currency: ``account`` (the lender's claim
    on the debtor) is debited, the council's settlement account credited, with ``memo``.
    """

    xsu_minor: int
    account: Account
    memo: str


class FinancingPolicy(Protocol):
    """A rule for financing net debtors' deficits at the close (DOMAIN.md §3, §5, §7).

    Pure: the same deficits give the same loans. A debtor without a loan pays its whole deficit
    in hard currency; one with a loan pays the rest.
    """

    @property
    def name(self) -> str:
        """The value of the council parameter ``deficit_financing`` that selects the policy."""
        ...

    def finance(self, deficits: Deficits) -> Mapping[AuthorityCode, Loan]:
        """Loans per net debtor, each at most its deficit (the settlement checks it)."""
        ...


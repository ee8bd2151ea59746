"""What a set-off run returns: per-pair flows, per-party summaries, the optimality certificate and
the cleared amounts per invoice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sucre.domain.setoff.arrays import Int64Array
from sucre.domain.setoff.invoices import InvoiceSet


@dataclass(frozen=True, slots=True)
class PairFlows:
    """Invoices aggregated per ordered (debtor, creditor) pair and the set-off on each pair."""

    debtor: Int64Array
    creditor: Int64Array
    amount_xsu_minor: Int64Array
    setoff_xsu_minor: Int64Array


@dataclass(frozen=True, slots=True)
class PartySummary:
    """Per party, in XSU minor units: what it owes and is owed, before and after the set-off."""

    labels: Sequence[str]
    owes_before_minor: Int64Array
    owes_after_minor: Int64Array
    owed_before_minor: Int64Array
    owed_after_minor: Int64Array

    @property
    def net_minor(self) -> Int64Array:
        """Net position (owed minus owes): the same before and after, by construction."""
        return self.owed_before_minor - self.owes_before_minor


@dataclass(frozen=True, slots=True)
class Certificate:
    """The optimality proof of a run: dual potentials whose LP bound equals the cleared total."""

    method: str
    dual_bound_minor: int
    rounds: int
    residual_arcs: int

    @property
    def description(self) -> str:
        return (f"{self.method}: integer node potentials from label-correcting shortest paths "
                f"on the residual graph ({self.residual_arcs} arcs, {self.rounds} rounds) give "
                f"the LP dual bound {self.dual_bound_minor} XSU minor units, equal to the "
                "cleared total, so no feasible set-off clears more")


def cleared_share(cleared_minor: int, total_minor: int) -> float:
    """The share of ``total_minor`` cleared (0.0 for no debt)."""
    return cleared_minor / total_minor if total_minor else 0.0


@dataclass(frozen=True, slots=True)
class SetoffResult:
    """An optimal, checked set-off. Totals are XSU minor units; per-invoice arrays say theirs."""

    invoices: InvoiceSet
    invoice_amount_xsu_minor: Int64Array
    invoice_cleared_xsu_minor: Int64Array
    invoice_cleared_minor: Int64Array
    pairs: PairFlows
    parties: PartySummary
    total_debt_minor: int
    total_cleared_minor: int
    total_remaining_minor: int
    net_internal_debt_minor: int
    cleared_fraction: float
    certificate: Certificate
    timings_s: Mapping[str, float] = field(default_factory=dict)

    @property
    def invoice_remaining_minor(self) -> Int64Array:
        """What each invoice still owes, in its own currency."""
        return self.invoices.amount_minor - self.invoice_cleared_minor


@dataclass(frozen=True, slots=True)
class ClearedCycle:
    """One cycle of a displayed decomposition: parties in order, each owing the next.

    ``amount_xsu_minor`` is cleared on every pair of the cycle, so the cycle cancels
    ``amount_xsu_minor * len(parties)`` of debt in all.
    """

    parties: tuple[str, ...]
    amount_xsu_minor: int

    @property
    def cleared_xsu_minor(self) -> int:
        return self.amount_xsu_minor * len(self.parties)

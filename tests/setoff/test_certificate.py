"""The optimality proof can fail: it refuses feasible but sub-optimal set-offs."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings

from sucre.adapters.invoice_csv import load_invoices
from sucre.domain.errors import InvariantBroken
from sucre.domain.money import XSU
from sucre.domain.setoff import (
    InvoiceSet,
    certify,
    check_feasible,
    cycles_for_display,
    set_off,
)
from tests.setoff.helpers import (
    EXAMPLES,
    Row,
    greedy_cycle_cancelling,
    invoice_set,
    lp_optimum,
    max_flow_only,
    networks,
)


def certify_set(invoices: InvoiceSet, cleared: np.ndarray) -> int:
    return certify(invoices.debtor, invoices.creditor, invoices.amount_minor,
                   cleared.astype(np.int64), len(invoices.party_labels)).dual_bound_minor


def shared(name: str) -> InvoiceSet:
    return load_invoices(EXAMPLES / name)


def test_greedy_on_the_greedy_counterexample_is_refused() -> None:
    invoices = shared("counterexample_greedy.csv")
    greedy = greedy_cycle_cancelling(invoices.debtor.tolist(), invoices.creditor.tolist(),
                                     invoices.amount_minor.tolist())
    assert int(greedy.sum()) == 2 * 100   # A->B->A first, then nothing is left on a cycle
    check_feasible(invoices.debtor, invoices.creditor, invoices.amount_minor, greedy,
                   len(invoices.party_labels))
    with pytest.raises(InvariantBroken, match="not optimal"):
        certify_set(invoices, greedy)


def test_bilateral_pre_netting_is_refused() -> None:
    invoices = shared("counterexample_bilateral_prenetting.csv")
    netted = np.array([10, 5, 5, 5]) * 100   # A<->B netted by 5, then the cycle A-B-C by 5
    check_feasible(invoices.debtor, invoices.creditor, invoices.amount_minor, netted,
                   len(invoices.party_labels))
    with pytest.raises(InvariantBroken):
        certify_set(invoices, netted)


def test_max_flow_only_and_doing_nothing_are_refused_on_network_01() -> None:
    invoices = shared("network_01.csv")
    parties = len(invoices.party_labels)
    cheap = max_flow_only(invoices.debtor, invoices.creditor, invoices.amount_minor, parties)
    optimum = set_off(invoices, {}).total_cleared_minor
    assert int(cheap.sum()) < optimum
    check_feasible(invoices.debtor, invoices.creditor, invoices.amount_minor, cheap, parties)
    for candidate in (cheap, np.zeros_like(cheap)):
        with pytest.raises(InvariantBroken, match="not optimal"):
            certify_set(invoices, candidate)


def test_an_optimum_minus_one_cycle_is_refused() -> None:
    result = set_off(shared("network_01.csv"), {})
    invoices = result.invoices
    cycle = cycles_for_display(result, 1)[0]
    index = {label: k for k, label in enumerate(invoices.party_labels)}
    parties = [index[label] for label in cycle.parties]
    cleared = result.invoice_cleared_xsu_minor.copy()
    for debtor, creditor in zip(parties, parties[1:] + parties[:1], strict=True):
        k = np.flatnonzero((invoices.debtor == debtor) & (invoices.creditor == creditor)
                           & (cleared > 0))[0]
        cleared[k] -= min(cycle.amount_xsu_minor, int(cleared[k]))
    with pytest.raises(InvariantBroken):
        certify_set(invoices, cleared)


def test_infeasible_set_offs_are_refused() -> None:
    rows = [("A", "B", 10, XSU), ("B", "A", 10, XSU)]
    invoices = invoice_set(rows)
    for cleared in ([10, 9], [11, 11], [-1, -1]):
        with pytest.raises(InvariantBroken):
            certify_set(invoices, np.array(cleared))


@settings(max_examples=150, deadline=None)
@given(networks())
def test_greedy_passes_the_certificate_exactly_when_it_is_optimal(rows: list[Row]) -> None:
    invoices = invoice_set(rows)
    greedy = greedy_cycle_cancelling(invoices.debtor.tolist(), invoices.creditor.tolist(),
                                     invoices.amount_minor.tolist())
    optimum = lp_optimum(invoices.debtor, invoices.creditor, invoices.amount_minor.tolist(),
                         len(invoices.party_labels))
    if int(greedy.sum()) == optimum:
        assert certify_set(invoices, greedy) == optimum
    else:
        with pytest.raises(InvariantBroken):
            certify_set(invoices, greedy)

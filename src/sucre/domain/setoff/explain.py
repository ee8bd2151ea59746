"""Explaining a run: the cleared circulation decomposed into cycles, for display only."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from sucre import bounds
from sucre.domain.errors import (
    LimitExceeded,
    invariant,
)
from sucre.domain.setoff.result import ClearedCycle, PairFlows, SetoffResult


def cycles_for_display(result: SetoffResult, max_cycles: int) -> tuple[ClearedCycle, ...]:
    """Decompose the cleared circulation into cycles, to show what cancelled against what.

    Any circulation is a sum of cycles; this greedy decomposition (lowest pair first, follow the
    first pair still carrying set-off, cut the cycle at the first repeated party, subtract its
    minimum) is deterministic and removes at least one pair per cycle, so a full decomposition
    has at most as many cycles as pairs with set-off and sums back exactly to the cleared total.
    The decomposition is not unique and is for display only: the optimum was found as a flow,
    not by cancelling cycles (which, done greedily on the debts themselves, is sub-optimal).
    Only for small runs (``bounds.setoff_display_pairs_max``); at most ``max_cycles`` cycles.
    """
    pairs = result.pairs
    active = np.flatnonzero(pairs.setoff_xsu_minor > 0).tolist()
    if len(active) > bounds.setoff_display_pairs_max:
        raise LimitExceeded(f"{len(active)} pairs with set-off are too many to display cycles "
                            f"(at most {bounds.setoff_display_pairs_max})", field="explain")
    left = {k: int(pairs.setoff_xsu_minor[k]) for k in active}
    leaving: dict[int, list[int]] = {}
    for k in active:
        leaving.setdefault(int(pairs.debtor[k]), []).append(k)
    labels = result.invoices.party_labels
    cycles: list[ClearedCycle] = []
    while left and len(cycles) < max_cycles:
        arcs = _walk_to_cycle(min(left), left, leaving, pairs)
        amount = min(left[k] for k in arcs)
        for k in arcs:
            left[k] -= amount
            if left[k] == 0:
                del left[k]
        cycles.append(ClearedCycle(tuple(labels[int(pairs.debtor[k])] for k in arcs), amount))
    return tuple(cycles)


def _walk_to_cycle(start: int, left: Mapping[int, int], leaving: Mapping[int, list[int]],
                   pairs: PairFlows) -> list[int]:
    """Follow pairs still carrying set-off from ``start`` until a party repeats."""
    path = [start]
    seen = {int(pairs.debtor[start]): 0}
    node = int(pairs.creditor[start])
    while node not in seen:
        seen[node] = len(path)
        following = [k for k in leaving.get(node, []) if k in left]
        invariant(bool(following), "a circulation leaves every party it enters")
        path.append(following[0])
        node = int(pairs.creditor[following[0]])
    return path[seen[node]:]

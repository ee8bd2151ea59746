"""Shared helpers of the set-off tests: instances, an LP oracle, sub-optimal heuristics."""

from __future__ import annotations

import atexit
import gzip
import shutil
import tempfile
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import numpy as np
from hypothesis import strategies as st
from numpy.typing import NDArray
from ortools.graph.python import max_flow
from scipy.optimize import linprog

from sucre.domain.money import XSU, CurrencyCode, convert
from sucre.domain.setoff import InvoiceSet

_DATA = Path(__file__).resolve().parent / "data"


def _unpacked_examples() -> Path:
    """The example networks of ``tests/setoff/data`` as plain files (the large ones are gzipped
    in the repository), in a directory of this process's own."""
    target = Path(tempfile.mkdtemp(prefix="sucre-setoff-examples-"))
    atexit.register(shutil.rmtree, target, True)
    for source in _DATA.iterdir():
        if source.suffix == ".gz":
            with gzip.open(source, "rb") as packed, (target / source.stem).open("wb") as plain:
                shutil.copyfileobj(packed, plain)
        elif source.suffix == ".csv":
            shutil.copyfile(source, target / source.name)
    return target


#: The public example networks (see tests/setoff/data/README.md), ready to load.
EXAMPLES = _unpacked_examples()

Row = tuple[str, str, int, CurrencyCode]
USD, VES, CUP = CurrencyCode("USD"), CurrencyCode("VES"), CurrencyCode("CUP")


def invoice_set(rows: Sequence[Row], due_days: Sequence[int] | None = None) -> InvoiceSet:
    return InvoiceSet.from_records(
        [f"inv-{k}" for k in range(len(rows))], [r[0] for r in rows], [r[1] for r in rows],
        [r[2] for r in rows], [r[3] for r in rows], due_days)


def xsu_amounts(rows: Sequence[Row], rates: dict[CurrencyCode, Fraction]) -> list[int]:
    """The oracle's valuation: ``money.convert`` invoice by invoice."""
    return [convert(a, cur, XSU, rates.get(cur, Fraction(1))) for _, _, a, cur in rows]


def lp_optimum(debtor: NDArray[np.int64], creditor: NDArray[np.int64],
               amount: Sequence[int], party_count: int) -> int:
    """max sum(x) s.t. in = out per party, 0 <= x <= a: HiGHS, an independent solver."""
    m = len(amount)
    if m == 0 or sum(amount) == 0:
        return 0
    conservation = np.zeros((party_count, m))
    conservation[creditor, np.arange(m)] += 1
    conservation[debtor, np.arange(m)] -= 1
    result = linprog(-np.ones(m), A_eq=conservation, b_eq=np.zeros(party_count),
                     bounds=[(0, a) for a in amount], method="highs")
    assert result.status == 0, result.message
    optimum = -float(result.fun)
    assert abs(optimum - round(optimum)) < 1e-6
    return round(optimum)


def greedy_cycle_cancelling(debtor: Sequence[int], creditor: Sequence[int],
                            amount: Sequence[int]) -> NDArray[np.int64]:
    """Cancel the first cycle found (DFS, input order), repeat: feasible, often sub-optimal."""
    left = list(amount)
    cleared = [0] * len(amount)
    while (cycle := _first_cycle(debtor, creditor, left)) is not None:
        step = min(left[k] for k in cycle)
        for k in cycle:
            left[k] -= step
            cleared[k] += step
    return np.array(cleared, dtype=np.int64)


def _first_cycle(debtor: Sequence[int], creditor: Sequence[int],
                 left: Sequence[int]) -> list[int] | None:
    for start in range(len(left)):
        if left[start] == 0:
            continue
        path, seen, node = [start], {debtor[start]: 0}, creditor[start]
        while node not in seen:
            following = [k for k in range(len(left)) if left[k] and debtor[k] == node]
            if not following:
                break
            seen[node] = len(path)
            path.append(following[0])
            node = creditor[following[0]]
        else:
            return path[seen[node]:]
    return None


def max_flow_only(debtor: NDArray[np.int64], creditor: NDArray[np.int64],
                  amount: NDArray[np.int64], party_count: int) -> NDArray[np.int64]:
    """The zero-cost trap: route the net positions by any max flow, set off the rest."""
    balance = np.zeros(party_count, dtype=np.int64)
    np.add.at(balance, creditor, amount)
    np.subtract.at(balance, debtor, amount)
    source, sink = party_count, party_count + 1
    flow = max_flow.SimpleMaxFlow()
    arcs = flow.add_arcs_with_capacity(debtor, creditor, amount)
    for party in np.flatnonzero(balance < 0).tolist():
        flow.add_arc_with_capacity(source, party, int(-balance[party]))
    for party in np.flatnonzero(balance > 0).tolist():
        flow.add_arc_with_capacity(party, sink, int(balance[party]))
    assert flow.solve(source, sink) == flow.OPTIMAL
    assert flow.optimal_flow() == int(np.maximum(balance, 0).sum())
    return amount - np.asarray(flow.flows(arcs), dtype=np.int64)


@st.composite
def networks(draw: st.DrawFn, currencies: Sequence[CurrencyCode] = (XSU,),
             amount_max: int = 10**6) -> list[Row]:
    parties = draw(st.integers(2, 7))
    rows: list[Row] = []
    for _ in range(draw(st.integers(1, 25))):
        debtor = draw(st.integers(0, parties - 1))
        creditor = draw(st.integers(0, parties - 2))
        creditor += creditor >= debtor
        rows.append((f"P{debtor}", f"P{creditor}", draw(st.integers(1, amount_max)),
                     draw(st.sampled_from(currencies))))
    return rows


#: XSU per unit with up to 10 decimals, as published rates have (0.0000000001 .. 20).
rates_xsu = st.integers(1, 20 * 10**10).map(lambda k: Fraction(k, 10**10))

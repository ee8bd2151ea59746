"""The run: value, aggregate per ordered (debtor, creditor) pair, solve the max-weight circulation
with OR-Tools, disaggregate per invoice (oldest due date first, then input order), certify."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from ortools.graph.python import min_cost_flow

from sucre.domain.errors import invariant
from sucre.domain.money import CurrencyCode
from sucre.domain.setoff.arrays import Int64Array, stable_order
from sucre.domain.setoff.certificate import certify
from sucre.domain.setoff.invoices import InvoiceSet
from sucre.domain.setoff.result import PairFlows, PartySummary, SetoffResult, cleared_share
from sucre.domain.setoff.valuation import restate_in_own_currency, xsu_minor_amounts

Timer = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Grouping:
    """Invoices sorted by (pair, due day, input order) and the pair boundaries in that order."""

    order: Int64Array
    starts: Int64Array
    pair_of_sorted: Int64Array
    pair_debtor: Int64Array
    pair_creditor: Int64Array


def group_by_pair(invoices: InvoiceSet) -> Grouping:
    parties = len(invoices.party_labels)
    key = invoices.debtor * parties + invoices.creditor
    if invoices.due_day is None:
        order = stable_order(key, parties * parties)
    else:
        order = np.lexsort((invoices.due_day, key)).astype(np.int64)
    sorted_key = key[order]
    new_pair = sorted_key[1:] != sorted_key[:-1]
    starts = np.flatnonzero(np.concatenate(([True], new_pair)))
    pair_of_sorted = np.concatenate(([0], np.cumsum(new_pair))).astype(np.int64)
    pair_key = sorted_key[starts]
    return Grouping(order=order, starts=starts, pair_of_sorted=pair_of_sorted,
                     pair_debtor=pair_key // parties, pair_creditor=pair_key % parties)


def _solve_circulation(debtor: Int64Array, creditor: Int64Array,
                       capacity_minor: Int64Array) -> Int64Array:
    """Max-weight circulation = min-cost circulation at unit cost -1 (OR-Tools, exact int64)."""
    solver = min_cost_flow.SimpleMinCostFlow()
    arcs = solver.add_arcs_with_capacity_and_unit_cost(
        debtor, creditor, capacity_minor, np.full(debtor.size, -1, dtype=np.int64))
    status = solver.solve()
    invariant(status == solver.OPTIMAL, f"min-cost flow status {status}, expected OPTIMAL")
    setoff = np.asarray(solver.flows(arcs), dtype=np.int64)
    invariant(solver.optimal_cost() == -int(setoff.sum()), "solver objective = -sum(set-off)")
    return setoff


def _disaggregate(grouping: Grouping, amount_xsu_minor: Int64Array,
                  pair_setoff_minor: Int64Array) -> Int64Array:
    """Fill each pair's set-off into its invoices in sorted order, each up to its amount."""
    amount_sorted = amount_xsu_minor[grouping.order]
    before = np.cumsum(amount_sorted) - amount_sorted
    before -= before[grouping.starts][grouping.pair_of_sorted]
    cleared_sorted = np.clip(pair_setoff_minor[grouping.pair_of_sorted] - before, 0, amount_sorted)
    cleared = np.empty_like(amount_xsu_minor)
    cleared[grouping.order] = cleared_sorted
    invariant(bool(np.array_equal(np.add.reduceat(cleared_sorted, grouping.starts),
                                  pair_setoff_minor)),
              "invoices of a pair carry exactly the pair's set-off")
    return cleared


class _Stopwatch:
    def __init__(self, timer: Timer) -> None:
        self._timer = timer
        self._last = timer()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = self._timer()
        self.laps[name] = now - self._last
        self._last = now


def _summarise_parties(invoices: InvoiceSet, amount_xsu_minor: Int64Array,
                       cleared_xsu_minor: Int64Array) -> PartySummary:
    size = len(invoices.party_labels)
    owes, owed = np.zeros(size, dtype=np.int64), np.zeros(size, dtype=np.int64)
    np.add.at(owes, invoices.debtor, amount_xsu_minor)
    np.add.at(owed, invoices.creditor, amount_xsu_minor)
    cleared_as_debtor = np.zeros(size, dtype=np.int64)
    np.add.at(cleared_as_debtor, invoices.debtor, cleared_xsu_minor)
    summary = PartySummary(labels=invoices.party_labels, owes_before_minor=owes,
                           owes_after_minor=owes - cleared_as_debtor, owed_before_minor=owed,
                           owed_after_minor=owed - cleared_as_debtor)
    invariant(bool(np.array_equal(summary.owed_after_minor - summary.owes_after_minor,
                                  summary.net_minor)), "net positions unchanged")
    return summary


def set_off(invoices: InvoiceSet, xsu_per_unit: Mapping[CurrencyCode, Fraction], *,
            timer: Timer = time.perf_counter) -> SetoffResult:
    """Clear as much debt as possible without changing any net position; prove it optimal.

    ``xsu_per_unit`` gives XSU per one unit of each currency at the run's value date (XSU = 1).
    ``timer`` only measures stage durations for the report; it never affects the result.
    """
    watch = _Stopwatch(timer)
    amount_xsu = xsu_minor_amounts(invoices, xsu_per_unit)
    watch.lap("convert")
    grouping = group_by_pair(invoices)
    pair_amount = np.add.reduceat(amount_xsu[grouping.order], grouping.starts)
    watch.lap("aggregate")
    pair_setoff = _solve_circulation(grouping.pair_debtor, grouping.pair_creditor, pair_amount)
    watch.lap("solve")
    cleared_xsu = _disaggregate(grouping, amount_xsu, pair_setoff)
    cleared_own = restate_in_own_currency(invoices, amount_xsu, cleared_xsu, xsu_per_unit)
    watch.lap("disaggregate")
    pairs = PairFlows(debtor=grouping.pair_debtor, creditor=grouping.pair_creditor,
                      amount_xsu_minor=pair_amount, setoff_xsu_minor=pair_setoff)
    certificate = certify(invoices.debtor, invoices.creditor, amount_xsu, cleared_xsu,
                          len(invoices.party_labels), pairs=pairs)
    parties = _summarise_parties(invoices, amount_xsu, cleared_xsu)
    watch.lap("certify")
    total, cleared = int(amount_xsu.sum()), int(cleared_xsu.sum())
    invariant(cleared == int(pair_setoff.sum()) and 0 <= cleared <= total,
              "cleared total agrees between pairs and invoices and is within the total debt")
    return SetoffResult(
        invoices=invoices, invoice_amount_xsu_minor=amount_xsu,
        invoice_cleared_xsu_minor=cleared_xsu, invoice_cleared_minor=cleared_own,
        pairs=pairs, parties=parties, total_debt_minor=total, total_cleared_minor=cleared,
        total_remaining_minor=total - cleared,
        net_internal_debt_minor=int(np.maximum(parties.net_minor, 0).sum()),
        cleared_fraction=cleared_share(cleared, total), certificate=certificate,
        timings_s=watch.laps)

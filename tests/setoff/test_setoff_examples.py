"""The public example networks clear to the results others obtained, and the rules hold."""

from __future__ import annotations

import csv
import hashlib
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from sucre.adapters.invoice_csv import load_invoices
from sucre.domain.money import XSU
from sucre.domain.setoff import SetoffResult, certify, cycles_for_display, set_off
from tests.setoff.helpers import EXAMPLES, USD, VES, invoice_set, lp_optimum


def run(name: str) -> SetoffResult:
    return set_off(load_invoices(EXAMPLES / name), {})


def test_the_networks_are_the_published_ones() -> None:
    digests = {name: hashlib.sha256((EXAMPLES / name).read_bytes()).hexdigest()
               for name in ("network_01.csv", "network_03.csv")}
    assert digests == {
        "network_01.csv": "c09bc512161157a5d9f22135d6402a1dca8a4d993b0fd335a6e7636dc6827e23",
        "network_03.csv": "622788f3d44b7998b4bcfc545a4c8606f0588a10fb50edaa2c1118d6cbf83b05"}


def test_micro_clears_300_of_500_per_invoice_as_expected() -> None:
    result = run("informal_mtcs_micro.csv")
    # The file's amounts are integers read as XSU major units: 300.00 of 500.00.
    assert (result.total_cleared_minor, result.total_debt_minor) == (300_00, 500_00)
    with (EXAMPLES / "informal_mtcs_micro_set-offs_expected.csv").open() as handle:
        expected = {row["id"]: (int(row["set_off"]), int(row["remainder"]))
                    for row in csv.DictReader(handle)}
    got = {invoice_id: (int(c) // 100, int(r) // 100) for invoice_id, c, r in zip(
        result.invoices.ids, result.invoice_cleared_minor, result.invoice_remaining_minor,
        strict=True)}
    assert got == expected   # unique here: invoice 4 is on no cycle


def test_mini_clears_its_lp_optimum() -> None:
    result = run("informal_mtcs_mini.csv")
    invoices = result.invoices
    assert result.total_cleared_minor == lp_optimum(
        invoices.debtor, invoices.creditor, result.invoice_amount_xsu_minor.tolist(),
        len(invoices.party_labels))


@pytest.mark.parametrize(("name", "cleared"), [("counterexample_greedy.csv", 4),
                                               ("counterexample_bilateral_prenetting.csv", 30)])
def test_counterexamples_clear_their_optimum(name: str, cleared: int) -> None:
    assert run(name).total_cleared_minor == cleared * 100


def test_network_01_clears_535_494_678_of_61_202_827_278() -> None:
    result = run("network_01.csv")
    assert result.invoices.count == 100_471
    assert result.total_debt_minor == 61_202_827_278 * 100
    assert result.total_cleared_minor == 535_494_678 * 100
    assert result.certificate.dual_bound_minor == result.total_cleared_minor
    summary = result.parties
    assert np.array_equal(summary.owed_after_minor - summary.owes_after_minor, summary.net_minor)
    assert result.total_cleared_minor <= result.total_debt_minor - result.net_internal_debt_minor


def test_a_graph_without_cycles_clears_zero() -> None:
    rows = [("A", "B", 10, XSU), ("B", "C", 5, XSU), ("A", "C", 7, XSU), ("C", "D", 3, XSU)]
    result = set_off(invoice_set(rows), {})
    assert result.total_cleared_minor == 0
    assert result.cleared_fraction == 0.0
    assert not result.invoice_cleared_minor.any()
    assert cycles_for_display(result, 10) == ()


def test_bilateral_pre_netting_is_never_done() -> None:
    # Invoices of one pair are aggregated, but A->B and B->A stay separate arcs.
    rows = [("A", "B", 10, XSU), ("B", "A", 5, XSU), ("B", "C", 10, XSU), ("C", "A", 10, XSU)]
    result = set_off(invoice_set(rows), {})
    assert result.invoice_cleared_xsu_minor.tolist() == [10, 0, 10, 10]
    assert result.pairs.debtor.size == 4


def test_disaggregation_fills_the_oldest_due_date_first_then_input_order() -> None:
    rows = [("A", "B", 5, XSU), ("A", "B", 5, XSU), ("A", "B", 5, XSU), ("B", "A", 7, XSU)]
    by_due = set_off(invoice_set(rows, due_days=[30, 10, 20, 0]), {})
    assert by_due.invoice_cleared_xsu_minor.tolist() == [0, 5, 2, 7]
    by_order = set_off(invoice_set(rows), {})
    assert by_order.invoice_cleared_xsu_minor.tolist() == [5, 2, 0, 7]


def test_cycles_for_display_sum_back_to_the_cleared_total() -> None:
    rows = [("A", "B", 10, XSU), ("B", "C", 10, XSU), ("C", "A", 4, XSU), ("C", "D", 6, XSU),
            ("D", "A", 9, XSU), ("B", "A", 3, XSU)]
    result = set_off(invoice_set(rows), {})
    cycles = cycles_for_display(result, 100)
    assert sum(cycle.cleared_xsu_minor for cycle in cycles) == result.total_cleared_minor
    assert len(cycles_for_display(result, 1)) == 1


def test_cross_currency_cycle_clears_in_xsu_and_maps_back() -> None:
    # A owes B 100.00 USD, B owes C 8000.00 VES, C owes A 50.00 XSU.
    rows = [("A", "B", 100_00, USD), ("B", "C", 8000_00, VES), ("C", "A", 50_00, XSU)]
    rates = {USD: Fraction(4, 5), VES: Fraction(1, 100)}
    result = set_off(invoice_set(rows), rates)
    assert result.invoice_amount_xsu_minor.tolist() == [80_00, 80_00, 50_00]
    assert result.invoice_cleared_xsu_minor.tolist() == [50_00, 50_00, 50_00]
    assert result.invoice_cleared_minor.tolist() == [62_50, 5000_00, 50_00]
    assert result.invoice_remaining_minor.tolist() == [37_50, 3000_00, 0]


def test_the_certificate_of_a_run_can_be_recomputed_from_the_invoices_alone() -> None:
    result = run("network_01.csv")
    invoices = result.invoices
    again = certify(invoices.debtor, invoices.creditor, result.invoice_amount_xsu_minor,
                    result.invoice_cleared_xsu_minor, len(invoices.party_labels))
    assert again.dual_bound_minor == result.total_cleared_minor


def test_loading_a_missing_file_is_a_user_error(tmp_path: Path) -> None:
    from sucre.domain.errors import InvalidInput

    with pytest.raises(InvalidInput):
        load_invoices(tmp_path / "absent.csv")


def test_network_01_in_minor_units_as_published() -> None:
    # As published, amounts are integers in minor units.
    result = set_off(load_invoices(EXAMPLES / "network_01.csv", minor_units=True), {})
    assert (result.total_debt_minor, result.total_cleared_minor) == (
        61_202_827_278, 535_494_678)


def test_network_03_loads_in_minor_units_and_clears_its_certified_optimum() -> None:
    # Read as major units its largest amounts exceed the per-invoice bound; as published
    # (minor units) they fit, and the run proves its own optimum.
    result = set_off(load_invoices(EXAMPLES / "network_03.csv", minor_units=True), {})
    assert result.invoices.count == 284_739
    assert result.certificate.dual_bound_minor == result.total_cleared_minor > 0
    summary = result.parties
    assert np.array_equal(summary.owed_after_minor - summary.owes_after_minor, summary.net_minor)


def test_minor_units_refuse_decimals_and_report_each_line(tmp_path: Path) -> None:
    from sucre.adapters.invoice_csv import CsvRowErrors

    path = tmp_path / "minor.csv"
    path.write_text("debtor,creditor,amount\nA,B,100\nB,A,1.50\nA,C,0\nC,A,-4\n")
    with pytest.raises(CsvRowErrors) as caught:
        load_invoices(path, minor_units=True)
    assert caught.value.errors == [
        (3, "amount", "not a positive whole number of minor units: '1.50'"),
        (4, "amount", "amount must be positive"),
        (5, "amount", "not a positive whole number of minor units: '-4'")]

"""Set-off at 10^4..10^6 invoices: end to end against the bare solver, in the same run.

For every size and graph kind (seeded), one CSV is generated, then three child processes run on
that same file:

* ``e2e``: ``load_invoices`` -> ``set_off`` (solve, feasibility checks, optimality certificate)
  -> ``write_result``, timed from the first byte read to the result file renamed into place;
  peak RSS is the child's own ``ru_maxrss`` (a fresh process per run, so it is that run's peak,
  what ``RUSAGE_CHILDREN`` would report for it alone; the parent's figure is a running maximum).
* ``bare``: the same file aggregated per pair exactly as ``set_off`` does (not timed), then only
  OR-Tools ``SimpleMinCostFlow``: arcs loaded from numpy and ``solve()`` (the ceiling).
* ``networkx``: ``network_simplex`` on the same pairs (net positions routed at unit cost, the
  form it solves fastest), killed after ``--networkx-timeout`` s.

Graphs: ``n = m / 10`` parties; ``sf`` = Chung-Lu scale-free (Pareto(1.2) out-weights, in-weight
= out-weight x lognormal(0, 0.5)), ``er`` = uniform random; amounts lognormal(ln 1000, 1.5) minor
units written as XSU decimals. The e2e and bare children alternate ``--repeat`` times (the machine
is shared, OR-Tools' time varies by +-15 %); medians are reported with every run's time. One JSON
object per graph on stdout, progress on stderr.

    python bench/setoff_bench.py [--sizes 10000 100000 1000000] [--kinds sf er] [--seed 1]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve()


# --- graphs --------------------------------------------------------------------------------------


def generate(invoices: int, kind: str, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    parties = max(invoices // 10, 3)
    if kind == "sf":
        out_weight = rng.pareto(1.2, parties) + 1
        in_weight = out_weight * rng.lognormal(0, 0.5, parties)
        debtor = rng.choice(parties, invoices, p=out_weight / out_weight.sum())
        creditor = rng.choice(parties, invoices, p=in_weight / in_weight.sum())
    elif kind == "er":
        debtor = rng.integers(0, parties, invoices)
        creditor = rng.integers(0, parties, invoices)
    else:
        raise ValueError(kind)
    while (same := debtor == creditor).any():
        creditor[same] = rng.integers(0, parties, int(same.sum()))
    amount = np.maximum(1, rng.lognormal(np.log(1000), 1.5, invoices)).astype(np.int64)
    return debtor, creditor, amount


def write_csv(path: Path, debtor: np.ndarray, creditor: np.ndarray, amount: np.ndarray) -> None:
    whole, cents = np.divmod(amount, 100)
    with path.open("w") as handle:
        handle.write("id,debtor,creditor,amount\n")
        for start in range(0, amount.size, 100_000):
            window = slice(start, start + 100_000)
            handle.write("".join(
                f"INV-{k},F{d},F{c},{w}.{f:02d}\n" for k, d, c, w, f in zip(
                    range(start, start + amount[window].size), debtor[window].tolist(),
                    creditor[window].tolist(), whole[window].tolist(), cents[window].tolist(),
                    strict=True)))


# --- children ------------------------------------------------------------------------------------


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # KiB on Linux


def child_e2e(csv_path: Path, out_path: Path) -> dict[str, Any]:
    from sucre.adapters.invoice_csv import load_invoices, write_result
    from sucre.domain.setoff import set_off

    started = time.perf_counter()
    invoices = load_invoices(csv_path)
    loaded = time.perf_counter()
    result = set_off(invoices, {})
    solved = time.perf_counter()
    write_result(out_path, result)
    written = time.perf_counter()
    return {"e2e_s": written - started, "load_s": loaded - started, "setoff_s": solved - loaded,
            "write_s": written - solved, "stages_s": dict(result.timings_s),
            "parties": len(invoices.party_labels), "pairs": int(result.pairs.debtor.size),
            "total_debt_minor": result.total_debt_minor,
            "cleared_minor": result.total_cleared_minor,
            "cleared_fraction": result.cleared_fraction,
            "nid_fraction": result.net_internal_debt_minor / result.total_debt_minor,
            "certificate_rounds": result.certificate.rounds, "peak_rss_mb": peak_rss_mb()}


def _pairs(csv_path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The per-pair graph ``set_off`` hands to the solver (same code, not timed)."""
    from sucre.adapters.invoice_csv import load_invoices
    from sucre.domain import setoff

    invoices = load_invoices(csv_path)
    grouping = setoff.group_by_pair(invoices)
    amount = np.add.reduceat(invoices.amount_minor[grouping.order], grouping.starts)
    return grouping.pair_debtor, grouping.pair_creditor, amount


def child_bare(csv_path: Path) -> dict[str, Any]:
    from ortools.graph.python import min_cost_flow

    debtor, creditor, amount = _pairs(csv_path)
    started = time.perf_counter()
    solver = min_cost_flow.SimpleMinCostFlow()
    solver.add_arcs_with_capacity_and_unit_cost(debtor, creditor, amount,
                                                np.full(amount.size, -1, dtype=np.int64))
    status = solver.solve()
    elapsed = time.perf_counter() - started
    assert status == solver.OPTIMAL
    return {"bare_solve_s": elapsed, "bare_cleared_minor": -solver.optimal_cost()}


def child_networkx(csv_path: Path) -> dict[str, Any]:
    """networkx's network simplex on the MTCS form: route the net positions at unit cost.

    (Faster for networkx than the circulation form at cost -1 that OR-Tools gets: 13-14 s
    against 21 s to over 180 s at 10^5, measured; the optimum is the same.)
    """
    import networkx as nx

    debtor, creditor, amount = _pairs(csv_path)
    balance = np.zeros(int(max(debtor.max(), creditor.max())) + 1, dtype=np.int64)
    np.add.at(balance, creditor, amount)
    np.subtract.at(balance, debtor, amount)
    graph = nx.DiGraph()
    graph.add_nodes_from((node, {"demand": int(b)}) for node, b in enumerate(balance.tolist()))
    graph.add_edges_from((int(d), int(c), {"capacity": int(a), "weight": 1})
                         for d, c, a in zip(debtor, creditor, amount, strict=True))
    started = time.perf_counter()
    remaining, _ = nx.network_simplex(graph)
    return {"networkx_s": time.perf_counter() - started,
            "networkx_cleared_minor": int(amount.sum()) - remaining}


# --- parent --------------------------------------------------------------------------------------


def run_child(mode: str, args: list[str], timeout_s: float | None) -> dict[str, Any]:
    started = time.perf_counter()
    try:
        completed = subprocess.run([sys.executable, str(HERE), "--child", mode, *args],
                                   capture_output=True, text=True, timeout=timeout_s,
                                   check=True)
    except subprocess.TimeoutExpired:
        return {"timeout_s": timeout_s}
    document: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    document["process_wall_s"] = time.perf_counter() - started
    return document


def bench_one(invoices: int, kind: str, seed: int, workdir: Path, repeat: int,
              networkx_timeout_s: float) -> dict[str, Any]:
    """Median of ``repeat`` alternating e2e / bare runs on one graph, then networkx once."""
    csv_path, out_path = workdir / f"{kind}-{invoices}.csv", workdir / f"{kind}-{invoices}.out"
    write_csv(csv_path, *generate(invoices, kind, seed))
    e2e_runs, bare_runs = [], []
    for _ in range(repeat):
        e2e_runs.append(run_child("e2e", [str(csv_path), str(out_path)], None))
        bare_runs.append(run_child("bare", [str(csv_path)], None))
    e2e = sorted(e2e_runs, key=lambda run: run["e2e_s"])[len(e2e_runs) // 2]
    bare_s = [run["bare_solve_s"] for run in bare_runs]
    record: dict[str, Any] = {
        "bench": "setoff", "kind": kind, "invoices": invoices, "seed": seed, "repeat": repeat,
        "csv_mb": round(csv_path.stat().st_size / 2**20, 1), **e2e,
        "e2e_process_wall_s": e2e.pop("process_wall_s"),
        "e2e_s_runs": [run["e2e_s"] for run in e2e_runs],
        "bare_solve_s": float(np.median(bare_s)), "bare_solve_s_runs": bare_s,
        "peak_rss_mb": max(run["peak_rss_mb"] for run in e2e_runs),
    }
    record["e2e_over_bare"] = record["e2e_s"] / record["bare_solve_s"]
    assert all(run["bare_cleared_minor"] == e2e["cleared_minor"] for run in bare_runs)
    if networkx_timeout_s > 0:
        networkx = run_child("networkx", [str(csv_path)], networkx_timeout_s)
        record["networkx_s"] = networkx.get("networkx_s", "timeout")
        if "networkx_cleared_minor" in networkx:
            assert networkx["networkx_cleared_minor"] == e2e["cleared_minor"], "networkx disagrees"
    csv_path.unlink()
    out_path.unlink(missing_ok=True)
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--kinds", nargs="+", default=["sf", "er"], choices=["sf", "er"])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3,
                        help="alternating e2e/bare runs per graph; medians are reported")
    parser.add_argument("--networkx-timeout", type=float, default=180.0,
                        help="seconds; 0 skips networkx")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, *paths = args.child
        runner = {"e2e": child_e2e, "bare": child_bare, "networkx": child_networkx}[mode]
        print(json.dumps(runner(*map(Path, paths))))
        return
    with tempfile.TemporaryDirectory(prefix="setoff-bench-") as workdir:
        for invoices in args.sizes:
            for kind in args.kinds:
                print(f"setoff bench: {kind} {invoices} ...", file=sys.stderr, flush=True)
                record = bench_one(invoices, kind, args.seed, Path(workdir), args.repeat,
                                   args.networkx_timeout)
                record["cpus"] = os.cpu_count()
                print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()

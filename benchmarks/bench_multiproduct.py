"""Benchmark: Haghpanah-Siegel mechanism LP (n types x k = 10 alternatives) and the Pareto search.

    python benchmarks/bench_multiproduct.py [--max-n 400] [--budget 30] [--solver HIGHS_IPM]

Prints one row per size: variables, IC rows, build+compile+solve time of M-LP (revenue only, the
solver's vertex; HiGHS interior point with crossover by default: dual simplex on the n^2 IC rows
is several times slower from n = 150 on, try --solver HIGHS), and for small n the full
lexicographic selection (spec §B.2: n + 3 LPs). Then the Pareto-improving search (Theorem 1) for
random inefficient markets with n = 10 types.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

import optmarkets as om


def instance(n: int, k: int, seed: int = 0) -> tuple[om.MultiProductSeller, np.ndarray]:
    rng = np.random.default_rng(seed)
    values = np.round(rng.uniform(-0.5, 3.0, (n, k)) / 0.05) * 0.05 + 1e-3 * rng.random((n, k))
    return om.MultiProductSeller(values), rng.dirichlet(np.ones(n))


def mechanism_lp(sizes, k: int, budget: float, select_up_to: int, solver: str) -> pd.DataFrame:
    rows = []
    for n in sizes:
        seller, f = instance(n, k)
        start = time.perf_counter()
        model = seller.optimal_mechanism(f)
        sol = model.solve(solver, rule=None, certify=False)
        first = time.perf_counter() - start
        start = time.perf_counter()
        again = model.bind(market=np.roll(f, 1)).solve(solver, rule=None, certify=False)  # DPP re-solve
        resolve = time.perf_counter() - start
        row = dict(n=n, k=k, solver=solver, variables=model.size()["variables"],
                   constraints=model.size()["constraints"],
                   revenue=sol.value, build_solve_s=first, resolve_s=resolve, solver_s=sol.timings["solver"])
        del again
        if n <= select_up_to:
            start = time.perf_counter()
            model.solve(solver, certify=False)
            row["selected_s"] = time.perf_counter() - start
        rows.append(row)
        print(pd.DataFrame([row]).to_string(index=False, header=len(rows) == 1, float_format="%.4g"), flush=True)
        if first > budget:
            break
    return pd.DataFrame(rows)


def pareto_search(n: int, k: int, count: int) -> pd.DataFrame:
    rows, seed = [], 0
    while len(rows) < count:
        seed += 1
        seller, f = instance(n, k, seed)
        start = time.perf_counter()
        search = seller.pareto_search(f)
        wall = time.perf_counter() - start
        if search.status == "efficient":
            continue
        seg = search.segmentation
        rows.append(dict(n=n, k=k, seed=seed, status=search.status, seconds=wall,
                         revenue_gain=seg.revenue_change if seg else np.nan))
        print(pd.DataFrame([rows[-1]]).to_string(index=False, header=len(rows) == 1, float_format="%.4g"),
              flush=True)
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-n", type=int, default=400)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--budget", type=float, default=30.0, help="stop after a size taking longer (s)")
    parser.add_argument("--select-up-to", type=int, default=50, help="time the full selection up to this n")
    parser.add_argument("--solver", default="HIGHS_IPM", help="backend for the mechanism LP")
    parser.add_argument("--pareto", type=int, default=5, help="random n = 10 markets for the Pareto search")
    args = parser.parse_args()
    sizes = [n for n in (10, 25, 50, 100, 150, 200, 250, 300, 350, 400, 500) if n <= args.max_n]
    print(f"M-LP, k = {args.k} alternatives (revenue stage; selected_s = full spec §B.2 selection)")
    table = mechanism_lp(sizes, args.k, args.budget, args.select_up_to, args.solver)
    ok = table[table["build_solve_s"] < args.budget]
    print(f"\nlargest n solved in under {args.budget:g} s: {int(ok['n'].max()) if len(ok) else 0}")
    print("\nPareto-improving search (Theorem 1), n = 10 types, k = 3")
    res = pareto_search(10, 3, args.pareto)
    print(f"\nmean {res['seconds'].mean():.2f} s per market; found {int((res['status'] == 'found').sum())}/{len(res)}")


if __name__ == "__main__":
    main()

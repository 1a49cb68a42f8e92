"""Benchmark: Yang's data-broker LPs — how large an N x K each formulation solves.

    python benchmarks/bench_data_broker.py [--quick] [--limit SECONDS] [--solver HIGHS]

Compact exact LP (DB-C, spec §A.2): O(K N^2 + K^2 N) variables and about K^2 N (N + 1) deviation rows;
goal: N = 30 values and K = 15 costs in under 30 s. Profile LP (DB-P, spec §A.3): one segment per
monotone recommendation profile, at most C(N + K, K) of them; a tiny-instance cross-check only.
Each row is one random instance (values on a 1/100 grid, costs below 0.8 max V, Dirichlet(1) masses)
solved once; DB-C* is DB-C with every deviation row of spec §A.2 (no Topkis reduction); the last
column says whether the profile LP agrees with DB-C. A formulation stops
growing after the first size whose total time passes --limit.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import optmarkets as om

COMPACT = [(5, 3), (10, 5), (15, 8), (20, 10), (20, 20), (30, 15), (40, 15), (40, 20), (50, 25)]
PROFILE = [(3, 2), (4, 3), (5, 3), (6, 4), (7, 4), (8, 4), (8, 5), (10, 5)]


def instance(n: int, k: int, seed: int = 0) -> om.DataBroker:
    rng = np.random.default_rng(seed)
    values = np.sort(rng.choice(np.arange(1, 4 * n + 1), n, replace=False)) / (4 * n)
    costs = np.sort(rng.choice(np.arange(0, 80), k, replace=False)) / 100 * values.max()
    return om.DataBroker(values, rng.dirichlet(np.ones(n)), costs, rng.dirichlet(np.ones(k)))


def run(formulation: str, n: int, k: int, solver: str | None) -> dict:
    broker = instance(n, k)
    start = time.perf_counter()
    if formulation == "DB-P":
        model = broker.profile_problem()
    else:  # DB-C with the Topkis-reduced deviation rows (default), or every row of spec §A.2
        model = broker.mechanism_problem(reduced=formulation == "DB-C")
    build = time.perf_counter() - start
    sol = model.solve(solver, certify=False)
    total = time.perf_counter() - start
    row = dict(formulation=formulation, N=n, K=k, **model.size(), build_s=build,
               compile_s=sol.timings["compile"], solver_s=sol.timings["solver"], total_s=total, value=sol.value)
    if formulation == "DB-P":
        row["agrees"] = abs(sol.value - broker.solve(solver).value) <= 1e-7
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only the small sizes")
    parser.add_argument("--limit", type=float, default=30.0, help="stop a formulation after a solve this long")
    parser.add_argument("--solver", default=None)
    args = parser.parse_args()
    sizes = {"DB-C": COMPACT[:4] if args.quick else COMPACT, "DB-C*": COMPACT[:4] if args.quick else COMPACT,
             "DB-P": PROFILE[:3] if args.quick else PROFILE}
    print(f"{'form':5s} {'N':>3s} {'K':>3s} {'vars':>8s} {'rows':>8s} {'build':>7s} {'compile':>8s} "
          f"{'solver':>8s} {'total':>8s} {'revenue':>10s}  DB-P = DB-C")
    largest = {}
    for form, grid in sizes.items():
        for n, k in grid:
            r = run(form, n, k, args.solver)
            print(f"{form:5s} {n:3d} {k:3d} {r['variables']:8d} {r['constraints']:8d} {r['build_s']:7.2f} "
                  f"{r['compile_s']:8.2f} {r['solver_s']:8.2f} {r['total_s']:8.2f} {r['value']:10.6f}  "
                  f"{r.get('agrees', '')}", flush=True)
            if r["total_s"] > args.limit:
                print(f"{form}: stopped, {n} x {k} took {r['total_s']:.1f} s > {args.limit:g} s")
                break
            largest[form] = (n, k, r["total_s"])
    for form, (n, k, t) in largest.items():
        print(f"largest {form} under {args.limit:g} s: N = {n}, K = {k} ({t:.1f} s)")


if __name__ == "__main__":
    main()

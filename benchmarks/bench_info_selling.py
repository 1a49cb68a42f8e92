"""Benchmark: Bonatti et al.'s revenue LP (obedience + IC + IR) on an m x m type grid.

    python benchmarks/bench_info_selling.py [--quick] [--limit 30] [--solver HIGHS] [--ipm]

Exp(1) types on the reference grid (vmax = 8), p_max = 1/2, alpha = 1/2. Each row is one cold
build + compile + solve of `InformationSeller.revenue_optimal()`:
  * rule    — the full recommendation rule sigma(a1, a2 | theta, v1, v2): 8 m^2 + 4 m variables;
  * reduced — Lemma 5.1's marginals h_i(v1, v2): 2 m^2 + 4 m variables (same optimum).
The last column checks the value against the exact greedy solution (spec §B.5). A form stops growing
after the first size whose total time passes --limit (goal: m = 200 in under 30 s).
--ipm uses HiGHS's interior point without crossover (the value is then accurate to ~1e-7, and the
duals are interior, not vertex, ones).

Measured (2-core shared machine, HiGHS 1.16, dual simplex): rule m = 100 (80,400 variables) 6.8 s,
m = 120 (115,680) 23.5 s, m = 140 (157,360) 42 s; IPM without crossover is no faster (m = 140: 32 s).
reduced m = 200 (80,800 variables) 1.3 s, m = 400 (321,600) 5.0 s. Why: sigma's 2 m^2 simplex rows
are genuine rows of the basis, while h's bounds 0 <= h <= 1 are bound flips for the dual simplex;
the two LPs have the same optimum (Lemma 5.1), and the reduced one returns a full rule sigma by the
product construction.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

import optmarkets as om

RULE = [10, 20, 40, 60, 80, 100, 120, 140, 160, 180, 200]
REDUCED = [50, 100, 200, 300, 400]


def run(form: str, m: int, solver: str | None, options: dict) -> dict:
    seller = om.InformationSeller.from_distribution("exponential", m=m, vmax=8, state_prior=[0.5, 0.5], alpha=0.5)
    start = time.perf_counter()
    model = seller.revenue_optimal(form=form)
    build = time.perf_counter() - start
    sol = model.solve(solver, certify=False, **options)
    total = time.perf_counter() - start
    exact = seller.greedy("revenue").value
    return dict(form=form, m=m, **model.size(), build_s=build, compile_s=sol.timings["compile"],
                solver_s=sol.timings["solver"], total_s=total, value=sol.value, greedy=exact,
                agrees=abs(sol.value - exact) <= 1e-6)


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=float, default=30.0, help="stop a form after a size slower than this (s)")
    parser.add_argument("--solver", default=None)
    parser.add_argument("--ipm", action="store_true", help="HiGHS interior point, no crossover")
    parser.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    parser.add_argument("--forms", default="rule,reduced")
    args = parser.parse_args(argv)
    options = {"highs_options": {"solver": "ipm", "run_crossover": "off"}} if args.ipm else {}
    rows = []
    for form in args.forms.split(","):
        sizes = RULE if form == "rule" else REDUCED
        for m in sizes[:3] if args.quick else sizes:
            row = run(form, m, args.solver, options)
            rows.append(row)
            print(f"{form:8s} m={m:4d} vars={row['variables']:8d} rows={row['constraints']:7d} "
                  f"total={row['total_s']:7.2f}s solver={row['solver_s']:7.2f}s R={row['value']:.8f} "
                  f"agrees={row['agrees']}", flush=True)
            if row["total_s"] > args.limit:
                break
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 160, "display.precision", 4):
        print(table.to_string(index=False))
    for form, group in table.groupby("form"):
        fast = group[group["total_s"] <= args.limit]
        if len(fast):
            best = fast.iloc[-1]
            print(f"{form}: largest m under {args.limit:g} s: {int(best['m'])} "
                  f"({int(best['variables'])} variables, {best['total_s']:.1f} s)")
    return table


if __name__ == "__main__":
    main()

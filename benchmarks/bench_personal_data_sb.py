"""Benchmark: GLP's second best (SB, a bilevel program) — the largest n each exact form solves.

    python benchmarks/bench_personal_data_sb.py [--quick] [--limit SECONDS] [--solver HIGHS] [--seeds K]

Instances: n types w = 1..n (values = fees, the paper's A = Omega), Dirichlet(1) masses, outside
options r(w) ~ U[0, 0.6 w], gamma_u = 1, gamma_pi = 0.2 (the platform pools, so SB is non-trivial).
Forms (spec §A.3): "disjunctive" = one LP per candidate monopoly fee (n LPs sharing one compiled
problem, the default); "disjunctive-milp" = the same as one MILP with n binaries; "kkt" = the
complementary-slackness MILP (n^2 + n(n-1) binaries) with the entrywise big-Ms of `dual_bounds()`
(the canonical duals' slacks); "kkt-scalar" = the same with the spec's scalar big-Ms. Each row is the
wall time of `econ.second_best(form).solve()` (model build + compile + solves + the P_q re-solve for
prices), the worst over --seeds instances; `agree` says whether W° equals the disjunctive LPs' value
(rel 1e-6). MILPs run on HiGHS with mip_rel_gap = 1e-9 (SB's default) and time_limit = --limit.
A form stops growing after the first size whose time passes --limit (goal: n = 12 < 30 s).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import optmarkets as om

SIZES = [4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 32, 40, 48, 64, 80, 96, 128]
FORMS = ("disjunctive", "disjunctive-milp", "kkt", "kkt-scalar")


def instance(n: int, seed: int = 0) -> om.PersonalDataEconomy:
    rng = np.random.default_rng(seed)
    values = np.arange(1, n + 1, dtype=float)
    return om.PersonalDataEconomy(values, rng.dirichlet(np.ones(n)), rng.uniform(0, 0.6, n) * values,
                                  gamma_u=1.0, gamma_pi=0.2)


def run(form: str, n: int, seed: int, solver: str | None, limit: float) -> tuple[float, float, str]:
    econ = instance(n, seed)
    start = time.perf_counter()
    options = {"time_limit": float(limit)} if form != "disjunctive" and (solver or "HIGHS") == "HIGHS" else {}
    try:
        program = econ.second_best("kkt", tight=False) if form == "kkt-scalar" else econ.second_best(form)
        sol = program.solve(solver, certify=False, **options)
    except om.OptmarketsError as exc:  # e.g. the MILP hit the time limit
        return time.perf_counter() - start, float("nan"), type(exc).__name__
    return time.perf_counter() - start, sol.value, sol.status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="sizes up to 12 only")
    parser.add_argument("--limit", type=float, default=30.0, help="seconds per solve (default 30)")
    parser.add_argument("--solver", default=None, help="backend (default HIGHS)")
    parser.add_argument("--seeds", type=int, default=1, help="instances per size (default 1)")
    parser.add_argument("--forms", default=",".join(FORMS), help="comma-separated forms (default: all)")
    args = parser.parse_args()
    sizes = [n for n in SIZES if n <= 12] if args.quick else SIZES
    reference: dict[tuple[int, int], float] = {}
    largest = {}
    print(f"{'form':<18s} {'n':>4s} {'binaries':>9s} {'seconds':>9s} {'W°':>14s}  agree  status")
    forms = args.forms.split(",")
    for form in forms:
        for n in sizes:
            worst, agree, status = 0.0, True, "optimal"
            for seed in range(args.seeds):
                seconds, value, status = run(form, n, seed, args.solver, args.limit)
                worst = max(worst, seconds)
                if form == "disjunctive":
                    reference[(n, seed)] = value
                elif (n, seed) not in reference and status.startswith("optimal"):  # the LPs are the reference
                    reference[(n, seed)] = run("disjunctive", n, seed, args.solver, args.limit)[1]
                ref = reference.get((n, seed))
                agree &= ref is not None and np.isclose(value, ref, rtol=1e-6, atol=1e-9)
            binaries = {"disjunctive": 0, "disjunctive-milp": n}.get(form, n * n + n * (n - 1))
            ok = worst <= args.limit and status.startswith("optimal")
            print(f"{form:<18s} {n:>4d} {binaries:>9d} {worst:>9.2f} {value:>14.8f}  {agree!s:>5s}  {status}",
                  flush=True)
            if ok and agree:
                largest[form] = n
            if not ok:
                break
    print("\nlargest n solved exactly within the limit:", ", ".join(f"{f}: {largest.get(f, '-')}" for f in forms))


if __name__ == "__main__":
    main()

"""Conic solves through optmarkets against Clarabel called directly on the same problem.

    python benchmarks/bench_conic.py [--repeat 3] [--out benchmarks/results/conic.md]

For each model: "direct" is cvxpy's compile of the problem (`get_problem_data(CLARABEL)`) and one
`clarabel.DefaultSolver(...).solve()` at tol 1e-8 (what a user calling Clarabel would run), its
prices read from cvxpy's unpacking; "optmarkets" is `model.solve()` with no solver named (Clarabel,
scaled, certified, retried with tighter tolerances where the certificate fails). Columns: wall seconds
(medians of --repeat, after a warm-up), the ratio, the solves optmarkets ran (1 + retries), and each side's
largest price error (relative to the largest price) against a Clarabel solve at tol 1e-12 of the model at
magnitude one (for the scaled market: the unscaled market's prices x 1e6).

Models: Eisenberg-Gale markets (n buyers x m goods, random utilities and budgets), the same at supply
x1e-6, and costly persuasion (rational inattention, n states x n actions, lam = 0.3; its prices are not
unique: an action never recommended leaves obedience rows 0 >= 0 whose multipliers can move, so only its
value is compared).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from pathlib import Path

import clarabel
import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp
from _common import markdown

import optmarkets as om
from optmarkets.core.family import family


def market(n: int, m: int, supply_scale: float = 1.0, seed: int = 0) -> om.Model:
    rng = np.random.default_rng(seed)
    a, budgets = rng.uniform(0.1, 1.0, (n, m)), rng.uniform(0.5, 2.0, n)
    model = om.Model(f"EG {n}x{m}")
    x = model.variable("x", (n, m), nonneg=True)
    model.maximize(budgets @ cp.log(cp.sum(cp.multiply(a, x), axis=1)))
    model.constrain("supply", family(cp.sum(x, axis=0), "<=", np.full(m, supply_scale)))
    return model


def inattention(n: int, seed: int = 0) -> om.Model:
    rng = np.random.default_rng(seed)
    u, prior = rng.uniform(0, 1, (n, n)), rng.dirichlet(np.ones(n))
    names = [f"s{i}" for i in range(n)], [f"a{i}" for i in range(n)]
    return om.persuasion(names[0], prior, names[1], u, u, information_cost="entropy", cost_weight=0.3)


def direct(model: om.Model, tol: float) -> tuple[float, dict]:
    """Wall seconds of cvxpy's compile + one Clarabel solve, and the prices cvxpy unpacks from it."""
    model.write_parameters()
    problem = model.problem
    start = time.perf_counter()
    data, chain, inverse = problem.get_problem_data(cp.CLARABEL, solver_opts={})
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = tol
    P = data.get("P")
    P = sp.triu(P).tocsc() if P is not None else sp.csc_matrix((data["c"].size,) * 2)
    from cvxpy.reductions.solvers.conic_solvers.clarabel_conif import dims_to_solver_cones
    result = clarabel.DefaultSolver(P, data["c"], data["A"], data["b"], dims_to_solver_cones(data["dims"]),
                                    settings).solve()
    seconds = time.perf_counter() - start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        problem.unpack_results(result, chain, inverse)
    return seconds, raw_duals(model)


def raw_duals(model: om.Model) -> dict:
    """cvxpy's duals of the model's families as they stand (both sides are compared on these)."""
    return {n: np.asarray(f.constraint.dual_value, float) for n, f in model.families.items()}


def price_error(prices: dict, reference: dict) -> float:
    worst = 0.0
    for name, ref in reference.items():
        ref = np.abs(np.asarray(ref, float)).ravel()
        got = np.abs(np.asarray(prices[name], float)).ravel()
        worst = max(worst, float(np.max(np.abs(got - ref) / np.maximum(ref.max(initial=0.0), 1e-300))))
    return worst


def row(label: str, build, repeat: int, reference_build=None, price_scale: float = 1.0,
        unique: bool = True) -> dict:
    """`reference_build`: the same model at magnitude one, whose tol 1e-12 prices times `price_scale` are the
    reference (Clarabel is not trusted at the scaled data itself)."""
    reference_model = (reference_build or build)()
    _, reference = direct(reference_model, 1e-12)
    reference_value = reference_model.problem.value * price_scale if reference_build is None else None
    reference = {n: v * price_scale for n, v in reference.items()}
    build().solve()  # warm-up: imports and first compiles are not what is compared
    ours, theirs, solves, ours_err, theirs_err = [], [], 0, 0.0, 0.0
    for _ in range(repeat):
        model = build()
        start = time.perf_counter()
        sol = model.solve()
        ours.append(time.perf_counter() - start)
        solves = 1 + sum("re-solved" in note for note in sol.certificate.notes)
        ours_err = price_error(raw_duals(model), reference)
        ours_value = sol.value
        theirs_model = build()
        seconds, prices = direct(theirs_model, 1e-8)
        theirs.append(seconds)
        theirs_err = price_error(prices, reference)
        theirs_value = float(theirs_model.problem.value)
    o, t = statistics.median(ours), statistics.median(theirs)
    value_error = (lambda v: f"{abs(v - reference_value) / abs(reference_value):.1e}") if reference_value else \
        (lambda v: "")
    price = (lambda e: f"{e:.1e}") if unique else (lambda e: "not unique")
    return {"model": label, "optmarkets s": f"{o:.3f}", "Clarabel direct s": f"{t:.3f}", "ratio": f"{o / t:.1f}",
            "optmarkets solves": solves, "price error, optmarkets": price(ours_err),
            "price error, direct": price(theirs_err), "value error, optmarkets": value_error(ours_value),
            "value error, direct": value_error(theirs_value)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default="benchmarks/results/conic.md")
    args = parser.parse_args()
    cases = [("EG market 20 x 10", lambda: market(20, 10)), ("EG market 100 x 40", lambda: market(100, 40)),
             ("EG market 300 x 100", lambda: market(300, 100)),
             ("EG market 100 x 40, supply x1e-6", lambda: market(100, 40, 1e-6), lambda: market(100, 40), 1e6),
             ("rational inattention 10 x 10", lambda: inattention(10), None, 1.0, False),
             ("rational inattention 40 x 40", lambda: inattention(40), None, 1.0, False)]
    rows = [row(label, build, args.repeat, *rest) for label, build, *rest in cases]
    table = pd.DataFrame(rows)
    text = ("# Conic solves: optmarkets vs Clarabel called directly (`python benchmarks/bench_conic.py`)\n\n" +
            f"Wall seconds, medians of {args.repeat}. optmarkets: `model.solve()` (Clarabel, scaled, certified, "
            "retried where the certificate fails); direct: cvxpy's compile + one Clarabel solve at tol 1e-8. "
            "Price errors relative to the largest price, against a Clarabel solve at tol 1e-12.\n\n")
    text += markdown(table) + "\n"
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()

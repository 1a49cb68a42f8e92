"""P_q (Galperti–Liu–Perego) through optmarkets vs the same LP handed to HiGHS directly.

    python benchmarks/bench_platform.py [--sizes 25 50 100] [--repeat 3]

The raw baseline builds the LP in scipy.sparse (no cvxpy) and times highspy's passModel + run.
optmarkets is timed end to end: building the model, compiling, solving, labelling the solution
and recomputing the certificate. "first" is a cold model (compilation included); "re-solve" binds
a new database q into the compiled model (DPP) and solves it cold; "warm" does the same starting
from the optimal basis of another q (`solve(warm_start=True)`), which is what sweeps do by default.
Prints one row per n with median seconds and the ratio optmarkets / raw.
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

import highspy
import numpy as np
import scipy.sparse as sp

import optmarkets as om
from optmarkets.builders.algebra import obedience_matrix


def economy(n: int, seed: int = 0) -> om.PersonalDataEconomy:
    rng = np.random.default_rng(seed)
    return om.PersonalDataEconomy(np.arange(1.0, n + 1), rng.dirichlet(np.ones(n)), np.zeros(n),
                                  gamma_u=1.0, gamma_pi=0.25)


def raw_highs(econ: om.PersonalDataEconomy, q: np.ndarray) -> tuple[float, float]:
    """(seconds, optimal value) of P_q built by hand: max v.chi, consistency rows, obedience rows."""
    n_a, n_w = econ.platform_payoff.shape
    consistency = sp.hstack([sp.identity(n_w)] * n_a, format="csr")  # sum_a chi(a, w) = q(w), vec in C order
    obedience, _ = obedience_matrix(econ.merchant_profit)
    A = sp.vstack([consistency, obedience], format="csc")
    inf = highspy.kHighsInf
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    model = highspy.HighsModel()
    lp = model.lp_
    lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
    lp.col_cost_ = -econ.platform_payoff.ravel()  # HiGHS minimises
    lp.col_lower_, lp.col_upper_ = np.zeros(A.shape[1]), np.full(A.shape[1], inf)
    lp.row_lower_ = np.concatenate([q, np.zeros(obedience.shape[0])])
    lp.row_upper_ = np.concatenate([q, np.full(obedience.shape[0], inf)])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
    start = time.perf_counter()
    h.passModel(model)
    h.run()
    seconds = time.perf_counter() - start
    return seconds, -h.getInfo().objective_function_value


def through_optmarkets(econ, q, *, fresh: bool, warm: bool = False) -> tuple[float, float, om.Solution]:
    if fresh:
        econ = om.PersonalDataEconomy(econ.values, econ.mass, econ.outside_option, econ.gamma_u, econ.gamma_pi)
    start = time.perf_counter()
    sol = econ.platform_problem(q).solve(warm_start=warm)
    return time.perf_counter() - start, sol.value, sol


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[25, 50, 100])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    om.solvers.silence_highs_banner()
    header = (f"{'n':>4} {'vars':>7} {'rows':>7} {'nnz':>9} {'raw s':>8} {'first s':>8} {'ratio':>6} "
              f"{'resolve s':>9} {'ratio':>6} {'warm s':>7} {'ratio':>6} {'compile s':>9} {'certify s':>9} "
              f"{'peak MiB':>8} {'|dV|':>8}")
    print(header)
    for n in args.sizes:
        econ = economy(n)
        rng = np.random.default_rng(n)
        qs = [econ.mass * rng.uniform(0.3, 1.0, n) for _ in range(args.repeat)]
        raw = [raw_highs(econ, q) for q in qs]
        first = [through_optmarkets(econ, q, fresh=True) for q in qs]
        tracemalloc.start()  # a separate, untimed pass: tracing slows allocation
        through_optmarkets(econ, qs[0], fresh=True)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        through_optmarkets(econ, qs[0], fresh=False)  # compile the shared template once
        again = [through_optmarkets(econ, q, fresh=False) for q in qs]
        anchor = econ.platform_problem(qs[-1] * 0.9)
        anchor.reset_warm_start()
        anchor.solve(warm_start=True, certify=False)  # the anchor basis of the warm re-solves
        warm = [through_optmarkets(econ, q, fresh=False, warm=True) for q in qs]
        diff = max(abs(r[1] - o[1]) for r, o in zip(raw + raw, again + warm))
        t_raw = statistics.median(r[0] for r in raw)
        t_first = statistics.median(o[0] for o in first)
        t_again = statistics.median(o[0] for o in again)
        t_warm = statistics.median(o[0] for o in warm)
        sol = first[-1][2]
        model = econ.platform_problem(qs[0])
        size = model.size()
        certify = time.perf_counter()
        model.solve(certify=False)
        no_cert = time.perf_counter() - certify
        nnz = obedience_matrix(econ.merchant_profit)[0].nnz + n * n
        print(f"{n:>4} {size['variables']:>7} {size['constraints']:>7} {nnz:>9} {t_raw:>8.3f} {t_first:>8.3f} "
              f"{t_first / t_raw:>6.3f} {t_again:>9.3f} {t_again / t_raw:>6.3f} {t_warm:>7.3f} {t_warm / t_raw:>6.3f} "
              f"{sol.timings['compile']:>9.3f} "
              f"{max(t_again - no_cert, 0):>9.3f} {peak:>8.1f} {diff:>8.1e}")


if __name__ == "__main__":
    main()

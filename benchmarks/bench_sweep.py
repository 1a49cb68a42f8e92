"""Sweep throughput and parallel speed-up on GLP P_q (issue 7 goals).

    python benchmarks/bench_sweep.py [--points 1000] [--n 20] [--workers 2]

1. Throughput: `om.sweep(econ.platform_problem, grid, prices=["consistency"])` over `points` random
   databases q (one compiled P_q, DPP re-solves through `Model.bind`) against a plain loop of scipy
   `linprog(method="highs")` on the same LPs built by hand (matrices built once, only b_eq changes).
   Goal: linprog time / sweep time >= 0.9.
2. Speed-up of the dask executor on a LocalCluster of `workers` processes (started before the clock,
   as a user with a cluster has it) and of joblib processes, over the serial sweep. Goal >= 1.7.
The two sides of each comparison alternate in `rounds` slices of the points, so that both see the
same machine load; the table gives the total and the median of the per-round ratios.
"""

import argparse
import time

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.builders.obedience import obedience_matrix


def economy(n: int, seed: int = 0) -> om.PersonalDataEconomy:
    rng = np.random.default_rng(seed)
    values = np.sort(rng.choice(np.arange(1, 3 * n + 1), n, replace=False)).astype(float)
    return om.PersonalDataEconomy(values, rng.dirichlet(np.ones(n)), np.zeros(n), gamma_u=1.0, gamma_pi=0.3)


def raw_linprog(econ, qs) -> tuple[float, np.ndarray]:
    """The loop a user would write without optmarkets: build P_q's matrices once, re-solve per q."""
    start = time.perf_counter()
    n_a, n_w = econ.platform_payoff.shape
    D, _ = obedience_matrix(econ.merchant_profit)
    A_ub, b_ub = (-D).tocsr(), np.zeros(D.shape[0])  # obedience: D vec(chi) >= 0
    A_eq = sp.kron(np.ones((1, n_a)), sp.eye(n_w)).tocsr()  # sum_a chi(a, w) = q(w)
    c = -econ.platform_payoff.ravel()
    values = [-linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=q, method="highs").fun for q in qs]
    return time.perf_counter() - start, np.array(values)


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (a shared machine's load drifts)")
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()

    econ = economy(args.n)
    rng = np.random.default_rng(1)
    qs = [econ.mass * rng.uniform(0.05, 1.0, args.n) for _ in range(args.points)]
    rounds = np.array_split(np.arange(args.points), args.rounds)

    def sweep(idx, **kw):
        return om.sweep(econ.platform_problem, [dict(q=qs[i]) for i in idx], prices=["consistency"],
                        progress=False, **kw)

    om.PersonalDataEconomy([1.0, 2.0], [0.5, 0.5], [0, 0]).platform_problem([0.1, 0.1]).solve()  # imports, banner
    # Throughput: linprog and the serial sweep alternate on the same points, round after round.
    times = {"raw linprog loop": [], "sweep serial (certify=False)": [], "sweep serial, certify=True": []}
    serial = []
    for idx in rounds:
        t, raw_values = raw_linprog(econ, [qs[i] for i in idx])
        times["raw linprog loop"].append(t)
        t, df = timed(lambda: sweep(idx))
        times["sweep serial (certify=False)"].append(t)
        times["sweep serial, certify=True"].append(timed(lambda: sweep(idx, certify=True))[0])
        assert np.allclose(df["value"], raw_values, atol=1e-8), "sweep and linprog disagree"
        serial.append(df)
    serial = pd.concat(serial, ignore_index=True).rename_axis("point")
    raw = np.array(times["raw linprog loop"])
    rows = [(k, sum(v), raw.sum() / sum(v), np.median(raw / np.array(v))) for k, v in times.items()]
    print(f"GLP P_q, n = {args.n} ({args.n ** 2} variables), {args.points} points in {args.rounds} "
          f"interleaved rounds, {args.workers} workers\n")
    print(pd.DataFrame(rows, columns=["method", "seconds", "throughput vs linprog", "median of rounds"]).to_string(
        index=False, float_format="{:.3f}".format))

    # Speed-up: the serial sweep and each parallel executor alternate, round after round.
    t_serial = np.array(times["sweep serial (certify=False)"])
    speed = []
    t_cold, _ = timed(lambda: sweep(rounds[0], n_jobs=args.workers))  # pays the worker start-up
    speed.append(("joblib processes, first call (start-up)", t_cold, t_serial[0] / t_cold, np.nan))
    t_proc = [timed(lambda: sweep(idx, n_jobs=args.workers))[0] for idx in rounds]
    procs = sweep(np.arange(args.points), n_jobs=args.workers)
    pd.testing.assert_frame_equal(serial.drop(columns="time"), procs.drop(columns="time"), atol=1e-10)
    speed.append(("joblib processes, warm workers", sum(t_proc), t_serial.sum() / sum(t_proc),
                  np.median(t_serial / np.array(t_proc))))
    if not args.no_dask:
        from distributed import Client, LocalCluster

        t_own, _ = timed(lambda: sweep(rounds[0], executor="dask", n_jobs=args.workers))
        speed.append(("dask, own LocalCluster (incl. start-up)", t_own, t_serial[0] / t_own, np.nan))
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=None) as cluster, \
                Client(cluster) as client:
            client.run(lambda: __import__("optmarkets"))  # workers import optmarkets / cvxpy
            sweep(rounds[0][:4], client=client)  # workers compile P_q once (the factory is cached per worker)
            t_dask, t_ser2 = [], []
            for idx in rounds:
                t_ser2.append(timed(lambda: sweep(idx))[0])
                t_dask.append(timed(lambda: sweep(idx, client=client))[0])
            dask = sweep(np.arange(args.points), client=client)
        pd.testing.assert_frame_equal(serial.drop(columns="time"), dask.drop(columns="time"), atol=1e-10)
        speed.append(("dask, running LocalCluster (vs serial rounds beside it)", sum(t_dask),
                      sum(t_ser2) / sum(t_dask), np.median(np.array(t_ser2) / np.array(t_dask))))
    print()
    print(pd.DataFrame(speed, columns=["executor", "seconds", "speed-up vs serial", "median of rounds"]).to_string(
        index=False, float_format="{:.3f}".format))


if __name__ == "__main__":
    main()

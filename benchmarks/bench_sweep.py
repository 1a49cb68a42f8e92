"""Sweep throughput and parallel speed-up on GLP P_q (issue 7 goals).

    python benchmarks/bench_sweep.py [--points 1000] [--n 20] [--workers 2] [--rounds 3]

1. Throughput: `om.sweep(econ.platform_problem, grid, prices=["consistency"])` over `points` random
   databases q (one compiled P_q: DPP re-solves through `Model.bind`; by default warm, from the
   first point's basis) against a plain loop of scipy `linprog(method="highs")` on the same LPs
   built by hand (matrices built once, only b_eq changes). Also the sweep with cold solves
   (warm_start=False) and with certificates. Goal: linprog time / sweep time >= 0.9.
2. Speed-up over the serial sweep of all `points`: joblib processes and dask on a LocalCluster of
   `workers` processes (started before the clock, as a user with a cluster has it; the sweep with
   its own LocalCluster, start-up included, is shown too). Goal >= 1.7 for dask with 2 workers.
Both sides of a comparison alternate, `rounds` times, so that both see the same machine load; the
tables give the median time of each method and the median of the per-round ratios.
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


def raw_linprog(econ, qs) -> np.ndarray:
    """The loop a user would write without optmarkets: build P_q's matrices once, re-solve per q."""
    n_a, n_w = econ.platform_payoff.shape
    D, _ = obedience_matrix(econ.merchant_profit)
    A_ub, b_ub = (-D).tocsr(), np.zeros(D.shape[0])  # obedience: D vec(chi) >= 0
    A_eq = sp.kron(np.ones((1, n_a)), sp.eye(n_w)).tocsr()  # sum_a chi(a, w) = q(w)
    c = -econ.platform_payoff.ravel()
    return np.array([-linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=q, method="highs").fun for q in qs])


def alternate(methods: dict, rounds: int) -> tuple[dict[str, list[float]], dict]:
    """Run each method once per round, in turn; return the times and each method's last output."""
    times, out = {k: [] for k in methods}, {}
    for _ in range(rounds):
        for name, fn in methods.items():
            start = time.perf_counter()
            out[name] = fn()
            times[name].append(time.perf_counter() - start)
    return times, out


def table(times: dict, base: str, label: str, ratio: str, base_over_method: bool = True) -> pd.DataFrame:
    rows = []
    for name, t in times.items():
        r = np.array(times[base]) / np.array(t) if base_over_method else np.array(t) / np.array(times[base])
        rows.append((name, np.median(t), np.median(r), np.min(r), np.max(r)))
    return pd.DataFrame(rows, columns=[label, "median s", ratio, "min", "max"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds (a shared machine's load drifts)")
    parser.add_argument("--no-dask", action="store_true")
    args = parser.parse_args()

    econ = economy(args.n)
    rng = np.random.default_rng(1)
    qs = [econ.mass * rng.uniform(0.05, 1.0, args.n) for _ in range(args.points)]
    grid = [dict(q=q) for q in qs]

    def sweep(**kw):
        return om.sweep(econ.platform_problem, grid, prices=["consistency"], progress=False, **kw)

    sweep()  # imports, banner, the compilation of P_q
    print(f"GLP P_q, n = {args.n} ({args.n ** 2} variables, {args.n ** 2 + args.n} rows), {args.points} points, "
          f"{args.rounds} alternating rounds, {args.workers} workers\n")
    times, out = alternate({
        "raw linprog loop": lambda: raw_linprog(econ, qs),
        "sweep (warm, default)": sweep,
        "sweep, warm_start=False": lambda: sweep(warm_start=False),
        "sweep, certify=True": lambda: sweep(certify=True),
    }, args.rounds)
    for name in ("sweep (warm, default)", "sweep, warm_start=False"):
        assert np.allclose(out[name]["value"], out["raw linprog loop"], atol=1e-8), f"{name} and linprog disagree"
    print(table(times, "raw linprog loop", "method", "throughput vs linprog").to_string(
        index=False, float_format="{:.3f}".format))

    serial = out["sweep (warm, default)"].drop(columns="time")
    methods = {"serial": sweep, f"joblib, {args.workers} processes": lambda: sweep(n_jobs=args.workers)}
    if args.no_dask:
        speed, out = alternate(methods, args.rounds)
    else:
        from distributed import Client, LocalCluster

        start = time.perf_counter()
        own = sweep(executor="dask", n_jobs=args.workers)
        t_own = time.perf_counter() - start
        pd.testing.assert_frame_equal(serial, own.drop(columns="time"), atol=0, rtol=0)
        with LocalCluster(n_workers=args.workers, threads_per_worker=1, dashboard_address=":0") as cluster, \
                Client(cluster) as client:
            client.run(lambda: __import__("optmarkets"))  # the workers import optmarkets and cvxpy
            methods[f"dask, LocalCluster of {args.workers}"] = lambda: sweep(client=client)
            speed, out = alternate(methods, args.rounds)
        speed["dask, own LocalCluster (start-up included)"] = [t_own]
    for df in out.values():  # every executor returns the serial sweep's numbers exactly
        pd.testing.assert_frame_equal(serial, df.drop(columns="time"), atol=0, rtol=0)
    print()
    print(table({k: v if len(v) == args.rounds else v * args.rounds for k, v in speed.items()}, "serial",
                "executor", "speed-up vs serial").to_string(index=False, float_format="{:.3f}".format))


if __name__ == "__main__":
    main()

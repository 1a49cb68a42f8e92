"""Benchmark: the general engines at the literature's sizes, against the same LP built directly for highspy.

    taskset -c 0,1 python benchmarks/bench_engines.py [--out benchmarks/results/engines.md] [--budget 840]
                                                     [--timeout 180] [--only ENGINE ...] [--sizes SIZE ...]

Instances (seed 0): ce n x m: n players with m actions, payoffs uniform on [0, 1), max welfare
(`om.correlated_equilibrium`); fpa n x m: the first-price auction with private values (two bidders,
values k/n, state = the value pair (uniform), bids on an m-point grid of [0, 1], ties split, each
bidder observing its own value through an `InformationStructure`), min revenue
(`om.bayes_correlated_equilibrium`); cv n x m: BCESolve's common-value auction (value k/n uniform,
bidders observe nothing, each bidder's payoff (v - b) x its winning share), min revenue;
persuasion k: k states x k actions (random prior, a receiver who matches the state, u = -((w - a)/k)^2,
a sender who wants high actions, v = a/k); segmentation n: values 1..n (random market), BBM's
consumer-surplus-maximising segmentation with the uniform-price profit floor (both sides on suffix masses,
`builders.segmentation.price_obedience`: about 6.5 n^2 nonzeros), by HiGHS's dual simplex on both sides;
segmentation-ipm n: the same LP by HiGHS's interior point with crossover on both sides (the model's default
solver from 150 values, `games.design.IPM_FROM_VALUES`); mechanism n x k: a single
item, n bidders with values 1..k, a random correlated prior (Dirichlet); max revenue, BIC + interim IR
(mechanism-bic) and DSIC + ex-post IR (mechanism-dsic).
Each side runs in its own process (`--one`), after its imports and a tiny warm-up solve:

    ours      build the model (game, information structure, families) + model.solve(certify=False)
    raw       build the same LP's arrays here with vectorised numpy / scipy.sparse (on the support only:
              one variable per (state, action profile) with mass) + highspy passModel, run, getSolution,
              at ours' default tolerances (1e-8: optmarkets' SOLVE_TOL; HiGHS's defaults are 1e-7, which
              change the simplex path by up to 20% either way)
    nonzeros  of the raw LP's constraint matrix (the same LP ours hands HiGHS: the same coefficients, rows
              not rescaled -- a BIC row weighted by q(a, s) instead of the belief q(s | a) is the same
              constraint, but HiGHS's path on it differs: tests/test_bench_engines.py compares them)
    seconds   wall clock of build + solve; ratio = ours / raw
    HiGHS s   each side's HiGHS run (its own clock); iterations: each side's, ours / raw
    ratio, same run  ours / raw with our HiGHS run's time replaced by raw's, where both took the same iterations
              (the same LP and options: the same computation, whose time on this VM varies by up to half from
              one run to the next): the ratio of what our own code costs
    peak MiB  the process's peak resident set size above its baseline after the imports (Linux VmHWM,
              reset at the baseline: Python, numpy, cvxpy and HiGHS's C++ memory all count); ratio = ours / raw
    value diff  |ours - raw| of the optimal values
    warm      under 10 s, each side builds and solves the instance a second time in the same process:
              the memory it needs is then mapped. A fresh process pays for each page it first touches
              (this VM: 6.5 us per 4 KiB page, 140 ms for 80 MB, against 9 ms touched again), so the
              first run's time grows with peak memory; warm ratio = warm ours / warm raw
Each side of an instance whose raw side takes under 60 s runs in 3 processes, under 1 s in 7 (alternating with
the other side): the table shows each side's process of median first-run time ("runs"). The same HiGHS run on
the same LP takes from 0.10 s to 0.18 s in five processes here (mechanism-bic 4x6): a median of 3 moves a
sub-second ratio by a fifth. An instance whose side runs
past --timeout stops its engine's larger instances; --budget caps the run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from _common import markdown

HERE = Path(__file__).resolve().parent

#: engine -> sizes, smallest first (a timeout stops the engine's larger ones)
SIZES = {
    "ce": ["2x20", "3x12", "4x7", "5x5", "2x60", "3x20", "5x7"],
    "fpa": ["5x6", "8x9", "10x11", "15x16", "20x21"],
    "cv": ["10x11", "20x21", "30x31", "50x51"],
    "persuasion": ["30", "100", "200"],
    "segmentation": ["100", "150", "200", "300", "400"],
    "segmentation-ipm": ["200", "400", "500", "600"],
    "mechanism-bic": ["2x10", "2x20", "3x10", "4x6", "3x20", "4x10"],
    "mechanism-dsic": ["2x10", "2x20", "3x10", "4x6", "4x10", "3x20"],
}
#: engine -> the solver both sides run (default: the model's, HiGHS's dual simplex): segmentation is the LP by the
#: dual simplex, segmentation-ipm by HiGHS's interior point with crossover (`solver="HIGHS_IPM"`, the segmentation
#: model's default from 150 values: `games.design.IPM_FROM_VALUES`)
SOLVER = {"segmentation": "HIGHS", "segmentation-ipm": "HIGHS_IPM"}
#: engine -> a tiny instance each side builds and solves before its clock (the engine's lazy imports:
#: xarray's first labelled array imports dask where it is installed, 0.5 s)
WARM_UP = {"ce": "2x2", "fpa": "3x4", "cv": "3x4", "persuasion": "5", "segmentation": "10", "segmentation-ipm": "10",
           "mechanism-bic": "2x3", "mechanism-dsic": "2x3"}


# ---------------------------------------------------------------- instances (data only, shared by both sides)


def _dims(size: str) -> list[int]:
    return [int(x) for x in size.split("x")]


def ce_data(n: int, m: int):
    rng = np.random.default_rng(0)
    payoffs = [rng.uniform(size=(1, *(m,) * n)) for _ in range(n)]
    return payoffs, np.ones(1), [np.zeros(1, int)] * n, sum(payoffs), "max"


def fpa_data(n: int, m: int):
    """(payoffs over (state, b1, b2), prior, each bidder's signal (its value's index) per state, revenue, 'min')."""
    v, b = np.arange(1, n + 1) / n, np.linspace(0, 1, m)
    i1, i2 = (g.reshape(-1) for g in np.meshgrid(np.arange(n), np.arange(n), indexing="ij"))
    share = (b[:, None] > b[None, :]) + 0.5 * (b[:, None] == b[None, :])
    u1 = (v[i1][:, None, None] - b[None, :, None]) * share[None]
    u2 = (v[i2][:, None, None] - b[None, None, :]) * (1 - share)[None]
    revenue = np.broadcast_to(np.maximum(b[:, None], b[None, :]), (n * n, m, m))
    return [u1, u2], np.full(n * n, 1 / n ** 2), [i1, i2], revenue, "min"


def cv_data(n: int, m: int):
    v, b = np.arange(1, n + 1) / n, np.linspace(0, 1, m)
    share = (b[:, None] > b[None, :]) + 0.5 * (b[:, None] == b[None, :])
    u1 = (v[:, None, None] - b[None, :, None]) * share[None]
    u2 = (v[:, None, None] - b[None, None, :]) * (1 - share)[None]
    revenue = np.broadcast_to(np.maximum(b[:, None], b[None, :]), (n, m, m))
    return [u1, u2], np.full(n, 1 / n), [np.zeros(n, int)] * 2, revenue, "min"


def persuasion_data(k: int):
    """A receiver who wants to match the state (u = -((w - a) / k)^2), a sender who wants high actions
    (v = a / k), a random prior."""
    grid = np.arange(k, dtype=float)
    receiver = -((grid[:, None] - grid[None, :]) / k) ** 2
    sender = np.broadcast_to(grid / k, (k, k))
    prior = np.random.default_rng(0).dirichlet(np.ones(k))
    return [receiver], prior, [np.zeros(k, int)], sender, "max"


def segmentation_data(n: int):
    rng = np.random.default_rng(0)
    values = np.arange(1, n + 1, dtype=float)
    market = rng.dirichlet(np.ones(n))
    sale = values[:, None] >= values[None, :]
    profit, surplus = values[None, :] * sale, (values[:, None] - values[None, :]) * sale
    floor = float(np.max(values * market[::-1].cumsum()[::-1]))
    return [profit], market, [np.zeros(n, int)], surplus, "max", values, floor


# ---------------------------------------------------------------- the raw LP, built here


def direct_bce(payoffs, prior, signal_of, objective, sense, floor_row=None):
    """The BCE LP over mu[w, a] (C order) with deterministic signals t_i = signal_of[i][w] (so each state is
    one cell): consistency sum_a mu[w, a] = prior[w]; obedience rows (i, t_i, a_i, b != a_i):
    sum mu (u_i[w, a] - u_i[w, b, a_-i]) >= 0; optionally one more row (weights, lower bound).
    Returns highspy's arrays (min form, column-wise) and the objective's sign."""
    n, W, m = len(payoffs), payoffs[0].shape[0], payoffs[0].shape[1:]
    A = int(np.prod(m))
    size = W * A
    act = np.indices(m).reshape(n, -1)
    blocks = [sp.kron(sp.identity(W, format="csr"), np.ones((1, A)), format="csc")]
    for i in range(n):
        T = int(signal_of[i].max()) + 1
        u = payoffs[i].reshape(W, A)
        rows, cols, vals = [], [], []
        for b in range(m[i]):  # one deviation at a time, vectorised over the entries
            dev = act.copy()
            dev[i] = b
            gain = u - u[:, np.ravel_multi_index(tuple(dev), m)]
            keep = np.flatnonzero(act[i] != b)
            r = (signal_of[i][:, None] * m[i] + act[i][None, keep]) * (m[i] - 1) + b - (b > act[i][None, keep])
            g = gain[:, keep]
            nz = g != 0
            rows.append(r[nz])
            cols.append((np.arange(W)[:, None] * A + keep[None, :])[nz])
            vals.append(g[nz])
        blocks.append(sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                                    shape=(T * m[i] * (m[i] - 1), size)))
    lower = [np.asarray(prior, float)] + [np.zeros(blk.shape[0]) for blk in blocks[1:]]
    upper = [np.asarray(prior, float)] + [np.full(blk.shape[0], np.inf) for blk in blocks[1:]]
    if floor_row is not None:
        blocks.append(sp.csc_matrix(np.asarray(floor_row[0], float).reshape(1, -1)))
        lower.append(np.array([floor_row[1]]))
        upper.append(np.array([np.inf]))
    M = sp.vstack(blocks, format="csc")
    sign = -1.0 if sense == "max" else 1.0
    return dict(c=sign * np.asarray(objective, float).reshape(-1), indptr=M.indptr, indices=M.indices, data=M.data,
                shape=np.array(M.shape), row_lower=np.concatenate(lower), row_upper=np.concatenate(upper),
                col_lower=np.zeros(size), col_upper=np.full(size, np.inf)), sign


def direct_segmentation(values, market, floor):
    """BBM's consumer-surplus-maximising segmentation on suffix masses, as the engine builds it (every value has
    mass here): x[v, p] and S[v, p] = sum_{w >= v} x[w, p] (C order, x first); consistency sum_p x[v, p] =
    market[v]; suffix S[v, p] - S[v + 1, p] - x[v, p] = 0; obedience (p, p' != p) v_p S[p, p] - v_p' S[p', p]
    >= 0; the profit floor sum_v x[v, p] v_p 1[v >= p] >= floor. Max consumer surplus."""
    n = values.size
    N = n * n
    v, p = np.divmod(np.arange(N), n)
    c = np.r_[-np.where(v >= p, values[v] - values[p], 0.0), np.zeros(N)]
    below = v < n - 1
    blocks = [sp.csr_matrix((np.ones(N), (v, np.arange(N))), shape=(n, 2 * N)),
              sp.csr_matrix((np.r_[np.ones(N), -np.ones(int(below.sum())), -np.ones(N)],
                             (np.r_[np.arange(N), np.flatnonzero(below), np.arange(N)],
                              np.r_[N + np.arange(N), N + np.flatnonzero(below) + n, np.arange(N)])), shape=(N, 2 * N))]
    own, dev = np.nonzero(~np.eye(n, dtype=bool))
    at = np.arange(own.size)
    blocks.append(sp.csr_matrix((np.r_[values[own], -values[dev]], (np.r_[at, at], np.r_[N + own * n + own,
                                                                                       N + dev * n + own])),
                                shape=(own.size, 2 * N)))
    blocks.append(sp.csr_matrix(np.r_[np.where(v >= p, values[p], 0.0), np.zeros(N)].reshape(1, -1)))
    M = sp.vstack(blocks, format="csc")
    lower = np.r_[market, np.zeros(N), np.zeros(own.size), floor]
    upper = np.r_[market, np.zeros(N), np.full(own.size, np.inf), np.inf]
    return dict(c=c, indptr=M.indptr, indices=M.indices, data=M.data, shape=np.array(M.shape), row_lower=lower,
                row_upper=upper, col_lower=np.zeros(2 * N), col_upper=np.full(2 * N, np.inf)), -1.0


def direct_mechanism(values, prior, ic: str, ir: str):
    from bench_mechanisms import direct_lp

    c, A_ub, b_ub, A_eq, b_eq, bounds = direct_lp(values, prior, ic, ir)
    M = sp.vstack([A_ub, A_eq], format="csc")
    lo = np.array([-np.inf if lb is None else lb for lb, _ in bounds])
    return dict(c=c, indptr=M.indptr, indices=M.indices, data=M.data, shape=np.array(M.shape),
                row_lower=np.r_[np.full(A_ub.shape[0], -np.inf), b_eq], row_upper=np.r_[b_ub, b_eq],
                col_lower=lo, col_upper=np.full(lo.size, np.inf)), -1.0


def modes(engine: str) -> tuple[str, str]:
    return ("bayesian", "interim") if engine == "mechanism-bic" else ("dominant", "ex_post")


def mechanism_data(n: int, k: int):
    """Each of n bidders values the item 1..k (its types), a random correlated prior over the k^n profiles."""
    values = [np.arange(1, k + 1, dtype=float)] * n
    return values, np.random.default_rng(0).dirichlet(np.ones(k ** n)).reshape((k,) * n)


def data_of(engine: str, size: str):
    """A mechanism's data (values and prior), made before either side's clock starts (the BCE engines'
    data are made on the clock on both sides)."""
    return mechanism_data(*_dims(size)) if engine.startswith("mechanism") else None


def raw_lp(engine: str, size: str, data=None):
    d = _dims(size)
    if engine.startswith("segmentation"):
        _, market, _, _, _, values, floor = segmentation_data(*d)
        return direct_segmentation(values, market, floor)
    if engine.startswith("mechanism"):
        return direct_mechanism(*data, *modes(engine))
    instance = {"ce": ce_data, "fpa": fpa_data, "cv": cv_data, "persuasion": persuasion_data}[engine](*d)
    return direct_bce(*instance)


# ---------------------------------------------------------------- our models


def our_model(engine: str, size: str, data=None):
    import optmarkets as om

    d = _dims(size)
    if engine == "ce":
        payoffs = ce_data(*d)[0]
        players = [f"p{i}" for i in range(d[0])]
        game = om.FiniteGame(players, {p: d[1] for p in players}, {p: u[0] for p, u in zip(players, payoffs)})
        return om.correlated_equilibrium(game)
    if engine in ("fpa", "cv"):
        payoffs, prior, signal_of, revenue, _ = (fpa_data if engine == "fpa" else cv_data)(*d)
        game = om.FiniteGame(["b1", "b2"], {"b1": d[1], "b2": d[1]}, {"b1": payoffs[0], "b2": payoffs[1]},
                             states=len(prior), prior=prior)
        info = None
        if engine == "fpa":
            own = [(s[:, None] == np.arange(d[0])[None, :]).astype(float) for s in signal_of]
            info = om.InformationStructure(game, {"b1": own[0], "b2": own[1]})
        return om.bayes_correlated_equilibrium(game, info, revenue, sense="min")
    if engine == "persuasion":
        payoffs, prior, _, sender, _ = persuasion_data(*d)
        return om.persuasion(range(d[0]), prior, range(d[0]), payoffs[0], sender)
    if engine.startswith("segmentation"):
        _, market, _, _, _, values, _ = segmentation_data(*d)
        return om.segmentation(values, market)
    ic, ir = modes(engine)
    values, prior = data
    env = om.MechanismEnvironment.single_item(values, prior)
    return om.mechanism_design(env, "revenue", ic=ic, ir=ir)


# ---------------------------------------------------------------- one side, in its own process


def one(engine: str, size: str, side: str) -> dict:
    """One side's build + solve in this (fresh) process, after a warm-up; then, for an instance under
    WARM_BELOW seconds, the same again in the same process ("warm": its memory already mapped)."""
    import _raw_highs as raw

    data = data_of(engine, size)
    if side == "ours":
        import optmarkets as om

        def attempt() -> tuple[float, float, float, dict]:
            t0 = time.perf_counter()
            model = our_model(engine, size, data)
            t1 = time.perf_counter()
            sol = model.solve(certify=False, solver=SOLVER.get(engine))
            t2 = time.perf_counter()
            return t1 - t0, t2 - t1, sol.value, dict(variables=model.size()["variables"],
                                                     rows=model.size()["constraints"],
                                                     highs=sol.timings["solver"],
                                                     iterations=int(model.problem.solver_stats.num_iters))

        with om.limits(max_nonzeros=10 ** 9, max_entries=10 ** 9):
            our_model(engine, WARM_UP[engine], data_of(engine, WARM_UP[engine])).solve(certify=False,
                                                                                   solver=SOLVER.get(engine))
            return _timed(attempt, raw)
    if engine.startswith("mechanism"):
        import bench_mechanisms  # noqa: F401  (its direct_lp; the import, which loads optmarkets, is off the clock)

    tolerances = same_tolerances(SOLVER.get(engine))

    def attempt() -> tuple[float, float, float, dict]:
        t0 = time.perf_counter()
        lp, sign = raw_lp(engine, size, data)
        t1 = time.perf_counter()
        h = raw.new_highs(tolerances)
        raw.pass_model(h, lp)
        h.run()
        h.getSolution()
        t2 = time.perf_counter()
        return t1 - t0, t2 - t1, sign * float(h.getInfo().objective_function_value), dict(
            nonzeros=int(lp["data"].size), variables=int(lp["shape"][1]), rows=int(lp["shape"][0]),
            status=h.modelStatusToString(h.getModelStatus()), highs=h.getRunTime(), iterations=_iterations(h))

    raw.warm_up()
    tiny, _ = raw_lp(engine, WARM_UP[engine], data_of(engine, WARM_UP[engine]))
    h = raw.new_highs(tolerances)
    raw.pass_model(h, tiny)
    h.run()
    return _timed(attempt, raw)


def _iterations(h) -> int:
    """HiGHS's iterations of every kind, as optmarkets counts them (`cvxpy_internals.write_highs`)."""
    info = h.getInfo()
    return int(info.ipm_iteration_count + info.crossover_iteration_count + info.pdlp_iteration_count
               + info.qp_iteration_count + info.simplex_iteration_count)


def _timed(attempt, raw) -> dict:
    baseline = raw.baseline_kib()
    build, solve, value, extra = attempt()
    out = dict(build=build, solve=solve, peak_mib=(raw.peak_kib() - baseline) / 1024, value=value, **extra)
    if build + solve < WARM_BELOW:
        build, solve, _, _ = attempt()
        out["warm"] = build + solve
    return out


def run_side(engine: str, size: str, side: str, timeout: float) -> dict | None:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--one", engine, size, side]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=HERE,
                              env={**os.environ, "PYTHONPATH": str(HERE)})
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise RuntimeError(f"{engine} {size} {side}: {done.stderr.strip().splitlines()[-1:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def same_tolerances(solver: str | None = None) -> dict:
    """The HiGHS options of ours' default tolerance (SOLVE_TOL, 1e-8; HiGHS's own are 1e-7), which the raw
    side runs at: both sides solve the same LP to the same accuracy. solver "HIGHS_IPM": the interior point
    with crossover, at the options ours' HIGHS_IPM backend sets (its crossover's dual tolerance is tighter)."""
    from optmarkets.core.tolerances import SOLVE_TOL

    if solver == "HIGHS_IPM":
        from optmarkets.solvers.registry import _highs_ipm_tol

        return {**_highs_ipm_tol(SOLVE_TOL), "solver": "ipm", "run_crossover": "on"}
    return {name: SOLVE_TOL for name in ("primal_feasibility_tolerance", "dual_feasibility_tolerance",
                                         "ipm_optimality_tolerance", "mip_feasibility_tolerance")}


#: an instance whose raw side takes less (build + solve, seconds) runs REPEATS times a side, under QUICK_BELOW
#: QUICK_REPEATS times; the run of median time is shown (this machine's timings of one run vary by 20-50% below a
#: second)
REPEAT_BELOW, REPEATS = 60.0, 3
QUICK_BELOW, QUICK_REPEATS = 1.0, 7
#: the warm second build + solve in the same process: instances under this many seconds
WARM_BELOW = 10.0


def _median_run(runs: list[dict]) -> dict:
    """The run of median build + solve time (the slower of the middle two for an even count)."""
    done = sorted((r for r in runs if r is not None), key=lambda r: r["build"] + r["solve"])
    return done[len(done) // 2]


def bench(engines, timeout: float, budget: float, sizes: list[str] | None = None) -> pd.DataFrame:
    start, out = time.perf_counter(), []
    for engine in engines:
        for size in sizes or SIZES[engine]:
            left = budget - (time.perf_counter() - start)
            if left < 10:
                print(f"budget spent: {engine} {size} and later not run", flush=True)
                out.append({"engine": engine, "instance": size, "note": "not run (budget)"})
                break
            raws, ours_runs = [run_side(engine, size, "raw", min(timeout, left))], []
            if raws[0] is not None:
                ours_runs.append(run_side(engine, size, "ours", min(timeout, left)))
            if raws[0] is None or ours_runs[0] is None:
                out.append({"engine": engine, "instance": size, "nonzeros": raws[0] and raws[0]["nonzeros"],
                            "note": f"{'raw' if raws[0] is None else 'ours'} past {timeout:.0f} s; larger not run"})
                print(out[-1], flush=True)
                break
            first = raws[0]["build"] + raws[0]["solve"]
            repeats = QUICK_REPEATS if first < QUICK_BELOW else REPEATS if first < REPEAT_BELOW else 1
            for _ in range(repeats - 1):  # alternating, so that a busy spell hits both sides
                raws.append(run_side(engine, size, "raw", timeout))
                ours_runs.append(run_side(engine, size, "ours", timeout))
            raw, ours = _median_run(raws), _median_run(ours_runs)
            t_ours, t_raw = ours["build"] + ours["solve"], raw["build"] + raw["solve"]
            out.append({"engine": engine, "instance": size, "variables": ours["variables"],
                        "raw variables": raw["variables"], "nonzeros": raw["nonzeros"],
                        "ours build": ours["build"], "ours solve": ours["solve"], "ours s": t_ours,
                        "raw build": raw["build"], "raw solve": raw["solve"], "raw s": t_raw,
                        "time ratio": t_ours / t_raw,
                        "ours HiGHS s": ours["highs"], "raw HiGHS s": raw["highs"],
                        "iterations": f"{ours['iterations']:,} / {raw['iterations']:,}",
                        "ratio, same run": _same_run_ratio(ours, raw),
                        "ours MiB": ours["peak_mib"], "raw MiB": raw["peak_mib"],
                        "memory ratio": ours["peak_mib"] / max(raw["peak_mib"], 1.0),
                        "warm ours s": ours.get("warm"), "warm raw s": raw.get("warm"),
                        "warm ratio": ours["warm"] / raw["warm"] if "warm" in ours and "warm" in raw else None,
                        "value diff": abs(ours["value"] - raw["value"]), "runs": len(raws), "note": ""})
            print(out[-1], flush=True)
    return pd.DataFrame(out)


def _same_run_ratio(ours: dict, raw: dict) -> float | None:
    """ours / raw with ours' HiGHS run replaced by raw's, where both took the same iterations on the same LP (the
    same computation: its time on this VM varies by up to half between runs): what our own code costs."""
    if ours["iterations"] != raw["iterations"]:
        return None
    t_raw = raw["build"] + raw["solve"]
    return (ours["build"] + ours["solve"] - ours["highs"] + raw["highs"]) / t_raw


def shown(table: pd.DataFrame) -> pd.DataFrame:
    fmt = {"ours build": "{:.2f}", "ours solve": "{:.2f}", "ours s": "{:.2f}", "raw build": "{:.2f}",
           "raw solve": "{:.2f}", "raw s": "{:.2f}", "time ratio": "{:.2f}", "ours HiGHS s": "{:.3f}",
           "raw HiGHS s": "{:.3f}", "ratio, same run": "{:.2f}", "ours MiB": "{:.0f}",
           "raw MiB": "{:.0f}", "memory ratio": "{:.2f}", "value diff": "{:.1e}", "warm ours s": "{:.2f}",
           "warm raw s": "{:.2f}", "warm ratio": "{:.2f}"}
    out = table.copy()
    for col in ("variables", "raw variables", "nonzeros", "runs"):
        if col in out:
            out[col] = out[col].map(lambda x: "" if pd.isna(x) else f"{int(x):,}")
    for col, f in fmt.items():
        if col in out:
            out[col] = out[col].map(lambda x, f=f: "" if pd.isna(x) else f.format(x))
    return out.fillna("")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", default=str(HERE / "results" / "engines.md"))
    parser.add_argument("--budget", type=float, default=840.0, help="seconds for the whole run")
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds per side of one instance")
    parser.add_argument("--only", nargs="*", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--sizes", nargs="*", help="these instances of each engine instead of its SIZES")
    parser.add_argument("--one", nargs=3, metavar=("ENGINE", "SIZE", "SIDE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(*args.one)))
        return
    start = time.perf_counter()
    table = bench(args.only, args.timeout, args.budget, args.sizes)
    doc = __doc__ or ""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    text = ("# The general engines against the same LP built directly for highspy\n\n"
            f"`python benchmarks/bench_engines.py` ({time.perf_counter() - start:.0f} s, {cores} cores). Instances "
            + doc.split("Instances ")[1].split("An instance whose")[0].strip() + "\n\n" + markdown(shown(table)) + "\n")
    Path(args.out).write_text(text)
    print(shown(table).to_string(index=False))
    print(f"written {args.out}")


if __name__ == "__main__":
    main()

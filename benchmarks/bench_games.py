"""Benchmark: Bayes correlated equilibrium (`om.bayes_correlated_equilibrium`) as games grow, against the
same LP written directly for HiGHS from numpy / scipy.sparse matrices built here.

    python benchmarks/bench_games.py [--out benchmarks/results/games.md] [--repeat 1]

Instances: n players with m actions each, W states (uniform prior), every player observing a private
signal with T values (P(t | w) a random row-stochastic table; T = 1: no signal), payoffs uniform on
[0, 1) (seed 0); welfare objective. Columns:

    build     game + information structure + model (families, sparse rows), seconds
    compile   cvxpy's compilation to HiGHS's standard form, seconds (first solve)
    solve     HiGHS's own time, seconds; total = build + the whole first solve (prices, certificate off)
    peak MiB  tracemalloc's peak over build + solve (Python allocations, numpy arrays included;
              HiGHS's C++ memory is not traced, on either side)
    direct    the same LP written here with vectorised numpy / scipy.sparse: build, linprog(highs)
              solve, peak MiB; ratio = total / direct total. |dv| = the welfare difference.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
from _common import comparison, formatted, markdown, traced_peak
from scipy.optimize import linprog

import optmarkets as om

#: (players, actions, states, signals per player)
SIZES = [(2, 2, 1, 1), (2, 4, 3, 2), (3, 4, 1, 1), (3, 4, 3, 2), (3, 6, 5, 1), (3, 6, 5, 2), (4, 4, 2, 2)]


def instance(n: int, m: int, W: int, T: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    payoffs = [rng.uniform(size=(W, *(m,) * n)) for _ in range(n)]
    likelihoods = [rng.dirichlet(np.ones(T), size=W) for _ in range(n)] if T > 1 else []
    return payoffs, likelihoods, np.full(W, 1.0 / W)


def build_ours(n, m, W, T, payoffs, likelihoods, prior):
    players = [f"p{i}" for i in range(n)]
    game = om.FiniteGame(players, {p: list(range(m)) for p in players},
                         {p: u for p, u in zip(players, payoffs, strict=True)}, states=list(range(W)), prior=prior)
    info = om.InformationStructure(game, dict(zip(players, likelihoods, strict=False)))
    return om.bayes_correlated_equilibrium(game, info, "welfare")


# ---------------------------------------------------------------- the LP written directly


def direct_lp(payoffs: list[np.ndarray], likelihoods: list[np.ndarray], prior: np.ndarray):
    """max sum mu * welfare over mu[w, t_1..t_n, a_1..a_n] >= 0 (C order), as linprog's min of -c.

    Equalities: sum_a mu[w, t, a] = prior[w] prod_i P(t_i | w). Inequalities (as -G mu <= 0): for every
    player i, t_i, a_i, b_i != a_i: sum_{w, t_-i, a_-i} mu (u_i[w, a] - u_i[w, b_i, a_-i]) >= 0."""
    n = len(payoffs)
    W, m = payoffs[0].shape[0], payoffs[0].shape[1:]
    T = [lik.shape[1] for lik in likelihoods] if likelihoods else [1] * n
    A = int(np.prod(m))
    cells = W * int(np.prod(T))
    size = cells * A
    # consistency: one row per (w, t), the action profiles of the cell summed
    mass = prior.copy().reshape(W, 1)
    for i in range(n):
        lik = likelihoods[i] if likelihoods else np.ones((W, 1))
        mass = (mass[:, :, None] * lik[:, None, :]).reshape(W, -1)
    A_eq = sp.kron(sp.eye(cells), np.ones((1, A)), format="csr")
    # positions: every entry's state, signals and actions
    grid = np.indices((W, *T, *m)).reshape(1 + 2 * n, -1)
    w, sig, act = grid[0], grid[1:1 + n], grid[1 + n:]
    blocks = []
    for i in range(n):
        u = payoffs[i].reshape(W, A)
        prof = np.ravel_multi_index(tuple(act), m)
        rows, cols, vals = [], [], []
        for b in range(m[i]):  # the deviation b: a loop over m_i actions, each vectorised over entries
            dev = act.copy()
            dev[i] = b
            gain = u[w, prof] - u[w, np.ravel_multi_index(tuple(dev), m)]
            keep = act[i] != b
            k = np.flatnonzero(keep)
            rows.append((sig[i][k] * m[i] + act[i][k]) * m[i] + b)  # row (t_i, a_i, b) in a T*m*m block
            cols.append(k)
            vals.append(gain[k])
        G = sp.csr_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                          shape=(T[i] * m[i] * m[i], size))
        blocks.append(-G[np.flatnonzero(~np.eye(m[i], dtype=bool).ravel()[np.arange(G.shape[0]) % (m[i] ** 2)])])
    A_ub = sp.vstack(blocks, format="csr")
    welfare = sum(u.reshape(W, A) for u in payoffs)
    c = -welfare[w, np.ravel_multi_index(tuple(act), m)]
    return c, A_ub, np.zeros(A_ub.shape[0]), A_eq, mass.reshape(-1)


def solve_direct(payoffs, likelihoods, prior):
    c, A_ub, b_ub, A_eq, b_eq = direct_lp(payoffs, likelihoods, prior)
    return linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")


# ---------------------------------------------------------------- timing


def run_ours(size, data):
    t0 = time.perf_counter()
    model = build_ours(*size, *data)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    sol = model.solve(certify=False)
    first = time.perf_counter() - t1
    peak = traced_peak(lambda: build_ours(*size, *data).solve(certify=False))
    rows = sum(f.shape[0] if f.lhs.ndim else 1 for f in model.families.values())
    return dict(rows=rows, build=build, compile=sol.timings["compile"], solve=sol.timings["solver"],
                total=build + first, peak_mib=peak, value=sol.value)


def run_direct(size, data):
    t0 = time.perf_counter()
    c, A_ub, b_ub, A_eq, b_eq = direct_lp(*data)
    build = time.perf_counter() - t0
    t1 = time.perf_counter()
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    solve = time.perf_counter() - t1
    assert res.status == 0, res.message
    peak = traced_peak(lambda: solve_direct(*data))
    return dict(build=build, solve=solve, total=build + solve, peak_mib=peak, value=-res.fun,
                rows=A_ub.shape[0] + A_eq.shape[0])


def bench(sizes, repeat: int) -> pd.DataFrame:
    out = []
    build_ours(*sizes[0], *instance(*sizes[0])).solve(certify=False)  # warm-up: first-use imports, not timed
    for size in sizes:
        n, m, W, T = size
        data = instance(*size)
        ours = min((run_ours(size, data) for _ in range(repeat)), key=lambda r: r["total"])
        direct = min((run_direct(size, data) for _ in range(repeat)), key=lambda r: r["total"])
        assert ours["rows"] == direct["rows"], (ours["rows"], direct["rows"])
        out.append({"players x actions x states x signals": f"{n} x {m} x {W} x {T}",
                    "variables": W * T ** n * m ** n, **comparison(ours, direct)})
        print(out[-1], flush=True)
    return pd.DataFrame(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", default=str(Path(__file__).parent / "results" / "games.md"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    start = time.perf_counter()
    table = bench(SIZES, args.repeat)
    shown = formatted(table)
    doc = __doc__ or ""
    text = ("# Bayes correlated equilibrium: om.bayes_correlated_equilibrium against the same LP written directly "
            f"for HiGHS\n\n`python benchmarks/bench_games.py` ({time.perf_counter() - start:.0f} s, one core). "
            "Instances: " + doc.split("Instances: ")[1].split("Columns:")[0].strip() + " Columns:\n\n```\n"
            + doc.split("Columns:")[1].strip("\n") + "\n```\n\n" + markdown(shown) + "\n")
    Path(args.out).write_text(text)
    print(shown.to_string(index=False))
    print(f"written {args.out}")


if __name__ == "__main__":
    main()

"""Benchmark: the equilibrium and mechanism LPs on the orbits of the players' (agents') symmetry against the full LP.

    taskset -c 0,1 python benchmarks/bench_symmetry.py [--out benchmarks/results/symmetry.md] [--repeat 1]

Instances (`bench_engines`'s where they are symmetric; the auctions by `om.first_price_auction`): fpa n x m, the
first-price auction with private values (two bidders, each observing its own value), min revenue; cv n x m,
BCESolve's common-value auction, min revenue; ce-sym n x m, a random symmetric n-player game with m actions (own
action first, the others' symmetrised), max welfare; mechanism-bic / -dsic n x k, a single item, n bidders with
values 1..k, independent uniform values (a symmetric prior; `bench_engines` uses a random correlated one, which is
not), max revenue; ce-rings k+l: k + l players with two actions in two rings, u_i = F(a_i, a_next(i)) (rotations
only: no two players can swap), max welfare; mechanism-bic-ring n: n bidders with values 1, 2 whose prior links
each bidder's type to the next one's, prod_i f(t_i, t_i+1) (the dihedral group: no two bidders can swap), BIC
and interim IR, max revenue.
Per instance: build + solve seconds (wall, median of --repeat) of the full model and of `symmetric=True`, their
ratio, the LP's variables and rows each way, and the relative difference of the optimal values (the reduced
optimum equals the full one: a difference above 1e-9 is reported as a failure).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from _common import markdown

import optmarkets as om

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench_engines as be  # noqa: E402

CASES = [("fpa", "10x11"), ("fpa", "15x16"), ("fpa", "20x21"), ("cv", "30x31"), ("cv", "50x51"),
         ("ce-sym", "3x20"), ("ce-sym", "4x10"), ("ce-sym", "5x7"), ("mechanism-bic", "3x20"),
         ("mechanism-bic", "4x10"), ("mechanism-dsic", "3x10"), ("mechanism-dsic", "4x8"), ("ce-rings", "7+9"),
         ("ce-rings", "8+10"), ("mechanism-bic-ring", "13")]


def model(engine: str, size: str, symmetric: bool):
    if engine == "ce-rings":
        return om.correlated_equilibrium(_rings([int(k) for k in size.split("+")]), symmetric=symmetric)
    if engine == "mechanism-bic-ring":
        return om.mechanism_design(_ring_of_bidders(int(size)), ic="bayesian", ir="interim", symmetric=symmetric)
    d = be._dims(size)
    if engine in ("fpa", "cv"):  # bench_engines' fpa_data / cv_data: values k/n, bids on an m-grid of [0, 1]
        n, m = d
        auction = om.first_price_auction(np.arange(1, n + 1) / n, np.linspace(0, 1, m), common=engine == "cv")
        return auction.revenue_model(symmetric=symmetric)
    if engine == "ce-sym":
        n, m = d
        U = np.random.default_rng(0).uniform(0, 1, (m,) * n)
        others = list(range(1, n))
        U = sum(np.transpose(U, [0, *perm]) for perm in _permutations(others)) / _factorial(n - 1)
        return om.correlated_equilibrium(om.FiniteGame.symmetric(U, n), symmetric=symmetric)
    n, k = d
    ic, ir = be.modes(engine)
    env = om.MechanismEnvironment.single_item([list(range(1, k + 1))] * n)
    return om.mechanism_design(env, ic=ic, ir=ir, symmetric=symmetric)


def _rings(lengths: list[int]) -> om.FiniteGame:
    n = sum(lengths)
    first = np.repeat(np.cumsum([0, *lengths[:-1]]), lengths)
    size = np.repeat(lengths, lengths)
    neighbour = first + (np.arange(n) - first + 1) % size
    F = np.random.default_rng(0).uniform(0, 1, (2, 2))
    a = np.indices((2,) * n)
    names = [f"p{i}" for i in range(n)]
    return om.FiniteGame(names, dict.fromkeys(names, 2), {p: F[a[i], a[neighbour[i]]] for i, p in enumerate(names)})


def _ring_of_bidders(n: int) -> om.MechanismEnvironment:
    f = np.random.default_rng(0).uniform(0.2, 1.0, (2, 2))
    t = np.indices((2,) * n)
    prior = np.prod([f[t[i], t[(i + 1) % n]] for i in range(n)], axis=0)
    return om.MechanismEnvironment.single_item([[1, 2]] * n, prior / prior.sum())


def _permutations(items):
    from itertools import permutations

    return list(permutations(items))


def _factorial(n: int) -> int:
    from math import factorial

    return factorial(n)


def one(engine: str, size: str, symmetric: bool, repeat: int) -> dict:
    times, value, counts = [], None, (0, 0)
    for _ in range(repeat):
        start = time.perf_counter()
        m = model(engine, size, symmetric)
        sol = m.solve(certify=False)
        times.append(time.perf_counter() - start)
        value = sol.value
        problem = m.problem
        counts = (sum(v.size for v in problem.variables()), sum(c.size for c in problem.constraints))
    return {"seconds": statistics.median(times), "value": value, "variables": counts[0], "rows": counts[1]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(HERE / "results" / "symmetry.md"))
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    one("fpa", "3x4", False, 1), one("fpa", "3x4", True, 1)  # warm-up: imports and first solves off the clock
    rows = []
    for engine, size in CASES:
        full, sym = one(engine, size, False, args.repeat), one(engine, size, True, args.repeat)
        diff = abs(full["value"] - sym["value"]) / (abs(full["value"]) or 1.0)
        speedup = full["seconds"] / sym["seconds"]
        rows.append({"engine": engine, "size": size, "full s": round(full["seconds"], 2),
                     "symmetric s": round(sym["seconds"], 2), "full / symmetric": round(speedup, 2),
                     "variables full / symmetric": f"{full['variables']:,} / {sym['variables']:,}",
                     "rows full / symmetric": f"{full['rows']:,} / {sym['rows']:,}",
                     "value": f"{full['value']:.6f}", "relative value diff": f"{diff:.1e}",
                     "same optimum": "yes" if diff <= 1e-9 else "NO"})
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    text = ("# The LPs on orbits of the players' symmetry (`python benchmarks/bench_symmetry.py`)\n\n"
            "Wall seconds of build + solve (`certify=False`), the full model against `symmetric=True`, 2 cores. "
            "Variables and rows: cvxpy's, before HiGHS's presolve.\n\n" + markdown(table) + "\n")
    Path(args.out).write_text(text)
    print(text)


if __name__ == "__main__":
    main()

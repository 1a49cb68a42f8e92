"""Value-function paths (`om.value_function`) against warm sweeps of the same model.

    python benchmarks/bench_paths.py [--repeat 3] [--out benchmarks/results/paths.md]

For each model and path p(t) = start + t (end - start):
- path s: `om.value_function(model, parameter, start, end)` (k linear pieces after merging equal slopes;
  "solves" counts the warm HiGHS re-solves of the sandwich method, plus the bases walked should it fall back);
- first solve s: the model's first solve at the start (cold: HiGHS from no basis), excluded from the rest: the
  path starts from its basis (`value_function.held_basis`), as the sweep's points start from the warm session's;
- per-point s: one warm re-solve `model.bind(**{parameter: p(t)}).solve(warm_start=True)`, the mean over
  max(k + 1, 8) points of the path;
- ratio path / ((k + 1) point): goal <= 3;
- grid sweep to 1e-3 s: what `om.sweep` does, warm re-solves on a grid of spacing 1e-3 (1001 points, one run);
  ratio grid / path: goal >= 10;
- bisection sweep to 1e-3 s: a smarter sweep than `om.sweep` offers, warm re-solves on a grid of 11 points,
  then bisection of every interval where V is not linear (midpoint off the chord), until each such interval
  is at most 1e-3 wide; every breakpoint of the path must lie in one of them (checked); ratio bisection / path.
CPU time (time.process_time), median of --repeat runs (P_q n = 100: one run, its warm solves take ~0.2 s).

Models: P_q (Galperti-Liu-Perego, `bench_platform.economy`) at n = 25 and 100 over a random database path;
the Bayes correlated equilibrium (welfare) of a random 3-player, 2-action, 3-state game over the prior
(a CE's payoff parameter u_<player> also enters the obedience rows, which value_function refuses); the
revenue-maximising mechanism for one item, 3 bidders x 4 values, over its outside_option.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import optmarkets as om
from optmarkets.solvers import value_function_result as vfr

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_platform import economy

WIDTH = 1e-3  # the sweep brackets every breakpoint within this
LINEAR_TOL = 1e-8  # |V(mid) - chord| <= LINEAR_TOL * max(1, |V|): linear on the interval
GRID = 11  # the sweep's first grid


def cases():
    """(name, size, model, parameter, start, end, repeat cap)."""
    for n in (25, 100):
        econ = economy(n)
        rng = np.random.default_rng(n)
        q0, q1 = econ.mass * rng.uniform(0.3, 1.0, n), econ.mass * rng.uniform(0.3, 1.0, n)
        yield "P_q (GLP)", f"n = {n}", econ.platform_problem(q0), "q", q0, q1, 1 if n >= 100 else None
    rng = np.random.default_rng(0)
    players = ["r", "c", "d"]
    game = om.FiniteGame(players, {p: ["a", "b"] for p in players},
                         {p: rng.uniform(0, 1, (3, 2, 2, 2)) for p in players},
                         states=["s1", "s2", "s3"], prior=[1 / 3] * 3)
    yield ("BCE, welfare", "3 players x 2 actions x 3 states", om.bayes_correlated_equilibrium(game),
           "prior", np.array([0.8, 0.1, 0.1]), np.array([0.1, 0.1, 0.8]), None)
    env = om.MechanismEnvironment.single_item([[1, 2, 3, 4]] * 3)
    rng = np.random.default_rng(1)
    yield ("mechanism, revenue", "single item, 3 bidders x 4 values", om.mechanism_design(env),
           "outside_option", np.zeros(12), rng.uniform(0, 3, 12), None)


class Counting:
    """Wraps the sandwich to count its HiGHS solves (and the walk, were it to fall back, to count its bases)."""

    def __init__(self):
        self.solves, self._sandwich, self._walk = 0, vfr.sandwich, vfr.walk

    def sandwich(self, *args, **kwargs):
        stats: dict[str, int] = {}
        try:
            return self._sandwich(*args, stats=stats, **kwargs)
        finally:
            self.solves += stats.get("solves", 0)

    def walk(self, *args, **kwargs):
        pieces = self._walk(*args, **kwargs)
        self.solves += len(pieces)
        return pieces


def time_path(model, parameter, start, end):
    counter = Counting()
    vfr.sandwich, vfr.walk = counter.sandwich, counter.walk
    try:
        t0 = time.process_time()
        vf = om.value_function(model, parameter, start, end)
        return time.process_time() - t0, vf, counter.solves
    finally:
        vfr.sandwich, vfr.walk = counter._sandwich, counter._walk


def first_solve(model, parameter, start):
    """Seconds of the model's first solve at the start: cold (HiGHS from no basis), excluded from the rest."""
    t0 = time.process_time()
    model.bind(**{parameter: start}).solve(warm_start=True)
    return time.process_time() - t0


def time_points(model, parameter, start, end, count):
    """Mean seconds of a warm re-solve at `count` points of the path."""
    ts = np.linspace(0.0, 1.0, count)
    t0 = time.process_time()
    for t in ts:
        model.bind(**{parameter: start + t * (end - start)}).solve(warm_start=True)
    return (time.process_time() - t0) / count


def sweep_to_width(model, parameter, start, end):
    """(seconds, brackets, points solved): warm sweep, then bisection of every non-linear interval."""
    model.bind(**{parameter: start}).solve(warm_start=True)
    t0 = time.process_time()
    cache: dict[float, float] = {}

    def V(t: float) -> float:
        if t not in cache:
            cache[t] = model.bind(**{parameter: start + t * (end - start)}).solve(warm_start=True).value
        return cache[t]

    def kinked(a: float, b: float) -> bool:
        m = (a + b) / 2
        return abs(V(m) - (V(a) + V(b)) / 2) > LINEAR_TOL * max(1.0, abs(V(m)))

    grid = np.linspace(0.0, 1.0, GRID)
    todo = [(float(a), float(b)) for a, b in itertools.pairwise(grid)]
    brackets = []
    while todo:
        a, b = todo.pop()
        if not kinked(a, b):
            continue
        if b - a <= WIDTH:
            brackets.append((a, b))
        else:
            m = (a + b) / 2
            todo += [(a, m), (m, b)]
    return time.process_time() - t0, sorted(brackets), len(cache)


def grid_sweep(model, parameter, start, end):
    """Seconds of a plain sweep (`om.sweep`'s way: a fixed grid) at spacing WIDTH: 1 / WIDTH + 1 warm solves."""
    ts = np.linspace(0.0, 1.0, round(1 / WIDTH) + 1)
    t0 = time.process_time()
    for t in ts:
        model.bind(**{parameter: start + t * (end - start)}).solve(warm_start=True)
    return time.process_time() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "paths.md"))
    args = parser.parse_args()
    om.solvers.silence_highs_banner()
    rows = []
    for name, size, model, parameter, start, end, cap in cases():
        repeat = min(args.repeat, cap or args.repeat)
        cold_s = first_solve(model, parameter, start)
        runs = [time_path(model, parameter, start, end) for _ in range(repeat)]
        path_s = statistics.median(r[0] for r in runs)
        vf, bases = runs[0][1], runs[0][2]
        k = len(vf.pieces)
        points = [time_points(model, parameter, start, end, max(k + 1, 8)) for _ in range(repeat)]
        point_s = statistics.median(points)
        sweeps = [sweep_to_width(model, parameter, start, end) for _ in range(repeat)]
        sweep_s = statistics.median(s[0] for s in sweeps)
        brackets, solved = sweeps[0][1], sweeps[0][2]
        grid_s = grid_sweep(model, parameter, start, end)
        found = all(any(a - 1e-12 <= b <= c + 1e-12 for a, c in brackets) for b in vf.breakpoints)
        row = dict(model=name, size=size, k=k, bases=bases, path=path_s, point=point_s, cold=cold_s,
                   ratio=path_s / ((k + 1) * point_s), sweep=sweep_s, points=solved,
                   brackets=len(brackets), found=found, speedup=sweep_s / path_s, grid=grid_s,
                   grid_speedup=grid_s / path_s, repeat=repeat)
        rows.append(row)
        print(row, flush=True)
    lines = ["# Value-function paths vs sweeps (`python benchmarks/bench_paths.py`)", "",
             "CPU seconds (time.process_time), medians of the repeats shown. Goals: path / ((k + 1) point) <= 3; "
             "a sweep locating the breakpoints to 1e-3 / path >= 10 (a 1e-3 grid, as `om.sweep` gives; an adaptive "
             "bisection, ~14 points per breakpoint, beside it). The model is solved once first (cold: first "
             "solve s, excluded from the rest); the path starts from that solve's basis (its own HiGHS instance), "
             "the sweeps from the warm session's.", "",
             "A CE's payoff parameter u_<player> also enters the obedience rows (value_function refuses it), so the "
             "game row walks the prior of a Bayes correlated equilibrium.", "",
             "| model | size | pieces k (HiGHS solves) | path s | per-point s (warm) | first solve s (cold) "
             "| path / ((k+1) point) | grid sweep to 1e-3 s (1001 points) | grid / path "
             "| bisection sweep to 1e-3 s (points; brackets; all breakpoints bracketed) | bisection / path | repeats |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        found = "yes" if r["found"] else "NO"
        lines.append(f"| {r['model']} | {r['size']} | {r['k']} ({r['bases']}) | {r['path']:.3g} | {r['point']:.3g} "
                     f"| {r['cold']:.3g} | {r['ratio']:.3g} | {r['grid']:.3g} | {r['grid_speedup']:.3g} "
                     f"| {r['sweep']:.3g} ({r['points']}; {r['brackets']}; {found}) | {r['speedup']:.3g} "
                     f"| {r['repeat']} |")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

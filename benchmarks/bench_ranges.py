"""Price ranges (`Solution.price_ranges`) of every row of a family against one solve of the same model.

    python benchmarks/bench_ranges.py [--repeat 3] [--out benchmarks/results/ranges.md]

Per model: one solve s (a re-solve of the compiled model, HiGHS from no basis: what `price_ranges` explains),
ranges s (all rows of the family), their ratio (goal <= 5, <= 10 at 5,000 rows), how many one-sided
derivatives took a face LP (`solvers.face`) and how many rows sit at a kink (left != right), and that every
row was computed (no NaN). CPU seconds (time.process_time), medians of --repeat runs.
Models: P_q (GLP, `bench_platform.economy(50)`), consistency; the welfare correlated equilibrium of a random
3-player, 6-action game (issue 31's), obedience; the DSIC, ex-post IR revenue mechanism for 2 bidders x 10
values (`bench_mechanisms.environment(2, 10)`), ic.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import optmarkets as om
from optmarkets.solvers import face, ranging

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_mechanisms import environment
from bench_platform import economy


def cases():
    econ = economy(50)
    yield "P_q (GLP), n = 50", econ.platform_problem(econ.mass * np.full(50, 0.6)), "consistency"
    rng = np.random.default_rng(0)
    players = ["p1", "p2", "p3"]
    game = om.FiniteGame(players, {p: 6 for p in players}, {p: rng.uniform(0, 1, (6, 6, 6)) for p in players})
    yield "CE welfare, 3 players x 6 actions", om.correlated_equilibrium(game, objective="welfare"), "obedience"
    yield "DSIC mechanism, 2 bidders x 10 values", om.mechanism_design(environment(2, 10), ic="dominant",
                                                                       ir="ex_post"), "ic"


def counted_face_lps() -> list[int]:
    """Counts the face LPs `face_extremes` solves (one per side asked for)."""
    calls: list[int] = []
    real = face.face_extremes

    def counting(lp, optimum, rows, want_min=None, want_max=None):
        calls.append(int(np.sum(want_min if want_min is not None else np.ones(rows.size)))
                     + int(np.sum(want_max if want_max is not None else np.ones(rows.size))))
        return real(lp, optimum, rows, want_min, want_max)

    ranging.face_extremes = counting
    return calls


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "ranges.md"))
    args = parser.parse_args()
    om.solvers.silence_highs_banner()
    calls = counted_face_lps()
    rows = []
    for name, model, family in cases():
        model.solve()  # compiled once: the timings below are of re-solves
        solves, ranges = [], []
        for _ in range(args.repeat):
            t0 = time.process_time()
            sol = model.solve()
            solves.append(time.process_time() - t0)
            calls.clear()
            t0 = time.process_time()
            frame = sol.price_ranges(family)
            ranges.append(time.process_time() - t0)
        solve_s, ranges_s = statistics.median(solves), statistics.median(ranges)
        row = dict(model=name, family=family, rows=len(frame), solve=solve_s, ranges=ranges_s,
                   ratio=ranges_s / solve_s, face=sum(calls), sides=2 * len(frame),
                   kinks=int((frame["left"] != frame["right"]).sum()),
                   computed=not frame[["left", "right"]].isna().any().any())
        rows.append(row)
        print(row, flush=True)
    lines = ["# Price ranges vs one solve (`python benchmarks/bench_ranges.py`)", "",
             f"CPU seconds (time.process_time), medians of {args.repeat}. Goal: ranges / solve <= 5 "
             "(<= 10 at 5,000 rows). A one-sided derivative costs a face LP only where the optimal basis does not "
             "stay optimal on that side (`ranging.row_steps`).", "",
             "| model | family | rows | one solve s | all ranges s | ranges / solve | face LPs (of sides) "
             "| rows at a kink | every row computed |", "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['model']} | {r['family']} | {r['rows']} | {r['solve']:.3g} | {r['ranges']:.3g} "
                     f"| {r['ratio']:.3g} | {r['face']} ({r['sides']}) | {r['kinks']} | "
                     f"{'yes' if r['computed'] else 'NO'} |")
    Path(args.out).write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()

"""The issue-12 / issue-23 corpus figures: bad inputs at every public entry point, the scale grid, the
surfaces added last, threads, time limits and size guards.

    python benchmarks/fuzz_corpus.py [--random N] [--out benchmarks/results/fuzz.md]

Part 1 runs every listed mutation of every entry point (tests/fuzz/fuzz_entries.py) plus N random
data per argument (vectors / matrices / numbers with NaN, inf, negatives, huge and tiny entries,
wrong lengths), and counts per entry point: inputs tried, named errors (an OptmarketsError naming a
field), accepted (certified, and right where a closed form exists), bare errors (goal 0) and wrong
answers certified ok (goal 0). Part 2 solves the scale grid of tests/fuzz/test_scale.py (every model
x s in 1e-8 .. 1e8 x every installed solver) and of tests/fuzz/test_conic_scale.py (conic models, no
solver named and every conic solver): scaled value certified ok, typed error, or wrong.
Part 3 (issue 23, tests/fuzz/fuzz_surfaces.py) does part 1 for games with labelled payoffs and information
structures, mechanisms with labelled priors and ic_margin, audit tol, Solution.price_ranges / exact, TOML
instance files and Gambit .nfg files; part 4 solves bound copies of a few models from 4 threads and compares
them with their serial answers; part 5 runs inputs that would allocate far beyond memory and measures each
size guard's time and peak allocation (tracemalloc). Every case of parts 1 and 3 runs under a time limit
of TIME_LIMIT s (over it: a hang).
"""

from __future__ import annotations

import argparse
import collections
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "fuzz"))

from fuzz_entries import ENTRIES, mutations  # noqa: E402
from fuzz_surfaces import (  # noqa: E402
    PEAK_GOAL_MB,
    SIZE_GUARDS,
    SURFACES,
    TIME_LIMIT,
    size_guard,
    thread_checks,
    timed_outcome,
)

import optmarkets as om  # noqa: E402

NUMBERS = [math.nan, math.inf, -math.inf, 0.0, -1.0, 1e-300, 1e300, 1 - 1e-3, 1 + 1e-3]


def random_value(rng: np.random.Generator, good):
    """Random data of the good value's kind, entries drawn from normal numbers and edge cases."""
    try:
        a = np.asarray(good, float)
    except (TypeError, ValueError):
        return None

    def num():
        if rng.random() < 0.3:
            return float(rng.choice(NUMBERS))
        return float(rng.normal() * 10.0 ** int(rng.integers(-9, 9)))

    if a.ndim == 1 and a.size:
        return [num() for _ in range(int(rng.integers(0, a.size + 2)))]
    if a.ndim == 2 and a.size:
        return [[num() for _ in range(a.shape[1])] for _ in range(int(rng.integers(0, a.shape[0] + 2)))]
    if a.ndim == 0 and isinstance(good, float | int) and not isinstance(good, bool):
        return num()
    return None


def corpus(n_random: int, seed: int = 0, entries=ENTRIES):
    """Per entry point: (name, inputs, named, ok, bare, wrong, hangs, seconds, slowest case's seconds)."""
    rng = np.random.default_rng(seed)
    rows, examples = [], []
    for e in entries:
        cases = [(arg, bad) for arg, _, bad in mutations(e)]
        for arg, good in e.args.items():
            if arg in e.frozen or random_value(rng, good) is None:
                continue
            cases += [(arg, random_value(rng, good)) for _ in range(n_random)]
        c: collections.Counter = collections.Counter()
        t0, slowest = time.perf_counter(), 0.0
        for arg, bad in cases:
            kind, detail, seconds = timed_outcome(e, {**e.args, arg: bad}, TIME_LIMIT)
            c[kind] += 1
            slowest = max(slowest, seconds)
            if kind in ("bare", "wrong", "hang"):
                examples.append(f"{e.name}({arg}={_short(bad)}): {kind}: {detail}")
        rows.append((e.name, len(cases), c["named"], c["ok"], c["bare"], c["wrong"], c["hang"],
                     time.perf_counter() - t0, slowest))
        print(f"{e.name}: {len(cases)} inputs, {dict(c)}", file=sys.stderr, flush=True)
    return rows, examples


def scale_grid():
    """The LP models of tests/fuzz/test_scale.py with every installed solver, then the conic models of
    tests/fuzz/test_conic_scale.py with no solver named (Clarabel, scaled) and every conic solver."""
    import test_conic_scale as cs
    import test_scale as ts

    rows, examples = [], []
    grids = [(ts, name, om.solvers.available()) for name in ts.MODELS] + \
        [(cs, name, [None, *cs.CONIC_SOLVERS]) for name in cs.MODELS]
    for module, name, solvers in grids:
        c: collections.Counter = collections.Counter()
        for solver in solvers:
            for s in module.SCALES:
                try:
                    c[module.check_scaled(name, s, solver)] += 1
                except AssertionError as exc:
                    c["wrong"] += 1
                    examples.append(str(exc).splitlines()[0])
                except Exception as exc:  # a bare error is what this counts
                    c["bare"] += 1
                    examples.append(f"{name} x{s:g} {solver}: {type(exc).__name__}: {exc}")
        rows.append((name, sum(c.values()), c["ok"], c["typed"], c["bare"], c["wrong"]))
        print(f"scale {name}: {dict(c)}", file=sys.stderr, flush=True)
    return rows, examples


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def threads(rounds: int):
    rows, examples = [], []
    for name, n, ok, bad, problems in thread_checks(rounds):
        rows.append((name, n, ok, bad))
        examples += [f"threads {name}: {p}" for p in problems[:5]]
        print(f"threads {name}: {n} solves, {bad} mismatched", file=sys.stderr, flush=True)
    return rows, examples


def guards():
    rows, examples = [], []
    for what, setup in SIZE_GUARDS:
        kind, detail, mb, seconds = size_guard(setup, TIME_LIMIT)
        rows.append((what, kind, mb, seconds, detail))
        if kind != "named" or mb >= PEAK_GOAL_MB:
            examples.append(f"size guard {what}: {kind}, peak {mb:.1f} MB: {detail}")
        print(f"size guard {what}: {kind}, {mb:.2f} MB, {seconds:.3f} s", file=sys.stderr, flush=True)
    return rows, examples


def _entry_table(rows) -> tuple[list[str], np.ndarray]:
    lines = ["| entry point | inputs | named errors | accepted (certified, right) | bare errors | wrong certified ok "
             "| hangs |", "|---|---:|---:|---:|---:|---:|---:|"]
    tot = np.zeros(6, int)
    for name, n, named, ok, bare, wrong, hang, _, _ in rows:
        lines.append(f"| {name} | {n} | {named} | {ok} | {bare} | {wrong} | {hang} |")
        tot += [n, named, ok, bare, wrong, hang]
    lines.append("| **total** | " + " | ".join(f"**{x}**" for x in tot) + " |")
    return lines, tot


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--random", type=int, default=25, help="random inputs per argument (default 25)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "fuzz.md"))
    ap.add_argument("--rounds", type=int, default=25, help="thread rounds per model (default 25)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    rows, ex1 = corpus(args.random)
    srows, ex2 = scale_grid()
    nrows, ex3 = corpus(args.random, seed=1, entries=SURFACES)
    trows, ex4 = threads(args.rounds)
    grows, ex5 = guards()
    table, tot = _entry_table(rows)
    ntable, ntot = _entry_table(nrows)
    lines = ["# Fuzz corpus (issues 12 and 23)", "",
             f"`python benchmarks/fuzz_corpus.py --random {args.random}`; installed solvers: "
             f"{', '.join(om.solvers.available())}; {time.perf_counter() - t0:.0f} s.", "",
             f"Totals: {tot[0] + ntot[0]} bad inputs, {tot[3] + ntot[3]} bare errors, {tot[4] + ntot[4]} wrong "
             f"certified ok, {tot[5] + ntot[5]} hangs (over {TIME_LIMIT:g} s); "
             f"{sum(r[3] for r in trows)} threaded answers unlike the serial ones; "
             f"{sum(r[1] != 'named' for r in grows)} of {len(grows)} size guards not firing, largest peak "
             f"{max(r[2] for r in grows):.1f} MB (goal < {PEAK_GOAL_MB:g} MB).", "",
             "## Bad inputs at every public entry point", "", *table]
    lines += ["", "## Scale grid: money data x s, s in 1e-8 .. 1e8; LPs with every installed solver, conic models "
              "(eisenberg_gale, inattention, hs_quality) with no solver named and every conic solver", "",
              "| model | solves | scaled value, certified ok | typed error | bare errors | wrong certified ok |",
              "|---|---:|---:|---:|---:|---:|"]
    stot = np.zeros(5, int)
    for name, n, ok, typed, bare, wrong in srows:
        lines.append(f"| {name} | {n} | {ok} | {typed} | {bare} | {wrong} |")
        stot += [n, ok, typed, bare, wrong]
    lines.append(f"| **total** | **{stot[0]}** | **{stot[1]}** | **{stot[2]}** | **{stot[3]}** | **{stot[4]}** |")
    lines += ["", "## Issue 23: the surfaces added last (games with labels, mechanisms, price ranges, exact, "
              "instance files, .nfg files)", "", *ntable]
    lines += ["", f"## Threads: bound copies solved from a ThreadPoolExecutor(4), {args.rounds} rounds, against "
              "their serial answers", "", "| model (parameter) | threaded solves | equal to serial | mismatched |",
              "|---|---:|---:|---:|"]
    lines += [f"| {name} | {n} | {ok} | {bad} |" for name, n, ok, bad in trows]
    lines += ["", f"## Time limit: every case of the tables above ran in a worker thread, at most {TIME_LIMIT:g} s",
              "", "| part | cases | slowest case (s) | all cases (s) | hangs |", "|---|---:|---:|---:|---:|"]
    for part, rr in (("bad inputs (issue 12)", rows), ("surfaces (issue 23)", nrows)):
        lines.append(f"| {part} | {sum(r[1] for r in rr)} | {max(r[8] for r in rr):.2f} | "
                     f"{sum(r[7] for r in rr):.1f} | {sum(r[6] for r in rr)} |")
    lines += ["", "## Size guards: inputs sizing an allocation far beyond memory (tracemalloc peak of the call, "
              "inputs excluded)", "", "| input | outcome | peak MB | seconds | message |", "|---|---|---:|---:|---|"]
    lines += [f"| {what} | {'InputError' if kind == 'named' else kind} | {mb:.2f} | {sec:.3f} | "
              f"{detail[:90].replace('|', '/')} |" for what, kind, mb, sec, detail in grows]
    failures = ex1 + ex2 + ex3 + ex4 + ex5
    if failures:
        lines += ["", "## Failures", "", *[f"- {x}" for x in failures[:150]]]
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()

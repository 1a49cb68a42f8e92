"""The issue-12 corpus figures: bad inputs at every public entry point, and the scale grid.

    python benchmarks/fuzz_corpus.py [--random N] [--out benchmarks/results/fuzz.md]

Part 1 runs every listed mutation of every entry point (tests/fuzz/fuzz_entries.py) plus N random
data per argument (vectors / matrices / numbers with NaN, inf, negatives, huge and tiny entries,
wrong lengths), and counts per entry point: inputs tried, named errors (an OptmarketsError naming a
field), accepted (certified, and right where a closed form exists), bare errors (goal 0) and wrong
answers certified ok (goal 0). Part 2 solves the scale grid of tests/fuzz/test_scale.py (every model
x s in 1e-8 .. 1e8 x every installed solver): scaled value certified ok, typed error, or wrong.
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

from fuzz_entries import ENTRIES, mutations, outcome  # noqa: E402

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


def corpus(n_random: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    rows, examples = [], []
    for e in ENTRIES:
        cases = [(arg, bad) for arg, _, bad in mutations(e)]
        for arg, good in e.args.items():
            if arg in e.frozen or random_value(rng, good) is None:
                continue
            cases += [(arg, random_value(rng, good)) for _ in range(n_random)]
        c: collections.Counter = collections.Counter()
        t0 = time.perf_counter()
        for arg, bad in cases:
            kind, detail = outcome(e, {**e.args, arg: bad})
            c[kind] += 1
            if kind in ("bare", "wrong"):
                examples.append(f"{e.name}({arg}={bad!r}): {kind}: {detail}")
        rows.append((e.name, len(cases), c["named"], c["ok"], c["bare"], c["wrong"], time.perf_counter() - t0))
        print(f"{e.name}: {len(cases)} inputs, {dict(c)}", file=sys.stderr, flush=True)
    return rows, examples


def scale_grid():
    import test_scale as ts

    rows, examples = [], []
    for name in ts.MODELS:
        c: collections.Counter = collections.Counter()
        for solver in om.solvers.available():
            for s in ts.SCALES:
                try:
                    c[ts.check_scaled(name, s, solver)] += 1
                except AssertionError as exc:
                    c["wrong"] += 1
                    examples.append(str(exc).splitlines()[0])
                except Exception as exc:  # a bare error is what this counts
                    c["bare"] += 1
                    examples.append(f"{name} x{s:g} {solver}: {type(exc).__name__}: {exc}")
        rows.append((name, sum(c.values()), c["ok"], c["typed"], c["bare"], c["wrong"]))
        print(f"scale {name}: {dict(c)}", file=sys.stderr, flush=True)
    return rows, examples


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--random", type=int, default=25, help="random inputs per argument (default 25)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "fuzz.md"))
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    rows, ex1 = corpus(args.random)
    srows, ex2 = scale_grid()
    lines = ["# Fuzz corpus (issue 12)", "",
             f"`python benchmarks/fuzz_corpus.py --random {args.random}`; installed solvers: "
             f"{', '.join(om.solvers.available())}; {time.perf_counter() - t0:.0f} s.", "",
             "## Bad inputs at every public entry point", "",
             "| entry point | inputs | named errors | accepted (certified, right) | bare errors | wrong certified ok |",
             "|---|---:|---:|---:|---:|---:|"]
    tot = np.zeros(5, int)
    for name, n, named, ok, bare, wrong, _ in rows:
        lines.append(f"| {name} | {n} | {named} | {ok} | {bare} | {wrong} |")
        tot += [n, named, ok, bare, wrong]
    lines.append(f"| **total** | **{tot[0]}** | **{tot[1]}** | **{tot[2]}** | **{tot[3]}** | **{tot[4]}** |")
    lines += ["", "## Scale grid: money data x s, s in 1e-8, 1e-4, 1, 1e4, 1e8, every installed solver", "",
              "| model | solves | scaled value, certified ok | typed error | bare errors | wrong certified ok |",
              "|---|---:|---:|---:|---:|---:|"]
    stot = np.zeros(5, int)
    for name, n, ok, typed, bare, wrong in srows:
        lines.append(f"| {name} | {n} | {ok} | {typed} | {bare} | {wrong} |")
        stot += [n, ok, typed, bare, wrong]
    lines.append(f"| **total** | **{stot[0]}** | **{stot[1]}** | **{stot[2]}** | **{stot[3]}** | **{stot[4]}** |")
    if ex1 or ex2:
        lines += ["", "## Failures", "", *[f"- {x}" for x in (ex1 + ex2)[:100]]]
    text = "\n".join(lines) + "\n"
    print(text)
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(text)


if __name__ == "__main__":
    main()

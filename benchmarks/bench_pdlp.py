"""HIGHS_PDLP (HiGHS's first-order PDLP, then a crossover to a basis and the LP certificate) against HiGHS's dual
simplex on the largest BCE instances of the engine benchmark (issue 29 item 4: "fast approximate, then certify").

    python benchmarks/bench_pdlp.py [--sizes 15x16 20x21] [--out benchmarks/results/pdlp.md]

Per instance (`bench_engines.our_model("fpa", size)`: the first-price auction BCE with private values, minimum
revenue): wall seconds of `model.solve()` with each solver (build excluded, the model compiled once by a first
solve), the optimal values, both certificates' verdicts and the values' difference relative to max(1, |value|)
(the LP is degenerate: the vertices may differ, the values may not).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_engines import our_model

from optmarkets.solvers import ranging


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", default=["10x11", "15x16", "20x21"])
    parser.add_argument("--out", default=str(Path(__file__).resolve().parent / "results" / "pdlp.md"))
    args = parser.parse_args()
    lines = ["# HIGHS_PDLP vs HiGHS's dual simplex (`python benchmarks/bench_pdlp.py`)", "",
             __doc__.split("\n\n", 2)[2].strip(), "",
             "| instance | nonzeros | simplex s | PDLP s | PDLP / simplex | value, simplex | value, PDLP "
             "| both certified | value difference |", "|---|---|---|---|---|---|---|---|---|"]
    for size in args.sizes:
        model = our_model("fpa", size)
        model.solve()  # compiled once; the timings below are solves
        row = {}
        for solver in ("HIGHS", "HIGHS_PDLP"):
            start = time.perf_counter()
            sol = model.solve(solver=solver)
            row[solver] = (time.perf_counter() - start, sol)
        (t_s, s_s), (t_p, s_p) = row["HIGHS"], row["HIGHS_PDLP"]
        nnz = ranging.model_form(model).lp.A.nnz
        diff = abs(s_s.value - s_p.value) / max(1.0, abs(s_s.value))
        lines.append(f"| fpa {size} | {nnz:,} | {t_s:.2f} | {t_p:.2f} | {t_p / t_s:.2f} | {s_s.value:.9f} "
                     f"| {s_p.value:.9f} | {'yes' if s_s.certificate.ok() and s_p.certificate.ok() else 'NO'} "
                     f"| {diff:.1e} |")
        print(lines[-1], flush=True)
    Path(args.out).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    np.set_printoptions(precision=4)
    main()

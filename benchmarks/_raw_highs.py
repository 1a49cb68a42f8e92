"""The raw baseline of `bench_overhead.py`: an LP handed to highspy directly, without optmarkets or cvxpy.

The LP is cvxpy's standard form for HiGHS as `optmarkets.solvers.highs.StandardForm` holds it
(min c.x, row_lower <= A x <= row_upper, col_lower <= x <= col_upper; A column-wise), passed as
plain arrays. This module imports only numpy and highspy, so that

    python benchmarks/_raw_highs.py LP.npz [--ipm]

measures the peak memory of a process that never imported cvxpy: it prints one JSON line with the
resident set size after the imports (the baseline) and the peak resident set size during
passModel + run + getSolution (both sides solve one tiny LP before their baseline: one-time
initialisation, lazy imports and HiGHS's thread pool, is not the LP's memory). On Linux the peak
is reset at the baseline (/proc/self/clear_refs), so a transient peak of the imports does not hide
the solve's; elsewhere it is ru_maxrss.
"""

from __future__ import annotations

import json
import resource
import sys

import highspy
import numpy as np

FIELDS = ("c", "indptr", "indices", "data", "shape", "row_lower", "row_upper", "col_lower", "col_upper")
IPM = {"solver": "ipm", "run_crossover": "on"}  # optmarkets' HIGHS_IPM: interior point with crossover


def _status_kib(key: str) -> int | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def baseline_kib() -> int:
    """The resident set size now, with the peak reset to it where Linux allows (KiB)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM, the peak resident set size, to the current one
        rss = _status_kib("VmRSS")
        if rss is not None:
            return rss
    except OSError:
        pass
    return peak_kib()


def peak_kib() -> int:
    """The peak resident set size since the baseline (or since the start of the process; KiB)."""
    hwm = _status_kib("VmHWM")
    return hwm if hwm is not None else int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def pass_model(h: highspy.Highs, lp: dict) -> None:
    """Hand the arrays in `lp` (the keys FIELDS) to `h` through highspy's array overload of passModel
    (the fastest way in: filling a HighsLp field by field costs ~1 ms more at P_q n = 25)."""
    num_row, num_col = (int(v) for v in lp["shape"])
    h.passModel(num_col, num_row, int(lp["data"].size), int(highspy.MatrixFormat.kColwise),
                int(highspy.ObjSense.kMinimize), 0.0, lp["c"], lp["col_lower"], lp["col_upper"], lp["row_lower"],
                lp["row_upper"], lp["indptr"].astype(np.int32), lp["indices"].astype(np.int32), lp["data"],
                np.zeros(num_col, dtype=np.int32))  # all continuous


def new_highs(options: dict | None = None) -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for key, value in (options or {}).items():
        h.setOptionValue(key, value)
    return h


def solve(lp: dict, options: dict | None = None) -> float:
    """passModel + run + getSolution, as a user of highspy writes it; returns the objective (min form)."""
    h = new_highs(options)
    pass_model(h, lp)
    h.run()
    h.getSolution()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise RuntimeError(f"raw HiGHS: {h.modelStatusToString(h.getModelStatus())}")
    return float(h.getInfo().objective_function_value)


def load(path: str) -> dict:
    with np.load(path) as f:
        return {k: f[k] for k in FIELDS}


TINY = dict(c=np.array([-1.0]), indptr=np.array([0, 1]), indices=np.array([0]), data=np.array([1.0]),
            shape=np.array([1, 1]), row_lower=np.array([-np.inf]), row_upper=np.array([1.0]),
            col_lower=np.array([0.0]), col_upper=np.array([np.inf]))


def warm_up() -> None:
    """One tiny LP before the baseline: HiGHS's one-time start (banner, thread pool) is not the LP's memory."""
    solve(TINY)


def main() -> None:
    warm_up()
    baseline = baseline_kib()
    objective = solve(load(sys.argv[1]), IPM if "--ipm" in sys.argv[2:] else None)
    print(json.dumps({"baseline_kib": baseline, "peak_kib": peak_kib(), "objective": objective}))


if __name__ == "__main__":
    main()

"""Warm re-solves of one compiled LP with HiGHS: the same matrix, new data, the basis kept.

`Model.solve(warm_start=True)` on an LP with HiGHS comes here instead of cvxpy's solver call.
cvxpy still builds the solver's data (the DPP fast path: c, A, b from the parameter values) and
unpacks the result into the model's variables and constraints; in between, one persistent
`highspy.Highs` per compiled problem is updated in place (`changeColsCost`, `changeRowsBounds`) and
re-run from a basis, so presolve is skipped and the dual simplex typically needs a few dozen pivots
where a cold solve needs hundreds.

The starting basis is the *anchor*: the optimal basis of the first warm solve after
`reset()`, not the previous solve's. So a warm solve is a function of (data, anchor) only, and
the order in which points are solved (serially, or split between workers that share the anchor
point) does not change the answer. Values agree with cold solves to the solver's tolerance; where
the LP has several optimal vertices (degenerate duals, non-unique primal) a warm solve may return
a different optimal one than a cold solve does.
"""

from __future__ import annotations

import time

import numpy as np


class HighsSession:
    """One persistent HiGHS instance for re-solving a compiled LP whose data change."""

    def __init__(self) -> None:
        self.highs = None
        self.anchor = None  # the optimal basis every warm solve starts from
        self._key: tuple | None = None  # what must stay equal for an in-place update
        self._c: np.ndarray | None = None
        self._lower: np.ndarray | None = None
        self._upper: np.ndarray | None = None

    def reset(self) -> None:
        """Forget the anchor basis: the next solve starts cold and becomes the new anchor."""
        self.anchor = None
        if self.highs is not None:
            self.highs.clearSolver()

    def solve(self, data: dict, options: dict) -> dict:
        """Solve cvxpy's HiGHS data; return the results dict cvxpy's HIGHS.invert expects."""
        import highspy

        A = data["A"].tocsc()
        n_eq = int(data["dims"].zero)
        inf = highspy.kHighsInf
        c, upper = np.asarray(data["c"], float), np.asarray(data["b"], float)
        lower = np.concatenate([upper[:n_eq], np.full(upper.size - n_eq, -inf)])
        n = A.shape[1]
        col_lower = np.full(n, -inf) if data.get("lower_bounds") is None else np.asarray(data["lower_bounds"], float)
        col_upper = np.full(n, inf) if data.get("upper_bounds") is None else np.asarray(data["upper_bounds"], float)
        options = _flat(options)
        key = (A.shape, n_eq, A.indptr.tobytes(), A.indices.tobytes(), A.data.tobytes(),
               col_lower.tobytes(), col_upper.tobytes(), tuple(sorted(options.items())))
        if self.highs is None or key != self._key:
            self._load(highspy, A, c, lower, upper, col_lower, col_upper, options)
            self._key = key
        else:  # the same matrix: change only the data that moved
            h = self.highs
            if not np.array_equal(c, self._c):
                h.changeColsCost(n, np.arange(n, dtype=np.int32), c)
            if not (np.array_equal(lower, self._lower) and np.array_equal(upper, self._upper)):
                h.changeRowsBounds(upper.size, np.arange(upper.size, dtype=np.int32), lower, upper)
            # forget the last solve entirely (its basis and the simplex's edge weights, which steer
            # the pivots), then start from the anchor: the result depends on (data, anchor) only
            h.clearSolver()
            if self.anchor is not None:
                h.setBasis(self.anchor)
        self._c, self._lower, self._upper = c, lower, upper

        h = self.highs
        start = time.perf_counter()
        h.run()
        seconds = time.perf_counter() - start
        status = h.getModelStatus()
        results = {"solution": h.getSolution(), "basis": h.getBasis(), "info": h.getInfo(),
                   "model_status": status.name, "run_time": seconds}
        if status == highspy.HighsModelStatus.kInfeasible:
            results["dual_ray"] = h.getDualRay()
        if status == highspy.HighsModelStatus.kOptimal and self.anchor is None:
            self.anchor = results["basis"]
        return results

    def _load(self, highspy, A, c, lower, upper, col_lower, col_upper, options) -> None:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        for name, value in options.items():
            if h.setOptionValue(name, value) == highspy.HighsStatus.kError:
                raise ValueError(f"HiGHS rejected option {name}={value!r}")
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
        lp.col_cost_, lp.col_lower_, lp.col_upper_ = c, col_lower, col_upper
        lp.row_lower_, lp.row_upper_ = lower, upper
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
        h.passModel(lp)
        self.highs, self.anchor = h, None


def _flat(options: dict) -> dict:
    # cvxpy's spelling: HiGHS options given flat or nested under "highs_options"
    flat = {k: v for k, v in options.items() if k != "highs_options"}
    flat.update(options.get("highs_options") or {})
    flat.pop("verbose", None)
    return flat

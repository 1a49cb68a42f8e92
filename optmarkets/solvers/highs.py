"""The persistent HiGHS session: warm re-solves of one compiled LP, the same matrix, new data, the basis kept.

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
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..core.errors import InputError
from .scaling import equilibrate


class HighsSession:
    """One persistent HiGHS instance for re-solving a compiled LP whose data change."""

    def __init__(self) -> None:
        self.highs: Any = None
        self.anchor = None  # the optimal basis every warm solve starts from
        self._lp: StandardForm | None = None  # the LP HiGHS holds now
        self._options: dict | None = None

    def reset(self) -> None:
        """Forget the anchor basis: the next solve starts cold and becomes the new anchor."""
        self.anchor = None
        if self.highs is not None:
            self.highs.clearSolver()

    def solve(self, data: dict, options: dict, cache: dict | None = None) -> dict:
        """Solve cvxpy's HiGHS data; return the results dict cvxpy's HIGHS.invert expects.

        `cache`: the compiled program's (`cvxpy_internals.HighsProgram.extra`), where the scaling
        factors of its A and the scaled A are kept between solves."""
        import highspy

        original = StandardForm.of(data)
        scaling = equilibrate(original, cache)
        lp = scaling.apply(original, cache)
        options = highs_option_values(options)
        held = self._lp
        if self.highs is None or held is None or options != self._options or not lp.same_matrix_and_bounds(held):
            self._load(highspy, lp, options)
            self._options = options
        else:  # the same matrix: change only the data that moved
            h = self.highs
            cols = np.flatnonzero(lp.c != held.c).astype(np.int32)  # only the entries that moved
            if cols.size:
                h.changeColsCost(cols.size, cols, lp.c[cols])
            rows = np.flatnonzero((lp.row_lower != held.row_lower) | (lp.row_upper != held.row_upper)).astype(np.int32)
            if rows.size:
                h.changeRowsBounds(rows.size, rows, lp.row_lower[rows], lp.row_upper[rows])
            # forget the last solve entirely (its basis and the simplex's edge weights, which steer
            # the pivots), then start from the anchor: the result depends on (data, anchor) only
            h.clearSolver()
            if self.anchor is not None:
                h.setBasis(self.anchor)
        self._lp = lp

        h = self.highs
        start = time.perf_counter()
        run(h, options)
        seconds = time.perf_counter() - start
        status = h.getModelStatus()
        results = {"solution": h.getSolution(), "basis": h.getBasis(), "info": h.getInfo(),
                   "model_status": status.name, "run_time": seconds}
        if status == highspy.HighsModelStatus.kInfeasible:
            results["dual_ray"] = h.getDualRay()
        if status == highspy.HighsModelStatus.kOptimal and self.anchor is None:
            self.anchor = results["basis"]
        return scaling.unscale(results)

    def _load(self, highspy: Any, lp: StandardForm, options: dict) -> None:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        set_options(h, options)
        lp.load_into(h)
        self.highs, self.anchor = h, None


def set_options(h: Any, options: dict) -> None:
    """Set HiGHS options on `h`; a value HiGHS rejects is an InputError naming the option."""
    import highspy

    for name, value in options.items():
        try:
            status = h.setOptionValue(name, value)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise InputError(f"{name}: HiGHS rejected the value {value!r} ({exc})") from None
        if status == highspy.HighsStatus.kError:
            raise InputError(f"{name}: HiGHS rejected the value {value!r} (unknown option, wrong type or out of range)")


def run(h: Any, options: dict) -> None:
    """`h.run()`; after HiGHS's first-order PDLP (`solver="pdlp"`, the HIGHS_PDLP backend) a crossover from
    its primal-dual point to an optimal basis: fast and approximate, then a vertex that the certificate (and
    `exact()`) checks. PDLP stopped by its iteration or time limit (it can stall: BDHN's revenue LP at data
    x1e8 makes no progress in 6.6e7 iterations), or called "Unknown" (HiGHS holds its point to its own
    objective tolerance, 1e-7, whatever PDLP's: at tol = 1e-4 a tiny LP's 2e-5 objective error), hands over its
    point all the same; where there is none, or the crossover does not end optimal, HiGHS's dual simplex solves
    the LP from where it stopped. Only a proof (infeasible, unbounded) is PDLP's last word."""
    import highspy

    h.run()
    status = highspy.HighsModelStatus
    proven = (status.kInfeasible, status.kUnbounded, status.kUnboundedOrInfeasible, status.kModelEmpty)
    if options.get("solver") != "pdlp" or h.getModelStatus() in proven:
        return
    if h.getSolution().value_valid:
        h.crossover(h.getSolution())
    if h.getModelStatus() != status.kOptimal:  # no point, or one too far off: the simplex
        h.setOptionValue("solver", "simplex")
        h.run()
        h.setOptionValue("solver", "pdlp")


def mip_gap_note(problem: Any) -> str | None:
    """The certificate note for a MILP HiGHS solved (cvxpy's HiGHS interface keeps its info in
    `problem.solver_stats.extra_stats`): how far from proven optimal the answer is, HiGHS's final relative gap
    (info.mip_gap: |value - dual bound| / |value|); None where the last solve left no such gap."""
    stats = getattr(problem, "solver_stats", None)
    gap = getattr(getattr(stats, "extra_stats", None), "mip_gap", None)
    if isinstance(gap, bool) or not isinstance(gap, int | float) or not np.isfinite(gap) or gap < 0:
        return None
    return (f"MILP: HiGHS's final relative gap is {float(gap):.3g} (0: proven optimal; else the value is within that "
            "fraction of the best bound)")


def solve_cold(data: dict, options: dict, *, verbose: bool = False, cache: dict | None = None,
               geometric: bool = False) -> dict:
    """Solve cvxpy's HiGHS data once, scaled to magnitude one (`solvers.scaling`) and unscaled exactly;
    return the results dict cvxpy's HIGHS.invert expects (`cache` as in `HighsSession.solve`;
    geometric: `scaling.geometric_factors` instead of Ruiz)."""
    import highspy

    original = StandardForm.of(data)
    scaling = equilibrate(original, cache, geometric=geometric, median_rhs=geometric)
    lp = scaling.apply(original, cache)
    options = highs_option_values(options)
    write_model = options.pop("write_model_file", None)  # as cvxpy does: write the model as given
    h: Any = highspy.Highs()
    h.setOptionValue("output_flag", bool(verbose))
    set_options(h, options)
    if write_model:
        original.load_into(h)
        h.writeModel(str(write_model))
    lp.load_into(h)
    run(h, options)
    status = h.getModelStatus()
    results = {"solution": h.getSolution(), "basis": h.getBasis(), "info": h.getInfo(),
               "model_status": status.name, "run_time": h.getRunTime()}
    if status == highspy.HighsModelStatus.kInfeasible:
        results["dual_ray"] = h.getDualRay()
    return scaling.unscale(results)


class RejectedLPError(ValueError):
    """HiGHS refused a standard form in passModel (coefficients beyond its large-value limit, ~1e15).
    The solve path turns it into a SolverFailedError naming the model; the selection chain and row
    generation fall back to their cvxpy-compiled paths (which hand HiGHS the scaled LP)."""


@dataclass
class StandardForm:
    """cvxpy's data for HiGHS as HiGHS reads it: min c.x, row_lower <= A x <= row_upper, column bounds.

    cvxpy stacks n_eq equality rows (A x = b) over inequality rows (A x <= b).
    """

    c: np.ndarray
    A: sp.csc_matrix
    n_eq: int
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: list[int]

    @classmethod
    def of(cls, data: dict) -> StandardForm:
        inf = np.inf  # highspy.kHighsInf is IEEE infinity
        A, upper = data["A"].tocsc(), np.asarray(data["b"], float)
        n_eq, n = int(data["dims"].zero), A.shape[1]
        lb, ub = data.get("lower_bounds"), data.get("upper_bounds")
        col_lower = np.full(n, -inf) if lb is None else np.array(lb, float)
        col_upper = np.full(n, inf) if ub is None else np.array(ub, float)
        boolean = [int(j) for j in data.get("bool_vars_idx") or []]
        col_lower[boolean] = np.maximum(col_lower[boolean], 0.0)  # as cvxpy does: booleans are [0, 1] integers
        col_upper[boolean] = np.minimum(col_upper[boolean], 1.0)
        return cls(
            c=np.asarray(data["c"], float), A=A, n_eq=n_eq,
            row_lower=np.concatenate([upper[:n_eq], np.full(upper.size - n_eq, -inf)]), row_upper=upper,
            col_lower=col_lower, col_upper=col_upper,
            integer=sorted(boolean + [int(j) for j in data.get("int_vars_idx") or []]),
        )

    def same_matrix_and_bounds(self, other: StandardForm | None) -> bool:
        """Whether HiGHS can take this form by changing costs and row bounds of `other` in place."""
        if other is None or self.A.shape != other.A.shape or self.n_eq != other.n_eq:
            return False
        same_matrix = self.A is other.A or all(np.array_equal(a, b) for a, b in (
            (self.A.indptr, other.A.indptr), (self.A.indices, other.A.indices), (self.A.data, other.A.data)))
        return same_matrix and np.array_equal(self.col_lower, other.col_lower) and np.array_equal(
            self.col_upper, other.col_upper)

    def load_into(self, h: Any) -> None:
        """Pass this form to the highspy.Highs `h` from its arrays (highspy's array overload of
        passModel: ~0.2 ms for P_q at n = 25, where filling a HighsLp field by field takes ~1.2 ms)."""
        import highspy

        m, n = self.A.shape
        integrality = np.zeros(n, dtype=np.int32)  # kContinuous (an empty array is read past its end)
        integrality[self.integer] = int(highspy.HighsVarType.kInteger)
        status = h.passModel(n, m, int(self.A.nnz), int(highspy.MatrixFormat.kColwise),
                             int(highspy.ObjSense.kMinimize), 0.0, self.c, self.col_lower, self.col_upper,
                             self.row_lower, self.row_upper, self.A.indptr.astype(np.int32, copy=False),
                             self.A.indices.astype(np.int32, copy=False), self.A.data, integrality)
        if status == highspy.HighsStatus.kError:
            raise RejectedLPError("HiGHS rejected the LP in passModel (a coefficient, bound or cost it cannot take)")


def highs_option_values(options: dict) -> dict:
    """HiGHS options as name -> value, from cvxpy's spellings (flat, or nested under "highs_options")."""
    flat = {k: v for k, v in options.items() if k != "highs_options"}
    flat.update(options.get("highs_options") or {})
    flat.pop("verbose", None)
    return flat

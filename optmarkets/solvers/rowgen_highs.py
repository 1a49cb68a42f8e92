"""Row generation on one persistent HiGHS (`core.rowgen.RowGeneration`, reached through the seam).

The model without its lazy families (the *base* program) is compiled once (`solvers.affine`, or
cvxpy's compile outside its scope). Its standard form for HiGHS, scaled to magnitude one by
`solvers.scaling`, is loaded into one `highspy.Highs`. Each round the core appends only the newly
violated lazy rows (`addRows`) and HiGHS re-runs from the basis it holds: the new rows enter basic,
the basis stays dual feasible, and the dual simplex needs a few pivots where a cold solve of the
restricted LP needs thousands.

Appended rows are scaled like the base: x = T x' (T = t / rho, the base's column factors), so a row
a.x <= b is handed to HiGHS as (r a diag(t)) x' <= r rho b, with r a power of two bringing the row's
largest coefficient near one. Every factor is a power of two: scaling and unscaling stay exact, and
"right at every scale" (`solvers.scaling`) holds for the appended rows too.

At the end the base program's share of the answer (the point, the base rows' duals) is written back
exactly as a plain solve's is; the appended rows' duals come back in cvxpy's
convention (the multipliers of `row <= bound`, >= 0), unscaled, for the core to write onto its lazy
families.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import Any

import cvxpy as cp
import numpy as np
import scipy.sparse as sp

from ..core.certificate import LinearForm
from . import affine
from . import cvxpy_internals as internals
from .highs import RejectedLPError, StandardForm, highs_option_values, set_options
from .registry import silence_highs_banner
from .scaling import Scaling, equilibrate


class RowSession:
    """One HiGHS holding the base program; `add` appends rows `A x <= upper` over the stacked
    variables (each F-order, in the order given), `run` re-solves from the held basis."""

    def __init__(self, highs: Any, problem: cp.Problem, data: dict, chain: Any, inverse: list | None,
                 scaling: Scaling, columns: np.ndarray, form: LinearForm, options: dict,
                 compile_seconds: float, direct: affine.AffineProgram | None = None) -> None:
        self.highs, self.problem, self.data, self.chain, self.inverse = highs, problem, data, chain, inverse
        self.scaling = scaling  # the base's factors
        self.columns = columns  # stacked entry j sits in standard-form column columns[j]
        self.form = form  # the base's standard form, unscaled (the certificate's)
        self.options = options
        self.direct = direct  # the base program's AffineProgram, when it was read directly
        self.base_rows = int(data["A"].shape[0])
        self.row_factors: list[np.ndarray] = []  # r of each appended block
        self.rounds = 0
        self.solver_seconds = 0.0
        self.compile_seconds = compile_seconds
        self.cold_retries = 0  # warm rounds that had to be re-solved cold

    @classmethod
    def of(cls, problem: cp.Problem, variables: list[cp.Variable], options: dict, *,
           verbose: bool = False, geometric: bool = False) -> RowSession | None:
        """Compile `problem` (the base program) for HiGHS and load it; None where its standard form is
        not the plain LP over exactly `variables` (integers, auxiliary columns: the caller then keeps
        its own path). geometric: scaled by `scaling.geometric_factors` (the retry after a failed
        certificate)."""
        start = time.perf_counter()
        hf = affine.highs_form(problem)
        if hf.program is None or not hf.to_highs:
            return None
        data, held = hf.data, hf.program
        original = StandardForm.of(data)
        offsets = hf.offsets(variables)
        if original.integer or offsets is None:
            return None
        columns = np.concatenate([offsets[v.id] + np.arange(v.size) for v in variables]).astype(np.int64)
        scaling = equilibrate(original, held.extra, geometric=geometric, median_rhs=geometric)
        lp = scaling.apply(original, held.extra)
        form = hf.linear_form()
        compile_seconds = time.perf_counter() - start
        silence_highs_banner()
        import highspy

        h: Any = highspy.Highs()
        h.setOptionValue("output_flag", bool(verbose))
        opts = highs_option_values(options)
        set_options(h, opts)
        try:
            lp.load_into(h)
        except RejectedLPError:  # the caller keeps its own path
            return None
        return cls(h, problem, data, hf.chain, hf.inverse, scaling, columns, form, opts, compile_seconds, hf.direct)

    # ------------------------------------------------------------------ rounds
    def add(self, A: sp.csr_matrix, upper: np.ndarray) -> None:
        """Append the rows A x <= upper (A over the stacked variables), scaled as the base is."""
        A = sp.csr_matrix(A)
        if A.shape[0] == 0:
            return
        s = self.scaling
        # columns of the standard form, then the base's column factors t: a . x = (a diag(t)) . x' / rho
        cols = self.columns[A.indices]
        coef = A.data * s.col[cols]
        row_max = np.zeros(A.shape[0])
        np.maximum.at(row_max, np.repeat(np.arange(A.shape[0]), np.diff(A.indptr)), np.abs(coef))
        r = np.exp2(np.round(-np.log2(np.where(row_max > 0, row_max, 1.0))))  # a power of two: exact
        coef = coef * np.repeat(r, np.diff(A.indptr))
        bound = np.asarray(upper, float) * r * s.rho
        self.highs.addRows(A.shape[0], np.full(A.shape[0], -np.inf), bound, coef.size,
                           A.indptr[:-1].astype(np.int32), cols.astype(np.int32), coef)
        self.row_factors.append(r)

    def run(self) -> str:
        """Solve the LP held now; cvxpy's status. The first round runs as the caller asked (HIGHS_IPM:
        interior point and crossover, so a basis is left); later rounds run the dual simplex from it."""
        h = self.highs
        start = time.perf_counter()
        h.run()
        status = internals.highs_status(h.getModelStatus().name)
        if status != "optimal" and self.rounds > 0:  # a warm round that stalls on round-off: decide cold
            h.clearSolver()
            h.run()
            self.cold_retries += 1
            status = internals.highs_status(h.getModelStatus().name)
        if self.rounds == 0 and self.options.get("solver", "choose") not in ("simplex", "choose"):
            h.setOptionValue("solver", "simplex")  # later rounds: the dual simplex from this round's basis
        self.rounds += 1
        self.solver_seconds += time.perf_counter() - start
        return status

    def _unscaled(self) -> dict:
        """HiGHS's results on the LP held now, unscaled (base and appended rows)."""
        h = self.highs
        s = self.scaling
        rows = np.concatenate([s.row, *self.row_factors]) if self.row_factors else s.row
        results = {"solution": h.getSolution(), "basis": None, "info": h.getInfo(),
                   "model_status": h.getModelStatus().name, "run_time": self.solver_seconds}
        return Scaling(rows, s.col, s.rho, s.sigma).unscale(results)

    def point(self) -> np.ndarray:
        """The stacked variables at the last solve (unscaled)."""
        col_value = np.asarray(self.highs.getSolution().col_value, float)
        return col_value[self.columns] * (self.scaling.col[self.columns] / self.scaling.rho)

    def ray(self) -> np.ndarray | None:
        """A primal ray of the LP held now (its last solve unbounded) over the stacked variables,
        unscaled (x = T x': the direction keeps its signs); None where HiGHS gives none."""
        try:
            _, has_ray, values = self.highs.getPrimalRay()
        except (RuntimeError, TypeError, ValueError):  # highspy's form of the answer varies by version
            return None
        if not has_ray:
            return None
        direction = np.asarray(values, float)
        return direction[self.columns] * (self.scaling.col[self.columns] / self.scaling.rho)

    def finish(self) -> np.ndarray:
        """Unpack the last solve into the base program (cvxpy writes its variables and its rows' duals)
        and return the appended rows' duals in cvxpy's convention (>= 0 on `row <= bound`)."""
        results = self._unscaled()
        sol = results["solution"]
        m = self.base_rows
        row_dual = np.asarray(sol.row_dual, float)
        results["solution"] = SimpleNamespace(
            value_valid=sol.value_valid, dual_valid=sol.dual_valid, col_value=np.asarray(sol.col_value, float),
            row_value=np.asarray(sol.row_value, float)[:m], col_dual=np.asarray(sol.col_dual, float),
            row_dual=row_dual[:m])
        if self.direct is not None:
            internals.write_highs(self.problem, results, self.direct.layout, self.compile_seconds, self.direct.offset)
        else:
            internals.unpack(self.problem, results, self.chain, self.inverse, self.compile_seconds)
        return -row_dual[m:]  # as cvxpy's HIGHS.invert reads row duals


def row_generation(problem: cp.Problem, variables: list[cp.Variable], options: dict, *,
                   verbose: bool = False, geometric: bool = False) -> RowSession | None:
    """`RowSession.of` (the seam's entry point)."""
    return RowSession.of(problem, variables, options, verbose=verbose, geometric=geometric)

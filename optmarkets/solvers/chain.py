"""The lexicographic selection chain on one persistent HiGHS (`core.strategies.Lexicographic`).

The chain's stage program (`max weight @ G` s.t. the model's families, `objective >= floor0`,
`G >= floor`) is compiled once by cvxpy; its standard form for HiGHS is read here, unscaled, exactly
as a stage solve would receive it. The rows of `G >= floor` are found by two parameter probes (the
right-hand side of goal k's row is `G_k's constant - floor_k`), which also gives each goal's
coefficients: stage k minimises `-G_k`, the cost `a_k` of its own floor row. So one HiGHS holds the
LP; each stage changes the costs and the floor rows' bounds in place and re-runs from the previous
stage's optimal basis (no presolve, a few pivots) instead of solving n + 3 cold LPs.

The final point is written back into the cvxpy variables through the stuffing step's variable offsets
(`solvers.offsets`). `SelectionChain.of` answers None where the form is not this plain LP (a reduction
added columns, the probes do not find one row per goal): the caller then keeps cvxpy's stage solves.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cvxpy as cp
import numpy as np
import scipy.sparse as sp

from . import cvxpy_internals as internals
from .cvxpy_internals import variable_offsets, write_point
from .highs import StandardForm, highs_option_values, set_options
from .registry import silence_highs_banner

#: HiGHS model statuses as cvxpy names them (cvxpy's HIGHS.STATUS_MAP, the ones a stage can reach)
_STATUS = {"kOptimal": "optimal", "kInfeasible": "infeasible", "kUnbounded": "unbounded",
           "kUnboundedOrInfeasible": "infeasible_or_unbounded", "kTimeLimit": "optimal_inaccurate",
           "kIterationLimit": "optimal_inaccurate"}

#: options of a cold solve that a basis re-run does not take (HIGHS_IPM: interior point + crossover)
_COLD_ONLY = ("solver", "run_crossover")
_PRIMAL = 4  # HiGHS simplex_strategy: the primal simplex


@dataclass
class Stage:
    """One stage's answer: cvxpy's status name, G_k at the optimum and the stage objective's magnitude
    (sum_j |coefficient_j x_j| + |constant|, as `core.certificate.objective_magnitude` measures it)."""

    status: str
    value: float
    magnitude: float
    seconds: float


class SelectionChain:
    """One HiGHS holding a stage program; `stage(k, floor0, floor)` maximises goal k in place."""

    def __init__(self, highs: Any, form: StandardForm, goal_rows: np.ndarray, optimum_row: int,
                 goals: sp.csr_matrix, constants: np.ndarray, optimum_constant: float,
                 variables: list[cp.Variable], offsets: dict[int, int]) -> None:
        self.highs, self.form = highs, form
        self.goal_rows, self.optimum_row = goal_rows, optimum_row
        self.goals, self.constants, self.optimum_constant = goals, constants, optimum_constant
        self.variables, self.offsets = variables, offsets
        self.x: np.ndarray | None = None
        self.warm = False  # HiGHS holds an optimal basis of an earlier stage
        self.strategy: int | None = None  # the caller's simplex_strategy (None: HiGHS's, the dual simplex)
        self.cold_strategy = 1  # HiGHS's simplex_strategy for a cold stage
        self.retries = 0  # warm stages re-solved cold
        self._rows = np.append(goal_rows, optimum_row).astype(np.int32)
        self._cols = np.arange(form.A.shape[1], dtype=np.int32)

    @classmethod
    def of(cls, problem: cp.Problem, write: Callable[[float, np.ndarray], None], size: int,
           variables: list[cp.Variable], options: dict) -> SelectionChain | None:
        """The chain of a compiled stage program; `write(floor0, floor)` writes the stage's floor
        parameters (the model's own parameters already written). None: not a plain LP here."""
        probe = np.arange(1.0, size + 1.0)
        write(0.0, np.zeros(size))
        data0, _, inverse = internals.solver_data(problem, cp.HIGHS)
        write(size + 1.0, probe)
        data1, _, _ = internals.solver_data(problem, cp.HIGHS)
        form, form1 = StandardForm.of(data0), StandardForm.of(data1)
        if form.integer or not form.same_matrix_and_bounds(form1) or not np.array_equal(form.c, form1.c):
            return None
        moved = np.flatnonzero(form.row_upper != form1.row_upper)
        if moved.size != size + 1 or (moved < form.n_eq).any():
            return None
        drop = form.row_upper[moved] - form1.row_upper[moved]  # = the probe value of the row's floor
        which = np.rint(drop).astype(int) - 1  # goal k (0..size-1) or size (the optimum row)
        if not np.allclose(drop, which + 1, rtol=0, atol=1e-9) or sorted(which.tolist()) != list(range(size + 1)):
            return None
        row_of = np.empty(size + 1, dtype=int)
        row_of[which] = moved
        offsets = variable_offsets(inverse, variables, form.A.shape[1])
        if offsets is None:
            return None
        rows = form.A.tocsr()
        goal_rows, optimum_row = row_of[:size], int(row_of[size])
        silence_highs_banner()
        import highspy

        h: Any = highspy.Highs()
        h.setOptionValue("output_flag", False)
        opts = highs_option_values(options)
        for name in _COLD_ONLY:  # every stage re-runs the simplex from the held basis
            opts.pop(name, None)
        set_options(h, opts)
        h.passModel(form.highs_lp())  # unscaled, as the stage solves' data (HiGHS scales internally)
        # row k: -G_k(x) <= -floor_k, i.e. a_k x <= constant_k - floor_k with a_k = -(linear part of G_k)
        chain = cls(h, form, goal_rows, optimum_row, rows[goal_rows], form.row_upper[goal_rows].copy(),
                    float(form.row_upper[optimum_row]), variables, offsets)
        chain.strategy = opts.get("simplex_strategy")
        chain.cold_strategy = int(h.getOptionValue("simplex_strategy")[1])
        return chain

    def stage(self, k: int, floor0: float, floor: np.ndarray, *, cold_retry: bool = True) -> Stage:
        """max G_k s.t. the model's rows, objective >= floor0 and G >= floor, from the held basis.
        A warm stage that fails is re-solved cold when `cold_retry`; otherwise (and when that fails too)
        the previous stage's basis is restored, for the caller's retry with looser floors."""
        h, n = self.highs, self.form.A.shape[1]
        cost = self.goals[k].toarray().ravel()  # min a_k x = max G_k - constant
        h.changeColsCost(n, self._cols, cost)
        upper = np.append(self.constants - floor, self.optimum_constant - floor0)
        h.changeRowsBounds(self._rows.size, self._rows, np.full(self._rows.size, -np.inf), upper)
        start = time.perf_counter()
        held = h.getBasis() if self.warm else None  # an optimal basis of the previous stage
        h.run()
        status = _STATUS.get(h.getModelStatus().name, "solver_error")
        if status != "optimal" and self.warm and self.strategy is None and cold_retry:
            # the warm primal simplex can stop short on round-off (a tight tolerance): a cold solve of
            # the stage decides, as the stage solves it replaces did
            h.clearSolver()
            h.setOptionValue("simplex_strategy", self.cold_strategy)
            h.run()
            self.retries += 1
            h.setOptionValue("simplex_strategy", _PRIMAL)
            status = _STATUS.get(h.getModelStatus().name, "solver_error")
        if status != "optimal" and held is not None:
            # the caller retries this stage alone with looser floors: from the previous stage's
            # basis, primal feasible for them (not from the failed solve's)
            h.setBasis(held)
        seconds = time.perf_counter() - start
        if status not in ("optimal", "optimal_inaccurate"):
            return Stage(status, float("nan"), float("nan"), seconds)
        x = np.asarray(h.getSolution().col_value, float)
        self.x = x
        if not self.warm and status == "optimal" and self.strategy is None:
            # later stages change costs and lower floors the point meets: the basis stays primal
            # feasible, so the primal simplex continues from it (a few pivots a stage)
            h.setOptionValue("simplex_strategy", _PRIMAL)
        self.warm = True
        return Stage(status, float(self.constants[k] - cost @ x),
                     float(np.abs(cost) @ np.abs(x) + abs(self.constants[k])), seconds)

    def write_back(self) -> None:
        """The last stage's point into the cvxpy variables (the model's: the stage program shares them)."""
        if self.x is not None:
            write_point(self.x, self.variables, self.offsets)


def selection_chain(problem: cp.Problem, write: Callable[[float, np.ndarray], None], size: int,
                    variables: list[cp.Variable], options: dict) -> SelectionChain | None:
    """`SelectionChain.of` (the seam's entry point)."""
    return SelectionChain.of(problem, write, size, variables, options)

"""The lexicographic selection chain on one persistent HiGHS (`core.strategies.Lexicographic`).

The stage program (`max G_k` s.t. the model's rows, `objective >= floor0`, `G >= floor`) is built
here from the model's own standard form for HiGHS, as its solve just received it (unscaled), with
two blocks of rows appended: the optimum row (the model's cost row, `c x <= -offset - floor0`) and
one floor row per goal (`-G_k`'s coefficients: `a_k x <= g_k - floor_k` where G_k(x) = g_k - a_k x).
The goals' coefficients are read from their expression (`solvers.affine.linear_map`).

Stage 1 starts from the model solve's optimal basis (kept by `execute` in the compiled program's
cache), the appended rows basic: that basis is primal feasible for the stage (the point is the
model's optimum, every floor below it), so the primal simplex only pivots to the best G_1 on the
optimal face. Each later stage swaps the costs and the floor rows' bounds in place and re-runs the
primal simplex from the previous stage's optimal basis, still primal feasible: the previous point
meets every new floor. So the chain costs one model solve plus n + 3 short simplex runs.

The final point is written back into the model's cvxpy variables through the stuffing step's
variable offsets. `SelectionChain.of` answers None where the form is not this plain LP (a reduction
added columns, the goals are not affine in the model's columns): the caller then keeps cvxpy's
stage solves.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import Any

import cvxpy as cp
import numpy as np
import scipy.sparse as sp

from ..core.tolerances import GOAL_CHECK_TOL
from . import affine
from .cvxpy_internals import write_point
from .highs import RejectedLPError, StandardForm, highs_option_values, set_options
from .registry import silence_highs_banner
from .scaling import matrix_factors

#: HiGHS model statuses as cvxpy names them (cvxpy's HIGHS.STATUS_MAP, the ones a stage can reach)
_STATUS = {"kOptimal": "optimal", "kInfeasible": "infeasible", "kUnbounded": "unbounded",
           "kUnboundedOrInfeasible": "infeasible_or_unbounded", "kTimeLimit": "optimal_inaccurate",
           "kIterationLimit": "optimal_inaccurate"}

#: options of a cold solve that a basis re-run does not take (HIGHS_IPM: interior point + crossover)
_COLD_ONLY = ("solver", "run_crossover")
_PRIMAL = 4  # HiGHS simplex_strategy: the primal simplex
#: warm stages without the primal simplex's bound perturbation: from a feasible basis a stage needs
#: tens of pivots, and removing the perturbation afterwards cost more than they did (measured: the
#: chain's stages 2-3x faster). A degenerate stall is cut off by the iteration cap and the stage
#: continues with HiGHS's perturbation (its default multiplier, 1).
_UNPERTURBED = {"primal_simplex_bound_perturbation_multiplier": 0.0}
_PERTURBED = {"primal_simplex_bound_perturbation_multiplier": 1.0}
#: options whose value the caller chose keep it: then the chain does not tune the stages
_TUNED = ("simplex_strategy", "simplex_scale_strategy", "simplex_iteration_limit",
          "primal_simplex_bound_perturbation_multiplier")
#: Ruiz factors of the model's matrix within 2^_WELL_SCALED of one: HiGHS's own scaling is skipped
#: (on such data it only added cleanup pivots after each stage)
_WELL_SCALED = 10


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

    def __init__(self, highs: Any, costs: np.ndarray, constants: np.ndarray, optimum_constant: float,
                 variables: list[cp.Variable], offsets: dict[int, int], seeded: bool) -> None:
        self.highs = highs
        self.costs, self.constants, self.optimum_constant = costs, constants, optimum_constant
        self.variables, self.offsets = variables, offsets
        n, size = costs.shape[1], costs.shape[0]
        rows = highs.getNumRow()
        self.x: np.ndarray | None = None
        self.seeded = seeded  # stage 1 starts from the model solve's optimal basis
        self.warm = seeded  # HiGHS holds a primal feasible basis of this program
        self.strategy: int | None = None  # the caller's simplex_strategy (None: ours)
        self.cold_strategy = 1  # HiGHS's simplex_strategy for a cold stage (the dual simplex)
        self.retries = 0  # warm stages re-solved cold
        self.tuned = False  # warm stages run unperturbed, up to `cap` pivots (see _UNPERTURBED)
        self.cap = 10 * (rows + n)
        self.stalls = 0  # warm stages that hit the cap
        self._rows = np.arange(rows - size - 1, rows, dtype=np.int32)  # the optimum row, then the goals'
        self._cols = np.arange(n, dtype=np.int32)
        self._lower = np.full(size + 1, -np.inf)

    @classmethod
    def of(cls, problem: cp.Problem, goals: cp.Expression, variables: list[cp.Variable],
           options: dict) -> SelectionChain | None:
        """The chain of `problem` (the model's, just solved with HiGHS at its current parameters) and
        its goal vector `goals`; None where the form is not a plain LP in `variables`' columns."""
        hf = affine.highs_form(problem)  # as the model's solve received it
        if not hf.to_highs:
            return None
        program, offset = hf.program, hf.offset
        base = StandardForm.of(hf.data)
        n = base.A.shape[1]
        offsets = hf.offsets(variables)
        if base.integer or offsets is None:
            return None
        extracted = goal_coefficients(goals, offsets, n)
        if extracted is None:
            return None
        linear, constants = extracted  # G(x) = linear @ x + constants
        if not _agrees(goals, linear, constants, variables, offsets, n):
            return None
        size = constants.size
        # rows appended to the model's: the optimum row c x <= -offset - floor0, then -G_k(x) <= -floor_k
        A = sp.vstack([base.A.tocsr(), sp.csr_matrix(base.c.reshape(1, -1)), -linear], format="csc")
        unbounded = np.full(size + 1, np.inf)
        form = replace(base, c=np.zeros(n), A=A, row_lower=np.append(base.row_lower, -unbounded),
                       row_upper=np.append(base.row_upper, unbounded))
        silence_highs_banner()
        import highspy

        h: Any = highspy.Highs()
        h.setOptionValue("output_flag", False)
        opts = highs_option_values(options)
        for name in _COLD_ONLY:  # every stage runs the simplex, from a basis where there is one
            opts.pop(name, None)
        set_options(h, opts)
        try:
            form.load_into(h)  # unscaled, as the model's solve received it (HiGHS scales internally)
        except RejectedLPError:  # coefficients HiGHS takes only scaled: the caller's stage solves scale them
            return None
        seed = _seed(highspy, program, n, base.A.shape[0], size + 1)
        if seed is not None and h.setBasis(seed) != highspy.HighsStatus.kOk:
            seed = None
        chain = cls(h, -linear.toarray(), constants, -offset, variables, offsets,
                    seeded=seed is not None)
        chain.strategy = opts.get("simplex_strategy")
        chain.cold_strategy = int(h.getOptionValue("simplex_strategy")[1])
        chain.tuned = not any(name in opts for name in _TUNED)
        if chain.tuned and _well_scaled(program, base, A[base.A.shape[0]:]):
            h.setOptionValue("simplex_scale_strategy", 0)
        if seed is not None:
            chain._go_warm()
        return chain

    def _go_warm(self) -> None:
        """HiGHS holds a primal feasible basis: later stages run the primal simplex from it."""
        self.warm = True
        if self.strategy is None:
            self.highs.setOptionValue("simplex_strategy", _PRIMAL)
        if self.tuned:
            set_options(self.highs, {**_UNPERTURBED, "simplex_iteration_limit": self.cap})

    def _run(self) -> None:
        """One simplex run; a tuned warm run that stalls at the cap continues perturbed."""
        h = self.highs
        h.run()
        if self.tuned and self.warm and h.getModelStatus().name == "kIterationLimit":
            self.stalls += 1
            set_options(h, {**_PERTURBED, "simplex_iteration_limit": 2**31 - 1})
            h.run()  # from where the stalled run stopped: still primal feasible
            set_options(h, {**_UNPERTURBED, "simplex_iteration_limit": self.cap})

    def stage(self, k: int, floor0: float, floor: np.ndarray, *, cold_retry: bool = True) -> Stage:
        """max G_k s.t. the model's rows, objective >= floor0 and G >= floor, from the held basis.
        A warm stage that fails is re-solved cold when `cold_retry`; otherwise (and when that fails too)
        the previous stage's basis is restored, for the caller's retry with looser floors."""
        h, cost = self.highs, self.costs[k]  # min a_k x = max G_k - constant
        h.changeColsCost(self._cols.size, self._cols, cost)
        upper = np.append(self.optimum_constant - floor0, self.constants - floor)
        h.changeRowsBounds(self._rows.size, self._rows, self._lower, upper)
        start = time.perf_counter()
        held = h.getBasis() if self.warm else None  # primal feasible for this stage's looser retry
        self._run()
        status = _STATUS.get(h.getModelStatus().name, "solver_error")
        if status != "optimal" and self.warm and self.strategy is None and cold_retry:
            # the warm primal simplex can stop short on round-off (a tight tolerance): a cold solve of
            # the stage decides, as the stage solves it replaces did (with HiGHS's own settings)
            h.clearSolver()
            set_options(h, {"simplex_strategy": self.cold_strategy, **(_PERTURBED if self.tuned else {})})
            h.run()
            self.retries += 1
            self._go_warm()
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
        if not self.warm and status == "optimal":
            # later stages change costs and lower floors the point meets: the basis stays primal
            # feasible, so the primal simplex continues from it (a few pivots a stage)
            self._go_warm()
        self.warm = True
        return Stage(status, float(self.constants[k] - cost @ x),
                     float(np.abs(cost) @ np.abs(x) + abs(self.constants[k])), seconds)

    def write_back(self) -> None:
        """The last stage's point into the model's cvxpy variables."""
        if self.x is not None:
            write_point(self.x, self.variables, self.offsets)


def goal_coefficients(goals: cp.Expression, offsets: dict[int, int], n: int) -> tuple[sp.csr_matrix, np.ndarray] | None:
    """(L, g) with goals(x) = L x + g on the model's standard-form columns (`offsets`: variable id ->
    first column, n columns), read from the goals' expression (`solvers.affine`); None when the goals
    are not affine in the model's variables."""
    try:
        node = affine.linear_map(goals, offsets, n)
    except affine.UnsupportedError:
        return None
    if isinstance(node, affine.Const):
        return None
    lin = node.lin(n) if isinstance(node, affine.Sel) else node
    return lin.M, lin.k


def _agrees(goals: cp.Expression, linear: sp.csr_matrix, constants: np.ndarray, variables: list[cp.Variable],
            offsets: dict[int, int], n: int) -> bool:
    """Whether L x + g is cvxpy's own value of the goals at the model's current point (its optimum)."""
    x = np.zeros(n)
    for v in variables:
        if v.value is None:
            return False
        x[offsets[v.id]:offsets[v.id] + v.size] = np.asarray(v.value, float).ravel(order="F")
    value = np.asarray(goals.value, float).ravel()
    ours = linear @ x + constants
    scale = abs(linear) @ np.abs(x) + np.abs(constants) + 1.0
    return value.shape == ours.shape and bool(np.all(np.abs(value - ours) <= GOAL_CHECK_TOL * scale))


def _well_scaled(program: Any, base: StandardForm, appended: sp.spmatrix) -> bool:
    """Whether the model's matrix (its Ruiz factors, kept by the model's solve, else computed) and the
    appended rows (their row maxima over those column factors) lie within 2^_WELL_SCALED of one."""
    held = None if program is None else program.extra.get("factors")
    r, t = held[1] if held is not None and held[0] is base.A and held[1] is not None else matrix_factors(base.A)
    scaled = abs(sp.csr_matrix(appended) @ sp.diags(t))
    rows = scaled.max(axis=1).toarray().ravel()
    exponents = np.abs(np.log2(np.concatenate([r, t, rows[rows > 0]])))
    return not exponents.size or float(exponents.max()) < _WELL_SCALED


def _seed(highspy: Any, program: Any, n: int, rows: int, appended: int) -> Any:
    """The model solve's optimal basis (kept by `execute`; scaling by powers of two keeps every status)
    with the appended rows basic, or None."""
    basis = None if program is None else program.extra.get("basis")
    if basis is None or not basis.valid or len(basis.col_status) != n or len(basis.row_status) != rows:
        return None
    seed = highspy.HighsBasis()
    seed.col_status = list(basis.col_status)
    seed.row_status = [*basis.row_status, *[highspy.HighsBasisStatus.kBasic] * appended]
    seed.valid = True
    return seed


def selection_chain(problem: cp.Problem, goals: cp.Expression, variables: list[cp.Variable],
                    options: dict) -> SelectionChain | None:
    """`SelectionChain.of` (the seam's entry point)."""
    return SelectionChain.of(problem, goals, variables, options)

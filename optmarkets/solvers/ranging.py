"""One-sided prices and price ranges of an LP's constraint rows, on the standard form HiGHS receives.

`model_form(model)` reads cvxpy's data for HiGHS (min c.x, row_lower <= A x <= row_upper, column
bounds) and maps every row of every constraint family to its standard-form row: cvxpy stacks the
equality families first (in declaration order), then the inequality families, each flattened in
Fortran order. The mapping and each row's orientation are checked by a probe: at a random point x,
the standard-form row A x - b must equal sigma * (lhs - rhs) of its family row (sigma = +-1), so
d b / d rhs = sigma exactly.

`price_ranges(model, name)`: for the family row k with price t = d V / d rhs,
- left, right: the one-sided derivatives of the optimal value V in rhs_k. V is polyhedral, so its
  directional derivative is the extreme value of the row's multiplier over the optimal dual face.
  Each is one small LP over {dual feasible, dual objective >= optimum - eps}, maximising or
  minimising that multiplier (`solvers.face`: primal simplex from the face's feasible basis, other
  HiGHS runs where that fails, every answer checked); where the LP is unbounded the derivative is
  infinite (the primal becomes infeasible on that side). No face LP is solved for a side on which the
  optimal basis stays optimal (`row_steps`: every basic variable that moves with the row lies clear of the
  bound it moves towards): V is linear there with the vertex price as slope. Where HiGHS's optimal basis is
  primal non-degenerate (`_duals_unique`) that holds for every side of every row. On a degenerate basis only
  the closed sides (a kink, or a degenerate basic variable in the way) need work (issue 31 item 2): first the
  parametric step (`ranging_step`: that extreme is the optimal value of the tangent LP at the optimum, solved by
  a dual simplex from the optimal basis, all closed sides in lockstep; issue 31 item 3), then, for each side whose
  path is longer than the step's work model allows, the same tangent LP reduced to the basis's degenerate core
  (`tangent_core`: a few HiGHS pivots on a smaller LP, each answer certified in the full space), and a face LP
  only where that leaves a side unsettled (`closed_sides`).
- rhs_low, rhs_high: HiGHS's ranging of the optimal basis: the interval of rhs_k on which the
  basis, and so the vertex price, stays optimal (NaN where the given price is not that basis's).
- reason: "" for a row computed; otherwise why not (every HiGHS run tried, with its status), and
  left and/or right are NaN. One row's failure does not abort the family.

All of it runs on the LP equilibrated to magnitude one (`unit_scaled`: the solve's power-of-two factors, or geometric
ones where rows mix magnitudes), so that every tolerance of the steps, the core and the faces, relative to max(1, .)
there, is relative to the data's magnitude: the answers scale with the data (a mechanism's at values x 1e-8 as at 1).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from typing import Any

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import InputError, SolverFailedError
from ..core.tolerances import RANGE_PIVOT_TOL, RANGE_PRICE_TOL, RANGE_PROBE_TOL, RANGE_SNAP_TOL
from .affine import highs_form
from .face import face_extremes
from .highs import RejectedLPError, StandardForm
from .ranging_step import BasisPoint, FactoredBasis, gaps, parametric_sides
from .registry import silence_highs_banner
from .scaling import RESIDUE, Scaling, equilibrate, near_one
from .tangent_core import core_sides


@dataclass
class RowBlock:
    """Where a family's rows sit in the standard form: rows start..start+size, flattened in F order."""

    name: str
    start: int
    size: int
    shape: tuple[int, ...]
    sigma: np.ndarray  # per row (C order of the family's labels): d b / d rhs
    index: Any

    def rows_c_order(self) -> np.ndarray:
        """Standard-form rows in the C order of the family's labels (the order `labelled` uses)."""
        flat = np.arange(self.size).reshape(self.shape or (1,), order="F")
        return self.start + flat.reshape(-1)


@dataclass
class ModelForm:
    """A model's standard form for HiGHS with the maps back to families and variables."""

    lp: StandardForm
    blocks: dict[str, RowBlock]
    columns: dict[str, tuple[int, tuple[int, ...]]]  # variable name -> (offset, shape)
    sense: str
    offset: float  # the model's objective: sign * (c.x + offset), sign = -1 for max

    @property
    def sign(self) -> float:
        return -1.0 if self.sense == "max" else 1.0


def _write_parameters(model: Any, parameters: dict[str, Any] | None) -> None:
    if parameters is None:
        model.write_parameters()
        return
    for name, spec in model.parameters.items():
        spec.param.value = np.asarray(parameters[name], float).reshape(spec.param.shape)


def model_form(model: Any, parameters: dict[str, Any] | None = None, *, integers: bool = False) -> ModelForm:
    """The standard form HiGHS receives for `model` (at `parameters`, labelled values, else the model's);
    `integers`: a MILP's too, its integer columns kept (standard files: `solvers.export`)."""
    if not (model.is_lp or (integers and model.has_integers)):
        raise InputError(f"model '{model.name}': ranges and exact optima need an LP (affine, no integers)")
    _write_parameters(model, parameters)
    problem = model.problem
    hf = highs_form(problem)  # the solve path's reader: its compiled program is reused, not cvxpy's compile
    lp = StandardForm.of(hf.data)
    var_start = hf.offsets(problem.variables())
    if var_start is None:
        raise SolverFailedError(model.name, "HIGHS", "no_column_map", "the standard form holds no variable offsets")
    columns = {n: (var_start[v.var.id], v.var.shape) for n, v in model.variables.items() if v.var.id in var_start}
    eq = [n for n, f in model.families.items() if f.sense == "=="]
    ineq = [n for n, f in model.families.items() if f.sense != "=="]
    blocks: dict[str, RowBlock] = {}
    start = 0
    for name in eq + ineq:
        fam = model.families[name]
        size = int(np.prod(fam.shape)) if fam.shape else 1
        blocks[name] = RowBlock(name, start, size, tuple(fam.shape), np.ones(size), fam.index)
        start += size
    if start != lp.A.shape[0] or (len(eq) and sum(blocks[n].size for n in eq) != lp.n_eq):
        raise SolverFailedError(model.name, "HIGHS", "no_row_map",
                                f"the standard form has {lp.A.shape[0]} rows, the families {start}")
    _probe(model, problem, lp, blocks, var_start)
    return ModelForm(lp, blocks, columns, model.sense, hf.offset)


def _probe(model: Any, problem: cp.Problem, lp: StandardForm, blocks: dict[str, RowBlock],
           var_start: dict[int, int]) -> None:
    """Fix each row's orientation sigma by evaluating both sides at a random point (then restore)."""
    rng = np.random.default_rng(0)
    saved = {v: v.value for v in problem.variables()}
    x = np.zeros(lp.A.shape[1])
    try:
        for v in problem.variables():
            sign = -1.0 if v.attributes.get("nonpos") else 1.0
            val = sign * (rng.uniform(0.25, 1.0, v.shape) if v.shape else rng.uniform(0.25, 1.0))
            v.save_value(val)  # past cvxpy's check that an integer variable holds integers: only A x is read
            if v.id in var_start:
                x[var_start[v.id]:var_start[v.id] + v.size] = np.asarray(val).reshape(-1, order="F")
        # at a point that satisfies nothing, A x - upper = sigma * (lhs - rhs); upper = b
        row = lp.A @ x - lp.row_upper
        for name, block in blocks.items():
            fam = model.families[name]
            rhs = fam.rhs.value if isinstance(fam.rhs, cp.Expression) else fam.rhs
            diff = np.asarray(np.asarray(fam.lhs.value, float) - np.asarray(rhs, float)).reshape(-1)
            got = row[block.rows_c_order()]
            scale = max(1.0, float(np.abs(diff).max(initial=0.0)))
            # cvxpy writes lhs >= rhs as rhs - lhs <= 0: that orientation first, so that a family whose rows read
            # 0 at every point (lhs identically 0, rhs 0) keeps its sense's orientation
            for sigma in ((-1.0, 1.0) if fam.sense == ">=" else (1.0, -1.0)):
                if np.abs(got - sigma * diff).max(initial=0.0) <= RANGE_PROBE_TOL * scale:
                    block.sigma = np.full(block.size, sigma)
                    break
            else:
                raise SolverFailedError(model.name, "HIGHS", "no_row_map",
                                        f"family '{name}' does not match its standard-form rows")
    finally:
        for v, old in saved.items():
            v.save_value(old)  # as solved: a value 1e-10 outside the variable's domain is refused by .value


def simplex_highs(lp: StandardForm, tol: float | None = None, seed: Any = None) -> Any:
    """A HiGHS instance holding `lp` for the simplex (so a basis is a vertex), not yet run: feasibility tolerances
    `tol` (None: HiGHS's own), starting from the basis `seed` where it fits `lp` (HiGHS checks it: an
    inconsistent one is refused and the run starts cold). An LP HiGHS rejects leaves it empty: its status is
    then not optimal, and the callers say so."""
    import highspy

    silence_highs_banner()  # the first Highs() of a process greets stdout
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", "simplex")
    if tol is not None:
        for name in ("primal_feasibility_tolerance", "dual_feasibility_tolerance"):
            h.setOptionValue(name, tol)
    try:
        lp.load_into(h)
    except RejectedLPError:
        return h
    if seed is not None and seed.valid and len(seed.col_status) == lp.A.shape[1] and len(
            seed.row_status) == lp.A.shape[0]:
        h.setBasis(seed)
    return h


def held_basis(model: Any) -> Any:
    """The optimal basis of the model's last HiGHS solve (kept by `execute` on its compiled program), or None:
    a value-function path or an exact certificate starts there, warm, instead of from no basis (P_q at n = 100:
    3.9 s cold, ~0.2 s warm). The statuses hold on the unscaled form: the solve path scales rows and columns by
    positive factors only."""
    program = highs_form(model.problem).program
    return None if program is None else program.extra.get("basis")


def solved_highs(lp: StandardForm) -> Any:
    """A HiGHS instance holding `lp`, solved to optimality (simplex, HiGHS's tolerances, from no basis)."""
    h = simplex_highs(lp)
    h.run()
    return h


def flat_labels(block: RowBlock) -> pd.Index:
    """The family's row labels in C order: its Index, a MultiIndex for a 2-D family."""
    index = block.index
    if isinstance(index, tuple):
        return pd.MultiIndex.from_product([index[0], index[1]], names=[index[0].name, index[1].name])
    if index is None:
        return pd.RangeIndex(block.size)
    if isinstance(index, pd.Index):  # pd.Index(a MultiIndex) flattens it to tuples
        return index
    return pd.Index(index)


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


def price_ranges(model: Any, name: str, prices: Any, rows: Any = None,
                 parameters: dict[str, Any] | None = None, n_jobs: int = 1) -> pd.DataFrame:
    """price, left, right, rhs_low, rhs_high, reason of each row of family `name` (see the module
    docstring), labelled as `prices[name]` (a MultiIndex where that is one; rows of a 2-D family
    in the C order of its (rows, columns) labels). `n_jobs` (a positive int): threads sharing the rows that
    need a parametric step or a face LP (`closed_sides`); 1 runs them here."""
    import highspy

    n_jobs = _checked_jobs(n_jobs)

    if name not in model.families:
        raise InputError(f"name: '{name}' is not a constraint family of model '{model.name}'; "
                         f"families: {list(model.families)}")
    form = model_form(model, parameters)
    block = form.blocks[name]
    labels = flat_labels(block)
    std_rows = block.rows_c_order()
    sigma = block.sigma
    price = np.asarray(prices, float).reshape(-1) if prices is not None else np.full(block.size, np.nan)
    keep = np.arange(block.size)
    if rows is not None:
        # exact label equality (a MultiIndex row is a tuple of all its levels): pandas' indexers match a
        # partial or over-long tuple, or fail on one, instead of refusing it
        position = {label: i for i, label in enumerate(labels)}
        wanted = list(rows)
        found = [position.get(w, -1) if _hashable(w) else -1 for w in wanted]
        bad = [w for w, k in zip(wanted, found, strict=True) if k < 0]
        if bad:
            form_of = f" (each a tuple of its {labels.nlevels} levels {list(labels.names)})" \
                if isinstance(labels, pd.MultiIndex) else ""
            raise InputError(f"rows: {bad[:5]} are not rows of family '{name}'{form_of}")
        keep = np.asarray(found, dtype=int)
    # on the LP equilibrated to magnitude one (exact powers of two, `scaling`): the steps' and faces' tolerances
    # read the same at any scale (costs at 1e-6 and rows at 1e6 put every dual at 1e-12, where they were round-off)
    scaling, lp, own = unit_scaled(form.lp)
    unit = scaling.row[std_rows[keep]] / scaling.sigma  # y = unit * y' on the rows asked for
    # the solve's own scaled LP, solved cold, is the solve's vertex bit for bit; another scaling starts from the solve's
    # basis, so that the vertex, and the rhs ranges given, are the solve's (cold: another optimal vertex, ranges NaN)
    h = simplex_highs(lp, seed=None if own else held_basis(model))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        raise SolverFailedError(model.name, "HIGHS", str(h.getModelStatus()), "the standard form did not solve")
    optimum = float(h.getInfo().objective_function_value)
    row_dual = np.asarray(h.getSolution().row_dual, float)
    vertex = form.sign * sigma[keep] * row_dual[std_rows[keep]]  # scaled units until the end
    steps = row_steps(h, lp, std_rows[keep])
    if _duals_unique(h, lp):  # the face is one point: every row's derivatives are its vertex price
        steps.open_dn[:], steps.open_up[:] = True, True
    # V (HiGHS's min) is convex in a row's bound: left = min y_k over the face, right = max y_k; on an open
    # side the basis stays optimal, so that extreme is the vertex dual, and only the closed sides need face LPs
    lo_t, hi_t = row_dual[std_rows[keep]].copy(), row_dual[std_rows[keep]].copy()
    reason = [""] * keep.size
    need = np.flatnonzero(~(steps.open_dn & steps.open_up))
    if need.size:
        # one BLAS thread: the step's dense products gain no time from more (DSIC 2 x 10: 1.9 s either way) but
        # cost their CPU (2.8 s against 1.8 s) and compete with n_jobs' threads
        with _blas().limit(limits=1, user_api="blas"):
            lo_f, hi_f, why = closed_sides(lp, optimum, BasisPoint.of(h), std_rows[keep][need],
                                           ~steps.open_dn[need], ~steps.open_up[need], n_jobs)
        lo_t[need] = np.where(steps.open_dn[need], lo_t[need], lo_f)
        hi_t[need] = np.where(steps.open_up[need], hi_t[need], hi_f)
        for i, w in zip(need, why, strict=True):
            reason[i] = w
    # t = sign * sigma * y: V = sign * m, so over the face t ranges over sign*sigma*[min y, max y]
    s = form.sign * sigma[keep]
    t_min = np.where(s > 0, s * lo_t, s * hi_t)
    t_max = np.where(s > 0, s * hi_t, s * lo_t)
    # min: V convex, left = min t, right = max t; max: V concave, left = max t, right = min t
    left, right = (t_max, t_min) if form.sense == "max" else (t_min, t_max)
    # the face is relaxed by RANGE_FACE_TOLS: within that round-off of the vertex price is the vertex price
    near = RANGE_SNAP_TOL * np.maximum(1.0, np.abs(vertex))
    left = np.where(np.abs(left - vertex) <= near, vertex, left) * unit
    right = np.where(np.abs(right - vertex) <= near, vertex, right) * unit
    steps.t_lo, steps.t_hi = steps.t_lo / (scaling.row * scaling.rho)[std_rows[keep]], \
        steps.t_hi / (scaling.row * scaling.rho)[std_rows[keep]]
    rhs_low, rhs_high = _rhs_ranges(steps, form, model, name, block, std_rows[keep], sigma[keep])
    same = np.abs(vertex - price[keep] / unit) <= RANGE_PRICE_TOL * np.maximum(1.0, np.abs(vertex))
    rhs_low, rhs_high = np.where(same, rhs_low, np.nan), np.where(same, rhs_high, np.nan)
    return pd.DataFrame({"price": price[keep], "left": left + 0.0, "right": right + 0.0,
                         "rhs_low": rhs_low, "rhs_high": rhs_high, "reason": reason}, index=labels[keep])


def unit_scaled(lp: StandardForm) -> tuple[Scaling, StandardForm, bool]:
    """`lp` equilibrated to magnitude one, its factors, and whether they are the solve's: the solve's (`equilibrate`)
    where they leave every coefficient, the largest |b| and the largest |c| near one (`scaling`'s test), else
    geometric-mean factors. Rows that mix magnitudes are a fixed point of Ruiz: a mechanism's IC rows at values x 1e-6
    hold values x probabilities of 1e-7 beside payment coefficients of 1, every row and column maximum already 1, and
    the steps' and faces' tolerances, relative to magnitude one, took 1e-7 for round-off (an audit: left -0.025 for
    -0.1); the geometric factors bring such LPs to one whatever the values' scale, exactly or within a factor 2."""
    scaling = equilibrate(lp)
    scaled = scaling.apply(lp)
    if near_one(scaled):
        return scaling, scaled, True
    scaling = equilibrate(replace(lp, A=_without_residues(lp.A)), geometric=True)
    return scaling, scaling.apply(lp), False


def _without_residues(A: sp.spmatrix) -> sp.csc_matrix:
    """A less its round-off residues as `scaling` reads them (below 2^-RESIDUE of their row's and their column's
    largest entry, unless more than a tenth of the entries are that small: then they are the data), which would
    pull the geometric factors of their rows and columns by up to 2^26 (the LP itself keeps them)."""
    A = sp.csc_matrix(A, copy=True)
    absd = np.abs(A.data)
    cols = np.repeat(np.arange(A.shape[1]), np.diff(A.indptr))
    row_max, col_max = np.zeros(A.shape[0]), np.zeros(A.shape[1])
    np.maximum.at(row_max, A.indices, absd)
    np.maximum.at(col_max, cols, absd)
    small = absd < np.minimum(row_max[A.indices], col_max[cols]) * 2.0 ** -RESIDUE
    if small.sum() <= max(absd.size // 10, 64):
        A.data[small] = 0.0
        A.eliminate_zeros()
    return A


@functools.cache
def _blas() -> Any:
    """threadpoolctl's view of the BLAS libraries numpy and scipy loaded, found once (1 ms; a limit then costs
    12 us, against 0.2 ms for `threadpool_limits`, which looks them up each time)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _checked_jobs(n_jobs: Any) -> int:
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, int | np.integer) or n_jobs < 1:
        raise InputError(f"n_jobs: must be a positive int (threads sharing the rows), got {n_jobs!r}")
    return int(n_jobs)


def closed_sides(lp: StandardForm, optimum: float, point: BasisPoint | None, rows: np.ndarray, want_min: np.ndarray,
                 want_max: np.ndarray, n_jobs: int = 1) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """min and max of each row dual y_k over the optimal dual face, on the sides asked for (the others NaN), and
    per row "" or why not: by the parametric step from the optimal basis `point` (`ranging_step`), by the core LP
    (`tangent_core`) on the sides it leaves unsettled, by a face LP (`face_extremes`) on those the core leaves.
    `n_jobs` > 1: the parametric step's rows are split into that many parts and the core's sides likewise (one core,
    built once, a HiGHS instance per thread), run on as many threads (HiGHS's runs and numpy's array work release
    the GIL); the answers agree with the serial ones to round-off (which sides the lockstep blocks settle differs)."""
    basis = FactoredBasis.of(lp, point)  # factored once, read by the lockstep and the core alike
    parts = [p for p in np.array_split(np.arange(rows.size), max(1, min(n_jobs, rows.size))) if p.size]
    if len(parts) > 1:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(len(parts)) as pool:
            done = list(pool.map(lambda p: parametric_sides(lp, point, rows[p], want_min[p], want_max[p],
                                                            basis=basis), parts))
        lo, hi = np.concatenate([d[0] for d in done]), np.concatenate([d[1] for d in done])
    else:
        lo, hi, _ = parametric_sides(lp, point, rows, want_min, want_max, basis=basis)
    core_min, core_max = want_min & np.isnan(lo), want_max & np.isnan(hi)
    long = np.flatnonzero(core_min | core_max)
    if long.size:  # the long paths: one dual simplex each on the degenerate core, every answer certified
        lo_c, hi_c, _ = core_sides(lp, point, rows[long], core_min[long], core_max[long], n_jobs, basis=basis)
        lo[long] = np.where(core_min[long], lo_c, lo[long])
        hi[long] = np.where(core_max[long], hi_c, hi[long])
    face_min, face_max = want_min & np.isnan(lo), want_max & np.isnan(hi)
    reasons = [""] * rows.size
    todo = np.flatnonzero(face_min | face_max)
    if todo.size:
        lo_f, hi_f, why = face_extremes(lp, optimum, rows[todo], face_min[todo], face_max[todo])
        lo[todo] = np.where(face_min[todo], lo_f, lo[todo])
        hi[todo] = np.where(face_max[todo], hi_f, hi[todo])
        for i, w in zip(todo, why, strict=True):
            reasons[i] = w
    return lo, hi, reasons


def _duals_unique(h: Any, lp: StandardForm) -> bool:
    """HiGHS's optimal basis is primal non-degenerate: a full basis whose every basic variable (column
    value or row activity) lies farther than RANGE_NONDEGENERATE_TOL * max(1, |bound|) from each finite
    bound. Then every optimal dual is complementary to this x, so z_j = 0 on the basic columns and y_i = 0
    on the basic rows: m equations in y with the (nonsingular) basis matrix, a single solution. The
    optimal dual face is the vertex price and V is differentiable in every rhs."""
    import highspy

    basis, sol = h.getBasis(), h.getSolution()
    if not basis.valid or not sol.value_valid:
        return False
    basic = highspy.HighsBasisStatus.kBasic
    col_b = np.array([st == basic for st in basis.col_status], bool)
    row_b = np.array([st == basic for st in basis.row_status], bool)
    if int(col_b.sum() + row_b.sum()) != lp.A.shape[0]:
        return False
    val = np.concatenate([np.asarray(sol.col_value, float)[col_b], np.asarray(sol.row_value, float)[row_b]])
    clear_lo, clear_hi = gaps(val, np.concatenate([lp.col_lower[col_b], lp.row_lower[row_b]]),
                              np.concatenate([lp.col_upper[col_b], lp.row_upper[row_b]]))
    return bool(np.isfinite(val).all() and clear_lo.all() and clear_hi.all())


@dataclass
class RowSteps:
    """How far each row's bound moves (in the standard form's units, t_lo <= 0 <= t_hi) while HiGHS's optimal
    basis stays primal feasible, so optimal with the same vertex duals; and whether each side is open: no basic
    variable that moves with the row sits within RANGE_NONDEGENERATE_TOL (relative) of the bound it moves to.
    On an open side V is linear in the row's bound with slope the vertex dual: that one-sided derivative
    needs no face LP. NaN and closed where the basis is not a full, nonsingular one."""

    t_lo: np.ndarray
    t_hi: np.ndarray
    open_dn: np.ndarray
    open_up: np.ndarray


def row_steps(h: Any, lp: StandardForm, std_rows: np.ndarray) -> RowSteps:
    """`RowSteps` of rows `std_rows`: a ratio test along B^-1 e_k for each row k, with B the basis matrix of
    [A, -I] (x and the row activities s = A x as variables)."""
    import highspy
    from scipy.sparse.linalg import splu

    m = lp.A.shape[0]
    basis, sol = h.getBasis(), h.getSolution()
    basic = int(highspy.HighsBasisStatus.kBasic)
    col_b = np.array(basis.col_status, dtype=np.int8) == basic
    row_b = np.array(basis.row_status, dtype=np.int8) == basic
    x, act = np.asarray(sol.col_value, float), np.asarray(sol.row_value, float)
    t_lo, t_hi = np.full(std_rows.size, np.nan), np.full(std_rows.size, np.nan)
    closed = np.zeros(std_rows.size, dtype=bool)
    if col_b.sum() + row_b.sum() != m:
        return RowSteps(t_lo, t_hi, closed, closed.copy())
    open_dn, open_up = closed.copy(), closed.copy()
    eye = sp.identity(m, format="csc")
    MB = sp.hstack([lp.A[:, np.flatnonzero(col_b)], -eye[:, np.flatnonzero(row_b)]]).tocsc()
    val = np.concatenate([x[col_b], act[row_b]])
    lo = np.concatenate([lp.col_lower[col_b], lp.row_lower[row_b]])
    hi = np.concatenate([lp.col_upper[col_b], lp.row_upper[row_b]])
    clear_lo, clear_hi = gaps(val, lo, hi)
    nonbasic = ~row_b[std_rows]
    if nonbasic.any():
        try:
            lu = splu(MB)
        except RuntimeError:  # a singular basis matrix: no ranges
            return RowSteps(t_lo, t_hi, closed, closed.copy())
        rhs = np.zeros((m, int(nonbasic.sum())))
        rhs[std_rows[nonbasic], np.arange(rhs.shape[1])] = 1.0
        D = lu.solve(rhs)  # moving row k's bound by t moves the basic variables by t * D[:, k]
        with np.errstate(divide="ignore", invalid="ignore"):
            to_hi, to_lo = (hi - val)[:, None] / D, (lo - val)[:, None] / D
            room_up = np.where(D > RANGE_PIVOT_TOL, to_hi, np.where(D < -RANGE_PIVOT_TOL, to_lo, np.inf))
            room_dn = np.where(D < -RANGE_PIVOT_TOL, to_hi, np.where(D > RANGE_PIVOT_TOL, to_lo, -np.inf))
        room_up = np.where(np.isnan(room_up), np.inf, room_up)
        room_dn = np.where(np.isnan(room_dn), -np.inf, room_dn)
        t_hi[nonbasic] = np.maximum(room_up.min(axis=0, initial=np.inf), 0.0)
        t_lo[nonbasic] = np.minimum(room_dn.max(axis=0, initial=-np.inf), 0.0)
        rising, falling = D > RANGE_PIVOT_TOL, D < -RANGE_PIVOT_TOL
        # up: a rising variable must be clear of its upper bound, a falling one of its lower; down: the reverse
        open_up[nonbasic] = ~((rising & ~clear_hi[:, None]) | (falling & ~clear_lo[:, None])).any(axis=0)
        open_dn[nonbasic] = ~((falling & ~clear_hi[:, None]) | (rising & ~clear_lo[:, None])).any(axis=0)
    basic_rows = std_rows[~nonbasic]
    # a basic row keeps dual 0 while its activity stays inside its moving bounds
    t_lo[~nonbasic] = np.where(np.isfinite(lp.row_upper[basic_rows]), act[basic_rows] - lp.row_upper[basic_rows],
                               -np.inf)
    t_hi[~nonbasic] = np.where(np.isfinite(lp.row_lower[basic_rows]), act[basic_rows] - lp.row_lower[basic_rows],
                               np.inf)
    row_clear_lo, row_clear_hi = gaps(act[basic_rows], lp.row_lower[basic_rows], lp.row_upper[basic_rows])
    open_up[~nonbasic], open_dn[~nonbasic] = row_clear_lo, row_clear_hi
    return RowSteps(np.minimum(t_lo, 0.0), np.maximum(t_hi, 0.0), open_dn, open_up)


def _rhs_ranges(steps: RowSteps, form: ModelForm, model: Any, name: str, block: RowBlock, std_rows: np.ndarray,
                sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The interval of the family's rhs on which HiGHS's optimal basis stays primal feasible (so optimal, with
    the same vertex price), from the standard form's steps."""
    fam = model.families[name]
    rhs_now = np.asarray(fam.rhs.value if isinstance(fam.rhs, cp.Expression) else fam.rhs, float)
    rhs_now = np.broadcast_to(rhs_now, fam.shape).reshape(-1) if fam.shape else rhs_now.reshape(1)
    rhs_c = rhs_now[_c_positions(block, std_rows - block.start)]
    a, b = rhs_c + sigma * steps.t_lo, rhs_c + sigma * steps.t_hi
    return np.minimum(a, b), np.maximum(a, b)


def _c_positions(block: RowBlock, f_pos: np.ndarray) -> np.ndarray:
    """Positions in C order of the rows at F-order positions `f_pos`."""
    shape = block.shape or (1,)
    return np.ravel_multi_index(np.unravel_index(f_pos, shape, order="F"), shape, order="C")

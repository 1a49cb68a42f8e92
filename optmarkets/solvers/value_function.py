"""The optimal value of an LP along a straight path of one parameter: a parametric simplex on HiGHS.

The path is p(t) = start + t (end - start), t in [0, 1]. The parameter enters the standard form HiGHS
receives (`ranging.model_form`) affinely (DPP), so with v = (x, s), s = A x the row activities,
M = [A, -I], the LP at t is

    min c(t).x + offset(t)   s.t.  M v = 0,  lo(t) <= v <= hi(t),

with c, lo, hi, offset affine in t. Two kinds of path are supported, read off the forms at t = 0, 1/2, 1:
- "rhs": only lo, hi move (V piecewise linear, concave in t for a max, convex for a min);
- "objective": only c (and the constant) move (V piecewise linear, convex for a max, concave for a min).
A parameter that changes A, or moves both bounds and costs, is refused (CapabilityError naming the families).

The walk. A basis (basic set, the bound each nonbasic variable sits at) gives v(t) = v0 + t dv and
reduced costs d(t) = d0 + t dd exactly affine in t; it is optimal on the interval where every basic
variable is inside its bounds and every nonbasic reduced cost has the right sign (a ratio test).
From the optimal basis at the start, the walk records that basis's piece up to the end of its interval
t*, then re-solves HiGHS warm from that basis a little past t* (VF_PROBE_STEP, cut eightfold while the new
basis's interval does not reach back to t*, down to VF_T_TOL: so no piece is skipped), and continues.
A degenerate basis whose interval is a single point records nothing. Adjacent pieces with equal slopes
(relative VF_SLOPE_TOL) are merged, so breakpoints are real slope changes.

Infeasible stretches. The set of t where the LP has an optimum is an interval: for an rhs path the
projection on t of the polyhedron {(v, t): M v = 0, lo(t) <= v <= hi(t)}, for an objective path the
projection of the dual feasible set {(y, t)} (primal feasibility does not depend on t). Its ends are
found exactly by two small LPs over (v, t) or (y, z, t), min t and max t, not by bisection: so
`infeasible` (and `unbounded`) stretches lie at the ends of the path only; one in the middle cannot occur.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..core.errors import CapabilityError, SolverFailedError
from ..core.tolerances import RANGE_HIGHS_TOL, VF_AFFINE_TOL, VF_PROBE_STEP, VF_RATE_TOL, VF_SLOPE_TOL, VF_T_TOL
from .highs import StandardForm
from .ranging import ModelForm, held_basis, model_form, simplex_highs
from .scaling import Scaling, equilibrate

#: The walk stops with a SolverFailedError after this many linear pieces (or 20 times as many HiGHS runs).
MAX_PIECES = 10_000
LO, HI, ZERO = 0, 1, 2  # where a nonbasic variable sits


@dataclass
class Path:
    """The LP along the path: data at t = 0 plus t times the direction, in v = (x, s) space."""

    form: ModelForm  # the standard form at t = 0 (its maps to families and variables)
    kind: str  # "rhs", "objective" or "constant"
    lo0: np.ndarray
    dlo: np.ndarray
    hi0: np.ndarray
    dhi: np.ndarray
    c0: np.ndarray  # costs of v (zero on s)
    dc: np.ndarray
    off0: float
    doff: float
    model: str = "value_function"  # the model's name, for errors
    form1: ModelForm | None = None  # the standard form at t = 1 (exact certificates read both ends)
    seed: Any = None  # a basis the first solve starts from (`held_basis`), or None: cold
    M: sp.csc_matrix = field(init=False)
    #: the LP's exact power-of-two scaling to magnitude one along the whole path (`solvers.scaling`): HiGHS solves
    #: the scaled LP (its tolerances are absolute), and every test here reads in its units: v x v_unit, reduced
    #: costs x d_unit, values and slopes against value_unit (1e-10 data had every slope "equal")
    scaling: Scaling = field(init=False)
    v_unit: np.ndarray = field(init=False)
    d_unit: np.ndarray = field(init=False)
    value_unit: float = field(init=False)

    def __post_init__(self) -> None:
        A = self.form.lp.A
        self.M = sp.hstack([A, -sp.identity(A.shape[0], format="csc")]).tocsc()
        n = A.shape[1]
        with np.errstate(invalid="ignore"):
            lo = np.maximum(np.abs(np.where(np.isfinite(self.lo0), self.lo0, 0.0)),
                            np.abs(np.where(np.isfinite(self.lo0), self.lo0 + self.dlo, 0.0)))
            hi = np.maximum(np.abs(np.where(np.isfinite(self.hi0), self.hi0, 0.0)),
                            np.abs(np.where(np.isfinite(self.hi0), self.hi0 + self.dhi, 0.0)))
        both = np.maximum(lo, hi)
        cost = np.maximum(np.abs(self.c0), np.abs(self.c0 + self.dc))[:n]
        self.scaling = sc = equilibrate(StandardForm(cost, A, 0, -both[n:], both[n:], -both[:n], both[:n], []))
        self.v_unit = np.concatenate([sc.rho / sc.col, sc.row * sc.rho])
        self.d_unit = np.concatenate([sc.sigma * sc.col, sc.sigma / sc.row])
        self.value_unit = 1.0 / (sc.sigma * sc.rho)

    @property
    def n(self) -> int:
        return int(self.form.lp.A.shape[1])

    @property
    def m(self) -> int:
        return int(self.form.lp.A.shape[0])

    def bounds(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(invalid="ignore"):
            return self.lo0 + t * self.dlo, self.hi0 + t * self.dhi

    def standard_form(self, t: float) -> StandardForm:
        lp, n = self.form.lp, self.n
        lo, hi = self.bounds(t)
        return StandardForm(c=(self.c0 + t * self.dc)[:n], A=lp.A, n_eq=lp.n_eq, row_lower=lo[n:], row_upper=hi[n:],
                            col_lower=lo[:n], col_upper=hi[:n], integer=[])

    def scaled_form(self, t: float) -> StandardForm:
        """The LP at t as HiGHS receives it: scaled to magnitude one (`scaling`)."""
        return self.scaling.apply(self.standard_form(t))


def _bounds(lp: StandardForm) -> tuple[np.ndarray, np.ndarray]:
    return np.concatenate([lp.col_lower, lp.row_lower]), np.concatenate([lp.col_upper, lp.row_upper])


def _direction(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """b - a, where both are infinite (an absent bound, on both forms) zero."""
    same_inf = np.isinf(a) & (a == b)
    return np.where(same_inf, 0.0, b - np.where(same_inf, 0.0, a))


def _magnitude(*arrays: np.ndarray) -> float:
    """The largest finite |entry| of the arrays (1 where all are 0): what a change in them is measured against,
    so that data at 1e-10 move as data at 1 do."""
    top = max((float(np.max(np.abs(a[np.isfinite(a)]), initial=0.0)) for a in arrays), default=0.0)
    return top if top > 0 else 1.0


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (np.isinf(a) != np.isinf(b)) | (np.abs(_direction(a, b)) > VF_AFFINE_TOL * _magnitude(a, b))


def _families_of_rows(form: ModelForm, rows: np.ndarray) -> list[str]:
    return [name for name, block in form.blocks.items()
            if np.any((rows >= block.start) & (rows < block.start + block.size))]


#: where the data are compared with their line besides t = 1/2, when affinity is not guaranteed (a derived
#: parameter, or a problem that is not DPP): irregular points, so that data agreeing at 0, 1/2, 1 are still caught
_SAMPLES = (0.2113248654051871, 0.7886751345948129)


def _maybe_not_affine(model: Any, parameter: str) -> bool:
    """Whether the data may be non-affine in `parameter`: a derived parameter follows it (its rule is any
    function), or the problem is not DPP (cvxpy's guarantee of parameter-affine data)."""
    follows, grew = {parameter}, True
    while grew:
        grew = False
        for name, (sources, _rule) in getattr(model, "_rules", {}).items():
            if name not in follows and follows.intersection(sources):
                follows.add(name)
                grew = True
    return len(follows) > 1 or not model.problem.is_dpp()


def path_of(model: Any, parameter: str, start: np.ndarray, end: np.ndarray) -> Path:
    """The path's data, checked to be affine and of a supported kind (else CapabilityError)."""
    at = (0.0, 1.0, 0.5) + (_SAMPLES if _maybe_not_affine(model, parameter) else ())
    # (1 - t) start + t end: no overflow where end - start would (1e308 and -1e308)
    forms = [model_form(model.bind(**{parameter: (1.0 - t) * start + t * end})) for t in at]
    f0, f1 = forms[:2]
    A0, A1 = f0.lp.A, f1.lp.A
    if A0.shape != A1.shape or f0.lp.n_eq != f1.lp.n_eq:
        raise SolverFailedError(model.name, "HIGHS", "no_path", "the standard form changes shape along the path")
    scale = _magnitude(A0.data)
    rows = np.zeros(0, dtype=int)
    for f in forms[1:]:
        if f.lp.A.shape != A0.shape:
            raise SolverFailedError(model.name, "HIGHS", "no_path", "the standard form changes shape along the path")
        moved = abs(f.lp.A - A0).tocsr()
        rows = np.union1d(rows, moved.nonzero()[0][moved.data > VF_AFFINE_TOL * scale])
    if rows.size:
        raise CapabilityError(f"parameter: '{parameter}' multiplies a variable in families "
                              f"{_families_of_rows(f0, rows)}; value_function supports a parameter that enters only "
                              "right-hand sides or only the objective's linear coefficients")
    (lo0, hi0), (lo1, hi1) = (_bounds(f.lp) for f in forms[:2])
    c0, c1 = (np.concatenate([f.lp.c, np.zeros(f.lp.A.shape[0])]) for f in forms[:2])
    n = f0.lp.A.shape[1]
    rhs_rows = np.flatnonzero(_changed(lo0, lo1) | _changed(hi0, hi1))
    cost_cols = np.flatnonzero(_changed(c0, c1))
    if rhs_rows.size and cost_cols.size:
        fams = _families_of_rows(f0, rhs_rows[rhs_rows >= n] - n)
        bounds = ["variable bounds"] if (rhs_rows < n).any() else []
        raise CapabilityError(f"parameter: '{parameter}' moves both the objective and the right-hand sides of "
                              f"{fams + bounds}; value_function supports one or the other")
    if np.isinf(lo0).tolist() != np.isinf(lo1).tolist() or np.isinf(hi0).tolist() != np.isinf(hi1).tolist():
        raise CapabilityError(f"parameter: '{parameter}' makes a bound infinite along the path")
    dlo, dhi, dc = _direction(lo0, lo1), _direction(hi0, hi1), c1 - c0
    doff = f1.offset - f0.offset
    # DPP makes the data affine in the parameter; a derived parameter following it, or an atom of it, need not be
    for t, f in zip(at[2:], forms[2:], strict=True):
        (lo_t, hi_t), c_t = _bounds(f.lp), np.concatenate([f.lp.c, np.zeros(f.lp.A.shape[0])])
        for a, d, mid in ((lo0, dlo, lo_t), (hi0, dhi, hi_t), (c0, dc, c_t),
                          (np.array([f0.offset]), np.array([doff]), np.array([f.offset]))):
            fin = np.isfinite(a)
            if np.any(np.abs(a[fin] + t * d[fin] - mid[fin]) > VF_AFFINE_TOL * _magnitude(a, a + d)):
                raise CapabilityError(f"parameter: '{parameter}' does not enter the LP affinely (at t = {t:g}; a "
                                      "derived parameter follows it, or a nonlinear atom of it?); value_function "
                                      "needs data affine along the path")
    kind = "rhs" if rhs_rows.size else "objective" if cost_cols.size or doff != 0 else "constant"
    return Path(f0, kind, lo0, dlo, hi0, dhi, c0, dc, f0.offset, doff, model.name, f1, held_basis(model))


# --------------------------------------------------------------------------------------- one basis
@dataclass
class BasisLine:
    """A basis and its affine solution v(t) = v0 + t dv, multipliers y, reduced costs d, value V."""

    basic: np.ndarray
    at: np.ndarray
    v0: np.ndarray
    dv: np.ndarray
    y0: np.ndarray
    dy: np.ndarray
    d0: np.ndarray
    dd: np.ndarray
    value0: float  # V(0) on this basis's line, in the model's sense and units
    slope: float  # dV/dt
    lo_t: float = 0.0  # where the basis is optimal (clipped to [0, 1])
    hi_t: float = 1.0
    #: the terms dV/dt is made of, without cancellation (sum |c dx| + |dc x| + |doff|): the scale slopes are
    #: compared at, not V's (a constant 1e8 in V made slopes of 1 and 0.9 "equal")
    slope_terms: float = 0.0


def basis_line(path: Path, basic: np.ndarray, at: np.ndarray) -> BasisLine:
    from scipy.sparse.linalg import splu

    n = path.n
    try:
        lu = splu(path.M[:, basic].tocsc())
    except RuntimeError:
        raise SolverFailedError(path.model, "HIGHS", "singular_basis", "HiGHS returned a singular basis") from None
    with np.errstate(invalid="ignore"):  # the nonbasic variables on their bounds, the basic ones at 0 for now
        v0 = np.where(at == LO, path.lo0, np.where(at == HI, path.hi0, 0.0))
        dv = np.where(at == LO, path.dlo, np.where(at == HI, path.dhi, 0.0))
    v0[basic], dv[basic] = 0.0, 0.0
    v0[basic], dv[basic] = lu.solve(-(path.M @ v0)), lu.solve(-(path.M @ dv))
    y0, dy = lu.solve(path.c0[basic], trans="T"), lu.solve(path.dc[basic], trans="T")
    d0, dd = path.c0 - path.M.T @ y0, path.dc - path.M.T @ dy
    sign = path.form.sign
    x0, dx = v0[:n], dv[:n]
    value0 = sign * (float(path.c0[:n] @ x0) + path.off0)
    slope = sign * (float(path.c0[:n] @ dx + path.dc[:n] @ x0) + path.doff)  # c(t).x(t): one of dc, dx is 0
    terms = float(np.abs(path.c0[:n] * dx).sum() + np.abs(path.dc[:n] * x0).sum()) + abs(path.doff)
    return BasisLine(basic, at, v0, dv, y0, dy, d0, dd, value0 + 0.0, slope + 0.0, slope_terms=terms)


def _limits(alpha: np.ndarray, beta: np.ndarray, t: float) -> tuple[float, float]:
    """The interval around t on which alpha + beta * s >= 0 for all rows (negative round-off at t read as 0)."""
    if alpha.size == 0:
        return -np.inf, np.inf
    beta = np.where(np.abs(beta) <= VF_RATE_TOL * max(1.0, float(np.abs(beta).max())), 0.0, beta)
    slack = np.maximum(alpha + beta * t, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        up = np.where(beta < 0, t + slack / -np.where(beta < 0, beta, -1.0), np.inf)
        down = np.where(beta > 0, t - slack / np.where(beta > 0, beta, 1.0), -np.inf)
    return float(down.max()), float(up.min())


def basis_range(path: Path, line: BasisLine, t: float) -> tuple[float, float]:
    """The interval of t (around the solve point t) on which the basis stays primal and dual feasible."""
    b, at = line.basic, line.at
    fixed = (path.lo0 == path.hi0) & (path.dlo == path.dhi)
    is_basic = np.zeros(path.n + path.m, dtype=bool)
    is_basic[b] = True
    nb = np.flatnonzero(~is_basic)
    alphas, betas = [], []
    for bound, dbound, s in ((path.lo0, path.dlo, 1.0), (path.hi0, path.dhi, -1.0)):
        fin = np.isfinite(bound[b])
        unit = path.v_unit[b][fin]  # each in its scaled units: the tests read the same at any scale
        alphas.append(s * (line.v0[b] - bound[b])[fin] * unit)
        betas.append(s * (line.dv[b] - dbound[b])[fin] * unit)
    lo_p, hi_p = _limits(np.concatenate(alphas), np.concatenate(betas), t)
    free_nb = nb[~fixed[nb]]
    a = at[free_nb]
    sgn = np.where(a == LO, 1.0, -1.0) * path.d_unit[free_nb]
    alpha, beta = sgn * line.d0[free_nb], sgn * line.dd[free_nb]
    zero = a == ZERO  # a free nonbasic variable: d = 0 both ways
    alpha, beta = np.concatenate([alpha, -alpha[zero]]), np.concatenate([beta, -beta[zero]])
    lo_d, hi_d = _limits(alpha, beta, t)
    return max(lo_p, lo_d), min(hi_p, hi_d)


# --------------------------------------------------------------------------------------- HiGHS
def _highs(lp: StandardForm, seed: Any = None) -> Any:
    """A HiGHS instance holding `lp` (simplex, tight tolerances), starting from the basis `seed` where it fits."""
    return simplex_highs(lp, RANGE_HIGHS_TOL, seed)


def _statuses(h: Any, path: Path, t: float) -> tuple[np.ndarray, np.ndarray]:
    """The basic variables of `h`'s basis and where each nonbasic one sits (HiGHS puts it on its bound exactly:
    read off the values, ~0.1 ms, where reading the basis's statuses costs ~1.5 ms at 2000 columns)."""
    n = path.n
    _status, order = h.getBasicVariables()  # column j, or -(1 + i) for row i
    basic = np.sort(np.where(order >= 0, order, n - 1 - order)).astype(int)
    sol = h.getSolution()
    value = np.concatenate([np.asarray(sol.col_value, float), np.asarray(sol.row_value, float)]) / path.v_unit
    lo, hi = path.bounds(t)
    lo_fin, hi_fin = np.isfinite(lo), np.isfinite(hi)
    with np.errstate(invalid="ignore"):
        nearer_hi = np.abs(value - hi) < np.abs(value - lo)
    at = np.where(hi_fin & (~lo_fin | nearer_hi), HI, np.where(lo_fin, LO, ZERO))
    if basic.size != path.m or np.unique(basic).size != basic.size:
        raise SolverFailedError(path.model, "HIGHS", "bad_basis", f"{basic.size} basic variables, {path.m} rows")
    return basic, at


def _set_data(h: Any, path: Path, t: float) -> None:
    """The LP at t in `h`, the next run starting from the last basis alone: the simplex's other state (its edge
    weights) is forgotten, as the warm session does (P_q at n = 100, t = 0 -> 1: 1643 pivots kept, 601 cleared)."""
    lp = path.scaled_form(t)
    n, m = path.n, path.m
    cols, rows = np.arange(n, dtype=np.int32), np.arange(m, dtype=np.int32)
    h.changeColsCost(n, cols, lp.c)
    h.changeColsBounds(n, cols, lp.col_lower, lp.col_upper)
    h.changeRowsBounds(m, rows, lp.row_lower, lp.row_upper)
    basis = h.getBasis()
    h.clearSolver()
    if basis.valid:
        h.setBasis(basis)


def _optimal_line(h: Any, path: Path, t: float) -> BasisLine | None:
    import highspy

    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    line = basis_line(path, *_statuses(h, path, t))
    line.lo_t, line.hi_t = basis_range(path, line, t)
    return line


def solvable_interval(path: Path) -> tuple[float, float, str] | None:
    """[a, b] within [0, 1] where the LP has an optimum, and what fails outside it ("infeasible" or
    "unbounded"); None where it has none anywhere. Exact ends from an LP over (v, t) or (y, z, t)."""
    import highspy

    n, m = path.n, path.m
    inf = np.inf
    if path.kind == "objective":
        h = _highs(path.scaled_form(0.0))
        h.run()
        if h.getModelStatus() == highspy.HighsModelStatus.kInfeasible:
            return None
        # c(t) = M' y + zl - zu: zl >= 0 on finite lower bounds, zu >= 0 on finite upper bounds
        lo_fin, hi_fin = np.flatnonzero(np.isfinite(path.lo0)), np.flatnonzero(np.isfinite(path.hi0))
        k = n + m
        E = sp.identity(k, format="csc")
        A = sp.hstack([path.M.T, E[:, lo_fin], -E[:, hi_fin], sp.csc_matrix(-path.dc.reshape(-1, 1))]).tocsc()
        ncol = A.shape[1]
        col_lo = np.concatenate([np.full(m, -inf), np.zeros(lo_fin.size + hi_fin.size), [0.0]])
        col_hi = np.concatenate([np.full(ncol - 1, inf), [1.0]])
        what, row_lo, row_hi = "unbounded", path.c0, path.c0
    else:
        # M v = 0 and lo(t) <= v <= hi(t): the moving bounds as rows v_j - t d_j >= lo0_j (<= hi0_j)
        k = n + m
        mv_lo = np.flatnonzero(np.isfinite(path.lo0) & (path.dlo != 0))
        mv_hi = np.flatnonzero(np.isfinite(path.hi0) & (path.dhi != 0))
        E = sp.identity(k, format="csr")
        rows = sp.vstack([sp.hstack([path.M, sp.csc_matrix((m, 1))]),
                          sp.hstack([E[mv_lo], sp.csc_matrix(-path.dlo[mv_lo].reshape(-1, 1))]),
                          sp.hstack([E[mv_hi], sp.csc_matrix(-path.dhi[mv_hi].reshape(-1, 1))])]).tocsc()
        A = rows
        row_lo = np.concatenate([np.zeros(m), path.lo0[mv_lo], np.full(mv_hi.size, -inf)])
        row_hi = np.concatenate([np.zeros(m), np.full(mv_lo.size, inf), path.hi0[mv_hi]])
        col_lo = np.concatenate([np.where(path.dlo == 0, path.lo0, -inf), [0.0]])
        col_hi = np.concatenate([np.where(path.dhi == 0, path.hi0, inf), [1.0]])
        ncol, what = k + 1, "infeasible"
    ends = []
    for direction in (1.0, -1.0):
        c = np.zeros(ncol)
        c[-1] = direction
        lp = StandardForm(c, A, 0, row_lo, row_hi, col_lo, col_hi, [])
        scaled = equilibrate(lp)  # its own scaling: 1e-10 tolerances on 1e6 data called [0, 1] unbounded
        h = _highs(scaled.apply(lp))
        h.run()
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        t_value = h.getSolution().col_value[-1] * scaled.col[-1] / scaled.rho
        ends.append(float(np.clip(t_value, 0.0, 1.0)))
    return ends[0], ends[1], what


# --------------------------------------------------------------------------------------- the walk
def walk(path: Path, a: float, b: float) -> list[tuple[float, float, BasisLine]]:
    """The linear pieces (t_low, t_high, basis) covering [a, b], before merging equal slopes."""
    h = _highs(path.scaled_form(a), path.seed)
    line = _optimal_line(h, path, a)
    if line is None:
        raise SolverFailedError(path.model, "HIGHS", str(h.getModelStatus()), f"no optimum at t = {a}")
    pieces: list[tuple[float, float, BasisLine]] = []
    t_cur = a
    if line.hi_t > a + VF_T_TOL or b - a <= VF_T_TOL:
        t_cur = min(b, max(line.hi_t, a))
        pieces.append((a, t_cur, line))
    step, runs, last = VF_PROBE_STEP, 0, h.getBasis()
    while t_cur < b - VF_T_TOL:
        runs += 1
        if len(pieces) > MAX_PIECES or runs > 20 * MAX_PIECES:
            raise SolverFailedError(path.model, "HIGHS", "piece_limit",
                                    f"more than MAX_PIECES = {MAX_PIECES} linear pieces (or runs) along the path")
        probe = min(b, t_cur + step)
        _set_data(h, path, probe)
        h.setBasis(last)  # warm: a dual (rhs) or primal (objective) simplex from the last optimal basis
        new = _optimal_line(h, path, probe)
        if new is None:
            if step > VF_T_TOL:
                step /= 8
                continue
            raise SolverFailedError(path.model, "HIGHS", str(h.getModelStatus()),
                                    f"no optimum at t = {probe}, inside the solvable interval [{a}, {b}]")
        if new.lo_t > t_cur + VF_T_TOL and step > VF_T_TOL:
            step /= 8  # a piece lies between t_cur and new.lo_t: look closer
            continue
        t_next = min(b, max(new.hi_t, probe))
        if new.lo_t > t_cur + VF_T_TOL:  # shorter than the resolution: bridge by the chord
            new.lo_t = t_cur
        pieces.append((t_cur, t_next, new))
        t_cur, step, last = t_next, VF_PROBE_STEP, h.getBasis()
    return pieces


def same_slope(s1: float, s2: float, unit: float = 1.0) -> bool:
    """Equal slopes (or values) within VF_SLOPE_TOL of the larger, or of `unit` (the path's `value_unit`)."""
    return abs(s1 - s2) <= VF_SLOPE_TOL * max(unit, abs(s1), abs(s2))

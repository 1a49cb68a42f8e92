"""Extreme values of row duals over an LP's optimal dual face, row by row, every HiGHS status handled.

`face_extremes(lp, optimum, rows)` returns min and max of each row dual y_k over
{dual feasible, dual objective >= optimum - eps}: one small LP per row and direction, each only a
new cost on the same face. Each starts from the face's feasible basis (found once, with cost 0)
and runs the *primal* simplex: after a cost change that basis is still primal feasible, so the
primal simplex goes straight to phase 2.

Why not the dual simplex warm started from the previous row's optimum (as before): that basis is
dual infeasible for the new cost, so HiGHS runs dual phase 1 from it, and from an ill-conditioned
degenerate basis (CE obedience: coefficients down to 4e-4, duals of 4e7) its ratio test fails --
`run()` returns kError, model status kNotset ("Dual simplex ratio test failed due to excessive dual
values") -- or ends kUnknown with primal infeasibilities left (issue 23 item 15). The outcome also
depended on the order of the rows. Starting each row from the same feasible basis makes a row's
result a function of that row only.

A run that does not end in a checked answer is retried (`ATTEMPTS`): cold dual simplex with the
solver state cleared, then a fresh HiGHS with presolve, then interior point with crossover. An
optimum is accepted when its point is feasible for the face (recomputed here); unboundedness when
HiGHS's ray is a recession direction that decreases the objective (recomputed here), or else when
the recession LP min {c.d : d a recession direction, c.d >= -1} reaches -1. A row none of the
attempts settles comes back NaN with the reason; it never aborts the other rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..core.tolerances import RANGE_CHECK_TOL, RANGE_FACE_TOLS, RANGE_HIGHS_TOL
from .highs import StandardForm, set_options


@dataclass
class FaceLP:
    """The optimal dual face as data: min cost.w, r_lo <= M w <= r_hi, w_lo <= w <= w_hi; w starts with y."""

    M: sp.csc_matrix
    r_lo: np.ndarray
    r_hi: np.ndarray
    w_lo: np.ndarray
    w_hi: np.ndarray
    neg: dict[int, int]  # boxed row k -> the column of its y- part (y_k = w_k - w_neg)

    @property
    def n(self) -> int:
        return int(self.M.shape[1])

    @cached_property
    def M_abs(self) -> sp.csc_matrix:
        """|M| entrywise, for the checks' scales (built once: every row's answer is checked)."""
        return abs(self.M)

    def cost(self, k: int, sign: float) -> np.ndarray:
        """sign * y_k as a cost on w."""
        c = np.zeros(self.n)
        c[k] = sign
        if k in self.neg:
            c[self.neg[k]] = -sign
        return c


def dual_face(lp: StandardForm, optimum: float, face_tol: float) -> FaceLP:
    """The optimal dual face of `lp` in the row duals y (its first m columns).

    Dual of min c.x, L <= A x <= U, l <= x <= u (HiGHS's convention c = A'y + z): y_i free on
    equality rows, <= 0 on rows bounded above, >= 0 below; z_j = c_j - a_j'y >= 0 at a finite lower
    bound only, <= 0 at an upper one, = 0 on free columns; boxed rows and columns split in two.
    """
    inf = np.inf
    n = lp.A.shape[1]
    L, U, lo, hi = lp.row_lower, lp.row_upper, lp.col_lower, lp.col_upper
    eq = np.isfinite(L) & np.isfinite(U) & (L == U)
    boxed_r = np.isfinite(L) & np.isfinite(U) & ~eq
    y_lo = np.where(eq, -inf, np.where(np.isfinite(U) & ~np.isfinite(L), -inf, 0.0))
    y_hi = np.where(eq, inf, np.where(np.isfinite(U) & ~np.isfinite(L), 0.0, inf))
    y_obj = np.where(eq | (np.isfinite(L) & ~np.isfinite(U)), np.where(np.isfinite(L), L, 0.0),
                     np.where(np.isfinite(U), U, 0.0))
    y_lo[boxed_r], y_hi[boxed_r], y_obj[boxed_r] = 0.0, inf, L[boxed_r]  # y+ part; y- below
    free_r = ~np.isfinite(L) & ~np.isfinite(U)
    y_lo[free_r], y_hi[free_r], y_obj[free_r] = 0.0, 0.0, 0.0
    nb = np.flatnonzero(boxed_r)
    fixed = np.isfinite(lo) & np.isfinite(hi) & (lo == hi)
    boxed_c = np.isfinite(lo) & np.isfinite(hi) & ~fixed
    nc = np.flatnonzero(boxed_c)
    AT = lp.A.T.tocsr()
    # row j of the face LP: a_j'y (- y-) + z+ - z- in bounds
    c_lo = np.where(np.isfinite(lo) & ~np.isfinite(hi), -inf, lp.c)
    c_hi = np.where(np.isfinite(lo) & ~np.isfinite(hi), lp.c, np.where(np.isfinite(hi) & ~np.isfinite(lo), inf, lp.c))
    c_lo[fixed], c_hi[fixed] = -inf, inf
    # objective: sum y_obj*y + sum_j bound_j * z_j with z_j = c_j - a_j'y (one-sided/fixed columns)
    bound = np.where(np.isfinite(lo), lo, np.where(np.isfinite(hi), hi, 0.0))
    one_sided = (np.isfinite(lo) ^ np.isfinite(hi)) | fixed
    wz = np.where(one_sided, bound, 0.0)
    const = float(wz @ lp.c)
    aw = lp.A @ wz
    g = y_obj - aw
    blocks = [AT]
    if nb.size:
        blocks.append(-AT[:, nb])
    if nc.size:
        e = sp.csr_matrix((np.ones(nc.size), (nc, np.arange(nc.size))), shape=(n, nc.size))
        blocks += [e, -e]
    obj = np.concatenate([g, -U[nb] + aw[nb], lo[nc], -hi[nc]])
    # the face: obj . w + const >= optimum - eps
    eps = face_tol * max(1.0, abs(optimum))
    M = sp.vstack([sp.hstack(blocks), sp.csr_matrix(obj.reshape(1, -1))]).tocsc()
    m = lp.A.shape[0]
    return FaceLP(M, np.concatenate([c_lo, [optimum - const - eps]]), np.concatenate([c_hi, [inf]]),
                  np.concatenate([y_lo, np.zeros(nb.size), np.zeros(2 * nc.size)]),
                  np.concatenate([y_hi, np.full(nb.size + 2 * nc.size, inf)]),
                  {int(r): m + i for i, r in enumerate(nb)})


def _highs(face: FaceLP, cost: np.ndarray, options: dict[str, Any]) -> Any:
    import highspy

    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("primal_feasibility_tolerance", RANGE_HIGHS_TOL)
    h.setOptionValue("dual_feasibility_tolerance", RANGE_HIGHS_TOL)
    set_options(h, options)  # a value HiGHS rejects raises rather than being ignored
    lp = highspy.HighsLp()
    M = face.M
    lp.num_col_, lp.num_row_ = M.shape[1], M.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, face.w_lo, face.w_hi
    lp.row_lower_, lp.row_upper_ = face.r_lo, face.r_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = M.indptr, M.indices, M.data
    h.passModel(lp)
    return h


def _feasible(face: FaceLP, w: np.ndarray) -> bool:
    """w satisfies the face's rows and bounds within RANGE_CHECK_TOL (relative to the row's terms)."""
    if w.shape != (face.n,) or not np.isfinite(w).all():
        return False
    r = face.M @ w
    scale = 1.0 + face.M_abs @ np.abs(w)
    with np.errstate(invalid="ignore"):  # inf - inf on an unbounded side is no violation
        rows = np.nan_to_num(np.maximum(face.r_lo - r, r - face.r_hi), nan=0.0)
        cols = np.nan_to_num(np.maximum(face.w_lo - w, w - face.w_hi), nan=0.0)
    return bool((rows <= RANGE_CHECK_TOL * scale).all() and (cols <= RANGE_CHECK_TOL * (1.0 + np.abs(w))).all())


def _recession_direction(face: FaceLP, cost: np.ndarray, d: np.ndarray) -> bool:
    """d keeps every point of the face in the face (M d, d within the cones of the bounds) and lowers cost."""
    if d.shape != (face.n,) or not np.isfinite(d).all() or not np.abs(d).max(initial=0.0) > 0:
        return False
    d = d / np.abs(d).max()
    r = face.M @ d
    tol = RANGE_CHECK_TOL * (1.0 + face.M_abs @ np.abs(d))
    ok_rows = ((~np.isfinite(face.r_lo)) | (r >= -tol)) & ((~np.isfinite(face.r_hi)) | (r <= tol))
    tol_c = RANGE_CHECK_TOL
    ok_cols = ((~np.isfinite(face.w_lo)) | (d >= -tol_c)) & ((~np.isfinite(face.w_hi)) | (d <= tol_c))
    return bool(ok_rows.all() and ok_cols.all() and cost @ d < -RANGE_CHECK_TOL)


def _unbounded_by_recession_lp(face: FaceLP, cost: np.ndarray) -> bool | None:
    """min cost.d over the recession cone with cost.d >= -1: -1 when the face LP is unbounded, 0 when
    not, None when that LP does not solve either."""
    import highspy

    inf = np.inf
    cone = FaceLP(sp.vstack([face.M, sp.csr_matrix(cost.reshape(1, -1))]).tocsc(),
                  np.append(np.where(np.isfinite(face.r_lo), 0.0, -inf), -1.0),
                  np.append(np.where(np.isfinite(face.r_hi), 0.0, inf), inf),
                  np.where(np.isfinite(face.w_lo), 0.0, -inf), np.where(np.isfinite(face.w_hi), 0.0, inf), face.neg)
    h = _highs(cone, cost, {"presolve": "on"})
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    value = float(h.getInfo().objective_function_value)
    if abs(value + 1.0) <= RANGE_CHECK_TOL:
        return True
    return False if abs(value) <= RANGE_CHECK_TOL else None


#: What is tried, in order, for a row whose warm primal simplex run does not end in a checked answer.
ATTEMPTS: tuple[tuple[str, dict[str, Any]], ...] = (
    ("cold dual simplex", {"solver": "simplex", "simplex_strategy": 1, "presolve": "off"}),
    ("presolved simplex", {"solver": "simplex", "presolve": "on"}),
    ("interior point with crossover", {"solver": "ipm", "run_crossover": "on", "presolve": "on"}),
)


def _settle(h: Any, face: FaceLP, cost: np.ndarray) -> tuple[float | None, str]:
    """The minimum of cost.w from HiGHS's run in `h` (-inf when unbounded), or None and why not."""
    import highspy

    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        w = np.asarray(h.getSolution().col_value, float)
        if _feasible(face, w):
            return float(cost @ w), ""
        return None, "optimal point outside the face"
    if status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        has_ray, ray = False, np.empty(0)
        if status == highspy.HighsModelStatus.kUnbounded:
            _, has_ray, ray = h.getPrimalRay()
        if has_ray and _recession_direction(face, cost, np.asarray(ray, float)):
            return -np.inf, ""
        confirmed = _unbounded_by_recession_lp(face, cost)
        if confirmed:
            return -np.inf, ""
        return None, f"{status.name} not confirmed"
    # kInfeasible contradicts the feasible face; kNotset (run() returned kError), kUnknown, limits
    return None, status.name


class FaceSolver:
    """The face LP in one HiGHS instance, with its feasible basis, for row-by-row extremes."""

    def __init__(self, face: FaceLP, highs: Any, basis: Any) -> None:
        self.face, self.h, self.basis = face, highs, basis
        self.cols = np.arange(face.n, dtype=np.int32)

    @classmethod
    def of(cls, lp: StandardForm, optimum: float) -> tuple[FaceSolver | None, str]:
        """The face at the first of RANGE_FACE_TOLS for which it is feasible; None and why when none is."""
        import highspy

        why = ""
        for face_tol in RANGE_FACE_TOLS:
            face = dual_face(lp, optimum, face_tol)
            zero = np.zeros(face.n)
            for label, options in (("simplex", {"solver": "simplex", "presolve": "off"}), *ATTEMPTS):
                h = _highs(face, zero, options)
                h.run()
                status = h.getModelStatus()
                point = np.asarray(h.getSolution().col_value, float)
                if status == highspy.HighsModelStatus.kOptimal and _feasible(face, point) \
                        and options.get("presolve") == "on":  # rows go on without presolve, from this basis
                    basis = h.getBasis()
                    h = _highs(face, zero, {"solver": "simplex", "presolve": "off"})
                    h.setBasis(basis)
                    h.run()
                    status = h.getModelStatus()
                    point = np.asarray(h.getSolution().col_value, float)
                if status == highspy.HighsModelStatus.kOptimal and _feasible(face, point):
                    h.setOptionValue("simplex_strategy", 4)  # primal: see the module docstring
                    return cls(face, h, h.getBasis()), ""
                why = f"the optimal dual face (eps {face_tol:g}) did not solve: {status.name} ({label})"
                if status == highspy.HighsModelStatus.kInfeasible:
                    break  # infeasible by round-off of the optimum: relax eps
        return None, why

    def minimum(self, cost: np.ndarray) -> tuple[float | None, str]:
        """min cost.w over the face (-inf when unbounded), or None and the reasons of every attempt."""
        h = self.h
        h.changeColsCost(self.face.n, self.cols, cost)
        h.setBasis(self.basis)
        h.run()
        value, why = _settle(h, self.face, cost)
        if value is not None:
            return value, ""
        reasons = [f"warm primal simplex: {why}"]
        h.clearSolver()  # a failed run leaves no state behind for the next row
        for label, options in ATTEMPTS:
            g = _highs(self.face, cost, options)
            g.run()
            value, why = _settle(g, self.face, cost)
            if value is not None:
                return value, ""
            reasons.append(f"{label}: {why}")
        return None, "; ".join(reasons)


def face_extremes(lp: StandardForm, optimum: float, rows: np.ndarray, want_min: np.ndarray | None = None,
                  want_max: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """min and max of each row dual y_k over the optimal dual face (+-inf where unbounded), and per row
    "" or why it could not be computed (then NaN). `want_min`, `want_max` (per row, default all): the
    extremes to compute; the others are left NaN."""
    lo, hi = np.full(rows.size, np.nan), np.full(rows.size, np.nan)
    want_min = np.ones(rows.size, bool) if want_min is None else want_min
    want_max = np.ones(rows.size, bool) if want_max is None else want_max
    solver, why = FaceSolver.of(lp, optimum)
    if solver is None:
        return lo, hi, [why] * rows.size
    reasons = []
    for i, k in enumerate(rows):
        low, why_lo = solver.minimum(solver.face.cost(int(k), 1.0)) if want_min[i] else (np.nan, "")
        high, why_hi = solver.minimum(solver.face.cost(int(k), -1.0)) if want_max[i] else (np.nan, "")
        if low is not None:
            lo[i] = low
        if high is not None:
            hi[i] = -high  # max y_k = -min(-y_k)
        parts = [f"min: {why_lo}"] * (low is None) + [f"max: {why_hi}"] * (high is None)
        reasons.append("; ".join(parts))
    return lo, hi, reasons

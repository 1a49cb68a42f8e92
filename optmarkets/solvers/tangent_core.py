"""One-sided derivatives of an LP's optimal value in its row bounds, by the tangent LPs on the basis's degenerate core.

The tangent LP of a side (row k, direction r = +-1; `ranging_step`'s module docstring) is

    min c.d  s.t.  [A, -I] d = r e_k,  d_j >= 0 (<= 0) where variable j is at its lower (upper) bound at the optimum,

and its optimal value is max y_k (r = +1) or -min y_k (r = -1) over the optimal dual face. With HiGHS's optimal basis
B, d_B = B^-1 (r e_k - M_N d_N): the basic variables clear of their bounds are free in the tangent LP and drop out,
which leaves the *core LP* on the nonbasic variables that may move (N) and the degenerate basic ones (D):

    min z_N . d_N  s.t.  d_D = r g_k - R d_N  within the sign constraints of D,  d_N within its own,

with z_N the optimal reduced costs, R = rows D of B^-1 M_N and g_k = rows D of B^-1 e_k, plus r y_k. Every side is
the same LP with a new right-hand side on the few rows where g_k is not 0 (a DSIC mechanism's IC rows: 1 to 2 of
1,065 rows, R 1.3 % dense); its slack basis is dual feasible (z_N has the optimum's signs), so HiGHS's dual simplex
starts there for every side. The core is about half the face LP, and a run takes a few pivots with no phase 1.

Each answer is checked in the full space, not on R (whose entries are rounded products): d = (d_N, B^-1 (r e_k -
M_N d_N)) must satisfy the sign constraints, and lambda = y + B^-T pi_D (pi: the core's row duals) must be dual
feasible for the tangent LP (c - [A, -I]' lambda zero on the free variables, signed on those at a bound, recomputed
from A), with c.d = r lambda_k: an optimality certificate of the tangent LP. lambda is then a point of the optimal
dual face attaining the extreme, which is reported. A side whose run ends otherwise (infeasible, not optimal, or its
check fails) is left unsettled: the caller solves its face LP (`solvers.face`), which also proves infinite sides.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from ..core.tolerances import RANGE_CHECK_TOL, RANGE_CORE_DROP_TOL, RANGE_HIGHS_TOL
from .highs import StandardForm
from .ranging_step import BLOCK_ENTRIES, BasisPoint, FactoredBasis


class TangentCore:
    """The core LP of one optimal basis (see the module docstring), held by one HiGHS instance."""

    def __init__(self, lp: StandardForm, basis: FactoredBasis) -> None:
        m, n = lp.A.shape
        basic_ids = basis.basic_ids
        self.m, self.n, self.solver, self.basic_ids = m, n, basis.solver, basic_ids
        self.M, self.cost, self.at_lo, self.at_hi, self.y = basis.M, basis.cost, basis.at_lo, basis.at_hi, basis.y
        self.MT = self.M.T.tocsr()
        self.M_abs, self.MT_abs = abs(self.M), abs(self.MT)  # the checks' scales
        is_basic = np.zeros(n + m, dtype=bool)
        is_basic[basic_ids] = True
        nonbasic = np.flatnonzero(~is_basic)
        self.N = nonbasic[~(self.at_lo[nonbasic] & self.at_hi[nonbasic])]  # fixed ones cannot move: d_j = 0
        self.D = np.flatnonzero(self.at_lo[basic_ids] | self.at_hi[basic_ids])  # positions in B
        self.M_N = self.M[:, self.N].tocsc()  # the movable columns, sliced once (each check block reads them)
        self.z_N = self.cost[self.N] - self.M_N.T @ self.y
        self.R = self._rows_d(self.M_N)
        self.h = self._highs(self.z_N)

    @classmethod
    def of(cls, lp: StandardForm, point: BasisPoint | None, basis: FactoredBasis | None = None) -> TangentCore | None:
        """The core of `point`'s basis (`basis`: that basis already factored); None where it is not a full,
        nonsingular basis."""
        basis = basis if basis is not None else FactoredBasis.of(lp, point)
        return None if basis is None else cls(lp, basis)

    def _rows_d(self, X: sp.spmatrix) -> sp.csr_matrix:
        """Rows D of B^-1 X as a sparse matrix, in column blocks (entries below RANGE_CORE_DROP_TOL of max(1, their
        column's largest) are round-off of the solve: dropped; the full-space check does not rest on them)."""
        X = sp.csc_matrix(X)
        width = max(1, BLOCK_ENTRIES // max(self.m, 1))
        parts = []
        for first in range(0, X.shape[1], width):
            block = self.solver.solve(X[:, first:first + width].toarray())[self.D]
            scale = np.maximum(np.abs(block).max(axis=0, initial=0.0), 1.0)
            block[np.abs(block) <= RANGE_CORE_DROP_TOL * scale] = 0.0
            parts.append(sp.csc_matrix(block))
        return sp.hstack(parts, format="csr") if parts else sp.csr_matrix((self.D.size, 0))

    def _highs(self, z_N: np.ndarray) -> Any:
        """The core LP in HiGHS with its rows' base bounds (r = 0) and its slack basis."""
        import highspy

        from .ranging import simplex_highs

        inf = np.inf
        at_lo_D, at_hi_D = self.at_lo[self.basic_ids[self.D]], self.at_hi[self.basic_ids[self.D]]
        # d_D >= 0 where at a lower bound: R d_N <= r g; <= 0 where at an upper: R d_N >= r g
        self.row_lo0, self.row_hi0 = np.where(at_hi_D, 0.0, -inf), np.where(at_lo_D, 0.0, inf)
        col_lo = np.where(self.at_lo[self.N], 0.0, -inf)
        col_hi = np.where(self.at_hi[self.N], 0.0, inf)
        core = StandardForm(z_N, sp.csc_matrix(self.R), 0, self.row_lo0, self.row_hi0, col_lo, col_hi, [])
        h = simplex_highs(core, tol=RANGE_HIGHS_TOL)
        self.slack = highspy.HighsBasis()
        lower, upper, zero = highspy.HighsBasisStatus.kLower, highspy.HighsBasisStatus.kUpper, \
            highspy.HighsBasisStatus.kZero
        self.slack.col_status = [lower if lo else upper if hi else zero
                                 for lo, hi in zip(self.at_lo[self.N], self.at_hi[self.N], strict=True)]
        self.slack.row_status = [highspy.HighsBasisStatus.kBasic] * self.D.size
        self.slack.valid = True
        return h

    def session(self) -> Any:
        """Another HiGHS instance holding the core LP (one per thread: an instance is not shared)."""
        return self._highs(self.z_N)

    def extremes(self, rows: np.ndarray, signs: np.ndarray, h: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Per side (row rows[i], direction signs[i]): the extreme of y_k over the optimal dual face (max for +1,
        min for -1), NaN where not settled; and HiGHS's pivots. `h`: the HiGHS instance to run (default the
        core's own)."""
        import highspy

        rows, signs = np.asarray(rows, dtype=np.int64), np.asarray(signs, float)
        value, pivots = np.full(rows.size, np.nan), np.zeros(rows.size, dtype=np.int64)
        width = max(1, BLOCK_ENTRIES // (self.n + self.m))
        optimal, infeasible = highspy.HighsModelStatus.kOptimal, highspy.HighsModelStatus.kInfeasible
        empty = highspy.HighsModelStatus.kModelEmpty  # no column (or no row): d_N = 0 and pi = 0, checked below
        h = self.h if h is None else h
        lone = np.diff(self.R.indptr) == 0  # rows of D that no column moves: d_D = r g there, whatever d_N
        for first in range(0, rows.size, width):
            part = np.arange(first, min(first + width, rows.size))
            G = self._rows_d(sp.csc_matrix((signs[part], (rows[part], np.arange(part.size))),
                                           shape=(self.m, part.size))).tocsc()
            d_N, pi = np.zeros((self.N.size, part.size)), np.zeros((self.D.size, part.size))
            ray = np.zeros((self.D.size, part.size))
            ran, blocked = np.zeros(part.size, dtype=bool), np.zeros(part.size, dtype=bool)
            for j in range(part.size):
                touched = G.indices[G.indptr[j]:G.indptr[j + 1]]
                g = G.data[G.indptr[j]:G.indptr[j + 1]]
                stuck = lone[touched] & ((np.isfinite(self.row_hi0[touched]) & (g < 0))
                                         | (np.isfinite(self.row_lo0[touched]) & (g > 0)))
                if stuck.any():  # such a row breaks its sign constraint: infeasible, and e_i is the Farkas ray
                    blocked[j] = True
                    ray[touched[np.argmax(stuck)], j] = 1.0
                    continue
                h.changeRowsBounds(touched.size, touched, np.where(np.isfinite(self.row_lo0[touched]), g, -np.inf),
                                   np.where(np.isfinite(self.row_hi0[touched]), g, np.inf))
                h.setBasis(self.slack)
                h.run()
                pivots[part[j]] = h.getInfo().simplex_iteration_count
                status = h.getModelStatus()
                if status == empty:
                    ran[j] = True
                elif status == optimal:
                    sol = h.getSolution()
                    d_N[:, j], pi[:, j] = sol.col_value, sol.row_dual
                    ran[j] = True
                elif status == infeasible:  # the face is unbounded that way: HiGHS's Farkas ray, checked below
                    _, blocked[j], ray[:, j] = h.getDualRay()
                h.changeRowsBounds(touched.size, touched, self.row_lo0[touched], self.row_hi0[touched])
            value[part] = self._checked(rows[part], signs[part], d_N, pi, ran)
            unbounded = self._unbounded(rows[part], signs[part], ray, blocked)
            value[part] = np.where(unbounded, signs[part] * np.inf, value[part])
        return value, pivots

    def _dual_cone(self, rho: np.ndarray, lam: np.ndarray, cost: np.ndarray) -> np.ndarray:
        """Per column of `lam`: rho = cost - [A, -I]' lambda is 0 on the free variables, >= 0 at a lower bound, <= 0 at
        an upper (within RANGE_CHECK_TOL of its terms |cost| + |[A, -I]|' |lambda|)."""
        tol = RANGE_CHECK_TOL
        terms = np.abs(cost)[:, None] + self.MT_abs @ np.abs(lam)
        slack = tol * np.maximum(terms, tol)
        lo, hi = self.at_lo[:, None], self.at_hi[:, None]
        bad = np.where(lo & hi, False, np.where(lo, rho < -slack, np.where(hi, rho > slack, np.abs(rho) > slack)))
        return np.asarray(~bad.any(axis=0))

    def _unbounded(self, rows: np.ndarray, signs: np.ndarray, ray: np.ndarray, blocked: np.ndarray) -> np.ndarray:
        """Whether each side's Farkas ray (core row space) maps to a recession direction of the optimal dual face,
        Delta lambda = B^-T ray_D with -[A, -I]' Delta lambda in the face's sign cone, along which r lambda_k grows: the
        extreme is then infinite (the LP turns infeasible on that side). HiGHS's ray is tried with either sign."""
        out = np.zeros(rows.size, dtype=bool)
        if not blocked.any():
            return out
        cols = np.flatnonzero(blocked)
        P = np.zeros((self.m, cols.size))
        P[self.D] = ray[:, cols]
        step = self.solver.solve(P, trans="T")
        step /= np.maximum(np.abs(step).max(axis=0), np.finfo(float).tiny)
        zero = np.zeros(self.n + self.m)
        for direction in (step, -step):
            cone = self._dual_cone(-(self.MT @ direction), direction, zero)
            grows = signs[cols] * direction[rows[cols], np.arange(cols.size)] > RANGE_CHECK_TOL
            out[cols] |= cone & grows
        return out

    def _checked(self, rows: np.ndarray, signs: np.ndarray, d_N: np.ndarray, pi: np.ndarray,
                 ran: np.ndarray) -> np.ndarray:
        """lambda_k of each side whose (d, lambda) certifies its tangent LP's optimum (module docstring), else NaN."""
        cols = np.arange(rows.size)
        target = np.zeros((self.m, rows.size))
        target[rows, cols] = signs
        d = np.zeros((self.n + self.m, rows.size))
        d[self.N] = d_N
        d[self.basic_ids] = self.solver.solve(target - self.M_N @ d_N)
        mu = np.zeros((self.m, rows.size))
        mu[self.D] = pi
        lam = self.y[:, None] + self.solver.solve(mu, trans="T")
        tol = RANGE_CHECK_TOL
        # primal: [A, -I] d = r e_k, and the sign constraints of the variables at a bound
        residual = np.abs(self.M @ d - target).max(axis=0, initial=0.0)
        scale_d = np.maximum(1.0, np.abs(d).max(axis=0, initial=0.0))
        primal = (residual <= tol * (self.M_abs @ np.abs(d)).max(axis=0, initial=1.0) + tol) & (
            ~((self.at_lo[:, None] & (d < -tol * scale_d)) | (self.at_hi[:, None] & (d > tol * scale_d))).any(axis=0))
        dual = self._dual_cone(self.cost[:, None] - self.MT @ lam, lam, self.cost)
        extreme = lam[rows, cols]
        gap = np.abs(self.cost @ d - signs * extreme)
        agree = gap <= tol * np.maximum(1.0, np.abs(self.cost) @ np.abs(d))
        return np.where(ran & primal & dual & agree, extreme, np.nan)


def core_sides(lp: StandardForm, point: BasisPoint | None, rows: np.ndarray, want_min: np.ndarray,
               want_max: np.ndarray, n_jobs: int = 1,
               basis: FactoredBasis | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """min and max of each row dual y_k over the optimal dual face on the sides asked for, NaN where a side did not
    settle (then it needs a face LP); and the pivots of each side (rows x 2: min, max). `n_jobs` > 1: the sides are
    split over that many threads, each with its own HiGHS instance of the one core."""
    lo, hi = np.full(rows.size, np.nan), np.full(rows.size, np.nan)
    pivots = np.zeros((rows.size, 2), dtype=np.int64)
    if not (want_min.any() or want_max.any()):
        return lo, hi, pivots
    core = TangentCore.of(lp, point, basis)
    if core is None:
        return lo, hi, pivots
    down, up = np.flatnonzero(want_min), np.flatnonzero(want_max)
    side_rows = np.concatenate([rows[down], rows[up]])
    signs = np.concatenate([-np.ones(down.size), np.ones(up.size)])
    parts = [p for p in np.array_split(np.arange(side_rows.size), max(1, min(n_jobs, side_rows.size))) if p.size]
    if len(parts) > 1:
        from concurrent.futures import ThreadPoolExecutor

        sessions = [core.h] + [core.session() for _ in parts[1:]]
        with ThreadPoolExecutor(len(parts)) as pool:
            done = list(pool.map(lambda ph: core.extremes(side_rows[ph[0]], signs[ph[0]], ph[1]),
                                 zip(parts, sessions, strict=True)))
        value, steps = np.concatenate([d[0] for d in done]), np.concatenate([d[1] for d in done])
    else:
        value, steps = core.extremes(side_rows, signs)
    lo[down], hi[up] = value[:down.size], value[down.size:]
    pivots[down, 0], pivots[up, 1] = steps[:down.size], steps[down.size:]
    return lo, hi, pivots

"""One-sided derivatives of an LP's optimal value in its row bounds by a parametric step from the optimal basis.

On the standard form min c.x, L <= A x <= U, l <= x <= u with the row activities s = A x as variables
(x and s together: columns first, then rows; constraint [A, -I] (x, s) = 0), moving row k's bounds by t is the
equality system [A, -I] (x, s') = t e_k with s' in [L, U]. The optimal value V is polyhedral, and its
directional derivative at the optimum (x*, s*) is the optimal value of the *tangent LP*

    V'(b; sign e_k) = min c.dx  s.t.  [A, -I] d = sign e_k,  d_j >= 0 where variable j is at its lower bound at
                      the optimum, d_j <= 0 where at its upper (both: d_j = 0), d_j free elsewhere,

whose dual is max (or -min) y_k over the optimal dual face: the quantity `solvers.face` computes by one face LP
per side. For sign = +1 it is max y_k, for sign = -1 it is -min y_k (+inf where the tangent LP is infeasible: the
LP turns infeasible on that side). HiGHS's optimal basis is dual feasible for the tangent LP (same reduced costs,
looser sign constraints), and its basic solution B^-1 (sign e_k) violates only sign constraints of degenerate
basic variables (those at a bound); a dual simplex from that basis settles most sides in a few pivots, but on
some faces the paths are long whatever the pricing (a DSIC mechanism's IC rows, left sides: median 14, up to 90
pivots, HiGHS's own dual simplex from the same basis alike).

`TangentLP.minimum(rows, signs)` runs those dual simplices for many sides at once, in lockstep: the basis matrix
is factored once (`BasisSolver`: basic row activities eliminated), every side's basis after t pivots is
B0 E_1^-1 ... E_t^-1 (product form, one eta column per pivot and side), and each pivot is one multi-right-hand-side
solve with B0^T (the leaving rows, dual Devex pricing), one with B0 (the entering columns) and one sparse product
with [A, -I], for all sides still running; the ratio test is Harris's two passes. A side whose pivot does not check
(its pivot element from the row and from the column disagree), or that is still running when the block's work
model says core LPs are cheaper (or past `MAX_PIVOTS`), is left unsettled: the caller hands it to the core LP
(`tangent_core`), and a side the core leaves to the face LP (`solvers.face`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..core.tolerances import (
    RANGE_CHECK_TOL,
    RANGE_NONDEGENERATE_TOL,
    RANGE_PIVOT_TOL,
    RANGE_STEP_DUAL_TOL,
    RANGE_STEP_PIVOT_TOL,
)
from .highs import StandardForm

#: Pivots of one side's dual simplex before it is handed to a core LP, whatever the work model says.
MAX_PIVOTS = 60
#: Work model (units of about 30 ns, measured on the benchmarks) that decides when a block stops pivoting and hands
#: its running sides to the core LPs (`tangent_core`): a lockstep pivot costs STEP_WORK + sides x (2 m + n), a core LP
#: run HANDOFF_WORK + HANDOFF_ITERATIONS x (m + n) (0.5 to 1 ms on a CE's obedience and a DSIC mechanism's IC
#: rows). A block goes on while its last pivot settled enough sides to pay for the next one, or while each running
#: side has spent under 1 / PATIENCE of its core LP on pivots and the fixed costs of the pivots stay under the core
#: LPs of the running sides (a DSIC mechanism's IC rows, m = 2,100: a pivot or two, then core LPs for the long
#: paths; CE obedience rows, m = 91: to the end).
STEP_WORK = 5_000
HANDOFF_WORK = 15_000
HANDOFF_ITERATIONS = 6
PATIENCE = 4
#: Entries of one lockstep block (variables x sides): bounds the memory of a block's arrays and eta columns.
BLOCK_ENTRIES = 1_000_000
#: Basic structural columns up to which the basis's reduced block is inverted densely (2,000: 32 MB, ~0.3 s).
DENSE_INVERSE_SIZE = 2_000
#: A dense inverse multiplies only the right-hand side's nonzero rows where they are under this share of its rows
#: (the tangent LPs' right-hand sides are unit vectors and columns of [A, -I]: DSIC 3 x 7's median 2 % and 14 %).
SPARSE_RHS_SHARE = 0.5


def gaps(val: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whether each value lies clear of its lower and of its upper bound (RANGE_NONDEGENERATE_TOL, relative)."""
    with np.errstate(invalid="ignore"):
        gap_lo = np.where(np.isfinite(lo), val - lo, np.inf)
        gap_hi = np.where(np.isfinite(hi), hi - val, np.inf)
    need_lo = RANGE_NONDEGENERATE_TOL * np.maximum(1.0, np.abs(np.where(np.isfinite(lo), lo, 0.0)))
    need_hi = RANGE_NONDEGENERATE_TOL * np.maximum(1.0, np.abs(np.where(np.isfinite(hi), hi, 0.0)))
    return gap_lo > need_lo, gap_hi > need_hi


@dataclass
class BasisPoint:
    """HiGHS's optimal basis and point as arrays (picklable: a worker process rebuilds a `TangentLP` from it)."""

    col_basic: np.ndarray
    row_basic: np.ndarray
    col_value: np.ndarray
    row_value: np.ndarray

    @classmethod
    def of(cls, h: Any) -> BasisPoint | None:
        """The basis and point of a solved HiGHS instance; None where it holds no valid basis or point."""
        import highspy

        basis, sol = h.getBasis(), h.getSolution()
        if not basis.valid or not sol.value_valid:
            return None
        basic = int(highspy.HighsBasisStatus.kBasic)
        return cls(np.array(basis.col_status, dtype=np.int8) == basic,
                   np.array(basis.row_status, dtype=np.int8) == basic,
                   np.asarray(sol.col_value, float), np.asarray(sol.row_value, float))


class BasisSolver:
    """Solves with the basis matrix B = [A_Bc, -I_Br] (basic columns Bc, basic row activities Br) and its
    transpose, for many right-hand sides at once, with the basic activities eliminated: only the square block
    K = A[Nr, Bc] (nonbasic rows x basic columns) is factored, a dense inverse where it is small (then a solve is
    one matrix product), SuperLU otherwise (whose multi-column solves are slow)."""

    def __init__(self, A: sp.csc_matrix, col_basic: np.ndarray, row_basic: np.ndarray) -> None:
        self.bc, self.br, self.nr = np.flatnonzero(col_basic), np.flatnonzero(row_basic), np.flatnonzero(~row_basic)
        self.m = A.shape[0]
        cols = A[:, self.bc].tocsr()
        self.K, self.A_br = cols[self.nr].tocsc(), cols[self.br].tocsr()  # A[Nr, Bc], A[Br, Bc]
        self.A_br_T = self.A_br.T.tocsr()
        self.inverse: np.ndarray | None = None
        self.inverse_t: np.ndarray | None = None
        self.lu: Any = None

    @classmethod
    def of(cls, A: sp.csc_matrix, col_basic: np.ndarray, row_basic: np.ndarray) -> BasisSolver | None:
        """None where B is singular."""
        from scipy.sparse.linalg import splu

        solver = cls(A, col_basic, row_basic)
        k = solver.bc.size
        if k == 0:
            return solver
        try:
            if k <= DENSE_INVERSE_SIZE:
                solver.inverse = np.linalg.inv(solver.K.toarray())
                if not np.isfinite(solver.inverse).all():
                    return None
                solver.inverse_t = np.ascontiguousarray(solver.inverse.T)  # its columns as contiguous rows
            else:
                solver.lu = splu(solver.K)
        except (RuntimeError, np.linalg.LinAlgError):
            return None
        return solver

    def _k(self, rhs: np.ndarray, trans: bool) -> np.ndarray:
        if self.bc.size == 0:
            return rhs
        if self.inverse is not None:
            if rhs.ndim == 2 and self.inverse_t is not None:
                rows = np.flatnonzero(rhs.any(axis=1))
                if rows.size < SPARSE_RHS_SHARE * rhs.shape[0]:  # only the columns of the inverse they meet
                    return (self.inverse[rows].T if trans else self.inverse_t[rows].T) @ rhs[rows]
            return (self.inverse.T if trans else self.inverse) @ rhs
        return self.lu.solve(np.ascontiguousarray(rhs), trans="T" if trans else "N")

    def solve(self, rhs: np.ndarray, trans: str = "N") -> np.ndarray:
        """B^-1 rhs (trans "T": B^-T rhs), rhs a vector or an (m, k) array; the unknowns in B's column order
        (basic columns, then basic rows)."""
        vector = rhs.ndim == 1
        r = rhs.reshape(self.m, -1)
        nc = self.bc.size
        if trans == "T":  # rows Br of B^T: -rho_Br = r_Br; rows Bc: A_Bc' rho = r_Bc
            rho = np.empty_like(r)
            rho[self.br] = -r[nc:]
            rho[self.nr] = self._k(r[:nc] + self.A_br_T @ r[nc:], trans=True)
            out = rho
        else:  # rows Nr: K u_c = r_Nr; rows Br: A_Br,Bc u_c - u_s = r_Br
            u_c = self._k(r[self.nr], trans=False)
            out = np.vstack([u_c, self.A_br @ u_c - r[self.br]])
        return out.reshape(-1) if vector else out


@dataclass
class FactoredBasis:
    """An optimal basis factored once, with what the tangent LPs of its sides read (`TangentLP` here, the core LP of
    `tangent_core`): M = [A, -I], the cost (c, 0), the sign constraints (variables at a lower / upper bound at the
    optimum) and HiGHS's row duals y recomputed on this factorisation (c = A'y + z)."""

    solver: BasisSolver
    basic_ids: np.ndarray
    M: sp.csc_matrix
    cost: np.ndarray
    at_lo: np.ndarray
    at_hi: np.ndarray
    y: np.ndarray

    @classmethod
    def of(cls, lp: StandardForm, point: BasisPoint | None) -> FactoredBasis | None:
        """None where `point` holds no full, nonsingular basis."""
        if point is None:
            return None
        basic_ids = np.flatnonzero(np.concatenate([point.col_basic, point.row_basic]))
        if basic_ids.size != lp.A.shape[0]:
            return None
        solver = BasisSolver.of(lp.A, point.col_basic, point.row_basic)
        if solver is None:
            return None
        m = lp.A.shape[0]
        clear_lo, clear_hi = gaps(np.concatenate([point.col_value, point.row_value]),
                                  np.concatenate([lp.col_lower, lp.row_lower]),
                                  np.concatenate([lp.col_upper, lp.row_upper]))
        cost = np.concatenate([lp.c, np.zeros(m)])
        return cls(solver, basic_ids, sp.hstack([lp.A, -sp.identity(m, format="csc")]).tocsc(), cost, ~clear_lo,
                   ~clear_hi, solver.solve(cost[basic_ids], trans="T"))


@dataclass
class TangentResult:
    """Per side: min c.d of its tangent LP (+inf: infeasible; NaN: not settled), the pivots it took, whether it
    settled (else it needs a core LP)."""

    value: np.ndarray
    pivots: np.ndarray
    settled: np.ndarray


class TangentLP:
    """The tangent LPs of one optimal basis, factored once (see the module docstring)."""

    def __init__(self, lp: StandardForm, point: BasisPoint, basis: FactoredBasis) -> None:
        m, n = lp.A.shape
        self.m, self.n = m, n
        self.lu, basic_ids = basis.solver, basis.basic_ids
        self.basic_ids = basic_ids
        self.nonbasic_ids = np.flatnonzero(~np.concatenate([point.col_basic, point.row_basic]))
        # candidates for entering, in this order: the nonbasic variables of B0, then B0's basic ones (by position)
        self.cand_ids = np.concatenate([self.nonbasic_ids, basic_ids])
        self.M = basis.M
        self.MNT = self.M[:, self.nonbasic_ids].T.tocsr()
        self.at_lo, self.at_hi = basis.at_lo, basis.at_hi  # the tangent LP's sign constraints
        self.cost = basis.cost
        rc = self.cost - self.M.T @ basis.y
        rc[basic_ids] = 0.0
        self.rc_cand = rc[self.cand_ids]
        self.dual_tol = RANGE_STEP_DUAL_TOL * max(1.0, float(np.abs(lp.c).max(initial=0.0)))
        self.cand_of = np.empty(n + m, dtype=np.int64)  # variable id -> its candidate index
        self.cand_of[self.cand_ids] = np.arange(n + m)

    @classmethod
    def of(cls, lp: StandardForm, point: BasisPoint | None, basis: FactoredBasis | None = None) -> TangentLP | None:
        """The tangent LPs at `point`'s basis (`basis`: that basis already factored); None where it is not a full,
        nonsingular basis."""
        basis = basis if basis is not None else FactoredBasis.of(lp, point)
        return None if basis is None or point is None else cls(lp, point, basis)

    def minimum(self, rows: np.ndarray, signs: np.ndarray) -> TangentResult:
        """min c.d of the tangent LP of each side (row rows[i], direction signs[i] = +-1), blocks of sides in
        lockstep from the optimal basis."""
        rows, signs = np.asarray(rows, dtype=np.int64), np.asarray(signs, float)
        out = TangentResult(np.full(rows.size, np.nan), np.zeros(rows.size, dtype=np.int64),
                            np.zeros(rows.size, dtype=bool))
        width = max(1, BLOCK_ENTRIES // (self.n + self.m))
        for first in range(0, rows.size, width):
            part = slice(first, first + width)
            out.value[part], out.pivots[part], out.settled[part] = self._block(rows[part], signs[part])
        return out

    def _block(self, rows: np.ndarray, signs: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        m, width = self.m, rows.size
        value, pivots = np.full(width, np.nan), np.zeros(width, dtype=np.int64)
        settled = np.zeros(width, dtype=bool)
        rhs = np.zeros((m, width))
        rhs[rows, np.arange(width)] = signs
        s = _Sides(self, self.lu.solve(rhs))
        handoff_work = HANDOFF_WORK + HANDOFF_ITERATIONS * (self.m + self.n)
        settled_last = width
        for step in range(MAX_PIVOTS + 1):
            cols = np.arange(s.size)
            tol = RANGE_PIVOT_TOL * np.maximum(1.0, np.abs(s.d).max(axis=0))
            infeas = np.where(s.low & (s.d < -tol), -s.d, 0.0) + np.where(s.up & (s.d > tol), s.d, 0.0)
            leave = (infeas * infeas / s.weight).argmax(axis=0)
            done = (infeas[leave, cols] <= 0.0) & ~s.failed
            if done.any():  # primal feasible: optimal
                value[s.active[done]] = np.einsum("ij,ij->j", self.cost[s.bvar[:, done]], s.d[:, done])
                settled[s.active[done]] = True
            running = ~done & ~s.failed & ~s.infeasible
            value[s.active[s.infeasible]] = np.inf
            settled[s.active[s.infeasible]] = True
            if step:
                settled_last = int(done.sum() + s.infeasible.sum())
            per_side, count = 2 * m + self.n, int(running.sum())
            worth = settled_last * handoff_work >= STEP_WORK + count * per_side or (
                (step + 1) * per_side * PATIENCE <= handoff_work and (step + 1) * STEP_WORK <= count * handoff_work)
            if not running.any() or step == MAX_PIVOTS or not worth:
                break
            s.keep(running)
            s.pivot(leave[running])
            pivots[s.active] += 1
        return value, pivots, settled


class _Sides:
    """The state of a block of dual simplices, one column per side: basic values d (position order), basic
    variable ids, their sign constraints, reduced costs and nonbasic flags of every candidate, the eta file."""

    def __init__(self, t: TangentLP, d: np.ndarray) -> None:
        width = d.shape[1]
        self.t, self.d, self.active = t, d, np.arange(width)
        self.bvar = np.repeat(t.basic_ids[:, None], width, axis=1)
        self.low = np.repeat(t.at_lo[t.basic_ids][:, None], width, axis=1)
        self.up = np.repeat(t.at_hi[t.basic_ids][:, None], width, axis=1)
        self.rc = np.repeat(t.rc_cand[:, None], width, axis=1)
        self.nonbasic = np.zeros((t.cand_ids.size, width), dtype=bool)
        self.nonbasic[:t.nonbasic_ids.size] = True
        # (pivot position per side, eta column per side): B_t^-1 = E_t ... E_1 B0^-1
        self.etas: list[tuple[np.ndarray, np.ndarray]] = []
        self.failed = np.zeros(width, dtype=bool)
        self.weight = np.ones((t.m, width))  # dual Devex reference weights of the basic positions
        self.infeasible = np.zeros(width, dtype=bool)
        self.up_ok = ~t.at_hi[t.cand_ids]  # may increase from the optimum
        self.dn_ok = ~t.at_lo[t.cand_ids]

    @property
    def size(self) -> int:
        return int(self.active.size)

    def forward(self, w: np.ndarray) -> np.ndarray:
        """E_t ... E_1 w, column by column (w = B0^-1 b gives B_t^-1 b)."""
        cols = np.arange(w.shape[1])
        for p, eta in self.etas:
            wp = w[p, cols].copy()
            w += eta * wp
            w[p, cols] -= wp
        return w

    def keep(self, mask: np.ndarray) -> None:
        """Drop the sides not in `mask` (settled or failed)."""
        self.d, self.active, self.bvar = self.d[:, mask], self.active[mask], self.bvar[:, mask]
        self.weight = self.weight[:, mask]
        self.low, self.up, self.rc, self.nonbasic = (self.low[:, mask], self.up[:, mask], self.rc[:, mask],
                                                     self.nonbasic[:, mask])
        self.etas = [(p[mask], eta[:, mask]) for p, eta in self.etas]
        self.failed, self.infeasible = self.failed[mask], self.infeasible[mask]

    def pivot(self, leave: np.ndarray) -> None:
        """One dual simplex pivot of every side: basic position `leave[i]` leaves towards its violated bound."""
        t, cols = self.t, np.arange(self.size)
        rises = np.where(self.d[leave, cols] < 0.0, 1.0, -1.0)  # below its lower bound 0: it must rise
        # row `leave` of B_t^-1 [A, -I]: v = e_r' E_t ... E_1 is its part on B0's columns, then rho = B0^-T v
        v = np.zeros((t.m, self.size))
        v[leave, cols] = 1.0
        for p, eta in reversed(self.etas):
            v[p, cols] = np.einsum("ij,ij->j", v, eta)
        rho = t.lu.solve(v, trans="T")
        # the candidates nonbasic for some side: B0's nonbasic columns (their row entries rho' a_j), and B0's basic
        # ones that left (their entries are v's: rho' B0 = v')
        cand = np.flatnonzero(self.nonbasic.any(axis=1))
        n_nb = t.nonbasic_ids.size
        from_nb = cand[cand < n_nb]
        alpha = np.vstack([(t.MNT @ rho)[from_nb], v[cand[cand >= n_nb] - n_nb]])
        # entering j moves in direction -sign(rises * alpha_j) (so the leaving variable moves towards its bound),
        # allowed by its sign constraint; dual ratio |rc_j| / |alpha_j|, two passes (Harris) for a large pivot
        direction = -np.sign(rises * alpha)
        size = np.abs(alpha)
        big = RANGE_STEP_PIVOT_TOL * np.maximum(1.0, size.max(axis=0, initial=0.0))
        ok = self.nonbasic[cand] & (size > big) & np.where(direction > 0, self.up_ok[cand, None],
                                                           self.dn_ok[cand, None])
        rc = self.rc[cand]
        gain = np.maximum(direction * rc, 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            bound = np.where(ok, (gain + t.dual_tol) / size, np.inf).min(axis=0, initial=np.inf)
            near = ok & (gain / size <= bound)
        pick = np.where(near, size, -1.0).argmax(axis=0) if cand.size else np.zeros(self.size, dtype=np.int64)
        self.infeasible = ~ok.any(axis=0)  # no direction moves the leaving variable: the tangent LP is infeasible
        go = ~self.infeasible
        enter = cand[pick] if cand.size else pick
        enter_var = t.cand_ids[enter]
        # column B_t^-1 [A, -I]_j: B0^-1 a_j (a B0 basic column: e_q), then E_1 ... E_t
        w = np.zeros((t.m, self.size))
        from_n = enter < n_nb
        if from_n.any():
            w[:, from_n] = t.lu.solve(t.M[:, enter_var[from_n]].toarray())
        w[enter[~from_n] - n_nb, cols[~from_n]] = 1.0
        w = self.forward(w)
        w_r, a_r = w[leave, cols], (alpha[pick, cols] if cand.size else np.ones(self.size))
        agree = np.abs(w_r - a_r) <= RANGE_CHECK_TOL * np.maximum(np.abs(w_r), np.abs(a_r))
        self.failed = go & ~agree
        go &= agree
        w_r = np.where(go, w_r, 1.0)
        eta = -w / w_r
        eta[leave, cols] = 1.0 / w_r
        eta[:, ~go] = 0.0
        eta[leave[~go], cols[~go]] = 1.0  # identity for the sides that stop here
        theta = np.where(go, self.d[leave, cols] / w_r, 0.0)
        leaving_var = self.bvar[leave, cols]
        self.d -= w * theta
        self.d[leave[go], cols[go]] = theta[go]
        delta = np.where(go, self.rc[enter, cols] / np.where(go, a_r, 1.0), 0.0)
        self.rc[cand] = rc - alpha * delta
        g = cols[go]
        self.rc[enter[go], g] = 0.0
        self.rc[t.cand_of[leaving_var[go]], g] = -delta[go]
        self.nonbasic[enter[go], g] = False
        self.nonbasic[t.cand_of[leaving_var[go]], g] = True
        self.bvar[leave[go], g] = enter_var[go]
        self.low[leave[go], g], self.up[leave[go], g] = t.at_lo[enter_var[go]], t.at_hi[enter_var[go]]
        self.etas.append((leave, eta))
        # dual Devex: the leaving row is the largest infeasibility relative to its row of B_t^-1's estimated norm
        ref = self.weight[leave, cols]
        self.weight = np.where(go, np.maximum(self.weight, (w / w_r) ** 2 * ref), self.weight)
        self.weight[leave[go], g] = np.maximum(ref[go] / w_r[go] ** 2, 1.0)


def parametric_sides(lp: StandardForm, point: BasisPoint | None, rows: np.ndarray, want_min: np.ndarray,
                     want_max: np.ndarray,
                     basis: FactoredBasis | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """min and max of each row dual y_k over the optimal dual face by the tangent LPs (`want_min`, `want_max`: the
    sides asked for), NaN where a side did not settle (then it needs a core LP); and the pivots of each side asked
    for (rows x 2: min, max)."""
    lo, hi = np.full(rows.size, np.nan), np.full(rows.size, np.nan)
    pivots = np.zeros((rows.size, 2), dtype=np.int64)
    tangent = TangentLP.of(lp, point, basis)
    if tangent is None:
        return lo, hi, pivots
    down, up = np.flatnonzero(want_min), np.flatnonzero(want_max)
    got = tangent.minimum(np.concatenate([rows[down], rows[up]]), np.concatenate([-np.ones(down.size),
                                                                                 np.ones(up.size)]))
    # V'(b; -e_k) = -min y_k, V'(b; +e_k) = max y_k (+inf: infeasible on that side)
    lo[down] = np.where(got.settled[:down.size], -got.value[:down.size], np.nan)
    hi[up] = np.where(got.settled[down.size:], got.value[down.size:], np.nan)
    pivots[down, 0], pivots[up, 1] = got.pivots[:down.size], got.pivots[down.size:]
    return lo, hi, pivots

"""Exact optimality certificates of LPs in rational arithmetic (python-flint).

1. The data. Every coefficient of the standard form HiGHS receives (costs, matrix, bounds, the
   objective's constant) is read as the *simplest rational within half an ulp* of its float: the
   rational with the smallest denominator in [x - ulp(x)/2, x + ulp(x)/2], found by continued
   fractions. So 0.08333333333333333 is 1/12 and 0.1 is 1/10: data typed as fractions (or as
   floats of short decimals) are recovered exactly. (`Fraction(x).limit_denominator` is not this:
   it bounds the denominator, not the distance.)
2. The basis. HiGHS's optimal basis of that standard form (x, and the row activities s = A x, each
   basic or at a bound). With B its basis matrix in [A, -I]: x_B = -B^-1 N x_N and the multipliers
   y solve B' y = c_B, both exactly (flint's fmpq_mat). The reduced costs are d = c - [A, -I]' y.
3. The check. Primal feasibility (every basic variable inside its bounds), dual feasibility (every
   nonbasic reduced cost of the right sign for the bound it sits at) and equal primal and dual
   objectives, all exact. If the float basis fails, exact simplex pivots (primal simplex from a
   primal feasible basis, dual simplex from a dual feasible one, Bland's rule) run until it holds.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import InputError
from .ranging import ModelForm, flat_labels, model_form, solved_highs

#: Coefficients whose half-ulp rational has a larger denominator are read within a few ulps instead.
DENOMINATOR_LIMIT = 1 << 20
WIDEN_ULPS = (1.0, 2.0, 4.0, 8.0, 16.0)
#: Exact pivots tried before giving up (the float basis is almost always optimal already).
MAX_PIVOTS = 500


def _simplest(lo: Fraction, hi: Fraction) -> Fraction:
    """The rational with the smallest denominator in [lo, hi], 0 < lo <= hi."""
    fl = math.floor(lo)
    if fl == lo:
        return Fraction(fl)
    if fl + 1 <= hi:
        return Fraction(fl + 1)
    return fl + 1 / _simplest(1 / (hi - fl), 1 / (lo - fl))


def rational(x: float, ulps: float = 0.5) -> Fraction:
    """The simplest rational within `ulps` ulps of the float `x` (half an ulp by default:
    0.08333333333333333 -> 1/12)."""
    x = float(x)
    if not math.isfinite(x):
        raise InputError(f"rational: {x} is not finite")
    if x == int(x):
        return Fraction(int(x))
    half = Fraction(math.ulp(x)) * Fraction(ulps)
    a = Fraction(abs(x))
    r = _simplest(a - half, a + half)
    return r if x > 0 else -r


def read_rational(x: float) -> tuple[Fraction, bool]:
    """How exact() reads a coefficient: the simplest rational within half an ulp; where that has a
    denominator above DENOMINATOR_LIMIT (a coefficient computed in floating point, 7/6 one ulp off),
    the simplest within WIDEN_ULPS ulps if its denominator is below the limit. Returns (rational,
    widened)."""
    r = rational(x)
    if r.denominator <= DENOMINATOR_LIMIT:
        return r, False
    for ulps in WIDEN_ULPS:
        w = rational(x, ulps)
        if w.denominator <= DENOMINATOR_LIMIT:
            return w, True
    return r, False


@dataclass
class ExactCertificate:
    """The exact optimum of an LP: value (Fraction, the model's sense and units), verified, reason,
    primal (labelled Fractions per variable), prices (labelled Fractions per family, the price
    convention d value / d rhs), pivots (exact simplex pivots after the float basis), widened
    (distinct coefficients read within a few ulps rather than half an ulp; see `read_rational`)."""

    value: Fraction | None
    verified: bool
    reason: str = ""
    primal: dict[str, Any] = field(default_factory=dict)
    prices: dict[str, Any] = field(default_factory=dict)
    pivots: int = 0
    widened: int = 0

    def __repr__(self) -> str:
        state = "verified" if self.verified else f"NOT verified ({self.reason})"
        return f"<ExactCertificate value={self.value} {state}, {self.pivots} exact pivots>"


class _Exact:
    """The rational standard form: variables v = (x, s), M v = 0 with M = [A, -I], lo <= v <= hi."""

    def __init__(self, form: ModelForm):
        import flint

        self.flint = flint
        lp = form.lp
        self.m, self.n = lp.A.shape
        cache: dict[float, Any] = {}
        self.widened = 0

        def q(x: float) -> Any:
            v = cache.get(x)
            if v is None:
                r, wide = read_rational(x)
                self.widened += wide
                v = cache[x] = flint.fmpq(r.numerator, r.denominator)
            return v

        A = lp.A.tocsc()
        self.cols: list[list[tuple[int, Any]]] = [
            [(int(i), q(float(a))) for i, a in zip(A.indices[A.indptr[j]:A.indptr[j + 1]],
                                                     A.data[A.indptr[j]:A.indptr[j + 1]], strict=True) if a != 0]
            for j in range(self.n)]
        minus_one = flint.fmpq(-1)
        self.cols += [[(i, minus_one)] for i in range(self.m)]
        zero = flint.fmpq(0)
        self.cost = [q(float(c)) for c in lp.c] + [zero] * self.m
        self.lo = [None if not np.isfinite(b) else q(float(b)) for b in np.concatenate([lp.col_lower, lp.row_lower])]
        self.hi = [None if not np.isfinite(b) else q(float(b)) for b in np.concatenate([lp.col_upper, lp.row_upper])]
        self.offset = q(form.offset)

    def solve(self, basic: list[int], at: list[str]) -> tuple[list[Any], list[Any], list[Any]]:
        """The basic solution of `basic` (nonbasic j at at[j]: 'lo', 'hi' or 'zero'): v, y, d."""
        flint, m = self.flint, self.m
        fmpq = flint.fmpq
        v = [fmpq(0)] * (self.n + self.m)
        rhs = [fmpq(0)] * m
        in_basis = set(basic)
        for j in range(self.n + m):
            if j in in_basis:
                continue
            val = self.lo[j] if at[j] == "lo" else self.hi[j] if at[j] == "hi" else fmpq(0)
            v[j] = val
            if val != 0:
                for i, a in self.cols[j]:
                    rhs[i] -= a * val
        B = self.basis_matrix(basic)
        xb = B.solve(flint.fmpq_mat(m, 1, rhs))
        for k, j in enumerate(basic):
            v[j] = xb[k, 0]
        y_mat = B.transpose().solve(flint.fmpq_mat(m, 1, [self.cost[j] for j in basic]))
        y = [y_mat[i, 0] for i in range(m)]
        d = [self.cost[j] - sum((a * y[i] for i, a in self.cols[j]), fmpq(0)) for j in range(self.n + m)]
        return v, y, d

    def primal_infeasible(self, basic: list[int], v: list[Any]) -> int | None:
        for j in sorted(basic):
            if (self.lo[j] is not None and v[j] < self.lo[j]) or (self.hi[j] is not None and v[j] > self.hi[j]):
                return j
        return None

    def dual_infeasible(self, basic: set[int], at: list[str], d: list[Any]) -> int | None:
        for j in range(self.n + self.m):
            if j in basic or (self.lo[j] is not None and self.lo[j] == self.hi[j]):
                continue
            if (at[j] == "lo" and d[j] < 0) or (at[j] == "hi" and d[j] > 0) or (at[j] == "zero" and d[j] != 0):
                return j
        return None

    def basis_matrix(self, basic: list[int]) -> Any:
        """B = the basic columns of [A, -I], exactly."""
        B = self.flint.fmpq_mat(self.m, self.m)
        for k, b in enumerate(basic):
            for i, a in self.cols[b]:
                B[i, k] = a
        return B

    def column_solve(self, basic: list[int], j: int) -> list[Any]:
        """B^-1 M_j."""
        flint, m = self.flint, self.m
        B = self.basis_matrix(basic)
        col = [flint.fmpq(0)] * m
        for i, a in self.cols[j]:
            col[i] = a
        out = B.solve(flint.fmpq_mat(m, 1, col))
        return [out[k, 0] for k in range(m)]

    def row_of(self, basic: list[int], k: int) -> list[Any]:
        """Row k of B^-1 (as the solution rho of B' rho = e_k)."""
        flint, m = self.flint, self.m
        B = self.basis_matrix(basic)
        e = [flint.fmpq(0)] * m
        e[k] = flint.fmpq(1)
        out = B.transpose().solve(flint.fmpq_mat(m, 1, e))
        return [out[i, 0] for i in range(m)]


def _start(h: Any, ex: _Exact) -> tuple[list[int], list[str]]:
    import highspy

    basis = h.getBasis()
    status = list(basis.col_status) + list(basis.row_status)
    basic = [j for j, s in enumerate(status) if s == highspy.HighsBasisStatus.kBasic]
    at = []
    for j, s in enumerate(status):
        if s == highspy.HighsBasisStatus.kUpper and ex.hi[j] is not None:
            at.append("hi")
        elif ex.lo[j] is not None and s != highspy.HighsBasisStatus.kUpper:
            at.append("lo")
        elif ex.hi[j] is not None:
            at.append("hi")
        else:
            at.append("zero")
    return basic, at


def _pivot(ex: _Exact, basic: list[int], at: list[str], v: list[Any], d: list[Any]) -> str:
    """One exact simplex pivot (Bland's rule); returns "" or why none is possible."""
    bset = set(basic)
    leave_j = ex.primal_infeasible(basic, v)
    if leave_j is None:  # primal simplex
        j = ex.dual_infeasible(bset, at, d)
        assert j is not None
        direction = 1 if (at[j] == "lo" or (at[j] == "zero" and d[j] < 0)) else -1
        col = ex.column_solve(basic, j)
        best: Any = None
        leave: int | None = None
        leave_at = ""
        lo_j, hi_j = ex.lo[j], ex.hi[j]
        if lo_j is not None and hi_j is not None:
            best = hi_j - lo_j
        for k, b in enumerate(basic):
            rate = -col[k] * direction  # d v_b / d t
            if rate > 0 and ex.hi[b] is not None:
                t, side = (ex.hi[b] - v[b]) / rate, "hi"
            elif rate < 0 and ex.lo[b] is not None:
                t, side = (ex.lo[b] - v[b]) / rate, "lo"
            else:
                continue
            if best is None or t < best or (t == best and leave is not None and b < leave):
                best, leave, leave_at = t, b, side
        if best is None:
            return "the LP is unbounded along an exact ray"
        if leave is None:  # the entering variable moves to its other bound
            at[j] = "hi" if at[j] == "lo" else "lo"
            return ""
        basic[basic.index(leave)] = j
        at[leave] = leave_at
        return ""
    if ex.dual_infeasible(bset, at, d) is not None:
        return "the basis is neither primal nor dual feasible in exact arithmetic"
    k = basic.index(leave_j)
    to = "lo" if ex.lo[leave_j] is not None and v[leave_j] < ex.lo[leave_j] else "hi"
    rho = ex.row_of(basic, k)
    best_j, best = None, None
    for j in range(ex.n + ex.m):
        if j in bset or (ex.lo[j] is not None and ex.lo[j] == ex.hi[j]):
            continue
        alpha = sum((a * rho[i] for i, a in ex.cols[j]), ex.flint.fmpq(0))
        if alpha == 0:
            continue
        # x_leave = -sum alpha_j x_j + ...: to raise it (to 'lo'), move x_j against alpha_j
        up = (to == "lo")
        ok = (at[j] == "lo" and (alpha < 0) == up) or (at[j] == "hi" and (alpha > 0) == up) or at[j] == "zero"
        if not ok:
            continue
        ratio = abs(d[j] / alpha)
        if best is None or ratio < best:
            best_j, best = j, ratio
    if best_j is None:
        return "the LP is infeasible (exact dual ray)"
    basic[k] = best_j
    at[leave_j] = to
    return ""


#: The basis systems are solved densely in rationals (flint's fmpq_mat): memory grows with rows^2
#: times the size of the fractions, so larger LPs are refused with a reason instead of exhausting memory.
MAX_EXACT_ROWS = 2000


def exact(model: Any, parameters: dict[str, Any] | None = None, *, basis: Any = None,
          max_rows: int = MAX_EXACT_ROWS) -> ExactCertificate:
    """The exact certificate of an LP model's optimum (see the module docstring).

    `basis`: (basic, at) to start from instead of HiGHS's optimal basis (tests of the pivoting);
    `max_rows`: the largest standard form solved exactly (a larger one is returned unverified)."""
    import highspy

    form = model_form(model, parameters)
    n_rows = int(form.lp.A.shape[0])
    if n_rows > max_rows:
        return ExactCertificate(None, False, f"the LP has {n_rows} rows; exact() solves its basis densely in rationals "
                                f"and stops at max_rows={max_rows} (pass a larger max_rows to try)")
    ex = _Exact(form)
    h = solved_highs(form.lp)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return ExactCertificate(None, False, f"HiGHS status {h.getModelStatus().name} on the standard form")
    basic, at = basis if basis is not None else _start(h, ex)
    basic, at = list(basic), list(at)
    if len(basic) != ex.m:
        return ExactCertificate(None, False, f"the basis has {len(basic)} variables for {ex.m} rows")
    pivots, reason = 0, ""
    while True:
        try:
            v, y, d = ex.solve(basic, at)
        except ZeroDivisionError:
            return ExactCertificate(None, False, "the basis matrix is singular in exact arithmetic", pivots=pivots)
        primal_ok = ex.primal_infeasible(basic, v) is None
        dual_ok = ex.dual_infeasible(set(basic), at, d) is None
        if primal_ok and dual_ok:
            break
        if pivots >= MAX_PIVOTS:
            reason = f"not optimal after {MAX_PIVOTS} exact pivots"
            break
        reason = _pivot(ex, basic, at, v, d)
        if reason:
            break
        pivots += 1
    fmpq = ex.flint.fmpq
    primal_obj = sum((c * x for c, x in zip(ex.cost, v, strict=True) if c != 0), fmpq(0))
    bset = set(basic)
    dual_obj = sum((d[j] * v[j] for j in range(ex.n + ex.m) if j not in bset and d[j] != 0), fmpq(0))
    verified = not reason and primal_obj == dual_obj
    if not reason and not verified:
        reason = f"primal objective {primal_obj} differs from dual objective {dual_obj}"
    sign = -1 if form.sense == "max" else 1
    value = _fraction((primal_obj + ex.offset) * sign)
    primal = {}
    for name, (offset, shape) in form.columns.items():
        size = int(np.prod(shape)) if shape else 1
        flat = np.array([_fraction(v[offset + i]) for i in range(size)], dtype=object)
        arr = flat.reshape(shape or (1,), order="F")
        primal[name] = _labelled(arr, model.variables[name].index, shape)
    prices = {}
    for name, block in form.blocks.items():
        rows = block.rows_c_order()
        vals = np.array([_fraction(y[r] * int(sign * s)) for r, s in zip(rows, block.sigma, strict=True)], dtype=object)
        prices[name] = _labelled(vals.reshape(block.shape or (1,)), block.index, block.shape, flat_labels(block))
    return ExactCertificate(value, verified, reason, primal, prices, pivots, ex.widened)


def _fraction(v: Any) -> Fraction:
    return Fraction(int(v.p), int(v.q))


def _labelled(arr: np.ndarray, index: Any, shape: tuple[int, ...], flat: pd.Index | None = None) -> Any:
    """Fractions with the model's labels (a Fraction for a scalar)."""
    if not shape or (arr.size == 1 and index is None):
        return arr.reshape(-1)[0]
    if isinstance(index, tuple):
        return pd.DataFrame(arr.reshape(len(index[0]), len(index[1])), index=index[0], columns=index[1], dtype=object)
    if arr.ndim == 2 and index is None:
        return pd.DataFrame(arr, dtype=object)
    return pd.Series(arr.reshape(-1), index=index, dtype=object)

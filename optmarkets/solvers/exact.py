"""Exact optimality certificates of LPs in rational arithmetic (python-flint).

1. The data. Every coefficient of the standard form HiGHS receives (costs, matrix, bounds, the
   objective's constant) is read as the *simplest rational within half an ulp* of its float: the
   rational with the smallest denominator in [x - ulp(x)/2, x + ulp(x)/2], found by continued
   fractions. So 0.08333333333333333 is 1/12 and 0.1 is 1/10: data typed as fractions (or as
   floats of short decimals) are recovered exactly. (`Fraction(x).limit_denominator` is not this:
   it bounds the denominator, not the distance.)
2. The basis. HiGHS's optimal basis of that standard form (x, and the row activities s = A x, each
   basic or at a bound), the simplex started from the basis of the model's last HiGHS solve (where that
   basis is off in rationals, a basic variable 1e-15 outside its bound, a cold HiGHS solve's); for a Solution
   that keeps no basis of its own (a selection chain moved its point, row generation solved other programs, an
   interior point has no basis), a basis at that Solution's point (`exact_start.point_basis`: crossover, else the
   face through the point, then HiGHS's primal simplex in place), so the vertex proved is the one reported. With B its
   basis matrix in M = [A, -I]: x_B = -B^-1 N x_N and the multipliers y solve B' y = c_B, both exactly.
   A basic slack's column is a unit vector, so its row only defines that slack (and its y is 0): those
   rows and columns are eliminated, leaving the K x K system of the basic structural columns on the other
   rows, solved by Dixon's p-adic lifting with rational reconstruction (`exact_basis`; P_q at n = 100:
   K = 689 of 10,000 rows). Nonbasic columns enter through sparse integer products only (right-hand side,
   reduced costs d = c - M' y). LPs up to DENSE_ROWS rows (or method="dense") solve the full m x m B
   instead (flint's fmpq_mat), the reference the reduced path is tested against.
3. The check. Primal feasibility (every basic variable inside its bounds), dual feasibility (every
   nonbasic reduced cost of the right sign for the bound it sits at) and equal primal and dual
   objectives, all exact. If the float basis fails, other float bases are tried (HiGHS cold, then on the form
   scaled by powers of two: its tolerances are absolute, `exact_start.scaled_basis`) and exact simplex pivots
   (primal simplex from a primal feasible basis, dual simplex from a dual feasible one, Bland's rule;
   `exact_pivot`) run until it holds.

A certificate that is not verified carries no value, primal or prices (None and empty): a basis that failed the
check is no optimum, and its rational value is not the LP's (a basis neither primal nor dual feasible read
-5497/830000000000 for an optimum of 18737/1842800000000). Only `reason` says what happened.

Limits. Size guards, each a keyword of exact() (`Solution.exact(max_rows=...)` passes the first); above
one, the certificate comes back unverified with value None and the reason:

    MAX_EXACT_ROWS   20,000   standard-form rows: every row's bound, solution value and price are rational
                              Python objects, and the data's nonzeros object arrays (P_q at 10,000 rows:
                              1.3 s CPU against a 7.4 s float solve; benchmarks/results/exact.md)
    MAX_EXACT_BASIS   2,000   structural columns K of the reduced basis, checked after the HiGHS solve: the
                              K x K rational system is dense and its solution's size grows with K (Dixon on
                              a sparse K = 1,400 system with 27-bit denominators on the right: ~20 s)
    MAX_DENSE_ROWS    2,000   rows of the full m x m rational basis of method="dense" (memory ~ rows^2)
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd

from ..core.errors import InputError
from ..core.exact_values import DENOMINATOR_LIMIT, WIDEN_ULPS, rational, read_rational  # noqa: F401 (its API)
from ..core.validate import positive_int
from .exact_basis import RationalMatrix, ReducedBasis, common
from .exact_data import ExactData, exact_data
from .exact_pivot import _pivot, _start
from .exact_start import float_basis, point_basis, scaled_basis
from .ranging import ModelForm, flat_labels, held_basis, model_form, solved_highs

#: Exact pivots tried before giving up (the float basis is almost always optimal already).
MAX_PIVOTS = 500
#: exact pivots tried from a Solution's point before a cold HiGHS basis is (any other basis may be another vertex).
POINT_PIVOTS = 25


@dataclass
class ExactCertificate:
    """The exact optimum of an LP: value (Fraction, the model's sense and units; None unless verified), verified,
    reason, primal (labelled Fractions per variable), prices (labelled Fractions per family, the price convention d
    value / d rhs; primal and prices are empty unless verified), pivots (exact simplex pivots after the float
    basis), widened (distinct coefficients read within a few ulps rather than half an ulp; see `read_rational`),
    stats (rows; reduced: the reduced basis's K; seconds: read_s, float_s (HiGHS), solve_s, check_s; cold_restart: 1
    where the basis of the model's last solve was not optimal in rationals and HiGHS's cold one was taken, its solve
    counted in solve_s; from_point: 1 where the basis was found at a Solution's point, point_moved: how far from it,
    point_prices: 1 where its duals are the Solution's prices)."""

    value: Fraction | None
    verified: bool
    reason: str = ""
    primal: dict[str, Any] = field(default_factory=dict)
    prices: dict[str, Any] = field(default_factory=dict)
    pivots: int = 0
    widened: int = 0
    stats: dict[str, float] = field(default_factory=dict)

    def __repr__(self) -> str:
        if not self.verified:  # no value: the basis that failed the check is no optimum
            return f"<ExactCertificate NOT verified ({self.reason}), {self.pivots} exact pivots>"
        return f"<ExactCertificate value={self.value} verified, {self.pivots} exact pivots>"


class _Exact:
    """The rational standard form: variables v = (x, s), M v = 0 with M = [A, -I], lo <= v <= hi.

    `method`: "sparse" solves each basis through its reduced system (`exact_basis`), "dense" as the full m x m
    rational matrix, "auto" densely up to DENSE_ROWS rows."""

    def __init__(self, form: ModelForm, method: str = "auto", data: ExactData | None = None):
        """`data`: the rational data read through the model's exact parameters (`exact_data`), else each
        coefficient is read from its float."""
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

        def exact_of(values: np.ndarray) -> np.ndarray:  # each distinct float read once
            distinct, inverse = np.unique(values, return_inverse=True)
            table = np.empty(distinct.size, dtype=object)
            table[:] = [q(float(x)) for x in distinct]
            return table[inverse.reshape(-1)]

        zero = flint.fmpq(0)
        if data is None:
            self.matrix = RationalMatrix(lp.A, lambda distinct: [q(float(x)) for x in distinct])
            self.cost = list(exact_of(np.asarray(lp.c, float))) + [zero] * self.m
            self.lo = self._bounds(np.concatenate([lp.col_lower, lp.row_lower]), exact_of)
            self.hi = self._bounds(np.concatenate([lp.col_upper, lp.row_upper]), exact_of)
        else:
            def fm(x: Fraction | None) -> Any:
                return None if x is None else flint.fmpq(x.numerator, x.denominator)

            self.matrix = RationalMatrix(lp.A, lambda distinct: [q(float(x)) for x in distinct],
                                         exact=lambda keys: [fm(data.A[k]) for k in keys.tolist()])
            self.cost = [fm(x) for x in data.c] + [zero] * self.m
            self.lo = [fm(x) for x in data.col_lower + data.row_lower]
            self.hi = [fm(x) for x in data.col_upper + data.row_upper]
        self.offset = q(form.offset)
        self.dense = method == "dense" or (method == "auto" and self.m <= DENSE_ROWS)
        self._cols: list[list[tuple[int, Any]]] | None = None
        self._reduced: tuple[tuple[int, ...], ReducedBasis] | None = None

    @staticmethod
    def _bounds(values: np.ndarray, exact_of: Any) -> list[Any]:
        finite = np.isfinite(values)
        out: list[Any] = [None] * values.size
        for j, b in zip(np.flatnonzero(finite).tolist(), exact_of(values[finite]), strict=True):
            out[j] = b
        return out

    @property
    def cols(self) -> list[list[tuple[int, Any]]]:
        """The columns of M = [A, -I] as (row, fmpq) lists (built on first use: the dense path's)."""
        if self._cols is None:
            mat = self.matrix
            self._cols = [list(zip(mat.column(j)[0].tolist(), mat.column(j)[1], strict=True)) for j in range(self.n)]
            minus_one = self.flint.fmpq(-1)
            self._cols += [[(i, minus_one)] for i in range(self.m)]
        return self._cols

    def reduced(self, basic: list[int]) -> ReducedBasis:
        """The basis's reduced system (`exact_basis.ReducedBasis`), kept while the basis is the same."""
        key = tuple(basic)
        if self._reduced is None or self._reduced[0] != key:
            self._reduced = (key, ReducedBasis(self.matrix, basic))
        return self._reduced[1]

    def nonbasic_values(self, basic: list[int], at: list[str]) -> list[Any]:
        """v with every nonbasic variable at at[j] ('lo', 'hi' or 'zero') and the basic ones at 0."""
        zero = self.flint.fmpq(0)
        v = [zero] * (self.n + self.m)
        is_basic = np.zeros(self.n + self.m, dtype=bool)
        is_basic[basic] = True
        for j in np.flatnonzero(~is_basic).tolist():
            side = at[j]
            val = self.lo[j] if side == "lo" else self.hi[j] if side == "hi" else None
            if val is not None:
                v[j] = val
        return v

    def transpose_times(self, w: list[Any]) -> list[Any]:
        """M' w over the n + m variables (w over the rows): (A' w)_j, then -w_i for row i's slack."""
        rows = [i for i, x in enumerate(w) if x != 0]
        zero = self.flint.fmpq(0)
        if rows:
            numer, denom = common([w[i] for i in rows])
            sums = self.matrix.transpose_times(np.asarray(rows, dtype=np.int64), numer, denom)
        else:
            sums = {}
        return [sums.get(j, zero) for j in range(self.n)] + [-x for x in w]

    def solve(self, basic: list[int], at: list[str]) -> tuple[list[Any], list[Any], list[Any]]:
        """The basic solution of `basic` (nonbasic j at at[j]: 'lo', 'hi' or 'zero'): v, y, d."""
        if self.dense:
            return self.solve_dense(basic, at)
        n, m = self.n, self.m
        v = self.nonbasic_values(basic, at)
        reduced = self.reduced(basic)
        # r = -N v_N: the nonbasic slacks (rows R) at their values, less A x_N
        rhs = [self.flint.fmpq(0)] * m
        for i in reduced.R.tolist():
            rhs[i] = v[n + i]
        moved = [j for j in range(n) if v[j] != 0]
        if moved:
            numer, denom = common([v[j] for j in moved])
            for i, t in self.matrix.times(np.asarray(moved, dtype=np.int64), numer, denom).items():
                rhs[i] -= t
        for j, z in zip(basic, reduced.solve(rhs), strict=True):
            v[j] = z
        y = reduced.solve_transposed([self.cost[j] for j in basic])
        products = self.transpose_times(y)
        d = [c - p for c, p in zip(self.cost, products, strict=True)]
        return v, y, d

    def solve_dense(self, basic: list[int], at: list[str]) -> tuple[list[Any], list[Any], list[Any]]:
        """`solve` with the full m x m basis matrix (flint's fmpq_mat): the reference for small LPs."""
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
        col = [flint.fmpq(0)] * m
        if j >= self.n:
            col[j - self.n] = flint.fmpq(-1)
        else:
            for i, a in zip(*self.matrix.column(j), strict=True):
                col[int(i)] = a
        if not self.dense:
            return self.reduced(basic).solve(col)
        out = self.basis_matrix(basic).solve(flint.fmpq_mat(m, 1, col))
        return [out[k, 0] for k in range(m)]

    def row_of(self, basic: list[int], k: int) -> list[Any]:
        """Row k of B^-1 (as the solution rho of B' rho = e_k)."""
        flint, m = self.flint, self.m
        e = [flint.fmpq(0)] * m
        e[k] = flint.fmpq(1)
        if not self.dense:
            return self.reduced(basic).solve_transposed(e)
        out = self.basis_matrix(basic).transpose().solve(flint.fmpq_mat(m, 1, e))
        return [out[i, 0] for i in range(m)]


#: Size guards (see the module docstring, "Limits"): standard-form rows; structural columns of the reduced
#: basis (its K x K rational system is dense); rows of the full m x m rational basis of method="dense".
MAX_EXACT_ROWS = 20_000
MAX_EXACT_BASIS = 2000
MAX_DENSE_ROWS = 2000
#: method="auto" solves LPs up to this many rows with the full m x m basis (no reduction to set up).
DENSE_ROWS = 50
METHODS = ("auto", "sparse", "dense")


def _refused(why: str, stats: dict[str, float]) -> ExactCertificate:
    return ExactCertificate(None, False, why, stats=stats)


def _too_large(ex: _Exact, basic: list[int], max_basis: int, stats: dict[str, float]) -> str:
    """Why the basis is not solved ("" when it is): its size against the rows and max_basis."""
    if len(basic) != ex.m:
        return f"the basis has {len(basic)} variables for {ex.m} rows"
    reduced = sum(1 for j in basic if j < ex.n)
    stats["reduced"] = reduced
    if not ex.dense and reduced > max_basis:
        return (f"the basis has {reduced} structural columns once its {ex.m - reduced} basic slacks are eliminated; "
                f"exact() solves that system densely in rationals and stops at max_basis={max_basis} (pass a larger "
                "max_basis to try)")
    return ""


def _bound(model: Any, parameters: Any) -> Any:
    """`model` at `parameters` (names and values checked as `Model.bind` checks them, the rest the model's):
    the probes of `exact_data` then read the same values as the form."""
    if not isinstance(parameters, Mapping):
        raise InputError("parameters: expected a mapping of parameter names to values, got "
                         f"{type(parameters).__name__}")
    try:
        return model.bind(**{str(name): value for name, value in parameters.items()})
    except InputError as exc:
        raise InputError(f"parameters: {exc}") from None


def exact(model: Any, parameters: dict[str, Any] | None = None, *, basis: Any = None, seed: Any = None,
          point: Mapping[str, Any] | None = None, point_prices: Mapping[str, Any] | None = None,
          max_rows: int = MAX_EXACT_ROWS, max_basis: int = MAX_EXACT_BASIS, method: str = "auto") -> ExactCertificate:
    """The exact certificate of an LP model's optimum (see the module docstring).

    `parameters`: values of some of the model's parameters (the others keep theirs), checked as `Model.bind` checks;
    `seed`: a HiGHS basis the float solve starts from (`Solution.exact` passes its own solve's: the exact optimum is
    then the vertex the Solution reports; None: the model's last HiGHS solve, `ranging.held_basis`);
    `point`: without `seed`, the point (variable name -> values) of a Solution that keeps no basis: the basis proved
    is one at it where the point is a vertex (`exact_start.point_basis`, `stats["point_moved"]`; else HiGHS's own),
    whose duals are `point_prices` (family -> prices) where one basis gives both (`stats["point_prices"]`);
    `basis`: (basic, at) to start the exact pivoting from instead of HiGHS's optimal basis (tests of the pivoting);
    `max_rows`: the most standard-form rows solved exactly, `max_basis`: the most structural columns of the
    reduced basis (larger ones are returned unverified, with the reason); `method`: "auto", "sparse" (the
    reduced basis) or "dense" (the full m x m rational basis, up to MAX_DENSE_ROWS rows)."""
    import highspy

    if method not in METHODS:
        raise InputError(f"method: must be one of {list(METHODS)}, got {method!r}")
    max_rows, max_basis = positive_int("max_rows", max_rows), positive_int("max_basis", max_basis)
    if parameters is not None:
        model = _bound(model, parameters)
    clock = time.perf_counter()
    form = model_form(model)
    n_rows = int(form.lp.A.shape[0])
    stats: dict[str, float] = {"rows": n_rows}
    if n_rows > max_rows:
        return _refused(f"the LP has {n_rows} rows; exact() stops at max_rows={max_rows} (each row's rational "
                        "data and its solution's are held in Python objects; pass a larger max_rows to try)", stats)
    if method == "dense" and n_rows > MAX_DENSE_ROWS:
        return _refused(f"the LP has {n_rows} rows; method='dense' solves the full basis densely in rationals "
                        f"(memory ~ rows^2) and stops at {MAX_DENSE_ROWS} rows; use method='sparse'", stats)
    data = exact_data(model, form, lambda x: read_rational(x)[0])
    if data is not None:
        stats["exact_parameters"] = 1
        stats["unfitted"] = data.unfitted
    ex = _Exact(form, method, data)
    stats["read_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    h, seeded = float_basis(form, None if basis is not None else seed if seed is not None else held_basis(model))
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:  # data of magnitude 1e-8 read as infeasible
        scaled = scaled_basis(form)
        h, seeded, stats["from_scaled"] = (h, seeded, 0) if scaled is None else (scaled, False, 1)
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return _refused(f"HiGHS status {h.getModelStatus().name} on the standard form", stats)
    if point is not None and seed is None and basis is None:
        at_point = point_basis(form, point, point_prices, h.getBasis(), stats)
        if at_point is not None:
            h, seeded, stats["from_point"] = at_point, True, 1
    stats["float_s"] = time.perf_counter() - clock
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return _refused(f"HiGHS status {h.getModelStatus().name} on the standard form", stats)
    start = basis if basis is not None else _start(h, ex)
    refusal = _too_large(ex, start[0], max_basis, stats)
    if refusal:
        return _refused(refusal, stats)
    basic, at = list(start[0]), list(start[1])
    fallbacks = [] if basis is not None else (
        [lambda: float_basis(form, None)[0]] if seeded else []) + [lambda: solved_highs(form.lp)] + (
        [] if stats.get("from_scaled") else [lambda: scaled_basis(form)])  # the scaled basis once, not twice
    clock = time.perf_counter()
    pivots, reason = 0, ""
    restart_at = POINT_PIVOTS if stats.get("from_point") else 0  # a point's basis: pivot there first
    while True:
        try:
            v, y, d = ex.solve(basic, at)
        except ZeroDivisionError:  # a float basis singular in rationals: the next float basis, if any
            if not (pivots == restart_at and fallbacks):
                return ExactCertificate(None, False, "the basis matrix is singular in exact arithmetic",
                                        pivots=pivots, stats=stats)
        else:
            primal_ok = ex.primal_infeasible(basic, v) is None
            dual_ok = ex.dual_infeasible(set(basic), at, d) is None
            if primal_ok and dual_ok:
                break
        if pivots == restart_at and fallbacks:
            # the float basis is off in rationals (or singular): other float bases next (HiGHS cold at tight
            # tolerances, at its default ones, then on the form scaled to magnitude one), a float solve being
            # cheaper than exact pivots at scale (BBM segmentation at n = 100: 18 pivots of ~1.5 s each, or one 8 s
            # solve); BDHN's revenue LP at n = 5: only the default tolerances' basis is one the pivots can start from
            other = fallbacks.pop(0)()
            if other is not None and other.getModelStatus() == highspy.HighsModelStatus.kOptimal:
                cold, trial = _start(other, ex), dict(stats)
                if cold[0] != basic and not _too_large(ex, cold[0], max_basis, trial):
                    basic, at = cold
                    stats.update(trial, cold_restart=stats.get("cold_restart", 0) + 1)
            continue
        if pivots >= MAX_PIVOTS:
            reason = f"not optimal after {MAX_PIVOTS} exact pivots"
            break
        reason = _pivot(ex, basic, at, v, d)
        if reason:
            break
        pivots += 1
    stats["solve_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    fmpq = ex.flint.fmpq
    primal_obj = sum((c * x for c, x in zip(ex.cost, v, strict=True) if c != 0), fmpq(0))
    bset = set(basic)
    dual_obj = sum((d[j] * v[j] for j in range(ex.n + ex.m) if j not in bset and d[j] != 0), fmpq(0))
    verified = not reason and primal_obj == dual_obj
    if not reason and not verified:
        reason = f"primal objective {primal_obj} differs from dual objective {dual_obj}"
    if not verified:  # the basis's numbers are no optimum: none are returned (see the module docstring)
        stats["check_s"] = time.perf_counter() - clock
        return ExactCertificate(None, False, reason, pivots=pivots, widened=ex.widened, stats=stats)
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
    stats["check_s"] = time.perf_counter() - clock
    return ExactCertificate(value, verified, reason, primal, prices, pivots, ex.widened, stats)


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

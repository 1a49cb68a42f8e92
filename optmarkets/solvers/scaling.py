"""Exact power-of-two scaling of an LP in HiGHS's standard form, so HiGHS solves a well-scaled problem.

HiGHS's tolerances are absolute (1e-7 by default): on data of magnitude 1e-8 every basis is
"optimal", on data of magnitude 1e12 exact answers are "infeasible". So the solve path hands HiGHS
the problem scaled to magnitude one and unscales its answer:

    x = T x',   scaled problem  min (sigma c T) x'  s.t.  R rl rho <= R A T' x' <= R ru rho, ...

with R (rows) and t (columns) found by Ruiz equilibration of A, rho (right-hand sides) and sigma
(costs) bringing the scaled b and c to magnitude one, all rounded to powers of two, so that scaling
and unscaling are exact in floating point: a problem whose data are multiplied by 2^k is solved as
the very same scaled problem.

The factors of A depend on A alone, so they are computed once per matrix (`cache`: the compiled
program's, whose A is one object for its life) and a re-solve with new b or c only recomputes rho and
sigma (two max-reductions). MILPs (whose integer columns are never scaled, T = 1) equilibrate the
augmented matrix [[A, b], [c, 0]] with the integer columns tied to rho.

Unscaling (T = t / rho): x = T x', row activity = activity' / (r rho), row duals y = r y' / sigma,
column duals z = z' / (sigma t), optimal value = value' / (sigma rho).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from .highs import StandardForm

#: Ruiz iterations (each halves the log-spread of row and column magnitudes), at most; they stop once
#: every row and column maximum is within 2^(1/32) of one (the factors are rounded to powers of two).
_ITERATIONS = 20
_CONVERGED = 2.0 ** (1 / 32)
#: Scale only when some factor is at least 2^_THRESHOLD away from one: data within a factor ~1000
#: of magnitude one go to HiGHS unchanged (its own scaling handles them, and its pivots stay as they were);
#: an LP whose coefficients, largest |b| and largest |c| all lie within 2^_THRESHOLD of one is not
#: equilibrated at all.
_THRESHOLD = 10
#: An entry below 2^-RESIDUE of the largest entry of its row and of its column is a round-off residue
#: (a value 0.3 less a bid 0.30000000000000004): it does not make an LP badly scaled (HiGHS drops entries
#: below 1e-9 ~ 2^-30 as it reads a matrix; the certificate judges the answer on the data as given).
RESIDUE = 30


@dataclass(frozen=True)
class Scaling:
    """The factors of one scaled LP (all powers of two)."""

    row: np.ndarray
    col: np.ndarray  # t: the scaled matrix is R A diag(t)
    rho: float  # right-hand sides and bounds
    sigma: float  # costs

    @functools.cached_property
    def identity(self) -> bool:
        return self.rho == 1.0 and self.sigma == 1.0 and bool(np.all(self.row == 1.0) and np.all(self.col == 1.0))

    def apply(self, lp: StandardForm, cache: dict | None = None) -> StandardForm:
        """The scaled standard form (R A diag(t) kept in `cache` for the same A and factors)."""
        if self.identity:
            return lp
        r, t = self.row, self.col
        held = None if cache is None else cache.get("scaled")
        if held is not None and held[0] is lp.A and np.array_equal(held[1], r) and np.array_equal(held[2], t):
            A = held[3]
        else:
            A = _scale_matrix(lp.A, r, t)
            if cache is not None:
                cache["scaled"] = (lp.A, r, t, A)
        T = t / self.rho
        return replace(lp, c=lp.c * t * self.sigma, A=A, row_lower=lp.row_lower * r * self.rho,
                       row_upper=lp.row_upper * r * self.rho, col_lower=lp.col_lower / T,
                       col_upper=lp.col_upper / T)

    def unscale(self, results: dict) -> dict:
        """HiGHS's results on the scaled form, as results on the original form (cvxpy's HIGHS.invert reads them)."""
        if self.identity:
            return results
        r, t, rho, sigma = self.row, self.col, self.rho, self.sigma
        sol = results["solution"]
        out = dict(results)
        out["solution"] = SimpleNamespace(
            value_valid=getattr(sol, "value_valid", True), dual_valid=getattr(sol, "dual_valid", True),
            col_value=np.asarray(sol.col_value, float) * (t / rho),
            row_value=np.asarray(sol.row_value, float) / (r * rho) if len(sol.row_value) else np.zeros(0),
            col_dual=np.asarray(sol.col_dual, float) / (sigma * t) if len(sol.col_dual) else np.zeros(0),
            row_dual=np.asarray(sol.row_dual, float) * r / sigma if len(sol.row_dual) else np.zeros(0),
        )
        info = results["info"]
        info.objective_function_value = info.objective_function_value / (sigma * rho)
        if "dual_ray" in results:
            status, has_ray, ray = results["dual_ray"]
            out["dual_ray"] = (status, has_ray, np.asarray(ray, float) * r)
        return out


def _pow2(x: np.ndarray) -> np.ndarray:
    return np.exp2(np.round(np.log2(x)))


def _scale_matrix(A: sp.csc_matrix, r: np.ndarray, t: np.ndarray) -> sp.csc_matrix:
    """R A diag(t), the same sparsity pattern (exact: powers of two)."""
    A = sp.csc_matrix(A)
    cols = np.repeat(np.arange(A.shape[1]), np.diff(A.indptr))
    scaled = sp.csc_matrix((A.data * r[A.indices] * t[cols], A.indices.copy(), A.indptr.copy()), shape=A.shape)
    scaled.sort_indices()
    return scaled


def _identity(m: int, n: int) -> Scaling:
    scaling = Scaling(np.ones(m), np.ones(n), 1.0, 1.0)
    scaling.__dict__["identity"] = True  # known: skip the check
    return scaling


def _decide(r: np.ndarray, t: np.ndarray, rho: float, sigma: float) -> Scaling:
    """The factors, or the identity when all lie within 2^_THRESHOLD of one."""
    exponents = np.abs(np.log2(np.concatenate([r, t / rho, [rho, sigma, sigma * rho]])))
    if not exponents.size or float(exponents.max()) < _THRESHOLD:
        return _identity(r.size, t.size)
    return Scaling(r, t, rho, sigma)


def matrix_factors(A: sp.csc_matrix) -> tuple[np.ndarray, np.ndarray]:
    """Power-of-two Ruiz factors (r, t) of |A|: row and column maxima of R |A| diag(t) near one."""
    factors = _ruiz(A)
    assert factors is not None  # no proof asked for
    return factors


def _ruiz(A: sp.csc_matrix, proof: Callable[..., bool] | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """`matrix_factors`, or None where `proof` shows on the way that they are the identity.

    proof(r_lo, r_hi, t_lo, t_hi): given the rounded log2 factors' bounds, whether such factors are the identity
    (`_identity_within`); from the second pass on it is asked each pass, and where it holds Ruiz stops and None
    is returned. The bounds: after a pass every entry of R |A| T is at most 1, so later passes only grow the
    factors (the current ones are lower bounds) and, at the stop as now, r_i |a_ij| t_j <= 1 with t_j at least
    its current value: r_i <= r_i / (the current row maximum), and t_j likewise (BIC 4 x 10: the identity shown
    in the second pass, 0.04 s; the full Ruiz's rounded factors settle after 9 passes, 0.12 s)."""
    A = sp.csc_matrix(A)
    m, n = A.shape
    r, t = np.ones(m), np.ones(n)
    if not A.nnz:
        return r, t
    absd = np.abs(A.data)
    rows, counts = A.indices, np.diff(A.indptr)
    # the entries row by row too (scipy's linear-time transpose). The largest entry of row i of R |A| T is
    # r_i max_j |a_ij| t_j: each pass gathers the factors of the other side from a short vector only
    by_row = A.tocsr()
    abs_r, cols_r, row_counts = np.abs(by_row.data), by_row.indices, np.diff(by_row.indptr)
    col_used, row_used = counts > 0, row_counts > 0
    col_starts, row_starts = A.indptr[:-1][col_used], by_row.indptr[:-1][row_used]
    del by_row
    row_max, col_max = np.ones(m), np.ones(n)
    s, s_r = np.empty_like(absd), np.empty_like(abs_r)  # reused: no new pages per pass
    for k in range(_ITERATIONS):
        np.take(r, rows, out=s)
        np.multiply(s, absd, out=s)
        np.take(t, cols_r, out=s_r)
        np.multiply(s_r, abs_r, out=s_r)
        row_max[row_used] = np.maximum.reduceat(s_r, row_starts)
        row_max *= r
        col_max[col_used] = np.maximum.reduceat(s, col_starts)
        col_max *= t
        row_max[row_max <= 0] = 1.0  # rows and columns of stored zeros keep their factor
        col_max[col_max <= 0] = 1.0
        spread = max(float(row_max.max()), 1.0 / float(row_max.min()), float(col_max.max()),
                     1.0 / float(col_max.min()))
        if proof is not None and k > 0:
            log_r, log_t = np.log2(r), np.log2(t)
            if proof(np.round(log_r), np.round(log_r - np.log2(row_max)), np.round(log_t),
                     np.round(log_t - np.log2(col_max))):
                return None
        r = r / np.sqrt(row_max)
        t = t / np.sqrt(col_max)
        if spread < _CONVERGED:  # each pass halves the log-spread: later passes move no factor by 2^(1/32)
            break
    return _pow2(r), _pow2(t)


def geometric_factors(A: sp.csc_matrix, passes: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Power-of-two factors for a matrix whose rows mix magnitudes: geometric-mean passes (each row,
    then each column, divided by sqrt(max * min) of its entries), then Ruiz on the result.

    Ruiz alone has a fixed point there: a row whose largest entry is 1 keeps its 1e-9 entries (Yang's
    IC rows with values and costs times 2^-30 next to transfers of coefficient 1), and HiGHS's
    absolute tolerances then read them as zeros. The geometric passes move such rows and columns
    towards one; the solve path uses them when a HiGHS answer scaled by Ruiz fails its certificate.
    """
    A = sp.csc_matrix(A)
    m, n = A.shape
    if not A.nnz:
        return np.ones(m), np.ones(n)
    kept = np.isfinite(A.data) & (A.data != 0)  # stored zeros carry no magnitude
    logs = np.log2(np.abs(A.data[kept]))  # in exponents: no overflow for entries near the float limits
    rows = A.indices[kept]
    cols = np.repeat(np.arange(n), np.diff(A.indptr))[kept]
    r, t = np.zeros(m), np.zeros(n)
    for _ in range(passes):
        for factors, index, size in ((r, rows, m), (t, cols, n)):
            entries = logs + r[rows] + t[cols]
            high, low = np.full(size, -np.inf), np.full(size, np.inf)
            np.maximum.at(high, index, entries)
            np.minimum.at(low, index, entries)
            used = np.isfinite(high)
            factors[used] -= (high[used] + low[used]) / 2
    balanced = sp.csc_matrix((np.exp2(logs + r[rows] + t[cols]), (rows, cols)), shape=A.shape)
    r2, t2 = matrix_factors(balanced)
    limit = 900.0  # factors stay finite and nonzero in double precision
    return (np.exp2(np.clip(np.round(r + np.log2(r2)), -limit, limit)),
            np.exp2(np.clip(np.round(t + np.log2(t2)), -limit, limit)))


def _ruiz_is_identity(lp: StandardForm, cache: dict | None = None) -> bool:
    """Whether Ruiz's factors would be the identity (`_decide`), shown from bounds without computing them. From
    its first pass on, every entry of R |A| T is at most 1 and the factors only grow, so with M the largest
    entry, r_i in [M^-1/2, M^1/2 / rowmax_i] and t_j in [M^-1/2, M^1/2 / colmax_j] whenever Ruiz stops; rho and
    sigma follow from the rounded bounds. Where every exponent `_decide` reads stays under _THRESHOLD, the
    identity is proven (random games whose gains of 1e-4 beside 1 fail `near_one`: 0.05 s of Ruiz saved at
    430,000 nonzeros); otherwise Ruiz runs."""
    held = None if cache is None else cache.get("ruiz bounds")
    if held is not None and held[0] is lp.A:
        r_lo, r_hi, t_lo, t_hi = held[1]
    else:
        A = sp.csc_matrix(lp.A)
        data = np.abs(A.data)
        half = 0.5 * float(np.log2(data.max())) if (data > 0).any() else 0.0  # no entry: factors stay one
        row_max, col_max = np.zeros(A.shape[0]), np.zeros(A.shape[1])
        np.maximum.at(row_max, A.indices, data)
        used = np.diff(A.indptr) > 0
        col_max[used] = np.maximum.reduceat(data, A.indptr[:-1][used])

        def bounds(top: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # rounded log2 factors, [lo, hi]
            has = top > 0
            lo = np.where(has, -half, 0.0)
            hi = np.where(has, half - np.log2(np.where(has, top, 1.0)), 0.0)
            return np.round(lo), np.round(hi)

        r_lo, r_hi = bounds(row_max)
        t_lo, t_hi = bounds(col_max)
        if cache is not None:
            cache["ruiz bounds"] = (lp.A, (r_lo, r_hi, t_lo, t_hi))

    return _identity_within(lp, r_lo, r_hi, t_lo, t_hi)


def _identity_within(lp: StandardForm, r_lo: np.ndarray, r_hi: np.ndarray, t_lo: np.ndarray,
                     t_hi: np.ndarray) -> bool:
    """Whether every Ruiz factor whose rounded log2 lies in [r_lo, r_hi] (rows) and [t_lo, t_hi] (columns), with
    the rho and sigma these imply, gives the identity (`_decide`: every exponent under _THRESHOLD)."""

    def scale(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> tuple[float, float]:  # log2 of rho or sigma
        values = np.where(np.isfinite(values), values, 0.0)
        if not (values > 0).any():
            return 0.0, 0.0
        big = values > 0
        top_lo = float(np.max(np.log2(values[big]) + lo[big]))
        top_hi = float(np.max(np.log2(values[big]) + hi[big]))
        return float(np.round(-top_hi)), float(np.round(-top_lo))

    rho = scale(_rhs_magnitude(lp), r_lo, r_hi)
    sigma = scale(np.abs(lp.c), t_lo, t_hi)
    widest = max(np.abs(r_lo).max(initial=0.0), np.abs(r_hi).max(initial=0.0),
                 np.abs(t_lo - rho[1]).max(initial=0.0), np.abs(t_hi - rho[0]).max(initial=0.0),
                 abs(rho[0]), abs(rho[1]), abs(sigma[0]), abs(sigma[1]),
                 abs(sigma[0] + rho[0]), abs(sigma[1] + rho[1]))
    return bool(widest < _THRESHOLD)


def _rhs_magnitude(lp: StandardForm) -> np.ndarray:
    b = np.where(np.isfinite(lp.row_upper), np.abs(lp.row_upper), 0.0)
    return np.maximum(b, np.where(np.isfinite(lp.row_lower), np.abs(lp.row_lower), 0.0))


def near_one(lp: StandardForm, cache: dict | None = None) -> bool:
    """Whether every coefficient of A and the largest |b| and |c| lie within 2^_THRESHOLD of one: then
    Ruiz has nothing to do that HiGHS's own scaling does not (its factors would stay within the same
    bound), and the LP goes to HiGHS unchanged without computing them. (A's part is kept in `cache`.)"""
    limit = 2.0 ** _THRESHOLD
    held = None if cache is None else cache.get("near one")
    if held is not None and held[0] is lp.A:
        a_near = held[1]
    else:
        data = np.abs(lp.A.data)
        data = data[data > 0]
        a_near = not (data.size and (float(data.max()) > limit or float(data.min()) < 1.0 / limit))
        if not a_near and data.size and float(data.max()) <= limit:
            a_near = _residues_only(lp.A, 1.0 / limit)
        if cache is not None:
            cache["near one"] = (lp.A, a_near)
    if not a_near:
        return False
    for values in (_rhs_magnitude(lp), np.abs(lp.c)):
        top = float(np.max(values, initial=0.0))
        if top > 0 and not (1.0 / limit <= top <= limit):
            return False
    return True


def _residues_only(A: sp.csc_matrix, low: float) -> bool:
    """Whether every nonzero of |A| below `low` is a round-off residue: below 2^-RESIDUE times the
    largest entry of its row and of its column. Residues are rare (the auctions: 0.1-1.5% of the entries);
    where more than a tenth of a large matrix's entries are small, they are the data: no maxima computed."""
    A = sp.csc_matrix(A)
    absd = np.abs(A.data)
    small = np.flatnonzero((absd > 0) & (absd < low))
    if small.size > max(absd.size // 10, 64):
        return False
    counts = np.diff(A.indptr)
    col_max = np.zeros(A.shape[1])
    used = counts > 0
    col_max[used] = np.maximum.reduceat(absd, A.indptr[:-1][used])
    row_max = np.zeros(A.shape[0])
    marked = np.zeros(A.shape[0], dtype=bool)
    marked[A.indices[small]] = True
    in_rows = marked[A.indices]  # the maxima of the rows that hold small entries only
    np.maximum.at(row_max, A.indices[in_rows], absd[in_rows])
    cols = np.repeat(np.arange(A.shape[1]), counts)[small]
    bound = np.minimum(row_max[A.indices[small]], col_max[cols]) * 2.0 ** -RESIDUE
    return bool(np.all(absd[small] < bound))


def equilibrate(lp: StandardForm, cache: dict | None = None, *, geometric: bool = False,
                median_rhs: bool = False) -> Scaling:
    """Power-of-two factors of the LP (identity when the data are already well scaled).

    LPs whose data lie near one (`near_one`) are not equilibrated. Other LPs: Ruiz factors of A (kept
    in `cache` while A is the same object), then rho and sigma bring
    max |r b| and max |c t| to one. MILPs: Ruiz of [[A, b], [c, 0]], integer columns unscaled.
    geometric=True: `geometric_factors` instead of Ruiz, always applied (the solve path's second try after a
    certificate fails); median_rhs=True (that try): rho from the median |r b|, not the largest.
    """
    if lp.integer:
        return _equilibrate_augmented(lp)
    if not geometric and (near_one(lp, cache) or _ruiz_is_identity(lp, cache)):
        return _identity(*lp.A.shape)
    key = "geometric factors" if geometric else "factors"
    held = None if cache is None else cache.get(key)
    same_a = held if held is not None and held[0] is lp.A else None
    # Ruiz's factors depend on A alone; a stop on the way (None) also on the |b| and |c| it was shown with
    b_mag, c_mag = magnitudes = (_rhs_magnitude(lp), np.abs(lp.c))
    if same_a is not None and (same_a[1] is not None or all(
            np.array_equal(a, b) for a, b in zip(same_a[2], magnitudes, strict=True))):
        factors = same_a[1]
    else:
        factors = geometric_factors(lp.A) if geometric else _ruiz(
            lp.A, None if same_a is not None else lambda *bounds: _identity_within(lp, *bounds))
        if cache is not None:
            cache[key] = (lp.A, factors, magnitudes)
    if factors is None:  # Ruiz stopped where its factors were shown to be the identity
        return _identity(*lp.A.shape)
    r, t = factors
    scaled_b = b_mag * r
    # the retry's rho: the median |r b|, not the largest (a row of rhs 1e9 beside unit rows scaled those to 1e-9,
    # where HiGHS's absolute tolerance let them be violated by 5e-4; the certificate holds each row to its own size)
    positive = scaled_b[(scaled_b > 0) & np.isfinite(scaled_b)]
    rhs = float(np.sort(positive)[(positive.size - 1) // 2]) if median_rhs and positive.size else \
        float(np.max(scaled_b, initial=0.0))  # the lower median: of 1e10 and 1, 1
    rho = float(_pow2(np.array(1.0 / rhs))) if rhs > 0 and np.isfinite(rhs) else 1.0
    cost = float(np.max(c_mag * t, initial=0.0))
    sigma = float(_pow2(np.array(1.0 / cost))) if cost > 0 and np.isfinite(cost) else 1.0
    return Scaling(r, t, rho, sigma) if geometric else _decide(r, t, rho, sigma)


def _equilibrate_augmented(lp: StandardForm) -> Scaling:
    """Power-of-two Ruiz factors of [[A, b], [c, 0]], integer columns tied to rho (T = 1)."""
    m, n = lp.A.shape
    absA = abs(sp.csc_matrix(lp.A))
    b = _rhs_magnitude(lp)
    c = np.abs(lp.c)
    fixed = np.zeros(n, bool)
    fixed[lp.integer] = True
    r, t, rho, sigma = np.ones(m), np.ones(n), 1.0, 1.0
    for _ in range(_ITERATIONS):
        S = sp.csr_matrix(sp.diags(r) @ absA @ sp.diags(t))
        row_max = np.maximum(S.max(axis=1).toarray().ravel() if m else np.zeros(0), b * r * rho)
        cost_max = float(np.max(c * t * sigma, initial=0.0))
        col_max = np.maximum(S.max(axis=0).toarray().ravel() if m else np.zeros(n), c * t * sigma)
        rhs_max = float(np.max(b * r * rho, initial=0.0))
        r = r / np.sqrt(np.where(row_max > 0, row_max, 1.0))
        sigma = sigma / np.sqrt(cost_max) if cost_max > 0 else sigma
        t = np.where(fixed, t, t / np.sqrt(np.where(col_max > 0, col_max, 1.0)))
        rho = rho / np.sqrt(rhs_max) if rhs_max > 0 else rho
        t = np.where(fixed, rho, t)  # integer columns: T = t / rho = 1
    r, t = _pow2(r), _pow2(t)
    rho, sigma = float(_pow2(np.array(rho))), float(_pow2(np.array(sigma)))
    t = np.where(fixed, rho, t)
    return _decide(r, t, rho, sigma)

"""Exact power-of-two scaling of an LP in HiGHS's standard form, so HiGHS solves a well-scaled problem.

HiGHS's tolerances are absolute (1e-7 by default): on data of magnitude 1e-8 every basis is
"optimal", on data of magnitude 1e12 exact answers are "infeasible". So the solve path hands HiGHS
the problem scaled to magnitude one and unscales its answer:

    x = T x',   scaled problem  min (sigma c T) x'  s.t.  R rl rho <= R A T' x' <= R ru rho, ...

with R (rows), t (columns), rho (right-hand sides) and sigma (costs) found by Ruiz equilibration
of the augmented matrix [[A, b], [c, 0]] and rounded to powers of two, so that scaling and
unscaling are exact in floating point: a problem whose data are multiplied by 2^k is solved as the
very same scaled problem. Columns of integer variables are never scaled.

Unscaling (T = t / rho): x = T x', row activity = activity' / (r rho), row duals y = r y' / sigma,
column duals z = z' / (sigma t), optimal value = value' / (sigma rho).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from .highs import StandardForm

#: Ruiz iterations (each halves the log-spread of row and column magnitudes).
_ITERATIONS = 20
#: Scale only when some factor is at least 2^_THRESHOLD away from one: data within a factor ~1000
#: of magnitude one go to HiGHS unchanged (its own scaling handles them, and its pivots stay as they were).
_THRESHOLD = 10


@dataclass(frozen=True)
class Scaling:
    """The factors of one scaled LP (all powers of two)."""

    row: np.ndarray
    col: np.ndarray  # t: the scaled matrix is R A diag(t)
    rho: float  # right-hand sides and bounds
    sigma: float  # costs

    @property
    def identity(self) -> bool:
        return self.rho == 1.0 and self.sigma == 1.0 and bool(np.all(self.row == 1.0) and np.all(self.col == 1.0))

    def apply(self, lp: StandardForm) -> StandardForm:
        """The scaled standard form."""
        if self.identity:
            return lp
        r, t = self.row, self.col
        A = sp.csc_matrix(sp.diags(r) @ lp.A @ sp.diags(t))
        A.sort_indices()
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


def equilibrate(lp: StandardForm) -> Scaling:
    """Power-of-two Ruiz factors of [[A, b], [c, 0]] (identity when the data are already well scaled)."""
    m, n = lp.A.shape
    absA = abs(sp.csc_matrix(lp.A))
    b = np.where(np.isfinite(lp.row_upper), np.abs(lp.row_upper), 0.0)
    lower = np.where(np.isfinite(lp.row_lower), np.abs(lp.row_lower), 0.0)
    b = np.maximum(b, lower)
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
    exponents = np.abs(np.log2(np.concatenate([r, t / rho, [rho, sigma, sigma * rho]])))
    if not exponents.size or float(exponents.max()) < _THRESHOLD:
        return Scaling(np.ones(m), np.ones(n), 1.0, 1.0)
    return Scaling(r, t, rho, sigma)


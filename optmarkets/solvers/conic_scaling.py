"""A conic program solved by Clarabel scaled to magnitude one and unscaled exactly.

cvxpy hands Clarabel  min 1/2 x'Px + c'x  s.t.  Ax + s = b, s in K  (K a product of zero,
non-negative, second-order, PSD, exponential and power cones). Interior points stop on residuals
next to max(1, |b|, |c|, ...): on data of 1e-6 that is a loose absolute tolerance, on data of 1e6 a
tight one, and Clarabel's own equilibration (of A only, within 1e-4..1e4) does not reach them. Here
the program is changed exactly before the call:

    x = D x~,  s = E^-1 s~,  objective / gamma:
    P~ = D P D / gamma,  c~ = D c / gamma,  A~ = E A D,  b~ = E b,

with E a map of K onto itself: one positive factor per row of the zero and non-negative cones, per
block of the other cones, and on each exponential cone also the automorphism
(u, v, w) -> (u - v log sigma, v, w / sigma) (v e^{u/v} <= w is kept), which moves a block whose third
row is of magnitude sigma beside a second row of one (log u with u ~ 1e-6) to magnitude one.
Clarabel's answer maps back as x = D x~, z = gamma E' z~ (then KKT holds for the original data),
objective = gamma * its objective. D is one unless a previous answer x0 is given: then the columns are
scaled by |x0| (at least COLUMN_SCALE_FLOOR of its largest), the "rescaled" retry of the solve path.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import scipy.sparse as sp

from ..core.tolerances import COLUMN_SCALE_FLOOR, DIVISION_FLOOR
from . import cvxpy_internals as internals


def _cone_rows(dims: Any, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: its block's id (rows of one block share a factor), and the first rows of the
    exponential cones (their blocks get the automorphism)."""
    sizes = [1] * (int(dims.zero) + int(dims.nonneg)) + [int(q) for q in dims.soc] + \
        [int(k) * (int(k) + 1) // 2 for k in dims.psd]
    n_exp = int(dims.exp)
    sizes += [3] * n_exp + [3] * len(dims.p3d)
    block = np.repeat(np.arange(len(sizes)), sizes)
    if block.size != m:
        raise ValueError(f"cone sizes add up to {block.size} rows, the data has {m}")
    first_exp = int(sum(sizes[: len(sizes) - n_exp - len(dims.p3d)]))
    exp_rows = first_exp + 3 * np.arange(n_exp)
    return block, exp_rows, np.asarray(sizes)


def _row_map(A: sp.csc_matrix, b: np.ndarray, dims: Any) -> sp.csr_matrix:
    """E: one factor per block (1 / its largest entry of [A b]), after the exponential cones'
    automorphism that brings their third row to the magnitude of their second."""
    m = A.shape[0]
    rowmax = np.maximum(np.asarray(abs(A).max(axis=1).todense()).ravel() if A.nnz else np.zeros(m), np.abs(b))
    block, exp_rows, _sizes = _cone_rows(dims, m)
    u, v, w = exp_rows, exp_rows + 1, exp_rows + 2
    ok = (rowmax[v] > 0) & (rowmax[w] > 0)
    sigma = np.where(ok, rowmax[w] / np.where(ok, rowmax[v], 1.0), 1.0)
    log_sigma = np.log(sigma)
    # the magnitude of each row after the automorphism: u - v log(sigma), v, w / sigma
    after = rowmax.copy()
    after[u] = rowmax[u] + np.abs(log_sigma) * rowmax[v]
    after[w] = rowmax[w] / sigma
    largest = np.zeros(int(block.max()) + 1 if block.size else 0)
    np.maximum.at(largest, block, after)
    factor = np.where(largest > 0, 1.0 / np.maximum(largest, DIVISION_FLOOR), 1.0)[block]
    rows = np.concatenate([np.arange(m), u])
    cols = np.concatenate([np.arange(m), v])
    scale = np.ones(m)
    scale[w] = 1.0 / sigma
    vals = np.concatenate([factor * scale, -factor[u] * log_sigma])
    return sp.csr_matrix((vals, (rows, cols)), shape=(m, m))


#: Clarabel's statuses that claim no optimum exists: a scaling can make them wrongly (see `solve`)
_NO_OPTIMUM = ("PrimalInfeasible", "DualInfeasible", "AlmostPrimalInfeasible", "AlmostDualInfeasible")


def solve(data: dict, options: dict, verbose: bool, x0: np.ndarray | None = None) -> SimpleNamespace:
    """Clarabel's answer to cvxpy's `data`, solved scaled (module docstring) and mapped back: an object
    with the attributes cvxpy's Clarabel interface reads (status, x, z, obj_val, solve_time, iterations).

    A claim that no optimum exists is checked by two other scalings before it stands: the rows' factors
    divide by |b| where it dominates A, which shrinks A while x stays large (min x^2 s.t. x >= 1e6 came back
    "infeasible"); the data unscaled, then the columns scaled by the magnitude of x the rows imply (|b_i| /
    |a_ij|). The first of these that finds an optimum is returned."""
    out = _solve(data, options, verbose, x0)
    if str(out.status) not in _NO_OPTIMUM:
        return out
    for retry in (_solve(data, options, verbose, None, scaled=False),
                  _solve(data, options, verbose, _implied_magnitude(data))):
        if str(retry.status) in ("Solved", "AlmostSolved"):
            return retry
    return out


def _implied_magnitude(data: dict) -> np.ndarray:
    """Per column, the largest |b_i| / |a_ij| over its entries: the size of x that its rows call for."""
    A = sp.csc_matrix(data["A"])
    b = np.abs(np.asarray(data["b"], float))
    ratio = b[A.indices] / np.maximum(np.abs(A.data), DIVISION_FLOOR)
    out = np.zeros(A.shape[1])
    np.maximum.at(out, np.repeat(np.arange(A.shape[1]), np.diff(A.indptr)), ratio)
    return np.maximum(out, 1.0)


def _solve(data: dict, options: dict, verbose: bool, x0: np.ndarray | None,
           scaled: bool = True) -> SimpleNamespace:
    import clarabel

    A = sp.csc_matrix(data["A"])
    b = np.asarray(data["b"], float)
    c = np.asarray(data["c"], float)
    n = c.size
    P = sp.csc_matrix(data["P"]) if data.get("P") is not None else sp.csc_matrix((n, n))
    d = np.ones(n)
    if x0 is not None and x0.size == n and np.isfinite(x0).all() and np.abs(x0).max() > 0:
        mag = np.abs(x0)
        d = np.maximum(mag, COLUMN_SCALE_FLOOR * mag.max())
    D = sp.diags(d)
    AD = (A @ D).tocsc()
    E = _row_map(AD, b, data["dims"]) if scaled else sp.identity(A.shape[0], format="csr")
    A_s = (E @ AD).tocsc()
    b_s = E @ b
    c_s = d * c
    P_s = (D @ P @ D).tocsc()
    gamma = max(float(np.abs(c_s).max(initial=0.0)), float(abs(P_s).max()) if P_s.nnz else 0.0)
    gamma = gamma if gamma > 0 and scaled else 1.0
    settings = internals.clarabel_settings(verbose, options)
    solver = clarabel.DefaultSolver(sp.triu(P_s / gamma).tocsc(), c_s / gamma, A_s, b_s,
                                    internals.clarabel_cones(data), settings)
    out = solver.solve()
    x = None if out.x is None else d * np.asarray(out.x, float)
    z = None if out.z is None else gamma * (E.T @ np.asarray(out.z, float))
    return SimpleNamespace(status=out.status, x=x, z=z, s=None, obj_val=gamma * float(out.obj_val),
                           solve_time=out.solve_time, iterations=out.iterations)

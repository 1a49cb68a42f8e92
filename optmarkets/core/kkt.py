"""The pieces of the certificate that convex (non-LP) models need: whether cvxpy's gradients can be
trusted at the point (`kink`), the objective's magnitude without cancellation (`objective_terms`), and
a semidefinite variable's reduced cost in its dual cone (`cone_residual`). `core.certificate` uses them."""

from __future__ import annotations

from typing import Any

import cvxpy as cp
import numpy as np
import scipy.sparse as sp

from .tolerances import DIVISION_FLOOR


def kink(expr: Any, what: str) -> str | None:
    """`what` when the expression's gradient at the current point is undefined or not finite (a kink,
    a log at 0), else None: the KKT residuals cannot be formed there."""
    if not isinstance(expr, cp.Expression) or not expr.variables():
        return None
    stack = [expr]
    while stack:  # a piecewise-linear atom (max, abs, pos, norm1) has kinks where cvxpy's grad picks a side
        node = stack.pop()
        if not node.is_affine() and node.is_pwl():
            return f"{what} (piecewise-linear {type(node).__name__})"
        stack.extend(arg for arg in getattr(node, "args", ()) if isinstance(arg, cp.Expression) and not arg.is_affine())
    if any(g is None or not np.isfinite(matrix(g).data).all() for g in expr.grad.values()):
        return what
    return None



def objective_terms(objective: Any) -> float:
    """The objective's magnitude at the point without cancellation: sum over its additive terms (through
    sums, negations and constant factors) and over each term's entries of |d entry / dx| . |x|. For an
    LP it is sum |c_j x_j|; for lam * sum(rel_entr(mu, p m)) it is ~lam * sum mu, where the gradient of
    the whole, summed over entries, can cancel to ~0 at the optimum (no information bought)."""
    if not isinstance(objective, cp.Expression):
        return 0.0
    total, stack = 0.0, [(1.0, objective)]
    while stack:
        weight, expr = stack.pop()
        if isinstance(expr, cp.atoms.affine.add_expr.AddExpression | cp.atoms.affine.sum.Sum):
            stack.extend((weight, arg) for arg in expr.args)
        elif isinstance(expr, cp.atoms.affine.unary_operators.NegExpression):
            stack.append((weight, expr.args[0]))
        elif isinstance(expr, cp.atoms.affine.binary_operators.MulExpression | cp.multiply) and \
                any(a.is_constant() and a.size == 1 for a in expr.args):
            const, other = (expr.args if expr.args[0].is_constant() and expr.args[0].size == 1 else expr.args[::-1])
            stack.append((weight * abs(float(np.asarray(const.value, float).reshape(-1)[0])), other))
        elif expr.variables():
            for var, g in expr.grad.items():
                if g is not None and var.value is not None:
                    x = np.abs(np.asarray(var.value, float).ravel(order="F"))
                    total += weight * float(np.sum(abs(matrix(g)).T @ x))
    return total



def cone_residual(reduced: np.ndarray, magnitude: np.ndarray, var: Any, sense: str) -> tuple[float, float, float]:
    """A semidefinite variable's dual infeasibility: its reduced cost R (a matrix) must lie in the dual
    cone of its domain, PSD for a PSD variable of a minimisation (NSD for a maximisation, the other way
    for an NSD variable); the residual is R's most negative eigenvalue there (only R's symmetric part
    meets a symmetric variable), relative to the largest of its entries' terms."""
    n = var.shape[0]
    matrix = reduced.reshape((n, n), order="F")
    sign = (1.0 if sense == "min" else -1.0) * (1.0 if var.attributes.get("PSD") else -1.0)
    worst = max(0.0, -float(np.linalg.eigvalsh(sign * (matrix + matrix.T) / 2).min()))
    relative = worst / max(float(np.max(magnitude, initial=0.0)), DIVISION_FLOOR) if worst > 0 else 0.0
    return worst, relative, relative



def matrix(g: Any) -> sp.csc_matrix:
    """A cvxpy gradient (variable entries x expression entries) as a sparse matrix."""
    if sp.issparse(g):
        return sp.csc_matrix(g)
    arr = np.asarray(g, float)
    return sp.csc_matrix(arr.reshape(-1, 1) if arr.ndim < 2 else arr)

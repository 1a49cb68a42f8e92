"""The pieces of the certificate that convex (non-LP) models need: whether cvxpy's gradients can be
trusted at the point (`kink`: a piecewise-linear atom, a p-norm whose argument is ~0), the objective's
magnitude without cancellation (`objective_terms`, per column `gradient_terms`), and
a semidefinite variable's reduced cost in its dual cone (`cone_residual`). `core.certificate` uses them."""

from __future__ import annotations

from typing import Any

import cvxpy as cp
import numpy as np
import scipy.sparse as sp
from cvxpy.atoms.pnorm import Pnorm

from .tolerances import DIVISION_FLOOR, NORM_KINK_TOL


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
        if isinstance(node, Pnorm) and _at_zero(node.args[0]):
            return f"{what} ({type(node).__name__} at its kink, argument ~0)"
        stack.extend(arg for arg in getattr(node, "args", ()) if isinstance(arg, cp.Expression) and not arg.is_affine())
    if any(g is None or not np.isfinite(matrix(g).data).all() for g in expr.grad.values()):
        return what
    return None



def _at_zero(arg: Any) -> bool:
    """Whether a norm's argument is ~0 beside its own terms (`NORM_KINK_TOL`): there its gradient is undefined."""
    value = np.asarray(arg.value, float).ravel(order="F")
    terms = np.zeros(value.size)
    linear = np.zeros(value.size)
    for var, g in (arg.grad or {}).items() if arg.variables() else ():
        if g is None or var.value is None:
            return False
        x = np.asarray(var.value, float).ravel(order="F")
        terms += np.asarray(abs(matrix(g)).T @ np.abs(x)).ravel()
        linear += np.asarray(matrix(g).T @ x).ravel()
    terms += np.abs(value - linear)  # the constant part (b in a x - b)
    scale = float(np.max(terms, initial=0.0))
    return scale > 0.0 and float(np.linalg.norm(value)) <= NORM_KINK_TOL * scale


def objective_terms(objective: Any) -> float:
    """The objective's magnitude at the point without cancellation: sum over its additive terms (through
    sums, negations and constant factors) and over each term's entries of |d entry / dx| . |x|. For an
    LP it is sum |c_j x_j|; for lam * sum(rel_entr(mu, p m)) it is ~lam * sum mu, where the gradient of
    the whole, summed over entries, can cancel to ~0 at the optimum (no information bought)."""
    total = 0.0
    for weight, g, var in _additive_gradients(objective):
        x = np.abs(np.asarray(var.value, float).ravel(order="F"))
        total += weight * float(np.sum(abs(g).T @ x))
    return total


def gradient_terms(objective: Any) -> dict[Any, np.ndarray]:
    """Per variable, each entry's |d f / dx_j| summed over the objective's additive terms without cancellation
    (`objective_terms`' decomposition): for -(x'Qx - q.x) it is |2Qx| + |q|, where the gradient 2Qx - q of the
    whole is ~0 at an interior maximiser and a reduced cost of round-off read as 100% of it."""
    out: dict[Any, np.ndarray] = {}
    for weight, g, var in _additive_gradients(objective):
        column = weight * np.asarray(abs(g).sum(axis=1), float).ravel()  # |d term / dx_j| summed over entries
        out[var] = out[var] + column if var in out else column
    return out


def _additive_gradients(objective: Any) -> list[tuple[float, Any, Any]]:
    """(|constant factor|, gradient matrix, variable) of each additive term of the objective (through sums,
    negations and scalar constant factors) at the current point."""
    if not isinstance(objective, cp.Expression):
        return []
    out: list[tuple[float, Any, Any]] = []
    stack: list[tuple[float, Any]] = [(1.0, objective)]
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
            out.extend((weight, matrix(g), var) for var, g in expr.grad.items()
                       if g is not None and var.value is not None)
    return out



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

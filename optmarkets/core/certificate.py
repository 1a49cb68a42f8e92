"""The certificate: optimality evidence recomputed from the data at the returned point and duals.

Primal: every family's largest violation and every variable's domain (sign, integrality).
Dual (LPs): with prices y = dV/d(rhs), the Lagrangian L(x) = f(x) + sum y (rhs - lhs) is affine;
its gradient r (reduced costs) must vanish on free variables and be <= 0 (max) or >= 0 (min) on
non-negative ones; then the dual objective is L(x) - r.x, and the gap is |sum y*slack - r.x|.

Every residual is also given relative to the magnitude of the data it is computed from, so that a
certificate means the same at any scale of the data (`Certificate.relative`, what `ok()` decides on):
- a family's violation / the family's row magnitude: max over its rows of sum |a_ij x_j| + |b_i|
  (the terms the row's activity and right-hand side are made of), but at least max |a_ij| max |x_j|
  (a family whose rows are all ~0 at this point is measured by its coefficients);
- a sign violation of variable v / max |x_v| (at least DOMAIN_FLOOR times the model's largest |x|);
  integrality stays absolute (integers have no unit);
- the reduced costs of variable v / max over its entries of |grad f_j| + sum_i |y_i a_ij|;
- the duality gap, complementary slackness and wrong-signed prices (each |y_i| times its row's
  magnitude) / the objective's magnitude: max(sum |grad f_j x_j|, sum_i |y_i| * row magnitude_i).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from .family import PRICE_SIGN, Family
from .solution import Certificate

if TYPE_CHECKING:
    from .model import Model

#: The smallest magnitude a residual is divided by (so 0 / 0 reads as 0).
_TINY = 1e-300
#: A variable that is ~0 everywhere is measured against this fraction of the largest |x| of the model.
DOMAIN_FLOOR = 1e-3


def certify(model: Model) -> Certificate:
    """Recompute residuals from the data at the current variable values and duals.

    Primal: every family's largest violation and every variable's domain (sign, integrality).
    Dual (LPs): with prices y = dV/d(rhs), the Lagrangian L(x) = f(x) + sum y (rhs - lhs) is
    affine; its gradient r (reduced costs) must vanish on free variables and be <= 0 (max) or
    >= 0 (min) on non-negative ones; then the dual objective is L(x) - r.x, and the gap is
    |sum y*slack - r.x|. Each residual is also divided by its data's magnitude (module docstring).
    """
    affine = model.is_lp
    viol: dict[str, float] = {}
    rel: dict[str, float] = {}
    rows: dict[str, tuple[dict, np.ndarray]] = {}  # family -> (grads of lhs - rhs, row magnitudes)
    for name, fam in model.families.items():
        viol[name] = fam.violation()
        linear = fam.lhs.is_affine() and (not isinstance(fam.rhs, cp.Expression) or fam.rhs.is_affine())
        grads, magnitude, floor = _rows(fam, linear)  # affine families of a MILP too
        rows[name] = (grads, magnitude)
        # a family whose rows are all ~0 at this point (a zero allocation, a zero rhs) is measured by
        # its coefficients times its variables' magnitude: max |a_ij| * max |x_j|
        rel[name] = _ratio(viol[name], max(float(np.max(magnitude, initial=0.0)), floor))
    x_scale = max((float(np.max(np.abs(np.asarray(v.var.value, float)), initial=0.0))
                   for v in model.variables.values()), default=0.0)
    for name, v in model.variables.items():
        x, attrs = np.asarray(v.var.value, float), v.var.attributes
        if attrs["nonneg"] or attrs["boolean"]:
            key = f"{name} >= 0"
            viol[key] = float(max(0.0, -x.min())) if x.size else 0.0
            # a variable that is ~0 everywhere is measured against the model's primal magnitude
            rel[key] = _ratio(viol[key], max(float(np.max(np.abs(x), initial=0.0)), DOMAIN_FLOOR * x_scale))
        if attrs["integer"] or attrs["boolean"]:
            key = f"{name} integral"
            viol[key] = float(np.abs(x - np.round(x)).max()) if x.size else 0.0
            rel[key] = viol[key]
    cert = Certificate(pd.Series(viol, dtype=float, name="violation"))
    cert.relative = pd.Series({f"violation[{k}]": r for k, r in rel.items()}, dtype=float, name="relative")
    duals = {n: f.constraint.dual_value for n, f in model.families.items()}
    if not affine or any(d is None for d in duals.values()):
        cert.notes.append("dual residuals not computed (integer variables, non-LP, or no duals)")
        return cert
    _dual_residuals(model, cert, rows)
    return cert


def _rows(fam: Family, affine: bool) -> tuple[dict, np.ndarray, float]:
    """The gradients of lhs - rhs (affine families), each row's magnitude sum |a_ij x_j| + |b_i|, and
    the family's coefficient floor max |a_ij| * max |x_j|."""
    lhs = np.asarray(fam.lhs.value, float).ravel(order="F")
    rhs = np.broadcast_to(np.asarray(_value(fam.rhs), float), fam.lhs.shape).ravel(order="F")
    if not affine:
        return {}, np.maximum(np.abs(lhs), np.abs(rhs)), 0.0
    expr = fam.lhs - fam.rhs
    grads = {var: _matrix(g) for var, g in (expr.grad or {}).items() if g is not None}
    linear = np.zeros(lhs.size)
    terms = np.zeros(lhs.size)
    floor = 0.0
    for var, g in grads.items():
        x = np.asarray(var.value, float).ravel(order="F")
        linear = linear + np.asarray(g.T @ x).ravel()
        terms = terms + np.asarray(abs(g).T @ np.abs(x)).ravel()
        if g.nnz and x.size:
            floor = max(floor, float(abs(g).max()) * float(np.abs(x).max()))
    constant = (lhs - rhs) - linear  # the data part of lhs - rhs (rhs and constants in lhs)
    return grads, terms + np.maximum(np.abs(constant), np.abs(rhs)), floor


def _dual_residuals(model: Model, cert: Certificate, rows: dict[str, tuple[dict, np.ndarray]]) -> None:
    sign_viol, cs, slack_term = 0.0, 0.0, 0.0
    rel_sign = 0.0
    dual_terms = 0.0  # sum |y_i| * row magnitude_i
    objective = model.objective
    fgrad = objective.grad if isinstance(objective, cp.Expression) else {}
    reduced: dict[Any, np.ndarray] = {}  # variable -> grad f - sum_f G_f y_f
    magnitude: dict[Any, np.ndarray] = {}  # variable -> |grad f| + sum_f |G_f| |y_f|
    for v in model.variables.values():
        g = fgrad.get(v.var)
        r = np.zeros(v.var.size) if g is None else _matrix(g).toarray().ravel()
        reduced[v.var], magnitude[v.var] = r.copy(), np.abs(r)
    for name, fam in model.families.items():
        grads, row_mag = rows[name]
        y = PRICE_SIGN[(model.sense, fam.sense)] * np.asarray(fam.constraint.dual_value, float)
        y = np.broadcast_to(y, fam.lhs.shape).ravel(order="F")
        s = np.broadcast_to(fam.slack(), fam.lhs.shape).ravel(order="F")
        dual_terms += float(np.sum(np.abs(y) * row_mag))
        if fam.sense != "==":
            # max: <= rows need y >= 0, >= rows y <= 0 (slack is oriented so y*slack >= 0 is right)
            wrong = np.maximum(-y if (fam.sense == "<=") == (model.sense == "max") else y, 0.0)
            sign_viol = max(sign_viol, float(np.max(wrong, initial=0.0)))
            rel_sign = max(rel_sign, float(np.max(wrong * row_mag, initial=0.0)))
            cs = max(cs, float(np.max(np.abs(y * s), initial=0.0)))
        # y = dV/d(rhs) is the multiplier of (rhs - lhs) for every sense
        diff = np.asarray(_value(fam.rhs), float) - np.asarray(fam.lhs.value, float)
        slack_term += float(np.sum(y * np.broadcast_to(diff, fam.lhs.shape).ravel(order="F")))
        for var, g in grads.items():
            if var in reduced:
                reduced[var] = reduced[var] - np.asarray(g @ y).ravel()
                magnitude[var] = magnitude[var] + np.asarray(abs(g) @ np.abs(y)).ravel()
    dual_inf, rel_inf, rx, primal_terms = 0.0, 0.0, 0.0, 0.0
    for v in model.variables.values():
        r, mag = reduced[v.var], magnitude[v.var]
        x = np.asarray(v.var.value, float).ravel(order="F")
        rx += float(r @ x)
        g = fgrad.get(v.var)
        if g is not None:
            primal_terms += float(np.abs(_matrix(g).toarray().ravel()) @ np.abs(x))
        bad = (r if model.sense == "max" else -r) if v.var.attributes["nonneg"] else np.abs(r)
        worst = float(np.max(np.maximum(bad, 0.0), initial=0.0))
        dual_inf = max(dual_inf, worst)
        rel_inf = max(rel_inf, _ratio(worst, float(np.max(mag, initial=0.0))))
    gap = abs(slack_term - rx)
    value = float(np.asarray(_value(objective), float)) if objective is not None else 0.0
    scale = max(primal_terms, dual_terms, abs(value), abs(value - gap))
    cert.dual_sign = sign_viol
    cert.dual_infeasibility = dual_inf
    cert.complementary_slackness = cs
    cert.duality_gap = gap
    cert.objective_scale = scale
    relative = {"dual_sign": _ratio(rel_sign, scale), "dual_infeasibility": rel_inf,
                "complementary_slackness": _ratio(cs, scale), "duality_gap": _ratio(gap, scale)}
    cert.relative = pd.concat([cert.relative, pd.Series(relative, dtype=float)]).rename("relative")


def _ratio(residual: float, magnitude: float) -> float:
    if residual <= 0.0:
        return 0.0
    return residual / max(magnitude, _TINY)


def _matrix(g: Any) -> sp.csc_matrix:
    """A cvxpy gradient (variable entries x expression entries) as a sparse matrix."""
    if sp.issparse(g):
        return sp.csc_matrix(g)
    arr = np.asarray(g, float)
    return sp.csc_matrix(arr.reshape(-1, 1) if arr.ndim < 2 else arr)


def _value(expr: Any) -> Any:
    return expr.value if isinstance(expr, cp.Expression) else expr


def objective_magnitude(model: Model) -> float:
    """The magnitude of the objective at the current point: sum |grad f_j x_j| + |constant| (affine
    objectives), else |f(x)|; what a relative slack on the optimal value is measured against."""
    objective = model.objective
    if not isinstance(objective, cp.Expression) or objective.value is None:
        return 0.0
    value = float(np.asarray(objective.value, float).reshape(-1)[0])
    if not objective.is_affine():
        return abs(value)
    terms, linear = 0.0, 0.0
    for var, g in (objective.grad or {}).items():
        if g is None or var.value is None:
            continue
        coef = _matrix(g).toarray().ravel()
        x = np.asarray(var.value, float).ravel(order="F")
        terms += float(np.abs(coef) @ np.abs(x))
        linear += float(coef @ x)
    return max(abs(value), terms + abs(value - linear))

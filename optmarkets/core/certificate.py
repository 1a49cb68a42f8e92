"""The certificate: optimality evidence recomputed from the data at the returned point and duals.

Primal: every family's largest violation and every variable's domain (sign, integrality).
Dual (LPs): with prices y = dV/d(rhs), the Lagrangian L(x) = f(x) + sum y (rhs - lhs) is affine;
its gradient r (reduced costs) must vanish on free variables and be <= 0 (max) or >= 0 (min) on
non-negative ones; then the dual objective is L(x) - r.x, and the gap is |sum y*slack - r.x|.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import cvxpy as cp
import numpy as np
import pandas as pd

from .family import PRICE_SIGN
from .solution import Certificate

if TYPE_CHECKING:
    from .model import Model


def certify(model: Model) -> Certificate:
    """Recompute residuals from the data at the current variable values and duals.

    Primal: every family's largest violation and every variable's domain (sign, integrality).
    Dual (LPs): with prices y = dV/d(rhs), the Lagrangian L(x) = f(x) + sum y (rhs - lhs) is
    affine; its gradient r (reduced costs) must vanish on free variables and be <= 0 (max) or
    >= 0 (min) on non-negative ones; then the dual objective is L(x) - r.x, and the gap is
    |sum y*slack - r.x|.
    """
    viol = {name: fam.violation() for name, fam in model.families.items()}
    for name, v in model.variables.items():
        x, attrs = np.asarray(v.var.value, float), v.var.attributes
        if attrs["nonneg"] or attrs["boolean"]:
            viol[f"{name} >= 0"] = float(max(0.0, -x.min())) if x.size else 0.0
        if attrs["integer"] or attrs["boolean"]:
            viol[f"{name} integral"] = float(np.abs(x - np.round(x)).max()) if x.size else 0.0
    cert = Certificate(pd.Series(viol, dtype=float, name="violation"))
    duals = {n: f.constraint.dual_value for n, f in model.families.items()}
    if not model.is_lp or any(d is None for d in duals.values()):
        cert.notes.append("dual residuals not computed (integer variables, non-LP, or no duals)")
        return cert
    _dual_residuals(model, cert)
    return cert

def _dual_residuals(model: Model, cert: Certificate) -> None:
    sign_viol, cs, lagrangian, slack_term = 0.0, 0.0, model.objective, 0.0
    for fam in model.families.values():
        y = PRICE_SIGN[(model.sense, fam.sense)] * np.asarray(fam.constraint.dual_value, float)
        s = fam.slack()
        if fam.sense != "==":
            # max: <= rows need y >= 0, >= rows y <= 0 (slack is oriented so y*slack >= 0 is right)
            wrong = -y if (fam.sense == "<=") == (model.sense == "max") else y
            sign_viol = max(sign_viol, float(np.max(wrong, initial=0.0)))
            cs = max(cs, float(np.max(np.abs(y * s), initial=0.0)))
        # y = dV/d(rhs) is the multiplier of (rhs - lhs) for every sense
        slack_term += float(np.sum(y * (np.asarray(_value(fam.rhs)) - np.asarray(fam.lhs.value))))
        lagrangian = lagrangian + cp.sum(cp.multiply(y, fam.rhs - fam.lhs))  # rhs may hold variables
    grads = lagrangian.grad if isinstance(lagrangian, cp.Expression) else {}
    dual_inf, rx = 0.0, 0.0
    for v in model.variables.values():
        g = grads.get(v.var)
        r = np.zeros(v.var.size) if g is None else np.asarray(g.todense() if hasattr(g, "todense") else g).ravel()
        x = np.asarray(v.var.value, float).ravel(order="F")
        rx += float(r @ x)
        if v.var.attributes["nonneg"]:
            bad = r if model.sense == "max" else -r
            dual_inf = max(dual_inf, float(np.max(bad, initial=0.0)))
        else:
            dual_inf = max(dual_inf, float(np.max(np.abs(r), initial=0.0)))
    cert.dual_sign = sign_viol
    cert.dual_infeasibility = dual_inf
    cert.complementary_slackness = cs
    cert.duality_gap = abs(slack_term - rx)


def _value(expr: Any) -> Any:
    return expr.value if isinstance(expr, cp.Expression) else expr

"""Exact rays of unbounded LPs: a direction along which every constraint stays satisfied and the
objective improves without end.

On the standard form (`solvers.ranging.model_form`: min c.x, A_i x = b_i on equality rows,
A_i x <= b_i on inequality rows, l <= x <= u), d is a ray when A_i d = 0 on equality rows,
A_i d <= 0 on inequality rows, d_j >= 0 where l_j is finite, d_j <= 0 where u_j is finite, and
c.d < 0: from any feasible point x, x + t d is feasible for every t >= 0 and its cost falls by
-c.d per unit of t. (The ray proves unboundedness given a feasible point, which the solver's
"unbounded" status asserts; the ray itself is what is checked here.)

Found as `farkas.farkas` finds its certificates: an auxiliary LP in floating point (the conditions
above with c.d = -1, least sum of |d_j|, so a vertex with a small support), solved equilibrated
(`farkas.equilibrate`), rounded to the simplest rationals within half an ulp, an entry negligible only
in its own units, those of the equilibrated LP (`farkas.rounded`), and checked exactly on the standard
form's rational data; where rounding breaks it, solved exactly on its support (the rows it keeps tight
held tight exactly, c.d = -1). Unscaled, the ray (1, K) of rows x1 - K x0 >= 0, x1 <= 1 + x0 under
max x0 - x1 / 2 came back as (1, 0) at K = 1e-10: HiGHS drops a coefficient below 1e-9 of its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.tolerances import FARKAS_ZERO_TOL
from .farkas import (
    EXPLAIN_TERMS,
    RationalForm,
    check_lp,
    column_groups,
    exact_from_float,
    highs_vertex,
    row_label,
    solve_exact,
)
from .highs import RejectedLPError, StandardForm
from .ranging import model_form


@dataclass
class UnboundedRay:
    """An exact ray of an unbounded LP model (see the module docstring).

    direction: variable name -> Series of Fractions labelled like the variable's entries (C order; a
        MultiIndex for a 2-D variable); only variables the ray moves appear.
    slope: the change of the model's objective per unit step along the direction (> 0 for a max,
        < 0 for a min), in the model's units. Scaled so the largest |direction entry| is 1.
    verified: checked in exact rational arithmetic; reason: why not, if not.
    """

    model: str
    direction: dict[str, pd.Series] = field(default_factory=dict)
    slope: Fraction | None = None
    verified: bool = False
    reason: str = ""
    method: str = ""
    sense: str = "min"

    def explain(self, terms: int = EXPLAIN_TERMS) -> str:
        """The ray and what it does: "x[0] += 1 t ... every family holds for all t >= 0; objective +1 t"."""
        if self.slope is None:
            return f"no unbounded ray for model '{self.model}': {self.reason}"
        parts = []
        for name, series in self.direction.items():
            nonzero = series[series != 0]
            shown = [f"{name}[{row_label(label)}] {'+' if w > 0 else '-'}= {abs(w)} t"
                     for label, w in nonzero.iloc[:terms].items()]
            if len(nonzero) > terms:
                shown.append(f"({len(nonzero) - terms} more entries of {name})")
            parts.append(", ".join(shown))
        state = "verified exactly" if self.verified else f"NOT verified: {self.reason}"
        return (f"model '{self.model}' is unbounded ({state}). From any feasible point, move along t >= 0:\n  "
                + "\n  ".join(parts) + f"\n  every family and domain holds for all t >= 0; the objective "
                f"({self.sense}) changes by {self.slope} t")

    def __repr__(self) -> str:
        state = "verified" if self.verified else f"NOT verified ({self.reason})"
        return f"<UnboundedRay model={self.model!r} slope={self.slope} {state}, variables {list(self.direction)}>"


def check_ray(rf: RationalForm, d: dict[int, Fraction]) -> tuple[Fraction | None, str]:
    """(c.d, reason): the ray `d` (column -> entry) checked exactly; c.d is None when a condition fails."""
    lp = rf.lp
    activity: dict[int, Fraction] = {}
    cost = Fraction(0)
    for j, v in d.items():
        if v == 0:
            continue
        if (v < 0 and rf.lower(j) is not None) or (v > 0 and rf.upper(j) is not None):
            return None, f"standard-form column {j} moves by {v} past its bound"
        for i, a in rf.col(j):
            activity[i] = activity.get(i, Fraction(0)) + a * v
        cost += rf.q(float(lp.c[j])) * v
    for i, a in activity.items():
        if a != 0 and (rf.is_equality(i) or a > 0):
            return None, f"standard-form row {i} moves by {a} along the ray"
    if cost >= 0:
        return None, f"the cost changes by {cost} >= 0 along the ray"
    return cost, ""


def float_ray(lp: StandardForm) -> tuple[np.ndarray, np.ndarray] | None:
    """(d, unit): a float ray with c.d = -1 and the least sum of |d_j| (an auxiliary LP, equilibrated) and the
    scale of each d_j there (d_j = unit_j times the variable HiGHS solved for), or None."""
    m, n = lp.A.shape
    A = lp.A.tocsc()
    # d = d+ - d-; d+ = 0 where u is finite, d- = 0 where l is finite
    block = sp.vstack([sp.hstack([A, -A]), sp.csr_matrix(np.concatenate([lp.c, -lp.c]).reshape(1, -1))]).tocsc()
    eq = np.arange(m) < lp.n_eq
    row_lo = np.concatenate([np.where(eq, 0.0, -np.inf), [-1.0]])
    row_hi = np.concatenate([np.zeros(m), [-1.0]])
    col_hi = np.concatenate([np.where(np.isfinite(lp.col_upper), 0.0, np.inf),
                             np.where(np.isfinite(lp.col_lower), 0.0, np.inf)])
    found = highs_vertex(np.ones(2 * n), block, row_lo, row_hi, np.zeros(2 * n), col_hi)
    return None if found is None else (found[0][:n] - found[0][n:], found[1][:n])  # d+ and d-: one column, negated


def _repair(rf: RationalForm, d_float: np.ndarray, support: list[int]) -> dict[int, Fraction] | None:
    """The ray on `support` solved exactly: equality rows and the inequality rows the float ray keeps
    tight stay tight exactly, c.d = -1."""
    lp = rf.lp
    A = lp.A.tocsc()[:, support]
    activity = np.asarray(A @ d_float[support]).reshape(-1)
    scale = np.asarray(abs(A) @ np.abs(d_float[support])).reshape(-1)
    rows = np.flatnonzero(scale > 0)
    by_row: dict[int, dict[int, Fraction]] = {int(i): {} for i in rows}
    for j in support:
        for i, a in rf.col(j):
            by_row[i][j] = a
    equations = [by_row[int(i)] for i in rows
                 if rf.is_equality(int(i)) or abs(activity[i]) <= FARKAS_ZERO_TOL * scale[i]]
    equations.append({j: rf.q(float(lp.c[j])) for j in support})
    rhs = [Fraction(0)] * (len(equations) - 1) + [Fraction(-1)]
    return solve_exact(equations, rhs, support)


def unbounded_ray(model: Any) -> UnboundedRay:
    """An exact ray of the unbounded LP `model` (see the module docstring); unverified, with the reason,
    where none is found or none survives exact arithmetic. CapabilityError on a MILP or a non-LP."""
    check_lp(model, "ray")
    with model.exclusive:  # the compiled problem and its parameters are shared with other copies
        form = model_form(model)
    rf = RationalForm(form.lp)
    out = UnboundedRay(model.name, sense=model.sense)
    try:
        found = float_ray(form.lp)
    except RejectedLPError:
        out.reason = "HiGHS rejected the auxiliary LP (coefficients beyond its limits)"
        return out
    if found is None:
        out.reason = "the auxiliary LP has no solution: the standard form has no ray in floating point"
        return out
    d_float, unit = found
    d, cost, out.reason, out.method = exact_from_float(d_float, lambda v: check_ray(rf, v),
                                                       lambda support: _repair(rf, d_float, support), unit)
    if cost is None:
        return out
    largest = max(abs(v) for v in d.values())
    d = {j: v / largest for j, v in d.items()}
    cost, out.reason = check_ray(rf, d)
    out.verified = cost is not None
    out.slope = None if cost is None else (cost if model.sense == "min" else -cost)  # standard form: min sign*objective
    for group in column_groups(model, form):
        entries = [d.get(int(j), Fraction(0)) for j in group.cols]
        if any(entries):
            out.direction[group.name] = pd.Series(entries, index=group.labels, dtype=object, name=group.name)
    return out

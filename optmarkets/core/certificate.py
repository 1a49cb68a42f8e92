"""The certificate: optimality evidence recomputed from the data at the returned point and duals.

Primal: every family's largest violation and every variable's domain (sign, integrality, PSD).
Dual (LPs and convex models): with prices y = dV/d(rhs), the Lagrangian L(x) = f(x) + sum y (rhs - lhs)
has gradient r at the point (the reduced costs; for a convex model from cvxpy's gradients of the
objective and of each family's rows there). r must vanish on free variables, be <= 0 (max) or >= 0
(min) on non-negative ones and lie in the dual cone of a PSD (NSD) variable's domain (its most
negative eigenvalue is the residual); the gap is |sum y*slack - r.x| (for an LP the duality gap, for a
concave objective of a max an upper bound on it). A model with a piecewise-linear atom (abs, maximum,
norm1: cvxpy's gradient picks a side at a kink; a 2-norm whose argument is ~0) or a gradient that does not
exist at the point (a log at 0) gets primal residuals only, and a note saying why. A column's reduced cost is
measured against its objective terms without their cancellation (|2Qx| + |q| for x'Qx - q.x: at an interior
optimum the gradient of the whole is ~0). An objective whose value and gradient both
vanish at the optimum (min |x|^2 at x = 0 with slack rows) has no magnitude for an interior point's
gap ~ mu to be small against: its certificate fails (solve with HiGHS where the model is an LP).

Every residual is also given relative to the magnitude of the data it is computed from, so that a
certificate means the same at any scale of the data (`Certificate.relative`, what `ok()` decides on):
- a family's violation: the largest over its rows of each row's violation / that row's magnitude
  sum |a_ij x_j| + |b_i| (the terms the row's activity and right-hand side are made of), but at least
  max_j |a_ij| max |x_v| (a row that is ~0 at this point is measured by its coefficients); each row at its
  own scale, not the family's largest (a unit row beside a row of 1e5 violated by 5e-4 passed);
- a sign violation of variable v / max |x_v| (at least DOMAIN_FLOOR times the model's largest |x|);
  integrality stays absolute (integers have no unit);
- the reduced costs of variable v / the largest of its columns' terms |grad f_j| + sum_i |y_i a_ij|
  (and, reported apart as `column_dual_infeasibility`, each column / its own terms: see
  `_reduced_cost_residual`);
- the duality gap, complementary slackness and wrong-signed prices (each |y_i| times its row's
  magnitude) / the objective's magnitude: max(sum |grad f_j x_j|, sum_i |y_i| * row magnitude_i) (no floor
  from the coefficients: a value 1 beside a coefficient 1e6 on a zero variable is held to 1e-8 of 1; so an
  interior point whose optimum has all its terms ~0, a CE on cells of welfare 0, can fail where HiGHS's
  vertex passes);
- a constant objective (no variable in it) makes every feasible point optimal: its dual residuals are
  kept but not judged, with a note.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cvxpy as cp
import numpy as np
import scipy.sparse as sp

from .domains import bound_sides, domain_residuals, reduced_cost_residual, semidefinite
from .domains import ratio as _ratio
from .family import PRICE_SIGN, Family
from .kkt import cone_residual, gradient_terms, kink, matrix, objective_terms
from .solution import Certificate
from .tolerances import DIVISION_FLOOR, DUAL_DATA_FLOOR, NEAR_ACTIVE_SLACK, ROW_FLOOR_RHS

if TYPE_CHECKING:
    from .model import Model

#: The smallest magnitude a residual is divided by (so 0 / 0 reads as 0).
_TINY = DIVISION_FLOOR


@dataclass(frozen=True, eq=False)
class LinearForm:
    """The standard form a solver received for an affine model: min c.x + offset subject to
    A[:n_eq] x == b[:n_eq], A[n_eq:] x <= b[n_eq:] (column bounds are the variables' domains);
    `columns` maps a cvxpy variable id to its first column (its entries follow in column-major order);
    `orientation(constraint, lhs)` gives sigma with A_k x - b_k = sigma (lhs - rhs)_k for a family's rows."""

    c: np.ndarray
    offset: float
    A: sp.csc_matrix
    b: np.ndarray
    n_eq: int
    columns: Mapping[int, int]
    orientation: Any
    #: read from the model's own affine expressions (`solvers.affine`): no family needs checking
    affine: bool = False


#: The form of each problem's last solve, with the parameter values it was built at.
_FORMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def remember(model: Model, form: LinearForm | None) -> None:
    """Keep `form` as the standard form of `model`'s problem at its current parameter values."""
    problem = model.problem
    if form is None:
        _FORMS.pop(problem, None)
        return
    _FORMS[problem] = (form, {n: np.array(model.value_of(n), float) for n in model.parameters})


def _form_of(model: Model) -> LinearForm | None:
    held = _FORMS.get(model.problem)
    if held is None:
        return None
    form, values = held
    if set(values) != set(model.parameters) or not all(
            np.array_equal(values[n], np.asarray(model.value_of(n), float)) for n in values):
        return None
    return form  # type: ignore[no-any-return]


def certify(model: Model, form: LinearForm | None = None) -> Certificate:
    """Recompute residuals from the data at the current variable values and duals.

    Primal: every family's largest violation and every variable's domain (sign, integrality).
    Dual (LPs): with prices y = dV/d(rhs), the Lagrangian L(x) = f(x) + sum y (rhs - lhs) is
    affine; its gradient r (reduced costs) must vanish on free variables and be <= 0 (max) or
    >= 0 (min) on non-negative ones; then the dual objective is L(x) - r.x, and the gap is
    |sum y*slack - r.x|. Each residual is also divided by its data's magnitude (module docstring).

    `form`: the standard form the solver received for this model at its current parameters (default:
    the one its last solve left, when the parameters are still the same); affine models are then
    certified on it, other models (and affine ones without it) from their expressions.
    """
    form = form if form is not None else _form_of(model)
    if form is not None and (form.affine or _affine(model)):
        cert = _certify_standard(model, form)
        if cert is not None:
            return cert
    viol: dict[str, float] = {}
    rel: dict[str, float] = {}
    rows: dict[str, tuple[dict, np.ndarray]] = {}  # family -> (grads of lhs - rhs, row magnitudes)
    unsmooth = kink(model.objective, "the objective")
    for name, fam in model.families.items():
        viol[name] = fam.violation()
        grads, magnitude, floor, smooth = _rows(fam)  # affine families of a MILP too
        unsmooth = unsmooth or (None if smooth else f"family {name!r}")
        rows[name] = (grads, magnitude)
        rel[name] = _row_relative(_flat(_row_violation(fam), fam.lhs.shape), magnitude, floor)
    x_scale = max((float(np.max(np.abs(_current(v.var)), initial=0.0))
                   for v in model.variables.values()), default=0.0)
    for name, v in model.variables.items():
        domain_residuals(name, _current(v.var), v.var.attributes, v.var.shape, x_scale, viol, rel)
    cert = Certificate(viol)
    primal = {f"violation[{k}]": r for k, r in rel.items()}
    duals = {n: f.constraint.dual_value for n, f in model.families.items()}
    why = ("integer variables" if model.has_integers else "no duals" if any(d is None for d in duals.values())
           else f"{unsmooth}: no gradient at the point, or one cvxpy picks at a kink" if unsmooth else None)
    if why is not None:
        cert.relative = primal
        cert.notes.append(f"dual residuals not computed ({why})")
        return cert
    _dual_residuals(model, cert, rows, primal)
    return cert


def _rows(fam: Family) -> tuple[dict, np.ndarray, np.ndarray, bool]:
    """The gradients of lhs - rhs at the point (a convex family's Jacobian), each row's magnitude
    sum |a_ij x_j| + |b_i| (a_ij the gradient's entries, b_i the rest of lhs - rhs), each homogeneous row's
    coefficient floor max_j |a_ij| * max |x_v| (v the variable of entry j; `homogeneous_floor`), and whether
    every gradient exists there."""
    lhs = np.asarray(fam.lhs.value, float).ravel(order="F")
    rhs = _flat(_value(fam.rhs), fam.lhs.shape)
    expr = fam.lhs - fam.rhs
    if kink(expr, "its rows") is not None:
        return {}, np.maximum(np.abs(lhs), np.abs(rhs)), np.zeros(lhs.size), False
    grads = {var: matrix(g) for var, g in (expr.grad or {}).items()}
    linear = np.zeros(lhs.size)
    terms = np.zeros(lhs.size)
    floor = np.zeros(lhs.size)
    for var, g in grads.items():
        x = np.asarray(var.value, float).ravel(order="F")
        linear = linear + np.asarray(g.T @ x).ravel()
        terms = terms + np.asarray(abs(g).T @ np.abs(x)).ravel()
        if g.nnz and x.size:
            floor = np.maximum(floor, np.asarray(abs(g).max(axis=0).toarray()).ravel() * float(np.abs(x).max()))
    constant = (lhs - rhs) - linear  # the data part of lhs - rhs (rhs and constants in lhs)
    data = np.maximum(np.abs(constant), np.abs(rhs))
    return grads, terms + data, homogeneous_floor(floor, data), True


def homogeneous_floor(floor: np.ndarray, data: np.ndarray) -> np.ndarray:
    """The coefficient floor where a row's rhs is negligible beside it (`ROW_FLOOR_RHS`), else 0: a row with a rhs
    of its own is held to |b_i| + sum |a_ij x_j|, not to a large entry elsewhere in its variables."""
    return np.where(data <= ROW_FLOOR_RHS * floor, floor, 0.0)


def _row_violation(fam: Family) -> np.ndarray:
    """Each row's violation at the current point (0 where it holds)."""
    s = np.asarray(fam.slack(), float)
    return np.abs(s) if fam.sense == "==" else np.maximum(-s, 0.0)


def _row_relative(violation: np.ndarray, magnitude: np.ndarray, floor: np.ndarray) -> float:
    """A family's largest violation, each row's relative to its own magnitude: a unit row beside a row of
    1e5 in one family is held to its own size (violated by 5e-4, it passed at 5e-9 of the family's largest),
    and a row that is ~0 at this point (a zero allocation, a zero rhs) to its coefficients times its variables'
    magnitude, max_j |a_ij| * max |x_v|."""
    if not violation.size:
        return 0.0
    denominator = np.maximum(np.maximum(magnitude, floor), _TINY)
    return float(np.max(violation / denominator))








def _dual_residuals(model: Model, cert: Certificate, rows: dict[str, tuple[dict, np.ndarray]],
                    primal: dict[str, float]) -> None:
    sign_viol, cs, slack_term = 0.0, 0.0, 0.0
    rel_sign, slack_priced = 0.0, 0.0  # the largest |y_i| x magnitude_i on a row that is slack
    dual_terms = 0.0  # sum |y_i| * row magnitude_i
    objective = model.objective
    fgrad = objective.grad if isinstance(objective, cp.Expression) else {}
    reduced: dict[Any, np.ndarray] = {}  # variable -> grad f - sum_f G_f y_f
    magnitude: dict[Any, np.ndarray] = {}  # variable -> |grad f| + sum_f |G_f| |y_f|
    coefficient: dict[Any, np.ndarray] = {}  # variable -> max_i |a_ij| per column
    y_max, grad_max = 0.0, 0.0
    fterms = gradient_terms(objective)  # |grad f| without its terms' cancellation (an interior optimum's is ~0)
    for v in model.variables.values():
        g = fgrad.get(v.var)
        r = np.zeros(v.var.size) if g is None else matrix(g).toarray().ravel()
        reduced[v.var] = r.copy()
        magnitude[v.var] = np.maximum(np.abs(r), fterms[v.var]) if v.var in fterms else np.abs(r)
        coefficient[v.var] = np.zeros(v.var.size)
        grad_max = max(grad_max, float(np.max(np.abs(r), initial=0.0)))
    for name, fam in model.families.items():
        grads, row_mag = rows[name]
        y = PRICE_SIGN[(model.sense, fam.sense)] * np.asarray(fam.constraint.dual_value, float)
        y = _flat(y, fam.lhs.shape)
        s = _flat(fam.slack(), fam.lhs.shape)
        dual_terms += float(np.sum(np.abs(y) * row_mag))
        if fam.sense != "==":
            # max: <= rows need y >= 0, >= rows y <= 0 (slack is oriented so y*slack >= 0 is right)
            wrong = np.maximum(-y if (fam.sense == "<=") == (model.sense == "max") else y, 0.0)
            sign_viol = max(sign_viol, float(np.max(wrong, initial=0.0)))
            rel_sign = max(rel_sign, float(np.max(wrong * row_mag, initial=0.0)))
            cs = max(cs, float(np.max(np.abs(y * s), initial=0.0)))
            slack = s > NEAR_ACTIVE_SLACK * np.maximum(row_mag, _TINY)
            slack_priced = max(slack_priced, float(np.max(np.abs(y[slack]) * row_mag[slack], initial=0.0)))
        # y = dV/d(rhs) is the multiplier of (rhs - lhs) for every sense
        diff = np.asarray(_value(fam.rhs), float) - np.asarray(fam.lhs.value, float)
        slack_term += float(np.sum(y * _flat(diff, fam.lhs.shape)))
        y_max = max(y_max, float(np.max(np.abs(y), initial=0.0)))
        for var, g in grads.items():
            if var in reduced:
                reduced[var] = reduced[var] - np.asarray(g @ y).ravel()
                magnitude[var] = magnitude[var] + np.asarray(abs(g) @ np.abs(y)).ravel()
                coefficient[var] = np.maximum(coefficient[var], _entry_max(g))
    dual_inf, rel_inf, col_inf, rx, bound_terms = 0.0, 0.0, 0.0, 0.0, 0.0
    primal_terms = objective_terms(objective)
    for v in model.variables.values():
        r, mag = reduced[v.var], magnitude[v.var]
        x = _current(v.var).ravel(order="F")
        side, anchor = bound_sides(v.var.attributes, x, v.var.shape)
        rx += float(r @ (x - anchor))  # a bound's multiplier times the distance to it: 0 at an optimum
        bound_terms += float(mag @ np.abs(anchor))  # the bounds' part of the dual objective's magnitude
        if semidefinite(v.var.attributes):
            worst, relative, own = cone_residual(r, mag, v.var, model.sense)
        else:
            worst, relative, own = reduced_cost_residual(r, mag, model.sense, side,
                                                          DUAL_DATA_FLOOR * y_max * coefficient[v.var])
        dual_inf, rel_inf, col_inf = max(dual_inf, worst), max(rel_inf, relative), max(col_inf, own)
    value = float(np.asarray(_value(objective), float)) if objective is not None else 0.0
    _record_duals(cert, primal, sign_viol=sign_viol, rel_sign=rel_sign, dual_inf=dual_inf, rel_inf=rel_inf,
                  col_inf=col_inf, cs=cs, gap=abs(slack_term - rx), value=value,
                  terms=max(primal_terms + bound_terms, dual_terms), constant=grad_max == 0.0)
    cert.near_active_price = _ratio(slack_priced, cert.objective_scale or 0.0)


def _entry_max(g: Any) -> np.ndarray:
    """max_i |g_ji| per variable entry j of a family's gradient (the variable's entries x the family's rows)."""
    if sp.issparse(g):
        return abs(g).max(axis=1).toarray().ravel() if g.shape[1] else np.zeros(g.shape[0])
    dense = np.asarray(g, float).reshape(g.shape[0], -1) if np.ndim(g) else np.abs(np.atleast_2d(g))
    return np.abs(dense).max(axis=1, initial=0.0).ravel()






def _record_duals(cert: Certificate, primal: dict[str, float], *, sign_viol: float, rel_sign: float,
                  dual_inf: float, rel_inf: float, col_inf: float, cs: float, gap: float, value: float,
                  terms: float, constant: bool) -> None:
    """The dual residuals, absolute and relative to the objective's magnitude, after the relative
    primal ones `primal` (both certificate paths). `constant`: the objective has no variable in it, so every
    feasible point is optimal: the dual residuals are kept but not judged (relative 0, with a note)."""
    scale = max(terms, abs(value), abs(value - gap))
    cert.dual_sign, cert.dual_infeasibility = sign_viol, dual_inf
    cert.complementary_slackness, cert.duality_gap, cert.objective_scale = cs, gap, scale
    cert.column_dual_infeasibility = col_inf
    relative = {"dual_sign": _ratio(rel_sign, scale), "dual_infeasibility": rel_inf,
                "complementary_slackness": _ratio(cs, scale), "duality_gap": _ratio(gap, scale)}
    if constant:
        relative = dict.fromkeys(relative, 0.0)
        cert.column_dual_infeasibility = 0.0
        cert.notes.append("the objective is constant: every feasible point is optimal, so only the primal residuals "
                          "are judged (the dual residuals are kept, absolute; the prices prove nothing)")
    cert.relative = {**primal, **relative}





def _current(var: cp.Variable) -> np.ndarray:
    """A variable's value; zeros where cvxpy left it unset (a variable that appears nowhere in the problem: any
    value is optimal, and NaN made the duality gap NaN, refusing an optimum)."""
    return np.zeros(var.shape) if var.value is None else np.asarray(var.value, float)


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
        coef = matrix(g).toarray().ravel()
        x = np.asarray(var.value, float).ravel(order="F")
        terms += float(np.abs(coef) @ np.abs(x))
        linear += float(coef @ x)
    return max(abs(value), terms + abs(value - linear))


# ------------------------------------------------------------------ on the standard form
def _affine(model: Model) -> bool:
    objective = model.objective
    return isinstance(objective, cp.Expression) and objective.is_affine() and all(
        f.lhs.is_affine() and (not isinstance(f.rhs, cp.Expression) or f.rhs.is_affine())
        for f in model.families.values())


def _flat(values: Any, shape: tuple[int, ...]) -> np.ndarray:
    arr = np.asarray(values, float)
    if arr.size == 1 and not shape:  # cvxpy gives a scalar quadratic family's dual as shape (1,)
        arr = arr.reshape(())
    return np.broadcast_to(arr, shape).ravel(order="F")


def _block_max(values: np.ndarray, sizes: list[int]) -> list[float]:
    """The largest of each consecutive block of `values` (0 for an empty block)."""
    out = [0.0] * len(sizes)
    nonempty = [k for k, size in enumerate(sizes) if size]
    if nonempty:
        starts = np.cumsum([0, *sizes[:-1]])[nonempty]
        for k, v in zip(nonempty, np.maximum.reduceat(values, starts).tolist()):
            out[k] = max(v, 0.0)
    return out


def _certify_standard(model: Model, form: LinearForm) -> Certificate | None:
    """The certificate from (c, A, b) (same definitions as the expression-based one); None when the
    form does not fit the model (then the caller evaluates the expressions)."""
    A = form.A
    m, n = A.shape
    # columns: the model's variables tile them, each a contiguous span (checked on Python ints)
    spans: list[tuple[str, Any, int, int]] = []
    for name, v in model.variables.items():
        start = form.columns.get(v.var.id)
        if start is None or v.var.value is None:
            return None
        spans.append((name, v.var, start, int(v.var.size)))
    spans.sort(key=lambda span: span[2])
    end = 0
    for _name, _var, start, size in spans:
        if start != end:
            return None
        end = start + size
    if end != n:
        return None
    x = np.concatenate([np.asarray(var.value, float).ravel(order="F") for _n, var, _s, _z in spans]) if spans \
        else np.zeros(0)
    # rows: equality families, then inequality families, in declaration order
    blocks: list[tuple[str, Any, int, int, float]] = []
    row = 0
    for eq in (True, False):
        for name, fam in model.families.items():
            if (fam.sense == "==") != eq:
                continue
            sigma = form.orientation(fam.constraint, fam.lhs)
            if sigma is None:
                return None
            size = math.prod(fam.shape)
            blocks.append((name, fam, row, size, float(sigma)))
            row += size
        if eq and row != form.n_eq:
            return None
    if row != m:
        return None

    # products with A and A^T as bincounts over the stored entries (numpy only: the same sums, in
    # the same order, as scipy's column-wise matvecs, without their dispatch)
    # (one array per stored entry at a time besides |A|, worked on in place: peak memory)
    index = np.int32 if max(m, n) < 2**31 else np.int64
    cols = np.repeat(np.arange(n, dtype=index), np.diff(A.indptr))
    rows_of = A.indices
    absd = np.abs(A.data)
    at = x[cols]
    at *= A.data
    d = np.bincount(rows_of, weights=at, minlength=m) - form.b  # sigma (lhs - rhs) per row
    np.abs(at, out=at)
    terms = np.bincount(rows_of, weights=at, minlength=m)  # sum |a_ij x_j|
    # a family's coefficient floor: max over its variables v of max |a_iv| * max |x_v|
    xmax = np.array([float(np.max(np.abs(x[start:start + size]), initial=0.0)) for _n, _v, start, size in spans])
    sizes = [size for _n, _f, _s, size, _g in blocks]
    at = np.repeat(xmax, [size for *_, size in spans])[cols]
    at *= absd
    row_floor = np.zeros(m)  # each row's coefficient floor: max_j |a_ij| * max |x_v|
    np.maximum.at(row_floor, rows_of, at)
    del at

    # every row at once; per family the largest entry (np.maximum.reduceat over its rows)
    senses = [fam.sense for _n, fam, *_ in blocks]
    sigma_rows = np.repeat([sigma for *_, sigma in blocks], sizes)
    at_most = np.repeat([sense == "<=" for sense in senses], sizes)
    equal = np.repeat([sense == "==" for sense in senses], sizes)
    diff = sigma_rows * d  # lhs - rhs
    slack = np.where(at_most, -diff, diff)  # rhs - lhs for <=, lhs - rhs for >= and == (Family.slack)
    row_viol = np.where(equal, np.abs(slack), np.maximum(-slack, 0.0))
    rhs = [_flat(_value(fam.rhs), fam.shape) for _n, fam, *_ in blocks]
    rhs_abs = np.abs(np.concatenate([np.zeros(0), *rhs]))
    data = np.maximum(np.abs(form.b), rhs_abs)  # the data part of lhs - rhs is -sigma b
    row_mag = terms + data
    row_floor = homogeneous_floor(row_floor, data)
    viol_of = _block_max(row_viol, sizes)
    rel_of = _block_max(row_viol / np.maximum(np.maximum(row_mag, row_floor), _TINY), sizes)  # `_row_relative`
    viol = {name: viol_of[k] for k, (name, *_) in enumerate(blocks)}
    rel = {name: rel_of[k] for k, (name, *_) in enumerate(blocks)}
    viol = {name: viol[name] for name in model.families}  # declaration order, as the expressions give
    rel = {name: rel[name] for name in model.families}
    x_scale = float(np.max(xmax, initial=0.0))
    span_of = {span[0]: span for span in spans}
    for name in model.variables:  # declaration order, as the expressions give
        _name, var, start, size = span_of[name]
        domain_residuals(name, x[start:start + size], var.attributes, var.shape, x_scale, viol, rel)
    cert = Certificate(viol)
    primal = {f"violation[{k}]": r for k, r in rel.items()}
    duals = [fam.constraint.dual_value for _n, fam, *_ in blocks]
    if model.has_integers or any(dv is None for dv in duals):
        cert.relative = primal
        cert.notes.append(f"dual residuals not computed ({'integer variables' if model.has_integers else 'no duals'})")
        return cert

    # prices y = dV/d(rhs); a max problem's <= rows and a min problem's >= rows need y >= 0
    y = np.concatenate([np.zeros(0)] + [
        _flat(PRICE_SIGN[(model.sense, fam.sense)] * np.asarray(dual, float), fam.shape)
        for (_n, fam, *_), dual in zip(blocks, duals, strict=True)])
    wrong = np.where(equal, 0.0, np.maximum(np.where(at_most == (model.sense == "max"), -y, y), 0.0))
    sign_viol = float(np.max(wrong, initial=0.0))
    rel_sign = float(np.max(wrong * row_mag, initial=0.0))
    cs = float(np.max(np.where(equal, 0.0, np.abs(y * slack)), initial=0.0))
    dual_terms = float(np.sum(np.abs(y) * row_mag))
    slack_term = float(np.sum(y * -diff))  # y multiplies (rhs - lhs) for every sense
    fsign = -1.0 if model.sense == "max" else 1.0  # cvxpy minimises -f for a maximisation
    grad = fsign * np.asarray(form.c, float)
    at = (sigma_rows * y)[rows_of]  # |sigma| = 1: |at| = |y| at each entry's row
    np.abs(at, out=absd)
    absd *= np.abs(A.data)  # |a_ij| |y_i|
    at *= A.data
    reduced = grad - np.bincount(cols, weights=at, minlength=n)
    col_mag = np.abs(grad) + np.bincount(cols, weights=absd, minlength=n)
    coefficient = np.zeros(n)  # max_i |a_ij| per column
    np.maximum.at(coefficient, cols, np.abs(A.data))
    data_floor = DUAL_DATA_FLOOR * float(np.max(np.abs(y), initial=0.0)) * coefficient
    dual_inf, rel_inf, col_inf = 0.0, 0.0, 0.0
    anchor = np.zeros(n)
    for _name, var, start, size in spans:
        side, anchor[start:start + size] = bound_sides(var.attributes, x[start:start + size], var.shape)
        worst, relative, own = reduced_cost_residual(reduced[start:start + size], col_mag[start:start + size],
                                                      model.sense, side, data_floor[start:start + size])
        dual_inf, rel_inf, col_inf = max(dual_inf, worst), max(rel_inf, relative), max(col_inf, own)
    rx = float(reduced @ (x - anchor))
    # a box's bound is part of the dual objective (an optimum at x = 0 inside [-1/3, 1] had terms 0, its gap of
    # round-off 1.9e-17 read as 100%)
    primal_terms = float(np.abs(grad) @ np.abs(x)) + float(col_mag @ np.abs(anchor))
    value = fsign * (float(np.asarray(form.c, float) @ x) + float(form.offset))
    _record_duals(cert, primal, sign_viol=sign_viol, rel_sign=rel_sign, dual_inf=dual_inf, rel_inf=rel_inf,
                  col_inf=col_inf, cs=cs, gap=abs(slack_term - rx), value=value,
                  terms=max(primal_terms, dual_terms), constant=not np.any(grad))
    return cert

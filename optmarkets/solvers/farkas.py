"""Exact proofs of infeasibility: Farkas certificates of an LP, by constraint family.

The standard form HiGHS receives (`solvers.ranging.model_form`) is min c.x subject to A_i x = b_i
(equality rows) and A_i x <= b_i (inequality rows), l <= x <= u. A Farkas certificate is a vector g
of row weights, g_i <= 0 on inequality rows and of any sign on equality rows, such that the sum
g.(A x - b) + sum_j mu_j (domain rows) has no variable left and is a negative constant -delta:
each term is >= 0 at a feasible point, so no point is feasible. With r = A'g, a column j with
r_j < 0 is cancelled by its lower bound (weight -r_j on x_j - l_j >= 0), one with r_j > 0 by its
upper bound (weight r_j on u_j - x_j >= 0); a column with no such bound must have r_j = 0. Then
delta = g.b - sum_{r_j < 0} r_j l_j - sum_{r_j > 0} r_j u_j.

How it is found (`farkas`):
1. In floating point, an auxiliary LP over the weights: the conditions above with delta = 1,
   minimising the sum of |weights| (an L1 norm, so a vertex: its support is an irreducible
   infeasible subset of rows and bounds, as in Gleeson and Ryan's theorem on alternative polyhedra).
   HiGHS solves it equilibrated (`equilibrate`: rows and columns scaled by powers of 2, so exactly):
   unscaled, a coefficient 1e-10 beside 1s fell below HiGHS's small_matrix_value and was dropped.
2. Each weight is rationalised (`exact.rational`: the simplest rational within half an ulp) and the
   certificate is checked in exact rational arithmetic on the rational data of the standard form
   (`exact.read_rational`, as `exact()` reads it). A weight is zero only where it is negligible in its
   own units, those of the equilibrated auxiliary LP (`rounded`): the weight 1/K of a row K x0 >= K is
   as large as the others there, where beside the largest raw weight 1 it was dropped at K = 1e10.
3. Where rounding breaks it: the weights are solved exactly on their support (the columns the float
   answer cancels set to cancel exactly, delta = 1; python-flint's fmpq_mat, reduced row echelon
   form) and checked again; otherwise it is returned unverified with the reason.

In the model's terms (`FarkasCertificate.multipliers`), each family row is read as its slack >= 0
(rhs - lhs for <=, lhs - rhs for >= and ==, as `Family.slack`): the multiplier of an inequality row
is >= 0, that of an equality row has either sign. Weights are scaled so the largest family
multiplier is 1 in absolute value. A variable domain ("chi >= 0", "x bounds") enters with a signed
weight: > 0 on x_j >= l_j, < 0 on x_j <= u_j (weight its absolute value).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import CapabilityError
from ..core.tolerances import FARKAS_ZERO_TOL
from .exact import rational, read_rational
from .highs import RejectedLPError, StandardForm
from .ranging import ModelForm, flat_labels, model_form

#: Exact repairs solve a dense rational system over the certificate's support; larger ones are refused.
MAX_EXACT_SUPPORT = 2000
#: Terms of one family shown by `explain` before the rest are summarised.
EXPLAIN_TERMS = 6


@dataclass
class FarkasCertificate:
    """An exact proof that an LP model has no feasible point (see the module docstring).

    multipliers: family or domain name -> Series of Fractions, labelled and ordered like the
        family's prices (a MultiIndex for a 2-D family; a domain like the variable's entries, C
        order); only names with a nonzero multiplier appear, with every row of each (zeros included).
    delta: the positive number of the contradiction "0 >= delta" the weighted sum reads.
    verified: the weighted sum was checked in exact rational arithmetic; reason: why not, if not.
    method: how the weights were made exact ("rounded float" or "exact solve on the support").
    """

    model: str
    multipliers: dict[str, pd.Series] = field(default_factory=dict)
    delta: Fraction | None = None
    verified: bool = False
    reason: str = ""
    method: str = ""
    bounds: dict[str, pd.Series] = field(default_factory=dict, repr=False)  # domain name -> the bound used

    def explain(self, terms: int = EXPLAIN_TERMS) -> str:
        """The derivation by family: "1 x floor[0] + 1 x cap[0] => 0 >= 1" (at most `terms` rows of
        each family written out, the rest summarised)."""
        if not self.verified and self.delta is None:
            return f"no Farkas certificate for model '{self.model}': {self.reason}"
        lines = []
        for name, series in self.multipliers.items():
            nonzero = series[series != 0]
            bound = self.bounds.get(name)
            terms_ = [_term(weight, name, label, bound) for label, weight in nonzero.iloc[:terms].items()]
            rest = nonzero.iloc[terms:]
            if len(rest):
                total = sum((abs(w) for w in rest), Fraction(0))
                terms_.append((False, f"({total} in all on {len(rest)} more rows of {name})"))
            lines.append("".join(f"{'- ' if negative else '+ '}{text} " for negative, text in terms_).rstrip())
        state = "verified exactly" if self.verified else f"NOT verified: {self.reason}"
        head = (f"model '{self.model}' is infeasible ({state}). Each row read as slack >= 0 (rhs - lhs for <=, "
                "lhs - rhs for >= and ==), weighted and summed; every variable cancels:")
        first = lines[0][2:] if lines and lines[0].startswith("+ ") else (lines[0] if lines else "")
        return "\n  ".join([head, first, *lines[1:], f"=> 0 >= {self.delta}"])

    def __repr__(self) -> str:
        state = "verified" if self.verified else f"NOT verified ({self.reason})"
        return f"<FarkasCertificate model={self.model!r} 0 >= {self.delta} {state}, families {list(self.multipliers)}>"


def row_label(label: Any) -> str:
    return ", ".join(str(p) for p in label) if isinstance(label, tuple) else str(label)


def _term(weight: Fraction, name: str, label: Any, bound: pd.Series | None) -> tuple[bool, str]:
    """(negative, "w x family[label]") for a family row; a domain row is always added: "w x (x[j] >= l)"."""
    if bound is None:
        return weight < 0, f"{abs(weight)} x {name}[{row_label(label)}]"
    var = name.split(" ")[0]
    side = ">=" if weight > 0 else "<="
    return False, f"{abs(weight)} x ({var}[{row_label(label)}] {side} {bound[label]})"


# --------------------------------------------------------------------------- the rational standard form
class RationalForm:
    """The standard form's data read as rationals on demand (`exact.read_rational`, cached per float)."""

    def __init__(self, lp: StandardForm):
        self.lp = lp
        self.csr = lp.A.tocsr()
        self.csc = lp.A.tocsc()
        self._rationals: dict[float, Fraction] = {}

    def q(self, x: float) -> Fraction:
        value = self._rationals.get(x)
        if value is None:
            value = self._rationals[x] = read_rational(x)[0]
        return value

    def row(self, i: int) -> list[tuple[int, Fraction]]:
        a = self.csr
        lo, hi = a.indptr[i], a.indptr[i + 1]
        return [(int(j), self.q(float(v))) for j, v in zip(a.indices[lo:hi], a.data[lo:hi], strict=True) if v != 0]

    def col(self, j: int) -> list[tuple[int, Fraction]]:
        a = self.csc
        lo, hi = a.indptr[j], a.indptr[j + 1]
        return [(int(i), self.q(float(v))) for i, v in zip(a.indices[lo:hi], a.data[lo:hi], strict=True) if v != 0]

    def b(self, i: int) -> Fraction:
        return self.q(float(self.lp.row_upper[i]))

    def lower(self, j: int) -> Fraction | None:
        v = float(self.lp.col_lower[j])
        return self.q(v) if np.isfinite(v) else None

    def upper(self, j: int) -> Fraction | None:
        v = float(self.lp.col_upper[j])
        return self.q(v) if np.isfinite(v) else None

    def is_equality(self, i: int) -> bool:
        return i < self.lp.n_eq


def check_farkas(rf: RationalForm, g: dict[int, Fraction]) -> tuple[Fraction | None, dict[int, Fraction], str]:
    """(delta, r = A'g, reason): the certificate `g` (row -> weight on A_i x - b_i) checked exactly;
    delta is None when a condition fails (reason says which), else the contradiction's 0 >= delta."""
    r: dict[int, Fraction] = {}
    value = Fraction(0)
    for i, w in g.items():
        if w == 0:
            continue
        if not rf.is_equality(i) and w > 0:
            return None, r, f"standard-form row {i} is an inequality with a weight of the wrong sign"
        for j, a in rf.row(i):
            r[j] = r.get(j, Fraction(0)) + w * a
        value += w * rf.b(i)
    for j, rj in r.items():
        if rj == 0:
            continue
        bound = rf.lower(j) if rj < 0 else rf.upper(j)
        if bound is None:
            return None, r, f"standard-form column {j} keeps a coefficient {rj} that no bound cancels"
        value -= rj * bound
    if value <= 0:
        return None, r, f"the weighted sum reads 0 >= {value}, no contradiction"
    return value, r, ""


# --------------------------------------------------------------------------- exact solve on a support
def solve_exact(equations: list[dict[int, Fraction]], rhs: list[Fraction],
                unknowns: list[int]) -> dict[int, Fraction] | None:
    """A rational solution of equations[k] . z = rhs[k] in the `unknowns` (free ones set to 0), by
    python-flint's reduced row echelon form; None when the system is inconsistent."""
    import flint

    position = {u: k for k, u in enumerate(unknowns)}
    n = len(unknowns)
    M = flint.fmpq_mat(len(equations), n + 1)
    for k, (eq, value) in enumerate(zip(equations, rhs, strict=True)):
        for u, a in eq.items():
            if u in position:
                M[k, position[u]] = flint.fmpq(a.numerator, a.denominator)
        M[k, n] = flint.fmpq(value.numerator, value.denominator)
    R, rank = M.rref()
    solution = {u: Fraction(0) for u in unknowns}
    for k in range(rank):
        lead = next(c for c in range(n + 1) if R[k, c] != 0)
        if lead == n:
            return None  # a row 0 = nonzero
        v = R[k, n]
        solution[unknowns[lead]] = Fraction(int(v.p), int(v.q))
    return solution


# --------------------------------------------------------------------------- the float certificate
#: Passes of geometric-mean scaling (`equilibrate`), each over the rows, then over the columns.
SCALE_PASSES = 4


def equilibrate(A: sp.spmatrix, passes: int = SCALE_PASSES) -> tuple[np.ndarray, np.ndarray]:
    """Row and column scales r, s, powers of 2, that bring the nonzeros of diag(r) A diag(s) near 1 (geometric-
    mean scaling: each row, then each column, divided by the square root of its largest times its smallest)."""
    M = sp.coo_matrix(A)
    nonzero = M.data != 0
    rows, cols, size = M.row[nonzero], M.col[nonzero], np.log2(np.abs(M.data[nonzero].astype(float)))
    log_r, log_s = np.zeros(M.shape[0]), np.zeros(M.shape[1])

    def centre(index: np.ndarray, v: np.ndarray, k: int) -> np.ndarray:  # -(max + min) / 2 of each line; 0 if empty
        hi, lo = np.full(k, -np.inf), np.full(k, np.inf)
        np.maximum.at(hi, index, v)
        np.minimum.at(lo, index, v)
        return np.where(np.isfinite(hi), -(hi + lo) / 2, 0.0)

    for _ in range(passes):
        log_r += centre(rows, size + log_r[rows] + log_s[cols], M.shape[0])
        log_s += centre(cols, size + log_r[rows] + log_s[cols], M.shape[1])
    return np.exp2(np.round(log_r)), np.exp2(np.round(log_s))


def highs_vertex(c: np.ndarray, A: sp.csc_matrix, row_lo: np.ndarray, row_hi: np.ndarray, col_lo: np.ndarray,
                 col_hi: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(z, s): the optimal vertex z of min c.z, row_lo <= A z <= row_hi, col_lo <= z <= col_hi, found by HiGHS's
    simplex on the equilibrated LP (z = s z', row i times r_i; `equilibrate`), and the column scales s; or None."""
    import highspy

    r, s = equilibrate(A)
    form = StandardForm(c=c * s, A=sp.csc_matrix(sp.diags(r) @ A @ sp.diags(s)), n_eq=0, row_lower=row_lo * r,
                        row_upper=row_hi * r, col_lower=col_lo / s, col_upper=col_hi / s, integer=[])
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("solver", "simplex")
    form.load_into(h)
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    return s * np.asarray(h.getSolution().col_value, float), s


def float_farkas(lp: StandardForm) -> np.ndarray | None:
    """Row weights g (on A x - b) of a float Farkas certificate with delta = 1 and the least sum of
    |weights|, from an auxiliary LP (the module docstring), or None when it has none (feasible)."""
    found = farkas_vertex(lp)
    return None if found is None else found[0]


def farkas_vertex(lp: StandardForm) -> tuple[np.ndarray, np.ndarray] | None:
    """(g, unit): `float_farkas`'s weights and the scale of each in the equilibrated auxiliary LP (g_i = unit_i
    times the variable HiGHS solved for), or None."""
    m, n = lp.A.shape
    has_lo, has_hi = np.isfinite(lp.col_lower), np.isfinite(lp.col_upper)
    lo_cols, hi_cols = np.flatnonzero(has_lo), np.flatnonzero(has_hi)
    eye = sp.identity(n, format="csc")
    At = lp.A.T.tocsc()
    # variables: g (m; <= 0 on inequality rows), mu_lo, mu_hi >= 0; objective: |g| + mu, with g = g+ - g-
    eq = np.arange(m) < lp.n_eq
    blocks = [At[:, np.flatnonzero(eq)], -At[:, np.flatnonzero(eq)], -At[:, np.flatnonzero(~eq)],
              eye[:, lo_cols], -eye[:, hi_cols]]
    b = lp.row_upper
    norm = np.concatenate([b[eq], -b[eq], -b[~eq], lp.col_lower[lo_cols], -lp.col_upper[hi_cols]])  # delta
    A = sp.vstack([sp.hstack(blocks), sp.csr_matrix(norm.reshape(1, -1))]).tocsc()
    k = A.shape[1]
    rhs = np.concatenate([np.zeros(n), [1.0]])
    found = highs_vertex(np.ones(k), A, rhs, rhs, np.zeros(k), np.full(k, np.inf))
    if found is None:
        return None
    z, s = found
    n_eq, n_in = int(eq.sum()), int((~eq).sum())
    g, unit = np.zeros(m), np.ones(m)
    g[eq] = z[:n_eq] - z[n_eq:2 * n_eq]
    g[~eq] = -z[2 * n_eq:2 * n_eq + n_in]
    unit[eq], unit[~eq] = s[:n_eq], s[2 * n_eq:2 * n_eq + n_in]  # g+ and g- have the same column, negated
    return g, unit


#: Each weight is rounded to the simplest rational within this many ulps of it, the narrowest first (a
#: solver's vertex is a few ulps off its exact value; ~1e-7 relative at the widest).
ROUND_ULPS = (0.5, 16.0, 1024.0, 65536.0, 1048576.0, 1073741824.0)


def rounded(values: np.ndarray, ulps: float = 0.5, unit: np.ndarray | None = None) -> dict[int, Fraction]:
    """The entries not negligible as the simplest rationals within `ulps` ulps. Negligible: |values_i| / unit_i
    at most FARKAS_ZERO_TOL of the largest such, each entry in its own units (those of the equilibrated auxiliary
    LP, where its row or column is of size ~1; without `unit`, the raw values)."""
    size = np.abs(values) if unit is None else np.abs(values) / unit
    keep = np.flatnonzero(size > FARKAS_ZERO_TOL * float(size.max(initial=0.0)))
    return {int(i): rational(float(values[i]), ulps) for i in keep}


def first_rounding(values: np.ndarray, check: Any, unit: np.ndarray | None = None
                   ) -> tuple[dict[int, Fraction], Any, str]:
    """The rounding of `values` (ROUND_ULPS, narrowest first; `rounded`) that `check` accepts: (rounded, its
    check's answer, ""), or the narrowest's (rounded, None, the check's reason)."""
    narrow: tuple[dict[int, Fraction], str] | None = None
    for ulps in ROUND_ULPS:
        exact = rounded(values, ulps, unit)
        answer, reason = check(exact)
        if answer is not None:
            return exact, answer, ""
        narrow = narrow or (exact, reason)
    assert narrow is not None
    return narrow[0], None, narrow[1]


def exact_from_float(floats: np.ndarray, check: Any, repair: Any, unit: np.ndarray | None = None
                     ) -> tuple[dict[int, Fraction], Any, str, str]:
    """A float certificate made exact: rounded (`first_rounding`, in units `unit`), else solved exactly on its
    support by `repair(support)` (at most MAX_EXACT_SUPPORT entries) and checked again. Returns (the exact
    vector, the check's answer or None, why not, the method)."""
    exact, answer, reason = first_rounding(floats, check, unit)
    if answer is not None:
        return exact, answer, "", "rounded float"
    support = sorted(exact)
    if len(support) > MAX_EXACT_SUPPORT:
        return exact, None, (f"rounding broke it ({reason}) and its support has {len(support)} entries "
                             f"(> {MAX_EXACT_SUPPORT})"), "rounded float"
    repaired = repair(support)
    if repaired is None:
        return exact, None, f"rounding broke it ({reason}) and the exact system on its support has no solution", \
            "rounded float"
    exact = {k: w for k, w in repaired.items() if w}
    answer, again = check(exact)
    if answer is None:
        return exact, None, f"rounding broke it ({reason}); the exact solve on its support fails too ({again})", \
            "exact solve on the support"
    return exact, answer, "", "exact solve on the support"


def _repair(rf: RationalForm, g_float: np.ndarray, support: list[int]) -> dict[int, Fraction] | None:
    """The weights on `support` solved exactly, delta = 1: every column the float certificate cancels (or
    that no bound can cancel) cancels exactly, the others are cancelled by the bound their float sign
    picks; a column whose exact sum comes out of another sign is made to cancel too, and it is solved
    again (at most once per column)."""
    lp = rf.lp
    A = lp.A.tocsr()[support]
    r_float = np.asarray(A.T @ g_float[support]).reshape(-1)
    scale = np.asarray(abs(A).T @ np.abs(g_float[support])).reshape(-1)
    cols = [int(j) for j in np.flatnonzero(scale > 0)]
    by_col: dict[int, dict[int, Fraction]] = {j: {} for j in cols}
    for i in support:
        for j, a in rf.row(i):
            by_col[j][i] = a
    side = {j: 0 if abs(r_float[j]) <= FARKAS_ZERO_TOL * scale[j] else int(np.sign(r_float[j])) for j in cols}
    side = {j: 0 if (s < 0 and rf.lower(j) is None) or (s > 0 and rf.upper(j) is None) else s
            for j, s in side.items()}
    for _ in range(len(cols) + 1):
        delta_row: dict[int, Fraction] = {i: rf.b(i) for i in support}  # delta = g.b - sum r_j bound_j
        for j, s in side.items():
            bound = rf.lower(j) if s < 0 else rf.upper(j) if s > 0 else None
            for i, a in by_col[j].items():
                if bound is not None:
                    delta_row[i] -= a * bound
        equations = [by_col[j] for j, s in side.items() if s == 0] + [delta_row]
        rhs = [Fraction(0)] * (len(equations) - 1) + [Fraction(1)]
        g = solve_exact(equations, rhs, support)
        if g is None:
            return None
        r = {j: sum((a * g[i] for i, a in by_col[j].items()), Fraction(0)) for j in cols}
        wrong = [j for j, s in side.items() if s != 0 and (r[j] > 0) - (r[j] < 0) != s]
        if not wrong:
            return g
        for j in wrong:
            side[j] = 0
    return None


# --------------------------------------------------------------------------- in the model's terms
@dataclass
class ColumnGroup:
    """A variable's standard-form columns in the C order of its labels."""

    name: str
    cols: np.ndarray
    labels: pd.Index


def column_groups(model: Any, form: ModelForm) -> list[ColumnGroup]:
    out = []
    for name, (offset, shape) in form.columns.items():
        size = int(np.prod(shape)) if shape else 1
        cols = offset + np.arange(size).reshape(shape or (1,), order="F").reshape(-1)
        index = model.variables[name].index
        if isinstance(index, tuple):
            labels: pd.Index = pd.MultiIndex.from_product([index[0], index[1]], names=[index[0].name, index[1].name])
        else:
            labels = pd.Index(index) if index is not None else pd.RangeIndex(size)
        out.append(ColumnGroup(name, cols, labels))
    return out


def _family_multipliers(model: Any, form: ModelForm, g: dict[int, Fraction]) -> dict[str, pd.Series]:
    out = {}
    for name, block in form.blocks.items():
        rows = block.rows_c_order()
        if not any(g.get(int(i), 0) for i in rows):
            continue
        reading = -1 if model.families[name].sense == "<=" else 1  # slack = reading * (lhs - rhs)
        # g_i (A_i x - b_i) = g_i sigma_i (lhs - rhs) = (g_i sigma_i reading) * slack
        vals = [g.get(int(i), Fraction(0)) * int(s) * reading for i, s in zip(rows, block.sigma, strict=True)]
        out[name] = pd.Series(vals, index=flat_labels(block), dtype=object, name=name)
    return out


def _domain_multipliers(model: Any, form: ModelForm, rf: RationalForm,
                        r: dict[int, Fraction]) -> tuple[dict[str, pd.Series], dict[str, pd.Series]]:
    weights, bounds = {}, {}
    lp = form.lp
    for group in column_groups(model, form):
        w = [-r.get(int(j), Fraction(0)) for j in group.cols]  # > 0: x_j >= l_j, < 0: x_j <= u_j
        if not any(w):
            continue
        lower0 = np.all(lp.col_lower[group.cols] == 0.0) and not np.isfinite(lp.col_upper[group.cols]).any()
        name = f"{group.name} >= 0" if lower0 else f"{group.name} bounds"
        used = [(rf.lower(int(j)) if wj > 0 else rf.upper(int(j))) if wj else None
                for j, wj in zip(group.cols, w, strict=True)]
        weights[name] = pd.Series(w, index=group.labels, dtype=object, name=name)
        bounds[name] = pd.Series(used, index=group.labels, dtype=object, name=name)
    return weights, bounds


def check_lp(model: Any, what: str) -> None:
    """CapabilityError unless `model` is an LP (affine, no integers)."""
    if model.has_integers:
        raise CapabilityError(f"{what}: model '{model.name}' has integer variables; exact certificates are for LPs "
                              "(a MILP's infeasibility or unboundedness has no Farkas certificate)")
    if not model.is_lp:
        raise CapabilityError(f"{what}: model '{model.name}' is not an LP (a conic or nonlinear family or "
                              "objective); exact certificates are for LPs")


def farkas(model: Any) -> FarkasCertificate:
    """An exact Farkas certificate of the infeasible LP `model` (see the module docstring); unverified,
    with the reason, where none is found or none survives exact arithmetic. CapabilityError on a MILP
    or a non-LP."""
    check_lp(model, "farkas")
    with model.exclusive:  # the compiled problem and its parameters are shared with other copies
        form = model_form(model)
    rf = RationalForm(form.lp)
    out = FarkasCertificate(model.name)
    try:
        found = farkas_vertex(form.lp)
    except RejectedLPError:
        out.reason = "HiGHS rejected the auxiliary LP (coefficients beyond its limits)"
        return out
    if found is None:
        out.reason = "the auxiliary LP has no solution: the standard form looks feasible in floating point"
        return out
    g_float, unit = found
    g, delta, out.reason, out.method = exact_from_float(g_float, lambda w: check_farkas(rf, w)[::2],
                                                        lambda support: _repair(rf, g_float, support), unit)
    if delta is None:
        return out
    families = _family_multipliers(model, form, g)
    largest = max((abs(w) for s in families.values() for w in s), default=Fraction(1)) or Fraction(1)
    g = {i: w / largest for i, w in g.items()}
    delta, r, reason = check_farkas(rf, g)  # the scaled certificate, checked as returned
    out.multipliers = _family_multipliers(model, form, g)
    domains, out.bounds = _domain_multipliers(model, form, rf, r)
    out.multipliers.update(domains)
    out.delta, out.verified, out.reason = delta, delta is not None, reason
    return out


def render(error: Any) -> str:
    """The proof behind an InfeasibleError (its Farkas certificate) or an UnboundedError (its ray),
    as text (for the CLI's `solve --farkas`); CapabilityError when it has none."""
    from ..core.errors import InfeasibleError, UnboundedError

    if isinstance(error, InfeasibleError):
        return error.farkas().explain()
    if isinstance(error, UnboundedError):
        return error.ray().explain()
    raise CapabilityError(f"farkas: only an infeasible or unbounded LP has a certificate, not {type(error).__name__}")

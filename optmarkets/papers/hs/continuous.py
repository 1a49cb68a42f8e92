"""A continuum of qualities ([HS] Appendix C): linear valuations v_t a, qualities a in [0, a_max] (or [0, inf)) and a
convex production cost C given as a callable on a cvxpy expression (e.g. `lambda a: cp.square(a) / 2`).

The seller's mechanism program ([HS] App. C, the continuous analogue of M-LP) over a quality a_t >= 0 and a payment p_t
per type in the support of f:

    max_{a, p}  sum_t f(t) [p_t - C(a_t)]
    s.t.  v_t a_t - p_t >= v_t a_s - p_s      for all t != s    [IC  (t, report s)]
          v_t a_t - p_t >= 0                                    [IR  (t)]
          a_t <= a_max                                          [quality_max  (t), when a_max is given]

a convex program (a QP for C = a^2/2), solved with Clarabel. Its optimum is Myerson's: a_t maximises phi(t) a - C(a)
with phi the (ironed) virtual value, payments from the envelope (Proposition 6).

`pareto_improving_segmentation` uses Corollary 2: f is improvable iff some inefficient type t keeps its quality when
phi(t) is lowered a little (phi(t) > min Phi(phi(t)) = C'_-(a(t)), -inf at a = 0); then the (t, delta) split of
Corollary 2's proof is built and checked (`segmentation.check_segmentation`). With C strictly convex and
differentiable and A = [0, inf) that is Corollary 3: improvable iff some type is excluded.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import cvxpy as cp
import numpy as np
import pandas as pd

from ...builders import family, participation, truthful
from ...builders.algebra import report_utility
from ...core import validate as pr
from ...core.errors import InputError, UnboundedError
from ...core.model import Model
from ...core.tolerances import CONIC_CS_TOL, CONIC_SOLVE_TOL, CONTINUOUS_DIFF_STEP, CONTINUOUS_PHI_STEP, QUALITY_RISE
from ...theory.ironing import concave_majorant, hull_values
from . import segmentation
from .results import Segmentation

if TYPE_CHECKING:
    from .seller import MultiProductSeller

SOLVER = "CLARABEL"  # a conic interior point: the program is a QP or SOCP, not an LP


class ContinuousQualitySeller:
    """A seller of one product in a continuum of qualities ([HS] Appendix C).

    values: v_t >= 0, strictly increasing (types ranked as in the paper); cost: a callable C taking a cvxpy
    expression of qualities (a vector) and returning the elementwise cost, convex under cvxpy's DCP rules, C(0) = 0;
    quality_max: a_max > 0 (A = [0, a_max]) or None (A = [0, inf)); types: labels (default t1, t2, ...).
    Data: `type_index`, `values` (a Series), `efficient_quality` (a-bar(t), a Series), `scale` (max(1, max v a-bar)).
    """

    def __init__(self, values, cost, *, quality_max=None, types=None):
        v = pr.increasing("values", values)
        if (v < 0).any():
            raise InputError(f"values: must be >= 0 (the value of quality a is v_t a), got {v.tolist()}")
        names = [f"t{i + 1}" for i in range(v.size)] if types is None else pr.label_sequence("types", types)
        if len(names) != v.size:
            raise InputError(f"types: has {len(names)} labels, expected {v.size}")
        self.type_index = pd.Index(names, name="type")
        self.v = v
        self.values = pd.Series(v, index=self.type_index, name="value")
        if quality_max is not None:
            top = pr.as_vector("quality_max", quality_max, length=1)[0]
            if top <= 0:
                raise InputError(f"quality_max: must be > 0, got {top:g}")
            quality_max = float(top)
        self.quality_max = quality_max
        self.cost = _checked_cost(cost, v.size)
        self.efficient_quality = pd.Series(self._efficient(), index=self.type_index, name="efficient_quality")
        self.scale = max(1.0, float((v * self.efficient_quality.to_numpy()).max()))
        self._templates: dict[tuple[int, ...], Model] = {}

    def __repr__(self) -> str:
        top = "inf" if self.quality_max is None else f"{self.quality_max:g}"
        return f"ContinuousQualitySeller({len(self.type_index)} types, qualities in [0, {top}])"

    # ------------------------------------------------------------------ data
    def cost_of(self, quality) -> np.ndarray:
        """C(a) for an array of qualities (the callable evaluated on a cvxpy constant)."""
        a = np.atleast_1d(np.asarray(quality, dtype=float))
        return np.asarray(self.cost(cp.Constant(a)).value, dtype=float).reshape(a.shape)

    def market(self, market) -> np.ndarray:
        """Validate a market: a probability vector over the types."""
        return pr.probabilities("market", market, length=len(self.type_index), index=self.type_index)

    def _efficient(self) -> np.ndarray:
        """a-bar(t) = argmax_a v_t a - C(a) on A (one separable convex program)."""
        model = Model("efficient quality", sense="max", units="surplus")
        model.default_solver = SOLVER
        a = model.variable("a", len(self.v), index=self.type_index, nonneg=True)
        if self.quality_max is not None:
            model.constrain("quality_max", family(a, "<=", self.quality_max, self.type_index, "a <= a_max"))
        model.maximize(cp.sum(cp.multiply(self.v, a) - self.cost(a)))
        try:
            sol = model.solve(SOLVER, tol=CONIC_SOLVE_TOL, certify=False)
        except UnboundedError:
            raise InputError("cost: grows too slowly, v_t a - C(a) is unbounded on [0, inf); give quality_max "
                             "or a cost that grows faster than linearly") from None
        return np.clip(sol["a"].to_numpy(), 0.0, self.quality_max)

    # ------------------------------------------------------------------ the mechanism program
    def _template(self, support: tuple[int, ...]) -> Model:
        if support in self._templates:
            return self._templates[support]
        S = np.array(support)
        types, v = self.type_index[S], self.v[S]
        model = Model("M-CP", sense="max", units="revenue",
                      description="Haghpanah-Siegel Appendix C mechanism program over qualities and payments")
        model.default_solver = SOLVER
        model.solver_defaults = {SOLVER: {"tol": CONIC_SOLVE_TOL}}

        def on_support(value):
            return pr.probabilities("market", value, length=len(S), strict=True, index=types)

        f = model.parameter("market", np.full(len(S), 1.0 / len(S)), index=types, validate=on_support, nonneg=True)
        a = model.variable("a", len(S), index=types, nonneg=True)
        p = model.variable("p", len(S), index=types)
        U = report_utility(v, a, p)  # U[t, s] = v_t a_s - p_s
        if len(S) > 1:
            model.constrain("IC", truthful(U, types))
        outside = model.parameter("outside", np.zeros(len(S)), index=types,
                                  validate=lambda v: pr.as_vector("outside", v, length=len(S), index=types))
        model.constrain("IR", participation(U, outside, types))
        if self.quality_max is not None:
            model.constrain("quality_max", family(a, "<=", self.quality_max, types, "a quality in [0, a_max]"))
        model.maximize(f @ p - f @ self.cost(a))
        model.output("quality", lambda sol: self._menu(S, sol)[0], lazy=True)
        model.output("payment", lambda sol: self._menu(S, sol)[1], lazy=True)
        model.output("consumer_surplus", lambda sol: self._menu(S, sol)[2], lazy=True)
        model.output("profit", lambda sol: self._menu(S, sol)[3], lazy=True)
        model.output("efficient", lambda sol: bool(self._inefficient(S, sol["a"].to_numpy()).size == 0), lazy=True)
        self._templates[support] = model
        return model

    def mechanism_problem(self, market) -> Model:
        """The mechanism program of `market` on its support (solve it with solver="CLARABEL", the model's default).

        sol.value: expected profit; sol["quality"], sol["payment"], sol["consumer_surplus"], sol["profit"]
        (p_t - C(a_t)) per type, zero-mass types taking their favourite menu entry; sol["a"], sol["p"] on the
        support; sol.prices["IC"] (type, report) and sol.prices["IR"] (type): d profit / d(rhs), the profit lost
        per unit of utility guaranteed (<= 0; `bind(outside=...)` sets the outside options, default 0);
        sol.prices["quality_max"] when a_max is given.
        """
        f = self.market(market)
        S = np.flatnonzero(f > 0)
        return self._template(tuple(S)).bind(market=f[S])

    def selected(self, market, *, rule: str | None = None, solver: str = SOLVER, certify: bool = False):
        """The optimal mechanism of `market` (a Solution). `rule` is accepted for `check_segmentation` and
        ignored: no selection chain here (the optimum is unique for a strictly convex cost)."""
        return self.mechanism_problem(market).solve(solver, certify=certify)

    def _menu(self, S: np.ndarray, sol):
        aS, pS = sol["a"].to_numpy(), sol["p"].to_numpy()
        menu_a, menu_p = np.concatenate([aS, [0.0]]), np.concatenate([pS, [0.0]])
        pick = (np.outer(self.v, menu_a) - menu_p).argmax(axis=1)
        pick[S] = np.arange(len(S))
        a, p = menu_a[pick], menu_p[pick]
        return (pd.Series(a, index=self.type_index, name="quality"),
                pd.Series(p, index=self.type_index, name="payment"),
                pd.Series(self.v * a - p, index=self.type_index, name="consumer_surplus"),
                pd.Series(p - self.cost_of(a), index=self.type_index, name="profit"))

    def _quality_tol(self) -> float:
        return CONIC_CS_TOL * max(1.0, float(self.efficient_quality.max()))

    def _inefficient(self, S: np.ndarray, a: np.ndarray) -> np.ndarray:
        """Positions (in the type index) of support types whose quality is not a-bar(t)."""
        gap = np.abs(a - self.efficient_quality.to_numpy()[S])
        return S[gap > self._quality_tol()]

    # ------------------------------------------------------------------ virtual values, Corollaries 2 and 3
    def virtual_values(self, market) -> pd.Series:
        """phi(t): slopes of the ironed revenue curve (the least concave majorant of (F~(t), v_t F~(t)) and (0, 0));
        a zero-mass type gets the slope just left of F~(t), as in the paper."""
        f = self.market(market)
        F = np.concatenate([np.cumsum(f[::-1])[::-1], [0.0]])
        hx, hy = concave_majorant(np.concatenate([F[:-1], [0.0]]), np.concatenate([self.v * F[:-1], [0.0]]))
        R = hull_values(F, (hx, hy))
        seg = np.searchsorted(hx, F[:-1], side="left")
        left = np.where(seg == 0, self.v, (hy[seg] - hy[np.maximum(seg - 1, 0)])
                        / np.where(seg == 0, 1.0, hx[seg] - hx[np.maximum(seg - 1, 0)]))
        phi = np.where(f > 0, (R[:-1] - R[1:]) / np.where(f > 0, f, 1.0), left)
        return pd.Series(phi, index=self.type_index, name="phi")

    def corollary2(self, market) -> pd.DataFrame:
        """Corollary 2's test per type: quality a(t), efficient, phi(t), lo = min Phi(phi(t)) = C'_-(a(t)) (a
        difference quotient; -inf at a = 0) and `improvable` = inefficient, f(t) > 0 and phi(t) - step >= lo, i.e.
        lowering phi(t) a little keeps a(t) optimal. f is Pareto improvable iff some type is."""
        f = self.market(market)
        a = self.selected(f)["quality"].to_numpy()
        phi = self.virtual_values(f).to_numpy()
        h = CONTINUOUS_DIFF_STEP * max(1.0, float(self.efficient_quality.max()))
        excluded = a <= self._quality_tol()
        below = np.maximum(a - h, 0.0)
        lo = np.where(excluded, -np.inf,
                      (self.cost_of(a) - self.cost_of(below)) / np.where(excluded, 1.0, a - below))
        efficient = np.abs(a - self.efficient_quality.to_numpy()) <= self._quality_tol()
        step = CONTINUOUS_PHI_STEP * max(1.0, float(self.v.max()))
        return pd.DataFrame({"quality": a, "excluded": excluded, "efficient": efficient, "phi": phi, "lo": lo,
                             "improvable": (~efficient) & (f > 0) & (phi - step >= lo)}, index=self.type_index)

    def perturbation(self, market, t, delta: float) -> np.ndarray:
        """The (t, delta)-perturbation: F~1(s) = (1 + delta) F~(s) for s > t, unchanged for s <= t."""
        f = self.market(market)
        i = segmentation.type_position(cast("MultiProductSeller", self), "t", t)
        g = f.copy()
        g[i + 1:] *= 1 + delta
        g[i] = f[i] - delta * f[i + 1:].sum()
        if (g < 0).any():
            raise InputError(f"delta: {delta:g} makes the perturbed market negative")
        return g

    def check_segmentation(self, market, segments, weights, *, tol: float = CONIC_CS_TOL):
        """Compare the optimal mechanisms of `segments` with that of `market` type by type (a ParetoCheck)."""
        return segmentation.check_segmentation(cast("MultiProductSeller", self), market, segments, weights, tol=tol)

    def pareto_improving_segmentation(self, market, *, max_halvings: int = 20) -> Segmentation | None:
        """A checked Pareto-improving segmentation of `market` (Corollary 2's (t, delta) split), or None when
        Corollary 2's test fails for every inefficient type (then none exists: Corollary 2's "only if")."""
        f = self.market(market)
        test = self.corollary2(f)
        base = test["quality"].to_numpy()
        cs_before = self.selected(f)["consumer_surplus"].to_numpy()
        tol = CONIC_CS_TOL * self.scale
        for t in test.index[test["improvable"].to_numpy()]:
            i = self.type_index.get_loc(t)
            if not f[i + 1:].sum() > 0:
                continue
            for d1 in (-0.5, -0.9, -0.99, -0.999):  # not a tolerance: delta' toward -1 (Lemma 7)
                f1 = self.perturbation(f, t, d1)
                if self.selected(f1)["quality"].iloc[i] > base[i] + QUALITY_RISE:
                    break
            else:
                continue
            eps = 0.5  # not a tolerance: the split's first weight, halved
            for _ in range(max_halvings):
                d2 = -eps * d1 / (1 - eps)
                if f[i] - d2 * f[i + 1:].sum() > 0:
                    f2 = self.perturbation(f, t, d2)
                    cs2 = self.selected(f2)["consumer_surplus"].to_numpy()
                    if np.abs(cs2 - cs_before)[f > 0].max() <= tol:
                        chk = self.check_segmentation(f, np.vstack([f1, f2]), [eps, 1 - eps])
                        if chk.ok:
                            return Segmentation(chk.segments, chk.weights, "Corollary 2 (t, delta) split", chk,
                                                {"type": t, "delta": d1})
                        break
                eps /= 2
        return None


def _checked_cost(cost: Any, n: int):
    """The cost callable, or an InputError naming `cost` (not callable, not elementwise, not convex, C(0) != 0)."""
    if not callable(cost):
        raise InputError(f"cost: expected a callable C(a) on a cvxpy expression (e.g. lambda a: cp.square(a) / 2), "
                         f"got {type(cost).__name__}")
    probe = cp.Variable(n, nonneg=True)
    try:
        expr = cost(probe)
    except Exception as exc:  # the user's callable: any failure is a bad input
        raise InputError(f"cost: calling it on a cvxpy vector of qualities failed ({exc})") from None
    if not isinstance(expr, cp.Expression) or expr.shape not in ((n,), ()):
        raise InputError("cost: must return a cvxpy expression with one cost per quality (elementwise), got "
                         f"{type(expr).__name__} of shape {getattr(expr, 'shape', None)}")
    if expr.shape == () and n > 1:
        raise InputError("cost: returned a scalar for a vector of qualities; write it elementwise")
    if not expr.is_convex():
        raise InputError(f"cost: {expr} is not convex under cvxpy's DCP rules (curvature {expr.curvature}); "
                         "write it with convex atoms, e.g. cp.square(a) / 2 or cp.maximum(...) of lines")
    at_zero = float(np.asarray(cost(cp.Constant(np.zeros(1))).value).ravel()[0])
    if abs(at_zero) > CONIC_CS_TOL:
        raise InputError(f"cost: C(0) = {at_zero:g}, must be 0 (quality 0 is the outside option)")
    return cost

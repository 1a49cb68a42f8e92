"""The multi-product seller of Haghpanah & Siegel (2021): its data, markets and the mechanism LP.

A seller offers alternatives A = {0, 1, ..., k} (0 is the outside option, v(t, 0) = 0, c(0) = 0) to
consumer types t in T with valuations v(t, a) and production costs c(a). A market is f in Delta(T).
The seller's optimal mechanism solves the mechanism LP M-LP(f) ([spec §B.1](hs.md#spec-b1)) over random allocations
x_t in Delta(A) and payments p_t:

    max_{x >= 0, p}  sum_t f(t) [p_t - c . x_t]
    s.t.  sum_a x_{t,a} = 1                                             [lottery]
          v(t) . x_t - p_t >= v(t) . x_s - p_s        for all t != s    [IC  (t, report s)]
          v(t) . x_t - p_t >= 0                                         [IR  (t)]

built from `report_utility`, `truthful` and `participation`. The M-LP is solved on the support of f
(zero-mass types do not change revenue; they choose their favourite menu entry, which is how the
outputs report them). Among several optimal mechanisms the *selected* one is the lexicographic
chain of [spec §B.2](hs.md#spec-b2) (`_selection`, a `core.strategies.Lexicographic`), whose later stages do not
depend on f: (1) max revenue, (2) max unweighted total surplus sum_t [v(t) - c] . x_t, (3) max
sum_t CS(t), (4) max CS(t_1), CS(t_2), ... in turn. `payment_ranges` gives each payment's range over
the optimal face (`core.strategies.face_ranges`).

The segmentation methods delegate to `segmentation.py` (Pareto check and search, BBM, two types,
Proposition 3 / Theorem 1) and the linear-valuation methods to `linear.py` (App. C.1).
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd

from ...builders import family, participation, truthful
from ...builders.algebra import report_utility
from ...core import validate as pr
from ...core.deprecation import renamed
from ...core.model import Model
from ...core.solve import Request
from ...core.strategies import Lexicographic, face_ranges
from ...core.tolerances import PAY_TOL, SELECT_TOL
from . import linear, segmentation
from .continuous import ContinuousQualitySeller
from .results import ParetoCheck, ParetoSearch, Segmentation
from .tolerances import CS_TOL, DET_TOL, VALUE_TIE

RULES = ("efficient", "mincs")


# ====================================================================== the selection rule ([spec §B.2](hs.md#spec-b2))
def _consumer_surplus(V: np.ndarray):
    """CS(t) = v(t) . x_t - p_t on the model's support, as a goal vector."""
    return lambda model: cp.sum(cp.multiply(V, model.var("x")), axis=1) - model.var("p")


def _selection(V: np.ndarray, Vnet: np.ndarray, scale: float) -> Lexicographic:
    """The lexicographic chain among revenue-optimal mechanisms: "efficient" ([spec §B.2](hs.md#spec-b2): total
    surplus, the sum of CS, then each type's CS in order) or "mincs" (least CS, then each type's)."""
    cs = _consumer_surplus(V)
    return Lexicographic(
        rules={
            "efficient": lambda m: cp.hstack([cp.reshape(cp.sum(cp.multiply(Vnet, m.var("x"))), (1,), order="C"),
                                              cp.reshape(cp.sum(cs(m)), (1,), order="C"), cs(m)]),
            "mincs": lambda m: -cp.hstack([cp.reshape(cp.sum(cs(m)), (1,), order="C"), cs(m)]),
        },
        default="efficient",
        free=lambda m: -1e3 * scale * max(V.shape[0], 1) - 1.0,  # a floor no goal ever reaches
    )


# ====================================================================== the seller
class MultiProductSeller:
    """A multi-product monopolist facing consumer types (Haghpanah & Siegel 2021).

    valuations: a DataFrame (index: types, columns: alternatives), a nested mapping
        {type: {alternative: value}}, or a 2-D array (then `types` / `alternatives` label it). The
        outside option is implicit with value 0; negative values are allowed.
    costs: production cost c(a) per alternative (default 0); net values v - c drive efficiency.
    Every type must have a unique efficient alternative (the outside option included).

    Data: `type_index` (the types), `alternative_index` (the alternatives, `outside_label` first),
    `valuations` (types x alternatives, without the outside option), `costs`, `V` / `c` / `Vnet`
    (with the outside option as column 0), `efficient` (a-bar(t), a column of V), `scale`.
    """

    # deprecated names (one release)
    types = renamed("type_index")
    alternatives = renamed("alternative_index")
    outside = renamed("outside_label")

    def __init__(self, valuations, costs=None, *, types=None, alternatives=None):
        frame = _frame(valuations, types, alternatives)
        if frame.shape[0] < 1 or frame.shape[1] < 1:
            raise pr.InputError(f"valuations: need at least one type and one alternative, got shape {frame.shape}")
        if frame.index.has_duplicates or frame.columns.has_duplicates:
            raise pr.InputError("valuations: type and alternative labels must be unique")
        values = pr.as_matrix("valuations", frame.to_numpy(dtype=float))
        n, k = values.shape
        self.costs = np.zeros(k) if costs is None else pr.as_vector("costs", costs, length=k,
                                                                     index=pd.Index(frame.columns))
        self.outside_label = 0 if _numeric(frame.columns) and 0 not in set(frame.columns) else "outside"
        self.type_index = pd.Index(frame.index, name="type")
        self.alternative_index = pd.Index([self.outside_label, *frame.columns], name="alternative")
        self.valuations = pd.DataFrame(values, index=self.type_index, columns=frame.columns)
        # with the outside option as column 0: v(t, 0) = 0, c(0) = 0
        self.V = np.hstack([np.zeros((n, 1)), values])
        self.c = np.concatenate([[0.0], self.costs])
        self.Vnet = self.V - self.c
        order = np.sort(self.Vnet, axis=1)
        gap = order[:, -1] - order[:, -2]
        if (gap <= VALUE_TIE * max(1.0, np.abs(self.Vnet).max())).any():
            i = int(np.argmin(gap))
            tied = self.alternative_index[np.isclose(self.Vnet[i], order[i, -1], rtol=0, atol=VALUE_TIE)].tolist()
            raise pr.InputError(f"valuations: type {self.type_index[i]!r} has no unique efficient alternative "
                                f"(net values tie between {tied}); the paper assumes one")
        self.efficient = self.Vnet.argmax(axis=1)  # a-bar(t), a column of V
        self.scale = max(1.0, float(np.abs(self.V).max()))
        self._templates: dict[tuple[int, ...], Model] = {}
        self.linear_values = self.qualities = None

    @classmethod
    def linear(cls, values, qualities, costs=None, *, types=None) -> MultiProductSeller:
        """Linear valuations v(t, a) = v_t a (Mussa-Rosen, [HS] Appendix C.1): values increasing,
        qualities > 0 (quality 0 is the outside option), costs C(a) per quality."""
        v = pr.increasing("values", values)
        a = pr.increasing("qualities", qualities, positive=True)
        names = [f"t{i + 1}" for i in range(v.size)] if types is None else pr.label_sequence("types", types)
        labels = pd.Index(names)
        if len(labels) != v.size:
            raise pr.InputError(f"types: has {len(labels)} labels, expected {v.size}")
        seller = cls(pd.DataFrame(np.outer(v, a), index=labels, columns=pr.labels("a", a)), costs)
        seller.linear_values, seller.qualities = v, np.concatenate([[0.0], a])
        return seller

    @classmethod
    def continuous(cls, values, cost, *, quality_max=None, types=None) -> ContinuousQualitySeller:
        """A continuum of qualities a in [0, quality_max] (or [0, inf)) with linear values v_t a and a convex cost
        `cost` (a callable on a cvxpy expression, e.g. `lambda a: cp.square(a) / 2`): [HS] Appendix C. The seller
        is a `continuous.ContinuousQualitySeller` (a convex mechanism program, solved with Clarabel)."""
        return ContinuousQualitySeller(values, cost, quality_max=quality_max, types=types)

    def __repr__(self) -> str:
        return f"MultiProductSeller({len(self.type_index)} types x {len(self.alternative_index) - 1} alternatives)"

    # ------------------------------------------------------------------ markets
    def market(self, market) -> np.ndarray:
        """Validate a market: a probability vector over the types."""
        return pr.probabilities("market", market, length=len(self.type_index), index=self.type_index)

    def _support(self, f: np.ndarray) -> np.ndarray:
        return np.flatnonzero(f > 0)

    # ------------------------------------------------------------------ M-LP
    def _template(self, support: tuple[int, ...]) -> Model:
        """M-LP on the types in `support`, with the market and outside option as Parameters."""
        if support in self._templates:
            return self._templates[support]
        S = np.array(support)
        types = self.type_index[S]
        V, Vnet = self.V[S], self.Vnet[S]
        model = Model("M-LP", sense="max", units="revenue",
                      description="Haghpanah-Siegel mechanism LP over random allocations")
        model.strategy = _selection(V, Vnet, self.scale)
        # interior point with crossover (vertex duals) is 2-3x faster than the dual simplex on M-LP
        # (benchmarks/bench_overhead.py, row ipm); the selection stages re-run the simplex from its basis
        model.default_solver = "HIGHS_IPM"
        model.solver_defaults = {"HIGHS": {"tol": SELECT_TOL}, "HIGHS_IPM": {"tol": SELECT_TOL}}

        def on_support(value):
            return pr.probabilities("market", value, length=len(S), strict=True, index=types)

        f = model.parameter("market", np.full(len(S), 1.0 / len(S)), index=types, validate=on_support, nonneg=True)
        outside = model.parameter("outside", np.zeros(len(S)), index=types,
                                  validate=lambda v: pr.as_vector("outside", v, length=len(S), index=types))
        x = model.variable("x", (len(S), len(self.alternative_index)), index=(types, self.alternative_index),
                           nonneg=True)
        p = model.variable("p", len(S), index=types)
        model.constrain("lottery", family(cp.sum(x, axis=1), "==", 1.0, types,
                                          "a random allocation: probabilities sum to one"))
        U = report_utility(V, x, p)
        model.constrain("IC", truthful(U, types))
        model.constrain("IR", participation(U, outside, types))
        model.maximize(f @ (p - x @ self.c))
        # the menu as every type reads it: computed from the Solution when first read (lazy)
        model.output("allocation", lambda sol: self._menu(S, sol)[0], lazy=True)
        model.output("payment", lambda sol: self._menu(S, sol)[1], lazy=True)
        model.output("consumer_surplus", lambda sol: self._menu(S, sol)[2], lazy=True)
        model.output("profit", lambda sol: self._menu(S, sol)[3], lazy=True)
        model.output("efficient", lambda sol: self._is_efficient(S, sol["x"].to_numpy()), lazy=True)
        self._templates[support] = model
        return model

    def mechanism_problem(self, market) -> Model:
        """M-LP(f) on the support of `market`; `.solve()` returns the selected optimal mechanism
        (`rule="efficient"` chain of [spec §B.2](hs.md#spec-b2) by default, `rule=None` for the solver's vertex).

        sol.value: revenue; sol["allocation"] (types x alternatives, the outside option first),
        sol["payment"], sol["consumer_surplus"], sol["profit"] per type (zero-mass types take their
        favourite menu entry); sol.prices["IC"] (type, report) and sol.prices["IR"] (type):
        d revenue / d(rhs), i.e. the revenue lost per unit of utility guaranteed (IR: per unit of
        outside option) -- both <= 0; sol.prices["lottery"].
        """
        f = self.market(market)
        S = self._support(f)
        return self._template(tuple(S)).bind(market=f[S])

    def optimal_mechanism(self, market) -> Model:
        """The mechanism LP of `market` (stable name of `mechanism_problem`)."""
        return self.mechanism_problem(market)

    def _menu(self, S, sol):
        """Allocation, payment, CS and profit for every type: support types from the solution,
        the others choose their favourite entry of the menu (or the outside option)."""
        xS, pS = sol["x"].to_numpy(), sol["p"].to_numpy()
        menu_x = np.vstack([xS, np.eye(len(self.alternative_index))[0]])
        menu_p = np.concatenate([pS, [0.0]])
        utility = self.V @ menu_x.T - menu_p  # type x menu entry
        pick = utility.argmax(axis=1)
        pick[S] = np.arange(len(S))
        x, p = menu_x[pick], menu_p[pick]
        cs = (self.V * x).sum(axis=1) - p
        return (pd.DataFrame(x, index=self.type_index, columns=self.alternative_index),
                pd.Series(p, index=self.type_index, name="payment"),
                pd.Series(cs, index=self.type_index, name="consumer_surplus"),
                pd.Series(p - x @ self.c, index=self.type_index, name="profit"))

    def _is_efficient(self, S, x: np.ndarray, tol: float = DET_TOL) -> bool:
        return bool((x[np.arange(len(S)), self.efficient[S]] >= 1 - tol).all())

    def selected(self, market, *, rule: str = "efficient", solver: str | None = None, certify: bool = False):
        """The selected optimal mechanism of `market` (a Solution; no certificate unless asked)."""
        return self.mechanism_problem(market).solve(solver, rule=rule, certify=certify)

    def payment_ranges(self, market, solver: str | None = None) -> pd.DataFrame:
        """For each support type, [low, high] of its payment over all revenue-optimal mechanisms,
        and `unique` (range <= PAY_TOL max(1, revenue) / f(t), [spec §B.2](hs.md#spec-b2))."""
        model = self.mechanism_problem(market)
        revenue = model.solve(solver, rule=None, certify=False).value
        out = face_ranges(model, Request(solver=solver), "payments", lambda m: m.var("p"), revenue,
                          index=model.variables["p"].index)
        f = model.value_of("market")
        out["range"] = out["high"] - out["low"]
        out["unique"] = out["range"] <= PAY_TOL * max(1.0, abs(revenue)) / f
        return out

    def unique_payment_rule(self, market, solver: str | None = None) -> bool:
        """Whether the revenue-optimal payment rule of `market` is unique ([spec §B.2](hs.md#spec-b2))."""
        return bool(self.payment_ranges(market, solver)["unique"].all())

    def is_efficient(self, market, *, rule: str = "efficient") -> bool:
        """Whether the selected mechanism gives every type in the support its efficient alternative."""
        return bool(self.selected(market, rule=rule)["efficient"])

    # ------------------------------------------------------------------ segmentations (segmentation.py)
    def check_segmentation(self, market, segments, weights, *, rule: str = "efficient",
                           tol: float = CS_TOL) -> ParetoCheck:
        """Compare the selected mechanisms of `segments` with that of `market` type by type
        ([spec §B.3](hs.md#spec-b3)): a ParetoCheck, `.ok` when Pareto improving, `.reasons` why not."""
        return segmentation.check_segmentation(self, market, segments, weights, rule=rule, tol=tol)

    def pareto_improving_segmentation(self, market, *, method: str = "auto") -> Segmentation | None:
        """A Pareto-improving segmentation of `market`, or None (`pareto_search(market).reason` says
        why). method: "auto", "bbm", "two-type" or "theorem1" (see `segmentation.pareto_search`)."""
        return self.pareto_search(market, method=method).segmentation

    def pareto_search(self, market, *, method: str = "auto") -> ParetoSearch:
        """Search for a Pareto-improving segmentation; the answer says why when there is none."""
        return segmentation.pareto_search(self, market, method=method)

    def bbm_segmentation(self, market) -> Segmentation:
        """The Bergemann-Brooks-Morris greedy extremal segmentation (single alternative, Prop 1)."""
        return segmentation.bbm_segmentation(self, market)

    def two_type_labels(self, pair=None) -> tuple[int, int] | None:
        """(low, high) positions of a pair of types ([spec §B.4](hs.md#spec-b4)); None when every market
        on it is efficient."""
        return segmentation.two_type_labels(self, pair)

    def two_type_intervals(self, pair=None) -> pd.DataFrame:
        """Lemma 1: the intervals of q = f(t_H) on which the optimal mechanism is constant."""
        return segmentation.two_type_intervals(self, pair)

    def two_type_revenue(self, q, pair=None) -> float:
        """Rev(q) from the Lemma 1 envelope."""
        return segmentation.two_type_revenue(self, q, pair)

    def prop3_market(self, market):
        """Proposition 3 / Lemma 5: (f' as a Series, the chain t', s_1 = t, ..., s_m, M*)."""
        return segmentation.prop3_market(self, market)

    def theorem1_segmentation(self, market, *, max_halvings: int = 40) -> Segmentation | None:
        """Theorem 1: f = eps f' + (1 - eps) f'' with f' from Proposition 3 (None if not found)."""
        return segmentation.theorem1_search(self, self.market(market), max_halvings=max_halvings).segmentation

    # ------------------------------------------------------------------ linear valuations (linear.py)
    def virtual_values(self, market) -> pd.Series:
        """phi(t): slopes of the ironed revenue curve ([HS] App. C.1)."""
        return linear.virtual_values(self, market)

    def virtual_surplus(self, market) -> pd.DataFrame:
        """Per type: phi(t), the virtual-surplus maximising quality and its value."""
        return linear.virtual_surplus(self, market)

    def virtual_surplus_profit(self, market) -> float:
        """sum_t f(t) max_a [phi(t) a - C(a)], equal to the M-LP optimum for linear valuations."""
        return linear.virtual_surplus_profit(self, market)

    def corollary2(self, market) -> pd.DataFrame:
        """Corollary 2's test, per type (`improvable`: f is Pareto improvable iff some type is)."""
        return linear.corollary2(self, market)

    def perturbation(self, market, t, delta: float) -> np.ndarray:
        """The (t, delta)-perturbation: F~1(s) = (1 + delta) F~(s) for s > t, unchanged for s <= t."""
        return linear.perturbation(self, market, t, delta)

    def corollary2_segmentation(self, market, *, max_halvings: int = 30) -> Segmentation | None:
        """Corollary 2's constructive (t, delta) split, or None when its condition fails."""
        return linear.corollary2_segmentation(self, market, max_halvings=max_halvings)


# ====================================================================== helpers
def _numeric(index: pd.Index) -> bool:
    return all(isinstance(c, int | float | np.integer | np.floating) for c in index)


def _frame(valuations, types, alternatives) -> pd.DataFrame:
    if isinstance(valuations, pd.DataFrame):
        frame = valuations.copy()
    elif isinstance(valuations, dict):
        try:
            frame = pd.DataFrame.from_dict(valuations, orient="index")
        except ValueError as exc:
            raise pr.InputError(f"valuations: not a mapping of types to {{alternative: value}} ({exc})") from None
        if frame.isna().any().any():
            raise pr.InputError("valuations: every type needs a value for every alternative")
    else:
        arr = pr.real_array("valuations", valuations, what="a 2-D table of numbers (types x alternatives)")
        if arr.ndim != 2:
            raise pr.InputError(f"valuations: expected a 2-D table (types x alternatives), got shape {arr.shape}")
        frame = pd.DataFrame(arr)
        frame.index = [f"t{i + 1}" for i in range(arr.shape[0])]
        frame.columns = [f"a{j + 1}" for j in range(arr.shape[1])]
    if types is not None:
        if len(pr.label_sequence("types", types)) != frame.shape[0]:
            raise pr.InputError(f"types: has {len(types)} labels, expected {frame.shape[0]}")
        frame.index = list(types)
    if alternatives is not None:
        if len(pr.label_sequence("alternatives", alternatives)) != frame.shape[1]:
            raise pr.InputError(f"alternatives: has {len(alternatives)} labels, expected {frame.shape[1]}")
        frame.columns = list(alternatives)
    return pd.DataFrame(pr.real_array("valuations", frame, what="numbers as entries"), index=frame.index,
                        columns=frame.columns)

"""Haghpanah & Siegel (2021), "Pareto Improving Segmentation of Multi-Product Markets".

A seller offers alternatives A = {0, 1, ..., k} (0 is the outside option, v(t, 0) = 0, c(0) = 0) to
consumer types t in T with valuations v(t, a) and production costs c(a). A market is f in Delta(T).
The seller's optimal mechanism solves the mechanism LP M-LP(f) (spec §B.1) over random allocations
x_t in Delta(A) and payments p_t:

    max_{x >= 0, p}  sum_t f(t) [p_t - c . x_t]
    s.t.  sum_a x_{t,a} = 1                                             [lottery]
          v(t) . x_t - p_t >= v(t) . x_s - p_s        for all t != s    [IC  (t, report s)]
          v(t) . x_t - p_t >= 0                                         [IR  (t)]

built from `report_utility`, `truthful` and `participation`. The M-LP is solved on the support of f
(zero-mass types do not change revenue; they choose their favourite menu entry, which is how the
outputs report them). Among several optimal mechanisms the *selected* one is the lexicographic
chain of spec §B.2, whose later stages do not depend on f: (1) max revenue, (2) max unweighted total
surplus sum_t [v(t) - c] . x_t, (3) max sum_t CS(t), (4) max CS(t_1), CS(t_2), ... in turn.

A segmentation {(w_i, f_i)} with sum_i w_i f_i = f is Pareto improving if every segment weakly raises
the (selected) consumer surplus of each type in its support and some segment raises one strictly
(spec §B.3); the seller's revenue then weakly rises. Constructions (spec §B.4-§B.7):

* one alternative: the Bergemann-Brooks-Morris greedy extremal segmentation (Proposition 1);
* two types: the Lemma 1 intervals of q = f(t_H) (breakpoints of the revenue envelope) and the
  Proposition 2 split of an interior market into a lower-interval and a same-interval segment;
* any number of types: the Proposition 3 / Lemma 5 efficient market f' and the Theorem 1 split
  f = eps f' + (1 - eps) f'' (when the optimal payment rule of f is unique);
* linear valuations v(t, a) = v_t a: virtual values from the ironed revenue curve, the identity
  profit = sum_t f(t) max_a [phi(t) a - C(a)] and Corollary 2's (t, delta)-perturbation split.

Departures from the paper (spec §B.2, §B.6):
* The paper leaves the selection rule open; the chain above is ours (spec §B.2). With it q = 1/4 in
  the Section 3 example selects the efficient mechanism and q = 3/4 the screening one.
* Section 3 says the unsegmented market has "a quarter of the consumers of type 1"; that is
  q = f(t_2) = 3/4 (at q = 1/4 screening only ties with the efficient menu).
* Footnote 11 claims that if an inefficient optimum is selected at q = 1/4 the market cannot be
  improved. That is false for the pure screening optimum (selected by the `mincs` rule): the split
  1/4 = 0.625 (q = 0.1) + 0.375 (q = 0.5) is Pareto improving (spec §B.6); it is true for the
  randomised optima.
* The Theorem 1 construction needs a unique optimal payment rule; it is tested with 2|supp f| LPs
  (each payment's range over the optimal face, spec §B.2) at HiGHS tolerances 1e-10. When a
  lexicographic stage is infeasible by round-off, the earlier goals are re-fixed with a slack 10x
  larger (up to 1e-6 relative); `sol["selection_slack"]` reports the slack used.
* Markets are solved on their support (spec §B.1 recommendation): zero-mass types do not affect
  revenue and are reported choosing their favourite entry of the selected menu.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import cvxpy as cp
import numpy as np
import pandas as pd

from ... import solvers as backends
from ...core import validate as pr
from ...builders import family, participation, report_utility, truthful
from ...core.reference import Check, Examples
from ...core.model import Model
from ...core.solve import Request
from ...core.strategies import Lexicographic, face_ranges
from ...core.tolerances import BIND_TOL, ECON_TOL, PAY_TOL, SELECT_TOL

CS_TOL = ECON_TOL  # consumer-surplus comparisons, relative to max |v|
RULES = ("efficient", "mincs")


# ====================================================================== results
@dataclass
class ParetoCheck:
    """Does a segmentation Pareto-improve a market (spec §B.3)?

    cs_before: CS(t, f) of the selected mechanism of f; cs_segments: CS(t, f_i) per segment (NaN off the
    segment's support); cs_change = cs_segments - cs_before; revenue_before / segment_revenue /
    revenue_after = weights @ segment_revenue.
    """

    market: pd.Series
    segments: pd.DataFrame
    weights: pd.Series
    cs_before: pd.Series
    cs_segments: pd.DataFrame
    revenue_before: float
    segment_revenue: pd.Series
    tol: float

    @property
    def cs_change(self) -> pd.DataFrame:
        return self.cs_segments - self.cs_before

    @property
    def revenue_after(self) -> float:
        return float(self.weights @ self.segment_revenue)

    @property
    def revenue_change(self) -> float:
        return self.revenue_after - self.revenue_before

    @property
    def average_cs_change(self) -> float:
        """Change in expected consumer surplus (the weaker welfare criterion of footnote 4)."""
        after = float((self.weights.to_numpy()[:, None] * self.segments.to_numpy()
                       * np.nan_to_num(self.cs_segments.to_numpy())).sum())
        return after - float(self.market @ self.cs_before)

    @property
    def weakly_dominating(self) -> pd.Series:
        """Per segment: no type in its support is worse off."""
        return (self.cs_change.fillna(np.inf) >= -self.tol).all(axis=1)

    @property
    def dominating(self) -> pd.Series:
        """Per segment: weakly dominating and some type in its support strictly better off."""
        return self.weakly_dominating & (self.cs_change.fillna(-np.inf) > self.tol).any(axis=1)

    @property
    def pareto_improving(self) -> bool:
        return bool(self.weakly_dominating.all() and self.dominating.any())


EXAMPLES = Examples()  # this paper's code-defined reproduce examples

@dataclass
class Segmentation:
    """A segmentation of `market`: `segments` (one row per segment, a market over the types) and
    `weights` (summing to one, weights @ segments == market), built by `method`; `check` holds the
    consumer-surplus and revenue comparison with the unsegmented market."""

    segments: pd.DataFrame
    weights: pd.Series
    method: str
    check: ParetoCheck
    details: dict = field(default_factory=dict)

    @property
    def market(self) -> pd.Series:
        return self.check.market

    @property
    def pareto_improving(self) -> bool:
        return self.check.pareto_improving

    @property
    def revenue_before(self) -> float:
        return self.check.revenue_before

    @property
    def revenue_after(self) -> float:
        return self.check.revenue_after

    @property
    def revenue_change(self) -> float:
        return self.check.revenue_change

    @property
    def cs_change(self) -> pd.DataFrame:
        return self.check.cs_change

    def __repr__(self) -> str:
        return (f"<Segmentation ({self.method}): {len(self.weights)} segments, revenue "
                f"{self.revenue_before:.6g} -> {self.revenue_after:.6g}, "
                f"Pareto improving={self.pareto_improving}>")


@dataclass
class ParetoSearch:
    """The answer of `pareto_search`: a segmentation, or None with the reason.

    status: "found", "efficient", "multiple payment rules", "breakpoint" or "not found".
    """

    segmentation: Segmentation | None
    status: str
    reason: str


# ====================================================================== the selection rule (spec §B.2)
def _consumer_surplus(V: np.ndarray):
    """CS(t) = v(t) . x_t - p_t on the model's support, as a goal vector."""
    return lambda model: cp.sum(cp.multiply(V, model.var("x")), axis=1) - model.var("p")


def _selection(V: np.ndarray, Vnet: np.ndarray, scale: float) -> Lexicographic:
    """The lexicographic chain among revenue-optimal mechanisms: "efficient" (spec §B.2: total
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
    """

    def __init__(self, valuations, costs=None, *, types=None, alternatives=None):
        frame = _frame(valuations, types, alternatives)
        if frame.shape[0] < 1 or frame.shape[1] < 1:
            raise pr.InputError(f"valuations: need at least one type and one alternative, got shape {frame.shape}")
        if frame.index.has_duplicates or frame.columns.has_duplicates:
            raise pr.InputError("valuations: type and alternative labels must be unique")
        values = pr.as_matrix("valuations", frame.to_numpy(dtype=float))
        n, k = values.shape
        self.costs = np.zeros(k) if costs is None else pr.as_vector("costs", costs, length=k)
        self.outside = 0 if _numeric(frame.columns) and 0 not in set(frame.columns) else "outside"
        self.types = pd.Index(frame.index, name="type")
        self.alternatives = pd.Index([self.outside, *frame.columns], name="alternative")
        self.valuations = pd.DataFrame(values, index=self.types, columns=frame.columns)
        # with the outside option as column 0: v(t, 0) = 0, c(0) = 0
        self.V = np.hstack([np.zeros((n, 1)), values])
        self.c = np.concatenate([[0.0], self.costs])
        self.Vnet = self.V - self.c
        order = np.sort(self.Vnet, axis=1)
        gap = order[:, -1] - order[:, -2]
        if (gap <= 1e-9 * max(1.0, np.abs(self.Vnet).max())).any():
            i = int(np.argmin(gap))
            tied = self.alternatives[np.isclose(self.Vnet[i], order[i, -1], rtol=0, atol=1e-9)].tolist()
            raise pr.InputError(f"valuations: type {self.types[i]!r} has no unique efficient alternative "
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
        labels = pd.Index(types if types is not None else [f"t{i + 1}" for i in range(v.size)])
        if len(labels) != v.size:
            raise pr.InputError(f"types: has {len(labels)} labels, expected {v.size}")
        seller = cls(pd.DataFrame(np.outer(v, a), index=labels, columns=pr.labels("a", a)), costs)
        seller.linear_values, seller.qualities = v, np.concatenate([[0.0], a])
        return seller

    def __repr__(self) -> str:
        return f"MultiProductSeller({len(self.types)} types x {len(self.alternatives) - 1} alternatives)"

    # ------------------------------------------------------------------ markets
    def market(self, market) -> np.ndarray:
        """Validate a market: a probability vector over the types."""
        return pr.probabilities("market", market, length=len(self.types))

    def _support(self, f: np.ndarray) -> np.ndarray:
        return np.flatnonzero(f > 0)

    # ------------------------------------------------------------------ M-LP
    def _template(self, support: tuple[int, ...]) -> Model:
        """M-LP on the types in `support`, with the market and outside option as Parameters."""
        if support in self._templates:
            return self._templates[support]
        S = np.array(support)
        types = self.types[S]
        V, Vnet = self.V[S], self.Vnet[S]
        model = Model("M-LP", sense="max", units="revenue",
                      description="Haghpanah-Siegel mechanism LP over random allocations")
        model.strategy = _selection(V, Vnet, self.scale)
        model.solver_defaults = {"HIGHS": {"tol": SELECT_TOL}}

        def on_support(value):
            g = pr.probabilities("market", value, length=len(S), strict=True)
            return g

        f = model.parameter("market", np.full(len(S), 1.0 / len(S)), index=types, validate=on_support, nonneg=True)
        outside = model.parameter("outside", np.zeros(len(S)), index=types,
                                  validate=lambda v: pr.as_vector("outside", v, length=len(S)))
        x = model.variable("x", (len(S), len(self.alternatives)), index=(types, self.alternatives), nonneg=True)
        p = model.variable("p", len(S), index=types)
        model.constrain("lottery", family(cp.sum(x, axis=1), "==", 1.0, types,
                                          "a random allocation: probabilities sum to one"))
        U = report_utility(V, x, p)
        model.constrain("IC", truthful(U, types))
        model.constrain("IR", participation(U, outside, types))
        model.maximize(f @ (p - x @ self.c))
        model.output("allocation", lambda sol: self._menu(S, sol)[0])
        model.output("payment", lambda sol: self._menu(S, sol)[1])
        model.output("consumer_surplus", lambda sol: self._menu(S, sol)[2])
        model.output("profit", lambda sol: self._menu(S, sol)[3])
        model.output("efficient", lambda sol: self._is_efficient(S, sol["x"].to_numpy()))
        self._templates[support] = model
        return model

    def optimal_mechanism(self, market) -> Model:
        """M-LP(f) on the support of `market`; `.solve()` returns the selected optimal mechanism
        (`rule="efficient"` chain of spec §B.2 by default, `rule=None` for the solver's vertex).

        sol.value: revenue; sol["allocation"] (types x alternatives, the outside option first),
        sol["payment"], sol["consumer_surplus"], sol["profit"] per type (zero-mass types take their
        favourite menu entry); sol.prices["IC"] (type, report) and sol.prices["IR"] (type):
        d revenue / d(rhs), i.e. the revenue lost per unit of utility guaranteed (IR: per unit of
        outside option) -- both <= 0; sol.prices["lottery"].
        """
        f = self.market(market)
        S = self._support(f)
        return self._template(tuple(S)).bind(market=f[S])

    def _menu(self, S, sol):
        """Allocation, payment, CS and profit for every type: support types from the solution,
        the others choose their favourite entry of the menu (or the outside option)."""
        xS, pS = sol["x"].to_numpy(), sol["p"].to_numpy()
        menu_x = np.vstack([xS, np.eye(len(self.alternatives))[0]])
        menu_p = np.concatenate([pS, [0.0]])
        utility = self.V @ menu_x.T - menu_p  # type x menu entry
        pick = utility.argmax(axis=1)
        pick[S] = np.arange(len(S))
        x, p = menu_x[pick], menu_p[pick]
        cs = (self.V * x).sum(axis=1) - p
        return (pd.DataFrame(x, index=self.types, columns=self.alternatives),
                pd.Series(p, index=self.types, name="payment"),
                pd.Series(cs, index=self.types, name="consumer_surplus"),
                pd.Series(p - x @ self.c, index=self.types, name="profit"))

    def _is_efficient(self, S, x: np.ndarray, tol: float = 1e-7) -> bool:
        return bool((x[np.arange(len(S)), self.efficient[S]] >= 1 - tol).all())

    def selected(self, market, *, rule: str = "efficient", solver: str | None = None, certify: bool = False):
        """The selected optimal mechanism of `market` (a Solution; no certificate unless asked)."""
        return self.optimal_mechanism(market).solve(solver, rule=rule, certify=certify)

    def payment_ranges(self, market, solver: str | None = None) -> pd.DataFrame:
        """For each support type, [low, high] of its payment over all revenue-optimal mechanisms,
        and `unique` (range <= PAY_TOL max(1, revenue) / f(t), spec §B.2)."""
        model = self.optimal_mechanism(market)
        revenue = model.solve(solver, rule=None, certify=False).value
        out = face_ranges(model, Request(solver=solver), "payments", lambda m: m.var("p"), revenue,
                          index=model.variables["p"].index)
        f = model.value_of("market")
        out["range"] = out["high"] - out["low"]
        out["unique"] = out["range"] <= PAY_TOL * max(1.0, abs(revenue)) / f
        return out

    def unique_payment_rule(self, market, solver: str | None = None) -> bool:
        """Whether the revenue-optimal payment rule of `market` is unique (spec §B.2)."""
        return bool(self.payment_ranges(market, solver)["unique"].all())

    def is_efficient(self, market, *, rule: str = "efficient") -> bool:
        """Whether the selected mechanism gives every type in the support its efficient alternative."""
        return bool(self.selected(market, rule=rule)["efficient"])

    # ------------------------------------------------------------------ Pareto check (spec §B.3)
    def check_segmentation(self, market, segments, weights, *, rule: str = "efficient",
                           tol: float = CS_TOL) -> ParetoCheck:
        """Compare the selected mechanisms of `segments` with that of `market` type by type.

        segments: one row per segment (a market over the types); weights: positive, summing to one,
        with weights @ segments == market.
        """
        f = self.market(market)
        seg = pr.as_matrix("segments", segments)
        if seg.shape[1] != len(self.types):
            raise pr.InputError(f"segments: have {seg.shape[1]} columns, expected one per type ({len(self.types)})")
        for i, row in enumerate(seg):
            pr.probabilities(f"segments[{i}]", row)
        w = pr.probabilities("weights", weights, length=seg.shape[0], strict=True)
        if not np.allclose(w @ seg, f, atol=1e-9):
            raise pr.InputError(f"weights: weights @ segments = {np.round(w @ seg, 9).tolist()} is not the "
                                f"market {f.tolist()} (Bayes plausibility)")
        before = self.selected(f, rule=rule)
        sols = [self.selected(row, rule=rule) for row in seg]
        labels = pd.RangeIndex(len(seg), name="segment")
        cs = pd.DataFrame([s["consumer_surplus"].where(row > 0) for s, row in zip(sols, seg)], index=labels)
        return ParetoCheck(
            market=pd.Series(f, index=self.types, name="market"),
            segments=pd.DataFrame(seg, index=labels, columns=self.types),
            weights=pd.Series(w, index=labels, name="weight"),
            cs_before=before["consumer_surplus"], cs_segments=cs, revenue_before=before.value,
            segment_revenue=pd.Series([s.value for s in sols], index=labels, name="revenue"),
            tol=tol * self.scale)

    def _segmentation(self, market, segments, weights, method, **details) -> Segmentation:
        chk = self.check_segmentation(market, segments, weights)
        return Segmentation(chk.segments, chk.weights, method, chk, details)

    # ------------------------------------------------------------------ the search
    def pareto_improving_segmentation(self, market, *, method: str = "auto") -> Segmentation | None:
        """A Pareto-improving segmentation of `market`, or None when none is found; the reason is
        given by `pareto_search(market).reason`.

        method: "auto" (one alternative: BBM greedy, Prop 1; two types in the support: Prop 2;
        otherwise Theorem 1), or one of "bbm", "two-type", "theorem1".
        """
        return self.pareto_search(market, method=method).segmentation

    def pareto_search(self, market, *, method: str = "auto") -> ParetoSearch:
        """Search for a Pareto-improving segmentation; the answer says why when there is none."""
        methods = ("auto", "bbm", "two-type", "theorem1")
        if method not in methods:
            raise pr.InputError(f"method: must be one of {methods}, got {method!r}")
        f = self.market(market)
        S = self._support(f)
        if self.is_efficient(f):
            return ParetoSearch(None, "efficient", "the market is efficient: no segmentation can improve "
                                "a type without hurting another (Observation 1)")
        if method == "auto":
            method = "bbm" if len(self.alternatives) == 2 else "two-type" if len(S) == 2 else "theorem1"
        if method == "bbm":
            if len(self.alternatives) != 2:
                raise pr.InputError("method: 'bbm' needs a single alternative")
            return self._verdict(self.bbm_segmentation(f))
        if method == "two-type":
            if len(S) != 2:
                raise pr.InputError(f"method: 'two-type' needs a market on two types, this one has {len(S)}")
            return self._two_type_search(f, S)
        return self._theorem1_search(f)

    # ------------------------------------------------------------------ one alternative (Prop 1)
    def bbm_segmentation(self, market) -> Segmentation:
        """The Bergemann-Brooks-Morris greedy extremal segmentation (single alternative, Prop 1).

        On net values w_t = v_t - c: while mass remains, S = supp(residual), the segment x_S has
        demand D(s_j) = w_{s_1} / w_{s_j} (the seller is indifferent over prices in S), and
        alpha = min_s r(s)/x_S(s) of it is split off. Types with w_t <= 0 form their own segment.
        """
        if len(self.alternatives) != 2:
            raise pr.InputError("valuations: the BBM segmentation needs exactly one alternative")
        f = self.market(market)
        w = self.Vnet[:, 1]
        segments, weights = _bbm_greedy(w, f)
        return self._segmentation(f, segments, weights, "BBM greedy (Prop 1)")

    # ------------------------------------------------------------------ two types (Lemma 1, Prop 2)
    def two_type_labels(self, pair=None) -> tuple[int, int] | None:
        """(low, high) positions of a pair of types: t_H has v(t_H, a-bar(t_L)) > v(t_L, a-bar(t_L))
        (spec §B.4); None when neither does (every market on the pair is efficient)."""
        i, j = self._pair(pair)
        hi_j = self.V[j, self.efficient[i]] > self.V[i, self.efficient[i]] + 1e-12
        hi_i = self.V[i, self.efficient[j]] > self.V[j, self.efficient[j]] + 1e-12
        if hi_i and hi_j:
            raise pr.InputError(f"valuations: types {self.types[i]!r} and {self.types[j]!r} each value the "
                                "other's efficient alternative more; the two-type labels are undefined")
        return (i, j) if hi_j else (j, i) if hi_i else None

    def _pair(self, pair) -> tuple[int, int]:
        if pair is None:
            if len(self.types) != 2:
                raise pr.InputError(f"pair: the seller has {len(self.types)} types; name two")
            return 0, 1
        pos = [self.types.get_loc(t) for t in pair]
        if len(pos) != 2 or pos[0] == pos[1]:
            raise pr.InputError(f"pair: need two distinct types, got {pair!r}")
        return pos[0], pos[1]

    def two_type_intervals(self, pair=None) -> pd.DataFrame:
        """Lemma 1: the intervals of q = f(t_H) on which the optimal mechanism is constant.

        Rev(q) = q vnet(t_H, a-bar_H) + max_x [(1-q) vnet(t_L, x) - q (v(t_H, x) - v(t_L, x))^+]
        (eq. (1)): the upper envelope of lines, one per pure alternative and zero-rent mixture x.
        Columns: start, end (breakpoints), intercept, slope (Rev = intercept + slope q), cs_high
        = (v_H(x) - v_L(x))^+, efficient, and the low type's lottery x over the alternatives.
        """
        labels = self.two_type_labels(pair)
        if labels is None:
            i, j = self._pair(pair)
            raise pr.InputError(f"pair: no type of {self.types[i]!r}, {self.types[j]!r} envies the other's "
                                "efficient alternative; every market is efficient with zero surplus")
        lo, hi = labels
        k1 = len(self.alternatives)
        r = self.V[hi] - self.V[lo]
        lotteries = [np.eye(k1)[a] for a in range(k1)]
        for a in np.flatnonzero(r > 0):
            for b in np.flatnonzero(r < 0):
                lam = -r[b] / (r[a] - r[b])
                lotteries.append(lam * np.eye(k1)[a] + (1 - lam) * np.eye(k1)[b])
        X = np.array(lotteries)
        top = self.Vnet[hi, self.efficient[hi]]
        intercept = X @ self.Vnet[lo]
        rent = np.maximum(X @ r, 0.0)
        slope = top - intercept - rent
        rows, q, cur = [], 0.0, None
        # walk the envelope from q = 0: the active line, then the next line overtaking it
        cur = int(np.lexsort((-slope, -intercept))[0])
        while True:
            cross = np.full(len(X), np.inf)
            steeper = slope > slope[cur] + 1e-12
            cross[steeper] = (intercept[cur] - intercept[steeper]) / (slope[steeper] - slope[cur])
            cross[cross <= q + 1e-12] = np.inf
            nxt_q = float(cross.min())
            end = min(nxt_q, 1.0)
            rows.append(dict(start=q, end=end, intercept=intercept[cur], slope=slope[cur], cs_high=rent[cur],
                             efficient=bool(np.isclose(X[cur, self.efficient[lo]], 1.0)), line=cur))
            if nxt_q >= 1.0 - 1e-12:
                break
            cands = np.flatnonzero(np.isclose(cross, nxt_q, rtol=0, atol=1e-12))
            cur, q = int(cands[np.argmax(slope[cands])]), nxt_q
        out = pd.DataFrame(rows)
        lott = pd.DataFrame(X[out.pop("line").to_numpy()], columns=self.alternatives)
        out = pd.concat([out, lott.add_prefix("x_low[").add_suffix("]")], axis=1)
        out.index.name = "interval"
        out.attrs.update(low=self.types[lo], high=self.types[hi])
        return out

    def two_type_revenue(self, q, pair=None) -> float:
        """Rev(q) from the Lemma 1 envelope."""
        iv = self.two_type_intervals(pair)
        return float((iv["intercept"] + iv["slope"] * float(q)).max())

    def _two_type_search(self, f: np.ndarray, S: np.ndarray) -> ParetoSearch:
        """Proposition 2: q inside inefficient interval j splits into q' (inside interval j-1) and
        q'' in (q, q_{j+1}) with weight w = (q'' - q) / (q'' - q') on q'."""
        pair = (self.types[S[0]], self.types[S[1]])
        labels = self.two_type_labels(pair)
        if labels is None:
            return ParetoSearch(None, "efficient", "neither type envies the other: every market is efficient")
        lo, hi = labels
        iv = self.two_type_intervals(pair)
        q = f[hi]
        breaks = iv["start"].to_numpy()[1:]
        if np.isclose(breaks, q, rtol=0, atol=1e-9).any():
            return ParetoSearch(None, "breakpoint",
                                f"q = f({self.types[hi]!r}) = {q:g} is a Lemma 1 breakpoint: two optimal "
                                "mechanisms tie (multiple payment rules) and every non-trivial "
                                "segmentation has a segment in a higher interval, where t_H is worse off")
        j = int(np.searchsorted(iv["start"].to_numpy(), q, side="right") - 1)
        if j == 0:
            return ParetoSearch(None, "efficient", "q lies in the efficient interval of Lemma 1")
        q1 = 0.5 * (iv["start"].iloc[j - 1] + iv["end"].iloc[j - 1])
        q2 = 0.5 * (q + iv["end"].iloc[j])
        w = (q2 - q) / (q2 - q1)

        def mk(qq):
            g = np.zeros(len(self.types))
            g[hi], g[lo] = qq, 1 - qq
            return g

        seg = self._segmentation(f, [mk(q1), mk(q2)], [w, 1 - w], "two types (Prop 2)", interval=j,
                                 q_low=q1, q_high=q2)
        return self._verdict(seg)

    def _verdict(self, seg: Segmentation) -> ParetoSearch:
        if seg.pareto_improving:
            return ParetoSearch(seg, "found", seg.method)
        return ParetoSearch(None, "not found", f"{seg.method}: the constructed split is not Pareto improving "
                            "at the solver's tolerance")

    # ------------------------------------------------------------------ any number of types (Prop 3, Thm 1)
    def prop3_market(self, market):
        """Proposition 3 / Lemma 5: an efficient market f' with supp f' in supp f that Pareto-dominates
        the inefficient market f. Returns (f' as a Series, the chain t', s_1 = t, ..., s_m, M*)."""
        f = self.market(market)
        S = self._support(f)
        sol = self.selected(f)
        x, p = sol["x"].to_numpy(), sol["p"].to_numpy()
        V, Vnet, abar = self.V[S], self.Vnet[S], self.efficient[S]
        cs = (V * x).sum(axis=1) - p
        inefficient = x[np.arange(len(S)), abar] < 1 - 1e-7
        if not inefficient.any():
            raise pr.InputError("market: is efficient; Proposition 3 needs an inefficient market")
        tol = BIND_TOL * self.scale
        # binding-IC graph: a -> b when a is indifferent to b's entry
        mimic = V @ x.T - p  # [a, b] = v(a, x_b) - p_b
        edges = (cs[:, None] - mimic <= tol) & ~np.eye(len(S), dtype=bool)
        start = int(np.flatnonzero(inefficient)[0])
        prev, seen, queue, goal = {start: None}, {start}, deque([start]), None
        while queue:  # BFS to a zero-surplus type
            a = queue.popleft()
            if cs[a] <= tol:
                goal = a
                break
            for b in np.flatnonzero(edges[a]):
                if b not in seen:
                    seen.add(b)
                    prev[b] = a
                    queue.append(b)
        if goal is None:
            raise pr.InputError("market: no binding-IC path to a zero-surplus type (numerical tolerance)")
        path = [goal]
        while prev[path[-1]] is not None:
            path.append(prev[path[-1]])
        path = path[::-1]
        last = max(i for i, s in enumerate(path) if inefficient[s])
        path = path[last:]  # t = s_1 -> ... -> s_m
        t = path[0]
        p1 = V[t, abar[t]] - cs[t]
        gain = V[:, abar[t]] - p1 - cs
        gain[t] = -np.inf
        tp = int(np.argmax(gain))
        if gain[tp] <= tol or tp in path:
            raise pr.InputError("market: Proposition 3 found no type t' that gains from t's efficient entry")
        chain = [tp, *path]
        # M*: chain types get their efficient alternative; t' at CS*(t') = v(t', a-bar(t)) - p1
        cs_star = cs.copy()
        cs_star[tp] = V[tp, abar[t]] - p1
        F = np.ones(len(chain))
        for j in range(len(chain) - 1, 0, -1):  # Lemma 5: F_{j-1} = delta_j F_j / 2
            a_j, cur, before = abar[chain[j]], Vnet[chain[j]], Vnet[chain[j - 1]]
            N = cur[a_j] - cur
            D = before[a_j] - before
            ok = (np.arange(len(cur)) != a_j) & (D > 0)
            delta = min(1.0, float((N[ok] / D[ok]).min())) if ok.any() else 1.0
            F[j - 1] = 0.5 * delta * F[j]
        fp = np.zeros(len(self.types))
        fp[S[chain]] = np.diff(np.concatenate([[0.0], F]))
        mech = pd.DataFrame({"alternative": self.alternatives[abar[chain]],
                             "payment": V[chain, abar[chain]] - cs_star[chain],
                             "consumer_surplus": cs_star[chain]}, index=self.types[S[chain]])
        return pd.Series(fp, index=self.types, name="f'"), list(self.types[S[chain]]), mech

    def theorem1_segmentation(self, market, *, max_halvings: int = 40) -> Segmentation | None:
        """Theorem 1: f = eps f' + (1 - eps) f'' with f' from Proposition 3 and eps halved from
        min_t f(t) / (2 f'(t)) until f'' keeps the payments and CS of f (None if it never does)."""
        return self._theorem1_search(self.market(market), max_halvings=max_halvings).segmentation

    def _theorem1_search(self, f: np.ndarray, max_halvings: int = 40) -> ParetoSearch:
        if not self.unique_payment_rule(f):
            return ParetoSearch(None, "multiple payment rules", "the optimal payment rule is not unique (spec "
                                "§B.2 test): Theorem 1 does not apply; such markets lie on finitely many "
                                "hyperplanes (Prop 4)")
        fp, chain, mech = self.prop3_market(f)
        fp = fp.to_numpy()
        base = self.selected(f)
        on = fp > 0
        eps = 0.5 * float((f[on] / fp[on]).min())
        S = self._support(f)
        tol = CS_TOL * self.scale
        for _ in range(max_halvings):
            f2 = np.clip((f - eps * fp) / (1 - eps), 0.0, None)
            f2 = f2 / f2.sum()
            sol2 = self.selected(f2)
            same = (np.abs(sol2["payment"].to_numpy()[S] - base["payment"].to_numpy()[S]).max() <= tol
                    and np.abs(sol2["consumer_surplus"].to_numpy()[S]
                               - base["consumer_surplus"].to_numpy()[S]).max() <= tol)
            if same:
                seg = self._segmentation(f, [fp, f2], [eps, 1 - eps], "Theorem 1 (Prop 3 / Lemma 5)",
                                         chain=chain, prop3_mechanism=mech, epsilon=eps)
                return self._verdict(seg)
            eps /= 2
        return ParetoSearch(None, "not found", "f'' never kept the mechanism of f (eps halved "
                            f"{max_halvings} times)")

    # ------------------------------------------------------------------ linear valuations ([HS] App. C.1)
    def _linear(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.linear_values is None:
            raise pr.InputError("valuations: not linear; build the seller with MultiProductSeller.linear")
        return self.linear_values, self.qualities, self.c

    def virtual_values(self, market) -> pd.Series:
        """phi(t) = [R_IR(F~(t)) - R_IR(F~(t+1))] / f(t): slopes of the ironed revenue curve R_IR, the
        least concave majorant of the points (F~(t), v_t F~(t)) and (0, 0), F~(t) = sum_{s>=t} f(s).
        A zero-mass type gets the slope just left of F~(t), as in the paper."""
        v, _, _ = self._linear()
        f = self.market(market)
        F = np.concatenate([np.cumsum(f[::-1])[::-1], [0.0]])  # F~(1..n+1)
        hx, hy = _upper_hull(np.concatenate([F[:-1], [0.0]]), np.concatenate([v * F[:-1], [0.0]]))
        R = np.interp(F, hx, hy)
        phi = np.empty(len(v))
        for t in range(len(v)):
            if f[t] > 0:
                phi[t] = (R[t] - R[t + 1]) / f[t]
            else:
                seg = np.searchsorted(hx, F[t], side="left")  # hull segment ending at or after F~(t)
                phi[t] = v[t] if seg == 0 else (hy[seg] - hy[seg - 1]) / (hx[seg] - hx[seg - 1])
        return pd.Series(phi, index=self.types, name="phi")

    def virtual_surplus(self, market) -> pd.DataFrame:
        """Per type: phi(t), the virtual-surplus maximiser a(t) = argmax_a [phi(t) a - C(a)] (the
        highest on ties) and its value; sum_t f(t) * value is the optimal profit (ironing identity)."""
        phi = self.virtual_values(market).to_numpy()
        _, a, C = self._linear()
        vs = phi[:, None] * a[None, :] - C[None, :]
        best = vs.max(axis=1)
        pick = np.array([np.flatnonzero(np.isclose(row, m, rtol=0, atol=1e-12)).max() for row, m in zip(vs, best)])
        return pd.DataFrame({"phi": phi, "quality": a[pick], "value": best}, index=self.types)

    def virtual_surplus_profit(self, market) -> float:
        """sum_t f(t) max_a [phi(t) a - C(a)], equal to the M-LP optimum for linear valuations."""
        return float(self.market(market) @ self.virtual_surplus(market)["value"])

    def corollary2(self, market) -> pd.DataFrame:
        """Corollary 2's test, per type: the selected quality a(t) (NaN for a lottery), whether it is
        efficient, phi(t), lo = min Phi(phi(t)) = max_{b < a} (C(a) - C(b)) / (a - b) (-inf for a = 0,
        phi for a lottery) and `improvable` = inefficient and phi(t) > lo. f is Pareto improvable iff
        some type is."""
        v, a, C = self._linear()
        f = self.market(market)
        sol = self.selected(f)
        X = sol["allocation"].to_numpy()
        phi = self.virtual_values(f).to_numpy()
        det = X.max(axis=1) >= 1 - 1e-7
        quality = np.where(det, a[X.argmax(axis=1)], np.nan)
        lo = np.empty(len(v))
        for t in range(len(v)):
            if not det[t]:
                lo[t] = phi[t]
            else:
                i = int(X[t].argmax())
                lo[t] = -np.inf if i == 0 else float(((C[i] - C[:i]) / (a[i] - a[:i])).max())
        efficient = X[np.arange(len(v)), self.efficient] >= 1 - 1e-7
        gap = 1e-9 * self.scale
        return pd.DataFrame({"quality": quality, "expected_quality": X @ a, "efficient": efficient, "phi": phi,
                             "lo": lo, "improvable": (~efficient) & (f > 0) & (phi > lo + gap)},
                            index=self.types)

    def perturbation(self, market, t, delta: float) -> np.ndarray:
        """The (t, delta)-perturbation: F~1(s) = (1 + delta) F~(s) for s > t, unchanged for s <= t."""
        f = self.market(market)
        i = self.types.get_loc(t)
        above = f[i + 1:].sum()
        g = f.copy()
        g[i + 1:] *= 1 + delta
        g[i] = f[i] - delta * above
        if (g < -1e-12).any():
            raise pr.InputError(f"delta: {delta:g} makes the perturbed market negative")
        return np.clip(g, 0.0, None)

    def corollary2_segmentation(self, market, *, max_halvings: int = 30) -> Segmentation | None:
        """Corollary 2's constructive direction: for an improvable type t, f' = (t, delta')-perturbation
        with delta' near -1 (a(t) rises), f'' = (t, delta'')-perturbation, delta'' = -eps delta'/(1-eps),
        eps halved until f'' keeps the mechanism of f. None when Corollary 2's condition fails."""
        f = self.market(market)
        test = self.corollary2(f)
        if not test["improvable"].any():
            return None
        _, a, _ = self._linear()
        t = test.index[test["improvable"].to_numpy()][0]
        i = self.types.get_loc(t)
        base = self.selected(f)
        for dp in (-0.5, -0.9, -0.99, -0.999, -0.9999):
            f1 = self.perturbation(f, t, dp)
            if self.selected(f1)["allocation"].to_numpy()[i] @ a > test["expected_quality"].iloc[i] + 1e-4:
                break
        else:
            return None
        eps, tol = 0.5, CS_TOL * self.scale
        for _ in range(max_halvings):
            d2 = -eps * dp / (1 - eps)
            if f[i] - d2 * f[i + 1:].sum() > 0:  # f''(t) > 0: a (t, delta'')-perturbation exists
                f2 = self.perturbation(f, t, d2)
                s2 = self.selected(f2)
                if np.abs(s2["consumer_surplus"] - base["consumer_surplus"])[f > 0].max() <= tol:
                    return self._segmentation(f, [f1, f2], [eps, 1 - eps], "Corollary 2 (t, delta) split",
                                              type=t, delta=dp)
            eps /= 2
        return None


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
        arr = np.asarray(valuations, dtype=float)
        if arr.ndim != 2:
            raise pr.InputError(f"valuations: expected a 2-D table (types x alternatives), got shape {arr.shape}")
        frame = pd.DataFrame(arr)
        frame.index = [f"t{i + 1}" for i in range(arr.shape[0])]
        frame.columns = [f"a{j + 1}" for j in range(arr.shape[1])]
    if types is not None:
        if len(types) != frame.shape[0]:
            raise pr.InputError(f"types: has {len(types)} labels, expected {frame.shape[0]}")
        frame.index = list(types)
    if alternatives is not None:
        if len(alternatives) != frame.shape[1]:
            raise pr.InputError(f"alternatives: has {len(alternatives)} labels, expected {frame.shape[1]}")
        frame.columns = list(alternatives)
    try:
        frame = frame.astype(float)
    except (TypeError, ValueError) as exc:
        raise pr.InputError(f"valuations: entries must be numbers ({exc})") from None
    return frame


def _upper_hull(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The least concave majorant of the points (x, y), as its vertices sorted by x."""
    order = np.lexsort((-y, x))
    pts = []
    for xi, yi in zip(x[order], y[order]):
        if pts and np.isclose(pts[-1][0], xi, rtol=0, atol=1e-15):
            continue  # same x: the first (highest y) stays
        while len(pts) >= 2:
            (x0, y0), (x1, y1) = pts[-2], pts[-1]
            if (y1 - y0) * (xi - x0) <= (yi - y0) * (x1 - x0):  # middle point not above the chord
                pts.pop()
            else:
                break
        pts.append((xi, yi))
    hx, hy = np.array(pts).T
    return hx, hy


def _bbm_greedy(w: np.ndarray, f: np.ndarray, tol: float = 1e-12) -> tuple[np.ndarray, np.ndarray]:
    """Bergemann-Brooks-Morris greedy extremal segmentation of f for net values w (spec §B.6)."""
    residual = f.copy()
    buyers = w > 0
    segments, weights = [], []
    if residual[~buyers].sum() > tol:  # never efficiently served: a segment of their own
        seg = np.where(buyers, 0.0, residual)
        weights.append(seg.sum())
        segments.append(seg / seg.sum())
        residual = np.where(buyers, residual, 0.0)
    while residual.sum() > tol:
        S = np.flatnonzero(residual > tol)
        S = S[np.argsort(w[S])]
        demand = w[S[0]] / w[S]  # D(s_j): revenue w_{s_j} D(s_j) = w_{s_1} at every price in S
        xs = demand - np.append(demand[1:], 0.0)
        alpha = float((residual[S] / xs).min())
        seg = np.zeros_like(f)
        seg[S] = xs
        segments.append(seg)
        weights.append(alpha)
        residual[S] -= alpha * xs
        residual[np.abs(residual) <= tol] = 0.0
    return np.array(segments), np.array(weights) / np.sum(weights)


# ====================================================================== paper examples
def section3(qualities: int = 2) -> MultiProductSeller:
    """[HS] Section 3: t1 values (L, H) = (0.75, 1), t2 (1, 2); one quality keeps only H."""
    table = pd.DataFrame({"L": [0.75, 1.0], "H": [1.0, 2.0]}, index=["t1", "t2"])
    return MultiProductSeller(table if qualities == 2 else table[["H"]])


def three_type_example() -> MultiProductSeller:
    """[HS] §6.1.1: t1 = (1, 0.5), t2 = (2, 2.5), t3 = (2, 4) over (a1, a2) (spec §B.5)."""
    return MultiProductSeller(pd.DataFrame({"a1": [1.0, 2.0, 2.0], "a2": [0.5, 2.5, 4.0]},
                                           index=["t1", "t2", "t3"]))


@EXAMPLES.register("hs-section-3")
def _section3_checks(solver: str | None = None) -> list[Check]:
    two, one = section3(2), section3(1)
    rows = []
    for q in (0.1, 0.5, 0.9):
        sol = two.optimal_mechanism([1 - q, q]).solve(solver)
        rows.append(Check("hs-section-3", f"Rev(q={q}) = max(1, 0.75 + q, 2q)", max(1, 0.75 + q, 2 * q), sol.value))
    none = two.pareto_search([0.25, 0.75])
    rows.append(Check("hs-section-3", "q = 3/4 has no Pareto-improving segmentation (1 = none)", 1.0,
                      float(none.segmentation is None), note=none.reason))
    seg = two.pareto_improving_segmentation([0.5, 0.5])
    rows.append(Check("hs-section-3", "q = 1/2: Prop 2 split raises revenue (> 0)", None, seg.revenue_change,
                      note="Pareto improving; revenue strictly up"))
    for y in (0.1, 0.2, 0.25):
        chk = one.check_segmentation([0.25, 0.75], *_single_split(y))
        rows.append(Check("hs-section-3", f"one quality, q = 3/4: split y = {y} revenue = 1.75 - y",
                          1.75 - y, chk.revenue_after, note=f"Pareto improving: {chk.pareto_improving}"))
    mincs = two.check_segmentation([0.75, 0.25], [[0.9, 0.1], [0.5, 0.5]], [0.625, 0.375], rule="mincs")
    rows.append(Check("hs-section-3", "footnote 11 (corrected): q = 1/4 under min-CS selection, "
                      "split 0.625 (q=.1) + 0.375 (q=.5) revenue", None, mincs.revenue_after,
                      note=f"paper: not improvable; spec §B.6: Pareto improving = {mincs.pareto_improving}, "
                      "revenue 1 -> 1.09375"))
    return rows


def _single_split(y: float) -> tuple[np.ndarray, np.ndarray]:
    """Section 3, one quality, q = 3/4: (all t1 + mass y of t2) and the rest."""
    first = np.array([0.25, y])
    rest = np.array([0.0, 0.75 - y])
    w = np.array([first.sum(), rest.sum()])
    return np.vstack([first / w[0], rest / w[1]]), w


@EXAMPLES.register("hs-6-1-1")
def _three_type_checks(solver: str | None = None) -> list[Check]:
    seller = three_type_example()
    f = [0.625, 0.1442, 0.2308]  # spec §B.5 prints it rounded to (0.625, 0.144, 0.231)
    fp, chain, _ = seller.prop3_market(f)
    rows = [Check("hs-6-1-1", f"Prop 3 market f'({t})", paper, float(fp[t]), note="spec §B.5 (paper gives no numbers)")
            for t, paper in zip(seller.types, (0.75, 0.21875, 0.03125))]
    seg = seller.pareto_improving_segmentation(f)
    rows.append(Check("hs-6-1-1", "Theorem 1 split: revenue before", 1.4616, seg.revenue_before, note="spec §B.5"))
    rows.append(Check("hs-6-1-1", "Theorem 1 split: revenue after", 1.4822, seg.revenue_after, note="spec §B.5"))
    rows.append(Check("hs-6-1-1", "Theorem 1 split is Pareto improving (1 = yes)", 1.0, float(seg.pareto_improving)))
    return rows

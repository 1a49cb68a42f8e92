"""One product: a Pareto-improving segmentation that strictly raises the seller's revenue, when one exists.

With a single alternative the BBM greedy segmentation (Proposition 1) is Pareto improving in every
inefficient market but keeps the seller's revenue at the uniform-price profit. [HS] Section 3 and
Theorem 1 ask for more: a segmentation that improves the consumers *and* strictly raises revenue.

By the revelation principle for segmentations, it suffices to search over price-recommendation
segmentations: x(p, t) >= 0 is the mass of type t in the segment where price p is recommended, with

    sum_p x(p, t) = f(t)                                               (Bayes plausibility)
    sum_t x(p, t) [p 1{w_t >= p} - p' 1{w_t >= p'}] >= 0   for all p'   (p is optimal in segment p)
    x(p, t) = 0 where (w_t - p)^+ < CS(t, f)                           (no type in segment p loses)

over the candidate prices p (the positive net values w). The set is a polytope, so:
1. maximise revenue sum x(p, t) p 1{w_t >= p} over it: R_max;
2. if R_max <= Rev(f) (within tolerance) no Pareto-improving segmentation raises revenue: return
   the BBM one (revenue unchanged) and say so;
3. else maximise the consumers' total gain subject to revenue >= Rev(f) + (R_max - Rev(f))/2. The
   midpoint of the revenue maximiser and the BBM segmentation is feasible there with a strict gain,
   so the optimum has one; the result is verified by `check_segmentation` with the seller's
   selection rule.
The LPs are small (prices x types) and solved by HiGHS through scipy. Neither can be legitimately
infeasible once a candidate price exists: the unsegmented market with the seller's selected price is
in the polytope (and meets the revenue floor of step 3 at its midpoint), so any status other than
optimal is the solver's failure and raises SolverFailedError; it is never read as "no segmentation".
With no positive net value there is no candidate price and nothing to solve: every segment earns 0.

With one product a strict rise exists in every inefficient market (some type with 0 < w_t < p*
unserved) under the efficient selection: pool the unserved types with a fraction eps of every
served type; the rest keeps the served types' proportions, where p* stays optimal, and the pooled
segment's optimal price is below p* and earns strictly more than p* there as eps -> 0. The BBM
fallback is therefore reached only through ties at the tolerance; the LP, not this argument,
decides.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import optimize

from ...core import validate as pr
from ...core.errors import SolverFailedError
from ...core.tolerances import ECON_TOL, SEGMENT_MASS_TOL
from .results import ParetoSearch
from .tolerances import CS_TOL

if TYPE_CHECKING:
    from .seller import MultiProductSeller

#: revenue must rise by more than this (relative to the seller's scale) to count as a strict rise
STRICT_TOL = ECON_TOL

#: scipy's linprog status codes (0 is optimal)
_LINPROG_STATUS = {1: "iteration_or_time_limit", 2: "infeasible", 3: "unbounded", 4: "numerical_difficulties"}


def _solve_lp(name: str, c: np.ndarray, **lp) -> np.ndarray:
    """The optimal x of one of the search's LPs; any other outcome raises (it is not an answer here)."""
    res = optimize.linprog(c, method="highs", **lp)
    if res.status != 0 or res.x is None:
        status = _LINPROG_STATUS.get(int(res.status), f"status_{res.status}")
        raise SolverFailedError(name, "HIGHS (scipy.optimize.linprog)", status,
                                f"{res.message} The unsegmented market is feasible, so this is a solver failure, "
                                "not a proof that no segmentation raises revenue")
    return np.asarray(res.x, dtype=float)


def price_recommendation_lp(w: np.ndarray, f: np.ndarray, cs_before: np.ndarray, tol: float):
    """(prices, A_eq, b_eq, A_ub, b_ub, bounds, revenue vector, gain vector) of the segmentation polytope."""
    prices = np.unique(w[w > 0])
    P, T = len(prices), len(w)
    buys = (w[None, :] >= prices[:, None] - tol).astype(float)  # buys[p, t]
    earn = prices[:, None] * buys  # revenue per unit of type t at price p
    a_eq = np.zeros((T, P * T))
    for t in range(T):
        a_eq[t, t::T] = 1.0
    rows = []
    for i in range(P):
        for j in range(P):
            if i != j:
                row = np.zeros(P * T)
                row[i * T:(i + 1) * T] = -(earn[i] - earn[j])  # -(gain of p_i over p_j) <= 0
                rows.append(row)
    a_ub = np.array(rows) if rows else np.zeros((0, P * T))
    cs = np.maximum(w[None, :] - prices[:, None], 0.0)
    allowed = cs >= cs_before[None, :] - tol
    bounds = [(0.0, None) if allowed[i, t] else (0.0, 0.0) for i in range(P) for t in range(T)]
    return prices, a_eq, f, a_ub, np.zeros(len(a_ub)), bounds, earn.ravel(), (cs - cs_before[None, :]).ravel()


def revenue_search(seller: MultiProductSeller, market) -> ParetoSearch:
    """One product: a Pareto-improving segmentation that strictly raises revenue, or BBM's (saying why)."""
    from .segmentation import _segmentation, bbm_segmentation

    if len(seller.alternative_index) != 2:
        raise pr.InputError("valuations: the one-product revenue search needs exactly one alternative")
    f = seller.market(market)
    before = seller.selected(f)
    base, cs_before = float(before.value), before["consumer_surplus"].to_numpy()
    tol = CS_TOL * seller.scale
    w = seller.Vnet[:, 1]
    prices, a_eq, b_eq, a_ub, b_ub, bounds, earn, gain = price_recommendation_lp(w, f, cs_before, tol)
    if len(prices):
        first = _solve_lp("one-product revenue search: max revenue LP", -earn, A_ub=a_ub, b_ub=b_ub,
                          A_eq=a_eq, b_eq=b_eq, bounds=bounds)
        r_max = float(earn @ first)
    else:  # no type values the product above cost: every segment earns 0
        r_max = 0.0
    bbm = bbm_segmentation(seller, f)
    if r_max <= base + STRICT_TOL * seller.scale:
        why = (f"no Pareto-improving segmentation strictly raises revenue (the largest revenue over "
               f"Pareto-improving segmentations is {r_max:.10g} = Rev(f)); ")
        if bbm.pareto_improving:
            return ParetoSearch(bbm, "found", why + "returning BBM's greedy segmentation (Prop 1), revenue unchanged")
        return ParetoSearch(None, "not found", why + "and BBM's greedy segmentation is not Pareto improving")
    floor = base + (r_max - base) / 2
    second = _solve_lp("one-product revenue search: max consumer gain LP", -gain,
                       A_ub=np.vstack([a_ub, -earn[None, :]]), b_ub=np.append(b_ub, -floor),
                       A_eq=a_eq, b_eq=b_eq, bounds=bounds)
    x = second.reshape(len(prices), len(w))
    mass = x.sum(axis=1)
    keep = mass > SEGMENT_MASS_TOL
    segments = x[keep] / mass[keep, None]
    weights = mass[keep] / mass[keep].sum()
    seg = _segmentation(seller, f, segments, weights, "revenue-raising price-recommendation LP (one product)",
                        max_revenue=r_max, prices=prices[keep].tolist())
    if seg.pareto_improving and seg.revenue_change > STRICT_TOL * seller.scale:
        return ParetoSearch(seg, "found", f"Pareto improving and revenue strictly up: {base:.10g} -> "
                            f"{seg.revenue_after:.10g} (largest possible {r_max:.10g})")
    reasons = "; ".join(seg.reasons) or "revenue not strictly up under the seller's selection rule"
    if bbm.pareto_improving:
        return ParetoSearch(bbm, "found", f"the revenue-raising LP segmentation failed the check ({reasons}); "
                            "returning BBM's greedy segmentation (Prop 1), revenue unchanged")
    return ParetoSearch(None, "not found", f"the revenue-raising LP segmentation failed the check ({reasons})")

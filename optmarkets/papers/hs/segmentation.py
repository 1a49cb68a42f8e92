"""Pareto-improving segmentations of Haghpanah & Siegel (2021): the check and the constructions.

A segmentation {(w_i, f_i)} with sum_i w_i f_i = f is Pareto improving if every segment weakly raises
the (selected) consumer surplus of each type in its support and some segment raises one strictly
([spec §B.3](hs.md#spec-b3)); the seller's revenue then weakly rises. Constructions ([spec §B.4](hs.md#spec-b4)-§B.7):

* one alternative: a segmentation that also strictly raises revenue when one exists
  (`one_product.revenue_search`), else the Bergemann-Brooks-Morris greedy extremal segmentation
  (Proposition 1, `theory.bbm.bbm_greedy`);
* two types: the Lemma 1 intervals of q = f(t_H) (breakpoints of the revenue envelope) and the
  Proposition 2 split of an interior market into a lower-interval and a same-interval segment;
* any number of types: the Proposition 3 / Lemma 5 efficient market f' and the Theorem 1 split
  f = eps f' + (1 - eps) f'' (when the optimal payment rule of f is unique).

Every function takes the `MultiProductSeller` first; the seller's methods of the same names call them.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ...core import validate as pr
from ...core.tolerances import BIND_TOL
from ...theory.bbm import bbm_greedy
from .results import ParetoCheck, ParetoSearch, Segmentation
from .tolerances import CLOSED_FORM_TOL, CS_TOL, DET_TOL, MARKET_TOL

if TYPE_CHECKING:
    from .seller import MultiProductSeller


# ====================================================================== the Pareto check ([spec §B.3](hs.md#spec-b3))
def check_segmentation(seller: MultiProductSeller, market, segments, weights, *, rule: str = "efficient",
                       tol: float = CS_TOL) -> ParetoCheck:
    """Compare the selected mechanisms of `segments` with that of `market` type by type.

    segments: one row per segment (a market over the types); weights: positive, summing to one,
    with weights @ segments == market.
    """
    f = seller.market(market)
    # a labelled DataFrame of segments is read by type label (columns); its row labels, if any, name
    # the segments, and a labelled Series of weights is read by those
    seg_rows = segments.index if isinstance(segments, pd.DataFrame) else None
    seg = pr.as_matrix("segments", segments, index=(None, seller.type_index))
    if seg.shape[1] != len(seller.type_index):
        raise pr.InputError(f"segments: have {seg.shape[1]} columns, expected one per type "
                            f"({len(seller.type_index)})")
    for i, row in enumerate(seg):
        pr.probabilities(f"segments[{i}]", row)
    w = pr.probabilities("weights", weights, length=seg.shape[0], strict=True, index=seg_rows)
    if not np.allclose(w @ seg, f, atol=MARKET_TOL):
        raise pr.InputError(f"weights: weights @ segments = {np.round(w @ seg, 9).tolist()} is not the "
                            f"market {f.tolist()} (Bayes plausibility)")
    before = seller.selected(f, rule=rule)
    sols = [seller.selected(row, rule=rule) for row in seg]
    labels = pd.RangeIndex(len(seg), name="segment")
    cs = pd.DataFrame([s["consumer_surplus"].where(row > 0) for s, row in zip(sols, seg)], index=labels)
    return ParetoCheck(
        market=pd.Series(f, index=seller.type_index, name="market"),
        segments=pd.DataFrame(seg, index=labels, columns=seller.type_index),
        weights=pd.Series(w, index=labels, name="weight"),
        cs_before=before["consumer_surplus"], cs_segments=cs, revenue_before=before.value,
        segment_revenue=pd.Series([s.value for s in sols], index=labels, name="revenue"),
        tol=tol * seller.scale)


def _segmentation(seller: MultiProductSeller, market, segments, weights, method, **details) -> Segmentation:
    chk = check_segmentation(seller, market, segments, weights)
    return Segmentation(chk.segments, chk.weights, method, chk, details)


# ====================================================================== the search
def pareto_search(seller: MultiProductSeller, market, *, method: str = "auto") -> ParetoSearch:
    """Search for a Pareto-improving segmentation; the answer says why when there is none.

    method: "auto" (one alternative: "revenue"; two types in the support: Prop 2; otherwise
    Theorem 1), or one of "revenue" (one alternative: a Pareto-improving segmentation that strictly
    raises revenue when one exists, else BBM's with the reason; `one_product.revenue_search`),
    "bbm" (BBM greedy, Prop 1: revenue unchanged), "two-type", "theorem1".
    """
    methods = ("auto", "revenue", "bbm", "two-type", "theorem1")
    if method not in methods:
        raise pr.InputError(f"method: must be one of {methods}, got {method!r}")
    f = seller.market(market)
    S = seller._support(f)
    if seller.is_efficient(f):
        return ParetoSearch(None, "efficient", "the market is efficient: no segmentation can improve "
                            "a type without hurting another (Observation 1)")
    if method == "auto":
        method = "revenue" if len(seller.alternative_index) == 2 else "two-type" if len(S) == 2 else "theorem1"
    if method == "revenue":
        from .one_product import revenue_search

        return revenue_search(seller, f)
    if method == "bbm":
        if len(seller.alternative_index) != 2:
            raise pr.InputError("method: 'bbm' needs a single alternative")
        return _verdict(bbm_segmentation(seller, f))
    if method == "two-type":
        if len(S) != 2:
            raise pr.InputError(f"method: 'two-type' needs a market on two types, this one has {len(S)}")
        return _two_type_search(seller, f, S)
    return theorem1_search(seller, f)


# ---------------------------------------------------------------------- one alternative (Prop 1)
def bbm_segmentation(seller: MultiProductSeller, market) -> Segmentation:
    """The Bergemann-Brooks-Morris greedy extremal segmentation (single alternative, Prop 1).

    On net values w_t = v_t - c: while mass remains, S = supp(residual), the segment x_S has
    demand D(s_j) = w_{s_1} / w_{s_j} (the seller is indifferent over prices in S), and
    alpha = min_s r(s)/x_S(s) of it is split off. Types with w_t <= 0 form their own segment.
    """
    if len(seller.alternative_index) != 2:
        raise pr.InputError("valuations: the BBM segmentation needs exactly one alternative")
    f = seller.market(market)
    w = seller.Vnet[:, 1]
    segments, weights = bbm_greedy(w, f)
    return _segmentation(seller, f, segments, weights, "BBM greedy (Prop 1)")


# ---------------------------------------------------------------------- two types (Lemma 1, Prop 2)
def two_type_labels(seller: MultiProductSeller, pair=None) -> tuple[int, int] | None:
    """(low, high) positions of a pair of types: t_H has v(t_H, a-bar(t_L)) > v(t_L, a-bar(t_L))
    ([spec §B.4](hs.md#spec-b4)); None when neither does (every market on the pair is efficient)."""
    i, j = _pair(seller, pair)
    hi_j = seller.V[j, seller.efficient[i]] > seller.V[i, seller.efficient[i]] + CLOSED_FORM_TOL
    hi_i = seller.V[i, seller.efficient[j]] > seller.V[j, seller.efficient[j]] + CLOSED_FORM_TOL
    if hi_i and hi_j:
        raise pr.InputError(f"valuations: types {seller.type_index[i]!r} and {seller.type_index[j]!r} each "
                            "value the other's efficient alternative more; the two-type labels are undefined")
    return (i, j) if hi_j else (j, i) if hi_i else None


def _pair(seller: MultiProductSeller, pair) -> tuple[int, int]:
    if pair is None:
        if len(seller.type_index) != 2:
            raise pr.InputError(f"pair: the seller has {len(seller.type_index)} types; name two")
        return 0, 1
    if isinstance(pair, str) or not isinstance(pair, list | tuple | np.ndarray | pd.Index) or len(pair) != 2:
        raise pr.InputError(f"pair: need two distinct types, got {pair!r}")
    pos = [type_position(seller, "pair", t) for t in pair]
    if pos[0] == pos[1]:
        raise pr.InputError(f"pair: need two distinct types, got {pair!r}")
    return pos[0], pos[1]


def type_position(seller: MultiProductSeller, name: str, t) -> int:
    """The position of type label `t`, or an InputError naming `name` and the types."""
    try:
        pos = seller.type_index.get_loc(t)
    except (KeyError, TypeError, pd.errors.InvalidIndexError):
        raise pr.InputError(f"{name}: {t!r} is not a type; types are {list(seller.type_index)}") from None
    if not isinstance(pos, int | np.integer):
        raise pr.InputError(f"{name}: {t!r} is not a single type; types are {list(seller.type_index)}")
    return int(pos)


def two_type_intervals(seller: MultiProductSeller, pair=None) -> pd.DataFrame:
    """Lemma 1: the intervals of q = f(t_H) on which the optimal mechanism is constant.

    Rev(q) = q vnet(t_H, a-bar_H) + max_x [(1-q) vnet(t_L, x) - q (v(t_H, x) - v(t_L, x))^+]
    (eq. (1)): the upper envelope of lines, one per pure alternative and zero-rent mixture x.
    Columns: start, end (breakpoints), intercept, slope (Rev = intercept + slope q), cs_high
    = (v_H(x) - v_L(x))^+, efficient, and the low type's lottery x over the alternatives.
    """
    labels = two_type_labels(seller, pair)
    if labels is None:
        i, j = _pair(seller, pair)
        raise pr.InputError(f"pair: no type of {seller.type_index[i]!r}, {seller.type_index[j]!r} envies the other's "
                            "efficient alternative; every market is efficient with zero surplus")
    lo, hi = labels
    k1 = len(seller.alternative_index)
    r = seller.V[hi] - seller.V[lo]
    lotteries = [np.eye(k1)[a] for a in range(k1)]
    for a in np.flatnonzero(r > 0):
        for b in np.flatnonzero(r < 0):
            lam = -r[b] / (r[a] - r[b])
            lotteries.append(lam * np.eye(k1)[a] + (1 - lam) * np.eye(k1)[b])
    X = np.array(lotteries)
    top = seller.Vnet[hi, seller.efficient[hi]]
    intercept = X @ seller.Vnet[lo]
    rent = np.maximum(X @ r, 0.0)
    slope = top - intercept - rent
    rows, q, cur = [], 0.0, None
    # walk the envelope from q = 0: the active line, then the next line overtaking it
    cur = int(np.lexsort((-slope, -intercept))[0])
    while True:
        cross = np.full(len(X), np.inf)
        steeper = slope > slope[cur] + CLOSED_FORM_TOL
        cross[steeper] = (intercept[cur] - intercept[steeper]) / (slope[steeper] - slope[cur])
        cross[cross <= q + CLOSED_FORM_TOL] = np.inf
        nxt_q = float(cross.min())
        end = min(nxt_q, 1.0)
        rows.append(dict(start=q, end=end, intercept=intercept[cur], slope=slope[cur], cs_high=rent[cur],
                         efficient=bool(np.isclose(X[cur, seller.efficient[lo]], 1.0)), line=cur))
        if nxt_q >= 1.0 - CLOSED_FORM_TOL:
            break
        cands = np.flatnonzero(np.isclose(cross, nxt_q, rtol=0, atol=CLOSED_FORM_TOL))
        cur, q = int(cands[np.argmax(slope[cands])]), nxt_q
    out = pd.DataFrame(rows)
    lott = pd.DataFrame(X[out.pop("line").to_numpy()], columns=seller.alternative_index)
    out = pd.concat([out, lott.add_prefix("x_low[").add_suffix("]")], axis=1)
    out.index.name = "interval"
    out.attrs.update(low=seller.type_index[lo], high=seller.type_index[hi])
    return out


def two_type_revenue(seller: MultiProductSeller, q, pair=None) -> float:
    """Rev(q) from the Lemma 1 envelope."""
    qv = float(pr.as_vector("q", q, length=1)[0])
    if not 0.0 <= qv <= 1.0:
        raise pr.InputError(f"q: the high type's mass must lie in [0, 1], got {qv:g}")
    iv = two_type_intervals(seller, pair)
    return float((iv["intercept"] + iv["slope"] * qv).max())


def _two_type_search(seller: MultiProductSeller, f: np.ndarray, S: np.ndarray) -> ParetoSearch:
    """Proposition 2: q inside inefficient interval j splits into q' (inside interval j-1) and
    q'' in (q, q_{j+1}) with weight w = (q'' - q) / (q'' - q') on q'."""
    pair = (seller.type_index[S[0]], seller.type_index[S[1]])
    labels = two_type_labels(seller, pair)
    if labels is None:
        return ParetoSearch(None, "efficient", "neither type envies the other: every market is efficient")
    lo, hi = labels
    iv = two_type_intervals(seller, pair)
    q = f[hi]
    breaks = iv["start"].to_numpy()[1:]
    if np.isclose(breaks, q, rtol=0, atol=MARKET_TOL).any():
        return ParetoSearch(None, "breakpoint",
                            f"q = f({seller.type_index[hi]!r}) = {q:g} is a Lemma 1 breakpoint: two optimal "
                            "mechanisms tie (multiple payment rules) and every non-trivial "
                            "segmentation has a segment in a higher interval, where t_H is worse off")
    j = int(np.searchsorted(iv["start"].to_numpy(), q, side="right") - 1)
    if j == 0:
        return ParetoSearch(None, "efficient", "q lies in the efficient interval of Lemma 1")
    q1 = 0.5 * (iv["start"].iloc[j - 1] + iv["end"].iloc[j - 1])
    q2 = 0.5 * (q + iv["end"].iloc[j])
    w = (q2 - q) / (q2 - q1)

    def mk(qq):
        g = np.zeros(len(seller.type_index))
        g[hi], g[lo] = qq, 1 - qq
        return g

    seg = _segmentation(seller, f, [mk(q1), mk(q2)], [w, 1 - w], "two types (Prop 2)", interval=j,
                       q_low=q1, q_high=q2)
    return _verdict(seg)


def _verdict(seg: Segmentation) -> ParetoSearch:
    if seg.pareto_improving:
        return ParetoSearch(seg, "found", seg.method)
    return ParetoSearch(None, "not found", f"{seg.method}: the constructed split is not Pareto improving "
                        "at the solver's tolerance")


# ---------------------------------------------------------------------- any number of types (Prop 3, Thm 1)
def prop3_market(seller: MultiProductSeller, market):
    """Proposition 3 / Lemma 5: an efficient market f' with supp f' in supp f that Pareto-dominates
    the inefficient market f. Returns (f' as a Series, the chain t', s_1 = t, ..., s_m, M*)."""
    f = seller.market(market)
    S = seller._support(f)
    sol = seller.selected(f)
    x, p = sol["x"].to_numpy(), sol["p"].to_numpy()
    V, Vnet, abar = seller.V[S], seller.Vnet[S], seller.efficient[S]
    cs = (V * x).sum(axis=1) - p
    inefficient = x[np.arange(len(S)), abar] < 1 - DET_TOL
    if not inefficient.any():
        raise pr.InputError("market: is efficient; Proposition 3 needs an inefficient market")
    tol = BIND_TOL * seller.scale
    # binding-IC graph: a -> b when a is indifferent to b's entry
    mimic = V @ x.T - p  # [a, b] = v(a, x_b) - p_b
    edges = (cs[:, None] - mimic <= tol) & ~np.eye(len(S), dtype=bool)
    start = int(np.flatnonzero(inefficient)[0])
    prev: dict[int, int | None] = {start: None}
    seen, queue, goal = {start}, deque([start]), None
    while queue:  # BFS to a zero-surplus type
        a = queue.popleft()
        if cs[a] <= tol:
            goal = a
            break
        for b in np.flatnonzero(edges[a]).tolist():
            if b not in seen:
                seen.add(b)
                prev[b] = a
                queue.append(b)
    if goal is None:
        raise pr.InputError("market: no binding-IC path to a zero-surplus type (numerical tolerance)")
    path = [goal]
    while (back := prev[path[-1]]) is not None:
        path.append(back)
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
    fp = np.zeros(len(seller.type_index))
    fp[S[chain]] = np.diff(np.concatenate([[0.0], F]))
    mech = pd.DataFrame({"alternative": seller.alternative_index[abar[chain]],
                         "payment": V[chain, abar[chain]] - cs_star[chain],
                         "consumer_surplus": cs_star[chain]}, index=seller.type_index[S[chain]])
    return pd.Series(fp, index=seller.type_index, name="f'"), list(seller.type_index[S[chain]]), mech


def theorem1_search(seller: MultiProductSeller, f: np.ndarray, max_halvings: int = 40) -> ParetoSearch:
    """Theorem 1: f = eps f' + (1 - eps) f'' with f' from Proposition 3 and eps halved from
    min_t f(t) / (2 f'(t)) until f'' keeps the payments and CS of f (`f` a validated market)."""
    if not seller.unique_payment_rule(f):
        return ParetoSearch(None, "multiple payment rules", "the optimal payment rule is not unique (spec "
                            "§B.2 test): Theorem 1 does not apply; such markets lie on finitely many "
                            "hyperplanes (Prop 4)")
    fp, chain, mech = prop3_market(seller, f)
    fp = fp.to_numpy()
    base = seller.selected(f)
    on = fp > 0
    eps = 0.5 * float((f[on] / fp[on]).min())
    S = seller._support(f)
    tol = CS_TOL * seller.scale
    for _ in range(max_halvings):
        f2 = np.clip((f - eps * fp) / (1 - eps), 0.0, None)
        f2 = f2 / f2.sum()
        sol2 = seller.selected(f2)
        same = (np.abs(sol2["payment"].to_numpy()[S] - base["payment"].to_numpy()[S]).max() <= tol
                and np.abs(sol2["consumer_surplus"].to_numpy()[S]
                           - base["consumer_surplus"].to_numpy()[S]).max() <= tol)
        if same:
            seg = _segmentation(seller, f, [fp, f2], [eps, 1 - eps], "Theorem 1 (Prop 3 / Lemma 5)",
                                chain=chain, prop3_mechanism=mech, epsilon=eps)
            return _verdict(seg)
        eps /= 2
    return ParetoSearch(None, "not found", "f'' never kept the mechanism of f (eps halved "
                        f"{max_halvings} times)")


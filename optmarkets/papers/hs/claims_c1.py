"""Issue 27, item 5, linear valuations ([HS] Appendix C.1 with finitely many qualities or a piecewise-linear cost):
Figure 9's ironed-interval perturbation, the "only if" of Corollary 2 by brute force over grid segmentations, and
Corollary 4. A continuum of qualities with a strictly convex cost (Figures 6-7, Corollary 3) is a convex model:
`claims_continuous.py` (`MultiProductSeller.continuous`); Appendix C.2 is out of scope.

`grid_segmentation_weight(seller, f, grid)` is the brute force: with CS(t, g) of the selected mechanism of every grid
market g, f has a Pareto-improving segmentation into grid markets iff the LP max sum_{g strictly dominating} w_g
s.t. sum_g w_g g = f, w >= 0 over the weakly dominating g has a positive value (a segmentation into any number of
grid segments). It does not use the virtual values or Corollary 2's test, only M-LP and its selection rule.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import numpy as np
from scipy import optimize

from ...core.reference import Check
from ...core.tolerances import ECON_TOL
from .examples import EXAMPLES
from .seller import MultiProductSeller


def simplex_grid(n: int, steps: int) -> np.ndarray:
    """Every market on n types with masses in multiples of 1/steps."""
    rows = [c for c in product(range(steps + 1), repeat=n - 1) if sum(c) <= steps]
    return np.array([[*c, steps - sum(c)] for c in rows], dtype=float) / steps


def grid_surplus(seller: MultiProductSeller, grid: np.ndarray) -> np.ndarray:
    """CS(t, g) of the selected mechanism of every grid market g (rows)."""
    return np.array([seller.selected(g)["consumer_surplus"].to_numpy() for g in grid])


def grid_segmentation_weight(seller: MultiProductSeller, market, grid: np.ndarray,
                             surplus: np.ndarray | None = None) -> float:
    """The largest total weight on strictly dominating segments over segmentations of `market` into `grid` markets
    (0: no Pareto-improving segmentation into grid markets). `surplus`: `grid_surplus(seller, grid)`, if known."""
    f = seller.market(market)
    tol = ECON_TOL * seller.scale
    cs = grid_surplus(seller, grid) if surplus is None else surplus
    inside = (grid[:, f == 0] == 0).all(axis=1)  # segments stay in supp f
    grid, cs = grid[inside], cs[inside]
    before = seller.selected(f)["consumer_surplus"].to_numpy()
    on = grid > 0
    weak = (np.where(on, cs - before, 0.0) >= -tol).all(axis=1)
    strict = (np.where(on, cs - before, 0.0) > tol).any(axis=1) & weak
    if not weak.any():
        return 0.0
    res = optimize.linprog(-strict[weak].astype(float), A_eq=grid[weak].T, b_eq=f, bounds=(0, None), method="highs")
    return 0.0 if res.status != 0 else float(-res.fun)


# ====================================================================== instances
def two_quality_example() -> MultiProductSeller:
    """v = (2, 3), qualities {1, 2}, C = (0, 1): a(t1) = 2 (efficient) for q = f(t2) <= 1/2, 1 on (1/2, 2/3], 0 above:
    q = 2/3 is inefficient with phi(t1) = 0 = min Phi (Corollary 2: not improvable)."""
    return MultiProductSeller.linear([2.0, 3.0], [1.0, 2.0], [0.0, 1.0])


#: the piecewise-linear convex cost of Corollary 4's example: slopes 0.2, 0.6, 1.5 on [0, .3], [.3, .6], [.6, 1]
PL_KINKS = np.array([0.3, 0.6, 1.0])
PL_SLOPES = np.array([0.2, 0.6, 1.5])


def pl_cost(a: np.ndarray) -> np.ndarray:
    """C(a) = the integral of the slopes PL_SLOPES up to a (kinks PL_KINKS): convex, piecewise linear."""
    starts = np.concatenate([[0.0], PL_KINKS[:-1]])
    return (np.clip(np.asarray(a, dtype=float)[..., None] - starts, 0.0, PL_KINKS - starts) * PL_SLOPES).sum(axis=-1)


def pl_example(qualities=None) -> MultiProductSeller:
    """v = (1, 2) with the cost `pl_cost` on `qualities` (default: the kinks): a-bar(t1) = 0.6, a-bar(t2) = 1."""
    a = PL_KINKS if qualities is None else np.asarray(qualities, dtype=float)
    return MultiProductSeller.linear([1.0, 2.0], a, pl_cost(a))


# ====================================================================== reproduce rows
WHERE_F9 = "App. C.1, proof of Lemma 7, Fig. 9"


@EXAMPLES.register("hs-claims-figure9")
def _figure9_rows(solver: str | None = None) -> list[Check]:
    """Fig. 9: a (t, delta)-perturbation with delta < 0 raises phi on the ironed interval {t_L, ..., t_H - 1} of t
    (only phi(t) when f is regular) and leaves the other virtual values; phi(t) -> v(t) as delta -> -1."""
    name, rows = "hs-claims-figure9", []
    cases = (("(a) regular", [1.0, 2.0, 3.0], [1 / 3, 1 / 3, 1 / 3], (-1.0, 1.0, 3.0), (-1.0, 5 / 3, 3.0),
              "F~ = (1, 2/3, 1/3), R = (1, 4/3, 1) concave; after: F~(3) = 1/6, phi(t2) = (4/3 - 1/2)/(1/2)"),
             ("(b) ironed {t1, t2}", [1.0, 1.2, 4.0], [0.5, 0.1, 0.4], (-1.0, -1.0, 4.0), (0.25, 0.25, 4.0),
              "R = (1, .6, 1.6) at F~ = (1, .5, .4): chord slope (1 - 1.6)/.6 = -1; after: F~(3) = .2, R(.2) = .8, "
              "chord (.2, .8)-(1, 1) slope 1/4; t_L = t1, t_H = t3"))
    for label, v, f, before, after, how in cases:
        seller = MultiProductSeller.linear(v, [1.0])
        g = seller.perturbation(f, "t2", -0.5)
        for when, market, want in (("before", f, before), ("after (t2, -1/2)", g, after)):
            phi = seller.virtual_values(market).to_numpy()
            rows += [Check(name, f"{label}: phi({t}) {when}", w, float(p), "derived", WHERE_F9,
                           note="by hand: " + how) for t, w, p in zip(seller.type_index, want, phi)]
    # Fig. 9 (a) / the proof of Lemma 7: "the virtual valuation of each type other than t remains unchanged"
    seller = MultiProductSeller.linear([1.5, 2.0, 3.0], [1.0])
    g = seller.perturbation([1 / 3, 1 / 3, 1 / 3], "t1", -0.9)
    rows.append(Check(name, "regular f: v = (1.5, 2, 3), f uniform, (t1, -0.9): phi(t2) after (before: 1)", 42 / 29,
                      float(seller.virtual_values(g).iloc[1]), "corrected", WHERE_F9, paper_value=1.0,
                      note="the paper keeps phi of types other than t; but F~(2), F~(3) scaled by 0.1 make the slope "
                           "to t1, (1.5 - 2/15)/(14/15) = 41/28, exceed phi(t2) = 1: t2 is ironed with t1 at the "
                           "chord slope (1.5 - 0.1)/(29/30) = 42/29, by hand. Corrected: phi' >= phi for every "
                           "type (what the proof uses), phi'(t) > phi(t), unchanged below t_L"))
    seller = MultiProductSeller.linear([1.0, 2.0, 3.0], [1.0])
    delta = -0.999  # not a tolerance: a perturbation close to -1
    g = seller.perturbation(np.full(3, 1 / 3), "t2", delta)
    F3 = (1 + delta) / 3
    rows.append(Check(name, "(a): phi(t2) at delta = -0.999 is 2 - F~(3)/f(t2) (-> v(t2) = 2 as delta -> -1)",
                      2 - F3 / g[1], float(seller.virtual_values(g).iloc[1]), "paper-formula",
                      "App. C.1, proof of Lemma 7",
                      note="phi(t2) = (2 F~(2) - 3 F~(3)) / f(t2), F~(2) = f(t2) + F~(3)"))
    return rows


@EXAMPLES.register("hs-claims-corollary2")
def _corollary2_rows(solver: str | None = None) -> list[Check]:
    """Corollary 2 on v = (2, 3), qualities {1, 2}, C = (0, 1): q = 2/3 is inefficient and fails the test, and no
    segmentation into markets q in {0, 1/24, ..., 1} is Pareto improving; q = 0.6 passes and one is found."""
    name, where = "hs-claims-corollary2", "App. C.1, Corollary 2 ('only if')"
    seller = two_quality_example()
    grid = np.array([[1 - k / 24, k / 24] for k in range(25)])
    surplus = grid_surplus(seller, grid)
    rows = []
    for q, improvable in ((2 / 3, 0.0), (0.6, 1.0)):
        f = [1 - q, q]
        test = seller.corollary2(f)
        rows += [Check(name, f"q = {q:.4g}: the selected mechanism is inefficient (1 = yes)", 1.0,
                       float(not test["efficient"].all()), "derived", where,
                       note="phi(t1) = (2 - 3q)/(1 - q) < 1 for q > 1/2: quality 1 or 0 instead of 2, by hand"),
                 Check(name, f"q = {q:.4g}: Corollary 2's test (1 = improvable)", improvable,
                       float(test["improvable"].any()), "paper-formula", where,
                       note="phi(t1) = (2 - 3q)/(1 - q) > min Phi(phi) = C(1) - C(0) = 0 iff q < 2/3, by hand"),
                 Check(name, f"q = {q:.4g}: a Pareto-improving segmentation into grid markets exists (1 = yes)",
                       improvable, float(grid_segmentation_weight(seller, f, grid, surplus) > ECON_TOL), "derived",
                       where,
                       note="brute force: CS of M-LP's selection on the 25 markets k/24, then an LP over every "
                            "segmentation into them (claims_c1.grid_segmentation_weight)")]
    return rows


@EXAMPLES.register("hs-claims-corollary4")
def _corollary4_rows(solver: str | None = None) -> list[Check]:
    """Corollary 4: with a convex piecewise-linear cost the optimum uses only the kinks (a quality grid gives the
    same revenue), and the inefficient markets that cannot be improved are finitely many: here q = 4/9 alone."""
    name, where = "hs-claims-corollary4", "App. C.1, Corollary 4"
    kinks, fine = pl_example(), pl_example(np.arange(1, 21) / 20)
    rows = []
    for q in (0.2, 0.4, 0.7):
        rows.append(Check(name, f"q = {q}: M-LP revenue with qualities 0.05, 0.10, ..., 1 = with the kinks only",
                          kinks.selected([1 - q, q], solver=solver).value,
                          fine.selected([1 - q, q], solver=solver).value, "derived", where,
                          note="phi a - C(a) is linear between kinks, so a kink (or a lottery of two, the same for "
                               "linear values) is optimal: the revenue with the kinks as the only qualities"))
    iv = kinks.two_type_intervals()
    rows.append(Check.exactly(name, "Lemma 1 breakpoints q = (v1 - c_j)/(v2 - c_j) for the cost slopes c_j = 0.6, 0.2",
                              tuple(Fraction(b).limit_denominator(1000) for b in iv["start"].iloc[1:]),
                              (Fraction(2, 7), Fraction(4, 9)), "paper-formula", where,
                              note="phi(t1) = (1 - 2q)/(1 - q) equals a cost slope c_j"))
    at = kinks.corollary2([5 / 9, 4 / 9])
    rows.append(Check(name, "q = 4/9: inefficient and not improvable (Corollary 2; 1 = yes)", 1.0,
                      float(not at["efficient"].all() and not at["improvable"].any()), "paper-formula", where,
                      note="phi(t1) = 0.2 = C'(0.3-) = min Phi: a(t1) = 0.3 < a-bar(t1) = 0.6, by hand"))
    qs = [k / 31 for k in range(1, 31)]  # 31 is prime: the grid misses 2/7 and 4/9
    tests = [kinks.corollary2([1 - q, q]) for q in qs]
    stuck = sum(bool(not t["efficient"].all() and not t["improvable"].any()) for t in tests)
    rows.append(Check(name, "markets q = k/31 that are inefficient and not improvable", 0.0, float(stuck), "paper",
                      where, note="non-generic: only q = 4/9 (a finite set) for this cost"))
    return rows

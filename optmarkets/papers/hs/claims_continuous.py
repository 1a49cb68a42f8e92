"""Issue 26, item 5: [HS] Appendix C with a continuum of qualities (`MultiProductSeller.continuous`, a convex
mechanism program solved with Clarabel): the two-type example (Figure 6's CS(t2) along q, Figure 7's frontier),
Corollary 3 on random markets, and a piecewise-linear cost recovering Theorem 1 (the finite-quality M-LP at its kinks).

The expected numbers are worked by hand (Myerson with C = a^2/2: a(t1) = max(0, phi(t1)), phi(t1) = (1 - 2q)/(1 - q))
or come from models that do not use the convex program (M-LP at the cost's kinks; the brute force over segmentations
into grid markets of `claims_c1.grid_segmentation_weight`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import cvxpy as cp
import numpy as np

from ...core.reference import Check
from ...core.tolerances import CONIC_CS_TOL, ECON_TOL
from .claims_c1 import PL_KINKS, grid_segmentation_weight, pl_example
from .continuous import SOLVER, ContinuousQualitySeller
from .examples import EXAMPLES

if TYPE_CHECKING:
    from .seller import MultiProductSeller

WHERE_C = "App. C (two types, A = [0, 1], C(a) = a^2/2)"
BY_HAND = "phi(t1) = 1 - q (2 - 1)/(1 - q) = (1 - 2q)/(1 - q), a(t1) = max(0, phi(t1)), a(t2) = 1; by hand"


def appendix_c_example() -> ContinuousQualitySeller:
    """[HS] App. C: valuations a and 2a, qualities a in [0, 1], C(a) = a^2/2."""
    return ContinuousQualitySeller([1.0, 2.0], lambda a: cp.square(a) / 2, quality_max=1.0)


def pl_cost(a):
    """`claims_c1.pl_cost` on a cvxpy expression: slopes 0.2, 0.6, 1.5 with kinks 0.3, 0.6 (C(1) = 0.84)."""
    return cp.maximum(0.2 * a, 0.6 * a - 0.12, 1.5 * a - 0.66)


@EXAMPLES.register("hs-appendix-c-figure6")
def _figure6_rows(solver: str | None = None) -> list[Check]:
    """Figure 6: CS(t2) = max(0, (1 - 2q)/(1 - q)) strictly decreasing on q < 1/2, 0 above; q < 1/2 not improvable."""
    name, seller, rows = "hs-appendix-c-figure6", appendix_c_example(), []
    for q in (0.1, 0.25, 0.4, 0.6, 0.8):
        sol = seller.mechanism_problem([1 - q, q]).solve(SOLVER)
        rows += [Check(name, f"CS(t2) at q = {q}", max(0.0, (1 - 2 * q) / (1 - q)),
                       float(sol["consumer_surplus"]["t2"]), "paper-formula", WHERE_C + ", Fig. 6",
                       note="CS(t2) = (v2 - v1) a(t1) (Prop. 6); " + BY_HAND),
                 Check(name, f"CS(t1) at q = {q}", 0.0, float(sol["consumer_surplus"]["t1"]), "paper", WHERE_C,
                       note="'the surplus of type t1 in the optimal mechanism is 0'")]
    grid = np.array([[1 - k / 20, k / 20] for k in range(21)])
    duck = cast("MultiProductSeller", seller)  # the brute force reads market, scale and selected(...) only
    for q, improvable in ((0.25, 0.0), (0.4, 0.0), (0.75, 1.0)):
        seg = seller.pareto_improving_segmentation([1 - q, q])
        rows += [Check(name, f"q = {q}: a checked Pareto-improving segmentation found (1 = yes)", improvable,
                       float(seg is not None and seg.ok), "paper", WHERE_C + ", Corollary 3",
                       note="q < 1/2: 'not Pareto improvable'; q > 1/2: t1 excluded (Corollary 3)"),
                 Check(name, f"q = {q}: brute force, a Pareto-improving split into markets k/20 (1 = yes)", improvable,
                       float(grid_segmentation_weight(duck, [1 - q, q], grid) > ECON_TOL),
                       "paper", WHERE_C, note="CS of the convex program on 21 grid markets, then an LP over every "
                                              "segmentation into them (claims_c1.grid_segmentation_weight)")]
    return rows


@EXAMPLES.register("hs-appendix-c-figure7")
def _figure7_rows(solver: str | None = None) -> list[Check]:
    """Figure 7: the frontier of per-type profits (a - a^2/2 from t1, 1.5 - a from t2), a = a(t1), traced by the
    optimal mechanisms of the markets q = (1 - a)/(2 - a)."""
    name, seller, rows = "hs-appendix-c-figure7", appendix_c_example(), []
    for a in (0.2, 0.4, 0.6, 0.8):
        q = (1 - a) / (2 - a)  # (1 - 2q)/(1 - q) = a
        sol = seller.mechanism_problem([1 - q, q]).solve(SOLVER)
        rows += [Check(name, f"a(t1) = {a}: profit from t1 = a - a^2/2", a - a * a / 2, float(sol["profit"]["t1"]),
                       "paper-formula", "App. C, Fig. 7", note="p(t1) = a (IR binds), minus C(a); " + BY_HAND),
                 Check(name, f"a(t1) = {a}: profit from t2 = 1.5 - a", 1.5 - a, float(sol["profit"]["t2"]),
                       "paper-formula", "App. C, Fig. 7", note="p(t2) = 2 - a (IC binds), minus C(1) = 1/2")]
    return rows


@EXAMPLES.register("hs-appendix-c-corollary3")
def _corollary3_rows(solver: str | None = None) -> list[Check]:
    """Corollary 3 (C = a^2/2, A = [0, inf)): on 12 random 3-type markets, a checked Pareto-improving segmentation is
    found exactly when the optimal mechanism excludes a type."""
    name, where = "hs-appendix-c-corollary3", "App. C.1, Corollary 3"
    rng = np.random.default_rng(2026)
    mismatch, counts = 0, {True: 0, False: 0}
    for _ in range(12):
        v = np.sort(rng.choice(np.arange(5, 61), 3, replace=False) / 20)
        f = rng.dirichlet(np.ones(3))
        seller = ContinuousQualitySeller(v, lambda a: cp.square(a) / 2)
        excluded = bool((seller.selected(f)["quality"] <= CONIC_CS_TOL).any())
        found = seller.pareto_improving_segmentation(f)
        mismatch += int((found is not None and found.ok) != excluded)
        counts[excluded] += 1
    return [Check(name, "random markets where 'improvable' differs from 'some type excluded'", 0.0, float(mismatch),
                  "paper", where, note=f"{counts[True]} markets exclude a type, {counts[False]} do not")]


@EXAMPLES.register("hs-appendix-c-piecewise-linear")
def _piecewise_linear_rows(solver: str | None = None) -> list[Check]:
    """A convex piecewise-linear cost recovers Theorem 1: the convex program equals M-LP with the kinks as qualities,
    and the inefficient markets q = 0.3, 0.4 (t1 at the kink 0.3 < a-bar = 0.6) are improvable, unlike with a^2/2."""
    name, where = "hs-appendix-c-piecewise-linear", "App. C ('if ... piecewise linear, Theorem 1 can be recovered')"
    seller = ContinuousQualitySeller([1.0, 2.0], pl_cost, quality_max=1.0)
    smooth, finite = appendix_c_example(), pl_example()
    kinks = np.concatenate([[0.0], PL_KINKS])
    rows = []
    for q in (0.2, 0.4, 0.7):
        sol, ref = seller.mechanism_problem([1 - q, q]).solve(SOLVER), finite.selected([1 - q, q], solver=solver)
        rows += [Check(name, f"q = {q}: profit = M-LP with the kinks 0.3, 0.6, 1 as qualities", ref.value, sol.value,
                       "derived", where, note="claims_c1.pl_example (the finite-quality M-LP)"),
                 Check(name, f"q = {q}: a(t1) = M-LP's expected quality of t1",
                       float(ref["allocation"].iloc[0] @ kinks), float(sol["quality"].iloc[0]), "derived", where,
                       note="claims_c1.pl_example")]
    for q in (0.3, 0.4):
        seg, stuck = seller.pareto_improving_segmentation([1 - q, q]), smooth.pareto_improving_segmentation([1 - q, q])
        rows += [Check(name, f"q = {q}: piecewise-linear cost, a checked Pareto-improving segmentation (1 = yes)", 1.0,
                       float(seg is not None and seg.ok), "paper", where,
                       note="phi(t1) = (1 - 2q)/(1 - q) in (0.2, 0.6): a(t1) = 0.3, lowering phi keeps it"),
                 Check(name, f"q = {q}: C = a^2/2, none (1 = none)", 1.0, float(stuck is None), "paper", WHERE_C,
                       note="a(t1) = phi(t1) > 0 moves with phi (Corollary 3)")]
    return rows

"""[HS] Appendix C: a continuum of qualities with a convex cost (`MultiProductSeller.continuous`), against Myerson's
closed form worked here (ironing by brute force over chords), IC/IR re-checked on the returned menu, Corollary 3 on
random markets, the piecewise-linear cost against the finite-quality M-LP at its kinks, and bad inputs."""

import cvxpy as cp
import numpy as np
import pytest

import optmarkets as om
from optmarkets.core.errors import InputError
from optmarkets.papers.hs.claims_c1 import PL_KINKS, grid_segmentation_weight, pl_example

SOLVER = "CLARABEL"


def quadratic(a):
    return cp.square(a) / 2


def closed_form(v, f, quality_max=None):
    """C = a^2/2: a_t = clip(phi_t, 0, a_max), phi the ironed virtual value (the least concave majorant of the points
    (F~(t), v_t F~(t)) and (0, 0), by brute force over chords), CS from the envelope, p = v a - CS."""
    v, f = np.asarray(v, float), np.asarray(f, float)
    F = np.concatenate([np.cumsum(f[::-1])[::-1], [0.0]])
    xs, ys = F, np.concatenate([v * F[:-1], [0.0]])

    def hull(x):
        best = -np.inf
        for i in range(len(xs)):
            for j in range(len(xs)):
                if xs[i] <= x <= xs[j]:
                    w = 0.0 if xs[j] == xs[i] else (x - xs[i]) / (xs[j] - xs[i])
                    best = max(best, (1 - w) * ys[i] + w * ys[j])
        return best

    R = np.array([hull(x) for x in F])
    phi = (R[:-1] - R[1:]) / f
    a = np.clip(phi, 0.0, np.inf if quality_max is None else quality_max)
    cs = np.concatenate([[0.0], np.cumsum(np.diff(v) * a[:-1])])
    return a, v * a - cs, cs


def random_instance(rng, n):
    return np.sort(rng.choice(np.arange(5, 61), n, replace=False) / 20), rng.dirichlet(np.ones(n))


@pytest.mark.parametrize("quality_max", [None, 1.0])
def test_quadratic_cost_matches_myerson_closed_form(quality_max):
    rng = np.random.default_rng(26)
    for _ in range(8):
        v, f = random_instance(rng, int(rng.integers(2, 5)))
        seller = om.MultiProductSeller.continuous(v, quadratic, quality_max=quality_max)
        sol = seller.mechanism_problem(f).solve(SOLVER)
        a, p, cs = closed_form(v, f, quality_max)
        np.testing.assert_allclose(sol["quality"].to_numpy(), a, atol=1e-6)
        np.testing.assert_allclose(sol["payment"].to_numpy(), p, atol=1e-6)
        np.testing.assert_allclose(sol["consumer_surplus"].to_numpy(), cs, atol=1e-6)
        assert sol.value == pytest.approx(float(f @ (p - a ** 2 / 2)), abs=1e-6)
        assert list(sol["quality"].index) == [f"t{i + 1}" for i in range(len(v))]


def test_returned_menu_is_ic_and_ir_and_prices_signed():
    rng = np.random.default_rng(7)
    for _ in range(6):
        v, f = random_instance(rng, 4)
        sol = om.MultiProductSeller.continuous(v, quadratic).mechanism_problem(f).solve(SOLVER)
        a, p = sol["quality"].to_numpy(), sol["payment"].to_numpy()
        utility = np.outer(v, a) - p  # [t, s]: type t taking s's entry
        assert (np.diag(utility)[:, None] >= utility - 1e-7).all()
        assert (np.diag(utility) >= -1e-7).all()
        assert (sol.prices["IC"].to_numpy() <= 1e-7).all() and (sol.prices["IR"].to_numpy() <= 1e-7).all()


def test_ir_price_matches_a_central_difference_of_re_solves():
    seller = om.MultiProductSeller.continuous([1, 2], quadratic, quality_max=1)
    model = seller.mechanism_problem([0.75, 0.25])
    price = model.solve(SOLVER).prices["IR"].to_numpy()
    h = 1e-3
    for t in range(2):
        bump = np.eye(2)[t] * h
        up = model.bind(outside=bump).solve(SOLVER, certify=False).value
        down = model.bind(outside=-bump).solve(SOLVER, certify=False).value
        assert price[t] == pytest.approx((up - down) / (2 * h), abs=1e-5)
    assert price[0] == pytest.approx(-1.0, abs=1e-6)  # t1's IR binds and t2's CS moves with it: -1, by hand


def test_appendix_c_two_types_figure6_and_figure7():
    seller = om.MultiProductSeller.continuous([1, 2], quadratic, quality_max=1)
    for q in (0.1, 0.3, 0.45, 0.6, 0.9):
        sol = seller.mechanism_problem([1 - q, q]).solve(SOLVER)
        a1 = max(0.0, (1 - 2 * q) / (1 - q))  # phi(t1) = 1 - q (2 - 1) / (1 - q), by hand
        assert sol["consumer_surplus"]["t2"] == pytest.approx(a1, abs=1e-6)
        assert sol["consumer_surplus"]["t1"] == pytest.approx(0.0, abs=1e-6)
        # Figure 7's frontier: profit a - a^2/2 from t1 and 1.5 - a from t2
        assert sol["profit"]["t1"] == pytest.approx(a1 - a1 ** 2 / 2, abs=1e-6)
        assert sol["profit"]["t2"] == pytest.approx(1.5 - a1, abs=1e-6)
    # q < 1/2 not improvable, q > 1/2 improvable; the brute force over grid segmentations agrees
    grid = np.array([[1 - k / 20, k / 20] for k in range(21)])
    for q, improvable in ((0.3, False), (0.7, True)):
        seg = seller.pareto_improving_segmentation([1 - q, q])
        assert (seg is not None) == improvable
        if seg is not None:
            assert seg.ok and np.allclose(seg.weights.to_numpy() @ seg.segments.to_numpy(), [1 - q, q])
        assert (grid_segmentation_weight(seller, [1 - q, q], grid) > 1e-7) == improvable


def test_corollary3_improvable_iff_some_type_excluded_random():
    rng = np.random.default_rng(3)
    seen = {True: 0, False: 0}
    for _ in range(12):
        v, f = random_instance(rng, 3)
        a, _, _ = closed_form(v, f)
        phi_margin = np.min(np.abs(a[a > 0] - 0)) if (a > 0).any() else 1.0
        if phi_margin < 1e-3:
            continue
        excluded = bool((a == 0).any())
        seller = om.MultiProductSeller.continuous(v, quadratic)
        seg = seller.pareto_improving_segmentation(f)
        assert (seg is not None) == excluded, (v, f, a)
        if seg is not None:
            assert seg.ok and (seg.cs_change.fillna(0).to_numpy() >= -1e-6).all()
        seen[excluded] += 1
    assert seen[True] >= 2 and seen[False] >= 2


def pl_cost(a):
    return cp.maximum(0.2 * a, 0.6 * a - 0.12, 1.5 * a - 0.66)  # slopes 0.2, 0.6, 1.5, kinks 0.3, 0.6


def test_piecewise_linear_cost_recovers_the_finite_model_and_theorem1():
    seller = om.MultiProductSeller.continuous([1, 2], pl_cost, quality_max=1)
    finite = pl_example()
    np.testing.assert_allclose(seller.efficient_quality.to_numpy(), [0.6, 1.0], atol=1e-6)
    for q in (0.2, 0.3, 0.4, 0.7):
        sol = seller.mechanism_problem([1 - q, q]).solve(SOLVER)
        ref = finite.selected([1 - q, q])
        assert sol.value == pytest.approx(ref.value, abs=1e-6)
        np.testing.assert_allclose(sol["quality"].to_numpy(),
                                   ref["allocation"].to_numpy() @ np.concatenate([[0.0], PL_KINKS]), atol=1e-6)
    # q = 0.3, 0.4: t1 gets the kink 0.3 < 0.6 (inefficient) and is improvable, unlike with a^2/2
    smooth = om.MultiProductSeller.continuous([1, 2], quadratic, quality_max=1)
    for q in (0.3, 0.4):
        seg = seller.pareto_improving_segmentation([1 - q, q])
        assert seg is not None and seg.ok
        assert smooth.pareto_improving_segmentation([1 - q, q]) is None


def test_bad_inputs_name_the_field():
    with pytest.raises(InputError, match="cost"):
        om.MultiProductSeller.continuous([1, 2], "a^2/2")
    with pytest.raises(InputError, match="cost"):
        om.MultiProductSeller.continuous([1, 2], lambda a: cp.sqrt(a))  # concave
    with pytest.raises(InputError, match="cost"):
        om.MultiProductSeller.continuous([1, 2], lambda a: cp.sum(cp.square(a)))  # not elementwise
    with pytest.raises(InputError, match="cost"):
        om.MultiProductSeller.continuous([1, 2], lambda a: cp.square(a) + 1)  # C(0) != 0
    with pytest.raises(InputError, match="values"):
        om.MultiProductSeller.continuous([-1, 2], quadratic)
    with pytest.raises(InputError, match="values"):
        om.MultiProductSeller.continuous([2, 1], quadratic)
    with pytest.raises(InputError, match="quality_max"):
        om.MultiProductSeller.continuous([1, 2], quadratic, quality_max=-1)
    with pytest.raises(InputError, match="cost"):
        om.MultiProductSeller.continuous([1, 2], lambda a: 0.5 * a)  # unbounded on [0, inf)
    seller = om.MultiProductSeller.continuous([1, 2], quadratic)
    with pytest.raises(InputError, match="market"):
        seller.mechanism_problem([0.3, 0.3])

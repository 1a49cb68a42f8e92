"""Conic models with the trust of LPs (issue 26 items 2-4): the certificate's dual residuals (KKT
stationarity with the returned prices, dual-cone signs, complementarity, the Lagrangian gap), prices
right to 1e-6 at the default tol, and answers right at data x1e-6 .. x1e6.

References, none computed by optmarkets: the Eisenberg-Gale market of `test_conic_solver_choice`
(prices (3, 1.5), worked by hand in its docstring; at supply x s and budgets x b they are (3, 1.5) b/s);
central finite differences of re-solves for every family's prices; the closed form of a projection QP;
the max-cut relaxation's dual worked below.
"""

from __future__ import annotations

import math

import cvxpy as cp
import numpy as np
import pytest
from test_conic_solver_choice import BUDGETS, HAND_PRICES, HAND_VALUE, SUPPLY, UTILITY

import optmarkets as om
from optmarkets.core.certificate import certify
from optmarkets.core.errors import SolveError
from optmarkets.core.family import family

PRICE_RTOL = 1e-6  # issue 26 item 3: prices and values right to 1e-6 relative at the default tol


def market(supply=SUPPLY, budgets=BUDGETS) -> om.Model:
    m = om.Model("eisenberg_gale", units="budget-weighted log utility")
    x = m.variable("x", (3, 2), nonneg=True)
    m.maximize(budgets @ cp.log(cp.sum(cp.multiply(UTILITY, x), axis=1)))
    m.constrain("supply", family(cp.sum(x, axis=0), "<=", supply))
    return m


def test_default_solve_gives_the_hand_prices_to_1e_6_with_every_dual_residual():
    sol = market().solve()
    assert sol.solver == "CLARABEL"
    np.testing.assert_allclose(sol.prices["supply"], HAND_PRICES, rtol=PRICE_RTOL)
    assert sol.value == pytest.approx(HAND_VALUE, rel=PRICE_RTOL)
    cert = sol.certificate
    for name in ("dual_infeasibility", "complementary_slackness", "duality_gap", "dual_sign"):
        assert name in cert.relative.index and cert.relative[name] < 1e-7, name
    assert cert.duality_gap is not None and cert.ok()
    assert not any("not computed" in note for note in cert.notes)


@pytest.mark.parametrize(("factor", "residual"), [(1.01, "duality_gap"), (0.99, "dual_infeasibility")])
def test_wrong_prices_fail_the_certificate(factor, residual):
    """The certificate checks the prices users read. Bread's price 1% high: the buyers of bread see a
    negative reduced cost B_i a_ij / u_i - p_j on what they buy (complementarity, the gap); 1% low: a
    positive one (stationarity fails, dual infeasibility)."""
    m = market()
    m.solve()
    assert certify(m).ok()
    supply = m.families["supply"].constraint
    supply.dual_variables[0].value = supply.dual_value * np.array([factor, 1.0])
    cert = certify(m)
    assert not cert.ok()
    assert cert.relative[residual] > 1e-3


def test_wrong_signed_prices_fail_the_dual_sign():
    m = market()
    m.solve()
    supply = m.families["supply"].constraint
    supply.dual_variables[0].value = -supply.dual_value
    assert certify(m).relative["dual_sign"] > 0.1


@pytest.mark.parametrize("k", [0, 1])
def test_conic_prices_are_central_differences_of_re_solves(k):
    """d value / d supply_k by re-solving at supply_k +- h (h relative to the supply)."""
    price = market().solve().prices["supply"].to_numpy()[k]
    h = 1e-4 * SUPPLY[k]
    up, down = SUPPLY.copy(), SUPPLY.copy()
    up[k] += h
    down[k] -= h
    fd = (market(supply=up).solve().value - market(supply=down).solve().value) / (2 * h)
    assert price == pytest.approx(fd, rel=1e-6)


def projection(target: np.ndarray, cap: float) -> om.Model:
    """min |x - target|^2 s.t. sum x == 1, x <= cap: a QP (Clarabel) whose prices are closed forms."""
    m = om.Model("projection", sense="min")
    x = m.variable("x", target.size)
    m.minimize(cp.sum_squares(x - target))
    m.constrain("budget", family(cp.sum(x), "==", 1.0))
    m.constrain("cap", family(x, "<=", np.full(target.size, cap)))
    return m


def test_qp_prices_match_the_closed_form_and_finite_differences():
    """target (0.9, 0.5, 0.1), cap 0.6: x = (0.6, 0.5 - t, 0.1 - t) + ... worked: x1 capped at 0.6, the rest
    share the remaining 0.4 as x_j = target_j - nu/2 with 0.5 + 0.1 - nu = 0.4, nu = 0.2: x = (0.6, 0.4, 0.0).
    KKT: 2 (x_j - target_j) + nu + lam_j = 0: nu = 0.2, lam_1 = 2 (0.9 - 0.6) - 0.2 = 0.4. Prices
    (d value / d rhs, a minimisation): budget -nu = -0.2, cap_1 -lam_1 = -0.4, caps 2, 3: 0."""
    target = np.array([0.9, 0.5, 0.1])
    sol = projection(target, 0.6).solve()
    assert sol.solver == "CLARABEL"
    np.testing.assert_allclose(sol["x"], [0.6, 0.4, 0.0], atol=1e-7)
    assert float(sol.prices["budget"]) == pytest.approx(-0.2, rel=PRICE_RTOL)
    np.testing.assert_allclose(sol.prices["cap"], [-0.4, 0.0, 0.0], atol=1e-7)
    assert sol.certificate.relative["dual_infeasibility"] < 1e-7
    h = 1e-5
    fd = (projection(target, 0.6 + h).solve().value - projection(target, 0.6 - h).solve().value) / (2 * h)
    assert sol.prices["cap"].sum() == pytest.approx(fd, rel=1e-5)  # every cap moves together


def max_cut_relaxation(solver: str) -> om.Solution:
    """min <C, X> s.t. diag(X) == 1, X PSD with C = [[0, 1], [1, 0]]: X = [[1, -1], [-1, 1]], value -2. Dual:
    max sum y s.t. C - diag(y) PSD: y = (-1, -1) (C - diag(y) = [[1, 1], [1, 1]] >= 0), value -2. Prices
    d value / d rhs = y = (-1, -1)."""
    m = om.Model("maxcut", sense="min")
    X = m.variable("X", (2, 2), PSD=True)
    m.minimize(cp.trace(np.array([[0.0, 1.0], [1.0, 0.0]]) @ X))
    m.constrain("unit", family(cp.diag(X), "==", np.ones(2)))
    return m.solve(solver=solver)


@pytest.mark.parametrize("solver", ["CLARABEL", "SCS"])
def test_psd_model_is_certified_with_its_reduced_cost_in_the_dual_cone(solver):
    sol = max_cut_relaxation(solver)
    assert sol.value == pytest.approx(-2.0, rel=1e-6)
    np.testing.assert_allclose(sol.prices["unit"], [-1.0, -1.0], rtol=1e-5)
    cert = sol.certificate
    assert "dual_infeasibility" in cert.relative.index and cert.ok()


def test_a_piecewise_linear_objective_says_why_its_duals_are_not_checked():
    m = om.Model("kinked", sense="min")
    x = m.variable("x", 2)
    m.minimize(cp.sum(cp.abs(x - 1)) + cp.sum_squares(x))
    m.constrain("floor", family(x, ">=", np.zeros(2)))
    sol = m.solve()
    assert sol["x"].to_numpy() == pytest.approx([0.5, 0.5], abs=1e-6)  # 2x = 1 on the side x < 1
    assert any("piecewise-linear" in note for note in sol.certificate.notes)
    assert "dual_infeasibility" not in sol.certificate.relative.index


# ------------------------------------------------------------------ the scale grid (item 4)
SCALES = [1e-6, 1e-3, 1.0, 1e3, 1e6]


@pytest.mark.parametrize("supply_scale", SCALES)
@pytest.mark.parametrize("budget_scale", [1e-6, 1.0, 1e6])
def test_market_is_right_at_every_scale_of_its_data(supply_scale, budget_scale):
    """Prices scale as budgets / supply; value as budgets (plus log terms of the supply)."""
    sol = market(SUPPLY * supply_scale, BUDGETS * budget_scale).solve()
    np.testing.assert_allclose(sol.prices["supply"], HAND_PRICES * budget_scale / supply_scale, rtol=PRICE_RTOL)
    value = budget_scale * (HAND_VALUE + BUDGETS.sum() * math.log(supply_scale))
    assert sol.value == pytest.approx(value, rel=PRICE_RTOL, abs=PRICE_RTOL * budget_scale)
    assert sol.certificate.ok()


@pytest.mark.parametrize("scale", [1e-8, 1e8])
def test_extreme_scales_are_right_or_a_typed_error_never_a_wrong_certified_answer(scale):
    for supply_scale, budget_scale in ((scale, 1.0), (1.0, scale), (scale, scale)):
        try:
            sol = market(SUPPLY * supply_scale, BUDGETS * budget_scale).solve()
        except SolveError as exc:
            assert type(exc).__name__ == "SolverFailedError"  # never "infeasible" or "unbounded"
            continue
        np.testing.assert_allclose(sol.prices["supply"], HAND_PRICES * budget_scale / supply_scale, rtol=1e-5)


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_costly_persuasion_scales_with_its_payoffs(scale):
    """Payoffs and the cost per nat both x scale: the same policy, the value x scale (Blahut-Arimoto's
    fixed point depends on u / lam only)."""
    u = np.array([[1.0, 0.5, 0.0], [0.0, 0.8, 0.3], [0.2, 0.0, 1.0]])
    prior = np.array([0.5, 0.3, 0.2])
    base = om.persuasion(["w1", "w2", "w3"], prior, ["a1", "a2", "a3"], u, u, information_cost="entropy",
                         cost_weight=0.3).solve()
    scaled = om.persuasion(["w1", "w2", "w3"], prior, ["a1", "a2", "a3"], u * scale, u * scale,
                           information_cost="entropy", cost_weight=0.3 * scale).solve()
    np.testing.assert_allclose(scaled["policy"].to_numpy(), base["policy"].to_numpy(), atol=1e-6)
    assert scaled.value == pytest.approx(base.value * scale, rel=PRICE_RTOL)

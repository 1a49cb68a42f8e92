"""The certificate's duality gap on wrong duals: dual feasible, not optimal, so the gap is the only
failing residual, and it equals the hand-computed value."""

from __future__ import annotations

import math

import cvxpy as cp
import numpy as np
import pytest

import optmarkets as om
from optmarkets.core.family import family


def _lp():
    """max 3 x1 + 2 x2  s.t.  x1 + x2 <= 4 [budget], x1 + 3 x2 <= 6 [labour], x >= 0.
    Optimum x = (4, 0), V = 12, prices (3, 0)."""
    m = om.Model("two_rows")
    x = m.variable("x", 2, nonneg=True)
    m.constrain("budget", family(x[0] + x[1], "<=", 4.0))
    m.constrain("labour", family(x[0] + 3 * x[1], "<=", 6.0))
    m.maximize(3 * x[0] + 2 * x[1])
    return m


def test_optimal_duals_have_zero_gap():
    m = _lp()
    sol = m.solve()
    assert sol.value == pytest.approx(12.0)
    assert sol.certificate.duality_gap == pytest.approx(0.0, abs=1e-9)


def test_gap_of_dual_feasible_but_not_optimal_duals_is_hand_computed():
    m = _lp()
    m.solve()
    # y = (2, 1): reduced costs r = c - A'y = (3 - 3, 2 - 5) = (0, -3) <= 0, so dual feasible; dual
    # objective 4*2 + 6*1 = 14 > 12: the gap is 2. At x = (4, 0) the labour row has slack 2, so
    # y_labour * slack = 2 is also the complementary-slackness residual; signs are right.
    m.families["budget"].constraint.dual_variables[0].value = np.array(2.0)
    m.families["labour"].constraint.dual_variables[0].value = np.array(1.0)
    cert = m.certify()
    assert cert.dual_sign == pytest.approx(0.0)
    assert cert.dual_infeasibility == pytest.approx(0.0)
    assert cert.max_violation == pytest.approx(0.0)
    assert cert.duality_gap == pytest.approx(2.0)
    assert not cert.ok()


def test_gap_scales_with_the_distance_from_the_optimal_dual():
    m = _lp()
    m.solve()
    # y = (3 + t, 0): r = (-t, 2 - 3 - t) <= 0, dual objective 4 (3 + t) = 12 + 4t: gap 4t
    for t in (0.5, 1.25):
        m.families["budget"].constraint.dual_variables[0].value = np.array(3.0 + t)
        m.families["labour"].constraint.dual_variables[0].value = np.array(0.0)
        cert = m.certify()
        assert cert.dual_infeasibility == pytest.approx(0.0)
        assert cert.duality_gap == pytest.approx(4 * t)


def test_gap_in_a_minimisation():
    # min x1 + x2  s.t.  x1 + 2 x2 >= 2 [need], x >= 0: optimum x = (0, 1), V = 1, price 1/2.
    m = om.Model("cover", sense="min")
    x = m.variable("x", 2, nonneg=True)
    m.constrain("need", family(x[0] + 2 * x[1], ">=", 2.0))
    m.minimize(cp.sum(x))
    m.solve()
    # y = 1/4 (a price >= 0 in a min of a >= row): r = c - A'y = (3/4, 1/2) >= 0, dual objective 1/2
    m.families["need"].constraint.dual_variables[0].value = np.array(0.25)
    cert = m.certify()
    assert cert.dual_sign == pytest.approx(0.0) and cert.dual_infeasibility == pytest.approx(0.0)
    assert cert.duality_gap == pytest.approx(0.5)


@pytest.mark.parametrize("solver", ["HIGHS", "CLARABEL", "ECOS", "SCS"])
def test_a_constant_objective_is_judged_on_its_primal_residuals_only(solver):
    """A one-player, one-action game with payoff 0: the welfare CE maximises the constant 0, so every feasible mu
    (here mu = 1) is optimal; the interior points' duals (~1e-9, wrong-signed against data of magnitude 0) once
    failed the certificate with dual infeasibility 1 "relative". Value 0 (never -0), mu = 1, ok, with the note."""
    g = om.FiniteGame(["p"], {"p": 1}, {"p": np.array([0.0])})
    sol = om.correlated_equilibrium(g, objective="welfare").solve(solver=solver)
    assert sol.value == 0.0 and math.copysign(1.0, sol.value) == 1.0
    assert float(np.asarray(sol["mu"]).sum()) == pytest.approx(1.0, abs=1e-7)
    assert sol.certificate.ok()
    assert any("the objective is constant" in note for note in sol.certificate.notes)

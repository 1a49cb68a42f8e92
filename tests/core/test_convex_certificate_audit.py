"""Convex models whose optimum the certificate used to refuse: a QP maximised in the interior (its gradient
~0, a reduced cost of round-off read as 100% of it) and a 2-norm at its kink (cvxpy's gradient there a unit
vector pointing anywhere). Both are now certified on every solver, checked against closed forms."""

import cvxpy as cp
import numpy as np
import pytest

import optmarkets as om
from optmarkets.builders import family

SOLVERS = [None, "CLARABEL", "ECOS", "SCS"]


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_qp_maximised_in_the_interior_is_certified(solver):
    rng = np.random.default_rng(8026)
    rng.choice(["max", "min"])  # the audit's draw: keeps the seed's Q and q
    Q = rng.normal(size=(2, 2))
    Q = Q @ Q.T + 0.5 * np.eye(2)
    q = rng.normal(size=2)
    m = om.Model("qp interior", sense="max")
    x = m.variable("x", 2)
    m.constrain("row", family(np.ones(2) @ x, "<=", 5.0))
    m.maximize(-(cp.quad_form(x, Q) - q @ x) + 1.25)
    sol = m.solve(solver)
    best = np.linalg.solve(2 * Q, q)  # the unconstrained maximiser; the row is slack there
    assert best.sum() < 5.0
    assert sol.certificate.ok()
    assert sol.value == pytest.approx(-(best @ Q @ best - q @ best) + 1.25, rel=1e-6)
    assert np.asarray(sol["x"], float) == pytest.approx(best, abs=1e-4)
    assert float(sol.prices["row"]) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("solver", SOLVERS)
def test_a_two_norm_at_its_kink_is_certified(solver):
    q = np.array([0.3, -0.2])
    m = om.Model("norm kink", sense="min")
    x = m.variable("x", 2)
    m.constrain("row", family(cp.sum(x), "<=", 1.0))
    m.minimize(cp.norm(x - q, 2) + 0.1 * cp.sum(x))  # 0.1 |1| < 1: the norm's kink x = q is the minimiser
    sol = m.solve(solver)
    assert sol.certificate.ok()
    assert sol.value == pytest.approx(0.1 * q.sum(), abs=1e-7)
    assert np.asarray(sol["x"], float) == pytest.approx(q, abs=1e-5)
    assert any("kink" in note for note in sol.certificate.notes)


@pytest.mark.parametrize("eps", [1e-4, 1e-5])
def test_a_slack_twin_row_carries_no_price(eps):
    """a.x >= 1 (binding) and a.x <= 1 + eps (slack by eps): min |x|^2 has V = lo^2 / |a|^2, so the prices are
    1/3 and 0. An interior point gives the slack row mu / eps (-5e-5 at eps = 1e-5, the binding one 1.5e-4 off),
    certified; such an answer is now re-solved tighter."""
    a = np.array([1.0, 2.0, -1.0])
    m = om.Model("band", sense="min")
    x = m.variable("x", 3)
    m.minimize(cp.sum_squares(x))
    m.constrain("lo", family(a @ x, ">=", 1.0))
    m.constrain("hi", family(a @ x, "<=", 1.0 + eps))
    sol = m.solve()
    assert sol.value == pytest.approx(1 / 6, rel=1e-8)
    assert float(sol.prices["lo"]) == pytest.approx(1 / 3, abs=1e-6)
    assert float(sol.prices["hi"]) == pytest.approx(0.0, abs=1e-6)

"""Solution.exact(): exact rational optima, checked against paper values and closed forms."""

from __future__ import annotations

import time
from fractions import Fraction as F

import cvxpy as cp
import numpy as np
import pytest

import optmarkets as om
from optmarkets.core.family import family
from optmarkets.solvers.exact import exact, rational

pytest.importorskip("flint")


@pytest.mark.parametrize(("x", "q"), [(1 / 12, F(1, 12)), (0.1, F(1, 10)), (-2 / 3, F(-2, 3)), (37 / 96, F(37, 96)),
                                      (1e-3, F(1, 1000)), (3.0, F(3)), (0.0, F(0))])
def test_half_ulp_rational_recovers_typed_fractions(x, q):
    assert rational(x) == q


def test_half_ulp_rational_is_not_limit_denominator():
    # pi's float: the simplest rational within half an ulp, which lies within half an ulp of it
    r = rational(np.pi)
    assert abs(F(np.pi) - r) <= F(np.spacing(np.pi)) / 2
    assert r != F(np.pi).limit_denominator(1000)  # 355/113 is far more than half an ulp away


@pytest.mark.parametrize(("costs", "paper"), [([0.25, 0.75], F(11, 24)), ([F(1, 4), F(5, 4)], F(37, 96))])
def test_yang_broker_exact_value_is_the_papers(costs, paper):
    db = om.DataBroker(values=[1, 2, 3], value_probs=[F(1, 3)] * 3, costs=costs, cost_probs=[F(1, 2)] * 2)
    sol = db.solve()
    cert = sol.exact()
    assert cert.verified, cert.reason
    assert cert.value == paper
    assert float(cert.value) == pytest.approx(sol.value, abs=1e-9)


@pytest.mark.parametrize("q", [(F(1, 3), F(2, 7)), (F(3, 10), F(3, 10)), (F(1, 12), F(5, 12))])
def test_platform_value_is_gamma_min_q_exactly(q):
    gamma = F(3, 2)
    e = om.PersonalDataEconomy([1, 2], [F(2, 5), F(3, 5)], [F(3, 10), F(3, 10)], gamma_u=gamma)
    cert = e.platform_problem(list(q)).solve().exact()
    assert cert.verified, cert.reason
    assert cert.value == gamma * min(q)
    assert all(isinstance(v, F) for v in cert.primal["chi"].to_numpy().ravel())
    # prices in the price convention: dV/dq of the binding (smaller) market is gamma (a vertex price)
    psi = cert.prices["consistency"]
    assert sum(psi) == gamma and all(p in (0, gamma) for p in psi)


def _resource(sense: str):
    m = om.Model("resource", sense=sense)
    x = m.variable("x", 3, nonneg=True)
    A = np.array([[1, 2, 1], [3, 1, 2]], float)
    if sense == "max":
        m.constrain("res", family(A @ x, "<=", [F(7, 3), F(5, 2)]))
        m.maximize(np.array([3, 2, 2.5]) @ x)
    else:
        m.constrain("res", family(A @ x, ">=", [F(7, 3), F(5, 2)]))
        m.minimize(np.array([3, 2, 2.5]) @ x)
    return m


def _scipy_exact_value(sense):
    # x = B^-1 b on the optimal support found by scipy, then the value in Fractions
    from scipy.optimize import linprog
    A = np.array([[1, 2, 1], [3, 1, 2]], float)
    c = np.array([3, 2, 2.5])
    b = [7 / 3, 5 / 2]
    res = linprog(-c if sense == "max" else c, A_ub=A if sense == "max" else -A,
                  b_ub=b if sense == "max" else [-v for v in b], bounds=(0, None), method="highs")
    return res.fun * (-1 if sense == "max" else 1)


@pytest.mark.parametrize("sense", ["max", "min"])
def test_exact_pivots_from_the_slack_basis(sense):
    """Start from the all-slack basis (primal feasible for max, dual feasible for min): the exact
    primal / dual simplex must reach the same optimum as the float basis does."""
    m = _resource(sense)
    sol = m.solve()
    direct = sol.exact()
    assert direct.verified and direct.pivots == 0
    # standard-form rows are A x <= b (max) and -A x <= -b (min): the row activity sits at its upper bound
    slack = ([3, 4], ["lo", "lo", "lo", "hi", "hi"])
    pivoted = exact(m, sol.parameters, basis=slack)
    assert pivoted.verified, pivoted.reason
    assert pivoted.pivots >= 1
    assert pivoted.value == direct.value
    assert float(pivoted.value) == pytest.approx(_scipy_exact_value(sense), abs=1e-12)


def test_prices_follow_the_price_convention():
    cert = _resource("max").solve().exact()
    sol = _resource("max").solve()
    np.testing.assert_allclose(np.array(cert.prices["res"], float), sol.prices["res"], atol=1e-12)
    cert = _resource("min").solve().exact()
    sol = _resource("min").solve()
    np.testing.assert_allclose(np.array(cert.prices["res"], float), sol.prices["res"], atol=1e-12)


def test_thousand_row_basis_is_certified():
    rng = np.random.default_rng(7)
    rows, cols = 1000, 1200
    A = np.zeros((rows, cols))
    for j in range(cols):  # three entries per column, multiples of 1/4
        A[rng.choice(rows, 3, replace=False), j] = rng.integers(1, 9, 3) / 4
    b = rng.integers(4, 40, rows) / 3
    c = rng.integers(1, 13, cols) / 12
    m = om.Model("big", sense="max")
    x = m.variable("x", cols, nonneg=True)
    m.constrain("cap", family(A @ x, "<=", b))
    m.maximize(c @ x)
    sol = m.solve()
    start = time.perf_counter()
    cert = sol.exact()
    seconds = time.perf_counter() - start
    assert cert.verified, cert.reason
    assert float(cert.value) == pytest.approx(sol.value, rel=1e-9)
    print(f"1000-row basis certified in {seconds:.2f} s (solve {sol.timings['total']:.3f} s)")


def test_exact_rejects_non_lp():
    m = om.Model("q")
    x = m.variable("x", 1)
    m.constrain("c", family(x, "<=", 1.0))
    m.maximize(-cp.sum_squares(x - 2))  # x = 1, price 2
    with pytest.raises(om.InputError, match="need an LP"):
        m.solve("CLARABEL").exact()


def test_an_lp_over_the_row_limit_comes_back_unverified_with_the_reason():
    """An LP over the row limit is refused with the reason, not run out of memory (Yang's Example 1 grid, 3190
    rows, with max_rows=2000); at the default limit (20,000 since issue 25 item 4) it verifies."""
    sol = om.DataBroker.discretized_example1(10).mechanism_problem().solve()
    cert = sol.exact(max_rows=2000)
    assert not cert.verified and cert.value is None and "max_rows=2000" in cert.reason
    assert sol.exact().verified
    small = om.DataBroker([1, 2, 3], [1 / 3] * 3, [0.25, 1.25], [0.5, 0.5]).solve().exact(max_rows=5000)
    assert small.verified and small.value == F(37, 96)

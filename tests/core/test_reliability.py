"""Issue 12, findings 1-2: right at every scale, statuses that never lie.

Every number is checked against a closed form (BDHN's greedy segmentation, BBM's value) or against
the same instance at scale one: a solution certified ok must be right, anything else a typed error.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import optmarkets as om
from optmarkets.core.family import family
from optmarkets.solvers import available

SOLVERS = [s for s in ("HIGHS", "CLARABEL", "ECOS", "SCS", "SCIPY") if s in available()]
TYPED = (om.SolverFailedError, om.InfeasibleError, om.UnboundedError)


def bdhn(scale: float) -> om.InformationSeller:
    return om.InformationSeller(np.array([1.0, 2.0, 3.0, 4.0]) * scale, [.25] * 4, [.5, .5], alpha=1.5)


@pytest.mark.parametrize("scale", [1e-8, 1.0, 1e12])
def test_bdhn_welfare_is_exact_at_every_scale_with_highs(scale):
    seller = bdhn(scale)
    exact = seller.greedy("welfare").value
    assert exact == pytest.approx(0.25 * scale, rel=1e-12)
    sol = seller.welfare_optimal().solve()
    assert sol.value == pytest.approx(exact, rel=1e-9)  # was -1.30e-8 at scale 1e-8, certified ok
    assert sol.certificate.ok()


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("scale", [1e-8, 1e12])
def test_bdhn_other_solvers_right_or_typed_error(solver, scale):
    seller = bdhn(scale)
    exact = seller.greedy("welfare").value
    try:
        sol = seller.welfare_optimal().solve(solver)
    except TYPED:
        return
    assert sol.certificate.ok()
    assert sol.value == pytest.approx(exact, rel=1e-6)


def glp(scale: float) -> om.PersonalDataEconomy:
    return om.PersonalDataEconomy(np.array([1.0, 2.0, 3.0]) * scale, [0.2, 0.5, 0.3],
                                  np.array([0.3, 0.5, 0.4]) * scale, gamma_u=0.9)


Q = np.array([0.2, 0.3, 0.1])


@pytest.mark.parametrize("solver", SOLVERS)
@pytest.mark.parametrize("scale", [1e-8, 1e12])
def test_platform_problem_scales_value_and_prices_or_raises(solver, scale):
    ref = glp(1.0).platform_problem(Q).solve("HIGHS")
    try:
        sol = glp(scale).platform_problem(Q).solve(solver)
    except TYPED:
        assert solver != "HIGHS", "HiGHS solves a scaled problem: it must get every scale right"
        return
    assert sol.certificate.ok()
    assert sol.value == pytest.approx(ref.value * scale, rel=1e-6)
    assert sol.value == pytest.approx(glp(scale).bbm_value(Q), rel=1e-6)  # the BBM closed form
    if solver == "HIGHS":  # vertex prices: the same vertex at every scale, in value / (rhs unit)
        for name, price in ref.prices.items():
            got, want = np.asarray(sol.prices[name], float), np.asarray(price, float)
            # the rhs is a mass (the price scales with the data) or a value (the price is dimensionless)
            scaled = np.allclose(got, want * scale, rtol=1e-6, atol=1e-12 * scale)
            same = np.allclose(got, want, rtol=1e-6, atol=1e-12)
            assert scaled or same, (name, got, want)


def test_certificate_is_relative_to_the_data():
    """The same residuals at 1e-8 and 1e12 as at scale one: ok() means the same at every scale."""
    for scale in (1e-8, 1e12):
        sol = glp(scale).platform_problem(Q).solve()
        assert sol.certificate.ok(1e-9), sol.certificate
        assert sol.certificate.objective_scale == pytest.approx(
            glp(1.0).platform_problem(Q).solve().certificate.objective_scale * scale, rel=1e-6)


def test_a_wrong_point_fails_the_relative_certificate():
    """A point off by 10% of the data's magnitude fails at 1e-8 (the absolute residual is 1e-9)."""
    m = om.Model("tiny", sense="max")
    x = m.variable("x", 2, nonneg=True)
    m.constrain("budget", family(x[0] + x[1], "<=", 1e-8))
    m.maximize(x[0] + 2 * x[1])
    m.solve()
    assert m.certify().ok()
    x.value = np.array([0.0, 1.1e-8])  # 10% over the budget: absolute violation 1e-9 < 1e-7
    cert = m.certify()
    assert cert.max_violation == pytest.approx(1e-9, rel=1e-6)
    # row magnitude: sum |a_ij x_j| + |b_i| = 1.1e-8 + 1e-8
    assert cert.relative["violation[budget]"] == pytest.approx(1e-9 / 2.1e-8, rel=1e-6)
    assert not cert.ok()


def test_sweep_with_too_few_iterations_reports_failures_not_values():
    econ = glp(1.0)
    points = [{"q": Q}, {"q": Q * 0.5}]
    with pytest.warns(RuntimeWarning, match="2 of 2 points failed"):
        df = om.sweep(econ.platform_problem, points, solver="SCS", max_iters=25)
    assert (df["status"] == "failed").all()
    assert df["error"].str.startswith("SolverFailedError").all()


def test_accept_inaccurate_returns_the_point_with_certificate_not_ok():
    model = glp(1.0).platform_problem(Q)
    with pytest.raises(om.SolverFailedError, match="SCS"):
        model.solve("SCS", max_iters=25)
    sol = model.solve("SCS", max_iters=25, accept_inaccurate=True)
    assert sol.status == "optimal_inaccurate" and not sol.certificate.ok()


def test_inaccurate_statuses_are_failures_not_proofs():
    from optmarkets.core.solve import raise_on_failure

    for status in ("infeasible_inaccurate", "unbounded_inaccurate", "user_limit", "solver_error"):
        with pytest.raises(om.SolverFailedError):
            raise_on_failure("m", "SCS", status)
    with pytest.raises(om.InfeasibleError):
        raise_on_failure("m", "HIGHS", "infeasible")
    with pytest.raises(om.UnboundedError):
        raise_on_failure("m", "HIGHS", "unbounded")


def test_solver_exceptions_never_leave_solve():
    """ECOS refuses an all-zero constraint matrix with a bare ValueError: it becomes SolverFailedError."""
    m = om.Model("zero rows", sense="max")
    x = m.variable("x", 2)
    m.constrain("box", family(x, "<=", np.ones(2)))
    m.constrain("zero", family(0 * x, "<=", np.ones(2)))
    m.maximize(x[0] + x[1])
    assert m.solve().value == pytest.approx(2.0, rel=1e-9)
    for solver in SOLVERS:
        try:
            sol = m.solve(solver)
        except TYPED:
            continue
        assert sol.value == pytest.approx(2.0, rel=1e-6)


# ---------------------------------------------------------------------------------------------- property
def random_lp(seed: int, scale: float) -> om.Model:
    """max c.x  s.t.  A x <= b, x >= 0 with positive A (bounded), every datum times `scale`."""
    rng = np.random.default_rng(seed)
    n, m_rows = 4, 3
    A, b, c = rng.uniform(0.5, 2.0, (m_rows, n)), rng.uniform(1.0, 3.0, m_rows), rng.uniform(0.1, 2.0, n)
    model = om.Model("random LP", sense="max")
    x = model.variable("x", n, nonneg=True)
    model.constrain("rows", family((A * scale) @ x, "<=", b * scale))
    model.maximize((c * scale) @ x)
    return model


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), exponent=st.floats(-8.0, 8.0))
def test_value_scales_exactly_with_the_data(seed, exponent):
    """A x <= b scaled by s on both sides and c by s: the optimum x is unchanged, the value times s."""
    scale = 10.0 ** exponent
    ref = random_lp(seed, 1.0).solve()
    sol = random_lp(seed, scale).solve()
    assert sol.value == pytest.approx(ref.value * scale, rel=1e-6)
    assert sol.certificate.ok()
    for solver in SOLVERS[1:]:
        try:
            other = random_lp(seed, scale).solve(solver)
        except TYPED:
            continue
        assert other.certificate.ok()
        assert other.value == pytest.approx(ref.value * scale, rel=1e-6)

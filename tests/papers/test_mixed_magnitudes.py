"""Issue 23, item 14: data whose magnitudes span 1e-6 ... 1e6 within one instance: the right answer or
a typed error, never a wrong one certified ok. Checked against exact rational optima and closed forms."""

from __future__ import annotations

import numpy as np
import pytest

import optmarkets as om

TYPED = (om.SolverFailedError,)


def test_platform_value_with_types_from_1e_minus_6_to_1e6_is_exact():
    econ = om.PersonalDataEconomy(values=[1e-6, 1.0, 1e6], mass=[1 / 3] * 3, outside_option=[0.0] * 3, gamma_u=1.0)
    sol = econ.platform_problem([0.1] * 3).solve()
    # the exact optimum is 0.1 + 1e-7 (the 1e-6 type's own fee adds 1e-6 * 0.1); the solve returned 0.1 before,
    # certified ok, because a reduced cost of 1e-6 was measured against the 1e6 column's terms
    assert sol.value == pytest.approx(0.1000001, rel=1e-12)
    assert sol.value == pytest.approx(econ.bbm_value([0.1] * 3), rel=1e-9)
    assert sol.certificate.ok()
    exact = sol.exact()
    assert exact.verified and float(exact.value) == pytest.approx(0.1000001, rel=1e-15)


@pytest.mark.parametrize("seed", range(12))
def test_random_mixed_magnitude_economies_right_or_typed(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 5))
    values = np.sort(10.0 ** rng.uniform(-6, 6, n))
    mass = rng.dirichlet(np.ones(n))
    econ = om.PersonalDataEconomy(values=values, mass=mass, outside_option=values * rng.uniform(0, 0.3, n),
                                  gamma_u=float(rng.uniform(0.5, 1.0)))
    q = mass * rng.uniform(0.1, 1.0, n)
    try:
        sol = econ.platform_problem(q).solve()
    except TYPED:
        return
    exact = sol.exact()
    assert exact.verified
    assert sol.value == pytest.approx(float(exact.value), rel=1e-7, abs=1e-300)
    assert sol.value == pytest.approx(econ.bbm_value(q), rel=1e-7)


def yang(scale: float) -> om.DataBroker:
    return om.DataBroker(values=np.array([1.0, 2.0, 3.0]) * scale, value_probs=[1 / 3] * 3,
                         costs=np.array([0.25, 0.75]) * scale, cost_probs=[0.5, 0.5])


@pytest.mark.parametrize("scale", [1e-12, 1e-6, 1.0, 1e6, 1e12])
def test_broker_audit_agrees_with_the_certificate_at_every_scale(scale):
    broker = yang(scale)
    sol = broker.solve()
    assert sol.value == pytest.approx(11 / 24 * scale, rel=1e-9) and sol.certificate.ok()
    audit = broker.audit(sol)
    assert audit.ok, audit.reasons  # at 1e12 it failed: "IR violated by 0.000244 > tol 1e-07" (absolute)
    # a mechanism that breaks IR by 1e-6 of the values fails the audit at every scale
    segments, transfer = broker.segments(sol), sol["transfer"].to_numpy()
    worse = broker.evaluate(segments, transfer + 1e-6 * scale)
    assert not worse.ok and worse.reasons[0].startswith("IR violated by")
    assert worse.ir_violation == pytest.approx(1e-6 * scale, rel=1e-6)


def test_a_column_is_held_to_its_own_terms_beside_the_largest():
    from optmarkets.core.domains import reduced_cost_residual as _reduced_cost_residual

    # the reduced cost 1e-6 of a column whose terms are 1e-6, beside a column of 2e6 (the GLP case above):
    # 5e-13 of the largest column, but 1e-6 / max(1e-6, COLUMN_FLOOR * 2e6 = 0.02) = 5e-5 of its own (floored) terms
    worst, variable_wide, own = _reduced_cost_residual(np.array([1e-6, 0.0]), np.array([1e-6, 2e6]), "max", np.ones(2))
    assert worst == 1e-6 and variable_wide == pytest.approx(5e-13) and own == pytest.approx(5e-5)
    # round-off in the duals (1e-16 of the largest column) stays far below the tolerance
    *_, noise = _reduced_cost_residual(np.array([2e-10, 0.0]), np.array([0.0, 2e6]), "max", np.ones(2))
    assert noise == pytest.approx(1e-8)


def test_the_mixed_case_is_resolved_by_a_retry_that_says_why():
    econ = om.PersonalDataEconomy(values=[1e-6, 1.0, 1e6], mass=[1 / 3] * 3, outside_option=[0.0] * 3, gamma_u=1.0)
    sol = econ.platform_problem([0.1] * 3).solve(certify=False)  # a HiGHS LP is certified whatever certify says
    assert sol.value == pytest.approx(0.1000001, rel=1e-12)
    assert any("column_dual_infeasibility" in note for note in sol.certificate.notes)
    assert sol.certificate.column_dual_infeasibility <= 1e-7

"""HIGHS_IPM's crossover basis is certified at the certificate's relative standard (issue 13's default
solver choice must not trade accuracy for speed)."""

from __future__ import annotations

import pytest

import optmarkets as om
from optmarkets.solvers import get


def test_ipm_asks_the_crossover_for_a_tighter_dual_feasibility_than_the_solve_tolerance():
    opts = get("HIGHS_IPM").options(1e-8)
    assert opts["dual_feasibility_tolerance"] == pytest.approx(1e-10)
    assert opts["primal_feasibility_tolerance"] == pytest.approx(1e-8)
    assert get("HIGHS_IPM").options(1e-10)["dual_feasibility_tolerance"] == pytest.approx(1e-10)  # HiGHS's floor


def test_bdhn_full_rule_m60_default_ipm_solve_is_certified_and_matches_dual_simplex():
    # at tol 1e-8 on HiGHS's scaled LP the crossover basis left reduced costs 6.3e-7 of their
    # column's magnitude: the default solve raised SolverFailedError and its value was 4e-8 low
    seller = om.InformationSeller.from_distribution("exponential", m=60, vmax=6, state_prior=[0.5, 0.5], alpha=0.5)
    model = seller.revenue_optimal(form="rule")
    ipm = model.solve()
    assert ipm.solver == "HIGHS_IPM"
    assert ipm.certificate.ok()
    simplex = model.solve("HIGHS")
    assert ipm.value == pytest.approx(simplex.value, rel=1e-10)
    assert ipm.value == pytest.approx(0.6644105415157692, rel=1e-10)

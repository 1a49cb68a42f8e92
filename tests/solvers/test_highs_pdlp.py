"""HIGHS_PDLP (issue 29 item 4): HiGHS's first-order PDLP, then a crossover to an optimal basis, then the
usual certificate and exact(). Checked against HiGHS's dual simplex (an independent algorithm) and the
exact rational optimum; a PDLP run stopped early keeps its status (a typed error, no crossover)."""

from __future__ import annotations

import numpy as np
import pytest

import optmarkets as om


def random_ce(seed: int, players: int = 3, actions: int = 4) -> om.Model:
    rng = np.random.default_rng(seed)
    names = [f"p{i + 1}" for i in range(players)]
    shape = (actions,) * players
    game = om.FiniteGame(names, {p: [f"a{k}" for k in range(actions)] for p in names},
                         {p: rng.uniform(0, 1, shape) for p in names})
    return om.correlated_equilibrium(game, objective="welfare")


@pytest.mark.parametrize("seed", range(4))
def test_pdlp_then_crossover_is_a_certified_vertex_with_the_simplex_optimum(seed):
    reference = random_ce(seed).solve("HIGHS")
    sol = random_ce(seed).solve("HIGHS_PDLP")
    assert sol.value == pytest.approx(reference.value, rel=1e-9)
    assert sol.certificate.ok() and sol.certificate.relative["dual_infeasibility"] < 1e-9
    exact = sol.exact()
    assert exact.verified and float(exact.value) == pytest.approx(reference.value, rel=1e-12)


def test_a_paper_lp_with_pdlp_matches_its_closed_form():
    """GLP's P_q at the spec's two-consumer economy: the platform's value 0.3 (tests/fuzz/test_scale.py)."""
    sol = om.PersonalDataEconomy([1, 2], [0.4, 0.6], [0.3, 0.3]).platform_problem([0.4, 0.3]).solve("HIGHS_PDLP")
    assert sol.value == pytest.approx(0.3, abs=1e-9)
    assert sol.certificate.ok()


@pytest.mark.parametrize("iterations", [3, 100])
def test_pdlp_stopped_early_hands_its_point_to_the_crossover(iterations):
    """Stopped by its iteration limit, PDLP's point still goes to the crossover, whose simplex finishes."""
    reference = random_ce(0, actions=5).solve("HIGHS")
    sol = random_ce(0, actions=5).solve("HIGHS_PDLP", pdlp_iteration_limit=iterations)
    assert sol.value == pytest.approx(reference.value, rel=1e-9) and sol.certificate.ok()


def test_a_stalling_pdlp_is_capped_and_the_lp_still_solved():
    """BDHN's revenue LP at data x1e8: PDLP makes no progress (6.6e7 iterations seen); capped at PDLP_ITERATIONS,
    then the crossover, then (its point too far off) the dual simplex: the simplex's optimum, certified."""
    seller = om.InformationSeller([1e8, 2e8, 3e8], [0.2, 0.3, 0.5], [0.4, 0.6], alpha=0.5)  # tests/fuzz's
    reference = seller.revenue_optimal().solve("HIGHS")
    sol = seller.revenue_optimal().solve("HIGHS_PDLP")
    assert sol.value == pytest.approx(reference.value, rel=1e-6) and sol.certificate.ok()

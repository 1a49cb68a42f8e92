"""exact() of a Solution that keeps no basis of its own proves the point it reports.

A selection chain (HS's "efficient" / "mincs" rules) moves its point after stage 1, and row generation solves
other programs than the full LP; their exact() used to start from stage 1's basis or the model's last one and
prove another optimal vertex, verified (13 of 126 random HS chains and Yang's lazy broker below). exact() now
starts at a basis at the Solution's point (`solvers.exact_start.point_basis`): every primal entry of the certificate
is compared with the Solution's, and the prices with the Solution's where one basis gives both."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import optmarkets as om
from optmarkets.solvers.exact_start import point_basis
from optmarkets.solvers.ranging import model_form


def _hs_chain(seed: int):
    V = np.random.default_rng(seed).integers(0, 5, (4, 3)).astype(float)
    return om.MultiProductSeller(V).optimal_mechanism(np.full(4, 0.25))


def _gap(exact_values, float_values) -> float:
    return max(float(np.max(np.abs(np.asarray(exact_values[k], float) - np.asarray(float_values[k], float))))
               for k in float_values)


# the chains whose exact() proved another vertex before (stage 1's), and a few that did not
CHAINS = [(12, "mincs"), (20, "mincs"), (69, "efficient"), (83, "efficient"), (142, "efficient"),
          (162, "efficient"), (2, "efficient"), (3, "mincs")]


@pytest.mark.parametrize("seed,rule", CHAINS)
def test_exact_of_a_selection_chain_proves_the_selected_point_and_its_prices(seed, rule):
    model = _hs_chain(seed)
    sol = model.solve(rule=rule)
    stage_one = model.solve(rule=None)
    ex = sol.exact()
    assert ex.verified and float(ex.value) == pytest.approx(sol.value, rel=1e-9)
    assert _gap(ex.primal, sol.primal) <= 1e-8 * max(1.0, max(np.abs(np.asarray(v, float)).max()
                                                               for v in sol.primal.values()))
    assert _gap(ex.prices, sol.prices) <= 1e-8
    assert ex.stats["from_point"] == 1 and ex.stats["point_moved"] <= 1e-8
    if (seed, rule) in CHAINS[:6]:  # the selected point is not stage 1's vertex: the old start proved that one
        assert _gap(stage_one.primal, sol.primal) > 0.1


def test_exact_of_a_lazy_broker_proves_the_row_generation_point():
    rng = np.random.default_rng(0)
    values = np.sort(rng.choice(np.arange(1, 21), 5, replace=False)) / 20
    costs = np.sort(rng.choice(np.arange(0, 80), 3, replace=False)) / 100 * values.max()
    broker = om.DataBroker(values, rng.dirichlet(np.ones(5)), costs, rng.dirichlet(np.ones(3)))
    sol = broker.mechanism_problem(rows="lazy").solve()
    full = broker.mechanism_problem().solve()
    ex = sol.exact()
    assert ex.verified and float(ex.value) == pytest.approx(full.value, rel=1e-9)
    assert _gap(ex.primal, sol.primal) <= 1e-8  # was 0.218: a cold basis's vertex
    assert _gap(full.primal, sol.primal) > 0.1  # the full LP's own vertex is another one


def test_exact_at_points_from_eight_threads_matches_serial():
    model = _hs_chain(69)
    markets = [np.full(4, 0.25), np.array([0.1, 0.2, 0.3, 0.4]), np.array([0.4, 0.3, 0.2, 0.1]), np.full(4, 0.25)]

    def work(market):
        sol = model.bind(market=market).solve(rule="efficient")
        return sol, sol.exact()

    serial = [work(q) for q in markets]
    with ThreadPoolExecutor(8) as pool:
        threaded = list(pool.map(work, markets * 4))
    for (sol, ex), (ser_sol, ser_ex) in zip(threaded, serial * 4, strict=True):
        assert ex.verified and ex.value == ser_ex.value
        assert _gap(ex.primal, sol.primal) <= 1e-8 and _gap(ex.primal, ser_sol.primal) <= 1e-8


def test_a_point_off_every_vertex_gets_no_basis_and_exact_proves_highs_own_vertex():
    """An interior point's optimum (Clarabel) is inside the optimal face of this degenerate LP: no basis is at it,
    and exact() proves the optimum from HiGHS's vertex, with the same value."""
    rng = np.random.default_rng(0)
    values = np.sort(rng.choice(np.arange(1, 21), 5, replace=False)) / 20
    costs = np.sort(rng.choice(np.arange(0, 80), 3, replace=False)) / 100 * values.max()
    model = om.DataBroker(values, rng.dirichlet(np.ones(5)), costs, rng.dirichlet(np.ones(3))).mechanism_problem()
    sol = model.solve(solver="CLARABEL")
    stats: dict[str, float] = {}
    assert point_basis(model_form(model, dict(sol.parameters)), sol.primal, sol.prices, None, stats) is None
    assert stats["point_moved"] > 1e-3
    ex = sol.exact()
    assert ex.verified and "from_point" not in ex.stats and float(ex.value) == pytest.approx(sol.value, rel=1e-7)


def test_a_point_missing_a_variable_gets_no_basis():
    model = _hs_chain(2)
    sol = model.solve()
    point = {k: v for k, v in sol.primal.items() if k != "p"}
    assert point_basis(model_form(model, dict(sol.parameters)), point, None, None, {}) is None


def test_a_point_whose_variable_has_another_size_gets_no_basis_and_prices_of_another_size_are_not_read():
    model = _hs_chain(2)
    sol = model.solve()
    form = model_form(model, dict(sol.parameters))
    short = dict(sol.primal, p=np.asarray(sol.primal["p"])[:-1])
    assert point_basis(form, short, None, None, {}) is None
    stats: dict[str, float] = {}
    wrong_prices = {k: np.asarray(v).reshape(-1)[:-1] for k, v in sol.prices.items()}
    assert point_basis(form, sol.primal, wrong_prices, None, stats) is not None and stats["point_prices"] == 0

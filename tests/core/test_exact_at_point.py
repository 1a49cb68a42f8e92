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


def _lazy_broker(seed: int, scale: float):
    rng = np.random.default_rng(seed)
    n, k = (5, 3) if seed % 2 == 0 else (4, 2)
    values = np.sort(rng.choice(np.arange(1, 21), n, replace=False)) / 20
    costs = np.sort(rng.choice(np.arange(0, 80), k, replace=False)) / 100 * values.max()
    return om.DataBroker(values * scale, rng.dirichlet(np.ones(n)), costs * scale, rng.dirichlet(np.ones(k)))


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
def test_the_point_start_reads_the_same_at_any_scale(seed, scale):
    """Lazy brokers with values and costs x 1e-6: a bound within 1e-7 of an absolute 1 counted 21 of 70 rows as
    binding (10 % of the data), the face LP was infeasible and exact() proved another vertex (audit)."""
    sol = _lazy_broker(seed, scale).mechanism_problem(rows="lazy").solve()
    ex = sol.exact()
    assert ex.verified and float(ex.value) == pytest.approx(sol.value, rel=1e-9)
    assert ex.stats.get("from_point") == 1
    magnitude = {k: max(1e-300, float(np.abs(np.asarray(v, float)).max())) for k, v in sol.primal.items()}
    for k, v in sol.primal.items():
        assert np.abs(np.asarray(ex.primal[k], float) - np.asarray(v, float)).max() <= 1e-8 * magnitude[k], k


def _nd_model():
    """max sum(x) s.t. sum(x) <= 1 over a (2, 2, 2) x: every unit vector is optimal; the chain picks x[0, 0, 1],
    F-order entry 4 (C order: entry 1), which a C-ordered read of the labelled Series put elsewhere (audit)."""
    import cvxpy as cp
    import pandas as pd

    from optmarkets.builders import family
    from optmarkets.core.strategies import Lexicographic

    shape = (2, 2, 2)
    model = om.Model("nd", sense="max")
    index = pd.MultiIndex.from_product([range(2)] * 3, names=["a", "b", "c"])
    x = model.variable("x", shape, index=index, nonneg=True)
    model.constrain("budget", family(cp.sum(cp.reshape(x, (8,), order="F")), "<=", 1.0))
    model.maximize(cp.sum(cp.reshape(x, (8,), order="F")))
    pick = np.zeros(8)
    pick[1] = 1.0
    model.strategy = Lexicographic(rules={"one": lambda m: cp.hstack([pick @ cp.reshape(m.var("x"), (8,), order="F")])},
                                   default="one", free=lambda m: -1e6)
    return model


def test_an_n_d_variables_labelled_values_are_read_in_their_order():
    sol = _nd_model().solve()
    ex = sol.exact()
    assert ex.verified and ex.value == 1 and ex.stats.get("from_point") == 1
    reported = np.asarray(sol.primal["x"], float)
    assert reported.sum() == pytest.approx(1.0) and np.count_nonzero(reported > 0.5) == 1
    assert np.array_equal(np.asarray(ex.primal["x"], float), reported)  # was another unit vector


def test_a_point_off_every_vertex_is_judged_in_each_variables_own_units():
    """A price at 1e6 beside an allocation at 0.017 free on the optimal face (Clarabel's interior point): the
    allocation's move to a vertex, 1e-8 of the price, was counted 'at the point' (audit)."""
    import cvxpy as cp
    import pandas as pd

    from optmarkets.builders import family

    model = om.Model("mixed", sense="max")
    x = model.variable("x", 2, index=pd.Index(["a", "b"], name="alt"), nonneg=True)
    p = model.variable("p", 1, index=pd.Index(["price"]))
    model.constrain("cap", family(p, "<=", 1e6))
    model.constrain("unit", family(cp.sum(x), "<=", 0.05))
    model.maximize(cp.sum(p))
    sol = model.solve(solver="CLARABEL")
    assert np.asarray(sol["x"], float).min() > 1e-3  # inside the face
    stats: dict[str, float] = {}
    assert point_basis(model_form(model, dict(sol.parameters)), sol.primal, sol.prices, None, stats) is None
    assert stats["point_moved"] > 0.5
    ex = sol.exact()
    assert ex.verified and "from_point" not in ex.stats


def test_a_chain_point_within_its_slack_of_a_vertex_is_that_vertex():
    """HS with 40 random types: the selected point lies 4.4e-6 (its variable's units) off P's vertex, within the
    chain's slack; the vertex proved is within POINT_MOVED_TOL of it (it was refused at 1e-7, and exact() proved
    HiGHS's own vertex instead)."""
    rng = np.random.default_rng(0)
    model = om.MultiProductSeller(rng.uniform(0, 5, (40, 3))).optimal_mechanism(rng.dirichlet(np.ones(40)))
    sol = model.solve()
    ex = sol.exact()
    assert ex.verified and ex.stats.get("from_point") == 1 and 1e-7 < ex.stats["point_moved"] <= 1e-5
    for name, values in sol.primal.items():
        reported = np.asarray(values, float)
        assert np.abs(np.asarray(ex.primal[name], float) - reported).max() <= 1e-5 * np.abs(reported).max(), name


def test_a_chain_over_a_hidden_variable_proves_the_selected_point():
    """x hidden (show=False, as a game's decision rule is), only its total shown: the point had no x, so exact()
    fell back to HiGHS's own vertex, another unit vector (the shown total is 1 at every one of them)."""
    import cvxpy as cp

    from optmarkets.builders import family
    from optmarkets.core.strategies import Lexicographic

    model = om.Model("hidden", sense="max")
    x = model.variable("x", 8, nonneg=True, show=False)
    total = model.variable("total", 1)
    model.constrain("budget", family(cp.sum(x), "<=", 1.0))
    model.constrain("sum", family(total - cp.sum(x), "==", 0.0))
    model.maximize(cp.sum(x))
    pick = np.zeros(8)
    pick[5] = 1.0
    model.strategy = Lexicographic(rules={"one": lambda m: cp.hstack([pick @ m.var("x")])}, default="one",
                                   free=lambda m: -1e6)
    sol = model.solve()
    assert "x" not in sol.primal and sol._hidden["x"][5] == pytest.approx(1.0)
    ex = sol.exact()
    assert ex.verified and ex.value == 1 and ex.stats.get("from_point") == 1
    assert ex.stats["point_moved"] == 0.0 and np.array_equal(np.asarray(ex.primal["x"], float), pick)
    own = model.solve(rule=None)  # HiGHS's own vertex keeps its basis: no point needed
    assert own._hidden is None and "from_point" not in own.exact().stats
    assert float(own.exact().primal["x"].iloc[5]) == 0.0  # the vertex the old fallback proved

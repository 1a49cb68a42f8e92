"""The engines build only the cells with mass; the pruned LPs agree with the full LPs written here.

Every check is against an LP built in this file straight from the definition over *all* cells
(every state, every signal profile, every action profile) and solved with scipy's HiGHS:

- the value is the full LP's value;
- the decision rule `sol["mu"]` (the full labelled array, zeros off the support) is feasible and
  optimal in the full LP;
- the prices are an optimal dual of the full LP: the consistency prices of the cells built and the
  obedience prices, completed here on the cells left out by y[c] = max_a (c - G^T p) (min in a
  minimisation), are dual feasible and their dual objective is the value (strong duality);
- `sol.prices["prior"]` at a state of prior 0 is the full LP's right derivative (a re-solve with
  mass h added there), and elsewhere sum_t y[w, t] P(t | w) of the full LP's own duals when these
  are unique (non-degenerate instances).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.core import limits
from optmarkets.games import design
from optmarkets.games.equilibrium import _size

FEAS = 1e-8  # the test's feasibility slack for HiGHS's float optimum


# ---------------------------------------------------------------- the full LP, from the definition


def full_bce(payoffs, prior, likelihoods, objective, sense):
    """(c, consistency S, mass m, obedience G, shape) over mu[w, t_1..t_n, a_1..a_n] (C order), every cell.

    consistency: sum_a mu[w, t, a] = prior[w] prod_i P(t_i | w); obedience rows (i, t_i, a_i, b) with
    b != a_i, t_i outermost: sum mu (u_i[w, a] - u_i[w, b, a_-i]) >= 0."""
    n = len(payoffs)
    W, m = payoffs[0].shape[0], payoffs[0].shape[1:]
    T = [1 if lik is None else lik.shape[1] for lik in likelihoods]
    shape = (W, *T, *m)
    grid = np.indices(shape).reshape(len(shape), -1)
    w, sig, act = grid[0], grid[1:1 + n], grid[1 + n:]
    cell = np.ravel_multi_index((w, *sig), (W, *T))
    size = grid.shape[1]
    S = sp.csr_matrix((np.ones(size), (cell, np.arange(size))), shape=(W * int(np.prod(T)), size))
    mass = np.asarray(prior, float).reshape(W, *([1] * n)) * np.ones((W, *T))
    for i, lik in enumerate(likelihoods):
        if lik is not None:
            mass = mass * lik.reshape(W, *[T[i] if j == i else 1 for j in range(n)])
    blocks = []
    for i in range(n):
        gain_rows = []
        for b in range(m[i]):
            dev = act.copy()
            dev[i] = b
            gain = payoffs[i][(w, *act)] - payoffs[i][(w, *dev)]
            row = np.where(act[i] == b, -1, (sig[i] * m[i] + act[i]) * (m[i] - 1) + b - (b > act[i]))
            gain_rows.append((row, gain))
        rows = np.concatenate([r for r, _ in gain_rows])
        vals = np.concatenate([g for _, g in gain_rows])
        cols = np.tile(np.arange(size), m[i])
        keep = rows >= 0
        blocks.append(sp.csr_matrix((vals[keep], (rows[keep], cols[keep])), shape=(T[i] * m[i] * (m[i] - 1), size)))
    G = sp.vstack(blocks, format="csr")
    c = np.asarray(objective, float)[(w, *act)]
    return c, S, mass.reshape(-1), G, shape


def solve_full(c, S, mass, G, sense):
    """(value, mu, consistency duals, obedience duals): duals as d value / d rhs."""
    sign = -1.0 if sense == "max" else 1.0
    res = linprog(sign * c, A_ub=-G, b_ub=np.zeros(G.shape[0]), A_eq=S, b_eq=mass, bounds=(0, None), method="highs")
    assert res.status == 0, res.message
    return sign * res.fun, res.x, sign * res.eqlin.marginals, -sign * res.ineqlin.marginals


def check_against_full(sol, payoffs, prior, likelihoods, objective, sense):
    """Value, decision rule and prices of the pruned model `sol` against the full LP; returns the full LP."""
    c, S, mass, G, shape = full_bce(payoffs, prior, likelihoods, objective, sense)
    value, _, _, _ = solve_full(c, S, mass, G, sense)
    assert sol.value == pytest.approx(value, abs=1e-9)
    mu = np.asarray(sol["mu"].values, float).reshape(-1)  # the full labelled array, flattened
    assert mu.size == c.size
    assert np.abs(S @ mu - mass).max() < FEAS and (G @ mu).min() > -FEAS and mu.min() > -FEAS
    assert c @ mu == pytest.approx(value, abs=1e-9)
    off = mass[np.arange(mu.size) // (mu.size // mass.size)] == 0
    assert np.all(mu[off] == 0)  # zeros off the support, exactly (never built)
    # the prices, completed on the cells left out, are an optimal dual of the full LP
    p = np.asarray(sol.prices["obedience"], float)
    assert (p <= FEAS).all() if sense == "max" else (p >= -FEAS).all()
    y = np.full(mass.size, np.nan)
    built = mass > 0  # the model keeps the cells with mass, in increasing order
    reduced = (c - G.T @ p).reshape(mass.size, -1)
    y[built] = np.asarray(sol.prices["consistency"], float)
    left = np.isnan(y)
    y[left] = reduced[left].max(axis=1) if sense == "max" else reduced[left].min(axis=1)
    slack = reduced - y[:, None]
    assert slack.max() < FEAS if sense == "max" else slack.min() > -FEAS
    assert mass @ y == pytest.approx(value, abs=1e-8)
    return c, S, mass, G, shape, y


# ---------------------------------------------------------------- instances


def first_price(n, m):
    """Two bidders, values k/n (state: the value pair, uniform), bids on an m-point grid of [0, 1], each
    observing its own value; ties split; objective: revenue (the higher bid)."""
    v, b = np.arange(1, n + 1) / n, np.linspace(0, 1, m)
    w1, w2 = (g.reshape(-1) for g in np.meshgrid(v, v, indexing="ij"))
    share = (b[:, None] > b[None, :]) + 0.5 * (b[:, None] == b[None, :])
    u1 = (w1[:, None, None] - b[None, :, None]) * share[None]
    u2 = (w2[:, None, None] - b[None, None, :]) * (1 - share)[None]
    revenue = np.broadcast_to(np.maximum(b[:, None], b[None, :]), (n * n, m, m))
    own = [(w[:, None] == v[None, :]).astype(float) for w in (w1, w2)]
    game = om.FiniteGame(["b1", "b2"], {"b1": list(range(m)), "b2": list(range(m))}, {"b1": u1, "b2": u2},
                         states=list(range(n * n)), prior=np.full(n * n, 1 / n ** 2))
    return game, om.InformationStructure(game, {"b1": own[0], "b2": own[1]}), [u1, u2], own, revenue


def test_private_value_auction_keeps_one_cell_per_state_and_matches_the_full_lp():
    game, info, payoffs, own, revenue = first_price(3, 4)
    model = om.bayes_correlated_equilibrium(game, info, revenue, sense="min")
    assert model.var("mu").size == 9 * 16  # 9 states x 1 signal profile with mass x 16 bid profiles (full: 1,296)
    assert len(model.families["consistency"].index) == 9
    sol = model.solve()
    y = check_against_full(sol, payoffs, game.prior, own, revenue, "min")[-1]
    assert sol["mu"].shape == (9, 3, 3, 4, 4)
    lik = np.einsum("wi,wj->wij", *own).reshape(9, -1)
    np.testing.assert_allclose(sol.prices["prior"], (y.reshape(9, -1) * lik).sum(axis=1), atol=1e-9)


def zero_prior_game():
    """Two players, three states, the last of prior 0; the row player observes a noisy signal that is
    never 'hi' in state 0 (a likelihood zero as well)."""
    rng = np.random.default_rng(3)
    payoffs = [rng.integers(0, 5, size=(3, 2, 3)).astype(float) for _ in range(2)]
    prior = np.array([0.6, 0.4, 0.0])
    lik = np.array([[1.0, 0.0], [0.3, 0.7], [0.5, 0.5]])
    game = om.FiniteGame(["r", "c"], {"r": ["U", "D"], "c": ["L", "M", "R"]}, {"r": payoffs[0], "c": payoffs[1]},
                         states=["s0", "s1", "s2"], prior=prior)
    return game, om.InformationStructure(game, {"r": lik}), payoffs, prior, [lik, None]


def test_a_game_with_a_zero_prior_state_matches_the_full_lp_and_refuses_mass_there():
    game, info, payoffs, prior, liks = zero_prior_game()
    welfare = payoffs[0] + payoffs[1]
    model = om.bayes_correlated_equilibrium(game, info, "welfare")
    assert model.var("mu").size == 3 * 6  # cells (s0, lo), (s1, lo), (s1, hi); full: 6 cells x 6 profiles
    sol = model.solve()
    c, S, mass, G, _, _ = check_against_full(sol, payoffs, prior, liks, welfare, "max")
    # at s2 the price comes from the full LP's optimal dual completed there: sum_t y[s2, t] P(t | s2) with
    # y = max_a (c - G^T p) (check_against_full: dual feasible, strong duality), a supergradient, so at
    # least the right derivative (the value of the first mass put there, here a re-solve of the full LP)
    y_s2 = (c - G.T @ np.asarray(sol.prices["obedience"], float)).reshape(6, 6)[4:].max(axis=1)
    assert sol.prices["prior"]["s2"] == pytest.approx(y_s2 @ liks[0][2], abs=1e-9)
    h = 1e-6
    bumped = full_bce(payoffs, prior + np.array([0, 0, h]), liks, welfare, "max")
    right = (solve_full(*bumped[:4], "max")[0] - sol.value) / h
    assert sol.prices["prior"]["s2"] >= right - 1e-5
    _, _, duals, _ = solve_full(c, S, mass, G, "max")
    np.testing.assert_allclose(sol.prices["prior"][:2], (duals.reshape(3, 2) * liks[0]).sum(axis=1)[:2], atol=1e-9)
    with pytest.raises(om.InputError, match=r"prior: puts mass on states \['s2'\]"):
        model.set(prior=[0.5, 0.4, 0.1])
    full = om.bayes_correlated_equilibrium(game, info, "welfare", keep_zero_prior=True)
    full.set(prior=[0.5, 0.4, 0.1])
    again = full_bce(payoffs, [0.5, 0.4, 0.1], liks, welfare, "max")
    assert full.solve().value == pytest.approx(solve_full(*again[:4], "max")[0], abs=1e-9)


def test_persuasion_with_a_zero_prior_state_matches_the_full_lp():
    states, actions = ["innocent", "guilty", "framed"], ["acquit", "convict"]
    receiver = np.array([[1.0, 0.0], [0.0, 1.0], [0.2, 0.8]])
    sender = np.array([[0.0, 1.0], [0.0, 1.0], [0.5, 1.0]])
    prior = np.array([0.7, 0.3, 0.0])
    model = om.persuasion(states, prior, actions, receiver, sender)
    assert model.var("mu").size == 4
    sol = model.solve()
    assert sol.value == pytest.approx(0.6)  # Kamenica-Gentzkow: convict with P(guilty) doubled
    check_against_full(sol, [receiver], prior, [None], sender, "max")
    h = 1e-6
    bumped = full_bce([receiver], prior + np.array([0, 0, h]), [None], sender, "max")
    right = (solve_full(*bumped[:4], "max")[0] - sol.value) / h
    assert sol.prices["prior"]["framed"] == pytest.approx(right, abs=1e-5)
    assert list(sol["policy"].index) == states and np.isnan(sol["policy"].loc["framed"]).all()


def test_segmentation_with_a_value_of_no_mass_matches_the_full_lp():
    values, market = np.array([1.0, 2.0, 3.0, 4.0]), np.array([0.3, 0.0, 0.4, 0.3])
    model = om.segmentation(values, market)
    assert model.var("mu").size == 3 * 4
    sol = model.solve()
    sale = values[:, None] >= values[None, :]
    profit, surplus = values[None, :] * sale, (values[:, None] - values[None, :]) * sale
    floor = np.max(values * market[::-1].cumsum()[::-1])
    c, S, mass, G, _ = full_bce([profit], market, [None], surplus, "max")
    G = sp.vstack([G, sp.csr_matrix(profit.reshape(1, -1))], format="csr")
    res = linprog(-c, A_ub=-G, b_ub=np.r_[np.zeros(G.shape[0] - 1), -floor], A_eq=S, b_eq=mass,
                  bounds=(0, None), method="highs")
    assert sol.value == pytest.approx(-res.fun, abs=1e-9)
    assert sol.value == pytest.approx(values @ market - floor, abs=1e-9)  # BBM: consumers get E[v] - pi*
    np.testing.assert_allclose(np.asarray(sol["segments"], float).T.reshape(-1) @ c, sol.value, atol=1e-9)
    assert np.all(np.asarray(sol["segments"], float)[:, 1] == 0)


def test_a_zero_probability_type_is_kept_in_mechanism_design():
    """Mechanism design has no cells without mass to drop: a type of probability 0 keeps its own interim
    IC and IR rows (independent prior: its beliefs are defined) and the others may report it, so its
    allocation and payment constrain theirs. The model equals the full BIC LP written here, and differs
    from the LP with that type removed (its outside option 1.5 must be paid, which the others then claim)."""
    env = om.MechanismEnvironment.single_item([[1.0, 2.0, 3.0], [1.0, 3.0]],
                                              prior={"b1": [0.5, 0.0, 0.5], "b2": [0.5, 0.5]})
    sol = om.mechanism_design(env, "revenue", outside_option={"b1": [0.0, 1.5, 0.0]}).solve()
    assert sol["allocation"].shape == (6, 3)
    full = bic_revenue([1.0, 2.0, 3.0], [0.5, 0.0, 0.5], [1.0, 3.0], [0.5, 0.5], [0.0, 1.5, 0.0])
    assert sol.value == pytest.approx(full, abs=1e-9)
    without = bic_revenue([1.0, 3.0], [0.5, 0.5], [1.0, 3.0], [0.5, 0.5], [0.0, 0.0])
    assert sol.value < without - 1e-6


def bic_revenue(v1, p1, v2, p2, outside1) -> float:
    """Max expected payments over x[k1, k2, o] (o: none, b1, b2), t[k1, k2, i]: lotteries, Bayesian IC and
    interim IR (bidder 1's outside options `outside1`, bidder 2's 0) under independent priors; beliefs =
    the other's marginal."""
    v, p = [np.asarray(v1, float), np.asarray(v2, float)], [np.asarray(p1, float), np.asarray(p2, float)]
    k = (v[0].size, v[1].size)
    n_x, n_t = k[0] * k[1] * 3, k[0] * k[1] * 2
    x = np.arange(n_x).reshape(k[0], k[1], 3)
    t = n_x + np.arange(n_t).reshape(k[0], k[1], 2)
    rows_ub, rhs_ub = [], []

    def utility(i, true, report):  # interim utility of bidder i of type `true` reporting `report`, as a row
        row = np.zeros(n_x + n_t)
        for other in range(k[1 - i]):
            prof = (report, other) if i == 0 else (other, report)
            row[x[prof][1 + i]] += p[1 - i][other] * v[i][true]
            row[t[prof][i]] -= p[1 - i][other]
        return row

    for i in range(2):
        for true in range(k[i]):
            rows_ub.append(-utility(i, true, true))
            rhs_ub.append(-outside1[true] if i == 0 else 0.0)
            for report in range(k[i]):
                if report != true:
                    rows_ub.append(utility(i, true, report) - utility(i, true, true))
                    rhs_ub.append(0.0)
    A_eq = np.zeros((k[0] * k[1], n_x + n_t))
    for a in range(k[0]):
        for b in range(k[1]):
            A_eq[a * k[1] + b, x[a, b]] = 1.0
    c = np.zeros(n_x + n_t)
    c[t] = (p[0][:, None] * p[1][None, :])[:, :, None]
    bounds = [(0, None)] * n_x + [(None, None)] * n_t
    res = linprog(-c, A_ub=np.array(rows_ub), b_ub=rhs_ub, A_eq=A_eq, b_eq=np.ones(k[0] * k[1]), bounds=bounds,
                  method="highs")
    assert res.status == 0, res.message
    return -res.fun


# ---------------------------------------------------------------- size guards count the support


def test_size_guard_counts_the_cells_with_mass():
    game, info, _, _, _ = first_price(20, 21)  # 400 states; full product 400 x 400 x 441 = 70.56M variables
    est = _size(game, info)
    assert (est.variables, est.rows) == (400 * 441, 400 + 2 * 20 * 21 * 20)
    assert est.nonzeros == 400 * 441 * (1 + 20 + 20)  # 7.2M: below the default limit, so not refused
    est.check()
    dense = limits.bce_size([21, 21], 400, [20, 20])  # the same auction with signals of full support
    assert dense.nonzeros == 400 * 400 * 441 * 41
    with pytest.raises(om.InputError, match="2,892,960,000 nonzeros"):
        dense.check()
    noisy = om.InformationStructure(game, {p: np.full((400, 20), 0.05) for p in ("b1", "b2")})
    with pytest.raises(om.InputError, match="size: the LP is estimated at 2,892,960,000 nonzeros"):
        om.bayes_correlated_equilibrium(game, noisy)


def test_instance_file_estimate_counts_the_cells_with_mass(tmp_path):
    from optmarkets.app import sizes

    states, signals = 40, 40
    own = [[1 if j == w else 0 for j in range(signals)] for w in range(states)]
    uniform = [[1 / signals] * signals for _ in range(states)]
    data = {"players": ["a", "b"], "actions": {"a": 30, "b": 30}, "states": states, "prior": [1 / states] * states}

    def spec(table):
        return {"method": "bayes_correlated_equilibrium_problem", "args": {"signals": {"a": table, "b": table}}}

    private, _, how = sizes.estimate("FiniteGame", data, spec(own))
    assert private == 40 * 900 * (1 + 29 + 29) and "40 of the 64,000" in how
    dense, _, _ = sizes.estimate("FiniteGame", data, spec(uniform))
    assert dense == 40 * 1600 * 900 * 59
    with pytest.raises(om.InputError, match="size"):
        sizes.check_size("FiniteGame", data, spec(uniform), sizes.MAX_SIZE, "bce.toml")
    sizes.check_size("FiniteGame", data, spec(own), sizes.MAX_SIZE, "bce.toml")


@pytest.mark.parametrize(("seed", "interior"), [(0, False), (1, False), (2, False), (3, False), (0, True), (1, True)])
def test_segmentation_on_suffix_masses_is_the_full_lp(seed, interior, monkeypatch):
    """The segmentation's obedience on suffix masses (`builders.segmentation.price_obedience`: two nonzeros a
    row) is the game obedience written out here (n per row): the same optimum on random markets, with values
    of no mass; its certificate (dual feasibility included) holds. `interior`: the model's default solver is
    HiGHS's interior point with crossover, as from IPM_FROM_VALUES values (lowered here to this model's 12)."""
    rng = np.random.default_rng(seed)
    n = 12
    values = np.sort(rng.choice(np.arange(1, 40), n, replace=False)).astype(float)
    market = rng.dirichlet(np.ones(n)) * (rng.uniform(size=n) > 0.25)
    if interior:
        monkeypatch.setattr(design, "IPM_FROM_VALUES", n)
    model = om.segmentation(values, market)
    assert set(model.families) == {"consistency", "suffix", "obedience", "profit_floor"}
    sol = model.solve()
    assert sol.solver == ("HIGHS_IPM" if interior else "HIGHS")
    # certified at the first solve: the suffix columns, whose rows the vertex may price all at 0, are measured
    # against their data at the model's price scale (DUAL_DATA_FLOOR), not against their own round-off
    assert sol.certificate.ok() and sol.certificate.notes == []
    sale = values[:, None] >= values[None, :]
    profit, surplus = values[None, :] * sale, (values[:, None] - values[None, :]) * sale
    floor = np.max(values * market[::-1].cumsum()[::-1])
    c, S, mass, G, _ = full_bce([profit], market / market.sum(), [None], surplus, "max")
    G = sp.vstack([G, sp.csr_matrix(profit.reshape(1, -1))], format="csr")
    res = linprog(-c, A_ub=-G, b_ub=np.r_[np.zeros(G.shape[0] - 1), -floor], A_eq=S, b_eq=mass * market.sum(),
                  bounds=(0, None), method="highs")
    assert sol.value == pytest.approx(-res.fun, rel=1e-9)
    # the obedience rows are the game's: their slack at the solution, recomputed from mu here, is >= 0
    mu = np.asarray(sol["segments"], float).T  # (value, price)
    gain = np.einsum("vp,vp->p", mu, profit)[:, None] - mu.T @ profit
    assert gain.min() >= -1e-9


def test_segmentations_from_150_values_default_to_the_interior_point():
    """Measured (`IPM_FROM_VALUES`): from 150 values the interior point with crossover is faster; a solver named
    in solve() still wins."""
    market = np.random.default_rng(0).dirichlet(np.ones(150))
    assert om.segmentation(np.arange(1, 151), market).default_solver == "HIGHS_IPM"
    assert om.segmentation(np.arange(1, 150), market[:149]).default_solver is None

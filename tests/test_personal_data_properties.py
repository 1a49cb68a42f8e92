"""Random-instance properties of GLP, spec §C items 1–9 (items 1, 2, 4 are also covered for P_q in
test_platform_problem.py; here they are re-checked against the canonical duals this module adds)."""

import numpy as np
import pytest
from conftest import random_database, random_economy

import optmarkets as om

SEEDS = range(8)


def slack_by_loops(econ, psi, lam):
    """s(a, w) = psi(w) - v(a, w) - sum_{a'} (pi(a, w) - pi(a', w)) lambda(a'|a), with plain loops."""
    k, n = econ.platform_payoff.shape
    pi, v = econ.merchant_profit, econ.platform_payoff
    s = np.zeros((k, n))
    for a in range(k):
        for w in range(n):
            s[a, w] = psi[w] - v[a, w] - sum((pi[a, w] - pi[b, w]) * lam.loc[(econ.fee_index[a], econ.fee_index[b])]
                                             for b in range(k) if b != a)
    return s


@pytest.mark.parametrize("seed", SEEDS)
def test_items_1_2_zero_gap_closed_form_and_superadditivity(seed):
    rng = np.random.default_rng(1000 + seed)
    econ = random_economy(rng)
    q, q2 = random_database(rng, econ) / 2, random_database(rng, econ) / 2
    sol = econ.platform_problem(q).solve()
    psi, lam = sol.prices["consistency"].to_numpy(), -sol.prices["obedience"]
    assert slack_by_loops(econ, psi, lam).min() >= -1e-9 and (lam >= -1e-12).all()
    assert psi @ q == pytest.approx(sol.value, rel=1e-9, abs=1e-10)
    assert sol.value == pytest.approx(econ.bbm_value(q), rel=1e-9, abs=1e-10)
    V = lambda d: econ.platform_problem(d).solve().value
    assert V(q + q2) >= V(q) + V(q2) - 1e-9
    assert V(0.5 * q) == pytest.approx(0.5 * V(q), rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_item_3_canonical_dual_feasible_optimal_and_inside_the_big_m(seed):
    rng = np.random.default_rng(1100 + seed)
    econ = random_economy(rng, gamma_pi=0.0 if seed % 4 == 0 else None)
    q = random_database(rng, econ)
    psis = econ.canonical_duals()
    V = econ.platform_problem(q).solve().value
    fee = psis.index[0] if econ.gamma_pi > econ.gamma_u else econ.fee_index[np.argmax(econ.merchant_profit @ q)]
    psi, lam = psis.loc[fee].to_numpy(), econ.canonical_lambda(fee)
    s = slack_by_loops(econ, psi, lam)
    assert s.min() >= -1e-9  # feasible
    assert psi @ q == pytest.approx(V, rel=1e-9, abs=1e-10)  # optimal
    assert min(psis.to_numpy() @ q) == pytest.approx(V, rel=1e-9, abs=1e-10)  # V(q) = min_a psi_a . q
    loose, tight = econ.dual_bounds(tight=False), econ.dual_bounds()
    assert lam.max() <= loose["lambda"] + 1e-12 and s.max() <= loose["slack"] + 1e-9
    assert np.all(s <= tight["slack"].to_numpy() + 1e-9) and np.all(tight["slack"].to_numpy() <= loose["slack"] + 1e-9)
    if econ.gamma_u >= econ.gamma_pi:  # the canonical slack: gamma_u w 1{w < a}, whatever the monopoly fee
        w, a = econ.values[None, :], econ.actions[:, None]
        np.testing.assert_allclose(tight["slack"].to_numpy(), econ.gamma_u * w * (w < a), atol=1e-12)
    np.testing.assert_allclose(econ.dual_slack(psi, lam).to_numpy(), s, atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_item_4_bbm_triangle_vertices_attained(seed):
    """Non-negative directions (d_u, d_pi) = (gamma_u, gamma_pi): V = max of d over the three vertices."""
    rng = np.random.default_rng(1200 + seed)
    base = random_economy(rng)
    q = random_database(rng, base)
    w_star, pi_star = base.values @ q, (base.merchant_profit @ q).max()
    for d_u, d_pi in rng.uniform(0, 2, (3, 2)):
        econ = om.PersonalDataEconomy(base.values, base.mass, base.outside_option, gamma_u=d_u, gamma_pi=d_pi)
        vertices = [d_pi * w_star, d_pi * pi_star, d_u * (w_star - pi_star) + d_pi * pi_star]
        assert econ.platform_problem(q).solve().value == pytest.approx(max(vertices), rel=1e-9)


@pytest.mark.parametrize("seed", range(5))
def test_item_5_full_disclosure_ce_is_efficient(seed):
    rng = np.random.default_rng(1300 + seed)
    base = random_economy(rng)
    gp = rng.uniform(0.5, 2.0)
    econ = om.PersonalDataEconomy(base.values, base.mass, base.outside_option, gamma_u=gp * rng.uniform(0, 0.9),
                                  gamma_pi=gp)
    p = gp * econ.values
    q = econ.mass * (gp * econ.values > econ.outside_option)
    x = np.eye(len(econ.values))
    report = econ.check_competitive_equilibrium(p, q, x)
    assert report.ok, report
    assert econ.welfare(q, x) == pytest.approx(econ.second_best().solve().value, rel=1e-9)
    # the platform's optimum at q is full disclosure, uniquely
    sol = econ.platform_problem(q).solve()
    chi = sol["chi"].to_numpy()
    assert np.abs(chi - np.diag(np.diag(chi))).max() <= 1e-9


# item 6 (SB forms agree, brute force, W° >= R) lives in test_personal_data_sb.py


@pytest.mark.parametrize("seed", SEEDS)
def test_item_7_first_best_lindahl(seed):
    rng = np.random.default_rng(1400 + seed)
    econ = random_economy(rng, n=int(rng.integers(2, 5)), gamma_pi=0.0 if seed % 2 else None)
    fb, sb = econ.first_best().solve(), econ.second_best().solve()
    assert fb.value >= sb.value - 1e-9
    mu, lam, P = fb.prices["mu"], fb.prices["lambda"], fb.prices["lindahl"]
    assert (mu >= -1e-12).all() and (lam >= -1e-12).all()
    assert fb.value == pytest.approx(econ.reservation_welfare + mu @ econ.mass, rel=1e-9, abs=1e-10)
    chi = fb["chi"].to_numpy()
    report = econ.check_lindahl(P, chi)
    assert report.ok, report
    assert float(np.sum((econ.platform_payoff - P.to_numpy()) * chi)) == pytest.approx(0, abs=1e-9)
    # consumer welfare at Lindahl prices: sellers get P + u, holdouts r
    sold = chi.sum(axis=0)
    cw = float(np.sum((P.to_numpy() + econ.consumer_surplus) * chi) + (econ.mass - sold) @ econ.outside_option)
    assert cw == pytest.approx(fb.value, rel=1e-9, abs=1e-10)
    assert econ.lindahl_supportable(chi)
    if sb.value < fb.value - 1e-5:
        assert not econ.lindahl_supportable(sb["chi"].to_numpy())


@pytest.mark.parametrize("seed", SEEDS)
def test_item_8_monopsony_and_data_union(seed):
    rng = np.random.default_rng(1500 + seed)
    econ = random_economy(rng)
    W, R = econ.second_best().solve().value, econ.reservation_welfare
    mono = econ.monopsony_problem().solve()
    assert mono.value == pytest.approx(W - R, rel=1e-8, abs=1e-9)
    assert mono["platform_profit"] == pytest.approx(W - R, rel=1e-8, abs=1e-9)
    assert mono["consumer_welfare"] == pytest.approx(R, rel=1e-9)
    # every consumer is indifferent at the monopsony prices: p + E_x u = r
    x = mono["x"].to_numpy()
    np.testing.assert_allclose(mono.prices["monopsony"] + econ.expected_surplus(x), econ.outside_option, atol=1e-9)
    union = econ.data_union_problem().solve()
    p, q, xu = union.prices["data_union"].to_numpy(), union["q"].to_numpy(), union["x"].to_numpy()
    assert union.value == pytest.approx(W, rel=1e-8)
    assert union["consumer_welfare"] == pytest.approx(W, rel=1e-8)
    assert p @ econ.mass == pytest.approx(union["platform_value"], rel=1e-8, abs=1e-9)  # budget
    member = p + q / econ.mass * econ.expected_surplus(xu) + (1 - q / econ.mass) * econ.outside_option
    assert np.all(member >= econ.outside_option - 1e-9)  # participation
    # the LP's own transfers satisfy the same budget and participation
    P = union["transfers"].to_numpy()
    chi = union["chi"].to_numpy()
    assert P.sum() == pytest.approx(np.sum(econ.platform_payoff * chi), abs=1e-8)
    assert np.all(P >= (chi * (econ.outside_option[None, :] - econ.consumer_surplus)).sum(axis=0) - 1e-9)


@pytest.mark.parametrize("seed", range(6))
def test_item_9_competitive_equilibria_are_weakly_inefficient(seed):
    rng = np.random.default_rng(1600 + seed)
    econ = random_economy(rng, n=2 + seed % 2, gamma_pi=0.0 if seed % 3 else None)
    W = econ.second_best().solve().value
    table = econ.competitive_equilibria()
    assert not table.empty  # Prop. 2: a CE exists (found by the enumeration here)
    for _, row in table.iterrows():
        assert row["welfare"] <= W + 1e-8
        V = econ.platform_problem(row["q"]).solve().value
        assert row["prices"] @ row["q"] == pytest.approx(V, abs=1e-8)
        assert econ.ce_supportable(row["q"])


@pytest.mark.parametrize("seed", SEEDS)
def test_item_9_platform_optimal_price_set(seed):
    """At q = 0 (and at random q) Lemma A.2's price set equals conv{psi_a : a monopoly fee} + d."""
    rng = np.random.default_rng(1700 + seed)
    econ = random_economy(rng, gamma_pi=0.0 if seed % 2 else None)
    n = len(econ.values)
    for q in (np.zeros(n), random_database(rng, econ)):
        prices = econ.platform_optimal_prices(q)
        inside = prices.vertices.to_numpy().T @ rng.dirichlet(np.ones(len(prices.vertices)))
        inside = inside + (q <= 0) * rng.uniform(0, 1, n)
        assert prices.contains(inside) and prices.hull_distance(inside) <= 1e-9
        for _ in range(6):
            p = inside + rng.normal(0, 0.3, n)
            assert prices.contains(p, tol=1e-7) == (prices.hull_distance(p) <= 1e-7)
    # competitive_prices (one vertex) is in the set
    q = random_database(rng, econ)
    assert econ.platform_optimal_prices(q).contains(econ.competitive_prices(q))

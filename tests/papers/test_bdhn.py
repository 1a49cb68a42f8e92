"""Bonatti–Dahleh–Horel–Nouripour: the paper's numbers (spec §B.5-§B.7) by LP, greedy and closed forms."""

import numpy as np
import pytest

import optmarkets as om
from optmarkets.app.reproduce import reproduce
from optmarkets.papers.bdhn.continuum import Continuum
from optmarkets.papers.bdhn.examples import CONTINUUM_TABLE, EXACT_TABLE


def seller(dist, m, vmax, p, alpha):
    return om.InformationSeller.from_distribution(dist, m=m, vmax=vmax, state_prior=[p, 1 - p], alpha=alpha)


# ---------------------------------------------------------------- §B.5 exact discrete table
@pytest.mark.parametrize("key", list(EXACT_TABLE), ids=lambda k: "-".join(map(str, k)))
def test_exact_table_by_full_rule_lp(key):
    w_sb, w_fb, rev, pit1 = EXACT_TABLE[key]
    s = seller(*key)
    assert s.welfare_optimal().solve().value == pytest.approx(w_sb, abs=1e-8)
    assert s.welfare_optimal(first_best=True).solve().value == pytest.approx(w_fb, abs=1e-8)
    sol = s.revenue_optimal().solve()
    assert sol.value == pytest.approx(rev, abs=1e-8)
    assert sol["pit"].iloc[0].to_numpy() == pytest.approx([pit1, pit1], abs=1e-8)
    assert s.K == pytest.approx(key[3] - key[4], abs=1e-12)
    assert sol.certificate.ok(1e-7)


@pytest.mark.parametrize("key", list(EXACT_TABLE), ids=lambda k: "-".join(map(str, k)))
def test_exact_table_by_greedy(key):
    w_sb, w_fb, rev, pit1 = EXACT_TABLE[key]
    s = seller(*key)
    assert s.greedy("welfare").value == pytest.approx(w_sb, abs=1e-8)
    assert s.greedy("first_best").value == pytest.approx(w_fb, abs=1e-8)
    g = s.greedy("revenue")
    assert g.value == pytest.approx(rev, abs=1e-8)
    assert g.pit[0] == pytest.approx(pit1, abs=1e-12)
    # Lemma 5.6: R = sum_i E[phi pit] - 2 v_1 K, and VS = R + 2 v_1 K
    K = key[3] - key[4]
    vs = s.greedy("virtual_surplus").value
    assert vs == pytest.approx(g.value + 2 * s.types[0] * K, abs=1e-10)


def test_greedy_equals_lp_rule_and_payments():
    s = seller("exponential", 10, 6, 0.75, 2)
    g = s.greedy("revenue")
    sol = s.revenue_optimal().solve()
    np.testing.assert_allclose(sol["pit"].to_numpy(), np.column_stack([g.pit, g.pit]), atol=1e-8)
    np.testing.assert_allclose(sol["t"].to_numpy(), np.column_stack([g.payments, g.payments]), atol=1e-8)


# ---------------------------------------------------------------- §B.6 continuum values
@pytest.mark.parametrize("key", list(CONTINUUM_TABLE), ids=lambda k: "-".join(map(str, k)))
def test_continuum_closed_forms(key):
    v_star, v_tilde, w_fb, w_sb, rev = CONTINUUM_TABLE[key]
    c = Continuum(*key)
    assert c.v_star == pytest.approx(v_star, abs=1e-6)
    assert c.v_tilde == pytest.approx(v_tilde, abs=1e-6)
    assert c.K == pytest.approx(key[1] - key[2])
    assert c.welfare_first_best() == pytest.approx(w_fb, abs=1e-6)
    assert c.welfare_second_best() == pytest.approx(w_sb, abs=1e-6)
    assert c.revenue() == pytest.approx(rev, abs=2e-6 if key[0] == "exponential" else 1e-12)
    assert float(c.pit_revenue(c.v_low)) == pytest.approx(c.K)  # pit_R(v_low) = K


@pytest.mark.parametrize("alpha", [0.0, 0.3, 1.0, 2.5])
def test_exponential_first_best_is_two_over_one_plus_alpha(alpha):
    assert Continuum("exponential", 0.6, alpha).welfare_first_best() == pytest.approx(2 / (1 + alpha), abs=1e-8)


def test_generic_frozen_distribution_matches_closed_form_path():
    from scipy import stats

    closed, generic = Continuum("exponential", 0.5, 0.5), Continuum(stats.gamma(1.0), 0.5, 0.5)
    assert generic.v_tilde == pytest.approx(closed.v_tilde, abs=1e-6)
    assert generic.revenue() == pytest.approx(closed.revenue(), abs=1e-5)


def test_continuum_payments_zero_below_min_vstar_vtilde():
    for key in [("exponential", 0.5, 0.5), ("exponential", 0.5, 2), ("exponential", 0.75, 0.5)]:
        c = Continuum(*key)
        low = min(c.v_star, c.v_tilde)
        assert np.abs(c.payment_revenue(np.linspace(c.v_low, low, 5)[1:-1])).max() < 1e-9
        assert (c.payment_revenue(np.linspace(low, low + 2, 5)[1:]) > 1e-6).all()


# ---------------------------------------------------------------- convergence as the grid refines
def test_convergence_uniform_by_lp():
    """U[0,1], p_max = .5, alpha = .5: W_SB -> 55/96 within C D^2, R -> 19/48 within C D (full-rule LP)."""
    for m in (10, 20, 40):
        s, d = seller("uniform", m, 1, 0.5, 0.5), 1 / m
        w_sb, w_fb, rev = (s.welfare_optimal().solve().value, s.welfare_optimal(first_best=True).solve().value,
                           s.revenue_optimal().solve().value)
        assert abs(w_sb - 55 / 96) <= 0.05 * d**2
        assert abs(w_fb - 7 / 12) <= 0.1 * d**2
        assert abs(rev - 19 / 48) <= 0.35 * d
        assert rev - 19 / 48 >= 0.3 * d  # and really first order: the error is not smaller


@pytest.mark.parametrize("key, c_welfare, c_revenue", [
    (("exponential", 0.5, 0.5), 0.05, 0.35),
    (("exponential", 0.5, 2), 0.3, 0.9),
    (("exponential", 0.75, 0.5), 0.1, 0.5),
])
def test_convergence_exponential_by_greedy(key, c_welfare, c_revenue):
    dist, p, alpha = key
    c = Continuum(*key)
    limit = dict(welfare=c.welfare_second_best(), first_best=c.welfare_first_best(), revenue=c.revenue())
    errors = {}
    for m in (50, 200, 800):
        s, d = seller(dist, m, 25, p, alpha), 25 / m
        for obj, lim in limit.items():
            errors[obj, m] = s.greedy(obj).value - lim
        assert abs(errors["welfare", m]) <= c_welfare * d**2
        assert abs(errors["first_best", m]) <= c_welfare * d**2
        assert abs(errors["revenue", m]) <= c_revenue * d
    # first order for revenue: the error falls by ~4 for 4x refinement, and Richardson removes it
    assert errors["revenue", 200] / errors["revenue", 800] == pytest.approx(4.0, abs=0.15)
    rich = (4 * (errors["revenue", 800]) - errors["revenue", 200]) / 3
    assert abs(rich) <= 2e-3


def test_pointwise_shares_and_binding_sets_converge():
    """m = 3200 (greedy): pit_SB, pit_R, t against Props. 5.5 and 5.8 away from kinks (spec §B.6)."""
    s, c = seller("exponential", 3200, 25, 0.5, 0.5), Continuum("exponential", 0.5, 0.5)
    v, d = s.types, 25 / 3200
    kinks = np.array([c.alpha * c.v_star, c.v_star, c.v_tilde, c.v0, c.v_star / c.alpha])
    away = (np.abs(v[:, None] - kinks[None, :]) > 3 * d).all(axis=1) & (v < 8)
    sb, rv = s.greedy("welfare"), s.greedy("revenue")
    # first order in the cell width (v* falls inside a cell, filled fractionally): 0.1 D = 7.8e-4
    assert np.abs(sb.pit - c.pit_second_best(v))[away].max() <= 0.1 * d
    assert np.abs(rv.pit - c.pit_revenue(v))[away].max() <= 0.1 * d
    sample = np.flatnonzero(away)[::40]
    assert np.abs(rv.payments[sample] - c.payment_revenue(v[sample])).max() <= 1e-2
    # the largest type with binding obedience lies within one cell of alpha v* (SB) and v~ (REV)
    f = s.type_probs
    for g, edge in ((sb, c.alpha * c.v_star), (rv, c.v_tilde)):
        accuracy = g.h1 @ f
        top = v[np.flatnonzero(accuracy <= s.p_max + 1e-9).max()]
        assert abs(top - edge) <= d


def test_binding_obedience_sets_by_lp():
    """SB binds on [v_low, alpha v*], REV on [v_low, v~] (spec §B.7), on a grid by the full-rule LP."""
    s, c = seller("exponential", 30, 6, 0.5, 0.5), Continuum("exponential", 0.5, 0.5)
    d = 6 / 30
    for sol, edge in ((s.welfare_optimal().solve(), c.alpha * c.v_star), (s.revenue_optimal().solve(), c.v_tilde)):
        binding = sol["binding"][1].to_numpy()
        top = np.flatnonzero(binding).max()
        assert binding[:top + 1].all()  # an interval starting at v_1
        assert abs(s.types[top] - edge) <= 1.5 * d
        cost = sol.prices["obedience_cost"][1].to_numpy()
        assert (cost[~binding] == pytest.approx(0, abs=1e-9))


def test_revenue_payments_zero_on_bottom_and_positive_above():
    s, c = seller("exponential", 40, 8, 0.5, 0.5), Continuum("exponential", 0.5, 0.5)
    sol = s.revenue_optimal().solve()
    t, v = sol["t"][1].to_numpy(), s.types
    low = min(c.v_star, c.v_tilde)
    assert np.abs(t[v < low - 0.2]).max() <= 1e-9
    assert (t[v > low + 0.2] > 1e-6).all()
    assert sol["pit"][1].iloc[0] == pytest.approx(s.K, abs=1e-9)


def test_prisoners_dilemma_region_mass():
    """alpha = 2 > 1: the SB rule recommends the wrong action to both in a region of mass 1/6 (Exp(1), p = .5)."""
    c = Continuum("exponential", 0.5, 2.0)
    h = 0.01
    v = (np.arange(2500) + 0.5) * h  # midpoints on [0, 25]
    V1, V2 = np.meshgrid(v, v, indexing="ij")
    wrong = (1 - c.rule_second_best(V1, V2)) * (1 - c.rule_second_best(V2, V1))
    dens = np.exp(-V1 - V2) * h**2
    assert float((wrong * dens).sum()) == pytest.approx(1 / 6, abs=2e-3)
    s = seller("exponential", 200, 8, 0.5, 2.0)
    g = s.greedy("welfare")
    mass = float(s.type_probs @ ((g.h1 == 0) & (g.h2 == 0)) @ s.type_probs)
    assert mass == pytest.approx(0.160, abs=1e-3)


def test_reproduce_registers_bdhn_examples():
    table = reproduce(match="bdhn")
    assert set(table["example"]) >= {"bdhn-exact-table", "bdhn-continuum", "bdhn-uniform-10-sym",
                                     "bdhn-uniform-10-asym"}
    assert table["match"].all(), table[~table["match"]]

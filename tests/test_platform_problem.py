"""P_q of Galperti–Liu–Perego against closed forms, its dual, finite differences and other solvers."""

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
from conftest import assert_certified, assert_obedient_and_consistent, random_database, random_economy

import optmarkets as om
from optmarkets.builders import consistency, obedience

SEEDS = range(12)


@pytest.mark.parametrize("seed", SEEDS)
def test_value_equals_bbm_closed_form_and_dual(seed):
    rng = np.random.default_rng(seed)
    econ = random_economy(rng, n=int(rng.integers(2, 6)))
    q = random_database(rng, econ)
    sol = econ.platform_problem(q).solve()
    assert sol.value == pytest.approx(econ.bbm_value(q), rel=1e-9, abs=1e-10)
    # dual optimum: psi . q equals V(q) (strong duality), and (psi, lambda) is dual-feasible
    psi, lam = sol.prices["consistency"].to_numpy(), sol.duals["obedience"]
    assert psi @ q == pytest.approx(sol.value, rel=1e-9, abs=1e-10)
    slack = psi[None, :] - econ.platform_payoff
    pi = econ.merchant_profit
    for (a, b), weight in lam.items():
        i, j = econ.fee_index.get_loc(a), econ.fee_index.get_loc(b)
        slack[i] -= (pi[i] - pi[j]) * weight
    assert slack.min() >= -1e-9
    assert (lam >= -1e-12).all()
    assert_obedient_and_consistent(econ, sol["chi"].to_numpy(), q)
    assert_certified(sol)


@pytest.mark.parametrize("seed", SEEDS)
def test_homogeneous_and_superadditive(seed):
    rng = np.random.default_rng(100 + seed)
    econ = random_economy(rng)
    q1, q2 = random_database(rng, econ) / 2, random_database(rng, econ) / 2
    v = lambda q: econ.platform_problem(q).solve().value
    beta = rng.uniform(0.1, 1.0)
    assert v(beta * q1) == pytest.approx(beta * v(q1), rel=1e-9, abs=1e-12)
    assert v(q1 + q2) >= v(q1) + v(q2) - 1e-9
    assert v(np.zeros_like(q1)) == pytest.approx(0.0, abs=1e-12)


def _support_function(econ, q, d_u, d_pi) -> float:
    """max over obedient chi consistent with q of d_u * consumer surplus + d_pi * merchant profit."""
    m = om.Model("triangle")
    chi = m.variable("chi", econ.consumer_surplus.shape, nonneg=True)
    m.constrain("consistency", consistency(chi, q, econ.type_index))
    m.constrain("obedience", obedience(chi, econ.merchant_profit, econ.fee_index))
    m.maximize(cp.sum(cp.multiply(d_u * econ.consumer_surplus + d_pi * econ.merchant_profit, chi)))
    return m.solve().value


@pytest.mark.parametrize("seed", range(8))
def test_bbm_triangle_support_function(seed):
    rng = np.random.default_rng(200 + seed)
    econ = random_economy(rng, n=int(rng.integers(2, 5)))
    q = random_database(rng, econ)
    total = econ.values @ q  # w*
    monopoly = (econ.merchant_profit @ q).max()  # pi*
    vertices = np.array([[0.0, total], [0.0, monopoly], [total - monopoly, monopoly]])  # (u, pi)
    for angle in rng.uniform(0, 2 * np.pi, 6):
        d = np.array([np.cos(angle), np.sin(angle)])
        assert _support_function(econ, q, *d) == pytest.approx((vertices @ d).max(), abs=1e-9)


@pytest.mark.parametrize("seed", range(8))
def test_full_disclosure_unique_when_profit_weighs_more(seed):
    """Prop. 3: gamma_pi > gamma_u => chi = diag(q) is the unique optimum (spec §A.2)."""
    rng = np.random.default_rng(300 + seed)
    gu = rng.uniform(0, 1)
    econ = random_economy(rng, gamma_u=gu, gamma_pi=gu + rng.uniform(0.05, 1))
    q = random_database(rng, econ)
    model = econ.platform_problem(q)
    best = model.solve().value
    chi = model.var("chi")
    off_diagonal = cp.sum(chi) - cp.sum(cp.diag(chi))
    # among optimal mechanisms, the most information-hiding one still hides nothing
    model.constrain("optimal", om.builders.family(cp.sum(cp.multiply(econ.platform_payoff, chi)), ">=",
                                                  best - 1e-10))
    model.maximize(off_diagonal)
    assert model.solve().value == pytest.approx(0.0, abs=1e-8)
    np.testing.assert_allclose(econ.platform_problem(q).solve()["chi"].to_numpy(), np.diag(q), atol=1e-9)


@pytest.mark.parametrize("q1, q2", [(0.3, 0.3), (0.3, 0.7), (0.1, 0.6), (0.3, 0.05), (0.25, 0.0), (0.0, 0.4)])
@pytest.mark.parametrize("gamma_u", [0.3, 0.8, 2.0])
def test_section_4_1_value_is_gamma_u_min(q1, q2, gamma_u):
    econ = om.PersonalDataEconomy([1, 2], [0.3, 0.7], [0.5, 0.5], gamma_u=gamma_u, gamma_pi=0.0)
    sol = econ.platform_problem([q1, q2]).solve()
    assert sol.value == pytest.approx(gamma_u * min(q1, q2), abs=1e-12)
    x = sol["x"]
    if q2 >= q1 > 0:  # the paper's mechanism x_q(1|w) = min(q1, q2)/q(w)
        assert x.loc[1, 1] == pytest.approx(1.0) and x.loc[1, 2] == pytest.approx(q1 / q2)
    if q1 > q2 > 0:  # corrected (spec §A.10.3): all types are recommended a = 1
        assert x.loc[1, 1] == pytest.approx(1.0) and x.loc[1, 2] == pytest.approx(1.0)
    np.testing.assert_allclose(x.sum(axis=0), 1.0)


@pytest.mark.parametrize("seed", range(10))
def test_consistency_prices_match_finite_differences(seed):
    """psi(w) = dV/dq(w): compare with central differences at a q with a unique monopoly fee."""
    rng = np.random.default_rng(400 + seed)
    econ = random_economy(rng, n=int(rng.integers(2, 5)))
    q = random_database(rng, econ) * 0.9
    profits = np.sort(econ.merchant_profit @ q)
    if profits[-1] - profits[-2] < 1e-3:  # V is kinked at ties between monopoly fees
        pytest.skip("tie between monopoly fees")
    psi = econ.competitive_prices(q)
    h = 1e-6
    for i, w in enumerate(econ.type_index):
        e = np.zeros_like(q)
        e[i] = h
        fd = (econ.platform_problem(q + e).solve().value - econ.platform_problem(q - e).solve().value) / (2 * h)
        assert psi[w] == pytest.approx(fd, abs=1e-6)


def test_obedience_prices_match_finite_differences():
    """price of row (a, a') = dV/d(rhs) of O_{a,a'}(chi) >= rhs, re-solved at rhs = +-h.

    P_q is degenerate in these rows (V is kinked at rhs = 0), so the price is a supergradient:
    right derivative <= price <= left derivative (V is concave in rhs).
    """
    econ = om.PersonalDataEconomy([1, 2, 4], [0.2, 0.5, 0.3], [0, 0, 0], gamma_u=1.0, gamma_pi=0.2)
    q = np.array([0.2, 0.45, 0.25])
    base = econ.platform_problem(q).solve()
    prices = base.prices["obedience"]
    assert (prices <= 1e-12).all() and (prices < -1e-6).any()  # >= rows in a max problem: prices <= 0
    h = 1e-6

    def shifted(row, rhs):
        model = econ.platform_problem(q)
        chi = model.var("chi")
        i, j = econ.fee_index.get_loc(row[0]), econ.fee_index.get_loc(row[1])
        gain = econ.merchant_profit[i] - econ.merchant_profit[j]
        model.constrain("shift", om.builders.family(gain @ chi[i, :], ">=", rhs))
        return model.solve().value

    for row, price in prices.items():
        right = (shifted(row, h) - base.value) / h
        left = (base.value - shifted(row, -h)) / h
        assert right - 1e-6 <= price <= left + 1e-6, (row, right, price, left)
    assert prices[(1, 2)] == pytest.approx(-0.8)  # tightening (1 -> 2) costs 0.8 per unit: a one-sided derivative


@pytest.mark.parametrize("solver, tol", [("CLARABEL", 1e-7), ("ECOS", 1e-7), ("SCS", 1e-4), ("SCIPY", 1e-9)])
def test_cross_solver_agreement(solver, tol):
    rng = np.random.default_rng(7)
    for _ in range(3):
        econ = random_economy(rng, n=4)
        q = random_database(rng, econ)
        ref = econ.platform_problem(q).solve("HIGHS").value
        other = econ.platform_problem(q).solve(solver, tol=tol if solver != "SCIPY" else None)
        assert other.solver == solver
        assert other.value == pytest.approx(ref, rel=10 * tol, abs=10 * tol)


def test_dpp_resolve_reuses_compiled_problem():
    econ = om.PersonalDataEconomy([1, 2, 3], [0.3, 0.3, 0.4], [0.1, 0.1, 0.1], gamma_u=1.0)
    first = econ.platform_problem([0.3, 0.2, 0.1])
    assert first.problem.is_dcp(dpp=True)
    values = [econ.platform_problem([0.3, 0.2, t]).solve().value for t in (0.1, 0.2, 0.3, 0.4)]
    assert first.compilations == 1  # one compilation for four data points
    assert values == pytest.approx([econ.bbm_value([0.3, 0.2, t]) for t in (0.1, 0.2, 0.3, 0.4)])
    # each bound model keeps its own data: re-solving the first gives its own value again
    assert first.solve().value == pytest.approx(econ.bbm_value([0.3, 0.2, 0.1]))


def test_solution_is_labelled():
    econ = om.PersonalDataEconomy([1, 2], [0.4, 0.6], [0.3, 0.3], gamma_u=1.0, gamma_pi=0.0)
    sol = econ.platform_problem(q=[0.4, 0.4]).solve()
    assert isinstance(sol["x"], pd.DataFrame)
    assert sol["x"].index.name == "a" and sol["x"].columns.name == "w"
    assert list(sol["x"].columns) == [1, 2]
    assert sol.prices["obedience"].index.names == ["a", "deviation"]
    assert sol["q"].tolist() == [0.4, 0.4]
    assert isinstance(econ.competitive_prices(q=[0.4, 0.4]), pd.Series)
    with pytest.raises(KeyError, match="available"):
        sol["nope"]


def test_zero_mass_types_get_a_documented_mechanism():
    econ = om.PersonalDataEconomy([1, 2, 3], [0.3, 0.3, 0.4], [0, 0, 0], gamma_u=1.0)
    x = econ.platform_problem([0.3, 0.0, 0.2]).solve()["x"]
    assert x.loc[2, 2] == 1.0  # point mass on a = w where q(w) = 0: zero surplus (paper's Case 1)
    np.testing.assert_allclose(x.sum(axis=0), 1.0)


# ------------------------------------------------------------------ bad input, one test each
def test_values_unsorted():
    with pytest.raises(om.InputError, match="values: must be sorted"):
        om.PersonalDataEconomy([2, 1], [0.5, 0.5], [0, 0])


def test_values_duplicate():
    with pytest.raises(om.InputError, match="values: duplicate"):
        om.PersonalDataEconomy([1, 1], [0.5, 0.5], [0, 0])


def test_values_nonpositive():
    with pytest.raises(om.InputError, match="values: entries must be positive"):
        om.PersonalDataEconomy([0, 1], [0.5, 0.5], [0, 0])


def test_values_nan():
    with pytest.raises(om.InputError, match="values: entry 1 is nan"):
        om.PersonalDataEconomy([1, np.nan], [0.5, 0.5], [0, 0])


def test_mass_negative():
    with pytest.raises(om.InputError, match=r"mass: entry 0 is -0.1, must be positive"):
        om.PersonalDataEconomy([1, 2], [-0.1, 0.5], [0, 0])


def test_mass_wrong_length():
    with pytest.raises(om.InputError, match="mass: has length 3, expected 2"):
        om.PersonalDataEconomy([1, 2], [0.2, 0.3, 0.5], [0, 0])


def test_outside_option_negative():
    with pytest.raises(om.InputError, match="outside_option: entry 1"):
        om.PersonalDataEconomy([1, 2], [0.5, 0.5], [0, -1])


def test_outside_option_infinite():
    with pytest.raises(om.InputError, match="outside_option: entry 0 is inf"):
        om.PersonalDataEconomy([1, 2], [0.5, 0.5], [np.inf, 0])


def test_gamma_negative():
    with pytest.raises(om.InputError, match="gamma_u: is -1, must be non-negative"):
        om.PersonalDataEconomy([1, 2], [0.5, 0.5], [0, 0], gamma_u=-1)


def test_gammas_both_zero():
    with pytest.raises(om.InputError, match="gamma_u and gamma_pi: are all zero"):
        om.PersonalDataEconomy([1, 2], [0.5, 0.5], [0, 0], gamma_u=0, gamma_pi=0)


def test_actions_unsorted():
    with pytest.raises(om.InputError, match="actions: must be sorted"):
        om.PersonalDataEconomy([1, 2], [0.5, 0.5], [0, 0], actions=[2, 1])


def test_database_exceeds_mass():
    econ = om.PersonalDataEconomy([1, 2], [0.5, 0.5], [0, 0])
    with pytest.raises(om.InputError, match=r"q: entry 1 is 0.6, more than the mass"):
        econ.platform_problem([0.1, 0.6])


def test_database_negative():
    econ = om.PersonalDataEconomy([1, 2], [0.5, 0.5], [0, 0])
    with pytest.raises(om.InputError, match=r"q: entry 0 is -0.1, must be non-negative"):
        econ.platform_problem([-0.1, 0.2])


def test_database_wrong_length():
    econ = om.PersonalDataEconomy([1, 2], [0.5, 0.5], [0, 0])
    with pytest.raises(om.InputError, match="q: has length 3, expected 2"):
        econ.platform_problem([0.1, 0.2, 0.1])


def test_custom_fee_set():
    """Extra fees beyond Omega change nothing (spec §A.1); a fee set missing a type has no BBM closed form."""
    base = om.PersonalDataEconomy([1, 2], [0.5, 0.5], [0, 0], gamma_u=1.0)
    wide = om.PersonalDataEconomy([1, 2], [0.5, 0.5], [0, 0], gamma_u=1.0, actions=[0.5, 1, 1.5, 2, 3])
    sol = wide.platform_problem([0.5, 0.3]).solve()
    assert sol.value == pytest.approx(base.platform_problem([0.5, 0.3]).solve().value, abs=1e-12)
    assert sol.value == pytest.approx(wide.bbm_value([0.5, 0.3]))
    assert_certified(sol)
    narrow = om.PersonalDataEconomy([1, 2], [0.5, 0.5], [0, 0], gamma_u=1.0, actions=[0.5, 1.5])
    assert narrow.platform_problem([0.5, 0.5]).solve().value == pytest.approx(0.75)  # LP still valid
    with pytest.raises(om.InputError, match="actions: the BBM closed form needs every type"):
        narrow.bbm_value([0.5, 0.5])

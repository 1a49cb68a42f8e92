"""Every price family of the GLP programs against a finite-difference re-solve.

FB': mu(w) = dW†/dqbar(w) (net of the direct effect r(w) of one more consumer on R), lambda(a'|a) =
the value of relaxing obedience row (a, a'), and the Lindahl prices built from them. SB: its
`supply` price (winning disjunctive LP), and the sequential-rationality prices psi, lambda of P_q at q°.
Where the value is not differentiable (ties), the vertex dual is a supergradient: both one-sided
differences bracket it.
"""

import cvxpy as cp
import numpy as np
import pytest
from conftest import random_economy

import optmarkets as om
from optmarkets.builders import family, supply_limit
from optmarkets.builders.algebra import obedience_matrix

EPS = 1e-5


def _with_mass(econ, mass):
    return om.PersonalDataEconomy(econ.values, mass, econ.outside_option, gamma_u=econ.gamma_u,
                                  gamma_pi=econ.gamma_pi)


def _net_value(econ, program):
    """The program's value minus R = r.qbar (mu prices the supply row, not the R constant)."""
    return program(econ).solve().value - econ.reservation_welfare


def _bracket(f, x0, direction, price):
    """For a concave f: (f(x+e)-f(x))/e <= price <= (f(x)-f(x-e))/e; equality when both agree."""
    up = (f(x0 + EPS * direction) - f(x0)) / EPS
    down = (f(x0) - f(x0 - EPS * direction)) / EPS
    assert up <= price + 1e-6 and price <= down + 1e-6, (up, price, down)
    return up, down


@pytest.mark.parametrize("seed", range(6))
def test_first_best_mu_is_the_marginal_value_of_supply(seed):
    rng = np.random.default_rng(2000 + seed)
    econ = random_economy(rng, gamma_pi=0.0 if seed % 2 else None)
    fb = econ.first_best().solve()
    mu = fb.prices["mu"].to_numpy()
    f = lambda m: _net_value(_with_mass(econ, m), lambda e: e.first_best())
    for w in range(len(econ.values)):
        e_w = np.eye(len(econ.values))[w]
        up, down = _bracket(f, econ.mass, e_w, mu[w])
        if abs(up - down) < 1e-7:  # differentiable here: the price is the derivative
            assert mu[w] == pytest.approx(up, abs=1e-6)


def _fb_with_relaxed_row(econ, row, eps):
    """FB' with obedience row `row` relaxed to >= -eps (built from builders, independent of first_best)."""
    k, n = econ.platform_payoff.shape
    D, _ = obedience_matrix(econ.merchant_profit)
    rhs = np.zeros(D.shape[0])
    rhs[row] = -eps
    m = om.Model("FB relaxed")
    chi = m.variable("chi", (k, n), nonneg=True)
    m.constrain("supply", supply_limit(cp.sum(chi, axis=0), econ.mass))
    m.constrain("obedience", family(D @ cp.vec(chi, order="C"), ">=", rhs))
    m.maximize(cp.sum(cp.multiply(econ.planner_payoff() - econ.outside_option, chi)) + econ.reservation_welfare)
    return m.solve().value


@pytest.mark.parametrize("seed", range(4))
def test_first_best_lambda_is_the_value_of_relaxing_obedience(seed):
    rng = np.random.default_rng(2100 + seed)
    econ = random_economy(rng, n=3, gamma_pi=0.0 if seed % 2 else None)
    lam = econ.first_best().solve().prices["lambda"].to_numpy()
    base = _fb_with_relaxed_row(econ, 0, 0.0)
    for row in range(len(lam)):
        up = (_fb_with_relaxed_row(econ, row, EPS) - base) / EPS
        assert up <= lam[row] + 1e-6  # supergradient: relaxing gains at most lambda
        try:
            down = (base - _fb_with_relaxed_row(econ, row, -EPS)) / EPS
        except om.InfeasibleError:
            continue
        assert lam[row] <= down + 1e-6  # ... and tightening costs at least lambda
        if abs(up - down) < 1e-7:
            assert lam[row] == pytest.approx(up, abs=1e-6)


def test_section_4_1_lambda_and_mu_finite_differences():
    econ = om.PersonalDataEconomy([1, 2], [0.3, 0.7], [0.3, 0.3], gamma_u=0.8)
    fb = econ.first_best().solve()
    base = fb.value
    # lambda(2|1) = 1 + gamma_u - rbar = 1.5: row (a=1, a'=2) is row 0
    assert (_fb_with_relaxed_row(econ, 0, EPS) - base) / EPS == pytest.approx(1.5, abs=1e-6)
    assert fb.prices["lambda"].loc[(1, 2)] == pytest.approx(1.5, abs=1e-9)
    # mu(1) = 1 + gamma_u - 2 rbar = 1.2, mu(2) = 0
    f = lambda m: _net_value(_with_mass(econ, m), lambda e: e.first_best())
    for w, expected in ((0, 1.2), (1, 0.0)):
        up, down = _bracket(f, econ.mass, np.eye(2)[w], fb.prices["mu"].iloc[w])
        assert up == pytest.approx(expected, abs=1e-6) and down == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("seed", range(4))
def test_lindahl_prices_price_the_marginal_record(seed):
    """p*(a, w) + u(a, w) = mu(w) + r(w): selling one more w-record into any used market (a, w) is
    worth dW†/dqbar(w) to a consumer — the FD of W† in qbar(w)."""
    rng = np.random.default_rng(2200 + seed)
    econ = random_economy(rng)
    fb = econ.first_best().solve()
    P = fb.prices["lindahl"].to_numpy()
    offer = P + econ.consumer_surplus
    for w in range(len(econ.values)):
        e_w = np.eye(len(econ.values))[w]
        up = (econ.__class__(econ.values, econ.mass + EPS * e_w, econ.outside_option, gamma_u=econ.gamma_u,
                             gamma_pi=econ.gamma_pi).first_best().solve().value - fb.value) / EPS
        np.testing.assert_allclose(offer[:, w], fb.prices["mu"].iloc[w] + econ.outside_option[w], atol=1e-12)
        assert up <= offer[0, w] + 1e-6  # the consumer's price bounds what a record adds (supergradient)


@pytest.mark.parametrize("row", ["E2", "E4"])
def test_second_best_supply_price(row):
    qbar1, rbar, gamma_u = {"E2": (0.3, 0.3, 0.8), "E4": (0.35, 0.4, 0.6)}[row]
    econ = om.PersonalDataEconomy([1, 2], [qbar1, 1 - qbar1], [rbar, rbar], gamma_u=gamma_u)
    sb = econ.second_best().solve()
    price = sb.prices["supply"].to_numpy()
    f = lambda m: _net_value(_with_mass(econ, m), lambda e: e.second_best())
    for w in range(2):
        up, down = _bracket(f, econ.mass, np.eye(2)[w], price[w])
        assert up == pytest.approx(down, abs=1e-6) and price[w] == pytest.approx(up, abs=1e-6)
    assert price == pytest.approx([1 + gamma_u - 2 * rbar, 0.0], abs=1e-9)  # dW°/dqbar1 - r


@pytest.mark.parametrize("seed", range(6))
def test_second_best_psi_is_a_supergradient_of_v_at_q_circ(seed):
    rng = np.random.default_rng(2300 + seed)
    econ = random_economy(rng, n=3)
    sb = econ.second_best().solve()
    q, psi = sb["q"].to_numpy(), sb.prices["psi"].to_numpy()
    V = lambda d: econ.platform_problem(np.clip(d, 0, econ.mass)).solve().value
    for w in range(3):
        e_w = np.eye(3)[w]
        if q[w] + EPS <= econ.mass[w]:
            assert V(q + EPS * e_w) <= V(q) + EPS * psi[w] + 1e-9
        if q[w] - EPS >= 0:
            assert V(q - EPS * e_w) <= V(q) - EPS * psi[w] + 1e-9
    lam = sb.prices["lambda"]
    assert (lam >= -1e-12).all()
    assert econ.dual_slack(psi, lam).to_numpy().min() >= -1e-9  # (psi, lambda) is P_q's dual optimum
    assert psi @ q == pytest.approx(sb["platform_value"], abs=1e-9)


# ---------------------------------------------------------------- every family, generically
def _fd_bracket_every_family(model, sol, eps=1e-6, tol=1e-6):
    """Perturb the rhs of every row of every family of an LP by +-eps, re-solve the same cvxpy
    expressions, and check up <= price <= down (max: the value is concave in the rhs); equality
    where the two one-sided differences agree. Returns how many rows were checked exactly."""
    exact = 0
    for name, fam in model.families.items():
        price = np.asarray(sol.prices[name], float).reshape(fam.lhs.shape)
        others = [f.constraint for n, f in model.families.items() if n != name]
        for i in range(fam.lhs.size):
            bump = np.zeros(fam.lhs.shape)
            bump.flat[i] = 1.0
            values = []
            for step in (eps, -eps):
                rhs = fam.rhs + step * bump
                con = {"<=": fam.lhs <= rhs, ">=": fam.lhs >= rhs, "==": fam.lhs == rhs}[fam.sense]
                prob = cp.Problem(cp.Maximize(model.objective), [*others, con])
                prob.solve(solver="HIGHS")
                values.append(prob.value if prob.status == "optimal" else None)
            up = None if values[0] is None else (values[0] - sol.value) / eps
            down = None if values[1] is None else (sol.value - values[1]) / eps
            p = price.flat[i]
            assert up is None or up <= p + tol, (name, i, up, p)
            assert down is None or p <= down + tol, (name, i, p, down)
            if up is not None and down is not None and abs(up - down) < 1e-7:
                assert p == pytest.approx(up, abs=tol), (name, i)
                exact += 1
    return exact


@pytest.mark.parametrize("seed", range(3))
def test_every_first_best_family_against_finite_differences(seed):
    rng = np.random.default_rng(2400 + seed)
    econ = random_economy(rng, n=3)
    model = econ.first_best()
    sol = model.solve()
    assert _fd_bracket_every_family(model, sol) >= 1


@pytest.mark.parametrize("seed", range(3))
def test_every_second_best_family_against_finite_differences(seed):
    """The winning disjunctive LP's families (supply, consistency, obedience, value cut)."""
    rng = np.random.default_rng(2500 + seed)
    econ = random_economy(rng, n=3, gamma_pi=0.0 if seed else None)
    prog = econ.second_best()
    sol = prog.solve()
    if prog.strategy.parameter:  # the cut Parameter holds the last candidate tried: set the winner
        prog.param(prog.strategy.parameter).value = prog.strategy.candidates.loc[sol["candidate"]].to_numpy()
    assert _fd_bracket_every_family(prog, sol) >= 1


def test_every_second_best_family_on_section_4_1():
    econ = om.PersonalDataEconomy([1, 2], [0.3, 0.7], [0.3, 0.3], gamma_u=0.8)
    prog = econ.second_best()
    sol = prog.solve()
    prog.param(prog.strategy.parameter).value = prog.strategy.candidates.loc[sol["candidate"]].to_numpy()
    assert _fd_bracket_every_family(prog, sol) >= 3


@pytest.mark.parametrize("method", ["monopsony_problem", "data_union_problem", "second_best_social"])
def test_every_family_of_the_other_leader_programs(method):
    """The monopsony, data-union (budget, participation) and SW-planner LPs' own family prices."""
    econ = om.PersonalDataEconomy([1, 2, 3], [0.2, 0.3, 0.5], [0.4, 0.5, 0.8], gamma_u=1.0, gamma_pi=0.2)
    prog = econ.second_best(social=True) if method == "second_best_social" else getattr(econ, method)()
    sol = prog.solve()
    prog.param(prog.strategy.parameter).value = prog.strategy.candidates.loc[sol["candidate"]].to_numpy()
    assert _fd_bracket_every_family(prog, sol) >= 3

"""Finite mechanism design: Myerson, Crémer–McLean, BIC = DSIC with independent types, prices."""

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

from optmarkets.builders import incentives
from optmarkets.builders import mechanisms as mb
from optmarkets.core import Model
from optmarkets.mechanisms import MechanismEnvironment, audit, mechanism_design
from optmarkets.theory.ironing import virtual_values

TOL = 1e-7


def two_bidders(prior=None):
    return MechanismEnvironment.single_item({"b1": [1, 2], "b2": [1, 2]}, prior)


@pytest.mark.parametrize(("ic", "ir"), [("bayesian", "interim"), ("dominant", "ex_post"), ("ex_post", "ex_post")])
def test_myerson_two_bidders(ic, ir):
    env = two_bidders()
    m = mechanism_design(env, "revenue", ic=ic, ir=ir)
    sol = m.solve()
    assert sol.value == pytest.approx(1.5, abs=TOL)
    assert sol.certificate.ok()
    assert audit(m, sol).ok
    x = sol["allocation"]
    assert list(x.columns) == ["none", "b1", "b2"] and x.index.names == ["b1", "b2"]
    assert list(sol["payment"].columns) == ["b1", "b2"]
    # virtual values phi(1) = 0, phi(2) = 2: the item goes to a high bidder whenever there is one
    phi = virtual_values([1, 2], [0.5, 0.5])
    np.testing.assert_allclose(phi, [0.0, 2.0])
    assert x.loc[(2, 1), "b1"] == pytest.approx(1, abs=1e-6)
    assert x.loc[(1, 2), "b2"] == pytest.approx(1, abs=1e-6)
    assert x.loc[(2, 2), ["b1", "b2"]].sum() == pytest.approx(1, abs=1e-6)
    # revenue = expected virtual surplus of the allocation
    q = env.prior_flat
    virtual = sum(q[p] * sum(phi[env.type_index(a, prof[i])] * x.iloc[p][a] for i, a in enumerate(env.agents))
                  for p, prof in enumerate(env.profiles))
    assert virtual == pytest.approx(1.5, abs=1e-6)
    if ic == "bayesian":
        assert list(sol.prices["ic"].index.names) == ["agent", "type", "report"]
        assert list(sol.prices["ir"].index.names) == ["agent", "type"]
    else:
        assert list(sol.prices["ic"].index.names) == ["agent", "type", "report", "others"]
        assert list(sol.prices["ir"].index.names) == ["b1", "b2", "agent"]


def test_cremer_mclean_full_extraction():
    joint = np.array([[0.4, 0.1], [0.1, 0.4]])  # full-rank beliefs: Crémer–McLean holds
    env = two_bidders(joint)
    expected_max = float(np.sum(joint * np.maximum.outer([1, 2], [1, 2])))
    sol = mechanism_design(env, ic="bayesian", ir="interim").solve()
    assert sol.value == pytest.approx(expected_max, abs=1e-6)
    dsic = mechanism_design(env, ic="dominant", ir="ex_post").solve()
    assert dsic.value < expected_max - 1e-3
    # three types, correlated with full-rank beliefs
    P3 = np.array([[4, 2, 1], [2, 4, 2], [1, 2, 4]], float)
    P3 /= P3.sum()
    env3 = MechanismEnvironment.single_item({"a": [1, 2, 3], "b": [1, 2, 3]}, P3)
    best = float(np.sum(P3 * np.maximum.outer([1, 2, 3], [1, 2, 3])))
    assert mechanism_design(env3).solve().value == pytest.approx(best, abs=1e-6)


def test_cremer_mclean_fails_without_correlation():
    # beliefs of both types are equal (independent): no full extraction
    env = two_bidders(np.full((2, 2), 0.25))
    assert mechanism_design(env).solve().value < 1.75 - 1e-3


@pytest.mark.parametrize("seed", range(4))
def test_independent_bic_equals_dsic(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 4))
    vals = {f"b{i}": np.sort(rng.choice(np.arange(1, 10), int(rng.integers(2, 4)), replace=False)) for i in range(n)}
    prior = {a: rng.dirichlet(np.ones(len(v))) for a, v in vals.items()}
    env = MechanismEnvironment.single_item(vals, prior)
    bic = mechanism_design(env, ic="bayesian", ir="interim").solve()
    dsic = mechanism_design(env, ic="dominant", ir="ex_post").solve()
    assert bic.value == pytest.approx(dsic.value, abs=1e-6)


def _value(env, **kw):
    return mechanism_design(env, **kw).solve().value


def test_ir_price_matches_finite_difference():
    rng = np.random.default_rng(3)
    joint = rng.dirichlet(np.ones(9)).reshape(3, 3)
    env = MechanismEnvironment.single_item({"a": [1, 3, 4], "b": [2, 3, 5]}, joint)
    base = rng.uniform(0, 0.2, 3)
    sol = mechanism_design(env, outside_option={"a": base}).solve()
    eps = 1e-4
    for k, typ in enumerate([1, 3, 4]):
        bump = base.copy()
        bump[k] += eps
        up = _value(env, outside_option={"a": bump})
        bump[k] -= 2 * eps
        down = _value(env, outside_option={"a": bump})
        price = sol.prices["ir"].loc[("a", typ)]
        # value is concave in the rhs: right derivative <= price <= left derivative
        assert (up - sol.value) / eps <= price + 1e-5
        assert price <= (sol.value - down) / eps + 1e-5


def test_ic_price_matches_finite_difference():
    rng = np.random.default_rng(5)
    joint = rng.dirichlet(np.ones(4)).reshape(2, 2)
    env = MechanismEnvironment.single_item({"a": [1, 2], "b": [1, 3]}, joint)
    sol = mechanism_design(env, ic="bayesian", ir="interim", outside_option=0.1).solve()
    prices = sol.prices["ic"]
    eps = 1e-4
    for r in range(len(prices)):
        margin = np.zeros(len(prices))
        margin[r] = eps
        up = _value(env, ic="bayesian", ir="interim", outside_option=0.1, ic_margin=margin)
        margin[r] = -eps
        down = _value(env, ic="bayesian", ir="interim", outside_option=0.1, ic_margin=margin)
        assert (up - sol.value) / eps <= prices.iloc[r] + 1e-5
        assert prices.iloc[r] <= (sol.value - down) / eps + 1e-5
    dsic = mechanism_design(env, ic="dominant", ir="ex_post", outside_option=0.1).solve()
    p = dsic.prices["ic"]
    assert np.all(p.to_numpy() <= 1e-9)  # >= rows of a max: d value / d margin <= 0


def test_single_agent_matches_incentive_builders():
    rng = np.random.default_rng(0)
    K, G = 4, 3
    V = np.cumsum(rng.uniform(0, 1, (K, G)), axis=0)
    f = rng.dirichlet(np.ones(K))
    env = MechanismEnvironment({"s": list(range(K))}, [f"g{g}" for g in range(G)], {"s": f}, {"s": V})
    sol = mechanism_design(env, ic="bayesian", ir="interim").solve()
    m = Model("menu")
    x = m.variable("x", (K, G), nonneg=True)
    t = m.variable("t", K)
    U = incentives.report_utility(V, x, t)
    types = pd.Index(range(K), name="type")
    m.constrain("ic", incentives.truthful(U, types))
    m.constrain("ir", incentives.participation(U, 0.0, types))
    m.constrain("lottery", mb.lottery(x))
    m.maximize(f @ t)
    ref = m.solve()
    assert sol.value == pytest.approx(ref.value, abs=1e-7)
    # one agent: the Bayesian, ex-post and dominant IC rows coincide
    for ic, ir in [("ex_post", "ex_post"), ("dominant", "interim")]:
        assert mechanism_design(env, ic=ic, ir=ir).solve().value == pytest.approx(ref.value, abs=1e-7)
    np.testing.assert_allclose(sol.prices["ic"].to_numpy(), ref.prices["ic"].to_numpy(), atol=1e-6)


def test_zero_probability_types():
    # independent prior: the zero-probability type keeps its interim rows (beliefs = the others' marginal)
    env = MechanismEnvironment.single_item({"b1": [1, 2, 3], "b2": [1, 2]}, {"b1": [0.5, 0.0, 0.5], "b2": [.5, .5]})
    m = mechanism_design(env)
    sol = m.solve()
    assert ("b1", 2) in sol.prices["ir"].index
    assert audit(m, sol).ok
    # joint prior with a zero marginal: that type's beliefs are undefined and it has no interim rows
    joint = np.array([[0.3, 0.2], [0.0, 0.0], [0.1, 0.4]])
    env = MechanismEnvironment.single_item({"b1": [1, 2, 3], "b2": [1, 2]}, joint)
    assert np.isnan(env.beliefs["b1"][1]).all()
    m = mechanism_design(env)
    sol = m.solve()
    assert ("b1", 2) not in sol.prices["ir"].index
    assert not any(k[:2] == ("b1", 2) for k in sol.prices["ic"].index)
    report = audit(m, sol)
    assert report.ok and np.isnan(report.table.loc[("b1", 2), "interim_utility"])
    # yet the others' IC rows still deter reporting the zero-probability type
    assert any(k[:3] == ("b1", 1, 2) for k in sol.prices["ic"].index)


def test_audit_finds_profitable_deviation():
    env = two_bidders()
    # a first-price-like rule that charges the full value: truthful low types fine, but a high
    # type gains by shading to 1
    x = np.array([[0, 1, 0], [0, 0, 1], [0, 1, 0], [0, 1, 0]], float)
    t = np.array([[1, 0], [0, 2], [2, 0], [2, 0]], float)
    rep = audit(env, x, t, ic="dominant", ir="ex_post")
    assert not rep.ok
    assert rep.table.loc[("b1", 2), "best_report"] == 1 and rep.table.loc[("b1", 2), "gain"] > 0
    assert any("b1" in r and "reporting 1" in r for r in rep.reasons)
    bad = x.copy()
    bad[0] = [0.5, 0.7, 0]
    assert any(r.startswith("lottery") for r in audit(env, bad, t, ic=None, ir=None).reasons)
    assert any(r.startswith("budget") for r in audit(env, x, -t, ic=None, ir=None, budget="no_subsidies").reasons)
    assert any(r.startswith("ir") for r in audit(env, x, t + 1, ic=None, ir="interim").reasons)


def test_interdependent_values_and_objectives():
    rng = np.random.default_rng(11)
    sizes, O = (2, 3), 3
    V = {"a": rng.uniform(0, 1, (*sizes, O)), "b": rng.uniform(0, 1, (3, O))}
    env = MechanismEnvironment({"a": ["lo", "hi"], "b": [0, 1, 2]}, ["x", "y", "z"], rng.dirichlet(np.ones(6)), V)
    assert env.private == {"a": False, "b": True}
    for ic in ("bayesian", "ex_post", "dominant"):
        m = mechanism_design(env, "welfare", ic=ic, ir="ex_ante", budget="balanced")
        sol = m.solve()
        assert audit(m, sol).ok and sol.certificate.ok()
    dom = mechanism_design(env, ic="dominant", ir="ex_post")
    assert "others_true" in dom.families["ic"].index.names
    C = rng.uniform(0, 1, (*sizes, O))
    sol = mechanism_design(env, C, ic="bayesian", ir=None).solve()
    assert sol.value == pytest.approx(float(env.prior_flat @ C.reshape(6, O).max(axis=1)), abs=1e-7)
    assert isinstance(mechanism_design(env).families["ic"].lhs, cp.Expression)

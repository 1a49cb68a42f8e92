"""Mechanism design on the orbits of the agents' symmetry (issue 29 item 2): the same optimum as the full LP, a
mechanism that passes the brute-force audit, prices that are a supergradient of the full LP's value (re-solves),
exact() on the reduced LP, and errors that name the field."""

from __future__ import annotations

import numpy as np
import pytest

import optmarkets as om
from optmarkets.builders.symmetry import row_map
from optmarkets.core.errors import InputError


def auction(n_bidders: int, n_values: int, prior=None) -> om.MechanismEnvironment:
    return om.MechanismEnvironment.single_item([list(range(1, n_values + 1))] * n_bidders, prior)


@pytest.mark.parametrize(("n", "k", "ic", "ir", "objective"), [
    (2, 3, "bayesian", "interim", "revenue"), (2, 5, "dominant", "ex_post", "revenue"),
    (2, 5, "dominant", "ex_post", "welfare"), (3, 4, "bayesian", "interim", "revenue"),
    (3, 4, "dominant", "ex_post", "revenue"), (3, 3, "bayesian", "ex_ante", "welfare"),
])
def test_the_lp_on_orbits_is_the_full_optimum_and_an_audited_mechanism(n, k, ic, ir, objective):
    env = auction(n, k)
    full = om.mechanism_design(env, objective, ic=ic, ir=ir).solve()
    model = om.mechanism_design(env, objective, ic=ic, ir=ir, symmetric=True)
    sol = model.solve()
    assert sol.value == pytest.approx(full.value, rel=1e-9)
    assert model.symmetry.classes == (tuple(env.agents),)
    assert om.audit_mechanism(model, sol).ok  # every report of every type tried against the truth, by brute force
    assert sol["allocation"].shape == full["allocation"].shape and sol["payment"].shape == full["payment"].shape
    # a symmetric mechanism: bidder 1's allocation at (a, b) is bidder 2's at (b, a)
    alloc = sol["allocation"].to_numpy().reshape(*(k,) * n, n + 1)
    np.testing.assert_allclose(alloc[..., 1], np.swapaxes(alloc[..., 2], 0, 1), atol=1e-9)
    for family in ("ic", "ir", "lottery"):
        assert sol.prices[family].shape == full.prices[family].shape


def test_two_bidder_revenue_matches_myerson():
    # values {1, 2, 3} uniform, two bidders: virtual values -1, 1, 3; the optimum sells to the highest
    # non-negative virtual value: reserve 2, revenue E[max(phi_1, phi_2, 0)] = (0 + 8 + 10) / 9 = 2
    sol = om.mechanism_design(auction(2, 3), ic="bayesian", ir="interim", symmetric=True).solve()
    assert sol.value == pytest.approx(2.0, abs=1e-9)
    exact = sol.exact()
    assert exact.verified and str(exact.value) == "2"


def test_outside_option_prices_are_a_supergradient_of_the_full_value():
    env = auction(2, 4)
    model = om.mechanism_design(env, ic="dominant", ir="ex_post", symmetric=True)
    sol = model.solve()
    full = om.mechanism_design(env, ic="dominant", ir="ex_post")
    price = sol.prices["ir"]  # rows (b1's type, b2's type, agent)
    assert sol.prices["ir_sym"].size == price.size // 2
    base = full.solve().value
    for own in (1, 2, 4):
        # raise every bidder's outside option at type `own` by h: d value = the sum of those rows' prices
        rows = [r for r in price.index if r[r[2] == "b2"] == own]
        move = float(price.loc[rows].sum())
        for h in (1e-4, -1e-4):
            full.set(outside_option={"b1": {own: h}, "b2": {own: h}})
            assert full.solve().value <= base + h * move + 1e-9


def test_auto_and_errors():
    asym = om.MechanismEnvironment.single_item({"b1": [1, 2, 3], "b2": [1, 2, 4]})
    assert om.mechanism_design(asym, symmetric="auto").symmetry is None
    with pytest.raises(InputError, match="symmetric: no permutation of the agents leaves the LP unchanged"):
        om.mechanism_design(asym, symmetric=True)
    with pytest.raises(InputError, match="symmetric: expected True, False or 'auto'"):
        om.mechanism_design(auction(2, 3), symmetric=1)
    skewed = {"b1": [0.5, 0.3, 0.2], "b2": [0.2, 0.3, 0.5]}
    with pytest.raises(InputError, match="symmetric: no permutation of the agents"):
        om.mechanism_design(auction(2, 3, skewed), symmetric=True)
    # an outside option that differs between the bidders breaks the IR family's symmetry
    with pytest.raises(InputError, match="symmetric: no permutation of the agents"):
        om.mechanism_design(auction(2, 3), outside_option={"b1": 0.5, "b2": 0.0}, symmetric=True)
    model = om.mechanism_design(auction(2, 3), outside_option=0.5, symmetric=True)
    model.set(outside_option={"b1": 0.25, "b2": 0.25})
    with pytest.raises(InputError, match="outside_option: differs between agents"):
        model.set(outside_option={"b1": 0.25, "b2": 0.0})
    # three bidders, only two alike: the class of the two
    env = om.MechanismEnvironment.single_item({"b1": [1, 2], "b2": [1, 2], "b3": [1, 3]})
    assert om.mechanism_design(env, symmetric=True).symmetry.classes == (("b1", "b2"), ("b3",))


def test_row_map_finds_the_permutation_or_refuses():
    M = np.array([[1.0, 2.0, 0.0], [2.0, 1.0, 0.0], [0.0, 0.0, 5.0]])
    swap = np.array([1, 0, 2])  # x0 <-> x1: row 0 becomes row 1
    assert row_map(M, np.zeros(3), swap).tolist() == [1, 0, 2]
    assert row_map(M, np.array([0.0, 1.0, 0.0]), swap) is None  # the right-hand sides differ
    assert row_map(M * 1e-12, np.zeros(3), swap).tolist() == [1, 0, 2]  # relative to the family's entries


@pytest.mark.parametrize("scale", [1e-9, 1e9])
def test_agents_alike_or_not_at_any_scale(scale):
    alike = om.MechanismEnvironment.single_item([[scale, 2 * scale]] * 2)
    sol = om.mechanism_design(alike, ic="dominant", ir="ex_post", symmetric=True).solve()
    full = om.mechanism_design(alike, ic="dominant", ir="ex_post").solve()
    assert sol.value == pytest.approx(full.value, rel=1e-8)
    unlike = om.MechanismEnvironment.single_item({"b1": [scale, 2 * scale], "b2": [scale, 2.001 * scale]})
    assert om.mechanism_design(unlike, symmetric="auto").symmetry is None


def ring_auction(seed: int, k: int = 3) -> om.MechanismEnvironment:
    """Three bidders in a ring: prior[t0, t1, t2] proportional to f(t0, t1) f(t1, t2) f(t2, t0) with f not
    symmetric, so the prior is unchanged by rotating the bidders and by no swap of two."""
    f = np.random.default_rng(seed).uniform(0.2, 1.0, (k, k))
    t = np.indices((k, k, k))
    prior = f[t[0], t[1]] * f[t[1], t[2]] * f[t[2], t[0]]
    return auction(3, k, prior / prior.sum())


@pytest.mark.parametrize(("ic", "ir"), [("bayesian", "interim"), ("dominant", "ex_post")])
@pytest.mark.parametrize("seed", [0, 1])
def test_a_ring_of_bidders_is_reduced_by_its_rotation(seed, ic, ir):
    env = ring_auction(seed)
    full = om.mechanism_design(env, "revenue", ic=ic, ir=ir).solve()
    model = om.mechanism_design(env, "revenue", ic=ic, ir=ir, symmetric=True)
    (rotation,) = model.symmetry.maps  # no swap: a 3-cycle, whose outcomes ("b_k gets it") rotate alike
    assert sorted(rotation.agents) == [0, 1, 2] and (rotation.agents != np.arange(3)).all()
    assert [rotation.outcomes[1 + k] for k in range(3)] == [1 + int(rotation.agents[k]) for k in range(3)]
    assert model.symmetry.classes == (tuple(env.agents),)
    assert model.symmetry.describe().startswith("agents permuted into each other")
    sol = model.solve()
    assert sol.value == pytest.approx(full.value, rel=1e-9)
    assert om.audit_mechanism(model, sol).ok  # every report of every type tried against the truth, by brute force
    assert model.size()["variables"] * 2 < om.mechanism_design(env, "revenue", ic=ic, ir=ir).size()["variables"]

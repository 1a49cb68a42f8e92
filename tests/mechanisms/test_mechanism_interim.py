"""Interim (reduced-form) outputs of mechanisms (issue 28 item 13): sol.interim("allocation" |
"payment" | "utility") per (agent, type), checked against Myerson's optimal auction worked out in
exact arithmetic here (virtual values, the discrete payment identity) and a second-price auction by hand."""

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from optmarkets.core.errors import InputError
from optmarkets.mechanisms import MechanismEnvironment, interim, mechanism_design

VALUES = [1, 2, 3, 4]  # uniform, i.i.d. across bidders


def virtual_values(values: list[int]) -> list[Fraction]:
    """Discrete virtual values phi(v_k) = v_k - (v_{k+1} - v_k) (1 - F(v_k)) / f(v_k), uniform f."""
    n, f = len(values), Fraction(1, len(values))
    return [Fraction(v) - ((values[k + 1] - v) * Fraction(n - 1 - k, n) / f if k + 1 < n else 0)
            for k, v in enumerate(values)]


def myerson_revenue(values: list[int], bidders: int) -> Fraction:
    """E[max(0, max_i phi(v_i))] over i.i.d. uniform profiles (Myerson 1981)."""
    phi = virtual_values(values)
    profiles = np.array(np.meshgrid(*[range(len(values))] * bidders, indexing="ij")).reshape(bidders, -1).T
    total = sum((max([Fraction(0), *(phi[k] for k in prof)]) for prof in profiles), Fraction(0))
    return total / len(values) ** bidders


def payment_identity(values: list[int], Q: list[float]) -> list[float]:
    """M(v_k) = v_k Q(v_k) - sum_{j<k} Q(v_j) (v_{j+1} - v_j): the lowest type's IR and every adjacent
    downward IC bind, which revenue maximisation forces for any interim allocation Q."""
    return [v * Q[k] - sum(Q[j] * (values[j + 1] - values[j]) for j in range(k)) for k, v in enumerate(values)]


@pytest.mark.parametrize("bidders", [1, 2])
def test_myerson_interim_allocation_is_monotone_and_payments_follow_the_identity(bidders):
    names = [f"b{i + 1}" for i in range(bidders)]
    env = MechanismEnvironment.single_item({b: VALUES for b in names})
    sol = mechanism_design(env, "revenue", ic="bayesian", ir="interim").solve()
    assert Fraction(sol.value).limit_denominator(1000) == myerson_revenue(VALUES, bidders)  # 3/2 and 19/8
    assert myerson_revenue(VALUES, bidders) == (Fraction(3, 2) if bidders == 1 else Fraction(19, 8))
    alloc, pay = sol.interim("allocation"), sol.interim("payment")
    assert isinstance(alloc, pd.DataFrame) and alloc.index.names == ["agent", "type"]
    assert list(alloc.columns) == ["none", *names] and isinstance(pay, pd.Series)
    np.testing.assert_allclose(alloc.sum(axis=1), 1.0, atol=1e-9)  # an interim lottery over outcomes
    for b in names:
        Q = alloc.loc[b, b].to_numpy()  # P(b gets the item | b's value)
        assert list(alloc.loc[b].index) == VALUES
        assert np.all(np.diff(Q) >= -1e-9), f"{b}: Q = {Q} is not monotone"
        assert Q[0] == pytest.approx(0.0, abs=1e-9)  # value 1 has a negative virtual value: never served
        assert Q[-1] > 0.5
        np.testing.assert_allclose(pay.loc[b].to_numpy(), payment_identity(VALUES, list(Q)), atol=1e-8)
    # Myerson's identity: the revenue is sum_b E[phi(v_b) Q_b(v_b)]
    phi = np.array([float(p) for p in virtual_values(VALUES)])
    by_virtual = sum(float(np.mean(phi * alloc.loc[b, b].to_numpy())) for b in names)
    assert by_virtual == pytest.approx(sol.value, abs=1e-8)
    assert sum(float(np.mean(pay.loc[b].to_numpy())) for b in names) == pytest.approx(sol.value, abs=1e-8)
    utility = sol.interim("utility")
    for b in names:
        want = np.array(VALUES) * alloc.loc[b, b].to_numpy() - pay.loc[b].to_numpy()
        np.testing.assert_allclose(utility.loc[b].to_numpy(), want, atol=1e-9)
        assert utility.loc[(b, 1)] == pytest.approx(0.0, abs=1e-9)  # the lowest type's IR binds


def test_interim_of_a_given_mechanism_second_price_by_hand():
    # two bidders, values 1 or 2 equally likely, second price, ties split evenly
    env = MechanismEnvironment.single_item({"b1": [1, 2], "b2": [1, 2]})
    X = np.array([[0, .5, .5], [0, 0, 1], [0, 1, 0], [0, .5, .5]])   # profiles (1,1), (1,2), (2,1), (2,2)
    T = np.array([[.5, .5], [0, 1], [1, 0], [1, 1]])                 # the winner pays the other's value
    alloc = interim(env, X, T, what="allocation")
    # Q(1) = 1/2 * 1/2 (tie at (1, 1)) = 1/4; Q(2) = 1/2 + 1/2 * 1/2 = 3/4
    np.testing.assert_allclose(alloc.loc["b1", "b1"].to_numpy(), [0.25, 0.75])
    np.testing.assert_allclose(alloc.loc["b2", "b2"].to_numpy(), [0.25, 0.75])
    # M(1) = 1/2 * 1/2 * 1 = 1/4; M(2) = 1/2 * 1 + 1/2 * 1/2 * 2 = 1; U = v Q - M
    np.testing.assert_allclose(interim(env, X, T, what="payment").to_numpy(), [0.25, 1.0, 0.25, 1.0])
    np.testing.assert_allclose(interim(env, X, T, what="utility").to_numpy(), [0.0, 0.5, 0.0, 0.5])
    labelled = pd.DataFrame(X, index=env.profiles, columns=env.outcomes).iloc[::-1]  # read by label
    pd.testing.assert_frame_equal(interim(env, labelled, what="allocation"), alloc)


def test_interim_under_a_joint_prior_conditions_on_the_own_type():
    # correlated values: b2's value equals b1's with probability 0.8; b1 of value 2 never occurs
    env = MechanismEnvironment({"b1": [1, 2, 3], "b2": [1, 2]}, ["none", "b1", "b2"],
                               [[0.4, 0.1], [0.0, 0.0], [0.1, 0.4]],
                               {"b1": [[0, 1, 0], [0, 2, 0], [0, 3, 0]], "b2": [[0, 0, 1], [0, 0, 2]]})
    X = np.zeros((6, 3))
    X[:, 2] = [0, 1, 0, 1, 0, 1]  # b2 gets the item whenever b2's value is 2
    X[:, 0] = 1 - X[:, 2]
    alloc = interim(env, X, None, what="allocation")
    # b1 of value 1 believes b2 has value 2 with 0.1 / 0.5; of value 3 with 0.4 / 0.5
    assert alloc.loc[("b1", 1), "b2"] == pytest.approx(0.2) and alloc.loc[("b1", 3), "b2"] == pytest.approx(0.8)
    assert alloc.loc[("b1", 2)].isna().all()  # zero marginal under a joint prior: beliefs undefined
    np.testing.assert_allclose(alloc.loc["b2", "b2"].to_numpy(), [0.0, 1.0])


def test_interim_errors_name_the_field():
    env = MechanismEnvironment.single_item({"b1": [1, 2]})
    sol = mechanism_design(env).solve()
    with pytest.raises(InputError, match=r"^what: 'allocations' is not an interim output .* one of \['allocation', "):
        sol.interim("allocations")
    with pytest.raises(InputError, match=r"^what: must be one of"):
        interim(env, np.ones((2, 2)) / 2, what="surplus")
    with pytest.raises(InputError, match=r"^payment: required for the interim utility"):
        interim(env, np.ones((2, 2)) / 2, what="utility")
    with pytest.raises(InputError, match=r"^allocation: has shape \(3, 2\)"):
        interim(env, np.ones((3, 2)), what="allocation")
    with pytest.raises(InputError, match=r"^env: expected a MechanismEnvironment"):
        interim("env", np.ones((2, 2)))
    other = mechanism_design(env).solve()
    assert other.interim("payment").equals(sol.interim("payment"))
    from optmarkets.games import FiniteGame, correlated_equilibrium

    ce = correlated_equilibrium(FiniteGame.symmetric([[1, 0], [0, 1]])).solve()
    with pytest.raises(InputError, match=r"registers no interim outputs"):
        ce.interim("allocation")

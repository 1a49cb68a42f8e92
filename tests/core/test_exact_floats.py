"""The floats of rationals (`core.exact_values.floats`): a read-only array that owns its data is rounded once and
its floats kept while it lives; any other array is rounded each time (a change shows). Rationals known by their
floats and built when exact() reads them (`Rationals`: an environment's prior and beliefs, gathered into the BIC
and IR rows' weights) are exact data: their Parameter must be the correct rounding of its rationals, or exact()
would read it from the floats alone, and a solve must not build them."""

from __future__ import annotations

import gc
import pickle
import time
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction

import cvxpy as cp
import numpy as np
import pytest

import optmarkets as om
from optmarkets.app.sweep import _cloudpickle
from optmarkets.core import exact_values
from optmarkets.core.exact_values import exact_parameter, floats, frozen, shadows


def _thirds(n: int) -> np.ndarray:
    out = np.empty(n, dtype=object)
    out[:] = [Fraction(k, 3) for k in range(n)]
    return out


def test_a_frozen_array_is_rounded_once_and_forgotten_when_it_dies(monkeypatch):
    calls = []
    rounded = exact_values._rounded
    monkeypatch.setattr(exact_values, "_rounded", lambda a: calls.append(1) or rounded(a))
    exact = frozen(_thirds(5))
    assert not exact.flags.writeable
    first, second = floats(exact), floats(exact)
    assert len(calls) == 1 and np.array_equal(first, [k / 3 for k in range(5)]) and np.array_equal(first, second)
    first[0] = 99.0  # the caller's copy: the kept floats do not change
    assert floats(exact)[0] == 0.0
    key = id(exact)
    del exact
    gc.collect()
    assert key not in exact_values._FLOATS


def test_a_writable_array_or_a_view_is_rounded_each_time():
    exact = _thirds(4)
    assert floats(exact)[1] == 1 / 3
    exact[1] = Fraction(1, 7)  # writable: the change shows
    assert floats(exact)[1] == 1 / 7
    base = _thirds(4)
    view = base[:2]
    view.flags.writeable = False  # read-only, but its base can still change
    assert floats(view)[1] == 1 / 3
    base[1] = Fraction(2, 7)
    assert floats(view)[1] == 2 / 7
    assert frozen(view).base is None  # frozen copies a view


def test_rationals_are_built_once_when_exact_reads_them_and_gather_like_arrays():
    builds = []
    thirds = exact_values.Rationals(np.array([k / 3 for k in range(6)]).reshape(2, 3),
                                    lambda: builds.append(1) or _thirds(6).reshape(2, 3))
    picked = thirds[np.array([1, 0, 1]), np.array([2, 1, 0])]  # entries 5, 1, 3
    joined = exact_values.Rationals.concatenate([picked, thirds.ravel()[:2]])
    param = exact_parameter(joined)
    assert np.array_equal(param.value, [5 / 3, 1 / 3, 1.0, 0.0, 1 / 3]) and builds == []
    problem = cp.Problem(cp.Minimize(cp.sum(param)))
    [(held, exact)] = shadows(problem)
    assert held is param and list(exact) == [Fraction(5, 3), Fraction(1, 3), Fraction(1), Fraction(0), Fraction(1, 3)]
    shadows(problem)
    assert builds == [1]  # the base is built once, whatever reads it
    param.value = np.zeros(5)  # another value: no longer exact data
    assert shadows(problem) == []


def test_threads_reading_rationals_at_once_build_them_once():
    builds = []

    def slow() -> np.ndarray:
        builds.append(1)
        time.sleep(0.05)  # every thread arrives while the first builds
        return _thirds(4)

    lazy = exact_values.Rationals(np.array([k / 3 for k in range(4)]), slow)
    with ThreadPoolExecutor(8) as pool:
        read = list(pool.map(lambda _: lazy.exact(), range(8)))
    assert builds == [1] and all(r is read[0] for r in read) and read[0][3] == Fraction(1)


def test_an_environment_and_its_model_build_no_rational_until_exact_reads_them():
    prior = np.array([[3, 1, 2], [1, 4, 1], [2, 1, 5]], float) / 20
    env = om.MechanismEnvironment.single_item([[1, 2, 4], [1, 3, 4]], prior)
    model = om.mechanism_design(env, ic="bayesian", ir="interim")
    sol = model.solve()
    lazy = [env.prior_rationals, *env.beliefs_rationals.values()]
    assert all(r._exact is None for r in lazy)
    assert sol.exact().verified
    assert all(r._exact is not None for r in lazy)
    first_belief = env.beliefs_exact[env.agents[0]][0, 0]  # P(the other's first type | the first type) = 3 / 6
    assert exact_values.as_fraction(env.prior_exact[0, 0]) == Fraction(3, 20)
    assert exact_values.as_fraction(first_belief) == Fraction(1, 2)


def test_the_bic_weights_are_exact_data_and_exact_agrees():
    """A correlated 2 x 3 prior: the IC rows' weights (gathered beliefs, given their gathered floats) are among
    the problem's exact parameters, and exact() confirms the float optimum."""
    prior = np.array([[3, 1, 2], [1, 4, 1], [2, 1, 5]], float) / 20
    env = om.MechanismEnvironment.single_item([[1, 2, 4], [1, 3, 4]], prior)
    model = om.mechanism_design(env, ic="bayesian", ir="interim")
    sizes = sorted(int(p.size) for p, _ in shadows(model.problem))
    n_terms = 2 * (3 * 2) * 3  # agents x (type, report) pairs x the other's types (all of positive belief)
    # the IC weights, the interim IR weights (agents x types x the other's types), the objective's prior
    assert sizes == [9, 2 * 3 * 3, n_terms]
    sol = model.solve()
    exact = sol.exact()
    assert abs(float(exact.value) - sol.value) <= 1e-9 * max(1.0, abs(sol.value))
    assert exact.stats.get("exact_parameters") == 1


def test_a_joint_priors_beliefs_are_their_rationals_correctly_rounded():
    """An environment computes a joint prior's floats (n / total) and its beliefs' (n / marginal) on Python's
    integers and keeps them as the frozen rationals' floats: they must be the rationals' own rounding, bit for bit,
    with NaN on a type of marginal 0, for random priors read both ways (short rationals, floats' binary values)."""
    rng = np.random.default_rng(7)
    priors = [rng.dirichlet(np.ones(64)).reshape(4, 4, 4)] + [rng.dirichlet(np.ones(60)).reshape(3, 4, 5)
                                                              for _ in range(3)]
    for prior in (*priors, rng.integers(0, 7, (3, 5)) / 7.0):
        prior[0] = 0.0  # agent 1's first type has marginal 0: its beliefs are undefined
        prior /= prior.sum()
        env = om.MechanismEnvironment.single_item([list(range(1, k + 1)) for k in prior.shape], prior)
        assert np.array_equal(env.prior, exact_values._rounded(env.prior_exact))
        for agent in env.agents:
            own = exact_values._rounded(env.beliefs_exact[agent])
            assert np.array_equal(env.beliefs[agent], own, equal_nan=True)
        assert np.isnan(env.beliefs[env.agents[0]][0]).all()


def test_an_independent_priors_product_and_beliefs_are_their_rationals_correctly_rounded():
    """Independent marginals (one with a type of mass 0, whose beliefs are still the others' product): the joint's
    floats and every belief's are the rationals' own rounding, bit for bit, and the rationals are the products
    of the marginals read exactly (0.1 is 1/10)."""
    marginals = {"b1": [0.1, 0.0, 0.9], "b2": [0.3, 0.3, 0.4], "b3": [1 / 3, 2 / 3]}
    env = om.MechanismEnvironment.single_item([[1, 2, 3], [1, 2, 3], [1, 2]], marginals)
    assert np.array_equal(env.prior, exact_values._rounded(env.prior_exact))
    assert exact_values.as_fraction(env.prior_exact[2, 1, 1]) == Fraction(9, 10) * Fraction(3, 10) * Fraction(2, 3)
    for agent in env.agents:
        own = exact_values._rounded(env.beliefs_exact[agent])
        assert np.array_equal(env.beliefs[agent], own) and not np.isnan(own).any()
    # b1's type of mass 0 believes what its other types believe: b2 x b3's product
    assert (env.beliefs_exact["b1"][1] == env.beliefs_exact["b1"][0]).all()
    assert exact_values.as_fraction(env.beliefs_exact["b1"][1, 5]) == Fraction(4, 10) * Fraction(2, 3)


def test_an_environment_and_its_model_pickle_with_their_rationals():
    """A process sweep pickles its factory with the environment it closes over: the lazy rationals travel built."""
    prior = np.array([[3, 1, 2], [1, 4, 1], [2, 1, 5]], float) / 20
    env = om.MechanismEnvironment.single_item([[1, 2, 4], [1, 3, 4]], prior)
    model = om.mechanism_design(env, ic="bayesian", ir="interim")
    back = pickle.loads(pickle.dumps(env))
    assert np.array_equal(back.prior, env.prior) and list(back.prior_exact.ravel()) == list(env.prior_exact.ravel())
    assert exact_values.as_fraction(back.beliefs_exact[env.agents[1]][2, 2]) == Fraction(5, 8)
    again = _cloudpickle().loads(_cloudpickle().dumps(model))
    assert again.solve().value == pytest.approx(model.solve().value, rel=1e-12)


def test_a_parameter_changed_in_place_is_read_from_its_floats_and_the_environment_keeps_its_own():
    """cvxpy keeps the array a Parameter is given: the prior's Parameter gets a copy, so a value changed in place
    leaves the environment's floats alone, and exact() no longer takes that Parameter's rationals."""
    prior = np.array([[3, 1, 2], [1, 4, 1], [2, 1, 5]], float) / 20
    env = om.MechanismEnvironment.single_item([[1, 2, 4], [1, 3, 4]], prior)
    model = om.mechanism_design(env, ic="bayesian", ir="interim")
    [q] = [p for p, exact in shadows(model.problem) if p.size == 9]
    q.value[0] = 0.2  # in place
    assert env.prior_rationals.floats[0, 0] == 0.15 and env.prior[0, 0] == 0.15
    assert all(p is not q for p, _ in shadows(model.problem))

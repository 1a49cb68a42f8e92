"""The outside option is a Parameter of the mechanism model: sweeps re-solve one compiled problem."""

import numpy as np
import pytest

from optmarkets.core.errors import InputError
from optmarkets.mechanisms import MechanismEnvironment, audit, mechanism_design


def correlated_env():
    joint = np.array([[0.3, 0.15, 0.05], [0.1, 0.1, 0.1], [0.05, 0.05, 0.1]])
    return MechanismEnvironment.single_item({"a": [1, 3, 4], "b": [2, 3, 5]}, joint)


@pytest.mark.parametrize(("ic", "ir"), [("bayesian", "interim"), ("dominant", "ex_post"), ("bayesian", "ex_ante")])
def test_outside_option_sweep_compiles_once(ic, ir):
    env = correlated_env()
    m = mechanism_design(env, ic=ic, ir=ir)
    base = m.solve().value
    grid = [0.1, 0.25, {"a": [0.0, 0.2, 0.5], "b": 0.3}, {"b": {3: 0.4}}]
    for v in grid:
        bound = m.bind(outside_option=v)
        sol = bound.solve()
        fresh = mechanism_design(env, ic=ic, ir=ir, outside_option=v).solve()
        assert sol.value == pytest.approx(fresh.value, abs=1e-7)
        assert audit(bound, sol).ok  # audits against the bound copy's outside option
        if not isinstance(v, dict):
            # payments are free in sign: every mechanism shifts by -v per agent, revenue by -2v
            assert sol.value == pytest.approx(base - 2 * v, abs=1e-7)
    m.set(outside_option=0.05)
    assert m.solve().value == pytest.approx(base - 0.1, abs=1e-7)
    assert m.compilations == 1


def test_outside_option_parameter_labels_and_bad_input():
    env = correlated_env()
    m = mechanism_design(env, outside_option={"a": [0.1, 0.2, 0.3]})
    np.testing.assert_allclose(m.value_of("outside_option"), [0.1, 0.2, 0.3, 0, 0, 0])
    assert list(m.parameters["outside_option"].index) == [("a", 1), ("a", 3), ("a", 4), ("b", 2), ("b", 3), ("b", 5)]
    # a stacked vector (as value_of returns it) is taken as it is
    same = m.bind(outside_option=m.value_of("outside_option"))
    assert same.solve().value == pytest.approx(m.solve().value, abs=1e-9)
    with pytest.raises(InputError, match="outside_option: unknown agent 'zz'"):
        m.bind(outside_option={"zz": 1.0})
    with pytest.raises(InputError, match=r"outside_option\['b'\]: unknown type 7"):
        m.bind(outside_option={"b": {7: 1.0}})
    # full-rank beliefs (Crémer–McLean): full extraction net of the outside options, so the IR price
    # d value / d outside option of a type is minus its probability
    sol = m.solve()
    best = float(np.sum(env.prior * np.maximum.outer([1, 3, 4], [2, 3, 5])))
    assert sol.value == pytest.approx(best - env.marginals["a"] @ [0.1, 0.2, 0.3], abs=1e-7)
    np.testing.assert_allclose(sol.prices["ir"].loc["b"].to_numpy(), -env.marginals["b"], atol=1e-7)
    np.testing.assert_allclose(sol.prices["ir"].loc["a"].to_numpy(), -env.marginals["a"], atol=1e-7)

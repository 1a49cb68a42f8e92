"""Bad input to MechanismEnvironment, mechanism_design and audit: InputError naming the field."""

import numpy as np
import pandas as pd
import pytest

from optmarkets.core.errors import InputError
from optmarkets.mechanisms import MechanismEnvironment, audit, mechanism_design

AGENTS = {"b1": [1, 2], "b2": [1, 2]}
OUT = ["none", "b1", "b2"]
V = {"b1": np.array([[0, 1, 0], [0, 2, 0]]), "b2": np.array([[0, 0, 1], [0, 0, 2]])}
UNIFORM = {"b1": [0.5, 0.5], "b2": [0.5, 0.5]}


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(prior=np.full((2, 2), 0.3)), "prior: sums to"),
    (dict(prior=np.full((2, 3), 1 / 6)), r"prior: has shape \(2, 3\)"),
    (dict(prior=np.array([[0.5, 0.6], [0.0, -0.1]])), "prior: has a negative"),
    (dict(prior={"b1": [0.5, 0.5], "b3": [1.0]}), "prior: unknown agent 'b3'"),
    (dict(prior={"b1": [0.5, 0.5]}), "prior: no marginal for agent 'b2'"),
    (dict(prior={"b1": {1: 0.5, 7: 0.5}, "b2": [0.5, 0.5]}), r"prior\['b1'\]: unknown type 7"),
    (dict(prior={"b1": [0.5, 0.6], "b2": [0.5, 0.5]}), r"prior\['b1'\]: probabilities sum"),
    (dict(values={**V, "b9": V["b1"]}), "values: unknown agent 'b9'"),
    (dict(values={"b1": V["b1"]}), "values: missing for agent 'b2'"),
    (dict(values={**V, "b1": np.zeros((3, 3))}), r"values\['b1'\]: has shape \(3, 3\)"),
    (dict(values={**V, "b1": pd.DataFrame(V["b1"], index=[1, 2], columns=["none", "b1", "x"])}),
     r"values\['b1'\]: unknown outcome 'x'"),
    (dict(values={**V, "b1": pd.DataFrame(V["b1"], index=[1, 5], columns=OUT)}), r"values\['b1'\]: unknown type 5"),
    (dict(values={**V, "b1": np.array([[0, np.nan, 0], [0, 2, 0]])}), "NaN"),
    (dict(outcomes=["none", "none", "b2"]), "outcomes: duplicate label 'none'"),
    (dict(agents={"b1": [], "b2": [1, 2]}), r"agents\['b1'\]: must not be empty"),
])
def test_environment_bad_input(kwargs, match):
    args = dict(agents=AGENTS, outcomes=OUT, prior=UNIFORM, values=V) | kwargs
    with pytest.raises(InputError, match=match):
        MechanismEnvironment(**args)


def test_labelled_inputs_accepted():
    prior = {"b1": pd.Series({2: 0.5, 1: 0.5}), "b2": {1: 0.25, 2: 0.75}}
    env = MechanismEnvironment(AGENTS, OUT, prior, {**V, "b1": pd.DataFrame(V["b1"], index=[1, 2], columns=OUT)})
    np.testing.assert_allclose(env.marginals["b2"], [0.25, 0.75])
    assert env.independent and env.private == {"b1": True, "b2": True}


def test_design_and_audit_bad_input():
    env = MechanismEnvironment(AGENTS, OUT, UNIFORM, V)
    with pytest.raises(InputError, match="ic: must be one of"):
        mechanism_design(env, ic="bic")
    with pytest.raises(InputError, match="ir: must be one of"):
        mechanism_design(env, ir="always")
    with pytest.raises(InputError, match="budget: must be one of"):
        mechanism_design(env, budget="tight")
    with pytest.raises(InputError, match="objective: must be"):
        mechanism_design(env, "profit")
    with pytest.raises(InputError, match=r"objective: an array must have shape"):
        mechanism_design(env, np.zeros((3, 3)))
    with pytest.raises(InputError, match="outside_option: unknown agent 'zz'"):
        mechanism_design(env, outside_option={"zz": 1.0})
    with pytest.raises(InputError, match=r"outside_option\['b1'\]: unknown type 9"):
        mechanism_design(env, outside_option={"b1": {9: 1.0}})
    with pytest.raises(InputError, match="env: expected a MechanismEnvironment"):
        mechanism_design({"b1": 1})
    with pytest.raises(InputError, match=r"allocation: has shape \(3, 3\)"):
        audit(env, np.zeros((3, 3)), np.zeros((4, 2)))
    x = pd.DataFrame(np.eye(4, 3), index=env.profiles, columns=["none", "b1", "zz"])
    with pytest.raises(InputError, match="allocation: unknown label 'zz'"):
        audit(env, x, np.zeros((4, 2)))
    with pytest.raises(InputError, match="type: unknown type 3"):
        env.type_index("b1", 3)
    with pytest.raises(InputError, match="agent: unknown agent 'b7'"):
        env.agent_index("b7")

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


# ---------------------------------------------------------------- issue 23: tol, ic_margin, labels, complex
def _bad_mechanism(env):
    """Nobody gets the item and everyone pays 5: budget-fine, IC, but IR fails by 5 for every type."""
    x = np.zeros((env.n_profiles, 3))
    x[:, 0] = 1.0
    return x, np.full((env.n_profiles, 2), 5.0)


@pytest.mark.parametrize("tol", [np.nan, np.inf, -1, 0.0, "x", True, [1e-7]])
def test_audit_refuses_a_tol_that_is_not_a_finite_positive_number(tol):
    env = MechanismEnvironment(AGENTS, OUT, UNIFORM, V)
    assert not audit(env, *_bad_mechanism(env)).ok  # the reproducer: NaN or inf passed this mechanism
    with pytest.raises(InputError, match=r"^tol: must be a finite positive number, got "):
        audit(env, *_bad_mechanism(env), tol=tol)


@pytest.mark.parametrize(("margin", "match"), [
    ("x", r"^ic_margin: expected a number or one number per IC row"),
    ([1, 2, 3], r"^ic_margin: has 3 values, expected a number or one per IC row \(4 rows for ic='bayesian'\)$"),
    (np.nan, r"^ic_margin: must be finite, got nan$"),
    (1 + 2j, r"^ic_margin: has complex entries"),
    (np.ones((2, 2)), r"^ic_margin: expected a number or a 1-D sequence"),
])
def test_mechanism_design_refuses_a_bad_ic_margin(margin, match):
    env = MechanismEnvironment(AGENTS, OUT, UNIFORM, V)
    with pytest.raises(InputError, match=match):
        mechanism_design(env, ic_margin=margin)


def test_ic_margin_per_row_is_used_row_by_row():
    env = MechanismEnvironment(AGENTS, OUT, UNIFORM, V)
    m = mechanism_design(env, ic_margin=[0.0, 0.1, 0.0, 0.2])
    np.testing.assert_array_equal(m.families["ic"].rhs.value, [0.0, 0.1, 0.0, 0.2])
    assert mechanism_design(env, ic_margin=0.25).families["ic"].rhs.value.tolist() == [0.25] * 4


P_JOINT = np.array([[0.1, 0.2], [0.3, 0.4]])  # P[b1's type, b2's type]


def test_series_prior_is_read_by_level_name_not_position():
    # levels named (b2, b1): the prior of (b1=1, b2=2) is 0.2, not 0.3 (the transposed read)
    s = pd.Series(P_JOINT.T.ravel(), index=pd.MultiIndex.from_product([[1, 2], [1, 2]], names=["b2", "b1"]))
    env = MechanismEnvironment(AGENTS, OUT, s, V)
    np.testing.assert_array_equal(env.prior, P_JOINT)
    # unnamed levels are read in agent order
    unnamed = pd.Series(P_JOINT.ravel(), index=pd.MultiIndex.from_product([[1, 2], [1, 2]]))
    np.testing.assert_array_equal(MechanismEnvironment(AGENTS, OUT, unnamed, V).prior, P_JOINT)


@pytest.mark.parametrize(("names", "match"), [
    (["b2", "bb"], r"^prior: level names \['bb'\] name no level \(expected names \['b1', 'b2'\]\)$"),
    (["b2", None], r"^prior: only some axes are named \(\['b2', None\]\)"),
    (["b1", "b1"], r"^prior: has axes \['b1', 'b1'\], expected each of \['b1', 'b2'\] once$"),
])
def test_series_prior_with_wrong_level_names_is_refused(names, match):
    s = pd.Series(P_JOINT.ravel(), index=pd.MultiIndex.from_product([[1, 2], [1, 2]], names=names))
    with pytest.raises(InputError, match=match):
        MechanismEnvironment(AGENTS, OUT, s, V)


def test_audit_reads_a_labelled_mechanism_by_level_name():
    env = MechanismEnvironment(AGENTS, OUT, UNIFORM, V)
    sol = mechanism_design(env).solve()
    x, t = sol["allocation"], sol["payment"]
    swapped = [x.reorder_levels(["b2", "b1"]).sort_index(), t.reorder_levels(["b2", "b1"]).sort_index()]
    assert audit(env, *swapped).ok and audit(env, x, t).ok
    bad = x.rename_axis(["b2", "bx"])
    with pytest.raises(InputError, match=r"^allocation \(rows\): level names \['bx'\] name no level"):
        audit(env, bad, t)


@pytest.mark.parametrize(("kwargs", "match"), [
    (dict(prior=P_JOINT + 0j), r"^prior: has complex entries; only real numbers are accepted$"),
    (dict(prior={"b1": np.array([0.5, 0.5 + 1j]), "b2": [0.5, 0.5]}), r"^prior\['b1'\]: has complex entries"),
    (dict(values={**V, "b1": V["b1"] + 1j}), r"^values\['b1'\]: has complex entries"),
    (dict(values={**V, "b1": pd.DataFrame(V["b1"] + 0j, index=[1, 2], columns=OUT)}),
     r"^values\['b1'\]: has complex entries"),
    (dict(agents={"b1": "12", "b2": [1, 2]}),
     r"^agents\['b1'\]: expected a list of labels, got the string '12' \(write \['12'\] for a single label\)$"),
    (dict(outcomes="nab"), r"^outcomes: expected a list of labels, got the string 'nab'"),
])
def test_environment_refuses_complex_numbers_and_bare_strings(kwargs, match):
    args = dict(agents=AGENTS, outcomes=OUT, prior=UNIFORM, values=V) | kwargs
    with pytest.raises(InputError, match=match):
        MechanismEnvironment(**args)


def test_design_and_audit_refuse_complex_numbers():
    env = MechanismEnvironment(AGENTS, OUT, UNIFORM, V)
    with pytest.raises(InputError, match=r"^objective: has complex entries"):
        mechanism_design(env, np.ones((4, 3)) * 1j)
    with pytest.raises(InputError, match=r"^outside_option\['b1'\]: has complex entries"):
        mechanism_design(env, outside_option={"b1": [0.0, 1j]})
    x, t = _bad_mechanism(env)
    with pytest.raises(InputError, match=r"^payment: has complex entries"):
        audit(env, x, t + 1j)

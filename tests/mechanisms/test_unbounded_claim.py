"""HiGHS called a bounded mechanism LP unbounded (values 1e10 apart: revenue under interim IR is at most the
welfare) with and without presolve. An 'unbounded' verdict now stands only with a ray that proves it; otherwise
the geometric retry solves the LP, audited here by brute force."""

import cvxpy as cp
import numpy as np
import pytest

import optmarkets as om

PRIOR = np.array([[0.08821251546424437, 0.1284211230141028, 0.08145401033832686],
                  [0.1327047433010705, 0.08447186389294137, 0.0945755836671898],
                  [0.1883846072820505, 0.06363645112440049, 0.13813910191567322]])


def test_a_bounded_mechanism_lp_is_not_called_unbounded():
    env = om.MechanismEnvironment.single_item({"b1": [2.125, 2.5, 3.25], "b2": [2.25e10, 3e10, 3.625e10]}, prior=PRIOR)
    model = om.mechanism_design(env, "revenue", ic="bayesian", ir="interim", budget="no_subsidies")
    sol = model.solve()
    assert sol.certificate.ok()
    assert any("no ray proves it" in note for note in sol.certificate.notes)
    welfare = om.mechanism_design(env, "welfare", ic="bayesian", ir="interim", budget="no_subsidies").solve()
    assert 0.0 < sol.value <= welfare.value * (1 + 1e-9)  # interim IR: revenue <= welfare
    assert om.audit_mechanism(model, sol).ok  # IC and IR by brute force, each agent at its own scale


def test_an_unbounded_lp_keeps_its_proof():
    m = om.Model("unbounded")
    x = m.variable("x", 2, nonneg=True)
    m.constrain("row", om.builders.family(x[0] - x[1], "<=", 1.0))
    m.maximize(cp.sum(x))
    with pytest.raises(om.UnboundedError) as err:
        m.solve()
    assert err.value.ray().verified

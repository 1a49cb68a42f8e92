"""Labels made on first read (`core.family.LabelledValues`) and lazy derived outputs."""

from __future__ import annotations

import pickle

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import optmarkets as om
from optmarkets.app.sweep import _flat_price, _Spec, flatten
from optmarkets.builders import family
from optmarkets.core.family import LabelledValues, labelled


def test_a_deferred_value_reads_as_the_labelled_one_and_raw_skips_pandas():
    rows, cols = pd.Index(["a", "b"], name="r"), pd.Index([1, 2, 3], name="c")
    values = LabelledValues()
    values.defer("m", np.arange(6.0).reshape(2, 3), (rows, cols))
    values.defer("v", np.array([1.5, -2.0]), rows)
    values.defer("s", np.array(4.0), None)
    arr, index = values.raw("m")
    assert index == (rows, cols) and arr.shape == (2, 3)
    pd.testing.assert_frame_equal(values["m"], labelled(np.arange(6.0).reshape(2, 3), (rows, cols)))
    pd.testing.assert_series_equal(values["v"], pd.Series([1.5, -2.0], index=rows))
    assert values["s"] == 4.0 and list(values) == ["m", "v", "s"] and len(values) == 3
    np.testing.assert_array_equal(values.raw("m")[0], np.arange(6.0).reshape(2, 3))  # raw after labelling


def test_pickling_computes_what_is_pending_and_keeps_order():
    values = LabelledValues()
    values.defer("v", np.array([1.0, 2.0]), pd.Index(["x", "y"]))
    values.defer_call("twice", lambda: 2 * values["v"])  # a lambda does not pickle: it is computed first
    back = pickle.loads(pickle.dumps(values))
    assert list(back) == ["v", "twice"]
    pd.testing.assert_series_equal(back["twice"], pd.Series([2.0, 4.0], index=pd.Index(["x", "y"])))
    assert back.keys() == values.keys()


def _counting_model(calls: list) -> om.Model:
    m = om.Model("lazy", sense="max")
    x = m.variable("x", 2, nonneg=True, index=pd.Index(["a", "b"], name="good"))
    cap = m.parameter("cap", 1.0)
    m.constrain("budget", family(cp.sum(x), "<=", cap))
    m.maximize(x[0] * 2.0 + x[1])

    def doubled(sol):
        calls.append(1)
        return 2 * sol["x"]

    m.output("doubled", doubled, lazy=True)
    m.output("eager_total", lambda sol: float(sol["x"].sum()))
    return m


def test_a_lazy_output_runs_when_read_and_reads_its_own_solution_after_later_solves():
    calls: list = []
    model = _counting_model(calls)
    first = model.solve()
    assert calls == []  # not computed by the solve
    second = model.bind(cap=3.0).solve()  # the shared cvxpy variables now hold the second point
    assert first["doubled"]["a"] == pytest.approx(2.0) and second["doubled"]["a"] == pytest.approx(6.0)
    assert first["eager_total"] == pytest.approx(1.0) and second["eager_total"] == pytest.approx(3.0)
    assert len(calls) == 2
    first["doubled"]
    assert len(calls) == 2  # computed once
    assert "doubled" in first.keys()


def test_a_lazy_output_that_fails_raises_where_it_is_read():
    m = om.Model("fails", sense="max")
    x = m.variable("x", 1, nonneg=True)
    m.constrain("cap", family(x, "<=", 1.0))
    m.maximize(cp.sum(x))
    m.output("broken", lambda sol: 1 / 0, lazy=True)
    sol = m.solve()
    assert sol.value == pytest.approx(1.0)
    with pytest.raises(ZeroDivisionError):
        sol["broken"]


def test_the_glp_mechanism_output_is_lazy_and_equals_chi_over_q():
    econ = om.PersonalDataEconomy([1, 2, 3], [0.2, 0.3, 0.5], [0, 0, 0], gamma_u=1.0, gamma_pi=0.3)
    q = np.array([0.1, 0.3, 0.25])
    first = econ.platform_problem(q).solve()
    econ.platform_problem(q / 2).solve()  # overwrites the shared variables
    chi = first["chi"].to_numpy()
    np.testing.assert_allclose(first["x"].to_numpy(), chi / q[None, :], rtol=1e-12)
    np.testing.assert_allclose(first["x"].to_numpy().sum(axis=0), 1.0, rtol=1e-9)


def test_the_sweep_flattens_raw_prices_into_the_columns_flatten_makes():
    econ = om.PersonalDataEconomy([1, 2, 3], [0.2, 0.3, 0.5], [0, 0, 0], gamma_u=1.0, gamma_pi=0.3)
    sol = econ.platform_problem([0.1, 0.3, 0.25]).solve()
    spec = _Spec(None, {}, None, ["consistency", "obedience"], False, False, None, {})
    for name in ("consistency", "obedience"):
        fast = _flat_price(spec, name, sol.prices)
        assert fast == flatten(f"price:{name}", sol.prices[name])
        assert _flat_price(spec, name, sol.prices) == fast  # the cached column names


def test_a_misspelt_price_family_is_a_keyerror_naming_the_families():
    econ = om.PersonalDataEconomy(values=[1, 2], mass=[0.5, 0.5], outside_option=[0, 0])
    sol = econ.platform_problem([0.2, 0.3]).solve()
    with pytest.raises(KeyError, match=r"'consistancy' is not one of \['consistency', 'obedience'\]"):
        sol.prices["consistancy"]
    assert sol.prices.get("consistancy") is None and "consistency" in sol.prices

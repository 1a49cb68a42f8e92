"""env.value_table(agent): an agent's values labelled by type profile (rows) and outcome (columns), the same
numbers as the bare array env.value[agent] (issue 28, item 2)."""

import numpy as np
import pandas as pd
import pytest

import optmarkets as om
from optmarkets.core.errors import InputError


@pytest.fixture
def env():
    # a's values are interdependent: V_a[ta, tb, o] = 10 * ta + tb + 100 * o (positions), so the entry at
    # profile (a="hi", b=2) and outcome "y" is 10 * 1 + 2 + 100 * 1 = 112
    ta, tb, o = np.meshgrid(np.arange(2), np.arange(3), np.arange(2), indexing="ij")
    V_a = 10 * ta + tb + 100 * o
    # b's are private, given by label with the outcome columns in the other order
    V_b = pd.DataFrame({"y": [5.0, 6.0, 7.0], "x": [-1.0, -2.0, -3.0]}, index=[0, 1, 2])
    return om.MechanismEnvironment(agents={"a": ["lo", "hi"], "b": [0, 1, 2]}, outcomes=["x", "y"],
                                   prior={"a": [0.5, 0.5], "b": [0.2, 0.3, 0.5]}, values={"a": V_a, "b": V_b})


def test_entries_by_label(env):
    table = env.value_table("a")
    assert table.loc[("hi", 2), "y"] == 112.0
    assert table.loc[("lo", 1), "x"] == 1.0
    assert list(table.index.names) == ["a", "b"] and list(table.columns) == ["x", "y"]
    assert table.shape == (6, 2)
    b = env.value_table("b")
    # private values repeat along a's types; labels, not positions, placed the columns
    assert b.loc[("lo", 2), "y"] == b.loc[("hi", 2), "y"] == 7.0
    assert b.loc[("hi", 1), "x"] == -2.0


def test_same_numbers_as_the_array_and_a_copy(env):
    for agent in ("a", "b"):
        table = env.value_table(agent)
        assert table.index.equals(env.profiles) and table.columns.equals(env.outcomes)
        np.testing.assert_array_equal(table.to_numpy(), env.value[agent])
    table = env.value_table("a")
    table.iloc[0, 0] = -999.0
    assert env.value["a"][0, 0] == 0.0  # the environment's array is untouched


def test_unknown_agent():
    env = om.MechanismEnvironment.single_item({"b1": [1, 2], "b2": [1, 2]})
    assert env.value_table("b2").loc[(1, 2), "b2"] == 2.0 and env.value_table("b2").loc[(2, 1), "b1"] == 0.0
    with pytest.raises(InputError, match="agent: unknown agent 'b3'"):
        env.value_table("b3")

"""The row labels of the ex-post and dominant IC families and of ex-post IR, built from arrays when first read
(`builders.incentives._row_labels`), are the rows' tuples written out here from their definition: (agent, type,
report, others[, others_true]) and (type of each agent..., agent), with type labels of any kind (numbers, strings),
one other agent (a label) or several (a tuple), and interdependent values (the wide dominant rows)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

import optmarkets as om
from optmarkets.core.validate import LazyLabels, resolved


def environments():
    rng = np.random.default_rng(11)
    yield om.MechanismEnvironment.single_item([[1, 2, 3]] * 2)
    yield om.MechanismEnvironment.single_item({"x": [0.5, 1.5], "y": [1.0, 2.0, 3.0], "z": [2.5, 4.0]})
    agents = {"x": [0, 1, 2], "y": ["p", "q"], "z": [0, 1]}
    values = {a: rng.random((3, 2, 2, 3)) for a in agents}  # interdependent: the dominant rows are wide
    yield om.MechanismEnvironment(agents, ["o1", "o2", "o3"], rng.dirichlet(np.ones(12)).reshape(3, 2, 2), values)


def expected_ic(env, wide: bool) -> pd.MultiIndex:
    rows = []
    for agent in env.agents:
        types = list(env.types[agent])
        rest = [list(env.types[a]) for a in env.agents if a != agent]
        others = [c[0] if len(rest) == 1 else c for c in itertools.product(*rest)]
        for a, b in itertools.permutations(range(len(types)), 2):
            if wide:
                rows += [(agent, types[a], types[b], r, s) for r in others for s in others]
            else:
                rows += [(agent, types[a], types[b], s) for s in others]
    names = ["agent", "type", "report", "others"] + (["others_true"] if wide else [])
    return pd.MultiIndex.from_tuples(rows, names=names)


@pytest.mark.parametrize("k", range(3))
@pytest.mark.parametrize("ic", ["ex_post", "dominant"])
def test_ic_and_ir_row_labels_are_the_rows_tuples(k, ic):
    env = list(environments())[k]
    model = om.mechanism_design(env, ic=ic, ir="ex_post")
    labels = model.families["ic"].labels
    assert isinstance(labels, LazyLabels) and len(labels) == model.families["ic"].shape[0]
    wide = ic == "dominant" and k == 2
    got, want = resolved(labels), expected_ic(env, wide)
    assert got.equals(want) and list(got.names) == list(want.names) and list(got) == list(want)
    profiles = [tuple(p) for p in itertools.product(*(list(env.types[a]) for a in env.agents))]
    want_ir = pd.MultiIndex.from_tuples([(*p, a) for p in profiles for a in env.agents], names=[*env.agents, "agent"])
    got_ir = resolved(model.families["ir"].labels)
    assert got_ir.equals(want_ir) and list(got_ir) == list(want_ir)
    sol = model.solve()
    assert sol.prices["ic"].index.equals(want)  # the prices read by these labels

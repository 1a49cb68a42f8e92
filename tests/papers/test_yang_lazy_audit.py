"""Yang's compact LP with lazy rows (`papers.yang.lazy`) where a lazy family has no rows: one cost (no
other cost to deviate to), or every cost above every value (no price to deviate at). The lazy solve
used to stop with a bare IndexError in `deviation_start`; it must give the full LP's optimum, and its
point must satisfy every row of every family of the full LP."""

import numpy as np
import pytest

import optmarkets as om
from optmarkets.papers.yang.lazy import deviation_start

INSTANCES = {
    "one cost": dict(values=[2.0, 10.0], value_probs=[0.5, 0.5], costs=[6.0], cost_probs=[1.0]),
    "costs above every value": dict(values=[3.0, 8.0], value_probs=[0.5, 0.5], costs=[9.0, 10.0],
                                    cost_probs=[0.5, 0.5]),
}


@pytest.mark.parametrize("name", list(INSTANCES))
def test_lazy_without_deviation_rows_equals_the_full_lp(name):
    data = INSTANCES[name]
    broker = om.DataBroker(**data)
    full = broker.solve()
    lazy_model = broker.mechanism_problem(rows="lazy")
    assert lazy_model.families["deviation"].lhs.size == 0
    lazy = broker.solve(rows="lazy")  # was IndexError
    # 0: the full LP, and an independent scipy build of DB-C checked when this was written
    assert full.value == pytest.approx(0.0, abs=1e-12)
    assert lazy.value == pytest.approx(full.value, abs=1e-12)
    assert lazy.certificate.ok()
    solved = lazy_model.solve()
    assert solved.value == pytest.approx(full.value, abs=1e-12)
    scale = max(max(data["values"]), max(data["costs"]))
    for fam_name, fam in lazy_model.families.items():  # every row, at its own scale
        if fam.lhs.size == 0:
            continue
        lhs, rhs = np.asarray(fam.lhs.value, float).ravel(), np.asarray(fam.rhs.value, float).ravel()
        rhs = np.broadcast_to(rhs, lhs.shape)
        gap = {"<=": lhs - rhs, ">=": rhs - lhs, "==": np.abs(lhs - rhs)}[fam.sense]
        assert np.all(gap <= 1e-9 * np.maximum(np.abs(lhs) + np.abs(rhs), scale)), fam_name


def test_deviation_start_of_no_rows():
    import pandas as pd

    index = pd.MultiIndex.from_arrays([[], [], [], []], names=["report", "recommendation", "deviator", "price"])
    start, groups = deviation_start(index)
    assert start.shape == groups.shape == (0,)

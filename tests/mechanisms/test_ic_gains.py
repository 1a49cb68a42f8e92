"""The IC rows' gain matrices (`builders.incentives._gain_matrices`, written row by row) are the truthful report's
utility matrix minus the lying one's (`_utility_matrices` of each report, subtracted in scipy), entry for entry,
on random values with zeros (the single item's outcomes that are not the agent's)."""

from __future__ import annotations

import numpy as np
import pytest

from optmarkets.builders.incentives import _gain_matrices, _utility_matrices


@pytest.mark.parametrize("seed", range(5))
def test_gain_matrices_are_the_difference_of_the_utility_matrices(seed):
    rng = np.random.default_rng(seed)
    n, P, O, m = 3, 27, 5, 300
    values = [rng.uniform(-1, 1, (P, O)) * (rng.uniform(size=(P, O)) > 0.5) for _ in range(n)]
    agent, true, honest = rng.integers(0, n, m), rng.integers(0, P, m), rng.integers(0, P, m)
    lie = (honest + rng.integers(1, P, m)) % P  # a lie is another report
    gx, gt = _gain_matrices(values, n, agent, true, honest, lie)
    hx, ht = _utility_matrices(values, n, agent, true, honest)
    lx, lt = _utility_matrices(values, n, agent, true, lie)
    assert gx.shape == hx.shape and gt.shape == ht.shape
    assert abs(gx - (hx - lx)).max() == 0.0 and abs(gt - (ht - lt)).max() == 0.0
    assert gx.nnz == (hx - lx).nnz  # no stored zeros

"""A value function with a large constant part (W z, z <= 1, W = 1e8) beside the part that moves: slopes and
values were compared at V's scale, so the kink of the moving part (slope 1.17 -> 0.90) was merged away and
V(1) - W came out 3.9136 where linprog gives 3.8707. Slopes are now compared at the scale of their own terms."""

import numpy as np
import pytest
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.core.family import family


def _path(seed: int, W: float):
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    a = np.abs(rng.normal(size=(m, n))).round(2) + 0.1
    b0, b1 = rng.uniform(0.5, 2, m).round(2), rng.uniform(0.5, 2, m).round(2)
    c = rng.uniform(0.1, 2, n).round(2)
    model = om.Model("constant beside a path")
    p = model.parameter("p", b0)
    x = model.variable("x", n, nonneg=True)
    model.constrain("rows", family(a @ x, "<=", p))
    z = model.variable("z", 1, nonneg=True)
    model.constrain("big", family(z[0], "<=", 1.0))
    model.maximize(c @ x + W * z[0])
    return model.value_function("p", b0, b1), (a, b0, b1, c)


@pytest.mark.parametrize("seed", [7, 12, 14, 31])
def test_a_large_constant_keeps_the_kinks_of_the_part_that_moves(seed):
    small, _ = _path(seed, 1.0)
    large, (a, b0, b1, c) = _path(seed, 1e8)
    assert len(large.breakpoints) == len(small.breakpoints)
    for t in np.linspace(0.0, 1.0, 11):
        reference = linprog(-c, A_ub=a, b_ub=b0 + t * (b1 - b0), bounds=[(0, None)] * len(c), method="highs")
        assert large(t) - 1e8 == pytest.approx(-reference.fun, abs=1e-6)  # 1e8's own round-off is 1.5e-8
        assert small(t) - 1.0 == pytest.approx(-reference.fun, abs=1e-9)

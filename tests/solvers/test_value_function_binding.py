"""`ValueFunction.pieces["binding"]` and `.regimes`: a family binds where its price is nonzero in the columns it
prices (`value_function_result._binding`), not beside the largest price of any family: an objective weight of 1e8
on one column left a price of 1 on another unnamed (x0 <= 1 and x0 <= p read as one regime with x1 <= 1). Checked
against closed forms and scipy's linprog (its duals at each piece's midpoint)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.core.family import family


def _three_rows(weight: float):
    """max x0 + weight x1 over a: x0 <= 1, b: x0 <= p, c: x1 <= 1, x >= 0, p from 0 to 2: V = min(p, 1) + weight,
    with prices (a, b, c) = (0, 1, weight) for p < 1 and (1, 0, weight) for p > 1 (by hand)."""
    model = om.Model("vf")
    p = model.parameter("p", 0.0)
    x = model.variable("x", 2, nonneg=True)
    model.constrain("a", family(x[0], "<=", 1.0))
    model.constrain("b", family(x[0], "<=", p))
    model.constrain("c", family(x[1], "<=", 1.0))
    model.maximize(x[0] + weight * x[1])
    return model


@pytest.mark.parametrize("weight", [1.0, 1e8, 1e-8])
def test_a_price_of_1_beside_one_of_1e8_binds(weight):
    vf = _three_rows(weight).value_function("p", 0.0, 2.0)
    assert vf.breakpoints.tolist() == pytest.approx([0.5], abs=1e-9)
    assert vf(1.0) == pytest.approx(1.0 + weight, rel=1e-12) and vf(0.25) == pytest.approx(0.5 + weight, rel=1e-12)
    assert list(vf.pieces["binding"]) == [("b", "c"), ("a", "c")]
    assert list(vf.regimes.index) == ["b & c", "a & c"] and vf.regimes["t_high"].tolist() == pytest.approx([0.5, 1])
    for (_, piece), p in zip(vf.pieces.iterrows(), (0.5, 1.5), strict=True):
        # linprog's duals of the same LP at the piece's midpoint: d(min -V)/d b_ub, so the prices are their negatives
        lp = linprog([-1.0, -weight], A_ub=[[1, 0], [1, 0], [0, 1]], b_ub=[1.0, p, 1.0], bounds=(0, None),
                     method="highs")
        prices = -lp.ineqlin.marginals
        assert [piece[name] for name in "abc"] == pytest.approx(prices.tolist(), rel=1e-12, abs=1e-12)
        assert piece["binding"] == tuple(name for name, y in zip("abc", prices, strict=True) if y != 0)


def _random(seed: int, weight: float):
    """max c.x + weight z over a x <= p (rows r0, r1, ...), x >= 0, and z <= 1 (family "big"), p moving from b0 to
    b1: the z part is a constant weight in V, so the regimes of the r-rows are those at weight 1."""
    rng = np.random.default_rng(seed)
    n, m = int(rng.integers(2, 5)), int(rng.integers(2, 5))
    a = np.abs(rng.normal(size=(m, n))).round(2) + 0.1
    b0, b1 = rng.uniform(0.5, 2, m).round(2), rng.uniform(0.5, 2, m).round(2)
    c = rng.uniform(0.1, 2, n).round(2)
    model = om.Model("random")
    p = model.parameter("p", b0)
    x = model.variable("x", n, nonneg=True)
    z = model.variable("z", 1, nonneg=True)
    for i in range(m):
        model.constrain(f"r{i}", family(a[i] @ x, "<=", p[i]))
    model.constrain("big", family(z[0], "<=", 1.0))
    model.maximize(c @ x + weight * z[0])
    return model.value_function("p", b0, b1), (a, b0, b1, c)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_family_priced_1e8_leaves_the_others_regimes_as_at_1(seed):
    unit, (a, b0, b1, c) = _random(seed, 1.0)
    heavy, _ = _random(seed, 1e8)
    assert heavy.breakpoints == pytest.approx(unit.breakpoints, abs=1e-7)  # V holds 1e8: its round-off 1e-8
    assert list(heavy.pieces["binding"]) == list(unit.pieces["binding"])
    assert list(heavy.regimes.index) == list(unit.regimes.index)
    for _, piece in heavy.pieces.iterrows():
        t = (piece["t_low"] + piece["t_high"]) / 2
        lp = linprog(-c, A_ub=a, b_ub=b0 + t * (b1 - b0), bounds=(0, None), method="highs")
        rows = tuple(f"r{i}" for i, y in enumerate(lp.ineqlin.marginals) if abs(y) > 1e-9)
        assert piece["binding"] == (*rows, "big")  # linprog's binding rows (a generic midpoint: unique duals)


def test_round_off_on_a_column_that_costs_nothing_does_not_bind():
    # max c(t).x over x >= 0, balance: x0 + x3 + x5 == 2, box: sum x <= 6, rows: G x <= b, c from c0 to c1. On
    # [1/3, 1] the box row is priced 1e-16 by the dual solve, and at t = 2/3 x4's cost is 0 with its other row (r1)
    # also at round-off: that column's dual equation is all round-off. linprog prices box 0 there.
    G = np.array([[0, 0, 2, 1, 0, 2], [2, -1, 2, -1, 1, 2], [0, 1, 0, 2, 0, 1], [0, -1, 1, -1, 0, -1]], float)
    e, b = np.array([[1.0, 0, 0, 1, 0, 1]]), np.array([1.0, 2.0, 3.0, -2.0])
    c0, c1 = np.array([2.0, 0, 2, 1, 2, 2]), np.array([-2.0, 2, 2, 1, -1, 0])
    model = om.Model("zero-cost column")
    c = model.parameter("c", c0)
    x = model.variable("x", 6, nonneg=True)
    model.constrain("balance", family(e @ x, "==", [2.0]))
    model.constrain("box", family(np.ones((1, 6)) @ x, "<=", [6.0]))
    model.constrain("rows", family(G @ x, "<=", b))
    model.maximize(c @ x)
    vf = model.value_function("c", c0, c1)
    assert vf.breakpoints.tolist() == pytest.approx([1 / 3], abs=1e-9)
    for (_, piece), t in zip(vf.pieces.iterrows(), (1 / 6, 2 / 3), strict=True):
        lp = linprog(-(c0 + t * (c1 - c0)), A_ub=np.vstack([np.ones((1, 6)), G]), b_ub=np.r_[6.0, b], A_eq=e,
                     b_eq=[2.0], bounds=(0, None), method="highs")
        assert -lp.fun == pytest.approx(vf(t), rel=1e-12)
        assert lp.ineqlin.marginals[0] == 0.0 and piece["binding"] == ("balance", "rows")


@pytest.mark.parametrize("seed", [7, 12, 14, 31])
def test_a_large_constant_keeps_the_kinks_of_the_part_that_moves(seed):
    """Slopes were compared at V's scale: with 1e8 in V the kink of the moving part (slope 1.17 -> 0.90 at seed 7)
    was merged away and V(1) - 1e8 came out 3.9136 where linprog gives 3.8707."""
    unit, (a, b0, b1, c) = _random(seed, 1.0)
    heavy, _ = _random(seed, 1e8)
    assert len(heavy.breakpoints) == len(unit.breakpoints)
    for t in np.linspace(0.0, 1.0, 11):
        reference = linprog(-c, A_ub=a, b_ub=b0 + t * (b1 - b0), bounds=(0, None), method="highs")
        assert heavy(t) - 1e8 == pytest.approx(-reference.fun, abs=1e-6)  # 1e8's own round-off is 1.5e-8
        assert unit(t) - 1.0 == pytest.approx(-reference.fun, abs=1e-9)

"""Solution.price_ranges: one-sided derivatives of the optimal value in each right-hand side.

Checked against closed forms (GLP's V(q) = gamma_u * min(q1, q2) at the kink, the BBM frontier
CS(f) = E[v] - f above the uniform profit) and against one-sided finite differences of independent
re-solves written directly with scipy.optimize.linprog, row by row, on random degenerate LPs.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.core.family import family

COLUMNS = ["price", "left", "right", "rhs_low", "rhs_high"]


def test_glp_kink_consistency_left_and_right():
    e = om.PersonalDataEconomy([1, 2], [.4, .6], [.3, .3], gamma_u=1)
    sol = e.platform_problem([.3, .3]).solve()
    r = sol.price_ranges("consistency")
    assert list(r.columns) == COLUMNS
    assert list(r.index) == list(sol.prices["consistency"].index)
    # V(q) = min(q1, q2): decreasing either q by h loses h, increasing it gains nothing
    np.testing.assert_allclose(r["left"], [1.0, 1.0], atol=1e-9)
    np.testing.assert_allclose(r["right"], [0.0, 0.0], atol=1e-9)
    np.testing.assert_allclose(r["price"], sol.prices["consistency"], atol=0)
    # where the vertex price holds: price 0 in q1 on [.3, inf), price 1 in q2 on [0, .3] (min(q1, q2))
    for w, (lo, hi) in zip(r.index, zip(r["rhs_low"], r["rhs_high"], strict=True), strict=True):
        p = r.loc[w, "price"]
        assert (lo, hi) == pytest.approx((0.3, np.inf)) if p == 0 else (lo, hi) == pytest.approx((0.0, 0.3))


def test_glp_rows_restricts():
    e = om.PersonalDataEconomy([1, 2], [.4, .6], [.3, .3], gamma_u=1)
    sol = e.platform_problem([.3, .3]).solve()
    r = sol.price_ranges("consistency", rows=[2])
    assert list(r.index) == [2] and r["left"].iloc[0] == pytest.approx(1.0)
    with pytest.raises(om.InputError, match="rows"):
        sol.price_ranges("consistency", rows=[7])
    with pytest.raises(om.InputError, match="name: 'nope'"):
        sol.price_ranges("nope")


def test_bbm_profit_floor_right_price_is_frontier_slope():
    m = om.segmentation([1, 2, 3], [1 / 3] * 3)
    sol = m.solve()
    r = sol.price_ranges("profit_floor")
    # the frontier CS(f) = 2 - f for f >= 4/3 (E[v] = 2 is all surplus), flat below 4/3
    assert r["left"].iloc[0] == pytest.approx(0.0, abs=1e-9)
    assert r["right"].iloc[0] == pytest.approx(-1.0, abs=1e-9)
    assert sol.value == pytest.approx(2 - 4 / 3)
    assert r["rhs_high"].iloc[0] == pytest.approx(4 / 3)  # price 0 holds only below the floor 4/3


def _random_lp(seed: int, sense: str):
    """max/min c.X over X >= 0 (3x2) with an equality family, a 2-D <= family and a >= family;
    small-integer data built around an integral point, so optima are often degenerate."""
    rng = np.random.default_rng(seed)
    x0 = rng.integers(0, 2, (3, 2)).astype(float)
    M = rng.integers(-1, 3, (2, 3)).astype(float)
    G = rng.integers(0, 3, (2, 6)).astype(float)
    c = rng.integers(-2, 3, (3, 2)).astype(float)
    B = M @ x0 + rng.integers(0, 2, (2, 2))
    col = x0.sum(axis=0)
    g = G @ x0.reshape(-1, order="F") - rng.integers(0, 2, 2)
    m = om.Model(f"random{seed}", sense=sense)
    X = m.variable("X", (3, 2), nonneg=True)
    m.constrain("totals", family(cp.sum(X, axis=0), "==", col, index=pd.Index(["a", "b"], name="col")))
    m.constrain("caps", family(M @ X, "<=", B, index=(pd.Index([0, 1], name="i"), pd.Index(["a", "b"], name="j"))))
    m.constrain("floors", family(G @ cp.vec(X, order="F"), ">=", g))
    m.constrain("box", family(cp.sum(X), "<=", 4.0))
    (m.maximize if sense == "max" else m.minimize)(cp.sum(cp.multiply(c, X)))
    data = dict(c=c.reshape(-1, order="F"), M=M, B=B, col=col, G=G, g=g)
    return m, data


def _scipy_value(d: dict, sense: str, rhs: dict) -> float:
    """V written directly: x = vec_F(X) >= 0."""
    A_eq = np.kron(np.eye(2), np.ones((1, 3)))
    A_caps = np.vstack([np.kron(np.eye(2)[j], d["M"][i]) for i in range(2) for j in range(2)])  # C order (i, j)
    A_ub = np.vstack([A_caps, -d["G"], np.ones((1, 6))])
    b_ub = np.concatenate([rhs["caps"].reshape(-1), -rhs["floors"], [rhs["box"]]])
    cost = -d["c"] if sense == "max" else d["c"]
    res = linprog(cost, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=rhs["totals"], bounds=(0, None), method="highs")
    if res.status == 2:
        return -np.inf if sense == "max" else np.inf
    assert res.status == 0
    return -res.fun if sense == "max" else res.fun


@pytest.mark.parametrize("sense", ["max", "min"])
def test_random_degenerate_lps_match_one_sided_finite_differences(sense):
    h = 1e-6
    kinks = checked = 0
    for seed in range(25):
        m, d = _random_lp(seed, sense)
        try:
            sol = m.solve()
        except (om.InfeasibleError, om.UnboundedError):
            continue
        base = {"totals": d["col"], "caps": d["B"], "floors": d["g"], "box": np.array(4.0)}
        v0 = _scipy_value(d, sense, base)
        assert sol.value == pytest.approx(v0, abs=1e-8)
        for name in base:
            r = sol.price_ranges(name)
            for pos in range(r.shape[0]):
                fd = {}
                for side, step in (("right", h), ("left", -h)):
                    rhs = {k: np.array(v, float).copy() for k, v in base.items()}
                    rhs[name].reshape(-1)[pos] += step
                    v = _scipy_value(d, sense, rhs)
                    fd[side] = (v - v0) / step if np.isfinite(v) else (v if side == "right" else -v)
                for side in ("left", "right"):
                    got = r[side].iloc[pos]
                    if np.isinf(fd[side]):
                        assert got == fd[side], (seed, name, pos, side)
                    else:
                        assert got == pytest.approx(fd[side], abs=1e-5), (seed, name, pos, side, r)
                # the vertex price is a super/subgradient: between the one-sided derivatives
                lo, hi = sorted((r["left"].iloc[pos], r["right"].iloc[pos]))
                assert lo - 1e-7 <= r["price"].iloc[pos] <= hi + 1e-7
                kinks += abs(r["left"].iloc[pos] - r["right"].iloc[pos]) > 1e-6
                checked += 1
    assert checked > 50 and kinks >= 5  # the sample really is degenerate


def test_two_d_family_labels_are_a_multiindex_in_price_order():
    m, _ = _random_lp(3, "max")
    sol = m.solve()
    r = sol.price_ranges("caps")
    assert isinstance(r.index, pd.MultiIndex) and r.index.names == ["i", "j"]
    np.testing.assert_allclose(r["price"].to_numpy(), sol.prices["caps"].to_numpy().reshape(-1))


def test_rhs_range_is_where_the_vertex_price_holds():
    # on [rhs_low, rhs_high] the value is affine with slope `price` (scipy re-solves)
    checked = 0
    for seed in range(25):
        m, d = _random_lp(seed, "max")
        try:
            sol = m.solve()
        except (om.InfeasibleError, om.UnboundedError):
            continue
        base = {"totals": d["col"], "caps": d["B"], "floors": d["g"], "box": np.array(4.0)}
        v0 = _scipy_value(d, "max", base)
        r = sol.price_ranges("caps")
        for pos in range(4):
            lo, hi, p = r["rhs_low"].iloc[pos], r["rhs_high"].iloc[pos], r["price"].iloc[pos]
            b = base["caps"].reshape(-1)[pos]
            for point in (lo, hi, (lo + b) / 2, (hi + b) / 2):
                if not np.isfinite(point) or abs(point - b) < 1e-9:
                    continue
                rhs = {k: np.array(v, float).copy() for k, v in base.items()}
                rhs["caps"].reshape(-1)[pos] = point
                assert _scipy_value(d, "max", rhs) == pytest.approx(v0 + p * (point - b), abs=1e-7)
                checked += 1
    assert checked > 20

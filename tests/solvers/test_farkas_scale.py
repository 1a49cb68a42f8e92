"""Exact Farkas certificates and unbounded rays of badly scaled LPs (audit: bugs 6 and 7).

A row scaled by K (K x0 >= K) needs the weight 1/K; a ray of rows x1 - K x0 >= 0 needs the entry K. Before
the fix a weight below 1e-9 of the largest was dropped before rounding, and HiGHS dropped the coefficient
K = 1e-10 of the ray's auxiliary LP outright (below its small_matrix_value): both came back unverified.
Every certificate is re-checked here in Fractions on data the test writes itself; a feasible (bounded) model
one step from infeasible (unbounded) must get none."""

from __future__ import annotations

import importlib
from fractions import Fraction

import cvxpy as cp
import numpy as np
import pytest

import optmarkets as om
from optmarkets.builders import family

farkas_module = importlib.import_module("optmarkets.solvers.farkas")
ray_module = importlib.import_module("optmarkets.solvers.farkas_ray")
SCALES = (1.0, 1e8, 1e10, 1e12)


def chain(k: float, link_rhs: float = 0.0) -> om.Model:
    """K x0 >= K, x0 - x1 <= link_rhs, x1 <= 0: infeasible for link_rhs < 1 (x0 >= 1 > x1 + link_rhs)."""
    m = om.Model("chain")
    x = m.variable("x", 2)
    m.constrain("floor", family(k * x[0], ">=", k))
    m.constrain("link", family(x[0] - x[1], "<=", link_rhs))
    m.constrain("cap", family(x[1], "<=", 0.0))
    m.maximize(cp.sum(x))
    return m


@pytest.mark.parametrize("k", SCALES)
def test_a_row_scaled_by_k_gets_its_weight_1_over_k(k):
    with pytest.raises(om.InfeasibleError) as info:
        chain(k).solve()
    cert = info.value.farkas()
    assert cert.verified, cert.reason
    assert set(cert.multipliers) == {"floor", "link", "cap"}  # x is free: no domain enters
    w_floor, w_link, w_cap = (Fraction(cert.multipliers[name].iloc[0]) for name in ("floor", "link", "cap"))
    K = Fraction(k)
    # slacks: floor K x0 - K, link x1 - x0, cap -x1, each >= 0 with a weight >= 0; their sum has no variable
    # left and reads 0 >= delta > 0
    assert min(w_floor, w_link, w_cap) >= 0
    assert w_floor * K - w_link == 0 and w_link - w_cap == 0
    assert w_floor * K == cert.delta > 0
    assert (w_floor, w_link, w_cap) == (1 / K, 1, 1)  # the only certificate, scaled so the largest is 1


@pytest.mark.parametrize("k", SCALES)
def test_a_model_feasible_at_one_point_gets_no_certificate(k):
    # x0 - x1 <= 1: x = (1, 0) is feasible, the only point; every weighted sum reads 0 >= 0 at best
    m = chain(k, link_rhs=1.0)
    assert m.solve() is not None
    cert = farkas_module.farkas(m)
    assert not cert.verified and cert.delta is None and cert.reason


def ramp(k: float, bounded: bool = False) -> om.Model:
    """x >= 0, x1 - K x0 >= 0, x1 <= 1 + x0, max x0 - x1 / 2: unbounded along (1, K). bounded: without the cap,
    max K x0 - x1, whose every ray has slope <= 0 (along (1, K) exactly 0)."""
    m = om.Model("ramp", sense="max")
    x = m.variable("x", 2, nonneg=True)
    m.constrain("link", family(x[1] - k * x[0], ">=", 0.0))
    if bounded:
        m.maximize(k * x[0] - x[1])
    else:
        m.constrain("cap", family(x[1], "<=", 1.0 + x[0]))
        m.maximize(x[0] - 0.5 * x[1])
    return m


@pytest.mark.parametrize("scale", SCALES)
def test_a_ray_with_an_entry_k_is_verified(scale):
    k = 1.0 / scale
    with pytest.raises(om.UnboundedError) as info:
        ramp(k).solve()
    ray = info.value.ray()
    assert ray.verified, ray.reason
    d0, d1 = (Fraction(v) for v in ray.direction["x"])
    K = Fraction(k)
    # along d: x >= 0 holds (d >= 0), link's lhs moves by d1 - K d0 >= 0, cap's lhs - rhs by d1 - d0 <= 0,
    # and the objective by d0 - d1 / 2 > 0: the slope reported
    assert d0 >= 0 and d1 >= 0
    assert d1 - K * d0 >= 0 and d1 - d0 <= 0
    assert d0 - d1 / 2 == ray.slope > 0
    assert max(d0, d1) == 1 and d1 > 0  # scaled so the largest is 1; d1 = 0 breaks link when K > 0


@pytest.mark.parametrize("scale", SCALES)
def test_a_bounded_model_with_a_zero_slope_ray_gets_no_ray(scale):
    m = ramp(1.0 / scale, bounded=True)
    assert m.solve() is not None  # optimum 0 at x = 0; along (1, K) the objective stays 0
    ray = ray_module.unbounded_ray(m)
    assert not ray.verified and ray.slope is None and ray.reason


def test_equilibrate_brings_a_1e_10_coefficient_near_the_others_by_powers_of_2():
    A = np.array([[1e-10, -1.0], [-1.0, 1.0], [-1.0, 0.5]])
    r, s = farkas_module.equilibrate(A)
    assert np.all(np.log2(r) == np.round(np.log2(r))) and np.all(np.log2(s) == np.round(np.log2(s)))
    scaled = np.abs(r[:, None] * A * s[None, :])
    assert scaled.min() / scaled.max() > 1e-6  # was 1e-10: the ratio is square-rooted, about


def test_rounded_keeps_a_weight_tiny_in_raw_terms_but_not_in_its_own_units():
    values, unit = np.array([1e-10, 1.0, 1e-20]), np.array([1e-10, 1.0, 1.0])
    assert set(farkas_module.rounded(values)) == {1}  # raw: 1e-10 beside 1 is dropped
    kept = farkas_module.rounded(values, unit=unit)
    assert set(kept) == {0, 1} and kept[0] == Fraction(1, 10**10)  # noise (1e-20 in units of 1) still dropped

"""Value functions an audit found wrong: data at 1e-6 and 1e-10 (absolute floors took every slope for equal and
HiGHS's absolute tolerances for data), right-hand sides at 1e6 (the whole path called infeasible), data that is not
affine along the path but agrees at t = 0, 1/2, 1 (accepted, and exact=True "verified" a wrong kink), stretches with
no optimum that raised instead of being reported, and endpoints that are not numbers. References: closed forms
and scipy's linprog on the same LP."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.core.family import family


def _two_kinks(S: float):
    """max x0 + x1 s.t. x_i <= S t / kink_i and x_i <= S: V = S (min(t / 0.3, 1) + min(t / 0.7, 1))."""
    model = om.Model("kinks")
    x = model.variable("x", 2)
    model.constrain("moving", family(x, "<=", model.parameter("b", np.zeros(2))))
    model.constrain("cap", family(x, "<=", S * np.ones(2)))
    model.maximize(x[0] + x[1])
    return model


@pytest.mark.parametrize("S", [1e-10, 1e-6, 1.0, 1e6])
@pytest.mark.parametrize("exact", [False, True])
def test_breakpoints_and_values_are_the_same_at_every_scale(S, exact):
    kinks = np.array([0.3, 0.7])
    vf = om.value_function(_two_kinks(S), "b", np.zeros(2), S / kinks, exact=exact)
    assert np.allclose(vf.breakpoints, kinks, atol=1e-9)  # at 1e-10: none found; at 1e-6 one, at 0.5
    for t in (0.1, 0.3, 0.5, 0.7, 0.85, 1.0):
        assert float(vf(t)) == pytest.approx(S * np.minimum(t / kinks, 1).sum(), rel=1e-9)
    if exact:
        assert vf.verified and [float(q) for q in vf.exact_breakpoints] == pytest.approx(list(kinks))


def test_a_path_at_1e6_has_its_solvable_interval():
    """At 1e6 the 'max t' LP of the solvable interval came back unbounded with 1e-10 tolerances: the whole
    path was reported infeasible, with the LP optimal at t = 0 (the audit's LP, 2 of 200 at that scale)."""
    A = np.array([[0.24, -1.04, -0.25], [-1.07, -1.81, -1.2], [-0.31, -0.34, 1.83], [-0.42, -1.62, -0.35]])
    c = np.array([-0.35, 1.71, 0.43])
    b0, b1 = np.array([-0.28, 2.94, 2.68, 1.15]), np.array([-2.62, 6.98, 1.66, 2.55])
    upper = np.array([4.0, 1.0])
    for S in (1.0, 1e6):
        model = om.Model("scaled")
        x = model.variable("x", 3)
        model.constrain("le", family(A @ x, "<=", model.parameter("b", b0 * S)))
        model.constrain("lb", family(x, ">=", 0.0))
        model.constrain("ub", family(x[:2], "<=", upper * S))
        model.maximize(c @ x)
        vf = om.value_function(model, "b", b0 * S, b1 * S)
        assert len(vf.infeasible) == 1 and vf.infeasible[0][0] == pytest.approx(0.47293484968703164, abs=1e-9)
        for t in (0.0, 0.2, 0.4):
            ref = linprog(-c, A_ub=A, b_ub=(b0 + t * (b1 - b0)) * S,
                          bounds=[(0, upper[0] * S), (0, upper[1] * S), (0, None)], method="highs")
            assert float(vf(t)) == pytest.approx(-ref.fun, rel=1e-9)


def test_data_not_affine_along_the_path_is_refused():
    """A derived parameter p^3 and an atom p^2 - 2 pos(p) equal the line through t = 0, 1/2, 1 (-1, 0, 1):
    both were walked as lines (vf(0.25) = -0.5 against -0.125)."""
    derived = om.Model("derived")
    x = derived.variable("x", 1)
    derived.parameter("p", -1.0)
    cap = derived.derived_parameter("cap", ("p",), lambda p: float(np.asarray(p)) ** 3)
    derived.constrain("cap", family(x, "<=", cap))
    derived.maximize(x[0])
    atom = om.Model("atom")
    y = atom.variable("x", 1)
    q = atom.parameter("p", -1.0)
    atom.constrain("cap", family(y, "<=", cp.square(q) - 2 * cp.pos(q)))
    atom.maximize(y[0])
    for model in (derived, atom):
        with pytest.raises(om.CapabilityError, match="does not enter the LP affinely"):
            om.value_function(model, "p", -1.0, 1.0)


def _cap_model():
    model = om.Model("edge")
    x = model.variable("x", 2)
    model.constrain("cap", family(x, "<=", model.parameter("b", np.array([1.0, 1.0]))))
    model.constrain("floor", family(x, ">=", 0.0))
    model.maximize(x[0] + x[1])
    return model


def test_stretches_without_an_optimum_are_reported_not_raised():
    unbounded = om.Model("unbounded")
    x = unbounded.variable("x", 2)
    unbounded.constrain("row", family(x[0] - x[1], "<=", unbounded.parameter("b", np.array([1.0]))))
    unbounded.constrain("floor", family(x, ">=", 0.0))
    unbounded.maximize(x[0] + x[1])  # x0 - x1 <= b: unbounded for every b (linprog: status 3)
    vf = om.value_function(unbounded, "b", [1.0], [2.0])
    assert vf.unbounded == [(0.0, 1.0)] and vf.infeasible == [] and len(vf.pieces) == 0
    empty = om.value_function(_cap_model(), "b", [-1.0, 2.0], [-1.0, 2.0])  # x0 <= -1, x0 >= 0: a constant path
    assert empty.infeasible == [(0.0, 1.0)] and len(empty.pieces) == 0
    mixed = om.value_function(_cap_model(), "b", [-1.0, 2.0], [1.0, 2.0])  # infeasible while b0 < 0
    assert mixed.infeasible == [(0.0, pytest.approx(0.5))] and float(mixed(1.0)) == pytest.approx(3.0)


@pytest.mark.parametrize("start,end,what", [
    ("ab", [1.0, 2.0], "b: must be numbers"),
    ([1 + 1j, 2.0], [1.0, 2.0], "b: must be real numbers"),
    ([1e308, 2.0], [-1e308, 2.0], "end: end - start overflows"),
])
def test_endpoints_that_are_not_numbers_name_the_parameter(start, end, what):
    with pytest.raises(om.InputError, match=what):
        om.value_function(_cap_model(), "b", start, end)

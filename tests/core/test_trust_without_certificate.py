"""Issue 30, items 1-3: right answers when the certificate is off, NaN residuals fail, and the default
certificate tolerance and the dual residuals are each held to a number.

Each test fails on the code before the fix: `certify=False` skipped the scaling retry (1/3 where the
optimum is 11/24), a NaN residual was skipped by `ok()`, and nothing pinned CERT_TOL or the gap.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import optmarkets as om
import optmarkets.solvers as layer
from optmarkets.core.family import family
from optmarkets.core.solution import Certificate
from optmarkets.core.tolerances import CERT_TOL

UNIT = 2.0**-30


def tiny_broker(scale: float) -> om.DataBroker:
    # Yang's Example: values [1, 2, 3], costs [1/4, 3/4]; optimum 11/24 (in the data's units)
    return om.DataBroker(values=np.array([1.0, 2.0, 3.0]) * scale, value_probs=[1 / 3] * 3,
                         costs=np.array([0.25, 0.75]) * scale, cost_probs=[0.5, 0.5])


@pytest.mark.parametrize("scale", [UNIT, 2.0**30])
@pytest.mark.parametrize("certify", [True, False])
def test_broker_right_at_extreme_scales_whatever_certify_says(scale, certify):
    broker = tiny_broker(scale)
    assert broker.solve(certify=certify).value == pytest.approx(11 / 24 * scale, rel=1e-9)
    sol = broker.mechanism_problem().solve(certify=certify)
    assert sol.value == pytest.approx(11 / 24 * scale, rel=1e-9)  # was 1/3 * 2^-30 with certify=False
    assert sol.certificate.computed and sol.certificate.ok()  # a HiGHS LP is always certified


def test_sweep_at_two_to_minus_thirty_is_right():
    frame = om.sweep(lambda k: tiny_broker(k * UNIT).mechanism_problem(), [dict(k=1.0), dict(k=3.0)])
    assert frame["value"].to_numpy() == pytest.approx(np.array([11 / 24, 33 / 24]) * UNIT, rel=1e-9)


# ------------------------------------------------------------------------------------ NaN residuals
def test_nan_residual_fails_and_is_reported_as_the_worst():
    cert = Certificate(violations={"a": 0.0, "b": math.nan}, relative={"violation[a]": 0.0, "violation[b]": math.nan})
    assert not cert.ok()
    name, value = cert.worst()
    assert name == "violation[b]" and math.isnan(value)
    assert math.isnan(cert.max_violation)


def test_all_nan_certificate_is_not_ok_but_not_computed_is_none():
    nan = Certificate(violations={"a": math.nan}, relative={"violation[a]": math.nan, "duality_gap": math.nan})
    assert not nan.ok()
    absent = Certificate(violations={"a": 0.0}, relative={"violation[a]": 0.0, "duality_gap": None})
    assert absent.ok()  # not computed: None, skipped
    by_hand = Certificate(violations={"a": math.nan}, duality_gap=None)  # the absolute fall-back
    assert not by_hand.ok()


# ------------------------------------------------------------------------------------ the tolerance
def toy() -> om.Model:
    """max x + y  s.t.  a: x + 2y <= 4,  b: 3x + y <= 6,  x, y >= 0: x = 1.6, y = 1.2, value 2.8,
    prices a 0.4, b 0.2 (by hand)."""
    m = om.Model("toy")
    x = m.variable("x", 2, nonneg=True)
    m.constrain("a", family(x[0] + 2 * x[1], "<=", 4.0))
    m.constrain("b", family(3 * x[0] + x[1], "<=", 6.0))
    m.maximize(x[0] + x[1])
    return m


def tampered(monkeypatch, change):
    """Every solver call's answer changed by `change(problem)` before the solve path reads it."""
    real = layer.execute

    def execute(problem, *args, **kwargs):
        outcome = real(problem, *args, **kwargs)
        change(problem)
        return outcome

    monkeypatch.setattr(layer, "execute", execute)


def test_toy_is_certified_with_hand_prices():
    sol = toy().solve()
    assert sol.value == pytest.approx(2.8, abs=1e-12)
    assert float(sol.prices["a"]) == pytest.approx(0.4, abs=1e-12)
    assert float(sol.prices["b"]) == pytest.approx(0.2, abs=1e-12)
    assert sol.exact().value == Fraction(14, 5)


def _scale_point(eps):
    def change(problem):
        for v in problem.variables():
            v.value = v.value * (1 + eps)
    return change


def test_relative_residual_of_1e6_is_rejected(monkeypatch):
    # the optimum scaled by 1 + 1e-6 violates both rows by about 5e-7 relative (and moves the gap as much)
    tampered(monkeypatch, _scale_point(1e-6))
    with pytest.raises(om.SolverFailedError, match="the recomputed certificate fails"):
        toy().solve()
    cert = toy().solve(accept_inaccurate=True).certificate
    assert not cert.ok()
    # row b: (3 x + y)(1 + 1e-6) - 6 = 6e-6 over its magnitude |3x| + |y| + |6| = 12.000006
    assert cert.relative["violation[b]"] == pytest.approx(6e-6 / 12.000006, rel=1e-6)
    assert cert.relative["violation[b]"] > CERT_TOL


def test_relative_residual_of_1e9_is_accepted(monkeypatch):
    tampered(monkeypatch, _scale_point(1e-9))
    sol = toy().solve()
    assert sol.certificate.ok() and sol.certificate.worst()[1] < 1e-9


def test_default_tolerance_is_1e7_and_decides_between_them():
    assert CERT_TOL == 1e-7
    cert = Certificate(relative={"violation[b]": 5e-7})
    assert not cert.ok() and Certificate(relative={"violation[b]": 5e-8}).ok()


def _set_duals(values):
    def change(problem):
        for con, value in zip(problem.constraints, values):
            con.save_dual_value(np.asarray(value, float).reshape(con.shape))
    return change


def test_wrong_signed_duals_raise(monkeypatch):
    tampered(monkeypatch, _set_duals([-0.4, 0.2]))
    with pytest.raises(om.SolverFailedError, match="the recomputed certificate fails"):
        toy().solve()
    cert = toy().solve(accept_inaccurate=True).certificate
    # price a = -0.4 on a binding <= row of a max: wrong sign by 0.4 times the row's magnitude 4 + 4 = 8,
    # over the objective's magnitude max(|x| + |y| = 2.8, sum |y_i| * row magnitude = 0.4 * 8 + 0.2 * 12 = 5.6)
    assert cert.relative["dual_sign"] == pytest.approx(0.4 * 8 / 5.6, rel=1e-9)


def test_feasible_but_suboptimal_duals_raise_on_the_gap(monkeypatch):
    # y = (0.5, 0.5) is dual feasible (A'y = (2, 1.5) >= c = (1, 1)) with dual value 5 > 2.8:
    # only the duality gap (and complementary slackness) tells it from an optimal dual
    tampered(monkeypatch, _set_duals([0.5, 0.5]))
    with pytest.raises(om.SolverFailedError, match="duality_gap"):
        toy().solve()
    cert = toy().solve(accept_inaccurate=True).certificate
    assert cert.dual_sign == 0.0 and cert.relative["dual_infeasibility"] == 0.0
    assert cert.duality_gap == pytest.approx(2.2, rel=1e-9)


def test_dual_infeasible_duals_raise(monkeypatch):
    # y = (0.4, 0.1): A'y = (0.7, 0.9) < c, a reduced cost of 0.3 on x
    tampered(monkeypatch, _set_duals([0.4, 0.1]))
    with pytest.raises(om.SolverFailedError, match=r"dual_infeasibility|duality_gap"):
        toy().solve()
    cert = toy().solve(accept_inaccurate=True).certificate
    assert cert.dual_infeasibility == pytest.approx(0.3, rel=1e-9)

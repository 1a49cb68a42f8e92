"""The certificate on the standard form HiGHS received equals the expression-based one.

`core.certificate.certify` computes residuals of affine models solved by HiGHS as sparse products on
cvxpy's (c, A, b); the expression-based computation (families' values and gradients) is the
definition. Both are run on the same point and duals: random LPs (every sense, constants on either
side, matrix families, free and nonnegative variables), a MILP (no duals), data scaled by 1e-8 and
1e12, and a point that violates the constraints (so the residuals are not all rounding noise).
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import optmarkets as om
from optmarkets.core import certificate as cert_mod
from optmarkets.core.family import family

pytest.importorskip("highspy")


def random_lp(seed: int, scale: float = 1.0, sense: str = "max", integer: bool = False) -> om.Model:
    rng = np.random.default_rng(seed)
    n, k = 6, 4
    m = om.Model(f"random-{seed}", sense=sense)
    x = m.variable("x", n, nonneg=True, index=pd.Index([f"x{i}" for i in range(n)]))
    z = m.variable("z", (2, 3), index=(pd.Index(["a", "b"]), pd.Index(["u", "v", "w"])))
    w = m.variable("w", 2, integer=integer, nonneg=True)
    cap = m.parameter("cap", scale * rng.uniform(1.0, 2.0, k))
    A = rng.uniform(0.1, 1.0, (k, n))  # every right-hand side carries the scale: x, z, w and the value too
    m.constrain("cap", family(A @ x + w.sum(), "<=", cap))
    m.constrain("floor", family(x[:3] + 0.5 * scale, ">=", scale * rng.uniform(0.0, 0.2, 3) + 0.5 * scale))
    m.constrain("balance", family(cp.sum(x) - z[0, 0], "==", scale * 1.5))
    m.constrain("box", family(z, "<=", scale * rng.uniform(0.5, 1.0, (2, 3))))
    m.constrain("zlow", family(-z, "<=", scale * np.ones((2, 3))))
    m.constrain("wcap", family(w, "<=", scale * np.array([1.5, 2.5])))
    c = rng.uniform(0.5, 1.5, n)
    goal = c @ x + cp.sum(z) + w.sum() + 3.0 * scale
    (m.maximize if sense == "max" else m.minimize)(goal if sense == "max" else -goal)
    return m


def both(model: om.Model):
    """(standard-form certificate, expression-based certificate) at the model's current point."""
    form = cert_mod._form_of(model)
    assert form is not None, "the solve left no standard form"
    standard = cert_mod.certify(model, form)
    cert_mod._FORMS.pop(model.problem, None)
    return standard, cert_mod.certify(model)


def assert_same(standard, expression, magnitude: float):
    a, b = standard.to_series(), expression.to_series()
    assert list(a.index) == list(b.index)
    assert list(standard.relative.index) == list(expression.relative.index)
    assert standard.notes == expression.notes
    rows = [k for k in a.index if k.startswith("violation[")]
    duals = [k for k in a.index if not k.startswith(("violation[", "relative "))]
    # the same numbers up to rounding: of the rows' magnitude, and of the reduced costs' (cost units)
    np.testing.assert_allclose(a[rows].to_numpy(float), b[rows].to_numpy(float),
                               rtol=1e-9, atol=1e-12 * magnitude)
    dual_scale = max(1.0, expression.objective_scale or 0.0)
    np.testing.assert_allclose(a[duals].to_numpy(float), b[duals].to_numpy(float),
                               rtol=1e-9, atol=1e-12 * dual_scale, equal_nan=True)
    np.testing.assert_allclose(standard.relative.to_numpy(float), expression.relative.to_numpy(float),
                               rtol=1e-9, atol=1e-12, equal_nan=True)
    if standard.objective_scale is not None:
        assert standard.objective_scale == pytest.approx(expression.objective_scale, rel=1e-12)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("sense", ["max", "min"])
def test_lp_certificate_equals_the_expression_one(seed, sense):
    model = random_lp(seed, sense=sense)
    sol = model.solve()
    standard, expression = both(model)
    assert sol.certificate.ok() and standard.ok()
    assert standard.duality_gap is not None
    assert_same(standard, expression, 1.0)


@pytest.mark.parametrize("scale", [1e-8, 1e12])
def test_scaled_data_give_the_same_certificate(scale):
    model = random_lp(3, scale=scale)
    sol = model.solve()
    standard, expression = both(model)
    assert sol.certificate.ok()
    assert_same(standard, expression, scale)
    assert standard.worst()[1] <= 1e-9  # relative to the data: the same as at scale one
    assert sol.value == pytest.approx(scale * random_lp(3).solve().value, rel=1e-7)


def test_a_point_that_violates_the_constraints():
    model = random_lp(1)
    model.solve()
    x = model.var("x")
    x.value = x.value + np.linspace(0.1, 0.6, x.size)  # breaks cap, balance; not x >= 0
    model.var("z").value = model.var("z").value - 1.75  # breaks zlow by about 0.75
    standard, expression = both(model)
    assert standard.violations["cap"] > 0.1 and standard.violations["balance"] > 0.1
    assert standard.violations["zlow"] > 0.1 and standard.relative["violation[zlow]"] > 0.05
    assert standard.dual_infeasibility is not None
    assert_same(standard, expression, 1.0)


def test_milp_certificate_has_primal_residuals_and_integrality_only():
    model = random_lp(2, integer=True)
    model.solve()
    standard, expression = both(model)
    assert "w integral" in standard.violations.index
    assert standard.duality_gap is None and standard.notes
    assert_same(standard, expression, 1.0)


def test_a_bound_copy_at_other_parameters_does_not_reuse_the_form():
    model = random_lp(4)
    model.solve()
    other = model.bind(cap=2 * model.value_of("cap"))
    assert cert_mod._form_of(model) is not None
    assert cert_mod._form_of(other) is None  # other data: the expressions are evaluated instead
    sol = other.solve()
    assert cert_mod._form_of(other) is not None and cert_mod._form_of(model) is None
    assert sol.certificate.ok()


def test_non_affine_models_use_the_expressions():
    m = om.Model("socp", sense="min")
    x = m.variable("x", 2)
    m.constrain("norm", family(cp.norm(x, 2), "<=", 1.0))
    m.minimize(cp.sum(x))
    sol = m.solve("CLARABEL")
    assert cert_mod._form_of(m) is None
    assert sol.certificate.violations["norm"] < 1e-7

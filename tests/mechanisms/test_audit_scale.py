"""audit_mechanism judges utilities and money relative to the data's magnitude: with values at 1e-6 a 5% IC gain
(5e-8) passed an absolute 1e-7 (an audit); an optimum passes and a 1e-6-relative violation fails at every scale."""

from __future__ import annotations

import pytest

import optmarkets as om


@pytest.mark.parametrize("scale", [1e-6, 1.0, 1e6])
@pytest.mark.parametrize("ic", ["bayesian", "dominant"])
def test_a_small_ic_violation_is_caught_at_every_scale(scale, ic):
    env = om.MechanismEnvironment.single_item({"b1": [1 * scale, 2 * scale], "b2": [1 * scale, 2 * scale]})
    sol = om.mechanism_design(env, "revenue", ic=ic, ir="interim").solve()
    X, T = sol["allocation"].to_numpy(), sol["payment"].to_numpy().copy()
    assert om.audit_mechanism(env, X, T, ic=ic, ir="interim").ok
    T[[0, 1], 0] -= 1e-5 * scale  # b1 pays 1e-5 of a value less when it reports its low type
    audit = om.audit_mechanism(env, X, T, ic=ic, ir="interim")
    assert not audit.ok and any(reason.startswith("ic") for reason in audit.reasons)
    assert audit.table["gain"].max() == pytest.approx(1e-5 * scale, rel=1e-6)

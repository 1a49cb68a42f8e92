"""audit_mechanism judges utilities and money relative to the data's magnitude: with values at 1e-6 a 5% IC gain
(5e-8) passed an absolute 1e-7 (an audit); an optimum passes and a 1e-6-relative violation fails at every scale."""

from __future__ import annotations

import numpy as np
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


# ------------------------------------------------------------------------- each agent at its own magnitude
def _two_scales(big: float) -> om.MechanismEnvironment:
    """b1 values the item at 1 or 2, b2 at big or 2 big (uniform, independent): each agent's own units."""
    values = {"b1": np.array([[0, 1, 0], [0, 2, 0]], float), "b2": np.array([[0, 0, 1], [0, 0, 2]]) * big}
    return om.MechanismEnvironment(agents={"b1": [1, 2], "b2": [1, 2]}, outcomes=["none", "b1", "b2"],
                                   prior={"b1": [0.5, 0.5], "b2": [0.5, 0.5]}, values=values)


@pytest.mark.parametrize("big", [1.0, 1e7])
def test_an_agents_gain_is_judged_at_its_own_values_not_another_agents(big):
    # b1 reporting 1 gets the item w.p. 1/2 and pays 0.45, reporting 2 gets it and pays 1.95 (b2 never gets it):
    # by hand, b1 of type 2 has 2 - 1.95 = 0.05 telling the truth and 2/2 - 0.45 = 0.55 lying, a gain of 0.5.
    # Under one scale for all (b2's 2e7) the audit passed it at big = 1e7: tol 1e-7 x 2e7 = 2 > 0.5.
    env = _two_scales(big)
    X, T = np.zeros((4, 3)), np.zeros((4, 2))
    for k, (t1, _) in enumerate(env.profiles):
        X[k], T[k, 0] = ([0.5, 0.5, 0.0], 0.45) if t1 == 1 else ([0.0, 1.0, 0.0], 1.95)
    audit = om.audit_mechanism(env, X, T, ic="bayesian", ir="interim")
    assert not audit.ok and audit.reasons == ["ic (bayesian): agent 'b1' of type 2 gains 0.5 by reporting 1"]
    assert audit.table.loc[("b1", 2), "gain"] == pytest.approx(0.5, rel=1e-12)
    assert audit.table.loc[("b1", 2), "interim_utility"] == pytest.approx(0.05, rel=1e-9)


@pytest.mark.parametrize("ic", ["bayesian", "dominant"])
def test_myersons_auction_with_bidders_1e7_apart_passes_and_a_small_bidders_lie_is_caught(ic):
    # Myerson: virtual values phi(1) = 0, phi(2) = 2 for b1 and 0, 2e7 for b2, so the revenue is
    # E[max(phi, 0)] = (0 + 2e7 + 2 + 2e7) / 4 = 1e7 + 0.5
    env = _two_scales(1e7)
    sol = om.mechanism_design(env, "revenue", ic=ic, ir="interim").solve()
    assert sol.value == pytest.approx(1e7 + 0.5, rel=1e-12)
    X, T = sol["allocation"].to_numpy(), sol["payment"].to_numpy().copy()
    assert om.audit_mechanism(env, X, T, ic=ic, ir="interim").ok
    T[[0, 1], 0] -= 1e-5  # b1 pays 1e-5 less when it reports 1: its type 2 gains 1e-5 (5e-6 of its value)
    audit = om.audit_mechanism(env, X, T, ic=ic, ir="interim")
    assert not audit.ok and audit.reasons[0].startswith("ic") and "'b1' of type 2" in audit.reasons[0]
    assert audit.table.loc[("b1", 2), "gain"] == pytest.approx(1e-5, rel=1e-6)


def test_a_subsidy_at_one_profile_is_judged_at_the_payments_there():
    # b2 pays 1.5e7 at the profiles where it has value 2e7, nothing elsewhere; at profile (2, 1) b1 is paid 0.5
    # and nobody pays: a subsidy of 0.5 (by hand) that one tolerance for all, 1e-7 x 2e7 = 2, let through
    env = _two_scales(1e7)
    X, T = np.zeros((4, 3)), np.zeros((4, 2))
    X[:, 0] = 1.0
    for k, (t1, t2) in enumerate(env.profiles):
        if t2 == 2:
            X[k], T[k, 1] = [0.0, 0.0, 1.0], 1.5e7
        elif t1 == 2:
            T[k, 0] = -0.5
    audit = om.audit_mechanism(env, X, T, ic=None, ir=None, budget="no_subsidies")
    assert not audit.ok and len(audit.reasons) == 1 and audit.reasons[0].startswith("budget: subsidy 0.5 at profile")
    T[env.profiles.get_loc((2, 1)), 0] = 0.0
    assert om.audit_mechanism(env, X, T, ic=None, ir=None, budget="no_subsidies").ok


@pytest.mark.parametrize("ir", ["interim", "ex_post"])
def test_an_agents_participation_is_judged_at_its_own_values(ir):
    # b1 always gets the item and pays 1.5: of type 1 it falls short of its outside option 0 by 0.5 (by hand), at
    # every profile; b2's values of 1e7 made one scale of 2e7 that let it through
    env = _two_scales(1e7)
    X, T = np.tile([0.0, 1.0, 0.0], (4, 1)), np.zeros((4, 2))
    T[:, 0] = 1.5
    audit = om.audit_mechanism(env, X, T, ic="bayesian", ir=ir)
    want = f"ir ({ir}): agent 'b1' of type 1 falls short of the outside option by 0.5"
    assert not audit.ok and audit.reasons == [want]
    assert audit.table.loc[("b1", 1), "ir_slack"] == pytest.approx(-0.5, rel=1e-12)

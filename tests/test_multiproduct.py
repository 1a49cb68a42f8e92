"""MultiProductSeller: the mechanism LP, its selection rule, prices, payment ranges and bad input."""

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import optmarkets as om
from optmarkets.builders import family
from optmarkets.papers.hs.examples import section3, three_type_example

TOL = 1e-7


def random_seller(rng, n=None, k=None, negative=True, costs=False):
    """Spec Part C generator: values on a 0.05 grid plus 1e-3 jitter (unique efficient alternatives)."""
    n = n or int(rng.integers(2, 7))
    k = k or int(rng.integers(1, 5))
    lo = -0.5 if negative else 0.0
    values = np.round(rng.uniform(lo, 3.0, (n, k)) / 0.05) * 0.05 + 1e-3 * rng.random((n, k))
    c = np.round(rng.uniform(0, 0.5, k), 2) if costs else None
    return om.MultiProductSeller(values, c)


def assert_ic_ir(seller, sol, tol=1e-7):
    """IC and IR recomputed with plain loops from the reported menu (every type, zero-mass ones too)."""
    V = np.hstack([np.zeros((len(seller.type_index), 1)), seller.valuations.to_numpy()])
    x, p = sol["allocation"].to_numpy(), sol["payment"].to_numpy()
    np.testing.assert_allclose(x.sum(axis=1), 1.0, atol=tol)
    assert (x >= -tol).all()
    for t in range(len(V)):
        own = V[t] @ x[t] - p[t]
        assert own >= -tol, ("IR", t)
        for s in range(len(V)):
            assert own >= V[t] @ x[s] - p[s] - tol, ("IC", t, s)
    np.testing.assert_allclose(sol["consumer_surplus"].to_numpy(), (V * x).sum(axis=1) - p, atol=1e-9)


def test_api_and_section3_numbers():
    seller = section3()
    mech = seller.optimal_mechanism(market=[0.25, 0.75]).solve()
    assert mech.value == pytest.approx(1.5, abs=TOL)
    assert list(mech["allocation"].columns) == ["outside", "L", "H"]
    # q = 3/4 selects screening: L to t1 at 0.75, H to t2 at 1.75
    assert mech["allocation"].loc["t1", "L"] == pytest.approx(1, abs=1e-6)
    assert mech["payment"].to_dict() == pytest.approx({"t1": 0.75, "t2": 1.75}, abs=1e-6)
    assert mech["consumer_surplus"]["t2"] == pytest.approx(0.25, abs=1e-6)
    assert not mech["efficient"]
    assert_ic_ir(seller, mech)
    seg = seller.pareto_improving_segmentation(market=[0.4, 0.6])
    np.testing.assert_allclose(seg.weights.sum(), 1.0, atol=1e-12)
    np.testing.assert_allclose(seg.weights @ seg.segments, [0.4, 0.6], atol=1e-12)
    assert seg.pareto_improving and seg.revenue_change > 0


def test_certificate_and_cross_solver():
    seller = three_type_example()
    f = [0.5, 0.2, 0.3]
    sol = seller.optimal_mechanism(f).solve()
    cert = sol.certificate
    assert cert.max_violation <= 1e-8 and cert.duality_gap <= 1e-8 and cert.dual_infeasibility <= 1e-8
    for solver in ("CLARABEL", "ECOS"):
        other = seller.optimal_mechanism(f).solve(solver, rule=None)
        assert other.value == pytest.approx(sol.value, abs=1e-6), solver


def test_zero_mass_types_choose_from_menu():
    seller = three_type_example()
    sol = seller.optimal_mechanism([0.7, 0.0, 0.3]).solve()
    assert list(sol["x"].index) == ["t1", "t3"]  # solved on the support
    assert_ic_ir(seller, sol)
    full = seller.optimal_mechanism([0.7, 1e-12, 0.3 - 1e-12]).solve(rule=None)
    assert sol.value == pytest.approx(full.value, abs=1e-9)  # zero-mass types do not change revenue


def test_dual_identity_and_price_signs(rng):
    """f(t) + sum_s lambda_st = sum_s lambda_ts + mu_t, so sum mu = 1 (spec §B.1)."""
    for _ in range(8):
        seller = random_seller(rng)
        f = rng.dirichlet(np.ones(len(seller.type_index)))
        sol = seller.optimal_mechanism(f).solve()
        lam, mu = sol.duals["IC"], sol.duals["IR"].to_numpy()
        types = list(sol["p"].index)
        into = np.array([lam.xs(t, level="report").sum() for t in types])
        out = np.array([lam.xs(t, level="type").sum() for t in types])
        np.testing.assert_allclose(f[f > 0] + into, out + mu, atol=1e-7)
        assert mu.sum() == pytest.approx(1.0, abs=1e-7)
        assert (sol.prices["IC"] <= 1e-9).all() and (sol.prices["IR"] <= 1e-9).all()
        assert sol.prices["IR"].sum() == pytest.approx(-1.0, abs=1e-7)
        assert_ic_ir(seller, sol)  # HS 1: the selected mechanism is IC and IR


def test_ir_price_finite_difference():
    """prices["IR"][t] = d revenue / d outside option of t, against a re-solve."""
    seller = three_type_example()
    f = [0.625, 0.1442, 0.2308]
    model = seller.optimal_mechanism(f)
    base = model.solve(rule=None)
    h = 1e-4
    for i, t in enumerate(seller.type_index):
        bumped = model.bind(outside=h * np.eye(3)[i]).solve(rule=None)
        assert (bumped.value - base.value) / h == pytest.approx(base.prices["IR"][t], abs=1e-5), t
    assert base.prices["IR"].to_dict() == pytest.approx({"t1": -1.0, "t2": 0.0, "t3": 0.0}, abs=1e-7)


def _resolve(model, name, row, h):
    """Re-solve M-LP with the rhs of row `row` of family `name` moved by h (built from its own lhs)."""
    fam = model.families[name]
    others = [f.constraint for n, f in model.families.items() if n != name]
    rhs = np.asarray(fam.rhs.value, float) + h * (fam.index == row).astype(float)
    bumped = family(fam.lhs, fam.sense, rhs)
    prob = cp.Problem(cp.Maximize(model.objective), [*others, bumped.constraint])
    prob.solve(solver=cp.HIGHS)
    return prob.value


def _ic_resolve(model, row, h):
    return _resolve(model, "IC", row, h)


def test_lottery_price_finite_difference():
    """prices["lottery"][t]: d revenue / d (total probability of t's lottery), a supergradient."""
    model = three_type_example().optimal_mechanism([0.625, 0.1442, 0.2308])
    base = model.solve(rule=None)
    h = 1e-4
    for t in base.prices["lottery"].index:
        right = (_resolve(model, "lottery", t, h) - base.value) / h
        left = (base.value - _resolve(model, "lottery", t, -h)) / h
        assert right - 1e-6 <= base.prices["lottery"][t] <= left + 1e-6, t
    assert abs(base.prices["lottery"]).max() > 0.1  # not a vacuous check


def test_ic_price_finite_difference():
    """prices["IC"][(t, s)] = d revenue / d rhs of IC row (t, s): equal to the re-solve slope where
    the value is differentiable, and between the one-sided slopes (a supergradient) everywhere."""
    seller = section3()
    model = seller.optimal_mechanism([0.5, 0.5])
    base = model.solve(rule=None)
    h = 1e-4
    slope = (_ic_resolve(model, ("t2", "t1"), h) - base.value) / h
    assert slope == pytest.approx(base.prices["IC"][("t2", "t1")], abs=1e-6)
    assert slope == pytest.approx(-0.5, abs=1e-6)  # p(t2) falls 1:1, on mass q = 1/2
    three = three_type_example()
    model = three.optimal_mechanism([0.625, 0.1442, 0.2308])
    base = model.solve(rule=None)
    for row in base.prices["IC"].index:
        right = (_ic_resolve(model, row, h) - base.value) / h
        left = (base.value - _ic_resolve(model, row, -h)) / h
        assert right - 1e-6 <= base.prices["IC"][row] <= left + 1e-6, row


def test_payment_ranges_and_unique_rule():
    seller = section3()
    inside = seller.payment_ranges([0.5, 0.5])
    assert inside["unique"].all()
    np.testing.assert_allclose(inside["low"], [0.75, 1.75], atol=1e-7)
    low = seller.payment_ranges([0.75, 0.25])  # q = 1/4: p_L in [0.75, 1], p_H in [1, 1.75]
    np.testing.assert_allclose(low[["low", "high"]].to_numpy(), [[0.75, 1.0], [1.0, 1.75]], atol=1e-7)
    high = seller.payment_ranges([0.25, 0.75])  # q = 3/4: p_L in [0, 0.75], p_H in [1.75, 2]
    np.testing.assert_allclose(high[["low", "high"]].to_numpy(), [[0.0, 0.75], [1.75, 2.0]], atol=1e-7)
    assert not seller.unique_payment_rule([0.25, 0.75]) and seller.unique_payment_rule([0.6, 0.4])


def test_selection_rule_is_market_free_and_picks_efficient():
    seller = section3()
    eff = seller.optimal_mechanism([0.75, 0.25]).solve()  # tie at q = 1/4: efficient selected
    assert eff["efficient"] and eff["consumer_surplus"]["t2"] == pytest.approx(1.0, abs=1e-7)
    mincs = seller.optimal_mechanism([0.75, 0.25]).solve(rule="mincs")  # pure screening
    assert mincs["consumer_surplus"]["t2"] == pytest.approx(0.25, abs=1e-7)
    assert mincs.value == pytest.approx(eff.value, abs=1e-9)
    # same optimal set (unique payment rule), nearby markets: identical CS vectors
    a = seller.optimal_mechanism([0.5, 0.5]).solve()["consumer_surplus"]
    b = seller.optimal_mechanism([0.5 - 1e-5, 0.5 + 1e-5]).solve()["consumer_surplus"]
    np.testing.assert_allclose(a, b, atol=1e-8)


def test_selection_consistency_random(rng):
    """Part C HS 2: f and a small perturbation with a unique payment rule give the same CS vector."""
    done = 0
    while done < 5:
        seller = random_seller(rng, n=int(rng.integers(2, 5)))
        f = rng.dirichlet(np.ones(len(seller.type_index)))
        if not seller.unique_payment_rule(f):
            continue
        g = f + 1e-6 * (rng.dirichlet(np.ones(len(f))) - f)
        a, b = seller.selected(f)["consumer_surplus"], seller.selected(g)["consumer_surplus"]
        np.testing.assert_allclose(a, b, atol=1e-6 * seller.scale)
        done += 1


def test_revenue_convex_along_lines(rng):
    for _ in range(5):
        seller = random_seller(rng)
        n = len(seller.type_index)
        f, g = rng.dirichlet(np.ones(n)), rng.dirichlet(np.ones(n))
        rf, rg = (seller.optimal_mechanism(m).solve(rule=None).value for m in (f, g))
        assert min(rf, rg) >= -1e-9
        for lam in (0.25, 0.5, 0.75):
            mid = seller.optimal_mechanism(lam * f + (1 - lam) * g).solve(rule=None).value
            assert mid <= lam * rf + (1 - lam) * rg + 1e-8


def test_costs_enter_net_values():
    seller = om.MultiProductSeller(pd.DataFrame({"A": [2.0, 3.0]}, index=["lo", "hi"]), costs=[1.0])
    sol = seller.optimal_mechanism([0.5, 0.5]).solve()
    assert sol.value == pytest.approx(max(1.0, 0.5 * 2.0), abs=1e-7)  # price 2 (profit 1 each) or 3 (0.5*2)
    assert sol["profit"].to_numpy() @ [0.5, 0.5] == pytest.approx(sol.value, abs=1e-9)


def test_two_type_intervals_section3():
    iv = section3().two_type_intervals()
    np.testing.assert_allclose(iv[["start", "end"]].to_numpy(), [[0, 0.25], [0.25, 0.75], [0.75, 1]], atol=1e-12)
    np.testing.assert_allclose(iv["cs_high"], [1, 0.25, 0], atol=1e-12)
    assert iv["efficient"].tolist() == [True, False, False]
    assert iv.attrs["high"] == "t2"


# ---------------------------------------------------------------- bad input
def test_bad_market_sum():
    with pytest.raises(om.InputError, match="market"):
        section3().optimal_mechanism([0.3, 0.6])


def test_bad_market_length():
    with pytest.raises(om.InputError, match="market"):
        section3().pareto_improving_segmentation([0.2, 0.3, 0.5])


def test_bad_no_unique_efficient_alternative():
    with pytest.raises(om.InputError, match="valuations: type 't1' has no unique efficient alternative"):
        om.MultiProductSeller(pd.DataFrame({"a": [1.0, 2.0], "b": [1.0, 3.0]}, index=["t1", "t2"]))


def test_bad_tie_with_outside_option():
    with pytest.raises(om.InputError, match="no unique efficient alternative"):
        om.MultiProductSeller([[1.0], [2.0]], costs=[1.0])


def test_bad_valuations_shape():
    with pytest.raises(om.InputError, match="valuations"):
        om.MultiProductSeller([1.0, 2.0])


def test_bad_costs_length():
    with pytest.raises(om.InputError, match="costs"):
        om.MultiProductSeller([[1.0, 2.0], [2.0, 3.5]], costs=[0.1])


def test_bad_valuations_entries():
    with pytest.raises(om.InputError, match="valuations"):
        om.MultiProductSeller({"t1": {"a": 1.0}, "t2": {"b": 2.0}})


def test_bad_segments_and_weights():
    seller = section3()
    with pytest.raises(om.InputError, match="weights"):
        seller.check_segmentation([0.5, 0.5], [[0.2, 0.8], [0.6, 0.4]], [0.5, 0.5])
    with pytest.raises(om.InputError, match="segments"):
        seller.check_segmentation([0.5, 0.5], [[0.2, 0.3, 0.5]], [1.0])


def test_bad_rule_and_method():
    seller = section3()
    with pytest.raises(om.InputError, match="rule"):
        seller.optimal_mechanism([0.5, 0.5]).solve(rule="nice")
    with pytest.raises(om.InputError, match="method"):
        seller.pareto_search([0.5, 0.5], method="magic")


def test_bad_bind_off_support():
    model = three_type_example().optimal_mechanism([0.5, 0.0, 0.5])
    with pytest.raises(om.InputError, match="market"):
        model.bind(market=[0.2, 0.3, 0.5])


def test_bad_linear_values():
    with pytest.raises(om.InputError, match="values"):
        om.MultiProductSeller.linear([2.0, 1.0], [1.0])
    with pytest.raises(om.InputError, match="qualities"):
        om.MultiProductSeller.linear([1.0, 2.0], [0.0, 1.0])


# ---------------------------------------------------------------- names: canonical and deprecated
def test_label_indexes_and_mechanism_problem():
    seller = section3()
    assert list(seller.type_index) == ["t1", "t2"] and seller.type_index.name == "type"
    assert list(seller.alternative_index) == ["outside", "L", "H"] and seller.alternative_index.name == "alternative"
    assert seller.outside_label == "outside"
    assert om.MultiProductSeller([[1.0, 2.0], [2.0, 3.5]], alternatives=[1, 2]).outside_label == 0
    a = seller.mechanism_problem([0.5, 0.5]).solve()
    b = seller.optimal_mechanism([0.5, 0.5]).solve()  # stable name: no warning
    assert a.value == pytest.approx(1.25, abs=TOL) and b.value == pytest.approx(a.value, abs=1e-12)
    pd.testing.assert_frame_equal(a["allocation"], b["allocation"])


def test_optimal_mechanism_does_not_warn():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        section3().optimal_mechanism([0.5, 0.5])


def test_deprecated_types():
    seller = three_type_example()
    with pytest.warns(DeprecationWarning, match="type_index"):
        old = seller.types
    pd.testing.assert_index_equal(old, seller.type_index)


def test_deprecated_alternatives():
    seller = three_type_example()
    with pytest.warns(DeprecationWarning, match="alternative_index"):
        old = seller.alternatives
    pd.testing.assert_index_equal(old, seller.alternative_index)


def test_deprecated_outside():
    seller = section3()
    with pytest.warns(DeprecationWarning, match="outside_label"):
        old = seller.outside
    assert old == seller.outside_label == "outside"


def test_pareto_check_verdict():
    seller = section3()
    good = seller.check_segmentation([0.5, 0.5], [[0.875, 0.125], [0.375, 0.625]], [0.25, 0.75])
    assert good.ok is True and good.pareto_improving and good.reasons == [] and bool(good)
    # q = 3/4 with a segment at q'' = 0.9: t2 gets 0 < 1/4 there
    w = (0.9 - 0.75) / (0.9 - 0.5)
    bad = seller.check_segmentation([0.25, 0.75], [[0.5, 0.5], [0.1, 0.9]], [w, 1 - w])
    assert bad.ok is False and not bad.pareto_improving and not bad
    assert any("'t2' loses" in r and "segment 1" in r for r in bad.reasons), bad.reasons
    # the trivial segmentation (the market itself) changes nothing: no strict gain
    same = seller.check_segmentation([0.5, 0.5], [[0.5, 0.5]], [1.0])
    assert not same.ok and len(same.reasons) == 1 and "no type gains" in same.reasons[0]
    seg = seller.pareto_improving_segmentation([0.5, 0.5])
    assert seg.ok and seg.reasons == []


# ---------------------------------------------------------------- issue 23: complex numbers, bare strings
@pytest.mark.parametrize("valuations", [np.array([[1.0, 2.0], [3.0, 5.0]]) + 1j,
                                        pd.DataFrame([[1.0, 2j], [3.0, 5.0]], index=["a", "b"], columns=["L", "H"]),
                                        {"a": {"L": 1 + 1j, "H": 2.0}, "b": {"L": 3.0, "H": 5.0}}])
def test_seller_refuses_complex_valuations(valuations):
    with pytest.raises(om.InputError, match=r"^valuations: has complex entries; only real numbers are accepted$"):
        om.MultiProductSeller(valuations)


def test_seller_refuses_a_bare_string_of_labels():
    with pytest.raises(om.InputError, match=r"^types: expected a list of labels, got the string 'ab'"):
        om.MultiProductSeller([[1.0, 2.0], [3.0, 5.0]], types="ab")
    with pytest.raises(om.InputError, match=r"^alternatives: expected a list of labels, got the string 'LH'"):
        om.MultiProductSeller([[1.0, 2.0], [3.0, 5.0]], alternatives="LH")
    with pytest.raises(om.InputError, match=r"^types: expected a list of labels, got the string 'ab'"):
        om.MultiProductSeller.linear([1.0, 2.0], [1.0, 2.0], types="ab")

"""Haghpanah & Siegel (2021): the Section 3 example, the §6.1.1 three-type example and the
property tests of spec Part C (HS items 1-7) on seeded random instances."""

import numpy as np
import pytest

import optmarkets as om
from optmarkets.app.reproduce import reproduce
from optmarkets.papers.hs.examples import _single_split, section3, three_type_example

TOL = 1e-7


def random_seller(rng, n=None, k=None):
    """Spec Part C: n in [2, 6], k in [1, 4], values on a 0.05 grid + 1e-3 jitter, some negative."""
    n = n or int(rng.integers(2, 7))
    k = k or int(rng.integers(1, 5))
    values = np.round(rng.uniform(-0.5, 3.0, (n, k)) / 0.05) * 0.05 + 1e-3 * rng.random((n, k))
    return om.MultiProductSeller(values)


def independent_cs(seller, sol):
    """CS per type recomputed from valuations, allocation and payment."""
    V = np.hstack([np.zeros((len(seller.type_index), 1)), seller.valuations.to_numpy()])
    return (V * sol["allocation"].to_numpy()).sum(axis=1) - sol["payment"].to_numpy()


def assert_pareto(seller, market, seg, tol=1e-7):
    """Re-check a segmentation with numpy: averages to the market, every segment's support inside
    supp f, each type weakly better in each segment, some strictly, revenue weakly up."""
    market = np.asarray(market)
    segs, w = seg.segments.to_numpy(), seg.weights.to_numpy()
    assert (w > 0).all() and w.sum() == pytest.approx(1, abs=1e-12)
    np.testing.assert_allclose(w @ segs, market, atol=1e-9)
    assert (segs[:, market == 0] <= 1e-12).all()
    before = independent_cs(seller, seller.selected(market))
    strict, revenue = False, 0.0
    for wi, g in zip(w, segs):
        sol = seller.selected(g)
        cs = independent_cs(seller, sol)
        on = g > 1e-12
        assert (cs[on] >= before[on] - tol * seller.scale).all()
        strict |= bool((cs[on] > before[on] + tol * seller.scale).any())
        revenue += wi * sol.value
    assert strict
    assert revenue >= seller.selected(market).value - 1e-9
    return revenue - seller.selected(market).value


# ---------------------------------------------------------------- Section 3
@pytest.mark.parametrize("q", [0.0, 0.1, 0.25, 0.4, 0.5, 0.75, 0.8, 1.0])
def test_section3_revenue_and_cs(q):
    seller = section3()
    sol = seller.optimal_mechanism([1 - q, q]).solve()
    assert sol.value == pytest.approx(max(1, 0.75 + q, 2 * q), abs=TOL)
    cs_high = 1.0 if q <= 0.25 else 0.25 if q <= 0.75 else 0.0
    if q > 0:
        assert sol["consumer_surplus"]["t2"] == pytest.approx(cs_high, abs=1e-6)
    if q < 1:
        assert sol["consumer_surplus"]["t1"] == pytest.approx(0.0, abs=1e-6)
    assert seller.two_type_revenue(q) == pytest.approx(sol.value, abs=1e-12)


def test_section3_q_three_quarters_not_improvable():
    seller = section3()
    search = seller.pareto_search([0.25, 0.75])
    assert search.segmentation is None and search.status == "breakpoint"
    assert seller.pareto_improving_segmentation([0.25, 0.75]) is None
    assert not seller.unique_payment_rule([0.25, 0.75])
    # grid of two-segment splits: every one has a segment with q'' > 3/4, where t2 gets 0 < 1/4
    for q1 in (0.1, 0.3, 0.5, 0.7):
        for q2 in (0.8, 0.9, 1.0):
            w = (q2 - 0.75) / (q2 - q1)
            chk = seller.check_segmentation([0.25, 0.75], [[1 - q1, q1], [1 - q2, q2]], [w, 1 - w])
            assert not chk.pareto_improving
            assert chk.average_cs_change < 0  # footnote 4: average CS falls too


def test_section3_q_half_improvable_and_revenue_up():
    seller = section3()
    seg = seller.pareto_improving_segmentation([0.5, 0.5])
    assert seg.method.startswith("two types")
    gain = assert_pareto(seller, [0.5, 0.5], seg)
    assert gain > 0 and seg.revenue_change == pytest.approx(gain, abs=1e-9)
    assert seg.details["q_low"] < 0.25 < 0.5 < seg.details["q_high"] < 0.75


def test_section3_single_product_split():
    """One quality, q = 3/4: price 2, CS 0; "all t1 + mass y of t2" is Pareto improving, revenue 1.75 - y."""
    seller = section3(qualities=1)
    sol = seller.optimal_mechanism([0.25, 0.75]).solve()
    assert sol.value == pytest.approx(1.5, abs=TOL)
    assert sol["payment"]["t2"] == pytest.approx(2, abs=1e-6)
    for y in (0.1, 0.2, 0.25):
        chk = seller.check_segmentation([0.25, 0.75], *_single_split(y))
        assert chk.pareto_improving
        assert chk.revenue_after == pytest.approx(1.75 - y, abs=1e-7)
    seg = seller.bbm_segmentation([0.25, 0.75])  # BBM greedy = the y = 1/4 split: revenue unchanged
    assert seg.method.startswith("BBM")
    np.testing.assert_allclose(seg.segments.to_numpy(), [[0.5, 0.5], [0, 1]], atol=1e-12)
    assert seg.revenue_after == pytest.approx(1.5, abs=1e-7)
    best = seller.pareto_improving_segmentation([0.25, 0.75])  # the default also raises revenue (Theorem 1)
    assert best.pareto_improving and best.revenue_after > 1.5 + 1e-6


def test_footnote11_corrected():
    """Min-CS selection at q = 1/4 (pure screening, CS_H = 1/4) is improvable: spec §B.6."""
    seller = section3()
    chk = seller.check_segmentation([0.75, 0.25], [[0.9, 0.1], [0.5, 0.5]], [0.625, 0.375], rule="mincs")
    assert chk.pareto_improving
    assert chk.revenue_before == pytest.approx(1.0, abs=TOL)
    assert chk.revenue_after == pytest.approx(1.09375, abs=TOL)
    np.testing.assert_allclose(chk.cs_segments["t2"], [1.0, 0.25], atol=1e-6)


# ---------------------------------------------------------------- §6.1.1 three types
MARKET = [0.625, 0.1442, 0.2308]  # spec §B.5 prints it rounded: (0.625, 0.144, 0.231)


def test_three_type_mechanism():
    seller = three_type_example()
    sol = seller.optimal_mechanism(MARKET).solve()
    np.testing.assert_allclose(sol["payment"], [1, 1, 3], atol=1e-6)
    np.testing.assert_allclose(sol["consumer_surplus"], [0, 1, 1], atol=1e-6)
    np.testing.assert_allclose(sol["allocation"][["a1", "a2"]], [[1, 0], [1, 0], [0, 1]], atol=1e-6)
    assert seller.unique_payment_rule(MARKET)


def test_three_type_prop3_and_theorem1():
    seller = three_type_example()
    fp, chain, mech = seller.prop3_market(MARKET)
    np.testing.assert_allclose(fp, [0.75, 0.21875, 0.03125], atol=1e-12)
    assert chain == ["t3", "t2", "t1"]
    np.testing.assert_allclose(mech.loc[["t1", "t2", "t3"], "payment"], [1, 1.5, 1.5], atol=1e-7)
    star = seller.optimal_mechanism(fp.to_numpy()).solve()
    assert star["efficient"]
    np.testing.assert_allclose(star["consumer_surplus"], [0, 1, 2.5], atol=1e-6)
    np.testing.assert_allclose(star["payment"], [1, 1.5, 1.5], atol=1e-6)
    assert seller.payment_ranges(fp.to_numpy())["unique"].all()  # M* is the unique optimum of f'
    seg = seller.pareto_improving_segmentation(MARKET)
    assert seg.method.startswith("Theorem 1")
    assert seg.details["epsilon"] == pytest.approx(0.330, abs=5e-4)
    np.testing.assert_allclose(seg.segments.iloc[1], [0.563, 0.108, 0.329], atol=1e-3)
    assert seg.revenue_before == pytest.approx(1.4616, abs=1e-9)
    assert seg.revenue_after == pytest.approx(1.4822, abs=1e-9)
    assert_pareto(seller, MARKET, seg)


def test_three_type_no_two_type_market_dominates():
    """The paper: no market on two of the types Pareto-dominates f (a coarse grid of the 2,997)."""
    seller = three_type_example()
    before = seller.selected(MARKET)["consumer_surplus"].to_numpy()
    for i, j in [(0, 1), (0, 2), (1, 2)]:
        for q in np.linspace(0.02, 0.98, 17):
            g = np.zeros(3)
            g[i], g[j] = 1 - q, q
            cs = seller.selected(g)["consumer_surplus"].to_numpy()
            on = g > 0
            dominates = (cs[on] >= before[on] - 1e-7).all() and (cs[on] > before[on] + 1e-7).any()
            assert not dominates, g


def test_reproduce_registered_examples():
    table = reproduce(match="hs-")
    assert len(table) >= 20 and table["match"].all(), table[~table["match"]]


# ---------------------------------------------------------------- Part C (HS) random instances
def test_two_type_closed_form_matches_lp(rng):
    """HS 3: CS_L = 0, CS_H nonincreasing with <= k+1 levels, closed form = M-LP; Prop 2 splits."""
    checked = 0
    while checked < 5:
        seller = random_seller(rng, n=2)
        if seller.two_type_labels() is None:
            f = rng.dirichlet([1, 1])
            assert seller.selected(f)["efficient"]
            continue
        iv = seller.two_type_intervals()
        lo, hi = iv.attrs["low"], iv.attrs["high"]
        k = len(seller.alternative_index) - 1
        assert len(iv) <= k + 1 and (np.diff(iv["cs_high"]) < 0).all()
        for q in np.linspace(0.05, 0.95, 6):
            f = np.where(seller.type_index == hi, q, 1 - q)
            sol = seller.selected(f)
            assert sol.value == pytest.approx(seller.two_type_revenue(q), abs=1e-7)
            assert sol["consumer_surplus"][lo] == pytest.approx(0, abs=1e-6)
            j = int(np.searchsorted(iv["start"], q, side="right") - 1)
            if not np.isclose(iv["start"], q, atol=1e-6).any():
                assert sol["consumer_surplus"][hi] == pytest.approx(iv["cs_high"].iloc[j], abs=1e-6)
                seg = seller.pareto_improving_segmentation(f, method="two-type")
                assert (seg is None) == (j == 0)
                if seg is not None:
                    assert assert_pareto(seller, f, seg) > 0
        checked += 1


def test_observation1_efficient_markets_not_improvable(rng):
    """HS 4: random two-segment splits of efficient markets never raise average CS."""
    found = 0
    while found < 6:
        seller = random_seller(rng, n=int(rng.integers(2, 5)))
        n = len(seller.type_index)
        f = rng.dirichlet(np.ones(n))
        if not seller.selected(f)["efficient"]:
            continue
        assert seller.pareto_search(f).status == "efficient"
        for _ in range(3):
            g = rng.dirichlet(np.ones(n))
            w = 0.5 * float((f / g).min())
            h = (f - w * g) / (1 - w)
            chk = seller.check_segmentation(f, [g, h], [w, 1 - w])
            assert chk.average_cs_change <= 1e-7 * seller.scale
            assert not chk.pareto_improving
        found += 1


def test_theorem1_pipeline_random(rng):
    """HS 5 and HS 1: selected mechanisms are IC/IR; on inefficient markets with a unique payment
    rule the Theorem 1 segmentation exists, averages to f, stays in supp f, is Pareto improving,
    strictly raises revenue, and f' is efficient."""
    done = 0
    while done < 8:
        seller = random_seller(rng, n=int(rng.integers(3, 6)), k=int(rng.integers(2, 5)))
        n = len(seller.type_index)
        f = rng.dirichlet(np.ones(n))
        sol = seller.selected(f)
        assert sol.value >= -1e-9
        if sol["efficient"] or not seller.unique_payment_rule(f):
            continue
        seg = seller.pareto_improving_segmentation(f, method="theorem1")
        assert seg is not None
        fp = seg.segments.iloc[0].to_numpy()
        assert seller.selected(fp)["efficient"]
        assert assert_pareto(seller, f, seg) > 0
        done += 1


def test_bbm_single_alternative_random(rng):
    """HS 6: with one alternative, BBM's greedy segmentation improves every inefficient market;
    revenue stays at the uniform-price profit."""
    done = 0
    while done < 6:
        seller = random_seller(rng, n=int(rng.integers(2, 7)), k=1)
        f = rng.dirichlet(np.ones(len(seller.type_index)))
        if seller.selected(f)["efficient"]:
            continue
        seg = seller.bbm_segmentation(f)
        assert seg.method.startswith("BBM")
        gain = assert_pareto(seller, f, seg)
        assert gain == pytest.approx(0, abs=1e-7)
        for _, g in seg.segments.iterrows():
            assert seller.selected(g.to_numpy())["efficient"]
        done += 1


# ---------------------------------------------------------------- linear valuations (App. C.1)
def random_linear(rng):
    n, k = int(rng.integers(2, 6)), int(rng.integers(1, 4))
    v = np.sort(rng.choice(np.arange(1, 30), n, replace=False)) / 10
    a = np.sort(rng.choice(np.arange(1, 20), k, replace=False)) / 10
    C = np.round(rng.uniform(0, 1.5, k) * a ** 1.5, 2) + 1e-3 * rng.random(k)
    return om.MultiProductSeller.linear(v, a, C), rng.dirichlet(np.ones(n))


def test_linear_ironing_identity_prop6_and_corollary2(rng):
    """HS 7: profit = sum f max(phi a - C); Prop 6 CS; (t, delta) splits improve when Cor. 2 holds."""
    improved = 0
    for _ in range(14):
        seller, f = random_linear(rng)
        sol = seller.selected(f)
        assert seller.virtual_surplus_profit(f) == pytest.approx(sol.value, abs=1e-7)
        v = seller.linear_values
        abar = sol["allocation"].to_numpy() @ seller.qualities
        prop6 = np.concatenate([[0], np.cumsum(np.diff(v) * abar[:-1])])
        np.testing.assert_allclose(sol["consumer_surplus"], prop6, atol=1e-6)
        test = seller.corollary2(f)
        seg = seller.corollary2_segmentation(f)
        assert (seg is not None) == bool(test["improvable"].any())
        if seg is not None:
            assert_pareto(seller, f, seg, tol=1e-6)
            improved += 1
    assert improved >= 3


def test_virtual_values_regular_and_ironed():
    # regular: v = (1, 2), f = (1/2, 1/2): F~ = (1, 1/2), R = (1, 1): phi(t2) = 2, phi(t1) = (1 - 1)/(1/2) = 0
    seller = om.MultiProductSeller.linear([1, 2], [1])
    np.testing.assert_allclose(seller.virtual_values([0.5, 0.5]), [0.0, 2.0], atol=1e-12)
    # ironed: v = (1, 2, 2.2), f = (0.2, 0.7, 0.1): R = (1, 1.6, 0.22) is concave here? F~ = (1, .8, .1)
    seller = om.MultiProductSeller.linear([1, 2, 2.2], [1])
    f = np.array([0.2, 0.7, 0.1])
    phi = seller.virtual_values(f).to_numpy()
    R = np.array([1, 1.6, 0.22, 0])
    np.testing.assert_allclose(phi, (R[:-1] - R[1:]) / f, atol=1e-12)  # concave: no ironing
    # ironed: v = (1, 1.2, 4), f = (.5, .1, .4): F~ = (1, .5, .4), R = (1, .6, 1.6) is not concave;
    # R_IR is the chord from (.4, 1.6) to (1, 1) (slope -1), so t1 and t2 share phi = -1
    seller = om.MultiProductSeller.linear([1, 1.2, 4], [1])
    f = np.array([0.5, 0.1, 0.4])
    np.testing.assert_allclose(seller.virtual_values(f), [-1.0, -1.0, 4.0], atol=1e-12)
    assert seller.virtual_surplus_profit(f) == pytest.approx(seller.selected(f).value, abs=1e-8)

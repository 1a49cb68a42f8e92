"""Haghpanah & Siegel (2021), issue 27 item 5: the payment polytope P (Lemma 2, Fig. 5), several optimal payment
rules only on the hyperplanes H_{p,p'} (Lemmas 3-4, Prop. 4), Lemma 6, Fig. 9's ironed-interval perturbation,
Corollary 2's "only if" by brute force over grid segmentations, and Corollary 4 (piecewise-linear cost).

Each test compares the package with something written here: scipy LPs over the IC-IR constraints built in this
file, exact Fraction arithmetic, closed forms by hand."""

from fractions import Fraction
from itertools import combinations

import numpy as np
import pytest
from scipy import optimize

import optmarkets as om
from optmarkets.app.reproduce import reproduce
from optmarkets.papers.hs.claims import PaymentPolytope, is_bounded, payment_polytope, simple_example
from optmarkets.papers.hs.claims_c1 import grid_segmentation_weight, grid_surplus, pl_example, simplex_grid
from optmarkets.papers.hs.examples import section3

TOL = 1e-7


def qx_constraints(V):
    """IC-IR over z = (x, p) written here: A_ub z <= 0, A_eq z = 1 (V includes the outside option column 0)."""
    n, k1 = V.shape
    N = n * k1 + n
    rows = []
    for t in range(n):
        for s in range(n):
            if s != t:
                r = np.zeros(N)
                r[s * k1:(s + 1) * k1] += V[t]
                r[t * k1:(t + 1) * k1] -= V[t]
                r[n * k1 + s] -= 1
                r[n * k1 + t] += 1
                rows.append(r)
        r = np.zeros(N)
        r[t * k1:(t + 1) * k1] = -V[t]
        r[n * k1 + t] = 1
        rows.append(r)
    A_eq = np.zeros((n, N))
    for t in range(n):
        A_eq[t, t * k1:(t + 1) * k1] = 1
    bounds = [(0, None)] * (n * k1) + [(None, None)] * n
    return np.array(rows), A_eq, bounds


def direction_maximisers(V, rng, samples):
    """argmax c . p over P for random c with sum c > 0 (scipy), each rounded; the set of them."""
    A_ub, A_eq, bounds = qx_constraints(V)
    n, k1 = V.shape
    hits = set()
    for _ in range(samples):
        c = rng.normal(size=n)
        c += (0.2 - c.sum()) / n + rng.random() * np.abs(c).sum() / n
        res = optimize.linprog(np.concatenate([np.zeros(n * k1), -c]), A_ub=A_ub, b_ub=np.zeros(len(A_ub)),
                               A_eq=A_eq, b_eq=np.ones(n), bounds=bounds, method="highs")
        assert res.status == 0
        hits.add(tuple(np.round(res.x[n * k1:], 7)))
    return hits


def rounded(points):
    return {tuple(np.round(np.array(p, dtype=float), 7)) for p in points}


def random_seller(rng, n, k):
    values = np.round(rng.uniform(0, 3, (n, k)) * 4) / 4 + 1e-3 * rng.integers(0, 3, (n, k))
    return om.MultiProductSeller(values)


# ---------------------------------------------------------------- Lemma 2 / Fig. 5 (a)
def test_section3_payment_polytope_by_hand():
    """P_V of Sec. 3 = the three menus' payment rules and (3/4, 1/4): t1 buys L at 3/4, t2 gets H with
    probability 1/4 for 1/4 (t2's IC to t1's entry binds: 2/4 - 1/4 = 1 - 3/4)."""
    P = payment_polytope(section3())
    F = Fraction
    assert set(P.vertices) == {(F(0), F(2)), (F(3, 4), F(1, 4)), (F(3, 4), F(7, 4)), (F(1), F(1))}
    assert set(P.market_optimal()) == {(F(0), F(2)), (F(3, 4), F(7, 4)), (F(1), F(1))}
    V = [[F(0), F(3, 4), F(1)], [F(0), F(1), F(2)]]
    for x, p in P.mechanisms:  # every lifted vertex is IC-IR, checked in rationals here
        for t in range(2):
            u = sum(a * b for a, b in zip(V[t], x[t])) - p[t]
            assert u >= 0 and sum(x[t]) == 1 and min(x[t]) >= 0
            assert all(u >= sum(a * b for a, b in zip(V[t], x[s])) - p[s] for s in range(2))
    assert not is_bounded(section3())


@pytest.mark.parametrize("n,k,seed", [(2, 1, 0), (2, 2, 1), (2, 3, 2), (3, 1, 3), (3, 2, 4)])
def test_polytope_vertices_match_direction_sampling_and_mlp(n, k, seed):
    """P_V = the maximisers of c . p (sum c > 0) found by scipy over IC-IR written here; M-LP's revenue is
    max_{P_V} f . p exactly and its selected payment rule a vertex."""
    rng = np.random.default_rng(seed)
    seller = random_seller(rng, n, k)
    P = payment_polytope(seller)
    # completeness: the maximiser over IC-IR of a random direction (sum c > 0) is always a vertex of P_V
    assert direction_maximisers(seller.V, rng, 60) <= rounded(P.vertices)
    # each claimed vertex is the unique maximiser over IC-IR of a direction that separates it from the others
    A_ub, A_eq, bounds = qx_constraints(seller.V)
    k1 = seller.V.shape[1]
    V = np.array(P.vertices, dtype=float)
    for i, p in enumerate(V):
        others = np.delete(V, i, axis=0)
        # max m: c . (p - p') >= m, sum c >= m, |c| <= 1
        sep = optimize.linprog(np.concatenate([np.zeros(n), [-1.0]]),
                               A_ub=np.vstack([np.hstack([others - p, np.ones((len(others), 1))]),
                                               np.concatenate([-np.ones(n), [1.0]])[None, :]]),
                               b_ub=np.zeros(len(others) + 1), bounds=[(-1, 1)] * n + [(None, 1)], method="highs")
        assert sep.status == 0 and -sep.fun > 1e-9
        c = sep.x[:n]
        res = optimize.linprog(np.concatenate([np.zeros(n * k1), -c]), A_ub=A_ub, b_ub=np.zeros(len(A_ub)),
                               A_eq=A_eq, b_eq=np.ones(n), bounds=bounds, method="highs")
        np.testing.assert_allclose(res.x[n * k1:], p, atol=1e-6)
    for f in rng.dirichlet(np.ones(n), 4):
        sol = seller.selected(f)
        assert sol.value == pytest.approx(float(P.revenue(f)), abs=TOL)
        pay = sol["payment"].to_numpy()
        assert np.abs(np.array(P.vertices, dtype=float) - pay).max(axis=1).min() <= 1e-6


# ---------------------------------------------------------------- Lemmas 3-4, Prop. 4, Fig. 5 (b)
def argmax_vertices(P: PaymentPolytope, f):
    values = np.array(P.vertices, dtype=float) @ f
    return values, np.flatnonzero(values >= values.max() - 1e-9)


@pytest.mark.parametrize("n,k,seed", [(2, 2, 5), (3, 1, 6), (3, 2, 7)])
def test_unique_payment_rule_off_hyperplanes_several_on_them(n, k, seed):
    rng = np.random.default_rng(seed)
    seller = random_seller(rng, n, k)
    P = payment_polytope(seller)
    V = np.array(P.vertices, dtype=float)
    for f in rng.dirichlet(np.ones(n), 3):  # generic: one vertex wins by a margin (checked), unique, stable
        _, top = argmax_vertices(P, f)
        assert len(top) == 1
        assert seller.unique_payment_rule(f)
        np.testing.assert_allclose(seller.selected(f)["payment"], V[top[0]], atol=1e-6)
        g = f + 1e-4 * (rng.dirichlet(np.ones(n)) - f)  # Lemma 3: a small perturbation keeps the rule
        np.testing.assert_allclose(seller.selected(g)["payment"], V[top[0]], atol=1e-6)
    top = P.market_optimal()
    pairs = 0
    for p, q in combinations(top, 2):
        f = P.boundary_market(p, q)
        if f is None:
            continue
        pairs += 1
        # exactly on H_{p,q}: p and q tie within round-off, both beat every other vertex
        assert float(np.dot(f, np.array(p, dtype=float) - np.array(q, dtype=float))) == pytest.approx(0, abs=1e-9)
        ranges = seller.payment_ranges(f)
        assert not ranges["unique"].all()
        lo = np.minimum(np.array(p, dtype=float), np.array(q, dtype=float))
        hi = np.maximum(np.array(p, dtype=float), np.array(q, dtype=float))
        np.testing.assert_allclose(ranges["low"], lo, atol=1e-6)
        np.testing.assert_allclose(ranges["high"], hi, atol=1e-6)
    assert pairs >= len(top) - 1  # the market fan is connected


# ---------------------------------------------------------------- Lemma 6 (Online App. B.1.1)
def random_simple(rng):
    """t_L below every type on every alternative, a best alternative (last column) for every type."""
    n, k = 3, 2
    low = np.round(rng.uniform(0.5, 1.5, k) * 4) / 4
    low[-1] = low[:-1].max() + 0.25
    values = low + np.round(rng.uniform(0.25, 1.5, (n, k)) * 4) / 4
    values[0] = low
    values[:, -1] = np.maximum(values[:, -1], values[:, :-1].max(axis=1) + 0.25)
    V = values
    assert (V[0] < V[1:]).all() and (V[:, -1:] > V[:, :-1]).all()
    return om.MultiProductSeller(values)


def test_lemma6_random_simple_environments(rng):
    checked = 0
    for _ in range(40):
        seller = random_simple(rng)
        f = rng.dirichlet(np.ones(3))
        sol = seller.selected(f)
        if sol["efficient"]:
            continue
        V, best = seller.V, seller.V.shape[1] - 1
        P = payment_polytope(seller)
        revenue = max(float(np.dot(f, np.array(p, dtype=float))) for _, p in P.mechanisms)
        assert sol.value == pytest.approx(revenue, abs=TOL)
        optimal = [(np.array(x, dtype=float), np.array(p, dtype=float)) for x, p in P.mechanisms
                   if float(np.dot(f, np.array(p, dtype=float))) >= revenue - 1e-9]
        mechanisms = optimal + [(s["allocation"].to_numpy(), s["payment"].to_numpy())
                                for s in (sol, seller.selected(f, rule="mincs"))]
        for x, p in mechanisms:
            assert V[0] @ x[0] - p[0] == pytest.approx(0, abs=1e-7)  # (1)
            gets = x[:, best] >= 1 - 1e-7
            assert gets.any()  # (2)
            assert (p[gets] > V[0, best] + 1e-7).any()  # (3)
        # Prop. 3 for simple environments: (1 - eps) t_L + eps t_abar, eps below the paper's bound
        t = int(np.flatnonzero(sol["allocation"].to_numpy()[:, best] >= 1 - 1e-7)[-1])
        gap = V[0, best] - V[0, :best]
        eps = 0.9 * float((gap / (gap + V[t, best])).min())
        g = np.zeros(3)
        g[0], g[t] = 1 - eps, eps
        two = seller.selected(g)
        assert two["payment"].iloc[t] == pytest.approx(V[0, best], abs=1e-7)
        assert two["consumer_surplus"].iloc[t] > sol["consumer_surplus"].iloc[t] + 1e-7
        checked += 1
        if checked == 3:
            break
    assert checked == 3


# ---------------------------------------------------------------- Fig. 9 (App. C.1, Lemma 7)
def phi_exact(v, f):
    """Virtual values in rationals: R_IR(F~(t)) as the best chord over the points (F~, v F~) and (0, 0)."""
    F = [sum(f[t:], Fraction(0)) for t in range(len(f))] + [Fraction(0)]
    pts = [(F[t], v[t] * F[t]) for t in range(len(f))] + [(Fraction(0), Fraction(0))]

    def hull(x):
        best = max(y for px, y in pts if px == x) if any(px == x for px, _ in pts) else None
        for (x1, y1), (x2, y2) in combinations(pts, 2):
            if min(x1, x2) <= x <= max(x1, x2) and x1 != x2:
                y = y1 + (y2 - y1) * (x - x1) / (x2 - x1)
                best = y if best is None else max(best, y)
        return best

    R = [hull(x) for x in F]
    return [(R[t] - R[t + 1]) / f[t] for t in range(len(f))], R, F


def test_figure9_perturbation_raises_phi_on_the_ironed_interval(rng):
    seen_ironed = moved_above = 0
    for _ in range(30):
        n = int(rng.integers(3, 6))
        v = sorted(rng.choice(np.arange(4, 40), n, replace=False) / 4)
        f = [Fraction(int(c), 20) for c in rng.multinomial(20 - n, np.ones(n) / n) + 1]
        t = int(rng.integers(0, n - 1))
        delta = Fraction(-int(rng.integers(1, 10)), 10)
        g = list(f)
        above = sum(f[t + 1:], Fraction(0))
        g[t + 1:] = [m * (1 + delta) for m in f[t + 1:]]
        g[t] = f[t] - delta * above
        vq = [Fraction(x).limit_denominator(4) for x in v]
        phi, R, F = phi_exact(vq, f)
        phi2, _, _ = phi_exact(vq, g)
        seller = om.MultiProductSeller.linear(v, [1.0])
        np.testing.assert_allclose(seller.virtual_values([float(m) for m in f]), [float(p) for p in phi], atol=1e-9)
        gg = seller.perturbation([float(m) for m in f], seller.type_index[t], float(delta))
        np.testing.assert_allclose(gg, [float(m) for m in g], atol=1e-12)
        np.testing.assert_allclose(seller.virtual_values(gg), [float(p) for p in phi2], atol=1e-9)
        on = [R[s] == vq[s] * F[s] for s in range(n)] + [True]
        t_low = max(s for s in range(t + 1) if on[s])
        t_high = min(s for s in range(t + 1, n + 1) if on[s])
        seen_ironed += t_high - t_low > 1
        # Lemma 7's proof: phi' >= phi everywhere, phi'(t) > phi(t); below t_L nothing moves
        assert all(phi2[s] >= phi[s] for s in range(n)) and phi2[t] > phi[t]
        assert all(phi2[s] == phi[s] for s in range(t_low))
        # Fig. 9's "keeps the virtual valuations of all other types unchanged" fails above the interval when the
        # scaled points no longer stay concave against the unchanged ones (corrected row hs-claims-figure9)
        moved_above += any(phi2[s] > phi[s] for s in range(t_high, n))
    assert seen_ironed >= 3 and moved_above >= 1


# ---------------------------------------------------------------- Corollary 2 "only if" (brute force)
def test_corollary2_two_types_iff_on_the_grid():
    """v = (2, 3), qualities {1, 2}, C = (0, 1): on the grid q = k/24 Corollary 2's verdict equals the brute
    force over segmentations into grid markets, for every inefficient q."""
    seller = om.MultiProductSeller.linear([2.0, 3.0], [1.0, 2.0], [0.0, 1.0])
    grid = np.array([[1 - k / 24, k / 24] for k in range(25)])
    surplus = grid_surplus(seller, grid)
    inefficient = 0
    for g in grid[1:-1]:
        test = seller.corollary2(g)
        if test["efficient"].all():
            continue
        inefficient += 1
        assert test["improvable"].any() == (grid_segmentation_weight(seller, g, grid, surplus) > 1e-7)
        # by hand: phi(t1) = (2 - 3q)/(1 - q) and q = 2/3 is the only inefficient market with phi = min Phi
        assert test["improvable"].any() == (not np.isclose(g[1], 2 / 3))
    assert inefficient == 11  # q = 13/24, ..., 23/24


def test_corollary2_only_if_three_types():
    """v = (2, 2.5, 2.75), qualities {1, 2}, C = (0, 1.1) (found by a seeded search over small sellers): the full-
    support markets of the 1/10 grid that are inefficient and fail Corollary 2's test are exactly f(t1) = 0.2 with
    f(t3) >= 0.1 and none has a Pareto-improving segmentation into the 66 grid markets."""
    seller = om.MultiProductSeller.linear([2.0, 2.5, 2.75], [1.0, 2.0], [0.0, 1.1])
    grid = simplex_grid(3, 10)
    stuck = [g for g in grid[(grid > 0).all(axis=1)]
             if not seller.corollary2(g)["efficient"].all() and not seller.corollary2(g)["improvable"].any()]
    np.testing.assert_allclose([g[0] for g in stuck], [0.2] * 6)
    surplus = grid_surplus(seller, grid)
    for g in stuck:
        assert grid_segmentation_weight(seller, g, grid, surplus) <= 1e-9
    # and the brute force is not blind: an improvable market next to them has a grid segmentation
    g = np.array([0.3, 0.4, 0.3])
    assert seller.corollary2(g)["improvable"].any() and not seller.corollary2(g)["efficient"].all()
    assert grid_segmentation_weight(seller, g, grid, surplus) > 1e-7


# ---------------------------------------------------------------- Corollary 4 (piecewise-linear cost)
def test_corollary4_kinks_suffice_and_stuck_markets_are_finite(rng):
    kinks, fine = pl_example(), pl_example(np.arange(1, 41) / 40)
    for q in rng.uniform(0.05, 0.95, 3):
        assert fine.selected([1 - q, q]).value == pytest.approx(kinks.selected([1 - q, q]).value, abs=TOL)
    # phi(t1) = (1 - 2q)/(1 - q) crosses the cost slopes 0.6 and 0.2 at q = 2/7 and 4/9 (by hand)
    np.testing.assert_allclose(kinks.two_type_intervals()["start"].iloc[1:], [2 / 7, 4 / 9], atol=1e-9)
    for q in (0.35, 0.5, 0.9):
        assert kinks.corollary2([1 - q, q])["improvable"].any()
        seg = kinks.corollary2_segmentation([1 - q, q])
        assert seg is not None and seg.pareto_improving
    test = kinks.corollary2([5 / 9, 4 / 9])
    assert not test["efficient"].all() and not test["improvable"].any()
    assert kinks.pareto_search([5 / 9, 4 / 9]).status == "breakpoint"


@pytest.mark.slow  # tests/papers/test_haghpanah_siegel.py::test_reproduce_registered_examples runs every hs- row
def test_reproduce_claim_rows():
    table = reproduce(match="hs-claims")
    assert len(table) >= 60 and table["match"].all(), table[~table["match"]]
    assert set(table["example"]) == {"hs-claims-lemma2", "hs-claims-lemma4", "hs-claims-lemma6",
                                     "hs-claims-figure9", "hs-claims-corollary2", "hs-claims-corollary4"}


def test_lemma6_example_is_simple():
    V = simple_example().valuations.to_numpy()
    assert (V[0] < V[1:]).all() and (V[:, 1] > V[:, 0]).all()  # t_L lowest, a2 best for every type


def test_polytope_brute_force_refuses_large_sellers():
    with pytest.raises(om.CapabilityError, match="active sets"):
        payment_polytope(om.MultiProductSeller(np.arange(1, 13, dtype=float).reshape(4, 3)))

"""BDHN's LPs over one representative per orbit of the buyer swap (and of the state swap when
rho = (1/2, 1/2)): `symmetry="auto"` has the full LP's value, its expanded rule is feasible for the
FULL LP (re-checked here with numpy), and its spread prices are an optimal dual of the full LP
(the full LP's certificate at them; one-sided derivatives; finite-difference re-solves)."""

import numpy as np
import pandas as pd
import pytest

import optmarkets as om
from optmarkets.core.family import PRICE_SIGN, Family
from optmarkets.papers.bdhn.examples import EXACT_TABLE

PROBLEMS = {
    "REV": lambda s, sym: s.revenue_optimal(symmetry=sym),
    "REV-noObed": lambda s, sym: s.revenue_optimal(obedience=False, symmetry=sym),
    "REV-all-pairs-IC": lambda s, sym: s.revenue_optimal(ic="all", symmetry=sym),
    "SB-W": lambda s, sym: s.welfare_optimal(symmetry=sym),
    "FB-W": lambda s, sym: s.welfare_optimal(first_best=True, symmetry=sym),
    "SB-W-implementable": lambda s, sym: s.welfare_optimal(implementable=True, symmetry=sym),
    "VS": lambda s, sym: s.virtual_surplus_problem(symmetry=sym),
    "REV-reduced": lambda s, sym: s.revenue_optimal(form="reduced", symmetry=sym),
}
PRIORS = {"symmetric prior": (0.5, 0.5), "asymmetric prior": (0.7, 0.3)}


def seller(m, prior=(0.5, 0.5), alpha=0.5, dist="exponential", vmax=6):
    return om.InformationSeller.from_distribution(dist, m=m, vmax=vmax, state_prior=list(prior), alpha=alpha)


@pytest.mark.parametrize("prior", list(PRIORS.values()), ids=list(PRIORS))
@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_symmetric_lp_has_the_full_lps_value(problem, prior):
    for m, alpha in ((5, 0.5), (9, 2.0), (12, 0.25)):
        s = seller(m, prior, alpha)
        full = PROBLEMS[problem](s, "none").solve()
        for sym in ("buyers", "auto"):
            sol = PROBLEMS[problem](s, sym).solve()
            assert sol.certificate.ok()
            assert sol.value == pytest.approx(full.value, rel=1e-9, abs=1e-12), (m, alpha, sym)


def test_the_state_swap_is_used_only_for_an_exactly_symmetric_prior():
    m = 6
    columns = {sym: {p: PROBLEMS["REV"](seller(m, prior), sym).var("sigma_sym").size for p, prior in
                     (("half", (0.5, 0.5)), ("almost", (0.5 + 2**-40, 0.5 - 2**-40)))} for sym in ("buyers", "auto")}
    # orbits of sigma: buyer swap 2 (2 m^2 + m) of the 8 m^2 entries; with the state swap half of those
    assert columns["buyers"] == {"half": 4 * m * m + 2 * m, "almost": 4 * m * m + 2 * m}
    assert columns["auto"] == {"half": 2 * m * m + m, "almost": 4 * m * m + 2 * m}
    with pytest.raises(om.InputError, match="symmetry"):
        seller(4).revenue_optimal(symmetry="states")


# ---------------------------------------------------------------- the expanded rule, checked with numpy
def full_lp_residuals(s, sigma, pit, t):
    """Every family of the full REV LP at (sigma, pit, t), recomputed from the data with numpy."""
    m, rho, f, v, a = s.m, s.state_prior, s.type_probs, s.types, s.alpha
    x = sigma.reshape(2, m, m, 2, 2)  # theta, k1, k2, a1, a2
    right = np.eye(2)  # right[theta, a] = 1{a = theta}
    # pi_1(a1, a2; theta) and pi_2, indexed [theta, a1, a2]
    pi1 = right[:, :, None] - a * right[:, None, :]
    pi2 = right[:, None, :] - a * right[:, :, None]
    w = rho[:, None, None] * np.ones((2, m, m))
    out = {"simplex": np.abs(x.sum(axis=(3, 4)) - 1).max(), "sign": max(0.0, -x.min())}
    shares = np.column_stack([np.einsum("tkj,j,tkjab,tab->k", w, f, x, pi1),
                              np.einsum("tjk,j,tjkab,tab->k", w, f, x, pi2)])
    out["interim"] = np.abs(shares - pit).max()
    # obedience of buyer i at (k_i, recommended b): E[pi_i(b, A_j) - pi_i(1 - b, A_j) | k_i, A_i = b] >= 0
    gain1 = np.stack([pi1[:, b] - pi1[:, 1 - b] for b in (0, 1)])  # [b, theta, a2]
    gain2 = np.stack([pi2[:, :, b] - pi2[:, :, 1 - b] for b in (0, 1)])  # [b, theta, a1]
    ob1 = np.einsum("tkj,j,tkjbc,btc->kb", w, f, x, gain1)
    ob2 = np.einsum("tjk,j,tjkcb,btc->kb", w, f, x, gain2)
    out["obedience"] = max(0.0, -min(ob1.min(), ob2.min()))
    # truthfulness against every report (global IC) and IR against K
    U = v[:, None, None] * pit[None, :, :] - t[None, :, :]  # [type, report, buyer]
    own = U[np.arange(m), np.arange(m)]
    out["IC"] = max(0.0, float((U - own[:, None, :]).max()))
    out["IR"] = max(0.0, float((v[:, None] * s.K - own).max()))
    out["revenue"] = float(f @ t.sum(axis=1))
    return out


@pytest.mark.parametrize("prior", list(PRIORS.values()), ids=list(PRIORS))
@pytest.mark.parametrize("m, alpha", [(6, 0.5), (10, 2.0), (15, 0.75)])
def test_expanded_rule_is_feasible_for_the_full_lp(m, alpha, prior):
    s = seller(m, prior, alpha)
    sol = s.revenue_optimal(symmetry="auto").solve()
    sigma, pit, t = sol["sigma"].to_numpy(), sol["pit"].to_numpy(), sol["t"].to_numpy()
    residuals = full_lp_residuals(s, sigma, pit, t)
    assert residuals.pop("revenue") == pytest.approx(sol.value, rel=1e-9)
    for name, residual in residuals.items():
        assert residual <= 1e-9, name
    # the solution is the symmetric one: sigma(a1, a2 | theta, k1, k2) = sigma(a2, a1 | theta, k2, k1)
    x = sigma.reshape(2, m, m, 2, 2)
    assert np.array_equal(x, x.transpose(0, 2, 1, 4, 3))
    assert np.array_equal(pit[:, 0], pit[:, 1]) and np.array_equal(t[:, 0], t[:, 1])
    if prior[0] == prior[1]:
        assert np.array_equal(x, x[::-1, :, :, ::-1, ::-1])


def test_outputs_keep_the_full_lps_shapes_and_labels():
    s = seller(7, alpha=2.0)
    full, sym = s.revenue_optimal().solve(), s.revenue_optimal(symmetry="auto").solve()
    for name in ("sigma", "h", "pit", "t", "accuracy", "binding", "payments"):
        a, b = full[name], sym[name]
        assert a.shape == b.shape and a.index.equals(b.index) and a.columns.equals(b.columns), name
    for name in ("simplex", "interim_1", "interim_2", "obedience_1", "obedience_2", "truthful_1", "truthful_2",
                 "participation_1", "participation_2", "obedience_cost"):
        a, b = full.prices[name], sym.prices[name]
        assert a.shape == b.shape and a.index.equals(b.index), name
        if isinstance(a, pd.DataFrame):
            assert a.columns.equals(b.columns)


def test_symmetric_solution_matches_the_greedy_rule_and_payments():
    s = seller(10, (0.75, 0.25), 2.0)
    g, sol = s.greedy("revenue"), s.revenue_optimal(symmetry="auto").solve()
    np.testing.assert_allclose(sol["pit"].to_numpy(), np.column_stack([g.pit, g.pit]), atol=1e-8)
    np.testing.assert_allclose(sol["t"].to_numpy(), np.column_stack([g.payments, g.payments]), atol=1e-8)


@pytest.mark.parametrize("key", list(EXACT_TABLE), ids=lambda k: "-".join(map(str, k)))
def test_exact_table_by_symmetric_lp(key):
    w_sb, w_fb, rev, pit1 = EXACT_TABLE[key]
    dist, m, vmax, p, alpha = key
    s = seller(m, (p, 1 - p), alpha, dist, vmax)
    assert s.welfare_optimal(symmetry="auto").solve().value == pytest.approx(w_sb, abs=1e-8)
    assert s.welfare_optimal(first_best=True, symmetry="auto").solve().value == pytest.approx(w_fb, abs=1e-8)
    sol = s.revenue_optimal(symmetry="auto").solve()
    assert sol.value == pytest.approx(rev, abs=1e-8)
    assert sol["pit"].iloc[0].to_numpy() == pytest.approx([pit1, pit1], abs=1e-8)


def test_lazy_obedience_rows_with_symmetry():
    s = seller(16)
    full = s.revenue_optimal().solve()
    model = s.revenue_optimal(symmetry="auto", rows="lazy")
    sol = model.solve()
    assert sol.certificate.ok() and sol.value == pytest.approx(full.value, rel=1e-9)
    assert sol.outputs["row_generation"].iloc[0]["obedience_sym"] < model.families["obedience_sym"].lhs.size
    for name, residual in full_lp_residuals(s, sol["sigma"].to_numpy(), sol["pit"].to_numpy(),
                                            sol["t"].to_numpy()).items():
        assert name == "revenue" or residual <= 1e-9, name
    assert sol.prices["obedience_2"].shape == full.prices["obedience_2"].shape


# ---------------------------------------------------------------- prices: a symmetric optimal dual of the full LP
FAMILIES = ("simplex", "interim_1", "interim_2", "obedience_1", "obedience_2", "truthful_1", "truthful_2",
            "participation_1", "participation_2")


@pytest.mark.parametrize("prior", list(PRIORS.values()), ids=list(PRIORS))
def test_spread_prices_certify_the_full_lp(prior):
    """The full LP's own certificate at the expanded primal and the spread prices: feasible, dual
    feasible, no gap — so the spread prices are an optimal dual of the full LP."""
    s = seller(8, prior, 0.5)
    sym = s.revenue_optimal(symmetry="auto").solve()
    full = s.revenue_optimal()
    for name in ("sigma", "pit", "t"):
        full.var(name).value = sym[name].to_numpy()
    for name in FAMILIES:
        fam = full.families[name]
        price = np.asarray(sym.prices[name], float).reshape(fam.lhs.shape)
        fam.constraint.dual_variables[0].value = price / PRICE_SIGN[(full.sense, fam.sense)]
    cert = full.certify()
    assert cert.ok(1e-9), cert
    assert cert.duality_gap <= 1e-9


def test_dropped_families_prices_lie_in_the_full_lps_one_sided_derivatives():
    s = seller(6, alpha=0.5)
    full, sym = s.revenue_optimal().solve(), s.revenue_optimal(symmetry="auto").solve()
    for name in FAMILIES:
        ranges = full.price_ranges(name)
        lo = np.minimum(ranges["left"], ranges["right"]).to_numpy()
        hi = np.maximum(ranges["left"], ranges["right"]).to_numpy()
        price = np.asarray(sym.prices[name], float).ravel()
        assert np.all(price >= lo - 1e-8) and np.all(price <= hi + 1e-8), name
        unique = np.isclose(lo, hi, atol=1e-9)
        assert np.allclose(price[unique], lo[unique], atol=1e-8), name


def _perturbed_value(s, name, row, h):
    """The full REV LP re-solved with the rhs of one row of family `name` moved by h."""
    model = s.revenue_optimal()
    fam = model.families[name]
    shift = np.zeros(fam.lhs.shape)
    shift[row] = h
    model.families[name] = Family(fam.lhs, fam.sense, fam.rhs + shift, fam.index, fam.description)
    return model.solve("HIGHS").value


@pytest.mark.parametrize("name, row", [("obedience_2", 0), ("obedience_2", 1), ("participation_2", 0),
                                       ("truthful_2", 2), ("interim_2", 3), ("simplex", 37)])
def test_dropped_families_prices_by_finite_differences(name, row):
    """For a max, V is concave in each rhs: every optimal price lies between the secant slopes."""
    s, h = seller(6, alpha=0.5), 1e-4
    base = s.revenue_optimal().solve("HIGHS").value
    right = (_perturbed_value(s, name, row, h) - base) / h
    left = (base - _perturbed_value(s, name, row, -h)) / h
    price = float(np.asarray(s.revenue_optimal(symmetry="auto").solve().prices[name], float).ravel()[row])
    assert right - 1e-6 <= price <= left + 1e-6
    if left - right <= 1e-6:  # differentiable there: the price is the derivative
        assert price == pytest.approx((left + right) / 2, abs=1e-6)

"""Solver choice by problem class (issue 26 items 1 and 8): with no solver named, LPs and MILPs go to
HiGHS, QPs and conic models to Clarabel, PSD models to SCS; a named solver that cannot take the model's
cones raises CapabilityError naming the cone; exact() and price_ranges() are LP-only.

The Eisenberg-Gale market below is worked by hand. Buyers' linear utilities a_ij, budgets B = (1, 3, 2),
supplies S = (1, 2). Guess: buyer 1 (a = (1, 0)) and buyer 3 (a = (3, 1)) buy good 1, buyer 2
(a = (1, 2)) buys good 2; the market clears where each good's price times its supply is the money spent
on it: p1 * 1 = 1 + 2, p2 * 2 = 3, so p = (3, 1.5). Check the guess: buyer 2's bang per buck 1/3 < 2/1.5,
buyer 3's 3/3 > 1/1.5, so each buys only its best good; an equilibrium, unique in prices. The EG program
max sum_i B_i log u_i s.t. sum_i x_ij <= S_j has these prices as the supply duals, and its value is
1 log(1/3) + 3 log(4) + 2 log(2) (u = (1/3, 2 * 2, 3 * 2/3)).
"""

from __future__ import annotations

import math

import cvxpy as cp
import numpy as np
import pytest

import optmarkets as om
from optmarkets.app.cli import main
from optmarkets.core.family import family
from optmarkets.solvers import registry
from optmarkets.solvers.cvxpy_internals import cvxpy_cones, installed_solvers

UTILITY = np.array([[1.0, 0.0], [1.0, 2.0], [3.0, 1.0]])
BUDGETS = np.array([1.0, 3.0, 2.0])
SUPPLY = np.array([1.0, 2.0])
HAND_PRICES = np.array([3.0, 1.5])
HAND_VALUE = math.log(1 / 3) + 3 * math.log(4) + 2 * math.log(2)
#: prices right to 1e-6 relative at the default tol (issue 26 item 3; `test_conic_certificate`)
PRICE_RTOL = 1e-6


def eisenberg_gale(extra: dict | None = None, integer: bool = False, supply: np.ndarray = SUPPLY) -> om.Model:
    m = om.Model("eisenberg_gale")
    x = m.variable("x", (3, 2), nonneg=True, integer=integer)
    m.constrain("supply", family(cp.sum(x, axis=0), "<=", supply))
    for name, fam in (extra or {}).items():
        m.constrain(name, fam(x))
    m.maximize(BUDGETS @ cp.log(cp.sum(cp.multiply(UTILITY, x), axis=1)))
    return m


def test_eisenberg_gale_solves_with_no_solver_named_and_gives_the_hand_prices():
    sol = eisenberg_gale().solve()
    assert sol.solver == "CLARABEL"
    prices = np.asarray(sol.prices["supply"], float)
    np.testing.assert_allclose(prices, HAND_PRICES, rtol=PRICE_RTOL)
    assert sol.value == pytest.approx(HAND_VALUE, rel=PRICE_RTOL)
    # Fisher-market check: each buyer spends its budget at the hand prices
    spent = np.asarray(sol.primal["x"], float) @ HAND_PRICES
    np.testing.assert_allclose(spent, BUDGETS, rtol=PRICE_RTOL)


def test_the_conic_prices_are_central_differences_of_re_solves():
    """Near S = (1, 2) buyers keep their goods, so x11 = S1/3, x31 = 2 S1/3, x22 = S2 and
    V(S) = log(S1/3) + 3 log(2 S2) + 2 log(2 S1): dV/dS = (3/S1, 3/S2) = (3, 1.5), the hand prices.
    Central differences of re-solves (step 1e-3: truncation ~1e-6) agree with the supply duals."""
    step = 1e-3  # not a tolerance: the finite-difference step
    prices = np.asarray(eisenberg_gale().solve().prices["supply"], float)
    for j in range(2):
        bump = np.eye(2)[j] * step
        up, down = (eisenberg_gale(supply=SUPPLY + d).solve().value for d in (bump, -bump))
        closed = (math.log((SUPPLY[0] + bump[0]) / 3) + 3 * math.log(2 * (SUPPLY[1] + bump[1]))
                  + 2 * math.log(2 * (SUPPLY[0] + bump[0])))
        assert up == pytest.approx(closed, rel=PRICE_RTOL)
        difference = (up - down) / (2 * step)
        assert difference == pytest.approx(HAND_PRICES[j], rel=PRICE_RTOL)
        assert prices[j] == pytest.approx(difference, rel=PRICE_RTOL)


def test_highs_named_on_the_eisenberg_gale_market_names_the_exponential_cone():
    with pytest.raises(om.CapabilityError, match=r"HIGHS cannot take the exponential cone \(from cp\.log in the "
                                                 r"objective\).*CLARABEL"):
        eisenberg_gale().solve("HIGHS")
    with pytest.raises(om.CapabilityError, match="HIGHS_IPM cannot take the exponential cone"):
        eisenberg_gale().solve("HIGHS_IPM")


def test_a_cone_in_a_family_is_named_with_the_family():
    cap = {"cap": lambda x: family(cp.norm(x[:, 0]), "<=", 1.0)}
    with pytest.raises(om.CapabilityError, match=r"second-order cone \(from family 'cap' \(cp\.pnorm\)\)"):
        eisenberg_gale(cap).solve("SCIPY")


def test_integers_with_cones_have_no_installed_solver():
    model = eisenberg_gale(integer=True)
    expected = "integer variables with the exponential cone"
    milp_conic = [b.name for b in registry.registered().values() if "exponential" in b.integer_cones and b.installed]
    if milp_conic:
        pytest.skip(f"a mixed-integer exponential-cone solver is installed: {milp_conic}")
    with pytest.raises(om.CapabilityError, match=f"no installed solver takes {expected}"):
        model.solve()
    with pytest.raises(om.CapabilityError, match=f"HIGHS cannot take {expected}"):
        model.solve("HIGHS")


def test_a_qp_goes_to_clarabel_by_default():
    """min |x - (2, 0)|^2 s.t. x1 + x2 = b: x = (2, 0) - (2 - b)/2, V(b) = (2 - b)^2 / 2, so at b = 1
    x = (1.5, -0.5), V = 0.5 and the price dV/db = -(2 - b) = -1."""
    m = om.Model("qp")
    x = m.variable("x", 2)
    m.constrain("budget", family(cp.sum(x), "==", 1.0))
    m.minimize(cp.sum_squares(x - np.array([2.0, 0.0])))
    sol = m.solve()
    assert sol.solver == "CLARABEL"
    np.testing.assert_allclose(np.asarray(sol.primal["x"], float), [1.5, -0.5], rtol=1e-7)
    assert sol.value == pytest.approx(0.5, rel=1e-7)
    assert float(sol.prices["budget"]) == pytest.approx(-1.0, rel=1e-6)
    with pytest.raises(om.CapabilityError, match="HIGHS cannot take a quadratic objective"):
        m.solve("HIGHS")


def test_an_lp_still_goes_to_highs():
    """max 3a + 2b s.t. a + b <= 4, a <= 3: a = 3, b = 1, value 11, price of the total 2."""
    m = om.Model("lp")
    v = m.variable("v", 2, nonneg=True)
    m.constrain("total", family(cp.sum(v), "<=", 4.0))
    m.constrain("cap", family(v[0], "<=", 3.0))
    m.maximize(np.array([3.0, 2.0]) @ v)
    sol = m.solve()
    assert sol.solver == "HIGHS" and sol.value == pytest.approx(11.0)
    assert float(sol.prices["total"]) == pytest.approx(2.0)


def test_a_psd_model_goes_to_scs_by_default():
    """min trace(X) s.t. X_01 = 1, X PSD (2 x 2): X = [[1, 1], [1, 1]] (x00 x11 >= 1, AM-GM), value 2."""
    m = om.Model("sdp")
    X = m.variable("X", (2, 2), PSD=True)
    m.constrain("off", family(X[0, 1], "==", 1.0))
    m.minimize(cp.trace(X))
    sol = m.solve()
    assert sol.solver == "SCS"
    assert sol.value == pytest.approx(2.0, rel=1e-6)
    with pytest.raises(om.CapabilityError, match=r"positive semidefinite cone \(from variable 'X' \(PSD=True\)\)"):
        m.solve("ECOS")


def test_exact_and_price_ranges_are_lp_only():
    sol = eisenberg_gale().solve()
    with pytest.raises(om.CapabilityError, match=r"exact\(\) is LP-only"):
        sol.exact()
    with pytest.raises(om.CapabilityError, match=r"price_ranges\(\) is LP-only"):
        sol.price_ranges("supply")


def test_an_infeasible_conic_model_raises_with_no_conflict():
    """Supplies total 3 while a family asks for 10 units sold: infeasible; no IIS is computed (LP-only)."""
    demand = {"sold": lambda x: family(cp.sum(x), ">=", 10.0)}
    with pytest.raises(om.InfeasibleError) as info:
        eisenberg_gale(demand).solve()
    assert info.value.conflict == ()


def test_each_backends_cones_are_what_cvxpy_takes_for_it():
    for backend in registry.registered().values():
        if backend.cvxpy_name in installed_solvers():
            assert backend.cones <= cvxpy_cones(backend.cvxpy_name), backend.name
    assert registry.registered()["CLARABEL"].cones == frozenset(registry.CONES)


def test_optmarkets_solvers_prints_the_cones(capsys):
    assert main(["solvers"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header[-5:] == ["quadratic", "second-order", "exponential", "power", "psd"]
    clarabel = next(line.split() for line in out.splitlines() if line.split()[:1] == ["CLARABEL"])
    assert clarabel[-5:] == ["yes"] * 5
    highs = next(line.split() for line in out.splitlines() if line.split()[:1] == ["HIGHS"])
    assert len(highs) == 5  # name, installed, duals, integers, accuracy: no cone
    assert "CLARABEL for QPs and conic models" in out and "SCS for models with PSD cones" in out

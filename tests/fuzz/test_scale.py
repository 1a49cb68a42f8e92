"""The same instance with its money data scaled by s in 1e-8 ... 1e8 (issue 12, finding 1): with every
installed solver the solve either raises a typed error (SolveError / InputError) or returns the
scaled value s * V(1) (rel 1e-6) with a certificate that is ok -- never a wrong answer certified ok.

Prices: every model here maximises a money objective; a family whose right-hand side is in money
units (HS's IR rows against the outside option) has a dimensionless price d value / d rhs, checked
to be the same at every scale.
"""

import math

import numpy as np
import pytest

import optmarkets as om

#: 2^-10 and 2^10: the edge of `solvers.scaling`'s "near one" (data there go to HiGHS unscaled)
SCALES = [1e-8, 1e-4, 2.0**-10, 1.0, 2.0**10, 1e4, 1e8]
SOLVERS = om.solvers.available()


def glp_pq(s):
    return om.PersonalDataEconomy([s * 1, s * 2], [0.4, 0.6], [s * 0.3, s * 0.3]).platform_problem([0.4, 0.3])


def glp_sb(s):
    return om.PersonalDataEconomy([s * 1, s * 2], [0.4, 0.6], [s * 0.3, s * 0.3]).second_best_problem()


def yang(s):
    return om.DataBroker([s * 1, s * 2, s * 3], [1 / 3] * 3, [s * 0.25, s * 0.75], [0.5, 0.5]).mechanism_problem()


def hs(s):
    return om.MultiProductSeller(np.array([[0.75, 1.0], [1.0, 2.0]]) * s).optimal_mechanism([0.25, 0.75])


def bdhn_welfare(s):
    return om.InformationSeller([s * 1, s * 2, s * 3, s * 4], [0.25] * 4, [0.5, 0.5], alpha=1.5).welfare_optimal()


def bdhn_revenue(s):
    return om.InformationSeller([s * 1, s * 2, s * 3], [0.2, 0.3, 0.5], [0.4, 0.6], alpha=0.5).revenue_optimal()


def game_ce(s):
    pay = {"r": np.array([[0.0, 7.0], [2.0, 6.0]]) * s, "c": np.array([[0.0, 2.0], [7.0, 6.0]]) * s}
    return om.correlated_equilibrium(om.FiniteGame(["r", "c"], {"r": ["D", "C"], "c": ["D", "C"]}, pay))


def auction(s):
    env = om.MechanismEnvironment.single_item([[s * 1, s * 2], [s * 1, s * 3]])
    return om.mechanism_design(env, "revenue")


MODELS = {"glp_pq": glp_pq, "glp_sb": glp_sb, "yang": yang, "hs": hs, "bdhn_welfare": bdhn_welfare,
          "bdhn_revenue": bdhn_revenue, "game_ce": game_ce, "auction": auction}
#: the values at s = 1 from the papers' closed forms where there is one
EXACT = {"glp_pq": 0.3, "yang": 11 / 24, "hs": 1.5, "game_ce": 10.5}
_BASE: dict[str, float] = {}


def base_value(name: str) -> float:
    if name not in _BASE:
        _BASE[name] = MODELS[name](1.0).solve("HIGHS").value
        if name in EXACT:
            assert _BASE[name] == pytest.approx(EXACT[name], abs=1e-9)
    return _BASE[name]


def scaled_outcome(name: str, model: om.Model, s: float, solver: str | None, base: float) -> str:
    """'ok' (value s * base, certified) or 'typed' (a typed error other than a false "infeasible" or
    "unbounded": every model of the grid has an optimum); fails on a wrong answer."""
    try:
        sol = model.solve(solver)
    except (om.InfeasibleError, om.UnboundedError) as exc:
        raise AssertionError(f"{name} x{s:g} {solver}: false {type(exc).__name__}") from None
    except (om.SolveError, om.InputError):
        return "typed"
    assert sol.certificate.ok(), f"{name} x{s:g} {solver}: solve returned a certificate that is not ok"
    want = s * base
    assert math.isclose(sol.value, want, rel_tol=1e-6, abs_tol=1e-9 * abs(s)), \
        f"{name} x{s:g} {solver}: value {sol.value!r}, expected {want!r}"
    return "ok"


def check_scaled(name: str, s: float, solver: str) -> str:
    return scaled_outcome(name, MODELS[name](s), s, solver, base_value(name))


@pytest.mark.parametrize("s", SCALES)
@pytest.mark.parametrize("name", list(MODELS))
def test_highs_value_scales_at_every_scale(name, s):
    # HiGHS rescales every LP to magnitude one: it must solve, not only avoid a wrong answer
    assert check_scaled(name, s, "HIGHS") == "ok"


SMALL = ["hs", "game_ce"]
OTHERS = [x for x in SOLVERS if x != "HIGHS"]


@pytest.mark.parametrize("s", [1e-8, 1e8])
@pytest.mark.parametrize("solver", OTHERS)
@pytest.mark.parametrize("name", SMALL)
def test_other_solvers_scale_or_fail_typed(name, solver, s):
    check_scaled(name, s, solver)


@pytest.mark.slow
@pytest.mark.parametrize("s", SCALES)
@pytest.mark.parametrize("solver", OTHERS)
@pytest.mark.parametrize("name", list(MODELS))
def test_every_solver_scales_or_fails_typed(name, solver, s):
    check_scaled(name, s, solver)


@pytest.mark.parametrize("s", [1e-8, 1e8])
def test_money_rhs_prices_are_dimensionless(s):
    """HS: d revenue / d (IR rhs, money) is a ratio of money to money, the same at every scale."""
    base = hs(1.0).solve("HIGHS", rule=None)
    scaled = hs(s).solve("HIGHS", rule=None)
    assert np.allclose(scaled.prices["IR"].to_numpy(), base.prices["IR"].to_numpy(), atol=1e-7)
    assert np.allclose(scaled.prices["IC"].to_numpy(), base.prices["IC"].to_numpy(), atol=1e-7)
    # the lottery rows have rhs 1 (probability): their price is in money and scales by s
    assert np.allclose(scaled.prices["lottery"].to_numpy(), s * base.prices["lottery"].to_numpy(),
                       rtol=1e-6, atol=1e-9 * s)


def test_issue_reproducer_bdhn_at_1e_minus_8():
    """The issue's case: HiGHS returned -1.30e-8 certified ok; the exact greedy value is 2.5e-9."""
    seller = om.InformationSeller([1e-8, 2e-8, 3e-8, 4e-8], [0.25] * 4, [0.5, 0.5], alpha=1.5)
    exact = seller.greedy("welfare").value
    assert exact == pytest.approx(2.5e-9, rel=1e-9)
    assert seller.welfare_optimal().solve().value == pytest.approx(exact, rel=1e-6)

"""The scale grid of conic models (issue 26 item 4): money data x s, s in 1e-8 .. 1e8, with every
installed solver that takes the model's cones. Each solve either raises a typed error or returns
s * V(1) (rel 1e-6) with a certificate that is ok -- never a wrong answer certified ok, never a false
"infeasible" or "unbounded". With no solver named (Clarabel, scaled and certified) the answer must be
right for s in 1e-6 .. 1e6; only the extremes may fail, typed.

The models, each with money scaled so that the value scales exactly by s:
- an Eisenberg-Gale market, budgets x s (the value is sum B_i log u_i, linear in B);
- costly persuasion (rational inattention), payoffs and the cost per nat x s;
- Haghpanah-Siegel Appendix C, values v_t x s and cost s a^2 / 2 (the same qualities, payments x s).
V(1) is each model's value solved at s = 1 (checked against its closed form in its own test file).
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest
from test_scale import scaled_outcome

import optmarkets as om
from optmarkets.core.family import family

UTILITY = np.array([[1.0, 0.0], [1.0, 2.0], [3.0, 1.0]])
BUDGETS = np.array([1.0, 3.0, 2.0])
PAYOFF = np.array([[1.0, 0.5, 0.0], [0.0, 0.8, 0.3], [0.2, 0.0, 1.0]])

SCALES = [1e-8, 1e-6, 1e-3, 1.0, 1e3, 1e6, 1e8]
RIGHT = [s for s in SCALES if 1e-6 <= s <= 1e6]  # the default solve must be right here


def market(s: float) -> om.Model:
    m = om.Model("eisenberg_gale")
    x = m.variable("x", (3, 2), nonneg=True)
    m.maximize((s * BUDGETS) @ cp.log(cp.sum(cp.multiply(UTILITY, x), axis=1)))
    m.constrain("supply", family(cp.sum(x, axis=0), "<=", np.array([1.0, 2.0])))
    return m


def inattention(s: float) -> om.Model:
    return om.persuasion(["w1", "w2", "w3"], [0.5, 0.3, 0.2], ["a1", "a2", "a3"], PAYOFF * s, PAYOFF * s,
                         information_cost="entropy", cost_weight=0.3 * s)


def quality(s: float) -> om.Model:
    seller = om.MultiProductSeller.continuous([1.0 * s, 2.0 * s], lambda a: s * cp.square(a) / 2, quality_max=1)
    return seller.mechanism_problem([0.5, 0.5])


MODELS = {"eisenberg_gale": market, "inattention": inattention, "hs_quality": quality}
CONIC_SOLVERS = [s for s in ("CLARABEL", "SCS", "ECOS") if s in om.solvers.available()]
_BASE: dict[str, float] = {}


def base_value(name: str) -> float:
    if name not in _BASE:
        _BASE[name] = MODELS[name](1.0).solve().value
    return _BASE[name]


def check_scaled(name: str, s: float, solver: str | None) -> str:
    return scaled_outcome(name, MODELS[name](s), s, solver, base_value(name))


@pytest.mark.parametrize("s", RIGHT)
@pytest.mark.parametrize("name", list(MODELS))
def test_default_solve_is_right_from_1e_6_to_1e6(name, s):
    assert check_scaled(name, s, None) == "ok"


@pytest.mark.parametrize("s", [1e-8, 1e8])
@pytest.mark.parametrize("name", list(MODELS))
def test_default_solve_at_the_extremes_is_right_or_typed(name, s):
    check_scaled(name, s, None)


@pytest.mark.slow
@pytest.mark.parametrize("s", SCALES)
@pytest.mark.parametrize("solver", CONIC_SOLVERS)
@pytest.mark.parametrize("name", list(MODELS))
def test_every_conic_solver_is_right_or_typed(name, solver, s):
    check_scaled(name, s, solver)

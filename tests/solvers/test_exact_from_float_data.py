"""exact() on models built from float data (issue 32): a mechanism's objective weights (the joint prior) and
its interim rows' weights (beliefs) are products of the same marginals; read each as the simplest rational
of its float and the rational LP is unbounded (revenue grows along payments the interim rows cannot see).
The environment now reads its inputs once, exactly normalised, and the rows keep their rationals
(`core.exact_values`), so exact() verifies; the exact optimum is re-checked here in Fractions, from the
exact prior alone: its value, IC, IR and the lotteries."""

from __future__ import annotations

import importlib.util
import itertools
from fractions import Fraction
from pathlib import Path

import cvxpy as cp
import numpy as np
import pytest

import optmarkets as om
from optmarkets.core.exact_values import as_fraction, exact_parameter, shadows
from optmarkets.core.family import family


def auction(seed: int, bidders: int = 3, values: int = 5) -> om.Model:
    rng = np.random.default_rng(seed)
    agents = {f"b{i}": list(range(1, values + 1)) for i in range(1, bidders + 1)}
    env = om.MechanismEnvironment.single_item(agents, prior={a: rng.dirichlet(np.ones(values)) for a in agents})
    return om.mechanism_design(env, "revenue")


def test_the_issue_reproducer_verifies():
    model = auction(0)
    sol = model.solve()
    assert sol.value == pytest.approx(3.8907, abs=1e-4)  # the issue's 3.8907...
    exact = sol.exact()
    assert exact.verified, exact.reason
    assert float(exact.value) == pytest.approx(sol.value, rel=1e-12)
    assert exact.stats["exact_parameters"] == 1 and exact.stats["unfitted"] == 0


@pytest.mark.parametrize("seed", range(12))
def test_random_priors_verify(seed):
    sol = auction(seed, bidders=2 + seed % 2, values=3 + seed % 3).solve()
    exact = sol.exact()
    assert exact.verified, exact.reason
    assert float(exact.value) == pytest.approx(sol.value, rel=1e-9)


def test_the_exact_mechanism_is_feasible_and_worth_its_value_in_fractions():
    """Two bidders, values {1, 2, 3}, random priors: from env.prior_exact alone (Fractions), the exact optimum's
    lotteries sum to at most 1, every interim IC and IR row holds exactly, and its expected revenue is the
    exact value."""
    model = auction(3, bidders=2, values=3)
    env = model.environment
    exact = model.solve().exact()
    assert exact.verified
    x = np.asarray(exact.primal["allocation"], dtype=object).reshape(9, 3)  # (profile, outcome: none, b1, b2)
    t = np.asarray(exact.primal["payment"], dtype=object).reshape(9, 2)
    prior = [[as_fraction(q) for q in row] for row in env.prior_exact]  # 3 x 3
    marginal = [[sum(prior[a][b] for b in range(3)) for a in range(3)], [sum(prior[a][b] for a in range(3))
                                                                           for b in range(3)]]
    values = [1, 2, 3]

    def interim(agent: int, true: int, report: int) -> Fraction:
        """E[value * P(win) - payment | true type], reporting `report`, the other truthful."""
        total = Fraction(0)
        for other in range(3):
            profile = report * 3 + other if agent == 0 else other * 3 + report
            total += marginal[1 - agent][other] * (values[true] * Fraction(x[profile][1 + agent]) - Fraction(
                t[profile][agent]))
        return total

    for agent, true, report in itertools.product(range(2), range(3), range(3)):
        assert interim(agent, true, true) >= interim(agent, true, report)  # IC, exactly
        assert interim(agent, true, true) >= 0  # IR, exactly
    assert all(sum(Fraction(v) for v in row) <= 1 and all(Fraction(v) >= 0 for v in row) for row in x)
    revenue = sum(prior[p // 3][p % 3] * (Fraction(t[p][0]) + Fraction(t[p][1])) for p in range(9))
    assert revenue == exact.value


def test_joint_priors_and_ex_ante_rows_verify():
    rng = np.random.default_rng(7)
    for ir in ("interim", "ex_ante"):
        env = om.MechanismEnvironment.single_item([[1, 2, 3], [1, 2, 4]], prior=rng.dirichlet(np.ones(9)).reshape(3, 3))
        exact = om.mechanism_design(env, "revenue", ir=ir).solve().exact()
        assert exact.verified, (ir, exact.reason)


def test_a_parameter_set_to_another_value_is_read_from_its_floats():
    m = om.Model("toy")
    x = m.variable("x", 2, nonneg=True)
    weight = m.parameter("w", None, exact=[Fraction(1, 3), Fraction(2, 3)], nonneg=True)
    np.testing.assert_array_equal(m.value_of("w"), [1 / 3, 2 / 3])  # the rationals' rounding
    m.constrain("cap", family(cp.multiply(weight, x), "<=", np.ones(2)))
    m.maximize(cp.sum(x))
    exact = m.solve().exact()
    assert [p.name() for p, _ in shadows(m.problem)] == ["w"]
    assert exact.verified and exact.value == Fraction(3) + Fraction(3, 2)  # x = (3, 3/2) exactly
    m.set(w=[0.25, 0.5])
    exact = m.solve().exact()
    assert shadows(m.problem) == [] and exact.value == Fraction(6) and "exact_parameters" not in exact.stats


def test_exact_parameter_keeps_its_rationals_and_rounds_them():
    p = exact_parameter(np.array([Fraction(1, 10), Fraction(7, 3)], dtype=object))
    assert list(p.value) == [0.1, 7 / 3]


def _families() -> dict:
    """The random families of `benchmarks/exact_random.py` (which reports 200 seeds of each)."""
    path = Path(__file__).resolve().parents[2] / "benchmarks" / "exact_random.py"
    spec = importlib.util.spec_from_file_location("optmarkets_exact_random", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.FAMILIES


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("family", list(_families()))
def test_every_random_family_of_the_benchmark_verifies(family, seed):
    sol = _families()[family](seed).solve()
    exact = sol.exact()
    assert exact.verified, exact.reason
    assert float(exact.value) == pytest.approx(sol.value, rel=1e-9)


# ---------------------------------------------------------------- how a distribution is read (`distribution`)


def test_a_typed_prior_is_read_as_its_rationals():
    from optmarkets.core.exact_values import distribution

    numerators, total = distribution(np.array([0.1, 0.2, 0.7]))
    assert [Fraction(int(n), total) for n in numerators] == [Fraction(1, 10), Fraction(1, 5), Fraction(7, 10)]
    env = om.MechanismEnvironment.single_item([[1, 2], [1, 2, 3]], prior=np.full((2, 3), 1 / 6))
    assert all(as_fraction(q) == Fraction(1, 6) for q in env.prior_exact.ravel())


def test_a_computed_prior_is_read_from_its_binary_floats_with_short_denominators():
    """A random 4-bidder joint prior (1,296 profiles): its simplest rationals would share a ~35,000-bit
    denominator (seconds to build, megabytes per belief row); read from its binary floats instead, every
    rational keeps a short denominator, the prior sums to exactly 1, each belief is the exact conditional of
    the joint (N / row sum), and every float is the rounding of its rational."""
    rng = np.random.default_rng(0)
    joint = rng.dirichlet(np.ones(6 ** 4)).reshape(6, 6, 6, 6)
    env = om.MechanismEnvironment.single_item([list(range(1, 7))] * 4, prior=joint)
    prior = [as_fraction(q) for q in env.prior_exact.ravel()]
    assert sum(prior) == 1
    assert max(q.denominator.bit_length() for q in prior) < 100
    for q, f in zip(prior, joint.ravel()):  # the binary value of each float, over the exact total
        assert q * sum(Fraction(v) for v in joint.ravel()) == Fraction(float(f))
    np.testing.assert_array_equal(env.prior.ravel(), [float(q) for q in prior])
    agent = env.agents[2]
    beliefs = env.beliefs_exact[agent]
    conditional = np.moveaxis(np.array(prior, dtype=object).reshape(6, 6, 6, 6), 2, 0).reshape(6, -1)
    for a in range(6):
        row = [as_fraction(q) for q in beliefs[a]]
        assert sum(row) == 1 and row == [q / sum(conditional[a]) for q in conditional[a]]
        assert max(q.denominator.bit_length() for q in row) < 100


def test_a_large_random_prior_still_verifies_exactly():
    rng = np.random.default_rng(5)
    env = om.MechanismEnvironment.single_item([[1, 2, 3, 4]] * 3, prior=rng.dirichlet(np.ones(64)).reshape(4, 4, 4))
    sol = om.mechanism_design(env, "revenue").solve()
    exact = sol.exact()
    assert exact.verified, exact.reason
    assert float(exact.value) == pytest.approx(sol.value, rel=1e-12)

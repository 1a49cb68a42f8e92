"""The agents' symmetry is what the LP holds, entry by entry at its own magnitude (`mechanisms.symmetry`,
`builders.symmetry.row_map`): two bidders whose types of 1e-4 differ are not exchangeable next to types of 1e6 that
match; outside options set later are compared alike; round-off (-1e-17 against 0) is no asymmetry. Each answer is
checked against the full LP (symmetric=False), against the LP written here for scipy's linprog, and by the full
model's IC and IR rows at the returned mechanism, each relative to its own magnitude."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.builders.symmetry import row_map
from optmarkets.core.errors import InputError


def bic_rows(env: om.MechanismEnvironment, outside: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Bayesian IC and interim IR of the full LP as rows A z <= b over z = (allocation (P x O), payment (P x n)),
    both C order, written profile by profile: agent i of type a, told the others' types' law given a, prefers the
    truth to reporting r, and its outside option to nothing."""
    sizes, n, O = env.sizes, len(env.agents), len(env.outcomes)
    profiles = list(itertools.product(*[range(k) for k in sizes]))
    P, q = len(profiles), env.prior.reshape(-1)
    values = [np.asarray(env.value[a], float) for a in env.agents]

    def utility(i: int, true: int, report: int) -> np.ndarray:
        z = np.zeros(P * O + P * n)
        z[report * O:(report + 1) * O] = values[i][true]
        z[P * O + report * n + i] = -1.0
        return z

    rows, rhs = [], []
    for i in range(n):
        for a in range(sizes[i]):
            mine = [j for j, p in enumerate(profiles) if p[i] == a]
            belief = q[mine] / q[mine].sum()
            for r in range(sizes[i]):
                lies = [profiles.index(tuple(r if k == i else p[k] for k in range(n))) for p in
                        (profiles[j] for j in mine)]
                if r != a:
                    rows.append(sum(w * (utility(i, j, lie) - utility(i, j, j)) for w, j, lie in
                                    zip(belief, mine, lies, strict=True)))
                    rhs.append(0.0)
            rows.append(-sum(w * utility(i, j, j) for w, j in zip(belief, mine, strict=True)))
            rhs.append(-float(outside[i][a]))
    return np.array(rows), np.array(rhs)


def revenue_lp(env: om.MechanismEnvironment, outside: list[np.ndarray]) -> float:
    """max E[sum_i payment_i] s.t. `bic_rows` and lotteries, for linprog, each row divided by its largest entry."""
    n, O, P = len(env.agents), len(env.outcomes), env.n_profiles
    A, b = bic_rows(env, outside)
    scale = np.maximum(np.abs(A).max(axis=1), np.abs(b))
    lottery = np.kron(np.eye(P), np.ones(O))
    c = np.concatenate([np.zeros(P * O), np.repeat(env.prior.reshape(-1), n)])
    res = linprog(-c / np.abs(c).max(), A_ub=A / scale[:, None], b_ub=b / scale,
                  A_eq=np.hstack([lottery, np.zeros((P, P * n))]), b_eq=np.ones(P),
                  bounds=[(0, None)] * (P * O) + [(None, None)] * (P * n), method="highs",
                  options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    assert res.status == 0, res.message
    return float(-res.fun * np.abs(c).max())


def worst_row(env: om.MechanismEnvironment, outside: list[np.ndarray], sol) -> float:
    """The most violated IC or IR row of the FULL model at the returned mechanism, relative to the row's own terms
    sum |A_j z_j| + |b| (a type of 1e-4 is measured at 1e-4, not at the largest type's scale)."""
    A, b = bic_rows(env, outside)
    z = np.concatenate([np.asarray(sol[name], float).reshape(-1) for name in ("allocation", "payment")])
    magnitude = np.abs(A * z).sum(axis=1) + np.abs(b)
    return float(((b - A @ z) / np.where(magnitude > 0, magnitude, 1.0)).min())


def check_against_references(env: om.MechanismEnvironment, model: om.Model, outside: list[np.ndarray]) -> float:
    """The model's value equals the full LP's and linprog's; its mechanism keeps every full row (relative 1e-7)."""
    sol = model.solve()
    full = om.mechanism_design(env, outside_option={a: o for a, o in zip(env.agents, outside, strict=True)}).solve()
    assert sol.value == pytest.approx(full.value, rel=1e-9)
    assert sol.value == pytest.approx(revenue_lp(env, outside), rel=1e-7)
    assert worst_row(env, outside, sol) >= -1e-7
    assert om.audit_mechanism(model, sol).ok
    return float(sol.value)


def two_scale_bidders() -> om.MechanismEnvironment:
    """Types 1e-4 and 2e-4 (bidder 1) or 5e-4 (bidder 2), each of mass ~1/2, and types 1e6, 2e6 alike for both, of
    mass 1e-14: the revenue is the small types' (3e-4: sell to bidder 2 at 5e-4 when it has it, else to bidder 1
    at 2e-4), which no symmetric mechanism reaches."""
    tiny = 1e-14
    marginal = [0.5 - tiny, 0.5 - tiny, tiny, tiny]
    return om.MechanismEnvironment.single_item({"b1": [1e-4, 2e-4, 1e6, 2e6], "b2": [1e-4, 5e-4, 1e6, 2e6]},
                                               prior={"b1": marginal, "b2": marginal})


def test_bidders_differing_at_1e_4_next_to_types_of_1e6_are_not_exchangeable():
    # before: the swap was taken (values compared on the 2e6 scale, each IC column on its own largest entry):
    # revenue 1.5e-4 where the optimum is 3e-4
    env = two_scale_bidders()
    model = om.mechanism_design(env, symmetric="auto")
    assert check_against_references(env, model, [np.zeros(4)] * 2) == pytest.approx(3e-4, rel=1e-6)
    assert model.symmetry is None
    with pytest.raises(InputError, match="symmetric: no permutation of the agents"):
        om.mechanism_design(env, symmetric=True)


def test_outside_options_differing_at_1e_4_next_to_options_of_1e5_break_the_ir_rows_symmetry():
    # before: the IR rows' right-hand sides were compared within 1e-9 of their largest (1e5 x belief): the swap was
    # taken, revenue 1.5e-4 (optimum 1.3e-4) with bidder 2's IR at type 2e-4 violated by 23% of its magnitude
    tiny = 1e-14
    marginal = [0.5 - tiny, 0.5 - tiny, tiny, tiny]
    env = om.MechanismEnvironment.single_item([[1e-4, 2e-4, 1e6, 2e6]] * 2, prior={"b1": marginal, "b2": marginal})
    outside = [np.array([0.0, 0.0, 0.0, 1e5]), np.array([0.0, 9e-5, 0.0, 1e5])]
    model = om.mechanism_design(env, outside_option={"b1": outside[0], "b2": outside[1]}, symmetric="auto")
    assert check_against_references(env, model, outside) == pytest.approx(1.3e-4, rel=1e-6)
    assert model.symmetry is None


def test_row_map_compares_each_coefficient_at_its_own_magnitude():
    """Column x0 holds 1e6 and 1e-4, x1 1e6 and 2e-4: swapping them is no symmetry of the second row (it was taken
    with each column measured on its largest entry, and the matched row pairs are checked entry by entry)."""
    M = np.array([[1e6, 1e6], [1e-4, 2e-4]])
    assert row_map(M, np.zeros(2), np.array([1, 0])) is None
    assert row_map(np.array([[1e6, 1e6], [2e-4, 2e-4]]), np.zeros(2), np.array([1, 0])).tolist() == [0, 1]
    # right-hand sides alike: 1e-5 against 2e-5 is a difference next to 1e5 (it was taken on the largest's scale)
    rows, swap = np.vstack([np.eye(2), np.eye(2)]), np.array([1, 0])
    assert row_map(rows, np.array([1e5, 1e5, 1e-5, 2e-5]), swap) is None
    assert row_map(rows, np.array([1e5, 1e5, 2e-5, 2e-5]), swap).tolist() == [1, 0, 3, 2]


def test_outside_options_set_later_are_compared_at_their_own_magnitude():
    # before: 1e-5 against 2e-5 passed within 1e-9 of the largest option, 1e5
    env = om.MechanismEnvironment.single_item([[1e-4, 2e-4, 1e6, 2e6]] * 2)
    model = om.mechanism_design(env, symmetric=True)
    same = [np.array([1e-5, 0.0, 0.0, 1e5])] * 2
    model.set(outside_option={"b1": same[0], "b2": same[1]})
    assert check_against_references(env, model, same) > 0
    with pytest.raises(InputError, match="outside_option: differs between agents"):
        model.set(outside_option={"b1": [1e-5, 0.0, 0.0, 1e5], "b2": [2e-5, 0.0, 0.0, 1e5]})


def round_off_bidders(tiny: float) -> om.MechanismEnvironment:
    """Two bidders with values 1, 2, the first valuing "nobody gets it" at `tiny` at its type 2."""
    values = {"b1": np.array([[0.0, 1.0, 0.0], [tiny, 2.0, 0.0]]), "b2": np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 2.0]])}
    return om.MechanismEnvironment(agents={"b1": [1, 2], "b2": [1, 2]}, outcomes=["none", "b1", "b2"],
                                   prior={"b1": [0.5, 0.5], "b2": [0.5, 0.5]}, values=values)


def test_round_off_is_no_asymmetry_and_a_real_difference_is_one():
    # before: -1e-17 rounded to -0.0, whose bytes are not 0.0's: InputError
    env = round_off_bidders(-1e-17)
    model = om.mechanism_design(env, symmetric=True)
    assert model.symmetry.classes == (("b1", "b2"),)
    assert check_against_references(env, model, [np.zeros(2)] * 2) == pytest.approx(1.5, abs=1e-9)  # Myerson
    # 1e-13 against 0 is a coefficient the LP holds (5e-14 of the type's values, not their round-off)
    assert om.mechanism_design(round_off_bidders(1e-13), symmetric="auto").symmetry is None

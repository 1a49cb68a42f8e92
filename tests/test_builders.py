"""Builders: vectorised families agree with the scalar formulas they replace."""

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import optmarkets as om
from optmarkets.builders import (
    consistency,
    family,
    monotone,
    obedience,
    obedience_matrix,
    participation,
    report_utility,
    supply_limit,
    truthful,
)


def test_obedience_matrix_equals_the_double_loop():
    rng = np.random.default_rng(0)
    pay = rng.normal(size=(4, 6))
    M = rng.uniform(size=(4, 6))
    D, codes = obedience_matrix(pay)
    slack = D @ M.ravel()
    for row, (_, a, b) in enumerate(codes):
        assert slack[row] == pytest.approx((pay[a] - pay[b]) @ M[a])
    assert D.shape == (12, 24) and D.nnz <= 12 * 6


def test_obedience_with_observed_groups_sums_within_each_group():
    rng = np.random.default_rng(1)
    pay = rng.normal(size=(2, 6))
    groups = np.array([0, 1, 2, 0, 1, 2])  # the agent also observes its report g
    M = rng.uniform(size=(2, 6))
    D, codes = obedience_matrix(pay, groups)
    slack = D @ M.ravel()
    for row, (g, a, b) in enumerate(codes):
        cols = groups == g
        assert slack[row] == pytest.approx((pay[a, cols] - pay[b, cols]) @ M[a, cols])
    fam = obedience(cp.Variable((2, 6)), pay, pd.Index([0, 1], name="a"), groups=groups,
                    group_index=pd.Index(["lo", "mid", "hi"], name="report"))
    assert fam.index.names == ["report", "a", "deviation"] and len(fam.index) == 6
    assert fam.index[0] == ("lo", 0, 1)


def test_obedience_is_one_constraint_with_labelled_rows():
    fam = obedience(cp.Variable((3, 5)), np.arange(15.0).reshape(3, 5), pd.Index([1, 2, 3], name="a"))
    assert isinstance(fam.constraint, cp.constraints.Inequality)
    assert fam.index.names == ["a", "deviation"] and list(fam.index)[:2] == [(1, 2), (1, 3)]


def test_obedience_rejects_mismatched_payoff():
    with pytest.raises(om.InputError, match="pay: has shape"):
        obedience(cp.Variable((3, 5)), np.zeros((3, 4)), pd.Index([1, 2, 3]))
    with pytest.raises(om.InputError, match="actions: 2 labels for 3 actions"):
        obedience(cp.Variable((3, 5)), np.zeros((3, 5)), pd.Index([1, 2]))


def test_consistency_and_supply_limit():
    chi = cp.Variable((2, 3), nonneg=True)
    idx = pd.Index([1, 2, 3], name="w")
    fam = consistency(chi, [0.2, 0.3, 0.5], idx)
    cap = supply_limit(cp.sum(chi, axis=0), [0.1, 0.3, 0.5], idx)
    chi.value = np.array([[0.1, 0.3, 0.0], [0.1, 0.0, 0.5]])
    assert fam.violation() == pytest.approx(0.0)
    assert cap.violation() == pytest.approx(0.1)  # 0.2 placed where only 0.1 exists
    assert cap.label(cap.slack()).loc[1] == pytest.approx(-0.1)


def test_truthful_participation_monotone_match_scalar_definitions():
    rng = np.random.default_rng(2)
    values = np.array([1.0, 2.0, 3.5])
    types = pd.Index(values, name="v")
    alloc, pay = cp.Variable(3), cp.Variable(3)
    U = report_utility(values, alloc, pay)
    alloc.value, pay.value = rng.uniform(size=3), rng.uniform(size=3)
    u = values[:, None] * alloc.value[None, :] - pay.value[None, :]
    np.testing.assert_allclose(U.value, u)
    ic = truthful(U, types)
    expected = [u[k, k] - u[k, j] for k in range(3) for j in range(3) if j != k]
    np.testing.assert_allclose(ic.lhs.value, expected)
    adj = truthful(U, types, pairs="adjacent")
    assert len(adj.index) == 4 and set(adj.index) == {(2.0, 1.0), (3.5, 2.0), (1.0, 2.0), (2.0, 3.5)}
    ir = participation(U, [0.1, 0.2, 0.3], types)
    np.testing.assert_allclose(ir.lhs.value, np.diag(u))
    mono = monotone(alloc, types)
    np.testing.assert_allclose(mono.lhs.value, np.diff(alloc.value))
    with pytest.raises(om.InputError, match="pairs"):
        truthful(U, types, pairs="some")


def test_multigood_report_utility():
    values = np.array([[1.0, 0.0], [2.0, 3.0]])
    alloc, pay = cp.Variable((2, 2)), cp.Variable(2)
    alloc.value, pay.value = np.array([[0.5, 0.5], [0.0, 1.0]]), np.array([0.1, 0.2])
    np.testing.assert_allclose(report_utility(values, alloc, pay).value,
                               values @ alloc.value.T - pay.value[None, :])


def test_family_checks_labels_and_sense():
    x = cp.Variable(3)
    with pytest.raises(ValueError, match="index: labels of sizes"):
        family(x, "<=", 1.0, pd.Index([1, 2]))
    with pytest.raises(ValueError, match="sense"):
        family(x, "<", 1.0)

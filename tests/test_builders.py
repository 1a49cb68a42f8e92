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
    participation,
    supply_limit,
    truthful,
)
from optmarkets.builders.algebra import obedience_matrix, report_utility


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


# ---------------------------------------------------------------- validation, labels and the one obedience


def test_obedience_takes_a_list_of_actions_and_a_labelled_payoff_in_any_row_order():
    rng = np.random.default_rng(3)
    pay = rng.normal(size=(3, 4))
    M = cp.Variable((3, 4))
    M.value = rng.uniform(size=(3, 4))
    ref = obedience(M, pay, pd.Index(["lo", "mid", "hi"], name="a"))
    as_list = obedience(M, pay, ["lo", "mid", "hi"])
    shuffled = pd.DataFrame(pay[[2, 0, 1]], index=["hi", "lo", "mid"])
    labelled = obedience(M, shuffled, pd.Index(["lo", "mid", "hi"], name="a"))
    np.testing.assert_allclose(as_list.lhs.value, ref.lhs.value)
    np.testing.assert_allclose(labelled.lhs.value, ref.lhs.value)
    assert list(as_list.index) == list(ref.index) and as_list.index.names == ["recommended", "deviation"]
    # the slack of row (mid, hi) is sum_s (pay[mid, s] - pay[hi, s]) M[mid, s]
    assert ref.label(ref.lhs.value).loc[("mid", "hi")] == pytest.approx((pay[1] - pay[2]) @ M.value[1])


def test_obedience_refuses_wrong_orientation_labels_and_shapes():
    M = cp.Variable((2, 3))
    acts = ["C", "D"]
    with pytest.raises(om.InputError, match="pay: the DataFrame's columns are the actions"):
        obedience(cp.Variable((2, 2)), pd.DataFrame(np.eye(2), index=["x", "y"], columns=acts), acts)
    with pytest.raises(om.InputError, match=r"pay: row labels \['C', 'Z'\]"):
        obedience(M, pd.DataFrame(np.zeros((2, 3)), index=["C", "Z"]), acts)
    with pytest.raises(om.InputError, match=r"pay: has shape \(3, 2\).*transposed"):
        obedience(M, np.zeros((3, 2)), acts)
    with pytest.raises(om.InputError, match="M: has shape"):
        obedience(cp.Variable((2, 3, 2)), np.zeros((2, 3, 2)), acts)
    with pytest.raises(om.InputError, match="M: expected a cvxpy expression"):
        obedience(np.zeros((2, 3)), np.zeros((2, 3)), acts)
    with pytest.raises(om.InputError, match="actions: duplicate"):
        obedience(M, np.zeros((2, 3)), ["C", "C"])
    with pytest.raises(om.InputError, match="groups: expected 3 non-negative integer"):
        obedience(M, np.zeros((2, 3)), acts, groups=[0, 0.5, 1])
    with pytest.raises(om.InputError, match=r"groups: has shape \(2,\)"):
        obedience(M, np.zeros((2, 3)), acts, groups=[0, 1])
    with pytest.raises(om.InputError, match="group_index: 3 labels for 2 observed groups"):
        obedience(M, np.zeros((2, 3)), acts, groups=[0, 1, 1], group_index=["a", "b", "c"])


def test_obedience_with_a_parameter_payoff_matches_the_numbers():
    rng = np.random.default_rng(4)
    pay = rng.normal(size=(3, 4))
    M = cp.Variable((3, 4))
    M.value = rng.uniform(size=(3, 4))
    P = cp.Parameter((3, 4), value=pay)
    groups = [0, 1, 0, 1]
    fam = obedience(M, P, [0, 1, 2], groups=groups)
    np.testing.assert_allclose(fam.lhs.value, obedience(M, pay, [0, 1, 2], groups=groups).lhs.value)
    assert fam.lhs.is_dpp()
    P.value = 2 * pay  # the family follows the parameter
    np.testing.assert_allclose(fam.lhs.value, 2 * obedience(M, pay, [0, 1, 2], groups=groups).lhs.value)


def test_one_agent_obedience_is_the_one_player_case_of_game_obedience():
    """obedience(M[a, w]) and game_obedience(mu[w, a]) write the same inequality: equal slacks."""
    from optmarkets.builders.games import MeasureAxes, game_obedience

    rng = np.random.default_rng(5)
    u = rng.normal(size=(4, 3))  # u[w, a]: the receiver's payoff at state w, action a
    mu = rng.uniform(size=(4, 3))
    axes = MeasureAxes(["receiver"], [["x", "y", "z"]], states=[0, 1, 2, 3])
    game = game_obedience(cp.Constant(mu.reshape(-1)), axes, [u])
    single = obedience(cp.Constant(mu.T), u.T, ["x", "y", "z"])
    np.testing.assert_allclose(game.lhs.value, single.lhs.value)
    brute = [sum((u[w, a] - u[w, b]) * mu[w, a] for w in range(4)) for a in range(3) for b in range(3) if a != b]
    np.testing.assert_allclose(single.lhs.value, brute)
    assert game.index[0] == ("receiver", "none", "x", "y")


def test_measure_axes_take_lists_and_check_the_measure():
    from optmarkets.builders.games import MeasureAxes, game_obedience

    axes = MeasureAxes(["row", "col"], {"row": ["C", "D"], "col": ["C", "D"]})
    assert axes.shape == (1, 1, 1, 2, 2) and list(axes.actions[1]) == ["C", "D"] and axes.actions[1].name == "col"
    with pytest.raises(om.InputError, match=r"mu: has shape \(2, 2\)"):
        game_obedience(cp.Variable((2, 2)), axes, {"row": np.zeros((2, 2)), "col": np.zeros((2, 2))})
    with pytest.raises(om.InputError, match="actions: keys"):
        MeasureAxes(["row", "col"], {"row": ["C", "D"], "other": ["C"]})
    with pytest.raises(om.InputError, match="players: expected a list"):
        MeasureAxes("row", [["C", "D"]])
    with pytest.raises(om.InputError, match=r"payoffs\['col'\]: labels \['Z'\]"):
        game_obedience(cp.Variable(4), axes, {"row": np.zeros((2, 2)),
                                              "col": pd.DataFrame(np.zeros((2, 2)), index=["C", "D"],
                                                                  columns=["C", "Z"])})


def test_consistency_and_supply_limit_validate_their_arguments():
    chi = cp.Variable((2, 3), nonneg=True)
    fam = consistency(chi, [0.2, 0.3, 0.5], [1, 2, 3])  # a list of labels is an index
    assert list(fam.index) == [1, 2, 3]
    rows = consistency(chi, [0.4, 0.6], ["a", "b"], axis=1)
    chi.value = np.array([[0.1, 0.1, 0.2], [0.1, 0.2, 0.3]])
    np.testing.assert_allclose(rows.lhs.value, [0.4, 0.6])
    with pytest.raises(om.InputError, match=r"market: has shape \(2,\), expected \(3,\)"):
        consistency(chi, [0.5, 0.5], [1, 2, 3])
    with pytest.raises(om.InputError, match="market: must be non-negative"):
        consistency(chi, [0.5, -0.5, 1.0])
    with pytest.raises(om.InputError, match="index: 2 labels for 3 rows"):
        consistency(chi, [0.2, 0.3, 0.5], ["a", "b"])
    with pytest.raises(om.InputError, match="M: expected a 2-D"):
        consistency(cp.Variable((2, 3, 2)), [1.0, 1.0])
    with pytest.raises(om.InputError, match="axis: must be 0"):
        consistency(chi, [1.0, 1.0], axis=2)
    with pytest.raises(om.InputError, match=r"cap: has shape \(2,\)"):
        supply_limit(cp.sum(chi, axis=0), [1.0, 1.0])
    with pytest.raises(om.InputError, match="cap: contains NaN"):
        supply_limit(cp.sum(chi, axis=0), [1.0, np.nan, 1.0])


def test_interim_expectations_by_brute_force_and_validation():
    from optmarkets.builders import expectation_floor, interim
    from optmarkets.builders.algebra import conditional_expectation

    rng = np.random.default_rng(6)
    pay, M = rng.normal(size=(2, 5)), rng.uniform(size=(2, 5))
    groups = np.array([0, 2, 1, 0, 2])
    got = conditional_expectation(cp.Constant(M), pay, groups).value
    np.testing.assert_allclose(got, [sum(pay[a, s] * M[a, s] for a in range(2) for s in range(5) if groups[s] == g)
                                     for g in range(3)])
    with pytest.raises(om.InputError, match="groups: expected 5 non-negative integer codes"):
        conditional_expectation(cp.Constant(M), pay, [0, 1.5, 1, 0, 2])
    with pytest.raises(om.InputError, match="M: expected"):
        conditional_expectation(M, pay, groups)
    share = cp.Variable(3)
    with pytest.raises(om.InputError, match="index: 2 labels for 3 rows"):
        interim(share, conditional_expectation(cp.Constant(M), pay, groups), ["a", "b"])
    with pytest.raises(om.InputError, match=r"floor: has shape \(2,\)"):
        expectation_floor(share, [0.1, 0.2])


def test_builders_namespace_returns_families_only():
    """Every public function of optmarkets.builders returns a Family (or, for a set, a dict of them);
    the helpers that return matrices or expressions are in builders.algebra, old names warn."""
    import inspect

    import optmarkets.builders as b

    for name in b.__all__:
        obj = getattr(b, name)
        if inspect.isfunction(obj):
            ret = inspect.signature(obj).return_annotation
            assert ret in ("Family", "dict[str, Family]"), (name, ret)
    with pytest.warns(DeprecationWarning, match="algebra"):
        assert b.obedience_matrix is b.algebra.obedience_matrix

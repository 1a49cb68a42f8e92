"""Audit of the model-building API's inputs: labelled pandas data are read by label, names are unique, and every
bad input is an InputError naming the field, at the call that gives it (never a bare numpy/cvxpy error later,
never a silently wrong answer)."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.builders import consistency, expectation_floor, family, participation, supply_limit
from optmarkets.core.family import Family

IDX = pd.Index(["a", "b", "c"], name="k")
SHUFFLED = pd.Series({"c": 3.0, "a": 1.0, "b": 2.0})  # labelled data in another order than IDX


def _bound_lp(cap: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """max w.x s.t. 0 <= x <= cap, solved by scipy from plain arrays in IDX order (the reference)."""
    res = linprog(-weights, A_ub=np.eye(cap.size), b_ub=cap, bounds=[(0, None)] * cap.size, method="highs")
    assert res.status == 0
    return res.x


def _box_model(rhs, *, index=IDX) -> om.Model:
    m = om.Model("box", sense="max")
    x = m.variable("x", 3, nonneg=True, index=IDX)
    m.constrain("cap", family(x, "<=", rhs, index=index))
    m.maximize(np.array([1.0, 2.0, 3.0]) @ x)
    return m


# ---------------------------------------------------------------- 1. labelled data are read by label
def test_family_rhs_series_is_aligned_to_the_row_labels():
    sol = _box_model(SHUFFLED).solve()
    expected = _bound_lp(SHUFFLED.reindex(IDX).to_numpy(), np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(sol["x"].reindex(IDX).to_numpy(), expected, atol=1e-9)
    assert sol["x"].to_dict() == pytest.approx({"a": 1.0, "b": 2.0, "c": 3.0})
    assert sol.value == pytest.approx(1 + 4 + 9)


def test_parameter_series_values_are_aligned_when_declared_and_set():
    m = om.Model("param", sense="max")
    x = m.variable("x", 3, nonneg=True, index=IDX)
    cap = m.parameter("cap", SHUFFLED, index=IDX)
    m.constrain("cap", family(x, "<=", cap, index=IDX))
    m.maximize(cp.sum(x))
    np.testing.assert_allclose(m.value_of("cap"), [1.0, 2.0, 3.0])
    m.set(cap=pd.Series({"c": 30.0, "a": 10.0, "b": 20.0}))
    sol = m.solve()
    expected = _bound_lp(np.array([10.0, 20.0, 30.0]), np.ones(3))
    np.testing.assert_allclose(sol["x"].reindex(IDX).to_numpy(), expected, atol=1e-9)
    assert sol["cap"].to_dict() == pytest.approx({"a": 10.0, "b": 20.0, "c": 30.0})
    bound = m.bind(cap=pd.Series({"b": 5.0, "c": 6.0, "a": 4.0}))
    np.testing.assert_allclose(bound.solve()["x"].reindex(IDX).to_numpy(), [4.0, 5.0, 6.0], atol=1e-9)


def test_supply_limit_and_consistency_align_series_by_label():
    m = om.Model("builders", sense="max")
    x = m.variable("x", 3, nonneg=True, index=IDX)
    M = m.variable("M", (2, 3), nonneg=True)
    m.constrain("cap", supply_limit(x, SHUFFLED, index=IDX))
    m.constrain("cons", consistency(M, pd.Series({"c": 0.5, "a": 0.2, "b": 0.3}), index=IDX))
    m.maximize(np.array([1.0, 2.0, 3.0]) @ x + cp.sum(M[0]))
    sol = m.solve()
    np.testing.assert_allclose(sol["x"].reindex(IDX).to_numpy(),
                               _bound_lp(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.0])), atol=1e-9)
    np.testing.assert_allclose(np.asarray(sol["M"]).sum(axis=0), [0.2, 0.3, 0.5], atol=1e-9)


def test_expectation_floor_and_participation_align_series_by_label():
    m = om.Model("floors", sense="min")
    e = m.variable("e", 3, index=IDX)
    m.constrain("floor", expectation_floor(e, SHUFFLED, index=IDX))
    m.minimize(cp.sum(e))
    np.testing.assert_allclose(m.solve()["e"].reindex(IDX).to_numpy(), [1.0, 2.0, 3.0], atol=1e-9)

    types = pd.Index(["lo", "hi"], name="type")
    fam = participation(cp.Variable((2, 2)), pd.Series({"hi": 7.0, "lo": 5.0}), types)
    np.testing.assert_allclose(fam.rhs.value, [5.0, 7.0])


def test_dataframe_rhs_of_a_2d_family_is_aligned_by_row_and_column_labels():
    rows, cols = pd.Index(["r1", "r2"]), pd.Index(["u", "v", "w"])
    frame = pd.DataFrame([[6.0, 4.0, 5.0], [3.0, 1.0, 2.0]], index=["r2", "r1"], columns=["w", "u", "v"])
    fam = family(cp.Variable((2, 3)), "<=", frame, index=(rows, cols))
    np.testing.assert_allclose(fam.rhs.value, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # rows r1, r2; u, v, w


def test_an_unlabelled_series_is_read_by_position():
    fam = family(cp.Variable(3), "<=", pd.Series([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(fam.rhs.value, [1.0, 2.0, 3.0])
    fam = family(cp.Variable(3), "<=", pd.Series([1.0, 2.0, 3.0]), index=IDX)  # a default RangeIndex: by position
    np.testing.assert_allclose(fam.rhs.value, [1.0, 2.0, 3.0])


@pytest.mark.parametrize("data, words", [
    (pd.Series({"a": 1.0, "b": 2.0}), "missing ['c']"),
    (pd.Series({"a": 1.0, "b": 2.0, "c": 3.0, "d": 4.0}), "unknown labels ['d']"),
    (pd.Series([1.0, 2.0, 3.0], index=["a", "a", "b"]), "duplicate"),
    (pd.DataFrame({"a": [1.0]}), "DataFrame"),
])
def test_mismatched_labels_are_input_errors_naming_the_field(data, words):
    with pytest.raises(om.InputError, match=r"^rhs: .*" + words.replace("[", r"\[").replace("]", r"\]")):
        family(cp.Variable(3), "<=", data, index=IDX)
    with pytest.raises(om.InputError, match=r"^cap: "):
        supply_limit(cp.Variable(3), data, index=IDX)
    with pytest.raises(om.InputError, match=r"^market: "):
        consistency(cp.Variable((2, 3)), data, index=IDX)
    m = om.Model("p")
    m.parameter("cap", np.ones(3), index=IDX)
    with pytest.raises(om.InputError, match=r"^cap: "):
        m.set(cap=data)
    np.testing.assert_allclose(m.value_of("cap"), np.ones(3))  # left as it was
    with pytest.raises(om.InputError, match=r"^cap2: "):
        m.parameter("cap2", data, index=IDX)


def test_labelled_data_without_row_labels_is_refused():
    with pytest.raises(om.InputError, match=r"^rhs: a Series with labels \['c', 'a', 'b'\].*no labels"):
        family(cp.Variable(3), "<=", SHUFFLED)
    with pytest.raises(om.InputError, match=r"^cap: a Series"):
        supply_limit(cp.Variable(3), SHUFFLED)
    m = om.Model("p")
    m.parameter("cap", np.ones(3))
    with pytest.raises(om.InputError, match=r"^cap: a Series"):
        m.set(cap=SHUFFLED)
    m.set(cap=pd.Series([4.0, 5.0, 6.0]))  # unlabelled: by position
    np.testing.assert_allclose(m.value_of("cap"), [4.0, 5.0, 6.0])


def test_repeated_row_labels_cannot_align_labelled_data():
    with pytest.raises(om.InputError, match=r"^rhs: .*repeat"):
        family(cp.Variable(3), "<=", SHUFFLED, index=pd.Index(["a", "a", "b"]))


# ---------------------------------------------------------------- 2. one name, one thing
def test_a_duplicate_parameter_is_refused_and_the_first_stays_in_force():
    m = om.Model("dp", sense="max")
    x = m.variable("x", 1, nonneg=True)
    m.constrain("c", family(x, "<=", m.parameter("cap", 1.0)))
    m.maximize(cp.sum(x))
    with pytest.raises(om.InputError, match=r"^parameter: 'cap' already exists"):
        m.parameter("cap", 5.0)
    m.set(cap=7.0)
    sol = m.solve()
    assert sol.value == pytest.approx(7.0)
    assert sol["cap"] == pytest.approx(7.0)


def test_a_name_shared_by_a_variable_and_a_parameter_is_refused():
    m = om.Model("clash")
    m.variable("cap", 1)
    with pytest.raises(om.InputError, match=r"^parameter: 'cap' already exists .* as a variable"):
        m.parameter("cap", 2.0)
    m.parameter("p", 1.0)
    with pytest.raises(om.InputError, match=r"^variable: 'p' already exists .* as a parameter"):
        m.variable("p", 1)


@pytest.mark.parametrize("call", [
    lambda m: m.variable(3, 2), lambda m: m.variable("", 2), lambda m: m.parameter(None, 1.0),
    lambda m: m.constrain(5, family(cp.Variable(1), ">=", 0)), lambda m: om.Model(3),
])
def test_names_must_be_strings(call):
    with pytest.raises(om.InputError, match=r"^name: .* must be a non-empty string"):
        call(om.Model("names"))


# ---------------------------------------------------------------- 3. refused when given, not later
@pytest.mark.parametrize("shape, index", [
    (3, pd.Index(["a", "b"])),
    ((2, 3), pd.Index(["a", "b"])),
    ((2, 3), (pd.Index(["a", "b"]), pd.Index([1, 2]))),
    ((2, 2, 2), (pd.Index([0, 1]), pd.Index([0, 1]), pd.Index([0, 1]))),
    (3, "abc"),
])
def test_variable_labels_must_fit_its_shape(shape, index):
    with pytest.raises(om.InputError, match=r"^index: variable 'v'"):
        om.Model("vi").variable("v", shape, index=index)


def test_variable_labels_that_fit_read_back():
    m = om.Model("vi", sense="max")
    w = m.variable("w", (2, 3), nonneg=True, index=(pd.Index(["a", "b"]), pd.Index([1, 2, 3])))
    z = m.variable("z", (2, 2), nonneg=True, index=pd.MultiIndex.from_product([[0, 1], ["u", "v"]]))
    m.constrain("c", family(cp.sum(w) + cp.sum(z), "<=", 1))
    m.maximize(cp.sum(w) + cp.sum(z))
    sol = m.solve()
    assert sol["w"].shape == (2, 3) and len(sol["z"]) == 4


def test_parameter_labels_must_fit_its_shape():
    with pytest.raises(om.InputError, match=r"^index: parameter 'p'"):
        om.Model("pi").parameter("p", np.ones(3), index=pd.Index(["a", "b"]))


@pytest.mark.parametrize("index", [
    (pd.Index([0, 1]), pd.Index(["a", "b"]), pd.Index(["u", "v"])),  # three label lists
    pd.MultiIndex.from_product([[0, 1], ["a", "b"], ["u", "v"]]),  # one flat list for a 3-D family
])
def test_a_3d_family_with_labels_is_refused_when_built(index):
    with pytest.raises(om.InputError, match=r"^index: "):
        family(cp.Variable((2, 2, 2)), "<=", 1.0, index=index)


def test_a_one_entry_tuple_of_labels_is_refused():
    with pytest.raises(om.InputError, match=r"^index: a tuple of 1"):
        family(cp.Variable(2), "<=", 1.0, index=(pd.Index(["a", "b"]),))


@pytest.mark.parametrize("lhs, rhs", [
    (cp.sum(cp.Variable(3)), cp.Parameter(3)),  # rhs larger than lhs
    (cp.Variable(3), cp.Parameter((2, 3))),
    (cp.Variable(3), np.ones(4)),
    (cp.Variable(3), np.ones((3, 3))),
    (cp.Variable((2, 3)), np.array([1.0, 2.0])),
])
def test_rhs_that_does_not_fit_the_rows_is_refused(lhs, rhs):
    with pytest.raises(om.InputError, match=r"^rhs: has shape .* does not fit the family's rows"):
        family(lhs, "<=", rhs)
    with pytest.raises(om.InputError, match=r"^rhs: has shape"):
        Family(lhs, "<=", rhs if isinstance(rhs, cp.Expression) else cp.Constant(rhs))


def test_rhs_that_broadcasts_to_the_rows_is_kept():
    np.testing.assert_allclose(family(cp.Variable((2, 3)), "<=", np.array([1.0, 2.0, 3.0])).rhs.value,
                               [[1.0, 2.0, 3.0]] * 2)
    np.testing.assert_allclose(family(cp.Variable((2, 3)), "<=", [[1.0], [2.0]]).rhs.value,
                               [[1.0] * 3, [2.0] * 3])
    assert family(cp.sum(cp.Variable(3)), "<=", [[2.0]]).rhs.value == pytest.approx(2.0)


def test_a_vector_parameter_for_a_scalar_row_is_refused_before_any_solve():
    m = om.Model("b1", sense="max")
    x = m.variable("x", 3, nonneg=True)
    p = m.parameter("p", np.array([1.0, 2.0, 3.0]))
    with pytest.raises(om.InputError, match=r"^rhs: has shape \(3,\)"):
        m.constrain("c", family(cp.sum(x), "<=", p))


@pytest.mark.parametrize("rhs, words", [("a", "expected numbers"), (None, "expected numbers .*got None"),
                                        ([[1, 2], [3]], "expected numbers")])
def test_rhs_that_is_not_numbers_is_refused(rhs, words):
    with pytest.raises(om.InputError, match=r"^rhs: " + words):
        family(cp.Variable(3), "<=", rhs)


@pytest.mark.parametrize("kwargs, field", [
    (dict(bounds=[1, 0]), "bounds: the lower bound of 'v' is above the upper"),
    (dict(bounds=[np.zeros(2), np.ones(2)]), r"bounds: the lower bound of 'v' has shape \(2,\)"),
    (dict(bounds=[np.nan, 1]), "bounds: the lower bound of 'v' has a NaN"),
    (dict(bounds=[0, -np.inf]), "bounds: the upper bound of 'v' has a NaN or -inf"),
    (dict(bounds=[0]), r"bounds: 'v' needs \[lower, upper\]"),
    (dict(bounds=["a", 1]), r"bounds \(lower bound of 'v'\): expected numbers"),
    (dict(foo=True), "foo: not an attribute of 'v'"),
    (dict(nonneg=True, nonpos=True), "nonneg, nonpos: 'v' may have one sign attribute"),
    (dict(nonneg="yes"), "nonneg: must be True or False"),
])
def test_bad_variable_attributes_are_input_errors_naming_them(kwargs, field):
    with pytest.raises(om.InputError, match="^" + field):
        om.Model("attrs").variable("v", 3, **kwargs)


def test_bad_parameter_attributes_are_input_errors_naming_them():
    with pytest.raises(om.InputError, match=r"^nonneg, nonpos: 'p'"):
        om.Model("attrs").parameter("p", 0.0, nonneg=True, nonpos=True)
    with pytest.raises(om.InputError, match=r"^foo: not an attribute of 'p'"):
        om.Model("attrs").parameter("p", 0.0, foo=True)


def test_valid_bounds_still_solve():
    m = om.Model("box", sense="max")
    x = m.variable("x", 3, bounds=[np.array([0.0, -1.0, 0.5]), 2.0])
    m.constrain("c", family(cp.sum(x), "<=", 10.0))
    m.maximize(cp.sum(x))
    assert m.solve().value == pytest.approx(6.0)
    assert om.Model("inf").variable("y", 2, bounds=[-np.inf, None]).attributes["bounds"] is not None


@pytest.mark.parametrize("goal", ["maximize", "minimize"])
@pytest.mark.parametrize("expr, words", [
    (lambda x: x, r"must be one number .* shape \(3,\)"),
    (lambda x: cp.reshape(x, (3, 1), order="C"), r"must be one number .* shape \(3, 1\)"),
    (lambda x: "x", "expected a cvxpy expression or a number"),
    (lambda x: np.ones(3), r"must be one number .* shape \(3,\)"),
])
def test_an_objective_that_is_not_one_number_is_refused_when_set(goal, expr, words):
    m = om.Model("obj")
    x = m.variable("x", 3, nonneg=True)
    m.constrain("c", family(x, "<=", 1))
    with pytest.raises(om.InputError, match=r"^objective: " + words):
        getattr(m, goal)(expr(x))
    with pytest.raises(om.InputError, match=r"^objective: model 'obj' has none"):
        m.solve()


def test_scalar_shaped_objectives_are_kept():
    m = om.Model("obj", sense="max")
    x = m.variable("x", 3, nonneg=True)
    m.constrain("c", family(x, "<=", 1))
    m.maximize(cp.reshape(cp.sum(x), (1,), order="C"))
    assert m.solve().value == pytest.approx(3.0)
    m.maximize(4.5)
    assert m.solve().value == pytest.approx(4.5)


def test_an_unlabelled_series_broadcasts_over_a_labelled_2d_family():
    """A Series with a default RangeIndex carries no labels: read by position, broadcast per column as the
    same numbers in an array (it was refused on (rows, columns) labels)."""
    import cvxpy as cp
    import pandas as pd

    import optmarkets as om
    from optmarkets.core.family import family

    m = om.Model("broadcast", sense="max")
    X = m.variable("X", (2, 3))
    m.constrain("cap", family(X, "<=", pd.Series([1.0, 2.0, 3.0]), (["r0", "r1"], ["c0", "c1", "c2"])))
    m.maximize(cp.sum(X))
    sol = m.solve()
    assert np.asarray(sol["X"], float) == pytest.approx(np.array([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]]))

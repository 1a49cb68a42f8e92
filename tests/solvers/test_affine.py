"""HiGHS's standard form read directly from the expressions (`solvers.affine`).

Two independent checks: on every model the instance files, the papers and the games build, the
form equals cvxpy's own compile (its `get_problem_data(HIGHS)`, columns matched by variable); and
on random expressions over every supported atom, M x + k equals cvxpy's numeric value of the
expression at random points. Then the solve path: the same answers as cvxpy's compile, parameters
that move b (A kept) or A (rebuilt), unsupported atoms that fall back, and failed statuses.
"""

from __future__ import annotations

import glob

import cvxpy as cp
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import optmarkets as om
from optmarkets.app import instances
from optmarkets.builders import family
from optmarkets.core.errors import InfeasibleError, UnboundedError
from optmarkets.solvers import affine
from optmarkets.solvers import cvxpy_internals as internals


# ------------------------------------------------------------------ the form equals cvxpy's compile
def _instance_models() -> dict:
    out = {}
    for path in sorted(glob.glob(str(instances.instance_dir() / "*.toml"))):
        inst = instances.load(path)
        for solve in inst.solves:
            out[f"{inst.name}:{solve}"] = inst.factory(solve)
    return out


def _paper_models() -> dict:
    econ = om.PersonalDataEconomy([1, 2, 3, 5], [0.1, 0.2, 0.3, 0.4], [0.2, 0.1, 0.3, 0.0], gamma_u=1.0, gamma_pi=0.3)
    broker = om.DataBroker(values=[1, 2, 3], value_probs=[0.2, 0.5, 0.3], costs=[0.25, 0.75], cost_probs=[0.5, 0.5])
    seller = om.InformationSeller.from_distribution("exponential", m=6, vmax=6, state_prior=[0.4, 0.6], alpha=0.5)
    u = np.array([[4.0, 1.0], [5.0, 0.0]])
    chicken = om.FiniteGame(["row", "col"], {"row": ["C", "D"], "col": ["C", "D"]}, {"row": u, "col": u.T})
    return {
        "P_q": lambda: econ.platform_problem([0.05, 0.2, 0.1, 0.3]),
        "FB": econ.first_best_problem,
        "Yang": broker.mechanism_problem,
        "HS": lambda: om.MultiProductSeller([[1.0, 2.0], [2.0, 1.0], [2.5, 3.0]]).optimal_mechanism([0.3, 0.3, 0.4]),
        "BDHN reduced": lambda: seller.revenue_optimal(form="reduced"),
        "BDHN full": lambda: seller.revenue_optimal(form="full"),
        "CE": lambda: om.correlated_equilibrium(chicken, objective={"row": 1, "col": 1}),
    }


MODELS = {**_instance_models(), **_paper_models()}


def _cvxpy_form(problem: cp.Problem, columns: dict[int, int]) -> dict:
    """cvxpy's HiGHS data with its columns moved to `columns`' order."""
    with affine.cvxpy_compile():
        data, _, inverse = problem.get_problem_data(cp.HIGHS)
    theirs = internals.column_offsets(inverse)
    n = data["A"].shape[1]
    perm = np.empty(n, dtype=np.int64)
    for v in problem.variables():
        perm[columns[v.id]:columns[v.id] + v.size] = np.arange(theirs[v.id], theirs[v.id] + v.size)
    bounds = {}
    for key, fill in (("lower_bounds", -np.inf), ("upper_bounds", np.inf)):
        arr = data.get(key)
        bounds[key] = np.full(n, fill) if arr is None else np.asarray(arr, float)[perm]
    return dict(A=sp.csc_matrix(data["A"])[:, perm], b=np.asarray(data["b"], float), c=np.asarray(data["c"])[perm],
                n_eq=int(data["dims"].zero), offset=internals.objective_offset(inverse), **bounds)


def _assert_same_form(problem: cp.Problem) -> None:
    prog = affine.build(problem)
    ours = prog.data()
    ref = _cvxpy_form(problem, prog.columns)
    n = ours["A"].shape[1]
    scale = max(1.0, float(abs(ref["A"]).max()) if ref["A"].nnz else 0.0)
    assert ours["dims"].zero == ref["n_eq"]
    assert ours["A"].shape == ref["A"].shape
    diff = abs(ours["A"] - ref["A"])
    assert (diff.max() if diff.nnz else 0.0) <= 1e-13 * scale
    np.testing.assert_allclose(ours["b"], ref["b"], rtol=1e-13, atol=1e-13 * max(1.0, np.abs(ref["b"]).max(initial=0)))
    np.testing.assert_allclose(ours["c"], ref["c"], rtol=1e-13, atol=1e-13 * max(1.0, np.abs(ref["c"]).max(initial=0)))
    assert prog.offset == pytest.approx(ref["offset"], rel=1e-13, abs=1e-13)
    for key, fill in (("lower_bounds", -np.inf), ("upper_bounds", np.inf)):
        mine = np.full(n, fill) if ours[key] is None else ours[key]
        np.testing.assert_array_equal(mine, ref[key])


@pytest.mark.parametrize("name", list(MODELS))
def test_the_form_is_cvxpys_compile(name):
    try:
        model = MODELS[name]()
    except om.InputError:  # an instance's solve that returns a result, not a Model
        pytest.skip("not a Model")
    model.write_parameters()
    if model.has_integers:
        with pytest.raises(affine.UnsupportedError):
            affine.build(model.problem)
        return
    _assert_same_form(model.problem)


# ------------------------------------------------------------------ every atom against cvxpy's value
_SHAPES = [(3,), (2, 3), (3, 2), (1, 4), (4, 1)]


@st.composite
def _expressions(draw):
    """(expression, variables): a random composition of the supported atoms over two variables."""
    x = cp.Variable(draw(st.sampled_from(_SHAPES)), name="x")
    y = cp.Variable(draw(st.sampled_from(_SHAPES)), name="y")
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))

    def const(shape):
        return rng.integers(-3, 4, shape).astype(float)

    expr: cp.Expression = x
    for op in draw(st.lists(st.sampled_from(
            ["neg", "scale", "multiply", "lmatmul", "rmatmul", "sparse", "sum", "sum0", "sum1", "reshapeC",
             "reshapeF", "T", "slice", "fancy", "promote", "addy", "addc", "hstack", "vstack", "diag", "vecC",
             "param"]), min_size=1, max_size=5)):
        s = expr.shape
        nd = len(s)
        if op == "neg":
            expr = -expr
        elif op == "scale":
            expr = 2.5 * expr
        elif op == "multiply":
            expr = cp.multiply(const(s), expr)
        elif op == "lmatmul" and nd >= 1:
            expr = const((2, s[0])) @ expr
        elif op == "rmatmul" and nd == 2:
            expr = expr @ const((s[1], 2))
        elif op == "rmatmul" and nd == 1:
            expr = expr @ const((s[0],))
        elif op == "sparse" and nd >= 1:
            expr = sp.csr_matrix(const((3, s[0]))) @ expr
        elif op == "sum":
            expr = cp.sum(expr)
        elif op == "sum0" and nd >= 1:
            expr = cp.sum(expr, axis=0)
        elif op == "sum1" and nd == 2:
            expr = cp.sum(expr, axis=1, keepdims=draw(st.booleans()))
        elif op in ("reshapeC", "reshapeF") and expr.size % 2 == 0:
            expr = cp.reshape(expr, (2, expr.size // 2), order="C" if op == "reshapeC" else "F")
        elif op == "vecC":
            expr = cp.vec(expr, order="C")
        elif op == "T" and nd == 2:
            expr = expr.T
        elif op == "slice" and nd == 2 and s[0] > 1:
            expr = expr[1:, ::2]
        elif op == "slice" and nd == 1 and s[0] > 1:
            expr = expr[::-1][:2]
        elif op == "fancy" and nd == 2:
            expr = expr[[0, s[0] - 1, 0], [s[1] - 1, 0, 0]]
        elif op == "fancy" and nd == 1:
            expr = expr[np.array([0, s[0] - 1, 0])]
        elif op == "promote" and expr.size == 1:
            expr = cp.reshape(expr, (), order="F") + np.ones((2, 3))
        elif op == "addy" and y.shape == s:
            expr = expr + y
        elif op == "addy" and y.size == expr.size:
            expr = expr - cp.reshape(y, s, order="F")
        elif op == "addc":
            expr = expr + const(s)
        elif op == "hstack" and nd == 2:
            expr = cp.hstack([expr, 2 * expr])
        elif op == "vstack" and nd == 2:
            expr = cp.vstack([expr, const((1, s[1]))])
        elif op == "diag" and nd == 2 and s[0] == s[1] and s[0] > 1:
            expr = cp.diag(expr)
        elif op == "diag" and nd == 1:
            expr = cp.diag(expr)  # a vector on a diagonal
        elif op == "param":
            p = cp.Parameter(s, value=const(s))
            expr = cp.multiply(p, expr) + p
    return expr, [x, y]


@settings(max_examples=300, deadline=None)
@given(_expressions(), st.integers(0, 2**16))
def test_every_atom_reads_as_cvxpy_evaluates(case, seed):
    expr, variables = case
    columns, start = {}, 0
    for v in variables:
        columns[v.id] = start
        start += v.size
    node = affine.linear_map(expr, columns, start)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=start)
    for v in variables:
        v.value = x[columns[v.id]:columns[v.id] + v.size].reshape(v.shape, order="F")
    expected = np.asarray(expr.value, float).reshape(-1, order="F")
    if isinstance(node, affine.Const):
        got = np.asarray(node.value, float).reshape(-1, order="F")
    else:
        lin = node.lin(start) if isinstance(node, affine.Sel) else node
        got = lin.M @ x + lin.k
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12 * max(1.0, np.abs(expected).max(initial=0)))


def test_a_product_of_two_variables_is_not_affine():
    x, y = cp.Variable(2), cp.Variable(2)
    with pytest.raises(affine.UnsupportedError):
        affine.linear_map(cp.multiply(x, y), {x.id: 0, y.id: 2}, 4)


# ------------------------------------------------------------------ the solve path
def _mixed() -> om.Model:
    m = om.Model("mixed", sense="min")
    x = m.variable("x", (2, 3), nonneg=True)
    y = m.variable("y", 2, nonneg=True)
    m.constrain("cap", family(cp.sum(x, axis=1) + y, "<=", [4.0, 5.0]))
    m.constrain("floor", family(cp.sum(x), ">=", 2.5))
    m.constrain("link", family(y[0] - 2 * y[1], "==", 1.0))
    m.constrain("upper", family(x, "<=", np.full((2, 3), 0.75)))
    m.minimize(cp.sum(cp.multiply(np.arange(1.0, 7.0).reshape(2, 3), x)) + 3 * y[0] + cp.sum(y) + 7.0)
    return m


def test_the_direct_solve_has_the_closed_form_and_cvxpys_answer():
    # 2.5 units of x fill the cheapest cells (c = 1, 2, 3 at 0.75, then 0.25 at c = 4), y = (1, 0):
    # value 4.5 + 1 + 4 + 7 = 16.5; the floor's marginal unit costs 4
    model = _mixed()
    sol = model.solve()
    assert affine.program(model.problem) is not None
    assert sol.value == pytest.approx(16.5, rel=1e-12)
    assert sol.prices["floor"] == pytest.approx(4.0)
    with affine.cvxpy_compile():
        ref = _mixed().solve()
    np.testing.assert_allclose(sol["x"].to_numpy(), ref["x"].to_numpy(), atol=1e-12)
    for name in ("cap", "floor", "link", "upper"):
        np.testing.assert_allclose(np.asarray(sol.prices[name], float), np.asarray(ref.prices[name], float), atol=1e-12)


def test_a_parameter_in_b_keeps_a_and_one_in_a_rebuilds_it():
    m = om.Model("param", sense="max")
    x = m.variable("x", 2, nonneg=True)
    cap = m.parameter("cap", [1.0, 2.0])
    w = m.parameter("w", [1.0, 1.0])
    m.constrain("caps", family(cp.multiply(w, x), "<=", cap))
    m.maximize(cp.sum(x))
    assert m.solve().value == pytest.approx(3.0)
    prog = affine.program(m.problem)
    A = prog.A
    assert m.bind(cap=[2.0, 2.0]).solve().value == pytest.approx(4.0)
    assert affine.program(m.problem).A is A  # b moved, A kept
    assert m.bind(w=[2.0, 4.0]).solve().value == pytest.approx(0.5 + 0.5)  # x = cap / w
    assert affine.program(m.problem).A is not A
    assert m.compilations == 1


def test_an_atom_outside_the_set_falls_back_to_cvxpy():
    m = om.Model("abs", sense="min")
    x = m.variable("x", 2)
    m.constrain("norm", family(cp.abs(x - np.array([1.0, -2.0])), "<=", 0.5))
    m.minimize(cp.sum(x))
    sol = m.solve()
    assert affine.program(m.problem) is None
    assert sol.value == pytest.approx(0.5 + -2.5)


def test_failed_statuses_on_the_direct_path():
    m = om.Model("infeasible", sense="max")
    x = m.variable("x", 2, nonneg=True)
    m.constrain("floor", family(cp.sum(x), ">=", 2.0))
    m.constrain("cap", family(x, "<=", 0.5))
    m.maximize(cp.sum(x))
    with pytest.raises(InfeasibleError):
        m.solve()
    assert affine.program(m.problem) is not None and m.problem.value == -np.inf
    u = om.Model("unbounded", sense="max")
    y = u.variable("y", 2, nonneg=True)
    u.constrain("floor", family(cp.sum(y), ">=", 1.0))
    u.maximize(cp.sum(y))
    with pytest.raises(UnboundedError):
        u.solve()
    assert u.problem.value == np.inf


def _parametric() -> om.Model:
    m = om.Model("parametric", sense="max")
    x = m.variable("x", (2, 2), nonneg=True)
    cap = m.parameter("cap", [1.0, 2.0])
    w = m.parameter("w", np.array([[1.0, 2.0], [3.0, 1.0]]))
    bonus = m.parameter("bonus", 0.5)
    m.constrain("caps", family(cp.sum(x, axis=1), "<=", cap))
    m.constrain("mix", family(x[0, 0] - x[1, 1], ">=", -bonus))
    m.maximize(cp.sum(cp.multiply(w, x)) + 3.0 * bonus)
    return m


@pytest.mark.parametrize("point", [dict(cap=[2.0, 0.5]), dict(w=[[2.0, 1.0], [1.0, 4.0]]), dict(bonus=0.25),
                                   dict(cap=[0.0, 1.0], w=[[0.0, 1.0], [5.0, 0.0]], bonus=1.5)])
def test_re_solves_at_new_parameters_match_cvxpys_compile(point):
    # re-solves re-read only what moved: constants at x = 0, coefficients by reading the family again
    model = _parametric()
    assert model.solve().value == pytest.approx(2.0 + 6.0 + 1.5)  # the best w of each row at its cap, 3 bonus
    sol = model.bind(**point).solve()
    with affine.cvxpy_compile():
        ref = _parametric().bind(**point).solve()
    assert sol.value == pytest.approx(ref.value, rel=1e-12, abs=1e-12)
    for name in ("caps", "mix"):
        np.testing.assert_allclose(np.asarray(sol.prices[name], float), np.asarray(ref.prices[name], float),
                                   atol=1e-10)
    assert model.compilations == 1


def _weighted_caps() -> om.Model:
    """A Parameter multiplies the variables inside a constraint (as the BIC rows' beliefs do)."""
    m = om.Model("weighted caps", sense="max")
    x = m.variable("x", 3, nonneg=True)
    a = m.parameter("a", [1.0, 2.0, 4.0], nonneg=True)
    m.constrain("budget", family(cp.sum(cp.multiply(a, x)), "<=", 4.0))
    m.constrain("each", family(x, "<=", 3.0))
    m.maximize(cp.sum(cp.multiply([1.0, 3.0, 2.0], x)))
    return m


@pytest.mark.parametrize("a", [[1.0, 2.0, 4.0], [2.0, 1.0, 4.0], [4.0, 4.0, 0.5]])
def test_a_re_solve_reads_moved_coefficients_from_the_family_again(a):
    """The coefficients of a constraint that holds a Parameter are compared with A's rows on a re-solve, and
    replaced where they moved (A keeps no second copy of them): the values and prices of cvxpy's compile."""
    model = _weighted_caps()
    assert model.solve().value == pytest.approx(6.0)  # x = (0, 2, 0): 3 per unit of x2, which costs 2
    sol = model.bind(a=a).solve()
    with affine.cvxpy_compile():
        ref = _weighted_caps().bind(a=a).solve()
    assert sol.value == pytest.approx(ref.value, rel=1e-12, abs=1e-12)
    for name in ("budget", "each"):
        np.testing.assert_allclose(np.asarray(sol.prices[name], float), np.asarray(ref.prices[name], float),
                                   atol=1e-10)
    assert model.solve().value == pytest.approx(6.0)  # `bind` left the model's own values as they were

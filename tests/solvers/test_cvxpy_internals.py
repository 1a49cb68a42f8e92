"""cvxpy's private attributes that `optmarkets.solvers.cvxpy_internals` relies on, pinned.

cvxpy does not promise any of these. If a cvxpy release moves one, a test here fails with the name
of the thing that moved, instead of warm re-solves, recompilation counts or the raw-HiGHS baseline
going silently wrong elsewhere. Fix `optmarkets/solvers/cvxpy_internals.py` (and
`solvers/highs.py`'s StandardForm for the data layout), nothing else.
"""

from __future__ import annotations

import ast
from pathlib import Path

import cvxpy as cp
import numpy as np
import pytest

from optmarkets.solvers import HighsSession, StandardForm
from optmarkets.solvers import cvxpy_internals as internals

highspy = pytest.importorskip("highspy")

PACKAGE = Path(__file__).resolve().parents[2] / "optmarkets"
INTERNALS = PACKAGE / "solvers" / "cvxpy_internals.py"
PRIVATE = ("_cache", "_compilation_time", "get_problem_data", "unpack_results")


def lp(cost=(1.0, 2.0, 3.0)):
    """min c.x  s.t.  sum(x) == 1, x <= 0.8, 0 <= x, y in [0, 2] maximized: a DPP LP with bounds."""
    c = cp.Parameter(3, value=np.asarray(cost), name="c")
    x = cp.Variable(3, nonneg=True, name="x")
    y = cp.Variable(2, bounds=[0, 2], name="y")
    budget, cap = cp.sum(x) == 1, x <= 0.8
    problem = cp.Problem(cp.Minimize(c @ x - cp.sum(y)), [budget, cap])
    return problem, c, x, y, budget, cap


class Recording(dict):
    """A results dict that remembers which keys were read."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.read: set[str] = set()

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        self.read.add(key)
        return super().get(key, default)


# ------------------------------------------------------------------ the DPP cache
def test_a_dpp_solve_caches_its_parametrised_program_on_problem_cache():
    problem, c, *_ = lp()
    problem.solve(cp.HIGHS)
    assert hasattr(problem, "_cache"), "cvxpy moved Problem._cache (compiled_program reads it)"
    assert hasattr(problem._cache, "param_prog"), "cvxpy moved Problem._cache.param_prog (compiled_program)"
    program = problem._cache.param_prog
    assert program is not None, "a DPP solve no longer leaves Problem._cache.param_prog set"
    assert internals.compiled_program(problem) is program
    c.value = np.array([3.0, 2.0, 1.0])
    problem.solve(cp.HIGHS)  # a new parameter value: the same compiled program (no recompilation)
    assert internals.compiled_program(problem) is program
    other, *_ = lp()
    other.solve(cp.HIGHS)
    assert internals.compiled_program(other) is not program


def test_an_unsolved_problem_has_no_compiled_program():
    problem, *_ = lp()
    assert internals.compiled_program(problem) is None


# ------------------------------------------------------------------ get_problem_data: HiGHS's data
def test_get_problem_data_returns_data_chain_and_inverse_ending_in_highs():
    problem, *_ = lp()
    got = problem.get_problem_data(cp.HIGHS)
    assert isinstance(got, tuple) and len(got) == 3, "get_problem_data no longer returns (data, chain, inverse)"
    data, chain, inverse = internals.solver_data(problem, cp.HIGHS)
    assert isinstance(data, dict)
    assert chain.solver.name() == cp.HIGHS == internals.solving_chain_solver(chain)
    assert isinstance(inverse, list), "the inverse data is no longer a list (one entry per reduction)"


def test_highs_data_has_the_keys_standard_form_reads():
    problem, *_ = lp()
    data, *_ = internals.solver_data(problem, cp.HIGHS)
    missing = {"c", "A", "b", "dims", "lower_bounds", "upper_bounds"} - set(data)
    assert not missing, f"cvxpy's HiGHS data lost the keys {sorted(missing)} (solvers/highs.py StandardForm)"
    assert hasattr(data["dims"], "zero"), "data['dims'].zero (the number of equality rows) moved"
    form = StandardForm.of(data)
    n = form.A.shape[1]
    assert form.c.shape == (n,) and form.row_upper.shape == (form.A.shape[0],)
    assert form.n_eq == 1  # sum(x) == 1 comes first, then the inequality rows
    assert np.isfinite(form.col_upper).sum() >= 2  # y's bounds travel as column bounds, not rows
    assert np.all(form.col_lower[np.isfinite(form.col_upper)] == 0)


# ------------------------------------------------------------------ unpack: results back into the problem
def test_unpack_results_and_compilation_time_round_trip_through_a_highs_session():
    problem, _, x, y, budget, cap = lp()
    reference, _, ref_x, ref_y, ref_budget, ref_cap = lp()
    reference.solve(cp.HIGHS)
    data, chain, inverse = internals.solver_data(problem, cp.HIGHS)
    results = Recording(HighsSession().solve(data, {}))
    assert hasattr(problem, "unpack_results"), "cvxpy moved Problem.unpack_results (cvxpy_internals.unpack)"
    internals.unpack(problem, results, chain, inverse, 0.125)
    assert problem._compilation_time == 0.125 and problem.compilation_time == 0.125, \
        "Problem._compilation_time no longer backs Problem.compilation_time"
    assert problem.status == "optimal" and problem.value == pytest.approx(reference.value, abs=1e-12)
    np.testing.assert_allclose(x.value, ref_x.value, atol=1e-12)
    np.testing.assert_allclose(y.value, ref_y.value, atol=1e-12)
    np.testing.assert_allclose(budget.dual_value, ref_budget.dual_value, atol=1e-12)
    np.testing.assert_allclose(cap.dual_value, ref_cap.dual_value, atol=1e-12)
    assert problem.solver_stats.num_iters is not None and problem.solver_stats.solve_time >= 0
    unread = results.read - set(internals.highs_results_keys())
    assert not unread, f"HIGHS.invert now reads {sorted(unread)}; add them to highs_results_keys and the session"


def test_invert_of_an_infeasible_lp_reads_the_dual_ray_the_session_provides():
    x = cp.Variable(2, nonneg=True)
    problem = cp.Problem(cp.Minimize(cp.sum(x)), [cp.sum(x) <= -1])
    data, chain, inverse = internals.solver_data(problem, cp.HIGHS)
    results = Recording(HighsSession().solve(data, {"presolve": "off"}))
    internals.unpack(problem, results, chain, inverse, 0.0)
    assert problem.status == "infeasible"
    assert results.read <= {*internals.highs_results_keys(), "dual_ray"}, results.read


@pytest.mark.parametrize("status", ["kOptimal", "kInfeasible", "kUnbounded"])
def test_highs_status_names_are_the_ones_cvxpy_maps(status):
    # HighsSession reports getModelStatus().name; cvxpy's HIGHS maps those names to its statuses
    assert hasattr(highspy.HighsModelStatus, status)
    chain = internals.solver_data(lp()[0], cp.HIGHS)[1]
    assert status in type(chain.solver).STATUS_MAP, f"cvxpy's HIGHS.STATUS_MAP lost {status}"


# ------------------------------------------------------------------ nobody else touches them
def _private_uses(path: Path) -> list[str]:
    """Attribute accesses (and getattr-style string names) of cvxpy's private things in one module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr in PRIVATE:
            out.append(f"{path}:{node.lineno}: .{node.attr}")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in PRIVATE:
            out.append(f"{path}:{node.lineno}: {node.value!r}")
    return out


def test_only_cvxpy_internals_touches_cvxpy_private_attributes():
    offenders = [use for path in sorted(PACKAGE.rglob("*.py")) if path != INTERNALS for use in _private_uses(path)]
    assert not offenders, ("cvxpy's private attributes are used outside solvers/cvxpy_internals.py; go through "
                           "it instead:\n  " + "\n  ".join(offenders))
    assert {use.rsplit(": ", 1)[1].strip(".'") for use in _private_uses(INTERNALS)} == set(PRIVATE)


def test_the_scan_sees_attribute_and_getattr_uses(tmp_path):
    src = tmp_path / "m.py"
    src.write_text('def f(p):\n    """mentions get_problem_data in prose only"""\n    p.unpack_results(1)\n'
                   '    return getattr(p, "_cache", None)\n')
    assert [use.split(": ", 1)[1] for use in _private_uses(src)] == [".unpack_results", "'_cache'"]


# ------------------------------------------------------------------ highs_data: b and c without rebuilding A
def _rhs_lp():
    """min c.x s.t. A x <= b (b a Parameter), sum(x) == t, 0 <= x: parameters in b, c and the offset."""
    c = cp.Parameter(3, name="c", value=np.array([1.0, -2.0, 0.5]))
    b = cp.Parameter(2, name="b", value=np.array([1.0, 2.0]))
    t = cp.Parameter(name="t", value=1.5)
    x = cp.Variable(3, nonneg=True, name="x")
    A = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0]])
    problem = cp.Problem(cp.Minimize(c @ x + 2 * t), [A @ x <= b, cp.sum(x) == t, x <= 4])
    return problem, c, b, t


def test_highs_data_equals_get_problem_data_and_keeps_one_a():
    problem, c, b, t = _rhs_lp()
    first, _, _, held = internals.highs_data(problem)
    assert held is not None and held.a_constant, "the tensor's A part no longer separates from b (ReducedMat)"
    assert held.columns and all(isinstance(k, int) for k in held.columns)
    rng = np.random.default_rng(0)
    for _ in range(3):
        c.value, b.value, t.value = rng.normal(size=3), rng.uniform(1, 2, 2), float(rng.uniform(1, 2))
        data, chain, inverse, again = internals.highs_data(problem)
        assert again is held and data["A"] is first["A"], "A was rebuilt"
        ref, _, ref_inverse = problem.get_problem_data(cp.HIGHS)
        np.testing.assert_array_equal(data["c"], ref["c"])
        np.testing.assert_array_equal(data["b"], ref["b"])
        assert (data["A"] != ref["A"]).nnz == 0
        assert float(inverse[-1]["offset"]) == float(ref_inverse[-1]["offset"]) == pytest.approx(2 * t.value)
        for key in ("lower_bounds", "upper_bounds"):
            np.testing.assert_array_equal(data[key], ref[key])
        assert len(inverse) == len(ref_inverse)
        # and the results unpack through the fast data as through cvxpy's
        internals.unpack(problem, HighsSession().solve(data, {}), chain, inverse, 0.0)
        value = problem.value
        reference = _rhs_lp()[0]
        for p, q in zip(reference.parameters(), problem.parameters(), strict=True):
            p.value = q.value
        reference.solve(cp.HIGHS)
        assert value == pytest.approx(reference.value, abs=1e-9)


def test_a_parameter_in_a_takes_get_problem_data_every_time():
    a = cp.Parameter(name="a", value=2.0)
    x = cp.Variable(2, nonneg=True)
    problem = cp.Problem(cp.Maximize(cp.sum(x)), [a * x[0] + x[1] <= 1])
    first, *_, held = internals.highs_data(problem)
    assert held is not None and not held.a_constant and "A" not in held.data
    a.value = 4.0
    data, *_ = internals.highs_data(problem)
    assert data["A"] is not first["A"] and abs(data["A"]).max() == 4.0


@pytest.mark.parametrize("sense", ["<=", ">=", "=="])
def test_highs_rows_are_args0_minus_args1_of_the_constraint(sense):
    # core.certificate maps a family's rows by row_orientation: A x - b = sigma (lhs - rhs)
    x = cp.Variable(3, name="x")
    p = cp.Parameter(3, value=np.array([0.5, -1.0, 2.0]))
    lhs = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [3.0, 0.0, 1.0]]) @ x + 0.25
    constraint = {"<=": lambda: lhs <= p, ">=": lambda: lhs >= p, "==": lambda: lhs == p}[sense]()
    problem = cp.Problem(cp.Minimize(cp.sum(x)), [constraint])
    data, *_ = internals.highs_data(problem)
    form = StandardForm.of(data)
    point = np.array([0.3, -0.7, 1.1])
    x.value = point
    sigma = internals.row_orientation(constraint, lhs)
    assert sigma == {"<=": 1.0, ">=": -1.0, "==": 1.0}[sense]
    np.testing.assert_allclose(form.A @ point - form.row_upper, sigma * (lhs.value - p.value), atol=1e-12)
    assert internals.row_orientation(constraint, x) is None


# ------------------------------------------------------------------ releasing cvxpy's condensed tensor
def _rhs_parametric():
    """max x0 + 2 x1 s.t. x0 + x1 <= cap, x1 <= half: the parameters enter b only (A constant)."""
    cap, half = cp.Parameter(nonneg=True, value=1.0), cp.Parameter(nonneg=True, value=0.25)
    x = cp.Variable(2, nonneg=True)
    return cp.Problem(cp.Maximize(x[0] + 2 * x[1]), [cp.sum(x) <= cap, x[1] <= half]), cap, half


def test_a_constant_a_program_releases_the_tensor_and_both_paths_still_agree():
    problem, cap, half = _rhs_parametric()
    _data, _chain, _inverse, held = internals.highs_data(problem)
    assert held is not None and held.a_constant
    assert internals.compiled_program(problem).reduced_A.reduced_mat is None  # released
    cap.value, half.value = 3.0, 0.5
    fast, *_ = internals.highs_data(problem)  # our path: b from b_map, the kept A
    slow, *_ = problem.get_problem_data(cp.HIGHS)  # cvxpy's own path rebuilds the condensed tensor
    np.testing.assert_array_equal(fast["b"], slow["b"])
    np.testing.assert_array_equal(fast["c"], slow["c"])
    assert (fast["A"] != slow["A"]).nnz == 0
    assert sorted(fast["b"]) == [0.5, 3.0]  # the new right-hand sides
    assert problem.solve(cp.HIGHS) == pytest.approx(3.0 - 0.5 + 2 * 0.5)  # x = (2.5, 0.5)

"""Row generation (`core.rowgen`) against scipy's linprog on the same LP, with every row of the full lazy
family re-checked at the returned point against its OWN magnitude (sum_j |a_ij x_j| + |b_i|, at
least max_j |a_ij| max |x|).

- A row is added when it is violated relative to itself, never relative to another row's slack: one
  row `sum x <= 1e5` used to hide `1e-6 (x1 + x2) <= 1.5e-6` (violated by a third of its size) and
  3.0 was certified where the optimum is 2.5.
- A restricted LP that is unbounded while rows are left out is a relaxation's ray, not the full LP's:
  max x1 + x2 under x <= 1 used to raise UnboundedError where the optimum is 2.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.core.family import family
from optmarkets.core.strategies import Lazy, RowGeneration

TINY = 1e-6
#: max x1 + x2 + x3: a row with a large right-hand side, the three unit bounds, and a tiny-scale row
#: that binds (left out at the start)
BIG_SLACK_A = np.array([[1.0, 1, 1], [1, 0, 0], [0, 1, 0], [0, 0, 1], [TINY, TINY, 0]])


def _lazy_lp(A, b, start, objective=None, solver=None):
    """max objective . x over x >= 0, the family `rows`: A x <= b, lazy from `start`."""
    m = om.Model("audit")
    x = m.variable("x", A.shape[1])
    m.constrain("box", family(x, ">=", 0.0))
    m.constrain("rows", family(A @ x, "<=", b))
    c = np.ones(A.shape[1]) if objective is None else objective
    m.maximize(c @ x)
    m.strategy = RowGeneration({"rows": Lazy(start=np.asarray(start, bool))})
    sol = m.solve(solver) if solver else m.solve()
    return sol, np.asarray(sol["x"], float).ravel()


def _linprog_value(A, b, objective=None):
    c = np.ones(A.shape[1]) if objective is None else objective
    ref = linprog(-c, A_ub=A, b_ub=b, bounds=[(0, None)] * A.shape[1], method="highs")
    assert ref.status == 0
    return -ref.fun


def _assert_every_row_holds(A, b, x, tol):
    """Each row's violation against its own magnitude (independent of the package's measures)."""
    magnitude = np.maximum(np.abs(A) @ np.abs(x) + np.abs(b), np.abs(A).max(axis=1) * np.abs(x).max())
    violation = A @ x - b
    assert np.all(violation <= tol * magnitude), violation / magnitude


@pytest.mark.parametrize("big", [1e3, 1e5])
@pytest.mark.parametrize("solver,tol", [(None, 1e-9), ("CLARABEL", 1e-6)])
def test_a_large_slack_does_not_hide_a_violated_row(big, solver, tol):
    if solver is not None and solver not in om.solvers.available():
        pytest.skip(f"{solver} not installed")
    b = np.array([big, 1.0, 1.0, 1.0, 1.5 * TINY])
    sol, x = _lazy_lp(BIG_SLACK_A, b, [True, True, True, True, False], solver=solver)
    expected = _linprog_value(BIG_SLACK_A, b)
    assert expected == pytest.approx(2.5, abs=1e-12)
    assert sol.value == pytest.approx(expected, rel=tol)  # was 3.0: the tiny row was never added
    _assert_every_row_holds(BIG_SLACK_A, b, x, tol)
    assert sol.certificate.ok()
    assert np.asarray(sol.prices["rows"]).size == 5
    assert len(sol.outputs["row_generation"]) == 2  # the tiny row came in on round 2


def test_each_row_is_judged_by_its_own_magnitude():
    """`_select` over two variables, u = (1, 1, 1, 1e-17) and v = 5e-13 (data of scale 1e-12): the rows
    violated against their own magnitude, no more."""
    from optmarkets.core.rowgen import _Rows, _select, _violation

    D = np.array([[1.0, 1, 1, 0, 0],  # 3 <= 1e4: a large slack
                  [0, -1, 1, 0, 0],  # 0 <= -1e-3: violated by a third of its terms
                  [0, 0, 0, 1, 0],  # u4 <= 0: only round-off of u4, beside u's other entries of 1
                  [1e-12, 0, 0, 0, -1],  # 1e-12 u1 <= v: violated by a third, at v's scale
                  [0, 0, 0, 1, 0]])  # u4 <= -1e-3: violated
    b = np.array([1e4, -1e-3, 0.0, 0.0, -1e-3])
    per_variable = np.column_stack([np.abs(D[:, :4]).max(axis=1), np.abs(D[:, 4])])
    rows = _Rows(sp.csr_matrix(D), sp.csr_matrix(np.abs(D)), -b, -1.0, per_variable, (4, 1))
    x = np.array([1.0, 1.0, 1.0, 1e-17, 5e-13])
    none = np.zeros(5, bool)
    assert _select(*_violation(rows, x), none, Lazy(start=none)).tolist() == [1, 3, 4]
    held = np.array([False, True, False, False, False])
    assert _select(*_violation(rows, x), held, Lazy(start=held)).tolist() == [3, 4]  # held: not again


@pytest.mark.parametrize("solver,tol", [(None, 1e-9), ("CLARABEL", 1e-6)])
@pytest.mark.parametrize("start", [[True, False], [False, False]])
def test_a_relaxation_unbounded_while_rows_are_left_out_goes_on(solver, tol, start):
    if solver is not None and solver not in om.solvers.available():
        pytest.skip(f"{solver} not installed")
    A, b = np.eye(2), np.ones(2)
    sol, x = _lazy_lp(A, b, start, solver=solver)  # was UnboundedError
    expected = _linprog_value(A, b)
    assert expected == pytest.approx(2.0, abs=1e-12)
    assert sol.value == pytest.approx(expected, rel=tol)
    _assert_every_row_holds(A, b, x, tol)
    assert sol.certificate.ok()
    assert np.asarray(sol.prices["rows"]) == pytest.approx([1.0, 1.0], rel=tol)


def test_the_ray_adds_only_the_rows_it_crosses():
    """Ten lazy bounds x_i <= 1 of which the objective climbs only x1, x2: the rows on x3..x10 never
    bind and (on HiGHS, which gives the ray) need not all come in."""
    n = 10
    A, b = np.eye(n), np.ones(n)
    c = np.r_[1.0, 1.0, -np.ones(n - 2)]
    sol, x = _lazy_lp(A, b, np.zeros(n, bool), objective=c)
    assert sol.value == pytest.approx(_linprog_value(A, b, c), rel=1e-12)
    assert sol.value == pytest.approx(2.0, rel=1e-12)
    _assert_every_row_holds(A, b, x, 1e-9)
    assert sol.outputs["row_generation"]["rows"].iloc[-1] < n


@pytest.mark.parametrize("solver", [None, "CLARABEL"])
@pytest.mark.parametrize("start", [[False], [True]])
def test_an_unbounded_full_lp_is_still_reported(solver, start):
    if solver is not None and solver not in om.solvers.available():
        pytest.skip(f"{solver} not installed")
    with pytest.raises(om.UnboundedError):  # x1 - x2 <= 1 leaves x2 free to grow: every row held
        _lazy_lp(np.array([[1.0, -1.0]]), np.array([1.0]), start, solver=solver)


def test_an_infeasible_full_lp_found_after_rows_are_added():
    A = np.array([[1.0, 1.0], [-1.0, 0], [0, -1.0]])
    with pytest.raises(om.InfeasibleError):
        _lazy_lp(A, np.array([1.0, -0.6, -0.6]), [True, False, False])

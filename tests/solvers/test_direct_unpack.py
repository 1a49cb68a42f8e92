"""HiGHS results written back without cvxpy's chain of inversions (`cvxpy_internals.unpack_highs`).

The direct layout is only used on a program where it reproduced cvxpy's own unpacking; these tests
re-solve each model with the direct path and with cvxpy's (the layout forgotten) and compare every
variable value, every dual and the optimal value, on the papers' models and on small LPs with the
shapes cvxpy treats specially (scalar rows, matrices, equalities after inequalities, maximisation).
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest

import optmarkets as om
from optmarkets.builders import family
from optmarkets.solvers import affine
from optmarkets.solvers import cvxpy_internals as internals


@pytest.fixture(autouse=True)
def _cvxpy_compiles():
    """These tests are about cvxpy's compile path (the one programs outside `solvers.affine` take)."""
    with affine.cvxpy_compile():
        yield


def _small_mixed() -> om.Model:
    m = om.Model("mixed", sense="min")
    x = m.variable("x", (2, 3), nonneg=True)
    y = m.variable("y", 2, nonneg=True)
    m.constrain("cap", family(cp.sum(x, axis=1) + y, "<=", [4.0, 5.0]))
    m.constrain("floor", family(cp.sum(x), ">=", 2.5))  # a scalar row
    m.constrain("link", family(y[0] - 2 * y[1], "==", 1.0))  # an equality declared after inequalities
    m.constrain("upper", family(x, "<=", np.full((2, 3), 0.75)))  # a matrix family
    m.minimize(cp.sum(cp.multiply(np.arange(1.0, 7.0).reshape(2, 3), x)) + 3 * y[0] + cp.sum(y) + 7.0)
    return m


def _glp() -> om.Model:
    econ = om.PersonalDataEconomy([1, 2, 3, 5], [0.1, 0.2, 0.3, 0.4], [0, 0, 0, 0], gamma_u=1.0, gamma_pi=0.3)
    return econ.platform_problem([0.05, 0.2, 0.1, 0.3])


def _yang() -> om.Model:
    broker = om.DataBroker(values=[1, 2, 3], value_probs=[1 / 3] * 3, costs=[0.25, 0.75], cost_probs=[0.5, 0.5])
    return broker.mechanism_problem()


def _hs() -> om.Model:
    seller = om.MultiProductSeller([[1.0, 2.0], [2.0, 1.0], [2.5, 3.0]])
    return seller.optimal_mechanism([0.3, 0.3, 0.4])


MODELS = {"mixed": _small_mixed, "glp": _glp, "yang": _yang, "hs": _hs}


def _state(model: om.Model) -> tuple[list, list, float]:
    problem = model.problem
    return ([np.array(v.value, float) for v in problem.variables()],
            [np.array(c.dual_value, float) for c in problem.constraints], float(problem.value))


@pytest.mark.parametrize("name", list(MODELS))
def test_the_direct_path_writes_what_cvxpys_unpacking_writes(name):
    model = MODELS[name]()
    kw = {"rule": None} if name == "hs" else {}
    model.solve(**kw)  # the first solve: cvxpy unpacks, the direct layout is checked against it
    held = internals.highs_program(model.problem)
    assert held is not None and held.extra.get("direct_unpack") is not None
    direct_sol = model.solve(**kw)
    direct = _state(model)
    solution = model.problem.solution  # cvxpy's own record of the solve, as its unpacking leaves it
    assert solution.status == "optimal" and set(solution.primal_vars) == {v.id for v in model.problem.variables()}
    held.extra.pop("direct_unpack")  # forget the layout: the next solve unpacks through cvxpy again
    cvxpy_sol = model.solve(**kw)
    reference = _state(model)
    for a, b in zip(direct[0] + direct[1], reference[0] + reference[1], strict=True):
        assert a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    assert direct[2] == pytest.approx(reference[2], rel=1e-13, abs=1e-13)
    assert direct_sol.value == pytest.approx(cvxpy_sol.value, rel=1e-13, abs=1e-13)
    for fam in cvxpy_sol.prices:
        np.testing.assert_array_equal(np.asarray(direct_sol.prices[fam], float),
                                      np.asarray(cvxpy_sol.prices[fam], float))


def test_the_mixed_lp_has_its_closed_form_optimum_and_prices():
    # min sum c.x + 4 y0 + y1 + 7 with y >= 0, y0 - 2 y1 = 1, rows x + y <= (4, 5), sum x >= 2.5,
    # x <= 0.75: y = (1, 0); the 2.5 units of x fill the cheapest cells (c = 1, 2, 3 at 0.75, then
    # 0.25 at c = 4): value 4.5 + 1 + 4 + 7 = 16.5, and the floor's marginal unit costs 4.
    model = _small_mixed()
    model.solve()
    sol = model.solve()  # the direct path
    assert internals.highs_program(model.problem).extra.get("direct_unpack") is not None
    y = sol["y"].to_numpy()
    x = sol["x"].to_numpy()
    assert x.sum() == pytest.approx(2.5)
    assert y[0] - 2 * y[1] == pytest.approx(1.0)
    recomputed = float(np.sum(np.arange(1.0, 7.0).reshape(2, 3) * x) + 3 * y[0] + y.sum() + 7.0)
    assert sol.value == pytest.approx(recomputed, rel=1e-12)
    assert sol.value == pytest.approx(16.5, rel=1e-12)
    np.testing.assert_allclose(y, [1.0, 0.0], atol=1e-12)
    # the floor's price is d(value)/d(2.5): the marginal unit goes to the cheapest cell not at its cap
    assert sol.prices["floor"] == pytest.approx(4.0)


def test_a_failed_status_still_goes_through_cvxpy():
    m = om.Model("infeasible", sense="max")
    x = m.variable("x", 2, nonneg=True)
    m.constrain("cap", family(cp.sum(x), "<=", 1.0))
    m.maximize(cp.sum(x))
    m.solve()
    m.solve()  # direct
    m.constrain("floor", family(cp.sum(x), ">=", 2.0))  # a new structure: infeasible
    with pytest.raises(om.InfeasibleError):
        m.solve()

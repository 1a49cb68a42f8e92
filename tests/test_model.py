"""Model, Solution, prices and certificate on small LPs whose answers are known in closed form."""

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import optmarkets as om
from optmarkets.builders import family
from optmarkets.core.errors import InputError

LABELS = pd.Index(["x1", "x2"], name="good")


def resource_lp(sense: str, cons_sense: str, rhs: float) -> om.Model:
    """max/min c.x over a box with one extra family `sum(x) (sense) rhs` whose price is known."""
    m = om.Model(f"{sense}{cons_sense}", sense=sense)
    x = m.variable("x", 2, index=LABELS, nonneg=True)
    m.constrain("box", family(x, "<=", [1.0, 1.0], LABELS))
    m.constrain("budget", family(cp.sum(x), cons_sense, rhs))
    (m.maximize if sense == "max" else m.minimize)(np.array([3.0, 1.0]) @ x)
    return m


# (objective sense, constraint sense, rhs, dV/d rhs): each case has a binding, non-degenerate budget row
CASES = [
    ("max", "<=", 1.5, 1.0),   # more budget: the cheap good gains 1 per unit
    ("max", ">=", 1.5, 0.0),   # a lower bound that does not bind
    ("max", "==", 1.5, 1.0),
    ("min", ">=", 1.5, 3.0),   # cheap good exhausted: the marginal unit is the expensive one
    ("min", "<=", 1.5, 0.0),
    ("min", "==", 1.5, 3.0),
    ("max", "==", 0.5, 3.0),   # only the valuable good is bought
    ("min", ">=", 0.5, 1.0),   # only the cheap good is bought
]


@pytest.mark.parametrize("sense, cons_sense, rhs, expected", CASES)
def test_price_is_derivative_of_value_for_every_sense(sense, cons_sense, rhs, expected):
    sol = resource_lp(sense, cons_sense, rhs).solve()
    h = 1e-4
    fd = (resource_lp(sense, cons_sense, rhs + h).solve().value
          - resource_lp(sense, cons_sense, rhs - h).solve().value) / (2 * h)
    assert sol.prices["budget"] == pytest.approx(expected, abs=1e-9)
    assert sol.prices["budget"] == pytest.approx(fd, abs=1e-6)
    cert = sol.certificate
    assert cert.max_violation < 1e-9 and cert.duality_gap < 1e-9 and cert.dual_infeasibility < 1e-9


def test_box_prices_are_labelled_and_signed():
    sol = resource_lp("max", "<=", 1.5).solve()
    box = sol.prices["box"]
    assert list(box.index) == ["x1", "x2"] and box.index.name == "good"
    assert box["x1"] == pytest.approx(2.0)  # 3 - price of budget
    assert box["x2"] == pytest.approx(0.0)
    assert sol["x"]["x1"] == pytest.approx(1.0) and sol["x"]["x2"] == pytest.approx(0.5)


@pytest.mark.parametrize("solver", ["HIGHS", "CLARABEL", "ECOS", "SCS", "SCIPY"])
def test_every_backend_gives_the_same_price_on_a_nondegenerate_lp(solver):
    sol = resource_lp("max", "<=", 1.5).solve(solver, tol=1e-8 if solver != "SCIPY" else None)
    assert sol.solver == solver
    assert sol.value == pytest.approx(3.5, abs=1e-5)
    assert sol.prices["budget"] == pytest.approx(1.0, abs=1e-4)


def test_certificate_detects_a_tampered_point():
    m = resource_lp("max", "<=", 1.5)
    m.solve()
    m.var("x").value = np.array([1.0, 1.0])  # violates the budget by 0.5
    cert = m.certify()
    assert cert.violations["budget"] == pytest.approx(0.5)
    assert not cert.ok()


def test_certificate_reports_duality_gap_of_wrong_duals():
    m = resource_lp("max", "<=", 1.5)
    m.solve()
    m.families["budget"].constraint.dual_variables[0].value = np.array(0.0)  # pretend budget is free
    cert = m.certify()
    assert cert.dual_infeasibility == pytest.approx(1.0)  # reduced cost of x2 becomes +1


def test_infeasible_raises_named_error():
    m = om.Model("impossible")
    x = m.variable("x", 1, nonneg=True)
    m.constrain("floor", family(x, ">=", 2.0))
    m.constrain("cap", family(x, "<=", 1.0))
    m.maximize(cp.sum(x))
    with pytest.raises(om.InfeasibleError, match="model 'impossible' solved with HIGHS: status 'infeasible'"):
        m.solve()


def test_unbounded_raises_named_error():
    m = om.Model("no_cap")
    x = m.variable("x", 1, nonneg=True)
    m.constrain("floor", family(x, ">=", 2.0))
    m.maximize(cp.sum(x))
    with pytest.raises(om.UnboundedError, match="model 'no_cap'"):
        m.solve()


def test_unknown_solver_lists_available():
    with pytest.raises(om.UnknownSolverError, match="solver: unknown solver 'NOPE'; available: HIGHS"):
        resource_lp("max", "<=", 1).solve("NOPE")


def test_uninstalled_solver_is_a_clear_error():
    missing = [n for n, b in om.solvers.registered().items() if not b.installed]
    if not missing:
        pytest.skip("every registered solver is installed")
    with pytest.raises(om.UnknownSolverError, match="registered but not installed"):
        resource_lp("max", "<=", 1).solve(missing[0])


def test_lp_only_solver_refuses_integers():
    m = om.Model("milp")
    z = m.variable("z", 2, boolean=True)
    m.constrain("one", family(cp.sum(z), "<=", 1.0))
    m.maximize(np.array([1.0, 2.0]) @ z)
    with pytest.raises(om.CapabilityError, match="solver: 'CLARABEL' cannot handle integer variables"):
        m.solve("CLARABEL")
    sol = m.solve()  # HiGHS solves MILPs; no duals, integrality certified
    assert sol.value == pytest.approx(2.0)
    assert sol.prices == {} and sol.certificate.violations["z integral"] < 1e-9
    assert sol.certificate.duality_gap is None


def test_objective_required_and_names_unique():
    m = om.Model("empty")
    m.variable("x", 1)
    with pytest.raises(om.InputError, match="objective"):
        m.solve()
    with pytest.raises(om.InputError, match="variable: 'x' already exists"):
        m.variable("x", 1)
    with pytest.raises(om.InputError, match="sense"):
        om.Model("bad", sense="maximize")


def test_parameter_validation_and_bind_copies():
    m = om.Model("param")
    x = m.variable("x", 2, nonneg=True)
    cap = m.parameter("cap", [1.0, 1.0], nonneg=True)
    m.constrain("cap", family(x, "<=", cap))
    m.maximize(cp.sum(x))
    other = m.bind(cap=[2.0, 3.0])
    assert m.solve().value == pytest.approx(2.0)
    assert other.solve().value == pytest.approx(5.0)
    assert m.solve().value == pytest.approx(2.0)
    assert m.compilations == 1
    with pytest.raises(om.InputError, match="cap: has shape"):
        m.bind(cap=[1.0])
    with pytest.raises(om.InputError, match="nope: not a parameter"):
        m.bind(nope=1.0)


def test_adding_a_constraint_to_a_bound_copy_leaves_the_original_alone():
    m = om.Model("base")
    x = m.variable("x", 1, nonneg=True)
    cap = m.parameter("cap", [1.0])
    m.constrain("cap", family(x, "<=", cap))
    m.maximize(cp.sum(x))
    tighter = m.bind(cap=[1.0])
    tighter.constrain("extra", family(tighter.var("x"), "<=", 0.25))
    assert tighter.solve().value == pytest.approx(0.25)
    assert m.solve().value == pytest.approx(1.0)
    assert "extra" not in m.families


def test_solution_summary_and_record():
    sol = resource_lp("max", "<=", 1.5).solve()
    text = sol.summary()
    assert "value = 3.5" in text and "price budget" in text and "duality_gap" in text
    rec = sol.to_record()
    assert rec["value"] == pytest.approx(3.5) and rec["status"] == "optimal"
    assert set(sol.timings) >= {"compile", "solver", "total"}
    assert sol.optimal and "x" in sol


def test_sweep_records_values_and_failures():
    m = om.Model("param")
    x = m.variable("x", 1, nonneg=True)
    cap = m.parameter("cap", [1.0])
    m.constrain("cap", family(x, "<=", cap))
    m.constrain("floor", family(x, ">=", 0.5))
    m.maximize(cp.sum(x))
    with pytest.warns(RuntimeWarning, match="1 of 3 points failed"):
        df = om.sweep(m, [dict(cap=[c]) for c in (1.0, 2.0, 0.1)])
    assert df["value"].iloc[:2].tolist() == pytest.approx([1.0, 2.0])
    assert df["status"].iloc[2] == "failed" and "InfeasibleError" in df["error"].iloc[2]


def test_certificate_handles_variables_on_the_right_hand_side():
    """sum(x) <= y with y a variable: the reduced cost of y comes from the right-hand side."""
    m = om.Model("rhs_var")
    x = m.variable("x", 2, nonneg=True)
    y = m.variable("y", 1, nonneg=True)
    m.constrain("link", family(cp.sum(x), "<=", y[0]))
    m.constrain("cap", family(y, "<=", 1.0))
    m.maximize(np.array([2.0, 1.0]) @ x - 0.5 * y[0])
    sol = m.solve()
    assert sol.value == pytest.approx(1.5)
    assert sol.prices["link"] == pytest.approx(2.0) and sol.prices["cap"] == pytest.approx(1.5)
    assert sol.certificate.duality_gap < 1e-9 and sol.certificate.dual_infeasibility < 1e-9


# ---------------------------------------------------------------- warm re-solves (optmarkets.hotstart)
@pytest.fixture
def platform():
    rng = np.random.default_rng(3)
    econ = om.PersonalDataEconomy(np.arange(1.0, 11.0), rng.dirichlet(np.ones(10)), np.zeros(10), gamma_pi=0.2)
    return econ, [econ.mass * rng.uniform(0.1, 1.0, 10) for _ in range(6)]


def test_warm_solve_equals_cold_value_in_fewer_pivots(platform):
    econ, qs = platform
    model = econ.platform_problem(qs[0])
    model.reset_warm_start()
    model.solve(warm_start=True)  # cold: its basis becomes the anchor
    for q in qs[1:]:
        cold = econ.platform_problem(q).solve()
        cold_pivots = econ.platform_problem(q).problem.solver_stats.num_iters
        warm = econ.platform_problem(q).solve(warm_start=True)
        warm_pivots = econ.platform_problem(q).problem.solver_stats.num_iters
        assert warm.value == pytest.approx(cold.value, abs=1e-10) == econ.bbm_value(q)
        assert warm.certificate.ok(1e-9)  # recomputed primal and dual residuals, duality gap
        np.testing.assert_allclose(warm.prices["consistency"], cold.prices["consistency"], atol=1e-8)
        assert warm_pivots < cold_pivots  # the anchor basis is used (no presolve, few pivots)


def test_warm_solves_do_not_depend_on_their_order(platform):
    econ, qs = platform
    anchor = econ.platform_problem(qs[0])
    anchor.reset_warm_start()
    anchor.solve(warm_start=True)
    forward = [econ.platform_problem(q).solve(warm_start=True) for q in qs]
    backward = [econ.platform_problem(q).solve(warm_start=True) for q in reversed(qs)][::-1]
    for a, b in zip(forward, backward):
        pd.testing.assert_frame_equal(a["chi"], b["chi"], atol=0, rtol=0)
        pd.testing.assert_series_equal(a.prices["obedience"], b.prices["obedience"], atol=0, rtol=0)


def test_first_warm_solve_after_reset_is_the_cold_solve(platform):
    econ, qs = platform
    cold = econ.platform_problem(qs[2]).solve()
    model = econ.platform_problem(qs[2])
    model.reset_warm_start()
    warm = model.solve(warm_start=True)
    pd.testing.assert_frame_equal(warm["chi"], cold["chi"], atol=1e-12)
    pd.testing.assert_series_equal(warm.prices["obedience"], cold.prices["obedience"], atol=1e-12)


def test_warm_start_survives_an_infeasible_point_and_a_changed_model():
    model = om.Model("box", sense="max")
    x = model.variable("x", 2, nonneg=True)
    cap = model.parameter("cap", [1.0, 2.0])
    floor = model.parameter("floor", 0.0)
    model.constrain("cap", family(x, "<=", cap))
    model.constrain("floor", family(cp.sum(x), ">=", floor))
    model.maximize(cp.sum(x))
    assert model.solve(warm_start=True).value == pytest.approx(3.0)
    with pytest.raises(om.InfeasibleError):
        model.bind(floor=5.0).solve(warm_start=True)
    assert model.bind(cap=[2.0, 2.0]).solve(warm_start=True).value == pytest.approx(4.0)
    extended = model.bind(cap=[2.0, 2.0])
    extended.constrain("total", family(cp.sum(x), "<=", 3.5))  # a new matrix: a fresh HiGHS model
    sol = extended.solve(warm_start=True)
    assert sol.value == pytest.approx(3.5) and sol.prices["total"] == pytest.approx(1.0)
    assert model.bind(cap=[0.5, 0.5]).solve(warm_start=True).value == pytest.approx(1.0)


def test_parameter_values_are_checked_against_their_attributes_when_set():
    m = om.Model("p", sense="min")
    x = m.variable("x", 2)
    m.parameter("b", [1.0, 2.0], nonneg=True)
    m.constrain("lower", om.builders.supply_limit(-x, -m.param("b")))
    m.minimize(cp.sum(x))
    with pytest.raises(InputError, match=r"b: entry 1 is -0.5; the parameter is non-negative"):
        m.set(b=[1.0, -0.5])
    with pytest.raises(InputError, match="b: entry 0 is NaN"):
        m.bind(b=[np.nan, 1.0])
    m.set(b=[1.0, -1e-12])  # within cvxpy's own tolerance, as its setter accepts
    assert m.solve().value == pytest.approx(1.0 - 1e-12, abs=1e-9)
    sym = om.Model("s", sense="min")
    with pytest.raises(InputError, match="S: Parameter value must be symmetric"):
        sym.parameter("S", [[1.0, 2.0], [0.0, 1.0]], symmetric=True)


@pytest.mark.parametrize("shape", [-1, (2, -1), 2.5, True, (2, True), "3", None])
def test_variable_refuses_a_shape_that_is_not_whole_numbers(shape):
    with pytest.raises(InputError, match=r"^shape: variable 'v' needs a whole number >= 0 or a tuple of them, got "):
        om.Model("m").variable("v", shape)
    assert om.Model("m").variable("v", np.int64(3)).shape == (3,)
    assert om.Model("m").variable("w", [2, 3]).shape == (2, 3)

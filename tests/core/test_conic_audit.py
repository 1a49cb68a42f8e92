"""Conic and bounded-variable models an audit found refused or crashing: a scalar quadratic family (cvxpy gives its
dual as shape (1,)), variables declared nonpos=True or with bounds= (the certificate took them as free), and data
that is NaN or infinite (a solver failure that named nothing). Each answer is compared with its closed form."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pytest

import optmarkets as om
from optmarkets.builders import family


@pytest.mark.parametrize("norm", ["sum_squares", "quad_form", "quad_over_lin"])
def test_a_scalar_quadratic_family_solves_with_its_price(norm):
    """max c.x s.t. |x|^2 <= r: V = |c| sqrt(r), dV/dr = |c| / (2 sqrt r); at r = 1: sqrt 5 and sqrt 5 / 2."""
    make = {"sum_squares": cp.sum_squares, "quad_form": lambda x: cp.quad_form(x, np.eye(2)),
            "quad_over_lin": lambda x: cp.quad_over_lin(x, 1.0)}[norm]
    model = om.Model("risk budget")
    x = model.variable("x", 2)
    model.maximize(np.array([1.0, 2.0]) @ x)
    model.constrain("risk", family(make(x), "<=", 1.0))
    sol = model.solve()  # was ValueError: cannot broadcast a non-scalar to a scalar array
    assert sol.value == pytest.approx(np.sqrt(5), rel=1e-6)
    assert float(sol.prices["risk"]) == pytest.approx(np.sqrt(5) / 2, rel=1e-5)


def _projection(attrs: dict, solver: str | None):
    """min |x - (1, -1)|^2 s.t. x1 + x2 >= -3 (QP, Clarabel), or its LP cousin min x1 - x2 (HiGHS)."""
    model = om.Model("proj", sense="min")
    x = model.variable("x", 2, **attrs)
    model.constrain("floor", family(cp.sum(x), ">=", -3.0))
    model.minimize(cp.sum_squares(x - np.array([1.0, -1.0])) if solver is None else x[0] - x[1])
    return model.solve(solver=solver)


@pytest.mark.parametrize("attrs,qp_x,lp_value", [
    ({"nonpos": True}, [0.0, -1.0], -3.0),  # the LP: x1 = -3, x2 = 0
    ({"bounds": [np.array([0.0, -5.0]), np.array([0.5, 5.0])]}, [0.5, -1.0], -5.0),  # LP: x1 = 0, x2 = 5
    ({"bounds": [0.25, None]}, [1.0, 0.25], None),  # a scalar bound, one side open: the LP is unbounded
])
def test_variables_with_a_sign_or_a_box_are_certified_at_their_optimum(attrs, qp_x, lp_value):
    """The certificate read nonpos and bounds= variables as free: their bound's multiplier counted as dual
    infeasibility (1) and correct optima were refused."""
    sol = _projection(attrs, None)
    assert np.allclose(np.asarray(sol["x"], float), qp_x, atol=1e-6) and sol.certificate.ok()
    if lp_value is not None:
        lp = _projection(attrs, "HIGHS")
        assert lp.value == pytest.approx(lp_value) and lp.certificate.ok()
        assert lp.certificate.relative["dual_infeasibility"] == 0.0


def test_a_box_two_d_variable_lp_and_its_primal_check():
    t = np.array([[1.0, -1.0, 3.0], [0.2, 2.0, -4.0]])
    model = om.Model("box", sense="min")
    x = model.variable("x", (2, 3), bounds=[np.full((2, 3), -0.5), np.full((2, 3), 1.5)])
    model.constrain("total", family(cp.sum(x), ">=", -1.0))
    model.minimize(cp.sum(cp.multiply(t, x)))
    sol = model.solve()
    assert sol.value == pytest.approx(-10.6) and sol.certificate.ok()  # every x at the bound its cost points to
    assert sol.certificate.relative["violation[x within bounds]"] == 0.0


@pytest.mark.parametrize("where,make", [
    ("constraint 'supply'", lambda m, x: m.constrain("supply", family(cp.sum(x), "<=", np.array(np.inf)))),
    ("constraint 'supply'", lambda m, x: m.constrain("supply", family(x, "<=", np.array([1.0, np.nan])))),
    ("objective", lambda m, x: m.maximize(np.array([1.0, np.inf]) @ cp.log(x))),
    ("objective", lambda m, x: m.maximize(np.array([np.nan, 1.0]) @ x)),
])
def test_non_finite_data_is_refused_naming_where(where, make):
    model = om.Model("eg")
    x = model.variable("x", 2, nonneg=True)
    with pytest.raises(om.InputError, match=f"{where}: a data entry is (inf|NaN)"):
        make(model, x)


def test_an_infinite_parameter_value_is_refused_naming_it():
    model = om.Model("eg")
    x = model.variable("x", 2, nonneg=True)
    supply = model.parameter("S", np.ones(2), nonneg=True)
    model.constrain("supply", family(x, "<=", supply))
    model.maximize(cp.sum(cp.log(x)))
    with pytest.raises(om.InputError, match="S: entry 1 is inf"):
        model.set(S=[1.0, np.inf])


@pytest.mark.parametrize("floor", [1e5, 1e6, 1e8])
def test_a_feasible_qp_with_a_large_right_hand_side_is_not_called_infeasible(floor):
    """min x^2 s.t. x >= s: V = s^2, dV/ds = 2 s. The rows' scaling divided by |b| = 1e6 where it dominates A, and
    Clarabel called the scaled program infeasible (an InfeasibleError at 1e6; plain Clarabel fails at 1e8); such a
    claim is now checked by two other scalings first."""
    model = om.Model("floor", sense="min")
    x = model.variable("x", 1)
    model.minimize(cp.sum_squares(x))
    model.constrain("floor", family(x, ">=", floor))
    sol = model.solve()
    assert sol.value == pytest.approx(floor ** 2, rel=1e-6)
    assert float(sol.prices["floor"]) == pytest.approx(2 * floor, rel=1e-5)


def test_a_truly_infeasible_conic_model_is_still_infeasible():
    model = om.Model("empty", sense="min")
    x = model.variable("x", 2)
    model.minimize(cp.sum_squares(x))
    model.constrain("floor", family(cp.sum(x), ">=", 1e6))
    model.constrain("cap", family(x, "<=", np.array([1e5, 1e5])))
    with pytest.raises(om.InfeasibleError):
        model.solve()


def test_a_sweep_of_a_conic_model_is_held_to_the_solves_certificate():
    """om.sweep solves with certify=False; an interior point's answer was then never certified, so its retries
    never ran and prices 1e-3 off came back 'optimal' where solve() refuses them. Every row a sweep calls optimal
    now has the closed form's price: max c.x s.t. |x|^2 <= r: dV/dr = |c| / (2 sqrt r)."""
    c = np.array([1.0, -2.0, 0.5, 1.5])
    model = om.Model("ball")
    x = model.variable("x", 4)
    r = model.parameter("r", 1.0, nonneg=True)
    model.maximize(c @ x)
    model.constrain("ball", family(cp.sum(cp.square(x)), "<=", r))
    table = om.sweep(model, [{"r": v} for v in (1e-6, 1e-3, 1.0)], prices=True)
    optimal = table[table["status"] == "optimal"]
    assert len(optimal) >= 1 and (table["status"].isin(["optimal", "failed"])).all()
    exact = np.linalg.norm(c) / (2 * np.sqrt(optimal["r"].to_numpy(float)))
    assert np.allclose(optimal["price:ball"].to_numpy(float), exact, rtol=1e-6)


def test_costly_persuasion_prices_when_the_duals_cannot_be_checked():
    """The entropy has no gradient at mu's zero cells, so the certificate checks the primal residuals only; the
    prior's prices were 9e-5 off, certified. Such an answer is now re-solved once with tighter tolerances.
    Reference: central differences of the same program written in cvxpy and solved by ECOS."""
    prior = np.array([0.278, 0.722])
    receiver = np.array([[-2.92, -0.35, 1.25], [0.03, 0.51, 1.02]])
    sender = np.array([[-0.88, 2.65, -0.88], [0.37, 2.74, -0.11]])
    lam = 0.332

    def value(p):
        mu = cp.Variable((2, 3), nonneg=True)
        joint = cp.reshape(cp.Constant(p), (2, 1), order="C") @ cp.reshape(cp.sum(mu, axis=0), (1, 3), order="C")
        obedience = [mu[:, a] @ (receiver[:, a] - receiver[:, b]) >= 0 for a in range(3) for b in range(3) if a != b]
        problem = cp.Problem(cp.Maximize(cp.sum(cp.multiply(sender, mu)) - lam * cp.sum(cp.rel_entr(mu, joint))),
                             [cp.sum(mu, axis=1) == p, *obedience])
        problem.solve(solver="ECOS", abstol=1e-11, reltol=1e-11, feastol=1e-11, max_iters=500)
        return problem.value

    sol = om.persuasion(["w0", "w1"], prior, ["a0", "a1", "a2"], receiver, sender, information_cost="entropy",
                        cost_weight=lam).solve()
    assert any("could not be checked" in note for note in sol.certificate.notes)
    h = 1e-5
    central = [(value(prior + h * e) - value(prior - h * e)) / (2 * h) for e in np.eye(2)]
    assert np.allclose(np.asarray(sol.prices["prior"], float), central, rtol=1e-6, atol=0)


@pytest.mark.parametrize("weight", [1e6, 1e9])
def test_a_small_term_beside_a_large_one_is_not_lost(weight):
    """max R log x0 + log x1 s.t. x <= 1: x = (1, 1), V = 0, prices (R, 1). Clarabel's objective is divided by R,
    which put log x1 below its tolerance: at R = 1e9 x1 came back 0.68 (value -0.36), certified on the whole. An
    interior point's columns are now held to their own terms (INTERIOR_COLUMN_TOL), retried, else refused."""
    model = om.Model("two goods")
    x = model.variable("x", 2, nonneg=True)
    model.maximize(np.array([weight, 1.0]) @ cp.log(x))
    model.constrain("supply", family(x, "<=", np.ones(2)))
    sol = model.solve()
    assert np.allclose(np.asarray(sol["x"], float), 1.0, rtol=1e-6)
    # the small term's price to the column tolerance (its reduced cost within 1e-4 of its own terms, 1/x1 + y1)
    assert float(sol.prices["supply"].iloc[1]) == pytest.approx(1.0, rel=2e-4)
    assert float(sol.prices["supply"].iloc[0]) == pytest.approx(weight, rel=1e-6)



def test_a_barely_feasible_lp_is_not_called_infeasible_by_presolve():
    """BBM's segmentation of values 8, 14, 15 with masses 0, 1, 1e-9: HiGHS's presolve called it infeasible (no
    conflicting family found); the LP has an optimum (exact(): 14285683/14285712200000000 ~ 1e-9), found again
    without presolve."""
    sol = om.segmentation([8.0, 14.0, 15.0], [0.0, 1.0, 1e-9]).solve()
    assert any("solved again without it" in note for note in sol.certificate.notes)
    exact = sol.exact()
    assert exact.verified and abs(sol.value - float(exact.value)) <= 1e-7 * 15.0


def test_a_variable_that_appears_nowhere_does_not_refuse_the_optimum():
    """cvxpy leaves such a variable unset; its NaN made the duality gap NaN and refused min 2 x s.t. -x = 1/2."""
    model = om.Model("t", sense="min")
    x = model.variable("x", 1)
    model.variable("unused", 1, nonneg=True)
    model.constrain("eq", family(-x, "==", 0.5))
    model.minimize(2 * cp.sum(x))
    sol = model.solve()
    assert sol.value == pytest.approx(-1.0) and sol.certificate.ok()



def test_an_optimum_at_zero_inside_a_box_is_certified():
    """An audit's LP whose optimum x = 0 lies inside its boxes, with every row's right-hand side 0 where it binds:
    every term of the certificate's scale was 0 and the gap's round-off (1.9e-17) read as 100%, refusing the
    optimum. The boxes' bounds are now part of the scale. Reference: scipy's linprog."""
    from scipy.optimize import linprog

    A = np.array([[-1.0, 0.1, 1 / 3], [1.0, 0.0, 0.5], [0.1, 0.0, 1.0], [0.5, 0.0, 1 / 3], [0.0, 1.0, -2 / 3],
                  [2.0, 0.0, 0.5], [0.0, 3 / 7, 0.0]])
    b = np.array([1.0, 0.0, 1 / 3, 0.0, 0.0, 0.0, 0.0])
    le, ge, eq = [0, 2, 5], [1, 4], [3, 6]
    c, lo, hi = np.array([3 / 7, 0.5, 0.5]), np.full(3, -1 / 3), np.array([1.0, 2.5, 1.0])
    model = om.Model("box", sense="min")
    x = model.variable("x", 3, bounds=[lo, hi])
    model.constrain("le", family(A[le] @ x, "<=", b[le]))
    model.constrain("ge", family(A[ge] @ x, ">=", b[ge]))
    model.constrain("eq", family(A[eq] @ x, "==", b[eq]))
    model.minimize(c @ x)
    sol = model.solve()
    ref = linprog(c, A_ub=np.vstack([A[le], -A[ge]]), b_ub=np.concatenate([b[le], -b[ge]]), A_eq=A[eq], b_eq=b[eq],
                  bounds=list(zip(lo, hi, strict=True)), method="highs")
    assert ref.status == 0 and sol.value == pytest.approx(ref.fun, abs=1e-12) and sol.certificate.ok()


def test_a_failing_default_solver_falls_back_to_the_class_reference_but_a_named_one_does_not():
    """BDHN's rule form defaults to HiGHS's interior point, which stops with 'solver_error' at values x 1e-6; the
    simplex (the LP class's reference) solves it. A solver the caller names keeps its failure."""
    seller = om.InformationSeller(np.array([10.0, 13.0]) * 1e-6, [0.80771592, 0.19228408], state_prior=(0.5, 0.5),
                                  alpha=0.25)
    model = seller.revenue_problem(form="rule", symmetry="none")
    reduced = seller.revenue_problem(form="reduced", symmetry="none").solve()
    sol = model.solve()
    assert sol.solver == "HIGHS" and any("default solver HIGHS_IPM failed" in n for n in sol.certificate.notes)
    assert sol.value == pytest.approx(reduced.value, rel=1e-9) and sol.certificate.ok()
    with pytest.raises(om.SolverFailedError, match="HIGHS_IPM"):
        model.solve(solver="HIGHS_IPM")


@pytest.mark.parametrize("r", [1e-3, 1e3])
def test_a_default_conic_solver_whose_answer_fails_gives_way_to_one_that_certifies(r):
    """max c.x s.t. sum(square(x)) <= r: Clarabel's prices are 5e-5 off at r = 1e-3 (plain cvxpy's too) and every
    retry fails its certificate: the model was refused. With no solver named, the next conic solver that takes the
    model is tried (ECOS, SCS); its certified answer is the closed form's: V = |c| sqrt(r), dV/dr = |c| / (2 sqrt r)."""
    c = np.array([1.0, -2.0, 0.5, 1.5])
    model = om.Model("ball")
    x = model.variable("x", 4)
    model.maximize(c @ x)
    model.constrain("ball", family(cp.sum(cp.square(x)), "<=", r))
    sol = model.solve()
    assert sol.solver != "CLARABEL" and any("default solver CLARABEL failed" in n for n in sol.certificate.notes)
    assert sol.value == pytest.approx(np.linalg.norm(c) * np.sqrt(r), rel=1e-7)
    assert float(sol.prices["ball"]) == pytest.approx(np.linalg.norm(c) / (2 * np.sqrt(r)), rel=1e-6)
    with pytest.raises(om.SolverFailedError, match="CLARABEL"):
        model.solve(solver="CLARABEL")

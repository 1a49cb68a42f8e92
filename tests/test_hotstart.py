"""optmarkets.hotstart: cvxpy's HiGHS data as HiGHS reads it, and warm re-solves with other options."""

import cvxpy as cp
import highspy
import numpy as np
import pytest

import optmarkets as om
from optmarkets.builders import family
from optmarkets.solvers.highs import RejectedLPError, StandardForm, highs_option_values


def knapsack():
    model = om.Model("knapsack", sense="max")
    take = model.variable("take", 4, boolean=True)
    extra = model.variable("extra", 1, integer=True, nonneg=True)
    model.constrain("weight", family(np.array([3.0, 4.0, 5.0, 6.0]) @ take + 2 * extra, "<=", 10.0))
    model.constrain("extra", family(extra, "<=", 1.5))
    model.maximize(np.array([4.0, 5.0, 7.0, 8.0]) @ take + 2.5 * extra)
    return model


def test_standard_form_is_the_problem_highs_solves():
    model = knapsack()
    value = model.solve().value
    assert value == pytest.approx(13.5)  # items 1 and 3 (weight 8) and one extra unit (weight 2): 11 + 2.5
    form = StandardForm.of(model.problem.get_problem_data(cp.HIGHS)[0])
    assert form.integer == [0, 1, 2, 3, 4] and form.col_upper[:4].tolist() == [1.0] * 4  # booleans in [0, 1]
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    form.load_into(h)  # the integer columns marked
    h.run()
    assert -h.getInfo().objective_function_value == pytest.approx(value)  # cvxpy minimises -objective


def test_highs_options_flattened_from_cvxpy_spellings():
    opts = {"time_limit": 5.0, "highs_options": {"solver": "ipm"}, "verbose": True}
    assert highs_option_values(opts) == {"time_limit": 5.0, "solver": "ipm"}


def test_warm_start_with_the_interior_point_backend_and_a_rejected_option():
    econ = om.PersonalDataEconomy([1.0, 2.0, 3.0], [0.3, 0.3, 0.4], [0.0, 0.0, 0.0], gamma_pi=0.25)
    for q in ([0.2, 0.3, 0.1], [0.3, 0.1, 0.4]):
        sol = econ.platform_problem(q).solve("HIGHS_IPM", warm_start=True)
        assert sol.value == pytest.approx(econ.bbm_value(q), abs=1e-9) and sol.certificate.ok(1e-8)
    with pytest.raises(ValueError, match="no_such_option"):
        econ.platform_problem([0.2, 0.3, 0.1]).solve(warm_start=True, no_such_option=1)


def test_an_lp_highs_rejects_is_an_error_not_a_silent_load():
    # the solve path names it (SolverFailedError); the chain and row generation fall back (below)
    form = StandardForm.of(knapsack().problem.get_problem_data(cp.HIGHS)[0])
    form.A.data[0] = 1e300  # HiGHS refuses an infinite-sized coefficient in passModel
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    with pytest.raises(RejectedLPError, match="passModel"):
        form.load_into(h)


def test_a_selection_chain_whose_unscaled_form_highs_refuses_falls_back():
    # the fuzz corpus's case: valuations up to 1e15 are taken by HiGHS only scaled; the model solve
    # scales them, the chain's stage program (unscaled) is refused and cvxpy's stage solves run instead
    seller = om.MultiProductSeller([[0.0, 1000001.0], [0.0, 1e15]])
    try:
        sol = seller.optimal_mechanism([0.5, 0.5]).solve()
    except om.OptmarketsError:
        return  # a named error is acceptable at this magnitude; a bare one is not
    # revenue: sell the good at the low type's value to both, or at 1e15 to the high type alone
    assert sol.value == pytest.approx(max(1000001.0, 0.5e15), rel=1e-6)

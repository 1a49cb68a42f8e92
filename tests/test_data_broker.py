"""DataBroker (Yang): construction, bad input, outputs, the epigraph builder, and every price family
checked against finite-difference re-solves."""

import re

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import optmarkets as om
from optmarkets import InputError
from optmarkets.builders import best_response_bound

TEXTBOOK = dict(values=[1, 2, 3], value_probs=[1 / 3] * 3, costs=[0.25, 0.75], cost_probs=[0.5, 0.5])


def broker(**changes):
    return om.DataBroker(**{**TEXTBOOK, **changes})


# ---------------------------------------------------------------- bad input: one named error each
@pytest.mark.parametrize("changes, field", [
    (dict(values=[1, 3, 2]), "values"),
    (dict(values=[1, 2, 2]), "values"),
    (dict(values=[-1, 2, 3]), "values"),
    (dict(values=[1, np.nan, 3]), "values"),
    (dict(values=[[1, 2, 3]]), "values"),
    (dict(value_probs=[0.5, 0.5, 0.5]), "value_probs"),
    (dict(value_probs=[-0.2, 0.6, 0.6]), "value_probs"),
    (dict(value_probs=[0.5, 0.5]), "value_probs"),
    (dict(costs=[0.75, 0.25]), "costs"),
    (dict(costs=[0.25, 0.25]), "costs"),
    (dict(costs=[-0.25, 0.75]), "costs"),
    (dict(cost_probs=[0.7, 0.7]), "cost_probs"),
    (dict(cost_probs=[1.0, 0.0]), "cost_probs"),
    (dict(cost_probs=[1.0]), "cost_probs"),
    (dict(costs="cheap"), "costs"),
])
def test_bad_input_names_the_field(changes, field):
    with pytest.raises(InputError, match=field):
        broker(**changes)


def test_bad_arguments_of_methods():
    b = broker()
    with pytest.raises(InputError, match="outside"):
        b.mechanism_problem(outside=[1.0, 2.0, 3.0])
    with pytest.raises(InputError, match="segments"):
        b.evaluate([np.diag([1 / 3] * 3)], [0.0, 0.0])
    with pytest.raises(InputError, match="transfer"):
        b.evaluate([np.diag([1 / 3] * 3)] * 2, [0.0])
    with pytest.raises(InputError, match="objective"):
        b.mechanism_problem(objective="profit", floor=0.0)


def test_cost_above_every_value_is_a_valid_instance():
    """Documented answer: that producer never trades (R_k = {⊥}, pi0 = 0). The broker then sells it
    nothing at price 0 and charges the c = 1/4 type W(1/4) - pi0(1/4) = 7/12: revenue 7/24."""
    b = broker(costs=[0.25, 5.0])
    res = b.solve()
    assert b.outside_option[5.0] == 0
    assert res.value == pytest.approx(7 / 24, abs=1e-9)
    np.testing.assert_allclose(res["served"].loc[5.0].to_numpy(), 0, atol=1e-12)
    assert res["transfer"][5.0] == pytest.approx(0, abs=1e-9)
    assert b.audit(res, tol=1e-8).ok
    assert res["menu"].loc[(5.0, np.inf)].to_numpy() == pytest.approx([1, 1, 1])  # only ⊥ is offered


# ---------------------------------------------------------------- outputs
def test_outputs_are_labelled_and_consistent():
    b = broker()
    res = b.solve()
    assert res["transfer"].index.name == "cost" and res["transfer"].name == "transfer"
    menu = res["menu"]
    assert menu.index.names == ["report", "recommendation"] and list(menu.columns) == [1, 2, 3]
    # the recommendation kernel beta_k(.|v) is a distribution for every report and value
    np.testing.assert_allclose(menu.groupby(level="report").sum().to_numpy(), 1, atol=1e-9)
    out = res["outcome"]
    np.testing.assert_allclose(out["producer_profit"], out["gross_profit"] - out["transfer"])
    np.testing.assert_allclose(out["quantity"], res["served"].sum(axis=1))
    w = res["welfare"]
    assert w["total_surplus"] == pytest.approx(w["revenue"] + w["producer_profit"] + w["consumer_surplus"])
    assert w["revenue"] == pytest.approx(res.value)


def test_zero_mass_value_kernel_is_a_point_mass_on_no_sale():
    b = om.DataBroker([1, 1.5, 2, 3], [1 / 3, 0, 1 / 3, 1 / 3], [0.25, 0.75], [0.5, 0.5])
    menu = b.solve()["menu"]
    col = menu[1.5]
    assert col[col.index.get_level_values("recommendation") == np.inf].tolist() == [1.0, 1.0]
    assert col.sum() == pytest.approx(2.0)


def test_other_solvers_agree():
    b = om.DataBroker([0.2, 0.5, 0.7, 1.0], [0.1, 0.4, 0.3, 0.2], [0.0, 0.3, 0.45], [0.3, 0.5, 0.2])
    ref = b.solve().value
    for solver in ("CLARABEL", "ECOS"):
        assert b.solve(solver).value == pytest.approx(ref, abs=1e-6)


# ---------------------------------------------------------------- the epigraph builder
def test_best_response_bound_makes_the_bound_the_best_payoff():
    """One segment (masses .5, .5 on states 0, 1), two agent kinds, three actions; min the bounds."""
    M = cp.Variable((1, 2), nonneg=True)
    bound = cp.Variable(2, nonneg=True)
    pay = np.array([[[1.0, -1.0], [0.4, 0.4], [-2.0, 3.0]],   # kind 0: best action 2: .5
                    [[-1.0, -1.0], [-0.1, 0.0], [-3.0, -0.5]]])  # kind 1: nothing positive: 0
    fam = best_response_bound(bound, M, [0, 0], [0, 1], pay, index=pd.Index(["a", "b"], name="row"),
                              actions=pd.Index(["x", "y", "z"], name="act"))
    assert list(fam.index) == [("a", "x"), ("a", "y"), ("a", "z")]  # kind 1's rows are implied by bound >= 0
    prob = cp.Problem(cp.Minimize(cp.sum(bound)), [fam.constraint, M == np.array([[0.5, 0.5]])])
    prob.solve(solver="HIGHS")
    np.testing.assert_allclose(bound.value, [0.5, 0.0], atol=1e-9)
    kept = best_response_bound(bound, M, [0, 0], [0, 1], pay, index=pd.Index(["a", "b"]),
                               actions=pd.Index(["x", "y", "z"]), keep_all=True)
    assert kept.lhs.size == 6


def test_best_response_bound_bad_shapes():
    M, bound = cp.Variable((1, 2)), cp.Variable(2)
    with pytest.raises(InputError, match="pay"):
        best_response_bound(bound, M, [0, 0], [0, 0], np.zeros((1, 3, 5)), index=pd.Index([0, 1]),
                            actions=pd.Index([0, 1, 2]))
    with pytest.raises(InputError, match="segment"):
        best_response_bound(bound, M, [0], [0, 0], np.zeros((1, 3, 2)), index=pd.Index([0, 1]),
                            actions=pd.Index([0, 1, 2]))
    with pytest.raises(InputError, match="actions"):
        best_response_bound(bound, M, [0, 0], [0, 0], np.zeros((1, 3, 2)), index=pd.Index([0, 1]),
                            actions=pd.Index([0, 1]))


# ---------------------------------------------------------------- closed forms
def test_ironing_by_hand():
    """costs (0, 1, 1.2), g = (.2, .2, .6): phi = (0, 2, 1.2 + .2 * .4/.6) is not monotone; the
    convex minorant of (G, H) pools types 2 and 3: phi~_2 = phi~_3 = (.2*2 + .6*(4/3)) / .8 = 1.5."""
    b = om.DataBroker([1, 2, 3], [1 / 3] * 3, [0.0, 1.0, 1.2], [0.2, 0.2, 0.6])
    np.testing.assert_allclose(b.virtual_costs().to_numpy(), [0, 2, 1.2 + 0.2 * 0.4 / 0.6])
    np.testing.assert_allclose(b.ironed_virtual_costs().to_numpy(), [0, 1.5, 1.5])
    phi = b.ironed_virtual_costs().to_numpy()
    bound = sum(g * sum((v - p) / 3 for v in (1, 2, 3) if v > p) for g, p in zip([0.2, 0.2, 0.6], phi))
    assert b.revenue_bound() == pytest.approx(bound - b.outside_option.iloc[-1])
    assert b.revenue_bound(ironed=False) >= b.revenue_bound()


def test_regularity():
    assert broker().is_regular()
    # (p - c) D0(p) with a heavy top value: 1*1, 2*.2, 3*.19 -> falls then rises (c = 0.25 or 0.75)
    assert not om.DataBroker([1, 2, 3], [0.8, 0.01, 0.19], [0.25, 0.75], [0.5, 0.5]).is_regular()


# ---------------------------------------------------------------- prices vs. finite differences
def resolve_with_rhs(model, name, row, h):
    """Optimal value with row `row` of family `name` moved by h (None if infeasible)."""
    fam = model.families[name]
    shift = np.zeros(fam.lhs.shape)
    shift.flat[row] = h
    rhs = fam.rhs + shift
    moved = {">=": fam.lhs >= rhs, "<=": fam.lhs <= rhs, "==": fam.lhs == rhs}[fam.sense]
    others = [f.constraint for n, f in model.families.items() if n != name]
    goal = cp.Maximize(model.objective) if model.sense == "max" else cp.Minimize(model.objective)
    prob = cp.Problem(goal, [*others, moved])
    prob.solve(solver="HIGHS")
    return prob.value if prob.status == cp.OPTIMAL else None


def assert_prices_match_finite_differences(model, sol, rng, h=1e-4, tol=2e-5, rows_per_family=4,
                                           kinked=("obedience",)):
    """A price y = dV/d(rhs) of a max-LP is a supergradient of the concave V: the right difference
    quotient is <= y <= the left one. Checked on binding-price rows and on active rows with a zero
    price (where a kink could hide a wrong zero). Outside the `kinked` families at least one binding
    row must be sharp (a one-sided quotient equal to y); obedience rows of DB-C sit on kinks (tightening
    a binding obedience row of a segment is infeasible or strictly costly, relaxing it is free)."""
    assert model.sense == "max"
    slacks = {name: fam.slack().ravel() for name, fam in model.families.items()}  # before any re-solve
    for name, prices in sol.prices.items():
        if name not in model.families:
            continue
        y = np.asarray(prices, float).ravel()
        binding = np.flatnonzero(np.abs(y) > 1e-9)
        active_free = np.flatnonzero((np.abs(y) <= 1e-9) & (np.abs(slacks[name]) <= 1e-9))
        rows = list(rng.choice(binding, min(rows_per_family, binding.size), replace=False))
        rows += list(rng.choice(active_free, min(2, active_free.size), replace=False))
        sharp = False
        for row in rows:
            up, down = resolve_with_rhs(model, name, row, h), resolve_with_rhs(model, name, row, -h)
            right = None if up is None else (up - sol.value) / h
            left = None if down is None else (sol.value - down) / h
            assert right is not None or left is not None, (name, row)
            if right is not None:
                assert right <= y[row] + tol, (name, row, right, y[row])
            if left is not None:
                assert left >= y[row] - tol, (name, row, left, y[row])
            if abs(y[row]) > 1e-9 and any(d is not None and abs(d - y[row]) <= tol for d in (left, right)):
                sharp = True
        assert sharp or not binding.size or name in kinked, f"no binding {name} price reproduced by a re-solve"


INSTANCES = [
    dict(values=[0.2, 0.5, 0.7, 1.0], value_probs=[0.1, 0.4, 0.3, 0.2], costs=[0.0, 0.3, 0.45],
         cost_probs=[0.3, 0.5, 0.2]),
    dict(values=[1, 2, 3], value_probs=[1 / 3] * 3, costs=[0.25, 1.25], cost_probs=[0.5, 0.5]),
    dict(values=[0.1, 0.35, 0.6, 0.8, 1.0], value_probs=[0.3, 0.1, 0.25, 0.15, 0.2], costs=[0.05, 0.2, 0.5],
         cost_probs=[0.2, 0.45, 0.35]),
    # an instance whose vertex dual prices obedience (report c = 2 recommended r = 2 = c)
    dict(values=[1, 2, 5], value_probs=[0.125, 0.375, 0.5], costs=[0.5, 2.0], cost_probs=[0.8, 0.2]),
]


@pytest.mark.parametrize("data", INSTANCES)
def test_db_prices_match_finite_differences(data):
    b = om.DataBroker(**data)
    model = b.mechanism_problem()
    sol = model.solve()
    assert set(sol.prices) >= {"segmentation", "obedience", "deviation", "IC", "IR"}
    assert all((np.asarray(p) <= 1e-12).all() for n, p in sol.prices.items() if n != "segmentation")  # >= rows
    assert_prices_match_finite_differences(model, sol, np.random.default_rng(7))


@pytest.mark.parametrize("data", INSTANCES[:2])
def test_pc_er_and_profile_prices_match_finite_differences(data):
    b = om.DataBroker(**data)
    for model in (b.price_controlling_problem(), b.exclusive_retail_problem(), b.profile_problem()):
        sol = model.solve()
        assert_prices_match_finite_differences(model, sol, np.random.default_rng(3))


def test_ir_price_by_dpp_rebind():
    """prices["IR"][k] = dR/d pi0(c_k): re-solve the compiled model with a shifted outside option."""
    b = om.DataBroker(**INSTANCES[2])
    model = b.mechanism_problem()
    sol = model.solve()
    pi0, h = b.outside_option.to_numpy(), 1e-5
    for k in range(b.n_costs):
        shift = np.eye(b.n_costs)[k] * h
        right = (model.bind(outside=pi0 + shift).solve().value - sol.value) / h
        left = (sol.value - model.bind(outside=pi0 - shift).solve().value) / h
        assert right - 1e-5 <= sol.prices["IR"].iloc[k] <= left + 1e-5
    assert model.compilations == 1


# ---------------------------------------------------------------- renamed names: deprecated aliases
def test_deprecated_price_controlling_alias():
    b = broker()
    with pytest.warns(DeprecationWarning, match="price_controlling_problem"):
        model = b.price_controlling()
    assert model.solve().value == pytest.approx(b.price_controlling_problem().solve().value, abs=1e-12)


def test_deprecated_exclusive_retail_alias():
    b = broker()
    with pytest.warns(DeprecationWarning, match="exclusive_retail_problem"):
        model = b.exclusive_retail()
    assert model.solve().value == pytest.approx(b.exclusive_retail_problem().solve().value, abs=1e-12)


def test_deprecated_count_aliases():
    b = om.DataBroker([1, 2, 3, 4], [0.25] * 4, [0.25, 0.75], [0.5, 0.5])
    with pytest.warns(DeprecationWarning, match="n_costs"):
        assert b.K == b.n_costs == 2
    with pytest.warns(DeprecationWarning, match="n_values"):
        assert b.N == b.n_values == 4


def test_deprecated_audit_ok_call():
    b = broker()
    audit = b.audit(b.solve(), tol=1e-8)
    with pytest.warns(DeprecationWarning, match="ok"):
        assert audit.ok(1e-8) is True
    assert audit.ok and bool(audit) and audit.reasons == []


def test_deprecated_optimal_face_slack_is_ignored():
    b = broker()
    with pytest.warns(DeprecationWarning, match="slack"):
        value = b.optimal_face("quantity:1", "max", slack=1e-9)
    assert value == pytest.approx(b.optimal_face("quantity:1", "max"), abs=1e-12)


def test_failing_audit_gives_reasons():
    """Charging the c = 3/4 type as much as the c = 1/4 type breaks its IR: not ok, with the reason."""
    b = broker()
    audit = b.evaluate([np.diag([1 / 3] * 3), np.array([[1 / 6, 0, 1 / 3], [1 / 6, 1 / 3, 0]])], [7 / 12, 7 / 12],
                       tol=1e-9)
    assert not audit.ok and not audit
    assert audit.ir_violation == pytest.approx(0.25)
    assert any(reason.startswith("IR violated") for reason in audit.reasons)


def test_bad_optimal_face_arguments():
    b = broker()
    with pytest.raises(InputError, match="objective"):
        b.optimal_face("profit")
    with pytest.raises(InputError, match="sense"):
        b.optimal_face("consumer_surplus", "up")


# ---------------------------------------------------------------- issue 23: n, floor, complex data
@pytest.mark.parametrize("n", [0, -1, 2.5, True, "3", None])
def test_discretized_example1_refuses_a_bad_n(n):
    with pytest.raises(InputError, match=rf"^n: must be a whole number >= 1, got {re.escape(repr(n))}$"):
        om.DataBroker.discretized_example1(n=n)


def test_discretized_example1_refuses_a_huge_n_before_allocating():
    with pytest.raises(InputError, match=r"^n: size: estimated at 1,000,000,000 entries"):
        om.DataBroker.discretized_example1(n=10**9)


@pytest.mark.parametrize("floor", ["x", np.nan, np.inf, [1, 2], True])
def test_mechanism_problem_refuses_a_floor_that_is_not_a_finite_number(floor):
    with pytest.raises(InputError, match=rf"^floor: must be a finite number, got {re.escape(repr(floor))}$"):
        broker().mechanism_problem(floor=floor, objective="consumer_surplus")


def test_complex_data_is_refused():
    with pytest.raises(InputError, match=r"^value_probs: has complex entries; only real numbers are accepted$"):
        broker(value_probs=np.array([1 / 3] * 3) + 0j)
    with pytest.raises(InputError, match=r"^cost_probs: has complex entries"):
        broker(cost_probs=pd.Series([0.5, 0.5 + 1j], index=[0.25, 0.75]))

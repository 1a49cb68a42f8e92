"""The core: one error tree, models that keep their class when bound, and the three strategies on
the one solve path, each checked against an independent scipy re-solve."""

import warnings

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.builders import family
from optmarkets.core import BestOf, Lexicographic, Request, face_ranges
from optmarkets.core.deprecation import renamed
from optmarkets.core.verdict import Ok, Verdict


def test_input_errors_are_optmarkets_errors_and_value_errors():
    with pytest.raises(om.OptmarketsError) as info:
        om.PersonalDataEconomy([1, 2], [0.4, -0.1], [0.3, 0.3])
    assert isinstance(info.value, ValueError) and "mass" in str(info.value)
    assert issubclass(om.UnknownSolverError, om.InputError) and issubclass(om.CapabilityError, om.InputError)
    assert issubclass(om.InfeasibleError, om.SolveError) and issubclass(om.SolveError, om.OptmarketsError)


def _lp(name="lp"):
    """max x + y  s.t.  x + y <= 1 (budget), x, y >= 0: every split of the budget is optimal."""
    m = om.Model(name, sense="max")
    z = m.variable("z", 2, index=pd.Index(["x", "y"], name="good"), nonneg=True)
    b = m.parameter("b", np.array([1.0]))
    m.constrain("budget", family(cp.reshape(cp.sum(z), (1,), order="C"), "<=", b))
    m.maximize(cp.sum(z))
    return m


class _Sub(om.Model):
    pass


def test_bind_keeps_the_class_and_shares_the_compiled_problem():
    m = _Sub("sub")
    z = m.variable("z", 1, nonneg=True)
    p = m.parameter("p", np.array([2.0]))
    m.constrain("cap", family(z, "<=", p))
    m.maximize(cp.sum(z))
    bound = m.bind(p=[3.0])
    assert type(bound) is _Sub and bound.shares_problem_with(m)
    assert bound.solve().value == pytest.approx(3.0) and m.solve().value == pytest.approx(2.0)
    assert m.compilations == 1


def test_lexicographic_selects_among_optima_and_keeps_stage_one_prices():
    """Among the optima of _lp, maximise y first: the selected point is (0, 1); then x first: (1, 0)."""
    m = _lp()
    m.strategy = Lexicographic(rules={"y": lambda mm: mm.var("z")[1:], "x": lambda mm: mm.var("z")[:1]},
                               default="y", free=lambda mm: -10.0)
    sol = m.solve()
    assert sol["z"].to_numpy() == pytest.approx([0.0, 1.0], abs=1e-9)
    assert sol.prices["budget"] == pytest.approx(1.0)  # d value / d budget, independent of the selection
    assert sol.certificate.ok()
    assert m.solve(rule="x")["z"].to_numpy() == pytest.approx([1.0, 0.0], abs=1e-9)
    with pytest.raises(om.InputError, match="rule"):
        m.solve(rule="nonsense")


def test_face_ranges_equal_independent_linprog_ranges():
    m = _lp()
    sol = m.solve()
    ranges = face_ranges(m, Request(), "z", lambda mm: mm.var("z"), sol.value, index=pd.Index(["x", "y"]))
    for j in range(2):  # scipy: min / max z_j s.t. z >= 0, sum z <= 1, sum z >= value
        c = np.eye(2)[j]
        lo = linprog(c, A_ub=[[1, 1], [-1, -1]], b_ub=[1, -sol.value], bounds=[(0, None)] * 2).fun
        hi = -linprog(-c, A_ub=[[1, 1], [-1, -1]], b_ub=[1, -sol.value], bounds=[(0, None)] * 2).fun
        assert ranges.iloc[j]["low"] == pytest.approx(lo, abs=1e-8)
        assert ranges.iloc[j]["high"] == pytest.approx(hi, abs=1e-8)


def test_best_of_candidates_picks_the_best_program_and_reports_every_value():
    """max z s.t. z <= cap_k for candidate caps 1, 3, 2: the best program is cap 3."""
    m = om.Model("best of", sense="max")
    z = m.variable("z", 1)
    cap = m.parameter("cap", np.array([1.0]))
    m.constrain("cap", family(z, "<=", cap))
    m.maximize(cp.sum(z))
    m.strategy = BestOf("cap", pd.DataFrame({"cap": [1.0, 3.0, 2.0]}, index=pd.Index(["a", "b", "c"], name="k")))
    sol = m.solve()
    assert sol.value == pytest.approx(3.0) and sol.outputs["candidate"] == "b"
    assert sol.outputs["candidate_values"].to_dict() == pytest.approx({"a": 1.0, "b": 3.0, "c": 2.0})


def test_solver_defaults_apply_unless_the_caller_overrides():
    m = _lp()
    m.solver_defaults = {"HIGHS": {"nonsense_option_for_highs": 1}}
    with pytest.raises(om.InputError, match="nonsense_option_for_highs"):  # the default reaches the solver
        m.solve()
    m.solver_defaults = {"HIGHS": {"tol": 1e-9}}
    assert m.solve().value == pytest.approx(1.0)


def test_deprecated_alias_and_verdict():
    class Thing:
        new = 5
        old = renamed("new")

    with pytest.warns(DeprecationWarning, match="new"):
        assert Thing().old == 5
    ok = Ok(True)
    assert ok and bool(ok) is True
    with pytest.warns(DeprecationWarning):
        assert ok() is True
    v = Verdict(False, ["a row is violated"])
    assert not v and "violated" in str(v)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert bool(Ok(False)) is False

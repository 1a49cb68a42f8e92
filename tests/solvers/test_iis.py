"""Infeasibility explained: InfeasibleError.conflict names an irreducible infeasible subset."""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import optmarkets as om
from optmarkets.core.family import family
from optmarkets.core.solve import raise_on_failure
from optmarkets.solvers import iis


def _pq_with_privacy_and_quota():
    e = om.PersonalDataEconomy([1, 2], [.4, .6], [.3, .3], gamma_u=1)
    m = e.platform_problem([.3, .3])
    chi = m.var("chi")
    m.constrain("privacy", family(cp.sum(chi[0, :]), "<=", .2))
    m.constrain("quota", family(cp.sum(chi[0, :]), ">=", .5))
    return m


def _explained(m) -> om.InfeasibleError:
    with pytest.raises(om.InfeasibleError) as info:
        m.write_parameters()
        m.problem.solve(solver=cp.HIGHS)
        raise_on_failure(m.name, "HIGHS", str(m.problem.status), explain=m)
    return info.value


def test_pq_privacy_quota_conflict_names_them_not_obedience():
    m = _pq_with_privacy_and_quota()
    err = _explained(m)
    assert set(err.conflict) == {"privacy", "quota"}
    assert "obedience" not in err.conflict and "consistency" not in err.conflict
    assert "privacy" in str(err) and "quota" in str(err) and "obedience" not in str(err)
    assert list(err.rows["privacy"]) == [0] and list(err.rows["quota"]) == [0]


def test_conflict_through_a_domain_and_rows_of_a_family():
    # sum x == 1 with x[1] >= .7 and x[2] >= .6 forces x[0] <= -.3: the domain x[0] >= 0 is part of
    # the conflict; the domain's other entries and the cap on x[0] are not
    m = om.Model("box")
    x = m.variable("x", 3, nonneg=True)
    m.constrain("total", family(cp.sum(x), "==", 1.0))
    m.constrain("floors", family(x[1:], ">=", np.array([0.7, 0.6]), index=pd.Index([1, 2], name="i")))
    m.constrain("slack", family(x[0], "<=", 5.0))
    m.maximize(cp.sum(x))
    err = _explained(m)
    assert set(err.conflict) == {"total", "floors", "x >= 0"}
    assert sorted(err.rows["floors"]) == [1, 2]
    assert list(err.rows["x >= 0"]) == [0]
    assert "slack" not in err.conflict


def test_elastic_fallback_agrees_with_highs():
    m = _pq_with_privacy_and_quota()
    form = iis.model_form(m)
    groups = iis._groups(m, form)
    conflict = iis._deletion_filter(form, groups)
    assert conflict is not None and set(conflict.names) == {"privacy", "quota"}
    m2 = om.Model("needs-domain")
    x = m2.variable("x", 2, nonneg=True)
    m2.constrain("neg", family(x[0] + x[1], "<=", -1.0))
    m2.constrain("other", family(x[1], "<=", 3.0))
    m2.maximize(cp.sum(x))
    form = iis.model_form(m2)
    got = iis._deletion_filter(form, iis._groups(m2, form))
    assert got is not None and set(got.names) == {"neg", "x >= 0"}
    assert set(_explained(m2).conflict) == {"neg", "x >= 0"}


def test_without_a_model_the_error_is_as_before():
    with pytest.raises(om.InfeasibleError) as info:
        raise_on_failure("m", "HIGHS", "infeasible")
    assert info.value.conflict == () and info.value.rows == {}

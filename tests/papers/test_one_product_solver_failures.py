"""Issue 30 item 4: a failed LP in the one-product revenue search is raised, never reported as
"no segmentation strictly raises revenue" (and the second LP's status is checked too)."""

from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest
from scipy import optimize

from optmarkets.core.errors import SolverFailedError
from optmarkets.papers.hs import MultiProductSeller, one_product
from optmarkets.papers.hs.examples import section3

MARKET = [0.25, 0.75]  # the [HS] section 3 market: revenue 1.5 -> 1.625 (both LPs solved)


def _failing_linprog(fail_at: int, status: int, message: str):
    """linprog that runs HiGHS but reports `status` (no x) on call number `fail_at` (1-based)."""
    calls = {"n": 0}

    def linprog(*args, **kwargs):
        calls["n"] += 1
        res = optimize.linprog(*args, **kwargs)
        if calls["n"] == fail_at:
            return optimize.OptimizeResult(status=status, message=message, x=None, fun=None, success=False)
        return res

    return linprog, calls


def test_both_lps_solve_on_the_section3_market():
    linprog, calls = _failing_linprog(0, 0, "")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(one_product, "optimize", types.SimpleNamespace(linprog=linprog))
        search = section3(1).pareto_search(MARKET)
    assert calls["n"] == 2 and search.status == "found" and "strictly up" in search.reason


@pytest.mark.parametrize("status, message, name", [
    (1, "Time limit reached.", "iteration_or_time_limit"),
    (4, "Numerical difficulties encountered.", "numerical_difficulties"),
    (2, "The problem is infeasible.", "infeasible"),
])
@pytest.mark.parametrize("fail_at, lp", [(1, "max revenue LP"), (2, "max consumer gain LP")])
def test_a_failed_lp_raises_instead_of_answering(monkeypatch, fail_at, lp, status, message, name):
    linprog, calls = _failing_linprog(fail_at, status, message)
    monkeypatch.setattr(one_product, "optimize", types.SimpleNamespace(linprog=linprog))
    with pytest.raises(SolverFailedError) as err:
        section3(1).pareto_search(MARKET)
    assert calls["n"] == fail_at
    assert err.value.status == name and lp in err.value.model and message in str(err.value)
    assert "no Pareto-improving segmentation" not in str(err.value)


def test_no_positive_net_value_is_answered_without_an_lp(monkeypatch):
    """The legitimate case: no candidate price, every segment earns 0, nothing to solve (this used
    to reach linprog with zero variables and crash)."""
    monkeypatch.setattr(one_product, "optimize", types.SimpleNamespace(linprog=None))  # never called
    seller = MultiProductSeller(pd.DataFrame({"H": [-1.0, -2.0]}, index=["a", "b"]))
    search = one_product.revenue_search(seller, np.array([0.5, 0.5]))
    assert search.segmentation is None and search.status == "not found"
    assert search.reason.startswith("no Pareto-improving segmentation strictly raises revenue (the largest "
                                    "revenue over Pareto-improving segmentations is 0 = Rev(f))")

"""segmentation(..., sense="max" | "min") (issue 28 item 14): the bottom edge of Bergemann-Brooks-
Morris's surplus triangle, checked against the BBM corners and the LP re-solved with scipy's HiGHS."""

import numpy as np
import pytest
from scipy.optimize import linprog

from optmarkets.core.errors import InputError
from optmarkets.games import segmentation


def by_linprog(values, market, goal: str, sense: str) -> float:
    """The BBM program written directly: mu[v, p] >= 0, sum_p mu[v, p] = market[v], the seller obeys
    every recommended price p against every p', profit at least the best uniform price's."""
    v, q = np.asarray(values, float), np.asarray(market, float)
    n = v.size
    sale = v[:, None] >= v[None, :]
    profit, surplus = v[None, :] * sale, (v[:, None] - v[None, :]) * sale
    c = {"consumer_surplus": surplus, "profit": profit, "total_surplus": surplus + profit}[goal].reshape(-1)
    A_eq = np.kron(np.eye(n), np.ones(n))  # rows v: sum_p mu[v, p]
    rows = []
    for p in range(n):
        for other in range(n):
            if other != p:  # -sum_v mu[v, p] (profit[v, p] - profit[v, other]) <= 0
                row = np.zeros((n, n))
                row[:, p] = -(profit[:, p] - profit[:, other])
                rows.append(row.reshape(-1))
    uniform = float(np.max(v * q[::-1].cumsum()[::-1]))
    rows.append(-profit.reshape(-1))
    b_ub = np.r_[np.zeros(len(rows) - 1), -uniform]
    res = linprog(c if sense == "min" else -c, A_ub=np.array(rows), b_ub=b_ub, A_eq=A_eq, b_eq=q, method="highs")
    assert res.status == 0
    return float(res.fun if sense == "min" else -res.fun)


def test_min_consumer_surplus_is_zero_and_first_degree_discrimination_gives_the_seller_everything():
    values, market = [1, 2, 3], [1 / 3, 1 / 3, 1 / 3]
    worst = segmentation(values, market, sense="min").solve()
    assert worst.value == pytest.approx(0.0, abs=1e-9)
    assert worst["consumer_surplus"] == pytest.approx(0.0, abs=1e-9)
    assert worst["profit"] >= 4 / 3 - 1e-9  # the seller still earns at least its uniform profit
    # the triangle's corners: max CS = E[v] - uniform profit; max profit = E[v] (first-degree
    # discrimination: every consumer is charged her value, CS 0); min total surplus = uniform profit
    assert segmentation(values, market).solve().value == pytest.approx(2 - 4 / 3, abs=1e-9)
    fpd = segmentation(values, market, "profit").solve()
    assert fpd.value == pytest.approx(2.0, abs=1e-9) and fpd["consumer_surplus"] == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(fpd["segments"].to_numpy(), np.diag(market), atol=1e-9)  # price = value
    assert segmentation(values, market, "total_surplus", sense="min").solve().value == pytest.approx(4 / 3, abs=1e-9)


@pytest.mark.parametrize("goal", ["consumer_surplus", "profit", "total_surplus"])
@pytest.mark.parametrize("sense", ["max", "min"])
def test_both_senses_match_the_lp_solved_directly(goal, sense):
    values, market = [1, 2, 3, 5], [0.2, 0.3, 0.1, 0.4]
    sol = segmentation(values, market, goal, sense=sense).solve()
    assert sol.value == pytest.approx(by_linprog(values, market, goal, sense), abs=1e-8)
    assert sol.certificate.ok()
    if sense == "min":  # the bottom-left corner of the triangle: CS 0, the uniform profit 5 * 0.4 = 2
        assert sol.value == pytest.approx({"consumer_surplus": 0.0, "profit": 2.0, "total_surplus": 2.0}[goal],
                                          abs=1e-8)


@pytest.mark.parametrize("sense", ["maximize", "MIN", None, 1])
def test_an_invalid_sense_is_an_input_error(sense):
    with pytest.raises(InputError, match=r"^sense: must be 'max' or 'min', got "):
        segmentation([1, 2], [0.5, 0.5], sense=sense)

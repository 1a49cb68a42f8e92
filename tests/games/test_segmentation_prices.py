"""Segmentation's prior prices with its profit floor (an audit): at a value of mass 0 the completed price left out the
floor's term and sat below the right derivative (1 for 2); with the default floor, which follows the prior, the total
derivative adds prices["profit_floor"] * dpi*/dq (docs/games.md). References: the LP written here for linprog, and
central differences of the model's own set(prior=...) re-solves."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import linprog

import optmarkets as om


def _value(values: np.ndarray, market: np.ndarray, floor: float) -> float:
    """BBM's consumer-surplus LP over mu[value, price], by hand."""
    n = values.size
    sale = values[:, None] >= values[None, :]
    profit, surplus = values[None, :] * sale, (values[:, None] - values[None, :]) * sale
    rows, rhs = [], []
    for p in range(n):
        for other in range(n):
            if p != other:  # the price p is the seller's best in its segment
                row = np.zeros((n, n))
                row[:, p] = profit[:, other] - profit[:, p]
                rows.append(row.ravel())
                rhs.append(0.0)
    rows.append(-profit.ravel())
    rhs.append(-floor)
    res = linprog(-surplus.ravel(), A_ub=np.array(rows), b_ub=rhs, A_eq=np.kron(np.eye(n), np.ones(n)), b_eq=market,
                  method="highs")
    assert res.status == 0
    return -res.fun


def test_the_price_of_a_value_without_mass_counts_the_profit_floor():
    values, market, floor = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.0, 0.5]), 1.9
    sol = om.segmentation(values, market, profit_floor=floor).solve()
    assert sol.value == pytest.approx(_value(values, market, floor), abs=1e-9)
    assert float(sol.prices["profit_floor"]) == pytest.approx(-1.0)
    h = 1e-4
    right = [(_value(values, market + h * e, floor) - sol.value) / h for e in np.eye(3)]
    assert np.allclose(right, [1.0, 2.0, 3.0], atol=1e-6)
    prices = np.asarray(sol.prices["prior"], float)
    assert np.allclose(prices, [1.0, 2.0, 3.0], atol=1e-9)  # the value 2 had 1, below its right derivative 2


def test_the_total_derivative_along_the_prior_adds_the_floors_chain_rule_term():
    values, market = np.array([1.0, 2.0, 3.0]), np.array([0.2, 0.5, 0.3])
    model = om.segmentation(values, market)
    sol = model.solve()
    best = int(np.argmax(values * market[::-1].cumsum()[::-1]))  # the uniform price p* = 2
    d_floor = np.where(values >= values[best], values[best], 0.0)
    total = np.asarray(sol.prices["prior"], float) + float(sol.prices["profit_floor"]) * d_floor
    h, central = 1e-5, []
    for e in np.eye(3):
        up, down = model.bind(prior=market + h * e).solve().value, model.bind(prior=market - h * e).solve().value
        central.append((up - down) / (2 * h))
    assert np.allclose(total, central, atol=1e-6) and np.allclose(total, [1.0, 0.0, 1.0], atol=1e-6)

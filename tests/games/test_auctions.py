"""first_price_auction: BCESolve's common-value auction and the private-values auction, their minimum revenue
over BCE checked against the LP written here (scipy), on the full and on the symmetric model."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.core.errors import InputError


def min_revenue_common_value(values, bids, prior, reserve=0.0) -> float:
    """min E[revenue] over BCE of the common-value auction, written here: mu[v, b1, b2] >= 0 with
    sum_b mu[v, .] = prior[v], and for each bidder, recommended bid a and deviation d:
    sum_{v, b_other} mu (u(v, a, b_other) - u(v, d, b_other)) >= 0."""
    v, b = np.asarray(values, float), np.asarray(bids, float)
    nv, nb = v.size, b.size
    k = np.arange(nb)
    win = ((k[:, None] > k[None, :]) + 0.5 * (k[:, None] == k[None, :])) * (b >= reserve)[:, None]  # [own, other]
    u = (v[:, None, None] - b[None, :, None]) * win[None]  # u[v, own bid, other's bid]
    top = np.maximum(b[:, None], b[None, :])
    revenue = np.broadcast_to(np.where(top >= reserve, top, 0.0), (nv, nb, nb)).reshape(-1)
    rows = []
    for bidder in (0, 1):
        for a in range(nb):
            for d in range(nb):
                if a == d:
                    continue
                gain = np.zeros((nv, nb, nb))
                if bidder == 0:
                    gain[:, a, :] = u[:, a, :] - u[:, d, :]
                else:
                    gain[:, :, a] = u[:, a, :] - u[:, d, :]
                rows.append(-gain.reshape(-1))
    A_eq = sp.kron(sp.identity(nv), np.ones((1, nb * nb)))
    res = linprog(revenue, A_ub=sp.csr_matrix(np.array(rows)), b_ub=np.zeros(len(rows)), A_eq=A_eq,
                  b_eq=np.asarray(prior, float) / np.sum(prior), bounds=(0, None), method="highs")
    assert res.status == 0, res.message
    return float(res.fun)


def test_bcesolve_common_value_auction_min_revenue():
    # BCESolve's examples/cpp/commonvalueauction.cpp: CommonValueAuction(na=30, nv=30, alpha=1, highBid=1,
    # reservePrice=0, entryCost=0), minimum revenue: values k/29 (value 0 has prior 0), bids a/29
    grid = np.arange(30) / 29
    prior = np.r_[0.0, np.ones(29)]
    auction = om.first_price_auction(grid, grid, prior=prior, common=True)
    reference = min_revenue_common_value(grid, grid, prior)
    assert reference == pytest.approx(0.17443824731, abs=1e-9)
    assert auction.revenue_model().solve().value == pytest.approx(reference, abs=1e-9)
    assert auction.revenue_model(symmetric=True).solve().value == pytest.approx(reference, abs=1e-9)


def test_common_value_auction_with_a_reserve_price():
    grid = np.arange(20) / 19
    prior = np.r_[0.0, np.ones(19)]
    auction = om.first_price_auction(grid, grid, prior=prior, common=True, reserve=0.125)
    reference = min_revenue_common_value(grid, grid, prior, reserve=0.125)
    assert auction.revenue_model(symmetric=True).solve().value == pytest.approx(reference, abs=1e-9)
    # a reserve above every value: nobody bids above it profitably, so revenue 0 is a BCE
    high = om.first_price_auction(grid, np.r_[grid, 1.5], prior=prior, common=True, reserve=1.5)
    assert high.revenue_model().solve().value == pytest.approx(0.0, abs=1e-9)


def test_private_values_auction():
    auction = om.first_price_auction(np.arange(1, 5) / 4, np.linspace(0, 1, 5))
    assert auction.info is not None and len(auction.game.prior) == 16
    full, sym = auction.revenue_model().solve(), auction.revenue_model(symmetric=True).solve()
    assert full.value == pytest.approx(0.203125, abs=1e-9) and sym.value == pytest.approx(full.value, abs=1e-12)
    assert sym.exact().verified
    # values that agree to 7 digits are still distinct states
    close = om.first_price_auction([1.0000001, 1.0000002], [0.0, 0.5])
    assert len(set(close.game.states)) == 4
    # revenue is at most the expected highest value (efficient sale, full extraction): 25/32 here
    values = np.arange(1, 5) / 4
    assert full.value <= np.maximum(values[:, None], values[None, :]).mean()


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"values": [1, 2], "bids": [0.5, 0.2]}, "bids"),
    ({"values": [2, 1], "bids": [0.1, 0.2]}, "values"),
    ({"values": [1, 2], "bids": [0.1, 0.2], "prior": [1.0]}, "prior"),
    ({"values": [1, 2], "bids": [0.1, 0.2], "prior": [-1.0, 2.0]}, "prior"),
    ({"values": [1, 2], "bids": [0.1, 0.2], "reserve": float("nan")}, "reserve"),
    ({"values": [1, 2], "bids": [0.1, 0.2], "reserve": [0.1, 0.2]}, "reserve"),
])
def test_bad_input_names_the_field(kwargs, field):
    with pytest.raises(InputError, match=rf"^{field}"):
        om.first_price_auction(**kwargs)

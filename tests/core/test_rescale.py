"""A HiGHS answer that fails its certificate is solved once more with geometric scaling (`core.solve.run`).

Yang's compact LP with values and costs in units of 2^-30: its IC rows mix v * z (about 1e-9) with
transfers of coefficient 1, a fixed point of Ruiz's max-based scaling, and HiGHS's absolute
tolerances then read the v * z terms as zeros (value off by a factor -4.5, certificate failing).
"""

from __future__ import annotations

import numpy as np
import pytest

import optmarkets as om
from optmarkets.solvers import scaling


def _broker(scale: float = 1.0) -> om.DataBroker:
    rng = np.random.default_rng(3)
    values = np.sort(rng.choice(np.arange(1, 25), 6, replace=False)) / 24
    costs = np.sort(rng.choice(np.arange(0, 80), 4, replace=False)) / 100 * values.max()
    return om.DataBroker(values * scale, rng.dirichlet(np.ones(6)), costs * scale, rng.dirichlet(np.ones(4)))


@pytest.mark.parametrize("power", [-30, -40, 30])
def test_scaled_data_give_the_scaled_optimum_certified(power):
    base = _broker().solve()
    scale = 2.0 ** power
    sol = _broker(scale).solve()
    assert sol.certificate.ok()
    assert sol.value == pytest.approx(base.value * scale, rel=1e-9)
    np.testing.assert_allclose(sol["transfer"].to_numpy(), base["transfer"].to_numpy() * scale, rtol=1e-7,
                               atol=1e-9 * scale)
    rescued = any("geometric scaling" in note for note in sol.certificate.notes)
    assert rescued == (power < 0)  # Ruiz alone is right for large data, wrong for tiny ones


def test_a_well_scaled_model_is_solved_once():
    sol = _broker().solve()
    assert not any("geometric scaling" in note for note in sol.certificate.notes)


def test_geometric_factors_are_powers_of_two_and_balance_mixed_rows():
    import scipy.sparse as sp

    A = sp.csc_matrix(np.array([[2.0**-30, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 2.0**-30, 2.0**-29]]))
    r, t = scaling.geometric_factors(A)
    assert np.all(np.log2(r) == np.round(np.log2(r))) and np.all(np.log2(t) == np.round(np.log2(t)))
    scaled = abs(sp.diags(r) @ A @ sp.diags(t)).tocsr()
    spread = [np.log2(row.data.max() / row.data.min()) for row in scaled]
    assert max(spread) < 30  # Ruiz leaves the first row at 2^30 : 1

"""A floor 6.7e-10 above the consumer-surplus optimum's revenue: HiGHS returns z = -1.3e-9 (within its
tolerance, certified), and the explicit segments refused the solution ("masses must be finite and
non-negative") instead of reading round-off as 0."""

import numpy as np
import pytest

import optmarkets as om


def test_round_off_masses_read_as_zero_in_the_segments():
    broker = om.DataBroker(values=[1, 2, 3], value_probs=[1 / 3, 1 / 3, 1 / 3], costs=[0.25, 0.75],
                           cost_probs=[0.5, 0.5])
    sol = broker.mechanism_problem(floor=0.458333334, objective="consumer_surplus").solve()
    segments = broker.segments(sol)
    assert all((np.asarray(seg) >= 0).all() for seg in segments)
    for seg in segments:  # each report's segments still split the prior
        assert np.asarray(seg).sum(axis=0) == pytest.approx(np.full(3, 1 / 3), abs=1e-8)
    sol.summary()  # raised InputError before

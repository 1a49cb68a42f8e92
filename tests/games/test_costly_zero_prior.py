"""Costly persuasion with a state of prior 0: the solver leaves ~1e-14 of mass on that state's cells, where
rel_entr(x, 0) = inf, and the value read -inf with status optimal and a certificate ok. The value is the
solver's (finite) one and equals the same problem without that state."""

import numpy as np
import pytest

from optmarkets.games import persuasion

U = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.2]])
V = np.array([[0.0, 1.0], [1.0, 0.0], [0.3, 0.9]])


@pytest.mark.parametrize("weight", [0.1, 1.0])
def test_a_state_of_prior_zero_leaves_the_value_of_the_others(weight):
    with_zero = persuasion(["w0", "w1", "w2"], np.array([0.0, 0.5, 0.5]), ["a0", "a1"], U, V,
                           information_cost="entropy", cost_weight=weight).solve()
    without = persuasion(["w1", "w2"], np.array([0.5, 0.5]), ["a0", "a1"], U[1:], V[1:],
                         information_cost="entropy", cost_weight=weight).solve()
    assert np.isfinite(with_zero.value)
    assert with_zero.value == pytest.approx(without.value, abs=1e-7)
    # the value is the sender's payoff less lam x the mutual information, each recomputed from the measure
    assert with_zero.value == pytest.approx(
        with_zero["sender_payoff"] - weight * with_zero["mutual_information"], abs=1e-7)

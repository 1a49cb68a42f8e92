"""A prior given as a Series is read by its state labels, in set() as in the constructor; tuple state labels
(a MultiIndex of states) are labels too (they raised a bare pandas ValueError)."""

import numpy as np
import pandas as pd
import pytest

import optmarkets as om

U_GOOD = np.array([[6, 2], [7, 0]])
U_BAD = np.array([[2, 0], [3, -4]])


def _value(states, prior) -> float:
    game = om.FiniteGame(["row", "col"], {"row": ["yield", "dare"], "col": ["yield", "dare"]},
                         {"row": np.stack([U_GOOD, U_BAD]), "col": np.stack([U_GOOD.T, U_BAD.T])},
                         states=states, prior=[0.5, 0.5])
    info = om.InformationStructure(game, {"row": [[0.9, 0.1], [0.2, 0.8]]})
    model = om.bayes_correlated_equilibrium(game, info, "welfare")
    model.set(prior=prior)
    return model.solve().value


def test_a_prior_series_is_read_by_its_labels():
    reference = _value(["good", "bad"], [0.8, 0.2])
    assert _value(["good", "bad"], pd.Series({"bad": 0.2, "good": 0.8})) == pytest.approx(reference, abs=1e-12)
    assert _value(["good", "bad"], [0.2, 0.8]) != pytest.approx(reference, abs=1e-6)  # the order matters


def test_tuple_state_labels_and_a_multiindex_prior():
    reference = _value(["good", "bad"], [0.8, 0.2])
    states = [("g", 1), ("b", 0)]
    assert _value(states, [0.8, 0.2]) == pytest.approx(reference, abs=1e-12)
    shuffled = pd.Series([0.2, 0.8], index=pd.MultiIndex.from_tuples([("b", 0), ("g", 1)]))
    assert _value(states, shuffled) == pytest.approx(reference, abs=1e-12)

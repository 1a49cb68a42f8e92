"""Validation: every bad input names its field and the problem."""

import numpy as np
import pytest

import optmarkets as om
from optmarkets.core import validate as pr


def test_probabilities_must_sum_to_one():
    with pytest.raises(om.InputError, match=r"probs: probabilities sum to 0.9, must sum to 1"):
        pr.probabilities("probs", [0.4, 0.5])
    assert pr.probabilities("p", [0.25, 0.75]).sum() == 1.0
    pr.probabilities("p", [1 / 3] * 3)  # within 1e-9


def test_probabilities_negative():
    with pytest.raises(om.InputError, match=r"p: entry 1 is -0\.2, must be non-negative"):
        pr.probabilities("p", [1.2, -0.2])


def test_probabilities_nan():
    with pytest.raises(om.InputError, match="p: entry 0 is nan"):
        pr.probabilities("p", [np.nan, 1.0])


def test_probabilities_strict():
    with pytest.raises(om.InputError, match="p: entry 0 is 0, must be positive"):
        pr.probabilities("p", [0.0, 1.0], strict=True)


def test_mismatched_length():
    with pytest.raises(om.InputError, match="p: has length 2, expected 3"):
        pr.probabilities("p", [0.5, 0.5], length=3)


def test_not_numbers_and_not_vectors():
    with pytest.raises(om.InputError, match="x: expected a number or a sequence of numbers"):
        pr.as_vector("x", ["a", "b"])
    with pytest.raises(om.InputError, match="x: expected a 1-D sequence"):
        pr.as_vector("x", [[1, 2], [3, 4]])
    with pytest.raises(om.InputError, match="x: must not be empty"):
        pr.as_vector("x", [])
    with pytest.raises(om.InputError, match="m: has shape"):
        pr.as_matrix("m", np.zeros((2, 2)), shape=(2, 3))


def test_increasing():
    with pytest.raises(om.InputError, match="v: duplicate value 2 at positions 1 and 2"):
        pr.increasing("v", [1, 2, 2])
    with pytest.raises(om.InputError, match=r"v: must be sorted increasingly, but entry 2 \(1\) < entry 1 \(3\)"):
        pr.increasing("v", [0.5, 3, 1])
    with pytest.raises(om.InputError, match="v: entries must be non-negative"):
        pr.increasing("v", [-1, 2], nonneg=True)


def test_weights():
    assert pr.weights(("a", "b"), (0, 1)) == (0.0, 1.0)
    with pytest.raises(om.InputError, match="b: is -1"):
        pr.weights(("a", "b"), (1, -1))


def test_distribution():
    d = om.Distribution([1, 2, 3], [0.2, 0.3, 0.5], name="v")
    assert d.mean() == pytest.approx(2.3)
    np.testing.assert_allclose(d.cdf(), [0.2, 0.5, 1.0])
    assert d.to_series().index.name == "v" and len(d) == 3
    with pytest.raises(om.InputError, match="probs: probabilities sum"):
        om.Distribution([1, 2], [0.2, 0.3])

"""Persuasion (Kamenica-Gentzkow's prosecutor) and segmentation (Bergemann-Brooks-Morris)."""

import numpy as np
import pandas as pd
import pytest

from optmarkets.core.errors import InputError
from optmarkets.games import persuasion, segmentation

STATES, ACTIONS = ["innocent", "guilty"], ["acquit", "convict"]
JUDGE = np.array([[1.0, 0.0], [0.0, 1.0]])  # the judge wants to match: convicts iff P(guilty) >= 1/2
PROSECUTOR = np.array([[0.0, 1.0], [0.0, 1.0]])  # the prosecutor wants a conviction


def prosecutor(prior=(0.7, 0.3), **kw):
    return persuasion(STATES, list(prior), ACTIONS, JUDGE, PROSECUTOR, **kw)


def test_prosecutor():
    sol = prosecutor().solve()
    assert sol.value == pytest.approx(0.6, abs=1e-8)
    price = sol.prices["consistency"]
    assert price["guilty"] == pytest.approx(2.0, abs=1e-7)
    assert price["innocent"] == pytest.approx(0.0, abs=1e-7)
    assert sol["posteriors"].loc["guilty", "convict"] == pytest.approx(0.5, abs=1e-8)
    assert sol["policy"].loc["guilty", "convict"] == pytest.approx(1.0, abs=1e-8)
    assert sol["policy"].loc["innocent", "convict"] == pytest.approx(3 / 7, abs=1e-8)
    assert sol.certificate.ok(1e-7)


def test_prosecutor_labelled_tables():
    judge = pd.DataFrame(JUDGE, index=STATES, columns=ACTIONS).loc[["guilty", "innocent"], ["convict", "acquit"]]
    pros = pd.DataFrame(PROSECUTOR, index=STATES, columns=ACTIONS).iloc[::-1]
    assert persuasion(STATES, [0.7, 0.3], ACTIONS, judge, pros).solve().value == pytest.approx(0.6, abs=1e-8)
    with pytest.raises(InputError, match=r"sender_payoff.*'jail'"):
        persuasion(STATES, [0.7, 0.3], ACTIONS, judge, pros.rename(columns={"convict": "jail"}))


def test_prices_match_finite_differences():
    m = prosecutor()
    base = m.solve()
    h = 1e-4
    for k, state in enumerate(STATES):
        up, down = np.array([0.7, 0.3]), np.array([0.7, 0.3])
        up[k] += h
        down[k] -= h
        fd = (m.set(prior=up).solve().value - m.set(prior=down).solve().value) / (2 * h)
        assert base.prices["consistency"][state] == pytest.approx(fd, abs=1e-6)
        assert base.prices["prior"][state] == pytest.approx(fd, abs=1e-6)


def test_sweep_over_the_prior_is_the_concavification():
    m = prosecutor()
    for mu in np.linspace(0.0, 1.0, 21):
        assert m.set(prior=[1 - mu, mu]).solve().value == pytest.approx(min(2 * mu, 1.0), abs=1e-8)
    assert m.compilations == 1  # the prior is a Parameter: one compiled problem for the sweep


def test_bbm_three_values():
    sol = segmentation([1, 2, 3], [1 / 3] * 3).solve()
    assert sol.value == pytest.approx(2 / 3, abs=1e-8)
    assert sol["consumer_surplus"] == pytest.approx(2 / 3, abs=1e-8)
    assert sol["profit"] == pytest.approx(4 / 3, abs=1e-8)
    assert sol["total_surplus"] == pytest.approx(2.0, abs=1e-8)
    seg = sol["segments"]
    assert list(seg.index) == [1, 2, 3] and list(seg.columns) == [1, 2, 3]
    assert seg.to_numpy().sum(axis=0) == pytest.approx([1 / 3] * 3, abs=1e-8)
    assert sol.certificate.ok(1e-7)
    # the seller's best: all surplus as profit; no floor: the consumer's best is the same triangle corner
    assert segmentation([1, 2, 3], [1 / 3] * 3, objective="profit").solve().value == pytest.approx(2.0, abs=1e-8)
    assert segmentation([1, 2, 3], [1 / 3] * 3, profit_floor=None).solve().value == pytest.approx(2 / 3, abs=1e-8)


def test_segmentation_inputs():
    with pytest.raises(InputError, match="market"):
        segmentation([1, 2, 3], [0.5, 0.5])
    with pytest.raises(InputError, match="values"):
        segmentation([3, 2, 1], [1 / 3] * 3)
    with pytest.raises(InputError, match="objective"):
        segmentation([1, 2, 3], [1 / 3] * 3, objective="welfare")
    with pytest.raises(InputError, match="profit_floor"):
        segmentation([1, 2, 3], [1 / 3] * 3, profit_floor="high")

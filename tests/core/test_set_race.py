"""A model changed by set() in one thread while another solves it (an audit): the Solution's value came from one set
of data and its parameters, snapshot, exact() and price_ranges() from the other (147 of 300 solves); set() now waits
for the solve. And exact() of a parametric game's Solution, whose labelled payoffs carry a dummy 'state' level that
does not bind back, reads the snapshot's values (it raised InputError)."""

from __future__ import annotations

import threading
from fractions import Fraction

import numpy as np
import pytest

import optmarkets as om


def test_set_in_another_thread_never_splits_a_solution():
    econ = om.PersonalDataEconomy(values=[1, 2], mass=[0.4, 0.6], outside_option=[0.3, 0.3], gamma_u=1.0,
                                  gamma_pi=0.0)
    a, b = [0.4, 0.3], [0.1, 0.5]  # V(q) = min(q1, q2): 0.3 and 0.1
    model = econ.platform_problem(q=a)
    stop = threading.Event()

    def flip() -> None:
        k = 0
        while not stop.is_set():
            model.set(q=a if k % 2 else b)
            k += 1

    thread = threading.Thread(target=flip)
    thread.start()
    try:
        for _ in range(60):
            sol = model.solve()
            q = np.asarray(sol.parameters["q"], float)
            assert sol.value == pytest.approx(min(q), abs=1e-12)
            assert np.array_equal(np.asarray(sol._model.value_of("q"), float), q)
        assert float(sol.exact().value) == pytest.approx(min(q), abs=1e-12)
    finally:
        stop.set()
        thread.join()


def test_exact_of_a_parametric_game_reads_its_own_payoffs():
    chicken = om.FiniteGame.symmetric([[6, 2], [7, 0]], actions=["yield", "dare"])
    sol = om.correlated_equilibrium(chicken, parametric=True).solve()
    assert sol.exact().value == Fraction(21, 2) == om.correlated_equilibrium(chicken).solve().exact().value

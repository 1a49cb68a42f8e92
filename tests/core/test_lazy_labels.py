"""Labels built when first read (`core.validate.LazyLabels`): a solve read for its value builds no
pandas Index; reading a result builds exactly the labels the eager ones were."""

import pickle

import cvxpy as cp
import numpy as np
import pandas as pd
import pytest

import optmarkets as om
from optmarkets.builders import consistency, obedience
from optmarkets.core.errors import InputError
from optmarkets.core.validate import LazyLabels, lazy_labels, resolved


def _economy() -> om.PersonalDataEconomy:
    return om.PersonalDataEconomy([1.0, 2.0, 3.5], [0.2, 0.5, 0.3], [0.0, 0.0, 0.0], gamma_u=1.0, gamma_pi=0.3)


def test_a_solve_read_for_its_value_builds_no_labels():
    econ = _economy()
    sol = econ.platform_problem(econ.mass * 0.8).solve()
    assert sol.value == pytest.approx(econ.bbm_value(econ.mass * 0.8), rel=1e-9)
    assert "built" not in repr(econ.type_labels) and "built" not in repr(econ.fee_labels)
    psi = sol.prices["consistency"]  # reading a labelled result builds the labels it needs
    assert "built" in repr(econ.type_labels)
    pd.testing.assert_index_equal(psi.index, pd.Index([1, 2, 3.5], name="w"))
    assert econ.type_index is econ.type_labels.resolve()  # built once


def test_lazy_and_eager_labels_label_results_alike():
    econ = _economy()
    lazy = econ.platform_problem(econ.mass).solve()
    m = om.Model("P_q eager", sense="max")
    q = m.parameter("q", econ.mass, index=econ.type_index)
    chi = m.variable("chi", (3, 3), index=(econ.fee_index, econ.type_index), nonneg=True)
    m.constrain("consistency", consistency(chi, q, econ.type_index))
    m.constrain("obedience", obedience(chi, econ.merchant_profit, econ.fee_index))
    m.maximize(cp.sum(cp.multiply(econ.platform_payoff, chi)))
    eager = m.solve()
    assert lazy.value == pytest.approx(eager.value, rel=1e-12)
    for name in ("consistency", "obedience"):
        pd.testing.assert_index_equal(lazy.prices[name].index, eager.prices[name].index)
    pd.testing.assert_frame_equal(lazy["chi"], eager["chi"], check_exact=False, atol=1e-12)
    assert list(lazy.prices["obedience"].index.names) == ["a", "deviation"]


def test_lazy_labels_check_sizes_when_built_into_a_family():
    labels = lazy_labels("w", np.array([1.0, 2.0]))
    with pytest.raises(InputError, match="labels"):
        consistency(cp.Variable((2, 3)), [0.2, 0.3, 0.5], labels)


def test_labels_not_vouched_distinct_are_checked_for_duplicates():
    doubled = LazyLabels(2, lambda: pd.Index(["a", "a"]))  # unique=False: the builder resolves and checks
    with pytest.raises(InputError, match="duplicate"):
        obedience(cp.Variable((2, 2)), np.eye(2), doubled)


def test_lazy_labels_pickle_as_the_index_they_stand_for():
    econ = _economy()
    sol = econ.platform_problem(econ.mass).solve()
    back = pickle.loads(pickle.dumps(sol))
    pd.testing.assert_series_equal(back.prices["consistency"], sol.prices["consistency"])
    labels = pickle.loads(pickle.dumps(econ.fee_labels))
    assert isinstance(labels, LazyLabels) and labels.unique and len(labels) == 3
    pd.testing.assert_index_equal(labels.resolve(), econ.fee_index)
    again = pickle.loads(pickle.dumps(_economy()))  # an economy survives a process hop with its labels
    pd.testing.assert_index_equal(again.type_index, econ.type_index)
    pd.testing.assert_series_equal(again.platform_problem(econ.mass).solve().prices["consistency"],
                                   sol.prices["consistency"])
    assert resolved((econ.fee_labels, None))[0] is econ.fee_index



def test_labels_resolved_from_several_threads_at_once_are_one_index():
    """Eight threads resolve the same labels at once (a solve per thread reading prices): each gets the labels,
    none an error; `resolve` reads its maker once per call, so a thread that finds it gone reads the Index."""
    import threading

    for _ in range(50):
        labels = LazyLabels(50_000, lambda: pd.MultiIndex.from_arrays([np.arange(50_000) % 7, np.arange(50_000)]))
        got, errors = [], []

        def read(labels=labels, got=got, errors=errors):
            try:
                got.append(labels.resolve())
            except BaseException as error:  # any failure in a thread is the finding
                errors.append(error)

        threads = [threading.Thread(target=read) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == [] and len(got) == 8 and all(g.equals(got[0]) for g in got)
        assert labels.resolve() is labels.resolve()  # built once it is stored

"""pandas inputs are read by label, never by position (issue 12, finding 5)."""

import pandas as pd
import pytest

import optmarkets as om
from optmarkets.core.validate import align, as_matrix, as_vector


def test_a_series_is_aligned_by_label_and_a_range_index_read_by_position():
    idx = pd.Index(["t1", "t2"], name="type")
    assert as_vector("market", pd.Series({"t2": 0.75, "t1": 0.25}), index=idx).tolist() == [0.25, 0.75]
    assert as_vector("market", pd.Series([0.25, 0.75]), index=idx).tolist() == [0.25, 0.75]
    assert align("market", [0.25, 0.75], idx) == [0.25, 0.75]


def test_labels_that_do_not_match_are_named():
    idx = pd.Index(["t1", "t2"], name="type")
    with pytest.raises(om.InputError, match=r"market: unknown labels \['tx'\]; missing \['t1'\]"):
        as_vector("market", pd.Series({"t2": 0.75, "tx": 0.25}), index=idx)
    with pytest.raises(om.InputError, match="duplicate"):
        as_vector("market", pd.Series([0.5, 0.5], index=["t1", "t1"]), index=idx)
    with pytest.raises(om.InputError, match=r"x \(columns\): unknown column labels"):
        as_matrix("x", pd.DataFrame([[1.0, 2.0]], index=["a"], columns=["w1", "w9"]),
                  index=(pd.Index(["a"]), pd.Index(["w1", "w2"])))


def test_a_frame_is_aligned_on_both_axes():
    out = as_matrix("x", pd.DataFrame([[1, 2], [3, 4]], index=["b", "a"], columns=[2, 1]),
                    index=(pd.Index(["a", "b"]), pd.Index([1, 2])))
    assert out.tolist() == [[4.0, 3.0], [2.0, 1.0]]


def test_glp_reads_the_database_and_the_primitives_by_type_label():
    econ = om.PersonalDataEconomy([1, 2], [0.4, 0.6], [0.3, 0.3], gamma_u=1.0)
    by_position = econ.platform_problem([0.4, 0.3]).solve()
    by_label = econ.platform_problem(pd.Series({2: 0.3, 1: 0.4})).solve()
    assert by_label.value == pytest.approx(by_position.value) == pytest.approx(0.3)  # gamma_u min(q1, q2)
    flipped = om.PersonalDataEconomy([1, 2], pd.Series({2: 0.6, 1: 0.4}), pd.Series({2: 0.3, 1: 0.3}))
    assert flipped.mass.tolist() == [0.4, 0.6]
    with pytest.raises(om.InputError, match=r"q: unknown labels \['3'\]"):
        econ.platform_problem(pd.Series({3: 0.3, 1: 0.4}))

"""Displays clean round-off to exact zeros (relative to the table's magnitude) and never show -0; the
Solution's own tables keep the solver's numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

import optmarkets as om
from optmarkets.core.display import clean


def test_round_off_beside_order_one_entries_is_zero_and_never_negative():
    s = pd.Series([1.0, 3.0e-10, -1.5e-10, -0.0, 0.25], index=list("abcde"), name="allocation")
    got = clean(s)
    np.testing.assert_array_equal(got.to_numpy(), [1.0, 0.0, 0.0, 0.0, 0.25])
    assert not np.signbit(got.to_numpy()).any() and got.name == "allocation" and list(got.index) == list("abcde")
    assert s["b"] == 3.0e-10  # the original is untouched


def test_a_table_of_tiny_numbers_keeps_them_at_any_scale():
    s = pd.Series([3.0e-10, 1.5e-10, 2.0e-20])
    np.testing.assert_array_equal(clean(s).to_numpy(), [3.0e-10, 1.5e-10, 0.0])


def test_frames_clean_float_columns_only():
    f = pd.DataFrame({"x": [2.0, -1e-12], "label": ["a", "b"], "n": [1, 2]})
    got = clean(f)
    assert got["x"].tolist() == [2.0, 0.0] and not np.signbit(got["x"]).any()
    assert got["label"].tolist() == ["a", "b"] and got["n"].tolist() == [1, 2]
    assert clean(-0.0) == 0.0 and not np.signbit(clean(-0.0))


def test_hs_summaries_show_no_round_off():
    """Haghpanah-Siegel's mechanism LP: allocations of 0 and 1 come back with round-off; the summary (and the
    CLI's) shows clean zeros, while sol.primal keeps the solver's numbers."""
    from optmarkets.app import instances
    from optmarkets.app.tables import summary

    inst = instances.load(instances.find("hs-section-3-two-qualities"))
    sol = inst.run(next(iter(inst.solves)), None)
    raw = "\n".join(t.to_string() for t in sol.primal.values() if isinstance(t, pd.Series | pd.DataFrame))
    assert "e-1" in raw or "-0.0 " in raw  # the solver's round-off is there, and kept
    for text in (sol.summary(), summary(sol, rows=10_000)):
        tables = text.split("certificate")[0].replace("n_slack:\n1e-10", "")  # a parameter (the stage slack)
        assert "e-1" not in tables and " -0 " not in tables and "-0.0 " not in tables


def test_public_aliases_are_functions_the_api_reference_lists():
    """mkdocstrings renders an alias (`audit_mechanism = audit`) as an attribute without a signature; the
    public names are functions of their own that give the same answers."""
    import inspect

    assert om.audit_mechanism.__name__ == "audit_mechanism" and "outside_option" in str(
        inspect.signature(om.audit_mechanism))
    econ = om.PersonalDataEconomy([1, 2], [.4, .6], [.3, .3], gamma_u=1)
    for name in ("first_best", "second_best"):
        method = getattr(om.PersonalDataEconomy, name)
        assert method.__name__ == name and method.__doc__
    assert econ.first_best().solve().value == econ.first_best_problem().solve().value


def test_axis_names_say_what_they_hold():
    """The segments' price axis is "price" (it was "seller", the player); persuasion's policy and posteriors
    have an "action" axis (it was "receiver")."""
    seg = om.segmentation([1, 2, 3], [1, 1, 1]).solve()["segments"]
    assert seg.index.name == "price" and seg.columns.name == "value"
    np.testing.assert_allclose(seg.sum(axis=0).to_numpy(), [1, 1, 1], atol=1e-9)  # every value's mass is segmented
    sol = om.persuasion(["innocent", "guilty"], [.7, .3], ["acquit", "convict"], [[1, 0], [0, 1]],
                        [[0, 1], [0, 1]]).solve()
    assert (sol["policy"].index.name, sol["policy"].columns.name) == ("state", "action")
    assert (sol["posteriors"].index.name, sol["posteriors"].columns.name) == ("state", "action")
    np.testing.assert_allclose(sol["policy"].loc["innocent", "convict"], 3 / 7, atol=1e-9)  # KG: P(convict | innocent)

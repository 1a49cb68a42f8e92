"""Property-based bad inputs at every public entry point (issue 12): every failure is a named
OptmarketsError, never a bare exception; every success is certified and, where a closed form
exists, right. The corpus (entry points, mutations, classification) is in fuzz_entries.py."""

import math
import re

import numpy as np
import pandas as pd
import pytest
from fuzz_entries import ENTRIES, ENTRY_BY_NAME, mutations, outcome
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optmarkets as om

FAST = settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))
SLOW = settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))

_floats = st.floats(allow_nan=True, allow_infinity=True, width=64)
_numbers = st.one_of(_floats, st.sampled_from([0.0, -0.0, 1e-300, 1e300, -1e300, 1 - 1e-3, 1 + 1e-3]))


def _random_values(good):
    """Random data of the good value's kind: a vector, a matrix or a number, entries anything."""
    a = None
    try:
        a = np.asarray(good, float)
    except (TypeError, ValueError):
        pass
    if a is not None and a.ndim == 1 and a.size:
        return st.lists(_numbers, min_size=0, max_size=a.size + 2)
    if a is not None and a.ndim == 2 and a.size:
        return st.lists(st.lists(_numbers, min_size=a.shape[1], max_size=a.shape[1]), min_size=0,
                        max_size=a.shape[0] + 1)
    if isinstance(good, float | int) and not isinstance(good, bool):
        return _numbers
    return st.nothing()


def _bad_call(entry):
    muts = mutations(entry)
    listed = st.sampled_from(muts).map(lambda m: (m[0], m[2]))
    randoms = [st.tuples(st.just(arg), _random_values(good)) for arg, good in entry.args.items()
               if arg not in entry.frozen and not _random_values(good).is_empty]
    return st.one_of(listed, *randoms)


def _check(entry, arg, bad):
    kind, detail = outcome(entry, {**entry.args, arg: bad})
    assert kind in ("named", "ok"), f"{entry.name}({arg}={bad!r}): {kind}: {detail}"
    return kind


@pytest.mark.parametrize("name", [e.name for e in ENTRIES])
def test_the_good_call_succeeds_certified_and_right(name):
    """The base call of each entry point works (so a mutation's error is caused by the mutation)."""
    entry = ENTRY_BY_NAME[name]
    kind, detail = outcome(entry, dict(entry.args))
    assert kind == "ok", detail
    if entry.closed is not None:
        assert entry.closed(**entry.args) is not None  # the closed form applies to the base data


@pytest.mark.parametrize("name", [e.name for e in ENTRIES])
def test_bad_inputs_raise_named_errors(name):
    entry = ENTRY_BY_NAME[name]

    @FAST
    @given(_bad_call(entry))
    def run(case):
        _check(entry, *case)

    run()


@pytest.mark.parametrize("values, revenue", [([[-2.0, -1.0]], 0.0), ([[-2.0, 1.0]], 0.75)])
def test_a_buyer_of_negative_values_is_sold_nothing(values, revenue):
    """A case CI's random draw found: every value negative, the best mechanism sells nothing (revenue 0); the
    closed form once posted the best price on the value grid only (-0.75) and called the right answer wrong."""
    entry = ENTRY_BY_NAME["mechanism_design(single_item)"]
    assert entry.closed(**{**entry.args, "values": values}) == revenue
    _check(entry, "values", values)
    assert outcome(entry, {**entry.args, "values": values})[0] == "ok"


@pytest.mark.slow
@pytest.mark.parametrize("name", [e.name for e in ENTRIES])
def test_bad_inputs_raise_named_errors_large(name):
    entry = ENTRY_BY_NAME[name]

    @SLOW
    @given(_bad_call(entry))
    def run(case):
        _check(entry, *case)

    run()


def test_the_corpus_is_not_vacuous():
    """Most listed mutations are refused with a named error; every entry point has a dozen or more."""
    named = total = 0
    for entry in ENTRIES[:4]:
        for arg, _, bad in mutations(entry):
            total += 1
            named += outcome(entry, {**entry.args, arg: bad})[0] == "named"
    assert total > 300 and named / total > 0.7
    assert all(len(mutations(e)) >= 12 for e in ENTRIES)


# ---------------------------------------------------------------------- the bare errors the corpus found
# (each was a TypeError / ValueError / KeyError / AttributeError / pandas error before the fix)
FOUND = [
    ("MultiProductSeller.optimal_mechanism", "valuations", [[1.0, 2.0], [1.0]], "valuations"),
    ("MultiProductSeller.optimal_mechanism", "valuations", "abc", "valuations"),
    ("MultiProductSeller.optimal_mechanism", "valuations", [["a", "a"], ["a", "a"]], "valuations"),
    ("correlated_equilibrium", "players", [[1, 2], [3]], "players"),
    ("bayes_correlated_equilibrium", "states", [[1, 2], [3]], "states"),
    ("bayes_correlated_equilibrium", "signals", "abc", "signals"),
    ("bayes_correlated_equilibrium", "signals", 3, "signals"),
    ("bayes_correlated_equilibrium", "signals", {"r": "abc"}, "signals['r']"),
    ("bayes_correlated_equilibrium", "signals", {"r": [[0.8, 0.2], [0.2]]}, "signals['r']"),
    ("persuasion", "actions", [[1, 2], [3]], "actions"),
    ("segmentation", "objective", ["HIGHS"], "objective"),
    ("segmentation", "objective", {"a": 1}, "objective"),
    ("mechanism_design(single_item)", "values", None, "values"),
    ("mechanism_design(single_item)", "values", [["a", "b"]], "values"),
    ("mechanism_design(single_item)", "prior", {"b1": ["x", 0.5]}, "prior"),
    ("mechanism_design(single_item)", "prior", {"b1": pd.Series({1.0: "x", 2.0: 0.5})}, "prior"),
    ("audit_mechanism", "allocation", "abc", "allocation"),
    ("audit_mechanism", "payment", [[0.0], [2.0, 1.0]], "payment"),
    ("DataBroker methods", "objective", None, "objective"),
    ("DataBroker methods", "objective", "quantity:x", "objective"),
    ("DataBroker methods", "segments", None, "segments"),
    ("DataBroker methods", "segments", [[1.0, 2.0], [3.0, 4.0]], "segments[0]"),
    ("MultiProductSeller methods", "t", "nope", "t: 'nope' is not a type"),
    ("MultiProductSeller methods", "t", ["t1"], "t:"),
    ("MultiProductSeller methods", "delta", "abc", "delta"),
    ("MultiProductSeller methods", "q", None, "q"),
    ("MultiProductSeller methods", "q", 1.5, "q: the high type's mass"),
    ("MultiProductSeller methods", "pair", 3, "pair"),
    ("MultiProductSeller methods", "pair", ["t1", "zz"], "pair: 'zz' is not a type"),
    ("mechanism_design options", "objective", ["HIGHS"], "objective"),
]


@pytest.mark.parametrize(("name", "arg", "bad", "field"), FOUND, ids=[f"{n}-{a}-{i}" for i, (n, a, _, _) in
                                                                        enumerate(FOUND)])
def test_each_bare_error_found_is_now_a_named_input_error(name, arg, bad, field):
    entry = ENTRY_BY_NAME[name]
    with pytest.raises(om.InputError) as info:
        entry.call(**{**entry.args, arg: bad})
    assert field in str(info.value)


def test_accepted_extreme_data_is_right():
    """A mutation that is valid data (scaled, reordered) is solved right, not merely without error."""
    entry = ENTRY_BY_NAME["segmentation"]
    sol = entry.call(**{**entry.args, "market": [0.2e-200, 0.3e-200, 0.5e-200]})
    assert sol.certificate.ok()
    assert sol.value == pytest.approx(0.7e-200, rel=1e-6)
    glp = ENTRY_BY_NAME["PersonalDataEconomy.platform_problem"]
    assert glp.call(**{**glp.args, "q": [0.3, 0.4]}).value == pytest.approx(0.3, abs=1e-9)
    assert not math.isnan(glp.call(**glp.args).value)


def test_huge_integral_values_keep_their_labels():
    """Found by the corpus: labels() cast 1e200 to int (garbage, duplicate labels); now kept as floats."""
    from optmarkets.core.validate import labels

    idx = labels("v", np.array([1e200, 2e200]))
    assert idx.tolist() == [1e200, 2e200] and not idx.has_duplicates
    assert labels("v", np.array([1.0, 2.0])).tolist() == [1, 2]


# issue 23: a complex array lost its imaginary part in a float cast; one check (core.validate.real_array) now
# refuses it on every engine's input path
COMPLEX = [
    ("values", lambda: om.PersonalDataEconomy(np.array([1.0, 2.0]) + 1j, [1, 1], [0, 0])),
    ("type_probs", lambda: om.InformationSeller([1.0, 2.0], np.array([0.5, 0.5]) + 0j)),
    ("state_prior", lambda: om.InformationSeller([1.0, 2.0], [0.5, 0.5], state_prior=np.array([0.5, 0.5 + 1j]))),
    ("value_probs", lambda: om.DataBroker([1, 2], np.array([0.5, 0.5]) + 0j, [0.5], [1.0])),
    ("valuations", lambda: om.MultiProductSeller(np.eye(2) * (1 + 1j))),
    ("payoffs['a']", lambda: om.FiniteGame(["a"], {"a": [0, 1]}, {"a": np.ones(2) + 1j})),
    ("prior", lambda: om.MechanismEnvironment({"b": [1, 2]}, ["none", "b"], np.array([0.5, 0.5]) + 0j,
                                              {"b": np.eye(2)})),
    ("x", lambda: om.core.validate.as_vector("x", [1.0, 2j])),
    ("x", lambda: om.core.validate.as_matrix("x", pd.DataFrame([[1.0, 2j]]))),
]


@pytest.mark.parametrize(("field", "call"), COMPLEX, ids=[f"{i}-{f}" for i, (f, _) in enumerate(COMPLEX)])
def test_complex_arrays_are_refused_by_every_engine(field, call):
    with pytest.raises(om.InputError, match=rf"^{re.escape(field)}: has complex entries; only real numbers are "
                                            r"accepted$"):
        call()

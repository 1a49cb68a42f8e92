"""Size limits (issue 23 item 8): every engine estimates its arrays and its LP from the inputs' counts and
refuses, with the estimate, what is above `core.limits` -- fast and before allocating (these inputs used
to end in a bare MemoryError after seconds to minutes)."""

import threading
import time
import tracemalloc

import numpy as np
import pytest

import optmarkets as om
from optmarkets.app import instances
from optmarkets.core import limits
from optmarkets.core.errors import InputError
from optmarkets.games import design, equilibrium, game  # noqa: F401  (imported before memory is traced)
from optmarkets.mechanisms import environment  # noqa: F401

HOW = "raise it with om.limits(max_nonzeros=...) (a with-block) or om.set_limits(max_nonzeros=...)"


def refused(make, match: str) -> str:
    """make() raises an InputError matching `match` within 2 s and with a traced peak under 4 MB."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(InputError, match=match) as err:
            make()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 2.0
    assert peak < 4e6, peak
    return str(err.value)


def test_a_billion_actions_are_refused_before_the_labels_are_made():
    msg = refused(lambda: om.FiniteGame(["a"], {"a": 10**9}, {"a": [0.0]}), "size")
    assert msg == ("actions['a']: size: estimated at 1,000,000,000 entries (labels), above the limit 10,000,000; "
                   "raise it with om.limits(max_entries=...) (a with-block) or om.set_limits(max_entries=...)")


def test_a_game_with_too_many_action_profiles_is_refused_before_its_payoffs_are_read():
    msg = refused(lambda: om.FiniteGame(["a", "b", "c"], {"a": 300, "b": 300, "c": 300}, dict.fromkeys("abc", 0.0)),
                  "size")
    assert msg.startswith("FiniteGame: size: estimated at 81,000,000 entries (payoffs: 3 players x 27,000,000 "
                          "action profiles), above the limit 10,000,000")


def test_a_correlated_equilibrium_of_two_times_1500_actions():
    zeros = np.zeros((1500, 1500))
    g = om.FiniteGame(["r", "c"], {"r": 1500, "c": 1500}, {"r": zeros, "c": zeros})
    msg = refused(lambda: om.correlated_equilibrium(g), "size")
    assert msg == ("correlated_equilibrium: size: the LP is estimated at 6,747,750,000 nonzeros (2,250,000 "
                   "variables, 4,497,001 rows; 2,250,000 action profiles), above the limit 50,000,000; " + HOW)


def three_players():
    return om.FiniteGame(["a", "b", "c"], {p: 2 for p in "abc"}, {p: np.zeros((2, 2, 2, 2)) for p in "abc"},
                         states=[0, 1], prior=[0.5, 0.5])


def test_a_bce_of_three_players_with_100_signals_each():
    g, lik = three_players(), np.full((2, 100), 0.01)
    msg = refused(lambda: om.bayes_correlated_equilibrium(g, om.InformationStructure(g, dict.fromkeys("abc", lik))),
                  "size")
    assert msg == ("bayes_correlated_equilibrium: size: the LP is estimated at 64,000,000 nonzeros (16,000,000 "
                   "variables, 2,000,600 rows; 2 states x 1,000,000 signal profiles x 8 action profiles), above the "
                   "limit 50,000,000; " + HOW)


def test_an_information_structure_too_large_for_its_likelihoods():
    g, lik = three_players(), np.full((2, 300), 1 / 300)
    msg = refused(lambda: om.InformationStructure(g, dict.fromkeys("abc", lik)), "size")
    assert msg.startswith("InformationStructure: size: estimated at 54,000,000 entries (likelihoods: 2 states x "
                          "27,000,000 signal profiles), above the limit 10,000,000")


def test_persuasion_of_3000_states_and_300_actions():
    table = np.zeros((3000, 300))
    msg = refused(lambda: om.persuasion(range(3000), np.full(3000, 1 / 3000), range(300), table, table), "size")
    assert msg == ("persuasion: size: the LP is estimated at 270,000,000 nonzeros (900,000 variables, 92,700 rows; "
                   "3,000 states x 300 action profiles), above the limit 50,000,000; " + HOW)


def test_segmentation_of_3000_values():
    msg = refused(lambda: om.segmentation(np.arange(1, 3001), np.ones(3000)), "size")
    # on suffix masses (two nonzeros an obedience row): 63 million nonzeros, not the 27 billion of n^3
    assert msg.startswith("segmentation: size: the LP is estimated at 62,994,000 nonzeros (18,000,000 variables, "
                          "18,000,001 rows; 3,000 values with mass x 3,000 prices, with their suffix masses)")


def test_a_single_item_auction_with_20_agents():
    msg = refused(lambda: om.MechanismEnvironment.single_item([[1, 2]] * 20), "size")
    assert msg == ("MechanismEnvironment: size: estimated at 440,401,920 entries (values: 20 agents x 1,048,576 type "
                   "profiles x 21 outcomes), above the limit 10,000,000; raise it with om.limits(max_entries=...) "
                   "(a with-block) or om.set_limits(max_entries=...)")


def test_mechanism_design_is_estimated_before_its_variables():
    env = om.MechanismEnvironment.single_item([range(1, 1001)] * 2)  # 10^6 profiles: the data fit
    msg = refused(lambda: om.mechanism_design(env), "size")
    assert msg == ("mechanism_design: size: the LP is estimated at 15,995,000,000 nonzeros (5,000,000 variables, "
                   "3,000,000 rows; 2 agents, 1,000,000 type profiles x 3 outcomes; ic=bayesian, ir=interim), above "
                   "the limit 50,000,000; " + HOW)


def test_the_estimates_are_the_lps_sizes():
    """The counts are exact for dense data (HiGHS's constraint matrix; bounds are not rows)."""
    cp = pytest.importorskip("cvxpy")
    rng = np.random.default_rng(0)

    def matrix(model):
        return model.problem.get_problem_data(cp.HIGHS)[0]["A"]

    g = om.FiniteGame(["a", "b"], {"a": 3, "b": 4}, {"a": rng.random((2, 3, 4)), "b": rng.random((2, 3, 4))},
                      states=[0, 1], prior=[0.5, 0.5])
    A = matrix(om.bayes_correlated_equilibrium(g, om.InformationStructure(g, {"a": rng.dirichlet(np.ones(3), 2)})))
    est = limits.bce_size([3, 4], 2, [3, 1])
    assert (est.rows, est.variables, est.nonzeros) == (*A.shape, A.nnz) == (36, 72, 432)
    agents = {"x": [0, 1, 2], "y": [0, 1], "z": [0, 1]}
    values = {a: rng.random((3, 2, 2, 3)) for a in agents}  # interdependent: dominant IC rows are wide
    env = om.MechanismEnvironment(agents, ["o1", "o2", "o3"], rng.dirichlet(np.ones(12)).reshape(3, 2, 2), values)
    for ic, ir, budget, size in [("bayesian", "interim", None, (29, 72, 564)),
                                 ("ex_post", "ex_post", "no_subsidies", (108, 72, 600)),
                                 ("dominant", "ex_ante", "balanced", (267, 72, 2136))]:
        A = matrix(om.mechanism_design(env, ic=ic, ir=ir, budget=budget))
        est = limits.mechanism_size(env.sizes, 3, ic=ic, ir=ir, budget=budget, interdependent=True)
        assert (est.rows, est.variables, est.nonzeros) == (*A.shape, A.nnz) == size


def test_the_override_lets_a_moderately_large_case_through():
    rng = np.random.default_rng(0)
    g = om.FiniteGame(["r", "c"], {"r": 60, "c": 60}, {"r": rng.random((60, 60)), "c": rng.random((60, 60))})
    assert limits.bce_size([60, 60]).nonzeros == 428_400
    with om.limits(max_nonzeros=400_000) as lim:
        assert lim == limits.Limits(10_000_000, 400_000)
        with pytest.raises(InputError, match=r"428,400 nonzeros .* above the limit 400,000"):
            om.correlated_equilibrium(g)
        with om.limits(max_nonzeros=500_000):  # nested blocks
            assert om.correlated_equilibrium(g).size() == {"variables": 3600, "constraints": 7081}
        with pytest.raises(InputError, match="428,400 nonzeros"):
            om.correlated_equilibrium(g)
    assert limits.current() == limits.Limits()
    previous = om.set_limits(max_entries=10**8)
    try:
        assert previous == limits.Limits() and limits.current().max_entries == 10**8
        assert om.MechanismEnvironment.single_item([[1, 2]] * 10).n_profiles == 1024  # 1024 x 11 x 10: under 1e8
    finally:
        om.set_limits(max_entries=previous.max_entries)
    assert limits.current() == limits.Limits()


def test_a_block_is_this_threads_and_set_limits_every_threads():
    seen = {}
    with om.limits(max_nonzeros=5, max_entries=float("inf")):
        t = threading.Thread(target=lambda: seen.update(other=limits.current()))
        t.start()
        t.join()
        assert limits.current() == limits.Limits(float("inf"), 5)
    assert seen["other"] == limits.Limits()


@pytest.mark.parametrize("value", [0, -1, float("nan"), True, "10", None])
def test_limits_must_be_positive_numbers(value):
    if value is None:  # None keeps a limit
        with om.limits(max_nonzeros=value) as lim:
            assert lim == limits.Limits()
        return
    with pytest.raises(InputError, match=r"max_nonzeros: must be a positive number \(math.inf: no limit\)"):
        with om.limits(max_nonzeros=value):
            pass


# ---------------------------------------------------------------- instance files: the same estimates


def _bce_file(tmp_path, signals: int):
    row = "[" + ",".join([repr(1 / signals)] * signals) + "]"
    table = f"[{row}, {row}]"  # P(signal | state): uniform, so every (state, signal profile) cell has mass
    zeros = "[[[[0, 0], [0, 0]], [[0, 0], [0, 0]]], [[[0, 0], [0, 0]], [[0, 0], [0, 0]]]]"
    path = tmp_path / "bce.toml"
    path.write_text('model = "FiniteGame"\n[data]\nplayers = ["a", "b", "c"]\nactions = { a = 2, b = 2, c = 2 }\n'
                    f'states = [0, 1]\nprior = [0.5, 0.5]\npayoffs = {{ a = {zeros}, b = {zeros}, c = {zeros} }}\n'
                    '[solve.bce]\nmethod = "bayes_correlated_equilibrium_problem"\n'
                    f'args = {{ signals = {{ a = {table}, b = {table}, c = {table} }} }}\n')
    return path


def test_a_4kb_bce_file_is_refused_at_load_with_the_engines_estimate(tmp_path):
    path = _bce_file(tmp_path, 100)
    assert path.stat().st_size < 4096  # the uniform tables' 0.01s: every cell has mass, so all are built
    assert instances.size_estimate([[1] * 100])[1] < instances.MAX_SIZE  # what the file check saw before
    with pytest.raises(InputError) as err:
        instances.load(path)
    assert str(err.value) == (
        "bce.toml: size: the model is estimated at 6.4e+07 nonzeros (bayes_correlated_equilibrium: 2 states x "
        "1,000,000 signal profiles x 8 action profiles), above the limit 1e+07; to build it anyway pass "
        "--max-size 7e+07 (Python: instances.load(path, max_size=...))")
    assert instances.estimate("FiniteGame", instances.load(path, max_size=7e7).data) == (
        48, "entries", "FiniteGame: payoffs: 3 players x 2 states x 8 action profiles")


def test_a_files_max_size_raises_the_engines_limits_while_it_builds(tmp_path):
    path = _bce_file(tmp_path, 3)  # 2 x 27 x 8 = 432 cells, 1,728 nonzeros
    with om.limits(max_nonzeros=1000):
        with pytest.raises(InputError, match="above the limit 1e"):
            instances.load(path, max_size=1000)
        assert instances.load(path, max_size=2000).run("bce").value == pytest.approx(0.0)
        assert limits.current().max_nonzeros == 1000

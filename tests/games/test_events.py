"""Events in objectives (issue 28, item 11): game.event(...), (weight, selection) objectives, and
game.expectation(model, ...) for om.frontier. Every number is worked by hand in the comments."""

from fractions import Fraction

import numpy as np
import pytest

import optmarkets as om
from optmarkets.core.errors import InputError
from optmarkets.games import FiniteGame, bayes_correlated_equilibrium, correlated_equilibrium
from optmarkets.games.events import expectation

# the LPs are solved in floats: compared with the hand values to this accuracy
TOL = 1e-8


def chicken() -> FiniteGame:
    """Aumann's Chicken: A[own, other] = [[6, 2], [7, 0]] over (yield, dare)."""
    return FiniteGame.symmetric([[6, 2], [7, 0]], actions=["yield", "dare"])


def investment(prior_good: float = 0.8) -> FiniteGame:
    """Two players invest or wait; investing pays x_w + 1{the other invests}, x_G = -2, x_B = 2; waiting 0.
    u_p1[w, a1, a2] with axes (state, p1's action, p2's action)."""
    x = np.array([-2.0, 2.0])
    u1 = np.zeros((2, 2, 2))
    u1[:, 0, :] = x[:, None] + np.array([1.0, 0.0])[None, :]
    return FiniteGame(["p1", "p2"], {"p1": ["invest", "wait"], "p2": ["invest", "wait"]},
                      {"p1": u1, "p2": np.transpose(u1, (0, 2, 1))}, states=["G", "B"],
                      prior=[prior_good, 1 - prior_good], name="investment")


def test_the_event_is_the_hand_built_indicator():
    game = investment()
    hand = np.zeros((2, 2, 2))
    hand[0, 0, 0] = 1.0  # (state G, p1 invests, p2 invests)
    assert np.array_equal(game.event(state="G", p1="invest", p2="invest"), hand)
    # a player not named: any action; a list of labels: any of them
    hand_any = np.zeros((2, 2, 2))
    hand_any[:, 0, :] = 1.0
    assert np.array_equal(game.event(p1="invest"), hand_any)
    assert np.array_equal(game.event(p1="invest", state=["G", "B"], p2=("invest", "wait")), hand_any)
    assert np.array_equal(game.event(), np.ones((2, 2, 2)))
    # integer labels (actions given as counts)
    counts = FiniteGame(["a", "b"], {"a": 2, "b": 3}, {"a": np.zeros((2, 3)), "b": np.zeros((2, 3))})
    assert np.array_equal(counts.event(a=1, b=[0, 2]), np.array([[0, 0, 0], [1, 0, 1]]))


def test_chicken_ce_maximising_both_yield():
    # mu = (a, b, c, d) over (YY, YD, DY, DD); obedience: a <= 2b, a <= 2c (yield), c >= 2d, b >= 2d (dare).
    # max a: d = 0, b = c = a / 2, a + a = 1 -> a = 1/2; the least a is 0 (a pure Nash equilibrium).
    game = chicken()
    both_yield = game.event(row="yield", column="yield")
    hand = np.array([[1.0, 0.0], [0.0, 0.0]])
    by_event = correlated_equilibrium(game, both_yield).solve()
    by_hand = correlated_equilibrium(game, hand).solve()
    by_pairs = correlated_equilibrium(game, [(1.0, {"row": "yield", "column": "yield"})]).solve()
    for sol in (by_event, by_hand, by_pairs):
        assert sol.value == pytest.approx(0.5, abs=TOL)
    assert float(by_event["mu"].sel(row="yield", column="yield")) == pytest.approx(0.5, abs=TOL)
    assert correlated_equilibrium(game, both_yield, sense="min").solve().value == pytest.approx(0.0, abs=TOL)


def test_pairs_mix_events_and_payoffs():
    # W = 12a + 9(b + c) = 9 + 3a - 9d, so a + W/2 = 4.5 + 2.5a - 4.5d: max at a = 1/2, d = 0 -> 5.75
    game = chicken()
    objective = [(1.0, {"row": "yield", "column": "yield"}), (0.5, "welfare")]
    assert correlated_equilibrium(game, objective).solve().value == pytest.approx(5.75, abs=TOL)
    # payoffs as Parameters: the welfare term reads them; doubling the payoffs: a + W = 9 + 4a - 9d -> 11
    model = correlated_equilibrium(game, objective, parametric=True)
    assert model.solve().value == pytest.approx(5.75, abs=TOL)
    model.set(u_row=2 * game.payoffs["row"], u_column=2 * game.payoffs["column"])
    assert model.solve().value == pytest.approx(11.0, abs=TOL)
    # the row player's payoff, weighted: 6a + 2b + 7c, max 2 * (7) at the pure equilibrium (dare, yield)
    assert correlated_equilibrium(game, [(2.0, "row")]).solve().value == pytest.approx(14.0, abs=TOL)


@pytest.mark.parametrize("prior_good", [0.8, 0.5, 0.9])
def test_bce_probability_both_invest_in_the_good_state(prior_good):
    # The mediator sees the state. An invest recommendation to p1 pays -1 per unit of mu(G, I, I) and +3 per
    # unit of mu(B, I, I) (waiting pays 0), the most any cell with p1 investing pays: obedience needs
    # mu(G, I, I) <= 3 mu(B, I, I) <= 3 (1 - g), and mu(G, I, I) <= g. Both bounds are met with the rest of
    # state G at (wait, wait) (waiting there pays 2 over investing). So max P(G, I, I) = min(g, 3 (1 - g)).
    game = investment(prior_good)
    closed_form = min(prior_good, 3 * (1 - prior_good))
    both_invest_in_g = game.event(state="G", p1="invest", p2="invest")
    sol = bayes_correlated_equilibrium(game, None, both_invest_in_g).solve()
    assert sol.value == pytest.approx(closed_form, abs=TOL)
    pairs = [(1.0, {"state": "G", "p1": "invest", "p2": "invest"})]
    assert bayes_correlated_equilibrium(game, None, pairs).solve().value == pytest.approx(closed_form, abs=TOL)
    # the same model, the prior swept (a Parameter): g = 0.8 -> 3/5, 0.5 -> 1/2, 0.9 -> 3/10
    model = bayes_correlated_equilibrium(investment(0.8), None, both_invest_in_g)
    model.set(prior=[prior_good, 1 - prior_good])
    assert model.solve().value == pytest.approx(closed_form, abs=TOL)


def test_bce_an_informed_investor_never_invests_in_the_bad_news():
    # p1 sees the state: told to invest in G it gains -1 or -2 over waiting, so P(G, I, I) = 0
    game = investment(0.8)
    info = om.InformationStructure(game, {"p1": [[1.0, 0.0], [0.0, 1.0]]})
    sol = bayes_correlated_equilibrium(game, info, game.event(state="G", p1="invest", p2="invest")).solve()
    assert sol.value == pytest.approx(0.0, abs=TOL)


def test_frontier_of_probability_and_welfare_in_chicken():
    # (a, W) = (a, 9 + 3a - 9d) is one-to-one in (a, d); (a, d) is feasible iff some b, c >= max(a/2, 2d) sum
    # to 1 - a - d: 2a + d <= 1, a + 5d <= 1, a, d >= 0, with vertices (0, 0), (1/2, 0), (4/9, 1/9) (the
    # mixed equilibrium), (0, 1/5). Their images, counter-clockwise from (0, 36/5):
    expected = [(Fraction(0), Fraction(36, 5)), (Fraction(4, 9), Fraction(28, 3)),
                (Fraction(1, 2), Fraction(21, 2)), (Fraction(0), Fraction(9))]
    game = chicken()
    model = correlated_equilibrium(game)
    both_yield = game.expectation(model, game.event(row="yield", column="yield"))
    front = om.frontier(model, {"P(both yield)": both_yield, "welfare": game.expectation(model, "welfare")},
                        exact=True)
    assert front.verified and front.exact_vertices == expected
    assert np.allclose(front.vertices.to_numpy(), np.array(expected, dtype=float), atol=TOL)
    # the module function and a (weight, selection) objective give the same expression's values
    pairs = expectation(model, [(1.0, {"row": "yield", "column": "yield"})])
    front2 = om.frontier(model, {"P": pairs, "W": expectation(model)})
    assert np.allclose(front2.vertices.to_numpy(), np.array(expected, dtype=float), atol=TOL)


@pytest.mark.parametrize(("selection", "words"), [
    ({"rwo": "yield"}, ["'rwo'", "row", "column"]),
    ({"row": "yeild"}, ["row", "yeild", "yield", "dare"]),
    ({"row": ["yield", "swerve"]}, ["row", "swerve"]),
    ({"row": []}, ["row", "no label"]),
    ({"state": "G"}, ["state", "no states"]),
])
def test_bad_selections_name_the_field(selection, words):
    game = chicken()
    with pytest.raises(InputError) as err:
        game.event(**selection)
    assert str(err.value).startswith("event:") and all(w in str(err.value) for w in words)
    with pytest.raises(InputError) as err:
        correlated_equilibrium(game, [(1.0, {"row": "yield"}), (2.0, selection)])
    assert str(err.value).startswith("objective[1]:") and all(w in str(err.value) for w in words)


def test_bad_objectives_and_models():
    game = chicken()
    with pytest.raises(InputError, match=r"objective: a mapping is not an objective"):
        correlated_equilibrium(game, {"row": "yield"})
    with pytest.raises(InputError, match=r"objective\[0\] weight: must be a finite number"):
        correlated_equilibrium(game, [("heavy", {"row": "yield"})])
    with pytest.raises(InputError, match=r"objective\[1\]: expected a \(weight, selection\) pair"):
        correlated_equilibrium(game, [(1.0, {"row": "yield"}), 3.0])
    with pytest.raises(InputError, match=r"objective\[0\]: 'nobody' is neither 'welfare' nor a player"):
        correlated_equilibrium(game, [(1.0, "nobody")])
    other = chicken()
    with pytest.raises(InputError, match=r"model: was not built on this game"):
        other.expectation(correlated_equilibrium(game), "welfare")
    with pytest.raises(InputError, match=r"model: expected a model built by correlated_equilibrium"):
        expectation(om.Model("empty"), "welfare")
    # a payoff-shaped array of the wrong shape is refused as before
    with pytest.raises(InputError, match=r"objective: has shape \(3,\)"):
        correlated_equilibrium(game, [1.0, 2.0, 3.0])

"""The players' symmetry is what the LP holds, entry by entry at its own magnitude (`games.symmetry`): a game whose
players differ at 1e-4 next to payoffs of 1e6 (in another state, in another player, or under a large constant) is
no symmetric game; a state of prior 0 never mirrors one with mass; round-off (-1e-13 against 0, one ulp) is no
asymmetry. Each answer is checked against the full LP (symmetric=False), against the LP written here for scipy's
linprog, and by the full model's obedience rows, each relative to its own magnitude."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

import optmarkets as om
from optmarkets.core.errors import InputError

CHICKEN = np.array([[6.0, 2.0], [7.0, 0.0]])


def bce_lp(payoffs: list[np.ndarray], prior: np.ndarray, likelihoods: list[np.ndarray | None],
           objective: np.ndarray) -> float:
    """max sum mu[w, t, a] objective[w, a] over mu >= 0 with sum_a mu[w, t, a] = prior[w] prod_i P(t_i | w) and
    every obedience row, written entry by entry for scipy's linprog on the cells with mass; each row divided by its
    largest entry (payoffs of 1e-4 next to 1e6 are solved to their own accuracy)."""
    n, S = len(payoffs), len(prior)
    actions = payoffs[0].shape[1:]
    tables = [np.ones((S, 1)) if lik is None else np.asarray(lik, float) for lik in likelihoods]
    signals = [t.shape[1] for t in tables]
    shape = (S, *signals, *actions)
    coords = np.indices(shape).reshape(len(shape), -1)
    mass = prior[coords[0]] * np.prod([tables[i][coords[0], coords[1 + i]] for i in range(n)], axis=0)
    coords = coords[:, mass > 0]  # cells without mass hold no entries (their entries are 0 in any solution)
    size = coords.shape[1]
    a_eq, b_eq, a_ub = [], [], []
    for cell in itertools.product(range(S), *[range(k) for k in signals]):
        if prior[cell[0]] * np.prod([tables[i][cell[0], cell[1 + i]] for i in range(n)]) > 0:
            a_eq.append(np.all(coords[:n + 1] == np.array(cell)[:, None], axis=0).astype(float))
            b_eq.append(prior[cell[0]] * np.prod([tables[i][cell[0], cell[1 + i]] for i in range(n)]))
    for i in range(n):
        for t, a, d in itertools.product(range(signals[i]), range(actions[i]), range(actions[i])):
            if a == d:
                continue
            k = np.flatnonzero((coords[1 + i] == t) & (coords[1 + n + i] == a))
            here, there = coords[1 + n:, k], coords[1 + n:, k].copy()
            there[i] = d
            row = np.zeros(size)
            row[k] = payoffs[i][(coords[0, k], *here)] - payoffs[i][(coords[0, k], *there)]
            a_ub.append(-row / (np.abs(row).max(initial=0.0) or 1.0))
    c = objective[(coords[0], *coords[1 + n:])]
    res = linprog(-c, A_ub=np.array(a_ub), b_ub=np.zeros(len(a_ub)), A_eq=np.array(a_eq), b_eq=b_eq,
                  bounds=(0, None), method="highs",
                  options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    assert res.status == 0, res.message
    return float(-res.fun)


def worst_obedience(mu: np.ndarray, payoffs: list[np.ndarray], signals: list[int]) -> float:
    """The most violated obedience row of the FULL model at the rule mu (state, signals, actions), relative to the
    row's own magnitude sum mu |gain| (a row of gains 1e-4 is measured at 1e-4, not at the game's largest)."""
    n = len(payoffs)
    mu = np.asarray(mu, float).reshape(payoffs[0].shape[0], *signals, *payoffs[0].shape[1:])
    worst = 0.0
    for i, u in enumerate(payoffs):
        on_actions = mu.sum(axis=tuple(1 + j for j in range(n) if j != i))  # (S, own signal, actions)
        for t, a, d in itertools.product(range(signals[i]), range(u.shape[1 + i]), range(u.shape[1 + i])):
            gain = np.take(u, a, axis=1 + i) - np.take(u, d, axis=1 + i)
            weight = np.take(on_actions[:, t], a, axis=1 + i)
            magnitude = float((weight * np.abs(gain)).sum())
            if magnitude > 0:
                worst = min(worst, float((weight * gain).sum()) / magnitude)
    return worst


def check_against_references(game: om.FiniteGame, info: om.InformationStructure | None, objective,
                             model: om.Model) -> float:
    """The model's value equals the full LP's and linprog's; its rule obeys every full row (relative 1e-7).
    objective: "welfare" or an array over (state, actions)."""
    players = list(game.players)
    payoffs = [np.asarray(game.payoff(p, with_state=True), float) for p in players]
    likelihoods = [None if info is None else info.likelihoods.get(p) for p in players]
    signals = [1 if lik is None else np.asarray(lik).shape[1] for lik in likelihoods]
    goal = sum(payoffs) if isinstance(objective, str) else np.asarray(objective, float).reshape(payoffs[0].shape)
    sol = model.solve()
    full = om.bayes_correlated_equilibrium(game, info, objective).solve()
    reference = bce_lp(payoffs, np.asarray(game.prior, float), likelihoods, goal)
    scale = float(np.abs(goal).max())
    assert sol.value == pytest.approx(full.value, rel=1e-9, abs=1e-12 * scale)
    assert sol.value == pytest.approx(reference, rel=1e-7, abs=1e-9 * scale)
    assert worst_obedience(np.asarray(sol["mu"], float), payoffs, signals) >= -1e-7
    return float(sol.value)


def two_scale_states(symmetric: bool = False) -> tuple[om.FiniteGame, om.InformationStructure, np.ndarray]:
    """A public state: "big", Chicken times 1e6 (symmetric); "small", a game of 1e-4 where the row player wants
    to match and the column player to mismatch (no symmetry): P(small, both play 0) is 1/8 at best; or, where
    `symmetric`, Chicken times 1e-4."""
    big = 1e6 * CHICKEN
    match, mismatch = 1e-4 * np.eye(2), 1e-4 * (1.0 - np.eye(2))
    if symmetric:
        match, mismatch = 1e-4 * CHICKEN, 1e-4 * CHICKEN.T
    game = om.FiniteGame(["row", "col"], {"row": 2, "col": 2}, {"row": np.stack([big, match]),
                                                              "col": np.stack([big.T, mismatch])},
                         states=["big", "small"], prior=[0.5, 0.5])
    info = om.InformationStructure(game, {"row": np.eye(2), "col": np.eye(2)})
    return game, info, game.event(state="small", row=0, col=0).astype(float)


def test_a_state_of_small_payoffs_is_not_swapped_on_the_scale_of_a_large_one():
    # before: the swap was taken on the payoffs' largest scale, the value 0.5 (truth 0.125), a rule violating the
    # small state's obedience by half its magnitude, certified and verified by exact() on the reduced LP
    game, info, event = two_scale_states()
    model = om.bayes_correlated_equilibrium(game, info, event, symmetric="auto")
    assert check_against_references(game, info, event, model) == pytest.approx(0.125, abs=1e-9)
    assert model.symmetry is None
    with pytest.raises(InputError, match="symmetric: no permutation of the players"):
        om.bayes_correlated_equilibrium(game, info, event, symmetric=True)
    game, info, event = two_scale_states(symmetric=True)  # both states symmetric, each at its own scale
    model = om.bayes_correlated_equilibrium(game, info, event, symmetric=True)
    assert check_against_references(game, info, event, model) == pytest.approx(0.25, abs=1e-9)


def three_players(payoff_scale: float, small: float, constant: float = 0.0) -> om.FiniteGame:
    """p0's payoffs at `payoff_scale`; p1 wants to match p0, p2 to mismatch it, at `small` (plus `constant`)."""
    a0, a1, a2 = np.indices((2, 2, 2))
    payoffs = {"p0": payoff_scale * ((a1 == a2) + 0.5 * (a0 == 1)),
               "p1": constant + small * (a1 == a0), "p2": constant + small * (a2 != a0)}
    return om.FiniteGame(["p0", "p1", "p2"], {p: 2 for p in payoffs}, payoffs)


@pytest.mark.parametrize(("payoff_scale", "small", "constant"), [(1e5, 1e-5, 0.0), (1.0, 1e-4, 1e6)])
def test_players_differing_below_another_players_scale_or_a_constant_are_not_exchangeable(payoff_scale, small,
                                                                                         constant):
    # before: p1 and p2 were swapped (1e-5 against 1e5; 1e-4 under a constant 1e6): P(both play 1) = 1 where it
    # is 0, a rule violating p1's obedience by its whole magnitude
    game = three_players(payoff_scale, small, constant)
    event = game.event(p1=1, p2=1)
    model = om.correlated_equilibrium(game, event, symmetric="auto")
    assert check_against_references(game, None, event, model) == pytest.approx(0.0, abs=1e-9)
    assert model.symmetry is None
    with pytest.raises(InputError, match="symmetric: no permutation of the players"):
        om.correlated_equilibrium(game, event, symmetric=True)


def test_a_large_constant_over_a_symmetric_game_keeps_its_symmetry():
    """Under 1e6, a symmetric game of 1e-4 (gains exact) is found symmetric; a constant added to one player only
    leaves the obedience rows, hence the LP, unchanged: symmetric too."""
    game = om.FiniteGame.bimatrix(1e6 + 1e-4 * CHICKEN, 1e6 + 1e-4 * CHICKEN.T)
    event = game.event(**{game.players[0]: 0, game.players[1]: 0})
    model = om.correlated_equilibrium(game, event, symmetric=True)
    assert check_against_references(game, None, event, model) == pytest.approx(0.5, abs=1e-6)  # gains rounded
    shifted = om.FiniteGame.bimatrix(CHICKEN, CHICKEN.T + 5.0)
    model = om.correlated_equilibrium(shifted, symmetric=True)
    assert model.symmetry is not None
    assert check_against_references(shifted, None, "welfare", model) == pytest.approx(15.5, abs=1e-9)


def mirrored_states(prior: list[float]) -> om.FiniteGame:
    """States n (neutral), r (favours the row player) and c, its mirror (favours the column player)."""
    bonus = np.array([[0.0, 0.0], [1.0, 1.0]])
    return om.FiniteGame(["row", "col"], {"row": 2, "col": 2},
                         {"row": np.stack([CHICKEN, CHICKEN + bonus, CHICKEN]),
                          "col": np.stack([CHICKEN.T, CHICKEN.T, CHICKEN.T + bonus.T])},
                         states=["n", "r", "c"], prior=prior)


def test_a_state_without_mass_never_mirrors_one_with_mass():
    # before: prior 1e-12 and 0 matched within 1e-9 of the largest, then the pruned support raised InputError
    # "the entries with mass are not symmetric" under symmetric="auto"
    game = mirrored_states([1 - 1e-12, 1e-12, 0.0])
    model = om.bayes_correlated_equilibrium(game, None, "welfare", symmetric="auto")
    assert model.symmetry is None
    assert check_against_references(game, None, "welfare", model) == pytest.approx(10.5, abs=1e-9)
    with pytest.raises(InputError, match="symmetric: no permutation of the players"):
        om.bayes_correlated_equilibrium(game, None, "welfare", symmetric=True)
    # a model reduced on the mirror refuses a prior that puts 1e-12 on one state and 0 on its mirror (was taken)
    model = om.bayes_correlated_equilibrium(mirrored_states([0.5, 0.25, 0.25]), None, "welfare", symmetric=True)
    model.set(prior=[0.4, 0.3, 0.3 * (1 + 1e-12)])
    with pytest.raises(InputError, match="prior: is not symmetric"):
        model.set(prior=[1 - 1e-12, 1e-12, 0.0])


def one_ulp_apart() -> tuple[np.ndarray, np.ndarray]:
    """Two payoffs one ulp apart, on either side of a boundary of the 9-digit grid the keys were rounded to."""
    v = 0.5000000014999999
    w = np.nextafter(v, 1.0)
    assert np.round(v, 9) != np.round(w, 9)
    return np.array([[1.0, v], [0.3, 0.0]]), np.array([[1.0, 0.3], [w, 0.0]])


@pytest.mark.parametrize("case", ["negative zero", "one ulp"])
def test_round_off_is_no_asymmetry(case):
    # before: -1e-13 rounded to -0.0, whose bytes are not 0.0's, and one ulp across the grid: InputError
    if case == "negative zero":
        row, col = CHICKEN, CHICKEN.T.copy()
        col[1, 1] = -1e-13
    else:
        row, col = one_ulp_apart()
    game = om.FiniteGame.bimatrix(row, col)
    model = om.correlated_equilibrium(game, symmetric=True)
    assert model.symmetry.classes == (tuple(game.players),)
    check_against_references(game, None, "welfare", model)

"""FiniteGame.bimatrix and FiniteGame.symmetric (issue 28 item 12): the same games as the explicit
constructor, in the row player's orientation, with the textbook CE values (Aumann's Chicken)."""

from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

from optmarkets.core.errors import InputError
from optmarkets.games import FiniteGame, correlated_equilibrium

CD = ["C", "D"]
# Prisoner's Dilemma (R, S, T, P) = (3, 0, 5, 1); Aumann's Chicken (6,6), (2,7), (7,2), (0,0)
PD_ROW, PD_COL = [[3, 0], [5, 1]], [[3, 5], [0, 1]]          # B[i, j]: the column player's payoff at (i, j)
CHICKEN_ROW, CHICKEN_COL = [[6, 2], [7, 0]], [[6, 7], [2, 0]]


def explicit(u_row, u_col) -> FiniteGame:
    """The game written with the general constructor: each payoff over (row's action, column's action)."""
    return FiniteGame(["row", "column"], {"row": CD, "column": CD}, {"row": u_row, "column": u_col})


def assert_same_game(g: FiniteGame, h: FiniteGame) -> None:
    assert g.players == h.players
    for p in g.players:
        assert list(g.actions[p]) == list(h.actions[p]) and g.actions[p].name == h.actions[p].name
        np.testing.assert_array_equal(g.payoffs[p], h.payoffs[p])


def is_ce(game: FiniteGame, mu: np.ndarray) -> bool:
    """Obedience checked by hand: no player gains by deviating from any recommendation."""
    u_row, u_col = game.payoffs["row"], game.payoffs["column"]
    for a in range(2):
        for b in range(2):
            if mu[a] @ (u_row[a] - u_row[b]) < 0 or mu[:, a] @ (u_col[:, a] - u_col[:, b]) < 0:
                return False
    return True


@pytest.mark.parametrize(("u_row", "u_col"), [(PD_ROW, PD_COL), (CHICKEN_ROW, CHICKEN_COL)],
                         ids=["prisoners_dilemma", "chicken"])
def test_bimatrix_and_symmetric_build_the_explicit_game(u_row, u_col):
    want = explicit(u_row, u_col)
    assert_same_game(FiniteGame.bimatrix(u_row, u_col, actions=(CD, CD)), want)
    assert_same_game(FiniteGame.bimatrix(u_row, u_col, actions={"row": CD, "column": CD}), want)
    assert_same_game(FiniteGame.symmetric(u_row, actions=CD), want)
    frame = pd.DataFrame(u_row, index=CD, columns=CD).loc[["D", "C"], ["D", "C"]]  # aligned by label
    assert_same_game(FiniteGame.symmetric(frame.loc[["C", "D"]]), want)
    assert_same_game(FiniteGame.bimatrix(frame, pd.DataFrame(u_col, index=CD, columns=CD), actions=(CD, CD)), want)


def test_prisoners_dilemma_has_only_mutual_defection():
    game = FiniteGame.bimatrix(PD_ROW, PD_COL, actions=(CD, CD))
    best = correlated_equilibrium(game).solve()
    worst = correlated_equilibrium(game, sense="min").solve()
    assert best.value == pytest.approx(2.0, abs=1e-9) and worst.value == pytest.approx(2.0, abs=1e-9)
    assert best["mu"].sel(row="D", column="D") == pytest.approx(1.0, abs=1e-9)


def test_chicken_correlated_equilibria_from_the_literature():
    game = FiniteGame.symmetric(CHICKEN_ROW, actions=CD)
    # Aumann (1974): 1/3 on each of (C, C), (C, D), (D, C) is a CE with total welfare 10 ...
    third = np.array([[1, 1], [1, 0]]) / 3
    assert is_ce(game, third) and float((third * game.welfare()).sum()) == pytest.approx(10.0)
    assert not is_ce(game, np.array([[1.0, 0.0], [0.0, 0.0]]))  # (C, C) alone is not
    # ... and the welfare-maximising CE is worth 21/2: 1/2 on (C, C), 1/4 on each asymmetric outcome
    sol = correlated_equilibrium(game).solve()
    assert sol.exact().value == Fraction(21, 2)
    best = sol["mu"].to_numpy()
    np.testing.assert_allclose(best, [[0.5, 0.25], [0.25, 0.0]], atol=1e-9)
    assert is_ce(game, best + 0.0)
    assert correlated_equilibrium(game, sense="min").solve().exact().value == Fraction(36, 5)
    # the row player's best CE is her favourite pure Nash equilibrium (D, C)
    assert correlated_equilibrium(game, "row").solve().value == pytest.approx(7.0, abs=1e-9)


def test_bimatrix_keeps_the_column_payoff_untransposed():
    # Battle of the Sexes: B[i, j] is the column player's payoff when row plays i, column plays j
    A, B = np.array([[2, 0], [0, 1]]), np.array([[1, 0], [0, 2]])
    g = FiniteGame.bimatrix(A, B, actions=(["opera", "fight"], ["opera", "fight"]), players=("her", "him"))
    assert g.players == ("her", "him")
    assert g.to_xarray("him").sel(her="fight", him="fight") == 2
    assert g.to_xarray("him").sel(her="opera", him="opera") == 1
    assert correlated_equilibrium(g).solve().value == pytest.approx(3.0, abs=1e-9)
    U = np.array([[1.0, 0.0], [0.0, 1.0]])
    games = FiniteGame.bimatrix(U, U), FiniteGame.symmetric(U)
    U[0, 0] = 99.0  # the games keep their own copies
    assert all(game.payoffs[p][0, 0] == 1.0 for game in games for p in game.players)
    h = FiniteGame.bimatrix(np.ones((2, 3)), np.zeros((2, 3)))  # default labels 0..m-1, 0..n-1
    assert list(h.actions["row"]) == [0, 1] and list(h.actions["column"]) == [0, 1, 2]


def test_symmetric_n_players_moves_own_action_to_each_players_axis():
    # volunteer's dilemma, 3 players: 1 if anyone volunteers, minus 0.4 for volunteering oneself
    a = np.arange(2)
    own, o1, o2 = np.meshgrid(a, a, a, indexing="ij")
    A = (np.maximum.reduce([own, o1, o2]) - 0.4 * own).astype(float)
    g = FiniteGame.symmetric(A, n_players=3, actions=["stay", "go"])
    assert g.players == ("p1", "p2", "p3")
    for x, y, z in np.ndindex(2, 2, 2):
        assert g.payoffs["p1"][x, y, z] == A[x, y, z]
        assert g.payoffs["p2"][x, y, z] == A[y, x, z]
        assert g.payoffs["p3"][x, y, z] == A[z, x, y]
    # best CE: exactly one volunteer, each with probability 1/3 (welfare 3 - 0.4)
    assert correlated_equilibrium(g).solve().value == pytest.approx(2.6, abs=1e-9)


@pytest.mark.parametrize(("build", "match"), [
    (lambda: FiniteGame.bimatrix(PD_ROW, np.ones((2, 3))), r"^B: has shape \(2, 3\), expected \(2, 2\)"),
    (lambda: FiniteGame.bimatrix([1, 2], [1, 2]), r"^A: has shape \(2,\), expected a matrix"),
    (lambda: FiniteGame.bimatrix(PD_ROW, PD_COL, actions=(["a"], CD)), r"^A: has shape \(2, 2\), expected \(1, 2\)"),
    (lambda: FiniteGame.bimatrix(PD_ROW, PD_COL, actions="CD"), r"^actions: expected"),
    (lambda: FiniteGame.bimatrix(PD_ROW, PD_COL, players=("a", "b", "c")), r"^players: a bimatrix game has two"),
    (lambda: FiniteGame.bimatrix(PD_ROW, [[1, "x"], [0, 1]]), r"^B: expected"),
    (lambda: FiniteGame.symmetric(np.ones((2, 3))), r"^A: has shape \(2, 3\), expected 2 axes of one length"),
    (lambda: FiniteGame.symmetric(np.ones((2, 2)), n_players=3), r"^A: has shape \(2, 2\), expected 3 axes"),
    (lambda: FiniteGame.symmetric(np.arange(8.0).reshape(2, 2, 2), n_players=3), r"^A: is not symmetric"),
    (lambda: FiniteGame.symmetric(PD_ROW, n_players=1), r"^n_players: a symmetric game needs at least two"),
    (lambda: FiniteGame.symmetric(PD_ROW, actions=["a", "b", "c"]), r"^actions: 3 labels for the 2 actions"),
    (lambda: FiniteGame.symmetric([[1, np.nan], [0, 1]]), r"^A: contains NaN"),
])
def test_bad_shapes_are_input_errors_naming_the_field(build, match):
    with pytest.raises(InputError, match=match):
        build()

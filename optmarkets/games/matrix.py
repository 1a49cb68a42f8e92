"""Two-player bimatrix games and symmetric games from payoff matrices in the row player's orientation.

`FiniteGame` takes each player's payoff as an outcome array with one axis per player in player
order, so the column player's payoff has rows = the ROW player's action. Writing it with rows = the
column player's own action (a transpose) is the commonest slip in a 2 x 2 game; these constructors
fix one orientation for every matrix:

    bimatrix(A, B):  A[i, j] the row player's payoff, B[i, j] the column player's payoff, both when
                     the row player plays i and the column player plays j (the textbook (A, B)).
    symmetric(A):    A[own, other] is the payoff of a player who plays `own` against `other`; for n
                     players A has n axes: own action, then the others' actions in player order.

Both return an ordinary FiniteGame (no states).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..builders.game_labels import as_index, outcome_array
from ..core.errors import InputError
from ..core.limits import game_size
from ..core.tolerances import ROUNDOFF
from ..core.validate import real_array

if TYPE_CHECKING:
    from .game import FiniteGame


def bimatrix(A, B, actions=None, players: Sequence[str] = ("row", "column"), *, name: str = "game") -> FiniteGame:
    """The two-player game (A, B): A[i, j] and B[i, j] are the row and the column player's payoffs
    when the row player plays action i and the column player plays action j (rows: the row player's
    actions in both matrices).

    A, B: m x n arrays (nested lists), or DataFrames with the row player's actions as index and the
    column player's as columns (aligned by label; axis names are ignored, the orientation is fixed).
    actions: None (a DataFrame's labels, else 0..m-1 and 0..n-1), a pair (row's labels, column's
    labels) or {player: labels}. players: the two names, row player first.
    """
    from .game import FiniteGame, _players

    names = _players(players)
    if len(names) != 2:
        raise InputError(f"players: a bimatrix game has two players (row, column), got {list(names)}")
    row_labels, col_labels = _pair_of_labels(actions, names, A)
    axes = {names[0]: row_labels, names[1]: col_labels}
    payoffs = {p: _matrix(field, data, axes) for p, field, data in ((names[0], "A", A), (names[1], "B", B))}
    return FiniteGame(list(names), axes, payoffs, name=name)


def symmetric(A, n_players: int = 2, actions=None, players: Sequence[str] | None = None, *,
              name: str = "game") -> FiniteGame:
    """The symmetric game in which every player's payoff is A[own action, the others' actions...].

    Two players: A is k x k, A[i, j] the payoff of a player who plays i while the other plays j; the
    row player's payoff is A, the column player's A.T (as arrays over (row's, column's) action).
    n players: A has n axes of length k, own action first, then the others' actions in player order;
    A must be unchanged by permuting the others' axes (else the game is not symmetric: InputError).
    actions: the k labels every player shares (None: a DataFrame's labels, else 0..k-1). players:
    the names (default "row", "column" for two players, "p1", ..., "pn" for more).
    """
    from .game import FiniteGame, _players

    if isinstance(n_players, bool) or not isinstance(n_players, int | np.integer) or n_players < 1:
        raise InputError(f"n_players: must be a positive integer, got {n_players!r}")
    n = int(n_players)
    if n == 1:
        raise InputError("n_players: a symmetric game needs at least two players (a one-player game is "
                         "FiniteGame([name], actions, {name: payoff}))")
    default = ("row", "column") if n == 2 else tuple(f"p{i + 1}" for i in range(n))
    names = _players(default if players is None else players)
    if len(names) != n:
        raise InputError(f"players: {len(names)} names for n_players={n}")
    if isinstance(A, pd.DataFrame):
        if n != 2:
            raise InputError(f"A: a DataFrame is a 2-player matrix; for n_players={n} give an array with {n} axes")
        labels = as_index("actions", A.index if actions is None else actions)
        U = _matrix("A", A, {"own": labels, "other": labels})
    else:
        U = real_array("A", A, what=f"an array with {n} axes (own action, then the others')")
        k = U.shape[0] if U.ndim else 0
        if U.ndim != n or any(d != k for d in U.shape):
            raise InputError(f"A: has shape {U.shape}, expected {n} axes of one length "
                             f"(own action, then the {n - 1} others' actions in player order)")
        labels = as_index("actions", k if actions is None else actions)
        if len(labels) != k:
            raise InputError(f"actions: {len(labels)} labels for the {k} actions A has on each axis")
        game_size([k] * n, 1).check()  # before the n moved copies are validated
        if not np.isfinite(U).all():
            raise InputError("A: contains NaN or infinite entries")
        _check_symmetric_in_others(U)
    # player i's outcome axes are (a_1, ..., a_n): own action at position i, the others in order
    payoffs = {p: np.moveaxis(U, 0, i).copy() for i, p in enumerate(names)}  # copies: the game does not share A
    return FiniteGame(list(names), {p: labels for p in names}, payoffs, name=name)


def _pair_of_labels(actions, names: tuple[str, ...], A) -> tuple[pd.Index, pd.Index]:
    """The row and column player's action labels from `actions` (None, a pair, {player: labels})."""
    if actions is None:
        if isinstance(A, pd.DataFrame):
            return as_index("actions", A.index), as_index("actions", A.columns)
        shape = real_array("A", A, what="an m x n matrix").shape
        if len(shape) != 2:
            raise InputError(f"A: has shape {shape}, expected a matrix (rows: the row player's actions, "
                             "columns: the column player's)")
        return as_index("actions", shape[0]), as_index("actions", shape[1])
    if isinstance(actions, Mapping):
        unknown = [p for p in actions if p not in names]
        missing = [p for p in names if p not in actions]
        if unknown or missing:
            raise InputError(f"actions: players {unknown} are not in the game; players {missing} have no actions")
        pair = [actions[p] for p in names]
    elif isinstance(actions, Sequence) and not isinstance(actions, str) and len(actions) == 2:
        pair = list(actions)
    else:
        raise InputError(f"actions: expected (row's labels, column's labels) or {{player: labels}}, got {actions!r}")
    return (as_index(f"actions['{names[0]}']", pair[0], axis_name=names[0]),
            as_index(f"actions['{names[1]}']", pair[1], axis_name=names[1]))


def _matrix(field: str, data, axes: dict[str, pd.Index]) -> np.ndarray:
    """A rows x columns payoff matrix over `axes` (two entries): a DataFrame aligned by label (rows
    the first axis whatever its axis names), else an array of exactly that shape."""
    shape = tuple(len(ix) for ix in axes.values())
    if isinstance(data, pd.DataFrame):
        return outcome_array(field, data.rename_axis(index=None, columns=None), axes)
    arr = real_array(field, data, what="a matrix of numbers")
    if arr.shape != shape:
        first, second = axes
        raise InputError(f"{field}: has shape {arr.shape}, expected {shape} (rows: {first}'s actions, "
                         f"columns: {second}'s actions)")
    return outcome_array(field, arr, axes).copy()  # the game does not share the caller's array


def _check_symmetric_in_others(U: np.ndarray) -> None:
    """A[own, others...] must not depend on which other player plays which action."""
    if U.ndim <= 2:
        return
    scale = ROUNDOFF * max(1.0, float(np.abs(U).max()))
    for axis in range(1, U.ndim - 1):  # adjacent swaps generate every permutation of the others
        gap = float(np.abs(U - np.swapaxes(U, axis, axis + 1)).max())
        if gap > scale:
            raise InputError(f"A: is not symmetric in the others' actions: swapping axes {axis} and {axis + 1} "
                             f"changes a payoff by {gap:g}; a symmetric game's payoff depends on the others' "
                             "actions, not on who plays them")

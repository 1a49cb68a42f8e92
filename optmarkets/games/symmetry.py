"""The players' symmetry of a game: which permutations of the players leave the equilibrium LP unchanged.

A permutation pi of the players (player pi(l) takes the role of player l) is a symmetry (`player_maps`) when
every player has as many actions (and, if informed, signals) as the one whose role it takes, and some
permutation s of the states carries every state's data onto the permuted data of another:

    u_l[s(w), b] = u_{pi(l)}[w, pi.b],  P_l(. | s(w)) = P_{pi(l)}(. | w),  prior[s(w)] = prior[w],
    objective[s(w), b] = objective[w, pi.b]      for every player l, state w, action profile b,

with (pi.b)_{pi(k)} = b_k (actions and signals matched by position). A private-values auction is symmetric
with s swapping the bidders' values in the state. The state permutation is found by matching each state's
permuted data to a state's own (rounded to SYMMETRY_TOL of the data's scale, then checked). Every
transposition is tried; then (`builders.symmetry.permutation_generators`), for each two classes found so far a
permutation taking one into the other, searched among the permutations that keep invariants of the data
(`_signature`: how each player's payoff depends on each player's action, ...): a ring of players whose payoffs
depend on their neighbour, symmetric under rotation only, is found without trying n! orders (two rings of 7
and 9 players: 1,200 orbits of 65,536 profiles). The group is the one these generate; its orbits on the
decision rule's entries, the consistency cells and the obedience rows (`GameSymmetry`) give the reduced LP
(`builders.symmetry`): an entry (w, t, b) goes to (s(w), t', b') with b'_k = b_{pi(k)}.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..builders.games import MeasureAxes
from ..builders.symmetry import Orbits, mean_change, orbit_classes, permutation_generators
from ..core.errors import InputError
from ..core.tolerances import SYMMETRY_SIGNATURE_ROUNDOFF, SYMMETRY_TOL
from .game import FiniteGame, InformationStructure


@dataclass(frozen=True)
class PlayerMap:
    """A symmetry: player `players[l]` takes the role of player l, with `states[w]` the state that state w's
    data goes to."""

    players: np.ndarray
    states: np.ndarray

    def describe(self) -> str:
        moved = [f"{l}->{int(p)}" for l, p in enumerate(self.players) if p != l]
        return "the permutation of players " + ", ".join(moved)


@dataclass(frozen=True)
class GameSymmetry:
    """The orbits of the BCE LP under the players' symmetry: entries of the (kept) decision rule, consistency
    cells, obedience rows; `maps` its generators, `classes` the players' orbits."""

    maps: tuple[PlayerMap, ...]
    classes: tuple[tuple[str, ...], ...]
    entries: Orbits
    cells: Orbits
    rows: Orbits

    def describe(self) -> str:
        groups = "; ".join(", ".join(c) for c in self.classes if len(c) > 1)
        swaps_only = all(int((m.players != np.arange(m.players.size)).sum()) == 2 for m in self.maps)
        kind = "players exchangeable" if swaps_only else "players permuted into each other"
        return (f"{kind}: {groups}; the LP on orbits: {self.entries.count} of {self.entries.n} "
                f"variables, {self.rows.count} of {self.rows.n} obedience rows")

    def invariant(self, name: str, prior: np.ndarray) -> None:
        """InputError naming `name` unless the prior is unchanged by every map's state permutation."""
        scale = SYMMETRY_TOL * (float(np.abs(prior).max(initial=0.0)) or 1.0)
        for s in self.maps:
            if np.abs(prior[s.states] - prior).max(initial=0.0) > scale:
                raise InputError(f"{name}: is not symmetric under {s.describe()} that the model was built on "
                                 "(symmetric=True); rebuild it with symmetric=False")


def _state_data(game: FiniteGame, tables: list[np.ndarray], objective: np.ndarray, order: list[int],
                permuted: bool) -> np.ndarray:
    """Per state, its prior, payoffs, objective and likelihoods as one row: players in `order` (slot l holds
    player order[l]), each payoff and the objective with its action axes permuted by `order` when `permuted`
    (entry b reads profile pi.b); each kind relative to its own scale (payoffs of 1e-12 next to a prior of 1/2
    are told apart)."""
    n_states = len(game.prior)
    outcome = (n_states, *[len(game.actions[p]) for p in game.players])
    axes = (0, *[1 + k for k in order])

    def row(u: np.ndarray) -> np.ndarray:
        return (np.transpose(u, axes) if permuted else u).reshape(n_states, -1)

    kinds = [np.asarray(game.prior, float).reshape(n_states, 1),
             np.hstack([row(game.payoff(game.players[k], with_state=True)) for k in order]),
             row(objective.reshape(outcome)), np.hstack([tables[k] for k in order])]
    return np.hstack([d / (float(np.abs(d).max(initial=0.0)) or 1.0) for d in kinds])


def _map(game: FiniteGame, info: InformationStructure, objective: np.ndarray, pi: list[int],
         own: np.ndarray) -> PlayerMap | None:
    """The permutation `pi` of the players as a symmetry if it leaves the game unchanged (module docstring);
    `own`: the states' data unpermuted."""
    for l, k in enumerate(pi):
        p, q = game.players[l], game.players[k]
        if len(game.actions[p]) != len(game.actions[q]):
            return None
        si, sj = info.signals.get(p), info.signals.get(q)
        if (si is None) != (sj is None) or (si is not None and sj is not None and len(si) != len(sj)):
            return None
    n_states = len(game.prior)
    moved = _state_data(game, _tables(game, info), objective, list(pi), True)
    digits = int(-np.log10(SYMMETRY_TOL))  # the data are relative to their scales: entries at most 1
    keys: dict[bytes, list[int]] = {}
    for w in range(n_states):
        keys.setdefault(np.round(own[w], digits).tobytes(), []).append(w)
    states = np.empty(n_states, dtype=np.int64)
    for w in range(n_states):
        match = keys.get(np.round(moved[w], digits).tobytes())
        if not match:
            return None
        states[w] = match.pop()
    if np.abs(own[states] - moved).max(initial=0.0) > SYMMETRY_TOL:
        return None
    return PlayerMap(np.asarray(pi, dtype=np.int64), states)


def _tables(game: FiniteGame, info: InformationStructure) -> list[np.ndarray]:
    return [info.likelihoods.get(r, np.ones((len(game.prior), 1))) for r in game.players]


def player_maps(game: FiniteGame, info: InformationStructure, objective: np.ndarray) -> list[PlayerMap]:
    """Generators of the players' symmetry (`builders.symmetry.permutation_generators`): the permutations that
    leave game, information and objective unchanged."""
    own = _state_data(game, _tables(game, info), objective, list(range(game.n_players)), False)
    signature, tol = _signature(game, info, objective)
    return permutation_generators(game.n_players, lambda pi: _map(game, info, objective, list(pi), own),
                                  signature, tol, own.size)


def _signature(game: FiniteGame, info: InformationStructure, objective: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Invariants that prune the search for symmetries (`permutation_generators`), with their tolerances: S[:, i, j]
    how player i's data depend on player j's, unchanged by a symmetry pi (S[:, pi(i), pi(j)] = S[:, i, j]):
    counts of actions and signals, the mean of payoffs and likelihoods squared (each kind relative to its scale,
    as `_map` compares them), and the mean change of player i's payoff, and of the objective, when player j's
    action moves one place (cyclically: actions are matched by position). `_map` admits entries within
    SYMMETRY_TOL, so means move by at most twice that."""
    n, n_states = game.n_players, len(game.prior)
    outcome = (n_states, *[len(game.actions[p]) for p in game.players])
    payoffs = [np.asarray(game.payoff(p, with_state=True), float).reshape(outcome) for p in game.players]
    tables = _tables(game, info)
    goal = np.asarray(objective, float).reshape(outcome)
    u_scale = max(float(np.abs(u).max(initial=0.0)) for u in payoffs) or 1.0
    t_scale = max(float(np.abs(t).max(initial=0.0)) for t in tables) or 1.0
    g_scale = float(np.abs(goal).max(initial=0.0)) or 1.0
    S = np.zeros((6, n, n))
    for i, p in enumerate(game.players):
        S[0, i, i] = outcome[1 + i]
        S[1, i, i] = len(info.signals[p]) if info.signals.get(p) is not None else -1
        S[2, i, i] = payoffs[i].mean() / u_scale
        S[3, i, i] = np.square(tables[i] / t_scale).mean()
        S[4, i, i] = mean_change(goal, 1 + i, g_scale)
        for j in range(n):
            S[5, i, j] = mean_change(payoffs[i], 1 + j, u_scale)
    moved = 4.0 * SYMMETRY_TOL + SYMMETRY_SIGNATURE_ROUNDOFF  # and the means' round-off
    return S, np.array([0.5, 0.5, moved, moved, moved, moved])


def game_symmetry(game: FiniteGame, info: InformationStructure, axes: MeasureAxes, objective: np.ndarray,
                  maps: list[PlayerMap]) -> GameSymmetry:
    """The orbits of the LP on `axes` (its kept cells) under the group the `maps` generate."""
    n = game.n_players
    c = axes.coords
    entries, cells = axes.entries(), axes.cells
    cell_shape = (axes.n_states, *axes.signal_sizes)
    cell_coords = np.vstack(np.unravel_index(cells, cell_shape))
    sizes = [(len(s) if s is not None else 1) * m * (m - 1) for s, m in zip(axes.signals, axes.action_sizes,
                                                                           strict=True)]
    starts = np.concatenate([[0], np.cumsum(sizes)])
    on_entries, on_cells, on_rows = [], [], []
    for s in maps:
        pi = s.players
        moved = c.copy()
        moved[0] = s.states[c[0]]
        for d in (1, 1 + n):  # b'_k = b_{pi(k)}, signals alike
            moved[d + np.arange(n)] = c[d + pi]
        on_entries.append(_positions(entries, np.ravel_multi_index(tuple(moved), axes.shape), "entries"))
        moved_cells = cell_coords.copy()
        moved_cells[0] = s.states[cell_coords[0]]
        moved_cells[1 + np.arange(n)] = cell_coords[1 + pi]
        on_cells.append(_positions(cells, np.ravel_multi_index(tuple(moved_cells), cell_shape), "cells"))
        rows = np.arange(starts[-1])
        for l in range(n):  # player pi(l)'s rows play player l's
            rows[starts[l]:starts[l + 1]] = np.arange(starts[pi[l]], starts[pi[l] + 1])
        on_rows.append(rows)
    classes = orbit_classes(game.players, [s.players for s in maps])
    return GameSymmetry(tuple(maps), classes,
                        Orbits.of_maps(axes.size, on_entries, "mu"), Orbits.of_maps(axes.n_cells, on_cells, "cells"),
                        Orbits.of_maps(int(starts[-1]), on_rows, "obedience"))


def _positions(kept: np.ndarray, full: np.ndarray, what: str) -> np.ndarray:
    """Positions in the increasing array `kept` of the values `full`; all must be kept (the support is symmetric)."""
    pos = np.searchsorted(kept, full)
    if (pos >= kept.size).any() or (kept[np.minimum(pos, kept.size - 1)] != full).any():
        raise InputError(f"symmetric: the {what} with mass are not symmetric under the players' swap")
    return pos

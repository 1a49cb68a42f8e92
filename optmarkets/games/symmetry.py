"""The players' symmetry of a game: which permutations of the players leave the equilibrium LP unchanged.

A permutation pi of the players (player pi(l) takes the role of player l) is a symmetry (`player_maps`) when every
player has as many actions (and, if informed, signals) as the one whose role it takes, and some permutation s of
the states carries every state's data in the LP onto the permuted data of another:

    D_l[s(w), b, b'] = D_{pi(l)}[w, pi.b, b'],  P_l(. | s(w)) = P_{pi(l)}(. | w),  prior[s(w)] = prior[w],
    objective[s(w), b] = objective[w, pi.b]      for every player l, state w, action profile b,

with (pi.b)_{pi(k)} = b_k (actions and signals matched by position) and D_l[w, b, b'] the obedience coefficients
u_l(b'_l, b_-l; w) - u_l(b; w) (a payoff shifted by a constant per state and others' actions is the same LP). A
private-values auction is symmetric with s swapping the bidders' values in the state. Each entry is compared at its
own magnitude (`builders.symmetry.agree`: within SYMMETRY_TOL of it, an obedience coefficient within twice that
(`_gains_agree`), plus the round-off of the payoffs it is computed from; a prior or likelihood of 0 only with 0), so
a player whose payoffs are 1e-4 next to another's of 1e6, or under a constant 1e6, is told apart; the state
permutation is found by pairing each state's permuted data with a state's own (`builders.symmetry.pair_rows`). Every
transposition is tried; then (`builders.symmetry.permutation_generators`), for each two classes found so far a
permutation taking one into the other, searched among the permutations that keep invariants of the data
(`_signature`: how each player's payoffs, less their mean over its own action, depend on each player's action, ...):
a ring of players whose payoffs depend on their neighbour, symmetric under rotation only, is found without trying n!
orders (two rings of 7 and 9 players: 1,200 orbits of 65,536 profiles). The group is the one these generate; its
orbits on the decision rule's entries, the consistency cells and the obedience rows (`GameSymmetry`) give the
reduced LP (`builders.symmetry`): an entry (w, t, b) goes to (s(w), t', b') with b'_k = b_{pi(k)}.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..builders.games import MeasureAxes
from ..builders.symmetry import (
    EPS,
    Orbits,
    agree,
    mean_change,
    orbit_classes,
    pair_rows,
    permutation_generators,
    projection,
    rows_agree,
)
from ..core.errors import InputError
from ..core.tolerances import SYMMETRY_ROUNDOFF, SYMMETRY_SIGNATURE_ROUNDOFF, SYMMETRY_TOL
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
        """InputError naming `name` unless the prior is unchanged by every map's state permutation (each state's
        mass within SYMMETRY_TOL of its own: a state without mass is never paired with one with)."""
        for s in self.maps:
            if not agree(prior[s.states], prior, 0.0).all():
                raise InputError(f"{name}: is not symmetric under {s.describe()} that the model was built on "
                                 "(symmetric=True); rebuild it with symmetric=False")


@dataclass(frozen=True)
class _StateData:
    """What the LP holds of each state (row), players in some slot order: `exact` its prior, objective and
    likelihoods, compared entry by entry above `floor` (prior and likelihoods 0: a state or signal without mass
    never matches one with; the objective's at its cell's payoffs, welfare being their sum); `payoffs[l]` slot l's
    payoffs (states, actions...), compared by their obedience coefficients (`_gains_agree`); `keys` the states'
    data where a constant per state and others' actions is taken out of the payoffs (each slot's payoffs less
    their mean over its own action), to pair states (`pair_rows`), with `bound` + `bound_floor` how far a
    matching state's keys may lie from these (entry by entry; `bound_floor` the round-off part, from the entry's
    own data, so the larger of two states' applies)."""

    exact: np.ndarray
    floor: np.ndarray
    payoffs: list[np.ndarray]
    keys: np.ndarray
    bound: np.ndarray
    bound_floor: np.ndarray


def _state_data(game: FiniteGame, tables: list[np.ndarray], objective: np.ndarray, order: list[int],
                permuted: bool) -> _StateData:
    """`_StateData` with slot l holding player order[l], the action axes permuted by `order` when `permuted`
    (entry b reads profile pi.b)."""
    n_states = len(game.prior)
    outcome = (n_states, *[len(game.actions[p]) for p in game.players])
    axes = (0, *[1 + k for k in order])

    def moved(u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, float).reshape(outcome)
        return np.transpose(u, axes) if permuted else u

    payoffs = [moved(game.payoff(game.players[k], with_state=True)) for k in order]
    goal = moved(objective)
    goal_floor = SYMMETRY_ROUNDOFF * (np.abs(goal) + sum(np.abs(u) for u in payoffs))
    likelihoods = np.hstack([tables[k] for k in order])
    prior = np.asarray(game.prior, float).reshape(n_states, 1)
    exact = [prior, goal.reshape(n_states, -1), likelihoods]
    floor = [np.zeros_like(prior), goal_floor.reshape(n_states, -1), np.zeros_like(likelihoods)]
    keys, bound, bound_floor = [*exact], [SYMMETRY_TOL * np.abs(d) for d in exact], [*floor]
    for l, u in enumerate(payoffs):  # slot l's player moves its own axis, 1 + l
        centred = u - u.mean(axis=1 + l, keepdims=True)
        size = np.abs(centred)
        # |centred - its image| <= the mean of |gain - its image| (`_gains_agree`: 2 SYMMETRY_TOL of the gains,
        # each at most |centred(a)| + |centred(a')|, plus the chain's floors) and the means' round-off
        line = np.abs(u).max(axis=1 + l, keepdims=True)
        keys.append(centred.reshape(n_states, -1))
        bound.append((3.0 * SYMMETRY_TOL * (size + size.mean(axis=1 + l, keepdims=True))).reshape(n_states, -1))
        bound_floor.append(np.broadcast_to((u.shape[1 + l] + 2) * 2.0 * SYMMETRY_ROUNDOFF * line, u.shape)
                           .reshape(n_states, -1))
    return _StateData(np.hstack(exact), np.hstack(floor), payoffs, np.hstack(keys), np.hstack(bound),
                      np.hstack(bound_floor))


def _gains_agree(x: np.ndarray, y: np.ndarray, axis: int) -> np.ndarray:
    """Per row (state) of payoffs x and y of one player, whether its obedience coefficients u(b'_l, b_-l) - u(b)
    agree (`builders.symmetry.agree`, above the round-off of the two payoffs): checked between actions consecutive
    in x's order of payoffs (per state and others' actions), where a gain is a sum of gaps of one sign, so every
    coefficient agrees within twice SYMMETRY_TOL of its magnitude plus the gaps' floors. A constant added per
    state and others' actions changes nothing; payoffs of 1e-4 under a constant 1e6 are compared at 1e-4."""
    same = (x == y).reshape(x.shape[0], int(np.prod(x.shape[1:]))).all(axis=1)
    if same.all():
        return same
    rows = np.flatnonzero(~same)
    x, y = x[rows], y[rows]
    order = np.argsort(x, axis=axis, kind="stable")
    xs, ys = np.take_along_axis(x, order, axis=axis), np.take_along_axis(y, order, axis=axis)
    dx, dy = np.diff(xs, axis=axis), np.diff(ys, axis=axis)
    ax, ay = np.abs(xs), np.abs(ys)
    n = x.shape[axis]
    low, high = np.arange(n - 1), np.arange(1, n)
    floor = SYMMETRY_ROUNDOFF * np.maximum(np.take(ax, low, axis) + np.take(ax, high, axis),
                                           np.take(ay, low, axis) + np.take(ay, high, axis))
    same[rows] = agree(dx, dy, floor).reshape(rows.size, -1).all(axis=1)
    return same


def _map(game: FiniteGame, info: InformationStructure, objective: np.ndarray, pi: list[int],
         own: _StateData) -> PlayerMap | None:
    """The permutation `pi` of the players as a symmetry if it leaves the LP unchanged (module docstring): each
    state's data are another state's (`_StateData`), states paired by `builders.symmetry.pair_rows`."""
    for l, k in enumerate(pi):
        p, q = game.players[l], game.players[k]
        if len(game.actions[p]) != len(game.actions[q]):
            return None
        si, sj = info.signals.get(p), info.signals.get(q)
        if (si is None) != (sj is None) or (si is not None and sj is not None and len(si) != len(sj)):
            return None
    moved = _state_data(game, _tables(game, info), objective, list(pi), True)
    project = projection(own.keys.shape[1])
    bound = moved.bound + np.maximum(moved.bound_floor, own.bound_floor.max(axis=0, initial=0.0))
    reach = 2.0 * project(bound) + 4.0 * own.keys.shape[1] * EPS * project(np.abs(moved.keys) + bound)

    def pairs(i: np.ndarray, j: np.ndarray) -> np.ndarray:  # moved state i is own state j
        ok = rows_agree(own.exact[j], moved.exact[i], own.floor[j], moved.floor[i])
        for l, (x, y) in enumerate(zip(own.payoffs, moved.payoffs, strict=True)):
            ok[ok] = _gains_agree(x[j[ok]], y[i[ok]], 1 + l)
        return ok

    states = pair_rows(project(own.keys), project(moved.keys), reach, pairs)  # own state states[w] = moved w
    return None if states is None else PlayerMap(np.asarray(pi, dtype=np.int64), states)


def _tables(game: FiniteGame, info: InformationStructure) -> list[np.ndarray]:
    return [np.asarray(info.likelihoods.get(r, np.ones((len(game.prior), 1))), float) for r in game.players]


def player_maps(game: FiniteGame, info: InformationStructure, objective: np.ndarray) -> list[PlayerMap]:
    """Generators of the players' symmetry (`builders.symmetry.permutation_generators`): the permutations that
    leave game, information and objective unchanged."""
    own = _state_data(game, _tables(game, info), objective, list(range(game.n_players)), False)
    signature, tol = _signature(game, info, objective, own)
    return permutation_generators(game.n_players, lambda pi: _map(game, info, objective, list(pi), own),
                                  signature, tol, own.keys.size)


def _signature(game: FiniteGame, info: InformationStructure, objective: np.ndarray,
               own: _StateData) -> tuple[np.ndarray, np.ndarray]:
    """Invariants that prune the search for symmetries (`permutation_generators`), with their tolerances: S[:, i, j]
    how player i's data depend on player j's, unchanged by a symmetry pi (S[:, pi(i), pi(j)] = S[:, i, j]):
    counts of actions and signals, the mean of the payoffs less their mean over the player's own action (`keys`
    of `_StateData`: what the obedience rows see) and of the likelihoods squared (each kind relative to its
    scale), and the mean change of player i's such payoffs, and of the objective, when player j's action moves one
    place (cyclically: actions are matched by position). `_map` admits each entry within its `bound`, so means
    move by at most twice the largest, relative to the kind's scale."""
    n, n_states = game.n_players, len(game.prior)
    outcome = (n_states, *[len(game.actions[p]) for p in game.players])
    centred = [u - u.mean(axis=1 + i, keepdims=True) for i, u in enumerate(own.payoffs)]
    tables = _tables(game, info)
    goal = np.asarray(objective, float).reshape(outcome)
    c_scale = max(float(np.abs(c).max(initial=0.0)) for c in centred) or 1.0
    t_scale = max(float(np.abs(t).max(initial=0.0)) for t in tables) or 1.0
    g_scale = float(np.abs(goal).max(initial=0.0)) or 1.0
    width = own.exact.shape[1]
    bound = own.bound + own.bound_floor
    c_bound = float(bound[:, width:].max(initial=0.0)) / c_scale
    g_bound = float(bound[:, 1:1 + goal[0].size].max(initial=0.0)) / g_scale
    S = np.zeros((6, n, n))
    for i, p in enumerate(game.players):
        S[0, i, i] = outcome[1 + i]
        S[1, i, i] = len(info.signals[p]) if info.signals.get(p) is not None else -1
        S[2, i, i] = np.abs(centred[i]).mean() / c_scale
        S[3, i, i] = np.square(tables[i] / t_scale).mean()
        S[4, i, i] = mean_change(goal, 1 + i, g_scale)
        for j in range(n):
            S[5, i, j] = mean_change(centred[i], 1 + j, c_scale)
    moved = 4.0 * SYMMETRY_TOL + SYMMETRY_SIGNATURE_ROUNDOFF  # and the means' round-off
    return S, np.array([0.5, 0.5, moved + 4.0 * c_bound, moved, moved + 4.0 * g_bound, moved + 4.0 * c_bound])


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

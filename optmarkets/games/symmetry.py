"""The players' symmetry of a game: which swaps of two players leave the equilibrium LP unchanged.

Players i and j are exchangeable (`player_swaps`) when they have as many actions (and, if informed, signals),
and some permutation s of the states carries every state's data onto the swapped data of another:

    u_l[s(w), b] = u_{pi(l)}[w, swap(b)],  P_l(. | s(w)) = P_{pi(l)}(. | w),  prior[s(w)] = prior[w],
    objective[s(w), b] = objective[w, swap(b)]      for every player l, state w, action profile b,

with pi the transposition (i j) and swap(b) the profile with b_i and b_j exchanged (actions and signals matched
by position). A private-values auction is symmetric with s swapping the bidders' values in the state. The state
permutation is found by matching each state's swapped data to a state's own (rounded to SYMMETRY_TOL of the
data's scale, then checked). The group is the one these transpositions generate (all permutations within each
class of exchangeable players); its orbits on the decision rule's entries, the consistency cells and the
obedience rows (`GameSymmetry`) give the reduced LP (`builders.symmetry`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..builders.games import MeasureAxes
from ..builders.symmetry import Orbits, exchangeable_classes
from ..core.errors import InputError
from ..core.tolerances import SYMMETRY_TOL
from .game import FiniteGame, InformationStructure


@dataclass(frozen=True)
class PlayerSwap:
    """Players i and j exchangeable, with `states[w]` the state that state w's data goes to."""

    i: int
    j: int
    states: np.ndarray


@dataclass(frozen=True)
class GameSymmetry:
    """The orbits of the BCE LP under the players' symmetry: entries of the (kept) decision rule, consistency
    cells, obedience rows; `swaps` its generators, `classes` the exchangeable players."""

    swaps: tuple[PlayerSwap, ...]
    classes: tuple[tuple[str, ...], ...]
    entries: Orbits
    cells: Orbits
    rows: Orbits

    def describe(self) -> str:
        groups = "; ".join(", ".join(c) for c in self.classes if len(c) > 1)
        return (f"players exchangeable: {groups}; the LP on orbits: {self.entries.count} of {self.entries.n} "
                f"variables, {self.rows.count} of {self.rows.n} obedience rows")

    def invariant(self, name: str, prior: np.ndarray) -> None:
        """InputError naming `name` unless the prior is unchanged by every swap's state permutation."""
        scale = SYMMETRY_TOL * (float(np.abs(prior).max(initial=0.0)) or 1.0)
        for s in self.swaps:
            if np.abs(prior[s.states] - prior).max(initial=0.0) > scale:
                raise InputError(f"{name}: is not symmetric under the swap of players {s.i} and {s.j} that the "
                                 "model was built on (symmetric=True); rebuild it with symmetric=False")


def _state_data(game: FiniteGame, tables: list[np.ndarray], objective: np.ndarray, order: list[int],
                swap: tuple[int, int] | None) -> np.ndarray:
    """Per state, its prior, payoffs, objective and likelihoods as one row: players in `order`, each payoff and
    the objective with the action axes of `swap` exchanged; each kind relative to its own scale (payoffs of
    1e-12 next to a prior of 1/2 are told apart)."""
    n_states = len(game.prior)
    outcome = (n_states, *[len(game.actions[p]) for p in game.players])

    def row(u: np.ndarray) -> np.ndarray:
        return (u if swap is None else np.swapaxes(u, 1 + swap[0], 1 + swap[1])).reshape(n_states, -1)

    kinds = [np.asarray(game.prior, float).reshape(n_states, 1),
             np.hstack([row(game.payoff(game.players[k], with_state=True)) for k in order]),
             row(objective.reshape(outcome)), np.hstack([tables[k] for k in order])]
    return np.hstack([d / (float(np.abs(d).max(initial=0.0)) or 1.0) for d in kinds])


def _swap(game: FiniteGame, info: InformationStructure, objective: np.ndarray, i: int, j: int) -> PlayerSwap | None:
    """The swap of players i and j if it leaves the game unchanged (module docstring), else None."""
    p, q = game.players[i], game.players[j]
    if len(game.actions[p]) != len(game.actions[q]):
        return None
    si, sj = info.signals.get(p), info.signals.get(q)
    if (si is None) != (sj is None) or (si is not None and sj is not None and len(si) != len(sj)):
        return None
    n_states = len(game.prior)
    tables = [info.likelihoods.get(r, np.ones((n_states, 1))) for r in game.players]
    order = list(range(game.n_players))
    own = _state_data(game, tables, objective, order, None)
    order[i], order[j] = j, i
    moved = _state_data(game, tables, objective, order, (i, j))
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
    return PlayerSwap(i, j, states)


def player_swaps(game: FiniteGame, info: InformationStructure, objective: np.ndarray) -> list[PlayerSwap]:
    """Every transposition of two players that leaves game, information and objective unchanged."""
    n = game.n_players
    return [s for i in range(n) for j in range(i + 1, n) if (s := _swap(game, info, objective, i, j)) is not None]


def game_symmetry(game: FiniteGame, info: InformationStructure, axes: MeasureAxes, objective: np.ndarray,
                  swaps: list[PlayerSwap]) -> GameSymmetry:
    """The orbits of the LP on `axes` (its kept cells) under the group the `swaps` generate."""
    n = game.n_players
    c = axes.coords
    entries, cells = axes.entries(), axes.cells
    cell_shape = (axes.n_states, *axes.signal_sizes)
    cell_coords = np.vstack(np.unravel_index(cells, cell_shape))
    sizes = [(len(s) if s is not None else 1) * m * (m - 1) for s, m in zip(axes.signals, axes.action_sizes,
                                                                           strict=True)]
    starts = np.concatenate([[0], np.cumsum(sizes)])
    on_entries, on_cells, on_rows = [], [], []
    for s in swaps:
        moved = c.copy()
        moved[0] = s.states[c[0]]
        for d in (1, 1 + n):
            moved[[d + s.i, d + s.j]] = moved[[d + s.j, d + s.i]]
        on_entries.append(_positions(entries, np.ravel_multi_index(tuple(moved), axes.shape), "entries"))
        moved_cells = cell_coords.copy()
        moved_cells[0] = s.states[cell_coords[0]]
        moved_cells[[1 + s.i, 1 + s.j]] = moved_cells[[1 + s.j, 1 + s.i]]
        on_cells.append(_positions(cells, np.ravel_multi_index(tuple(moved_cells), cell_shape), "cells"))
        rows = np.arange(starts[-1])
        rows[starts[s.i]:starts[s.i + 1]] = np.arange(starts[s.j], starts[s.j + 1])
        rows[starts[s.j]:starts[s.j + 1]] = np.arange(starts[s.i], starts[s.i + 1])
        on_rows.append(rows)
    classes = exchangeable_classes(game.players, [(s.i, s.j) for s in swaps])
    return GameSymmetry(tuple(swaps), classes,
                        Orbits.of_maps(axes.size, on_entries, "mu"), Orbits.of_maps(axes.n_cells, on_cells, "cells"),
                        Orbits.of_maps(int(starts[-1]), on_rows, "obedience"))


def _positions(kept: np.ndarray, full: np.ndarray, what: str) -> np.ndarray:
    """Positions in the increasing array `kept` of the values `full`; all must be kept (the support is symmetric)."""
    pos = np.searchsorted(kept, full)
    if (pos >= kept.size).any() or (kept[np.minimum(pos, kept.size - 1)] != full).any():
        raise InputError(f"symmetric: the {what} with mass are not symmetric under the players' swap")
    return pos

"""Obedience and consistency for finite games with states and private signals (any number of players).

The decision rule is one measure mu over (state w, each player's signal t_i, each player's action
a_i), held as a flat vector in C order over the axes of `MeasureAxes`:

    axis 0            the state w                (one dummy entry when the game has none)
    axes 1 .. n       player i's signal t_i       (one dummy entry for a player who observes nothing)
    axes n+1 .. 2n    player i's action a_i       (the action recommended to player i)

so entry mu[w, t_1, .., t_n, a_1, .., a_n] is the probability that the state is w, the signals are t
and the recommended profile is a. Payoffs are *outcome arrays* u_i[w, a_1, .., a_n] (axis 0 the
state, then the players' actions in the order of `players`); they do not depend on signals.

`game_obedience` adds, for every player i, own signal t_i, recommended a_i and deviation b_i != a_i
(Bergemann and Morris 2016: obedience conditional on what player i knows):

    sum_{w, t_-i, a_-i} mu[w, t, a_i, a_-i] * (u_i[w, a_i, a_-i] - u_i[w, b_i, a_-i]) >= 0,

one family for all players, rows labelled (player, signal, recommended, deviation).

`game_consistency` adds, for every state w and signal profile t,

    sum_a mu[w, t, a] == mass[w, t]    (mass = prior[w] * prod_i P(t_i | w)),

rows labelled (state, informed players' signals); its price is the value of prior mass.

Both are one sparse matrix times the measure (Kronecker and selection structure, no loop over rows).
Payoffs given as cvxpy expressions of Parameters stay parametric (DPP): the row is then
R @ (multiply(L @ vec(u_i), E @ mu)) with sparse R, L, E, so a sweep over payoffs does not recompile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import InputError
from ..core.family import Family, family
from .game_labels import as_index
from .obedience import game_obedience

__all__ = ["NO_SIGNAL", "MeasureAxes", "game_consistency", "game_obedience"]

NO_SIGNAL = "none"


@dataclass(frozen=True, eq=False)
class MeasureAxes:
    """The axes of a decision rule: states, each player's signals (None: observes nothing), actions."""

    players: tuple[str, ...]
    actions: tuple[pd.Index, ...]
    states: pd.Index | None = None
    signals: tuple[pd.Index | None, ...] = ()

    def __post_init__(self):
        players = self.players
        if isinstance(players, str) or not isinstance(players, Sequence | pd.Index):
            raise InputError(f"players: expected a list of names, got {type(players).__name__}")
        players = tuple(players)
        if not players or len(set(players)) != len(players):
            raise InputError(f"players: expected distinct names, got {list(players)}")
        actions = self.actions
        if isinstance(actions, Mapping):
            if set(actions) != set(players):
                raise InputError(f"actions: keys {list(actions)} are not the players {list(players)}")
            actions = [actions[p] for p in players]
        if isinstance(actions, str) or not isinstance(actions, Sequence) or len(actions) != len(players):
            raise InputError(f"actions: expected one list of actions per player ({len(players)})")
        signals = self.signals if self.signals is not None and len(self.signals) else (None,) * len(players)
        if isinstance(signals, Mapping):
            unknown = [p for p in signals if p not in players]
            if unknown:
                raise InputError(f"signals: {unknown} are not players ({list(players)})")
            signals = [signals.get(p) for p in players]
        if isinstance(signals, str) or not isinstance(signals, Sequence) or len(signals) != len(players):
            raise InputError(f"signals: expected one list of signals (or None) per player ({len(players)})")
        object.__setattr__(self, "players", players)
        object.__setattr__(self, "actions", tuple(
            as_index(f"actions['{p}']", a, axis_name=getattr(a, "name", None) or p)
            for p, a in zip(players, actions, strict=True)))
        object.__setattr__(self, "signals", tuple(
            None if t is None else as_index(f"signals['{p}']", t, axis_name=getattr(t, "name", None))
            for p, t in zip(players, signals, strict=True)))
        if self.states is not None:
            object.__setattr__(self, "states", as_index("states", self.states,
                                                        axis_name=getattr(self.states, "name", None) or "state"))

    # ------------------------------------------------------------ shapes
    @property
    def n_states(self) -> int:
        return 1 if self.states is None else len(self.states)

    @property
    def signal_sizes(self) -> tuple[int, ...]:
        return tuple(1 if s is None else len(s) for s in self.signals)

    @property
    def action_sizes(self) -> tuple[int, ...]:
        return tuple(len(a) for a in self.actions)

    @property
    def shape(self) -> tuple[int, ...]:
        """The measure's shape: (states, signals of each player, actions of each player)."""
        return (self.n_states, *self.signal_sizes, *self.action_sizes)

    @property
    def outcome_shape(self) -> tuple[int, ...]:
        """A payoff's shape: (states, actions of each player); the state axis has length 1 without states."""
        return (self.n_states, *self.action_sizes)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    @property
    def n_cells(self) -> int:
        """Number of (state, signal profile) cells: the rows of the consistency family."""
        return self.n_states * int(np.prod(self.signal_sizes))

    def outcome_axes(self) -> dict[str, pd.Index]:
        """Labelled axes of an outcome array (state only if the game has states)."""
        axes = {} if self.states is None else {"state": self.states}
        axes.update({p: a for p, a in zip(self.players, self.actions, strict=True)})
        return axes

    def labelled_axes(self) -> dict[str, pd.Index]:
        """Labelled axes of the measure, without the dummy ones: state, signal_<player>, <player>."""
        axes = {} if self.states is None else {"state": self.states}
        axes.update({f"signal_{p}": s for p, s in zip(self.players, self.signals, strict=True) if s is not None})
        axes.update({p: a for p, a in zip(self.players, self.actions, strict=True)})
        return axes

    # ------------------------------------------------------------ coordinates
    @cached_property
    def coords(self) -> np.ndarray:
        """coords[d, k]: the position on axis d of the k-th entry of the flat (C-order) measure."""
        return np.indices(self.shape, dtype=np.int64).reshape(len(self.shape), -1)

    @cached_property
    def outcome_of(self) -> np.ndarray:
        """For each measure entry, its flat position in an outcome array (state, actions)."""
        n = len(self.players)
        c = self.coords
        return np.ravel_multi_index((c[0], *c[1 + n:]), self.outcome_shape)

    def selection(self) -> sp.csr_matrix:
        """P (size x outcomes) with (P @ vec_C(u))[k] = u at entry k's outcome."""
        return sp.csr_matrix((np.ones(self.size), (np.arange(self.size), self.outcome_of)),
                             shape=(self.size, int(np.prod(self.outcome_shape))))

    def marginal(self) -> sp.csr_matrix:
        """S (cells x size): sums the measure over the action profile (kron(I_cells, 1^T))."""
        return sp.kron(sp.identity(self.n_cells, format="csr"),
                       np.ones((1, int(np.prod(self.action_sizes)))), format="csr")

    def cell_index(self) -> pd.Index:
        """Labels of the (state, signal profile) cells: state and the informed players' signals."""
        arrays, names = [], []
        grid = np.indices((self.n_states, *self.signal_sizes)).reshape(1 + len(self.players), -1)
        if self.states is not None:
            arrays.append(np.asarray(self.states, dtype=object)[grid[0]])
            names.append("state")
        for i, (p, s) in enumerate(zip(self.players, self.signals, strict=True)):
            if s is not None:
                arrays.append(np.asarray(s, dtype=object)[grid[1 + i]])
                names.append(f"signal_{p}")
        if not arrays:
            return pd.Index(["all"], name="mass")
        if len(arrays) == 1:
            return pd.Index(arrays[0], name=names[0])
        return pd.MultiIndex.from_arrays(arrays, names=names)

    def flat_index(self) -> pd.MultiIndex:
        """Labels of the flat measure over its labelled axes."""
        n, c = len(self.players), self.coords
        keep = ([0] if self.states is not None else []) + [1 + i for i, s in enumerate(self.signals) if s is not None]
        keep += [1 + n + i for i in range(n)]
        axes = list(self.labelled_axes().items())
        arrays = [np.asarray(ix, dtype=object)[c[d]] for d, (_, ix) in zip(keep, axes, strict=True)]
        return pd.MultiIndex.from_arrays(arrays, names=[name for name, _ in axes])

    # ------------------------------------------------------------ obedience rows
    def flat_measure(self, name: str, mu) -> cp.Expression:
        """mu as the flat (C-order) measure; an InputError naming `name` unless its shape is ours."""
        if not isinstance(mu, cp.Expression):
            raise InputError(f"{name}: expected a cvxpy expression, got {type(mu).__name__}")
        if tuple(mu.shape) == (self.size,):
            return mu
        if tuple(mu.shape) == self.shape:
            return cp.reshape(mu, (self.size,), order="C")
        raise InputError(f"{name}: has shape {tuple(mu.shape)}, expected ({self.size},) or {self.shape} "
                         f"(axes state, signals, actions of {list(self.players)})")

    def obedience_index(self, i: int) -> pd.MultiIndex:
        """Rows of player i's obedience: (player, signal, recommended, deviation), signal outermost."""
        m, s = self.action_sizes[i], self.signals[i]
        sig = pd.Index([NO_SIGNAL]) if s is None else s
        rec, dev = np.nonzero(~np.eye(m, dtype=bool))
        act = np.asarray(self.actions[i], dtype=object)
        t = np.repeat(np.arange(len(sig)), len(rec))
        return pd.MultiIndex.from_arrays(
            [np.full(len(t), self.players[i], dtype=object), np.asarray(sig, dtype=object)[t],
             act[np.tile(rec, len(sig))], act[np.tile(dev, len(sig))]],
            names=["player", "signal", "recommended", "deviation"])


def game_consistency(mu: cp.Expression, axes: MeasureAxes, mass, *,
                     description: str = "the measure reproduces the prior and the signals' likelihoods") -> Family:
    """sum over action profiles of mu[w, t, a] == mass[w, t], one row per (state, signal profile) cell.

    mass: (axes.n_cells,) numbers or a cvxpy expression (e.g. a Parameter prior times likelihoods).
    """
    x = axes.flat_measure("mu", mu)
    if isinstance(mass, cp.Expression):
        if mass.shape != (axes.n_cells,):
            raise InputError(f"mass: has shape {mass.shape}, expected ({axes.n_cells},)")
    else:
        mass = np.asarray(mass, dtype=float).reshape(-1)
        if mass.shape != (axes.n_cells,):
            raise InputError(f"mass: has {mass.size} entries, expected {axes.n_cells} (states x signal profiles)")
        if not np.isfinite(mass).all() or (mass < 0).any():
            raise InputError("mass: must be finite and non-negative")
    return family(axes.marginal() @ x, "==", mass, axes.cell_index(), description)

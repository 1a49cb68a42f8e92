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

Only cells with mass: `MeasureAxes(..., support=cells)` keeps the measure on the listed (state,
signal profile) cells alone (flat positions in C order over (states, signals of each player)),
typically those where prior x likelihoods can be positive (`support_cells`). The flat measure is
then those cells' entries in the same C order, `size`, `coords`, `selection`, `marginal`,
`cell_index` and `flat_index` describe the kept entries only, and `expand` writes a kept-entry
vector back into the full array (zeros off the support). Obedience rows are unchanged (a row of a
signal with no mass is empty: 0 >= 0).

Both are one sparse matrix times the measure (Kronecker and selection structure, no loop over rows).
Payoffs given as cvxpy expressions of Parameters stay parametric (DPP): the row is then
R @ (multiply(L @ vec(u_i), E @ mu)) with sparse R, L, E, so a sweep over payoffs does not recompile.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import InputError
from ..core.family import Family, family
from ..core.validate import LazyLabels
from .game_labels import as_index
from .obedience import game_obedience

__all__ = ["NO_SIGNAL", "MeasureAxes", "game_consistency", "game_obedience", "support_cells", "support_count"]

NO_SIGNAL = "none"


@dataclass(frozen=True, eq=False)
class MeasureAxes:
    """The axes of a decision rule: states, each player's signals (None: observes nothing), actions."""

    players: tuple[str, ...]
    actions: tuple[pd.Index, ...]
    states: pd.Index | None = None
    signals: tuple[pd.Index | None, ...] = ()
    support: np.ndarray | None = None

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
        if self.support is not None:
            object.__setattr__(self, "support", _support("support", self.support, self.n_all_cells))

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
    def n_profiles(self) -> int:
        """Number of action profiles (entries per cell)."""
        return int(np.prod(self.action_sizes))

    @property
    def full_size(self) -> int:
        """Entries of the full measure (every cell, with mass or not)."""
        return int(np.prod(self.shape))

    @property
    def size(self) -> int:
        """Entries of the flat measure: the kept cells' action profiles."""
        return self.n_cells * self.n_profiles

    @property
    def n_all_cells(self) -> int:
        """Number of (state, signal profile) cells of the full product."""
        return self.n_states * int(np.prod(self.signal_sizes))

    @property
    def cells(self) -> np.ndarray:
        """Flat positions (C order over (states, signals)) of the kept cells, increasing."""
        return np.arange(self.n_all_cells) if self.support is None else self.support

    @property
    def n_cells(self) -> int:
        """Number of kept (state, signal profile) cells: the rows of the consistency family."""
        return self.n_all_cells if self.support is None else len(self.support)

    @property
    def pruned(self) -> bool:
        return self.n_cells < self.n_all_cells

    def entries(self) -> np.ndarray:
        """Flat positions in the full measure of the kept entries, in the flat measure's order."""
        per = self.n_profiles
        return (self.cells[:, None] * per + np.arange(per)[None, :]).reshape(-1)

    def expand(self, values) -> np.ndarray:
        """A kept-entry vector written into the full measure (`shape`), zeros off the support."""
        arr = np.asarray(values, dtype=float).reshape(-1)
        if not self.pruned:
            return arr.reshape(self.shape)
        out = np.zeros(self.full_size)
        out[self.entries()] = arr
        return out.reshape(self.shape)

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
        if not self.pruned:
            return np.indices(self.shape, dtype=np.int64).reshape(len(self.shape), -1)
        per = self.n_profiles
        cell = np.unravel_index(self.cells, (self.n_states, *self.signal_sizes))
        action = np.indices(self.action_sizes, dtype=np.int64).reshape(len(self.players), -1)
        return np.vstack([np.repeat(np.asarray(c, dtype=np.int64), per) for c in cell]
                         + [np.tile(a, self.n_cells) for a in action])

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
                       np.ones((1, self.n_profiles)), format="csr")

    def cell_index(self) -> pd.Index:
        """Labels of the kept (state, signal profile) cells: state and the informed players' signals."""
        arrays, names = [], []
        grid = np.vstack(np.unravel_index(self.cells, (self.n_states, *self.signal_sizes)))
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

    # Labels built when first read (`core.validate.LazyLabels`): a solve read for values and prices never builds them
    def flat_labels(self) -> LazyLabels:
        return LazyLabels(self.size, self.flat_index)

    def cell_labels(self) -> LazyLabels:
        return LazyLabels(self.n_cells, self.cell_index)

    def obedience_labels(self, i: int) -> LazyLabels:
        m = self.action_sizes[i]
        return LazyLabels(self.signal_sizes[i] * m * (m - 1), lambda: self.obedience_index(i))

    # ------------------------------------------------------------ obedience rows
    def flat_measure(self, name: str, mu) -> cp.Expression:
        """mu as the flat (C-order) measure; an InputError naming `name` unless its shape is ours."""
        if not isinstance(mu, cp.Expression):
            raise InputError(f"{name}: expected a cvxpy expression, got {type(mu).__name__}")
        if tuple(mu.shape) == (self.size,):
            return mu
        if tuple(mu.shape) == self.shape and not self.pruned:
            return cp.reshape(mu, (self.size,), order="C")
        full = "" if self.pruned else f" or {self.shape}"
        raise InputError(f"{name}: has shape {tuple(mu.shape)}, expected ({self.size},){full} "
                         f"(axes state, signals, actions of {list(self.players)}"
                         f"{'; the kept cells only' if self.pruned else ''})")

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


def _support(name: str, cells, n_all: int) -> np.ndarray:
    """Kept cell positions as increasing distinct int64 codes in 0..n_all-1."""
    arr = np.asarray(cells)
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise InputError(f"{name}: expected a 1-D array of cell positions (integers), got shape {arr.shape}")
    arr = arr.astype(np.int64)
    if arr.size and (arr[0] < 0 or arr[-1] >= n_all or (np.diff(arr) <= 0).any()):
        raise InputError(f"{name}: expected increasing distinct cell positions in 0..{n_all - 1}")
    return arr


def support_cells(prior, likelihoods: Sequence[np.ndarray | None]) -> np.ndarray:
    """Flat positions (C order over (states, signals of each player)) of the cells where
    prior[w] * prod_i P(t_i | w) > 0; likelihoods: per player a states x signals table, or None
    (observes nothing). Built state by state from each player's own support (no product array
    over the uninformed cells)."""
    prior = np.asarray(prior, dtype=float).reshape(-1)
    tables = [np.ones((prior.size, 1)) if lik is None else np.asarray(lik, dtype=float) for lik in likelihoods]
    sizes = [t.shape[1] for t in tables]
    found = []
    for w in np.flatnonzero(prior > 0):
        own = [np.flatnonzero(t[w] > 0) for t in tables]
        if any(o.size == 0 for o in own):
            continue
        grid = np.meshgrid(*own, indexing="ij")
        found.append(w * int(np.prod(sizes)) + np.ravel_multi_index([g.reshape(-1) for g in grid], sizes))
    return np.sort(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def support_count(prior, likelihoods: Sequence[np.ndarray | None]) -> int:
    """How many cells `support_cells` keeps, counted without listing them."""
    prior = np.asarray(prior, dtype=float).reshape(-1)
    return sum(math.prod(1 if lik is None else int(np.count_nonzero(np.asarray(lik)[w] > 0)) for lik in likelihoods)
               for w in np.flatnonzero(prior > 0))


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
    return family(axes.marginal() @ x, "==", mass, axes.cell_labels(), description)

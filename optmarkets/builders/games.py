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
from .game_labels import outcome_array

NO_SIGNAL = "none"


@dataclass(frozen=True, eq=False)
class MeasureAxes:
    """The axes of a decision rule: states, each player's signals (None: observes nothing), actions."""

    players: tuple[str, ...]
    actions: tuple[pd.Index, ...]
    states: pd.Index | None = None
    signals: tuple[pd.Index | None, ...] | None = None

    def __post_init__(self):
        if len(self.actions) != len(self.players):
            raise InputError(f"actions: {len(self.actions)} action lists for {len(self.players)} players")
        if self.signals is None:
            object.__setattr__(self, "signals", (None,) * len(self.players))
        if len(self.signals) != len(self.players):
            raise InputError(f"signals: {len(self.signals)} signal lists for {len(self.players)} players")

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

    # ------------------------------------------------------------ obedience structure
    def deviations(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For player i, every (entry k, deviation b != a_i(k)): k, the obedience row, the outcome obeyed
        and the outcome after deviating (flat outcome positions)."""
        n, c = len(self.players), self.coords
        m = self.action_sizes[i]
        a = c[1 + n + i]
        j = np.arange(m - 1)
        b = j[None, :] + (j[None, :] >= a[:, None])  # (size, m-1): the deviations of each entry
        stride = int(np.prod(self.outcome_shape[2 + i:]))
        k = np.repeat(np.arange(self.size), m - 1)
        obeyed = np.repeat(self.outcome_of, m - 1)
        deviated = obeyed + (b.reshape(-1) - np.repeat(a, m - 1)) * stride
        rows = (np.repeat(c[1 + i], m - 1) * m + np.repeat(a, m - 1)) * (m - 1) + np.tile(j, self.size)
        return k, rows, obeyed, deviated

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


def _flat_measure(name: str, mu: cp.Expression, axes: MeasureAxes) -> cp.Expression:
    if not isinstance(mu, cp.Expression):
        raise InputError(f"{name}: expected a cvxpy expression, got {type(mu).__name__}")
    if mu.shape == (axes.size,):
        return mu
    if tuple(mu.shape) == axes.shape:
        return cp.reshape(mu, (axes.size,), order="C")
    raise InputError(f"{name}: has shape {tuple(mu.shape)}, expected ({axes.size},) or {axes.shape} "
                     f"(axes state, signals, actions of {list(axes.players)})")


def payoff_data(name: str, data, axes: MeasureAxes):
    """A payoff as a flat outcome vector: a numpy array (aligned by label) or a cvxpy expression."""
    n_out = int(np.prod(axes.outcome_shape))
    if isinstance(data, cp.Expression):
        if data.size != n_out:
            raise InputError(f"{name}: has {data.size} entries, expected {n_out} over axes "
                             f"{tuple(axes.outcome_axes())} ({axes.outcome_shape})")
        return data if data.ndim == 1 else cp.reshape(data, (n_out,), order="C")
    if isinstance(data, np.ndarray) and (data.shape == axes.outcome_shape or data.shape == (n_out,)):
        arr = np.asarray(data, dtype=float)  # already in the flat (state, actions) layout
        if not np.isfinite(arr).all():
            raise InputError(f"{name}: contains NaN or infinite entries")
        return arr.reshape(-1)
    return outcome_array(name, data, axes.outcome_axes()).reshape(-1)


def game_obedience(mu: cp.Expression, axes: MeasureAxes, payoffs: Mapping[str, object] | Sequence, *,
                   description: str = "every player obeys its recommendation, given its own signal") -> Family:
    """Obedience of every player (rows (player, signal, recommended, deviation)); see the module docstring.

    mu: the flat measure (axes.size,) or an array of `axes.shape`. payoffs: per player (a mapping by
    name, or a sequence in player order) an outcome array u_i[state, a_1, .., a_n] (numpy, labelled
    pandas/xarray aligned by label, or a cvxpy expression of Parameters).
    """
    x = _flat_measure("mu", mu, axes)
    if isinstance(payoffs, Mapping):
        unknown = [p for p in payoffs if p not in axes.players]
        missing = [p for p in axes.players if p not in payoffs]
        if unknown or missing:
            raise InputError(f"payoffs: players {unknown} are not in the game, {missing} have no payoff")
        payoffs = [payoffs[p] for p in axes.players]
    if len(payoffs) != len(axes.players):
        raise InputError(f"payoffs: {len(payoffs)} payoffs for {len(axes.players)} players")
    blocks, offsets, parametric = [], [0], []
    for i, p in enumerate(axes.players):
        u = payoff_data(f"payoffs['{p}']", payoffs[i], axes)
        k, rows, obeyed, deviated = axes.deviations(i)
        n_rows = axes.signal_sizes[i] * axes.action_sizes[i] * (axes.action_sizes[i] - 1)
        offsets.append(offsets[-1] + n_rows)
        if isinstance(u, np.ndarray):
            gain = u[obeyed] - u[deviated]
            blocks.append(sp.csr_matrix((gain, (rows, k)), shape=(n_rows, axes.size)))
        else:
            blocks.append(sp.csr_matrix((n_rows, axes.size)))
            parametric.append((i, u, k, rows, obeyed, deviated))
    total = offsets[-1]
    index = pd.MultiIndex.from_tuples([], names=["player", "signal", "recommended", "deviation"])
    if total:
        index = pd.MultiIndex.from_arrays(
            [np.concatenate([np.asarray(axes.obedience_index(i).get_level_values(lv), dtype=object)
                             for i in range(len(axes.players))]) for lv in range(4)],
            names=["player", "signal", "recommended", "deviation"])
    D = sp.vstack(blocks, format="csr")
    D.eliminate_zeros()
    lhs = D @ x
    for i, u, k, rows, obeyed, deviated in parametric:
        n_out, n_dev = u.size, len(k)
        L = sp.csr_matrix((np.r_[np.ones(n_dev), -np.ones(n_dev)], (np.r_[np.arange(n_dev), np.arange(n_dev)],
                                                                    np.r_[obeyed, deviated])), shape=(n_dev, n_out))
        E = sp.csr_matrix((np.ones(n_dev), (np.arange(n_dev), k)), shape=(n_dev, axes.size))
        R = sp.csr_matrix((np.ones(n_dev), (rows + offsets[i], np.arange(n_dev))), shape=(total, n_dev))
        lhs = lhs + R @ cp.multiply(L @ u, E @ x)
    return family(lhs, ">=", 0.0, index, description)


def game_consistency(mu: cp.Expression, axes: MeasureAxes, mass, *,
                     description: str = "the measure reproduces the prior and the signals' likelihoods") -> Family:
    """sum over action profiles of mu[w, t, a] == mass[w, t], one row per (state, signal profile) cell.

    mass: (axes.n_cells,) numbers or a cvxpy expression (e.g. a Parameter prior times likelihoods).
    """
    x = _flat_measure("mu", mu, axes)
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

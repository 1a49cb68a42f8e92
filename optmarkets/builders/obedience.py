"""Obedience of recommendations: the one implementation, for any number of players and private signals.

A decision rule is a measure x >= 0 over finitely many entries k (held flat). Each obeying agent i
sees, at entry k, its own signal t_i(k) and its recommended action a_i(k); u_i is its payoff, a flat
vector over outcomes, and o_i(k) the outcome at entry k. Deviating from a_i(k) to b moves the
outcome to o_i(k) + (b - a_i(k)) * stride_i. Obedience requires, for every agent i, own signal t,
recommended a and deviation b != a,

    sum_{k : t_i(k) = t, a_i(k) = a} x[k] * (u_i[o_i(k)] - u_i[o_i(k) + (b - a) stride_i]) >= 0,

one sparse matrix times x (rows (t, a, b) per agent, t outermost, then a, then b; the agents'
blocks stacked), or with payoffs that are cvxpy expressions of Parameters the DPP form
R @ multiply(L @ u_i, E @ x) with sparse R, L, E, so a sweep over payoffs does not recompile.
`obedience_family` is that inequality; the public builders are two layouts of it:

- `game_obedience(mu, axes, payoffs)`: every player of a finite game, the measure mu[w, t_1..t_n,
  a_1..a_n] over `builders.games.MeasureAxes` (Bergemann and Morris 2016's Bayes correlated
  equilibrium): rows (player, signal, recommended, deviation).
- `obedience(M, pay, actions, groups=...)`: one agent, M[a, s] >= 0 the joint measure of its
  recommendation a (rows of M) and the unobserved rest s of the state (columns of M); pay[b, s] its
  payoff from action b at s; groups[s] what it observes besides a (its own report, say). For every
  observed g, recommended a and deviation b != a:

      sum_{s : groups[s] = g} (pay[a, s] - pay[b, s]) * M[a, s] >= 0,      rows (g,) a, b.

  It is the one-agent layout of the same inequality: t(k) = groups[s], a(k) = a, o(k) = k, stride
  = number of columns (the GLP merchant's and the BDHN buyers' obedience).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import InputError
from ..core.family import Family, Labels, family
from ..core.validate import LazyLabels, resolved
from .game_labels import as_index, payoff_data

if TYPE_CHECKING:
    from .games import MeasureAxes

ROW_NAMES = ["player", "signal", "recommended", "deviation"]


@dataclass(frozen=True, eq=False)
class Obeyer:
    """One obeying agent's view of a flat measure of `signal.size` entries.

    signal, action: its own signal code t(k) and recommended action code a(k) at each entry k;
    outcome: o(k), the entry's position in the flat payoff; stride: how far the outcome moves when
    the agent's action moves by one; payoff: u (flat numpy vector or cvxpy expression over outcomes);
    Its n_signals * n_actions * (n_actions - 1) rows are (t, a, b) in that order.
    """

    signal: np.ndarray
    action: np.ndarray
    outcome: np.ndarray
    stride: int
    n_signals: int
    n_actions: int
    payoff: Any

    @property
    def n_rows(self) -> int:
        return self.n_signals * self.n_actions * (self.n_actions - 1)

    def _grid(self) -> tuple[np.ndarray, np.ndarray]:
        """(rows, deviated), each (entries, m - 1): entry k's obedience row and the outcome after its
        j-th deviation b = j + (j >= a(k)), in increasing row order along each line (32-bit where
        they fit: half the memory traffic of these, the largest arrays a model build makes)."""
        m = self.n_actions
        largest = max(self.n_rows, int(self.outcome.max(initial=0)) + m * abs(self.stride))
        dt = np.dtype(np.int32 if largest < 2**31 else np.int64)  # (Python int factors keep it: NEP 50)
        a: np.ndarray = self.action.astype(dt)[:, None]
        j: np.ndarray = np.arange(m - 1, dtype=dt)[None, :]
        deviated = j - a
        deviated += j >= a  # b - a
        deviated *= self.stride
        deviated += self.outcome.astype(dt)[:, None]
        rows = ((self.signal.astype(dt) * m + self.action.astype(dt)) * (m - 1))[:, None] + j
        return rows, deviated

    def deviations(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Every (entry k, deviation b != a(k)): k, its obedience row, the outcome obeyed, the outcome after b."""
        rows, deviated = self._grid()
        size, per = self.signal.size, self.n_actions - 1
        return (np.repeat(np.arange(size), per), rows.reshape(-1), np.repeat(self.outcome, per),
                deviated.reshape(-1))

    def gain_matrix(self) -> sp.csc_matrix:
        """D (rows x entries) with (D @ x)[row] = the row's obedience slack (numeric payoffs only).

        Column-wise as cvxpy stores constants: entry k's m - 1 deviations are consecutive, in
        increasing row order, so the column pointers and row indices are known without a sort;
        zero gains are no entries."""
        rows, deviated = self._grid()
        u = np.asarray(self.payoff, dtype=float)
        gain = np.subtract(u.take(self.outcome)[:, None], u.take(deviated))
        stored = gain != 0.0
        indptr = np.zeros(self.signal.size + 1, dtype=rows.dtype)
        if stored.size:  # entry k's stored gains end where the running count of line k ends
            indptr[1:] = np.cumsum(stored.reshape(-1), dtype=rows.dtype)[stored.shape[1] - 1::stored.shape[1]]
        return sp.csc_matrix((gain[stored], rows[stored], indptr),
                             shape=(self.n_rows, self.signal.size))


def obedience_family(x: cp.Expression, obeyers: Sequence[Obeyer], index: Labels, description: str) -> Family:
    """The obedience inequality (module docstring) of every agent in `obeyers` on the flat measure x."""
    blocks, parametric, offset = [], [], 0
    for ob in obeyers:
        if isinstance(ob.payoff, cp.Expression):
            blocks.append(sp.csc_matrix((ob.n_rows, x.size)))
            parametric.append((ob, offset))
        else:
            blocks.append(ob.gain_matrix())
        offset += ob.n_rows
    D = blocks[0] if len(blocks) == 1 else sp.vstack(blocks, format="csc")
    lhs = D @ x
    for ob, start in parametric:
        k, rows, obeyed, deviated = ob.deviations()
        n_dev, ones, at = len(k), np.ones(len(k)), np.arange(len(k))
        L = sp.csr_matrix((np.r_[ones, -ones], (np.r_[at, at], np.r_[obeyed, deviated])), shape=(n_dev, ob.payoff.size))
        E = sp.csr_matrix((ones, (at, k)), shape=(n_dev, x.size))
        R = sp.csr_matrix((ones, (rows + start, at)), shape=(offset, n_dev))
        lhs = lhs + R @ cp.multiply(L @ ob.payoff, E @ x)
    return family(lhs, ">=", 0.0, index, description)


# ---------------------------------------------------------------- a finite game: every player

def game_obedience(mu: cp.Expression, axes: MeasureAxes, payoffs: Mapping[str, object] | Sequence, *,
                   description: str = "every player obeys its recommendation, given its own signal") -> Family:
    """Obedience of every player of a finite game (Bergemann-Morris), one family.

    For every player i, own signal t_i, recommended a_i and deviation b_i != a_i:

        sum_{w, t_-i, a_-i} mu[w, t, a_i, a_-i] * (u_i[w, a_i, a_-i] - u_i[w, b_i, a_-i]) >= 0,

    rows labelled (player, signal, recommended, deviation) ("none" as the signal of an uninformed
    player). mu: the flat measure (axes.size,) or an array of `axes.shape`, axes (state, each
    player's signal, each player's action) in that order. payoffs: per player (a mapping by name, or
    a sequence in player order) an outcome array u_i[state, a_1, .., a_n] (numpy in that axis order,
    labelled pandas/xarray aligned by label, or a cvxpy expression of Parameters, flat in C order).
    """
    x = axes.flat_measure("mu", mu)
    if isinstance(payoffs, Mapping):
        unknown = [p for p in payoffs if p not in axes.players]
        missing = [p for p in axes.players if p not in payoffs]
        if unknown or missing:
            raise InputError(f"payoffs: players {unknown} are not in the game, {missing} have no payoff")
        payoffs = [payoffs[p] for p in axes.players]
    elif isinstance(payoffs, str) or not isinstance(payoffs, Sequence):
        raise InputError(f"payoffs: expected {{player: outcome array}} or a list in player order, "
                         f"got {type(payoffs).__name__}")
    if len(payoffs) != len(axes.players):
        raise InputError(f"payoffs: {len(payoffs)} payoffs for {len(axes.players)} players")
    obeyers = _game_obeyers(axes, payoffs)
    rows = LazyLabels(sum(ob.n_rows for ob in obeyers), lambda: _game_rows(axes))
    return obedience_family(x, obeyers, rows, description)


def _game_rows(axes: MeasureAxes) -> pd.MultiIndex:
    """The labels of `game_obedience`'s rows: each player's (`axes.obedience_index`), in player order."""
    parts = [ix for ix in map(axes.obedience_index, range(len(axes.players))) if len(ix)]
    if not parts:
        return pd.MultiIndex.from_tuples([], names=ROW_NAMES)
    return pd.MultiIndex.from_arrays(
        [np.concatenate([np.asarray(ix.get_level_values(lv), dtype=object) for ix in parts]) for lv in range(4)],
        names=ROW_NAMES)


def _game_obeyers(axes: MeasureAxes, payoffs: Sequence) -> list[Obeyer]:
    """One Obeyer per player over the kept entries of `axes` (payoffs in player order)."""
    n, c = len(axes.players), axes.coords
    return [Obeyer(signal=c[1 + i], action=c[1 + n + i], outcome=axes.outcome_of,
                   stride=int(np.prod(axes.outcome_shape[2 + i:])), n_signals=axes.signal_sizes[i],
                   n_actions=axes.action_sizes[i], payoff=payoff_data(f"payoffs['{p}']", payoffs[i], axes))
            for i, p in enumerate(axes.players)]


def game_gain_matrix(axes: MeasureAxes, payoffs: Sequence) -> sp.csc_matrix:
    """D (obedience rows x kept entries of `axes`): (D @ mu)[row] = the row's obedience slack, rows in
    `game_obedience`'s order; payoffs numeric, one flat outcome vector per player in player order.
    Built column-wise from each entry's own deviations: no array over the full product."""
    blocks = [ob.gain_matrix() for ob in _game_obeyers(axes, payoffs)]
    return blocks[0] if len(blocks) == 1 else sp.vstack(blocks, format="csc")


# ---------------------------------------------------------------- one agent: M[a, s]

def _labels(name: str, labels) -> pd.Index | LazyLabels:
    """An Index kept as given (its name names a row level), or a list of labels made one; labels
    built lazily are kept lazy where their maker vouches they are distinct."""
    if isinstance(labels, LazyLabels):
        labels = labels if labels.unique else labels.resolve()
    if isinstance(labels, LazyLabels):
        return labels
    if isinstance(labels, pd.Index):
        if labels.has_duplicates:
            raise InputError(f"{name}: duplicate labels {list(labels[labels.duplicated()].unique())}")
        return labels
    return as_index(name, labels)


def _groups(groups, n_s: int, group_index) -> tuple[np.ndarray, int]:
    g = np.asarray(groups)
    if g.shape != (n_s,):
        raise InputError(f"groups: has shape {g.shape}, expected ({n_s},) (one observation per column of M)")
    if g.size and (not np.issubdtype(g.dtype, np.number) or not np.all(np.mod(g, 1) == 0) or g.min() < 0):
        raise InputError(f"groups: expected {n_s} non-negative integer codes (0..G-1), got {list(g)[:6]}")
    g = g.astype(int)
    n_g = int(g.max()) + 1 if g.size else 1
    if group_index is not None and len(group_index) != n_g:
        raise InputError(f"group_index: {len(group_index)} labels for {n_g} observed groups (codes 0..{n_g - 1})")
    return g, n_g


def _single_payoff(pay, shape: tuple[int, int], actions: pd.Index):
    """pay as a flat numpy vector or cvxpy expression; a DataFrame's rows are aligned by label to actions."""
    if isinstance(pay, cp.Expression):
        if tuple(pay.shape) != shape:
            raise InputError(f"pay: has shape {tuple(pay.shape)}, expected the measure's shape {shape}")
        return cp.reshape(pay, (pay.size,), order="C") if pay.ndim != 1 else pay
    if isinstance(pay, pd.DataFrame):
        actions = resolved(actions)
        rows = pd.Index(pay.index)
        if set(rows) != set(actions) and len(pay.columns) == len(actions) and set(pay.columns) == set(actions):
            raise InputError("pay: the DataFrame's columns are the actions; rows must be the actions "
                             "(pay[a, s], the measure's orientation) — pass pay.T")
        pos = actions.get_indexer(rows)
        if rows.has_duplicates or (pos < 0).any() or len(rows) != len(actions):
            raise InputError(f"pay: row labels {list(rows)} are not the actions {list(actions)}")
        pay = pay.to_numpy(dtype=float)[np.argsort(pos)]
    try:
        arr = np.asarray(pay, dtype=float)
    except (TypeError, ValueError):
        raise InputError(f"pay: expected numbers of shape {shape}, got {type(pay).__name__}") from None
    if arr.shape != shape:
        hint = " (transposed? rows are the actions)" if arr.shape == shape[::-1] else ""
        raise InputError(f"pay: has shape {arr.shape}, expected the measure's shape {shape}{hint}")
    if not np.isfinite(arr).all():
        raise InputError("pay: contains NaN or infinite entries")
    return arr.reshape(-1)


def _single(M, pay, actions, groups, group_index) -> tuple[Obeyer, np.ndarray, pd.Index | LazyLabels, pd.Index | None]:
    if not isinstance(M, cp.Expression):
        raise InputError(f"M: expected a cvxpy expression (actions x unobserved states), got {type(M).__name__}")
    if M.ndim != 2:
        raise InputError(f"M: has shape {tuple(M.shape)}, expected 2 axes (recommended action, unobserved state)")
    n_act, n_s = (int(d) for d in M.shape)
    actions = _labels("actions", actions)
    if len(actions) != n_act:
        raise InputError(f"actions: {len(actions)} labels for {n_act} actions (the rows of M)")
    u = _single_payoff(pay, (n_act, n_s), actions)
    if groups is None and group_index is None:  # nothing observed besides the recommendation
        g, n_g = np.zeros(n_s, dtype=np.int64), 1
    else:
        g, n_g = _groups(np.zeros(n_s, int) if groups is None else groups, n_s, group_index)
    if group_index is not None:
        group_index = _labels("group_index", group_index)
    ob = Obeyer(signal=np.tile(g, n_act), action=np.repeat(np.arange(n_act), n_s), outcome=np.arange(n_act * n_s),
                stride=n_s, n_signals=n_g, n_actions=n_act, payoff=u)  # `obedience` labels the rows
    return ob, g, actions, group_index


def _codes(n_g: int, n_act: int) -> np.ndarray:
    rec, dev = np.nonzero(~np.eye(n_act, dtype=bool))
    pairs = len(rec)
    return np.column_stack([np.repeat(np.arange(n_g), pairs), np.tile(rec, n_g), np.tile(dev, n_g)])


def obedience_matrix(pay, groups=None) -> tuple[sp.csc_matrix, np.ndarray]:
    """The sparse D with D @ vec_C(M) = the obedience slacks of `obedience`, and the (g, a, b) code of each row."""
    arr = np.asarray(pay, dtype=float)
    if arr.ndim != 2:
        raise InputError(f"pay: has shape {arr.shape}, expected (actions, unobserved states)")
    ob, _, _, _ = _single(cp.Variable(arr.shape), arr, range(arr.shape[0]), groups, None)
    return ob.gain_matrix(), _codes(ob.n_signals, ob.n_actions)


def obedience(
    M: cp.Expression,
    pay,
    actions,
    *,
    groups=None,
    group_index=None,
    description: str = "recommendations are obeyed",
) -> Family:
    """Obedience of one agent (module docstring): for every observed g, recommended a, deviation b != a,

        sum_{s : groups[s] = g} (pay[a, s] - pay[b, s]) * M[a, s] >= 0.

    M: the joint measure, rows = the agent's recommended action a, columns = the unobserved rest s.
    pay: the agent's payoff pay[b, s], the same orientation and shape as M (numpy, a DataFrame whose
    rows are labelled by the actions, or a cvxpy expression of Parameters). actions: the labels of
    M's rows (a list or an Index; its name names the `recommended` level). groups: optional integer
    code per column of M (0..G-1) naming what the agent observes besides its recommendation;
    group_index: the G labels of those observations. Rows: (group, recommended, deviation), or
    (recommended, deviation) without groups. The special case of `obedience_family` with one agent.
    """
    ob, _, actions, group_index = _single(M, pay, actions, groups, group_index)
    n_signals, n_actions, observed = ob.n_signals, ob.n_actions, groups is not None

    def rows() -> pd.MultiIndex:  # built when first read (it holds only what the labels need)
        codes = _codes(n_signals, n_actions)
        recommended = resolved(actions)
        levels, level_codes = [recommended, recommended], [codes[:, 1], codes[:, 2]]
        names = [recommended.name or "recommended", "deviation"]
        if observed:
            gi = group_index if group_index is not None else pd.RangeIndex(n_signals, name="observed")
            levels.insert(0, gi)
            level_codes.insert(0, codes[:, 0])
            names.insert(0, gi.name or "observed")
        if all(level.is_unique for level in levels):  # the codes are known: no factorizing
            return pd.MultiIndex(levels=levels, codes=level_codes, names=names, verify_integrity=False)
        return pd.MultiIndex.from_arrays([np.asarray(lv)[c] for lv, c in zip(levels, level_codes)], names=names)

    return obedience_family(cp.vec(M, order="C"), [ob], LazyLabels(ob.n_rows, rows), description)

"""Obedience of recommendations (Bayesian persuasion / Bayes correlated equilibrium).

An agent is recommended action a and may also observe a signal g (its own report, say). It does
not observe s, the rest of the state. With M[a, s] >= 0 the joint measure of (recommendation a,
unobserved s) and pay[b, s] the agent's payoff from action b at s, obedience requires for every
observed g, recommended a and deviation b != a:

    sum_{s in g} (pay[a, s] - pay[b, s]) * M[a, s] >= 0.

The family is one sparse matrix times vec(M): one cvxpy constraint, rows labelled (g,) a, b.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import InputError
from ..core.family import Family, family


def obedience_matrix(pay: np.ndarray, groups: np.ndarray | None = None) -> tuple[sp.csr_matrix, np.ndarray]:
    """The sparse matrix D with D @ vec_C(M) = obedience slacks, and the (g, a, b) code of each row."""
    n_act, n_s = pay.shape
    groups = np.zeros(n_s, dtype=int) if groups is None else np.asarray(groups)
    gain = pay[:, None, :] - pay[None, :, :]  # gain[a, b, s] = pay[a, s] - pay[b, s]
    a, b, s = np.nonzero(gain)
    keep = a != b
    a, b, s = a[keep], b[keep], s[keep]
    n_g = int(groups.max()) + 1
    pairs = n_act * (n_act - 1)
    # row of (g, a, b): groups outermost, then recommended a, then deviation b != a
    rows = groups[s] * pairs + a * (n_act - 1) + b - (b > a)
    rec, dev = np.nonzero(~np.eye(n_act, dtype=bool))
    codes = np.column_stack([np.repeat(np.arange(n_g), pairs), np.tile(rec, n_g), np.tile(dev, n_g)])
    D = sp.csr_matrix((gain[a, b, s], (rows, a * n_s + s)), shape=(n_g * pairs, n_act * n_s))
    return D, codes


def obedience(
    M: cp.Expression,
    pay,
    actions: pd.Index,
    *,
    groups=None,
    group_index: pd.Index | None = None,
    description: str = "recommendations are obeyed",
) -> Family:
    """Obedience family for joint measure `M` (actions x unobserved states) and payoff `pay` (same shape).

    groups: optional integer label per column of M naming what the agent observes besides its
    recommendation (0..G-1); rows are then indexed (group, recommended, deviation).
    """
    pay = np.asarray(pay, dtype=float)
    if pay.shape != tuple(M.shape):
        raise InputError(f"pay: has shape {pay.shape}, expected the measure's shape {tuple(M.shape)}")
    if len(actions) != pay.shape[0]:
        raise InputError(f"actions: {len(actions)} labels for {pay.shape[0]} actions")
    if groups is not None:
        groups = np.asarray(groups, dtype=int)
        if groups.shape != (pay.shape[1],) or groups.min() < 0:
            raise InputError(f"groups: expected {pay.shape[1]} non-negative integer labels")
    D, codes = obedience_matrix(pay, groups)
    act = np.asarray(actions)
    arrays = [act[codes[:, 1]], act[codes[:, 2]]]
    names = [actions.name or "recommended", "deviation"]
    if groups is not None:
        gi = group_index if group_index is not None else pd.RangeIndex(codes[:, 0].max() + 1, name="observed")
        arrays.insert(0, np.asarray(gi)[codes[:, 0]])
        names.insert(0, gi.name or "observed")
    index = pd.MultiIndex.from_arrays(arrays, names=names)
    return family(D @ cp.vec(M, order="C"), ">=", 0.0, index, description)

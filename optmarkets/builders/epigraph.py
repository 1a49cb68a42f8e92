"""Best-response epigraph: a variable bounds an agent's best payoff in a segment.

A segment is a row `s` of a measure M[s, i] over states i. An agent of kind j who sees the segment
picks the action p that maximises `sum_i M[s, i] pay[j, p, i]`, or an outside action worth 0. For
each bound row t (a segment seg[t] and an agent kind agent[t]) the family asks

    bound[t] >= sum_i M[seg[t], i] pay[agent[t], p, i]      for every action p,

which, with bound >= 0 for the outside action, makes bound[t] >= the agent's best payoff in the
segment. This is how an LP carries the *off-path* value of a deviator who re-optimises (a maximum of
linear forms) while staying linear. Rows whose payoff is nowhere positive are implied by bound >= 0
and are left out (pass keep_all=True to keep them). Its price is minus the marginal value of
relaxing the deviator's bound: how much the designer would gain if that deviation paid less.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import InputError
from ..core.family import Family, family


def best_response_bound(bound: cp.Expression, M: cp.Expression, segment, agent, pay, *,
                        index: pd.Index, actions: pd.Index, candidates=None, keep_all: bool = False,
                        description: str = "bounds every deviator's best payoff in every segment") -> Family:
    """bound[t] - sum_i M[segment[t], i] pay[agent[t], p, i] >= 0, rows (index[t]..., action p).

    bound: (T,) expression (assumed >= 0 elsewhere); M: (S, I) measure; segment, agent: (T,) integer
    arrays; pay: (J, P, I) payoffs of agent kind j from action p in state i; index: labels of the T
    bound rows; actions: labels of the P actions.
    """
    pay = np.asarray(pay, dtype=float)
    segment, agent = np.asarray(segment, dtype=int), np.asarray(agent, dtype=int)
    n_seg, n_state = M.shape
    if pay.ndim != 3 or pay.shape[2] != n_state:
        raise InputError(f"pay: expected (kinds, actions, {n_state}) payoffs, got shape {pay.shape}")
    if segment.shape != (bound.size,) or agent.shape != (bound.size,) or len(index) != bound.size:
        raise InputError(f"segment: segment, agent and index must have one entry per bound ({bound.size})")
    if len(actions) != pay.shape[1]:
        raise InputError(f"actions: {len(actions)} labels for {pay.shape[1]} actions")
    rows_pay = pay[agent]  # (T, P, I)
    keep = np.ones(rows_pay.shape[:2], bool) if keep_all else (rows_pay > 0).any(axis=2)
    if candidates is not None:
        candidates = np.asarray(candidates, dtype=bool)
        if candidates.shape != keep.shape:
            raise InputError(f"candidates: expected a {keep.shape} mask, got shape {candidates.shape}")
        keep &= candidates
    t, p = np.nonzero(keep)
    coef = rows_pay[t, p]  # (R, I)
    r, i = np.nonzero(coef)
    A = sp.csr_matrix((coef[r, i], (r, segment[t[r]] * n_state + i)), shape=(t.size, n_seg * n_state))
    picks = sp.csr_matrix((np.ones(t.size), (np.arange(t.size), t)), shape=(t.size, bound.size))
    lhs = picks @ bound - A @ cp.vec(M, order="C")
    levels = index if isinstance(index, pd.MultiIndex) else pd.MultiIndex.from_arrays([index])
    arrays = [levels.get_level_values(n)[t] for n in range(levels.nlevels)] + [np.asarray(actions)[p]]
    names = [*levels.names, actions.name or "action"]
    return family(lhs, ">=", 0.0, pd.MultiIndex.from_arrays(arrays, names=names), description)

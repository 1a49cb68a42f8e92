"""Interim (conditional) expectations of a payoff under a joint measure, and families built on them.

With the same conventions as the obedience builder — M[a, s] >= 0 the measure of (the agent's
recommended action a, the unobserved rest s) conditional on what the agent observes, and
groups[s] the observation (its own report, say) — the interim expectation of pay[a, s] is

    E[pay | g] = sum_{a, s in g} pay[a, s] * M[a, s]          (one entry per observation g).

`interim` keeps such expectations in auxiliary variables (`share == E[pay | g]`), so incentive rows
written on the shares stay sparse (4 nonzeros per IC row instead of O(|s|)). `expectation_floor`
asks `E[pay | g] >= floor[g]`, e.g. Bonatti et al.'s Prop. 4.3 form of obedience: the recommendation
is right at least as often as the prior's best guess.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import InputError
from ..core.family import Family, family
from .segmentation import rhs_data, row_labels


def expectation_matrix(pay: np.ndarray, groups: np.ndarray, n_groups: int | None = None) -> sp.csr_matrix:
    """The sparse G with G @ vec_C(M) = (E[pay | g])_g: G[groups[s], a*n_s + s] = pay[a, s]."""
    try:
        pay = np.atleast_2d(np.asarray(pay, dtype=float))
    except (TypeError, ValueError):
        raise InputError(f"pay: expected numbers (actions x unobserved states), got {type(pay).__name__}") from None
    if pay.ndim != 2 or not np.isfinite(pay).all():
        raise InputError(f"pay: expected finite numbers of shape (actions, unobserved states), got shape {pay.shape}")
    n_act, n_s = pay.shape
    raw = np.asarray(groups)
    if raw.shape != (n_s,) or (n_s and (not np.issubdtype(raw.dtype, np.number) or np.any(np.mod(raw, 1) != 0)
                                        or raw.min() < 0)):
        raise InputError(f"groups: expected {n_s} non-negative integer codes (one per column of pay)")
    groups = raw.astype(int)
    n_g = int(groups.max()) + 1 if n_groups is None else int(n_groups)
    if n_s and n_g <= groups.max():
        raise InputError(f"n_groups: {n_g} groups but groups uses codes up to {groups.max()}")
    a, s = np.nonzero(pay)
    return sp.csr_matrix((pay[a, s], (groups[s], a * n_s + s)), shape=(n_g, n_act * n_s))


def conditional_expectation(M: cp.Expression, pay, groups, n_groups: int | None = None) -> cp.Expression:
    """E[pay | g] for every observation g, as one affine expression (M and pay: actions x unobserved)."""
    if not isinstance(M, cp.Expression) or M.ndim not in (1, 2):
        raise InputError(f"M: expected a 1-D or 2-D cvxpy expression (actions x unobserved states), got "
                         f"{tuple(M.shape) if isinstance(M, cp.Expression) else type(M).__name__}")
    pay = np.asarray(pay, dtype=float)
    shape = tuple(M.shape) if M.ndim == 2 else (1, M.shape[0])
    if pay.reshape(shape).shape != shape or pay.size != M.size:
        raise InputError(f"pay: has shape {pay.shape}, expected the measure's shape {tuple(M.shape)}")
    return expectation_matrix(pay.reshape(shape), groups, n_groups) @ cp.vec(M, order="C")


def interim(share: cp.Expression, expected: cp.Expression, index: pd.Index | None = None, *,
            description: str = "interim shares: share(g) = E[payoff | g]") -> Family:
    """share[g] == expected[g], one row per observation g (the definition of auxiliary interim variables)."""
    for name, e in (("share", share), ("expected", expected)):
        if not isinstance(e, cp.Expression):
            raise InputError(f"{name}: expected a cvxpy expression, got {type(e).__name__}")
    if tuple(share.shape) != tuple(expected.shape):
        raise InputError(f"share: has shape {tuple(share.shape)}, expected {tuple(expected.shape)}")
    return family(expected - share, "==", 0.0, row_labels("index", index, tuple(expected.shape)), description)


def expectation_floor(expected: cp.Expression, floor, index: pd.Index | None = None, *,
                      description: str = "interim expectation at least the floor") -> Family:
    """expected[g] >= floor[g], one row per observation g; its price is d(value)/d(floor) <= 0 in a max."""
    if not isinstance(expected, cp.Expression):
        raise InputError(f"expected: expected a cvxpy expression, got {type(expected).__name__}")
    shape = tuple(int(d) for d in expected.shape)
    rows = row_labels("index", index, shape)
    return family(expected, ">=", rhs_data("floor", floor, shape, nonneg=False, labels=rows), rows, description)

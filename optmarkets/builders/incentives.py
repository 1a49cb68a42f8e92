"""Incentive families: truthful reporting (IC), participation (IR) and monotonicity.

U[k, j] is the utility of a type-k agent who reports j (an affine expression, types x reports).
IC asks U[k, k] >= U[k, j] for every k != j (or only for adjacent j = k +- 1, which suffices for
one-dimensional types with single-crossing utility). IR asks U[k, k] >= outside[k].
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd

from ..core.errors import InputError
from ..core.family import Family, family


def report_utility(values, allocation: cp.Expression, payment: cp.Expression) -> cp.Expression:
    """U[k, j] = values[k] . allocation[j] - payment[j] for linear utility.

    values: (K,) with allocation (K,) (one good), or (K, G) with allocation (K, G) (one row per report).
    """
    values = np.asarray(values, dtype=float)
    k = values.shape[0]
    if allocation.ndim == 1:
        gross = values.reshape(k, 1) @ cp.reshape(allocation, (1, k), order="C")
    else:
        gross = values @ allocation.T
    return gross - np.ones((k, 1)) @ cp.reshape(payment, (1, k), order="C")


def truthful(U: cp.Expression, types: pd.Index, *, pairs: str = "all",
             description: str = "truthful reporting is optimal (IC)") -> Family:
    """IC rows (type k, report j): U[k, k] - U[k, j] >= 0; pairs "all" or "adjacent"."""
    k = U.shape[0]
    if U.shape != (k, k) or len(types) != k:
        raise InputError(f"U: expected a square (types x reports) expression for {len(types)} types, got {U.shape}")
    if pairs == "all":
        true, rep = np.nonzero(~np.eye(k, dtype=bool))
    elif pairs == "adjacent":
        true = np.concatenate([np.arange(1, k), np.arange(k - 1)])
        rep = np.concatenate([np.arange(k - 1), np.arange(1, k)])
    else:
        raise InputError(f"pairs: must be 'all' or 'adjacent', got {pairs!r}")
    flat = cp.vec(U, order="C")
    lhs = flat[true * k + true] - flat[true * k + rep]
    t = np.asarray(types)
    index = pd.MultiIndex.from_arrays([t[true], t[rep]], names=[types.name or "type", "report"])
    return family(lhs, ">=", 0.0, index, description)


def participation(U: cp.Expression, outside, types: pd.Index,
                  description: str = "participation beats the outside option (IR)") -> Family:
    """IR rows (type k): U[k, k] >= outside[k]."""
    k = U.shape[0]
    truth = cp.vec(U, order="C")[np.arange(k) * (k + 1)]
    return family(truth, ">=", outside, types, description)


def monotone(x: cp.Expression, index: pd.Index | None = None,
             description: str = "non-decreasing in type") -> Family:
    """x[k+1] - x[k] >= 0 for a vector x ordered by type."""
    return family(cp.diff(x), ">=", 0.0, index[1:] if index is not None else None, description)

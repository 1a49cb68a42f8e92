"""Segmentation families: consistency (Bayes plausibility) and supply limits.

Consistency: M[a, s] >= 0 is the joint measure of (segment or recommendation a: the rows of M, type
s: the columns of M). With axis=0 it requires, for every type s,

    sum_a M[a, s] == market[s],

(axis=1 sums each row instead: sum_s M[a, s] == market[a]). Written on joint measures this is
linear, and it is exactly Bayes plausibility of the segments (segments average to the market). Its
price is the marginal value of one more unit of type-s mass.

Supply limit: a quantity may not exceed what exists, quantity[j] <= cap[j] for every good/type j
(e.g. records sold <= consumers); its price is the scarcity rent of the cap.
"""

from __future__ import annotations

import math

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import InputError
from ..core.family import Family, family
from ..core.validate import LazyLabels, by_label, real_array
from .game_labels import as_index


def rhs_data(name: str, data, shape: tuple[int, ...], *, nonneg: bool, labels=None):
    """A right-hand side: a number (broadcast), numbers of `shape`, or a cvxpy expression of `shape`. A
    pandas Series (DataFrame for 2-D rows) is aligned to the rows' `labels` by label (`core.validate.by_label`:
    labels missing, extra or repeated, or labelled data for unlabelled rows, are an InputError naming it)."""
    if isinstance(data, cp.Expression):
        if data.size != 1 and tuple(data.shape) != shape:
            raise InputError(f"{name}: has shape {tuple(data.shape)}, expected {shape}")
        return data
    if data is None:
        raise InputError(f"{name}: expected numbers of shape {shape}, got None")
    arr = real_array(name, by_label(name, data, labels), what=f"numbers of shape {shape}")
    if arr.size != 1 and arr.shape != shape:
        raise InputError(f"{name}: has shape {arr.shape}, expected {shape} or a single number")
    if not np.isfinite(arr).all():
        raise InputError(f"{name}: contains NaN or infinite entries")
    if nonneg and (arr < 0).any():
        raise InputError(f"{name}: must be non-negative")
    return arr


def row_labels(name: str, index, shape: tuple[int, ...]):
    """Row labels: None, a list or Index (one label per row), or a tuple of two for a 2-D family."""
    if index is None:
        return None
    if isinstance(index, tuple):
        if len(index) != len(shape):
            raise InputError(f"{name}: {len(index)} label lists for a family with {len(shape)} axes {shape}")
        return tuple(row_labels(name, ix, (n,)) for ix, n in zip(index, shape, strict=True))
    ix = index if isinstance(index, pd.Index | LazyLabels) else as_index(name, index)
    n_rows = math.prod(shape)
    if len(ix) != n_rows:
        raise InputError(f"{name}: {len(ix)} labels for {n_rows} rows")
    return ix


def consistency(M: cp.Expression, market, index=None, *, axis: int = 0,
                description: str = "segments add up to the market (Bayes plausibility)") -> Family:
    """sum of M over `axis` == market, one row per type (see the module docstring).

    M: a 2-D cvxpy expression, rows = segments, columns = types (axis=0 sums over the segments).
    market: one mass per row of the result (a list, an array or a cvxpy expression such as a
    Parameter), non-negative; a pandas Series is aligned to `index` by label. index: the row labels
    (a list or an Index of that length).
    """
    if not isinstance(M, cp.Expression) or M.ndim != 2:
        raise InputError(f"M: expected a 2-D cvxpy expression (segments x types), got "
                         f"{tuple(M.shape) if isinstance(M, cp.Expression) else type(M).__name__}")
    if axis not in (0, 1):
        raise InputError(f"axis: must be 0 (sum over segments, one row per type) or 1, got {axis!r}")
    shape = (int(M.shape[1 - axis]),)
    rows = row_labels("index", index, shape)
    rhs = rhs_data("market", market, shape, nonneg=True, labels=rows)
    return family(cp.sum(M, axis=axis), "==", rhs, rows, description)


def supply_limit(quantity: cp.Expression, cap, index=None, *,
                 description: str = "no more than is available") -> Family:
    """quantity <= cap, one row per good/type; cap a number or one per entry of quantity (a pandas Series or
    DataFrame aligned to `index` by label)."""
    if not isinstance(quantity, cp.Expression):
        raise InputError(f"quantity: expected a cvxpy expression, got {type(quantity).__name__}")
    shape = tuple(int(d) for d in quantity.shape)
    rows = row_labels("index", index, shape)
    rhs = rhs_data("cap", cap, shape, nonneg=False, labels=rows)
    return family(quantity, "<=", rhs, rows, description)


def price_obedience(mu: cp.Expression, suffix: cp.Expression, kept: np.ndarray, prices: pd.Index, index, *,
                    description: str = "the segment's price is the seller's best price") -> dict[str, Family]:
    """A seller's obedience when price p earns p on every value v >= p (values and prices one increasing grid
    of n points), on suffix masses S[j, p] = sum_{i >= j} mu[kept_i, p], the mass of segment p at the kept
    values from the j-th on (`kept`: increasing grid positions of the values with mass, m of them):

        suffix     S[j, p] - S[j + 1, p] - mu[kept_j, p] == 0      rows (value, price), S[m, p] = 0
        obedience  p S[j(p), p] - p' S[j(p'), p] >= 0              rows (price p, deviation p' != p)

    with j(q) the first kept value >= q (a price above every kept value earns nothing): the same rows as the
    game obedience sum_v mu[v, p] (p 1[v >= p] - p' 1[v >= p']) >= 0, two nonzeros each instead of up to n
    (about 3 m n + 2 n^2 nonzeros in all instead of m n^2). mu: the flat measure, kept values x prices in C
    order; suffix: m n entries in the same order; index: the obedience rows' labels (p, p' in
    `np.nonzero(~eye(n))` order)."""
    n, m = len(prices), int(np.asarray(kept).size)
    if mu.shape != (m * n,) or suffix.shape != (m * n,):
        raise InputError(f"mu, suffix: have shapes {mu.shape}, {suffix.shape}, expected ({m * n},) each "
                         "(kept values x prices)")
    r = np.arange(m * n)
    below = r < n * (m - 1)  # S[j + 1, p] exists
    step = sp.csr_matrix((np.r_[np.ones(m * n), -np.ones(int(below.sum()))],
                          (np.r_[r, r[below]], np.r_[r, r[below] + n])), shape=(m * n, m * n))
    price = np.asarray(prices, dtype=float)
    first = np.searchsorted(np.asarray(kept), np.arange(n))  # the first kept position >= each price's
    p, d = np.nonzero(~np.eye(n, dtype=bool))
    at = np.arange(p.size)
    own, other = first[p] < m, first[d] < m
    gain = sp.csr_matrix((np.r_[price[p][own], -price[d][other]],
                          (np.r_[at[own], at[other]], np.r_[(first[p] * n + p)[own], (first[d] * n + p)[other]])),
                         shape=(p.size, m * n))
    grid = np.asarray(prices, dtype=object)
    cells = LazyLabels(m * n, lambda: pd.MultiIndex.from_product([pd.Index(grid[kept], name="value"), prices],
                                                                   names=["value", "price"]), unique=True)
    return {"suffix": family(step @ suffix - mu, "==", 0.0, cells, "S[j, p]: segment p's mass at values >= the j-th"),
            "obedience": family(gain @ suffix, ">=", 0.0, index, description)}

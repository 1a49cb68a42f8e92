"""Aligning data over a game's outcomes by label: arrays, pandas and xarray objects.

An *outcome array* has one axis per entry of `axes` (an ordered mapping name -> pandas Index): the
state first when there is one, then each player's action in the order of the players. Plain arrays
(and nested lists) must have exactly that shape, in that axis order. Labelled objects are aligned by
label, never by position:

- xarray.DataArray: dims named after the axes (any order), coordinates naming the labels;
- pandas.DataFrame: two axes; `index.name` and `columns.name` naming both axes fix the orientation
  (both unnamed: rows are the first axis, columns the second);
- pandas.Series: one axis (a plain Index) or several (a MultiIndex whose level names, when given,
  name the axes).

Axis names, when given, must name every axis after the game's (`core.validate.axis_order`): a
misspelt name, or names on only some axes, are an InputError, never read by position.

A label that names no entry of its axis, a missing label or a duplicate is an InputError naming
the argument and the labels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..core.errors import InputError
from ..core.limits import labels_size
from ..core.validate import axis_order, label_sequence, real_array


def as_index(name: str, labels, *, axis_name: str | None = None) -> pd.Index:
    """A non-empty pandas Index of unique labels from a list, tuple, Index or range (an int n: 0..n-1)."""
    if isinstance(labels, int | np.integer) and not isinstance(labels, bool):
        labels_size(name, max(int(labels), 0)).check()  # before n becomes labels (len(range(10**30)) overflows)
        labels = range(int(labels))
    label_sequence(name, labels)
    labels_size(name, len(labels)).check()  # before a sequence becomes a list
    labels = list(labels)
    for lab in labels:
        try:
            hash(lab)
        except TypeError:
            raise InputError(f"{name}: a label must be a number or a string, got {lab!r}") from None
    idx = pd.Index(labels, name=axis_name, tupleize_cols=False)  # tuple labels stay labels (no MultiIndex)
    if len(idx) == 0:
        raise InputError(f"{name}: must not be empty")
    if idx.has_duplicates:
        raise InputError(f"{name}: duplicate labels {list(idx[idx.duplicated()].unique())}")
    return idx


def _positions(name: str, axis: str, expected: pd.Index, given) -> np.ndarray:
    given = pd.Index(list(given), tupleize_cols=False)
    if given.has_duplicates:
        raise InputError(f"{name}: duplicate labels {list(given[given.duplicated()].unique())} on axis '{axis}'")
    pos = expected.get_indexer(given)
    if (pos < 0).any():
        raise InputError(f"{name}: labels {list(given[pos < 0])} on axis '{axis}' name no entry of it "
                         f"(expected {list(expected)})")
    if len(given) != len(expected):
        missing = [x for x in expected if x not in set(given)]
        raise InputError(f"{name}: axis '{axis}' lacks labels {missing}")
    return pos


def _axis_order(name: str, names: Sequence, axes: Mapping[str, pd.Index]) -> list[str]:
    return axis_order(name, names, list(axes))


def outcome_array(name: str, data, axes: Mapping[str, pd.Index]) -> np.ndarray:
    """`data` as a finite float array of shape (len(ax) for ax in axes.values()), aligned by label."""
    keys = list(axes)
    shape = tuple(len(ix) for ix in axes.values())
    arr = _labelled(name, data, axes) if _is_labelled(data) else None
    if arr is None:
        arr = real_array(name, data, what=f"numbers over axes {tuple(keys)}")
        if arr.shape != shape:
            raise InputError(f"{name}: has shape {arr.shape}, expected {shape} (axes {tuple(keys)})")
    if not np.isfinite(arr).all():
        raise InputError(f"{name}: contains NaN or infinite entries")
    return arr


def _is_labelled(data) -> bool:
    return isinstance(data, pd.Series | pd.DataFrame) or type(data).__name__ == "DataArray"


def _labelled(name: str, data, axes: Mapping[str, pd.Index]) -> np.ndarray:
    if isinstance(data, pd.DataFrame):
        # unnamed: rows the first axis, columns the second; named: by name (a misspelt or missing
        # name is refused, never read by position)
        order = _axis_order(name, [data.index.name, data.columns.name], axes)
        values = real_array(name, data)
        pos = [_positions(name, order[0], axes[order[0]], data.index),
               _positions(name, order[1], axes[order[1]], data.columns)]
        out = np.empty((len(axes[order[0]]), len(axes[order[1]])))
        out[np.ix_(*pos)] = values
        return np.transpose(out, [order.index(k) for k in axes])
    if isinstance(data, pd.Series):
        idx = data.index
        names = list(idx.names) if isinstance(idx, pd.MultiIndex) else [idx.name]
        order = _axis_order(name, names, axes)
        levels = [idx.get_level_values(i) for i in range(len(names))]
        codes = []
        for axis, level in zip(order, levels, strict=True):
            pos = axes[axis].get_indexer(level)
            if (pos < 0).any():
                raise InputError(f"{name}: labels {list(pd.unique(level[pos < 0]))} on axis '{axis}' name no entry "
                                 f"of it (expected {list(axes[axis])})")
            codes.append(pos)
        shape = tuple(len(axes[a]) for a in order)
        flat = np.ravel_multi_index(tuple(codes), shape) if codes else np.zeros(0, int)
        if len(np.unique(flat)) != len(flat):
            raise InputError(f"{name}: duplicate outcomes in its index")
        if len(flat) != int(np.prod(shape)):
            raise InputError(f"{name}: covers {len(flat)} of the {int(np.prod(shape))} outcomes; every outcome needs "
                             "a value")
        values = np.empty(int(np.prod(shape)))
        values[flat] = real_array(name, data)
        return np.transpose(values.reshape(shape), [order.index(k) for k in axes])
    # xarray.DataArray
    dims = [str(d) for d in data.dims]
    order = _axis_order(name, dims, axes)
    pos = [_positions(name, d, axes[d], data.coords[d].values if d in data.coords else range(data.sizes[d]))
           for d in order]
    out = np.empty(tuple(len(axes[d]) for d in order))
    out[np.ix_(*pos)] = real_array(name, data.values)
    return np.transpose(out, [order.index(k) for k in axes])


def payoff_data(name: str, data, axes):
    """A payoff over `axes` (a MeasureAxes) as a flat outcome vector: numpy (aligned by label) or cvxpy.

    A numpy array of the outcome shape (state, actions of each player) or already flat is taken in
    that axis order; labelled pandas/xarray objects are aligned by label; a cvxpy expression (of
    Parameters, say) must have one entry per outcome and is flattened in C order.
    """
    import cvxpy as cp

    n_out = int(np.prod(axes.outcome_shape))
    if isinstance(data, cp.Expression):
        if data.size != n_out:
            raise InputError(f"{name}: has {data.size} entries, expected {n_out} over axes "
                             f"{tuple(axes.outcome_axes())} ({axes.outcome_shape})")
        return data if data.ndim == 1 else cp.reshape(data, (n_out,), order="C")
    if isinstance(data, np.ndarray) and data.shape in (tuple(axes.outcome_shape), (n_out,)):
        arr = real_array(name, data)  # already in the flat (state, actions) layout
        if not np.isfinite(arr).all():
            raise InputError(f"{name}: contains NaN or infinite entries")
        return arr.reshape(-1)
    return outcome_array(name, data, axes.outcome_axes()).reshape(-1)

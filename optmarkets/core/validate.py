"""Validation at the door: finite vectors, matrices, probabilities, weights and labels.

Every public constructor in optmarkets passes its data through these checks, so a bad input fails
here with a message that names the argument and what is wrong with it, never later inside a solver.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from numbers import Real
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError
from .tolerances import PROB_TOL


def _positional(labels: pd.Index) -> bool:
    """A default RangeIndex carries no labels: such a pandas object is read by position."""
    return isinstance(labels, pd.RangeIndex) and labels.start == 0 and labels.step == 1


class LazyLabels:
    """Labels built when first read. Building a pandas Index costs more than a small model's whole
    constraint matrix (~0.2 ms each right after a solver run has evicted the caches), and a solve read
    only for its value or prices by position never needs one. The number of labels is known up
    front (builders check sizes with `len`); `resolve()` builds the Index once. `unique`: the maker
    vouches that the labels are distinct (they come from validated, strictly increasing data)."""

    __slots__ = ("_index", "_make", "size", "unique")

    def __init__(self, size: int, make: Callable[[], pd.Index], *, unique: bool = False) -> None:
        self.size, self.unique = int(size), unique
        self._make: Callable[[], pd.Index] | None = make
        self._index: pd.Index | None = None

    def __len__(self) -> int:
        return self.size

    def resolve(self) -> pd.Index:
        """The Index, built on the first call. Safe from several threads: each reads the maker once, and a thread
        that finds it gone finds the Index another thread stored first (two may both build it: equal Indexes)."""
        index = self._index
        if index is None:
            make = self._make
            if make is None:  # another thread built it between the two reads
                index = self._index
                assert index is not None
                return index
            index = make()
            self._index, self._make = index, None
        return index

    def __reduce__(self) -> tuple:  # pickled built (its maker may be a closure), still LazyLabels
        return (_built, (self.resolve(), self.unique))

    def __repr__(self) -> str:
        return f"<LazyLabels: {self.size} labels{', built' if self._index is not None else ''}>"


def _built(index: pd.Index, unique: bool) -> LazyLabels:
    labels = LazyLabels(len(index), lambda: index, unique=unique)
    labels.resolve()
    return labels


def resolved(index: Any) -> Any:
    """`index` with every LazyLabels in it (a tuple of row and column labels too) built."""
    if isinstance(index, LazyLabels):
        return index.resolve()
    if isinstance(index, tuple):
        return tuple(resolved(i) for i in index)
    return index


def align(name: str, data: Any, index: pd.Index | LazyLabels | None, *, axis_name: str = "labels") -> Any:
    """`data` reordered to `index` by label when it is a labelled pandas Series; labels that name
    nothing in `index`, or labels of `index` it lacks, are an InputError naming them. A Series with a
    default RangeIndex, and anything that is not a Series, is returned unchanged (read by position)."""
    if index is None or not isinstance(data, pd.Series) or _positional(data.index):
        return data
    return _reindex(name, data, resolved(index), axis_name)


def _reindex(name: str, data: Any, index: pd.Index, axis_name: str) -> Any:
    if index.has_duplicates:  # no label then names one row
        raise InputError(f"{name}: the {axis_name} it would be aligned to repeat "
                         f"{sorted(map(str, index[index.duplicated()].unique()))[:10]}, so it cannot be read by label; "
                         "give plain numbers in row order")
    if data.index.has_duplicates:
        raise InputError(f"{name}: duplicate {axis_name} {sorted(map(str, data.index[data.index.duplicated()]))}")
    where = index.get_indexer(data.index)
    unknown = [str(lab) for lab, k in zip(data.index, where) if k < 0]
    found = set(where[where >= 0].tolist())
    missing = [str(index[k]) for k in range(len(index)) if k not in found]
    if unknown or missing:
        parts = ([f"unknown {axis_name} {unknown}"] if unknown else []) + ([f"missing {missing}"] if missing else [])
        raise InputError(f"{name}: {'; '.join(parts)}; expected {axis_name} {[str(v) for v in index]}")
    out = np.empty(len(index), dtype=object)
    out[where] = data.to_numpy()
    return pd.Series(out, index=index, name=data.name)


def align_frame(name: str, data: Any, rows: pd.Index | None, columns: pd.Index | None) -> Any:
    """A DataFrame reordered to (rows, columns) by label (each axis with labels other than a default
    RangeIndex); mismatched labels are an InputError naming them."""
    if not isinstance(data, pd.DataFrame):
        return data
    frame = data
    if rows is not None and not _positional(frame.index):
        order = _reindex(f"{name} (rows)", pd.Series(np.arange(len(frame)), index=frame.index), rows, "row labels")
        frame = frame.iloc[order.to_numpy().astype(int)].set_axis(rows, axis=0)
    if columns is not None and not _positional(frame.columns):
        order = _reindex(f"{name} (columns)", pd.Series(np.arange(frame.shape[1]), index=frame.columns), columns,
                         "column labels")
        frame = frame.iloc[:, order.to_numpy().astype(int)].set_axis(columns, axis=1)
    return frame


def by_label(name: str, data: Any, labels: Any) -> Any:
    """`data` as plain numbers in the order of `labels` (the rows of a family or of a parameter) when it is a
    pandas object; anything else is returned unchanged (read by position).

    labels: None, one list of labels (an Index, LazyLabels or list), or a (rows, columns) pair. A Series is
    aligned to one list of labels, a DataFrame (or a Series on a two-level MultiIndex) to a pair; labels
    missing, extra or repeated are an InputError naming `name`. An axis with a default RangeIndex carries no
    labels and is read by position (`align`). Where there are no labels (None), only such unlabelled pandas
    objects are read (by position): labelled data cannot be matched to rows without labels, an InputError."""
    if not isinstance(data, pd.Series | pd.DataFrame):
        return data
    kind = type(data).__name__
    labels = resolved(labels)
    if labels is None:
        axes = [data.index] if isinstance(data, pd.Series) else [data.index, data.columns]
        if all(_positional(ax) for ax in axes):
            return data.to_numpy()
        raise InputError(f"{name}: a {kind} with labels {[str(v) for v in axes[0][:5]]}, but its rows have no "
                         "labels to align it to (give index= the row labels, or plain numbers in row order)")
    if isinstance(labels, tuple):
        rows, cols = (_as_labels(ax) for ax in labels)
        if isinstance(data, pd.DataFrame):
            return align_frame(name, data, rows, cols).to_numpy()
        if isinstance(data.index, pd.MultiIndex) and data.index.nlevels == 2:
            flat = _reindex(name, data, pd.MultiIndex.from_product([rows, cols]), "(row, column) labels")
            return flat.to_numpy().reshape(len(rows), len(cols))
        if _positional(data.index):  # no labels: by position (broadcast as the numbers would be)
            return data.to_numpy()
        raise InputError(f"{name}: a Series, but the rows are labelled by (rows, columns); give a DataFrame "
                         "(or a Series on a (row, column) MultiIndex)")
    if isinstance(data, pd.DataFrame):
        raise InputError(f"{name}: a DataFrame, but the rows have one list of labels; give a Series indexed by them")
    return align(name, data, _as_labels(labels)).to_numpy()


def _as_labels(labels: Any) -> pd.Index:
    return labels if isinstance(labels, pd.Index) else pd.Index(list(labels))


def as_vector(name: str, data: Any, *, length: int | None = None,
              index: pd.Index | LazyLabels | None = None) -> np.ndarray:
    """A finite 1-D float array, or an InputError naming `name`. A labelled pandas Series is aligned
    to `index` by label (see `align`)."""
    data = align(name, data, index)
    arr = real_array(name, data, what="a number or a sequence of numbers")
    if arr.ndim == 0:
        arr = arr.reshape(1)
    if arr.ndim != 1:
        raise InputError(f"{name}: expected a 1-D sequence, got shape {arr.shape}")
    if arr.size == 0:
        raise InputError(f"{name}: must not be empty")
    bad = ~np.isfinite(arr)
    if bad.any():
        raise InputError(f"{name}: entry {int(np.argmax(bad))} is {arr[bad][0]} (NaN or infinite)")
    if length is not None and arr.size != length:
        raise InputError(f"{name}: has length {arr.size}, expected {length}")
    return arr


def as_matrix(name: str, data: Any, *, shape: tuple[int, int] | None = None,
              index: tuple[pd.Index, pd.Index] | None = None) -> np.ndarray:
    """A finite 2-D float array, or an InputError naming `name`. A labelled DataFrame is aligned to
    `index` = (rows, columns) by label."""
    if index is not None:
        data = align_frame(name, data, *index)
    arr = real_array(name, data, what="a table of numbers")
    if arr.ndim != 2:
        raise InputError(f"{name}: expected a 2-D array, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise InputError(f"{name}: contains NaN or infinite entries")
    if shape is not None and arr.shape != shape:
        raise InputError(f"{name}: has shape {arr.shape}, expected {shape}")
    return arr


def nonnegative(name: str, data: Any, *, length: int | None = None, strict: bool = False,
                index: pd.Index | LazyLabels | None = None) -> np.ndarray:
    """A finite vector with every entry >= 0 (> 0 when `strict`)."""
    arr = as_vector(name, data, length=length, index=index)
    bad = arr <= 0 if strict else arr < 0
    if bad.any():
        i = int(np.argmax(bad))
        need = "positive" if strict else "non-negative"
        raise InputError(f"{name}: entry {i} is {arr[i]:g}, must be {need}")
    return arr


def probabilities(name: str, data: Any, *, length: int | None = None, strict: bool = False,
                  index: pd.Index | LazyLabels | None = None) -> np.ndarray:
    """A probability vector: finite, non-negative (positive if `strict`), summing to one."""
    arr = nonnegative(name, data, length=length, strict=strict, index=index)
    total = arr.sum()
    if abs(total - 1.0) > PROB_TOL:
        raise InputError(f"{name}: probabilities sum to {total:.12g}, must sum to 1 (within {PROB_TOL:g})")
    return arr


def increasing(name: str, data: Any, *, positive: bool = False, nonneg: bool = False) -> np.ndarray:
    """A strictly increasing vector (sorted, no duplicates), optionally positive or non-negative."""
    arr = as_vector(name, data)
    steps = np.diff(arr)
    if (steps == 0).any():
        i = int(np.argmax(steps == 0))
        raise InputError(f"{name}: duplicate value {arr[i]:g} at positions {i} and {i + 1}")
    if (steps < 0).any():
        i = int(np.argmax(steps < 0))
        raise InputError(
            f"{name}: must be sorted increasingly, but entry {i + 1} ({arr[i + 1]:g}) < entry {i} ({arr[i]:g})"
        )
    if positive and arr[0] <= 0:
        raise InputError(f"{name}: entries must be positive, smallest is {arr[0]:g}")
    if nonneg and arr[0] < 0:
        raise InputError(f"{name}: entries must be non-negative, smallest is {arr[0]:g}")
    return arr


def weights(names: Sequence[str], values: Sequence[float]) -> tuple[float, ...]:
    """Objective weights: each finite and >= 0, not all zero."""
    out = []
    for name, value in zip(names, values, strict=True):
        arr = as_vector(name, value, length=1)
        if arr[0] < 0:
            raise InputError(f"{name}: is {arr[0]:g}, must be non-negative")
        out.append(float(arr[0]))
    if not any(out):
        raise InputError(f"{' and '.join(names)}: are all zero; at least one weight must be positive")
    return tuple(out)


def labels(name: str, values: np.ndarray) -> pd.Index:
    """A pandas Index of the values, named `name`; integral floats print as ints (1.0 -> 1)."""
    if np.all(values == np.round(values)) and np.all(np.abs(values) < 2.0 ** 53):  # exact as ints
        return pd.Index(values.astype(int), name=name)
    return pd.Index(values, name=name)


def lazy_labels(name: str, values: np.ndarray) -> LazyLabels:
    """`labels(name, values)` built when first read; the values must be distinct (validated,
    strictly increasing data), which the labels then vouch for."""
    values = np.array(values, dtype=float)
    return LazyLabels(values.size, lambda: labels(name, values), unique=True)


def positive_int(name: str, value: Any) -> int:
    """A whole number >= 1 (a count or a limit: not a bool, a float or a string), or an InputError."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InputError(f"{name}: must be a whole number >= 1, got {value!r}")
    return int(value)


def real_array(name: str, data: Any, *, what: str = "numbers") -> np.ndarray:
    """`data` as a float array of any shape, or an InputError naming `name`. Complex entries are
    refused: a float cast would silently drop their imaginary parts."""
    try:
        raw = np.asarray(data)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name}: expected {what} ({exc})") from None
    if raw.dtype.kind == "c":
        raise InputError(f"{name}: has complex entries; only real numbers are accepted")
    try:
        return raw.astype(float, copy=False)
    except (TypeError, ValueError) as exc:
        if raw.dtype == object and any(isinstance(v, complex | np.complexfloating) for v in raw.flat):
            raise InputError(f"{name}: has complex entries; only real numbers are accepted") from None
        raise InputError(f"{name}: expected {what} ({exc})") from None


def label_sequence(name: str, labels: Any) -> Any:
    """`labels` unchanged when it is a list of labels (a list, tuple, pandas Index, 1-D array or
    range), else an InputError naming `name`. A bare string is refused: read as a sequence it would
    become one label per character ("ab" -> ['a', 'b'])."""
    if isinstance(labels, str | bytes):
        raise InputError(f"{name}: expected a list of labels, got the string {labels!r} "
                         f"(write [{labels!r}] for a single label)")
    if not isinstance(labels, Sequence | pd.Index | np.ndarray | range) or getattr(labels, "ndim", 1) != 1:
        raise InputError(f"{name}: expected a list of labels, got {type(labels).__name__}")
    return labels


def axis_order(name: str, given: Sequence[Any], expected: Sequence[Any], *, what: str = "axis") -> list[Any]:
    """The entry of `expected` that each axis of a labelled object names, in the object's order.

    `given`: the object's axis names (pandas index/column/level names, xarray dims). All unnamed
    (None): the axes are read by position, in `expected` order. Otherwise every axis must be named
    and the names must be `expected` in some order (the data is then aligned by name); a name that
    is unknown, or names on only some axes, are an InputError rather than a silent positional read."""
    given, expected = list(given), list(expected)
    if all(g is None for g in given):
        if len(given) != len(expected):
            raise InputError(f"{name}: has {len(given)} axes, expected {len(expected)} {tuple(expected)}")
        return expected
    unknown = [g for g in given if g is not None and g not in expected]
    if unknown:
        raise InputError(f"{name}: {what} names {unknown} name no {what} (expected names {expected})")
    if any(g is None for g in given):
        raise InputError(f"{name}: only some axes are named ({given}); name every axis after {expected}, or none "
                         "to have them read by position")
    if len(given) != len(expected) or len(set(given)) != len(given):
        raise InputError(f"{name}: has axes {given}, expected each of {expected} once")
    return given


def finite_number(name: str, value: Any, *, positive: bool = False) -> float:
    """A finite real number (> 0 when `positive`; not a bool, a string or an array), or an InputError
    naming `name`. A NaN tolerance or bound would pass or fail every comparison silently."""
    need = "a finite positive number" if positive else "a finite number"
    number = float(value) if isinstance(value, Real) and not isinstance(value, bool | np.bool_) else math.nan
    if not math.isfinite(number) or (positive and not number > 0):
        raise InputError(f"{name}: must be {need}, got {value!r}")
    return number


def object_name(what: str, name: Any) -> str:
    """A name for a variable, parameter, family or model: a non-empty string (sol[name] reads it back)."""
    if not isinstance(name, str) or not name:
        raise InputError(f"name: a {what}'s name must be a non-empty string, got {name!r}")
    return name


def leaf_bounds(name: str, bounds: Any, shape: tuple[int, ...]) -> list[Any]:
    """A variable's `bounds=` as cvxpy takes it, [lower, upper], each None, a float or an array of `shape`; NaN,
    a lower bound of +inf, an upper of -inf or a lower bound above the upper are an InputError naming it."""
    if not isinstance(bounds, list | tuple) or len(bounds) != 2:
        raise InputError(f"bounds: '{name}' needs [lower, upper], each None, a number or an array of shape {shape}; "
                         f"got {bounds!r:.80}")
    out: list[Any] = []
    for side, b in zip(("lower", "upper"), bounds, strict=True):
        if b is None:
            out.append(None)
            continue
        arr = real_array(f"bounds ({side} bound of '{name}')", b)
        if arr.ndim and arr.shape != shape:
            raise InputError(f"bounds: the {side} bound of '{name}' has shape {arr.shape}, expected one number or "
                             f"{shape}")
        if np.isnan(arr).any() or (arr == (np.inf if side == "lower" else -np.inf)).any():
            raise InputError(f"bounds: the {side} bound of '{name}' has a NaN or {'+' if side == 'lower' else '-'}inf "
                             "entry")
        out.append(arr.copy() if arr.ndim else float(arr))
    lo, hi = out
    if lo is not None and hi is not None:
        above = np.broadcast_to(np.asarray(lo) > np.asarray(hi), shape)
        if above.any():
            k = int(np.argmax(above.reshape(-1)))
            low, high = (np.broadcast_to(b, shape).reshape(-1)[k] for b in (lo, hi))
            raise InputError(f"bounds: the lower bound of '{name}' is above the upper bound (flat entry {k}: "
                             f"{low:g} > {high:g})")
    return out


def leaf_labels(what: str, name: str, index: Any, shape: tuple[int, ...]) -> None:
    """Labels of a variable or parameter: one list of size entries (read in C order), or a (rows, columns)
    pair for a 2-D one; they are how sol[name] is read back, so they must fit its shape now."""
    if index is None:
        return
    if isinstance(index, str | bytes) or not hasattr(index, "__len__"):
        raise InputError(f"index: {what} '{name}' needs a list of labels (an Index) or a (rows, columns) pair, "
                         f"got {index!r:.80}")
    if isinstance(index, tuple):
        if len(index) != 2 or len(shape) != 2 or tuple(len(i) for i in index) != shape:
            raise InputError(f"index: {what} '{name}' has shape {shape}; a tuple of labels must be (rows, columns) "
                             f"of a 2-D shape, got sizes {tuple(len(i) for i in index)} (give one Index, a "
                             "MultiIndex say, of its entries in C order otherwise)")
    elif len(index) != math.prod(shape):
        raise InputError(f"index: {what} '{name}' has shape {shape} ({math.prod(shape)} entries), got "
                         f"{len(index)} labels")


def parameter_data(name: str, value: Any, labels: Any, validate: Callable[[Any], Any] | None) -> Any:
    """A pandas value read by the parameter's labels (`core.validate.by_label`). A validator given with the
    parameter reads it instead where the parameter has no labels or a MultiIndex (a game's payoffs aligned by
    axis names, a mechanism's options per agent)."""
    if not isinstance(value, pd.Series | pd.DataFrame):
        return value
    built = resolved(labels)
    if validate is not None and (built is None or isinstance(built, pd.MultiIndex)):
        return value
    return by_label(name, value, built)

"""The constraint family: what every builder returns.

A family is one vectorised cvxpy constraint `lhs (<=|>=|==) rhs` over an array, together with the
economic labels of its rows. The Model keeps it under a name; its dual comes back labelled the same
way, and its price is d(optimal value)/d(rhs) — the sign convention is fixed here, in one place.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

import cvxpy as cp
import numpy as np
import pandas as pd

from .errors import InputError
from .validate import LazyLabels, by_label, real_array, resolved

SENSES = ("<=", ">=", "==")

#: price = PRICE_SIGN[(objective sense, family sense)] * cvxpy's dual, so that every price is
#: d(optimal value) / d(rhs) in the model's units (the one place the convention is fixed).
PRICE_SIGN = {
    ("max", "<="): 1.0, ("max", ">="): -1.0, ("max", "=="): 1.0,
    ("min", "<="): -1.0, ("min", ">="): 1.0, ("min", "=="): -1.0,
}

#: Row labels: an Index for a vector, a (rows, columns) pair for a matrix; either may be LazyLabels
#: (built when first read, `core.validate.LazyLabels`)
Labels: TypeAlias = pd.Index | LazyLabels | tuple[pd.Index | LazyLabels, pd.Index | LazyLabels] | None


@dataclass(frozen=True, eq=False)
class Family:
    """`lhs sense rhs`, one cvxpy constraint, rows labelled by `labels` (a pandas Index for a vector,
    a (rows, columns) pair for a matrix; `index` is them built, where they were given lazily)."""

    lhs: cp.Expression
    sense: str
    rhs: cp.Expression
    labels: Labels = None
    description: str = ""
    constraint: cp.Constraint = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.sense not in SENSES:
            raise InputError(f"sense: must be one of {SENSES}, got {self.sense!r}")
        lhs, rhs = self.lhs, self.rhs
        if not isinstance(lhs, cp.Expression):
            raise InputError(f"lhs: expected a cvxpy expression, got {type(lhs).__name__} (`family` turns numbers "
                             "into one)")
        _check_labels(self.labels, lhs.shape)
        _check_rhs_shape(np.shape(rhs) if not isinstance(rhs, cp.Expression) else rhs.shape, lhs.shape)
        # Always `expression <op> data`: cvxpy flips equality duals when a Parameter is on the left.
        cons = {"<=": lambda: lhs <= rhs, ">=": lambda: lhs >= rhs, "==": lambda: lhs == rhs}[self.sense]()
        object.__setattr__(self, "constraint", cons)

    @property
    def index(self) -> Any:
        """The row labels as pandas objects (an Index, or a (rows, columns) pair)."""
        return resolved(self.labels)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.lhs.shape

    def slack(self) -> np.ndarray:
        """rhs - lhs for <=, lhs - rhs for >= and ==, from the current variable values."""
        rhs = self.rhs.value if isinstance(self.rhs, cp.Expression) else self.rhs
        diff = np.asarray(rhs, dtype=float) - np.asarray(self.lhs.value, dtype=float)
        return diff if self.sense == "<=" else -diff

    def violation(self) -> float:
        """Largest violation of the family at the current variable values (0 when satisfied)."""
        s = self.slack()
        if s.size == 0:
            return 0.0
        return float(np.max(np.abs(s))) if self.sense == "==" else float(max(0.0, -np.min(s)))

    def label(self, values: Any) -> float | pd.Series | pd.DataFrame:
        """Attach this family's row labels to an array of its shape (duals, prices, slacks)."""
        return labelled(values, self.labels)


def family(lhs: Any, sense: str, rhs: Any, index: Labels = None, description: str = "") -> Family:
    """Build a Family, turning numpy data on the right-hand side into a cvxpy constant.

    rhs: a number, numbers of the left-hand side's shape (or broadcasting to it), or a cvxpy expression
    of that shape. A pandas Series (DataFrame for a 2-D family) is aligned to the row labels `index` by
    label; labels missing, extra or repeated are an InputError. Without `index` only a pandas object
    with a default RangeIndex is accepted (read by position)."""
    lhs = lhs if isinstance(lhs, cp.Expression) else cp.Constant(real_array("lhs", lhs, what="numbers or a cvxpy "
                                                                                           "expression"))
    if not isinstance(rhs, cp.Expression):
        if rhs is None:
            raise InputError("rhs: expected numbers or a cvxpy expression, got None")
        _check_labels(index, lhs.shape)  # before the labels are used to read rhs
        arr = real_array("rhs", by_label("rhs", rhs, index), what="numbers or a cvxpy expression")
        if arr.size == 1:
            arr = arr.reshape(())
        _check_rhs_shape(arr.shape, lhs.shape)
        rhs = cp.Constant(np.broadcast_to(arr, lhs.shape))
    return Family(lhs, sense, rhs, index, description)


def _check_rhs_shape(rhs: tuple[int, ...], lhs: tuple[int, ...]) -> None:
    """The right-hand side must fit the rows: lhs's shape, one number, or a shape that broadcasts to lhs's
    (never a larger one: the family would then have rows no label, price or certificate knows of)."""
    rhs, lhs = tuple(rhs), tuple(lhs)
    try:
        fits = np.broadcast_shapes(rhs, lhs) == lhs
    except ValueError:
        fits = False
    if not (fits or (not lhs and math.prod(rhs) == 1)):
        raise InputError(f"rhs: has shape {rhs}, which does not fit the family's rows of shape {lhs} (give one "
                         f"number, data of shape {lhs}, or data that broadcasts to it)")


def _check_labels(index: Labels, shape: tuple[int, ...]) -> None:
    """Row labels: one list for a 1-D family, a (rows, columns) pair for a 2-D one, none otherwise."""
    if index is None:
        return
    shape = tuple(shape)
    if isinstance(index, str | bytes) or not hasattr(index, "__len__"):
        raise InputError(f"index: expected a list of row labels (an Index) or a (rows, columns) pair, got "
                         f"{index!r:.80}")
    if isinstance(index, tuple):
        if len(index) != 2 or len(shape) != 2:
            raise InputError(f"index: a tuple of {len(index)} label lists for a family of shape {shape}; a tuple "
                             "labels the (rows, columns) of a 2-D family only (reshape the family to 1-D and give "
                             "one Index, a MultiIndex say, for more axes)")
        sizes = tuple(len(i) for i in index)
    else:
        sizes = (len(index),)
    if sizes != shape:
        raise InputError(f"index: labels of sizes {sizes} do not fit a family of shape {shape}")


def labelled(values: Any, index: Labels, name: str | None = None) -> Any:
    """A pandas object with the given labels (a float for a scalar)."""
    index = resolved(index)
    arr = np.asarray(values, dtype=float)
    if arr.ndim == 0 or (arr.size == 1 and index is None):
        return float(arr.reshape(-1)[0])
    if isinstance(index, tuple):
        return pd.DataFrame(arr.reshape(len(index[0]), len(index[1])), index=index[0], columns=index[1])
    if arr.ndim == 2 and index is None:
        return pd.DataFrame(arr)
    return pd.Series(arr.reshape(-1), index=index, name=name)


class Deferred:
    """An array waiting for its labels (`LabelledValues` labels it when it is first read)."""

    __slots__ = ("index", "values")

    def __init__(self, values: Any, index: Labels) -> None:
        self.values, self.index = values, index

    def __reduce__(self) -> tuple:
        return (Deferred, (self.values, self.index))


class Pending:
    """A value computed when first read (`LabelledValues.defer_call`)."""

    __slots__ = ("make",)

    def __init__(self, make: Any) -> None:
        self.make = make


class LabelledValues(MutableMapping[str, Any]):
    """name -> labelled value (a float, Series or DataFrame), labelled when first read.

    A solve keeps the raw arrays and builds pandas objects only for the names a caller reads: a
    sweep that reports one price family labels that family, not every variable, dual and price of
    every point. Lazy derived outputs (`Model.output(..., lazy=True)`) are computed on first read too.
    Reading, iterating, comparing and pickling behave as for a dict of labelled values.
    """

    __slots__ = ("_items",)

    def __init__(self, items: Any = ()) -> None:
        self._items: dict[str, Any] = dict(items)

    def defer(self, name: str, values: Any, index: Labels) -> None:
        """Keep `values` (an array, not copied) to be labelled by `index` on first read."""
        self._items[name] = Deferred(values, index)

    def defer_call(self, name: str, make: Any) -> None:
        """Keep `make` (no arguments) to compute `name` when it is first read."""
        self._items[name] = Pending(make)

    def raw(self, name: str) -> tuple[np.ndarray, Labels]:
        """(float array, labels) of `name` without building a pandas object."""
        item = self._items[name]
        if type(item) is Pending:
            item = self[name]
        if type(item) is Deferred:
            return np.asarray(item.values, dtype=float), resolved(item.index)
        if isinstance(item, pd.DataFrame):
            return item.to_numpy(dtype=float), (item.index, item.columns)
        if isinstance(item, pd.Series):
            return item.to_numpy(dtype=float), item.index
        return np.asarray(item, dtype=float), None

    def __getitem__(self, name: str) -> Any:
        try:
            item = self._items[name]
        except (KeyError, TypeError):  # a misspelt or unhashable name: say what there is (still a KeyError)
            raise KeyError(f"{name!r} is not one of {list(self._items)}") from None
        if type(item) is Deferred:
            item = self._items[name] = labelled(item.values, item.index)
        elif type(item) is Pending:
            item = self._items[name] = item.make()
        return item

    def __setitem__(self, name: str, value: Any) -> None:
        self._items[name] = value

    def __delitem__(self, name: str) -> None:
        del self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def copy(self) -> LabelledValues:
        return LabelledValues(self._items)

    def __reduce__(self) -> tuple:  # values still to compute are computed: their functions need not pickle
        return (LabelledValues, ({k: self[k] if type(v) is Pending else v for k, v in self._items.items()},))

    def __repr__(self) -> str:
        return repr(dict(self.items()))

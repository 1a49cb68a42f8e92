"""Validation at the door: finite vectors, matrices, probabilities, weights and labels.

Every public constructor in optmarkets passes its data through these checks, so a bad input fails
here with a message that names the argument and what is wrong with it, never later inside a solver.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from .errors import InputError
from .tolerances import PROB_TOL


def as_vector(name: str, data: Any, *, length: int | None = None) -> np.ndarray:
    """A finite 1-D float array, or an InputError naming `name`."""
    try:
        arr = np.asarray(data, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError(f"{name}: expected a sequence of numbers ({exc})") from None
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


def as_matrix(name: str, data: Any, *, shape: tuple[int, int] | None = None) -> np.ndarray:
    """A finite 2-D float array, or an InputError naming `name`."""
    arr = np.asarray(data, dtype=float)
    if arr.ndim != 2:
        raise InputError(f"{name}: expected a 2-D array, got shape {arr.shape}")
    if not np.isfinite(arr).all():
        raise InputError(f"{name}: contains NaN or infinite entries")
    if shape is not None and arr.shape != shape:
        raise InputError(f"{name}: has shape {arr.shape}, expected {shape}")
    return arr


def nonnegative(name: str, data: Any, *, length: int | None = None, strict: bool = False) -> np.ndarray:
    """A finite vector with every entry >= 0 (> 0 when `strict`)."""
    arr = as_vector(name, data, length=length)
    bad = arr <= 0 if strict else arr < 0
    if bad.any():
        i = int(np.argmax(bad))
        need = "positive" if strict else "non-negative"
        raise InputError(f"{name}: entry {i} is {arr[i]:g}, must be {need}")
    return arr


def probabilities(name: str, data: Any, *, length: int | None = None, strict: bool = False) -> np.ndarray:
    """A probability vector: finite, non-negative (positive if `strict`), summing to one."""
    arr = nonnegative(name, data, length=length, strict=strict)
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
    if np.all(values == np.round(values)):
        return pd.Index(values.astype(int), name=name)
    return pd.Index(values, name=name)

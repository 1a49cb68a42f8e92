"""Values as displayed: round-off cleaned to exact zeros, never "-0", in summaries and printed tables.

A solver returns 3.0e-10 for an allocation that is 0 and -1.5e-10 for a payment bound that is 0: entries
within DISPLAY_ZERO of zero, relative to the magnitude of their table (its largest |entry|: a table of
numbers of order 1e-10 is shown as it is, at any scale), are shown as 0. Only displays are cleaned: the
Solution's arrays and tables keep the solver's numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .tolerances import DISPLAY_ZERO


def _cleaned(values: np.ndarray) -> np.ndarray:
    finite = values[np.isfinite(values)]
    scale = float(np.abs(finite).max(initial=0.0))
    out = np.where(np.abs(values) <= DISPLAY_ZERO * scale, 0.0, values)
    return out + 0.0  # -0.0 + 0.0 is 0.0


def clean(obj: Any) -> Any:
    """A copy of `obj` (a number, Series or DataFrame) for display; non-float entries untouched."""
    if isinstance(obj, pd.DataFrame):
        out = obj.copy()
        floats = [c for c in out.columns if pd.api.types.is_float_dtype(out[c])]
        if floats:
            out[floats] = _cleaned(out[floats].to_numpy(float))
        return out
    if isinstance(obj, pd.Series):
        if not pd.api.types.is_float_dtype(obj):
            return obj
        return pd.Series(_cleaned(obj.to_numpy(float)), index=obj.index, name=obj.name)
    if isinstance(obj, float | np.floating):
        return float(obj) + 0.0  # a lone number is its own scale: only -0 is cleaned
    return obj

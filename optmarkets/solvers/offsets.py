"""Where each cvxpy variable sits in the standard form a solver receives (cvxpy's public
`InverseData.var_offsets` / `var_shapes`), and writing a standard-form point back into the variables.

(Meant to join `solvers.cvxpy_internals` later; kept apart while that module is being rewritten.)
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import cvxpy as cp
import numpy as np


def variable_offsets(inverse: Any, variables: Iterable[cp.Variable], columns: int) -> dict[int, int] | None:
    """var id -> offset of its first column in the standard form, from the inverse data of
    `solver_data` (the matrix-stuffing step's `var_offsets`); None unless every variable in
    `variables` is a block of columns there and the columns are exactly these variables (no
    auxiliary columns added by a reduction)."""
    steps = inverse if isinstance(inverse, list | tuple) else [inverse]
    stuffing = [step for step in steps if hasattr(step, "var_offsets") and hasattr(step, "x_length")]
    if not stuffing:
        return None
    offsets, length = dict(stuffing[-1].var_offsets), int(stuffing[-1].x_length)
    variables = list(variables)
    if length != columns or any(v.id not in offsets for v in variables):
        return None
    if sum(v.size for v in variables) != columns or any(getattr(v, "sparse_idx", None) is not None for v in variables):
        return None
    return {v.id: int(offsets[v.id]) for v in variables}


def write_point(x: np.ndarray, variables: Iterable[cp.Variable], offsets: dict[int, int]) -> None:
    """Set each variable's value from the standard-form point `x` (cvxpy stacks columns in Fortran order)."""
    for v in variables:
        start = offsets[v.id]
        block = np.asarray(x[start:start + v.size], float)
        # as cvxpy's own unpacking does: round-off just outside a bound (nonneg) is kept, not rejected
        v.save_value(block.reshape(v.shape, order="F"))

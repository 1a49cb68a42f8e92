"""Comparative statics: solve a model over a grid of data, one tidy row per grid point.

`sweep(factory, grid)` calls `factory(**point)` for each point (a dict) and solves the model it
returns. Factories that bind new data into one compiled model (e.g. `econ.platform_problem`)
re-solve without recompiling. A point that fails is recorded with its error, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

import numpy as np
import pandas as pd

from .errors import OptmarketsError
from .model import Model
from .primitives import InputError
from .solution import Solution


def sweep(
    factory: Callable[..., Model] | Model,
    grid: Iterable[Mapping[str, object]],
    *,
    solver: str | None = None,
    outputs: Mapping[str, Callable[[Solution], object]] | None = None,
    **solve_options,
) -> pd.DataFrame:
    """Solve at every grid point; return a DataFrame with the point, value, status, solver and outputs.

    factory: a callable returning a Model for keyword data, or a Model whose parameters the grid sets.
    outputs: extra columns, name -> function of the Solution (e.g. lambda s: s.prices["consistency"][1]).
    """
    if isinstance(factory, Model):
        model = factory
        factory = lambda **point: model.bind(**point)  # noqa: E731
    rows = []
    for point in grid:
        row = {key: _cell(val) for key, val in point.items()}
        try:
            sol = factory(**point).solve(solver, **solve_options)
            row.update(status=sol.status, value=sol.value, solver=sol.solver, error=None)
            for name, fn in (outputs or {}).items():
                row[name] = fn(sol)
        except (OptmarketsError, InputError) as exc:
            row.update(status="failed", value=np.nan, solver=solver, error=f"{type(exc).__name__}: {exc}")
        rows.append(row)
    return pd.DataFrame(rows)


def _cell(value):
    arr = np.asarray(value)
    return arr.item() if arr.ndim == 0 else tuple(arr.tolist())

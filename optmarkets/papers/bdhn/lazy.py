"""BDHN's full-rule revenue LP with its obedience rows generated lazily (`revenue_problem(rows="lazy")`).

REV's obedience binds on an interval of low types [v_1, v~] (spec §B.7; v~ is about a sixth of the
exponential grid of the paper's examples). So the restricted LP starts with the obedience rows of the
lowest third of the types, and each round adds the violated ones (`core.rowgen.RowGeneration`, on one
persistent HiGHS); the answer is certified against every obedience row.

Measured (m = 160, 2-core machine): this start needs one round (18.8 s); starting without obedience
rows needs a second, dual simplex round of 5,000 pivots (23.9 s); starting with every row, 26.4 s.
Most of REV is the rule sigma and its simplex rows (8 m^2 columns, 2 m^2 rows), which no start
removes: row generation saves the dense obedience rows, not the rule. `symmetry="auto"` removes three
quarters of the rule (one column per orbit, `symmetry.py`); with it m = 200 takes 4.2 s, one round.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...core import validate as pr
from ...core.model import Model
from ...core.strategies import Lazy, RowGeneration

ROWS = ("full", "lazy")
#: the restricted LP holds the obedience rows of this lowest fraction of the types
START_FRACTION = 1 / 3


def check_rows(rows: object) -> str:
    if rows not in ROWS:
        raise pr.InputError(f"rows: must be one of {ROWS}, got {rows!r}")
    return str(rows)


def low_types(model: Model, name: str) -> np.ndarray:
    """The rows of obedience family `name` whose type is in the lowest START_FRACTION of the grid."""
    index = model.families[name].index
    assert isinstance(index, pd.Index)
    types = index.get_level_values(0).to_numpy(dtype=float)
    grid = np.unique(types)
    return np.searchsorted(grid, types) < START_FRACTION * grid.size


def obedience_lazy(model: Model) -> Model:
    """Give `model` the row-generation strategy over its obedience families (low types held at first)."""
    names = [n for n in model.families if n.startswith("obedience_")]
    if not names:
        raise pr.InputError("rows='lazy': this problem has no obedience rows")
    model.strategy = RowGeneration({n: Lazy(start=low_types(model, n)) for n in names})
    return model

"""Yang's compact LP with its deviation rows generated lazily (`mechanism_problem(rows="lazy")`).

The deviation family bounds every deviator's profit w[(k, r), j] by its profit at every price p.
Only the deviator's best price matters at the optimum, so the restricted LP starts with one row per
bound: the price closest to the segment's recommendation r (the truthful cost's optimal price; by
Topkis a nearby cost's best price is near it), and each round adds, per bound, the price with the
largest violation (`core.rowgen.RowGeneration`). The value, point and prices are a certified optimum
of the full LP (the certificate covers every deviation row).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ...core import validate as pr
from ...core.model import Model
from ...core.strategies import Lazy, RowGeneration

ROWS = ("full", "lazy")


def check_rows(rows: object) -> str:
    if rows not in ROWS:
        raise pr.InputError(f"rows: must be one of {ROWS}, got {rows!r}")
    return str(rows)


def deviation_lazy(model: Model) -> Model:
    """Give `model` (DB-C) the row-generation strategy over its deviation family."""
    index = model.families["deviation"].index
    assert isinstance(index, pd.MultiIndex)
    groups = pd.MultiIndex.from_arrays([index.get_level_values(n) for n in range(3)]).factorize()[0]
    rec = np.asarray(index.get_level_values("recommendation"), float)
    price = np.asarray(index.get_level_values(-1), float)
    distance = np.where(np.isinf(rec), -price, np.abs(price - np.where(np.isinf(rec), 0.0, rec)))
    order = np.lexsort((distance, groups))
    first = order[np.r_[True, np.diff(groups[order]) != 0]]
    start = np.zeros(len(index), bool)
    start[first] = True
    model.strategy = RowGeneration({"deviation": Lazy(start=start, groups=groups)})
    return model

"""Yang's compact LP with its deviation and obedience rows generated lazily (`mechanism_problem(rows="lazy")`).

The deviation family bounds every deviator's profit w[(k, r), j] by its profit at every price p.
Only the deviator's best price matters at the optimum, so the restricted LP starts with one row per
bound: the price closest to the segment's recommendation r (the truthful cost's optimal price; by
Topkis a nearby cost's best price is near it), and each round adds, per bound, the price with the
largest violation.

The obedience family asks the truthful cost to prefer the recommended price r to every other price
r' in its segment. It starts with the two neighbouring prices of r (a profit that is single-peaked in
the price is obeyed once its neighbours are), and each round adds, per segment, the most violated
deviation. The two families are most of DB-C's rows (at N = 60, K = 20: 393,000 of 395,000), and the
rows the optimum needs are a tenth of them.

The rounds run on one persistent HiGHS (`core.rowgen.RowGeneration`), without presolve: HiGHS's
presolve of the first restricted LP took 10 s of its 10.4 s at N = 40, K = 20, the dual simplex
from a slack basis 2 s. The value, point and prices are a certified optimum of the full LP (the
certificate covers every deviation and obedience row).
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


def _groups(index: pd.MultiIndex, levels: int) -> np.ndarray:
    """One integer per row: the row's first `levels` labels (its bound or its segment)."""
    return pd.MultiIndex.from_arrays([index.get_level_values(n) for n in range(levels)]).factorize()[0]


def deviation_start(index: pd.MultiIndex) -> tuple[np.ndarray, np.ndarray]:
    """Per bound (report, recommendation, deviator): the price nearest the recommendation (the highest
    price for a segment told not to buy, recommendation +inf); and the bound of each row."""
    groups = _groups(index, 3)
    rec = np.asarray(index.get_level_values("recommendation"), float)
    price = np.asarray(index.get_level_values(-1), float)
    distance = np.where(np.isinf(rec), -price, np.abs(price - np.where(np.isinf(rec), 0.0, rec)))
    order = np.lexsort((distance, groups))
    start = np.zeros(len(index), bool)
    if order.size:  # no rows (one cost, or every cost above every value): nothing to start with
        start[order[np.r_[True, np.diff(groups[order]) != 0]]] = True
    return start, groups


def obedience_start(index: pd.MultiIndex) -> tuple[np.ndarray, np.ndarray]:
    """Per segment (report, recommendation): the deviations to the prices next to the recommendation
    on the price grid (+inf, not buying, last); and the segment of each row."""
    groups = _groups(index, 2)
    rec = np.asarray(index.get_level_values("recommendation"), float)
    dev = np.asarray(index.get_level_values("deviation"), float)
    grid = np.unique(np.r_[rec, dev])
    return np.abs(np.searchsorted(grid, rec) - np.searchsorted(grid, dev)) == 1, groups


def deviation_lazy(model: Model) -> Model:
    """Give `model` (DB-C) the row-generation strategy over its deviation and obedience families."""
    lazy = {}
    for name, start_of in (("deviation", deviation_start), ("obedience", obedience_start)):
        index = model.families[name].index
        assert isinstance(index, pd.MultiIndex)
        start, groups = start_of(index)
        lazy[name] = Lazy(start=start, groups=groups)
    model.strategy = RowGeneration(lazy)
    model.solver_defaults = {**model.solver_defaults,
                             "HIGHS": {"presolve": "off", **model.solver_defaults.get("HIGHS", {})}}
    return model

"""BDHN's full-rule revenue LP with its obedience rows generated lazily (`revenue_problem(rows="lazy")`).

The restricted LP starts without obedience rows (REV with IC and IR only) and each round adds the
violated ones (`core.rowgen.RowGeneration`); the answer is certified against every obedience row.
"""

from __future__ import annotations

import numpy as np

from ...core import validate as pr
from ...core.model import Model
from ...core.strategies import Lazy, RowGeneration

ROWS = ("full", "lazy")


def check_rows(rows: object) -> str:
    if rows not in ROWS:
        raise pr.InputError(f"rows: must be one of {ROWS}, got {rows!r}")
    return str(rows)


def obedience_lazy(model: Model) -> Model:
    """Give `model` the row-generation strategy over its obedience families (none held at first)."""
    names = [n for n in model.families if n.startswith("obedience_")]
    if not names:
        raise pr.InputError("rows='lazy': this problem has no obedience rows")
    model.strategy = RowGeneration({n: Lazy(start=np.zeros(model.families[n].lhs.size, bool)) for n in names})
    return model

"""Segmentation families: consistency (Bayes plausibility) and supply limits.

Consistency: a joint measure M[a, s] of (segment or recommendation a, type s) must add up, over the
segments, to the market: sum_a M[a, s] = market[s]. Written on joint measures this is linear, and it
is exactly Bayes plausibility of the segments (segments average to the market). Its price is the
marginal value of one more unit of type-s mass.

Supply limit: a quantity may not exceed what exists, expr <= cap (e.g. records sold <= consumers).
"""

from __future__ import annotations

import cvxpy as cp
import pandas as pd

from ..core.family import Family, family


def consistency(M: cp.Expression, market, index: pd.Index | None = None, *, axis: int = 0,
                description: str = "segments add up to the market (Bayes plausibility)") -> Family:
    """sum of M over `axis` == market, one row per type."""
    return family(cp.sum(M, axis=axis), "==", market, index, description)


def supply_limit(quantity: cp.Expression, cap, index: pd.Index | None = None, *,
                 description: str = "no more than is available") -> Family:
    """quantity <= cap, one row per good/type; its price is the scarcity rent of the cap."""
    return family(quantity, "<=", cap, index, description)

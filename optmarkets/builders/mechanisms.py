"""Families of a finite many-agent mechanism besides IC and IR: lotteries and budgets.

IC and IR (Bayesian, ex post, dominant; interim, ex post, ex ante) live with the single-agent
`truthful` and `participation` in `optmarkets.builders.incentives`, the one home of both
inequalities; they are re-exported here with the profile helpers for the mechanism layer.
Conventions: x is the allocation (P, O), a lottery over O outcomes per reported profile; t the
payment (P, n), paid by agent i at each reported profile.
"""

from __future__ import annotations

import cvxpy as cp
import pandas as pd

from ..core.errors import InputError
from ..core.family import Family, family
from .incentives import (
    bayesian_ic,
    ex_ante_ir,
    ex_post_ic,
    ex_post_ir,
    interim_ir,
    others_labels,
    profile_map,
    profile_utility,
)

__all__ = ["bayesian_ic", "budget", "ex_ante_ir", "ex_post_ic", "ex_post_ir", "interim_ir", "lottery",
           "others_labels", "profile_map", "profile_utility"]


def lottery(x: cp.Expression, index: pd.Index | None = None, *,
            description: str = "the allocation is a lottery over outcomes") -> Family:
    """Rows (profile): sum over outcomes of x[p, :] == 1 (x >= 0 is the variable's own domain)."""
    return family(cp.sum(x, axis=1), "==", 1.0, index, description)


def budget(t: cp.Expression, mode: str, index: pd.Index | None = None) -> Family:
    """Rows (profile): the designer's net receipts sum_i t[p, i] >= 0 ("no_subsidies") or == 0
    ("balanced"), ex post at every profile."""
    if mode not in ("no_subsidies", "balanced"):
        raise InputError(f"budget: must be None, 'no_subsidies' or 'balanced', got {mode!r}")
    sense = ">=" if mode == "no_subsidies" else "=="
    desc = "no subsidies at any profile" if mode == "no_subsidies" else "payments balance at every profile"
    return family(cp.sum(t, axis=1), sense, 0.0, index, desc)

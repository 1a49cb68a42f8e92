"""Reusable constraint builders: each returns one vectorised Family with labelled rows."""

from .base import Family, family, labelled
from .incentives import monotone, participation, report_utility, truthful
from .obedience import obedience, obedience_matrix
from .segmentation import consistency, supply_limit

__all__ = [
    "Family", "family", "labelled", "obedience", "obedience_matrix", "consistency", "supply_limit",
    "truthful", "participation", "monotone", "report_utility",
]

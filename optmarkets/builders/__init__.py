"""Reusable constraint builders: each returns one vectorised Family with labelled rows."""

from ..core.family import Family, family, labelled
from .epigraph import best_response_bound
from .incentives import monotone, participation, report_utility, truthful
from .interim import conditional_expectation, expectation_floor, expectation_matrix, interim
from .obedience import obedience, obedience_matrix
from .segmentation import consistency, supply_limit
from .sequential import candidate_duals, dual_slack, sequential_rationality, value_cut

__all__ = [
    "Family",
    "best_response_bound",
    "candidate_duals",
    "conditional_expectation",
    "consistency",
    "dual_slack",
    "expectation_floor",
    "expectation_matrix",
    "family",
    "interim",
    "labelled",
    "monotone",
    "obedience",
    "obedience_matrix",
    "participation",
    "report_utility",
    "sequential_rationality",
    "supply_limit",
    "truthful",
    "value_cut",
]

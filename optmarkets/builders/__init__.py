"""Reusable constraint builders: each returns one vectorised Family with labelled rows."""

from ..core.family import Family, family, labelled
from .incentives import monotone, participation, report_utility, truthful
from .interim import conditional_expectation, expectation_floor, expectation_matrix, interim
from .obedience import obedience, obedience_matrix
from .segmentation import consistency, supply_limit
from .sequential import candidate_duals, dual_slack, sequential_rationality, value_cut
from .epigraph import best_response_bound

__all__ = [
    "sequential_rationality", "candidate_duals", "value_cut", "dual_slack",
    "best_response_bound",
    "Family", "family", "labelled", "obedience", "obedience_matrix", "consistency", "supply_limit",
    "truthful", "participation", "monotone", "report_utility",
    "interim", "conditional_expectation", "expectation_floor", "expectation_matrix",
]

"""The matrices and expressions families are made of, for readers who write their own builders.

These are not constraint families: `optmarkets.builders` itself exports only functions that return
Families. Each helper lives next to the builder that uses it and is collected here.
"""

from .incentives import profile_utility, report_utility
from .interim import conditional_expectation, expectation_matrix
from .obedience import obedience_matrix
from .sequential import candidate_duals, dual_slack

__all__ = ["candidate_duals", "conditional_expectation", "dual_slack", "expectation_matrix", "obedience_matrix",
           "profile_utility", "report_utility"]

"""Constraint builders: each function takes variables and data and returns one vectorised Family
with labelled rows (`sequential_rationality`, a set of families, returns a dict of them).

The matrices and expressions that families are built from are in `optmarkets.builders.algebra`.
"""

from typing import Any

from ..core.deprecation import warn_renamed
from ..core.family import Family, family
from .epigraph import best_response_bound
from .games import MeasureAxes, game_consistency
from .incentives import (
    bayesian_ic,
    ex_ante_ir,
    ex_post_ic,
    ex_post_ir,
    interim_ir,
    monotone,
    participation,
    participation_rows,
    truthful,
    truthful_rows,
)
from .interim import expectation_floor, interim
from .mechanisms import budget, lottery
from .obedience import game_obedience, obedience
from .segmentation import consistency, supply_limit
from .sequential import sequential_rationality, value_cut
from .symmetry import Orbits

__all__ = [
    "Family", "family",
    # information design: obedience and Bayes plausibility
    "obedience", "game_obedience", "consistency", "game_consistency", "MeasureAxes", "supply_limit",
    "interim", "expectation_floor", "best_response_bound",
    # mechanism design: incentive compatibility and participation
    "truthful", "participation", "truthful_rows", "participation_rows", "monotone",
    "bayesian_ic", "ex_post_ic", "interim_ir", "ex_post_ir", "ex_ante_ir", "lottery", "budget",
    # a follower's optimality (bilevel programs)
    "sequential_rationality", "value_cut",
    # an LP on the orbits of a symmetry group (its helpers: optmarkets.builders.symmetry)
    "Orbits",
]

_MOVED = {"obedience_matrix", "expectation_matrix", "conditional_expectation", "report_utility", "profile_utility",
          "dual_slack", "candidate_duals"}


def __getattr__(name: str) -> Any:
    # helpers that return matrices or expressions moved to builders.algebra (deprecated here for one release)
    if name in _MOVED:
        from . import algebra

        warn_renamed(f"optmarkets.builders.{name}", f"optmarkets.builders.algebra.{name}")
        return getattr(algebra, name)
    if name == "labelled":
        from ..core.family import labelled

        warn_renamed("optmarkets.builders.labelled", "optmarkets.core.labelled")
        return labelled
    raise AttributeError(f"module 'optmarkets.builders' has no attribute {name!r}")

"""The solver layer: the backend registry, the persistent HiGHS session, the solver call.

It plugs itself into the core's seam (`optmarkets.core.seam`) on import; `solvers.cvxpy_internals`
is the only module of the package that touches cvxpy's private attributes.
"""

from __future__ import annotations

import sys

from ..core import seam as _seam
from .affine import cvxpy_compile
from .chain import SelectionChain, selection_chain
from .exact import ExactCertificate, exact, rational
from .execute import Outcome, execute
from .export import export
from .farkas import FarkasCertificate, farkas, render
from .farkas_ray import UnboundedRay, unbounded_ray
from .highs import HighsSession, StandardForm, highs_option_values, mip_gap_note
from .iis import Conflict, explain_infeasible
from .ranging import price_ranges
from .registry import (
    DEFAULT_SOLVER,
    Backend,
    available,
    get,
    milp_solvers,
    register,
    registered,
    resolve,
    silence_highs_banner,
)
from .rowgen_highs import RowSession, row_generation
from .value_function_result import ValueFunction, value_function


def warm_session() -> HighsSession:
    """A fresh persistent HiGHS session (one per compiled problem)."""
    return HighsSession()


_seam.plug(sys.modules[__name__])  # type: ignore[arg-type]

__all__ = [
    "DEFAULT_SOLVER",
    "Backend",
    "Conflict",
    "ExactCertificate",
    "FarkasCertificate",
    "HighsSession",
    "Outcome",
    "StandardForm",
    "available",
    "cvxpy_compile",
    "exact",
    "execute",
    "export",
    "explain_infeasible",
    "farkas",
    "get",
    "highs_option_values",
    "milp_solvers",
    "mip_gap_note",
    "price_ranges",
    "rational",
    "SelectionChain",
    "selection_chain",
    "register",
    "registered",
    "resolve",
    "render",
    "RowSession",
    "row_generation",
    "silence_highs_banner",
    "warm_session",
    "UnboundedRay",
    "unbounded_ray",
    "ValueFunction",
    "value_function",
]

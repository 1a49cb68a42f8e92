"""optmarkets: convex-optimization models of data markets and information design.

Each paper's problem is a declarative model assembled from reusable constraint builders, solved by
pluggable backends, with dual variables exposed as prices (d optimal value / d right-hand side).
"""

from . import backends, builders
from .errors import (
    CapabilityError,
    InfeasibleError,
    InputError,
    OptmarketsError,
    SolveError,
    SolverFailedError,
    UnboundedError,
    UnknownSolverError,
)
from .model import Model
from .models.personal_data import PersonalDataEconomy
from .primitives import Distribution
from .solution import Certificate, Solution
from .sweep import sweep

__version__ = "0.1.0"

__all__ = [
    "Model", "Solution", "Certificate", "Distribution", "PersonalDataEconomy", "sweep",
    "backends", "builders", "InputError", "OptmarketsError", "SolveError", "InfeasibleError",
    "UnboundedError", "SolverFailedError", "UnknownSolverError", "CapabilityError",
]

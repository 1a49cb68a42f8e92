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
from .models.info_selling import InformationSeller
from .primitives import Distribution
from .solution import Certificate, Solution
from .sweep import sweep
from .models.data_broker import DataBroker

from .models.multiproduct import MultiProductSeller, ParetoCheck, ParetoSearch, Segmentation

__version__ = "0.1.0"

__all__ = [
    "MultiProductSeller", "Segmentation", "ParetoCheck", "ParetoSearch",
    "DataBroker",
    "Model", "Solution", "Certificate", "Distribution", "PersonalDataEconomy", "InformationSeller", "sweep",
    "backends", "builders", "InputError", "OptmarketsError", "SolveError", "InfeasibleError",
    "UnboundedError", "SolverFailedError", "UnknownSolverError", "CapabilityError",
]

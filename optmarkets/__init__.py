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
from .models.data_broker import DataBroker
from .models.info_selling import InformationSeller
from .models.multiproduct import MultiProductSeller, ParetoCheck, ParetoSearch, Segmentation
from .models.personal_data import PersonalDataEconomy
from .primitives import Distribution
from .solution import Certificate, Solution
from .sweep import grid, sweep

from . import bench  # noqa: E402 - its problem families need the model classes above

__version__ = "0.1.0"

__all__ = [
    # models, one per paper
    "PersonalDataEconomy", "DataBroker", "MultiProductSeller", "Segmentation", "ParetoCheck", "ParetoSearch",
    "InformationSeller",
    # the core
    "Model", "Solution", "Certificate", "Distribution", "sweep", "grid", "bench", "backends", "builders",
    # errors
    "InputError", "OptmarketsError", "SolveError", "InfeasibleError", "UnboundedError", "SolverFailedError",
    "UnknownSolverError", "CapabilityError",
]

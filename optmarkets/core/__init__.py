"""The core: labelled families, the Model, the one solve path and its strategies, Solution and
Certificate, the error tree, validation and the named tolerances. It imports nothing above it."""

from . import tolerances
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
from .family import PRICE_SIGN, Family, Labels, family, labelled
from .model import Model
from .solution import Certificate, Solution
from .solve import Request, run
from .strategies import BestOf, Lexicographic, Plain, face_ranges

__all__ = [
    "PRICE_SIGN",
    "BestOf",
    "CapabilityError",
    "Certificate",
    "Family",
    "InfeasibleError",
    "InputError",
    "Labels",
    "Lexicographic",
    "Model",
    "OptmarketsError",
    "Plain",
    "Request",
    "Solution",
    "SolveError",
    "SolverFailedError",
    "UnboundedError",
    "UnknownSolverError",
    "face_ranges",
    "family",
    "labelled",
    "run",
    "tolerances",
]

"""optmarkets: convex-optimization models of data markets and information design.

Each paper's problem is a declarative model assembled from reusable constraint builders, solved by
pluggable backends, with dual variables exposed as prices (d optimal value / d right-hand side).

Layers import only downward: core <- solvers <- builders, theory <- papers, games <- app.
This module re-exports the public API and imports no application module.
"""

from . import builders, solvers, theory
from .core import Certificate, Model, Solution
from .core.errors import (
    CapabilityError,
    InfeasibleError,
    InputError,
    OptmarketsError,
    SolveError,
    SolverFailedError,
    UnboundedError,
    UnknownSolverError,
)
from .games import (
    FiniteGame,
    InformationStructure,
    bayes_correlated_equilibrium,
    correlated_equilibrium,
    persuasion,
    segmentation,
)
from .mechanisms import MechanismEnvironment, audit_mechanism, mechanism_design
from .papers.bdhn import InformationSeller
from .papers.glp import PersonalDataEconomy
from .papers.hs import MultiProductSeller, ParetoCheck, ParetoSearch, Segmentation
from .papers.yang import DataBroker
from .theory import Distribution

__version__ = "0.1.0"

_LAZY = {"sweep": ("optmarkets.app.sweep", "sweep"), "grid": ("optmarkets.app.sweep", "grid")}


def __getattr__(name: str):
    # the application layer loads on first use, so `import optmarkets` stays light
    if name in _LAZY:
        import importlib

        module, attr = _LAZY[name]
        return getattr(importlib.import_module(module), attr)
    raise AttributeError(f"module 'optmarkets' has no attribute {name!r}")


__all__ = [
    # models, one per paper
    "PersonalDataEconomy", "DataBroker", "MultiProductSeller", "Segmentation", "ParetoCheck", "ParetoSearch",
    "InformationSeller",
    # games and information design
    "FiniteGame", "InformationStructure", "correlated_equilibrium", "bayes_correlated_equilibrium", "persuasion",
    "segmentation",
    # finite mechanism design
    "MechanismEnvironment", "mechanism_design", "audit_mechanism",
    # the core
    "Model", "Solution", "Certificate", "Distribution", "sweep", "grid", "solvers", "builders", "theory",
    # errors
    "InputError", "OptmarketsError", "SolveError", "InfeasibleError", "UnboundedError", "SolverFailedError",
    "UnknownSolverError", "CapabilityError",
]

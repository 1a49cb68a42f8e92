"""optmarkets: convex-optimization models of data markets and information design.

Each paper's problem is a declarative model assembled from reusable constraint builders, solved by
pluggable backends, with dual variables exposed as prices (d optimal value / d right-hand side).

Layers import only downward: core <- solvers <- builders, theory <- papers, games <- app.
This module re-exports the public API, lazily: it imports no application module and no cvxpy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Every public name loads on first use (PEP 562), so `import optmarkets` (and `optmarkets --help`)
# costs no cvxpy import; the core plugs in the solver layer itself when a model is first solved.
_EXPORTS: dict[str, str] = {
    # the core
    "Model": "optmarkets.core", "Solution": "optmarkets.core", "Certificate": "optmarkets.core",
    "Distribution": "optmarkets.theory",
    # errors
    **{name: "optmarkets.core.errors" for name in (
        "OptmarketsError", "InputError", "SolveError", "InfeasibleError", "UnboundedError", "SolverFailedError",
        "UnknownSolverError", "CapabilityError")},
    # the papers
    "PersonalDataEconomy": "optmarkets.papers.glp", "DataBroker": "optmarkets.papers.yang",
    "MultiProductSeller": "optmarkets.papers.hs", "Segmentation": "optmarkets.papers.hs",
    "ParetoCheck": "optmarkets.papers.hs", "ParetoSearch": "optmarkets.papers.hs",
    "InformationSeller": "optmarkets.papers.bdhn",
    # games and information design
    **{name: "optmarkets.games" for name in (
        "FiniteGame", "InformationStructure", "correlated_equilibrium", "bayes_correlated_equilibrium",
        "persuasion", "segmentation", "first_price_auction")},
    # finite mechanism design
    **{name: "optmarkets.mechanisms" for name in ("MechanismEnvironment", "mechanism_design", "audit_mechanism",
                                                   "interim")},
    # comparative statics (the application layer)
    "sweep": "optmarkets.app.sweep", "grid": "optmarkets.app.sweep",
    # size limits of the engines (core.limits): a with-block, or process-wide
    "limits": "optmarkets.core.limits", "set_limits": "optmarkets.core.limits",
    # the projection of a model's feasible set onto two objectives (solvers.frontier)
    "frontier": "optmarkets.solvers.frontier", "Frontier": "optmarkets.solvers.frontier",
    # the optimal value along a parameter path (core.parametric; the walk is the solver layer's)
    "value_function": "optmarkets.core.parametric", "ValueFunction": "optmarkets.solvers",
}
_SUBMODULES = ("core", "solvers", "builders", "theory", "games", "mechanisms", "papers")


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value  # later look-ups skip this function
        return value
    if name in _SUBMODULES:
        return importlib.import_module(f"optmarkets.{name}")
    raise AttributeError(f"module 'optmarkets' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS, *_SUBMODULES])


if TYPE_CHECKING:  # what the names are, for type checkers and IDEs
    from . import builders, core, games, mechanisms, papers, solvers, theory  # noqa: F401
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
    from .core.limits import limits, set_limits
    from .core.parametric import value_function
    from .games import (
        FiniteGame,
        InformationStructure,
        bayes_correlated_equilibrium,
        correlated_equilibrium,
        first_price_auction,
        persuasion,
        segmentation,
    )
    from .mechanisms import MechanismEnvironment, audit_mechanism, interim, mechanism_design
    from .papers.bdhn import InformationSeller
    from .papers.glp import PersonalDataEconomy
    from .papers.hs import MultiProductSeller, ParetoCheck, ParetoSearch, Segmentation
    from .papers.yang import DataBroker
    from .solvers.frontier import Frontier, frontier
    from .solvers.value_function_result import ValueFunction
    from .theory import Distribution

__all__ = [
    # models, one per paper
    "PersonalDataEconomy", "DataBroker", "MultiProductSeller", "Segmentation", "ParetoCheck", "ParetoSearch",
    "InformationSeller",
    # games and information design
    "FiniteGame", "InformationStructure", "correlated_equilibrium", "bayes_correlated_equilibrium", "persuasion",
    "segmentation", "first_price_auction",
    # finite mechanism design
    "MechanismEnvironment", "mechanism_design", "audit_mechanism", "interim",
    # the core
    "Model", "Solution", "Certificate", "Distribution", "sweep", "grid", "solvers", "builders", "theory",
    # errors
    "InputError", "OptmarketsError", "SolveError", "InfeasibleError", "UnboundedError", "SolverFailedError",
    "UnknownSolverError", "CapabilityError",
    # size limits
    "limits", "set_limits",
    # frontiers
    "frontier", "Frontier",
    # value functions along a parameter path
    "value_function", "ValueFunction",
]

"""Solver registry: a name maps to a cvxpy solver, its capabilities and its tolerance options.

HiGHS is the default for LPs and MILPs: it returns vertex (basic) duals, which are the prices a
reader can reproduce by hand. Interior-point solvers (Clarabel, ECOS, SCS) return equally valid
but possibly different duals on degenerate problems; every Solution records which solver made
its prices.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core.errors import CapabilityError, UnknownSolverError

DEFAULT_SOLVER = "HIGHS"


@dataclass(frozen=True)
class Backend:
    """One solver as optmarkets sees it."""

    name: str
    cvxpy_name: str
    duals: bool  # returns dual values for LPs
    integers: bool  # handles integer / boolean variables
    accuracy: str  # "vertex" (simplex), "interior" (IPM, ~1e-8), "first-order" (~1e-4 to 1e-6)
    #: translate a tolerance into this solver's options
    tolerance_options: Callable[[float], dict] = field(repr=False, default=lambda tol: {})
    #: options always passed (e.g. iteration caps raised for accuracy)
    defaults: dict = field(default_factory=dict, repr=False)

    @property
    def installed(self) -> bool:
        from .cvxpy_internals import installed_solvers

        return self.cvxpy_name in installed_solvers()

    def options(self, tol: float | None = None, **overrides: Any) -> dict:
        opts = dict(self.defaults)
        if tol is not None:
            opts.update(self.tolerance_options(tol))
        opts.update(overrides)
        return opts


def _highs_tol(tol: float) -> dict:
    return {
        "primal_feasibility_tolerance": tol,
        "dual_feasibility_tolerance": tol,
        "ipm_optimality_tolerance": tol,
        "mip_feasibility_tolerance": tol,
    }


_REGISTRY: dict[str, Backend] = {}


def register(backend: Backend) -> Backend:
    """Add (or replace) a backend; names are case-insensitive."""
    _REGISTRY[backend.name.upper()] = backend
    return backend


for _backend in (
    Backend("HIGHS", "HIGHS", duals=True, integers=True, accuracy="vertex", tolerance_options=_highs_tol),
    # HiGHS's interior point with crossover: vertex duals still, often faster on large dense LPs
    Backend("HIGHS_IPM", "HIGHS", duals=True, integers=False, accuracy="vertex", tolerance_options=_highs_tol,
            defaults={"highs_options": {"solver": "ipm", "run_crossover": "on"}}),
    Backend(
        "CLARABEL", "CLARABEL", duals=True, integers=False, accuracy="interior",
        tolerance_options=lambda tol: {"tol_gap_abs": tol, "tol_gap_rel": tol, "tol_feas": tol},
    ),
    Backend(
        "ECOS", "ECOS", duals=True, integers=False, accuracy="interior",
        tolerance_options=lambda tol: {"abstol": tol, "reltol": tol, "feastol": tol},
        defaults={"max_iters": 500},
    ),
    Backend(
        "SCS", "SCS", duals=True, integers=False, accuracy="first-order",
        tolerance_options=lambda tol: {"eps_abs": tol, "eps_rel": tol},
        defaults={"max_iters": 200_000},
    ),
    Backend(
        "SCIPY", "SCIPY", duals=True, integers=True, accuracy="vertex",
        tolerance_options=lambda tol: {"scipy_options": {"primal_feasibility_tolerance": tol,
                                                         "dual_feasibility_tolerance": tol}},
    ),
    Backend("GLPK", "GLPK", duals=True, integers=False, accuracy="vertex"),
    Backend("GLPK_MI", "GLPK_MI", duals=False, integers=True, accuracy="vertex"),
    Backend("CBC", "CBC", duals=False, integers=True, accuracy="vertex"),
    Backend("SCIP", "SCIP", duals=False, integers=True, accuracy="vertex"),
    Backend("GUROBI", "GUROBI", duals=True, integers=True, accuracy="vertex",
            tolerance_options=lambda tol: {"FeasibilityTol": max(tol, 1e-9), "OptimalityTol": max(tol, 1e-9)}),
    Backend("MOSEK", "MOSEK", duals=True, integers=True, accuracy="interior"),
):
    register(_backend)


def available() -> list[str]:
    """Names of the registered backends whose solver is installed."""
    return [name for name, backend in _REGISTRY.items() if backend.installed]


def registered() -> dict[str, Backend]:
    return dict(_REGISTRY)


def get(name: str | None, *, integers: bool = False) -> Backend:
    """The backend for `name` (default HiGHS), checked to be installed and able to handle the model."""
    key = (name or DEFAULT_SOLVER).upper()
    backend = _REGISTRY.get(key)
    if backend is None:
        raise UnknownSolverError(f"solver: unknown solver '{name}'; available: {', '.join(available())}")
    if not backend.installed:
        raise UnknownSolverError(
            f"solver: '{backend.name}' is registered but not installed; available: {', '.join(available())}"
        )
    if integers and not backend.integers:
        milp = [n for n in available() if _REGISTRY[n].integers]
        raise CapabilityError(
            f"solver: '{backend.name}' cannot handle integer variables; MILP-capable: {', '.join(milp)}"
        )
    return backend


def milp_solvers() -> list[str]:
    """Installed backends that accept integer variables."""
    return [n for n in available() if _REGISTRY[n].integers]


_banner_done = False


def silence_highs_banner() -> None:
    """HiGHS prints a copyright banner on the first `Highs()` of a process; take it once, quietly."""
    global _banner_done
    if _banner_done:
        return
    _banner_done = True
    try:
        import highspy
    except ImportError:
        return
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)

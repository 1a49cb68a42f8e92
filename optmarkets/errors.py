"""Typed errors: every failure a user can meet has a class and a message that says what to do."""

from __future__ import annotations

from .primitives import InputError


class OptmarketsError(Exception):
    """Base class of the errors raised by a solve."""


class SolveError(OptmarketsError):
    """The solver did not return an optimal solution."""

    def __init__(self, model: str, solver: str, status: str, hint: str = ""):
        self.model, self.solver, self.status = model, solver, status
        msg = f"model '{model}' solved with {solver}: status '{status}'"
        super().__init__(f"{msg}. {hint}".rstrip(". ") + ("." if hint else ""))


class InfeasibleError(SolveError):
    """The model has no feasible point."""


class UnboundedError(SolveError):
    """The objective is unbounded on the feasible set."""


class SolverFailedError(SolveError):
    """The solver stopped without a usable answer (numerical trouble, iteration limit, crash)."""


class UnknownSolverError(InputError):
    """A solver name that is not registered or not installed."""


class CapabilityError(InputError):
    """The chosen solver cannot handle the model (e.g. integer variables on an LP-only solver)."""


__all__ = [
    "InputError",
    "OptmarketsError",
    "SolveError",
    "InfeasibleError",
    "UnboundedError",
    "SolverFailedError",
    "UnknownSolverError",
    "CapabilityError",
]

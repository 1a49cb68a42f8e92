"""One error tree: every failure a user can meet has a class and a message that says what to do.

    OptmarketsError
    ├── InputError (also a ValueError): bad data or options; the message names the field
    │   ├── UnknownSolverError: a solver name that is not registered or not installed
    │   └── CapabilityError: the solver cannot handle the model (integers on an LP-only solver)
    └── SolveError: the solver returned no optimal solution
        ├── InfeasibleError: proven infeasible
        ├── UnboundedError: proven unbounded
        └── SolverFailedError: numerical trouble, an iteration or time limit, a crash
"""

from __future__ import annotations


class OptmarketsError(Exception):
    """Base class of every error optmarkets raises on purpose."""


class InputError(OptmarketsError, ValueError):
    """Invalid model data or options. The message names the argument and the problem."""


class UnknownSolverError(InputError):
    """A solver name that is not registered or not installed."""


class CapabilityError(InputError):
    """The chosen solver cannot handle the model (e.g. integer variables on an LP-only solver)."""


class SolveError(OptmarketsError):
    """The solver did not return an optimal solution."""

    def __init__(self, model: str, solver: str, status: str, hint: str = ""):
        self.model, self.solver, self.status = model, solver, status
        msg = f"model '{model}' solved with {solver}: status '{status}'"
        super().__init__(f"{msg}. {hint}".rstrip(". ") + ("." if hint else ""))


class InfeasibleError(SolveError):
    """The model has no feasible point.

    conflict: the names of the constraint families and variable domains ("chi >= 0") of an
        irreducible infeasible subset (empty when none was computed);
    rows: for each name in `conflict`, the labels of its rows in the subset.
    """

    def __init__(self, model: str, solver: str, status: str, hint: str = "",
                 conflict: tuple[str, ...] = (), rows: dict | None = None):
        super().__init__(model, solver, status, hint)
        self.conflict = tuple(conflict)
        self.rows = dict(rows or {})


class UnboundedError(SolveError):
    """The objective is unbounded on the feasible set."""


class SolverFailedError(SolveError):
    """The solver stopped without a usable answer (numerical trouble, iteration limit, crash)."""


__all__ = [
    "CapabilityError",
    "InfeasibleError",
    "InputError",
    "OptmarketsError",
    "SolveError",
    "SolverFailedError",
    "UnboundedError",
    "UnknownSolverError",
]

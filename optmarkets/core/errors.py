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

from typing import Any


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
    rows: for each name in `conflict`, the labels of its rows in the subset;
    snapshot: the model's frozen copy (`Model.snapshot()`) that `farkas()` works on, or None.
    """

    def __init__(self, model: str, solver: str, status: str, hint: str = "",
                 conflict: tuple[str, ...] = (), rows: dict | None = None, *, snapshot: Any = None):
        super().__init__(model, solver, status, hint)
        self.conflict = tuple(conflict)
        self.rows = dict(rows or {})
        self.snapshot = snapshot
        self._farkas: Any = None

    def farkas(self) -> Any:
        """The exact Farkas certificate of an infeasible LP (`optmarkets.solvers.farkas.FarkasCertificate`:
        multipliers by family, verified, reason, explain()), computed on first call. CapabilityError
        when the error holds no model (raised where infeasibility is an expected answer, or built by
        hand), or the model is a MILP or not an LP."""
        if self._farkas is None:
            self._farkas = _certificate(self, "farkas")
        return self._farkas


class UnboundedError(SolveError):
    """The objective is unbounded on the feasible set.

    snapshot: the model's frozen copy (`Model.snapshot()`) that `ray()` works on, or None.
    """

    def __init__(self, model: str, solver: str, status: str, hint: str = "", *, snapshot: Any = None):
        super().__init__(model, solver, status, hint)
        self.snapshot = snapshot
        self._ray: Any = None

    def ray(self) -> Any:
        """An exact ray of an unbounded LP (`optmarkets.solvers.farkas_ray.UnboundedRay`: direction by
        variable, slope, verified, reason, explain()), computed on first call. CapabilityError as
        `InfeasibleError.farkas`."""
        if self._ray is None:
            self._ray = _certificate(self, "unbounded_ray")
        return self._ray


def _certificate(error: InfeasibleError | UnboundedError, what: str) -> Any:
    if error.snapshot is None:
        raise CapabilityError(f"{what}: this error holds no model to prove it on (it was raised by a strategy's "
                              "inner program or built by hand); solve the model itself to get one")
    from .seam import solvers  # here: the seam imports this module

    return getattr(solvers(), what)(error.snapshot)


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

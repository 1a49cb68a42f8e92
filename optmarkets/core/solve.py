"""The one solve path: every model, every stage of a selection chain and every candidate of a
best-of program is solved by `run`.

`run` owns what a solve means in optmarkets, in this order: the backend and its options (the
model's per-backend defaults, then the caller's), the parameter values, the solver call (through the
solver layer's seam), typed errors for every non-optimal status, the labelled primal values, the
duals turned into prices (one sign convention, below), the certificate, the derived outputs and the
timings. Strategies (`core.strategies`) decide *which* programs to run; they never call a solver.

Price convention: for a family `lhs (<=|>=|==) rhs`, price = d(optimal value)/d(rhs), so
price = PRICE_SIGN[(objective sense, family sense)] * cvxpy's dual.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import InfeasibleError, SolverFailedError, UnboundedError
from .family import PRICE_SIGN, labelled
from .seam import solvers
from .solution import Certificate, Solution

if TYPE_CHECKING:
    from .model import Model

_OPTIMAL = ("optimal", "optimal_inaccurate")
_INFEASIBLE = ("infeasible", "infeasible_inaccurate")
_UNBOUNDED = ("unbounded", "unbounded_inaccurate")


@dataclass(frozen=True)
class Request:
    """How the caller asked for a solve: one object that strategies pass on unchanged."""

    solver: str | None = None
    tol: float | None = None
    verbose: bool = False
    certify: bool = True
    warm_start: bool = False
    options: dict = field(default_factory=dict)

    def but(self, **changes: Any) -> Request:
        return replace(self, **changes)


def backend_and_options(model: Model, request: Request) -> tuple[Any, dict]:
    """The backend for the request and the options it gets: the model's defaults, then the caller's."""
    layer = solvers()
    backend = layer.get(request.solver, integers=model.has_integers)
    defaults = dict(model.solver_defaults.get(backend.name, {}))
    tol = request.tol if request.tol is not None else defaults.pop("tol", None)
    defaults.pop("tol", None)
    return backend, backend.options(tol, **{**defaults, **request.options})


def run(model: Model, request: Request, *, derive: bool = True) -> Solution:
    """Solve `model` once and return its Solution (raise a typed error on any non-optimal status)."""
    layer = solvers()
    backend, options = backend_and_options(model, request)
    problem = model.problem
    model.write_parameters()
    structure = model._structure
    warm = None
    if request.warm_start and backend.cvxpy_name == "HIGHS" and not model.has_integers:
        if structure.warm is None:
            structure.warm = layer.warm_session()
        warm = structure.warm
    start = time.perf_counter()
    outcome = layer.execute(problem, backend, options, model=model.name, verbose=request.verbose, warm=warm)
    if outcome.program is None or outcome.program is not structure.last_program:
        structure.compilations += 1
        structure.last_program = outcome.program
    raise_on_failure(model.name, backend.name, outcome.status)

    sol = Solution(
        model=model.name, status=outcome.status, value=outcome.value, solver=backend.name,
        primal=primal_values(model), duals={}, prices={}, certificate=Certificate(pd.Series(dtype=float)),
        parameters={n: labelled(model.value_of(n), p.index) for n, p in model.parameters.items()},
        sense=model.sense, units=model.units,
    )
    if not model.has_integers and backend.duals:
        sol.duals, sol.prices = duals_and_prices(model)
    if request.certify:
        sol.certificate = model.certify()
    if derive:
        apply_derived(model, sol)
    sol.timings = {"compile": outcome.compile_seconds, "solver": outcome.solver_seconds,
                   "total": time.perf_counter() - start, "cvxpy_wall": outcome.wall_seconds}
    return sol


def raise_on_failure(model: str, solver: str, status: str) -> None:
    if status in _OPTIMAL:
        return
    if status in _INFEASIBLE:
        raise InfeasibleError(model, solver, status, "no point satisfies every constraint family")
    if status in _UNBOUNDED:
        raise UnboundedError(model, solver, status, "the objective is unbounded")
    raise SolverFailedError(model, solver, status, "try another solver or a looser tol")


def primal_values(model: Model) -> dict[str, Any]:
    """The shown variables' current values, labelled."""
    return {n: labelled(v.var.value, v.index) for n, v in model.variables.items() if v.show}


def duals_and_prices(model: Model) -> tuple[dict, dict]:
    """cvxpy's raw duals and the prices d(value)/d(rhs) of every family, labelled."""
    duals: dict[str, Any] = {}
    prices: dict[str, Any] = {}
    for name, fam in model.families.items():
        raw = fam.constraint.dual_value
        if raw is None:
            continue
        duals[name] = fam.label(raw)
        prices[name] = fam.label(PRICE_SIGN[(model.sense, fam.sense)] * np.asarray(raw, float) + 0.0)  # no -0.0
    return duals, prices


def apply_derived(model: Model, sol: Solution) -> None:
    """The model's derived outputs and prices, computed from the Solution in declaration order."""
    for name, d in model.derived.items():
        if d.kind == "bundle":
            parts: Any = d.fn(sol)
            sol.outputs.update(parts.get("outputs", {}))
            sol.prices.update(parts.get("prices", {}))
        else:
            (sol.outputs if d.kind == "output" else sol.prices)[name] = d.fn(sol)

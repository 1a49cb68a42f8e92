"""Run one cvxpy problem on one backend: the solver call of the solve path, and nothing else.

`execute` is what `optmarkets.core` calls through its seam (`core.backend`): it owns the cvxpy
solver call, HiGHS warm re-solves, the translation of cvxpy's exceptions into typed errors and the
timings; the core owns labels, prices, the certificate and the strategies.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import cvxpy as cp

from ..core.errors import InputError, SolverFailedError
from . import cvxpy_internals as internals
from .highs import HighsSession
from .registry import Backend, silence_highs_banner


@dataclass
class Outcome:
    """What a solver call returned: cvxpy's status and value, and where the time went."""

    status: str
    value: float
    compile_seconds: float
    solver_seconds: float
    wall_seconds: float
    program: object | None  # cvxpy's compiled program: a new object means a recompilation


def execute(problem: cp.Problem, backend: Backend, options: dict, *, model: str, verbose: bool = False,
            warm: HighsSession | None = None) -> Outcome:
    """Solve `problem` with `backend`; `warm`, a HiGHS session, re-solves an LP from its anchor basis."""
    if not verbose:
        silence_highs_banner()
    start = time.perf_counter()
    try:
        if warm is not None:
            _solve_warm(problem, options, warm)
        else:
            problem.solve(solver=backend.cvxpy_name, verbose=verbose, warm_start=False, **options)
    except cp.SolverError as exc:
        raise SolverFailedError(model, backend.name, "solver_error",
                                f"{exc}; try another solver or a looser tol") from None
    except cp.DCPError as exc:
        raise InputError(f"model '{model}' is not convex as written: {exc}") from None
    wall = time.perf_counter() - start
    stats = problem.solver_stats
    value = problem.value
    return Outcome(
        status=problem.status, value=float(value) if value is not None else float("nan"),
        compile_seconds=float(problem.compilation_time or 0.0),
        solver_seconds=float(stats.solve_time) if stats and stats.solve_time is not None else float("nan"),
        wall_seconds=wall, program=internals.compiled_program(problem))


def _solve_warm(problem: cp.Problem, options: dict, session: HighsSession) -> None:
    # cvxpy builds HiGHS's data (DPP: no recompilation) and unpacks the result; the solve in
    # between updates one persistent HiGHS instance and starts from the anchor basis.
    start = time.perf_counter()
    data, chain, inverse = internals.solver_data(problem, cp.HIGHS)
    if internals.solving_chain_solver(chain) != cp.HIGHS:
        raise cp.SolverError(f"warm start: the solving chain ends in {internals.solving_chain_solver(chain)}, "
                             "not HiGHS")
    compile_seconds = time.perf_counter() - start
    results = session.solve(data, options)
    internals.unpack(problem, results, chain, inverse, compile_seconds)

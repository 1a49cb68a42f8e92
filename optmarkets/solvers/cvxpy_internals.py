"""The only module that touches cvxpy's private attributes and solver-data layout.

cvxpy does not promise these; `tests/solvers/test_cvxpy_internals.py` fails loudly if a cvxpy
release moves one of them, so an upgrade breaks one test here instead of silent behaviour elsewhere.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import cvxpy as cp


@functools.lru_cache(maxsize=1)
def installed_solvers() -> frozenset[str]:
    """cvxpy's installed solvers (it probes every import on each call, ~2-3 ms: once per process)."""
    return frozenset(cp.installed_solvers())


def compiled_program(problem: cp.Problem) -> object | None:
    """The parametrised program cvxpy cached for `problem` (DPP): a new object means a recompilation."""
    cache = getattr(problem, "_cache", None)
    return getattr(cache, "param_prog", None)


def solver_data(problem: cp.Problem, solver: str, options: dict | None = None) -> tuple[dict, object, object]:
    """(data, chain, inverse data) of `problem` for `solver`: the standard form the solver receives
    (`options`, the solver's options, are kept in the inverse data as cvxpy's solve keeps them)."""
    if options is None:
        return problem.get_problem_data(solver)
    return problem.get_problem_data(solver, solver_opts=dict(options))


def unpack(problem: cp.Problem, results: dict, chain: Any, inverse: Any, compile_seconds: float) -> None:
    """Write a solver's raw results into the problem's variables and constraints, as cvxpy's solve does."""
    problem._compilation_time = compile_seconds
    with warnings.catch_warnings():  # "Solution may be inaccurate": the solve path raises a typed error instead
        warnings.simplefilter("ignore", UserWarning)
        problem.unpack_results(results, chain, inverse)


def solve_via_data(chain: Any, problem: cp.Problem, data: dict, options: dict, verbose: bool = False) -> Any:
    """The solver's raw results on `data`, as cvxpy's solve obtains them (with the problem's solver cache)."""
    return chain.solve_via_data(problem, data, False, verbose, dict(options))


def solving_chain_solver(chain: Any) -> str:
    """The name of the solver at the end of a solving chain."""
    return str(chain.solver.name())


def highs_results_keys() -> tuple[str, ...]:
    """The keys cvxpy's HiGHS interface reads from a results dict (`HIGHS.invert`); it also reads
    "dual_ray" when the LP is infeasible."""
    return ("solution", "basis", "info", "model_status", "run_time")

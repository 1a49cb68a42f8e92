"""The only module that touches cvxpy's private attributes and solver-data layout.

cvxpy does not promise these; `tests/solvers/test_cvxpy_internals.py` fails loudly if a cvxpy
release moves one of them, so an upgrade breaks one test here instead of silent behaviour elsewhere.
"""

from __future__ import annotations

import functools
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


def solver_data(problem: cp.Problem, solver: str) -> tuple[dict, object, object]:
    """(data, chain, inverse data) of `problem` for `solver`: the standard form the solver receives."""
    return problem.get_problem_data(solver)


def unpack(problem: cp.Problem, results: dict, chain: Any, inverse: Any, compile_seconds: float) -> None:
    """Write a solver's raw results into the problem's variables and constraints, as cvxpy's solve does."""
    problem._compilation_time = compile_seconds
    problem.unpack_results(results, chain, inverse)


def solving_chain_solver(chain: Any) -> str:
    """The name of the solver at the end of a solving chain."""
    return str(chain.solver.name())


def highs_results_keys() -> tuple[str, ...]:
    """The keys cvxpy's HiGHS interface reads from a results dict (`HIGHS.invert`); it also reads
    "dual_ray" when the LP is infeasible."""
    return ("solution", "basis", "info", "model_status", "run_time")

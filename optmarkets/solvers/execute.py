"""Run one cvxpy problem on one backend: the solver call of the solve path, and nothing else.

`execute` is what `optmarkets.core` calls through its seam (`core.backend`): it owns the solver
call (HiGHS LPs without cvxpy's compile, `solvers.affine`), HiGHS warm re-solves, the translation
of cvxpy's exceptions into typed errors and the timings; the core owns labels, prices, the
certificate and the strategies.
"""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass
from typing import Any

import cvxpy as cp
import numpy as np

from ..core.certificate import LinearForm
from ..core.errors import InputError, OptmarketsError, SolverFailedError
from . import affine, conic_scaling
from . import cvxpy_internals as internals
from .highs import HighsSession, solve_cold
from .registry import Backend, silence_highs_banner

#: Clarabel's last answer (canonical columns) per problem: a rescaled retry scales its columns by it.
_LAST_X: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass
class Outcome:
    """What a solver call returned: cvxpy's status and value, and where the time went."""

    status: str
    value: float
    compile_seconds: float
    solver_seconds: float
    wall_seconds: float
    program: object | None  # cvxpy's compiled program: a new object means a recompilation
    #: the standard form HiGHS received (the certificate is computed on it); None for other solvers
    form: LinearForm | None = None
    #: HiGHS's optimal basis of this call (on the unscaled form: the scaling is by positive factors), or None
    basis: Any = None


def execute(problem: cp.Problem, backend: Backend, options: dict, *, model: str, verbose: bool = False,
            warm: HighsSession | None = None, rescale: bool = False) -> Outcome:
    """Solve `problem` with `backend`; `warm`, a HiGHS session, re-solves an LP from its anchor basis;
    `rescale` solves a HiGHS LP cold with `scaling.geometric_factors`, a Clarabel program with its columns
    scaled by its last answer (`conic_scaling`), after a certificate failed.

    A HiGHS LP's standard form is read from its expressions (`solvers.affine`), its answer written
    back directly (`cvxpy_internals.write_highs`); other problems go through cvxpy's compile (DPP:
    no recompilation) and unpacking. HiGHS LPs are solved scaled to magnitude one where their data
    call for it and unscaled exactly (`solvers.scaling`), Clarabel's conic programs too
    (`solvers.conic_scaling`); the other solvers get their absolute
    tolerances relative to the data's magnitude (`Backend.absolute`).
    No exception of cvxpy, numpy or a solver leaves: each becomes a typed error.
    """
    if not verbose:
        silence_highs_banner()
    start = time.perf_counter()
    form, basis = None, None
    try:
        highs = backend.cvxpy_name == cp.HIGHS
        hf = affine.highs_form(problem) if highs else None
        if hf is not None:  # read from the expressions (solvers.affine), else cvxpy's compile
            compile_seconds = time.perf_counter() - start
            if hf.to_highs:
                cache = hf.program.extra if hf.program is not None else None
                results = (warm.solve(hf.data, options, cache) if warm is not None and not rescale
                           else solve_cold(hf.data, options, verbose=verbose, cache=cache, geometric=rescale))
                basis = results.get("basis")
                if hf.program is not None:
                    hf.program.extra["basis"] = basis  # seeds a selection chain's stage 1
                    form = hf.linear_form()
                if hf.direct is not None:
                    internals.write_highs(problem, results, hf.direct.layout, compile_seconds, hf.offset)
                else:
                    internals.unpack_highs(problem, results, hf.chain, hf.inverse, compile_seconds, hf.program,
                                           hf.offset)
            else:
                results = internals.solve_via_data(hf.chain, problem, hf.data,
                                                   relative_tolerances(backend, options, hf.data), verbose)
                internals.unpack(problem, results, hf.chain, hf.inverse, compile_seconds)
        else:
            data, chain, generic = internals.solver_data(problem, backend.cvxpy_name, options)
            compile_seconds = time.perf_counter() - start
            if backend.cvxpy_name == cp.CLARABEL:  # scaled to magnitude one, unscaled exactly
                scaled = conic_scaling.solve(data, options, verbose, _LAST_X.get(problem) if rescale else None)
                if scaled.x is not None:
                    _LAST_X[problem] = scaled.x
                results = scaled  # type: ignore[assignment]  # the attributes cvxpy's Clarabel invert reads
            else:
                results = internals.solve_via_data(chain, problem, data,
                                                   relative_tolerances(backend, options, data), verbose)
            internals.unpack(problem, results, chain, generic, compile_seconds)
    except OptmarketsError:
        raise
    except cp.DCPError as exc:
        raise InputError(f"model '{model}' is not convex as written: {exc}") from None
    except cp.SolverError as exc:
        raise SolverFailedError(model, backend.name, "solver_error",
                                f"{exc}; try another solver or a looser tol") from None
    except Exception as exc:  # a solver's own exception never leaves the solve path
        raise SolverFailedError(model, backend.name, "solver_error",
                                f"{type(exc).__name__}: {exc}; try another solver or a looser tol") from None
    wall = time.perf_counter() - start
    direct = hf.direct if hf is not None else None  # its identity counts compilations, as cvxpy's program's
    stats = problem.solver_stats
    value = problem.value
    reported = getattr(problem.solution, "opt_val", None) if problem.solution is not None else None
    if value is not None and not np.isfinite(value) and reported is not None and np.isfinite(reported) and \
            problem.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
        # the objective evaluated at the point is not finite where the solver's is: rel_entr(x, 0) at a round-off
        # mass x ~ 1e-14 on a cell its row forces to 0 (costly persuasion with a state of prior 0 read -inf)
        value = float(reported)
    return Outcome(
        status=problem.status, value=float(value) if value is not None else float("nan"),
        compile_seconds=float(problem.compilation_time or 0.0),
        solver_seconds=float(stats.solve_time) if stats and stats.solve_time is not None else float("nan"),
        wall_seconds=wall, program=direct if direct is not None else internals.compiled_program(problem), form=form,
        basis=basis)


def data_magnitude(data: dict) -> float:
    """The magnitude of a conic program's data: the smaller of max |c| and max |b| (nonzero ones), capped at 1.

    Interior-point and first-order solvers stop on absolute residuals (gap, feasibility) next to
    relative ones; on data of magnitude 1e-8 an absolute 1e-8 is met by any point. Multiplying the
    absolute tolerances by this magnitude makes them relative; it never loosens them.
    """
    mags = []
    for key in ("c", "b"):
        arr = data.get(key)
        if arr is not None and np.size(arr):
            m = float(np.max(np.abs(np.asarray(arr, float))))
            if np.isfinite(m) and m > 0:
                mags.append(m)
    return min([1.0, *mags])


def relative_tolerances(backend: Backend, options: dict, data: dict) -> dict:
    """`options` with the backend's absolute tolerances multiplied by the data's magnitude."""
    if not backend.absolute:
        return dict(options)
    scale = data_magnitude(data)
    if scale >= 1.0:
        return dict(options)
    return {k: (v * scale if k in backend.absolute and isinstance(v, int | float) else v) for k, v in options.items()}


"""The only module that touches cvxpy's private attributes and solver-data layout.

cvxpy does not promise these; `tests/solvers/test_cvxpy_internals.py` fails loudly if a cvxpy
release moves one of them, so an upgrade breaks one test here instead of silent behaviour elsewhere.
"""

from __future__ import annotations

import copy
import functools
import warnings
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import cvxpy as cp
import numpy as np
import scipy.sparse as sp
from cvxpy.atoms.atom import Atom
from cvxpy.cvxcore.python import canonInterface
from cvxpy.problems.problem import SolverStats
from cvxpy.reductions.solution import Solution

from ..core.tolerances import TIE_TOL


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


@dataclass
class DirectUnpack:
    """Where each variable's columns and each constraint's rows sit in a compiled HiGHS program, so an
    optimal result is written back without cvxpy's chain of inversions (a warm sweep's point is
    otherwise spent as much there as in HiGHS). It is only used for a program on which it was
    checked against cvxpy's own unpacking (`unpack_highs`): same values, same duals, same shapes."""

    variables: list[tuple[Any, int, int, tuple]]  # (variable, first column, size, value shape)
    constraints: list[tuple[Any, int, int, tuple]]  # (constraint, first row, size, dual shape)
    sign: float  # cvxpy's value = sign * (HiGHS objective + offset): -1 for a maximisation


def _direct_unpack(problem: cp.Problem, columns: dict[int, int]) -> DirectUnpack | None:
    """The layout cvxpy's HiGHS data has for `problem`: variables where the matrix stuffing put them,
    equality rows then inequality rows, each in the problem's constraint order (None: not that shape)."""
    variables = []
    for v in problem.variables():
        if v.id not in columns or getattr(v, "sparse_idx", None) is not None:
            return None
        variables.append((v, columns[v.id], int(v.size), v.shape))
    constraints, row = [], 0
    for kind in (cp.constraints.Zero, cp.constraints.NonPos):
        for con in problem.constraints:
            canonical = cp.constraints.Zero if isinstance(con, cp.constraints.Equality | cp.constraints.Zero) else (
                cp.constraints.NonPos if isinstance(con, cp.constraints.Inequality | cp.constraints.NonPos) else None)
            if canonical is None:
                return None
            if canonical is kind:
                constraints.append((con, row, int(con.size), con.shape))
                row += int(con.size)
    sign = -1.0 if isinstance(problem.objective, cp.Maximize) else 1.0
    return DirectUnpack(variables, constraints, sign)


def unpack_highs(problem: cp.Problem, results: dict, chain: Any, inverse: Any, compile_seconds: float,
                 held: HighsProgram | None, offset: float) -> None:
    """`unpack` for a HiGHS result: directly (DirectUnpack) where that was checked on this program,
    else through cvxpy's chain; the first optimal result of each program is unpacked both ways and
    the direct layout kept only if it reproduces cvxpy's values, duals and shapes exactly."""
    direct = held.extra.get("direct_unpack") if held is not None else None
    optimal = results["model_status"] == "kOptimal"
    if direct is not None and optimal:
        write_highs(problem, results, direct, compile_seconds, offset)
        return
    unpack(problem, results, chain, inverse, compile_seconds)
    if held is None or "direct_unpack" in held.extra or not optimal or problem.status != cp.OPTIMAL:
        return
    integers = held.data.get("bool_vars_idx") or held.data.get("int_vars_idx")
    layout = None if integers else _direct_unpack(problem, held.columns)
    if layout is not None:
        value = layout.sign * (float(results["info"].objective_function_value) + offset)
        x = np.asarray(results["solution"].col_value, float)
        y = -np.asarray(results["solution"].row_dual, float)
        same = all(np.array_equal(np.asarray(v.value), x[a:a + n].reshape(shape, order="F"))
                   for v, a, n, shape in layout.variables)
        same = same and all(c.dual_value is not None and np.shape(c.dual_value) == shape and np.array_equal(
            np.asarray(c.dual_value), y[a:a + n].reshape(shape, order="F")) for c, a, n, shape in layout.constraints)
        same = same and abs(value - float(problem.value)) <= TIE_TOL * max(1.0, abs(value))
        layout = layout if same else None
    held.extra["direct_unpack"] = layout


def write_highs(problem: cp.Problem, results: dict, layout: DirectUnpack, compile_seconds: float,
                offset: float) -> None:
    """Write a HiGHS result into `problem` through `layout`, as cvxpy's HIGHS.invert and
    Problem.unpack do: values and duals when a solution is present (optimal, or stopped at a limit),
    the dual ray as the duals of an infeasible LP, and the objective value in the problem's sense
    (+-inf for infeasible and unbounded)."""
    status = highs_status(results["model_status"])
    info = results["info"]
    attr = {cp.settings.SOLVE_TIME: results["run_time"], cp.settings.EXTRA_STATS: info}
    primal, dual = {}, {}
    y: np.ndarray | None
    value: float | None
    if status in cp.settings.SOLUTION_PRESENT:
        x = np.asarray(results["solution"].col_value, float)
        y = -np.asarray(results["solution"].row_dual, float)  # cvxpy's dual of HiGHS's rows
        for v, start, size, shape in layout.variables:
            primal[v.id] = x[start:start + size].reshape(shape, order="F")
            v.save_value(primal[v.id])
        value = layout.sign * (float(info.objective_function_value) + offset)
        attr[cp.settings.NUM_ITERS] = (info.ipm_iteration_count + info.crossover_iteration_count
                                       + info.pdlp_iteration_count + info.qp_iteration_count
                                       + info.simplex_iteration_count)
    else:
        y = -np.asarray(results["dual_ray"][2], float) if status == cp.INFEASIBLE and "dual_ray" in results else None
        for v, *_ in layout.variables:
            v.save_value(None)
        unbounded = {cp.INFEASIBLE: np.inf, cp.UNBOUNDED: -np.inf}.get(status)  # as cvxpy's failure_solution
        value = None if unbounded is None else layout.sign * unbounded
    for con, start, size, shape in layout.constraints:
        if y is not None and y.size >= start + size:
            dual[con.id] = y[start:start + size].reshape(shape, order="F")
            con.save_dual_value(dual[con.id])
        else:
            con.save_dual_value(None)
    problem._value = value  # type: ignore[assignment]
    problem._status = status
    problem._solution = Solution(status, value, primal, dual, attr)  # type: ignore[assignment]
    problem._solver_stats = SolverStats.from_dict(attr, cp.HIGHS)
    problem._compilation_time = compile_seconds


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


# ------------------------------------------------------------------ HiGHS data without rebuilding A
@dataclass
class HighsProgram:
    """What one compiled HiGHS program (cvxpy's DPP `ParamConeProg`) gives every re-solve.

    cvxpy's `apply_parameters` multiplies the whole parameter tensor of [A | b] on every solve
    although, in most models, the parameters enter only b and c. When the tensor's A part holds no
    parameter column, `highs_data` computes c (and the objective offset) and b alone from their
    rows of the tensor and reuses A (one object for the program's life: no copy, no rebuild).
    """

    program: Any
    chain: Any
    inverse: list  # the chain's inverse data before the solver's
    solver_inverse: Any  # the solver's SolverInverseData of the first call (its dict is copied per call)
    data: dict  # the first call's data (A, dims, bounds, integer indices are kept)
    a_constant: bool  # A does not depend on the parameters
    b_map: Any  # the tensor rows of the b column (CSR, rows x (parameters + 1)), or None
    b_rows: np.ndarray  # the rows of b they fill
    columns: dict[int, int]  # variable id -> first standard-form column
    extra: dict = field(default_factory=dict)  # the solver layer's per-program caches (scaling)


_PROGRAMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def highs_program(problem: cp.Problem) -> HighsProgram | None:
    """The cached HighsProgram of `problem`'s current compiled HiGHS program (None before its first data)."""
    program = compiled_program(problem)
    cache = getattr(problem, "_cache", None)
    if program is None or cache is None or cache.key != cache.make_key(cp.HIGHS, False, False, None):
        return None
    held: HighsProgram | None = _PROGRAMS.get(program)
    return held


def highs_data(problem: cp.Problem) -> tuple[dict, Any, list, HighsProgram | None]:
    """(data, chain, inverse data, program) of `problem` for HiGHS, as `get_problem_data` returns them,
    without rebuilding A when the parameters enter only b and c (see HighsProgram)."""
    held = highs_program(problem)
    if held is None or not held.a_constant:
        data, chain, inverse = problem.get_problem_data(cp.HIGHS)
        return data, chain, inverse, _remember(problem, data, chain, inverse)
    prog, chain = held.program, held.chain
    for reduction in chain.reductions:  # as get_problem_data's DPP path does (attribute-lowered parameters)
        reduction.update_parameters(problem)
    vec = canonInterface.get_parameter_vector(
        prog.total_param_size, prog.param_id_to_col, prog.param_id_to_size,
        lambda idx: np.array(prog.id_to_param[idx].value))
    data = dict(held.data)
    inverse_dict = dict(held.solver_inverse.inverse_data)
    if vec is not None:
        q = np.asarray(prog.q @ vec, float).reshape(-1)
        data["c"], inverse_dict["offset"] = q[:-1].copy(), np.squeeze(q[-1:])
        b = np.zeros(held.data["b"].shape[0])
        if held.b_map is not None:
            b[held.b_rows] = held.b_map @ vec
        data["b"] = b
        if prog.lb_tensor is not None:
            data["lower_bounds"] = np.asarray(prog.lb_tensor @ vec).reshape(-1)
        if prog.ub_tensor is not None:
            data["upper_bounds"] = np.asarray(prog.ub_tensor @ vec).reshape(-1)
    solver_inverse = copy.copy(held.solver_inverse)
    solver_inverse.inverse_data = inverse_dict
    return data, chain, [*held.inverse, solver_inverse], held


def _remember(problem: cp.Problem, data: dict, chain: Any, inverse: list) -> HighsProgram | None:
    program = compiled_program(problem)
    if program is None or solving_chain_solver(chain) != cp.HIGHS:
        return None
    held: HighsProgram | None = _PROGRAMS.get(program)
    if held is not None:
        return held
    reduced = getattr(program, "reduced_A", None)
    index = getattr(reduced, "problem_data_index", None)
    tensor = getattr(reduced, "reduced_mat", None)
    n = int(data["A"].shape[1])
    a_constant, b_map, b_rows = False, None, np.zeros(0, dtype=np.int64)
    if index is not None and tensor is not None and sp.issparse(tensor) and getattr(program, "P", None) is None:
        indices, indptr, _shape = index
        tensor = sp.csr_matrix(tensor)
        start, stop = int(indptr[n]), int(indptr[n + 1])
        a_constant = tensor[:start, :-1].count_nonzero() == 0 if tensor.shape[1] > 1 else True
        b_map, b_rows = tensor[start:stop], np.asarray(indices[start:stop], dtype=np.int64)
    columns = column_offsets(inverse)
    if columns is None:
        return None
    # A is kept only when it is the program's for good (a parameter-dependent A is rebuilt every solve)
    kept = {k: v for k, v in data.items() if a_constant or k != "A"}
    held = HighsProgram(program, chain, list(inverse[:-1]), inverse[-1], kept, a_constant, b_map, b_rows, columns)
    _PROGRAMS[program] = held
    if a_constant and reduced is not None and tensor is not None:
        # re-solves read b_map and the kept A, never cvxpy's condensed tensor: release it (it is as large
        # as A twice over; cvxpy rebuilds it from its matrix_data if its own path ever needs it again)
        reduced.reduced_mat, reduced.problem_data_index = None, None
    return held


def row_orientation(constraint: Any, lhs: Any) -> float | None:
    """sigma with (standard-form row activity - its bound) = sigma * (lhs - rhs) for a family written
    `lhs <op> rhs`: cvxpy's HiGHS rows are A x - b = args[0] - args[1] of the Zero/Inequality constraint
    (`lhs >= rhs` is stored as Inequality(rhs, lhs)); None when lhs is neither argument."""
    args = constraint.args
    if args[0] is lhs:
        return 1.0
    if len(args) > 1 and args[1] is lhs:
        return -1.0
    return None


# ---------------------------------------------------------------- where variables sit in the standard form
def column_offsets(inverse: Any) -> dict[int, int] | None:
    """var id -> first column in the standard form, from a solving chain's inverse data (the
    matrix-stuffing step's `var_offsets`); None when no step holds them."""
    for item in inverse:
        offsets = getattr(item, "var_offsets", None)
        if offsets is not None and getattr(item, "constraints", None) is not None:
            return {int(k): int(v) for k, v in offsets.items()}
    return None


def objective_offset(inverse: Any) -> float:
    """The constant of the objective that the standard form drops (the last inverse step's "offset")."""
    data = getattr(inverse[-1], "inverse_data", None)
    return float(np.asarray(data.get("offset", 0.0)).reshape(-1)[0]) if isinstance(data, dict) else 0.0


def variable_offsets(inverse: Any, variables: Iterable[cp.Variable], columns: int) -> dict[int, int] | None:
    """var id -> offset of its first column in the standard form, from the inverse data of
    `solver_data` (the matrix-stuffing step's `var_offsets`); None unless every variable in
    `variables` is a block of columns there and the columns are exactly these variables (no
    auxiliary columns added by a reduction)."""
    steps = inverse if isinstance(inverse, list | tuple) else [inverse]
    stuffing = [step for step in steps if hasattr(step, "var_offsets") and hasattr(step, "x_length")]
    if not stuffing:
        return None
    offsets, length = dict(stuffing[-1].var_offsets), int(stuffing[-1].x_length)
    variables = list(variables)
    if length != columns or any(v.id not in offsets for v in variables):
        return None
    if sum(v.size for v in variables) != columns or any(getattr(v, "sparse_idx", None) is not None for v in variables):
        return None
    return {v.id: int(offsets[v.id]) for v in variables}


def write_point(x: np.ndarray, variables: Iterable[cp.Variable], offsets: dict[int, int]) -> None:
    """Set each variable's value from the standard-form point `x` (cvxpy stacks columns in Fortran order)."""
    for v in variables:
        start = offsets[v.id]
        block = np.asarray(x[start:start + v.size], float)
        # as cvxpy's own unpacking does: round-off just outside a bound (nonneg) is kept, not rejected
        v.save_value(block.reshape(v.shape, order="F"))


def highs_status(model_status: str) -> str:
    """cvxpy's status name for a HiGHS model status name (cvxpy's HIGHS.STATUS_MAP; "solver_error" else)."""
    from cvxpy.reductions.solvers.conic_solvers.highs_conif import HIGHS

    return str(HIGHS.STATUS_MAP.get(model_status, cp.settings.SOLVER_ERROR))


# ------------------------------------------------------------------------------------------ cone reading
#: cvxpy's canonical cone constraints, by the name optmarkets gives their family (`registry.CONES`)
_CONE_OF = {"SOC": "second-order", "ExpCone": "exponential", "PowCone3D": "power", "PowConeND": "power",
            "PSD": "psd", "SvecPSD": "psd"}
#: atoms cvxpy builds from others, named as a user writes them
_ATOM_SAID = {"quad_over_lin": "sum_squares/quad_over_lin", "QuadForm": "quad_form"}
_CONES_READ: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _nonaffine_atoms(expr: Any) -> list[str]:
    """The names of the non-affine atoms in `expr` (cp.log -> 'log'), each once, outermost first."""
    found: list[str] = []
    stack = [expr]
    while stack:
        node = stack.pop()
        if isinstance(node, Atom) and not (node.is_atom_convex() and node.is_atom_concave()):
            name = type(node).__name__.removesuffix("Approx")  # cvxpy 1.9: pnorm -> PnormApprox
            name = _ATOM_SAID.get(name, name)
            if name not in found:
                found.append(name)
        stack.extend(reversed(getattr(node, "args", [])))
    return found


def _canonical_cones(objective: Any, constraints: list) -> set[str]:
    """The cone families cvxpy's conic canonicalization (Dcp2Cone) makes of `objective` and `constraints`."""
    from cvxpy.reductions.dcp2cone.dcp2cone import Dcp2Cone

    expr = objective.args[0]
    problem = cp.Problem(cp.Minimize(-expr if isinstance(objective, cp.Maximize) else expr), constraints)
    if not problem.is_dcp():  # the solve itself reports a non-convex model (InputError)
        return set()
    canonical, _ = Dcp2Cone(quad_obj=False).apply(problem)
    return {_CONE_OF[type(c).__name__] for c in canonical.constraints if type(c).__name__ in _CONE_OF}


def model_cones(problem: cp.Problem, names: dict[int, str]) -> dict[str, list[str]]:
    """What `problem` needs beyond linear rows: {cone family: where it comes from}, empty for an LP or a MILP.

    Families: "quadratic" (a quadratic objective on linear constraints: a QP), "second-order",
    "exponential", "power", "psd" (`registry.CONES`); each origin reads "cp.log in the objective" or
    "family 'budget'" (`names`: id of a constraint -> its family's name), or "variable 'X' (PSD=True)".
    Read from cvxpy's own conic canonicalization of the objective and of each constraint on its own, so
    the cones are the ones a conic solver would receive; cached per problem (parameters never change them).
    """
    cached = _CONES_READ.get(problem)
    if cached is not None:
        return cached
    found: dict[str, list[str]] = {}

    def add(cones: set[str], origin: str) -> None:
        for cone in sorted(cones):
            found.setdefault(cone, []).append(origin)

    objective = problem.objective
    expr = objective.args[0]
    atoms = ", ".join(f"cp.{a.lower()}" for a in _nonaffine_atoms(expr))
    where = f"{atoms} in the objective" if atoms else "the objective"
    if not expr.is_affine():
        if expr.is_quadratic() and problem.is_dcp() and all(_linear(c) for c in problem.constraints):
            add({"quadratic"}, where)
        else:
            add(_canonical_cones(objective, []), where)
    for constraint in problem.constraints:
        if _linear(constraint):
            continue
        label = names.get(id(constraint))
        atoms = ", ".join(f"cp.{a.lower()}" for a in _nonaffine_atoms(constraint))
        origin = (f"family '{label}'" if label else "a constraint") + (f" ({atoms})" if atoms else "")
        add(_canonical_cones(cp.Minimize(0), [constraint]), origin)
    for variable in problem.variables():
        if variable.attributes.get("PSD") or variable.attributes.get("NSD"):
            add({"psd"}, f"variable '{variable.name()}' (PSD=True)")
    _CONES_READ[problem] = found
    return found


def _linear(constraint: Any) -> bool:
    """An equality or inequality of affine expressions (a row of an LP)."""
    from cvxpy.constraints import Equality, Inequality, NonNeg, NonPos, Zero

    return isinstance(constraint, Equality | Inequality | NonNeg | NonPos | Zero) and all(
        a.is_affine() for a in constraint.args)


def cvxpy_cones(solver: str) -> frozenset[str]:
    """The cone families cvxpy's interface to `solver` accepts (its SUPPORTED_CONSTRAINTS), for checking
    `registry.Backend.cones` against the installed cvxpy; "quadratic" where cvxpy has a QP interface
    for it or the cones to write a quadratic objective (second-order)."""
    from cvxpy.reductions.solvers.defines import QP_SOLVERS, SOLVER_MAP_CONIC

    cls = SOLVER_MAP_CONIC.get(solver)
    cones = {_CONE_OF[c.__name__] for c in getattr(cls, "SUPPORTED_CONSTRAINTS", []) if c.__name__ in _CONE_OF}
    if solver in QP_SOLVERS or "second-order" in cones:
        cones.add("quadratic")
    return frozenset(cones)


def clarabel_settings(verbose: bool, options: dict) -> Any:
    """Clarabel's settings object for `options`, as cvxpy's Clarabel interface builds it."""
    from cvxpy.reductions.solvers.conic_solvers.clarabel_conif import CLARABEL

    return CLARABEL.parse_solver_opts(verbose, dict(options))


def clarabel_cones(data: dict) -> list:
    """Clarabel's cone list for cvxpy's conic `data` (its `dims`)."""
    from cvxpy.reductions.solvers.conic_solvers.clarabel_conif import dims_to_solver_cones

    return list(dims_to_solver_cones(data["dims"]))

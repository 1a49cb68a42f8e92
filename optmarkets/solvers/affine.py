"""HiGHS's standard form of an affine cvxpy problem, built directly from its expression trees.

cvxpy's compile (its chain of reductions, the coefficient tensor, the conic formatting) costs
more than half of HiGHS's own solve on the papers' small LPs: 7.2 ms against 10.3 ms for P_q at
n = 25 (this module: 1.5 ms; `benchmarks/bench_overhead.py --row pq`). Every model here is an LP
whose families are a handful of affine atoms over Variables, Constants and Parameters, so this
module reads each family as

    expr(x) = M x + k        (M sparse over the stacked columns, k the constant; both in cvxpy's
                              column-major order of the expression's entries)

and lays the rows out exactly as cvxpy's HiGHS data does: equality families (A x = b), then
inequality families (A x <= b), each `args[0] - args[1]` of its constraint, in the problem's order;
the objective as c x + offset, negated for a maximisation. Parameters enter at their current
values; a re-solve moves only the constants of the families that hold one (their value at x = 0)
and keeps A (the same object, so scaling factors and warm sessions keep it), unless a parameter
multiplies a variable. The expressions are read by `solvers.linear_map`.

An atom outside the supported set, a non-affine product, integers or a variable attribute other
than nonneg/nonpos raise `UnsupportedError`, and the caller keeps cvxpy's own compile. That both give
the same standard form is tested on every model (`tests/solvers/test_affine.py`).
"""

from __future__ import annotations

import contextlib
import contextvars
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import cvxpy as cp
import numpy as np
import scipy.sparse as sp

from ..core.certificate import LinearForm
from .cvxpy_internals import (
    DirectUnpack,
    highs_data,
    objective_offset,
    row_orientation,
    solving_chain_solver,
)
from .cvxpy_internals import variable_offsets as cvxpy_variable_offsets
from .linear_map import (
    Const,
    Lin,
    NoValueError,
    RowStack,
    Sel,
    UnsupportedError,
    as_affine,
    as_lin,
    at_zero,
    canonical_csc,
    coefficients_hold_parameters,
    linear_map,
)

__all__ = ["AffineProgram", "Const", "HighsForm", "Lin", "Sel", "UnsupportedError", "build", "cvxpy_compile",
           "highs_form", "linear_map", "program", "variable_offsets"]


# ------------------------------------------------------------------------------------- programs
@dataclass
class _Dims:
    zero: int  # the equality rows (cvxpy's ConeDims.zero, as `StandardForm.of` reads it)


@dataclass
class AffineProgram:
    """HiGHS's standard form of one cvxpy problem, kept for its re-solves (see the module docstring).

    columns: variable id -> first column; variables/constraints: the write-back layout
    (`cvxpy_internals.DirectUnpack`'s fields); extra: the solver layer's per-program caches
    (scaling factors, the last basis), as `cvxpy_internals.HighsProgram.extra`."""

    columns: dict[int, int]
    variables: list[tuple[Any, int, int, tuple]]
    constraints: list[tuple[Any, int, int, tuple]]
    sign: float
    n_eq: int
    lower: np.ndarray | None
    upper: np.ndarray | None
    parametric: list[int]  # the constraints (positions in `constraints`) that hold a Parameter
    coefficient_parametric: set[int]  # those in which a Parameter multiplies a variable
    objective_parametric: bool
    objective_coefficients_parametric: bool
    constants: list[np.ndarray]  # each constraint's k in args[0] - args[1] = M x + k (b = -k)
    A: sp.csc_matrix
    c: np.ndarray
    offset: float
    parameters: list[cp.Parameter] = field(default_factory=list)
    read_at: list[np.ndarray] = field(default_factory=list)  # the parameter values the form was read at
    extra: dict = field(default_factory=dict)

    @property
    def layout(self) -> DirectUnpack:
        """Where the result is written back (`cvxpy_internals.write_highs`)."""
        return DirectUnpack(self.variables, self.constraints, self.sign)

    def data(self) -> dict:
        """The program's data at the current parameter values, in cvxpy's HiGHS layout."""
        b = -np.concatenate(self.constants) if self.constants else np.zeros(0)
        return {"c": self.c, "A": self.A, "b": b, "dims": _Dims(self.n_eq), "lower_bounds": self.lower,
                "upper_bounds": self.upper, "bool_vars_idx": [], "int_vars_idx": []}

    def refresh(self, problem: cp.Problem) -> None:
        """Re-read what holds Parameters at their current values: a family whose coefficients hold none
        only moves its constant (the expression's value at x = 0), the others are read again. Nothing
        is read when no parameter moved since the last read (the selection chain and row generation
        ask for the form their solve just used)."""
        values = [np.array(p.value, dtype=float) for p in self.parameters]
        if all(np.array_equal(v, w) for v, w in zip(values, self.read_at, strict=True)):
            return
        self.read_at = values
        n = self.A.shape[1]
        moved: dict[int, Lin] = {}
        rows = self.A.tocsr() if self.coefficient_parametric else None  # A's rows, compared with them read again
        for i in self.parametric:
            con, start, size, _shape = self.constraints[i]
            if rows is not None and i in self.coefficient_parametric:
                block = as_lin(linear_map(con.expr, self.columns, n), n)
                matrix = canonical_csc(block.row, block.col, block.val, (block.k.size, n))
                if not _same_matrix(rows[start:start + size].tocsc(), matrix):
                    moved[i] = block
                self.constants[i] = block.k
            else:
                self.constants[i] = at_zero(con.expr)
        if moved and rows is not None:  # the moved families' rows of A replaced, the others kept
            parts = []
            for i, (_con, start, size, _shape) in enumerate(self.constraints):
                kept = rows[start:start + size].tocoo()
                parts.append(moved[i] if i in moved else Lin(kept.row, kept.col, kept.data, np.zeros(size), n))
            self.A = _stack_rows(parts, n)
        if self.objective_parametric:
            if self.objective_coefficients_parametric:
                self.c, self.offset = _objective(problem, self.columns, n, self.sign)
            else:
                self.offset = self.sign * float(at_zero(problem.objective.args[0])[0])


def _same_matrix(a: sp.csc_matrix, b: sp.csc_matrix) -> bool:
    return a.shape == b.shape and a.nnz == b.nnz and all(
        np.array_equal(x, y) for x, y in ((a.indptr, b.indptr), (a.indices, b.indices), (a.data, b.data)))


def _stack_rows(blocks: Sequence[Lin], n: int) -> sp.csc_matrix:
    """The blocks' matrices one above the other, in canonical CSC form (`linear_map.RowStack`)."""
    stack = RowStack(sum(blk.k.size for blk in blocks), n)
    for blk in blocks:
        stack.add(blk)
    return stack.matrix()


def _objective(problem: cp.Problem, columns: dict[int, int], n: int, sign: float) -> tuple[np.ndarray, float]:
    """cvxpy's (c, offset) of the objective: min c x + offset; a maximisation negated (sign = -1)."""
    obj = as_affine(linear_map(problem.objective.args[0], columns, n), n)
    if obj.k.size != 1:
        raise UnsupportedError("a non-scalar objective")
    if isinstance(obj, Sel):
        c = np.bincount(obj.cols, weights=obj.coef, minlength=n).astype(float)
    else:
        c = np.bincount(obj.col, weights=obj.val, minlength=n).astype(float)
    return sign * c, sign * float(obj.k[0])


def _bounds(variables: list[cp.Variable], n: int) -> tuple[np.ndarray | None, np.ndarray | None]:
    lower, upper = np.full(n, -np.inf), np.full(n, np.inf)
    start = 0
    for v in variables:
        on = {k for k, val in v.attributes.items() if val is not None and val is not False}
        if on - {"nonneg", "nonpos"}:
            raise UnsupportedError(f"variable {v.name()} has attributes {sorted(on)}")
        if "nonneg" in on:
            lower[start:start + v.size] = 0.0
        if "nonpos" in on:
            upper[start:start + v.size] = 0.0
        start += int(v.size)
    return (lower if np.isfinite(lower).any() else None), (upper if np.isfinite(upper).any() else None)


def build(problem: cp.Problem) -> AffineProgram:
    """The AffineProgram of `problem` (raises UnsupportedError outside this module's scope)."""
    if not isinstance(problem.objective, cp.Minimize | cp.Maximize):
        raise UnsupportedError("objective")
    variables = problem.variables()
    columns, start = {}, 0
    for v in variables:
        columns[v.id] = start
        start += int(v.size)
    n = start
    lower, upper = _bounds(variables, n)
    equalities = [c for c in problem.constraints if isinstance(c, cp.constraints.Equality)]
    inequalities = [c for c in problem.constraints if isinstance(c, cp.constraints.Inequality)]
    if len(equalities) + len(inequalities) != len(problem.constraints):
        raise UnsupportedError("a constraint that is neither == nor <=")
    ordered: list[Any] = [*equalities, *inequalities]
    layout, parametric, constants, row = [], [], [], 0
    coefficient_parametric: set[int] = set()
    stack = RowStack(sum(int(con.size) for con in ordered), n)
    for i, con in enumerate(ordered):
        block = as_lin(linear_map(con.expr, columns, n), n)
        stack.add(block)  # A alone holds the blocks' matrices (a refresh compares a moved one with A's rows)
        constants.append(block.k)
        layout.append((con, row, int(con.size), con.shape))
        row += int(con.size)
        if con.parameters():
            parametric.append(i)
            if coefficients_hold_parameters(con.expr):
                coefficient_parametric.add(i)
    sign = -1.0 if isinstance(problem.objective, cp.Maximize) else 1.0
    c, offset = _objective(problem, columns, n, sign)
    parameters = problem.parameters()
    n_eq = sum(int(c.size) for c in ordered if isinstance(c, cp.constraints.Equality))
    return AffineProgram(
        columns=columns, variables=[(v, columns[v.id], int(v.size), v.shape) for v in variables],
        constraints=layout, sign=sign, n_eq=n_eq, lower=lower, upper=upper, parametric=parametric,
        coefficient_parametric=coefficient_parametric, objective_parametric=bool(problem.objective.parameters()),
        objective_coefficients_parametric=coefficients_hold_parameters(problem.objective.args[0]),
        constants=constants, A=stack.matrix(),
        c=c, offset=offset, parameters=parameters, read_at=[np.array(p.value, dtype=float) for p in parameters])


def variable_offsets(prog: AffineProgram, variables: Sequence[cp.Variable]) -> dict[int, int] | None:
    """var id -> first column of each of `variables`, when they are exactly the program's columns."""
    if sorted(v.id for v in variables) != sorted(prog.columns):
        return None
    return {v.id: prog.columns[v.id] for v in variables}


_PROGRAMS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_UNSUPPORTED: weakref.WeakSet = weakref.WeakSet()
_ENABLED = contextvars.ContextVar("optmarkets_affine_programs", default=True)


@contextlib.contextmanager
def cvxpy_compile() -> Iterator[None]:
    """Within the block, HiGHS LPs are compiled by cvxpy as every other program is (the comparison
    in tests and benchmarks; the answers agree to round-off)."""
    token = _ENABLED.set(False)
    try:
        yield
    finally:
        _ENABLED.reset(token)


def program(problem: cp.Problem) -> AffineProgram | None:
    """`problem`'s AffineProgram at its current parameter values, built on first use and refreshed
    after; None when the problem is outside this module's scope (remembered: asked once)."""
    if not _ENABLED.get():
        return None
    held: AffineProgram | None = _PROGRAMS.get(problem)
    if held is not None:
        held.refresh(problem)
        return held
    if problem in _UNSUPPORTED:
        return None
    try:
        held = build(problem)
    except NoValueError:
        return None
    except UnsupportedError:
        _UNSUPPORTED.add(problem)
        return None
    _PROGRAMS[problem] = held
    return held


# ------------------------------------------------------------------------ the form HiGHS receives
@dataclass
class HighsForm:
    """A problem's standard form for HiGHS and what its solve, write-back and certificate need:
    read from the expressions (`program` an AffineProgram, `chain`/`inverse` None) or, outside this
    module's scope, cvxpy's compile (`program` its `cvxpy_internals.HighsProgram`, None when cvxpy's
    chain does not end in HiGHS)."""

    data: dict
    offset: float  # the objective's constant, dropped by the standard form
    program: Any  # its per-program caches (`extra`) and columns (`columns`), or None
    chain: Any = None
    inverse: Any = None

    @property
    def direct(self) -> AffineProgram | None:
        return self.program if isinstance(self.program, AffineProgram) else None

    @property
    def to_highs(self) -> bool:
        """Whether HiGHS solves it (cvxpy may route a problem its HiGHS interface cannot take elsewhere)."""
        return self.chain is None or solving_chain_solver(self.chain) == cp.HIGHS

    def offsets(self, variables: Sequence[cp.Variable]) -> dict[int, int] | None:
        """var id -> first column of each of `variables`, when they are exactly the form's columns."""
        if self.direct is not None:
            return variable_offsets(self.direct, variables)
        return cvxpy_variable_offsets(self.inverse, variables, int(self.data["A"].shape[1]))

    def linear_form(self) -> LinearForm:
        """The form as the certificate reads it (`core.certificate.LinearForm`)."""
        return LinearForm(c=self.data["c"], offset=self.offset, A=self.data["A"], b=self.data["b"],
                          n_eq=int(self.data["dims"].zero), columns=self.program.columns,
                          orientation=row_orientation, affine=self.direct is not None)


def highs_form(problem: cp.Problem) -> HighsForm:
    """The standard form HiGHS receives for `problem`: read from its expressions where this module
    reads them, else cvxpy's compile (DPP: A built once when the parameters enter only b and c)."""
    direct = program(problem)
    if direct is not None:
        return HighsForm(direct.data(), direct.offset, direct)
    data, chain, inverse, held = highs_data(problem)
    return HighsForm(data, objective_offset(inverse), held, chain, inverse)

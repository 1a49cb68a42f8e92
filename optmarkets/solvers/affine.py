"""HiGHS's standard form of an affine cvxpy problem, built directly from its expression trees.

cvxpy's compile (its chain of reductions, the coefficient tensor, the conic formatting) costs more
than HiGHS's own solve on the papers' small LPs: 7 ms against 12 ms for P_q at n = 25. Every
model here is an LP whose families are a handful of affine atoms over Variables, Constants and
Parameters, so this module reads each family as

    expr(x) = M x + k        (M sparse over the stacked columns, k the constant; both in cvxpy's
                              column-major order of the expression's entries)

and lays the rows out exactly as cvxpy's HiGHS data does: equality families (A x = b), then
inequality families (A x <= b), each `args[0] - args[1]` of its constraint, in the problem's order;
the objective as c x + offset, negated for a maximisation. Parameters enter at their current
values; a re-solve re-reads only the families that hold one and keeps A (the same object, so
scaling factors and warm sessions keep it) when its coefficients did not move.

An atom outside the supported set, a non-affine product, integers or a variable attribute other
than nonneg/nonpos raise `UnsupportedError`, and the caller keeps cvxpy's own compile. That both give
the same standard form is tested on every model (`tests/solvers/test_affine.py`).
"""

from __future__ import annotations

import contextlib
import contextvars
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import cvxpy as cp
import numpy as np
import scipy.sparse as sp

from .cvxpy_internals import DirectUnpack


class UnsupportedError(Exception):
    """The problem is outside what this module reads (cvxpy's own compile is used instead)."""


@dataclass
class Const:
    """A constant subexpression: its value as cvxpy computes it (numpy array, or scipy sparse 2-D)."""

    value: Any


@dataclass
class Lin:
    """An affine subexpression M x + k, entries in column-major order."""

    M: sp.csr_matrix
    k: np.ndarray


Node = Const | Lin


# ---------------------------------------------------------------------------------- index helpers
def _positions(shape: tuple) -> np.ndarray:
    """The column-major position of every entry of an array of `shape`, as an array of that shape."""
    size = int(np.prod(shape, dtype=np.int64))
    return np.arange(size).reshape(shape, order="F")


def _flat(a: np.ndarray) -> np.ndarray:
    return np.asarray(a).reshape(-1, order="F")


def _squeezed(a: tuple) -> tuple:
    return tuple(d for d in a if d != 1)


def _select(node: Node, rows: np.ndarray) -> Lin:
    """The entries `rows` (column-major positions of node's entries) of an affine node."""
    assert isinstance(node, Lin)
    return Lin(node.M[rows], node.k[rows])


def _dense(value: Any) -> np.ndarray:
    return np.asarray(value.toarray() if sp.issparse(value) else value, dtype=float)


def _as_lin(node: Node, n: int) -> Lin:
    if isinstance(node, Lin):
        return node
    k = _flat(_dense(node.value))
    return Lin(sp.csr_matrix((k.size, n)), k)


def _broadcast(node: Node, shape: tuple, source: tuple, n: int) -> Lin:
    """node (of shape `source`) broadcast to `shape` as numpy broadcasts."""
    lin = _as_lin(node, n)
    if tuple(source) == tuple(shape) or _squeezed(tuple(source)) == _squeezed(tuple(shape)):
        return lin  # the same entries in the same column-major order ((1,) and (), (n, 1) and (n,))
    try:
        rows = _flat(np.broadcast_to(_positions(tuple(source)), shape))
    except ValueError as exc:
        raise UnsupportedError(f"broadcast of {source} to {shape}") from exc
    return _select(lin, rows)


def _broadcast_value(value: np.ndarray, source: tuple, shape: tuple) -> np.ndarray:
    """A constant of shape `source` broadcast to `shape`, as `_broadcast` broadcasts an affine node."""
    if tuple(source) == tuple(shape) or _squeezed(tuple(source)) == _squeezed(tuple(shape)):
        return value.reshape(shape, order="F")
    return np.broadcast_to(value.reshape(source, order="F"), shape)


def _matrix(value: Any) -> sp.csr_matrix:
    return sp.csr_matrix(value) if sp.issparse(value) else sp.csr_matrix(np.atleast_2d(np.asarray(value, dtype=float)))


# ----------------------------------------------------------------------------------------- atoms
def _add(expr: Any, args: list[Node], n: int) -> Node:
    parts = [_broadcast(a, expr.shape, e.shape, n) for a, e in zip(args, expr.args)]
    M = parts[0].M
    k = parts[0].k.copy()
    for p in parts[1:]:
        M = M + p.M
        k += p.k
    return Lin(sp.csr_matrix(M), k)


def _neg(expr: Any, args: list[Node], n: int) -> Node:
    (a,) = args
    assert isinstance(a, Lin)
    return Lin(-a.M, -a.k)


def _scaled(lin: Lin, scale: np.ndarray) -> Lin:
    return Lin(sp.csr_matrix(sp.diags(scale) @ lin.M), scale * lin.k)


def _multiply(expr: Any, args: list[Node], n: int) -> Node:
    (a, b), (ea, eb) = args, expr.args
    if isinstance(a, Lin) and isinstance(b, Lin):
        raise UnsupportedError("a product of two variable expressions")
    c, ec, v, ev = (a, ea, b, eb) if isinstance(a, Const) else (b, eb, a, ea)
    assert isinstance(c, Const)
    scale = _flat(_broadcast_value(_dense(c.value), ec.shape, expr.shape))
    return _scaled(_broadcast(v, expr.shape, ev.shape, n), scale)


def _matmul(expr: Any, args: list[Node], n: int) -> Node:
    (a, b), (ea, eb) = args, expr.args
    if isinstance(a, Lin) and isinstance(b, Lin):
        raise UnsupportedError("a product of two variable expressions")
    scalar = a if isinstance(a, Const) and int(np.prod(ea.shape)) == 1 else (
        b if isinstance(b, Const) and int(np.prod(eb.shape)) == 1 else None)
    if scalar is not None:  # a scalar factor scales
        v, ev = (b, eb) if scalar is a else (a, ea)
        scale = float(_dense(scalar.value).reshape(-1)[0])
        lin = _broadcast(v, expr.shape, ev.shape, n)
        return Lin(lin.M * scale, lin.k * scale)
    if isinstance(a, Const):  # C @ X: vec(C X) = (I_p kron C) vec(X)
        assert isinstance(b, Lin)
        C = _matrix(a.value)  # a 1-D C is a row
        p = 1 if len(eb.shape) == 1 else int(eb.shape[1])
        op = C if p == 1 else sp.kron(sp.identity(p, format="csr"), C, format="csr")
        return Lin(sp.csr_matrix(op @ b.M), op @ b.k)
    assert isinstance(a, Lin) and isinstance(b, Const)
    C = _matrix(b.value)  # X @ C: vec(X C) = (C^T kron I_m) vec(X)
    if len(eb.shape) == 1:
        C = C.T  # a 1-D right factor is a column
    m = 1 if len(ea.shape) == 1 else int(ea.shape[0])
    op = C.T.tocsr() if m == 1 else sp.kron(C.T, sp.identity(m, format="csr"), format="csr")
    return Lin(sp.csr_matrix(op @ a.M), op @ a.k)


def _sum(expr: Any, args: list[Node], n: int) -> Node:
    (a,), (ea,) = args, expr.args
    assert isinstance(a, Lin)
    axis = expr.axis
    if axis is None:
        return Lin(sp.csr_matrix(a.M.sum(axis=0)), np.array([a.k.sum()]))
    axes = tuple(ax % len(ea.shape) for ax in np.atleast_1d(axis))
    kept = tuple(d if i not in axes else 1 for i, d in enumerate(ea.shape))
    target = np.broadcast_to(_positions(kept), ea.shape)  # each entry's place in the summed array
    out = int(np.prod(kept, dtype=np.int64))
    S = sp.csr_matrix((np.ones(target.size), (_flat(target), np.arange(target.size))), shape=(out, target.size))
    return Lin(sp.csr_matrix(S @ a.M), S @ a.k)


def _reshape(expr: Any, args: list[Node], n: int) -> Node:
    (a,), (ea,) = args, expr.args
    if expr.order == "F":
        return _as_lin(a, n)
    rows = _flat(_positions(ea.shape).reshape(-1, order="C").reshape(expr.shape, order="C"))
    return _select(_as_lin(a, n), rows)


def _transpose(expr: Any, args: list[Node], n: int) -> Node:
    (a,), (ea,) = args, expr.args
    return _select(_as_lin(a, n), _flat(np.transpose(_positions(ea.shape), expr.axes)))


def _numpy_key(key: Any) -> Any:
    """cvxpy's normalised basic key in numpy's terms: a reversed slice's stop -1 means past the start."""
    if not isinstance(key, tuple):
        return key
    return tuple(slice(k.start, None, k.step) if isinstance(k, slice) and k.step is not None and k.step < 0
                 and k.stop is not None and k.stop < 0 else k for k in key)


def _index(expr: Any, args: list[Node], n: int) -> Node:
    (a,), (ea,) = args, expr.args
    key = _numpy_key(expr.key) if type(expr).__name__ == "index" else expr.key
    picked = _positions(ea.shape)[key]
    if picked.size != int(np.prod(expr.shape, dtype=np.int64)) or (
            picked.shape != expr.shape and _squeezed(picked.shape) != _squeezed(expr.shape)):
        raise UnsupportedError(f"index {expr.key!r}")
    return _select(_as_lin(a, n), _flat(picked))


def _promote(expr: Any, args: list[Node], n: int) -> Node:
    return _select(_as_lin(args[0], n), np.zeros(int(np.prod(expr.shape, dtype=np.int64)), dtype=np.int64))


def _stack(axis_of: Callable[[Any], int]) -> Callable[[Any, list[Node], int], Node]:
    def stack(expr: Any, args: list[Node], n: int) -> Node:
        lins = [_as_lin(a, n) for a in args]
        starts = np.cumsum([0] + [lin.k.size for lin in lins])
        blocks = [(_positions(e.shape) + s) for e, s in zip(expr.args, starts)]
        axis = axis_of(expr)
        if axis == 0 and all(b.ndim == 1 for b in blocks) and type(expr).__name__ == "Vstack":
            blocks = [b.reshape(1, -1) for b in blocks]
        rows = _flat(np.concatenate(blocks, axis=axis))
        whole = Lin(sp.vstack([lin.M for lin in lins], format="csr"), np.concatenate([lin.k for lin in lins]))
        return _select(whole, rows)
    return stack


def _diag_mat(expr: Any, args: list[Node], n: int) -> Node:
    (a,), (ea,) = args, expr.args
    k = int(getattr(expr, "k", 0))
    return _select(_as_lin(a, n), _flat(np.diagonal(_positions(ea.shape), offset=k)))


_ATOMS: dict[str, Callable[[Any, list[Node], int], Node]] = {
    "AddExpression": _add, "NegExpression": _neg, "multiply": _multiply, "MulExpression": _matmul,
    "Sum": _sum, "reshape": _reshape, "transpose": _transpose, "index": _index, "special_index": _index,
    "Promote": _promote, "Hstack": _stack(lambda e: 1 if len(e.shape) > 1 else 0),
    "Vstack": _stack(lambda e: 0), "diag_mat": _diag_mat,
}


def linear_map(expr: Any, columns: dict[int, int], n: int) -> Node:
    """expr as M x + k over the standard-form columns (`columns`: variable id -> first column, n in
    all); a Const when it holds no variable. Raises UnsupportedError outside the supported atoms."""
    if isinstance(expr, cp.Variable):
        start = columns.get(expr.id)
        if start is None:
            raise UnsupportedError(f"variable {expr.name()} has no columns")
        size = int(expr.size)
        at = np.arange(size)
        return Lin(sp.csr_matrix((np.ones(size), (at, start + at)), shape=(size, n)), np.zeros(size))
    if isinstance(expr, cp.Constant | cp.Parameter):
        value = expr.value
        if value is None:
            raise UnsupportedError(f"parameter {expr.name()} has no value")
        return Const(value)
    args = [linear_map(a, columns, n) for a in expr.args]
    if all(isinstance(a, Const) for a in args):
        return Const(expr.numeric([a.value for a in args]))  # type: ignore[union-attr]
    atom = _ATOMS.get(type(expr).__name__)
    if atom is None:
        raise UnsupportedError(f"atom {type(expr).__name__}")
    out = atom(expr, args, n)
    if isinstance(out, Lin) and out.k.size != int(np.prod(expr.shape, dtype=np.int64)):
        raise UnsupportedError(f"{type(expr).__name__} gave {out.k.size} entries for shape {expr.shape}")
    return out


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
    objective_parametric: bool
    blocks: list[Lin]  # each constraint's rows, args[0] - args[1] = M x + k
    A: sp.csc_matrix
    c: np.ndarray
    offset: float
    extra: dict = field(default_factory=dict)

    @property
    def layout(self) -> DirectUnpack:
        """Where the result is written back (`cvxpy_internals.write_highs`)."""
        return DirectUnpack(self.variables, self.constraints, self.sign)

    def data(self) -> dict:
        """The program's data at the current parameter values, in cvxpy's HiGHS layout."""
        b = -np.concatenate([blk.k for blk in self.blocks]) if self.blocks else np.zeros(0)
        return {"c": self.c, "A": self.A, "b": b, "dims": _Dims(self.n_eq), "lower_bounds": self.lower,
                "upper_bounds": self.upper, "bool_vars_idx": [], "int_vars_idx": []}

    def refresh(self, problem: cp.Problem) -> None:
        """Re-read the families and objective that hold Parameters (their values may have moved)."""
        n = self.A.shape[1]
        moved = False
        for i in self.parametric:
            con = self.constraints[i][0]
            block = _as_lin(linear_map(con.expr, self.columns, n), n)
            old = self.blocks[i]
            moved = moved or not _same_matrix(old.M, block.M)
            self.blocks[i] = block
        if moved:
            self.A = _stack_rows(self.blocks, n)
        if self.objective_parametric:
            self.c, self.offset = _objective(problem, self.columns, n, self.sign)


def _same_matrix(a: sp.csr_matrix, b: sp.csr_matrix) -> bool:
    return a.shape == b.shape and a.nnz == b.nnz and all(
        np.array_equal(x, y) for x, y in ((a.indptr, b.indptr), (a.indices, b.indices), (a.data, b.data)))


def _stack_rows(blocks: Sequence[Lin], n: int) -> sp.csc_matrix:
    if not blocks:
        return sp.csc_matrix((0, n))
    return sp.vstack([blk.M for blk in blocks], format="csc")


def _objective(problem: cp.Problem, columns: dict[int, int], n: int, sign: float) -> tuple[np.ndarray, float]:
    """cvxpy's (c, offset) of the objective: min c x + offset; a maximisation negated (sign = -1)."""
    obj = _as_lin(linear_map(problem.objective.args[0], columns, n), n)
    if obj.k.size != 1:
        raise UnsupportedError("a non-scalar objective")
    c = np.asarray(obj.M.toarray(), dtype=float).reshape(-1)
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
    blocks, layout, parametric, row = [], [], [], 0
    for i, con in enumerate(ordered):
        block = _as_lin(linear_map(con.expr, columns, n), n)
        blocks.append(block)
        layout.append((con, row, int(con.size), con.shape))
        row += int(con.size)
        if con.parameters():
            parametric.append(i)
    sign = -1.0 if isinstance(problem.objective, cp.Maximize) else 1.0
    c, offset = _objective(problem, columns, n, sign)
    n_eq = sum(int(c.size) for c in ordered if isinstance(c, cp.constraints.Equality))
    return AffineProgram(
        columns=columns, variables=[(v, columns[v.id], int(v.size), v.shape) for v in variables],
        constraints=layout, sign=sign, n_eq=n_eq, lower=lower, upper=upper, parametric=parametric,
        objective_parametric=bool(problem.objective.parameters()), blocks=blocks, A=_stack_rows(blocks, n),
        c=c, offset=offset)


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
    if problem in _UNSUPPORTED or any(p.value is None for p in problem.parameters()):
        return None  # (a parameter without a value: cvxpy's compile names it)
    try:
        held = build(problem)
    except UnsupportedError:
        _UNSUPPORTED.add(problem)
        return None
    _PROGRAMS[problem] = held
    return held

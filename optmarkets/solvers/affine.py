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


@dataclass
class Sel:
    """An affine subexpression whose every entry is one scaled column, coef[i] x[cols[i]] + k[i]: a
    variable and what reshapes, indexes, broadcasts and scales it, kept as arrays (no sparse matrix
    is built until an operation mixes columns)."""

    cols: np.ndarray
    coef: np.ndarray
    k: np.ndarray

    def lin(self, n: int) -> Lin:
        size = self.cols.size
        return Lin(sp.csr_matrix((self.coef, self.cols, np.arange(size + 1)), shape=(size, n)), self.k)


Node = Const | Lin | Sel
Affine = Lin | Sel


# ---------------------------------------------------------------------------------- index helpers
def _positions(shape: tuple) -> np.ndarray:
    """The column-major position of every entry of an array of `shape`, as an array of that shape."""
    size = int(np.prod(shape, dtype=np.int64))
    return np.arange(size).reshape(shape, order="F")


def _flat(a: np.ndarray) -> np.ndarray:
    return np.asarray(a).reshape(-1, order="F")


def _squeezed(a: tuple) -> tuple:
    return tuple(d for d in a if d != 1)


def _dense(value: Any) -> np.ndarray:
    return np.asarray(value.toarray() if sp.issparse(value) else value, dtype=float)


def _affine(node: Node, n: int) -> Affine:
    if not isinstance(node, Const):
        return node
    k = _flat(_dense(node.value))
    return Lin(sp.csr_matrix((k.size, n)), k)


def _as_lin(node: Node, n: int) -> Lin:
    out = _affine(node, n)
    return out.lin(n) if isinstance(out, Sel) else out


def _select(node: Node, rows: np.ndarray, n: int) -> Affine:
    """The entries `rows` (column-major positions of node's entries) of node."""
    a = _affine(node, n)
    if isinstance(a, Sel):
        return Sel(a.cols[rows], a.coef[rows], a.k[rows])
    return Lin(a.M[rows], a.k[rows])


def _scaled(a: Affine, scale: np.ndarray | float) -> Affine:
    """diag(scale) (M x + k)."""
    if isinstance(a, Sel):
        return Sel(a.cols, a.coef * scale, a.k * scale)
    M = a.M
    per_entry = np.repeat(scale, np.diff(M.indptr)) if np.ndim(scale) else scale
    return Lin(sp.csr_matrix((M.data * per_entry, M.indices, M.indptr), shape=M.shape), a.k * scale)


def _broadcast(node: Node, shape: tuple, source: tuple, n: int) -> Affine:
    """node (of shape `source`) broadcast to `shape` as numpy broadcasts."""
    if tuple(source) == tuple(shape) or _squeezed(tuple(source)) == _squeezed(tuple(shape)):
        return _affine(node, n)  # the same entries in the same column-major order ((1,) and (), (n, 1) and (n,))
    try:
        rows = _flat(np.broadcast_to(_positions(tuple(source)), shape))
    except ValueError as exc:
        raise UnsupportedError(f"broadcast of {source} to {shape}") from exc
    return _select(node, rows, n)


def _broadcast_value(value: np.ndarray, source: tuple, shape: tuple) -> np.ndarray:
    """A constant of shape `source` broadcast to `shape`, as `_broadcast` broadcasts an affine node."""
    if tuple(source) == tuple(shape) or _squeezed(tuple(source)) == _squeezed(tuple(shape)):
        return value.reshape(shape, order="F")
    return np.broadcast_to(value.reshape(source, order="F"), shape)


def _matrix(value: Any) -> sp.csr_matrix:
    return sp.csr_matrix(value) if sp.issparse(value) else sp.csr_matrix(np.atleast_2d(np.asarray(value, dtype=float)))


# ----------------------------------------------------------------------------------------- atoms
def _add(expr: Any, args: list[Node], n: int) -> Node:
    size = int(np.prod(expr.shape, dtype=np.int64))
    k = np.zeros(size)
    parts: list[Affine] = []
    for a, e in zip(args, expr.args):
        if isinstance(a, Const):  # constants add to k only
            k = k + _flat(_broadcast_value(_dense(a.value), e.shape, expr.shape))
        else:
            parts.append(_broadcast(a, expr.shape, e.shape, n))
    if len(parts) == 1:
        p = parts[0]
        return Sel(p.cols, p.coef, p.k + k) if isinstance(p, Sel) else Lin(p.M, p.k + k)
    lins = [p.lin(n) if isinstance(p, Sel) else p for p in parts]
    M = lins[0].M
    for p in lins[1:]:
        M = M + p.M
        k = k + p.k
    return Lin(sp.csr_matrix(M), k + lins[0].k)


def _neg(expr: Any, args: list[Node], n: int) -> Node:
    return _scaled(_affine(args[0], n), -1.0)


def _multiply(expr: Any, args: list[Node], n: int) -> Node:
    (a, b), (ea, eb) = args, expr.args
    if not isinstance(a, Const) and not isinstance(b, Const):
        raise UnsupportedError("a product of two variable expressions")
    c, ec, v, ev = (a, ea, b, eb) if isinstance(a, Const) else (b, eb, a, ea)
    assert isinstance(c, Const)
    scale = _flat(_broadcast_value(_dense(c.value), ec.shape, expr.shape))
    return _scaled(_broadcast(v, expr.shape, ev.shape, n), scale)


def _matmul(expr: Any, args: list[Node], n: int) -> Node:
    (a, b), (ea, eb) = args, expr.args
    if not isinstance(a, Const) and not isinstance(b, Const):
        raise UnsupportedError("a product of two variable expressions")
    scalar = a if isinstance(a, Const) and int(np.prod(ea.shape)) == 1 else (
        b if isinstance(b, Const) and int(np.prod(eb.shape)) == 1 else None)
    if scalar is not None:  # a scalar factor scales
        v, ev = (b, eb) if scalar is a else (a, ea)
        return _scaled(_broadcast(v, expr.shape, ev.shape, n), float(_dense(scalar.value).reshape(-1)[0]))
    if isinstance(a, Const):  # C @ X: vec(C X) = (I_p kron C) vec(X)
        X = _as_lin(b, n)
        C = _matrix(a.value)  # a 1-D C is a row
        p = 1 if len(eb.shape) == 1 else int(eb.shape[1])
        op = C if p == 1 else sp.kron(sp.identity(p, format="csr"), C, format="csr")
        return Lin(sp.csr_matrix(op @ X.M), op @ X.k)
    assert isinstance(b, Const)
    X = _as_lin(a, n)
    C = _matrix(b.value)  # X @ C: vec(X C) = (C^T kron I_m) vec(X)
    if len(eb.shape) == 1:
        C = C.T  # a 1-D right factor is a column
    m = 1 if len(ea.shape) == 1 else int(ea.shape[0])
    op = C.T.tocsr() if m == 1 else sp.kron(C.T, sp.identity(m, format="csr"), format="csr")
    return Lin(sp.csr_matrix(op @ X.M), op @ X.k)


def _sum(expr: Any, args: list[Node], n: int) -> Node:
    (a,), (ea,) = args, expr.args
    assert not isinstance(a, Const)
    axis = expr.axis
    if axis is None:
        target, out = np.zeros(a.k.size, dtype=np.int64), 1
    else:
        axes = tuple(ax % len(ea.shape) for ax in np.atleast_1d(axis))
        kept = tuple(d if i not in axes else 1 for i, d in enumerate(ea.shape))
        target = _flat(np.broadcast_to(_positions(kept), ea.shape))  # each entry's place in the sum
        out = int(np.prod(kept, dtype=np.int64))
    k = np.bincount(target, weights=a.k, minlength=out)
    if isinstance(a, Sel):  # entry i adds coef[i] x[cols[i]] to row target[i]
        return Lin(sp.csr_matrix((a.coef, (target, a.cols)), shape=(out, n)), k)
    S = sp.csr_matrix((np.ones(target.size), (target, np.arange(target.size))), shape=(out, target.size))
    return Lin(sp.csr_matrix(S @ a.M), k)


def _reshape(expr: Any, args: list[Node], n: int) -> Node:
    (a,), (ea,) = args, expr.args
    if expr.order == "F":
        return _affine(a, n)
    rows = _flat(_positions(ea.shape).reshape(-1, order="C").reshape(expr.shape, order="C"))
    return _select(a, rows, n)


def _transpose(expr: Any, args: list[Node], n: int) -> Node:
    (a,), (ea,) = args, expr.args
    return _select(a, _flat(np.transpose(_positions(ea.shape), expr.axes)), n)


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
    return _select(a, _flat(picked), n)


def _promote(expr: Any, args: list[Node], n: int) -> Node:
    return _select(args[0], np.zeros(int(np.prod(expr.shape, dtype=np.int64)), dtype=np.int64), n)


def _stack(axis_of: Callable[[Any], int]) -> Callable[[Any, list[Node], int], Node]:
    def stack(expr: Any, args: list[Node], n: int) -> Node:
        parts = [_affine(a, n) for a in args]
        starts = np.cumsum([0] + [p.k.size for p in parts])
        blocks = [(_positions(e.shape) + s) for e, s in zip(expr.args, starts)]
        axis = axis_of(expr)
        if axis == 0 and all(b.ndim == 1 for b in blocks) and type(expr).__name__ == "Vstack":
            blocks = [b.reshape(1, -1) for b in blocks]
        rows = _flat(np.concatenate(blocks, axis=axis))
        whole: Affine
        if all(isinstance(p, Sel) for p in parts):
            whole = Sel(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("cols", "coef", "k")))
        else:
            lins = [p.lin(n) if isinstance(p, Sel) else p for p in parts]
            whole = Lin(sp.vstack([p.M for p in lins], format="csr"), np.concatenate([p.k for p in lins]))
        return _select(whole, rows, n)
    return stack


def _diag_mat(expr: Any, args: list[Node], n: int) -> Node:
    (a,), (ea,) = args, expr.args
    k = int(getattr(expr, "k", 0))
    return _select(a, _flat(np.diagonal(_positions(ea.shape), offset=k)), n)


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
        return Sel(start + np.arange(size), np.ones(size), np.zeros(size))
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
    if not isinstance(out, Const) and out.k.size != int(np.prod(expr.shape, dtype=np.int64)):
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
    A = sp.vstack([blk.M for blk in blocks], format="csc")
    A.eliminate_zeros()  # a coefficient multiplied by a zero weight is no entry (as cvxpy's tensor has none)
    return A


def _objective(problem: cp.Problem, columns: dict[int, int], n: int, sign: float) -> tuple[np.ndarray, float]:
    """cvxpy's (c, offset) of the objective: min c x + offset; a maximisation negated (sign = -1)."""
    obj = _affine(linear_map(problem.objective.args[0], columns, n), n)
    if obj.k.size != 1:
        raise UnsupportedError("a non-scalar objective")
    if isinstance(obj, Sel):
        c = np.bincount(obj.cols, weights=obj.coef, minlength=n).astype(float)
    else:
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

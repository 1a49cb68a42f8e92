"""An affine cvxpy expression read as M x + k over a problem's standard-form columns.

The atoms the builders use (sums, products with constants, reshapes, transposes, basic and
advanced indexing, promotion, stacking, diagonals) are each a small operation on (M, k), entries in
cvxpy's column-major order; constants (Constants, Parameters at their values, subtrees without a
variable) are evaluated by cvxpy's own numerics. A variable, and whatever only reshapes, indexes,
broadcasts or scales it, stays a `Sel` (one scaled column per entry, as index arrays) until an
operation mixes columns. Anything else raises `UnsupportedError` (`solvers.affine` then keeps
cvxpy's compile). Tested against cvxpy's numeric value of random compositions of every atom
(`tests/solvers/test_affine.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cvxpy as cp
import numpy as np
import scipy.sparse as sp


class UnsupportedError(Exception):
    """The problem is outside what this module reads (cvxpy's own compile is used instead)."""


class NoValueError(UnsupportedError):
    """A Parameter without a value (cvxpy's compile names it; the problem is not outside the scope)."""


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


def as_affine(node: Node, n: int) -> Affine:
    if not isinstance(node, Const):
        return node
    k = _flat(_dense(node.value))
    return Lin(sp.csr_matrix((k.size, n)), k)


def as_lin(node: Node, n: int) -> Lin:
    out = as_affine(node, n)
    return out.lin(n) if isinstance(out, Sel) else out


def _select(node: Node, rows: np.ndarray, n: int) -> Affine:
    """The entries `rows` (column-major positions of node's entries) of node."""
    a = as_affine(node, n)
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
        return as_affine(node, n)  # the same entries in the same column-major order ((1,) and (), (n, 1) and (n,))
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
    k = k + sum(p.k for p in parts)
    if len(parts) == 1:
        p = parts[0]
        return Sel(p.cols, p.coef, k) if isinstance(p, Sel) else Lin(p.M, k)
    matrices = [(p.lin(n) if isinstance(p, Sel) else p).M for p in parts]
    return Lin(sp.csr_matrix(sum(matrices[1:], matrices[0])), k)


def _neg(expr: Any, args: list[Node], n: int) -> Node:
    return _scaled(as_affine(args[0], n), -1.0)


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
        X = as_lin(b, n)
        C = _matrix(a.value)  # a 1-D C is a row
        p = 1 if len(eb.shape) == 1 else int(eb.shape[1])
        op = C if p == 1 else sp.kron(sp.identity(p, format="csr"), C, format="csr")
        return Lin(sp.csr_matrix(op @ X.M), op @ X.k)
    assert isinstance(b, Const)
    X = as_lin(a, n)
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
        return as_affine(a, n)
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
        parts = [as_affine(a, n) for a in args]
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


def _diag_vec(expr: Any, args: list[Node], n: int) -> Node:
    """A vector on the k-th diagonal of a square matrix; the other entries are zero rows."""
    (a,) = args
    lin = as_lin(a, n)
    on = _flat(np.diagonal(_positions(expr.shape), offset=int(getattr(expr, "k", 0))))
    size = int(np.prod(expr.shape, dtype=np.int64))
    place = sp.csr_matrix((np.ones(on.size), (on, np.arange(on.size))), shape=(size, on.size))
    return Lin(sp.csr_matrix(place @ lin.M), place @ lin.k)


_ATOMS: dict[str, Callable[[Any, list[Node], int], Node]] = {
    "AddExpression": _add, "NegExpression": _neg, "multiply": _multiply, "MulExpression": _matmul,
    "Sum": _sum, "reshape": _reshape, "transpose": _transpose, "index": _index, "special_index": _index,
    "Promote": _promote, "Hstack": _stack(lambda e: 1 if len(e.shape) > 1 else 0),
    "Vstack": _stack(lambda e: 0), "diag_mat": _diag_mat, "diag_vec": _diag_vec,
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
            raise NoValueError(f"parameter {expr.name()} has no value")
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


def at_zero(expr: Any) -> np.ndarray:
    """An affine expression's value at x = 0 (its constant k), column-major, by cvxpy's own numerics."""
    def value(e: Any) -> Any:
        if isinstance(e, cp.Variable):
            return np.zeros(e.shape)
        if isinstance(e, cp.Constant | cp.Parameter):
            return e.value
        return e.numeric([value(a) for a in e.args])
    return _flat(_dense(value(expr)))


def coefficients_hold_parameters(expr: Any) -> bool:
    """Whether a Parameter multiplies a variable somewhere in expr (then A, not only b, moves with it)."""
    if not expr.args:  # a leaf
        return False
    if type(expr).__name__ in ("multiply", "MulExpression"):
        a, b = expr.args
        if (a.variables() and b.parameters()) or (b.variables() and a.parameters()):
            return True
    return any(coefficients_hold_parameters(a) for a in expr.args)

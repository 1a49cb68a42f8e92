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

import math
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
    """An affine subexpression M x + k, entries in column-major order. M is held as coordinate
    arrays (M[row[e], col[e]] += val[e]: any order, repeated coordinates add), so that each atom is
    a few numpy operations on them; `RowStack` sums and sorts once, when the standard form is
    assembled."""

    row: np.ndarray
    col: np.ndarray
    val: np.ndarray
    k: np.ndarray
    n: int  # the standard form's columns

    @property
    def M(self) -> sp.csr_matrix:
        """M as a canonical scipy matrix (repeated coordinates summed)."""
        return sp.csr_matrix((self.val, (self.row, self.col)), shape=(self.k.size, self.n))

    def rows_view(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(indptr, col, val) of M grouped by row (each row's entries in their stored order)."""
        order = np.argsort(self.row, kind="stable")
        indptr = np.zeros(self.k.size + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.row, minlength=self.k.size), out=indptr[1:])
        return indptr, self.col[order], self.val[order]


@dataclass
class Sel:
    """An affine subexpression whose every entry is one scaled column, coef[i] x[cols[i]] + k[i]: a
    variable and what reshapes, indexes, broadcasts and scales it, kept as arrays (no sparse matrix
    is built until an operation mixes columns)."""

    cols: np.ndarray
    coef: np.ndarray
    k: np.ndarray

    def lin(self, n: int) -> Lin:
        return Lin(np.arange(self.cols.size), self.cols, self.coef, self.k, n)


Node = Const | Lin | Sel
Affine = Lin | Sel
_EMPTY_INT = np.zeros(0, dtype=np.int64)


class RowStack:
    """Blocks of rows stacked into one matrix in canonical CSC form (`matrix()`): entries sorted by
    column and row, repeated coordinates summed, zeros dropped (as cvxpy's coefficient tensor has
    none). Each block is reduced to column-major keys col * rows + row as it is added (32-bit
    where they fit), so the blocks' coordinate arrays are not all held at once."""

    def __init__(self, rows: int, n: int) -> None:
        self.rows, self.n = rows, n
        self.dtype = np.dtype(np.int32 if rows * n < 2**31 else np.int64)
        self._keys: list[np.ndarray] = []
        self._vals: list[np.ndarray] = []
        self._starts: list[int] = []  # each block's first row
        self._next = 0  # the first row of the next block

    def add(self, block: Lin) -> None:
        key = block.col.astype(self.dtype)
        key *= self.rows
        key += block.row.astype(self.dtype, copy=False)
        key += self._next
        self._keys.append(key)
        self._vals.append(block.val)
        self._starts.append(self._next)
        self._next += block.k.size

    def matrix(self) -> sp.csc_matrix:
        """Each block put in column-major order on its own (its rows are its own: no coordinate repeats across
        blocks), where it is not already, then stacked: a block's sort is shorter than the whole matrix's, and
        its temporaries are the block's size."""
        keys, vals, starts = self._keys, self._vals, self._starts
        self._keys, self._vals, self._starts = [], [], []
        if not keys:
            return sp.csc_matrix((self.rows, self.n))
        given = list(vals)  # the caller's values (a sorted block's are gathered: its own)
        for b, key in enumerate(keys):
            if not bool((key[1:] >= key[:-1]).all()):
                order = np.argsort(key, kind="stable")
                keys[b], vals[b] = key[order], vals[b][order]
        return self._stacked(keys, vals, starts, given)

    def _stacked(self, keys: list[np.ndarray], vals: list[np.ndarray], starts: list[int],
                 given: list[np.ndarray]) -> sp.csc_matrix:
        """Blocks in column-major order (a family's coefficients mostly come so): each block's canonical CSC,
        then scipy's linear-time stacking; no entry of a block in order is gathered into new memory (on a VM
        that charges each page it first maps, a whole-matrix sort's temporaries cost more than the sort: a
        fresh 10 MB gather, 55 ms against 1.4 ms into mapped memory)."""
        m, n = self.rows, self.n
        index = _index_dtype(sum(k.size for k in keys), m)
        parts = []
        ends = [*starts[1:], self._next]
        for key, val, start, end, caller in zip(keys, vals, starts, ends, given, strict=True):
            key, val = _summed(key, val)
            col = key // max(m, 1)
            key -= col * m
            key -= start  # the block's own rows
            indptr = np.zeros(n + 1, dtype=index)
            np.cumsum(np.bincount(col, minlength=n), out=indptr[1:])
            if len(keys) == 1 and val is caller:  # the matrix owns its entries (the block's are the caller's)
                val = val.copy()
            parts.append(sp.csc_matrix((val, key.astype(index, copy=False), indptr), shape=(end - start, n)))
        return parts[0] if len(parts) == 1 else sp.vstack(parts, format="csc")


def _index_dtype(nnz: int, rows: int) -> np.dtype:
    return np.dtype(np.int32 if nnz < 2**31 and rows < 2**31 else np.int64)


def _summed(key: np.ndarray, val: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted keys with their values: repeated keys summed, zero values dropped."""
    if key.size > 1:
        first = np.empty(key.size, dtype=bool)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        if not first.all():
            val = np.add.reduceat(val, np.flatnonzero(first))
            key = key[first]
    keep = val != 0.0
    if not keep.all():
        key, val = key[keep], val[keep]
    return key, val


def canonical_csc(row: np.ndarray, col: np.ndarray, val: np.ndarray, shape: tuple[int, int]) -> sp.csc_matrix:
    """The matrix with M[row[e], col[e]] += val[e] in canonical CSC form (`RowStack`)."""
    stack = RowStack(*shape)
    stack.add(Lin(row, col, val, np.zeros(shape[0]), shape[1]))
    return stack.matrix()


# ---------------------------------------------------------------------------------- index helpers
def _positions(shape: tuple) -> np.ndarray:
    """The column-major position of every entry of an array of `shape`, as an array of that shape."""
    size = math.prod(shape)
    return np.arange(size).reshape(shape, order="F")


def _flat(a: np.ndarray) -> np.ndarray:
    return np.asarray(a).reshape(-1, order="F")


def _squeezed(a: tuple) -> tuple:
    return tuple(d for d in a if d != 1)


def _dense(value: Any) -> np.ndarray:
    return np.asarray(value.toarray() if sp.issparse(value) else value, dtype=float)


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The concatenation of arange(s, s + l) over (starts, lengths)."""
    total = int(lengths.sum())
    if total == 0:
        return _EMPTY_INT
    ends = np.cumsum(lengths)
    return np.arange(total) + np.repeat(starts - (ends - lengths), lengths)


def as_affine(node: Node, n: int) -> Affine:
    if not isinstance(node, Const):
        return node
    k = _flat(_dense(node.value))
    return Lin(_EMPTY_INT, _EMPTY_INT, np.zeros(0), k, n)


def as_lin(node: Node, n: int) -> Lin:
    out = as_affine(node, n)
    return out.lin(n) if isinstance(out, Sel) else out


def _select(node: Node, rows: np.ndarray, n: int) -> Affine:
    """The entries `rows` (column-major positions of node's entries) of node."""
    a = as_affine(node, n)
    if isinstance(a, Sel):
        return Sel(a.cols[rows], a.coef[rows], a.k[rows])
    indptr, col, val = a.rows_view()
    lengths = np.diff(indptr)[rows]
    at = _ranges(indptr[:-1][rows], lengths)
    return Lin(np.repeat(np.arange(rows.size), lengths), col[at], val[at], a.k[rows], n)


def _scaled(a: Affine, scale: np.ndarray | float) -> Affine:
    """diag(scale) (M x + k)."""
    if isinstance(a, Sel):
        return Sel(a.cols, a.coef * scale, a.k * scale)
    per_entry = scale[a.row] if isinstance(scale, np.ndarray) and scale.ndim else scale
    return Lin(a.row, a.col, a.val * per_entry, a.k * scale, a.n)


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


def _coordinates(value: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]]:
    """A constant matrix as (row, col, val, shape); a 1-D constant is a row."""
    if sp.issparse(value):
        if value.format in ("csc", "csr"):
            major = np.repeat(np.arange(value.indptr.size - 1), np.diff(value.indptr))
            minor = value.indices.astype(np.int64)
            row, col = (minor, major) if value.format == "csc" else (major, minor)
            return row, col, np.asarray(value.data, dtype=float), value.shape
        coo = value.tocoo()
        return coo.row.astype(np.int64), coo.col.astype(np.int64), np.asarray(coo.data, dtype=float), coo.shape
    arr = np.atleast_2d(np.asarray(value, dtype=float))
    row, col = np.nonzero(arr)
    return row, col, arr[row, col], arr.shape


def _apply(op: tuple[np.ndarray, np.ndarray, np.ndarray], out: int, x: Affine, n: int) -> Lin:
    """op @ (M x + k) for a constant op given as coordinates (row, col, val) with `out` rows."""
    row, col, val = op
    k = np.bincount(row, weights=val * x.k[col], minlength=out) if row.size and x.k.any() else np.zeros(out)
    if isinstance(x, Sel):  # each column of op lands on one standard-form column
        return Lin(row, x.cols[col], val * x.coef[col], k, n)
    # op @ M: scipy's sparse product (compiled; it sums the repeated coordinates as it goes), read column by
    # column, the order `RowStack` stacks without a sort (a CSC transpose is linear; a sort of the entries is not)
    product = (sp.csr_matrix((val, (row, col)), shape=(out, x.k.size)) @ x.M).tocsc()
    product.sort_indices()
    counts = np.diff(product.indptr)
    return Lin(product.indices.astype(np.int64), np.repeat(np.arange(n), counts), product.data, k, n)


# ----------------------------------------------------------------------------------------- atoms
def _add(expr: Any, args: list[Node], n: int) -> Node:
    size = math.prod(expr.shape)
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
        return Sel(p.cols, p.coef, k) if isinstance(p, Sel) else Lin(p.row, p.col, p.val, k, n)
    lins = [p.lin(n) if isinstance(p, Sel) else p for p in parts]
    row, col, val = (np.concatenate([getattr(p, f) for p in lins]) for f in ("row", "col", "val"))
    return Lin(row, col, val, k, n)


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
    scalar = a if isinstance(a, Const) and math.prod(ea.shape) == 1 else (
        b if isinstance(b, Const) and math.prod(eb.shape) == 1 else None)
    if scalar is not None:  # a scalar factor scales
        v, ev = (b, eb) if scalar is a else (a, ea)
        return _scaled(_broadcast(v, expr.shape, ev.shape, n), float(_dense(scalar.value).reshape(-1)[0]))
    if isinstance(a, Const):  # C @ X: vec(C X) = (I_p kron C) vec(X)
        row, col, val, (r, q) = _coordinates(a.value)
        p = 1 if len(eb.shape) == 1 else int(eb.shape[1])
        if p > 1:
            blocks = np.arange(p)[:, None]
            row, col, val = (row + blocks * r).ravel(), (col + blocks * q).ravel(), np.tile(val, p)
        return _apply((row, col, val), r * p, as_affine(b, n), n)
    assert isinstance(b, Const)
    row, col, val, (q, r) = _coordinates(b.value)  # X @ C: vec(X C) = (C^T kron I_m) vec(X)
    if len(eb.shape) == 1:  # a 1-D right factor is a column
        row, col, q, r = col, row, r, q
    m = 1 if len(ea.shape) == 1 else int(ea.shape[0])
    t = np.arange(m)[None, :]  # C^T's entry (c, r) becomes (c m + t, r m + t) for every t
    op = ((col[:, None] * m + t).ravel(), (row[:, None] * m + t).ravel(), np.repeat(val, m))
    return _apply(op, r * m, as_affine(a, n), n)


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
        out = math.prod(kept)
    k = np.bincount(target, weights=a.k, minlength=out)
    if isinstance(a, Sel):  # entry i adds coef[i] x[cols[i]] to row target[i]
        return Lin(target, a.cols, a.coef, k, n)
    return Lin(target[a.row], a.col, a.val, k, n)


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
    if picked.size != math.prod(expr.shape) or (
            picked.shape != expr.shape and _squeezed(picked.shape) != _squeezed(expr.shape)):
        raise UnsupportedError(f"index {expr.key!r}")
    return _select(a, _flat(picked), n)


def _promote(expr: Any, args: list[Node], n: int) -> Node:
    return _select(args[0], np.zeros(math.prod(expr.shape), dtype=np.int64), n)


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
            col, val, k = (np.concatenate([getattr(p, f) for p in lins]) for f in ("col", "val", "k"))
            whole = Lin(np.concatenate([p.row + s for p, s in zip(lins, starts)]), col, val, k, n)
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
    k = np.zeros(math.prod(expr.shape))
    k[on] = lin.k
    return Lin(on[lin.row], lin.col, lin.val, k, n)


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
    if not isinstance(out, Const) and out.k.size != math.prod(expr.shape):
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

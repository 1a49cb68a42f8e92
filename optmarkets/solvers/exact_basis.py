"""exact()'s basis systems on the reduced basis: basic slacks eliminated, the rest solved by p-adic lifting.

In the standard form M v = 0, M = [A, -I], the column of row i's slack is -e_i. A basis B holds the basic
structural columns S and the basic slacks of the rows L; R = the other rows, and |R| = |S| = K (B is square).
- B z = r: the rows R hold no basic slack, so A[R, S] z_S = r_R, a K x K system; the basic slack of a row i
  in L is then z_i = A[i, S] z_S - r_i, a sparse product.
- B' w = g: a basic slack's column gives w_i = -g_i (i in L); the structural columns then give
  A[R, S]' w_R = g_S - A[L, S]' w_L.
Only A[R, S] is solved in rationals (flint's fmpq_mat): fraction-free elimination while K is small, Dixon's
p-adic lifting above `DIXON_MIN` (the system cleared of denominators, solved modulo a prime, the solution
lifted p-adically and read back by rational reconstruction). P_q keeps most rows' slacks basic: K = 106 of
1024 rows at n = 32, 781 of 10,000 at n = 100.

The products with A (right-hand sides, basic slacks, reduced costs M' y) run over the nonzeros of the
needed columns or rows only, in integers: each row of A scaled by the lcm of its entries' denominators
(products A x, read by column), each column by its own (products A' y, read by row), the vector brought to
one denominator (a solve's solution has one), so the sums are fmpz sums over numpy object arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

#: Reduced bases at least this large are solved by Dixon's p-adic lifting, smaller ones by flint's default
#: (fraction-free) solve: the two are within 30% of each other at K = 100 to 330 on P_q.
DIXON_MIN = 64


def _ints(values: Sequence[Any]) -> np.ndarray:
    """An object array of fmpz (fast products and sums in numpy object loops)."""
    import flint

    out = np.empty(len(values), dtype=object)
    out[:] = [flint.fmpz(v) for v in values]
    return out


def _segments(indptr: np.ndarray, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of the nonzeros of the rows (CSR) or columns (CSC) `which`, and each one's owner's
    position in `which`."""
    starts, stops = indptr[which], indptr[which + 1]
    counts = stops - starts
    owner = np.repeat(np.arange(which.size), counts)
    first = np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts)
    return first + np.arange(owner.size), owner


def _sums(keys: np.ndarray, terms: np.ndarray) -> dict[int, Any]:
    """key -> the sum of its terms (object arrays), for the keys present."""
    if not keys.size:
        return {}
    order = np.argsort(keys, kind="stable")
    keys, terms = keys[order], terms[order]
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    sums = np.add.reduceat(terms, starts)
    return dict(zip(keys[starts].tolist(), sums, strict=True))


class RationalMatrix:
    """A sparse matrix with exact entries: the float matrix's CSC and CSR index arrays, each with its
    entries as fmpq (`col_values`), and scaled to integers by row (`col_rowscaled`, CSC order: A x) and by
    column (`row_colscaled`, CSR order: A' y), with the scales `row_scale`, `col_scale` (fmpz)."""

    def __init__(self, A: sp.spmatrix, read: Callable[[np.ndarray], list[Any]],
                 exact: Callable[[np.ndarray], list[Any]] | None = None):
        """`read`: distinct floats -> their rationals (fmpq), as exact() reads every coefficient; `exact`, where
        the model's data carry exact values (`solvers.exact_data`): the entries' keys (column * rows + row,
        CSC order) -> their rationals, one per entry (equal floats may be different rationals)."""
        csc = sp.csc_matrix(A, copy=True)
        csc.eliminate_zeros()
        csc.sort_indices()
        self.shape = csc.shape
        self.csc = csc
        # the CSR order of the same nonzeros: a CSC matrix whose data are the positions (+ 1: none is 0), as CSR
        where = sp.csc_matrix((np.arange(1, csc.nnz + 1, dtype=float), csc.indices, csc.indptr),
                              shape=csc.shape).tocsr()
        where.sort_indices()
        self.csr_indptr, self.csr_indices = where.indptr, where.indices
        to_csc = where.data.astype(np.int64) - 1  # CSR position -> CSC position
        if exact is None:
            distinct, inverse = np.unique(csc.data, return_inverse=True)
            inverse = inverse.reshape(-1)
            table = np.empty(distinct.size, dtype=object)
            table[:] = read(distinct)
        else:
            keys = np.repeat(np.arange(csc.shape[1], dtype=np.int64), np.diff(csc.indptr)) * csc.shape[0] + csc.indices
            table = np.empty(csc.nnz, dtype=object)
            table[:] = exact(keys)
            inverse = np.arange(csc.nnz)
        self.col_values = table[inverse]  # fmpq, CSC order
        self.row_values = self.col_values[to_csc]  # fmpq, CSR order
        numer = _ints([q.p for q in table])[inverse]
        denominators = [int(q.q) for q in table]
        m, n = csc.shape
        ones = _ints([1])
        if all(d == 1 for d in denominators):  # integer data: nothing to scale
            self.row_scale, self.col_scale = np.repeat(ones, m), np.repeat(ones, n)
            self.col_rowscaled, self.row_colscaled = numer, numer[to_csc]
            return
        denom_int = np.array(denominators, dtype=object)[inverse]
        rows = csc.indices
        cols = np.repeat(np.arange(n), np.diff(csc.indptr))
        self.row_scale = _ints(self._lcms(rows, denom_int, m))
        self.col_scale = _ints(self._lcms(cols, denom_int, n))
        denom = _ints(denominators)[inverse]
        self.col_rowscaled = numer * (self.row_scale[rows] // denom)
        self.row_colscaled = (numer * (self.col_scale[cols] // denom))[to_csc]

    @staticmethod
    def _lcms(owner: np.ndarray, denom: np.ndarray, size: int) -> list[int]:
        """The lcm of the denominators of each row (or column)."""
        out = [1] * size
        fractional = np.flatnonzero(denom != 1)
        keys = owner[fractional]
        order = np.argsort(keys, kind="stable")
        keys, dens = keys[order], denom[fractional][order]
        starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]])) if keys.size else keys
        for key, group in zip(keys[starts].tolist(), np.split(dens, starts[1:]), strict=True):
            out[key] = math.lcm(*set(group.tolist()))
        return out

    def column(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        """Column j's rows and exact entries."""
        lo, hi = self.csc.indptr[j], self.csc.indptr[j + 1]
        return self.csc.indices[lo:hi], self.col_values[lo:hi]

    def times(self, cols: np.ndarray, numer: np.ndarray, denom: Any) -> dict[int, Any]:
        """A x for x with the values numer / denom (fmpz) on the columns `cols` (0 elsewhere): row -> fmpq,
        the rows reached only."""
        import flint

        pos, owner = _segments(self.csc.indptr, cols)
        rows = self.csc.indices[pos]
        sums = _sums(rows, self.col_rowscaled[pos] * numer[owner])
        return {i: flint.fmpq(s, self.row_scale[i] * denom) for i, s in sums.items()}

    def transpose_times(self, rows: np.ndarray, numer: np.ndarray, denom: Any) -> dict[int, Any]:
        """A' y for y with the values numer / denom (fmpz) on the rows `rows` (0 elsewhere): column -> fmpq,
        the columns reached only."""
        import flint

        pos, owner = _segments(self.csr_indptr, rows)
        cols = self.csr_indices[pos]
        sums = _sums(cols, self.row_colscaled[pos] * numer[owner])
        return {j: flint.fmpq(s, self.col_scale[j] * denom) for j, s in sums.items()}


def common(values: Sequence[Any]) -> tuple[np.ndarray, Any]:
    """fmpq values as (numerators, one denominator): an object array of fmpz and an fmpz."""
    import flint

    denom = flint.fmpz(1)
    for q in values:
        d = q.q
        if d != 1 and denom % d != 0:
            denom = denom * d // denom.gcd(d)
    return _ints([q.p * (denom // q.q) for q in values]), denom


def _solution(X: Any) -> tuple[np.ndarray, Any]:
    """A one-column fmpq_mat as (numerators, common denominator)."""
    if hasattr(X, "numer_denom"):
        num, den = X.numer_denom()
        return _ints(num.entries()), den
    return common(X.entries())


class ReducedBasis:
    """A basis of M = [A, -I] (`basic`: its variables, column j < n of A, n + i the slack of row i), ready
    to solve B z = r and B' w = g through the K x K system A[R, S] (see the module docstring)."""

    def __init__(self, matrix: RationalMatrix, basic: Sequence[int]):
        import flint

        self.flint = flint
        self.matrix = matrix
        m, n = matrix.shape
        self.m, self.n = m, n
        basic_arr = np.asarray(basic, dtype=np.int64)
        self.pos_S = np.flatnonzero(basic_arr < n)  # positions in `basic` of the structural columns
        self.S = basic_arr[self.pos_S]
        self.pos_L = np.flatnonzero(basic_arr >= n)
        self.L = basic_arr[self.pos_L] - n  # rows whose slack is basic
        in_L = np.zeros(m, dtype=bool)
        in_L[self.L] = True
        self.R = np.flatnonzero(~in_L)
        self.K = int(self.S.size)
        if (self.R.size != self.K or np.unique(self.S).size != self.S.size
                or np.unique(self.L).size != self.L.size):
            raise ZeroDivisionError("singular matrix: the basis repeats a variable")
        self.row_in_R = np.full(m, -1, dtype=np.int64)
        self.row_in_R[self.R] = np.arange(self.K)
        # A[R, S] and the entries of the columns S in the rows L (for the basic slacks), from the columns S
        pos, owner = _segments(matrix.csc.indptr, self.S)
        rows = matrix.csc.indices[pos]
        red = self.row_in_R[rows]
        Z = flint.fmpq_mat(self.K, self.K)
        for i, k, a in zip(red[red >= 0].tolist(), owner[red >= 0].tolist(), matrix.col_values[pos[red >= 0]],
                           strict=True):
            Z[i, k] = a
        self.Z = Z
        self.Zt: Any = None

    def _solve(self, Z: Any, rhs: list[Any]) -> Any:
        if self.K == 0:
            return self.flint.fmpq_mat(0, 1)
        b = self.flint.fmpq_mat(self.K, 1, rhs)
        if self.K >= DIXON_MIN:
            try:
                return Z.solve(b, algorithm="dixon")
            except TypeError:  # python-flint before `algorithm=`
                pass
        return Z.solve(b)

    def solve(self, r: list[Any]) -> list[Any]:
        """z with B z = r (r over the m rows), in the order of `basic`; ZeroDivisionError if B is singular."""
        fmpq = self.flint.fmpq
        xs = self._solve(self.Z, [r[i] for i in self.R.tolist()])
        numer, denom = _solution(xs)
        z = [fmpq(0)] * self.m
        for k, p in zip(self.pos_S.tolist(), numer, strict=True):
            z[k] = fmpq(p, denom)
        if self.L.size:
            nonzero = np.flatnonzero(numer != 0)
            products = self.matrix.times(self.S[nonzero], numer[nonzero], denom)
            zero = fmpq(0)
            for k, i in zip(self.pos_L.tolist(), self.L.tolist(), strict=True):
                z[k] = products.get(i, zero) - r[i]
        return z

    def solve_transposed(self, g: list[Any]) -> list[Any]:
        """w with B' w = g (g in the order of `basic`), over the m rows; ZeroDivisionError if B is singular."""
        fmpq = self.flint.fmpq
        w = [fmpq(0)] * self.m
        target = [g[k] for k in self.pos_S.tolist()]
        for k, i in zip(self.pos_L.tolist(), self.L.tolist(), strict=True):
            w[i] = -g[k]
        wL = [w[i] for i in self.L.tolist()]
        if any(v != 0 for v in wL):  # g_S - A[L, S]' w_L (zero where the slacks cost nothing, as in exact())
            numer, denom = common(wL)
            back = self.matrix.transpose_times(self.L, numer, denom)
            target = [t - back.get(j, 0) for t, j in zip(target, self.S.tolist(), strict=True)]
        if self.Zt is None:
            self.Zt = self.Z.transpose()
        ws = self._solve(self.Zt, target)
        numer, denom = _solution(ws)
        for i, p in zip(self.R.tolist(), numer, strict=True):
            w[i] = fmpq(p, denom)
        return w

"""`linear_map.RowStack` stacks blocks of rows into canonical CSC. Blocks whose entries come in column-major order
(most families' coefficients) are stacked as they are (`_stacked`: no sort, nothing gathered into new memory);
others are sorted first, each block on its own. Either way the result must be the matrix written here entry by
entry with scipy (repeats summed, zeros dropped), on random blocks with repeated coordinates and zero values,
sorted or not."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from optmarkets.solvers import linear_map as lm


def random_blocks(rng, n):
    blocks = []
    for _ in range(int(rng.integers(1, 4))):
        k, nnz = int(rng.integers(1, 30)), int(rng.integers(0, 200))
        r, c = rng.integers(0, k, nnz), rng.integers(0, n, nnz)
        v = rng.choice([0.0, 1.0, -2.5, 3.25], nnz)
        if rng.uniform() < 0.7:  # column-major order, repeats adjacent
            o = np.lexsort((r, c))
            r, c, v = r[o], c[o], v[o]
        blocks.append((r, c, v, k))
    return blocks


def reference(blocks, n):
    rows, cols, vals, start = [], [], [], 0
    for r, c, v, k in blocks:
        rows.append(r + start)
        cols.append(c)
        vals.append(v)
        start += k
    M = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(start, n)).tocsc()
    M.sum_duplicates()
    M.eliminate_zeros()
    return M


@pytest.mark.parametrize("seed", range(200))
def test_stacked_blocks_are_the_matrix_written_entry_by_entry(seed):
    rng = np.random.default_rng(seed)
    n = 40
    blocks = random_blocks(rng, n)
    stack = lm.RowStack(sum(b[3] for b in blocks), n)
    given = []
    for r, c, v, k in blocks:
        val = v.copy()
        given.append(val)
        stack.add(lm.Lin(r, c, val, np.zeros(k), n))
    M, want = stack.matrix(), reference(blocks, n)
    assert M.shape == want.shape and M.has_canonical_format
    assert (M.indptr == want.indptr).all() and (M.indices == want.indices).all() and (M.data == want.data).all()
    M.data[:] = 7.0  # the matrix owns its entries: the blocks' values are untouched
    assert all((g == b[2]).all() for g, b in zip(given, blocks, strict=True))


def test_one_block_in_order_is_copied_not_shared():
    """A single block already in canonical order (no repeats, no zeros) is the matrix's entries as they are; the
    matrix still owns them, so that scaling it in place cannot change the caller's block."""
    row, col, val = np.array([0, 2, 1, 0]), np.array([0, 0, 1, 3]), np.array([1.0, 2.0, 3.0, 4.0])
    stack = lm.RowStack(3, 4)
    stack.add(lm.Lin(row, col, val, np.zeros(3), 4))
    M = stack.matrix()
    assert (M.toarray() == np.array([[1, 0, 0, 4], [0, 3, 0, 0], [2, 0, 0, 0]])).all()
    M.data *= 2.0
    assert (val == [1.0, 2.0, 3.0, 4.0]).all()

"""Incentive families, the one home of IC and IR: truthful reporting, participation, monotonicity.

The two inequalities are written once, on a vector u of utilities of "cells" (who is truly what,
and what is reported):

    IC (`truthful_rows`)       row r:  sum_c w_c (u[truth_c] - u[report_c]) >= floor_r
    IR (`participation_rows`)  row r:  sum_c w_c u[truth_c]                 >= outside_r

with one term c per row unless weights are given (the weights are beliefs over the others' types for
interim rows, prior masses for ex-ante rows). Everything else here says which cells and weights:

* one agent reporting its own type (Haghpanah–Siegel's menu, Yang's broker, BDHN's buyers):
  U[k, j] is the utility of a type-k agent who reports j (an affine expression, types x reports).
  `truthful(U, types)` asks U[k, k] >= U[k, j] for every k != j (or only for adjacent j = k +- 1,
  which suffices for one-dimensional types with single-crossing utility); `participation` asks
  U[k, k] >= outside[k]. `report_utility` builds U for linear utility.
* many agents (`optmarkets.mechanisms`): a type profile is flattened in C order over the axes
  (k_1, ..., k_n) into P profiles; x is the allocation (P, O), a lottery over O outcomes per reported
  profile, t the payment (P, n); values[i] (P, O) is agent i's value of each outcome at each *true*
  profile. The cell (i, true, report) has utility values[i][true] . x[report] - t[report, i]
  (`profile_utility`). `bayesian_ic`, `ex_post_ic` (ex post and dominant), `interim_ir`, `ex_post_ir`
  and `ex_ante_ir` pick the cells and weights. With one agent (P = k) the Bayesian, ex-post and
  dominant IC rows are `truthful(report_utility(...))`'s and the interim IR rows `participation`'s.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import InputError
from ..core.exact_values import Rationals, exact_parameter, floats
from ..core.family import Family, family
from ..core.validate import LazyLabels, by_label, real_array

# ---------------------------------------------------------------- the two inequalities


def _weighted(u: cp.Expression, cells: list[np.ndarray], signs: list[float], row, weight, n_rows: int):
    """sum over terms of sign * weight * u[cell] into rows `row` (u[cells] - ... when row is None)."""
    if row is None:
        out = u[cells[0]]
        for c, s in zip(cells[1:], signs[1:]):
            out = out + s * u[c]
        return out
    row = np.asarray(row, dtype=np.int64).ravel()
    if _rational(weight):  # weights in rationals (beliefs, prior masses): a Parameter that keeps them, for exact()
        w_exact = exact_parameter(weight.ravel())
        terms = sum(s * (_selection(c, row.size, u.shape[0]) @ u) for c, s in zip(cells, signs))
        rows = sp.csr_matrix((np.ones(row.size), (row, np.arange(row.size))), shape=(n_rows, row.size))
        return rows @ cp.multiply(w_exact, terms)
    w = np.broadcast_to(np.asarray(1.0 if weight is None else weight, dtype=float).ravel(), row.shape)
    data = np.concatenate([s * w for s in signs])
    cols = np.concatenate([np.asarray(c, dtype=np.int64).ravel() for c in cells])
    D = sp.csr_matrix((data, (np.tile(row, len(cells)), cols)), shape=(n_rows, u.shape[0]))
    return D @ u


def _selection(cells: np.ndarray, n_terms: int, n_cells: int) -> sp.csr_matrix:
    """The 0/1 matrix picking u[cells[k]] into term k."""
    cells = np.asarray(cells, dtype=np.int64).ravel()
    return sp.csr_matrix((np.ones(n_terms), (np.arange(n_terms), cells)), shape=(n_terms, n_cells))


def truthful_rows(u: cp.Expression, truth, report, index: pd.Index | None = None, *, row=None, weight=None,
                  n_rows: int | None = None, floor=0.0,
                  description: str = "truthful reporting is optimal (IC)") -> Family:
    """The IC inequality: row r, sum over its terms c of w_c (u[truth_c] - u[report_c]) >= floor.

    u: a vector expression of cell utilities; truth, report: cell indices, one per term; row: the
    row of each term (None: term c is row c, weight 1); weight: per term (None: 1); floor: the
    required margin (a number, one per row, or an expression)."""
    truth, report = np.asarray(truth, dtype=np.int64), np.asarray(report, dtype=np.int64)
    n = truth.size if row is None else int(n_rows if n_rows is not None else np.max(row, initial=-1) + 1)
    lhs = _weighted(u, [truth, report], [1.0, -1.0], row, weight, n)
    return family(lhs, ">=", by_label("floor", floor, index), index, description)


def participation_rows(u: cp.Expression, truth, outside, index: pd.Index | None = None, *, row=None,
                       weight=None, n_rows: int | None = None,
                       description: str = "participation beats the outside option (IR)") -> Family:
    """The IR inequality: row r, sum over its terms c of w_c u[truth_c] >= outside_r (a number, one
    per row, or an expression such as a Parameter; a pandas Series aligned to `index` by label). Weights:
    floats, or rationals (`core.exact_values`)."""
    truth = np.asarray(truth, dtype=np.int64)
    n = truth.size if row is None else int(n_rows if n_rows is not None else np.max(row, initial=-1) + 1)
    outside = by_label("outside", outside, index)
    return family(_weighted(u, [truth], [1.0], row, weight, n), ">=", outside, index, description)


# ---------------------------------------------------------------- one agent reporting its type


def report_utility(values, allocation: cp.Expression, payment: cp.Expression) -> cp.Expression:
    """U[k, j] = values[k] . allocation[j] - payment[j] for linear utility.

    values: (K,) with allocation (K,) (one good), or (K, G) with allocation (K, G) (one row per report).
    """
    values = np.asarray(values, dtype=float)
    k = values.shape[0]
    if allocation.ndim == 1:
        gross = values.reshape(k, 1) @ cp.reshape(allocation, (1, k), order="C")
    else:
        gross = values @ allocation.T
    return gross - np.ones((k, 1)) @ cp.reshape(payment, (1, k), order="C")


def truthful(U: cp.Expression, types: pd.Index, *, pairs: str = "all",
             description: str = "truthful reporting is optimal (IC)") -> Family:
    """IC rows (type k, report j): U[k, k] - U[k, j] >= 0; pairs "all" or "adjacent"."""
    k = U.shape[0]
    if U.shape != (k, k) or len(types) != k:
        raise InputError(f"U: expected a square (types x reports) expression for {len(types)} types, got {U.shape}")
    if pairs == "all":
        true, rep = np.nonzero(~np.eye(k, dtype=bool))
    elif pairs == "adjacent":
        true = np.concatenate([np.arange(1, k), np.arange(k - 1)])
        rep = np.concatenate([np.arange(k - 1), np.arange(1, k)])
    else:
        raise InputError(f"pairs: must be 'all' or 'adjacent', got {pairs!r}")
    t = np.asarray(types)
    index = pd.MultiIndex.from_arrays([t[true], t[rep]], names=[types.name or "type", "report"])
    return truthful_rows(cp.vec(U, order="C"), true * k + true, true * k + rep, index, description=description)


def participation(U: cp.Expression, outside, types: pd.Index,
                  description: str = "participation beats the outside option (IR)") -> Family:
    """IR rows (type k): U[k, k] >= outside[k]."""
    k = U.shape[0]
    return participation_rows(cp.vec(U, order="C"), np.arange(k) * (k + 1), outside, types, description=description)


def monotone(x: cp.Expression, index: pd.Index | None = None,
             description: str = "non-decreasing in type") -> Family:
    """x[k+1] - x[k] >= 0 for a vector x ordered by type."""
    return family(cp.diff(x), ">=", 0.0, index[1:] if index is not None else None, description)


# ---------------------------------------------------------------- many agents: profiles and cells


def profile_map(sizes: tuple[int, ...], agent: int) -> np.ndarray:
    """(k_i, P_-i) flat profile indices: row a, column s = the profile where agent i has type a and
    the others have the profile s (flattened in C order over the others' axes)."""
    P = int(np.prod(sizes))
    return np.moveaxis(np.arange(P).reshape(sizes), agent, 0).reshape(sizes[agent], -1)


def others_labels(types: list[pd.Index], agent: int) -> list:
    """Labels of the others' profiles of `agent`, in the column order of `profile_map` (a type label
    when there is one other agent, a tuple of labels otherwise)."""
    rest = [list(t) for j, t in enumerate(types) if j != agent]
    combos = list(itertools.product(*rest))
    return [c[0] for c in combos] if len(rest) == 1 else combos


def _objects(labels) -> np.ndarray:
    """Labels (an Index, or a list of labels or tuples) as a 1-D object array, tuples kept whole."""
    out = np.empty(len(labels), dtype=object)
    for k, label in enumerate(labels):
        out[k] = label
    return out


def _row_labels(n_rows: int, columns: list[list[np.ndarray]], names: list[str]) -> LazyLabels:
    """A MultiIndex of `n_rows` rows built when first read: level l holds the concatenation of `columns[l]` (one
    object array per agent), as `from_tuples` reads the rows' tuples (the rows of a DSIC family: 360,000 at 4
    bidders x 10 types, whose labels took 1 s label by label)."""
    return LazyLabels(n_rows, lambda: pd.MultiIndex.from_arrays([np.concatenate(c) for c in columns], names=names))


def profile_utility(values, x: cp.Expression, t: cp.Expression, agent, true, report) -> cp.Expression:
    """u[c] = values[agent_c][true_c] . x[report_c] - t[report_c, agent_c], one entry per cell c (the
    many-agent `report_utility`); one sparse product on vec(x) and vec(t)."""
    Ax, At = _utility_matrices(values, int(t.shape[1]), agent, true, report)
    return Ax @ cp.vec(x, order="C") + At @ cp.vec(t, order="C")


def _utility_matrices(values, n: int, agent, true, report) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """(Ax, At) with u = Ax @ vec(x) + At @ vec(t) the cells' utilities (`profile_utility`)."""
    agent, true, report = (np.asarray(a, dtype=np.int64).ravel() for a in (agent, true, report))
    P, O = values[0].shape
    m = agent.size
    V = np.stack(values)  # (n, P, O)
    Ax = sp.csr_matrix((V[agent, true, :].ravel(), (np.repeat(np.arange(m), O),
                                                    (report[:, None] * O + np.arange(O)).ravel())), shape=(m, P * O))
    At = sp.csr_matrix((-np.ones(m), (np.arange(m), report * n + agent)), shape=(m, P * n))
    return Ax, At


def _gain_matrices(values, n: int, agent, true, honest, lie) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """(Gx, Gt) with u[true, honest] - u[true, lie] = Gx @ vec(x) + Gt @ vec(t) for each term (`_utility_matrices`
    of the two reports, subtracted), written row by row: term c's row holds the agent's values at the honest
    report's outcomes and minus them at the lie's (nonzeros only), and -1 and +1 at the two reports' payments.
    Only nonzero values are gathered (a single item: one outcome of each agent's O; DSIC 4 x 10's 360,000 terms
    made 29 MB dense arrays before)."""
    agent, true, honest, lie = (np.asarray(a, dtype=np.int64).ravel() for a in (agent, true, honest, lie))
    P, O = values[0].shape
    table = np.stack(values).reshape(-1, O)  # row agent * P + profile: that agent's values there
    nz_row, nz_outcome = np.nonzero(table)
    nz_value = table[nz_row, nz_outcome]
    count = np.bincount(nz_row, minlength=table.shape[0])
    first = np.cumsum(count) - count
    key = agent * P + true
    k = count[key]  # the nonzeros of each term's values
    start = first[key]
    del key
    indptr = np.concatenate([[0], np.cumsum(2 * k)])
    # (the largest arrays a BIC build makes, one entry per gathered value: each dropped once used)
    within = np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k)  # each gathered value's place in its term
    src = np.repeat(start, k) + within
    honest_at = np.repeat(indptr[:-1], k) + within  # term c's row: its honest block, then its lie block
    del within, start
    data, cols = np.empty(int(indptr[-1])), np.empty(int(indptr[-1]), dtype=np.int64)
    value, outcome = nz_value[src], nz_outcome[src]
    del src
    data[honest_at] = value
    cols[honest_at] = np.repeat(honest, k) * O + outcome
    honest_at += np.repeat(k, k)  # now each value's place in the lie's block
    data[honest_at] = -value
    cols[honest_at] = np.repeat(lie, k) * O + outcome
    del honest_at, value, outcome
    Gx = sp.csr_matrix((data, cols, indptr), shape=(agent.size, P * O))
    Gt = sp.csr_matrix((np.tile([-1.0, 1.0], agent.size), np.stack([honest * n + agent, lie * n + agent], axis=1)
                        .ravel(), np.arange(0, 2 * agent.size + 1, 2)), shape=(agent.size, P * n))
    return Gx, Gt


def _cells(values, x, t, agent, true, report) -> tuple[cp.Expression, np.ndarray]:
    """The utility vector of the distinct cells among the terms, and each term's cell index."""
    P = values[0].shape[0]
    key = (np.asarray(agent, dtype=np.int64) * P + np.asarray(true, dtype=np.int64)) * P + np.asarray(report)
    uniq, inverse = np.unique(key, return_inverse=True)
    return profile_utility(values, x, t, uniq // (P * P), (uniq // P) % P, uniq % P), inverse.ravel()


def _check(values, x, t, types) -> tuple[int, ...]:
    sizes = tuple(len(ti) for ti in types)
    P, n = int(np.prod(sizes)), len(types)
    if x.shape[0] != P or tuple(t.shape) != (P, n) or len(values) != n:
        raise InputError(f"x, t: expected ({P}, outcomes) and ({P}, {n}) for {n} agents, got "
                         f"{tuple(x.shape)} and {tuple(t.shape)}")
    for i, v in enumerate(values):
        if v.shape != tuple(x.shape):
            raise InputError(f"values[{i}]: has shape {v.shape}, expected {tuple(x.shape)}")
    return sizes


def _ic(values, x, t, terms: list[tuple], n_rows: int, labels: list | LazyLabels, names: list[str], floor,
        description: str) -> Family:
    """terms: per agent (agent, row, weight, true, truthful report, lying report) arrays, the weights floats or
    `Rationals` (gathered from beliefs: their floats now, the rationals when exact() reads them). The rows are
    `truthful_rows`' inequality, sum_c w_c (u[truth_c] - u[report_c]) >= floor, with its coefficients
    on vec(x) and vec(t) multiplied out here in scipy (cvxpy then compiles two constant matrices, not a
    product of expressions: less time and memory at many profiles)."""
    columns = list(zip(*terms))
    agent, row, true, honest, lie = (np.concatenate(columns[k]) for k in (0, 1, 3, 4, 5))
    weight = _concatenated(columns[2])
    n = int(t.shape[1])
    gx, gt = _gain_matrices(values, n, agent, true, honest, lie)
    if _rational(weight):  # weights in rationals: a Parameter that keeps them, for exact()
        rows = sp.csr_matrix((np.ones(agent.size), (row, np.arange(agent.size))), shape=(n_rows, agent.size))
        gains = gx @ cp.vec(x, order="C") + gt @ cp.vec(t, order="C")
        lhs = rows @ cp.multiply(exact_parameter(weight), gains)
    else:
        rows = sp.csr_matrix((np.asarray(weight, dtype=float), (row, np.arange(agent.size))),
                             shape=(n_rows, agent.size))
        lhs = (rows @ gx) @ cp.vec(x, order="C") + (rows @ gt) @ cp.vec(t, order="C")
    index = labels if isinstance(labels, LazyLabels) else (pd.MultiIndex.from_tuples(labels, names=names)
                                                           if labels else None)
    return family(lhs, ">=", by_label("floor", floor, index), index, description)


def _ir(values, x, t, agent, row, weight, true, n_rows: int, index, outside, select: sp.spmatrix,
        description: str, agents: list[str], types: list[pd.Index]) -> Family:
    """IR rows with right-hand side select @ outside (outside: stacked per agent's types, an array or
    an expression such as a Parameter; or a list of per-agent arrays). pandas data are aligned by label: a
    Series per agent to its types, one stacked Series to the (agent, type) pairs."""
    if isinstance(outside, list | tuple):
        if len(outside) != len(types):
            raise InputError(f"outside: {len(outside)} entries, expected one per agent ({len(types)})")
        outside = np.concatenate([real_array(f"outside[{i}]", by_label(f"outside[{i}]", o, types[i])).ravel()
                                  for i, o in enumerate(outside)])
    elif isinstance(outside, pd.Series | pd.DataFrame):
        pairs = pd.MultiIndex.from_tuples([(a, k) for a, ts in zip(agents, types, strict=True) for k in ts])
        outside = real_array("outside", by_label("outside", outside, pairs))
    if not isinstance(outside, cp.Expression):
        outside = real_array("outside", outside).reshape(-1)
    if outside.size != select.shape[1]:  # a scalar Parameter too: `select @` takes one entry per type
        raise InputError(f"outside: has {outside.size} entries, expected one per type of each agent, stacked in "
                         f"agent order ({select.shape[1]})")
    rhs = select @ outside
    u, cell = _cells(values, x, t, agent, true, true)
    return participation_rows(u, cell, rhs, index, row=row, weight=weight, n_rows=n_rows,
                              description=description)


def _rational(weight: Any) -> bool:
    """Whether row weights are rationals (`Rationals`, or an object array of fmpq or Fractions)."""
    return isinstance(weight, Rationals) or (isinstance(weight, np.ndarray) and weight.dtype == object)


def _concatenated(parts: Sequence[Any]) -> Any:
    """Per-agent weights joined: `Rationals` stay lazy, arrays are concatenated."""
    if all(isinstance(p, Rationals) for p in parts):
        return Rationals.concatenate(parts)
    return np.concatenate([p.exact() if isinstance(p, Rationals) else p for p in parts])


def _offsets(sizes) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)


# ---------------------------------------------------------------- many agents: IC


def bayesian_ic(values, x, t, agents: list[str], types: list[pd.Index], beliefs: Sequence[np.ndarray | Rationals], *,
                floor=0.0, description: str = "truthful reporting is an interim best reply (BIC)") -> Family:
    """Rows (agent, type, report): E[u_i(a, a) - u_i(a, b) | a] >= floor under beliefs[i][a] (a
    distribution over the others' profiles, NaN where undefined: such types get no rows)."""
    sizes = _check(values, x, t, types)
    terms, labels, n_rows = [], [], 0
    for i, k in enumerate(sizes):
        pm, (belief, weights) = profile_map(sizes, i), _weights(beliefs[i])
        A, B = np.nonzero(~np.eye(k, dtype=bool))
        keep = np.isfinite(belief[A]).all(axis=1)
        A, B = A[keep], B[keep]
        m, s = np.nonzero(belief[A] > 0)
        tr = pm[A[m], s]
        terms.append((np.full(m.size, i), n_rows + m, weights[A[m], s], tr, tr, pm[B[m], s]))
        labels += [(agents[i], types[i][a], types[i][b]) for a, b in zip(A, B)]
        n_rows += A.size
    return _ic(values, x, t, terms, n_rows, labels, ["agent", "type", "report"], floor, description)


def ex_post_ic(values, x, t, agents: list[str], types: list[pd.Index], *, dominant: bool = False,
               floor=0.0, description: str | None = None) -> Family:
    """Rows (agent, type, report, others): u_i(a, s) - u_i(b, s) >= floor at every others' profile s.

    Ex post: the others report their true types s. Dominant: for interdependent values the others'
    reports r and true types s differ, so the rows carry both (agent, type, report, others, others_true);
    for private values (values[i] constant in the others' types) dominant and ex post coincide.
    """
    sizes = _check(values, x, t, types)
    terms: list[tuple] = []
    n_rows = 0
    wide = dominant and any(not np.allclose(values[i][profile_map(sizes, i)], values[i][profile_map(sizes, i)][:, :1])
                            for i in range(len(sizes)))
    columns: list[list[np.ndarray]] = [[] for _ in range(5 if wide else 4)]  # agent, type, report, others(, true)
    for i, k in enumerate(sizes):
        pm, others = profile_map(sizes, i), _objects(others_labels(types, i))
        Pm = pm.shape[1]
        A, B = np.nonzero(~np.eye(k, dtype=bool))
        own = _objects(types[i])
        if wide:  # rows (pair, reported others r, true others s)
            m, r, s = (g.ravel() for g in np.meshgrid(np.arange(A.size), np.arange(Pm), np.arange(Pm), indexing="ij"))
            terms.append((np.full(m.size, i), n_rows + (m * Pm + r) * Pm + s, np.ones(m.size), pm[A[m], s],
                          pm[A[m], r], pm[B[m], r]))
            n_rows += A.size * Pm * Pm
            levels = [np.full(m.size, agents[i], dtype=object), own[A[m]], own[B[m]], others[r], others[s]]
        else:
            m, s = (g.ravel() for g in np.meshgrid(np.arange(A.size), np.arange(Pm), indexing="ij"))
            tr = pm[A[m], s]
            terms.append((np.full(m.size, i), n_rows + m * Pm + s, np.ones(m.size), tr, tr, pm[B[m], s]))
            n_rows += A.size * Pm
            levels = [np.full(m.size, agents[i], dtype=object), own[A[m]], own[B[m]], others[s]]
        for column, entries in zip(columns, levels, strict=True):
            column.append(entries)
    level_names = ["agent", "type", "report", "others"] + (["others_true"] if wide else [])
    desc = description or ("truthful reporting is dominant (DSIC)" if dominant
                           else "truthful reporting is an ex-post equilibrium (EPIC)")
    labels: list | LazyLabels = _row_labels(n_rows, columns, level_names) if n_rows else []
    return _ic(values, x, t, terms, n_rows, labels, level_names, floor, desc)


# ---------------------------------------------------------------- many agents: IR


def interim_ir(values, x, t, agents: list[str], types: list[pd.Index], beliefs: Sequence[np.ndarray | Rationals],
               outside, *, description: str = "interim participation (interim IR)") -> Family:
    """Rows (agent, type): E[u_i(a, a) | a] >= outside_i(a) (types with undefined beliefs: no row).

    outside: per agent its types' outside options (a list of arrays), or one vector (an array or a
    cvxpy expression such as a Parameter) stacking them in agent order."""
    sizes = _check(values, x, t, types)
    cols, start = [], _offsets(sizes)
    parts: list[tuple] = []
    labels: list[tuple] = []
    n_rows = 0
    for i in range(len(sizes)):
        pm, (belief, weights) = profile_map(sizes, i), _weights(beliefs[i])
        A = np.flatnonzero(np.isfinite(belief).all(axis=1))
        m, s = np.nonzero(belief[A] > 0)
        tr = pm[A[m], s]
        parts.append((np.full(m.size, i), n_rows + m, weights[A[m], s], tr))
        labels += [(agents[i], types[i][a]) for a in A]
        cols.append(start[i] + A)
        n_rows += A.size
    columns = list(zip(*parts))
    agent, row, true = (np.concatenate(columns[k]) for k in (0, 1, 3))
    weight = _concatenated(columns[2])
    select = sp.csr_matrix((np.ones(n_rows), (np.arange(n_rows), np.concatenate(cols))), shape=(n_rows, sum(sizes)))
    index = pd.MultiIndex.from_tuples(labels, names=["agent", "type"]) if labels else None
    return _ir(values, x, t, agent, row, weight, true, n_rows, index, outside, select, description, agents,
               types)


def ex_post_ir(values, x, t, agents: list[str], types: list[pd.Index], outside, *,
               description: str = "ex-post participation (ex-post IR)") -> Family:
    """Rows (type of each agent..., agent): u_i(p, p) >= outside_i(type of i in p), at every profile."""
    sizes = _check(values, x, t, types)
    P, n = int(np.prod(sizes)), len(sizes)
    p, i = (g.ravel() for g in np.meshgrid(np.arange(P), np.arange(n), indexing="ij"))
    own = np.stack(np.unravel_index(np.arange(P), sizes), axis=1)  # (P, n) type positions
    select = sp.csr_matrix((np.ones(p.size), (np.arange(p.size), _offsets(sizes)[i] + own[p, i])),
                           shape=(p.size, sum(sizes)))
    columns = [[_objects(types[a])[own[p, a]]] for a in range(n)] + [[_objects(agents)[i]]]
    index = _row_labels(p.size, columns, [*agents, "agent"])
    return _ir(values, x, t, i, None, None, p, P * n, index, outside, select, description, agents, types)


def ex_ante_ir(values, x, t, agents: list[str], types: list[pd.Index], prior: np.ndarray | Rationals, outside, *,
               description: str = "ex-ante participation (ex-ante IR)") -> Family:
    """Rows (agent): E[u_i] >= E[outside_i(type)] under the prior (flat over the P profiles)."""
    sizes = _check(values, x, t, types)
    prior, weights = (a.ravel() for a in _weights(prior))
    n = len(sizes)
    p, i = (g.ravel() for g in np.meshgrid(np.flatnonzero(prior > 0), np.arange(n), indexing="ij"))
    marginals = np.concatenate([prior[profile_map(sizes, j)].sum(axis=1) for j in range(n)])
    rows = np.repeat(np.arange(n), sizes)
    select = sp.csr_matrix((marginals, (rows, np.arange(sum(sizes)))), shape=(n, sum(sizes)))
    index = pd.MultiIndex.from_tuples([(a,) for a in agents], names=["agent"])
    return _ir(values, x, t, i, i, weights[p], p, n, index, outside, select, description, agents, types)


def _weights(given) -> tuple[np.ndarray, Any]:
    """(floats, weights): beliefs or prior masses as floats (NaN where undefined), and as the rows' weights:
    the same floats, or the rationals given (`Rationals`, or an object array, None where undefined:
    `core.exact_values`), which `exact()` then reads the rows from."""
    if isinstance(given, Rationals):
        return given.floats, given
    raw = np.asarray(given)
    if raw.dtype == object:
        return floats(raw), raw
    as_float = raw.astype(float)
    return as_float, as_float

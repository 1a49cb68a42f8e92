"""Incentive families of a finite many-agent mechanism: IC and IR in their Bayesian, ex-post and
dominant forms, lotteries and budgets, each one vectorised Family.

Conventions (the same as `optmarkets.mechanisms`): agents i = 0..n-1 with types[i] a pandas Index
of k_i labels; a type profile is flattened in C order over the axes (k_1, ..., k_n) into P
profiles; x is the allocation (P, O), a lottery over O outcomes per reported profile; t the payment
(P, n), paid by agent i at each reported profile. values[i] is (P, O): agent i's value of each
outcome at each *true* profile (private values do not vary with the others' types).

Every row is a weighted sum of terms  w * (values[i][true] . x[report] - t[report, i]), the utility
of agent i at the true profile `true` when the reported profile is `report`. `utility_rows`
assembles such sums into two sparse matrices acting on cp.vec(x) and cp.vec(t); every family below
is one such product, never a loop of scalar constraints. With one agent (P = k, no others) the
Bayesian, ex-post and dominant IC rows coincide with `incentives.truthful(report_utility(...))`
and the interim IR rows with `incentives.participation`.
"""

from __future__ import annotations

import itertools

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ..core.errors import InputError
from ..core.family import Family, family


def profile_map(sizes: tuple[int, ...], agent: int) -> np.ndarray:
    """(k_i, P_-i) flat profile indices: row a, column s = the profile where agent i has type a and
    the others have the profile s (flattened in C order over the others' axes)."""
    P = int(np.prod(sizes))
    return np.moveaxis(np.arange(P).reshape(sizes), agent, 0).reshape(sizes[agent], -1)


def others_labels(types: list[pd.Index], agent: int) -> list[tuple]:
    """Labels of the others' profiles of `agent`, in the column order of `profile_map` (a type label
    when there is one other agent, a tuple of labels otherwise)."""
    rest = [list(t) for j, t in enumerate(types) if j != agent]
    combos = list(itertools.product(*rest))
    return [c[0] for c in combos] if len(rest) == 1 else combos


def utility_rows(values: list[np.ndarray], agent, row, weight, true, report, n_rows: int, n_agents: int):
    """Sparse (Ax, At) with Ax @ vec_C(x) + At @ vec_C(t) = sum over the terms of
    weight * (values[agent][true] . x[report] - t[report, agent]), summed into rows `row`.

    agent, row, weight, true, report: equal-length integer/float arrays, one entry per term.
    """
    agent, row, true, report = (np.asarray(a, dtype=np.int64).ravel() for a in (agent, row, true, report))
    weight = np.broadcast_to(np.asarray(weight, dtype=float).ravel(), row.shape)
    P, O = values[0].shape
    V = np.stack(values)  # (n, P, O)
    coef = weight[:, None] * V[agent, true, :]  # (terms, O)
    cols = report[:, None] * O + np.arange(O)[None, :]
    Ax = sp.csr_matrix((coef.ravel(), (np.repeat(row, O), cols.ravel())), shape=(n_rows, P * O))
    At = sp.csr_matrix((-weight, (row, report * n_agents + agent)), shape=(n_rows, P * n_agents))
    return Ax, At


def _apply(Ax, At, x: cp.Expression, t: cp.Expression) -> cp.Expression:
    return Ax @ cp.vec(x, order="C") + At @ cp.vec(t, order="C")


def _pairs(k: int) -> tuple[np.ndarray, np.ndarray]:
    true, rep = np.nonzero(~np.eye(k, dtype=bool))
    return true, rep


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


def bayesian_ic(values, x, t, agents: list[str], types: list[pd.Index], beliefs: list[np.ndarray], *,
                floor=0.0, description: str = "truthful reporting is an interim best reply (BIC)") -> Family:
    """Rows (agent, type, report): E[u_i(a, a) - u_i(a, b) | a] >= floor under beliefs[i][a] (a
    distribution over the others' profiles, NaN where undefined: such types get no rows)."""
    sizes = _check(values, x, t, types)
    terms, labels, n_rows = [], [], 0
    for i, k in enumerate(sizes):
        pm, belief = profile_map(sizes, i), np.asarray(beliefs[i], dtype=float)
        A, B = _pairs(k)
        keep = np.isfinite(belief[A]).all(axis=1)
        A, B = A[keep], B[keep]
        m, s = np.nonzero(belief[A] > 0)
        w = belief[A[m], s]
        rows = n_rows + m
        tr = pm[A[m], s]
        terms.append((np.full(2 * m.size, i), np.r_[rows, rows], np.r_[w, -w], np.r_[tr, tr],
                      np.r_[tr, pm[B[m], s]]))
        labels += [(agents[i], types[i][a], types[i][b]) for a, b in zip(A, B)]
        n_rows += A.size
    return _family(terms, labels, n_rows, values, x, t, ["agent", "type", "report"], floor, description)


def ex_post_ic(values, x, t, agents: list[str], types: list[pd.Index], *, dominant: bool = False,
               floor=0.0, description: str | None = None) -> Family:
    """Rows (agent, type, report, others): u_i(a, s) - u_i(b, s) >= floor at every others' profile s.

    Ex post: the others report their true types s. Dominant: for interdependent values the others'
    reports r and true types s differ, so the rows carry both (agent, type, report, others, others_true);
    for private values (values[i] constant in the others' types) dominant and ex post coincide.
    """
    sizes = _check(values, x, t, types)
    terms, labels, n_rows = [], [], 0
    wide = False
    for i in range(len(sizes)):
        pm = profile_map(sizes, i)
        wide = wide or (dominant and not np.allclose(values[i][pm], values[i][pm][:, :1]))
    for i, k in enumerate(sizes):
        pm, names = profile_map(sizes, i), others_labels(types, i)
        Pm = pm.shape[1]
        A, B = _pairs(k)
        if wide:  # rows (pair, reported others r, true others s)
            m, r, s = (g.ravel() for g in np.meshgrid(np.arange(A.size), np.arange(Pm), np.arange(Pm),
                                                      indexing="ij"))
            rows = n_rows + (m * Pm + r) * Pm + s
            tr = pm[A[m], s]
            terms.append((np.full(2 * m.size, i), np.r_[rows, rows], np.r_[np.ones(m.size), -np.ones(m.size)],
                          np.r_[tr, tr], np.r_[pm[A[m], r], pm[B[m], r]]))
            labels += [(agents[i], types[i][a], types[i][b], ro, so)
                       for a, b in zip(A, B) for ro in names for so in names]
            n_rows += A.size * Pm * Pm
        else:
            m, s = (g.ravel() for g in np.meshgrid(np.arange(A.size), np.arange(Pm), indexing="ij"))
            rows = n_rows + m * Pm + s
            tr = pm[A[m], s]
            terms.append((np.full(2 * m.size, i), np.r_[rows, rows], np.r_[np.ones(m.size), -np.ones(m.size)],
                          np.r_[tr, tr], np.r_[tr, pm[B[m], s]]))
            labels += [(agents[i], types[i][a], types[i][b], so) for a, b in zip(A, B) for so in names]
            n_rows += A.size * Pm
    level = ["agent", "type", "report", "others"] + (["others_true"] if wide else [])
    desc = description or ("truthful reporting is dominant (DSIC)" if dominant
                           else "truthful reporting is an ex-post equilibrium (EPIC)")
    return _family(terms, labels, n_rows, values, x, t, level, floor, desc)


def interim_ir(values, x, t, agents: list[str], types: list[pd.Index], beliefs: list[np.ndarray], outside, *,
               description: str = "interim participation (interim IR)") -> Family:
    """Rows (agent, type): E[u_i(a, a) | a] >= outside[i][a] (types with undefined beliefs: no row)."""
    sizes = _check(values, x, t, types)
    terms, labels, rhs, n_rows = [], [], [], 0
    for i, k in enumerate(sizes):
        pm, belief = profile_map(sizes, i), np.asarray(beliefs[i], dtype=float)
        A = np.flatnonzero(np.isfinite(belief).all(axis=1))
        m, s = np.nonzero(belief[A] > 0)
        tr = pm[A[m], s]
        terms.append((np.full(m.size, i), n_rows + m, belief[A[m], s], tr, tr))
        labels += [(agents[i], types[i][a]) for a in A]
        rhs.append(np.broadcast_to(np.asarray(outside[i], dtype=float), (k,))[A])
        n_rows += A.size
    return _family(terms, labels, n_rows, values, x, t, ["agent", "type"], np.concatenate(rhs), description)


def ex_post_ir(values, x, t, agents: list[str], types: list[pd.Index], outside, *,
               description: str = "ex-post participation (ex-post IR)") -> Family:
    """Rows (type of each agent..., agent): u_i(p, p) >= outside[i][type of i in p], at every profile."""
    sizes = _check(values, x, t, types)
    P, n = int(np.prod(sizes)), len(sizes)
    p, i = (g.ravel() for g in np.meshgrid(np.arange(P), np.arange(n), indexing="ij"))
    own = np.stack(np.unravel_index(np.arange(P), sizes), axis=1)  # (P, n) type positions
    out = [np.broadcast_to(np.asarray(outside[j], dtype=float), (sizes[j],)) for j in range(n)]
    rhs = np.array([out[j][own[q, j]] for q, j in zip(p, i)])
    terms = [(i, p * n + i, np.ones(p.size), p, p)]
    labels = [(*(types[a][own[q, a]] for a in range(n)), agents[j]) for q, j in zip(p, i)]
    return _family(terms, labels, P * n, values, x, t, [*agents, "agent"], rhs, description)


def ex_ante_ir(values, x, t, agents: list[str], types: list[pd.Index], prior: np.ndarray, outside, *,
               description: str = "ex-ante participation (ex-ante IR)") -> Family:
    """Rows (agent): E[u_i] >= E[outside_i(type)] under the prior (flat over the P profiles)."""
    sizes = _check(values, x, t, types)
    n, prior = len(sizes), np.asarray(prior, dtype=float).ravel()
    p, i = (g.ravel() for g in np.meshgrid(np.flatnonzero(prior > 0), np.arange(n), indexing="ij"))
    terms = [(i, i, prior[p], p, p)]
    rhs = []
    for j, k in enumerate(sizes):
        marginal = prior[profile_map(sizes, j)].sum(axis=1)
        rhs.append(float(marginal @ np.broadcast_to(np.asarray(outside[j], dtype=float), (k,))))
    return _family(terms, [(a,) for a in agents], n, values, x, t, ["agent"], np.array(rhs), description)


def lottery(x: cp.Expression, index: pd.Index | None = None, *,
            description: str = "the allocation is a lottery over outcomes") -> Family:
    """Rows (profile): sum over outcomes of x[p, :] == 1 (x >= 0 is the variable's own domain)."""
    return family(cp.sum(x, axis=1), "==", 1.0, index, description)


def budget(t: cp.Expression, mode: str, index: pd.Index | None = None) -> Family:
    """Rows (profile): the designer's net receipts sum_i t[p, i] >= 0 ("no_subsidies") or == 0
    ("balanced"), ex post at every profile."""
    if mode not in ("no_subsidies", "balanced"):
        raise InputError(f"budget: must be None, 'no_subsidies' or 'balanced', got {mode!r}")
    sense = ">=" if mode == "no_subsidies" else "=="
    desc = "no subsidies at any profile" if mode == "no_subsidies" else "payments balance at every profile"
    return family(cp.sum(t, axis=1), sense, 0.0, index, desc)


def _family(terms, labels, n_rows, values, x, t, names, rhs, description) -> Family:
    parts = [np.concatenate(c) if c else np.zeros(0) for c in zip(*terms)] if terms else [np.zeros(0)] * 5
    agent, row, weight, true, report = parts
    Ax, At = utility_rows(list(values), agent, row, weight, true, report, n_rows, t.shape[1])
    lhs = _apply(Ax, At, x, t)
    index = pd.MultiIndex.from_tuples(labels, names=names) if labels else None
    return family(lhs, ">=", rhs, index, description)

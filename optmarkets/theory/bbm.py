"""Bergemann, Brooks and Morris (2015): the limits of price discrimination, computed once.

`bbm_value`: with values w (= the feasible prices) and a market q, a segmentation can give
consumers any surplus between 0 and total surplus minus the uniform monopoly profit; a designer
with weights (gamma_u on consumer surplus, gamma_pi on profit) gets
    gamma_pi * TS                          if gamma_pi >= gamma_u,
    gamma_u * TS - (gamma_u - gamma_pi) pi*  otherwise,
where TS = sum_w w q(w) and pi* = max_a a * sum_{w >= a} q(w).
`bbm_greedy`: the greedy extremal segmentation that attains it: each segment makes the lowest
value in its support a monopoly price and every value in it indifferent.
"""

from __future__ import annotations

import numpy as np

from ..core.tolerances import ROUNDOFF


def monopoly_profit(values, q, prices=None) -> float:
    """pi*(q) = max_a a * sum_{w >= a} q(w) over the prices a (default: the values)."""
    w, q = np.asarray(values, float), np.asarray(q, float)
    a = w if prices is None else np.asarray(prices, float)
    return float(((w[None, :] >= a[:, None]) * a[:, None] * q[None, :]).sum(axis=1).max())


def bbm_value(values, q, gamma_u: float = 1.0, gamma_pi: float = 0.0, prices=None) -> float:
    """The best weighted surplus a segmentation of market q achieves (see the module docstring)."""
    total = float(np.asarray(values, float) @ np.asarray(q, float))
    if gamma_pi >= gamma_u:
        return gamma_pi * total
    return gamma_u * total - (gamma_u - gamma_pi) * monopoly_profit(values, q, prices)


def bbm_greedy(w: np.ndarray, f: np.ndarray, tol: float = ROUNDOFF) -> tuple[np.ndarray, np.ndarray]:
    """Greedy extremal segmentation of market f for net values w (HS [spec §B.6](hs.md#spec-b6)): (segments, weights),
    one segment per row, weights summing to one, weights @ segments == f. Types with w <= 0 (never
    served efficiently) get a segment of their own."""
    residual = np.asarray(f, float).copy()
    w = np.asarray(w, float)
    buyers = w > 0
    segments, weights = [], []
    if residual[~buyers].sum() > tol:
        seg = np.where(buyers, 0.0, residual)
        weights.append(seg.sum())
        segments.append(seg / seg.sum())
        residual = np.where(buyers, residual, 0.0)
    while residual.sum() > tol:
        S = np.flatnonzero(residual > tol)
        S = S[np.argsort(w[S])]
        demand = w[S[0]] / w[S]  # D(s_j): revenue w_{s_j} D(s_j) = w_{s_1} at every price in S
        xs = demand - np.append(demand[1:], 0.0)
        alpha = float((residual[S] / xs).min())
        seg = np.zeros_like(residual)
        seg[S] = xs
        segments.append(seg)
        weights.append(alpha)
        residual[S] -= alpha * xs
        residual[np.abs(residual) <= tol] = 0.0
    return np.array(segments), np.array(weights) / np.sum(weights)

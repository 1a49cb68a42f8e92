"""Independent re-solves for [Y]'s claims, written with scipy's HiGHS and numpy only (no optmarkets model): the
references the claims' rows compare the package with.

* `pc_er_face`: the price-controlling broker and the exclusive retailer of [Y] Section 5.3 as plain `linprog`
  programs over (x[k, i], fee_k), and the range of every report's quantity over each optimal face (Lemma 4:
  the two regimes are outcome-equivalent, allocations included);
* `segmentation_revenue_lp`: [Y] Lemma 15's program (26) on a finite market: a segmentation labelled by the
  (possibly randomised) price charged in each segment, max revenue subject to quantity <= q;
* `pc_apply`: the IC, IR and revenue of a price-controlling mechanism, evaluated by hand.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from scipy.optimize import linprog

from ...core import validate as pr
from ...core.tolerances import LEX_SLACK
from .economy import DataBroker


def _solve(c: np.ndarray, A: np.ndarray, b: np.ndarray, bounds, A_eq=None, b_eq=None):
    res = linprog(c, A_ub=A, b_ub=b, A_eq=A_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if res.status != 0:
        raise pr.InputError(f"reference LP: scipy/HiGHS status {res.status} ({res.message})")
    return res


def _screening_rows(broker: DataBroker, regime: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(objective to minimise, A_ub, b_ub) over (x flattened (K, N), fee (K)) for "PC" (fee tau, producer j
    reporting k gets sum_i m_i x_ki (v_i - c_j) - tau_k) or "ER" (fee t paid to the producer: t_k - c_j q_k,
    the retailer earns sum_i m_i x_ki v_i - t_k)."""
    K, N = broker.n_costs, broker.n_values
    m, v, c, g = broker.value_probs, broker.values, broker.costs, broker.cost_probs
    pi0 = broker.outside_option.to_numpy()
    n_x = K * N

    def utility(j: int, k: int) -> np.ndarray:  # coefficients of U[j, k] over (x, fee)
        row = np.zeros(n_x + K)
        if regime == "PC":
            row[k * N:(k + 1) * N] = m * (v - c[j])
            row[n_x + k] = -1.0
        else:
            row[k * N:(k + 1) * N] = -c[j] * m
            row[n_x + k] = 1.0
        return row

    A, b = [], []
    for j in range(K):
        for k in range(K):
            if j != k:
                A.append(utility(j, k) - utility(j, j))  # U[j, k] - U[j, j] <= 0
                b.append(0.0)
        A.append(-utility(j, j))  # U[j, j] >= pi0(c_j)
        b.append(-pi0[j])
    obj = np.zeros(n_x + K)
    if regime == "PC":
        obj[n_x:] = -g
    else:
        obj[:n_x] = -(g[:, None] * (m * v)[None, :]).ravel()
        obj[n_x:] = g
    return obj, np.array(A), np.array(b)


class Face(NamedTuple):
    """An optimal face: the optimum and, per report, the (least, largest) quantity and producer profit on it."""

    value: float
    quantity: np.ndarray  # (K, 2)
    profit: np.ndarray  # (K, 2)


def pc_er_face(broker: DataBroker, regime: str) -> Face:
    """The optimum of "PC" or "ER" and, over its optimal face (objective within LEX_SLACK of it), the least and
    the largest quantity q_k = sum_i m_i x_ki of every report and the least and largest producer profit U_k."""
    if regime not in ("PC", "ER"):
        raise pr.InputError(f"regime: 'PC' or 'ER', got {regime!r}")
    K, N = broker.n_costs, broker.n_values
    obj, A, b = _screening_rows(broker, regime)
    bounds = [(0.0, 1.0)] * (K * N) + [(None, None)] * K
    best = -_solve(obj, A, b, bounds).fun
    A_face = np.vstack([A, obj])
    b_face = np.append(b, -best + LEX_SLACK * max(1.0, abs(best)))
    q_rows = np.zeros((K, K * N + K))
    for k in range(K):
        q_rows[k, k * N:(k + 1) * N] = broker.value_probs
    own = -A[[j * K + (K - 1) for j in range(K)]]  # the IR rows (the last of each j): U[j, j]'s coefficients
    ranges = {}
    for name, rows in (("quantity", q_rows), ("profit", own)):
        lo = np.array([_solve(r, A_face, b_face, bounds).fun for r in rows])
        hi = np.array([-_solve(-r, A_face, b_face, bounds).fun for r in rows])
        ranges[name] = np.column_stack([lo, hi])
    return Face(float(best), ranges["quantity"], ranges["profit"])


def pc_apply(broker: DataBroker, x: np.ndarray, tau: np.ndarray) -> dict[str, float]:
    """A price-controlling mechanism (who buys x[k, i], fees tau) evaluated by hand: largest IC and IR violation
    and the expected revenue."""
    m, v, c = broker.value_probs, broker.values, broker.costs
    U = (x * m[None, :]) @ v[:, None] - np.outer(x @ m, c)  # U[k, j] before the fee: report k, true c_j
    U = U.T - np.asarray(tau)[None, :]  # U[j, k]
    own = np.diag(U)
    return {"IC": float(max(0.0, (U - own[:, None]).max())),
            "IR": float(max(0.0, (broker.outside_option.to_numpy() - own).max())),
            "revenue": float(broker.cost_probs @ tau)}


def segmentation_revenue_lp(broker: DataBroker, q: float) -> float:
    """[Y] (26) on the finite market: y[p, i] >= 0 the mass of value-v_i consumers in the segment where price p in
    V u {⊥} is charged (a randomised price is a split of a segment), sum_p y[p, i] = m_i; max revenue
    sum y[p, i] p 1[v_i >= p] s.t. the quantity sum y[p, i] 1[v_i >= p] <= q."""
    q = pr.finite_number("q", q)
    N, v, m = broker.n_values, broker.values, broker.value_probs
    sells = np.column_stack([v[None, :] >= v[:, None]])  # sells[p, i] = 1[v_i >= v_p]
    sells = np.vstack([sells, np.zeros(N, bool)]).astype(float)  # the ⊥ row sells nothing
    price = np.append(v, 0.0)
    A_eq = np.kron(np.ones((1, N + 1)), np.eye(N))  # sum_p y[p, i] = m_i
    res = _solve(-(sells * price[:, None]).ravel(), sells.ravel()[None, :], np.array([q]),
                 [(0.0, None)] * ((N + 1) * N), A_eq, m)
    return float(-res.fun)

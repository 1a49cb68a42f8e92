"""[Y] Section 4's lemmas made computable on a finite economy: quasi-perfect schemes (Definitions 1-2), the
envelope identity of Lemma 1, the sufficient condition (8) of Lemma 2, the construction of Lemma 3 and the
price-recommendation partition C_p of Figure 4.

Conventions: a *scheme* is one (segments, N) array of unnormalised mass vectors per report (what
`DataBroker.segments` and `DataBroker.evaluate` use); psi holds one cutoff per cost (psi_k >= c_k); prices are the
largest optimal ones ([Y] footnote 8), ⊥ (+inf) where the best profit is 0.

Departure from the paper for finitely many costs (spec §A.6, (A1d')): [Y]'s condition (8) asks
psi(z) <= p_D(z) for almost all z in [c_1, c], a continuum of costs. On a grid the costs between c_{i-1} and c_i
deviate too (a cost z in (c_{i-1}, c_i] reporting k >= i must not sell more than D0(psi_i)), and the largest
optimal price is right-continuous and nondecreasing in z, so the grid form of (8) is

    p_D(c_{i-1}) >= psi_i  for every report k, every segment D of sigma(k) and every 2 <= i <= k,
    p_D(c_1) >= psi_1,

(`condition_8_violation(..., shifted=True)`); the paper's points z = c_i alone (`shifted=False`) are not enough.
Under it the transfers of Lemma 1 with every local downward IC binding (`envelope_transfers`) make any
psi-quasi-perfect scheme IC (discrete Lemma 2), and [Y]'s construction for regular D0 (`quasi_perfect_scheme`)
satisfies it when psi_1 <= p0(c_1) and psi_k <= p0(c_{k-1}) -- the index shift of (A1d') -- instead of [Y]'s
psi_k <= p0(c_k) (discrete Lemma 3).
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd

from ...builders import family
from ...core import validate as pr
from ...core.model import Model
from ...core.tolerances import PRICE_TIE, ROUNDOFF
from .economy import NO_SALE, DataBroker


def _lines(broker: DataBroker, seg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Profit (p - z) D(p) = a_p - z b_p of every price p in V of every segment: a = p D(p), b = D(p), (S, N)."""
    b = np.atleast_2d(seg) @ broker.sales[:, : broker.n_values]  # D_s(v_p)
    return b * broker.values[None, :], b


def largest_price(broker: DataBroker, seg: np.ndarray, z: float) -> np.ndarray:
    """p_D(z) of every segment (rows of seg): the largest optimal price of cost z, ⊥ (+inf) when it earns 0."""
    a, b = _lines(broker, seg)
    profit = a - z * b
    best = profit.max(axis=1)
    scale = max(1.0, float(np.abs(broker.values).max())) * np.maximum(np.atleast_2d(seg).sum(axis=1), ROUNDOFF)
    optimal = profit >= (best - PRICE_TIE * scale)[:, None]
    last = broker.n_values - 1 - np.argmax(optimal[:, ::-1], axis=1)
    return np.where(best <= PRICE_TIE * scale, NO_SALE, broker.values[last])


def _psi(broker: DataBroker, psi) -> np.ndarray:
    psi = pr.as_vector("psi", psi, length=broker.n_costs)
    if np.any(psi < broker.costs - ROUNDOFF):
        raise pr.InputError("psi: every cutoff must be at least its cost (psi_k >= c_k, [Y] Definition 2)")
    return psi


def psi_range(broker: DataBroker, shifted: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) bounds on the cutoffs of Lemma 3: c_k <= psi_k <= p0(c_k) ([Y]), or with shifted=True the
    grid form p0(c_{k-1}) for k >= 2 (the index shift of (A1d'))."""
    p0 = broker.uniform_pricing()["price"].to_numpy()
    upper = np.concatenate([p0[:1], p0[:-1]]) if shifted else p0
    return broker.costs.copy(), np.minimum(upper, p0)


def quasi_perfect_violation(broker: DataBroker, scheme, psi) -> float:
    """Largest failure of [Y] Definition 1 over the reports: in every segment D of sigma(k) with D(c_k) > 0 the values
    v >= psi_k present form a singleton {v} and v is an optimal price of c_k. Measured in the values' units: the mass
    of the extra (or missing) top values times max v, plus the profit v falls short of the best."""
    psi, scale = _psi(broker, psi), max(1.0, float(np.abs(broker.values).max()))
    worst = 0.0
    for k, seg in enumerate(scheme):
        seg = np.atleast_2d(np.asarray(seg, dtype=float))
        trades = seg @ (broker.values >= broker.costs[k]) > ROUNDOFF  # D(c_k) > 0
        present = seg > ROUNDOFF
        tops = present & (broker.values >= psi[k] - ROUNDOFF)[None, :]
        n_tops = tops.sum(axis=1)
        a, b = _lines(broker, seg)
        profit = a - broker.costs[k] * b
        top_profit = np.where(tops, profit, -np.inf).max(axis=1)
        extra = np.where(n_tops == 1, 0.0, np.where(n_tops == 0, seg.sum(axis=1), (tops * seg).sum(axis=1)))
        gap = np.where(n_tops == 1, np.maximum(profit.max(axis=1) - top_profit, 0.0), 0.0)
        worst = max(worst, float(np.where(trades, extra * scale + gap, 0.0).max(initial=0.0)))
    return worst


def condition_8_violation(broker: DataBroker, scheme, psi, shifted: bool = True) -> float:
    """Largest psi_i - p_D(z_i) > 0 over reports k, segments D of sigma(k) and i <= k: [Y] Lemma 2's condition (8).

    shifted=True (the grid form, see the module docstring): z_i = c_{i-1} for i >= 2, z_1 = c_1.
    shifted=False: [Y]'s (8) at the grid points z_i = c_i only."""
    psi = _psi(broker, psi)
    points = np.concatenate([broker.costs[:1], broker.costs[:-1]]) if shifted else broker.costs
    worst = 0.0
    for k, seg in enumerate(scheme):
        seg = np.atleast_2d(np.asarray(seg, dtype=float))
        seg = seg[seg.sum(axis=1) > ROUNDOFF]
        for i in range(k + 1):
            price = largest_price(broker, seg, points[i])
            worst = max(worst, float(np.maximum(psi[i] - price, 0.0).max(initial=0.0)))
    return worst


def envelope_transfers(broker: DataBroker, scheme, top_utility: float | None = None) -> pd.Series:
    """Lemma 1's transfers with every local downward IC binding: U_K = top_utility (default pi0(c_K)),
    U_k = U_{k+1} + int_{c_k}^{c_{k+1}} Q_{k+1}(z) dz = U_{k+1} + Pi_{k+1|k} - Pi_{k+1|k+1} (eq. (5): the integral
    of report k+1's quantity is the fall of its gross profit), tau_k = Pi_{k|k} - U_k."""
    gross = broker.evaluate(scheme, np.zeros(broker.n_costs)).gross.to_numpy()  # gross[report, true cost]
    U = np.zeros(broker.n_costs)
    U[-1] = broker.outside_option.iloc[-1] if top_utility is None else pr.finite_number("top_utility", top_utility)
    for k in range(broker.n_costs - 2, -1, -1):
        U[k] = U[k + 1] + gross[k + 1, k] - gross[k + 1, k + 1]
    return pd.Series(np.diag(gross) - U, index=broker.cost_index, name="transfer")


def quasi_perfect_scheme(broker: DataBroker, psi) -> list[np.ndarray]:
    """[Y] eq. (2)-(3) with the cutoff psi_k (the construction of Lemma 3 for regular D0): one segment per value
    v >= psi_k, holding all of m(v) and the share m(v)/D0(psi_k) of every value below the cutoff."""
    psi, m = _psi(broker, psi), broker.value_probs
    scheme = []
    for k in range(broker.n_costs):
        high = broker.values >= psi[k] - ROUNDOFF
        top = float(m[high].sum())
        if top <= ROUNDOFF:  # nobody above the cutoff: one pooled segment, no sale at c_k
            scheme.append(m[None, :].copy())
            continue
        seg = np.outer(m * high, np.where(high, 0.0, m)) / top + np.diag(m * high)
        scheme.append(seg[high & (m > 0)])
    return scheme


def recommendation_partition(broker: DataBroker, cutoff: float) -> pd.DataFrame:
    """[Y] Figure 4: the consumers (v, u), u ~ U[0, 1] an auxiliary draw, partitioned into C_p for p >= cutoff:
    C_p = {v = p} u {v < cutoff, u in [lo_p, hi_p)} with lo_p = (D0(cutoff) - D0(p))/D0(cutoff) and
    hi_p = lo_p + m(p)/D0(cutoff) (the paper's u = (D0(cutoff) - D0(p))/D0(cutoff) of a continuum, widened to the
    atom m(p) of a finite market). Columns: lo, hi, and the mass of value v in C_p (one column per value)."""
    cutoff = pr.finite_number("cutoff", cutoff)
    m, v = broker.value_probs, broker.values
    high = (v >= cutoff - ROUNDOFF) & (m > 0)
    top = float(m[high].sum())
    if top <= ROUNDOFF:
        raise pr.InputError(f"cutoff: no consumer has a value at or above {cutoff:g}")
    below_p = np.array([m[high & (v < p)].sum() for p in v[high]])  # D0(cutoff) - D0(p)
    lo, hi = below_p / top, (below_p + m[high]) / top
    masses = np.outer(hi - lo, np.where(v < cutoff - ROUNDOFF, m, 0.0)) + np.diag(m)[high]
    out = pd.DataFrame(masses, index=pd.Index(v[high], name="recommended price"), columns=broker.value_index)
    out.insert(0, "hi", hi)
    out.insert(0, "lo", lo)
    return out


def menu_utility(broker: DataBroker, scheme, transfer, z) -> tuple[np.ndarray, np.ndarray]:
    """(u[k, z], Q[k, z]): a cost-z producer's net profit sum_D pi_D(z) - tau_k from report k and its quantity
    sum_D D(p_D(z)) at the largest optimal prices, at the costs z (any, not only the grid)."""
    z = np.atleast_1d(np.asarray(z, dtype=float))
    tau = np.asarray(transfer, dtype=float)
    u, Q = np.zeros((broker.n_costs, z.size)), np.zeros((broker.n_costs, z.size))
    for k, seg in enumerate(scheme):
        a, b = _lines(broker, np.atleast_2d(seg))
        profit = a[:, :, None] - b[:, :, None] * z[None, None, :]  # (S, N, Z)
        best = np.maximum(profit.max(axis=1), 0.0)
        u[k] = best.sum(axis=0) - tau[k]
        for j, zj in enumerate(z):
            price = largest_price(broker, np.atleast_2d(seg), zj)
            Q[k, j] = float((np.atleast_2d(seg) * (broker.values[None, :] >= price[:, None])).sum())
    return u, Q


def _breakpoints(broker: DataBroker, scheme, transfer) -> np.ndarray:
    """Every cost in [c_1, c_K] where some report's profit line changes or two reports' utilities cross."""
    lo, hi = float(broker.costs[0]), float(broker.costs[-1])
    pts = [broker.costs]
    for seg in scheme:
        a, b = _lines(broker, np.atleast_2d(seg))
        a, b = np.concatenate([a, np.zeros((a.shape[0], 1))], 1), np.concatenate([b, np.zeros((b.shape[0], 1))], 1)
        da, db = a[:, :, None] - a[:, None, :], b[:, :, None] - b[:, None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            cross = np.where(np.abs(db) > ROUNDOFF, da / db, np.nan)
        pts.append(cross[np.isfinite(cross) & (cross > lo) & (cross < hi)])
    grid = np.unique(np.concatenate(pts))
    u, _ = menu_utility(broker, scheme, transfer, grid)  # linear between grid points: add the reports' crossings
    crossings = []
    for k in range(broker.n_costs):
        for j in range(k + 1, broker.n_costs):
            d = u[k] - u[j]
            flip = np.flatnonzero(d[:-1] * d[1:] < 0)
            crossings.append(grid[flip] + (grid[flip + 1] - grid[flip]) * d[flip] / (d[flip] - d[flip + 1]))
    return np.unique(np.concatenate([grid, *crossings]))


def envelope_residual(broker: DataBroker, scheme, transfer) -> dict[str, float]:
    """[Y] Lemma 1 on a finite menu, the producer's cost extended to the whole interval [c_1, c_K]:
    U(z) = max_k u_k(z) is convex with U'(z) = -Q*(z) (eq. (5) and the envelope theorem), so
    U(c_k) = U(c_K) + int_{c_k}^{c_K} Q*(z) dz, and, if the menu is IC, U(c_k) = u_k(c_k) (assertion 1: tau_k =
    Pi_{k|k} - int Q* - U(c_K)). The integral is exact: Q* is constant between the breakpoints.

    Returns "assertion 1": max_k |u_k(c_k) - U(c_K) - int_{c_k}^{c_K} Q*| and "assertion 2": the most negative
    (u_j(c_j) - U(c_j)) + int_{c_j}^{c_k} (Q*(z) - Q_k(z)) dz over the pairs j != k: integral monotonicity on the
    grid, the scheme at z being the truthful one at c_j (the bracket: 0 when c_j reports truthfully) and the
    menu's choice between grid points; it equals the gain u_j(c_j) - u_k(c_j) of truth-telling, >= 0 iff IC."""
    pts = _breakpoints(broker, scheme, transfer)
    mid, width = (pts[:-1] + pts[1:]) / 2, np.diff(pts)
    u, Q = menu_utility(broker, scheme, transfer, mid)
    best = Q[np.argmax(u, axis=0), np.arange(mid.size)]  # Q*(z): the quantity of the chosen report
    cum = np.concatenate([[0.0], np.cumsum(best * width)])  # int_{c_1}^{pts} Q*
    at = np.searchsorted(pts, broker.costs)
    u_grid, _ = menu_utility(broker, scheme, transfer, broker.costs)
    own = np.diag(u_grid)
    first = float(np.abs(own - own[-1] - (cum[at[-1]] - cum[at])).max())
    K, second = broker.n_costs, np.inf
    cumQ = np.concatenate([np.zeros((K, 1)), np.cumsum(Q * width[None, :], axis=1)], axis=1)
    for j in range(K):
        for k in range(K):
            if j != k:  # the truthful report's shortfall at c_j, then int_{c_j}^{c_k} (Q* - Q_k), oriented
                shortfall = float(own[j] - u_grid[:, j].max())
                second = min(second, shortfall + float((cum[at[k]] - cum[at[j]]) - (cumQ[k, at[k]] - cumQ[k, at[j]])))
    return {"assertion 1": first, "assertion 2": second if np.isfinite(second) else 0.0}


def positive_cycle(broker: DataBroker, scheme) -> float:
    """The largest total gain of a misreport cycle j_1 -> j_2 -> ... -> j_1, sum (Pi_{j_{i+1}|j_i} - Pi_{j_i|j_i}):
    transfers making the scheme IC exist iff it is <= 0 (tau_k - tau_j >= Pi_{k|j} - Pi_{j|j} is a system of
    difference constraints; Floyd-Warshall for the longest cycle, independent of any LP)."""
    gross = broker.evaluate(scheme, np.zeros(broker.n_costs)).gross.to_numpy()
    gain = gross.T - np.diag(gross)[:, None]  # gain[j, k] = Pi_{k|j} - Pi_{j|j}
    np.fill_diagonal(gain, -np.inf)
    dist = gain.copy()
    for m in range(broker.n_costs):
        dist = np.maximum(dist, dist[:, m:m + 1] + dist[m:m + 1, :])
    return float(np.diag(dist).max())


def quasi_perfect_problem(broker: DataBroker, psi) -> Model:
    """DB-C restricted to psi-quasi-perfect schemes: every value v >= psi_k of report k's segmentation sits alone
    at the top of the segment recommended r = v, and no segment recommends a price below psi_k. Feasible iff an IC
    psi-quasi-perfect mechanism exists (IR never decides it: tau is free, so lowering every fee restores IR)."""
    psi = _psi(broker, psi)
    model = broker.mechanism_problem()
    seg_k, seg_r = broker._segments
    rec = broker.prices[seg_r]
    v, cut = broker.values[None, :], psi[seg_k][:, None]
    banned = (np.isfinite(rec) & (rec < psi[seg_k] - ROUNDOFF))[:, None] | ((v >= cut - ROUNDOFF) & (v != rec[:, None]))
    model.constrain("quasi-perfect", family(cp.sum(cp.multiply(banned.astype(float), model.var("z"))), "==", 0.0,
                                            None, "the scheme is psi-quasi-perfect ([Y] Definition 2)"))
    return model

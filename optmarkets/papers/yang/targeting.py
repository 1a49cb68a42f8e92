"""[Y] Section 6.3: targeted marketing, Theorems 10-11, as finite LPs.

J producers sell J unrelated products to I groups of consumers; group i's values for product j are distributed as
m[i, j] on the common grid V. Producer j's cost c_j (grid C_j, prior g_j) is private and independent across
producers. Without the broker producer j's audience is the average group, D0^j = (1/I) sum_i D0^{ij} (a unit mass),
and its outside option is uniform pricing on it, pi0_j. The broker targets (q_ij >= 0: the mass of group-i consumers
shown product j, sum_i q_ij <= 1, [Y] footnote 21) and segments each exposed group (sigma_ij); producer j pays
tau_j. Payoffs are additive across producers and the producers' costs independent, so averaging any mechanism over
c_{-j} keeps every interim constraint and the revenue: the broker's problem splits into one LP per producer whose
mechanism depends on c_j only (what `mechanism_problem(j)` builds; the paper's mechanisms on the whole profile reach
the same value).

DB-T (producer j, reports k, groups i, recommendations r in R_k = {v >= c_k} u {⊥}, DB-C's labelling):

    z[k, r, i, v] >= 0,  sum_r z[k, r, i, v] = q[k, i] m[i, j, v],  q >= 0,  sum_i q[k, i] <= 1
    obedience of c_k in every segment (k, r, i); w[k, r, i, l] >= best profit of cost c_l != c_k in it;
    IC, IR against pi0_j; max sum_k g_k tau_k.

PC-T (the price-controlling broker with targeting): x[k, i, v] in [0, q[k, i] m[i, j, v]] buy at their values,
producer c_l reporting k gets sum_{i, v} x[k, i, v] (v - c_l) - tau_k; IC, IR; max sum_k g_k tau_k.

Theorem 10: consumer surplus is 0 under every optimal DB-T mechanism (`max_surplus_on_the_optimal_face`).
Theorem 11: with groups ordered pointwise and phi <= min(p0 of every group, p0 of D0^j), DB-T and PC-T are
outcome-equivalent; on finite grids it is checked (revenue and the optimal quantity) and, like Theorem 7
([spec §A.6](yang.md#spec-a6), Y-B8), not asserted in general.
"""

from __future__ import annotations

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ...builders import best_response_bound, family, obedience, participation, supply_limit, truthful
from ...builders.algebra import report_utility
from ...core import validate as pr
from ...core.model import Model
from ...core.tolerances import LEX_SLACK
from .economy import DataBroker


class TargetingBroker:
    """[Y] Sec. 6.3. values: the grid V (N); group_probs: (I, J, N), m[i, j] the distribution of group i's values
    for product j; costs, cost_probs: one grid and prior per producer (lists of J arrays)."""

    def __init__(self, values, group_probs, costs, cost_probs):
        m = np.asarray(group_probs, dtype=float)
        values = pr.increasing("values", values, nonneg=True)
        if m.ndim != 3 or m.shape[2] != values.size:
            raise pr.InputError(f"group_probs: expected shape (groups, producers, {values.size}), got {m.shape}")
        if not np.isfinite(m).all() or (m < 0).any() or not np.allclose(m.sum(axis=2), 1.0):
            raise pr.InputError("group_probs: every m[i, j] must be a probability vector over the values")
        self.n_groups, self.n_producers = m.shape[:2]
        if len(costs) != self.n_producers or len(cost_probs) != self.n_producers:
            raise pr.InputError(f"costs, cost_probs: one grid and one prior per producer ({self.n_producers})")
        self.values, self.group_probs = values, m
        #: producer j's market without targeting: D0^j = (1/I) sum_i D0^{ij}, as a DataBroker
        self.markets = [DataBroker(values, m[:, j].mean(axis=0), costs[j], cost_probs[j])
                        for j in range(self.n_producers)]

    def _producer(self, j) -> int:
        if isinstance(j, bool) or not isinstance(j, int | np.integer) or not 0 <= j < self.n_producers:
            raise pr.InputError(f"j: a producer 0..{self.n_producers - 1}, got {j!r}")
        return int(j)

    def mechanism_problem(self, j: int) -> Model:
        """DB-T for producer j (module docstring)."""
        mk = self.markets[self._producer(j)]
        K, N, n_groups = mk.n_costs, mk.n_values, self.n_groups
        seg_k, seg_r = mk._segments
        S = seg_k.size
        rows = pd.MultiIndex.from_arrays([np.repeat(np.asarray(mk.cost_index)[seg_k], n_groups),
                                          np.repeat(mk.prices[seg_r], n_groups), np.tile(np.arange(n_groups), S)],
                                         names=["report", "recommendation", "group"])
        model = Model("DB-T", sense="max", units="broker revenue",
                      description=f"Yang's data broker with targeting, producer {j}")
        z = model.variable("z", (S * n_groups, N), index=(rows, mk.value_index), nonneg=True)
        groups = pd.Index(np.arange(n_groups), name="group")
        q = model.variable("q", (K, n_groups), index=(mk.cost_index, groups), nonneg=True)
        model.constrain("audience", supply_limit(cp.sum(q, axis=1), 1.0, mk.cost_index,
                                                 description="at most a unit mass sees the product ([Y] fn. 21)"))
        # the joint measure (recommendation r) x (report k, group i, value v)
        row_s, row_i = np.repeat(np.arange(S), n_groups), np.tile(np.arange(n_groups), S)
        flat_row, v = np.repeat(np.arange(S * n_groups), N), np.tile(np.arange(N), S * n_groups)
        col = (seg_k[row_s[flat_row]] * n_groups + row_i[flat_row]) * N + v
        E = sp.csr_matrix((np.ones(flat_row.size), (seg_r[row_s[flat_row]] * K * n_groups * N + col,
                                                    flat_row * N + v)), shape=((N + 1) * K * n_groups * N, z.size))
        M = cp.reshape(E @ cp.vec(z, order="C"), (N + 1, K * n_groups * N), order="C")
        exposed = cp.reshape(cp.vec(q, order="C"), (K * n_groups, 1), order="C")
        share = np.tile(self.group_probs[:, j, :], (K, 1))  # (K I, N): m[i, j, v] per (k, i)
        model.constrain("segmentation", family(cp.reshape(cp.sum(M, axis=0), (K * n_groups, N), order="C")
                                               - cp.multiply(exposed @ np.ones((1, N)), share), "==", 0.0,
                                               None, "sum_r z[k, r, i, v] = q[k, i] m[i, j, v]"))
        pay = np.repeat(np.transpose(mk.payoff, (1, 0, 2)), n_groups, axis=1).reshape(N + 1, K * n_groups * N)
        model.constrain("obedience", obedience(M, pay, pd.Index(mk.prices, name="recommendation"),
                                               groups=np.repeat(np.arange(K * n_groups), N),
                                               description="the truthful cost obeys its recommendation"))
        t_s, t_l = np.nonzero(np.repeat(seg_k, n_groups)[:, None] != np.arange(K)[None, :])
        w_index = pd.MultiIndex.from_arrays([*(rows.get_level_values(n)[t_s] for n in range(3)),
                                             np.asarray(mk.cost_index)[t_l]],
                                            names=["report", "recommendation", "group", "deviator"])
        w = model.variable("w", t_s.size, index=w_index, nonneg=True)
        model.constrain("deviation", best_response_bound(w, z, t_s, t_l, mk.payoff[:, :N, :], index=w_index,
                                                         actions=mk.value_index.rename("price")))
        tau = model.variable("tau", K, index=mk.cost_index)
        profit = np.repeat(mk.payoff[seg_k, seg_r, :], n_groups, axis=0)  # (S I, N)
        own = sp.csr_matrix((np.ones(S * n_groups), (np.repeat(seg_k, n_groups), np.arange(S * n_groups))),
                            shape=(K, S * n_groups))
        truthful_profit = own @ cp.sum(cp.multiply(profit, z), axis=1)
        report_of = np.repeat(seg_k, n_groups)[t_s]
        diag = sp.csr_matrix((np.ones(K), (np.arange(K) * (K + 1), np.arange(K))), shape=(K * K, K))
        off = sp.csr_matrix((np.ones(t_s.size), (t_l * K + report_of, np.arange(t_s.size))), shape=(K * K, t_s.size))
        pays = sp.csr_matrix((np.ones(K * K), (np.arange(K * K), np.tile(np.arange(K), K))), shape=(K * K, K))
        U = cp.reshape(diag @ truthful_profit + off @ w - pays @ tau, (K, K), order="C")
        model.constrain("IC", truthful(U, mk.cost_index))
        model.constrain("IR", participation(U, mk.outside_option.to_numpy(), mk.cost_index))
        model.maximize(mk.cost_probs @ tau)
        _, gain, served = self._outcome_coefficients(j)
        model.output("consumer_surplus", lambda sol: mk.cost_probs @ (own @ (gain * sol["z"].to_numpy()).sum(axis=1)),
                     lazy=True)
        model.output("quantity", lambda sol: pd.Series(own @ (served * sol["z"].to_numpy()).sum(axis=1),
                                                       index=mk.cost_index, name="quantity"), lazy=True)
        return model

    def _outcome_coefficients(self, j: int) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        """(own[k, row]: the z row belongs to report k; gain[row, v] = (v - r)^+ and served[row, v] = 1[v >= r] at
        the row's recommendation r): report k's consumer surplus is own @ sum_v gain * z."""
        mk, n_groups = self.markets[j], self.n_groups
        seg_k, seg_r = mk._segments
        rows = seg_k.size * n_groups
        own = sp.csr_matrix((np.ones(rows), (np.repeat(seg_k, n_groups), np.arange(rows))), shape=(mk.n_costs, rows))
        price = mk.prices[seg_r]
        gain = np.repeat(np.maximum(mk.values[None, :] - price[:, None], 0.0), n_groups, axis=0)
        served = np.repeat(mk.values[None, :] >= price[:, None], n_groups, axis=0).astype(float)
        return own, gain, served

    def price_controlling_problem(self, j: int) -> Model:
        """PC-T for producer j (module docstring)."""
        mk = self.markets[self._producer(j)]
        K, N, n_groups = mk.n_costs, mk.n_values, self.n_groups
        groups = pd.Index(np.arange(n_groups), name="group")
        model = Model("PC-T", sense="max", units="broker revenue",
                      description=f"Yang's price-controlling broker with targeting, producer {j}")
        cols = pd.MultiIndex.from_product([groups, mk.value_index])
        x = model.variable("x", (K, n_groups * N), index=(mk.cost_index, cols), nonneg=True)
        q = model.variable("q", (K, n_groups), index=(mk.cost_index, groups), nonneg=True)
        model.constrain("audience", supply_limit(cp.sum(q, axis=1), 1.0, mk.cost_index,
                                                 description="at most a unit mass sees the product ([Y] fn. 21)"))
        # spread[i, (i', v)] = m[i, j, v] if i' = i: q @ spread is the exposed mass of every (group, value)
        spread = np.kron(np.eye(n_groups), np.ones((1, N))) * self.group_probs[:, j, :].reshape(1, n_groups * N)
        model.constrain("exposed", family(x - q @ spread, "<=", 0.0, None, "buyers are exposed consumers"))
        tau = model.variable("tau", K, index=mk.cost_index)
        alloc = x @ np.column_stack([np.tile(mk.values, n_groups), np.ones(n_groups * N)])  # (revenue, quantity)
        U = report_utility(np.column_stack([np.ones(K), -mk.costs]), alloc, tau)
        model.constrain("IC", truthful(U, mk.cost_index))
        model.constrain("IR", participation(U, mk.outside_option.to_numpy(), mk.cost_index))
        model.maximize(mk.cost_probs @ tau)
        model.output("quantity", lambda sol: pd.Series(sol["x"].to_numpy().sum(axis=1), index=mk.cost_index,
                                                       name="quantity"), lazy=True)
        return model

    def max_surplus_on_the_optimal_face(self, j: int, solver: str | None = None) -> tuple[float, float]:
        """(R*_j, the largest expected consumer surplus of product j among DB-T mechanisms with revenue
        >= R*_j - LEX_SLACK max(1, R*_j)), at the recommended prices (ties for the consumers: an upper bound)."""
        best = self.mechanism_problem(j).solve(solver).value
        face = self.mechanism_problem(j)
        own, gain, _ = self._outcome_coefficients(j)
        mk = self.markets[j]
        face.constrain("revenue floor", family(mk.cost_probs @ face.var("tau"), ">=",
                                               best - LEX_SLACK * max(1.0, abs(best)), None,
                                               "revenue at least the optimum"))
        face.maximize(mk.cost_probs @ (own @ cp.sum(cp.multiply(gain, face.var("z")), axis=1)))
        return float(best), float(face.solve(solver).value)

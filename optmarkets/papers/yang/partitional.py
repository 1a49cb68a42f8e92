"""[Y] Section 6.2: consumers keep private information (partitional characteristics), Theorems 8-9.

The broker sees a characteristic theta of every consumer, not the value: theta has mass beta0(theta), and the values
of theta's consumers are distributed as m^theta on an interval of values; the intervals of the characteristics
partition V (*partitional*). A segment is now a vector of characteristic masses y(theta); at price p it sells
sum_theta y(theta) D_theta(p), D_theta(p) = m^theta{v >= p} (the mixture demand). The broker's exact LP is
DB-C ([spec §A.2](yang.md#spec-a2)) with the value-sales matrix replaced by S[theta, p] = D_theta(p)
([spec §A.5](yang.md#spec-a5)(h)):

    z[k, r, theta] >= 0,  sum_r z[k, r, theta] = beta0(theta)                               [segmentation]
    sum_theta z[k, r, theta] (a_{c_k}(theta, r) - a_{c_k}(theta, p)) >= 0,                   [obedience]
    w[k, r, j] >= sum_theta z[k, r, theta] a_{c_j}(theta, p),                                [deviation]
    IC and IR as in DB-C, max sum_k g_k tau_k,

with a_c(theta, p) = (p - c) D_theta(p). Exactness is DB-C's argument (merging segments that share the truthful
recommendation keeps obedience, and a deviator's best profit is subadditive).

* Theorem 8: expected consumer surplus under every optimal mechanism is at most the surplus when theta is fully
  disclosed (each cost prices every characteristic separately, at its largest optimal price):
  `theta_disclosed_surplus` vs `max_surplus_on_the_optimal_face`.
* Theorem 9: the canonical phi-hat-quasi-perfect mechanism, eq. (11) -- every characteristic whose interval reaches
  the cutoff psi_k (u(theta) >= psi_k) tops one segment that pools all characteristics below the cutoff in their
  market proportions -- with psi_k = min(phi~_k, p-hat0(c_k)), p-hat0(c) the largest optimal price of cost c on
  the characteristic whose interval holds the uniform price p0(c) (footnote 20), and Lemma 1's transfers with
  every local downward IC binding and U_K = pi0(c_K) (`canonical_mechanism`, audited by `DataBroker.evaluate`).
  Departure for finitely many costs: as in the base model ([spec §A.6](yang.md#spec-a6)), the discrete ironed
  virtual costs replace phi_G and the paper's condition (phi - p-hat0 increasing, D0 regular) is not enough on
  a grid; `canonical_mechanism` is audited (IC, IR) and compared with the LP, never assumed optimal.
"""

from __future__ import annotations

from functools import cached_property

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ...builders import best_response_bound, consistency, family, obedience, participation, truthful
from ...core import validate as pr
from ...core.model import Model
from ...core.tolerances import LEX_SLACK, ROUNDOFF
from .economy import DataBroker


class PartitionalBroker:
    """Yang's data broker when the broker sees only a characteristic theta of each consumer ([Y] Sec. 6.2).

    values, value_probs: the market (v_1 < ... < v_N and their masses m); characteristic: theta's label of every
    value, nondecreasing (each characteristic's values form an interval: partitional); costs, cost_probs: as in
    `DataBroker`. beta0(theta) = sum of m over theta's values, m^theta(v) = m(v)/beta0(theta).
    """

    def __init__(self, values, value_probs, characteristic, costs, cost_probs):
        self.market = DataBroker(values, value_probs, costs, cost_probs)
        theta = np.asarray(characteristic)
        if theta.shape != (self.market.n_values,):
            raise pr.InputError(f"characteristic: one label per value ({self.market.n_values}), "
                                f"got shape {theta.shape}")
        code, order = pd.factorize(theta)  # codes in order of first appearance along the values
        if np.any(np.diff(code) < 0):
            raise pr.InputError("characteristic: each characteristic's values must be an interval of the values "
                                "(labels in value order, not interleaved): the environment must be partitional")
        self.code = code
        self.theta_index = pd.Index(np.asarray(order), name="characteristic")
        self.n_theta = order.size
        #: W[i, theta] = m^theta(v_i): the value distribution of each characteristic
        member = np.equal.outer(code, np.arange(self.n_theta)).astype(float)
        self.beta0 = member.T @ self.market.value_probs
        if np.any(self.beta0 <= 0):
            raise pr.InputError("value_probs: every characteristic needs positive mass")
        self.within = member * self.market.value_probs[:, None] / self.beta0[None, :]

    @cached_property
    def payoff(self) -> np.ndarray:
        """a[j, p, theta] = (p - c_j) D_theta(p), 0 at ⊥; shape (K, N + 1, T)."""
        return self.market.payoff @ self.within

    def to_values(self, segment) -> np.ndarray:
        """Characteristic masses y (S, T) -> the value masses y m^theta (S, N) of the same consumers."""
        return np.atleast_2d(np.asarray(segment, dtype=float)) @ self.within.T

    def mechanism_problem(self) -> Model:
        """The broker's exact LP over characteristic segments (module docstring)."""
        mk = self.market
        K, N, T = mk.n_costs, mk.n_values, self.n_theta
        seg_k, seg_r = mk._segments
        S = seg_k.size
        index = pd.MultiIndex.from_arrays([np.asarray(mk.cost_index)[seg_k], mk.prices[seg_r]],
                                          names=["report", "recommendation"])
        model = Model("DB-theta", sense="max", units="broker revenue",
                      description="Yang's data broker selling characteristic segments (Sec. 6.2)")
        z = model.variable("z", (S, T), index=(index, self.theta_index), nonneg=True)
        cols = pd.MultiIndex.from_product([mk.cost_index.rename("report"), self.theta_index])
        rows, t = np.repeat(np.arange(S), T), np.tile(np.arange(T), S)
        E = sp.csr_matrix((np.ones(S * T), (seg_r[rows] * K * T + seg_k[rows] * T + t, rows * T + t)),
                          shape=((N + 1) * K * T, S * T))
        M = cp.reshape(E @ cp.vec(z, order="C"), (N + 1, K * T), order="C")
        model.constrain("segmentation", consistency(M, np.tile(self.beta0, K), cols, axis=0))
        pay = np.transpose(self.payoff, (1, 0, 2)).reshape(N + 1, K * T)
        model.constrain("obedience", obedience(M, pay, pd.Index(mk.prices, name="recommendation"),
                                               groups=np.repeat(np.arange(K), T),
                                               group_index=mk.cost_index.rename("report"),
                                               description="the truthful cost obeys its recommendation"))
        t_s, t_j = np.nonzero(seg_k[:, None] != np.arange(K)[None, :])
        w_index = pd.MultiIndex.from_arrays([index.get_level_values(0)[t_s], index.get_level_values(1)[t_s],
                                             np.asarray(mk.cost_index)[t_j]],
                                            names=["report", "recommendation", "deviator"])
        w = model.variable("w", t_s.size, index=w_index, nonneg=True)
        model.constrain("deviation", best_response_bound(w, z, t_s, t_j, self.payoff[:, :N, :], index=w_index,
                                                         actions=mk.value_index.rename("price")))
        tau = model.variable("tau", K, index=mk.cost_index)
        profit = self.payoff[seg_k, seg_r, :]  # (S, T): the truthful cost's profit per unit of theta at r
        own = sp.csr_matrix((np.ones(S), (seg_k, np.arange(S))), shape=(K, S))
        truthful_profit = own @ cp.sum(cp.multiply(profit, z), axis=1)
        diag = sp.csr_matrix((np.ones(K), (np.arange(K) * (K + 1), np.arange(K))), shape=(K * K, K))
        off = sp.csr_matrix((np.ones(t_s.size), (t_j * K + seg_k[t_s], np.arange(t_s.size))), shape=(K * K, t_s.size))
        pays = sp.csr_matrix((np.ones(K * K), (np.arange(K * K), np.tile(np.arange(K), K))), shape=(K * K, K))
        U = cp.reshape(diag @ truthful_profit + off @ w - pays @ tau, (K, K), order="C")
        model.constrain("IC", truthful(U, mk.cost_index))
        model.constrain("IR", participation(U, mk.outside_option.to_numpy(), mk.cost_index))
        model.maximize(mk.cost_probs @ tau)
        own, gain = self._surplus_coefficients()
        model.output("consumer_surplus", lambda sol: float(mk.cost_probs @ (own @ (gain * sol["z"].to_numpy()).sum(
            axis=1))), lazy=True)
        return model

    def _surplus_coefficients(self) -> tuple[sp.csr_matrix, np.ndarray]:
        """(own[k, s]: segment s belongs to report k, gain[s, theta] = E[(v - r_s)^+ | theta]): the truthful
        consumer surplus of report k is own @ sum_theta gain * z."""
        mk = self.market
        seg_k, seg_r = mk._segments
        own = sp.csr_matrix((np.ones(seg_k.size), (seg_k, np.arange(seg_k.size))), shape=(mk.n_costs, seg_k.size))
        gain = np.maximum(mk.values[None, :] - mk.prices[seg_r][:, None], 0.0) @ self.within
        return own, gain

    def segments(self, sol) -> list[np.ndarray]:
        """The value-mass segments (one array per report) of a `mechanism_problem` solution."""
        z, seg_k = sol["z"].to_numpy(), self.market._segments[0]
        z = np.maximum(z, 0.0)  # solver round-off
        return [self.to_values(z[(seg_k == k) & (z.sum(axis=1) > ROUNDOFF)]) for k in range(self.market.n_costs)]

    def max_surplus_on_the_optimal_face(self, solver: str | None = None) -> dict[str, float]:
        """Consumer surplus over the optimal mechanisms: R* and the largest expected surplus among mechanisms with
        revenue >= R* - LEX_SLACK max(1, R*), at the LP's recommended prices ("recommended": ties broken for the
        consumers) and that mechanism re-priced by every cost at its largest optimal price ("largest price",
        [Y]'s footnote 8 convention; the same payoffs, so still optimal)."""
        best = self.mechanism_problem().solve(solver).value
        own, gain = self._surplus_coefficients()
        face = self.mechanism_problem()
        revenue = self.market.cost_probs @ face.var("tau")
        face.constrain("revenue floor", family(revenue, ">=", best - LEX_SLACK * max(1.0, abs(best)), None,
                                               "revenue at least the optimum"))
        face.maximize(self.market.cost_probs @ (own @ cp.sum(cp.multiply(gain, face.var("z")), axis=1)))
        sol = face.solve(solver)
        audit = self.market.evaluate(self.segments(sol), sol["tau"].to_numpy())
        return {"revenue": float(best), "recommended": float(sol.value),
                "largest price": float(self.market.cost_probs @ audit.consumer_surplus.to_numpy())}

    def theta_disclosed_surplus(self) -> float:
        """Expected consumer surplus when theta is disclosed: cost c_k prices each characteristic at its largest
        optimal price (Theorem 8's benchmark)."""
        blocks = self.to_values(np.diag(self.beta0))
        audit = self.market.evaluate([blocks] * self.market.n_costs, np.zeros(self.market.n_costs))
        return float(self.market.cost_probs @ audit.consumer_surplus.to_numpy())

    def p_hat0(self) -> np.ndarray:
        """Footnote 20: the largest optimal price of c on the characteristic theta_p whose interval (l, u] holds
        p = p0(c) (the lowest characteristic when p0(c) is its bottom value)."""
        mk = self.market
        p0 = mk.uniform_pricing()["price"].to_numpy()
        out = np.full(mk.n_costs, np.inf)
        for k, p in enumerate(p0):
            if np.isinf(p):
                continue
            theta = self.code[np.flatnonzero(mk.values == p)[0]]
            block = self.to_values(np.eye(self.n_theta)[theta])
            out[k] = mk.best_prices(block)[1][0, k]
        return out

    def cutoffs(self) -> np.ndarray:
        """psi_k = min(phi~_k, p-hat0(c_k)) (Theorem 9's phi-hat)."""
        return np.minimum(self.market.ironed_virtual_costs().to_numpy(), self.p_hat0())

    def canonical_mechanism(self, psi=None, pool_straddling: bool = False) -> tuple[list[np.ndarray], pd.Series]:
        """A canonical psi-quasi-perfect mechanism (default psi: `cutoffs`), value-mass segments and Lemma 1's
        transfers (local downward IC binding, U_K = pi0(c_K)). For report k the characteristics whose interval lies
        below the cutoff (u(theta) < psi_k) are pooled, in their market proportions, with every "top"
        characteristic, one top per segment holding all of it: eq. (11), the tops being the characteristics with
        u(theta) >= psi_k; with pool_straddling=True, eq. (12)-(13): the characteristic whose interval straddles
        the cutoff (l(theta) < psi_k <= u(theta)) is pooled with the low ones instead, the tops being those with
        l(theta) >= psi_k. [Y] Theorem 9 asserts one of them is optimal."""
        from .claims_quasi_perfect import envelope_transfers

        mk = self.market
        psi = self.cutoffs() if psi is None else pr.as_vector("psi", psi, length=mk.n_costs)
        low = np.array([mk.values[self.code == t].min() for t in range(self.n_theta)])  # l(theta)
        high = np.array([mk.values[self.code == t].max() for t in range(self.n_theta)])  # u(theta)
        scheme = []
        for k in range(mk.n_costs):
            top = (low >= psi[k] - ROUNDOFF) if pool_straddling else (high >= psi[k] - ROUNDOFF)
            mass = float(self.beta0[top].sum())
            if mass <= ROUNDOFF:
                scheme.append(self.to_values(self.beta0))
                continue
            seg = np.outer(self.beta0 * top, np.where(top, 0.0, self.beta0)) / mass + np.diag(self.beta0 * top)
            scheme.append(self.to_values(seg[top]))
        return scheme, envelope_transfers(mk, scheme)

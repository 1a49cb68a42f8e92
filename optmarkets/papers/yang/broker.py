"""Yang (2020), "Selling Consumer Data for Profit: Optimal Market-Segmentation Design and Its Consequences".

A producer with a private marginal cost c in C = {c_1 < ... < c_K} (prior g) sells one good to a unit
mass of consumers with values V = {v_1 < ... < v_N} (masses m). A data broker sells market
segmentations: the producer reports k, pays tau_k, receives a segmentation sigma(k) of the market and
then prices optimally in every segment *given her true cost*. Prices P = V u {⊥}; ⊥ (label +inf) sells
nothing. a_c(v, p) = (p - c) 1[v >= p] is the profit per unit of value-v consumers at price p.

The broker's problem as an exact finite LP (spec §A.2, "DB-C"). Segments of sigma(k) are labelled by
the price r in R_k = {v >= c_k} u {⊥} recommended to the truthful cost; z[k, r, i] >= 0 is the mass of
value-v_i consumers in segment (k, r); w[k, r, j] >= 0 bounds the best profit of a deviating cost c_j
in that segment; tau_k is free:

    max  sum_k g_k tau_k
    s.t. sum_r z[k, r, i] = m_i                                             [segmentation (k, i)]
         sum_i z[k, r, i] (a_{c_k}(v_i, r) - a_{c_k}(v_i, p)) >= 0   all p  [obedience (k, r, p)]
         w[k, r, j] >= sum_i z[k, r, i] a_{c_j}(v_i, p)        j != k, p in V [deviation (k, r, j, p)]
         U[j, j] >= U[j, k]                                          j != k  [IC (j, k)]
         U[k, k] >= pi0(c_k)                                                [IR (k)]

with U[k, k] = Pi_{k|k} - tau_k = sum_{r, i} z[k, r, i] a_{c_k}(v_i, r) - tau_k and, for j != k,
U[j, k] = sum_r w[k, r, j] - tau_k. pi0(c) is the uniform-pricing profit. The value equals the
supremum over *all* incentive-feasible mechanisms (spec Theorem A1: merging the segments of sigma(k)
that share the truthful cost's largest optimal price keeps obedience, lowers every deviator's profit
by subadditivity, and keeps the revenue). By default the deviation rows are cut to the prices a
deviator can use: argmax_p (p - c) D(p) rises with c in the strong set order (Topkis, spec §A.3), and
r is optimal for c_k, so a cost above c_k has a best price >= r and one below a best price <= r. Same
value, about a third fewer rows (`reduced=False` gives every row of spec §A.2). The profile LP
(spec §A.3, "DB-P") labels segments by a monotone profile of recommendations, one per cost, and is
kept as a small-instance cross-check.

Prices (d revenue / d right-hand side, spec §A.4): `prices["IR"][k] = -mu_k` and
`prices["IC"][(j, k)] = -lambda_jk` (<= 0: tightening a constraint costs revenue); stationarity in the
free tau_k gives the rent-flow identity g_k + sum_j lambda_jk = sum_j lambda_kj + mu_k (so sum mu = 1),
see `DataBroker.rent_flow`. `prices["segmentation"][(k, i)]` is the marginal revenue of one more unit
of value-v_i consumers available to report k's segmentation.

Departures from the paper, all for finite instances (spec §A.6):
* [Y]'s cutoff formula (Theorems 1-2, Prop 2: cutoff min(phi_G(c), p0(c)) and its revenue) is exact
  only in the continuum. Transplanted to discrete costs it is wrong in general (spec Y-B4; values
  {1,2,3}, costs {1/4, 5/4}: formula 5/12, true optimum 37/96, and the cost-5/4 producer serves 3/4 of
  the v=2 consumers: a fractional cutoff). `continuum_cutoff_revenue` returns that formula under that
  name only, for comparison; the optimum is always the LP. Its discrete replacement in quantity space
  (spec Y-B5, `discrete_cutoff_mechanism`: the quantity is the *average* uniform quantity over
  (c_{k-1}, c_k], generally fractional) is exact for K = 2 and under (A1d) only. The statements that *are* exact
  are the ironed bound `revenue_bound` (R_DB <= R_PC <= bound), attained under (A1d) by the PC LP and
  under (A1d') by the broker (`satisfies_A1d`, `satisfies_A1d_prime`, with the discrete ironed
  virtual costs of spec §A.1 instead of [Y]'s phi_G).
* The canonical mechanism of [Y] eq. (2)-(3) (`canonical_mechanism`) uses the cutoff phi~_k with the
  atom at the cutoff served; it is optimal when D0 is regular and (A1d') holds, not in general.
* Theorem 7 (R_DB = R_PC) is a conjecture for finite instances (spec Y-B8): the regimes table reports
  both values and nothing asserts their equality.
* A cost above every value is a valid input: that producer never trades (R_k = {⊥}).
  Values of zero mass are allowed; their recommendation kernel is reported as a point mass on ⊥.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import cvxpy as cp
import numpy as np
import pandas as pd
import scipy.sparse as sp

from ...core import validate as pr
from ...builders import (best_response_bound, consistency, family, obedience, participation,
                        report_utility, supply_limit, truthful)
from ...core.reference import Check, Examples
from ...core.model import Model
from ...core.solution import Solution

EXAMPLES = Examples()  # this paper's code-defined reproduce examples

NO_SALE = np.inf  # the label of ⊥, the no-sale price (+inf: it sells nothing)
TIE = 1e-9  # relative tolerance for "an optimal price" in the brute-force evaluator


@dataclass
class MechanismAudit:
    """A mechanism re-evaluated by brute force: every cost re-optimises in every explicit segment.

    gross[k, j]: best gross profit of true cost c_j under report k's segmentation (rows: report);
    utility[j, k] = gross[k, j] - tau_k (rows: true cost); the truthful outcome (served mass,
    consumer surplus) is at the truthful cost's *largest* optimal price, [Y]'s convention.
    """

    gross: pd.DataFrame
    utility: pd.DataFrame
    transfer: pd.Series
    revenue: float
    ic_violation: float
    ir_violation: float
    mass_error: float
    served: pd.DataFrame
    consumer_surplus: pd.Series

    def ok(self, tol: float = 1e-7) -> bool:
        return max(self.ic_violation, self.ir_violation, self.mass_error) <= tol


class DataBroker:
    """Yang's data-broker economy: consumer values and masses, producer costs and their prior.

    values: v_1 < ... < v_N (>= 0); value_probs: their masses m (a probability vector; zero masses
    allowed); costs: c_1 < ... < c_K (>= 0); cost_probs: the prior g (strictly positive).
    """

    def __init__(self, values, value_probs, costs, cost_probs):
        self.values = pr.increasing("values", values, nonneg=True)
        self.value_probs = pr.probabilities("value_probs", value_probs, length=self.values.size)
        self.costs = pr.increasing("costs", costs, nonneg=True)
        self.cost_probs = pr.probabilities("cost_probs", cost_probs, length=self.costs.size, strict=True)
        self.N, self.K = self.values.size, self.costs.size
        self.value_index = pr.labels("value", self.values)
        self.cost_index = pr.labels("cost", self.costs)
        #: P = V u {⊥}, the candidate prices (⊥ labelled +inf)
        self.prices = np.append(self.values, NO_SALE)

    @classmethod
    def discretized_example1(cls, n: int) -> DataBroker:
        """[Y] Example 1 (D0(p) = 1 - p, G(c) = c on [0, 1]) on the midpoint grid (i - 1/2)/n, masses 1/n."""
        grid = (np.arange(1, n + 1) - 0.5) / n
        return cls(grid, np.full(n, 1 / n), grid, np.full(n, 1 / n))

    def __repr__(self) -> str:
        return (f"DataBroker(values={self.values.tolist()}, value_probs={self.value_probs.tolist()}, "
                f"costs={self.costs.tolist()}, cost_probs={self.cost_probs.tolist()})")

    # ------------------------------------------------------------ primitives (spec §A.1)
    @cached_property
    def sales(self) -> np.ndarray:
        """S[i, p] = 1[v_i >= p] for p in P (the ⊥ column is 0)."""
        return np.column_stack([self.values[:, None] >= self.values[None, :], np.zeros(self.N, bool)]).astype(float)

    @cached_property
    def payoff(self) -> np.ndarray:
        """pay[j, p, i] = a_{c_j}(v_i, p) = (p - c_j) S(v_i, p), 0 at ⊥; shape (K, N + 1, N)."""
        margin = np.append(self.values, 0.0)[None, :] - self.costs[:, None]  # (K, P)
        margin[:, -1] = 0.0
        return margin[:, :, None] * self.sales.T[None, :, :]

    @cached_property
    def demand(self) -> np.ndarray:
        """D0(p) = sum_{v >= p} m(v) for p in V."""
        return self.sales[:, : self.N].T @ self.value_probs

    def best_prices(self, z) -> tuple[np.ndarray, np.ndarray]:
        """For segments z (S, N): best profit pi_z(c_j) (S, K) and the largest optimal price (S, K)."""
        z = np.atleast_2d(np.asarray(z, dtype=float))
        profit = np.einsum("si,jpi->sjp", z, self.payoff)  # (S, K, P); ⊥ earns 0
        best = profit.max(axis=2)
        scale = max(1.0, float(np.abs(self.values).max())) * np.maximum(z.sum(axis=1, keepdims=True), 1e-300)
        optimal = profit >= best[:, :, None] - TIE * scale[:, :, None]
        # largest optimal price; ⊥ (the last price) whenever the best profit is 0 ([Y] footnote 8)
        last = self.N - np.argmax(optimal[:, :, ::-1], axis=2)
        return best, np.where(best <= TIE * scale, NO_SALE, self.prices[np.minimum(last, self.N)])

    @cached_property
    def _uniform(self) -> tuple[np.ndarray, np.ndarray]:
        best, price = self.best_prices(self.value_probs)
        return best[0], price[0]

    @property
    def outside_option(self) -> pd.Series:
        """pi0(c) = max(0, max_p (p - c) D0(p)): the uniform-pricing profit (the IR benchmark)."""
        return pd.Series(self._uniform[0], index=self.cost_index, name="pi0")

    def uniform_pricing(self) -> pd.DataFrame:
        """Per cost: largest optimal uniform price p0, profit pi0, CS_unif, TS_unif and W (spec §A.1)."""
        p0 = self._uniform[1]
        above = self.values[None, :] >= p0[:, None]
        cs = (above * (self.values[None, :] - np.where(np.isinf(p0), 0, p0)[:, None])) @ self.value_probs
        ts = (above * (self.values[None, :] - self.costs[:, None])) @ self.value_probs
        return pd.DataFrame({"price": p0, "profit": self._uniform[0], "consumer_surplus": cs,
                             "total_surplus": ts, "efficient_surplus": self.efficient_surplus},
                            index=self.cost_index)

    @property
    def efficient_surplus(self) -> np.ndarray:
        """W(c) = sum_v m(v) (v - c)^+."""
        return np.maximum(self.values[None, :] - self.costs[:, None], 0.0) @ self.value_probs

    # ------------------------------------------------------------ closed forms (spec §A.1, §A.6)
    def virtual_costs(self) -> pd.Series:
        """phi_1 = c_1, phi_k = c_k + (c_k - c_{k-1}) G_{k-1} / g_k (discrete virtual cost)."""
        G = np.cumsum(self.cost_probs)
        phi = self.costs.copy()
        phi[1:] += np.diff(self.costs) * G[:-1] / self.cost_probs[1:]
        return pd.Series(phi, index=self.cost_index, name="phi")

    def ironed_virtual_costs(self) -> pd.Series:
        """phi~_k: slopes of the greatest convex minorant of (G_k, H_k), H_k = sum_{j<=k} g_j phi_j."""
        x = np.concatenate([[0.0], np.cumsum(self.cost_probs)])
        y = np.concatenate([[0.0], np.cumsum(self.cost_probs * self.virtual_costs().to_numpy())])
        hull = [0]
        for k in range(1, x.size):  # lower hull, left to right
            while len(hull) >= 2:
                a, b = hull[-2], hull[-1]
                if (y[b] - y[a]) * (x[k] - x[a]) >= (y[k] - y[a]) * (x[b] - x[a]):
                    hull.pop()
                else:
                    break
            hull.append(k)
        minorant = np.interp(x, x[hull], y[hull])
        return pd.Series(np.diff(minorant) / np.diff(x), index=self.cost_index, name="phi_ironed")

    def revenue_bound(self, ironed: bool = True) -> float:
        """R_bar = sum_k g_k sum_v m(v) (v - phi~_k)^+ - pi0(c_K) >= R_PC >= R_DB (spec Y-B1)."""
        phi = (self.ironed_virtual_costs() if ironed else self.virtual_costs()).to_numpy()
        gains = np.maximum(self.values[None, :] - phi[:, None], 0.0) @ self.value_probs
        return float(self.cost_probs @ gains - self._uniform[0][-1])

    def cutoff_quantities(self) -> pd.Series:
        """q*_k = D0(phi~_k): the served quantity of the ironed relaxation (atom at phi~_k included)."""
        phi = self.ironed_virtual_costs().to_numpy()
        q = (self.values[None, :] >= phi[:, None] - 1e-12) @ self.value_probs
        return pd.Series(q, index=self.cost_index, name="q_star")

    def _relaxed_utilities(self) -> np.ndarray:
        """U_K = pi0(c_K), U_k = U_{k+1} + (c_{k+1} - c_k) q*_{k+1}: local downward IC binding."""
        q = self.cutoff_quantities().to_numpy()
        steps = np.append(np.diff(self.costs) * q[1:], 0.0)
        return self._uniform[0][-1] + np.cumsum(steps[::-1])[::-1]

    def satisfies_A1d(self, tol: float = 1e-12) -> bool:
        """(A1d): the relaxed solution of the bound is IR, U_k >= pi0(c_k); then R_PC = R_bar (Y-B2)."""
        return bool(np.all(self._relaxed_utilities() >= self._uniform[0] - tol))

    def satisfies_A1d_prime(self, tol: float = 1e-12) -> bool:
        """(A1d'): phi~_1 <= p0(c_1) and phi~_k <= p0(c_{k-1}); then R_DB = R_PC = R_bar (Y-B3)."""
        phi = self.ironed_virtual_costs().to_numpy()
        p0 = self._uniform[1]
        return bool(phi[0] <= p0[0] + tol and np.all(phi[1:] <= p0[:-1] + tol))

    def is_regular(self) -> bool:
        """(p - c) D0(p) is single-peaked over the values (on the support of D0) for every cost."""
        support = self.value_probs > 0
        profit = (self.values[None, support] - self.costs[:, None]) * self.demand[None, support]
        steps = np.sign(np.round(np.diff(profit, axis=1), 12))
        rising_after_fall = [(s == 1)[np.argmax(s == -1):].any() if (s == -1).any() else False for s in steps]
        return not any(rising_after_fall)

    def continuum_cutoff_revenue(self) -> float:
        """[Y]'s continuum formula transplanted verbatim (spec Y-B4) -- NOT the optimum for discrete costs.

        Cutoff psi_k = min(phi~_k, p0(c_k)) and R* = sum_k g_k sum_{v >= psi_k} (v - phi_k) m(v) - pi0(c_K).
        It equals the optimum under (A1d') and converges to it as the grids get finer; elsewhere it can
        be above the true optimum (values {1,2,3}, costs {1/4, 5/4}: 5/12 > 37/96). Use `solve()`.
        """
        psi = np.minimum(self.ironed_virtual_costs().to_numpy(), self._uniform[1])
        phi = self.virtual_costs().to_numpy()
        served = self.values[None, :] >= psi[:, None] - 1e-12
        gains = (served * (self.values[None, :] - phi[:, None])) @ self.value_probs
        return float(self.cost_probs @ gains - self._uniform[0][-1])

    def top_revenue(self, q) -> np.ndarray:
        """R_bar(q): revenue from selling to the top-q mass of consumers at their values (concave)."""
        q = np.atleast_1d(np.asarray(q, dtype=float))
        m, v = self.value_probs[::-1], self.values[::-1]
        above = np.concatenate([[0.0], np.cumsum(m)])  # mass of the top values
        rev = np.concatenate([[0.0], np.cumsum(m * v)])
        j = np.clip(np.searchsorted(above, q, side="right") - 1, 0, self.N - 1)
        return rev[j] + (q - above[j]) * v[j]

    def discrete_cutoff_mechanism(self) -> pd.DataFrame:
        """Spec Y-B5: the quantity-space replacement for [Y]'s cutoff, q_1 = D0(phi~_1),
        q_k = min(max(D0(phi~_k), s_k), D0(c_k)) with s_k = (pi0(c_{k-1}) - pi0(c_k)) / (c_k - c_{k-1}),
        consumers served at their values (gross R_bar(q_k) - c_k q_k) and U from the recursion
        U_K = pi0(c_K), U_k = max(pi0(c_k), U_{k+1} + (c_{k+1} - c_k) q_{k+1}). Exact for K = 2 and
        under (A1d); for K >= 3 without (A1d) it can miss the optimum (spec: 24 of 374 random
        instances, error <= 0.005). The optimum is the LP.
        """
        pi0, c = self._uniform[0], self.costs
        q = self.cutoff_quantities().to_numpy().copy()
        own = (self.values[None, :] >= c[:, None]) @ self.value_probs  # D0(c_k)
        s = -np.diff(pi0) / np.diff(c)
        q[1:] = np.minimum(np.maximum(q[1:], s), own[1:])
        U = pi0.copy()
        for k in range(self.K - 2, -1, -1):  # local downward IC or IR, whichever binds
            U[k] = max(pi0[k], U[k + 1] + (c[k + 1] - c[k]) * q[k + 1])
        gross = self.top_revenue(q) - c * q
        return pd.DataFrame({"quantity": q, "gross_profit": gross, "producer_profit": U, "transfer": gross - U},
                            index=self.cost_index)

    def canonical_mechanism(self) -> tuple[list[np.ndarray], pd.Series]:
        """[Y] eq. (2)-(3) with cutoff psi_k = phi~_k: one segment per value v >= psi_k holding all of
        m(v) and a share m(v)/D0(psi_k) of every value below the cutoff; transfers from the binding local
        downward IC with U_K = pi0(c_K). Optimal for regular D0 under (A1d'); audit it with `evaluate`.
        """
        phi = self.ironed_virtual_costs().to_numpy()
        m, segments, gross = self.value_probs, [], np.zeros(self.K)
        for k in range(self.K):
            high = self.values >= phi[k] - 1e-12
            top = float(m[high].sum())
            if top <= 0:  # nothing above the cutoff: no information, no sale
                segments.append(m[None, :].copy())
                continue
            seg = np.outer(m * high, np.where(high, 0.0, m)) / top + np.diag(m * high)
            segments.append(seg[high])
            gross[k] = float(m[high] @ (self.values[high] - self.costs[k]))
        return segments, pd.Series(gross - self._relaxed_utilities(), index=self.cost_index, name="transfer")

    # ------------------------------------------------------------ other regimes (spec §A.5)
    def vertical_integration(self) -> float:
        """Profit (= total surplus, CS = 0) of the merged broker-producer: sum_k g_k W(c_k)."""
        return float(self.cost_probs @ self.efficient_surplus)

    def direct_acquisition(self) -> tuple[float, float]:
        """(revenue, offer t): max_t sum_{k: pi0(c_k) <= t} g_k (W(c_k) - t), t in {pi0(c_k)}."""
        pi0, W, g = self._uniform[0], self.efficient_surplus, self.cost_probs
        values = [(g[pi0 <= t + 1e-12] @ (W - t)[pi0 <= t + 1e-12], t) for t in pi0]
        return max([(0.0, 0.0)] + [(float(v), float(t)) for v, t in values])

    def value_revealing_alone(self) -> tuple[float, float]:
        """(revenue, price): value-revealing data sold alone, max_tau tau * G{k: W(c_k) - pi0(c_k) >= tau}."""
        gain, g = self.efficient_surplus - self._uniform[0], self.cost_probs
        return max([(0.0, 0.0)] + [(float(t * g[gain >= t - 1e-12].sum()), float(t)) for t in gain])

    def regimes(self, solver: str | None = None) -> pd.DataFrame:
        """Expected broker revenue, producer profit, consumer and total surplus under every regime."""
        g, unif = self.cost_probs, self.uniform_pricing()
        pi0, cs0, W = unif["profit"].to_numpy(), unif["consumer_surplus"].to_numpy(), self.efficient_surplus
        rows = {"uniform pricing": (0.0, g @ pi0, g @ cs0)}
        db = self.solve(solver)
        rows["data broker"] = tuple(db["welfare"][["revenue", "producer_profit", "consumer_surplus"]])
        for name, model in (("price-controlling broker", self.price_controlling()),
                            ("exclusive retail", self.exclusive_retail())):
            sol = model.solve(solver)
            rows[name] = (sol.value, g @ sol["producer_profit"].to_numpy(), 0.0)
        # Thm 5: the broker buys the data from the consumers ex ante at E[CS_unif] (Pareto iff R_DB >= it)
        rows["data ownership"] = (rows["data broker"][0] - g @ cs0, rows["data broker"][1], g @ cs0)
        rows["vertical integration"] = (self.vertical_integration(), 0.0, 0.0)
        rev, t = self.direct_acquisition()
        sold = pi0 <= t + 1e-12 if rev > 0 else np.zeros(self.K, bool)
        rows["direct acquisition"] = (rev, g @ np.where(sold, t, pi0), g @ np.where(sold, 0.0, cs0))
        rev, tau = self.value_revealing_alone()
        sold = W - pi0 >= tau - 1e-12 if rev > 0 else np.zeros(self.K, bool)
        rows["value-revealing data alone"] = (rev, g @ np.where(sold, W - tau, pi0), g @ np.where(sold, 0.0, cs0))
        out = pd.DataFrame(rows, index=["revenue", "producer_profit", "consumer_surplus"]).T.astype(float)
        out["total_surplus"] = out.sum(axis=1)
        out.index.name = "regime"
        return out

    # ------------------------------------------------------------ DB-C (spec §A.2)
    @cached_property
    def _segments(self) -> tuple[np.ndarray, np.ndarray]:
        """(report k, recommended price index r) of every segment, r in R_k = {v >= c_k} u {⊥}."""
        k, r = [], []
        for j, c in enumerate(self.costs):
            rec = np.append(np.flatnonzero(self.values >= c), self.N)
            k += [j] * rec.size
            r += rec.tolist()
        return np.array(k), np.array(r)

    @cached_property
    def _segment_index(self) -> pd.MultiIndex:
        k, r = self._segments
        return pd.MultiIndex.from_arrays([np.asarray(self.cost_index)[k], self.prices[r]],
                                         names=["report", "recommendation"])

    def _truthful_coefficients(self) -> dict[str, np.ndarray]:
        """Per (segment, value): truthful profit, served indicator and consumer surplus at r."""
        k, r = self._segments
        price = self.prices[r]
        served = self.values[None, :] >= price[:, None]
        return {"profit": self.payoff[k, r, :], "served": served.astype(float),
                "cs": served * (self.values[None, :] - np.where(np.isinf(price), 0, price)[:, None])}

    def mechanism_problem(self, outside=None, *, reduced: bool = True, objective: str = "revenue",
                          floor: float | None = None) -> Model:
        """The compact exact LP DB-C. outside: IR benchmark per cost (default pi0), a Parameter.

        reduced: keep only the deviation rows a deviator's best price can use (higher costs price at
        or above the truthful recommendation r, lower costs at or below it; Topkis, spec §A.3) --
        the same optimal value with about half the rows; reduced=False is spec §A.2 verbatim.

        objective/floor are for exploring the optimal face: with floor = R*, objective
        "consumer_surplus" (max E[CS]) or "quantity:<k>" (the served quantity of report k).
        """
        N, K = self.N, self.K
        seg_k, seg_r = self._segments
        S = seg_k.size
        model = Model("DB-C", sense="max", units="broker revenue",
                      description="Yang's data broker: the compact exact mechanism LP")
        out = model.parameter("outside", self.outside_option.to_numpy() if outside is None else outside,
                              index=self.cost_index,
                              validate=lambda v: pr.as_vector("outside", v, length=K))
        z = model.variable("z", (S, N), index=(self._segment_index, self.value_index), nonneg=True)
        # the joint measure (recommendation r) x (report k, value i): zero where r < c_k
        cols = pd.MultiIndex.from_product([self.cost_index.rename("report"), self.value_index])
        rows, i = np.repeat(np.arange(S), N), np.tile(np.arange(N), S)
        E = sp.csr_matrix((np.ones(S * N), (seg_r[rows] * K * N + seg_k[rows] * N + i, rows * N + i)),
                          shape=((N + 1) * K * N, S * N))
        M = cp.reshape(E @ cp.vec(z, order="C"), (N + 1, K * N), order="C")
        recs = pd.Index(self.prices, name="recommendation")
        model.constrain("segmentation", consistency(M, np.tile(self.value_probs, K), cols, axis=0))
        pay = np.transpose(self.payoff, (1, 0, 2)).reshape(N + 1, K * N)  # pay[r, (k, i)] = a_{c_k}(v_i, r)
        model.constrain("obedience", obedience(M, pay, recs, groups=np.repeat(np.arange(K), N),
                                               group_index=self.cost_index.rename("report"),
                                               description="the truthful cost obeys its recommendation"))
        # deviators: w[(k, r), j] >= best profit of c_j in segment (k, r), for j != k
        t_s, t_j = np.nonzero(seg_k[:, None] != np.arange(K)[None, :])
        w_index = pd.MultiIndex.from_arrays(
            [*(self._segment_index.get_level_values(n)[t_s] for n in range(2)), np.asarray(self.cost_index)[t_j]],
            names=["report", "recommendation", "deviator"])
        w = model.variable("w", t_s.size, index=w_index, nonneg=True)
        # Topkis: argmax_p (p - c) D(p) rises with c in the strong set order (⊥ = +inf), and r is optimal
        # for c_k, so a higher-cost deviator has a best price >= r and a lower-cost one a best price <= r
        candidates = None
        if reduced:
            r, up = seg_r[t_s][:, None], (t_j > seg_k[t_s])[:, None]
            price = np.arange(N)[None, :]
            candidates = np.where(up, price >= r, price <= r)
        model.constrain("deviation", best_response_bound(w, z, t_s, t_j, self.payoff[:, :N, :], index=w_index,
                                                         actions=self.value_index.rename("price"),
                                                         candidates=candidates))
        tau = model.variable("tau", K, index=self.cost_index)
        coef = self._truthful_coefficients()
        own = sp.csr_matrix((np.ones(S), (seg_k, np.arange(S))), shape=(K, S))
        truthful_profit = own @ cp.sum(cp.multiply(coef["profit"], z), axis=1)
        # U[j, k] (true j, report k), flattened j * K + k
        diag = sp.csr_matrix((np.ones(K), (np.arange(K) * (K + 1), np.arange(K))), shape=(K * K, K))
        off = sp.csr_matrix((np.ones(t_s.size), (t_j * K + seg_k[t_s], np.arange(t_s.size))), shape=(K * K, t_s.size))
        pays = sp.csr_matrix((np.ones(K * K), (np.arange(K * K), np.tile(np.arange(K), K))), shape=(K * K, K))
        U = cp.reshape(diag @ truthful_profit + off @ w - pays @ tau, (K, K), order="C")
        model.constrain("IC", truthful(U, self.cost_index))
        model.constrain("IR", participation(U, out, self.cost_index))
        revenue = self.cost_probs @ tau
        if floor is None:
            model.maximize(revenue)
        else:
            model.constrain("revenue floor", family(revenue, ">=", floor, None, "revenue at least the optimum"))
            if objective == "consumer_surplus":
                model.maximize(self.cost_probs @ (own @ cp.sum(cp.multiply(coef["cs"], z), axis=1)))
            elif objective.startswith("quantity:"):
                k = int(objective.split(":")[1])
                model.maximize(cp.sum(cp.multiply(coef["served"][seg_k == k], z[np.flatnonzero(seg_k == k)])))
            else:
                raise pr.InputError(f"objective: 'consumer_surplus' or 'quantity:<k>', got {objective!r}")
        self._register_outputs(model)
        return model

    def solve(self, solver: str | None = None, **options) -> Solution:
        """The broker's optimal mechanism (DB-C): value = expected revenue, ["transfer"] by cost."""
        return self.mechanism_problem().solve(solver, **options)

    def optimal_face(self, objective: str = "consumer_surplus", sense: str = "max", *, slack: float = 1e-9,
                     solver: str | None = None, tol: float | None = 1e-10) -> float:
        """Max (or min) of `objective` over the optimal mechanisms (revenue >= R* - slack max(1, R*))."""
        best = self.solve(solver, tol=tol).value
        model = self.mechanism_problem(objective=objective, floor=best - slack * max(1.0, abs(best)))
        if sense == "min":
            model.minimize(model.objective)
        return model.solve(solver, tol=tol, certify=False).value

    def _register_outputs(self, model: Model) -> None:
        model.output("transfer", lambda sol: (sol["tau"] + 0.0).rename("transfer"))  # no -0.0
        model.output("menu", lambda sol: self.menu(sol["z"]))
        model.output("outcome", lambda sol: self.outcome(sol["z"], sol["tau"]))
        model.output("served", lambda sol: self.served_mass(sol["z"]))
        model.output("gross_profit", lambda sol: self.evaluate(self.segments(sol), sol["tau"]).gross)
        model.output("welfare", lambda sol: self.welfare(sol["outcome"]))

    # ------------------------------------------------------------ reading a DB-C solution (spec §A.4)
    def menu(self, z: pd.DataFrame) -> pd.DataFrame:
        """beta_k(r | v) = z[k, r, v] / m(v): the price-recommendation kernel of every menu item."""
        arr, m = z.to_numpy(), self.value_probs
        beta = np.divide(arr, m, out=np.zeros_like(arr), where=m > 0)
        beta[np.ix_(np.isinf(self._segment_index.get_level_values(1)), m <= 0)] = 1.0
        return pd.DataFrame(beta, index=z.index, columns=z.columns)

    def served_mass(self, z: pd.DataFrame) -> pd.DataFrame:
        """x_k(v) = mass of value-v consumers who buy when report k's truthful cost obeys."""
        served = self._truthful_coefficients()["served"] * z.to_numpy()
        own = np.equal.outer(np.arange(self.K), self._segments[0]).astype(float)
        return pd.DataFrame(own @ served, index=self.cost_index, columns=self.value_index)

    def outcome(self, z: pd.DataFrame, tau: pd.Series) -> pd.DataFrame:
        """Per cost (truthful): quantity, consumer surplus, gross profit, transfer, profit U_k, total surplus."""
        coef, arr = self._truthful_coefficients(), z.to_numpy()
        own = np.equal.outer(np.arange(self.K), self._segments[0]).astype(float)
        gross = own @ (coef["profit"] * arr).sum(axis=1)
        cs = own @ (coef["cs"] * arr).sum(axis=1)
        tau = tau.to_numpy()
        return pd.DataFrame({"quantity": own @ (coef["served"] * arr).sum(axis=1), "consumer_surplus": cs,
                             "gross_profit": gross, "transfer": tau, "producer_profit": gross - tau,
                             "total_surplus": gross + cs}, index=self.cost_index)

    def welfare(self, outcome: pd.DataFrame) -> pd.Series:
        """Expected revenue, producer profit, consumer surplus and total surplus."""
        g = self.cost_probs
        return pd.Series({"revenue": g @ outcome["transfer"], "producer_profit": g @ outcome["producer_profit"],
                          "consumer_surplus": g @ outcome["consumer_surplus"],
                          "total_surplus": g @ outcome["total_surplus"]}, name="expected")

    def rent_flow(self, sol: Solution) -> pd.Series:
        """g_k + sum_j lambda_jk - sum_j lambda_kj - mu_k per cost k: 0 for every optimal dual (spec §A.4).

        lambda_jk = -prices["IC"][(j, k)] (type j not reporting k), mu_k = -prices["IR"][k].
        """
        lam = (-sol.prices["IC"]).unstack().reindex(index=self.cost_index, columns=self.cost_index).fillna(0.0)
        mu = -sol.prices["IR"].to_numpy()
        res = self.cost_probs + lam.sum(axis=0).to_numpy() - lam.sum(axis=1).to_numpy() - mu
        return pd.Series(res, index=self.cost_index, name="rent_flow_residual")

    # ------------------------------------------------------------ brute-force evaluation
    def segments(self, sol: Solution, tol: float = 1e-12) -> list[np.ndarray]:
        """The explicit segments of every report's segmentation (one array of mass vectors per report)."""
        z, seg_k = sol["z"].to_numpy(), self._segments[0]
        return [z[(seg_k == k) & (z.sum(axis=1) > tol)] for k in range(self.K)]

    def evaluate(self, segments, transfer) -> MechanismAudit:
        """Re-optimise every cost in every segment of every report: the IC/IR audit of a mechanism.

        segments: one (n_segments, N) array of mass vectors per report; transfer: tau per report.
        """
        if len(segments) != self.K:
            raise pr.InputError(f"segments: expected one segmentation per cost ({self.K}), got {len(segments)}")
        tau = pr.as_vector("transfer", transfer, length=self.K)
        gross, served, cs, mass_err = np.zeros((self.K, self.K)), np.zeros((self.K, self.N)), np.zeros(self.K), 0.0
        for k, seg in enumerate(segments):
            seg = np.atleast_2d(np.asarray(seg, dtype=float)).reshape(-1, self.N)
            mass_err = max(mass_err, float(np.abs(seg.sum(axis=0) - self.value_probs).max()))
            best, price = self.best_prices(seg)
            gross[k] = best.sum(axis=0)
            buys = self.values[None, :] >= price[:, k][:, None]
            served[k] = (buys * seg).sum(axis=0)
            cs[k] = float((buys * seg * (self.values[None, :] - np.where(np.isinf(price[:, k]), 0,
                                                                          price[:, k])[:, None])).sum())
        U = gross.T - tau[None, :]  # U[j, k]: true j, report k
        own = np.diag(U)
        return MechanismAudit(
            gross=pd.DataFrame(gross, index=self.cost_index.rename("report"), columns=self.cost_index),
            utility=pd.DataFrame(U, index=self.cost_index, columns=self.cost_index.rename("report")),
            transfer=pd.Series(tau, index=self.cost_index, name="transfer"),
            revenue=float(self.cost_probs @ tau),
            ic_violation=float(max(0.0, (U - own[:, None]).max())),
            ir_violation=float(max(0.0, (self._uniform[0] - own).max())),
            mass_error=mass_err,
            served=pd.DataFrame(served, index=self.cost_index, columns=self.value_index),
            consumer_surplus=pd.Series(cs, index=self.cost_index, name="consumer_surplus"),
        )

    def audit(self, sol: Solution) -> MechanismAudit:
        """`evaluate` applied to a DB-C solution's explicit segments and transfers."""
        return self.evaluate(self.segments(sol), sol["transfer"])

    # ------------------------------------------------------------ DB-P (spec §A.3)
    def profiles(self, monotone: bool = True) -> list[tuple[int, ...]]:
        """Recommendation profiles (price index per cost, N = ⊥) with rho_j in R_j; nondecreasing if monotone."""
        allowed = [set(np.flatnonzero(self.values >= c).tolist()) | {self.N} for c in self.costs]
        if monotone:
            cand = itertools.combinations_with_replacement(range(self.N + 1), self.K)
        else:
            cand = itertools.product(*(sorted(a) for a in allowed))
        return [p for p in cand if all(r in a for r, a in zip(p, allowed))]

    def profile_problem(self, monotone: bool = True) -> Model:
        """The profile LP DB-P: obedience of every cost in every segment, exact deviation profits."""
        N, K, m = self.N, self.K, self.value_probs
        prof = np.array(self.profiles(monotone))
        n_p = prof.shape[0]
        label = pd.Index(["(" + ", ".join("⊥" if r == N else f"{self.values[r]:g}" for r in p) + ")"
                          for p in prof], name="profile")
        cols = pd.MultiIndex.from_product([self.cost_index.rename("report"), self.value_index])
        model = Model("DB-P", sense="max", units="broker revenue",
                      description="Yang's data broker: the monotone price-recommendation-profile LP")
        z = model.variable("z", (n_p, K * N), index=(label, cols), nonneg=True)
        model.constrain("segmentation", consistency(z, np.tile(m, K), cols, axis=0))
        # measure (recommended price a) x (profile, report k, cost j, value i): z where rho_j = a
        p_, k_, j_, i_ = (a.ravel() for a in np.meshgrid(np.arange(n_p), np.arange(K), np.arange(K), np.arange(N),
                                                         indexing="ij"))
        col = ((p_ * K + k_) * K + j_) * N + i_
        n_col = n_p * K * K * N
        E = sp.csr_matrix((np.ones(col.size), (prof[p_, j_] * n_col + col, p_ * K * N + k_ * N + i_)),
                          shape=((N + 1) * n_col, n_p * K * N))
        M = cp.reshape(E @ cp.vec(z, order="C"), (N + 1, n_col), order="C")
        pay = self.payoff[j_, :, i_].T  # (N + 1, n_col)
        model.constrain("obedience", obedience(M, pay, pd.Index(self.prices, name="recommendation"),
                                               groups=col // N, description="every cost obeys its recommendation"))
        tau = model.variable("tau", K, index=self.cost_index)
        # U[j, k] = sum_{rho, i} z[rho, (k, i)] a_{c_j}(v_i, rho_j) - tau_k
        G = sp.csr_matrix((self.payoff[j_, prof[p_, j_], i_], (j_ * K + k_, p_ * K * N + k_ * N + i_)),
                          shape=(K * K, n_p * K * N))
        pays = sp.csr_matrix((np.ones(K * K), (np.arange(K * K), np.tile(np.arange(K), K))), shape=(K * K, K))
        U = cp.reshape(G @ cp.vec(z, order="C") - pays @ tau, (K, K), order="C")
        model.constrain("IC", truthful(U, self.cost_index))
        model.constrain("IR", participation(U, self.outside_option.to_numpy(), self.cost_index))
        model.maximize(self.cost_probs @ tau)
        model.output("transfer", lambda sol: sol["tau"].rename("transfer"))
        return model

    # ------------------------------------------------------------ broker that controls prices (spec §A.5)
    def price_controlling(self) -> Model:
        """PC: report k buys the consumers x[k, v] at their values and pays tau_k (spec §A.5(a))."""
        model = Model("PC", sense="max", units="broker revenue",
                      description="Yang's price-controlling data broker")
        x = model.variable("x", (self.K, self.N), index=(self.cost_index, self.value_index), nonneg=True)
        tau = model.variable("tau", self.K, index=self.cost_index)
        model.constrain("capacity", supply_limit(x, 1.0, (self.cost_index, self.value_index),
                                                 description="at most every consumer of each value is served"))
        # U[j, k] = (1, -c_j) . (revenue_k, quantity_k) - tau_k
        alloc = x @ np.column_stack([self.value_probs * self.values, self.value_probs])
        U = report_utility(np.column_stack([np.ones(self.K), -self.costs]), alloc, tau)
        return self._screening(model, U, self.cost_probs @ tau, x)

    def exclusive_retail(self) -> Model:
        """ER: the broker buys x[k, v] of the good for t_k and sells at value (spec §A.5(b))."""
        model = Model("ER", sense="max", units="broker payoff", description="Yang's exclusive retailer")
        x = model.variable("x", (self.K, self.N), index=(self.cost_index, self.value_index), nonneg=True)
        t = model.variable("t", self.K, index=self.cost_index)
        model.constrain("capacity", supply_limit(x, 1.0, (self.cost_index, self.value_index),
                                                 description="at most every consumer of each value is served"))
        U = report_utility(-self.costs, x @ self.value_probs, -t)  # t_k - c_j q_k
        return self._screening(model, U, self.cost_probs @ (x @ (self.value_probs * self.values) - t), x)

    def _screening(self, model: Model, U, objective, x) -> Model:
        model.constrain("IC", truthful(U, self.cost_index))
        model.constrain("IR", participation(U, self.outside_option.to_numpy(), self.cost_index))
        model.maximize(objective)
        model.output("producer_profit", lambda sol: pd.Series(np.diag(U.value), index=self.cost_index,
                                                              name="producer_profit"))
        model.output("quantity", lambda sol: (sol["x"] @ self.value_probs).rename("quantity"))
        return model


# ---------------------------------------------------------------- paper examples for `optmarkets reproduce`
EXAMPLE1 = {5: 0.048, 10: 0.054, 20: 0.055125}  # spec §A.6: DB-C on the midpoint grid


@EXAMPLES.register("yang-example-1-convergence")
def _example1(solver: str | None = None) -> list[Check]:
    rows = []
    for n, expected in EXAMPLE1.items():
        broker = DataBroker.discretized_example1(n)
        rows.append(Check("yang-example-1-convergence", f"R_DB, Example 1 on an n={n} grid", expected,
                          broker.solve(solver).value, 1e-6,
                          "spec §A.6 table; continuum limit R* = 1/18 = 0.0556 (limit only)"))
        rows.append(Check("yang-example-1-convergence", f"transplanted cutoff formula, n={n} (NOT the optimum)", None,
                          broker.continuum_cutoff_revenue(), 1e-6, "spec Y-B4: converges to 1/18 only in the limit"))
    return rows
